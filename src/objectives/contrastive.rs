//! Pair losses over a batch of aligned pairs (xᵢ, yᵢ), x and y [n, d], with the other items of
//! the batch as negatives. S = cos(x, y) [n, n], Sᵢⱼ = x̂ᵢ·ŷⱼ with rows scaled to unit norm.
//!
//! - Ranking (See-Hear-Read), both directions, summed over negatives and averaged over anchors:
//!   L = (1/n) Σᵢ Σ_{j≠i} [max(0, Δ − Sᵢᵢ + Sᵢⱼ) + max(0, Δ − Sᵢᵢ + Sⱼᵢ)].
//! - Symmetric InfoNCE (CLIP): L = ½ [CE(S/τ, diag) + CE(Sᵀ/τ, diag)], CE averaged over rows.

use crate::error::{Context, Error, Result};
use candle_core::{DType, Tensor, D};

fn unit_rows(x: &Tensor) -> candle_core::Result<Tensor> {
    // ε keeps the norm differentiable at zero rows.
    x.broadcast_div(&(x.sqr()?.sum_keepdim(1)? + 1e-12)?.sqrt()?)
}

fn cosine(op: &str, x: &Tensor, y: &Tensor) -> Result<Tensor> {
    if x.dims() != y.dims() || x.rank() != 2 {
        return Err(Error::Shape {
            op: op.into(),
            lhs: x.dims().to_vec(),
            rhs: y.dims().to_vec(),
        });
    }
    let (xn, yn) = (unit_rows(x).op(op)?, unit_rows(y).op(op)?);
    xn.matmul(&yn.t().op(op)?).op(op)
}

/// The bidirectional ranking loss with margin `margin` (Δ).
pub fn ranking(x: &Tensor, y: &Tensor, margin: f64) -> Result<Tensor> {
    let op = "loss::ranking";
    let s = cosine(op, x, y)?;
    let n = s.dim(0)?;
    let eye = Tensor::eye(n, s.dtype(), s.device()).op(op)?;
    let off = (eye.ones_like()? - &eye).op(op)?;
    let diag = (&s * &eye).and_then(|d| d.sum_keepdim(1)).op(op)?; // [n, 1]: Sᵢᵢ
    let x2y = s
        .broadcast_sub(&diag)
        .and_then(|t| (t + margin)?.relu())
        .op(op)?;
    let y2x = s
        .t()
        .and_then(|st| st.broadcast_sub(&diag))
        .and_then(|t| (t + margin)?.relu())
        .op(op)?;
    ((x2y + y2x).op(op)? * off)
        .and_then(|t| t.sum_all())
        .and_then(|t| t / n as f64)
        .op(op)
}

/// Symmetric InfoNCE with temperature τ.
pub fn info_nce(x: &Tensor, y: &Tensor, temperature: f64) -> Result<Tensor> {
    let op = "loss::info_nce";
    if !(temperature > 0.0 && temperature.is_finite()) {
        return Err(Error::invalid(
            op,
            "temperature",
            format!("must be > 0, got {temperature}"),
        ));
    }
    let s = (cosine(op, x, y)? / temperature).op(op)?;
    let n = s.dim(0)?;
    let eye = Tensor::eye(n, DType::F32, s.device())
        .and_then(|e| e.to_dtype(s.dtype()))
        .op(op)?;
    let ce = |m: &Tensor| -> Result<Tensor> {
        let lp = candle_nn::ops::log_softmax(m, D::Minus1).op(op)?;
        (lp * &eye)
            .and_then(|t| t.sum_all())
            .and_then(|t| t / (-(n as f64)))
            .op(op)
    };
    let a = ce(&s)?;
    let b = ce(&s.t().op(op)?)?;
    ((a + b).op(op)? * 0.5).op(op)
}
