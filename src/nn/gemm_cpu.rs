//! One single-threaded matrix product over strided matrices (the `gemm` crate), shared by the
//! CPU convolution paths (`conv_cpu`, `winograd`), which parallelise over images or tiles
//! themselves.

use candle_core::WithDType;

/// A matrix in a slice: its row and column strides.
pub type Strides = (usize, usize);

/// `dst [m×n] = dst·keep + lhs [m×k] · rhs [k×n]`, `dst`'s rows `dst_rs` apart (its columns
/// adjacent), `lhs` and `rhs` given by their row and column strides; one thread.
#[allow(clippy::too_many_arguments)]
pub fn gemm<T: WithDType>(
    (m, n, k): (usize, usize, usize),
    dst: &mut [T],
    dst_rs: usize,
    keep: bool,
    lhs: &[T],
    (lhs_rs, lhs_cs): Strides,
    rhs: &[T],
    (rhs_rs, rhs_cs): Strides,
) {
    assert!(m == 0 || n == 0 || (dst_rs >= n && dst.len() >= (m - 1) * dst_rs + n));
    assert!(m == 0 || k == 0 || lhs.len() > (m - 1) * lhs_rs + (k - 1) * lhs_cs);
    assert!(n == 0 || k == 0 || rhs.len() > (k - 1) * rhs_rs + (n - 1) * rhs_cs);
    // SAFETY: the asserts above keep every index the product touches inside the slices, and
    // `dst_rs ≥ n` keeps its rows apart.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_rs as isize,
            keep,
            lhs.as_ptr(),
            lhs_cs as isize,
            lhs_rs as isize,
            rhs.as_ptr(),
            rhs_cs as isize,
            rhs_rs as isize,
            T::one(),
            T::one(),
            false,
            false,
            false,
            gemm::Parallelism::None,
        )
    }
}
