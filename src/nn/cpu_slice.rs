//! The elements of CPU tensors as slices, for the custom ops' kernels (`conv_cpu`, `pool_cpu`).

use candle_core::{CpuStorage, Layout, Result, Storage, WithDType};

/// The contiguous elements of a CPU storage under `l`; `what` names the tensor in errors.
pub fn contiguous<'a, T: WithDType>(
    s: &'a CpuStorage,
    l: &Layout,
    op: &str,
    what: &str,
) -> Result<&'a [T]> {
    match l.contiguous_offsets() {
        Some((a, b)) => Ok(&s.as_slice::<T>()?[a..b]),
        None => candle_core::bail!("{op}: {what} must be contiguous"),
    }
}

/// [`contiguous`] for a storage that must be on the CPU.
pub fn on_cpu<'a, T: WithDType>(
    s: &'a Storage,
    l: &Layout,
    op: &str,
    what: &str,
) -> Result<&'a [T]> {
    let Storage::Cpu(c) = s else {
        candle_core::bail!("{op}: {what} is not on the CPU")
    };
    contiguous(c, l, op, what)
}
