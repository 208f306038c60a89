//! Input affinities P and the KL divergence of an embedding.
//!
//! Per point i, a Gaussian over its k neighbours, p_{j|i} = exp(−β_i d²_ij) / Σ_l exp(−β_i d²_il),
//! with β_i found by binary search so that the entropy H(P_i) = log(perplexity) (tolerance 1e-5
//! nats, as van der Maaten's bhtsne). The joint P is symmetrised, p_ij = (p_{j|i} + p_{i|j}) / 2N,
//! and stored sparse (CSR). The cost t-SNE minimises is KL(P‖Q) = Σ p_ij log(p_ij / q_ij) with
//! q_ij = (1 + |y_i − y_j|²)⁻¹ / Z and Z = Σ_{k≠l} (1 + |y_k − y_l|²)⁻¹; [`kl`] computes Z over
//! all pairs (O(N²), parallel), so its value is exact for the given sparse P.

use super::knn::Knn;
use rayon::prelude::*;

/// A sparse symmetric joint distribution: row i holds `cols[rows[i]..rows[i+1]]` and `vals`.
#[derive(Clone, Debug)]
pub struct SparseP {
    pub rows: Vec<usize>,
    pub cols: Vec<u32>,
    pub vals: Vec<f64>,
}

impl SparseP {
    /// Number of points.
    pub fn n(&self) -> usize {
        self.rows.len() - 1
    }
}

/// The conditional p_{j|i} over each point's neighbours (row-major, n×k), calibrated to
/// `perplexity` by binary search on β.
pub fn conditional(nn: &Knn, perplexity: f64) -> Vec<f64> {
    let k = nn.k;
    let target = perplexity.ln();
    let mut p = vec![0.0; nn.index.len()];
    p.par_chunks_mut(k)
        .zip(nn.dist.par_chunks(k))
        .for_each(|(row, dist)| {
            let d2: Vec<f64> = dist.iter().map(|&d| (d as f64) * (d as f64)).collect();
            // Shift by the nearest distance so exp() never underflows for far-away data; it
            // cancels in the normalisation.
            let d0 = d2[0];
            let (mut beta, mut lo, mut hi) = (1.0f64, 0.0f64, f64::INFINITY);
            for _ in 0..200 {
                let mut sum = 0.0;
                let mut wsum = 0.0;
                for (pj, &dj) in row.iter_mut().zip(&d2) {
                    *pj = (-beta * (dj - d0)).exp();
                    sum += *pj;
                    wsum += *pj * (dj - d0);
                }
                let h = sum.ln() + beta * wsum / sum;
                let diff = h - target;
                if diff.abs() < 1e-5 {
                    break;
                }
                // Entropy falls as β grows: too much entropy → sharper kernel.
                if diff > 0.0 {
                    lo = beta;
                    beta = if hi.is_finite() {
                        (beta + hi) / 2.0
                    } else {
                        beta * 2.0
                    };
                } else {
                    hi = beta;
                    beta = (beta + lo) / 2.0;
                }
            }
            let sum: f64 = row.iter().sum();
            row.iter_mut().for_each(|pj| *pj /= sum);
        });
    p
}

/// Symmetrise conditional probabilities into the joint P (sums to 1).
pub fn symmetrize(nn: &Knn, cond: &[f64]) -> SparseP {
    let n = nn.len();
    let k = nn.k;
    // Collect both directions of every edge, then merge duplicates per row.
    let mut per_row: Vec<Vec<(u32, f64)>> = vec![Vec::with_capacity(2 * k); n];
    for i in 0..n {
        for r in 0..k {
            let j = nn.index[i * k + r] as usize;
            let v = cond[i * k + r];
            per_row[i].push((j as u32, v));
            per_row[j].push((i as u32, v));
        }
    }
    let norm = 2.0 * n as f64;
    let merged: Vec<Vec<(u32, f64)>> = per_row
        .into_par_iter()
        .map(|mut row| {
            row.sort_unstable_by_key(|e| e.0);
            let mut out: Vec<(u32, f64)> = Vec::with_capacity(row.len());
            for (j, v) in row {
                match out.last_mut() {
                    Some(last) if last.0 == j => last.1 += v,
                    _ => out.push((j, v)),
                }
            }
            out.iter_mut().for_each(|e| e.1 /= norm);
            out
        })
        .collect();
    let mut rows = Vec::with_capacity(n + 1);
    rows.push(0);
    let mut cols = vec![];
    let mut vals = vec![];
    for row in merged {
        for (j, v) in row {
            cols.push(j);
            vals.push(v);
        }
        rows.push(cols.len());
    }
    SparseP { rows, cols, vals }
}

/// The joint P of `nn` at `perplexity`.
pub fn joint(nn: &Knn, perplexity: f64) -> SparseP {
    symmetrize(nn, &conditional(nn, perplexity))
}

/// Σ_{i≠j} (1 + |y_i − y_j|²)⁻¹ over all ordered pairs of an n×dims embedding.
pub fn normaliser(y: &[f64], dims: usize) -> f64 {
    let n = y.len() / dims;
    (0..n)
        .into_par_iter()
        .map(|i| {
            let yi = &y[i * dims..(i + 1) * dims];
            let mut s = 0.0;
            for j in (i + 1)..n {
                let yj = &y[j * dims..(j + 1) * dims];
                let d2: f64 = yi.iter().zip(yj).map(|(a, b)| (a - b) * (a - b)).sum();
                s += 1.0 / (1.0 + d2);
            }
            2.0 * s
        })
        .sum()
}

/// KL(P‖Q) of the embedding `y` (n×dims, row-major), exact for the sparse P.
pub fn kl(p: &SparseP, y: &[f64], dims: usize) -> f64 {
    let z = normaliser(y, dims);
    let logz = z.ln();
    (0..p.n())
        .into_par_iter()
        .map(|i| {
            let yi = &y[i * dims..(i + 1) * dims];
            let mut s = 0.0;
            for e in p.rows[i]..p.rows[i + 1] {
                let pij = p.vals[e];
                if pij <= 0.0 {
                    continue;
                }
                let j = p.cols[e] as usize;
                let yj = &y[j * dims..(j + 1) * dims];
                let d2: f64 = yi.iter().zip(yj).map(|(a, b)| (a - b) * (a - b)).sum();
                // log q_ij = −log(1 + d²) − log Z
                s += pij * (pij.ln() + (1.0 + d2).ln() + logz);
            }
            s
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::viz::tsne::knn::knn;

    #[test]
    fn calibrated_rows_have_the_requested_perplexity() {
        let x: Vec<f32> = (0..200).map(|i| ((i * 37) % 101) as f32 * 0.1).collect();
        let nn = knn(&x, 100, 2, 30).unwrap();
        let p = conditional(&nn, 10.0);
        for row in p.chunks(30) {
            let h: f64 = -row
                .iter()
                .filter(|&&v| v > 0.0)
                .map(|v| v * v.ln())
                .sum::<f64>();
            assert!((h.exp() - 10.0).abs() < 1e-3, "perplexity {}", h.exp());
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn joint_is_symmetric_and_sums_to_one() {
        let x: Vec<f32> = (0..60).map(|i| ((i * 13) % 29) as f32).collect();
        let nn = knn(&x, 30, 2, 6).unwrap();
        let p = joint(&nn, 3.0);
        assert!((p.vals.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let get = |i: usize, j: usize| {
            (p.rows[i]..p.rows[i + 1])
                .find(|&e| p.cols[e] as usize == j)
                .map(|e| p.vals[e])
                .unwrap_or(0.0)
        };
        for i in 0..30 {
            for e in p.rows[i]..p.rows[i + 1] {
                let j = p.cols[e] as usize;
                assert!((get(i, j) - get(j, i)).abs() < 1e-15);
            }
        }
    }

    #[test]
    fn kl_matches_a_hand_computed_three_point_case() {
        // P uniform over the 6 ordered pairs of 3 points; y on a line at 0, 1, 2.
        // w = 1/2, 1/5, 1/2 (pairs 01, 02, 12), Z = 2·(1/2 + 1/5 + 1/2) = 2.4.
        let p = SparseP {
            rows: vec![0, 2, 4, 6],
            cols: vec![1, 2, 0, 2, 0, 1],
            vals: vec![1.0 / 6.0; 6],
        };
        let y = [0.0, 1.0, 2.0];
        let q = |w: f64| w / 2.4;
        let want: f64 = [0.5, 0.2, 0.5, 0.5, 0.2, 0.5]
            .iter()
            .map(|&w| (1.0 / 6.0) * ((1.0 / 6.0) / q(w)).ln())
            .sum();
        assert!((kl(&p, &y, 1) - want).abs() < 1e-12);
    }
}
