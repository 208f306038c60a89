//! Ridge (L2-regularised least-squares) regression from one representation to another: the
//! "Linear Reg." baseline of See-Hear-Read, which maps raw sound or text features into the
//! image network's representation using the image/sound and image/text training pairs.
//!
//! Model: ŷ = (x − μ_x)·W + μ_y, with μ the training means (an unpenalised intercept) and
//! W = argmin |X_c W − Y_c|² + λ|W|², λ = l2 · (mean squared norm of the centred rows of X), so
//! `l2` does not depend on the scale of the inputs. Solved in closed form in f64 by Cholesky:
//! with N ≤ D the dual W = X_cᵀ (X_c X_cᵀ + λI)⁻¹ Y_c (an N×N system), else the primal
//! W = (X_cᵀ X_c + λI)⁻¹ X_cᵀ Y_c (D×D). Products run on the features' device; the
//! factorisation on the host.

use crate::error::{Context, Error, Result};
use crate::tensor::{DType, Tensor};

/// A fitted ridge regression.
#[derive(Clone, Debug)]
pub struct LinReg {
    /// D_in×D_out weights (f64).
    pub w: Tensor,
    mean_x: Tensor,
    mean_y: Tensor,
    /// The λ actually used (l2 × mean squared norm of the centred training rows).
    pub lambda: f64,
}

/// Cholesky solve of A·Z = B in place (A: m×m symmetric positive definite, row-major; B: m×k).
fn cholesky_solve(a: &mut [f64], m: usize, b: &mut [f64], k: usize) -> Result<()> {
    let op = "eval::linreg";
    // A = L·Lᵀ, L stored in the lower triangle of a.
    for j in 0..m {
        let diag = a[j * m + j];
        let mut d = diag;
        for p in 0..j {
            d -= a[j * m + p] * a[j * m + p];
        }
        // A pivot lost to rounding (≤ 1e-12 of its diagonal) means a singular system.
        if d <= 1e-12 * diag.abs() || !d.is_finite() {
            return Err(Error::invalid(
                op,
                "l2",
                "the system is not positive definite; use a larger l2 (e.g. 1e-3) or check the features for NaN",
            ));
        }
        let d = d.sqrt();
        a[j * m + j] = d;
        for i in j + 1..m {
            let mut s = a[i * m + j];
            for p in 0..j {
                s -= a[i * m + p] * a[j * m + p];
            }
            a[i * m + j] = s / d;
        }
    }
    // L·U = B, then Lᵀ·Z = U, column block by column block.
    for i in 0..m {
        for p in 0..i {
            let l = a[i * m + p];
            for c in 0..k {
                b[i * k + c] -= l * b[p * k + c];
            }
        }
        for c in 0..k {
            b[i * k + c] /= a[i * m + i];
        }
    }
    for i in (0..m).rev() {
        for p in i + 1..m {
            let l = a[p * m + i];
            for c in 0..k {
                b[i * k + c] -= l * b[p * k + c];
            }
        }
        for c in 0..k {
            b[i * k + c] /= a[i * m + i];
        }
    }
    Ok(())
}

fn host(t: &Tensor, op: &str) -> Result<Vec<f64>> {
    t.flatten_all().and_then(|t| t.to_vec1::<f64>()).op(op)
}

impl LinReg {
    /// Fit on paired rows `x` (N×D_in) and `y` (N×D_out) with penalty `l2` (≥ 0, relative).
    pub fn fit(x: &Tensor, y: &Tensor, l2: f64) -> Result<LinReg> {
        let op = "eval::linreg";
        if x.rank() != 2 || y.rank() != 2 || x.dims()[0] != y.dims()[0] {
            return Err(Error::Shape {
                op: format!(
                    "{op} (x and y must be N×D_in and N×D_out, row i of x paired with row i of y)"
                ),
                lhs: x.dims().to_vec(),
                rhs: y.dims().to_vec(),
            });
        }
        let n = x.dims()[0];
        if n < 2 {
            return Err(Error::invalid(op, "x", "needs at least 2 paired rows"));
        }
        if !(l2 >= 0.0 && l2.is_finite()) {
            return Err(Error::invalid(
                op,
                "l2",
                format!("must be a finite number >= 0, got {l2}"),
            ));
        }
        let x = x.to_dtype(DType::F64).op(op)?;
        let y = y.to_dtype(DType::F64).op(op)?;
        let mean_x = x.mean_keepdim(0).op(op)?;
        let mean_y = y.mean_keepdim(0).op(op)?;
        let xc = x.broadcast_sub(&mean_x).op(op)?;
        let yc = y.broadcast_sub(&mean_y).op(op)?;
        let (d, k) = (x.dims()[1], y.dims()[1]);
        let sq = xc.sqr().and_then(|s| s.sum_all()).op(op)?;
        let lambda = l2 * sq.to_scalar::<f64>().op(op)? / n as f64;
        let dual = n <= d;
        let (gram, rhs) = if dual {
            (xc.matmul(&xc.t().op(op)?).op(op)?, yc.clone())
        } else {
            let xt = xc.t().op(op)?;
            (xt.matmul(&xc).op(op)?, xt.matmul(&yc).op(op)?)
        };
        let m = if dual { n } else { d };
        let mut a = host(&gram, op)?;
        for i in 0..m {
            a[i * m + i] += lambda;
        }
        let mut b = host(&rhs, op)?;
        cholesky_solve(&mut a, m, &mut b, k)?;
        let z = Tensor::from_vec(b, (m, k), x.device()).op(op)?;
        let w = if dual {
            xc.t().and_then(|t| t.matmul(&z)).op(op)?
        } else {
            z
        };
        Ok(LinReg {
            w,
            mean_x,
            mean_y,
            lambda,
        })
    }

    /// Predictions for rows `x` (M×D_in), in `x`'s float dtype.
    pub fn predict(&self, x: &Tensor) -> Result<Tensor> {
        let op = "eval::linreg: predict";
        let d = self.w.dims()[0];
        if x.rank() != 2 || x.dims()[1] != d {
            return Err(Error::Shape {
                op: format!("{op} (expected M×{d} rows, as the rows the regression was fitted on)"),
                lhs: x.dims().to_vec(),
                rhs: vec![d],
            });
        }
        let dtype = if crate::tensor::is_float(x.dtype()) {
            x.dtype()
        } else {
            DType::F32
        };
        x.to_dtype(DType::F64)
            .and_then(|x| x.broadcast_sub(&self.mean_x))
            .and_then(|x| x.matmul(&self.w))
            .and_then(|p| p.broadcast_add(&self.mean_y))
            .and_then(|p| p.to_dtype(dtype))
            .op(op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_solves_a_hand_checked_system() {
        // [[4, 2], [2, 3]]·z = [[2], [1]] → z = [0.5, 0].
        let mut a = vec![4.0, 2.0, 2.0, 3.0];
        let mut b = vec![2.0, 1.0];
        cholesky_solve(&mut a, 2, &mut b, 1).unwrap();
        assert!((b[0] - 0.5).abs() < 1e-15 && b[1].abs() < 1e-15, "{b:?}");
        let mut a = vec![1.0, 2.0, 2.0, 1.0];
        assert!(cholesky_solve(&mut a, 2, &mut [0.0, 0.0], 1).is_err());
    }
}
