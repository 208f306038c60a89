//! Convolution as one large matrix product, for the CPU (candle's own conv backward goes through
//! a slow direct transposed convolution; see PERF-NOTES.md):
//!
//!   cols = im2col(x)            x [b, c, h, w] → cols [c·kh·kw, b·oh·ow]
//!   y    = W · cols             W [o, c·kh·kw]  → [o, b·oh·ow] → [b, o, oh, ow] (+ bias)
//!
//! `im2col` is a custom op whose backward is `col2im` (the adjoint: scatter-add the columns back
//! to the image), so candle's autograd differentiates the whole thing and the weight and input
//! gradients are two more large products (dW = dy·colsᵀ, dcols = Wᵀ·dy). Rows of `cols` and
//! planes of `col2im` are filled in parallel with rayon. f32 and f64.

use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp1, Layout, Result, Shape, Tensor, WithDType};
use rayon::prelude::*;

/// Geometry of a convolution window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub k: usize,
    pub stride: usize,
    pub pad: usize,
}

impl Window {
    pub fn oh(&self) -> usize {
        (self.h + 2 * self.pad - self.k) / self.stride + 1
    }
    pub fn ow(&self) -> usize {
        (self.w + 2 * self.pad - self.k) / self.stride + 1
    }
    fn rows(&self) -> usize {
        self.c * self.k * self.k
    }
}

/// `x [b, c, h, w]` → `cols [c·k·k, b·oh·ow]`.
struct Im2Col(Window);
/// The adjoint of [`Im2Col`]: `cols [c·k·k, b·oh·ow]` → `x [b, c, h, w]` (sums overlaps).
struct Col2Im(Window, usize);

fn im2col<T: WithDType>(x: &[T], b: usize, g: Window) -> Vec<T> {
    let (oh, ow) = (g.oh(), g.ow());
    let l = oh * ow;
    let mut cols = vec![T::zero(); g.rows() * b * l];
    cols.par_chunks_mut(b * l)
        .enumerate()
        .for_each(|(row, out)| {
            let c = row / (g.k * g.k);
            let ki = (row / g.k) % g.k;
            let kj = row % g.k;
            for bi in 0..b {
                let plane = &x[(bi * g.c + c) * g.h * g.w..][..g.h * g.w];
                let dst = &mut out[bi * l..][..l];
                for oy in 0..oh {
                    let iy = (oy * g.stride + ki) as isize - g.pad as isize;
                    if iy < 0 || iy >= g.h as isize {
                        continue;
                    }
                    let src = &plane[iy as usize * g.w..][..g.w];
                    let d = &mut dst[oy * ow..][..ow];
                    for (ox, v) in d.iter_mut().enumerate() {
                        let ix = (ox * g.stride + kj) as isize - g.pad as isize;
                        if ix >= 0 && ix < g.w as isize {
                            *v = src[ix as usize];
                        }
                    }
                }
            }
        });
    cols
}

fn col2im<T: WithDType>(cols: &[T], b: usize, g: Window) -> Vec<T> {
    let (oh, ow) = (g.oh(), g.ow());
    let l = oh * ow;
    let mut x = vec![T::zero(); b * g.c * g.h * g.w];
    x.par_chunks_mut(g.h * g.w)
        .enumerate()
        .for_each(|(plane_idx, plane)| {
            let (bi, c) = (plane_idx / g.c, plane_idx % g.c);
            for ki in 0..g.k {
                for kj in 0..g.k {
                    let row = (c * g.k + ki) * g.k + kj;
                    let src = &cols[row * b * l + bi * l..][..l];
                    for oy in 0..oh {
                        let iy = (oy * g.stride + ki) as isize - g.pad as isize;
                        if iy < 0 || iy >= g.h as isize {
                            continue;
                        }
                        let dst = &mut plane[iy as usize * g.w..][..g.w];
                        for ox in 0..ow {
                            let ix = (ox * g.stride + kj) as isize - g.pad as isize;
                            if ix >= 0 && ix < g.w as isize {
                                dst[ix as usize] += src[oy * ow + ox];
                            }
                        }
                    }
                }
            }
        });
    x
}

fn contiguous<'a, T: WithDType>(s: &'a [T], layout: &Layout, op: &str) -> Result<&'a [T]> {
    match layout.contiguous_offsets() {
        Some((a, b)) => Ok(&s[a..b]),
        None => candle_core::bail!("{op}: the input must be contiguous"),
    }
}

impl CustomOp1 for Im2Col {
    fn name(&self) -> &'static str {
        "im2col"
    }

    fn cpu_fwd(&self, s: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let g = self.0;
        let (b, c, h, w) = layout.shape().dims4()?;
        if (c, h, w) != (g.c, g.h, g.w) {
            candle_core::bail!(
                "im2col: input [{b}, {c}, {h}, {w}] does not match the window {g:?}"
            );
        }
        let shape = Shape::from((g.rows(), b * g.oh() * g.ow()));
        let out = match s {
            CpuStorage::F32(v) => CpuStorage::F32(im2col(contiguous(v, layout, "im2col")?, b, g)),
            CpuStorage::F64(v) => CpuStorage::F64(im2col(contiguous(v, layout, "im2col")?, b, g)),
            other => candle_core::bail!(
                "im2col: dtype {:?} is not supported (f32, f64)",
                other.dtype()
            ),
        };
        Ok((out, shape))
    }

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        let b = arg.dim(0)?;
        Ok(Some(grad.contiguous()?.apply_op1(Col2Im(self.0, b))?))
    }
}

impl CustomOp1 for Col2Im {
    fn name(&self) -> &'static str {
        "col2im"
    }

    fn cpu_fwd(&self, s: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let (g, b) = (self.0, self.1);
        let shape = Shape::from((b, g.c, g.h, g.w));
        let out = match s {
            CpuStorage::F32(v) => CpuStorage::F32(col2im(contiguous(v, layout, "col2im")?, b, g)),
            CpuStorage::F64(v) => CpuStorage::F64(col2im(contiguous(v, layout, "col2im")?, b, g)),
            other => candle_core::bail!(
                "col2im: dtype {:?} is not supported (f32, f64)",
                other.dtype()
            ),
        };
        Ok((out, shape))
    }

    fn bwd(&self, _arg: &Tensor, _res: &Tensor, grad: &Tensor) -> Result<Option<Tensor>> {
        Ok(Some(grad.contiguous()?.apply_op1(Im2Col(self.0))?))
    }
}

/// `x [b, c, h, w]` ⋆ `weight [o, c, k, k]` (+ `bias [o]`) with stride and zero padding, as
/// im2col and one matrix product. Same result as candle's `conv2d`; CPU only.
pub fn conv2d(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: usize,
    pad: usize,
) -> Result<Tensor> {
    let (b, c, h, w) = x.dims4()?;
    let (o, wc, k, k2) = weight.dims4()?;
    if wc != c || k != k2 {
        candle_core::bail!(
            "conv2d: weight {:?} does not fit input {:?}",
            weight.dims(),
            x.dims()
        );
    }
    let g = Window {
        c,
        h,
        w,
        k,
        stride,
        pad,
    };
    let cols = x.contiguous()?.apply_op1(Im2Col(g))?;
    let y = weight.reshape((o, c * k * k))?.matmul(&cols)?; // [o, b·oh·ow]
    let y = y
        .reshape((o, b, g.oh(), g.ow()))?
        .transpose(0, 1)?
        .contiguous()?;
    match bias {
        Some(bias) => y.broadcast_add(&bias.reshape((1, o, 1, 1))?),
        None => Ok(y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Device, Var};

    fn rand(shape: &[usize], seed: u64) -> Tensor {
        crate::tensor::create::randn(shape, seed, 0.0, 1.0, DType::F64, &Device::Cpu).unwrap()
    }

    fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
        (a - b)
            .unwrap()
            .abs()
            .unwrap()
            .flatten_all()
            .unwrap()
            .max(0)
            .unwrap()
            .to_scalar::<f64>()
            .unwrap()
    }

    #[test]
    fn forward_and_gradients_match_candle_conv2d() {
        for (k, stride, pad) in [(3, 1, 1), (5, 2, 2), (3, 2, 0), (1, 1, 0)] {
            // 9×9 keeps (h + 2p − k) divisible by the stride: candle's own conv backward drops the last
            // row/column otherwise (its transposed convolution comes out one short).
            let x = Var::from_tensor(&rand(&[2, 3, 9, 9], 1)).unwrap();
            let w = Var::from_tensor(&rand(&[4, 3, k, k], 2)).unwrap();
            let bias = Var::from_tensor(&rand(&[4], 3)).unwrap();
            let ours = conv2d(&x, &w, Some(&bias), stride, pad).unwrap();
            let theirs = x
                .conv2d(&w, pad, stride, 1, 1)
                .unwrap()
                .broadcast_add(&bias.reshape((1, 4, 1, 1)).unwrap())
                .unwrap();
            assert_eq!(ours.dims(), theirs.dims());
            assert!(
                max_diff(&ours, &theirs) < 1e-10,
                "forward k={k} s={stride} p={pad}"
            );
            let r = rand(ours.dims(), 4);
            let g1 = (&ours * &r).unwrap().sum_all().unwrap().backward().unwrap();
            let g2 = (&theirs * &r)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
            for v in [&x, &w, &bias] {
                let d = max_diff(g1.get(v).unwrap(), g2.get(v).unwrap());
                assert!(d < 1e-9, "gradient k={k} s={stride} p={pad}: {d}");
            }
        }
    }

    #[test]
    fn input_gradient_matches_finite_differences() {
        let x = rand(&[1, 2, 5, 5], 5);
        let w = rand(&[3, 2, 3, 3], 6);
        let r = rand(&[1, 3, 3, 3], 7);
        let f = |x: &Tensor| {
            (conv2d(x, &w, None, 2, 1).unwrap() * &r)
                .unwrap()
                .sum_all()
                .unwrap()
                .to_scalar::<f64>()
                .unwrap()
        };
        let xv = Var::from_tensor(&x).unwrap();
        let g = (conv2d(&xv, &w, None, 2, 1).unwrap() * &r)
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        let gx = g
            .get(&xv)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1::<f64>()
            .unwrap();
        let base = x.flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let eps = 1e-6;
        for i in 0..base.len() {
            let mut p = base.clone();
            p[i] += eps;
            let mut m = base.clone();
            m[i] -= eps;
            let fp = f(&Tensor::from_vec(p, x.dims(), &Device::Cpu).unwrap());
            let fm = f(&Tensor::from_vec(m, x.dims(), &Device::Cpu).unwrap());
            let fd = (fp - fm) / (2.0 * eps);
            assert!((fd - gx[i]).abs() < 1e-7, "d/dx[{i}]: {fd} vs {}", gx[i]);
        }
    }
}
