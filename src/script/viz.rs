//! `viz::` — t-SNE of feature tensors (the Rust core is `crate::viz::tsne`).

use super::convert::{guard_at, RhaiResult};
use super::options::Opts;
use super::value::ScriptTensor;
use crate::error::Result;
use crate::viz::tsne::{tsne, Method, TsneConfig};
use rhai::plugin::*;
use rhai::{Engine, Map};
use std::io::IsTerminal;

/// Register the `viz::` namespace.
pub fn register(engine: &mut Engine) {
    engine.register_static_module("viz", exported_module!(viz_api).into());
}

const TSNE_KEYS: &[&str] = &[
    "dims",
    "perplexity",
    "iters",
    "method",
    "seed",
    "theta",
    "exaggeration",
    "exaggeration_iters",
    "learning_rate",
    "progress",
    "deterministic",
];

/// The t-SNE settings from an option map.
pub fn tsne_config(map: Map) -> Result<(TsneConfig, bool)> {
    let o = Opts::new("viz::tsne", map, TSNE_KEYS)?;
    let d = TsneConfig::default();
    let cfg = TsneConfig {
        dims: o.usize("dims", d.dims)?,
        perplexity: o.f64("perplexity", d.perplexity)?,
        iters: o.usize("iters", d.iters)?,
        method: Method::parse(&o.choice("method", "auto", &["auto", "exact", "bh", "fft"])?)?,
        seed: o.seed()?,
        theta: o.f64("theta", d.theta)?,
        exaggeration: o.f64("exaggeration", d.exaggeration)?,
        exaggeration_iters: o.usize("exaggeration_iters", d.exaggeration_iters)?,
        learning_rate: if o.has("learning_rate") {
            Some(o.f64("learning_rate", 0.0)?)
        } else {
            None
        },
        deterministic: o.bool("deterministic", d.deterministic)?,
    };
    Ok((cfg, o.bool("progress", true)?))
}

fn run(x: &ScriptTensor, map: Map) -> Result<ScriptTensor> {
    let (cfg, progress) = tsne_config(map)?;
    let n = x.tensor().dims().first().copied().unwrap_or(0);
    // A bar only when a person watches stderr; logs and tests get the final line alone.
    let bar = (progress && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(cfg.iters as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("t-SNE {bar:30} {pos}/{len} {msg} [{elapsed}]")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let cb = |it: usize, kl: f64| {
        if let Some(b) = &bar {
            b.set_position(it as u64);
            b.set_message(format!("KL {kl:.4}"));
        }
    };
    let r = tsne(x.tensor(), &cfg, Some(&cb));
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let r = r?;
    println!(
        "viz::tsne: {n} points -> {}-D ({}), {} iterations, KL = {:.4}",
        cfg.dims,
        r.method.name(),
        r.iters,
        r.kl
    );
    Ok(ScriptTensor::new(r.embedding))
}

#[export_module]
pub mod viz_api {
    use super::*;

    /// t-SNE of the rows of an N×D tensor: returns an N×2 (or N×3) tensor and prints the final
    /// KL divergence (a progress bar with the running KL is drawn when stderr is a terminal).
    ///
    /// Options (defaults = openTSNE's recipe):
    /// - `dims`: 2 or 3 (2)
    /// - `perplexity`: effective neighbours (30); needs N ≥ 3·perplexity + 2
    /// - `iters`: total iterations, the first `exaggeration_iters` exaggerated (750)
    /// - `method`: `"auto"` (exact up to 500 points, else `"fft"` in 2-D, `"bh"` in 3-D),
    ///   `"exact"`, `"bh"` (Barnes–Hut), `"fft"` (FFT-interpolated, 2-D only)
    /// - `seed`: seed of the PCA initialisation's start (the run's `--seed`)
    /// - `theta`: Barnes–Hut accuracy (0.5)
    /// - `exaggeration` (12), `exaggeration_iters` (250)
    /// - `learning_rate`: per phase max(N / exaggeration, 50) unless given
    /// - `progress`: draw the bar (true)
    /// - `deterministic`: one thread, so the same seed gives a bit-identical map (false: with
    ///   2+ threads runs agree only up to rounding that t-SNE amplifies)
    ///
    /// ```rhai
    /// let x = tensor::randn([60, 5], #{ seed: 1 });
    /// let y = viz::tsne(x, #{ perplexity: 5, iters: 300, seed: 1 });
    /// assert(y.shape == [60, 2]);
    /// ```
    #[rhai_fn(name = "tsne", return_raw)]
    pub fn tsne_opts(
        ctx: NativeCallContext,
        x: ScriptTensor,
        opts: Map,
    ) -> RhaiResult<ScriptTensor> {
        guard_at(ctx.call_position(), "viz::tsne", || run(&x, opts))
    }

    /// t-SNE with the default options (2-D, perplexity 30, 750 iterations, method auto).
    ///
    /// ```rhai
    /// let y = viz::tsne(tensor::randn([100, 4], #{ seed: 2 }));
    /// assert(y.shape == [100, 2]);
    /// ```
    #[rhai_fn(name = "tsne", return_raw)]
    pub fn tsne_default(ctx: NativeCallContext, x: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard_at(ctx.call_position(), "viz::tsne", || run(&x, Map::new()))
    }
}
