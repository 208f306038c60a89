//! Exact k-nearest neighbours by blocked matrix products.
//!
//! For a block of rows B (b×D) against all rows X (N×D): d²(i, j) = |x_i|² + |x_j|² − 2 x_i·x_j,
//! the product B·Xᵀ done by candle's GEMM, then a partial selection per row (rayon). Memory is
//! b×N floats per block, so 10,000 points need ~10 MB at a time. Distances are Euclidean (not
//! squared); a point is never its own neighbour.

use crate::error::{Context, Error, Result};
use candle_core::{DType, Device, Tensor};
use rayon::prelude::*;

/// Neighbour lists: `index[i*k + r]` is the r-th nearest neighbour of point i, `dist` the
/// Euclidean distance to it, ascending in r.
#[derive(Clone, Debug)]
pub struct Knn {
    pub k: usize,
    pub index: Vec<u32>,
    pub dist: Vec<f32>,
}

impl Knn {
    /// Number of points.
    pub fn len(&self) -> usize {
        self.index.len() / self.k.max(1)
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The neighbours of point i.
    pub fn row(&self, i: usize) -> &[u32] {
        &self.index[i * self.k..(i + 1) * self.k]
    }
}

/// Rows of a 2-D tensor as one f32 vector (row-major), on the host.
pub fn host_rows(op: &str, x: &Tensor) -> Result<(Vec<f32>, usize, usize)> {
    let (n, d) = x.dims2().map_err(|_| {
        Error::invalid(
            op,
            "x",
            format!("expected an N×D matrix, got shape {:?}", x.dims()),
        )
    })?;
    let v = x
        .to_device(&Device::Cpu)
        .op(op)?
        .to_dtype(DType::F32)
        .op(op)?
        .flatten_all()
        .op(op)?
        .to_vec1::<f32>()
        .op(op)?;
    if v.iter().any(|a| !a.is_finite()) {
        return Err(Error::invalid(op, "x", "contains NaN or infinite values"));
    }
    Ok((v, n, d))
}

/// The k nearest neighbours of every row of `x` (n×d, row-major).
pub fn knn(x: &[f32], n: usize, d: usize, k: usize) -> Result<Knn> {
    const OP: &str = "viz::knn";
    if k == 0 || k >= n {
        return Err(Error::invalid(
            OP,
            "k",
            format!("need 0 < k < N, got k={k} for N={n} points"),
        ));
    }
    let all = Tensor::from_slice(x, (n, d), &Device::Cpu).op(OP)?;
    let norms: Vec<f32> = x.chunks(d).map(|r| r.iter().map(|a| a * a).sum()).collect();
    let mut index = vec![0u32; n * k];
    let mut dist = vec![0f32; n * k];
    let block = 512.min(n);
    let mut start = 0;
    while start < n {
        let b = block.min(n - start);
        let g = all
            .narrow(0, start, b)
            .op(OP)?
            .matmul(&all.t().op(OP)?)
            .op(OP)?
            .flatten_all()
            .op(OP)?
            .to_vec1::<f32>()
            .op(OP)?;
        index[start * k..(start + b) * k]
            .par_chunks_mut(k)
            .zip(dist[start * k..(start + b) * k].par_chunks_mut(k))
            .enumerate()
            .for_each(|(r, (idx, dst))| {
                let i = start + r;
                let row = &g[r * n..(r + 1) * n];
                let mut cand: Vec<(f32, u32)> = row
                    .iter()
                    .enumerate()
                    .filter(|&(j, _)| j != i)
                    // Rounding can make a tiny squared distance negative: clamp at 0.
                    .map(|(j, &dot)| ((norms[i] + norms[j] - 2.0 * dot).max(0.0), j as u32))
                    .collect();
                cand.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                cand.truncate(k);
                cand.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                for (r, (d2, j)) in cand.into_iter().enumerate() {
                    idx[r] = j;
                    dst[r] = d2.sqrt();
                }
            });
        start += b;
    }
    Ok(Knn { k, index, dist })
}

/// Fraction of each point's k nearest neighbours in `a` that are also among its k nearest in
/// `b`, averaged over points (both lists from [`knn`] with the same k).
pub fn preservation(a: &Knn, b: &Knn) -> f64 {
    let n = a.len();
    let k = a.k.min(b.k);
    let hits: usize = (0..n)
        .into_par_iter()
        .map(|i| {
            let rb = &b.row(i)[..k];
            a.row(i)[..k].iter().filter(|j| rb.contains(j)).count()
        })
        .sum();
    hits as f64 / (n * k) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_on_a_line_are_the_adjacent_points() {
        // Points 0, 1, 3, 7 on a line: nearest of 3 is 1 (distance 2), then 0 (3), then 7 (4).
        let x = [0.0f32, 1.0, 3.0, 7.0];
        let nn = knn(&x, 4, 1, 3).unwrap();
        assert_eq!(nn.row(2), &[1, 0, 3]);
        assert_eq!(&nn.dist[6..9], &[2.0, 3.0, 4.0]);
        assert_eq!(nn.row(0), &[1, 2, 3]);
    }

    #[test]
    fn preservation_counts_shared_neighbours() {
        let a = Knn {
            k: 2,
            index: vec![1, 2, 0, 2, 0, 1],
            dist: vec![0.0; 6],
        };
        let b = Knn {
            k: 2,
            index: vec![2, 1, 2, 0, 1, 3],
            dist: vec![0.0; 6],
        };
        // Rows share 2, 2 and 1 of 2 neighbours: 5 / 6.
        assert!((preservation(&a, &b) - 5.0 / 6.0).abs() < 1e-12);
    }
}
