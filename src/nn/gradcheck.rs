//! Finite-difference gradient checks: compare candle's autograd gradient of a scalar function
//! with central differences (f(x + εeᵢ) − f(x − εeᵢ)) / 2ε, element by element, in f64.
//! Used by the tests of every layer and loss; public so that users can check their own losses.

use crate::error::{Context, Result};
use candle_core::{DType, Tensor, Var};

/// The largest error |g_auto − g_fd| / max(1, max|g_fd|) over the elements of `x` (at most
/// `max_elems` of them, evenly spaced, to keep big inputs cheap). `f` must return a scalar.
pub fn max_error(
    f: impl Fn(&Tensor) -> candle_core::Result<Tensor>,
    x: &Tensor,
    eps: f64,
    max_elems: usize,
) -> Result<f64> {
    let op = "gradcheck";
    let x = x.to_dtype(DType::F64).op(op)?;
    let var = Var::from_tensor(&x).op(op)?;
    let y = f(var.as_tensor()).op(op)?;
    let grads = y.backward().op(op)?;
    let g = match grads.get(var.as_tensor()) {
        Some(g) => g.flatten_all().and_then(|g| g.to_vec1::<f64>()).op(op)?,
        None => vec![0.0; x.elem_count()],
    };
    let base = x.flatten_all().and_then(|t| t.to_vec1::<f64>()).op(op)?;
    let n = base.len();
    let step = (n / max_elems.max(1)).max(1);
    let eval = |v: &[f64]| -> Result<f64> {
        let t = Tensor::from_slice(v, x.dims(), x.device()).op(op)?;
        f(&t)
            .and_then(|y| y.to_dtype(DType::F64))
            .and_then(|y| y.sum_all())
            .and_then(|y| y.to_scalar::<f64>())
            .op(op)
    };
    let mut pairs = vec![];
    let mut v = base.clone();
    for i in (0..n).step_by(step) {
        v[i] = base[i] + eps;
        let hi = eval(&v)?;
        v[i] = base[i] - eps;
        let lo = eval(&v)?;
        v[i] = base[i];
        pairs.push((g[i], (hi - lo) / (2.0 * eps)));
    }
    // Relative to the gradient's scale: a central difference carries a round-off error of about
    // ε_mach·|f|/eps, so tiny elements of a large gradient cannot be checked element-relatively.
    let scale = pairs.iter().map(|p| p.1.abs()).fold(1.0, f64::max);
    Ok(pairs
        .iter()
        .map(|(a, b)| (a - b).abs() / scale)
        .fold(0.0, f64::max))
}
