//! Training: optimizers, learning-rate schedules, gradient clipping, and (with networks and data)
//! the phased training loop.

pub mod optim;
pub mod schedule;
