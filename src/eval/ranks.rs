//! Paired retrieval (See-Hear-Read): row i of `a` is paired with row i of `b`. For each query the
//! candidates of the other set are ranked by cosine similarity, and the 1-based rank of the true
//! match is recorded, as open_clip's `get_clip_metrics`:
//! median rank = floor(median(rank − 1)) + 1, mean rank = mean(rank), recall@K = P(rank ≤ K).
//!
//! Ties count against the match: rank = 1 + #{other candidates scored ≥ the match}, so
//! constant features get the worst rank rather than a perfect one. Cosines are inner products of
//! rows scaled to unit length by true division with |x| computed in f64 (as in
//! [`super::retrieval`]): parallel rows with one non-zero element, or power-of-two multiples of
//! one row, tie exactly as their true cosines do, whatever their magnitudes (f32 rows beyond the
//! f32 range of their squares included). A zero row scores 0 against everything.
//!
//! Features holding NaN or ±inf are an error naming the first such row of `a` or `b` (NaN
//! compares false, so it would otherwise rank as a perfect match).
//!
//! With `pool: n`, each query is ranked within its true match plus n − 1 other candidates drawn
//! at random (seeded, without replacement), as pool-based evaluations do; recall@K then refers
//! to that pool.

use super::features::select_rows;
use crate::error::{Context, Error, Result};
use crate::tensor::{DType, Tensor};
use rand::seq::index::sample;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Options of [`ranks`].
#[derive(Clone, Debug, Default)]
pub struct RankOpts {
    /// Candidate pool size including the true match (default 0: every row of the other set).
    pub pool: usize,
    /// Seed of the pools (default 0).
    pub seed: u64,
    /// Queries per matrix product (default 0: about 64 MiB of scores).
    pub batch: usize,
}

/// Ranks of the true matches in one direction, and their summaries.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RankStats {
    pub median_rank: f64,
    pub mean_rank: f64,
    pub r1: f64,
    pub r5: f64,
    pub r10: f64,
    /// 1-based rank of every query's true match.
    pub ranks: Vec<usize>,
}

impl RankStats {
    /// Summaries of 1-based ranks.
    pub fn from_ranks(ranks: Vec<usize>) -> Self {
        let n = ranks.len().max(1) as f64;
        let mut zero: Vec<f64> = ranks.iter().map(|&r| (r - 1) as f64).collect();
        zero.sort_by(|a, b| a.total_cmp(b));
        let m = zero.len();
        // numpy's median, then floor + 1 (open_clip).
        let median = if m == 0 {
            f64::NAN
        } else if m % 2 == 1 {
            zero[m / 2]
        } else {
            (zero[m / 2 - 1] + zero[m / 2]) / 2.0
        };
        let recall = |k: usize| ranks.iter().filter(|&&r| r <= k).count() as f64 / n;
        RankStats {
            median_rank: median.floor() + 1.0,
            mean_rank: ranks.iter().sum::<usize>() as f64 / n,
            r1: recall(1),
            r5: recall(5),
            r10: recall(10),
            ranks,
        }
    }
}

/// Both directions of a paired retrieval.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PairedRanks {
    /// Queries from `a`, candidates from `b`.
    pub a_to_b: RankStats,
    /// Queries from `b`, candidates from `a`.
    pub b_to_a: RankStats,
    /// Candidates per query.
    pub candidates: usize,
}

/// Median rank, mean rank and recall@1/5/10 of paired sets `a` and `b` (N×D and N×D'), both
/// directions.
pub fn ranks(a: &Tensor, b: &Tensor, opts: &RankOpts) -> Result<PairedRanks> {
    let op = "eval::ranks";
    if a.rank() != 2 || b.rank() != 2 || a.dims() != b.dims() {
        return Err(Error::Shape {
            op: format!("{op} (a and b must both be N×D with row i of a paired with row i of b)"),
            lhs: a.dims().to_vec(),
            rhs: b.dims().to_vec(),
        });
    }
    let n = a.dims()[0];
    if n == 0 {
        return Err(Error::invalid(op, "a", "no rows"));
    }
    if opts.pool == 1 || opts.pool > n {
        return Err(Error::invalid(
            op,
            "pool",
            format!("must be between 2 and the number of pairs ({n}), or 0 for all"),
        ));
    }
    let a = unit_rows(a, "a")?;
    let b = unit_rows(b, "b")?;
    let a_to_b = direction(&a, &b, opts, opts.seed)?;
    let b_to_a = direction(&b, &a, opts, opts.seed.wrapping_add(1))?;
    Ok(PairedRanks {
        a_to_b,
        b_to_a,
        candidates: if opts.pool > 0 { opts.pool } else { n },
    })
}

/// Rows scaled to unit length by true division (|x| in f64, rounded to the dtype; zero rows stay
/// zero), in f32 or f64; an error naming the first row of `name` that holds NaN/inf.
fn unit_rows(x: &Tensor, name: &str) -> Result<Tensor> {
    let x = match x.dtype() {
        DType::F64 => x.clone(),
        _ => x.to_dtype(DType::F32).op("eval::ranks")?,
    };
    let rn = super::unit::row_norms(&x)?;
    if let Some(b) = rn.bad.first() {
        return Err(b.error("eval::ranks", &format!("row {} of {name}", b.row)));
    }
    super::unit::divide_rows(&x, &rn.norms)
}

fn direction(q: &Tensor, c: &Tensor, opts: &RankOpts, seed: u64) -> Result<RankStats> {
    let n = q.dims()[0];
    let ct = c.t().and_then(|t| t.contiguous()).op("eval::ranks")?;
    let batch = if opts.batch > 0 {
        opts.batch
    } else {
        ((16usize << 20) / n).clamp(1, 4096)
    };
    let mut rng = crate::tensor::create::rng(seed);
    let mut out = Vec::with_capacity(n);
    let rows: Vec<usize> = (0..n).collect();
    for chunk in rows.chunks(batch) {
        let s = select_rows(q, chunk)?
            .matmul(&ct)
            .and_then(|s| s.to_dtype(DType::F64))
            .and_then(|s| s.to_vec2::<f64>())
            .op("eval::ranks: similarities")?;
        for (row, &i) in s.iter().zip(chunk) {
            let m = row[i];
            let better = if opts.pool > 0 {
                // n − 1 others exist; draw pool − 1 of them (index k ≥ i stands for k + 1).
                sample(&mut rng, n - 1, opts.pool - 1)
                    .into_iter()
                    .map(|k| if k >= i { k + 1 } else { k })
                    .filter(|&j| row[j] >= m)
                    .count()
            } else {
                row.iter()
                    .enumerate()
                    .filter(|&(j, &v)| j != i && v >= m)
                    .count()
            };
            out.push(better + 1);
        }
    }
    Ok(RankStats::from_ranks(out))
}

impl fmt::Display for PairedRanks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Paired retrieval ({} candidates per query)",
            self.candidates
        )?;
        writeln!(
            f,
            "{:<8}{:>9}{:>9}{:>8}{:>8}{:>8}",
            "", "med.rank", "mean.rk", "R@1", "R@5", "R@10"
        )?;
        for (name, s) in [("a→b", &self.a_to_b), ("b→a", &self.b_to_a)] {
            writeln!(
                f,
                "{:<8}{:>9}{:>9.1}{:>8.3}{:>8.3}{:>8.3}",
                name, s.median_rank, s.mean_rank, s.r1, s.r5, s.r10
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_of_hand_ranks() {
        // open_clip: preds (0-based) = [0, 1, 4, 11] → median floor(2.5) + 1 = 3, mean rank 5.
        let s = RankStats::from_ranks(vec![1, 2, 5, 12]);
        assert_eq!(s.median_rank, 3.0);
        assert_eq!(s.mean_rank, 5.0);
        assert_eq!((s.r1, s.r5, s.r10), (0.25, 0.75, 0.75));
    }
}
