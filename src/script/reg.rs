//! `reg::` — statistical priors on activations (CMPlaces Methods B-Single and B-GMM): fit a
//! Gaussian or a diagonal GMM to teacher features, build one from explicit parameters, take the
//! per-row penalty `prior.nll(h)`, and save or load priors.

use super::convert::{guard, guard_at, RhaiResult};
use super::options::Opts;
use super::value::ScriptTensor;
use crate::error::{Error, Result};
use crate::objectives::{GaussianOpts, GaussianPrior, Gmm, GmmOpts, Prior};
use rhai::plugin::*;
use rhai::{Array, Dynamic, Engine, Map};

/// A prior as scripts see it (type name `Prior`), with its EM trace when fitted by `fit_gmm`.
#[derive(Clone)]
pub struct ScriptPrior {
    pub prior: Prior,
    pub loglik: Vec<f64>,
    pub converged: bool,
}

impl ScriptPrior {
    pub fn new(prior: Prior) -> Self {
        ScriptPrior {
            prior,
            loglik: vec![],
            converged: true,
        }
    }
}

/// Register the `Prior` type and the `reg::` namespace.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<ScriptPrior>("Prior");
    // reg::penalty (a prior as a training term) lives in script::train.
    let mut module = exported_module!(reg_api);
    module.combine_flatten(exported_module!(super::train::reg_penalty));
    engine.register_static_module("reg", module.into());
}

fn tensor_opt(o: &Opts, key: &str) -> Result<ScriptTensor> {
    o.get(key)
        .and_then(|d| d.read_lock::<ScriptTensor>().map(|t| t.clone()))
        .ok_or_else(|| Error::invalid(o.op(), key, "required: a Tensor"))
}

#[export_module]
pub mod reg_api {
    use super::*;

    /// Fit a Gaussian prior to features [N, D]. Options: `diagonal: false` (full covariance via a
    /// Cholesky factor), `ridge: 1e-3` (added to the diagonal, relative to the mean variance).
    /// Penalty: ½(h−μ)ᵀΣ⁻¹(h−μ).
    ///
    /// ```rhai
    /// let p = reg::fit_gaussian(tensor::randn([200, 4], #{ seed: 1 }), #{ diagonal: true });
    /// print(p.nll(tensor::randn([3, 4])).shape == [3]);   // true
    /// ```
    #[rhai_fn(return_raw)]
    pub fn fit_gaussian(
        ctx: NativeCallContext,
        features: ScriptTensor,
        opts: Map,
    ) -> RhaiResult<ScriptPrior> {
        guard_at(ctx.call_position(), "reg::fit_gaussian", || {
            let o = Opts::new("reg::fit_gaussian", opts, &["diagonal", "ridge"])?;
            let d = GaussianOpts::default();
            let g = GaussianPrior::fit(
                features.tensor(),
                &GaussianOpts {
                    diagonal: o.bool("diagonal", d.diagonal)?,
                    ridge: o.f64("ridge", d.ridge)?,
                },
            )?;
            Ok(ScriptPrior::new(Prior::Gaussian(g)))
        })
    }

    /// Fit a Gaussian prior with full covariance and the default ridge.
    #[rhai_fn(name = "fit_gaussian", return_raw)]
    pub fn fit_gaussian_plain(
        ctx: NativeCallContext,
        features: ScriptTensor,
    ) -> RhaiResult<ScriptPrior> {
        fit_gaussian(ctx, features, Map::new())
    }

    /// Fit a diagonal-covariance GMM to features [N, D] by EM on their device. Options: `k: 100`,
    /// `iters: 100`, `tol: 1e-3` (stop when the mean log-likelihood improves by less),
    /// `var_floor: 1e-6`, `seed` (k-means++ initialisation; the run's seed by default).
    /// `prior.loglik` holds the mean log-likelihood of every iteration.
    ///
    /// ```rhai
    /// let p = reg::fit_gmm(tensor::randn([300, 3], #{ seed: 2 }), #{ k: 2, iters: 10 });
    /// print(p.loglik.len() >= 1);   // true
    /// ```
    #[rhai_fn(return_raw)]
    pub fn fit_gmm(
        ctx: NativeCallContext,
        features: ScriptTensor,
        opts: Map,
    ) -> RhaiResult<ScriptPrior> {
        guard_at(ctx.call_position(), "reg::fit_gmm", || {
            let o = Opts::new(
                "reg::fit_gmm",
                opts,
                &["k", "iters", "tol", "var_floor", "seed"],
            )?;
            let d = GmmOpts::default();
            let fit = Gmm::fit(
                features.tensor(),
                &GmmOpts {
                    k: o.usize("k", d.k)?,
                    iters: o.usize("iters", d.iters)?,
                    tol: o.f64("tol", d.tol)?,
                    var_floor: o.f64("var_floor", d.var_floor)?,
                    seed: o.seed()?,
                },
            )?;
            Ok(ScriptPrior {
                prior: Prior::Gmm(fit.gmm),
                loglik: fit.loglik,
                converged: fit.converged,
            })
        })
    }

    /// A diagonal GMM prior from explicit parameters `#{ weights: [K], means: [K, D], vars: [K, D] }`
    /// (tensors; weights are normalised).
    ///
    /// ```rhai
    /// let p = reg::gmm(#{ weights: tensor::from([1.0]), means: tensor::zeros([1, 2]), vars: tensor::ones([1, 2]) });
    /// print(abs(p.nll(tensor::zeros([1, 2])).item() - 1.8379) < 1e-3);   // true (log 2π)
    /// ```
    #[rhai_fn(return_raw)]
    pub fn gmm(ctx: NativeCallContext, params: Map) -> RhaiResult<ScriptPrior> {
        guard_at(ctx.call_position(), "reg::gmm", || {
            let o = Opts::new("reg::gmm", params, &["weights", "means", "vars"])?;
            let (w, m, v) = (
                tensor_opt(&o, "weights")?,
                tensor_opt(&o, "means")?,
                tensor_opt(&o, "vars")?,
            );
            Ok(ScriptPrior::new(Prior::Gmm(Gmm::new(
                w.tensor(),
                m.tensor(),
                v.tensor(),
            )?)))
        })
    }

    /// Load a prior saved by `prior.save(path)` onto the default device.
    #[rhai_fn(return_raw)]
    pub fn load(ctx: NativeCallContext, path: &str) -> RhaiResult<ScriptPrior> {
        guard_at(ctx.call_position(), "reg::load", || {
            Prior::load(path, &crate::device::default_device()?).map(ScriptPrior::new)
        })
    }

    /// The penalty per row of h [N, D] → [N] (differentiable): ½(h−μ)ᵀΣ⁻¹(h−μ) for a Gaussian,
    /// −log Σₖ αₖ N(h; μₖ, σₖ²) for a GMM.
    #[rhai_fn(global, pure, return_raw)]
    pub fn nll(prior: &mut ScriptPrior, h: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard("prior.nll", || {
            prior.prior.nll(h.tensor()).map(ScriptTensor::new)
        })
    }

    /// Save as safetensors (`mean`, `whiten` or `weights`, `means`, `vars`).
    #[rhai_fn(global, pure, return_raw)]
    pub fn save(prior: &mut ScriptPrior, path: &str) -> RhaiResult<()> {
        guard("prior.save", || prior.prior.save(path))
    }

    /// Mean log-likelihood per EM iteration (empty unless fitted by `reg::fit_gmm`).
    #[rhai_fn(global, pure, name = "loglik", get = "loglik")]
    pub fn loglik(prior: &mut ScriptPrior) -> Array {
        prior.loglik.iter().map(|&v| Dynamic::from(v)).collect()
    }

    /// Whether EM met its tolerance.
    #[rhai_fn(global, pure, name = "converged", get = "converged")]
    pub fn converged(prior: &mut ScriptPrior) -> bool {
        prior.converged
    }

    /// `Prior[gmm; K=100; D=1024]`.
    #[rhai_fn(global, pure, name = "to_string")]
    pub fn to_string(prior: &mut ScriptPrior) -> String {
        prior.prior.describe()
    }

    /// Same as `to_string`.
    #[rhai_fn(global, pure, name = "to_debug")]
    pub fn to_debug(prior: &mut ScriptPrior) -> String {
        prior.prior.describe()
    }
}
