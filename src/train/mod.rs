//! Training: optimizers, learning-rate schedules, gradient clipping, progress, history and
//! checkpoints, and the phased training loop over a cross-modal net and a dataset.

pub mod batches;
pub mod checkpoint;
pub mod fit;
pub mod history;
pub mod optim;
pub mod phase;
pub mod progress;
pub mod schedule;
pub mod step;

pub use fit::{fit, FitResult};
pub use history::History;
pub use phase::{FitConfig, Phase, Sampling, Term};
