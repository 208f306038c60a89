//! Cross-modal and within-modal retrieval by cosine similarity, scored by average precision with
//! the scene label as relevance (CMPlaces section 5.1, Tables 1 and 3).
//!
//! For a query q and a target modality t, every item j of t is scored by cos(q, x_j) =
//! q·x_j / (|q| |x_j|) and AP is computed over that ranking ([`super::ap`]); within-modal
//! retrieval (t = modality of q) leaves the query itself out. The mAP of a (query modality,
//! target modality) pair is the mean AP over its queries.
//!
//! Ties: AP treats items of equal score as one threshold, as scikit-learn does, so which items
//! tie matters. Every row is first scaled to unit length by true division, x_i / |x| with |x|
//! computed in f64 and rounded once to the features' dtype ([`super::unit`]); the scores are the
//! inner products of those unit rows. Identical rows therefore get identical scores, a row with
//! one non-zero element becomes exactly ±1 there (all 1-d features of one sign tie at cosine 1),
//! and power-of-two multiples of a row tie exactly, as their true cosines do. Other parallel rows
//! (x and 3x) may differ in the last bit of their unit rows, as in any floating-point cosine. A
//! zero row stays zero and scores 0 against everything.
//!
//! Features holding NaN or ±inf are an error naming the first such row and its modality (found
//! in the same pass that computes the norms): NaN compares false with everything, so it would
//! otherwise give meaningless APs.
//!
//! Computation: rows are grouped by modality once, so every target is a contiguous block of
//! columns. On the CPU the unit rows are written in grouped order into one buffer (in parallel)
//! and their inner products computed by `gemm` straight into a reusable buffer
//! ([`super::gram`]): when every row is a query (and D ≥ 512, the N×N matrix fits in 1 GiB, and
//! no explicit `batch` asks for bounded memory) only the blocks on or above the diagonal of X·Xᵀ
//! are computed — half the products — and mirrored; otherwise blocks of B queries × N items
//! (memory B×N, never N×N; B×N about 8 MiB by default so a block stays in cache). On another
//! device the rows are scaled there and each block is one matrix product there, copied to the
//! host. The APs of each block's rows are computed in parallel with rayon by counting, for each
//! relevant score, the items scored at or above it ([`super::ap`]: no sort of the candidates).

use super::ap::{ap_with_count, expected_random_ap_h};
use super::features::{select_rows, FeatureSet};
use super::gram::{gram_block, gram_symmetric, Elem};
use super::table::{PairResult, RetrievalTable};
use super::unit::{self, Bad};
use crate::error::{Context, Error, Result};
use crate::tensor::{DType, Tensor};
use rayon::prelude::*;

/// Which queries to evaluate.
#[derive(Clone, Debug, PartialEq)]
pub enum Queries {
    /// This many distinct random queries per modality (seeded); every row of a modality that has
    /// fewer. The paper uses 1000.
    Sample(usize),
    /// Every row is a query.
    All,
}

/// Options of [`retrieval`].
#[derive(Clone, Debug)]
pub struct RetrievalOpts {
    /// Queries per modality (default: `Sample(1000)`, the paper's protocol).
    pub queries: Queries,
    /// Seed of the query sample (default 0).
    pub seed: u64,
    /// Queries per matrix product (default 0: about 8 MiB of scores per block on the CPU, 64 MiB
    /// on another device; with 0 and every row a query, the CPU computes the symmetric matrix
    /// once instead, when it fits in 1 GiB and D ≥ 512).
    pub batch: usize,
}

impl Default for RetrievalOpts {
    fn default() -> Self {
        RetrievalOpts {
            queries: Queries::Sample(1000),
            seed: 0,
            batch: 0,
        }
    }
}

/// Rows grouped by modality: the grouped order, and each modality's offset and count in it.
struct Groups {
    names: Vec<String>,
    order: Vec<usize>,
    offset: Vec<usize>,
    count: Vec<usize>,
}

fn groups(f: &FeatureSet) -> Result<Groups> {
    let names = f.modality_names();
    let (mut order, mut offset, mut count) = (vec![], vec![], vec![]);
    for m in &names {
        let rows = f.rows_of(m)?;
        offset.push(order.len());
        count.push(rows.len());
        order.extend(rows);
    }
    Ok(Groups {
        names,
        order,
        offset,
        count,
    })
}

/// The query positions (in grouped order) of each modality.
fn pick_queries(g: &Groups, opts: &RetrievalOpts) -> Vec<Vec<usize>> {
    let mut rng = crate::tensor::create::rng(opts.seed);
    (0..g.names.len())
        .map(|m| {
            let n = g.count[m];
            let mut local: Vec<usize> = match opts.queries {
                Queries::Sample(k) if k < n => rand::seq::index::sample(&mut rng, n, k).into_vec(),
                _ => (0..n).collect(),
            };
            local.sort_unstable();
            local.into_iter().map(|i| g.offset[m] + i).collect()
        })
        .collect()
}

/// Retrieval mAP for every (query modality, target modality) pair of `f`, within-modal pairs
/// included.
pub fn retrieval(f: &FeatureSet, opts: &RetrievalOpts) -> Result<RetrievalTable> {
    let op = "eval::retrieval";
    if let Queries::Sample(0) = opts.queries {
        return Err(Error::invalid(
            op,
            "queries",
            "must be at least 1, or \"all\"",
        ));
    }
    let g = groups(f)?;
    let n = g.order.len();
    let xf = f.x_float()?;
    let labels: Vec<usize> = g.order.iter().map(|&i| f.labels[i]).collect();
    let bad = |b: Bad| {
        b.error(
            op,
            &format!(
                "features row {} (modality '{}')",
                b.row, f.modalities[b.row]
            ),
        )
    };

    let queries = pick_queries(&g, opts);
    let flat: Vec<usize> = queries.iter().flatten().copied().collect();
    let batch = if opts.batch > 0 {
        opts.batch
    } else {
        // Scores per block: about 8 MiB (f32) on the CPU, where a block that stays in cache
        // between the product and the scoring is faster than a bigger one; 64 MiB elsewhere.
        let elems: usize = if xf.device().is_cpu() {
            2 << 20
        } else {
            16 << 20
        };
        (elems / n.max(1)).clamp(1, 4096)
    };
    let ctx = Scoring {
        n,
        g: &g,
        labels: &labels,
        harmonic: (0..=n)
            .scan(0.0, |h, k| {
                if k > 0 {
                    *h += 1.0 / k as f64;
                }
                Some(*h)
            })
            .collect(),
    };
    let mods = g.names.len();
    // Per query (in `flat` order): (AP, chance) per target modality.
    let auto = opts.batch == 0;
    let per_query = match (xf.device().is_cpu(), xf.dtype()) {
        (true, DType::F64) => cpu_scores::<f64>(&xf, &g.order, &flat, batch, auto, &ctx, &bad)?,
        (true, _) => cpu_scores::<f32>(&xf, &g.order, &flat, batch, auto, &ctx, &bad)?,
        (false, _) => {
            let rn = unit::row_norms(&xf)?;
            if let Some(&b) = rn.bad.first() {
                return Err(bad(b));
            }
            // Rows already grouped (the usual case) need no reordering copy.
            let (x, norms) = if g.order.iter().enumerate().all(|(i, &r)| i == r) {
                (xf, rn.norms)
            } else {
                let norms = g.order.iter().map(|&r| rn.norms[r]).collect();
                (select_rows(&xf, &g.order)?, norms)
            };
            device_scores(&unit::divide_rows(&x, &norms)?, &flat, batch, &ctx)?
        }
    };

    let mut pairs = vec![];
    let mut start = 0;
    for (qm, qs) in queries.iter().enumerate() {
        let block = &per_query[start..start + qs.len()];
        start += qs.len();
        for tm in 0..mods {
            let ap: Vec<Option<f64>> = block.iter().map(|r| r[tm].0).collect();
            let chance: Vec<f64> = block.iter().filter_map(|r| r[tm].1).collect();
            pairs.push(PairResult::new(
                &g.names[qm],
                &g.names[tm],
                qs.iter().map(|&p| g.order[p]).collect(),
                ap,
                mean(&chance),
            ));
        }
    }
    let protocol = match opts.queries {
        Queries::All => "all queries".to_string(),
        Queries::Sample(k) => format!("{k} random queries per modality, seed {}", opts.seed),
    };
    Ok(RetrievalTable {
        modalities: g.names,
        protocol,
        pairs,
    })
}

/// (AP, chance) per target modality, for one query.
type Row = Vec<(Option<f64>, Option<f64>)>;

/// What scoring a row needs besides the row.
struct Scoring<'a> {
    n: usize,
    g: &'a Groups,
    labels: &'a [usize],
    /// H_0..=H_n.
    harmonic: Vec<f64>,
}

/// Bytes of similarities up to which all-queries retrieval on the CPU keeps the whole symmetric
/// matrix (computing half of it); beyond that, with an explicit `batch`, or for few dimensions,
/// queries go in blocks.
const SYMMETRIC_BYTES: usize = 1 << 30;
/// Below this many dimensions the product is cheap next to writing and mirroring N×N scores, and
/// cache-sized query blocks are faster.
const SYMMETRIC_MIN_DIM: usize = 512;
/// Rows per block of the symmetric product.
const SYMMETRIC_BLOCK: usize = 512;

/// The features of a CPU tensor as a slice, without a copy when they are contiguous.
fn with_slice<T: Elem + candle_core::WithDType, R>(
    x: &Tensor,
    f: impl FnOnce(&[T]) -> R,
) -> Result<R> {
    let op = "eval::retrieval: read features";
    {
        let (storage, layout) = x.storage_and_layout();
        if let (candle_core::Storage::Cpu(cpu), Some((a, b))) =
            (&*storage, layout.contiguous_offsets())
        {
            let all = cpu.as_slice::<T>().op(op)?;
            return Ok(f(&all[a..b]));
        }
    }
    let v = x.flatten_all().and_then(|t| t.to_vec1::<T>()).op(op)?;
    Ok(f(&v))
}

/// Scores on the CPU with `gemm` straight into reusable buffers, over the unit rows of `x` in
/// grouped order (`order[p]` is the row of `x` at position p): the symmetric Gram matrix when
/// every row is a query (half the products), else blocks of `batch` queries × all items.
fn cpu_scores<T: Elem + candle_core::WithDType>(
    x: &Tensor,
    order: &[usize],
    flat: &[usize],
    batch: usize,
    auto_batch: bool,
    s: &Scoring,
    bad: &dyn Fn(Bad) -> Error,
) -> Result<Vec<Row>> {
    let n = s.n;
    let d = x.dims()[1];
    let xs = with_slice::<T, _>(x, |xs| unit::unit_rows_cpu(xs, d, order))?.map_err(bad)?;
    let symmetric = auto_batch
        && flat.len() == n
        && d >= SYMMETRIC_MIN_DIM
        && n.saturating_mul(n).saturating_mul(std::mem::size_of::<T>()) <= SYMMETRIC_BYTES;
    if symmetric {
        let mut g = vec![T::ZERO; n * n];
        gram_symmetric(&xs, n, d, SYMMETRIC_BLOCK, &mut g);
        if crate::interrupt::requested() {
            return Err(Error::Interrupted);
        }
        // flat is 0..n here (all queries, in grouped order).
        return Ok(score_rows(&g, flat, s));
    }
    let mut buf = vec![T::ZERO; batch.min(flat.len()) * n];
    let mut qbuf: Vec<T> = vec![];
    let mut out = Vec::with_capacity(flat.len());
    for chunk in flat.chunks(batch) {
        if crate::interrupt::requested() {
            return Err(Error::Interrupted);
        }
        let m = chunk.len();
        let contiguous = chunk.windows(2).all(|w| w[1] == w[0] + 1);
        let lhs = if contiguous {
            &xs[chunk[0] * d..(chunk[0] + m) * d]
        } else {
            qbuf.clear();
            for &q in chunk {
                qbuf.extend_from_slice(&xs[q * d..(q + 1) * d]);
            }
            &qbuf[..]
        };
        gram_block(lhs, m, &xs, n, d, &mut buf[..m * n], n);
        out.extend(score_rows(&buf[..m * n], chunk, s));
    }
    Ok(out)
}

/// Scores on another device: one matrix product of unit rows per block of queries, copied to
/// the host.
fn device_scores(x: &Tensor, flat: &[usize], batch: usize, s: &Scoring) -> Result<Vec<Row>> {
    let op = "eval::retrieval";
    let xt = x.t().and_then(|t| t.contiguous()).op(op)?;
    let mut out = Vec::with_capacity(flat.len());
    for chunk in flat.chunks(batch) {
        if crate::interrupt::requested() {
            return Err(Error::Interrupted);
        }
        let q = select_rows(x, chunk)?;
        let p = q.matmul(&xt).op("eval::retrieval: query × item products")?;
        if p.dtype() == DType::F64 {
            let v = p.flatten_all().and_then(|s| s.to_vec1::<f64>()).op(op)?;
            out.extend(score_rows(&v, chunk, s));
        } else {
            let v = p
                .to_dtype(DType::F32)
                .and_then(|s| s.flatten_all())
                .and_then(|s| s.to_vec1::<f32>())
                .op(op)?;
            out.extend(score_rows(&v, chunk, s));
        }
    }
    Ok(out)
}

/// APs and chance levels of a batch of rows of cosines (row r holds query `chunk[r]` against
/// all N grouped items).
fn score_rows<T: Elem>(v: &[T], chunk: &[usize], s: &Scoring) -> Vec<Row> {
    let (n, g) = (s.n, s.g);
    v.par_chunks(n)
        .zip(chunk.par_iter())
        .map(|(row, &qp)| {
            let ql = s.labels[qp];
            (0..g.names.len())
                .map(|t| {
                    let (o, c) = (g.offset[t], g.count[t]);
                    let skip = (qp >= o && qp < o + c).then(|| qp - o);
                    let lab = &s.labels[o..o + c];
                    let (ap, r) = ap_with_count(&row[o..o + c], |j| lab[j] == ql, skip);
                    let size = c - skip.is_some() as usize;
                    (ap, expected_random_ap_h(size, r, s.harmonic[size]))
                })
                .collect()
        })
        .collect()
}

/// The mean of the values (NaN when there are none).
pub(crate) fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}
