//! The GMM prior (CMPlaces Method B-GMM, eq. 4) with diagonal covariances:
//!
//!   NLL(h) = −log Σₖ αₖ N(h; μₖ, diag σₖ²),
//!   log αₖN(h) = cₖ − ½ (h²)·πₖ + h·(μₖ ⊙ πₖ),   πₖ = 1/σₖ²,
//!   cₖ = log αₖ − ½ (Σ_d μₖd² πₖd + Σ_d log σₖd² + D log 2π),
//!
//! so the [N, K] table of log-densities is two matrix products (h² Πᵀ and h (M⊙Π)ᵀ) instead of
//! an [N, K, D] broadcast, and the sum over k is a log-sum-exp (stable at D = 4096, where the
//! densities themselves underflow). Shapes: weights α [K], means [K, D], vars [K, D], h [N, D].
//!
//! `Gmm::fit` runs EM on the device with the same table: E-step responsibilities
//! r = softmax_k(log αₖN(xᵢ)), M-step Nₖ = Σᵢ rᵢₖ, μₖ = rᵀx / Nₖ, σₖ² = max(rᵀx² / Nₖ − μₖ², floor).
//! Initialisation: k-means++ seeds, each point assigned to its nearest seed. The mean
//! log-likelihood is recorded at each E-step; EM stops when it improves by less than `tol`.

use super::kmeans::kmeans_pp;
use crate::error::{Context, Error, Result};
use candle_core::{DType, Tensor, D};

/// A diagonal Gaussian mixture with precomputed terms of its log-density.
#[derive(Clone, Debug)]
pub struct Gmm {
    pub weights: Tensor,
    pub means: Tensor,
    pub vars: Tensor,
    prec: Tensor,
    mean_prec: Tensor,
    cst: Tensor,
}

/// EM options.
#[derive(Clone, Debug)]
pub struct GmmOpts {
    /// Components K. Default 100 (the paper's).
    pub k: usize,
    /// Maximum EM iterations. Default 100.
    pub iters: usize,
    /// Stop when the mean log-likelihood improves by less than this. Default 1e-3.
    pub tol: f64,
    /// Variance floor. Default 1e-6.
    pub var_floor: f64,
    /// Seed of the k-means++ initialisation. Default 0.
    pub seed: u64,
}

impl Default for GmmOpts {
    fn default() -> Self {
        GmmOpts {
            k: 100,
            iters: 100,
            tol: 1e-3,
            var_floor: 1e-6,
            seed: 0,
        }
    }
}

/// A fitted mixture and its EM trace.
#[derive(Clone, Debug)]
pub struct GmmFit {
    pub gmm: Gmm,
    /// Mean log-likelihood per sample at each E-step.
    pub loglik: Vec<f64>,
    /// Whether the tolerance was met before `iters`.
    pub converged: bool,
}

impl Gmm {
    /// A mixture from explicit parameters (weights are normalised to sum to 1).
    pub fn new(weights: &Tensor, means: &Tensor, vars: &Tensor) -> Result<Self> {
        let op = "reg::gmm";
        let (k, d) = means.dims2().op(op)?;
        if weights.dims() != [k] || vars.dims() != [k, d] {
            return Err(Error::msg(format!(
                "{op}: expected weights [K], means [K, D], vars [K, D]; got weights {:?}, means {:?}, vars {:?}",
                weights.dims(), means.dims(), vars.dims()
            )));
        }
        let dtype = means.dtype();
        let (weights, vars) = (
            weights.to_dtype(dtype).op(op)?,
            vars.to_dtype(dtype).op(op)?,
        );
        let vmin = vars
            .flatten_all()
            .and_then(|v| v.min(0))
            .and_then(|v| v.to_dtype(DType::F64))
            .and_then(|v| v.to_scalar::<f64>())
            .op(op)?;
        let wmin = weights
            .min(0)
            .and_then(|v| v.to_dtype(DType::F64))
            .and_then(|v| v.to_scalar::<f64>())
            .op(op)?;
        if vmin <= 0.0 || wmin < 0.0 {
            return Err(Error::invalid(
                op,
                "vars/weights",
                format!("variances must be > 0 (min {vmin}) and weights >= 0 (min {wmin})"),
            ));
        }
        let weights = weights.broadcast_div(&weights.sum_all().op(op)?).op(op)?;
        let prec = vars.recip().op(op)?;
        let mean_prec = (means * &prec).op(op)?;
        let log2pi = (2.0 * std::f64::consts::PI).ln() * d as f64;
        let quad = (&mean_prec * means).and_then(|t| t.sum(1)).op(op)?;
        let logdet = vars.log().and_then(|t| t.sum(1)).op(op)?;
        let cst = (weights.log().op(op)?
            - ((quad + logdet)
                .and_then(|t| t + log2pi)
                .and_then(|t| t * 0.5))
            .op(op)?)
        .op(op)?;
        Ok(Gmm {
            weights,
            means: means.clone(),
            vars,
            prec,
            mean_prec,
            cst,
        })
    }

    pub fn k(&self) -> usize {
        self.means.dims()[0]
    }
    pub fn dim(&self) -> usize {
        self.means.dims()[1]
    }

    /// log αₖ N(hᵢ; μₖ, σₖ²) for every row and component → [N, K].
    pub fn component_log_prob(&self, h: &Tensor) -> Result<Tensor> {
        let op = "prior.nll";
        let (_, d) = h.dims2().op(op)?;
        if d != self.dim() {
            return Err(Error::Shape {
                op: op.into(),
                lhs: h.dims().to_vec(),
                rhs: vec![0, self.dim()],
            });
        }
        let dt = h.dtype();
        let cast = |t: &Tensor| t.to_dtype(dt);
        let a = h
            .sqr()
            .and_then(|h2| h2.matmul(&cast(&self.prec)?.t()?))
            .op(op)?;
        let b = h.matmul(&cast(&self.mean_prec)?.t().op(op)?).op(op)?;
        (b - (a * 0.5).op(op)?)
            .and_then(|t| t.broadcast_add(&cast(&self.cst)?))
            .op(op)
    }

    /// −log Σₖ αₖ N(hᵢ; μₖ, σₖ²) per row → [N], differentiable in h.
    pub fn nll(&self, h: &Tensor) -> Result<Tensor> {
        self.component_log_prob(h)?
            .log_sum_exp(D::Minus1)
            .and_then(|t| t.neg())
            .op("prior.nll")
    }

    /// Fit by EM to x [N, D] (on x's device and dtype).
    pub fn fit(x: &Tensor, opts: &GmmOpts) -> Result<GmmFit> {
        let op = "reg::fit_gmm";
        let (n, d) = x.dims2().op(op)?;
        if opts.k == 0 || opts.k > n {
            return Err(Error::invalid(
                op,
                "k",
                format!("need 1 <= k <= N = {n}, got {}", opts.k),
            ));
        }
        if opts.var_floor.is_nan() || opts.var_floor <= 0.0 {
            return Err(Error::invalid(op, "var_floor", "must be > 0"));
        }
        let x = if crate::tensor::is_float(x.dtype()) {
            x.clone()
        } else {
            x.to_dtype(DType::F32).op(op)?
        };
        let x2 = x.sqr().op(op)?;
        // Initial responsibilities: one-hot to the nearest k-means++ seed.
        let seeds = kmeans_pp(&x, opts.k, opts.seed)?;
        let idx = Tensor::from_vec(
            seeds.iter().map(|&i| i as u32).collect::<Vec<_>>(),
            opts.k,
            x.device(),
        )
        .op(op)?;
        let c = x.index_select(&idx, 0).op(op)?;
        let dist = x2
            .sum_keepdim(1)
            .and_then(|a| a.broadcast_sub(&(x.matmul(&c.t()?)? * 2.0)?))
            .and_then(|t| t.broadcast_add(&c.sqr()?.sum(1)?.unsqueeze(0)?))
            .op(op)?;
        let nearest = dist.argmin(1).op(op)?;
        let resp = Tensor::eye(opts.k, x.dtype(), x.device())
            .and_then(|e| e.index_select(&nearest, 0))
            .op(op)?;
        let mut gmm = Self::m_step(&x, &x2, &resp, opts.var_floor, n, d)?;
        let mut loglik = vec![];
        let mut converged = false;
        for _ in 0..opts.iters {
            if crate::interrupt::requested() {
                return Err(Error::Interrupted);
            }
            let lp = gmm.component_log_prob(&x)?;
            let lse = lp.log_sum_exp(D::Minus1).op(op)?;
            let ll = lse
                .mean_all()
                .and_then(|t| t.to_dtype(DType::F64))
                .and_then(|t| t.to_scalar::<f64>())
                .op(op)?;
            if !ll.is_finite() {
                return Err(Error::msg(format!("{op}: log-likelihood became {ll} at iteration {}; scale the features or raise var_floor", loglik.len())));
            }
            let improved = loglik.last().map(|&p: &f64| ll - p);
            loglik.push(ll);
            if matches!(improved, Some(i) if i.abs() < opts.tol) {
                converged = true;
                break;
            }
            let resp = lp
                .broadcast_sub(&lse.unsqueeze(1).op(op)?)
                .and_then(|t| t.exp())
                .op(op)?;
            gmm = Self::m_step(&x, &x2, &resp, opts.var_floor, n, d)?;
        }
        Ok(GmmFit {
            gmm,
            loglik,
            converged,
        })
    }

    fn m_step(
        x: &Tensor,
        x2: &Tensor,
        resp: &Tensor,
        floor: f64,
        n: usize,
        _d: usize,
    ) -> Result<Gmm> {
        let op = "reg::fit_gmm";
        // A tiny count keeps an emptied component finite (its mean falls to 0, its variance to the floor).
        let nk = (resp.sum(0).op(op)? + 1e-10).op(op)?; // [K]
        let rt = resp.t().op(op)?;
        let nk_col = nk.unsqueeze(1).op(op)?;
        let means = rt.matmul(x).and_then(|m| m.broadcast_div(&nk_col)).op(op)?;
        let ex2 = rt
            .matmul(x2)
            .and_then(|m| m.broadcast_div(&nk_col))
            .op(op)?;
        let vars = (ex2 - means.sqr().op(op)?)
            .and_then(|v| v.maximum(floor))
            .op(op)?;
        let weights = (nk / n as f64).op(op)?;
        Gmm::new(&weights, &means, &vars)
    }
}
