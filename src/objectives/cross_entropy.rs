//! Softmax cross-entropy: L = −(1/n) Σᵢ log softmax(zᵢ)[yᵢ], logits z [n, C], labels y [n]
//! (any integer dtype, 0 ≤ y < C).

use crate::error::{Context, Error, Result};
use candle_core::{DType, Tensor, D};

/// Mean cross-entropy of `logits` [n, C] against integer `labels` [n].
pub fn cross_entropy(logits: &Tensor, labels: &Tensor) -> Result<Tensor> {
    let op = "loss::cross_entropy";
    let (n, c) = logits.dims2().op(op)?;
    let labels = labels.flatten_all().op(op)?;
    if labels.dim(0)? != n {
        return Err(Error::Shape {
            op: op.into(),
            lhs: logits.dims().to_vec(),
            rhs: labels.dims().to_vec(),
        });
    }
    let host = labels
        .to_dtype(DType::F64)
        .and_then(|l| l.to_vec1::<f64>())
        .op(op)?;
    if let Some(bad) = host
        .iter()
        .find(|&&l| l < 0.0 || l >= c as f64 || l.fract() != 0.0)
    {
        return Err(Error::invalid(
            op,
            "labels",
            format!("label {bad} is not a class index in 0..{c}"),
        ));
    }
    let idx = labels.to_dtype(DType::U32).op(op)?.unsqueeze(1).op(op)?;
    let logp = candle_nn::ops::log_softmax(logits, D::Minus1).op(op)?;
    logp.gather(&idx, 1)
        .and_then(|g| g.mean_all())
        .and_then(|m| m.neg())
        .op(op)
}
