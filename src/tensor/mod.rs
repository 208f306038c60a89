//! Tensor helpers on top of candle: seeded creation, numpy-style printing, descriptive statistics
//! and file formats. The script layer wraps these; Rust users call them directly.

pub mod create;
pub mod display;
pub mod io;
pub mod ops;
pub mod pair;
pub mod stats;

pub use candle_core::{DType, Device, Tensor, Var};

use crate::error::{Error, Result};

/// Parse a dtype name as scripts write it: f32, f64, f16, bf16, u8, u32, i64.
pub fn parse_dtype(name: &str) -> Result<DType> {
    Ok(match name.trim().to_ascii_lowercase().as_str() {
        "f32" | "float32" | "float" => DType::F32,
        "f64" | "float64" | "double" => DType::F64,
        "f16" | "float16" | "half" => DType::F16,
        "bf16" | "bfloat16" => DType::BF16,
        "u8" | "uint8" => DType::U8,
        "u32" | "uint32" => DType::U32,
        "i64" | "int64" | "long" => DType::I64,
        other => {
            return Err(Error::invalid(
                "to_dtype",
                "dtype",
                format!("unknown dtype '{other}'; valid: f32, f64, f16, bf16, u8, u32, i64"),
            ))
        }
    })
}

/// The script name of a dtype.
pub fn dtype_name(d: DType) -> &'static str {
    d.as_str()
}

/// Whether a dtype holds floating-point numbers.
pub fn is_float(d: DType) -> bool {
    matches!(d, DType::F16 | DType::BF16 | DType::F32 | DType::F64)
}

/// All elements of a tensor as f64, in row-major order (copied to the host).
pub fn to_f64_vec(t: &Tensor) -> Result<Vec<f64>> {
    use crate::error::Context;
    t.flatten_all()
        .and_then(|f| f.to_dtype(DType::F64))
        .and_then(|f| f.to_vec1::<f64>())
        .op("to_vec")
}

/// All elements of a tensor as f32, in row-major order (copied to the host).
pub fn to_f32_vec(t: &Tensor) -> Result<Vec<f32>> {
    use crate::error::Context;
    t.flatten_all()
        .and_then(|f| f.to_dtype(DType::F32))
        .and_then(|f| f.to_vec1::<f32>())
        .op("to_vec")
}

/// A dimension index that may be negative (counted from the end), checked against the rank.
pub fn resolve_dim(op: &str, t: &Tensor, dim: i64) -> Result<usize> {
    let rank = t.rank() as i64;
    let d = if dim < 0 { rank + dim } else { dim };
    if d < 0 || d >= rank.max(1) {
        return Err(Error::invalid(
            op,
            "dim",
            format!(
                "dimension {dim} is out of range for a tensor of shape {:?} (rank {rank})",
                t.dims()
            ),
        ));
    }
    Ok(d as usize)
}
