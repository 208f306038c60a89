//! Unit-length rows for cosine similarities, and the check that rejects non-finite features
//! (shared by retrieval, paired ranks and classifier transfer).
//!
//! A row is scaled by true division, x_i / |x|, with |x| computed in f64 and rounded once to the
//! features' dtype; a zero row stays zero. So a row with one non-zero element becomes exactly ±1
//! there, power-of-two multiples of a row become the same unit row (scaling by 2^k commutes with
//! every rounding on the way), and identical rows stay identical: cosines that are equal in
//! exact arithmetic for such rows are bitwise equal, and tie.
//!
//! The same pass finds rows holding NaN or ±inf, which would otherwise pass silently through the
//! scores (a comparison with NaN is false, so a NaN row looked like a perfect match) and give
//! meaningless or infinite results.

use crate::error::{Context, Error, Result};
use crate::tensor::{DType, Tensor};
use candle_core::WithDType;
use rayon::prelude::*;

/// A row that holds NaN or ±inf: the row, the column of its first such value, and the value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Bad {
    pub row: usize,
    pub col: usize,
    pub value: f64,
}

impl Bad {
    /// The error for this row; `what` names it ("features row 17 (modality 'snd')", "row 3 of a").
    pub(crate) fn error(&self, op: &str, what: &str) -> Error {
        Error::msg(format!(
            "{op}: {what} holds {} (column {}): the network diverged or its input holds NaN/inf; \
             check the training loss and the inputs, or leave such rows out before evaluating",
            self.value, self.col
        ))
    }
}

/// The first non-finite value of a row: (column, value).
fn first_non_finite(row: impl Iterator<Item = f64>) -> Option<(usize, f64)> {
    row.enumerate().find(|(_, v)| !v.is_finite())
}

/// |x| of a row in f64: a sum of squares in eight lanes (so it vectorises), or, when that
/// overflows with finite values (|x_i| beyond ~1e154), the sum of squares scaled by the largest
/// magnitude. Err with the first non-finite value's (column, value).
pub(crate) fn row_norm<T: WithDType>(row: &[T]) -> std::result::Result<f64, (usize, f64)> {
    let mut lanes = [0f64; 8];
    let mut chunks = row.chunks_exact(8);
    for c in &mut chunks {
        for (l, v) in lanes.iter_mut().zip(c) {
            let v = v.to_f64();
            *l += v * v;
        }
    }
    let mut s: f64 = chunks.remainder().iter().map(|v| v.to_f64().powi(2)).sum();
    s += lanes.iter().sum::<f64>();
    if s.is_finite() {
        return Ok(s.sqrt());
    }
    if let Some(bad) = first_non_finite(row.iter().map(|v| v.to_f64())) {
        return Err(bad);
    }
    let m = row.iter().map(|v| v.to_f64().abs()).fold(0.0, f64::max);
    Ok(m * row
        .iter()
        .map(|v| (v.to_f64() / m).powi(2))
        .sum::<f64>()
        .sqrt())
}

/// Rows `order[p]` of `xs` (row-major, `d` columns) scaled to unit length into row p of a new
/// buffer, in parallel. Err with the lowest bad row (an index of `xs`) if any holds NaN/inf.
pub(crate) fn unit_rows_cpu<T>(
    xs: &[T],
    d: usize,
    order: &[usize],
) -> std::result::Result<Vec<T>, Bad>
where
    T: WithDType + std::ops::Div<Output = T>,
{
    let mut out = vec![T::from_f64(0.0); order.len() * d];
    if d == 0 {
        return Ok(out);
    }
    let bad = out
        .par_chunks_mut(d)
        .zip(order.par_iter())
        .filter_map(|(dst, &r)| {
            let src = &xs[r * d..(r + 1) * d];
            match row_norm(src) {
                Ok(norm) => {
                    if norm > 0.0 {
                        let norm = T::from_f64(norm);
                        for (o, &v) in dst.iter_mut().zip(src) {
                            *o = v / norm;
                        }
                    }
                    None
                }
                Err((col, value)) => Some(Bad { row: r, col, value }),
            }
        })
        .min_by_key(|b| b.row);
    match bad {
        Some(b) => Err(b),
        None => Ok(out),
    }
}

/// |x| of every row of a 2-d float tensor in f64 (sums of squares on its device, in f64), and
/// the rows that hold NaN/inf, lowest first.
pub(crate) struct RowNorms {
    pub norms: Vec<f64>,
    pub bad: Vec<Bad>,
}

pub(crate) fn row_norms(x: &Tensor) -> Result<RowNorms> {
    let op = "eval: row norms";
    let sq = x
        .to_dtype(DType::F64)
        .and_then(|x| x.sqr())
        .and_then(|s| s.sum(1))
        .and_then(|s| s.to_vec1::<f64>())
        .op(op)?;
    let (mut norms, mut bad) = (Vec::with_capacity(sq.len()), vec![]);
    for (r, s) in sq.into_iter().enumerate() {
        if s.is_finite() {
            norms.push(s.sqrt());
            continue;
        }
        // NaN or inf somewhere, or finite values whose squares overflow: look at the row.
        let row = x
            .get(r)
            .and_then(|t| t.to_dtype(DType::F64))
            .and_then(|t| t.to_vec1::<f64>())
            .op(op)?;
        match row_norm(&row) {
            Ok(n) => norms.push(n),
            Err((col, value)) => {
                norms.push(f64::NAN);
                bad.push(Bad { row: r, col, value });
            }
        }
    }
    Ok(RowNorms { norms, bad })
}

/// `x` (on its device) with row r divided by `norms[r]` rounded to x's dtype; a zero norm leaves
/// the row as it is (zero).
pub(crate) fn divide_rows(x: &Tensor, norms: &[f64]) -> Result<Tensor> {
    let op = "eval: unit rows";
    let n = norms.len();
    let div: Vec<f64> = norms
        .iter()
        .map(|&v| if v > 0.0 { v } else { 1.0 })
        .collect();
    let div = Tensor::from_vec(div, (n, 1), x.device())
        .and_then(|t| t.to_dtype(x.dtype()))
        .op(op)?;
    x.broadcast_div(&div).op(op)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_non_zero_element_and_power_of_two_multiples_give_exact_unit_rows() {
        let xs: Vec<f32> = vec![
            0.0, 1.3, 0.0, 0.0, -7.7, 0.0, 1.0, 2.0, 2.0, 0.25, 0.5, 0.5, 0.0, 0.0, 0.0,
        ];
        let u = unit_rows_cpu(&xs, 3, &[0, 1, 2, 3, 4]).unwrap();
        assert_eq!(&u[..6], &[0.0, 1.0, 0.0, 0.0, -1.0, 0.0]);
        assert_eq!(u[6..9], u[9..12]);
        assert_eq!(&u[12..], &[0.0; 3]);
        // Reordered rows.
        assert_eq!(
            unit_rows_cpu(&xs, 3, &[1, 0]).unwrap(),
            [0.0, -1.0, 0.0, 0.0, 1.0, 0.0]
        );
    }

    #[test]
    fn the_lowest_bad_row_is_reported_with_its_column() {
        let xs = vec![1.0, f64::INFINITY, 0.0, 0.0, f64::NAN, 1.0, f64::NAN, 0.0];
        let b = unit_rows_cpu(&xs, 2, &[3, 0, 2, 1]).unwrap_err();
        assert_eq!((b.row, b.col), (0, 1));
        assert!(b.value.is_infinite());
        let t = Tensor::from_vec(xs, (4, 2), &candle_core::Device::Cpu).unwrap();
        let r = row_norms(&t).unwrap();
        assert_eq!(
            r.bad.iter().map(|b| (b.row, b.col)).collect::<Vec<_>>(),
            [(0, 1), (2, 0), (3, 0)]
        );
        assert_eq!(r.norms[1], 0.0);
    }

    #[test]
    fn huge_finite_values_have_a_finite_norm() {
        let n = row_norm(&[3e200f64, 4e200]).unwrap();
        assert!((n / 5e200 - 1.0).abs() < 1e-15, "{n}");
        assert_eq!(row_norm(&[3.0f32, 4.0]).unwrap(), 5.0);
    }
}
