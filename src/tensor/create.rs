//! Tensor creation: from nested values, constants, ranges and seeded random draws.
//!
//! Random tensors are drawn on the host with a ChaCha8 generator and then moved to the device, so
//! the same seed gives the same numbers on the CPU and on a GPU.

use super::{DType, Device, Tensor};
use crate::error::{Context, Error, Result};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Uniform};

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
    let n: usize = shape.iter().product();
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
    let n: usize = shape.iter().product();
    let dist =
        Uniform::new(lo, hi).map_err(|e| Error::invalid("tensor::rand", "lo/hi", e.to_string()))?;
    let mut r = rng(seed);
    let v: Vec<f64> = (0..n).map(|_| dist.sample(&mut r)).collect();
    from_f64(v, shape, dtype, dev)
}

/// A tensor of the given shape from f64 values, converted to `dtype` on `dev`.
pub fn from_f64(v: Vec<f64>, shape: &[usize], dtype: DType, dev: &Device) -> Result<Tensor> {
    let n: usize = shape.iter().product();
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
    Tensor::from_vec(v, shape, &Device::Cpu)
        .and_then(|t| t.to_device(dev))
        .op("tensor::from")
}

/// A tensor filled with `value`.
pub fn full(shape: &[usize], value: f64, dtype: DType, dev: &Device) -> Result<Tensor> {
    Tensor::full(value, shape, dev)
        .and_then(|t| t.to_dtype(dtype))
        .op("tensor::full")
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
    let n = ((end - start) / step).ceil().max(0.0) as usize;
    let v: Vec<f64> = (0..n).map(|i| start + step * i as f64).collect();
    from_f64(v, &[n], dtype, dev)
}

/// The n×n identity matrix.
pub fn eye(n: usize, dtype: DType, dev: &Device) -> Result<Tensor> {
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
