//! Learning-rate schedules: constant, step decay, cosine, each with an optional linear warm-up.
//! `lr(step)` is a pure function of the step, so a resumed run gets the same rates.

use crate::error::{Error, Result};

/// The shape of the schedule after warm-up.
#[derive(Debug, Clone, PartialEq)]
pub enum Decay {
    /// The base rate throughout.
    Constant,
    /// Multiply by `gamma` every `every` steps (Caffe's "step" policy, as the papers use).
    Step { every: usize, gamma: f64 },
    /// Cosine from the base rate down to `min_lr` at `total` steps.
    Cosine { total: usize, min_lr: f64 },
}

/// A learning-rate schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub base_lr: f64,
    pub decay: Decay,
    /// Steps of linear warm-up from 0 to the base rate.
    pub warmup: usize,
}

impl Schedule {
    /// Validate the parameters.
    pub fn new(base_lr: f64, decay: Decay, warmup: usize) -> Result<Self> {
        let valid = base_lr > 0.0 && base_lr.is_finite();
        if !valid {
            return Err(Error::invalid(
                "schedule",
                "lr",
                format!("must be a positive number, got {base_lr}"),
            ));
        }
        match &decay {
            Decay::Step { every: 0, .. } => {
                return Err(Error::invalid("schedule", "every", "must be at least 1"))
            }
            Decay::Step { gamma, .. }
                if gamma.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) =>
            {
                return Err(Error::invalid("schedule", "gamma", "must be positive"))
            }
            Decay::Cosine { total: 0, .. } => {
                return Err(Error::invalid("schedule", "total", "must be at least 1"))
            }
            _ => {}
        }
        Ok(Schedule {
            base_lr,
            decay,
            warmup,
        })
    }

    /// The rate at `step` (0-based).
    pub fn lr(&self, step: usize) -> f64 {
        let after = match &self.decay {
            Decay::Constant => self.base_lr,
            Decay::Step { every, gamma } => self.base_lr * gamma.powi((step / every) as i32),
            Decay::Cosine { total, min_lr } => {
                let p = (step.min(*total) as f64) / *total as f64;
                min_lr + 0.5 * (self.base_lr - min_lr) * (1.0 + (std::f64::consts::PI * p).cos())
            }
        };
        if step < self.warmup {
            after * (step + 1) as f64 / self.warmup as f64
        } else {
            after
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_hold_hand_values() {
        let s = Schedule::new(
            0.1,
            Decay::Step {
                every: 10,
                gamma: 0.5,
            },
            0,
        )
        .unwrap();
        assert_eq!(
            (s.lr(0), s.lr(9), s.lr(10), s.lr(25)),
            (0.1, 0.1, 0.05, 0.025)
        );
        let c = Schedule::new(
            1.0,
            Decay::Cosine {
                total: 100,
                min_lr: 0.0,
            },
            0,
        )
        .unwrap();
        assert!((c.lr(50) - 0.5).abs() < 1e-12 && c.lr(100).abs() < 1e-12 && c.lr(0) == 1.0);
        let w = Schedule::new(1.0, Decay::Constant, 4).unwrap();
        assert_eq!((w.lr(0), w.lr(3), w.lr(4)), (0.25, 1.0, 1.0));
    }

    #[test]
    fn bad_parameters_are_named() {
        let e = Schedule::new(-1.0, Decay::Constant, 0)
            .unwrap_err()
            .to_string();
        assert!(e.contains("'lr'") && e.contains("positive"), "{e}");
    }
}
