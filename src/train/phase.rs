//! What a training run is made of: phases, each with its length, frozen layers, learning rate and
//! loss terms. Method A is two phases (shared layers frozen, then released); Method C adds a GMM
//! prior term to the second; See-Hear-Read's model transfer and ranking are pair terms.

use super::optim::OptimizerKind;
use super::schedule::Decay;
use crate::nn::SharedNet;
use crate::objectives::Prior;
use std::path::PathBuf;
use std::sync::Arc;

/// A loss term besides the softmax loss.
#[derive(Clone)]
pub enum Term {
    /// λ · mean over the batch of the prior's −log p(h), h the activation of `layer`, on the
    /// given modalities (all when empty); divided by h's width D when `per_dim` (so one λ means
    /// the same for pool5, fc6 and fc7 whatever their widths). CMPlaces Method B, eq. 3 and 4.
    Prior {
        prior: Arc<Prior>,
        layer: String,
        lambda: f64,
        modalities: Vec<String>,
        per_dim: bool,
    },
    /// weight · KL(teacher(from) ‖ student(to)) on pairs (See-Hear-Read model transfer).
    Transfer {
        teacher: SharedNet,
        from: String,
        to: String,
        temperature: f64,
        weight: f64,
    },
    /// weight · ranking loss between paired `a` and `b` activations of `layer`.
    Ranking {
        a: String,
        b: String,
        layer: String,
        margin: f64,
        weight: f64,
    },
    /// weight · symmetric InfoNCE between paired `a` and `b` activations of `layer`.
    InfoNce {
        a: String,
        b: String,
        layer: String,
        temperature: f64,
        weight: f64,
    },
}

impl Term {
    /// The name the term has in logs and histories.
    pub fn name(&self) -> String {
        match self {
            Term::Prior { prior, layer, .. } => format!("{}.{layer}", prior.kind()),
            Term::Transfer { from, to, .. } => format!("transfer.{from}>{to}"),
            Term::Ranking { a, b, .. } => format!("rank.{a}-{b}"),
            Term::InfoNce { a, b, .. } => format!("nce.{a}-{b}"),
        }
    }

    /// The two modalities of a pair term.
    pub fn pair(&self) -> Option<(&str, &str)> {
        match self {
            Term::Transfer { from, to, .. } => Some((from, to)),
            Term::Ranking { a, b, .. } | Term::InfoNce { a, b, .. } => Some((a, b)),
            Term::Prior { .. } => None,
        }
    }
}

/// One phase of training.
#[derive(Clone)]
pub struct Phase {
    pub name: String,
    /// Optimizer steps in this phase.
    pub iters: usize,
    /// Layers or groups held fixed (`"shared"`, `"fc7"`, `"enc.dsc"`).
    pub frozen: Vec<String>,
    pub lr: f64,
    /// Per-group learning-rate multipliers: `(pattern, multiplier)` with patterns as in
    /// `freeze` (`"shared"`, `"fc8"`, `"enc.dsc"`); the longest matching pattern wins; the other
    /// parameters train at `lr`.
    pub lr_mult: Vec<(String, f64)>,
    pub decay: Decay,
    pub warmup: usize,
    pub terms: Vec<Term>,
    /// Weight of the softmax loss (0 trains by the other terms alone).
    pub ce_weight: f64,
    /// Modalities that get softmax batches (all of the dataset's that the net has when empty).
    pub modalities: Vec<String>,
}

impl Phase {
    /// A phase of `iters` steps at learning rate `lr` with the softmax loss alone.
    pub fn new(name: &str, iters: usize, lr: f64) -> Self {
        Phase {
            name: name.into(),
            iters,
            frozen: vec![],
            lr,
            lr_mult: vec![],
            decay: Decay::Constant,
            warmup: 0,
            terms: vec![],
            ce_weight: 1.0,
            modalities: vec![],
        }
    }
}

/// How softmax batches are drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sampling {
    /// Every step sees every modality (`batch` items of each).
    Balanced,
    /// Each step takes `batch` items of one modality, the modalities in turn.
    RoundRobin,
}

/// Everything `fit` needs besides the net and the data.
#[derive(Clone)]
pub struct FitConfig {
    pub phases: Vec<Phase>,
    /// Items per modality per step.
    pub batch: usize,
    pub optimizer: OptimizerKind,
    pub sampling: Sampling,
    pub seed: u64,
    /// Clip the global gradient norm to this.
    pub clip: Option<f64>,
    /// Steps between log lines and history rows.
    pub log_every: usize,
    /// Steps between validation runs (0: at the end of each phase only).
    pub val_every: usize,
    /// Where checkpoints go (end of each phase and every `checkpoint_every` steps).
    pub checkpoint: Option<PathBuf>,
    pub checkpoint_every: usize,
    /// A checkpoint to continue from.
    pub resume: Option<PathBuf>,
    /// A JSON-lines file for per-step metrics.
    pub metrics: Option<PathBuf>,
    pub quiet: bool,
    /// Stop (as Ctrl-C does: finish the step, save, return) after this many steps of the run.
    pub stop_after: Option<usize>,
}

impl Default for FitConfig {
    fn default() -> Self {
        FitConfig {
            phases: vec![],
            batch: 16,
            optimizer: OptimizerKind::papers(),
            sampling: Sampling::Balanced,
            seed: 0,
            clip: None,
            log_every: 10,
            val_every: 0,
            checkpoint: None,
            checkpoint_every: 0,
            resume: None,
            metrics: None,
            quiet: false,
            stop_after: None,
        }
    }
}
