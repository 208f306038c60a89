//! Tensor operations with xmodal's conventions: broadcasting arithmetic whose errors name both
//! shapes, comparisons that return 0/1 tensors of the input's dtype, and row normalisation.

use super::{DType, Tensor};
use crate::error::{Context, Error, Result};

/// The four arithmetic operators.
#[derive(Debug, Clone, Copy)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Div,
}

impl Arith {
    fn symbol(self) -> &'static str {
        match self {
            Arith::Add => "+",
            Arith::Sub => "-",
            Arith::Mul => "*",
            Arith::Div => "/",
        }
    }
}

/// `a op b` with numpy broadcasting; a float operand meeting an integer tensor keeps the float's
/// dtype, and `/` of integers is true division to f32.
pub fn arith(op: Arith, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (a, b) = promote(a, b)?;
    // `/` is true division, as numpy's: integer operands give an f32 quotient (so 7 / 2 = 3.5
    // and 1 / 0 = inf, never an integer division by zero).
    let (a, b) = match op {
        Arith::Div if !super::is_float(a.dtype()) => (float_of(&a)?, float_of(&b)?),
        _ => (a, b),
    };
    if a.device().location() != b.device().location() {
        return Err(Error::msg(format!(
            "operator {}: tensors on different devices ({} and {}); move one with .to(device)",
            op.symbol(),
            crate::device::name(a.device()),
            crate::device::name(b.device())
        )));
    }
    let shape = broadcast_shape(a.dims(), b.dims()).ok_or_else(|| Error::Shape {
        op: format!("operator {}", op.symbol()),
        lhs: a.dims().to_vec(),
        rhs: b.dims().to_vec(),
    })?;
    let r = match op {
        Arith::Add => a.broadcast_add(&b),
        Arith::Sub => a.broadcast_sub(&b),
        Arith::Mul => a.broadcast_mul(&b),
        Arith::Div => a.broadcast_div(&b),
    };
    let r = r.op(&format!("operator {}", op.symbol()))?;
    debug_assert_eq!(r.dims(), shape.as_slice());
    Ok(r)
}

/// `a op x` for a number x, in a's dtype (integer tensors become f32 when x is fractional, and
/// always for `/`).
pub fn arith_scalar(op: Arith, a: &Tensor, x: f64, scalar_first: bool) -> Result<Tensor> {
    let a = if super::is_float(a.dtype()) || x.fract() != 0.0 || matches!(op, Arith::Div) {
        float_of(a)?
    } else {
        a.clone()
    };
    let s = Tensor::new(x, a.device())
        .and_then(|s| s.to_dtype(a.dtype()))
        .op("scalar")?;
    if scalar_first {
        arith(op, &s, &a)
    } else {
        arith(op, &a, &s)
    }
}

/// The numpy broadcast of two shapes, if they are compatible.
pub fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let mut out = vec![0; n];
    for i in 0..n {
        let da = if i + a.len() >= n {
            a[i + a.len() - n]
        } else {
            1
        };
        let db = if i + b.len() >= n {
            b[i + b.len() - n]
        } else {
            1
        };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return None,
        };
    }
    Some(out)
}

/// Bring two tensors to one dtype: the wider float, or f32 for mixed int/float.
fn promote(a: &Tensor, b: &Tensor) -> Result<(Tensor, Tensor)> {
    if a.dtype() == b.dtype() {
        return Ok((a.clone(), b.clone()));
    }
    let target = match (super::is_float(a.dtype()), super::is_float(b.dtype())) {
        (true, false) => a.dtype(),
        (false, true) => b.dtype(),
        (false, false) => DType::I64,
        (true, true) => {
            if a.dtype() == DType::F64 || b.dtype() == DType::F64 {
                DType::F64
            } else {
                DType::F32
            }
        }
    };
    Ok((
        a.to_dtype(target).op("promote")?,
        b.to_dtype(target).op("promote")?,
    ))
}

/// The tensor as a float (integer tensors become f32).
pub fn float_of(t: &Tensor) -> Result<Tensor> {
    if super::is_float(t.dtype()) {
        Ok(t.clone())
    } else {
        t.to_dtype(DType::F32).op("to_dtype")
    }
}

/// Comparisons.
#[derive(Debug, Clone, Copy)]
pub enum Cmp {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
}

/// Elementwise comparison with broadcasting, as a 0/1 tensor of the (promoted) input dtype.
pub fn compare(op: Cmp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let (a, b) = promote(a, b)?;
    let shape = broadcast_shape(a.dims(), b.dims()).ok_or_else(|| Error::Shape {
        op: format!("{op:?}").to_lowercase(),
        lhs: a.dims().to_vec(),
        rhs: b.dims().to_vec(),
    })?;
    let a = a.broadcast_as(shape.as_slice()).op("compare")?;
    let b = b.broadcast_as(shape.as_slice()).op("compare")?;
    let r = match op {
        Cmp::Eq => a.eq(&b),
        Cmp::Ne => a.ne(&b),
        Cmp::Gt => a.gt(&b),
        Cmp::Ge => a.ge(&b),
        Cmp::Lt => a.lt(&b),
        Cmp::Le => a.le(&b),
    };
    r.and_then(|r| r.to_dtype(a.dtype())).op("compare")
}

/// Rows scaled to unit L2 norm along `dim` (zero rows stay zero: the norm is floored at 1e-12).
pub fn l2_normalize(t: &Tensor, dim: usize) -> Result<Tensor> {
    let norm = t
        .sqr()
        .and_then(|s| s.sum_keepdim(dim))
        .and_then(|s| s.sqrt())
        .and_then(|n| n.clamp(1e-12, f64::INFINITY))
        .op("l2_normalize")?;
    t.broadcast_div(&norm).op("l2_normalize")
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn broadcast_shape_follows_numpy() {
        assert_eq!(broadcast_shape(&[2, 1, 3], &[4, 1]), Some(vec![2, 4, 3]));
        assert_eq!(broadcast_shape(&[2, 3], &[3, 2]), None);
    }

    #[test]
    fn mismatch_error_names_both_shapes() {
        let a = Tensor::zeros((2, 3), DType::F32, &Device::Cpu).unwrap();
        let b = Tensor::zeros((3, 2), DType::F32, &Device::Cpu).unwrap();
        let e = arith(Arith::Add, &a, &b).unwrap_err().to_string();
        assert_eq!(e, "operator +: shape mismatch: [2, 3] vs [3, 2]");
    }

    #[test]
    fn l2_normalize_gives_unit_rows() {
        let t = Tensor::new(&[[3f64, 4.], [0., 0.]], &Device::Cpu).unwrap();
        let n = l2_normalize(&t, 1).unwrap();
        assert_eq!(
            crate::tensor::to_f64_vec(&n).unwrap(),
            vec![0.6, 0.8, 0.0, 0.0]
        );
    }
}
