//! Seeded dropout: y = x ⊙ m / (1 − p), m_i ~ Bernoulli(1 − p) drawn on the host from a ChaCha8
//! generator seeded by the training step, so a run is reproducible bit for bit on the CPU (and
//! the masks are the same on every device). candle's own dropout draws unseeded.

use crate::tensor::create;
use candle_core::{Device, Result, Tensor};
use rand::Rng;

/// Apply dropout with probability `p` using the mask of `seed`; `p == 0` is the identity.
pub fn dropout(x: &Tensor, p: f64, seed: u64) -> Result<Tensor> {
    if p <= 0.0 {
        return Ok(x.clone());
    }
    if p >= 1.0 {
        return x.zeros_like();
    }
    let n = x.elem_count();
    let mut r = create::rng(seed);
    let scale = (1.0 / (1.0 - p)) as f32;
    let m: Vec<f32> = (0..n)
        .map(|_| if r.random::<f64>() < p { 0.0 } else { scale })
        .collect();
    let mask = Tensor::from_vec(m, x.dims(), &Device::Cpu)?
        .to_dtype(x.dtype())?
        .to_device(x.device())?;
    x.mul(&mask)
}
