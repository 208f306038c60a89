//! Convolution + bias (+ ReLU) (+ max pooling) as one CPU op with its own backward, the hot
//! path of every pixel network on the CPU. Two algorithms ([`Algo`]):
//!
//! **Winograd** F(4×4, 3×3) (or F(2×2, 3×3)) for 3×3 stride-1 windows, the default there: by
//! blocks of images, see `winograd`.
//!
//! **im2col + GEMM** for every other window (and all of them with `XMODAL_CONV_ALGO=im2col`).
//! Forward, per image (images in parallel with rayon, one single-threaded GEMM each):
//!
//!   cols = im2col(x_i)                     [c·k·k, oh·ow], in a per-thread buffer
//!   y_i  = W · cols + b, then max(·, 0)    [o, oh·ow], into the NCHW output (or pooled into it)
//!
//! Backward, over the whole batch:
//!
//!   dz   = dy ⊙ [y > 0]                    (ReLU's gradient, PyTorch's convention at 0), one
//!                                         [o × n·l] matrix; db = its row sums
//!   dW   = dz · colsᵀ                      by blocks of W's columns: each block one task that
//!                                         rebuilds its rows of the columns, group by group
//!   dx_i = col2im(Wᵀ · dz_i)               by pairs of images (only when x is in the graph)
//!
//! (Winograd takes the same dz and db.) With max pooling fused in (`conv2d_relu_pool`), y and
//! dy are the pooled ones and dz is each pooled gradient sent to its window's maximum, whose
//! offset the forward kept.
//!
//! Compared with composing candle ops (im2col, matmul, transpose, broadcast add, ReLU), this
//! allocates only the output, dz and the gradients, keeps the columns in cache (rebuilt in the
//! backward rather than kept from the forward), and needs no layout copies. Every gradient
//! entry is summed by one task in one order, so the bits do not depend on the number of
//! threads. f32 and f64.

use super::cpu_slice::{contiguous, on_cpu};
use super::gemm_cpu::gemm;
use super::im2col::{col2im_ld, im2col, im2col_rows, Window};
use super::pool_cpu::Pool;
use super::winograd::{self, Plan};
use std::sync::OnceLock;

const OP: &str = "conv2d (CPU op)";
use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, CustomOp3, Device, Layout, Result, Shape, Tensor, WithDType};
use rayon::prelude::*;

/// How the op multiplies: im2col + GEMM (any window) or Winograd F(m×m, 3×3) (3×3 kernels at
/// stride 1; m = 4: 4× fewer multiplications, m = 2: 2.25×; results equal up to rounding, see
/// `winograd`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Algo {
    Im2col,
    /// F(m×m, 3×3): tiles of m × m outputs, m = 2 or 4.
    Winograd(usize),
}

impl Algo {
    /// The environment variable that picks the algorithm.
    pub const VAR: &'static str = "XMODAL_CONV_ALGO";

    /// From `XMODAL_CONV_ALGO` (for 3×3 stride-1 windows; im2col for every other one):
    /// `auto` (the default) or `winograd4`: F(4×4, 3×3); `winograd2`: F(2×2, 3×3); `im2col`:
    /// im2col + GEMM (e.g. to compare with runs made before Winograd, bit for bit).
    pub fn choose(g: &Window) -> Result<Algo> {
        Self::from_setting(std::env::var(Self::VAR).ok().as_deref(), g)
    }

    /// The algorithm a setting of [`Algo::VAR`] (`None`: unset) picks for window `g`.
    fn from_setting(setting: Option<&str>, g: &Window) -> Result<Algo> {
        let wanted = match setting {
            None | Some("") | Some("auto") | Some("winograd4") => Algo::Winograd(4),
            Some("winograd2") => Algo::Winograd(2),
            Some("im2col") => Algo::Im2col,
            Some(other) => candle_core::bail!(
                "{}={other:?} is not a convolution algorithm: use \"auto\" (the default), \"winograd4\", \"winograd2\" (for 3×3 stride-1 convolutions) or \"im2col\"",
                Self::VAR
            ),
        };
        Ok(if winograd::applies(g) {
            wanted
        } else {
            Algo::Im2col
        })
    }
}

/// The op: window geometry, output channels, whether a ReLU follows, and an optional max
/// pooling after it. With pooling, the forward keeps each output's window offset of its
/// maximum (one byte per pooled value, like PyTorch's saved indices) for the backward.
struct ConvOp {
    g: Window,
    o: usize,
    algo: Algo,
    relu: bool,
    pool: Option<Pool>,
    argmax: OnceLock<Vec<u8>>,
}

impl ConvOp {
    /// Output values per image plane: oh·ow, or the pooled size.
    fn out_plane(&self) -> usize {
        match self.pool {
            Some(p) => p.oh() * p.ow(),
            None => self.g.positions(),
        }
    }

    /// Add the bias to an image's output `yi` [o × l] (then max(·, 0)).
    fn bias_relu<T: WithDType>(&self, b: &[T], yi: &mut [T]) {
        let l = self.g.positions();
        for (row, &bias) in yi.chunks_exact_mut(l).zip(b) {
            for v in row {
                *v += bias;
                // `v < 0` is false for NaN, so a NaN still reaches the loss.
                if self.relu && *v < T::zero() {
                    *v = T::zero();
                }
            }
        }
    }

    fn forward<T: WithDType>(&self, x: &[T], w: &[T], b: &[T], n: usize) -> Vec<T> {
        let (g, o) = (self.g, self.o);
        let (rows, l) = (g.rows(), g.positions());
        // Images per task, and the Winograd plan with its transformed weights.
        let (per, wino) = match self.algo {
            Algo::Winograd(m) => {
                let plan = Plan::new(g, o, m);
                let u = winograd::transform_weights(&plan, w);
                (plan.block(), Some((plan, u)))
            }
            Algo::Im2col => (1, None),
        };
        // The outputs (bias and ReLU applied, not pooled) of the images from `first` on, into
        // `full` [images × o × l].
        let outputs = |first: usize, s: &mut Work<T>, full: &mut [T]| {
            let images = full.len() / (o * l);
            let x = &x[first * g.image()..][..images * g.image()];
            match &wino {
                Some((plan, u)) => winograd::forward_block(plan, x, u, &mut s.winograd, full),
                None => {
                    s.cols.resize(rows * l, T::zero());
                    for (xi, yi) in x.chunks_exact(g.image()).zip(full.chunks_exact_mut(o * l)) {
                        im2col(xi, g, &mut s.cols);
                        gemm((o, l, rows), yi, l, false, w, (rows, 1), &s.cols, (l, 1));
                    }
                }
            }
            for yi in full.chunks_exact_mut(o * l) {
                self.bias_relu(b, yi);
            }
        };
        let Some(pool) = self.pool else {
            let mut y = vec![T::zero(); n * o * l];
            y.par_chunks_mut(per * o * l)
                .enumerate()
                .for_each_init(Work::default, |s, (task, y)| outputs(task * per, s, y));
            return y;
        };
        // Pool each image's output while it is in the cache; keep the argmax offsets.
        let m = self.out_plane();
        let mut y = vec![T::zero(); n * o * m];
        let mut arg = vec![0u8; n * o * m];
        y.par_chunks_mut(per * o * m)
            .zip(arg.par_chunks_mut(per * o * m))
            .enumerate()
            .for_each_init(
                || (Work::default(), Vec::new()),
                |(s, full), (task, (y, a))| {
                    full.resize(y.len() / m * l, T::zero());
                    outputs(task * per, s, full);
                    let planes = full.chunks_exact(l);
                    for ((plane, out), a) in
                        planes.zip(y.chunks_exact_mut(m)).zip(a.chunks_exact_mut(m))
                    {
                        pool.plane_with_argmax(plane, out, a);
                    }
                },
            );
        // A fresh op per call: the first forward is the only one.
        let _ = self.argmax.set(arg);
        y
    }

    /// dz = ∂loss/∂(W·x + b) of channel `c` of image `i` into `dz` (oh·ow values): the ReLU
    /// mask applied to dy, or, with pooling, each pooled gradient sent to its window's maximum
    /// (where the ReLU let it through: a pooled value > 0).
    fn plane_gradient<T: WithDType>(&self, t: &Inputs<'_, T>, i: usize, c: usize, dz: &mut [T]) {
        let m = self.out_plane();
        let at = (i * self.o + c) * m;
        let (y, dy) = (&t.y[at..][..m], &t.dy[at..][..m]);
        let Some(pool) = self.pool else {
            for ((z, &y), &d) in dz.iter_mut().zip(y).zip(dy) {
                *z = if !self.relu || y > T::zero() {
                    d
                } else {
                    T::zero()
                };
            }
            return;
        };
        dz.fill(T::zero());
        for ((q, &y), &d) in pool.sources(&t.argmax[at..][..m]).zip(y).zip(dy) {
            let pass = !self.relu || y > T::zero();
            dz[q] += std::hint::select_unpredictable(pass, d, T::zero());
        }
    }

    /// dz of the whole batch as one matrix [o × n·l] (row c: channel c of every image, image
    /// after image), in tasks of a few channels, and db (each row's sum).
    fn batch_gradient<T: WithDType>(&self, t: &Inputs<'_, T>, n: usize) -> (Vec<T>, Vec<T>) {
        let l = self.g.positions();
        let mut dz = vec![T::zero(); self.o * n * l];
        let mut db = vec![T::zero(); self.o];
        // Tasks of CHANNELS rows, image by image inside, so that each image's planes are read
        // in memory order.
        const CHANNELS: usize = 16;
        dz.par_chunks_mut(CHANNELS * n * l)
            .zip(db.par_chunks_mut(CHANNELS))
            .enumerate()
            .for_each(|(task, (rows, db))| {
                for i in 0..n {
                    for (j, row) in rows.chunks_exact_mut(n * l).enumerate() {
                        let plane = &mut row[i * l..][..l];
                        self.plane_gradient(t, i, task * CHANNELS + j, plane);
                    }
                }
                for (db, row) in db.iter_mut().zip(rows.chunks_exact(n * l)) {
                    *db = lanes_sum(row);
                }
            });
        (dz, db)
    }

    /// dW [o × c·k·k] = dz · colsᵀ over the batch, in blocks of columns (rows of `cols`): each
    /// block is one task that walks the images in order, builds its own rows of the columns
    /// for a group of images at a time and adds one GEMM with a long inner dimension
    /// (group·l ≈ 512) into a block small enough to stay in cache. Every entry is summed by
    /// one task in one order: no per-thread partial sums to add, the same bits on any number
    /// of threads.
    fn weight_gradient<T: WithDType>(&self, t: &Inputs<'_, T>, dz: &[T], n: usize) -> Vec<T> {
        let (g, o) = (self.g, self.o);
        let (rows, l, image) = (g.rows(), g.positions(), g.image());
        let ld_all = n * l;
        let per = (512 / l).clamp(1, n.max(1));
        let blocks = (rows / 16).clamp(1, 8);
        let size = rows.div_ceil(blocks);
        let parts: Vec<(std::ops::Range<usize>, Vec<T>)> = (0..rows.div_ceil(size))
            .into_par_iter()
            .map(|b| {
                let r = b * size..((b + 1) * size).min(rows);
                let mut part = vec![T::zero(); o * r.len()];
                let mut cols = vec![T::zero(); r.len() * per * l];
                for start in (0..n).step_by(per) {
                    let group = start..(start + per).min(n);
                    let ld = group.len() * l;
                    for (j, i) in group.clone().enumerate() {
                        let x = &t.x[i * image..][..image];
                        im2col_rows(x, g, r.clone(), &mut cols[j * l..], ld);
                    }
                    // part [o × r] += dz[:, group] [o × ld] · cols_rᵀ [ld × r]
                    gemm(
                        (o, r.len(), ld),
                        &mut part,
                        r.len(),
                        true,
                        &dz[start * l..],
                        (ld_all, 1),
                        &cols,
                        (1, ld),
                    );
                }
                (r, part)
            })
            .collect();
        let mut dw = vec![T::zero(); o * rows];
        for (r, part) in parts {
            for (dst, src) in dw.chunks_exact_mut(rows).zip(part.chunks_exact(r.len())) {
                dst[r.clone()].copy_from_slice(src);
            }
        }
        dw
    }

    /// dx by groups of images (see [`group_images`]): dcols = Wᵀ · dz[:, group], then col2im
    /// of each image's columns. Each image's gradient is written by one task.
    fn input_gradient<T: WithDType>(&self, t: &Inputs<'_, T>, dz: &[T], n: usize) -> Vec<T> {
        let (g, o) = (self.g, self.o);
        let (rows, l, image) = (g.rows(), g.positions(), g.image());
        let per = group_images(l);
        let mut dx = vec![T::zero(); n * image];
        dx.par_chunks_mut(per * image).enumerate().for_each_init(
            || vec![T::zero(); rows * per * l],
            |cols, (task, dx)| {
                let images = dx.len() / image;
                let ld = images * l;
                // dcols [rows × ld] = Wᵀ [rows × o] · dz[:, group] [o × ld]
                gemm(
                    (rows, ld, o),
                    cols,
                    ld,
                    false,
                    t.w,
                    (1, rows),
                    &dz[task * per * l..],
                    (n * l, 1),
                );
                for (j, dxi) in dx.chunks_exact_mut(image).enumerate() {
                    col2im_ld(&cols[j * l..], g, dxi, ld);
                }
            },
        );
        dx
    }

    /// dx (when `want_x`) and dW (when the weight takes a gradient; empty otherwise) through
    /// the Winograd transforms: blocks of images in parallel (dM, and dx by dV = dM · Uᵀ), then
    /// each ξ's dU = Σ dMᵀ · V over the blocks in order, the (m+2)² of them in parallel.
    fn winograd_gradients<T: WithDType>(
        &self,
        plan: &Plan,
        t: &Inputs<'_, T>,
        dz: &[T],
        n: usize,
        want_x: bool,
    ) -> (Option<Vec<T>>, Vec<T>) {
        if !want_x && !t.want_w {
            // Only the bias takes a gradient (db comes from dz alone).
            return (None, Vec::new());
        }
        let (g, o, c) = (self.g, self.o, self.g.c);
        let (l, image, per) = (g.positions(), g.image(), plan.block());
        let u = want_x.then(|| winograd::transform_weights(plan, t.w));
        let block = |task: usize, s: &mut winograd::Scratch<T>, dx: Option<&mut [T]>| {
            let first = task * per;
            let x = &t.x[first * image..][..(n - first).min(per) * image];
            let dz = (&dz[first * l..], n * l);
            winograd::backward_block(plan, x, dz, u.as_deref(), dx, t.want_w, s)
        };
        let mut dx = want_x.then(|| vec![T::zero(); n * image]);
        let blocks: Vec<_> = match &mut dx {
            Some(dx) => dx
                .par_chunks_mut(per * image)
                .enumerate()
                .map_init(winograd::Scratch::default, |s, (task, dx)| {
                    block(task, s, Some(dx))
                })
                .collect(),
            None => (0..n.div_ceil(per))
                .into_par_iter()
                .map_init(winograd::Scratch::default, |s, task| block(task, s, None))
                .collect(),
        };
        let dw = if t.want_w {
            let blocks: Vec<_> = blocks.into_iter().flatten().collect();
            let mut du = vec![T::zero(); plan.xi() * o * c];
            du.par_chunks_mut(o * c)
                .enumerate()
                .for_each(|(e, du)| winograd::weight_products(plan, &blocks, e, du));
            winograd::weight_gradient(plan, &du)
        } else {
            Vec::new()
        };
        (dx, dw)
    }

    /// dx (when `want_x`), dW (when the weight takes a gradient; empty otherwise) and db.
    fn backward<T: WithDType>(
        &self,
        t: Inputs<'_, T>,
        n: usize,
        want_x: bool,
    ) -> (Option<Vec<T>>, Vec<T>, Vec<T>) {
        if n == 0 {
            // An empty batch: nothing flows back, the parameters' gradients are zero.
            let dw = vec![T::zero(); if t.want_w { self.o * self.g.rows() } else { 0 }];
            return (want_x.then(Vec::new), dw, vec![T::zero(); self.o]);
        }
        let (dz, db) = self.batch_gradient(&t, n);
        if let Algo::Winograd(m) = self.algo {
            let plan = Plan::new(self.g, self.o, m);
            let (dx, dw) = self.winograd_gradients(&plan, &t, &dz, n, want_x);
            return (dx, dw, db);
        }
        let dw = if t.want_w {
            self.weight_gradient(&t, &dz, n)
        } else {
            Vec::new()
        };
        let dx = want_x.then(|| self.input_gradient(&t, &dz, n));
        (dx, dw, db)
    }
}

/// Σ v in eight interleaved partial sums (vectorised, unlike one running sum whose every add
/// waits for the previous one), combined in a fixed order: the same bits on every run.
fn lanes_sum<T: WithDType>(v: &[T]) -> T {
    let mut lanes = [T::zero(); 8];
    let chunks = v.chunks_exact(8);
    let tail = chunks.remainder().iter().fold(T::zero(), |s, &x| s + x);
    for c in chunks {
        for (l, &x) in lanes.iter_mut().zip(c) {
            *l += x;
        }
    }
    let [a, b, c, d, e, f, g, h] = lanes;
    ((a + b) + (c + d)) + ((e + f) + (g + h)) + tail
}

/// Images whose columns share one GEMM of the input gradient. One image makes thin products
/// for small outputs (l = oh·ow is 64 in scene-net-s's 8×8 layers) and repacks W for every
/// image; two side by side were 5–7% faster on the whole training step than one, and four
/// slower than two (cache). Large outputs (l > 1024, AlexNet's first layers) keep one.
fn group_images(l: usize) -> usize {
    if l <= 1024 {
        2
    } else {
        1
    }
}

/// Per-task buffers of the forward.
struct Work<T> {
    cols: Vec<T>,
    winograd: winograd::Scratch<T>,
}

impl<T> Default for Work<T> {
    fn default() -> Self {
        Work {
            cols: Vec::new(),
            winograd: winograd::Scratch::default(),
        }
    }
}

/// What the backward pass reads (`y`, `dy`: the op's output and its gradient, pooled when the
/// op pools; `argmax`: the pooled maxima's window offsets, empty otherwise).
#[derive(Clone, Copy)]
struct Inputs<'a, T> {
    x: &'a [T],
    w: &'a [T],
    y: &'a [T],
    dy: &'a [T],
    argmax: &'a [u8],
    want_w: bool,
}

impl CustomOp3 for ConvOp {
    fn name(&self) -> &'static str {
        if self.relu {
            "conv2d-relu-cpu"
        } else {
            "conv2d-cpu"
        }
    }

    fn cpu_fwd(
        &self,
        x: &CpuStorage,
        xl: &Layout,
        w: &CpuStorage,
        wl: &Layout,
        b: &CpuStorage,
        bl: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let n = xl.dims()[0];
        let shape = match self.pool {
            Some(p) => Shape::from((n, self.o, p.oh(), p.ow())),
            None => Shape::from((n, self.o, self.g.oh(), self.g.ow())),
        };
        let out = match (x, w, b) {
            (CpuStorage::F32(_), CpuStorage::F32(_), CpuStorage::F32(_)) => CpuStorage::F32(
                self.forward::<f32>(
                    contiguous(x, xl, OP, "the input")?,
                    contiguous(w, wl, OP, "the weight")?,
                    contiguous(b, bl, OP, "the bias")?,
                    n,
                ),
            ),
            (CpuStorage::F64(_), CpuStorage::F64(_), CpuStorage::F64(_)) => CpuStorage::F64(
                self.forward::<f64>(
                    contiguous(x, xl, OP, "the input")?,
                    contiguous(w, wl, OP, "the weight")?,
                    contiguous(b, bl, OP, "the bias")?,
                    n,
                ),
            ),
            _ => candle_core::bail!(
                "conv2d (CPU op): input, weight and bias must all be f32 or all f64, got {:?}, {:?}, {:?}",
                x.dtype(),
                w.dtype(),
                b.dtype()
            ),
        };
        Ok((out, shape))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        y: &Tensor,
        dy: &Tensor,
    ) -> Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (want_x, want_w, want_b) = (x.track_op(), w.track_op(), b.track_op());
        if !(want_x || want_w || want_b) {
            return Ok((None, None, None));
        }
        let n = x.dim(0)?;
        let argmax: &[u8] = match (self.pool, self.argmax.get()) {
            (None, _) => &[],
            (Some(_), Some(a)) => a,
            (Some(_), None) => candle_core::bail!("{OP}: backward before forward"),
        };
        let dy = dy.contiguous()?;
        let (xs, xl) = x.storage_and_layout();
        let (ws, wl) = w.storage_and_layout();
        let (ys, yl) = y.storage_and_layout();
        let (ds, dl) = dy.storage_and_layout();
        macro_rules! run {
            ($t:ty) => {{
                let inputs = Inputs::<$t> {
                    x: on_cpu(&xs, xl, OP, "the input")?,
                    w: on_cpu(&ws, wl, OP, "the weight")?,
                    y: on_cpu(&ys, yl, OP, "the output")?,
                    dy: on_cpu(&ds, dl, OP, "the output gradient")?,
                    argmax,
                    want_w,
                };
                let (dx, dw, db) = self.backward(inputs, n, want_x);
                let cpu = Device::Cpu;
                (
                    dx.map(|v| Tensor::from_vec(v, x.shape(), &cpu))
                        .transpose()?,
                    want_w
                        .then(|| Tensor::from_vec(dw, w.shape(), &cpu))
                        .transpose()?,
                    Tensor::from_vec(db, b.shape(), &cpu)?,
                )
            }};
        }
        let (dx, dw, db) = match x.dtype() {
            candle_core::DType::F32 => run!(f32),
            candle_core::DType::F64 => run!(f64),
            other => candle_core::bail!("conv2d (CPU op): dtype {other:?} (f32 or f64 only)"),
        };
        Ok((dx, dw, want_b.then_some(db)))
    }
}

fn apply(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    (stride, pad): (usize, usize),
    relu: bool,
    pool: Option<(usize, usize)>,
    algo: Option<Algo>,
) -> Result<Tensor> {
    let (_, c, h, w) = x.dims4()?;
    let (o, wc, k, k2) = weight.dims4()?;
    if wc != c || k != k2 {
        candle_core::bail!(
            "conv2d: weight {:?} does not fit input {:?}",
            weight.dims(),
            x.dims()
        );
    }
    if h + 2 * pad < k || w + 2 * pad < k || stride == 0 {
        candle_core::bail!(
            "conv2d: a {k}×{k} kernel (stride {stride}, padding {pad}) does not fit a {h}×{w} input"
        );
    }
    let bias = match bias {
        Some(b) if b.dims() == [o] => b.contiguous()?,
        Some(b) => candle_core::bail!("conv2d: bias {:?} should be [{o}]", b.dims()),
        None => Tensor::zeros(o, x.dtype(), x.device())?,
    };
    let g = Window {
        c,
        h,
        w,
        k,
        stride,
        pad,
    };
    let pool = match pool {
        None => None,
        Some((pk, ps)) => {
            let (oh, ow) = (g.oh(), g.ow());
            if pk == 0 || ps == 0 || oh < pk || ow < pk || pk * pk > 256 {
                candle_core::bail!(
                    "conv2d + max_pool2d: a {pk}×{pk} pool (stride {ps}) does not fit the {oh}×{ow} convolution output (kernels up to 16×16)"
                );
            }
            Some(Pool {
                h: oh,
                w: ow,
                k: pk,
                s: ps,
            })
        }
    };
    let op = ConvOp {
        g,
        o,
        algo: match algo {
            Some(a) => a,
            None => Algo::choose(&g)?,
        },
        relu,
        pool,
        argmax: OnceLock::new(),
    };
    x.contiguous()?.apply_op3(&weight.contiguous()?, &bias, op)
}

/// `x [n, c, h, w]` ⋆ `weight [o, c, k, k]` + `bias [o]` with stride and zero padding; CPU,
/// f32 or f64. Same result as candle's `conv2d` plus a broadcast bias.
pub fn conv2d(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: usize,
    pad: usize,
) -> Result<Tensor> {
    apply(x, weight, bias, (stride, pad), false, None, None)
}

/// `max(conv2d(x, weight, bias), 0)` in one pass (see [`conv2d`]).
pub fn conv2d_relu(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    stride: usize,
    pad: usize,
) -> Result<Tensor> {
    apply(x, weight, bias, (stride, pad), true, None, None)
}

/// `max_pool2d(max(conv2d(x, weight, bias), 0), pool_k, pool_s)` in one op: each image's
/// convolution output is pooled while it is in the cache and never stored whole; the backward
/// sends each pooled gradient to its window's first maximum (the same convention as
/// `pool_cpu`). Same results as the three ops in turn.
pub fn conv2d_relu_pool(
    x: &Tensor,
    weight: &Tensor,
    bias: Option<&Tensor>,
    (stride, pad): (usize, usize),
    (pool_k, pool_s): (usize, usize),
) -> Result<Tensor> {
    apply(
        x,
        weight,
        bias,
        (stride, pad),
        true,
        Some((pool_k, pool_s)),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::{DType, Var};

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

    /// Every algorithm the window takes.
    fn algos(k: usize, stride: usize) -> Vec<Algo> {
        if k == 3 && stride == 1 {
            vec![Algo::Im2col, Algo::Winograd(2), Algo::Winograd(4)]
        } else {
            vec![Algo::Im2col]
        }
    }

    /// The op with a chosen algorithm, its bias broadcast.
    fn conv_with(
        algo: Algo,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        (stride, pad): (usize, usize),
        relu: bool,
    ) -> Tensor {
        apply(x, w, Some(b), (stride, pad), relu, None, Some(algo)).unwrap()
    }

    /// candle's convolution plus a broadcast bias (then ReLU), for reference.
    fn candle_conv(
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        (stride, pad): (usize, usize),
        relu: bool,
    ) -> Tensor {
        let o = w.dim(0).unwrap();
        let t = x
            .conv2d(w, pad, stride, 1, 1)
            .unwrap()
            .broadcast_add(&b.reshape((1, o, 1, 1)).unwrap())
            .unwrap();
        if relu {
            t.relu().unwrap()
        } else {
            t
        }
    }

    #[test]
    fn forward_and_gradients_match_candle_conv2d() {
        // 9×9 keeps (h + 2p − k) divisible by the stride: candle's own conv backward drops the
        // last row/column otherwise. Winograd tiles hang over the 9×9 (or 7×7, 11×11) output's
        // edge.
        let cases = [
            (3, 1, 1),
            (3, 1, 0),
            (3, 1, 2),
            (5, 2, 2),
            (3, 2, 0),
            (1, 1, 0),
        ];
        for relu in [false, true] {
            for (k, stride, pad) in cases {
                for algo in algos(k, stride) {
                    let (x, w) = (rand(&[3, 3, 9, 9], 1), rand(&[4, 3, k, k], 2));
                    let case = format!("k={k} s={stride} p={pad} relu={relu}");
                    matches_candle(algo, (&x, &w, 3), (stride, pad), relu, &case);
                }
            }
        }
    }

    /// Our op's output and the gradients of `x`, `w` and a bias drawn with `seed` equal
    /// candle's, 1e-10 and 1e-9 apart in f64 (the output is weighted by a draw with seed + 1).
    fn matches_candle(
        algo: Algo,
        (x, w, seed): (&Tensor, &Tensor, u64),
        (stride, pad): (usize, usize),
        relu: bool,
        case: &str,
    ) {
        let x = Var::from_tensor(x).unwrap();
        let w = Var::from_tensor(w).unwrap();
        let b = Var::from_tensor(&rand(&[w.dim(0).unwrap()], seed)).unwrap();
        let ours = conv_with(algo, &x, &w, &b, (stride, pad), relu);
        let theirs = candle_conv(&x, &w, &b, (stride, pad), relu);
        assert_eq!(ours.dims(), theirs.dims(), "{case} {algo:?}");
        assert!(max_diff(&ours, &theirs) < 1e-10, "forward, {case} {algo:?}");
        let r = rand(ours.dims(), seed + 1);
        let (g1, g2) = (weighted_grads(&ours, &r), weighted_grads(&theirs, &r));
        for (v, name) in [(&x, "x"), (&w, "w"), (&b, "b")] {
            let d = max_diff(g1.get(v).unwrap(), g2.get(v).unwrap());
            assert!(d < 1e-9, "gradient of {name}, {case} {algo:?}: {d}");
        }
    }

    #[test]
    fn winograd_gradients_match_candle_across_blocks() {
        // 11 images of 10×9 outputs (tiles hang over both edges): F(4×4) has 3 × 3 tiles per
        // image, blocks of 7 and 4 images; F(2×2) 5 × 5 tiles, five blocks of 2 and a lone
        // last image (TILES_PER_BLOCK = 64). The weight gradient sums over every block.
        let (x, w) = (rand(&[11, 3, 10, 9], 21), rand(&[4, 3, 3, 3], 22));
        for algo in [Algo::Winograd(2), Algo::Winograd(4)] {
            matches_candle(algo, (&x, &w, 23), (1, 1), true, "11 images of 10×9");
        }
    }

    #[test]
    fn winograd_rounding_in_f32_stays_near_the_direct_sum() {
        // A scene-net-s layer (192 → 192 channels, 8×8, He-scaled weights) in f32 against the
        // f64 direct sum, errors relative to the outputs' largest magnitude. Measured on three
        // seeds: direct f32 sum 3.8e-7–4.8e-7, F(2×2) 4.3e-7–4.7e-7 (the same), F(4×4)
        // 6.7e-6–1.1e-5 (its larger constants: the known price of 4× fewer products).
        let x64 = rand(&[2, 192, 8, 8], 31);
        let w64 = (rand(&[192, 192, 3, 3], 32) * (2.0 / (9.0 * 192.0f64)).sqrt()).unwrap();
        let b64 = rand(&[192], 33);
        let exact = conv_with(Algo::Im2col, &x64, &w64, &b64, (1, 1), false);
        let scale = exact.abs().unwrap().flatten_all().unwrap().max(0).unwrap();
        let scale = scale.to_scalar::<f64>().unwrap();
        let f32 = |t: &Tensor| t.to_dtype(DType::F32).unwrap();
        let error = |algo| {
            let y = conv_with(algo, &f32(&x64), &f32(&w64), &f32(&b64), (1, 1), false);
            max_diff(&y.to_dtype(DType::F64).unwrap(), &exact) / scale
        };
        let direct = error(Algo::Im2col);
        for (algo, bound) in [(Algo::Winograd(2), 2e-6), (Algo::Winograd(4), 4e-5)] {
            let e = error(algo);
            assert!(
                e < bound,
                "{algo:?}: relative error {e:.2e} (direct f32 {direct:.2e})"
            );
        }
    }

    #[test]
    fn gradients_match_candle_across_image_groups_and_weight_blocks() {
        // im2col, 19 images of 8×8 outputs: weight-gradient groups of 8, 8 and 3 images,
        // input-gradient pairs with a lone last image; 6 input channels: three blocks of 18
        // weight columns.
        let (x, w) = (rand(&[19, 6, 8, 8], 11), rand(&[5, 6, 3, 3], 12));
        matches_candle(
            Algo::Im2col,
            (&x, &w, 13),
            (1, 1),
            false,
            "19 images of 8×8",
        );
    }

    #[test]
    fn fused_pooling_matches_conv_relu_then_pool() {
        // (h, conv k, stride, pad, pool k, pool s): 2/2 as scene-net-s, 3/2 overlapping as
        // AlexNet, and a pool that leaves a remainder.
        for (h, k, stride, pad, pk, ps) in [
            (8, 3, 1, 1, 2, 2),
            (9, 3, 1, 1, 3, 2),
            (11, 5, 2, 2, 2, 2),
            (7, 3, 1, 0, 2, 2),
        ] {
            let x = Var::from_tensor(&rand(&[5, 3, h, h], 11)).unwrap();
            let w = Var::from_tensor(&rand(&[4, 3, k, k], 12)).unwrap();
            let b = Var::from_tensor(&rand(&[4], 13)).unwrap();
            let fused = conv2d_relu_pool(&x, &w, Some(&b), (stride, pad), (pk, ps)).unwrap();
            let apart = super::super::pool_cpu::max_pool2d(
                &conv2d_relu(&x, &w, Some(&b), stride, pad).unwrap(),
                pk,
                ps,
            )
            .unwrap();
            let case = format!("h={h} k={k} s={stride} p={pad} pool {pk}/{ps}");
            assert_eq!(fused.dims(), apart.dims(), "{case}");
            assert_eq!(max_diff(&fused, &apart), 0.0, "forward {case}");
            let r = rand(fused.dims(), 14);
            let g1 = (&fused * &r)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
            let g2 = (&apart * &r)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
            for (v, name) in [(&x, "x"), (&w, "w"), (&b, "b")] {
                let d = max_diff(g1.get(v).unwrap(), g2.get(v).unwrap());
                assert!(d < 1e-12, "gradient of {name}, {case}: {d}");
            }
        }
    }

    #[test]
    fn gradients_have_the_same_bits_on_any_number_of_threads() {
        // im2col, 11 images of 8×8: weight-gradient groups of 8 and 3, two weight blocks,
        // input-gradient pairs with a lone last image. Winograd, 11 images of 12×12: F(4×4)
        // blocks of 7 and 4 images, F(2×2) one image per block.
        for (algo, side) in [
            (Algo::Im2col, 8),
            (Algo::Winograd(2), 12),
            (Algo::Winograd(4), 12),
        ] {
            let one = bits_of_gradients(algo, side, 1);
            assert_eq!(one, bits_of_gradients(algo, side, 2), "{algo:?}");
            assert_eq!(one, bits_of_gradients(algo, side, 3), "{algo:?}");
        }
    }

    /// The bits of the f32 gradients of x, w and b on a pool of `threads` threads.
    fn bits_of_gradients(algo: Algo, side: usize, threads: usize) -> [Vec<u32>; 3] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let f32 = |t: Tensor| t.to_dtype(DType::F32).unwrap();
            let x = Var::from_tensor(&f32(rand(&[11, 5, side, side], 5))).unwrap();
            let w = Var::from_tensor(&f32(rand(&[6, 5, 3, 3], 6))).unwrap();
            let b = Var::from_tensor(&f32(rand(&[6], 7))).unwrap();
            let y = conv_with(algo, &x, &w, &b, (1, 1), true);
            let r = f32(rand(y.dims(), 8));
            let g = weighted_grads(&y, &r);
            [&x, &w, &b].map(|v| {
                let t = g.get(v).unwrap().flatten_all().unwrap();
                t.to_vec1::<f32>()
                    .unwrap()
                    .iter()
                    .map(|v| v.to_bits())
                    .collect::<Vec<_>>()
            })
        })
    }

    /// The gradients of Σ y ⊙ r (a random weighting, so that every output counts differently).
    fn weighted_grads(y: &Tensor, r: &Tensor) -> candle_core::backprop::GradStore {
        (y * r).unwrap().sum_all().unwrap().backward().unwrap()
    }

    /// Central differences of `f` at `x`, one element at a time.
    fn finite_differences(x: &Tensor, f: impl Fn(&Tensor) -> f64) -> Vec<f64> {
        let base = x.flatten_all().unwrap().to_vec1::<f64>().unwrap();
        let eps = 1e-6;
        (0..base.len())
            .map(|i| {
                let at = |d: f64| {
                    let mut p = base.clone();
                    p[i] += d;
                    f(&Tensor::from_vec(p, x.dims(), &Device::Cpu).unwrap())
                };
                (at(eps) - at(-eps)) / (2.0 * eps)
            })
            .collect()
    }

    #[test]
    fn gradients_match_finite_differences() {
        // 6×6, k 3, s 2, p 1: (6 + 2 − 3) % 2 ≠ 0, the case candle's backward gets wrong; and
        // both Winograd tile sizes on a 6×5 input, whose tiles hang over the output's edge.
        for (algo, stride, pad, out) in [
            (Algo::Im2col, 2, 1, [2, 3, 3, 3]),
            (Algo::Winograd(2), 1, 1, [2, 3, 6, 5]),
            (Algo::Winograd(4), 1, 0, [2, 3, 4, 3]),
        ] {
            let w_in = if algo == Algo::Im2col { 6 } else { 5 };
            let (x, w, b) = (
                rand(&[2, 2, 6, w_in], 5),
                rand(&[3, 2, 3, 3], 6),
                rand(&[3], 8),
            );
            let r = rand(&out, 7);
            let loss = |x: &Tensor, w: &Tensor, b: &Tensor| {
                (conv_with(algo, x, w, b, (stride, pad), true) * &r)
                    .unwrap()
                    .sum_all()
                    .unwrap()
            };
            let (xv, wv, bv) = (
                Var::from_tensor(&x).unwrap(),
                Var::from_tensor(&w).unwrap(),
                Var::from_tensor(&b).unwrap(),
            );
            let g = loss(&xv, &wv, &bv).backward().unwrap();
            let value = |t: Tensor| t.to_scalar::<f64>().unwrap();
            let checks = [
                (&xv, finite_differences(&x, |x| value(loss(x, &w, &b)))),
                (&wv, finite_differences(&w, |w| value(loss(&x, w, &b)))),
                (&bv, finite_differences(&b, |b| value(loss(&x, &w, b)))),
            ];
            for (i, (v, fd)) in checks.iter().enumerate() {
                let got = g
                    .get(v)
                    .unwrap()
                    .flatten_all()
                    .unwrap()
                    .to_vec1::<f64>()
                    .unwrap();
                for (j, (a, e)) in got.iter().zip(fd).enumerate() {
                    assert!(
                        (a - e).abs() < 1e-6,
                        "{algo:?}: argument {i}, element {j}: {a} vs {e}"
                    );
                }
            }
        }
    }

    #[test]
    fn an_input_outside_the_graph_gets_no_gradient_but_the_weights_do() {
        let x = rand(&[2, 2, 5, 5], 1);
        let w = Var::from_tensor(&rand(&[3, 2, 3, 3], 2)).unwrap();
        let y = conv2d_relu(&x, &w, None, 1, 1).unwrap();
        let g = y.sum_all().unwrap().backward().unwrap();
        assert!(g.get(&x).is_none());
        let reference = x
            .conv2d(&w, 1, 1, 1, 1)
            .unwrap()
            .relu()
            .unwrap()
            .sum_all()
            .unwrap()
            .backward()
            .unwrap();
        assert!(max_diff(g.get(&w).unwrap(), reference.get(&w).unwrap()) < 1e-10);
    }

    #[test]
    fn only_the_bias_takes_a_gradient_when_nothing_else_is_in_the_graph() {
        let (x, w) = (rand(&[2, 2, 5, 5], 1), rand(&[3, 2, 3, 3], 2));
        let b = Var::from_tensor(&rand(&[3], 3)).unwrap();
        let r = rand(&[2, 3, 5, 5], 4);
        let want = weighted_grads(&candle_conv(&x, &w, &b, (1, 1), true), &r);
        for algo in algos(3, 1) {
            let g = weighted_grads(&conv_with(algo, &x, &w, &b, (1, 1), true), &r);
            assert!(g.get(&x).is_none() && g.get(&w).is_none(), "{algo:?}");
            let d = max_diff(g.get(&b).unwrap(), want.get(&b).unwrap());
            assert!(d < 1e-12, "{algo:?}: {d}");
        }
    }

    #[test]
    fn an_empty_batch_gives_empty_outputs_and_zero_weight_gradients() {
        let x = Var::from_tensor(&rand(&[0, 2, 5, 5], 1)).unwrap();
        let w = Var::from_tensor(&rand(&[3, 2, 3, 3], 2)).unwrap();
        let b = Var::from_tensor(&rand(&[3], 3)).unwrap();
        for algo in algos(3, 1) {
            let y = conv_with(algo, &x, &w, &b, (1, 1), true);
            assert_eq!(y.dims(), [0, 3, 5, 5], "{algo:?}");
            let g = y.sum_all().unwrap().backward().unwrap();
            assert_eq!(g.get(&x).unwrap().dims(), [0, 2, 5, 5], "{algo:?}");
            for v in [&w, &b] {
                let sum = g.get(v).unwrap().abs().unwrap().sum_all().unwrap();
                assert_eq!(sum.to_scalar::<f64>().unwrap(), 0.0, "{algo:?}");
            }
        }
    }

    #[test]
    fn the_algorithm_setting_is_read_and_checked() {
        let window = |k, stride| Window {
            c: 1,
            h: 8,
            w: 8,
            k,
            stride,
            pad: 1,
        };
        let (three, five) = (window(3, 1), window(5, 1));
        for (setting, want) in [
            (None, Algo::Winograd(4)),
            (Some("auto"), Algo::Winograd(4)),
            (Some("winograd2"), Algo::Winograd(2)),
            (Some("im2col"), Algo::Im2col),
        ] {
            assert_eq!(
                Algo::from_setting(setting, &three).unwrap(),
                want,
                "{setting:?}"
            );
            // Other windows always take im2col.
            assert_eq!(Algo::from_setting(setting, &five).unwrap(), Algo::Im2col);
            assert_eq!(
                Algo::from_setting(setting, &window(3, 2)).unwrap(),
                Algo::Im2col
            );
        }
        let err = Algo::from_setting(Some("fft"), &three)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("XMODAL_CONV_ALGO=\"fft\"") && err.contains("\"im2col\""),
            "{err}"
        );
    }

    #[test]
    fn bad_shapes_are_named() {
        let x = rand(&[1, 2, 5, 5], 1);
        let err = conv2d(&x, &rand(&[3, 4, 3, 3], 2), None, 1, 1).unwrap_err();
        assert!(err.to_string().contains("does not fit input"), "{err}");
        let err = conv2d(&x, &rand(&[3, 2, 3, 3], 2), Some(&rand(&[2], 3)), 1, 1).unwrap_err();
        assert!(err.to_string().contains("bias [2] should be [3]"), "{err}");
    }
}
