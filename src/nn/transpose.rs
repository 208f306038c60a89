//! Matrix transposes for the channels-first ↔ channels-last moves of the Winograd convolution
//! (`winograd`): by 8 × 8 blocks, so that reads and writes stay within a few cache lines, and
//! for f32 on x86-64 CPUs with AVX with an eight-register shuffle kernel per block (about 25
//! instructions for 64 values, where the element loop needs 64 loads and 64 stores).

use candle_core::WithDType;

/// `dst` [cols × rows] = the transpose of `src` [rows × cols], whose rows are `src_rs` apart.
pub fn transpose<T: WithDType>(
    src: &[T],
    src_rs: usize,
    (rows, cols): (usize, usize),
    dst: &mut [T],
) {
    assert!(rows == 0 || cols == 0 || (src_rs >= cols && src.len() >= (rows - 1) * src_rs + cols));
    assert!(dst.len() >= rows * cols);
    #[cfg(target_arch = "x86_64")]
    if std::any::TypeId::of::<T>() == std::any::TypeId::of::<f32>()
        && std::arch::is_x86_feature_detected!("avx")
    {
        // SAFETY: T is f32 (the same type id), so the slices are f32 slices of the same
        // lengths; the kernel stays inside the bounds asserted above, and the CPU has AVX.
        unsafe {
            let src = std::slice::from_raw_parts(src.as_ptr().cast::<f32>(), src.len());
            let dst = std::slice::from_raw_parts_mut(dst.as_mut_ptr().cast::<f32>(), dst.len());
            avx::transpose(src, src_rs, (rows, cols), dst);
        }
        return;
    }
    blocks(src, src_rs, (rows, cols), dst, (0, 0))
}

/// The element loop by 8 × 8 blocks, over rows `from.0..` and columns `from.1..` only.
fn blocks<T: Copy>(
    src: &[T],
    src_rs: usize,
    (rows, cols): (usize, usize),
    dst: &mut [T],
    from: (usize, usize),
) {
    const B: usize = 8;
    for r0 in (from.0..rows).step_by(B) {
        for c0 in (from.1..cols).step_by(B) {
            for r in r0..(r0 + B).min(rows) {
                let row = &src[r * src_rs..][..cols];
                for c in c0..(c0 + B).min(cols) {
                    dst[c * rows + r] = row[c];
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx {
    use std::arch::x86_64::*;

    /// [`super::transpose`] for f32: whole 8 × 8 blocks with [`block`], the edges by elements.
    ///
    /// # Safety
    /// The CPU has AVX; `src` holds `rows` rows of `cols` values `src_rs` apart and `dst` holds
    /// rows · cols values.
    #[target_feature(enable = "avx")]
    pub unsafe fn transpose(
        src: &[f32],
        src_rs: usize,
        (rows, cols): (usize, usize),
        dst: &mut [f32],
    ) {
        let (r8, c8) = (rows / 8 * 8, cols / 8 * 8);
        for r0 in (0..r8).step_by(8) {
            for c0 in (0..c8).step_by(8) {
                // SAFETY: rows r0..r0+8 and columns c0..c0+8 are inside both matrices.
                unsafe {
                    block(
                        src.as_ptr().add(r0 * src_rs + c0),
                        src_rs,
                        dst.as_mut_ptr().add(c0 * rows + r0),
                        rows,
                    )
                };
            }
        }
        // The columns right of the last whole block (every row), then the rows below (the
        // remaining columns).
        super::blocks(src, src_rs, (rows, cols), dst, (0, c8));
        super::blocks(src, src_rs, (rows, c8), &mut dst[..c8 * rows], (r8, 0));
    }

    /// One 8 × 8 block: eight rows in, eight columns out through unpack, shuffle and lane
    /// permutes.
    ///
    /// # Safety
    /// Eight rows of eight values at `src` (rows `src_rs` apart) can be read and eight rows of
    /// eight at `dst` (rows `dst_rs` apart) written; the CPU has AVX.
    #[target_feature(enable = "avx")]
    unsafe fn block(src: *const f32, src_rs: usize, dst: *mut f32, dst_rs: usize) {
        // SAFETY: the caller's contract.
        unsafe {
            let r: [__m256; 8] = std::array::from_fn(|i| _mm256_loadu_ps(src.add(i * src_rs)));
            let lo = |a, b| _mm256_unpacklo_ps(a, b);
            let hi = |a, b| _mm256_unpackhi_ps(a, b);
            let t = [
                lo(r[0], r[1]),
                hi(r[0], r[1]),
                lo(r[2], r[3]),
                hi(r[2], r[3]),
                lo(r[4], r[5]),
                hi(r[4], r[5]),
                lo(r[6], r[7]),
                hi(r[6], r[7]),
            ];
            let s = [
                _mm256_shuffle_ps::<0x44>(t[0], t[2]),
                _mm256_shuffle_ps::<0xEE>(t[0], t[2]),
                _mm256_shuffle_ps::<0x44>(t[1], t[3]),
                _mm256_shuffle_ps::<0xEE>(t[1], t[3]),
                _mm256_shuffle_ps::<0x44>(t[4], t[6]),
                _mm256_shuffle_ps::<0xEE>(t[4], t[6]),
                _mm256_shuffle_ps::<0x44>(t[5], t[7]),
                _mm256_shuffle_ps::<0xEE>(t[5], t[7]),
            ];
            for i in 0..4 {
                _mm256_storeu_ps(
                    dst.add(i * dst_rs),
                    _mm256_permute2f128_ps::<0x20>(s[i], s[i + 4]),
                );
                _mm256_storeu_ps(
                    dst.add((i + 4) * dst_rs),
                    _mm256_permute2f128_ps::<0x31>(s[i], s[i + 4]),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_and_stride_transposes() {
        // Whole blocks, ragged edges on either side, thin matrices, a row stride wider than
        // the rows; f32 (the AVX kernel where the CPU has it) and f64 (the element loop).
        for (rows, cols, extra) in [
            (16, 24, 0),
            (19, 13, 3),
            (8, 8, 0),
            (3, 17, 1),
            (64, 192, 5),
            (1, 1, 0),
        ] {
            let rs = cols + extra;
            let src: Vec<f32> = (0..rows * rs).map(|i| i as f32).collect();
            let mut dst = vec![-1.0f32; rows * cols];
            transpose(&src, rs, (rows, cols), &mut dst);
            let src64: Vec<f64> = src.iter().map(|&v| v as f64).collect();
            let mut dst64 = vec![-1.0f64; rows * cols];
            transpose(&src64, rs, (rows, cols), &mut dst64);
            for r in 0..rows {
                for c in 0..cols {
                    assert_eq!(
                        dst[c * rows + r],
                        src[r * rs + c],
                        "{rows}×{cols} f32 ({r}, {c})"
                    );
                    assert_eq!(dst64[c * rows + r], src64[r * rs + c], "{rows}×{cols} f64");
                }
            }
        }
    }
}
