//! The two data movements that turn a convolution into a matrix product, one image at a time:
//!
//!   cols = im2col(x)     x [c, h, w]        → cols [c·k·k, oh·ow]
//!   x   += col2im(cols)  cols [c·k·k, oh·ow] → x [c, h, w]  (the adjoint: overlaps are summed)
//!
//! Row `(ci·k + ki)·k + kj` of `cols` holds, for every output position, the input pixel under
//! tap (ki, kj) of channel ci, or 0 where the tap falls in the zero padding. One image's columns
//! fit in the cache for the layers of `scene-net-s`, which is why `conv_cpu` works per image.

use candle_core::WithDType;

/// Geometry of a convolution window over one image.
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
    /// Rows of `cols`: c·k·k.
    pub fn rows(&self) -> usize {
        self.c * self.k * self.k
    }
    /// Columns of `cols`: oh·ow.
    pub fn positions(&self) -> usize {
        self.oh() * self.ow()
    }
    /// Stride 1 and an output the size of the input (2·pad = k − 1): each tap is a shift.
    fn same_size(&self) -> bool {
        self.stride == 1 && self.oh() == self.h && self.ow() == self.w
    }
    /// Input elements of one image: c·h·w.
    pub fn image(&self) -> usize {
        self.c * self.h * self.w
    }

    /// For tap offset `t` (ki or kj) the output range whose input index `o·stride + t − pad`
    /// lies inside `0..len`.
    fn valid(&self, t: usize, len: usize, out: usize) -> std::ops::Range<usize> {
        let s = self.stride;
        // smallest o with o·s + t ≥ pad
        let lo = self.pad.saturating_sub(t).div_ceil(s);
        // largest o with o·s + t − pad ≤ len − 1, plus one
        let hi = if t > len - 1 + self.pad {
            0
        } else {
            ((len - 1 + self.pad - t) / s + 1).min(out)
        };
        lo.min(hi)..hi
    }
}

/// Fill `cols` [c·k·k, oh·ow] from one image `x` [c, h, w]. Every element is written.
pub fn im2col<T: WithDType>(x: &[T], g: Window, cols: &mut [T]) {
    debug_assert_eq!(cols.len(), g.rows() * g.positions());
    im2col_ld(x, g, cols, g.positions())
}

/// [`im2col`] into rows `ld` ≥ oh·ow apart (row r at `cols[r·ld..][..oh·ow]`), so that the
/// columns of several images can sit side by side in one matrix.
pub fn im2col_ld<T: WithDType>(x: &[T], g: Window, cols: &mut [T], ld: usize) {
    im2col_rows(x, g, 0..g.rows(), cols, ld)
}

/// Rows `rows` of [`im2col_ld`]'s matrix only, the first of them at `cols[0..]` (so that a
/// block of the weight gradient needs only its own rows).
pub fn im2col_rows<T: WithDType>(
    x: &[T],
    g: Window,
    rows: std::ops::Range<usize>,
    cols: &mut [T],
    ld: usize,
) {
    let (oh, ow, l) = (g.oh(), g.ow(), g.positions());
    debug_assert_eq!(x.len(), g.image());
    debug_assert!(rows.end <= g.rows());
    debug_assert!(rows.is_empty() || (ld >= l && cols.len() >= (rows.len() - 1) * ld + l));
    let same = g.same_size();
    for (row, dst) in rows.clone().zip(cols.chunks_mut(ld)) {
        let dst = &mut dst[..l];
        let c = row / (g.k * g.k);
        let (ki, kj) = ((row / g.k) % g.k, row % g.k);
        let plane = &x[c * g.h * g.w..][..g.h * g.w];
        let (ys, xs) = (g.valid(ki, g.h, oh), g.valid(kj, g.w, ow));
        if same {
            // Stride 1 and an output as large as the input: the tap is the plane shifted by
            // (ki − pad, kj − pad), so the valid output rows are one contiguous copy; then the
            // columns that fell off the left or right edge (wrapped into the next row) and the
            // rows outside `ys` are set to zero.
            dst[..ys.start * ow].fill(T::zero());
            dst[ys.end * ow..].fill(T::zero());
            if ys.is_empty() {
                continue;
            }
            let span = ys.start * ow..ys.end * ow;
            // Where the span starts in the plane; the first (last) row may begin (end) up to
            // `pad` elements outside it: those are edge columns, zeroed below.
            let from = ((ys.start + ki) * g.w + kj) as isize - (g.pad * (g.w + 1)) as isize;
            let lo = (-from).max(0) as usize;
            let hi = (from + span.len() as isize - plane.len() as isize).max(0) as usize;
            if lo + hi < span.len() {
                let src =
                    (from + lo as isize) as usize..(from + (span.len() - hi) as isize) as usize;
                dst[span.start + lo..span.end - hi].copy_from_slice(&plane[src]);
            } else {
                // A kernel wider than the image: nothing of this tap lands inside the span.
                dst[span.clone()].fill(T::zero());
            }
            if xs.start > 0 || xs.end < ow {
                for d in dst[span].chunks_exact_mut(ow) {
                    d[..xs.start].fill(T::zero());
                    d[xs.end..].fill(T::zero());
                }
            }
            continue;
        }
        for (oy, d) in dst.chunks_exact_mut(ow).enumerate() {
            if !ys.contains(&oy) {
                d.fill(T::zero());
                continue;
            }
            let src = &plane[(oy * g.stride + ki - g.pad) * g.w..][..g.w];
            d[..xs.start].fill(T::zero());
            d[xs.end..].fill(T::zero());
            if xs.is_empty() {
                continue;
            }
            if g.stride == 1 {
                let from = xs.start + kj - g.pad;
                d[xs.clone()].copy_from_slice(&src[from..from + xs.len()]);
            } else {
                for ox in xs.clone() {
                    d[ox] = src[ox * g.stride + kj - g.pad];
                }
            }
        }
    }
}

/// Add the columns `cols` [c·k·k, oh·ow] back into one image `x` [c, h, w] (the adjoint of
/// [`im2col`]; `x` is not cleared first).
pub fn col2im<T: WithDType>(cols: &[T], g: Window, x: &mut [T]) {
    debug_assert_eq!(cols.len(), g.rows() * g.positions());
    col2im_ld(cols, g, x, g.positions())
}

/// [`col2im`] from rows `ld` apart (see [`im2col_ld`]).
pub fn col2im_ld<T: WithDType>(cols: &[T], g: Window, x: &mut [T], ld: usize) {
    let (oh, ow, l) = (g.oh(), g.ow(), g.positions());
    debug_assert_eq!(x.len(), g.image());
    debug_assert!(ld >= l && cols.len() >= (g.rows() - 1) * ld + l);
    for (row, src) in cols.chunks(ld).take(g.rows()).enumerate() {
        let src = &src[..l];
        let c = row / (g.k * g.k);
        let (ki, kj) = ((row / g.k) % g.k, row % g.k);
        let plane = &mut x[c * g.h * g.w..][..g.h * g.w];
        let (ys, xs) = (g.valid(ki, g.h, oh), g.valid(kj, g.w, ow));
        if xs.is_empty() {
            continue;
        }
        for oy in ys {
            let dst = &mut plane[(oy * g.stride + ki - g.pad) * g.w..][..g.w];
            let s = &src[oy * ow..][..ow];
            if g.stride == 1 {
                // A plain slice loop: it vectorises (the strided loop below does not).
                let from = xs.start + kj - g.pad;
                let d = &mut dst[from..from + xs.len()];
                for (d, &v) in d.iter_mut().zip(&s[xs.clone()]) {
                    *d += v;
                }
            } else {
                for ox in xs.clone() {
                    dst[ox * g.stride + kj - g.pad] += s[ox];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The definition, one tap at a time, for comparison.
    fn naive(x: &[f64], g: Window) -> Vec<f64> {
        let (oh, ow) = (g.oh(), g.ow());
        let mut cols = vec![0.0; g.rows() * oh * ow];
        for c in 0..g.c {
            for ki in 0..g.k {
                for kj in 0..g.k {
                    let row = (c * g.k + ki) * g.k + kj;
                    for oy in 0..oh {
                        for ox in 0..ow {
                            let iy = (oy * g.stride + ki) as isize - g.pad as isize;
                            let ix = (ox * g.stride + kj) as isize - g.pad as isize;
                            if iy >= 0 && ix >= 0 && (iy as usize) < g.h && (ix as usize) < g.w {
                                cols[row * oh * ow + oy * ow + ox] =
                                    x[(c * g.h + iy as usize) * g.w + ix as usize];
                            }
                        }
                    }
                }
            }
        }
        cols
    }

    fn windows() -> Vec<Window> {
        let mut out = vec![];
        for (h, w) in [(9, 9), (8, 7), (5, 6), (3, 3), (2, 3), (1, 1)] {
            for (k, stride, pad) in [
                (3, 1, 1),
                (5, 1, 2),
                (5, 2, 2),
                (3, 2, 0),
                (1, 1, 0),
                (3, 3, 2),
            ] {
                if h + 2 * pad >= k && w + 2 * pad >= k {
                    out.push(Window {
                        c: 2,
                        h,
                        w,
                        k,
                        stride,
                        pad,
                    });
                }
            }
        }
        out
    }

    #[test]
    fn im2col_matches_the_definition() {
        for g in windows() {
            let x: Vec<f64> = (0..g.image()).map(|i| i as f64 + 1.0).collect();
            let mut cols = vec![f64::NAN; g.rows() * g.positions()];
            im2col(&x, g, &mut cols);
            assert_eq!(cols, naive(&x, g), "{g:?}");
        }
    }

    #[test]
    fn col2im_is_the_adjoint() {
        // <im2col(x), c> == <x, col2im(c)> for any x and c.
        for g in windows() {
            let x: Vec<f64> = (0..g.image())
                .map(|i| ((i * 7) % 11) as f64 - 5.0)
                .collect();
            let c: Vec<f64> = (0..g.rows() * g.positions())
                .map(|i| ((i * 5) % 13) as f64 - 6.0)
                .collect();
            let mut cols = vec![0.0; c.len()];
            im2col(&x, g, &mut cols);
            let mut back = vec![0.0; x.len()];
            col2im(&c, g, &mut back);
            let lhs: f64 = cols.iter().zip(&c).map(|(a, b)| a * b).sum();
            let rhs: f64 = x.iter().zip(&back).map(|(a, b)| a * b).sum();
            assert_eq!(lhs, rhs, "{g:?}");
        }
    }
}
