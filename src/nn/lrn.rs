//! Local response normalisation across channels (AlexNet, Caffe `LRN` ACROSS_CHANNELS, PyTorch
//! `LocalResponseNorm`): for x [n, c, h, w],
//!
//!   y_c = x_c / (k + α/size · Σ_{c' ∈ window(c)} x_{c'}²)^β,
//!
//! window(c) = c − ⌊(size−1)/2⌋ … c + ⌊size/2⌋ clipped to the channels (zero-padded).
//! Built from differentiable tensor ops, so autograd gives the backward on any device.

use candle_core::{Module, Result, Tensor};

/// LRN parameters (Caffe defaults: size 5, α 1e-4, β 0.75, k 1).
#[derive(Clone, Debug, PartialEq)]
pub struct Lrn {
    pub size: usize,
    pub alpha: f64,
    pub beta: f64,
    pub k: f64,
}

impl Default for Lrn {
    fn default() -> Self {
        Lrn {
            size: 5,
            alpha: 1e-4,
            beta: 0.75,
            k: 1.0,
        }
    }
}

impl Module for Lrn {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let c = x.dim(1)?;
        let sq = x.sqr()?;
        let (lo, hi) = ((self.size - 1) / 2, self.size / 2);
        let padded = sq.pad_with_zeros(1, lo, hi)?;
        let mut sum = padded.narrow(1, 0, c)?;
        for d in 1..self.size {
            sum = (sum + padded.narrow(1, d, c)?)?;
        }
        let denom = ((sum * (self.alpha / self.size as f64))? + self.k)?.powf(self.beta)?;
        x.div(&denom)
    }
}
