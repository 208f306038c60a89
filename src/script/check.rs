//! `assert` and `assert_close`: checks for examples and tests written in Rhai. A failed check is a
//! script error with the message, so `xmodal run` exits non-zero.

use super::convert::{guard, number, RhaiResult};
use super::value::ScriptTensor;
use crate::error::Error;
use rhai::plugin::*;
use rhai::{Array, Dynamic, Engine, Map, FLOAT};

/// Register `assert` and `assert_close` as global functions.
pub fn register(engine: &mut Engine) {
    engine.register_global_module(exported_module!(check_api).into());
}

/// The values of a tensor, nested array or number, with its shape (`[]` for a number).
fn values(d: &Dynamic) -> crate::Result<(Vec<f64>, Vec<usize>)> {
    if let Some(t) = d.read_lock::<ScriptTensor>() {
        return Ok((
            crate::tensor::to_f64_vec(t.tensor())?,
            t.tensor().dims().to_vec(),
        ));
    }
    if d.is_array() {
        let (v, s, _) = super::convert::nested("assert_close", d)?;
        return Ok((v, s));
    }
    Ok((vec![number("assert_close", "value", d)?], vec![]))
}

#[export_module]
pub mod check_api {
    use super::*;

    /// Fail with `message` unless `condition` is true.
    ///
    /// ```rhai
    /// assert(1 + 1 == 2, "arithmetic works");
    /// ```
    #[rhai_fn(return_raw)]
    pub fn assert(condition: bool, message: &str) -> RhaiResult<()> {
        guard("assert", || {
            if condition {
                Ok(())
            } else {
                Err(Error::msg(format!("assertion failed: {message}")))
            }
        })
    }

    /// Fail unless `condition` is true.
    #[rhai_fn(name = "assert", return_raw)]
    pub fn assert_plain(condition: bool) -> RhaiResult<()> {
        guard("assert", || {
            if condition {
                Ok(())
            } else {
                Err(Error::msg("assertion failed"))
            }
        })
    }

    /// Fail unless every key of the option map `opts` is one of `valid`: the check that
    /// script-defined functions (the recipes of `xmodal/methods`) give their options, so a typo
    /// is an error listing the valid keys, as it is for every native function.
    ///
    /// ```rhai
    /// fn area(opts) { check_options(opts, ["w", "h"], "area"); opts.w * opts.h }
    /// assert(area(#{ w: 2, h: 3 }) == 6);
    /// ```
    #[rhai_fn(return_raw)]
    pub fn check_options(opts: Map, valid: Array, function: &str) -> RhaiResult<()> {
        guard(function, || {
            let valid: Vec<String> = valid
                .iter()
                .map(|v| {
                    v.clone().into_string().map_err(|t| {
                        Error::invalid(
                            "check_options",
                            "valid",
                            format!("expected strings, found {t}"),
                        )
                    })
                })
                .collect::<crate::Result<_>>()?;
            match opts.keys().find(|k| !valid.iter().any(|v| v == k.as_str())) {
                Some(k) => Err(Error::UnknownOption {
                    op: function.to_string(),
                    key: k.to_string(),
                    valid,
                }),
                None => Ok(()),
            }
        })
    }

    /// Fail unless every element of `actual` (a tensor, nested array or number) is within `tol`
    /// of `expected` (absolute difference), element by element. The shapes must be the same
    /// (a number or 0-d tensor on either side compares with one element).
    ///
    /// ```rhai
    /// assert_close(tensor::from([1.0, 2.0]).sum(), 3.0, 1e-6);
    /// ```
    #[rhai_fn(return_raw)]
    pub fn assert_close(actual: Dynamic, expected: Dynamic, tol: FLOAT) -> RhaiResult<()> {
        guard("assert_close", || {
            let (a, sa) = values(&actual)?;
            let (e, se) = values(&expected)?;
            // As numpy's assert_allclose: shapes must agree unless one side is a scalar.
            if !sa.is_empty() && !se.is_empty() && sa != se {
                return Err(Error::Shape {
                    op: "assert_close".into(),
                    lhs: sa,
                    rhs: se,
                });
            }
            if a.len() != e.len() {
                return Err(Error::msg(format!(
                    "assert_close: {} values vs {} expected",
                    a.len(),
                    e.len()
                )));
            }
            for (i, (x, y)) in a.iter().zip(&e).enumerate() {
                // Written so that a NaN on either side fails.
                let within = (x - y).abs() <= tol;
                if !within {
                    return Err(Error::msg(format!(
                        "assert_close: element {i} is {x}, expected {y} (tolerance {tol})"
                    )));
                }
            }
            Ok(())
        })
    }
}
