//! Winograd's minimal filtering F(m×m, 3×3) for 3×3 stride-1 convolutions (Lavin & Gray,
//! "Fast Algorithms for Convolutional Neural Networks", 2016): each m×m block of outputs
//! ("tile") is computed from an (m+2)×(m+2) patch of the input with (m+2)² multiplications per
//! channel pair instead of 9m², so the matrix products of the forward and of both gradients
//! shrink 2.25× (m = 2) or 4× (m = 4).
//!
//!   V = Bᵀ d B   (each input patch d)            U = G g Gᵀ   (each 3×3 filter g)
//!   Y = Aᵀ [Σ_c U ⊙ V] A                          (each m×m output tile)
//!
//! The sum over input channels is, for each of the (m+2)² elements ξ of a transformed tile,
//! one matrix product over the tiles of a block of images: M[ξ] [tiles × o] = V[ξ] [tiles × c]
//! · U[ξ] [c × o]. The gradients are the adjoints of the same linear maps:
//!
//!   dM = A dY Aᵀ     dU[ξ] = dM[ξ]ᵀ · V[ξ], dg = Gᵀ dU G     dV[ξ] = dM[ξ] · U[ξ]ᵀ, dd = B dV Bᵀ
//!
//! (patches overlap by two rows and columns: their gradients are summed into the input). In
//! exact arithmetic the result is the convolution itself; in floating point it differs from the
//! direct sum by rounding only (see [`minimal`] for the constants each m uses).
//!
//! Work goes by blocks of images (about [`TILES_PER_BLOCK`] tiles), one task each, in buffers of
//! that task: the images are turned channels-last, so that every transform is a few additions
//! of whole channel vectors, and a tile's transformed vectors sit side by side ([tile][ξ][c]).
//! A block's (m+2)² products are tasks of their own (single-threaded `gemm` calls on strided
//! views, each writing its [ξ][tile][·] slab), so that threads beyond the number of blocks share
//! them; every product is the same call whichever thread runs it.

pub mod minimal;

use super::gemm_cpu::gemm;
use super::im2col::Window;
use super::transpose::transpose;
use candle_core::WithDType;
use minimal::{Minimal, F2, F4};
use rayon::prelude::*;

/// Tiles a block of images aims at: enough rows for efficient products (the weight gradient's
/// inner dimension is a block's tiles: at 32 a 128→192 8×8 layer's forward + backward measured
/// 22 ms against 15 at 64), few enough that a block's buffers stay near the cache. At batch 64
/// an 8×8 layer makes 4 blocks at F(4×4); the products inside a block run in parallel too,
/// the transforms do not.
pub const TILES_PER_BLOCK: usize = 64;

/// Whether the window is one F(m×m, 3×3) computes: a 3×3 kernel at stride 1 (any padding).
pub fn applies(g: &Window) -> bool {
    g.k == 3 && g.stride == 1
}

/// A convolution's tiles: ⌈oh/m⌉ rows of ⌈ow/m⌉ per image; the last row or column may hang
/// over the output's edge (those outputs are dropped, their gradients are zero).
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub g: Window,
    /// Output channels.
    pub o: usize,
    /// Outputs per tile side: 2 or 4.
    pub m: usize,
    pub rows: usize,
    pub cols: usize,
}

impl Plan {
    /// The plan for tiles of m×m outputs (m = 2 or 4).
    pub fn new(g: Window, o: usize, m: usize) -> Self {
        assert!(
            m == 2 || m == 4,
            "F({m}×{m}, 3×3) is not implemented (2 or 4)"
        );
        Plan {
            g,
            o,
            m,
            rows: g.oh().div_ceil(m),
            cols: g.ow().div_ceil(m),
        }
    }

    /// Elements of a transformed tile: (m + 2)², one matrix product each.
    pub fn xi(&self) -> usize {
        (self.m + 2) * (self.m + 2)
    }

    /// Tiles per image.
    pub fn per_image(&self) -> usize {
        self.rows * self.cols
    }

    /// Images per block (one task of the forward or of the backward's first pass).
    pub fn block(&self) -> usize {
        (TILES_PER_BLOCK / self.per_image()).max(1)
    }

    /// (top, left) of tile (a, b)'s input patch, in input coordinates (may be negative).
    fn corner(&self, a: usize, b: usize) -> (isize, isize) {
        let pad = self.g.pad as isize;
        ((self.m * a) as isize - pad, (self.m * b) as isize - pad)
    }

    /// Every tile of `images` images: (image, a, b) in tile order.
    fn tiles(&self, images: usize) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        (0..images).flat_map(move |i| {
            (0..self.rows).flat_map(move |a| (0..self.cols).map(move |b| (i, a, b)))
        })
    }
}

/// Per-task buffers, reused from block to block.
pub struct Scratch<T> {
    /// Images channels-last [image][y][x][channel] (inputs, or output gradients).
    last: Vec<T>,
    /// Transformed tiles [tile][ξ][channel].
    tiles: Vec<T>,
    /// Products, or the input gradient's products [ξ][tile][channel].
    products: Vec<T>,
    /// Outputs (or input gradients) channels-last.
    out: Vec<T>,
    /// One transform's intermediate (channel vectors).
    step: Vec<T>,
    /// One tile's result: an output tile, or a patch's gradient (channel vectors).
    tile: Vec<T>,
    /// A channel vector of zeros: the padding around the images.
    zeros: Vec<T>,
}

impl<T> Default for Scratch<T> {
    fn default() -> Self {
        Scratch {
            last: Vec::new(),
            tiles: Vec::new(),
            products: Vec::new(),
            out: Vec::new(),
            step: Vec::new(),
            tile: Vec::new(),
            zeros: Vec::new(),
        }
    }
}

/// `buf` resized to `len` (contents unspecified).
fn sized<T: WithDType>(buf: &mut Vec<T>, len: usize) -> &mut [T] {
    buf.resize(len, T::zero());
    &mut buf[..len]
}

/// [images][c][hw] → [images][hw][c].
fn channels_last<T: WithDType>(x: &[T], c: usize, hw: usize, out: &mut [T]) {
    for (x, out) in x.chunks_exact(c * hw).zip(out.chunks_exact_mut(c * hw)) {
        transpose(x, hw, (c, hw), out);
    }
}

/// [images][hw][c] → [images][c][hw].
fn channels_first<T: WithDType>(x: &[T], c: usize, hw: usize, out: &mut [T]) {
    for (x, out) in x.chunks_exact(c * hw).zip(out.chunks_exact_mut(c * hw)) {
        transpose(x, c, (hw, c), out);
    }
}

/// `out[j]` (the j-th of `O` vectors of `out`) = `f(d)[j]`, lane by lane.
#[inline(always)]
fn lanes<T: WithDType, const I: usize, const O: usize>(
    d: [&[T]; I],
    out: &mut [T],
    f: impl Fn([T; I]) -> [T; O],
) {
    let c = out.len() / O;
    let d = d.map(|s| &s[..c]);
    let out = &mut out[..O * c];
    for k in 0..c {
        let r = f(std::array::from_fn(|i| d[i][k]));
        for (j, &v) in r.iter().enumerate() {
            out[j * c + k] = v;
        }
    }
}

/// A separable 2-D transform of an RI × CI grid of channel vectors into RO × CO (`out`,
/// [RO][CO][c]): `col` down every column, then `row` along every row (`step` holds the
/// columns' results).
#[inline(always)]
fn separable<T: WithDType, const RI: usize, const CI: usize, const RO: usize, const CO: usize>(
    d: [[&[T]; CI]; RI],
    step: &mut [T],
    out: &mut [T],
    col: impl Fn([T; RI]) -> [T; RO],
    row: impl Fn([T; CI]) -> [T; CO],
) {
    let c = out.len() / (RO * CO);
    for s in 0..CI {
        lanes(
            std::array::from_fn(|r| d[r][s]),
            &mut step[s * RO * c..][..RO * c],
            &col,
        );
    }
    let step = &step[..CI * RO * c];
    for r in 0..RO {
        lanes(
            std::array::from_fn(|s| &step[(s * RO + r) * c..][..c]),
            &mut out[r * CO * c..][..CO * c],
            &row,
        );
    }
}

/// Run `$f::<F, M, P>` for the plan's m (F(2×2) or F(4×4)).
macro_rules! by_m {
    ($p:expr, $f:ident($($arg:expr),*)) => {
        match $p.m {
            2 => $f::<F2, 2, 4, _>($($arg),*),
            _ => $f::<F4, 4, 6, _>($($arg),*),
        }
    };
}

/// U [ξ][c][o] for the weights `w` [o, c, 3, 3].
pub fn transform_weights<T: WithDType>(p: &Plan, w: &[T]) -> Vec<T> {
    by_m!(p, weights_with(p, w))
}

fn weights_with<W: Minimal<M, P>, const M: usize, const P: usize, T: WithDType>(
    p: &Plan,
    w: &[T],
) -> Vec<T> {
    let (o, c, xi) = (p.o, p.g.c, P * P);
    // [o][ξ][c] first (output channels in parallel, each filter's values written nearby),
    // then transposed to [ξ][c][o] by column ranges in parallel.
    let mut by_output = vec![T::zero(); o * xi * c];
    by_output
        .par_chunks_mut(xi * c)
        .zip(w.par_chunks_exact(c * 9))
        .for_each(|(dst, w)| {
            for (ci, f) in w.chunks_exact(9).enumerate() {
                let cols: [[T; P]; 3] = std::array::from_fn(|s| W::g([f[s], f[3 + s], f[6 + s]]));
                for r in 0..P {
                    let row = W::g([cols[0][r], cols[1][r], cols[2][r]]);
                    for (s, &e) in row.iter().enumerate() {
                        dst[(r * P + s) * c + ci] = e;
                    }
                }
            }
        });
    let mut u = vec![T::zero(); xi * c * o];
    const ROWS: usize = 64;
    u.par_chunks_mut(ROWS * o).enumerate().for_each(|(t, dst)| {
        transpose(&by_output[t * ROWS..], xi * c, (o, dst.len() / o), dst);
    });
    u
}

/// dW [o, c, 3, 3] from dU [ξ][o][c] (the adjoint of [`transform_weights`]).
pub fn weight_gradient<T: WithDType>(p: &Plan, du: &[T]) -> Vec<T> {
    by_m!(p, weight_gradient_with(p, du))
}

fn weight_gradient_with<W: Minimal<M, P>, const M: usize, const P: usize, T: WithDType>(
    p: &Plan,
    du: &[T],
) -> Vec<T> {
    let oc_all = p.o * p.g.c;
    let mut dw = vec![T::zero(); oc_all * 9];
    for (oc, dst) in dw.chunks_exact_mut(9).enumerate() {
        let cols: [[T; 3]; P] =
            std::array::from_fn(|s| W::gt(std::array::from_fn(|r| du[(r * P + s) * oc_all + oc])));
        for r in 0..3 {
            let row = W::gt(std::array::from_fn(|s| cols[s][r]));
            dst[r * 3..][..3].copy_from_slice(&row);
        }
    }
    dw
}

/// V [tile][ξ][c] of a block of images `x` [images, c, h, w] into `s.tiles`.
fn transform_input<W: Minimal<M, P>, const M: usize, const P: usize, T: WithDType>(
    p: &Plan,
    x: &[T],
    s: &mut Scratch<T>,
) {
    let g = p.g;
    let (c, images) = (g.c, x.len() / g.image());
    let last = sized(&mut s.last, images * g.image());
    channels_last(x, c, g.h * g.w, last);
    let zeros = sized(&mut s.zeros, c);
    zeros.fill(T::zero());
    let step = sized(&mut s.step, P * P * c);
    let tiles = sized(&mut s.tiles, images * p.per_image() * P * P * c);
    for ((i, ta, tb), out) in p.tiles(images).zip(tiles.chunks_exact_mut(P * P * c)) {
        let (top, left) = p.corner(ta, tb);
        let image = &last[i * g.image()..][..g.image()];
        let pixel = |r: usize, q: usize| -> &[T] {
            let (y, x) = (top + r as isize, left + q as isize);
            if y >= 0 && x >= 0 && (y as usize) < g.h && (x as usize) < g.w {
                &image[(y as usize * g.w + x as usize) * c..][..c]
            } else {
                zeros
            }
        };
        let d: [[&[T]; P]; P] = std::array::from_fn(|r| std::array::from_fn(|q| pixel(r, q)));
        separable(d, step, out, W::bt, W::bt);
    }
}

/// Forward of one block of images: `x` [images, c, h, w] → `y` [images, o, oh·ow] (before
/// the bias), with the transformed weights `u` ([`transform_weights`]).
pub fn forward_block<T: WithDType>(p: &Plan, x: &[T], u: &[T], s: &mut Scratch<T>, y: &mut [T]) {
    by_m!(p, forward_with(p, x, u, s, y))
}

fn forward_with<W: Minimal<M, P>, const M: usize, const P: usize, T: WithDType>(
    p: &Plan,
    x: &[T],
    u: &[T],
    s: &mut Scratch<T>,
    y: &mut [T],
) {
    let (g, o, c, xi) = (p.g, p.o, p.g.c, P * P);
    let (oh, ow) = (g.oh(), g.ow());
    let images = x.len() / g.image();
    let tiles = images * p.per_image();
    transform_input::<W, M, P, T>(p, x, s);
    // M[ξ] [tiles × o] = V[ξ] [tiles × c] · U[ξ] [c × o], into [ξ][tile][o]: the products in
    // parallel, so that more threads than blocks share the work.
    let products = sized(&mut s.products, xi * tiles * o);
    let v = &s.tiles;
    products
        .par_chunks_mut(tiles * o)
        .enumerate()
        .for_each(|(e, m)| {
            let u = &u[e * c * o..];
            gemm(
                (tiles, o, c),
                m,
                o,
                false,
                &v[e * c..],
                (xi * c, 1),
                u,
                (o, 1),
            );
        });
    let step = sized(&mut s.step, P * M * o);
    let out = sized(&mut s.out, images * oh * ow * o);
    let tile = sized(&mut s.tile, M * M * o);
    let m = &s.products;
    for (k, (i, ta, tb)) in p.tiles(images).enumerate() {
        let d: [[&[T]; P]; P] = std::array::from_fn(|r| {
            std::array::from_fn(|q| &m[((r * P + q) * tiles + k) * o..][..o])
        });
        separable(d, step, tile, W::at, W::at);
        for r in 0..M {
            for q in 0..M {
                let (y, x) = (M * ta + r, M * tb + q);
                if y < oh && x < ow {
                    out[((i * oh + y) * ow + x) * o..][..o]
                        .copy_from_slice(&tile[(r * M + q) * o..][..o]);
                }
            }
        }
    }
    channels_first(out, o, oh * ow, y);
}

/// What the backward's first pass keeps of a block for the weight gradient: dM and V, both
/// [tile][ξ][·].
pub struct BlockGradient<T> {
    pub dm: Vec<T>,
    pub v: Vec<T>,
}

/// The backward of one block of images `x` [images, c, h, w]: dM from `dz` (the block's
/// output gradients: row `ch` at `dz.0[ch·dz.1..]` holds channel ch of every image of the block,
/// image after image); the input gradient into `dx` ([images, c, h, w]) when given (with the
/// transformed weights `u`); and the block's dM and V for [`weight_products`] when `want_w`.
pub fn backward_block<T: WithDType>(
    p: &Plan,
    x: &[T],
    dz: (&[T], usize),
    u: Option<&[T]>,
    dx: Option<&mut [T]>,
    want_w: bool,
    s: &mut Scratch<T>,
) -> Option<BlockGradient<T>> {
    by_m!(p, backward_with(p, x, dz, u, dx, want_w, s))
}

fn backward_with<W: Minimal<M, P>, const M: usize, const P: usize, T: WithDType>(
    p: &Plan,
    x: &[T],
    dz: (&[T], usize),
    u: Option<&[T]>,
    dx: Option<&mut [T]>,
    want_w: bool,
    s: &mut Scratch<T>,
) -> Option<BlockGradient<T>> {
    let (g, o, c, xi) = (p.g, p.o, p.g.c, P * P);
    let (oh, ow, l) = (g.oh(), g.ow(), g.positions());
    let images = x.len() / g.image();
    let tiles = images * p.per_image();
    // dM = A dY Aᵀ of every output tile (zero beyond the output's edge).
    let last = sized(&mut s.last, images * l * o);
    for (i, last) in last.chunks_exact_mut(l * o).enumerate() {
        transpose(&dz.0[i * l..], dz.1, (o, l), last);
    }
    let zeros = sized(&mut s.zeros, o.max(c));
    zeros.fill(T::zero());
    let step = sized(&mut s.step, P * P * o.max(c));
    let mut dm = vec![T::zero(); tiles * xi * o];
    for ((i, ta, tb), dm) in p.tiles(images).zip(dm.chunks_exact_mut(xi * o)) {
        let pixel = |r: usize, q: usize| -> &[T] {
            let (y, x) = (M * ta + r, M * tb + q);
            if y < oh && x < ow {
                &last[((i * oh + y) * ow + x) * o..][..o]
            } else {
                &zeros[..o]
            }
        };
        let d: [[&[T]; M]; M] = std::array::from_fn(|r| std::array::from_fn(|q| pixel(r, q)));
        separable(d, step, dm, W::a, W::a);
    }
    if let (Some(u), Some(dx)) = (u, dx) {
        // dV[ξ] [tiles × c] = dM[ξ] [tiles × o] · U[ξ]ᵀ [o × c] into [ξ][tile][c] (the
        // products in parallel), then dd = B dV Bᵀ added into the channels-last input gradient.
        let dv = sized(&mut s.products, xi * tiles * c);
        dv.par_chunks_mut(tiles * c)
            .enumerate()
            .for_each(|(e, dv)| {
                let (dm, u) = (&dm[e * o..], &u[e * c * o..]);
                gemm((tiles, c, o), dv, c, false, dm, (xi * o, 1), u, (1, o));
            });
        let out = sized(&mut s.out, images * g.image());
        out.fill(T::zero());
        let patch = sized(&mut s.tile, xi * c);
        let dv = &s.products;
        for (k, (i, ta, tb)) in p.tiles(images).enumerate() {
            let d: [[&[T]; P]; P] = std::array::from_fn(|r| {
                std::array::from_fn(|q| &dv[((r * P + q) * tiles + k) * c..][..c])
            });
            separable(d, &mut s.step, patch, W::b, W::b);
            let (top, left) = p.corner(ta, tb);
            for r in 0..P {
                for q in 0..P {
                    let (y, x) = (top + r as isize, left + q as isize);
                    if y >= 0 && x >= 0 && (y as usize) < g.h && (x as usize) < g.w {
                        let at = ((i * g.h + y as usize) * g.w + x as usize) * c;
                        let dst = &mut out[at..][..c];
                        for (d, &v) in dst.iter_mut().zip(&patch[(r * P + q) * c..][..c]) {
                            *d += v;
                        }
                    }
                }
            }
        }
        channels_first(out, c, g.h * g.w, dx);
    }
    want_w.then(|| {
        transform_input::<W, M, P, T>(p, x, s);
        BlockGradient {
            dm,
            v: std::mem::take(&mut s.tiles),
        }
    })
}

/// dU[ξ] [o × c] = Σ over blocks (in order) of dM[ξ]ᵀ · V[ξ], into `du` (element `e`'s matrix).
pub fn weight_products<T: WithDType>(
    p: &Plan,
    blocks: &[BlockGradient<T>],
    e: usize,
    du: &mut [T],
) {
    let (o, c, xi) = (p.o, p.g.c, p.xi());
    for (j, bl) in blocks.iter().enumerate() {
        let tiles = bl.dm.len() / (xi * o);
        let (dm, v) = (&bl.dm[e * o..], &bl.v[e * c..]);
        gemm((o, c, tiles), du, c, j > 0, dm, (1, xi * o), v, (xi * c, 1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_laid_out_by_element_input_then_output_channel() {
        // U[ξ][c][o]: a filter that is 1 at its centre and 0 elsewhere transforms to G e Gᵀ,
        // the outer product of G's middle column with itself; only that filter's (c, o) slot
        // of each ξ gets a value.
        let g = Window {
            c: 2,
            h: 4,
            w: 4,
            k: 3,
            stride: 1,
            pad: 1,
        };
        let (o, c) = (3, 2);
        let mut w = vec![0.0f64; o * c * 9];
        w[(2 * c + 1) * 9 + 4] = 1.0; // output 2, input 1, centre tap
                                      // F(2): G's middle column is (0, ½, −½, 0); F(4): (0, −1/6, 1/6, 1/12, −1/12, 0).
        for (m, column) in [
            (2, vec![0.0, 0.5, -0.5, 0.0]),
            (
                4,
                vec![0.0, -1.0 / 6.0, 1.0 / 6.0, 1.0 / 12.0, -1.0 / 12.0, 0.0],
            ),
        ] {
            let p = Plan::new(g, o, m);
            let u = transform_weights(&p, &w);
            let side = m + 2;
            for e in 0..side * side {
                let want = column[e / side] * column[e % side];
                for ci in 0..c {
                    for oi in 0..o {
                        let got = u[(e * c + ci) * o + oi];
                        let want = if (ci, oi) == (1, 2) { want } else { 0.0 };
                        assert!(
                            (got - want).abs() < 1e-15,
                            "m={m} ξ={e} c={ci} o={oi}: {got}"
                        );
                    }
                }
            }
        }
    }
}
