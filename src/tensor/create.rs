//! Tensor creation: from nested values, constants, ranges and seeded random draws.
//!
//! Random tensors are drawn on the host with a ChaCha8 generator and then moved to the device, so
//! the same seed gives the same numbers on the CPU and on a GPU.

use super::{DType, Device, Tensor};
use crate::error::{Context, Error, Result};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Uniform};

/// The number of elements of a shape; an error naming `op` when the product overflows.
pub fn numel(op: &str, shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| {
            Error::invalid(
                op,
                "shape",
                format!("{shape:?} has more elements than a machine can address"),
            )
        })
}

/// The number of elements of `shape`, refused with an error naming `op` when the product overflows
/// or when the tensor (of `dtype`, plus `scratch` bytes per element of host working memory) would
/// not fit in this machine's memory. Every constructor calls it before allocating, so a typo such
/// as `tensor::zeros([1000000, 1000000])` is a script error instead of an aborted process.
pub fn check_alloc(op: &str, shape: &[usize], dtype: DType, scratch: usize) -> Result<usize> {
    let n = numel(op, shape)?;
    let per = dtype.size_in_bytes() + scratch;
    let needed = (n as u128) * (per as u128);
    let limit = memory_limit();
    if needed > limit as u128 {
        let bytes = (n as u128) * (dtype.size_in_bytes() as u128);
        let working = if scratch > 0 {
            format!(" ({} while making it)", human_bytes(needed))
        } else {
            String::new()
        };
        return Err(Error::invalid(
            op,
            "shape",
            format!(
                "{shape:?} {} needs {}{working}; this machine has {} of memory",
                dtype.as_str(),
                human_bytes(bytes),
                human_bytes(limit as u128)
            ),
        ));
    }
    Ok(n)
}

/// The most bytes one tensor may take: the machine's total memory (`MemTotal` in /proc/meminfo),
/// or `isize::MAX` where that is not known.
pub fn memory_limit() -> u64 {
    static LIMIT: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *LIMIT.get_or_init(|| {
        std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("MemTotal:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
            .map(|kb| kb.saturating_mul(1024))
            .unwrap_or(isize::MAX as u64)
    })
}

/// A byte count as people write it: `3.6 TiB`, `512 B`.
pub fn human_bytes(b: u128) -> String {
    const UNITS: [&str; 7] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// A seeded generator; every random draw in xmodal starts from one of these.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// Normal draws N(mean, std²) of the given shape.
pub fn randn(
    shape: &[usize],
    seed: u64,
    mean: f64,
    std: f64,
    dtype: DType,
    dev: &Device,
) -> Result<Tensor> {
    let valid = std >= 0.0 && std.is_finite();
    if !valid {
        return Err(Error::invalid(
            "tensor::randn",
            "std",
            format!("must be finite and >= 0, got {std}"),
        ));
    }
    let n = check_alloc("tensor::randn", shape, dtype, 8)?;
    let dist = Normal::new(mean, std)
        .map_err(|e| Error::invalid("tensor::randn", "std", e.to_string()))?;
    let mut r = rng(seed);
    let v: Vec<f64> = (0..n).map(|_| dist.sample(&mut r)).collect();
    from_f64(v, shape, dtype, dev)
}

/// Uniform draws in [lo, hi) of the given shape.
pub fn rand(
    shape: &[usize],
    seed: u64,
    lo: f64,
    hi: f64,
    dtype: DType,
    dev: &Device,
) -> Result<Tensor> {
    let ordered = lo < hi; // false for NaN too
    if !ordered {
        return Err(Error::invalid(
            "tensor::rand",
            "lo/hi",
            format!("need lo < hi, got lo={lo} hi={hi}"),
        ));
    }
    let n = check_alloc("tensor::rand", shape, dtype, 8)?;
    let dist =
        Uniform::new(lo, hi).map_err(|e| Error::invalid("tensor::rand", "lo/hi", e.to_string()))?;
    let mut r = rng(seed);
    let v: Vec<f64> = (0..n).map(|_| dist.sample(&mut r)).collect();
    from_f64(v, shape, dtype, dev)
}

/// A tensor of the given shape from f64 values, converted to `dtype` on `dev`.
pub fn from_f64(v: Vec<f64>, shape: &[usize], dtype: DType, dev: &Device) -> Result<Tensor> {
    let n = check_alloc("tensor::from", shape, dtype, 0)?;
    if v.len() != n {
        return Err(Error::msg(format!(
            "tensor::from: {} values do not fill shape {shape:?} ({n} elements)",
            v.len()
        )));
    }
    Tensor::from_vec(v, shape, &Device::Cpu)
        .and_then(|t| t.to_dtype(dtype))
        .and_then(|t| t.to_device(dev))
        .op("tensor::from")
}

/// A tensor of the given shape from i64 values on `dev`.
pub fn from_i64(v: Vec<i64>, shape: &[usize], dev: &Device) -> Result<Tensor> {
    check_alloc("tensor::from", shape, DType::I64, 0)?;
    Tensor::from_vec(v, shape, &Device::Cpu)
        .and_then(|t| t.to_device(dev))
        .op("tensor::from")
}

/// A tensor filled with `value`.
pub fn full(op: &str, shape: &[usize], value: f64, dtype: DType, dev: &Device) -> Result<Tensor> {
    check_alloc(op, shape, dtype, 0)?;
    let t = if value == 0.0 {
        Tensor::zeros(shape, dtype, dev)
    } else if value == 1.0 {
        Tensor::ones(shape, dtype, dev)
    } else {
        Tensor::ones(shape, dtype, dev).and_then(|t| t.affine(value, 0.0))
    };
    t.op(op)
}

/// `start, start+1, ..., end-1` as f32 (as numpy's `arange` with float bounds).
pub fn arange(start: f64, end: f64, step: f64, dtype: DType, dev: &Device) -> Result<Tensor> {
    if step == 0.0 || !step.is_finite() {
        return Err(Error::invalid(
            "tensor::arange",
            "step",
            "must be finite and non-zero",
        ));
    }
    if !start.is_finite() || !end.is_finite() {
        return Err(Error::invalid(
            "tensor::arange",
            "start/end",
            format!("must be finite, got start={start} end={end}"),
        ));
    }
    let n = ((end - start) / step).ceil().max(0.0) as usize;
    check_alloc("tensor::arange", &[n], dtype, 8)?;
    let v: Vec<f64> = (0..n).map(|i| start + step * i as f64).collect();
    from_f64(v, &[n], dtype, dev)
}

/// The n×n identity matrix.
pub fn eye(n: usize, dtype: DType, dev: &Device) -> Result<Tensor> {
    check_alloc("tensor::eye", &[n, n], dtype, 8)?;
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    from_f64(v, &[n, n], dtype, dev)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_numbers_and_other_seed_differs() {
        let a = randn(&[4, 3], 7, 0.0, 1.0, DType::F32, &Device::Cpu).unwrap();
        let b = randn(&[4, 3], 7, 0.0, 1.0, DType::F32, &Device::Cpu).unwrap();
        let c = randn(&[4, 3], 8, 0.0, 1.0, DType::F32, &Device::Cpu).unwrap();
        let (a, b, c) = (
            crate::tensor::to_f64_vec(&a).unwrap(),
            crate::tensor::to_f64_vec(&b).unwrap(),
            crate::tensor::to_f64_vec(&c).unwrap(),
        );
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn arange_and_eye_hold_hand_values() {
        let a = arange(0.0, 2.0, 0.5, DType::F64, &Device::Cpu).unwrap();
        assert_eq!(
            crate::tensor::to_f64_vec(&a).unwrap(),
            vec![0.0, 0.5, 1.0, 1.5]
        );
        let e = eye(2, DType::F32, &Device::Cpu).unwrap();
        assert_eq!(
            crate::tensor::to_f64_vec(&e).unwrap(),
            vec![1.0, 0.0, 0.0, 1.0]
        );
    }

    #[test]
    fn rand_lies_in_range() {
        let t = rand(&[1000], 1, -2.0, 3.0, DType::F64, &Device::Cpu).unwrap();
        let v = crate::tensor::to_f64_vec(&t).unwrap();
        assert!(v.iter().all(|x| (-2.0..3.0).contains(x)));
    }
}
