//! The one place where library errors become Rhai errors, panics inside native calls are caught,
//! and Rhai values (nested arrays, numbers) become Rust values and back.

use crate::error::{Error, Result};
use rhai::{Array, Dynamic, EvalAltResult, Position, FLOAT, INT};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// What every native function returns to Rhai.
pub type RhaiResult<T> = std::result::Result<T, Box<EvalAltResult>>;

/// A library error as a Rhai runtime error; the engine attaches the script position of the call.
pub fn to_rhai(e: Error) -> Box<EvalAltResult> {
    EvalAltResult::ErrorRuntime(Dynamic::from(e.to_string()), Position::NONE).into()
}

/// Run the body of a native function: its error becomes a script error, and a panic becomes a
/// script error naming the operation instead of ending the program.
pub fn guard<T>(op: &str, f: impl FnOnce() -> Result<T>) -> RhaiResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(to_rhai),
        Err(payload) => Err(to_rhai(Error::msg(format!(
            "{op}: internal error: {} (this is a bug in xmodal; please report it with the script that triggered it)",
            panic_message(&payload)
        )))),
    }
}

/// [`guard`] for functions called with a namespace (`tensor::randn(...)`): Rhai does not attach
/// the call position to their errors, so it is attached here from the call context.
pub fn guard_at<T>(pos: Position, op: &str, f: impl FnOnce() -> Result<T>) -> RhaiResult<T> {
    guard(op, f).map_err(|e| match *e {
        EvalAltResult::ErrorRuntime(msg, p) if p.is_none() => {
            EvalAltResult::ErrorRuntime(msg, pos).into()
        }
        other => other.into(),
    })
}

/// The text of a panic payload.
pub fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".into()
    }
}

/// A number from an INT or a FLOAT.
pub fn number(op: &str, what: &str, d: &Dynamic) -> Result<f64> {
    if let Ok(f) = d.as_float() {
        Ok(f)
    } else if let Ok(i) = d.as_int() {
        Ok(i as f64)
    } else {
        Err(Error::invalid(
            op,
            what,
            format!("expected a number, got {}", d.type_name()),
        ))
    }
}

/// A non-negative integer (an index, a size).
pub fn index(op: &str, what: &str, d: &Dynamic) -> Result<usize> {
    match d.as_int() {
        Ok(i) if i >= 0 => Ok(i as usize),
        Ok(i) => Err(Error::invalid(op, what, format!("must be >= 0, got {i}"))),
        Err(t) => Err(Error::invalid(
            op,
            what,
            format!("expected an integer, got {t}"),
        )),
    }
}

/// A shape from an array of non-negative integers (or a single integer); shapes whose element
/// count overflows are refused.
pub fn shape(op: &str, d: &Dynamic) -> Result<Vec<usize>> {
    if let Ok(i) = d.as_int() {
        return index(op, "shape", &Dynamic::from(i)).map(|n| vec![n]);
    }
    let arr = d.read_lock::<Array>().ok_or_else(|| {
        Error::invalid(
            op,
            "shape",
            format!("expected an array like [2, 3], got {}", d.type_name()),
        )
    })?;
    let dims = arr
        .iter()
        .map(|x| index(op, "shape", x))
        .collect::<Result<Vec<_>>>()?;
    crate::tensor::create::numel(op, &dims)?;
    Ok(dims)
}

/// Values, shape and whether every leaf was an integer, from a nested array such as
/// `[[1.0, 2.0], [3.0, 4.0]]`. Ragged arrays are an error naming the offending depth.
pub fn nested(op: &str, d: &Dynamic) -> Result<(Vec<f64>, Vec<usize>, bool)> {
    let mut values = vec![];
    let mut shape: Vec<usize> = vec![];
    let mut all_int = true;
    walk(op, d, 0, &mut shape, &mut values, &mut all_int)?;
    Ok((values, shape, all_int))
}

fn walk(
    op: &str,
    d: &Dynamic,
    depth: usize,
    shape: &mut Vec<usize>,
    out: &mut Vec<f64>,
    all_int: &mut bool,
) -> Result<()> {
    if let Some(arr) = d.read_lock::<Array>() {
        if shape.len() == depth {
            if !out.is_empty() {
                return Err(Error::invalid(
                    op,
                    "values",
                    format!("ragged nesting: a number and a list at depth {depth}"),
                ));
            }
            shape.push(arr.len());
        } else if shape.len() < depth || shape[depth] != arr.len() {
            return Err(Error::invalid(
                op,
                "values",
                format!(
                    "ragged array: a list of length {} where {} was expected at depth {depth}",
                    arr.len(),
                    shape.get(depth).copied().unwrap_or(0)
                ),
            ));
        }
        for x in arr.iter() {
            walk(op, x, depth + 1, shape, out, all_int)?;
        }
        return Ok(());
    }
    if shape.len() != depth {
        return Err(Error::invalid(
            op,
            "values",
            format!("ragged array: a number at depth {depth} where a list was expected"),
        ));
    }
    if let Ok(i) = d.as_int() {
        out.push(i as f64);
    } else if let Ok(f) = d.as_float() {
        *all_int = false;
        out.push(f);
    } else if let Ok(b) = d.as_bool() {
        out.push(if b { 1.0 } else { 0.0 });
    } else {
        return Err(Error::invalid(
            op,
            "values",
            format!("expected numbers, found {}", d.type_name()),
        ));
    }
    Ok(())
}

/// Nested Rhai arrays from flat values and a shape (floats or integers).
pub fn to_nested(v: &[f64], dims: &[usize], int: bool) -> Dynamic {
    let leaf = |x: f64| {
        if int {
            Dynamic::from(x as INT)
        } else {
            Dynamic::from(x as FLOAT)
        }
    };
    if dims.is_empty() {
        return leaf(v.first().copied().unwrap_or(f64::NAN));
    }
    let stride: usize = dims[1..].iter().product();
    let arr: Array = (0..dims[0])
        .map(|i| {
            if dims.len() == 1 {
                leaf(v[i])
            } else {
                to_nested(&v[i * stride..(i + 1) * stride], &dims[1..], int)
            }
        })
        .collect();
    Dynamic::from_array(arr)
}

/// A list of strings from an array of strings, or a single string.
pub fn strings(op: &str, what: &str, d: &Dynamic) -> Result<Vec<String>> {
    if d.is_string() {
        return Ok(vec![d.clone().into_string().unwrap_or_default()]);
    }
    let arr = d.read_lock::<Array>().ok_or_else(|| {
        Error::invalid(
            op,
            what,
            format!(
                "expected a string or an array of strings, got {}",
                d.type_name()
            ),
        )
    })?;
    arr.iter()
        .map(|x| {
            x.clone()
                .into_string()
                .map_err(|t| Error::invalid(op, what, format!("expected strings, found {t}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_arrays_give_shape_and_values() {
        let d = Dynamic::from_array(vec![
            Dynamic::from_array(vec![Dynamic::from(1 as INT), Dynamic::from(2.5 as FLOAT)]),
            Dynamic::from_array(vec![Dynamic::from(3 as INT), Dynamic::from(4 as INT)]),
        ]);
        let (v, s, int) = nested("t", &d).unwrap();
        assert_eq!((v, s, int), (vec![1.0, 2.5, 3.0, 4.0], vec![2, 2], false));
    }

    #[test]
    fn ragged_arrays_are_an_error() {
        let d = Dynamic::from_array(vec![
            Dynamic::from_array(vec![Dynamic::from(1 as INT)]),
            Dynamic::from_array(vec![Dynamic::from(3 as INT), Dynamic::from(4 as INT)]),
        ]);
        let e = nested("tensor::from", &d).unwrap_err().to_string();
        assert!(e.contains("ragged array"), "{e}");
    }

    #[test]
    fn panics_become_errors() {
        let r: RhaiResult<()> = guard("boom", || panic!("kaput"));
        let e = r.unwrap_err().to_string();
        assert!(e.contains("boom: internal error: kaput"), "{e}");
    }
}
