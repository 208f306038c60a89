//! Inner products of feature rows on the CPU, written straight into caller-owned buffers with the
//! `gemm` crate (no tensor allocation, no copy to the host): a block of rows against a range of
//! rows, and the whole symmetric Gram matrix X·Xᵀ computed from its upper block triangle only
//! (half the products of a plain X·Xᵀ) and mirrored.
//!
//! Exactness: every entry is one dot product accumulated in the same order along D wherever it
//! sits in the matrix, so equal rows give bitwise-equal entries and the mirrored half equals what
//! a direct product would give (tests/eval.rs checks the symmetric path against the blocked one,
//! ties included).

use rayon::prelude::*;

/// The float types the CPU path computes in.
pub(crate) trait Elem:
    Copy
    + PartialOrd
    + Send
    + Sync
    + 'static
    + std::ops::Mul<Output = Self>
    + std::ops::Div<Output = Self>
{
    const ZERO: Self;
    const ONE: Self;
}

impl Elem for f32 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
}

impl Elem for f64 {
    const ZERO: Self = 0.0;
    const ONE: Self = 1.0;
}

/// `dst[i·ld + j] = Σ_k a[i·d + k] · b[j·d + k]` for `i < m`, `j < n`: rows of `a` (m×d,
/// row-major) against rows of `b` (n×d), into rows of stride `ld` of `dst`, on rayon's threads.
pub(crate) fn gram_block<T: Elem>(
    a: &[T],
    m: usize,
    b: &[T],
    n: usize,
    d: usize,
    dst: &mut [T],
    ld: usize,
) {
    if m == 0 || n == 0 {
        return;
    }
    assert!(a.len() >= m * d && b.len() >= n * d && ld >= n && dst.len() >= (m - 1) * ld + n);
    // SAFETY: the asserts keep every read of a (m×d), b (n×d) and write of dst (m rows of ld,
    // n used) in bounds; T is f32 or f64, both supported by gemm.
    unsafe {
        gemm::gemm(
            m,
            n,
            d,
            dst.as_mut_ptr(),
            1,
            ld as isize,
            false,
            a.as_ptr(),
            1,
            d as isize,
            b.as_ptr(),
            d as isize,
            1,
            T::ZERO,
            T::ONE,
            false,
            false,
            false,
            gemm::Parallelism::Rayon(rayon::current_num_threads()),
        );
    }
}

/// A raw pointer that rayon tasks may share; each task writes a disjoint region.
#[derive(Clone, Copy)]
struct Shared<T>(*mut T);
unsafe impl<T: Send> Send for Shared<T> {}
unsafe impl<T: Send> Sync for Shared<T> {}

impl<T> Shared<T> {
    fn ptr(&self) -> *mut T {
        self.0
    }
}

/// The full n×n Gram matrix X·Xᵀ of `x` (n×d, row-major) in `g` (len n²), computing only the
/// blocks on or above the diagonal (blocks of `block` rows) and mirroring the rest.
pub(crate) fn gram_symmetric<T: Elem>(x: &[T], n: usize, d: usize, block: usize, g: &mut [T]) {
    assert!(x.len() >= n * d && g.len() >= n * n && block > 0);
    for start in (0..n).step_by(block) {
        let m = block.min(n - start);
        gram_block(
            &x[start * d..],
            m,
            &x[start * d..],
            n - start,
            d,
            &mut g[start * n + start..],
            n,
        );
    }
    // Row i's columns left of its block start are the transposed entries of earlier blocks,
    // which lie right of those blocks' own starts: no task reads what another writes.
    let p = Shared(g.as_mut_ptr());
    let blocks: Vec<usize> = (0..n).step_by(block).collect();
    blocks.par_iter().for_each(|&start| {
        let end = (start + block).min(n);
        const TILE: usize = 64;
        for j0 in (0..start).step_by(TILE) {
            let j1 = (j0 + TILE).min(start);
            for i in start..end {
                for j in j0..j1 {
                    // SAFETY: i, j < n; (i, j) with j < start(i) is written only here, and
                    // (j, i) with i >= start > j lies in the computed upper region.
                    unsafe { *p.ptr().add(i * n + j) = *p.ptr().add(j * n + i) };
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(x: &[f64], n: usize, d: usize) -> Vec<f64> {
        let mut g = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                g[i * n + j] = (0..d).map(|k| x[i * d + k] * x[j * d + k]).sum();
            }
        }
        g
    }

    #[test]
    fn symmetric_gram_matches_the_definition() {
        let (n, d) = (37, 5);
        let x: Vec<f64> = (0..n * d)
            .map(|v| ((v * 7919) % 23) as f64 - 11.0)
            .collect();
        let want = naive(&x, n, d);
        for block in [1, 4, 10, 37, 100] {
            let mut g = vec![f64::NAN; n * n];
            gram_symmetric(&x, n, d, block, &mut g);
            // Small integers: every product and sum is exact.
            assert_eq!(g, want, "block {block}");
        }
    }

    #[test]
    fn a_block_lands_at_its_offset_with_its_stride() {
        let (n, d) = (6, 3);
        let x: Vec<f32> = (0..n * d).map(|v| (v % 5) as f32).collect();
        let mut dst = [-1.0f32; 2 * 8];
        gram_block(&x[2 * d..], 2, &x[d..], 4, d, &mut dst[1..], 8);
        for i in 0..2 {
            for j in 0..4 {
                let want: f32 = (0..d)
                    .map(|k| x[(2 + i) * d + k] * x[(1 + j) * d + k])
                    .sum();
                assert_eq!(dst[1 + i * 8 + j], want);
            }
        }
        assert_eq!(dst[0], -1.0);
        assert_eq!(dst[5], -1.0);
    }
}
