//! Training: optimizers, learning-rate schedules, gradient clipping, progress, history and
//! checkpoints, and (with networks and data) the phased training loop.

pub mod checkpoint;
pub mod history;
pub mod optim;
pub mod progress;
pub mod schedule;
