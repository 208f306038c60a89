//! Model transfer (See-Hear-Read): the student's class distribution follows the teacher's.
//!
//!   L = (1/n) Σᵢ KL(p_T,i ‖ p_S,i) = (1/n) Σᵢ Σ_c p_T,ic (log p_T,ic − log p_S,ic),
//!   p_T = softmax(z_T / T), log p_S = log_softmax(z_S / T),
//!
//! with temperature T (1 = the papers' plain KL). The teacher is detached: no gradient flows into
//! it. Logits [n, C] both.

use crate::error::{Context, Error, Result};
use candle_core::{Tensor, D};

/// KL(teacher ‖ student) averaged over the batch.
pub fn kl_transfer(student: &Tensor, teacher: &Tensor, temperature: f64) -> Result<Tensor> {
    let op = "loss::kl_transfer";
    if student.dims() != teacher.dims() || student.rank() != 2 {
        return Err(Error::Shape {
            op: op.into(),
            lhs: student.dims().to_vec(),
            rhs: teacher.dims().to_vec(),
        });
    }
    if !(temperature > 0.0 && temperature.is_finite()) {
        return Err(Error::invalid(
            op,
            "temperature",
            format!("must be > 0, got {temperature}"),
        ));
    }
    let n = student.dim(0)? as f64;
    let lt =
        candle_nn::ops::log_softmax(&(teacher.detach() / temperature).op(op)?, D::Minus1).op(op)?;
    let ls = candle_nn::ops::log_softmax(&(student / temperature).op(op)?, D::Minus1).op(op)?;
    let pt = lt.exp().op(op)?;
    (pt * (lt - ls).op(op)?)
        .and_then(|t| t.sum_all())
        .and_then(|t| t / n)
        .op(op)
}
