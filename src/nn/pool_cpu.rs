//! 2-D max pooling as one CPU op with its own backward (kernel k, stride s, no padding; windows
//! may overlap). Forward is one pass over each plane; backward routes each output's gradient to
//! its window's first maximum in row-major order (PyTorch's convention; a NaN is the maximum of
//! any window holding one, so it propagates), found again in the input instead of storing
//! indices (`Pool::window_argmax`, shared with the fused conv + pool op). Planes run in parallel
//! with rayon. f32 and f64.
//!
//! The tensor-op composition in `pool.rs` (reshape + max reductions) works on every device but
//! costs several full-size temporaries per step on the CPU, forward and backward. The pixel
//! networks pool inside the convolution op instead (`conv_cpu::conv2d_relu_pool`, which uses
//! this file's `Pool` geometry and keeps the argmax offsets); this op serves everything else.

use super::cpu_slice::{contiguous, on_cpu};
use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp1, DType, Device, Layout, Result, Shape, Tensor, WithDType};
use rayon::prelude::*;

/// Pooling geometry over planes of `h × w`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Pool {
    pub h: usize,
    pub w: usize,
    pub k: usize,
    pub s: usize,
}

impl Pool {
    pub fn oh(&self) -> usize {
        (self.h - self.k) / self.s + 1
    }
    pub fn ow(&self) -> usize {
        (self.w - self.k) / self.s + 1
    }

    /// Pool one plane into `out` and write, per output, the offset `a·k + b` of its first
    /// maximum within the window, the first NaN if it holds one (for the fused conv + pool op of
    /// `conv_cpu`; k·k ≤ 256). One pass; the common kernels are unrolled.
    pub fn plane_with_argmax<T: WithDType>(&self, plane: &[T], out: &mut [T], arg: &mut [u8]) {
        match (self.k, self.s) {
            (2, 2) => self.argmax_2x2(plane, out, arg),
            (2, _) => self.argmax_k::<T, 2>(plane, out, arg),
            (3, _) => self.argmax_k::<T, 3>(plane, out, arg),
            _ => self.argmax_any(plane, out, arg, self.k),
        }
    }

    /// The 2×2 stride-2 case (every pixel network's pooling), row by row without bounds checks
    /// in the inner loop and without branches: the same comparisons as [`Pool::window_argmax`].
    fn argmax_2x2<T: WithDType>(&self, plane: &[T], out: &mut [T], arg: &mut [u8]) {
        let (ow, w) = (self.ow(), self.w);
        let rows = out.chunks_exact_mut(ow).zip(arg.chunks_exact_mut(ow));
        for (oy, (out, arg)) in rows.enumerate() {
            let top = &plane[2 * oy * w..][..2 * ow];
            let bottom = &plane[(2 * oy + 1) * w..][..2 * ow];
            let windows = top.chunks_exact(2).zip(bottom.chunks_exact(2));
            for ((v, a), (t, b)) in out.iter_mut().zip(arg.iter_mut()).zip(windows) {
                let (mut m, mut at) = (t[0], 0u8);
                take_if_greater(&mut m, &mut at, t[1], 1);
                take_if_greater(&mut m, &mut at, b[0], 2);
                take_if_greater(&mut m, &mut at, b[1], 3);
                *v = m;
                *a = at;
            }
        }
    }

    #[inline(always)]
    fn argmax_k<T: WithDType, const K: usize>(&self, plane: &[T], out: &mut [T], arg: &mut [u8]) {
        self.argmax_any(plane, out, arg, K)
    }

    #[inline(always)]
    fn argmax_any<T: WithDType>(&self, plane: &[T], out: &mut [T], arg: &mut [u8], k: usize) {
        let (ow, s, w) = (self.ow(), self.s, self.w);
        let rows = out.chunks_exact_mut(ow).zip(arg.chunks_exact_mut(ow));
        for (oy, (out, arg)) in rows.enumerate() {
            for (ox, (v, a)) in out.iter_mut().zip(arg.iter_mut()).enumerate() {
                let (m, at) = self.window_argmax(plane, oy * s * w + ox * s, k);
                *v = m;
                *a = at as u8;
            }
        }
    }

    /// The first maximum of the k×k window whose top-left element is `plane[base]`, and its
    /// offset `dy·k + dx` in the window (see [`take_if_greater`] for the order and NaN rule).
    /// With `take_if_greater`, the one definition of "the maximum" that both backward passes
    /// route gradients to.
    #[inline(always)]
    fn window_argmax<T: WithDType>(&self, plane: &[T], base: usize, k: usize) -> (T, usize) {
        let (mut m, mut at) = (plane[base], 0);
        for dy in 0..k {
            let row = &plane[base + dy * self.w..][..k];
            for (dx, &x) in row.iter().enumerate() {
                take_if_greater(&mut m, &mut at, x, dy * k + dx);
            }
        }
        (m, at)
    }

    /// The plane index of offset `at` in the window whose top-left element is `plane[base]`.
    #[inline(always)]
    fn in_plane(&self, base: usize, at: usize) -> usize {
        // Division by a constant for the common kernels (a multiply, not a `div`).
        let (dy, dx) = match self.k {
            2 => (at / 2, at % 2),
            3 => (at / 3, at % 3),
            k => (at / k, at % k),
        };
        base + dy * self.w + dx
    }

    /// For each output of one plane (row-major), the plane index of its maximum, from the
    /// window offsets `arg` of [`Pool::plane_with_argmax`].
    #[inline(always)]
    pub fn sources<'a>(&'a self, arg: &'a [u8]) -> impl Iterator<Item = usize> + 'a {
        let (ow, s, w) = (self.ow(), self.s, self.w);
        arg.chunks_exact(ow).enumerate().flat_map(move |(oy, row)| {
            row.iter()
                .enumerate()
                .map(move |(ox, &a)| self.in_plane(oy * s * w + ox * s, a as usize))
        })
    }

    /// The maximum of output cell (oy, ox)'s window; NaN if the window holds one. Branch-free
    /// selects, so random data costs no mispredictions.
    #[inline(always)]
    fn window_max<T: WithDType>(&self, plane: &[T], oy: usize, ox: usize) -> T {
        let (y0, x0) = (oy * self.s, ox * self.s);
        let mut m = plane[y0 * self.w + x0];
        let mut nan = false;
        for dy in 0..self.k {
            let row = (y0 + dy) * self.w + x0;
            for &v in &plane[row..row + self.k] {
                m = if v > m { v } else { m };
                #[allow(clippy::eq_op)]
                let is_nan = v != v;
                nan |= is_nan;
            }
        }
        if nan {
            T::from_f64(f64::NAN)
        } else {
            m
        }
    }

    fn forward<T: WithDType>(&self, x: &[T]) -> Vec<T> {
        let (oh, ow, hw) = (self.oh(), self.ow(), self.h * self.w);
        let mut y = vec![T::zero(); x.len() / hw * oh * ow];
        y.par_chunks_mut(oh * ow * PLANES)
            .zip(x.par_chunks(hw * PLANES))
            .for_each(|(out, planes)| {
                for (out, plane) in out.chunks_exact_mut(oh * ow).zip(planes.chunks_exact(hw)) {
                    for (oy, row) in out.chunks_exact_mut(ow).enumerate() {
                        for (ox, v) in row.iter_mut().enumerate() {
                            *v = self.window_max(plane, oy, ox);
                        }
                    }
                }
            });
        y
    }

    /// dx from the input and the output gradient: each output's gradient goes to its window's
    /// maximum, found again in the input ([`Pool::window_argmax`]).
    fn backward<T: WithDType>(&self, x: &[T], dy: &[T]) -> Vec<T> {
        let (oh, ow, hw) = (self.oh(), self.ow(), self.h * self.w);
        let (s, w) = (self.s, self.w);
        let mut dx = vec![T::zero(); x.len()];
        dx.par_chunks_mut(hw * PLANES)
            .zip(x.par_chunks(hw * PLANES))
            .zip(dy.par_chunks(oh * ow * PLANES))
            .for_each(|((d, planes), g)| {
                let parts = d.chunks_exact_mut(hw).zip(planes.chunks_exact(hw));
                for ((d, plane), g) in parts.zip(g.chunks_exact(oh * ow)) {
                    for oy in 0..oh {
                        for ox in 0..ow {
                            let base = oy * s * w + ox * s;
                            let (_, at) = self.window_argmax(plane, base, self.k);
                            d[self.in_plane(base, at)] += g[oy * ow + ox];
                        }
                    }
                }
            });
        dx
    }
}

/// Planes per parallel task (fewer, larger tasks for rayon).
const PLANES: usize = 16;

const OP: &str = "max_pool2d (CPU op)";

/// The op; its backward is computed directly (it is not itself differentiable).
struct MaxPool(Pool);

impl CustomOp1 for MaxPool {
    fn name(&self) -> &'static str {
        "max-pool2d-cpu"
    }

    fn cpu_fwd(&self, s: &CpuStorage, l: &Layout) -> Result<(CpuStorage, Shape)> {
        let (n, c, _, _) = l.shape().dims4()?;
        let p = self.0;
        let out = match s {
            CpuStorage::F32(_) => {
                CpuStorage::F32(p.forward(contiguous::<f32>(s, l, OP, "the input")?))
            }
            CpuStorage::F64(_) => {
                CpuStorage::F64(p.forward(contiguous::<f64>(s, l, OP, "the input")?))
            }
            other => candle_core::bail!(
                "max_pool2d (CPU op): dtype {:?} (f32 or f64 only)",
                other.dtype()
            ),
        };
        Ok((out, Shape::from((n, c, p.oh(), p.ow()))))
    }

    fn bwd(&self, x: &Tensor, _y: &Tensor, dy: &Tensor) -> Result<Option<Tensor>> {
        if !x.track_op() {
            return Ok(None);
        }
        let dy = dy.contiguous()?;
        let (ds, dl) = dy.storage_and_layout();
        let (xs, xl) = x.storage_and_layout();
        macro_rules! grad {
            ($t:ty) => {
                Tensor::from_vec(
                    self.0.backward(
                        on_cpu::<$t>(&xs, xl, OP, "the input")?,
                        on_cpu::<$t>(&ds, dl, OP, "the gradient")?,
                    ),
                    x.shape(),
                    &Device::Cpu,
                )?
            };
        }
        let dx = match x.dtype() {
            DType::F32 => grad!(f32),
            DType::F64 => grad!(f64),
            other => candle_core::bail!("{OP}: dtype {other:?} (f32 or f64 only)"),
        };
        Ok(Some(dx))
    }
}

/// Max pooling with kernel `k` and stride `s` over a CPU tensor [n, c, h, w] (f32 or f64).
pub fn max_pool2d(x: &Tensor, k: usize, s: usize) -> Result<Tensor> {
    let (_, _, h, w) = x.dims4()?;
    if k == 0 || s == 0 || h < k || w < k {
        candle_core::bail!(
            "max_pool2d: a {k}×{k} window (stride {s}) does not fit a {h}×{w} input"
        );
    }
    x.contiguous()?.apply_op1(MaxPool(Pool { h, w, k, s }))
}

/// One step of a window's argmax in row-major order: `x` at window offset `offset` replaces the
/// running maximum when strictly greater (so the first maximum stays), or when it is the first
/// NaN (PyTorch's convention: a NaN propagates). Written as selects, not branches, which
/// mispredict on activations.
#[inline(always)]
fn take_if_greater<T: WithDType, I: Copy>(m: &mut T, at: &mut I, x: T, offset: I) {
    #[allow(clippy::eq_op)]
    let take = x > *m || (x != x && *m == *m);
    *m = std::hint::select_unpredictable(take, x, *m);
    *at = std::hint::select_unpredictable(take, offset, *at);
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Var};

    fn rand(shape: &[usize], seed: u64) -> Tensor {
        crate::tensor::create::randn(shape, seed, 0.0, 1.0, DType::F64, &Device::Cpu).unwrap()
    }

    #[test]
    fn matches_the_tensor_op_composition_forward_and_backward() {
        for (h, w, k, s) in [
            (8, 8, 2, 2),
            (7, 9, 3, 2),
            (6, 6, 3, 3),
            (5, 5, 1, 1),
            (9, 6, 2, 3),
        ] {
            let x = Var::from_tensor(&rand(&[2, 3, h, w], 1)).unwrap();
            let ours = max_pool2d(&x, k, s).unwrap();
            let theirs = super::super::pool::max_pool2d_ops(&x, k, s).unwrap();
            assert_eq!(ours.dims(), theirs.dims());
            let d = (&ours - &theirs).unwrap().abs().unwrap().max_all().unwrap();
            assert_eq!(d.to_scalar::<f64>().unwrap(), 0.0, "{h}×{w} k{k} s{s}");
            let r = rand(ours.dims(), 2);
            let g1 = (&ours * &r).unwrap().sum_all().unwrap().backward().unwrap();
            let g2 = (&theirs * &r)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
            let d = (g1.get(&x).unwrap() - g2.get(&x).unwrap())
                .unwrap()
                .abs()
                .unwrap()
                .max_all()
                .unwrap();
            assert!(d.to_scalar::<f64>().unwrap() < 1e-12, "{h}×{w} k{k} s{s}");
        }
    }

    #[test]
    fn ties_send_the_gradient_to_the_first_maximum() {
        // One 2×2 window of equal values: PyTorch's convention, all to the top-left.
        let x = Var::from_tensor(&Tensor::ones((1, 1, 2, 2), DType::F32, &Device::Cpu).unwrap())
            .unwrap();
        let g = max_pool2d(&x, 2, 2)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        let dx = g
            .get(&x)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        assert_eq!(dx, vec![1.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn a_nan_propagates() {
        let x = Tensor::new(&[[[[1f32, f32::NAN], [3.0, 2.0]]]], &Device::Cpu).unwrap();
        let y = max_pool2d(&x, 2, 2)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap();
        assert!(y[0].is_nan());
    }
}
