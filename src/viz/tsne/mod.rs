//! t-SNE (van der Maaten & Hinton 2008; Barnes–Hut: van der Maaten 2014; FFT-interpolated
//! repulsion: Linderman et al. 2019) behind one call, [`tsne`].
//!
//! Input X is N×D (any float dtype, any device; the work runs on the host). Steps:
//! 1. exact k-nearest neighbours by blocked GEMM ([`knn`]), k = ⌊3·perplexity⌋ (all N−1 points
//!    for `method: exact`);
//! 2. p_{j|i} by binary search on each point's Gaussian bandwidth to the requested perplexity,
//!    symmetrised p_ij = (p_{j|i} + p_{i|j}) / 2N ([`affinity`]);
//! 3. deterministic PCA initialisation scaled to std 1e-4 ([`pca`]);
//! 4. gradient descent with early exaggeration 12 for 250 iterations, momentum 0.5 then 0.8 and
//!    per-coordinate gains, done by the `bhtsne` crate (exact, Barnes–Hut θ = 0.5, or FIt-SNE),
//!    which rebuilds the same P from our neighbour lists;
//! 5. the final KL(P‖Q) computed exactly (all-pairs normaliser) under the P of step 2.
//!
//! Ctrl-C ([`crate::interrupt::requested`]) is polled after every iteration and ends the run
//! with [`Error::Interrupted`]; an optional progress callback receives (iteration, KL) every
//! [`REPORT_EVERY`] iterations.

pub mod affinity;
pub mod knn;
pub mod pca;

use crate::error::{Context, Error, Result};
use bhtsne::{tSNE, Neighbor};
use candle_core::{Device, Tensor};
use std::cell::Cell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

/// How often (iterations) the progress callback is called with the current KL.
pub const REPORT_EVERY: usize = 50;

/// The gradient method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Chosen from N and dims: exact below 500 points, FFT for 2-D maps, Barnes–Hut for 3-D.
    Auto,
    /// All pairs, O(N²) per iteration.
    Exact,
    /// Barnes–Hut space-partitioning tree, θ = `theta`.
    BarnesHut,
    /// FFT-accelerated interpolation (2-D only).
    Fft,
}

impl Method {
    /// Parse "auto" | "exact" | "bh" | "fft".
    pub fn parse(s: &str) -> Result<Method> {
        match s {
            "auto" => Ok(Method::Auto),
            "exact" => Ok(Method::Exact),
            "bh" => Ok(Method::BarnesHut),
            "fft" => Ok(Method::Fft),
            other => Err(Error::invalid(
                "viz::tsne",
                "method",
                format!("'{other}' is not one of: auto, exact, bh, fft"),
            )),
        }
    }

    /// The script name of the method.
    pub fn name(self) -> &'static str {
        match self {
            Method::Auto => "auto",
            Method::Exact => "exact",
            Method::BarnesHut => "bh",
            Method::Fft => "fft",
        }
    }
}

/// t-SNE settings; `Default` is openTSNE's recipe.
#[derive(Clone, Debug)]
pub struct TsneConfig {
    /// Output dimensions, 2 or 3.
    pub dims: usize,
    /// Effective number of neighbours (30).
    pub perplexity: f64,
    /// Total iterations including the exaggeration phase (750 = 250 + 500, as openTSNE).
    pub iters: usize,
    /// Gradient method (auto).
    pub method: Method,
    /// Seed of the PCA start vectors (the result does not depend on it beyond rounding).
    pub seed: u64,
    /// Barnes–Hut accuracy (0.5).
    pub theta: f64,
    /// Early exaggeration factor (12) and its length in iterations (250).
    pub exaggeration: f64,
    pub exaggeration_iters: usize,
    /// Step size in openTSNE's units; `None` = max(N / exaggeration, 50) per phase, as
    /// openTSNE's "auto".
    pub learning_rate: Option<f64>,
    /// Run on one thread so that the same seed gives bit-identical maps (true). False uses every
    /// core, but bhtsne's rayon reductions then sum in scheduling order and t-SNE amplifies those
    /// roundings into visibly different maps.
    pub deterministic: bool,
}

impl Default for TsneConfig {
    fn default() -> Self {
        TsneConfig {
            dims: 2,
            perplexity: 30.0,
            iters: 750,
            method: Method::Auto,
            seed: 0,
            theta: 0.5,
            exaggeration: 12.0,
            exaggeration_iters: 250,
            learning_rate: None,
            deterministic: true,
        }
    }
}

/// What [`tsne`] returns.
#[derive(Clone, Debug)]
pub struct TsneResult {
    /// N×dims, f32, on the CPU.
    pub embedding: Tensor,
    /// KL(P‖Q) at the end, exact under the input P.
    pub kl: f64,
    /// Iterations run.
    pub iters: usize,
    /// The method that ran (never `Auto`).
    pub method: Method,
}

/// Marker carried by the unwind that stops a run on Ctrl-C.
struct Stop;

impl TsneConfig {
    /// Check the settings against N points.
    pub fn check(&self, n: usize) -> Result<()> {
        let op = "viz::tsne";
        if self.dims != 2 && self.dims != 3 {
            return Err(Error::invalid(
                op,
                "dims",
                format!("must be 2 or 3, got {}", self.dims),
            ));
        }
        if !(self.perplexity >= 1.0 && self.perplexity.is_finite()) {
            return Err(Error::invalid(
                op,
                "perplexity",
                format!("must be >= 1, got {}", self.perplexity),
            ));
        }
        let need = (3.0 * self.perplexity) as usize + 2;
        if n < need {
            return Err(Error::invalid(
                op,
                "perplexity",
                format!("{} needs at least 3·perplexity + 2 = {need} points, got {n}; lower the perplexity", self.perplexity),
            ));
        }
        if self.iters == 0 {
            return Err(Error::invalid(op, "iters", "must be at least 1"));
        }
        if !(self.theta > 0.0 && self.theta.is_finite()) {
            return Err(Error::invalid(
                op,
                "theta",
                format!("must be > 0, got {}", self.theta),
            ));
        }
        if self.exaggeration.is_nan() || self.exaggeration < 1.0 {
            return Err(Error::invalid(
                op,
                "exaggeration",
                format!("must be >= 1, got {}", self.exaggeration),
            ));
        }
        if let Some(lr) = self.learning_rate {
            if !(lr > 0.0 && lr.is_finite()) {
                return Err(Error::invalid(
                    op,
                    "learning_rate",
                    format!("must be > 0, got {lr}"),
                ));
            }
        }
        if self.method == Method::Fft && self.dims != 2 {
            return Err(Error::invalid(
                op,
                "method",
                "'fft' works for dims = 2 only; use 'bh' for 3-D",
            ));
        }
        Ok(())
    }

    /// The method that runs for N points.
    pub fn resolve(&self, n: usize) -> Method {
        match self.method {
            Method::Auto if n <= 500 => Method::Exact,
            Method::Auto if self.dims == 2 => Method::Fft,
            Method::Auto => Method::BarnesHut,
            m => m,
        }
    }
}

/// Embed the rows of `x` (N×D) in `cfg.dims` dimensions. `progress`, if given, is called with
/// (iteration, KL) every [`REPORT_EVERY`] iterations and at the end.
pub fn tsne(
    x: &Tensor,
    cfg: &TsneConfig,
    progress: Option<&(dyn Fn(usize, f64) + Sync)>,
) -> Result<TsneResult> {
    let (data, n, d) = knn::host_rows("viz::tsne", x)?;
    cfg.check(n)?;
    if cfg.deterministic {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .map_err(|e| Error::msg(format!("viz::tsne: cannot start a 1-thread pool: {e}")))?;
        return pool.install(|| embed(&data, n, d, cfg, progress));
    }
    embed(&data, n, d, cfg, progress)
}

/// The work of [`tsne`] on host rows, in the current rayon pool.
fn embed(
    data: &[f32],
    n: usize,
    d: usize,
    cfg: &TsneConfig,
    progress: Option<&(dyn Fn(usize, f64) + Sync)>,
) -> Result<TsneResult> {
    let method = cfg.resolve(n);
    let k = if method == Method::Exact {
        n - 1
    } else {
        ((3.0 * cfg.perplexity) as usize).min(n - 1)
    };
    let nn = knn::knn(data, n, d, k)?;
    let p = affinity::joint(&nn, cfg.perplexity);
    let init = pca::pca_init(data, n, d, cfg.dims, cfg.seed);
    let theta = cfg.theta as f32;
    let y = match (cfg.dims, method) {
        (2, Method::Exact) => fit::<2>(data, d, &nn, &p, &init, cfg, progress, |t, _| {
            t.exact(euclidean);
        })?,
        (2, Method::Fft) => fit::<2>(data, d, &nn, &p, &init, cfg, progress, |t, nb| {
            t.fit_sne_with_neighbors(nb);
        })?,
        (2, _) => fit::<2>(data, d, &nn, &p, &init, cfg, progress, |t, nb| {
            t.barnes_hut_with_neighbors(theta, nb);
        })?,
        (_, Method::Exact) => fit::<3>(data, d, &nn, &p, &init, cfg, progress, |t, _| {
            t.exact(euclidean);
        })?,
        // `check` rejects fft in 3-D, so this arm is Barnes–Hut.
        (_, _) => fit::<3>(data, d, &nn, &p, &init, cfg, progress, |t, nb| {
            t.barnes_hut_with_neighbors(theta, nb);
        })?,
    };
    let kl = affinity::kl(&p, &y, cfg.dims);
    let yf: Vec<f32> = y.iter().map(|&a| a as f32).collect();
    let embedding = Tensor::from_vec(yf, (n, cfg.dims), &Device::Cpu).op("viz::tsne")?;
    if let Some(cb) = progress {
        cb(cfg.iters, kl);
    }
    Ok(TsneResult {
        embedding,
        kl,
        iters: cfg.iters,
        method,
    })
}

/// Run bhtsne in D dimensions; returns the embedding (n×D, row-major).
#[allow(clippy::too_many_arguments)]
fn fit<const D: usize>(
    data: &[f32],
    d: usize,
    nn: &knn::Knn,
    p: &affinity::SparseP,
    init: &[f64],
    cfg: &TsneConfig,
    progress: Option<&(dyn Fn(usize, f64) + Sync)>,
    solve: impl for<'a> Fn(&mut tSNE<'a, f32, &'a [f32], D>, &[Vec<Neighbor<f32>>]),
) -> Result<Vec<f64>> {
    let rows: Vec<&[f32]> = data.chunks(d).collect();
    let n = rows.len();
    let neighbours: Vec<Vec<Neighbor<f32>>> = (0..n)
        .map(|i| {
            (0..nn.k)
                .map(|r| Neighbor {
                    index: nn.index[i * nn.k + r] as usize,
                    distance: nn.dist[i * nn.k + r],
                })
                .collect()
        })
        .collect();
    let ee = cfg.exaggeration_iters.min(cfg.iters);
    // openTSNE's "auto" step: N / exaggeration in each phase, so the second phase steps 12×
    // further than the first (bhtsne alone keeps one rate for both, which under-converges).
    // bhtsne's gradient leaves out the factor 4 of dC/dy, so rates are multiplied by 4 to take
    // the same steps as openTSNE (measured: KL and 10-NN preservation then match it).
    let lr = |exaggeration: f64| {
        4.0 * cfg
            .learning_rate
            .unwrap_or_else(|| (n as f64 / exaggeration).max(50.0)) as f32
    };
    let last = cfg.iters - 1;
    let offset = Cell::new(0usize);
    let run = catch_unwind(AssertUnwindSafe(|| {
        let mut t: tSNE<f32, &[f32], D> = tSNE::new(&rows);
        t.perplexity(cfg.perplexity as f32)
            .initial_embedding(init.iter().map(|&a| a as f32).collect::<Vec<f32>>())
            .epoch_callback(|epoch, y: &[f32]| {
                if crate::interrupt::requested() {
                    // bhtsne's loop has no stop hook: unwind out of it (caught below, and
                    // resume_unwind skips the panic hook, so nothing is printed).
                    resume_unwind(Box::new(Stop));
                }
                let it = offset.get() + epoch + 1;
                if let Some(cb) = progress {
                    if it.is_multiple_of(REPORT_EVERY) && it <= last {
                        let y: Vec<f64> = y.iter().map(|&a| a as f64).collect();
                        cb(it, affinity::kl(p, &y, D));
                    }
                }
            });
        // Phase 1: exaggerated P, momentum 0.5. The stop/switch epochs lie past its end.
        if ee > 0 {
            t.epochs(ee)
                .learning_rate(lr(cfg.exaggeration))
                .early_exaggeration(cfg.exaggeration as f32)
                .stop_lying_epoch(ee)
                .momentum(0.5)
                .momentum_switch_epoch(ee);
            solve(&mut t, &neighbours);
            offset.set(ee);
            let y = t.embedding();
            t.initial_embedding(y);
        }
        // Phase 2: true P, momentum 0.8, fresh gains (bhtsne reuses the cached affinities).
        if cfg.iters > ee {
            t.epochs(cfg.iters - ee)
                .learning_rate(lr(1.0))
                .early_exaggeration(1.0)
                .stop_lying_epoch(0)
                .momentum(0.8)
                .momentum_switch_epoch(0);
            solve(&mut t, &neighbours);
        }
        t.embedding()
    }));
    match run {
        Ok(y) => Ok(y.into_iter().map(|a| a as f64).collect()),
        Err(payload) if payload.is::<Stop>() => Err(Error::Interrupted),
        Err(payload) => resume_unwind(payload),
    }
}

/// Euclidean distance between two rows (bhtsne squares it inside the Gaussian).
fn euclidean(a: &&[f32], b: &&[f32]) -> f32 {
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f32>()
        .sqrt()
}
