//! `loss::` — differentiable losses over tensors: softmax cross-entropy, model transfer (KL to a
//! teacher), the bidirectional ranking loss and symmetric InfoNCE. Each returns a scalar tensor
//! that `backward()` can differentiate.

use super::convert::{guard_at, RhaiResult};
use super::options::Opts;
use super::value::ScriptTensor;
use crate::objectives;
use rhai::plugin::*;
use rhai::{Engine, Map};

/// Register the `loss::` namespace.
pub fn register(engine: &mut Engine) {
    engine.register_static_module("loss", exported_module!(loss_api).into());
}

#[export_module]
pub mod loss_api {
    use super::*;

    /// Mean softmax cross-entropy of logits [n, C] against integer labels [n].
    ///
    /// ```rhai
    /// let l = loss::cross_entropy(tensor::from([[0.0, 0.0]]), tensor::from([1]));
    /// print(abs(l.item() - 0.6931) < 1e-4);   // true
    /// ```
    #[rhai_fn(return_raw)]
    pub fn cross_entropy(
        ctx: NativeCallContext,
        logits: ScriptTensor,
        labels: ScriptTensor,
    ) -> RhaiResult<ScriptTensor> {
        guard_at(ctx.call_position(), "loss::cross_entropy", || {
            objectives::cross_entropy(logits.tensor(), labels.tensor()).map(ScriptTensor::new)
        })
    }

    /// KL(teacher ‖ student) of the class distributions, averaged over the batch, at temperature 1.
    ///
    /// ```rhai
    /// let z = tensor::randn([4, 3]);
    /// print(abs(loss::kl_transfer(z, z).item()) < 1e-6);   // true
    /// ```
    #[rhai_fn(return_raw)]
    pub fn kl_transfer(
        ctx: NativeCallContext,
        student: ScriptTensor,
        teacher: ScriptTensor,
    ) -> RhaiResult<ScriptTensor> {
        kl_transfer_opts(ctx, student, teacher, Map::new())
    }

    /// KL transfer with options `#{ temperature: 1.0 }` (both distributions softened by T).
    #[rhai_fn(name = "kl_transfer", return_raw)]
    pub fn kl_transfer_opts(
        ctx: NativeCallContext,
        student: ScriptTensor,
        teacher: ScriptTensor,
        opts: Map,
    ) -> RhaiResult<ScriptTensor> {
        guard_at(ctx.call_position(), "loss::kl_transfer", || {
            let o = Opts::new("loss::kl_transfer", opts, &["temperature"])?;
            objectives::kl_transfer(
                student.tensor(),
                teacher.tensor(),
                o.f64("temperature", 1.0)?,
            )
            .map(ScriptTensor::new)
        })
    }

    /// Bidirectional ranking loss over in-batch negatives for aligned rows of x and y [n, d]:
    /// (1/n) Σᵢ Σ_{j≠i} max(0, Δ − cos(xᵢ,yᵢ) + cos(xᵢ,yⱼ)) + max(0, Δ − cos(xᵢ,yᵢ) + cos(xⱼ,yᵢ)),
    /// margin Δ = 0.2.
    ///
    /// ```rhai
    /// let x = tensor::randn([4, 8]);
    /// print(loss::ranking(x, x * 3.0).item() <= 0.2 * 2.0 * 3.0 + 1e-6);   // true
    /// ```
    #[rhai_fn(return_raw)]
    pub fn ranking(
        ctx: NativeCallContext,
        x: ScriptTensor,
        y: ScriptTensor,
    ) -> RhaiResult<ScriptTensor> {
        ranking_opts(ctx, x, y, Map::new())
    }

    /// Ranking loss with options `#{ margin: 0.2 }`.
    #[rhai_fn(name = "ranking", return_raw)]
    pub fn ranking_opts(
        ctx: NativeCallContext,
        x: ScriptTensor,
        y: ScriptTensor,
        opts: Map,
    ) -> RhaiResult<ScriptTensor> {
        guard_at(ctx.call_position(), "loss::ranking", || {
            let o = Opts::new("loss::ranking", opts, &["margin"])?;
            objectives::ranking(x.tensor(), y.tensor(), o.non_negative("margin", 0.2)?)
                .map(ScriptTensor::new)
        })
    }

    /// Symmetric InfoNCE (CLIP) over aligned rows of x and y [n, d], temperature 0.07.
    ///
    /// ```rhai
    /// let x = tensor::randn([4, 8]);
    /// print(loss::info_nce(x, x).item() < loss::info_nce(x, tensor::randn([4, 8], #{ seed: 5 })).item());   // true
    /// ```
    #[rhai_fn(return_raw)]
    pub fn info_nce(
        ctx: NativeCallContext,
        x: ScriptTensor,
        y: ScriptTensor,
    ) -> RhaiResult<ScriptTensor> {
        info_nce_opts(ctx, x, y, Map::new())
    }

    /// InfoNCE with options `#{ temperature: 0.07 }`.
    #[rhai_fn(name = "info_nce", return_raw)]
    pub fn info_nce_opts(
        ctx: NativeCallContext,
        x: ScriptTensor,
        y: ScriptTensor,
        opts: Map,
    ) -> RhaiResult<ScriptTensor> {
        guard_at(ctx.call_position(), "loss::info_nce", || {
            let o = Opts::new("loss::info_nce", opts, &["temperature"])?;
            objectives::info_nce(x.tensor(), y.tensor(), o.f64("temperature", 0.07)?)
                .map(ScriptTensor::new)
        })
    }
}
