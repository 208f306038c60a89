//! The Gaussian prior (CMPlaces Method B-Single, eq. 3): fit μ and Σ of a layer's activations
//! h [N, D] and penalise
//!
//!   P(h) = ½ (h − μ)ᵀ Σ⁻¹ (h − μ) = ½ ‖W (h − μ)‖²,
//!
//! W = L⁻¹ with Σ + ridge·(tr Σ / D)·I = L Lᵀ (Cholesky, full) or W = diag(1/σ) (diagonal).
//! The ridge is relative to the mean variance so it means the same at any activation scale.
//! Σ is the maximum-likelihood covariance (divided by N). The Cholesky factor and its inverse
//! are computed once on the host in f64; the penalty is one matrix product on the device.

use crate::error::{Context, Error, Result};
use candle_core::{DType, Tensor};

/// Fitting options.
#[derive(Clone, Debug)]
pub struct GaussianOpts {
    /// Diagonal covariance only. Default false (full covariance).
    pub diagonal: bool,
    /// Ridge added to the diagonal, relative to the mean variance. Default 1e-3.
    pub ridge: f64,
}

impl Default for GaussianOpts {
    fn default() -> Self {
        GaussianOpts {
            diagonal: false,
            ridge: 1e-3,
        }
    }
}

/// A fitted Gaussian prior.
#[derive(Clone, Debug)]
pub struct GaussianPrior {
    /// μ [D].
    pub mean: Tensor,
    /// W [D, D] lower-triangular (full) or [D] (diagonal): the whitening transform.
    pub whiten: Tensor,
}

/// Lower Cholesky factor of a symmetric positive-definite row-major matrix.
pub fn cholesky(a: &[f64], d: usize) -> Result<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    for j in 0..d {
        let row_j = j * d;
        let s: f64 = (0..j).map(|k| l[row_j + k] * l[row_j + k]).sum();
        let diag = a[row_j + j] - s;
        if diag <= 0.0 || !diag.is_finite() {
            return Err(Error::msg(format!("reg::fit_gaussian: covariance is not positive definite at row {j} (pivot {diag}); raise 'ridge'")));
        }
        let ljj = diag.sqrt();
        l[row_j + j] = ljj;
        for i in j + 1..d {
            let (ri, rj) = (&l[i * d..i * d + j], &l[row_j..row_j + j]);
            let s: f64 = ri.iter().zip(rj).map(|(a, b)| a * b).sum();
            l[i * d + j] = (a[i * d + j] - s) / ljj;
        }
    }
    Ok(l)
}

/// Inverse of a lower-triangular row-major matrix (also lower-triangular).
pub fn invert_lower(l: &[f64], d: usize) -> Vec<f64> {
    let mut w = vec![0.0; d * d];
    for i in 0..d {
        w[i * d + i] = 1.0 / l[i * d + i];
        for j in (0..i).rev() {
            // (L W)_ij = 0 for i > j:  W_ij = −(Σ_{k=j}^{i−1} L_ik W_kj) / L_ii.
            let s: f64 = (j..i).map(|k| l[i * d + k] * w[k * d + j]).sum();
            w[i * d + j] = -s / l[i * d + i];
        }
    }
    w
}

impl GaussianPrior {
    /// Fit to features [N, D].
    pub fn fit(x: &Tensor, opts: &GaussianOpts) -> Result<Self> {
        let op = "reg::fit_gaussian";
        let (n, d) = x.dims2().op(op)?;
        if n < 2 {
            return Err(Error::invalid(
                op,
                "features",
                format!("need at least 2 rows, got {n}"),
            ));
        }
        if opts.ridge < 0.0 {
            return Err(Error::invalid(op, "ridge", "must be >= 0"));
        }
        let (dtype, dev) = (x.dtype(), x.device().clone());
        let x64 = x.to_dtype(DType::F64).op(op)?;
        let mean = x64.mean_keepdim(0).op(op)?;
        let xc = x64.broadcast_sub(&mean).op(op)?;
        let mean_out = mean.squeeze(0).and_then(|m| m.to_dtype(dtype)).op(op)?;
        if opts.diagonal {
            let var = xc.sqr().and_then(|s| s.mean(0)).op(op)?;
            let avg = var.mean_all().and_then(|v| v.to_scalar::<f64>()).op(op)?;
            let w = (var + opts.ridge * avg)
                .and_then(|v| v.sqrt())
                .and_then(|s| s.recip())
                .and_then(|w| w.to_dtype(dtype))
                .op(op)?;
            if avg <= 0.0 && opts.ridge * avg <= 0.0 {
                return Err(Error::msg(format!(
                    "{op}: every feature is constant; nothing to fit"
                )));
            }
            return Ok(GaussianPrior {
                mean: mean_out,
                whiten: w,
            });
        }
        let cov = xc
            .t()
            .and_then(|t| t.matmul(&xc))
            .and_then(|c| c / n as f64)
            .op(op)?;
        let mut a = cov.flatten_all().and_then(|c| c.to_vec1::<f64>()).op(op)?;
        let tr: f64 = (0..d).map(|i| a[i * d + i]).sum::<f64>() / d as f64;
        for i in 0..d {
            a[i * d + i] += opts.ridge * tr;
        }
        let l = cholesky(&a, d)?;
        let w = invert_lower(&l, d);
        let whiten = Tensor::from_vec(w, (d, d), &candle_core::Device::Cpu)
            .and_then(|w| w.to_dtype(dtype))
            .and_then(|w| w.to_device(&dev))
            .op(op)?;
        Ok(GaussianPrior {
            mean: mean_out,
            whiten,
        })
    }

    /// Whether the covariance is diagonal.
    pub fn is_diagonal(&self) -> bool {
        self.whiten.rank() == 1
    }

    /// Dimension D.
    pub fn dim(&self) -> usize {
        self.mean.dims()[0]
    }

    /// The penalty ½ (h − μ)ᵀ Σ⁻¹ (h − μ) per row of h [N, D] → [N], differentiable in h.
    pub fn nll(&self, h: &Tensor) -> Result<Tensor> {
        let op = "prior.nll";
        let (_, d) = h.dims2().op(op)?;
        if d != self.dim() {
            return Err(Error::Shape {
                op: op.into(),
                lhs: h.dims().to_vec(),
                rhs: vec![0, self.dim()],
            });
        }
        let hc = h
            .broadcast_sub(&self.mean.to_dtype(h.dtype()).op(op)?)
            .op(op)?;
        let w = self.whiten.to_dtype(h.dtype()).op(op)?;
        let z = if self.is_diagonal() {
            hc.broadcast_mul(&w).op(op)?
        } else {
            hc.matmul(&w.t().op(op)?).op(op)?
        };
        z.sqr().and_then(|z| z.sum(1)).and_then(|s| s * 0.5).op(op)
    }
}
