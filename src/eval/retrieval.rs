//! Cross-modal and within-modal retrieval by cosine similarity, scored by average precision with
//! the scene label as relevance (CMPlaces section 5.1, Tables 1 and 3).
//!
//! For a query q and a target modality t, every item j of t is scored by cos(q, x_j) =
//! q·x_j / (|q| |x_j|) and AP is computed over that ranking ([`super::ap`]); within-modal
//! retrieval (t = modality of q) leaves the query itself out. The mAP of a (query modality,
//! target modality) pair is the mean AP over its queries.
//!
//! Computation: rows are grouped by modality once, so every target is a contiguous block of
//! columns; then for a batch of B queries the B×N products Q·Xᵀ are one matrix product on the
//! features' device (memory B×N, never N×N), scaled by 1/|x_j| (the query's own norm does not
//! change its ranking, so it is left out), copied to the host, and each row's APs are computed
//! in parallel with rayon. Scaling after the product keeps exact ties exact: identical items get
//! identical scores. A zero-norm item gets score 0.

use super::ap::{ap_with_count, expected_random_ap_h};
use super::features::{select_rows, FeatureSet};
use super::table::{PairResult, RetrievalTable};
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
    /// Queries per matrix product (default 0: as many as fit in about 64 MiB of scores).
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
    let x = select_rows(&f.x_float()?, &g.order)?;
    let labels: Vec<usize> = g.order.iter().map(|&i| f.labels[i]).collect();
    // 1/|x_j| as a 1×N row (0 for a zero vector), in the features' dtype.
    let norms = crate::tensor::to_f64_vec(&x.sqr().and_then(|s| s.sum(1)).op(op)?)?;
    let inv: Vec<f64> = norms
        .iter()
        .map(|&s| if s > 0.0 { 1.0 / s.sqrt() } else { 0.0 })
        .collect();
    let inv = Tensor::from_vec(inv, (1, n), &candle_core::Device::Cpu)
        .and_then(|t| t.to_dtype(x.dtype()))
        .and_then(|t| t.to_device(x.device()))
        .op(op)?;
    let xt = x.t().and_then(|t| t.contiguous()).op(op)?;

    let queries = pick_queries(&g, opts);
    let flat: Vec<usize> = queries.iter().flatten().copied().collect();
    let batch = if opts.batch > 0 {
        opts.batch
    } else {
        ((16usize << 20) / n.max(1)).clamp(1, 4096)
    };
    let harmonic: Vec<f64> = std::iter::once(0.0)
        .chain((1..=n).scan(0.0, |h, k| {
            *h += 1.0 / k as f64;
            Some(*h)
        }))
        .collect();
    let mods = g.names.len();
    // Per query (in `flat` order): (AP, chance) per target modality.
    let mut per_query: Vec<Vec<(Option<f64>, Option<f64>)>> = Vec::with_capacity(flat.len());
    for chunk in flat.chunks(batch) {
        if crate::interrupt::requested() {
            return Err(Error::Interrupted);
        }
        let q = select_rows(&x, chunk)?;
        let s = q
            .matmul(&xt)
            .and_then(|s| s.broadcast_mul(&inv))
            .op("eval::retrieval: query × item products")?;
        let rows: Vec<Vec<(Option<f64>, Option<f64>)>> = match s.dtype() {
            DType::F64 => {
                let v = s.flatten_all().and_then(|s| s.to_vec1::<f64>()).op(op)?;
                score_rows(&v, chunk, n, &g, &labels, &harmonic)
            }
            _ => {
                let v = s
                    .to_dtype(DType::F32)
                    .and_then(|s| s.flatten_all())
                    .and_then(|s| s.to_vec1::<f32>())
                    .op(op)?;
                score_rows(&v, chunk, n, &g, &labels, &harmonic)
            }
        };
        per_query.extend(rows);
    }

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

/// APs and chance levels of a batch of score rows (row r holds query `chunk[r]` against all N
/// grouped items).
fn score_rows<T: Copy + PartialOrd + Send + Sync>(
    v: &[T],
    chunk: &[usize],
    n: usize,
    g: &Groups,
    labels: &[usize],
    harmonic: &[f64],
) -> Vec<Vec<(Option<f64>, Option<f64>)>> {
    v.par_chunks(n)
        .zip(chunk.par_iter())
        .map(|(row, &qp)| {
            let ql = labels[qp];
            (0..g.names.len())
                .map(|t| {
                    let (o, c) = (g.offset[t], g.count[t]);
                    let skip = (qp >= o && qp < o + c).then(|| qp - o);
                    let lab = &labels[o..o + c];
                    let (ap, r) = ap_with_count(&row[o..o + c], |j| lab[j] == ql, skip);
                    let size = c - skip.is_some() as usize;
                    (ap, expected_random_ap_h(size, r, harmonic[size]))
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
