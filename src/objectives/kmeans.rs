//! k-means++ seeding (Arthur & Vassilvitskii 2007) on the device: the first centre is a uniform
//! draw, each next one is drawn with probability ∝ D(x)², the squared distance to the nearest
//! centre so far. Distances are tensor ops ([N] per step); only the draw happens on the host,
//! from a seeded ChaCha8 generator.

use crate::error::{Context, Error, Result};
use crate::tensor::create;
use candle_core::{DType, Tensor};
use rand::Rng;

/// Squared distances ‖xᵢ − c‖² of every row of x [N, D] to c [1, D] → [N].
fn sq_dist(x: &Tensor, x2: &Tensor, c: &Tensor) -> candle_core::Result<Tensor> {
    let xc = x.matmul(&c.t()?)?.squeeze(1)?; // [N]
    let c2 = c.sqr()?.sum_all()?;
    (x2 - (xc * 2.0)?)?.broadcast_add(&c2)?.relu()
}

/// Indices of k seeds chosen by k-means++ from the rows of x [N, D].
pub fn kmeans_pp(x: &Tensor, k: usize, seed: u64) -> Result<Vec<usize>> {
    let op = "kmeans++";
    let (n, _) = x.dims2().op(op)?;
    if k == 0 || k > n {
        return Err(Error::invalid(
            op,
            "k",
            format!("need 1 <= k <= N = {n}, got {k}"),
        ));
    }
    let mut r = create::rng(seed);
    let x2 = x.sqr().and_then(|s| s.sum(1)).op(op)?;
    let mut chosen = vec![r.random_range(0..n)];
    let mut best = sq_dist(x, &x2, &x.narrow(0, chosen[0], 1).op(op)?).op(op)?;
    while chosen.len() < k {
        let d: Vec<f64> = best
            .to_dtype(DType::F64)
            .and_then(|b| b.to_vec1::<f64>())
            .op(op)?;
        let total: f64 = d.iter().sum();
        let next = if total > 0.0 {
            let mut u = r.random::<f64>() * total;
            let mut pick = n - 1;
            for (i, &di) in d.iter().enumerate() {
                if u < di {
                    pick = i;
                    break;
                }
                u -= di;
            }
            pick
        } else {
            // Every point coincides with a centre: any unchosen row will do.
            (0..n).find(|i| !chosen.contains(i)).unwrap_or(0)
        };
        chosen.push(next);
        let dn = sq_dist(x, &x2, &x.narrow(0, next, 1).op(op)?).op(op)?;
        best = best.minimum(&dn).op(op)?;
    }
    Ok(chosen)
}
