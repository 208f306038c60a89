//! Max pooling that candle lacks or cannot differentiate.
//!
//! - `max_pool2d(x, k, s)` over [n, c, h, w] with any kernel k and stride s (no padding); on
//!   the CPU it is the single op of `pool_cpu`, elsewhere `max_pool2d_ops`, described here:
//!   y[i, j] = max_{0≤a,b<k} x[s·i + a, s·j + b], output (h − k)/s + 1 per side. candle's own
//!   `max_pool2d_with_stride` only has a backward when k == s; this one is built from strided
//!   views and a max reduction, so autograd (on any device) routes the gradient to the maximum.
//!   Max is separable, so rows and columns are pooled in turn: 2k taps instead of k².
//!   Used for k == s too: candle 0.11.1's `max_pool2d` backward multiplies the upsampled
//!   gradient by the window mean of the argmax mask (1/k² for a unique maximum) where it should
//!   divide by the count, so its gradients are k² times too small (the finite-difference test
//!   `candle_max_pool_backward_is_scaled` in tests/nn.rs shows it).
//! - `max_pool_time(x, s)` over [n, c, l]: non-overlapping max over s steps (l cut to a multiple).
//! - `global_max_time(x)` over [n, c, l] → [n, c].

use candle_core::{DType, Result, Tensor};

/// The taps x[.., d + s·i, ..] for i < out along `dim`, as one view per offset d < k.
fn taps(x: &Tensor, dim: usize, k: usize, s: usize, out: usize) -> Result<Vec<Tensor>> {
    let len = x.dim(dim)?;
    (0..k)
        .map(|d| {
            // Take s·out elements starting at d (padding the end when the last window is
            // short of a full stride), split them into [out, s] and keep column 0.
            let avail = len - d;
            let want = s * out;
            let v = if avail >= want {
                x.narrow(dim, d, want)?
            } else {
                x.narrow(dim, d, avail)?
                    .pad_with_zeros(dim, 0, want - avail)?
            };
            let mut shape = v.dims().to_vec();
            shape[dim] = out;
            shape.insert(dim + 1, s);
            v.reshape(shape)?.narrow(dim + 1, 0, 1)?.squeeze(dim + 1)
        })
        .collect()
}

fn pool_dim(x: &Tensor, dim: usize, k: usize, s: usize) -> Result<Tensor> {
    let len = x.dim(dim)?;
    if len < k {
        candle_core::bail!("max_pool: size {len} along dim {dim} is smaller than the kernel {k}");
    }
    let out = (len - k) / s + 1;
    if k == 1 && s == 1 {
        return Ok(x.clone());
    }
    let t = taps(x, dim, k, s, out)?;
    Tensor::stack(&t, 0)?.max(0)
}

/// Max pooling with kernel `k` and stride `s` over [n, c, h, w]: on the CPU the fused op of
/// `pool_cpu`, elsewhere [`max_pool2d_ops`].
pub fn max_pool2d(x: &Tensor, k: usize, s: usize) -> Result<Tensor> {
    let float = matches!(x.dtype(), DType::F32 | DType::F64);
    if x.device().is_cpu() && float {
        super::pool_cpu::max_pool2d(x, k, s)
    } else {
        max_pool2d_ops(x, k, s)
    }
}

/// Max pooling from strided views and max reductions (any device; a tie sends the gradient to
/// every maximum of the window).
pub fn max_pool2d_ops(x: &Tensor, k: usize, s: usize) -> Result<Tensor> {
    let (n, c, h, w) = x.dims4()?;
    if k == s && h % k == 0 && w % k == 0 {
        // Non-overlapping windows: one reshape and two max reductions. (candle's own
        // `max_pool2d` backward scales the gradient by 1/k², see the module docs.)
        return x.reshape((n, c, h / k, k, w / k, k))?.max(5)?.max(3);
    }
    pool_dim(&pool_dim(x, 2, k, s)?, 3, k, s)
}

/// Non-overlapping max over `s` time steps of [n, c, l]; a tail shorter than `s` is dropped.
pub fn max_pool_time(x: &Tensor, s: usize) -> Result<Tensor> {
    let (n, c, l) = x.dims3()?;
    let out = l / s;
    if out == 0 {
        candle_core::bail!("max_pool_time: length {l} is shorter than the pool size {s}");
    }
    x.narrow(2, 0, out * s)?.reshape((n, c, out, s))?.max(3)
}

/// Max over time: [n, c, l] → [n, c].
pub fn global_max_time(x: &Tensor) -> Result<Tensor> {
    x.max(2)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn overlapping_pool_matches_a_hand_computed_case() {
        // 1×1×5×5 with values 0..24; k 3, s 2 → 2×2 with the bottom-right of each window.
        let x = Tensor::arange(0f32, 25., &Device::Cpu)
            .unwrap()
            .reshape((1, 1, 5, 5))
            .unwrap();
        let y = max_pool2d(&x, 3, 2).unwrap();
        assert_eq!(
            y.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
            vec![12., 14., 22., 24.]
        );
        // 6×6 input: out (6 − 3)/2 + 1 = 2, last window rows 2..5.
        let x = Tensor::arange(0f32, 36., &Device::Cpu)
            .unwrap()
            .reshape((1, 1, 6, 6))
            .unwrap();
        let y = max_pool2d(&x, 3, 2).unwrap();
        assert_eq!(
            y.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
            vec![14., 16., 26., 28.]
        );
    }
}
