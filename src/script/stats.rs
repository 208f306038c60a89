//! `stats::` — quantiles, histograms, correlation, and mean ± std over repeated runs, for reports.

use super::convert::{guard_at, number, RhaiResult};
use super::value::ScriptTensor;
use crate::error::{Error, Result};
use crate::tensor::stats;
use rhai::plugin::*;
use rhai::{Array, Dynamic, Engine, Map, FLOAT, INT};

/// Register the `stats::` namespace.
pub fn register(engine: &mut Engine) {
    engine.register_static_module("stats", exported_module!(stats_api).into());
}

/// Numbers from a Tensor (all elements) or an array of numbers.
fn values(op: &str, d: &Dynamic) -> Result<Vec<f64>> {
    if let Some(t) = d.read_lock::<ScriptTensor>() {
        return crate::tensor::to_f64_vec(t.tensor());
    }
    let arr = d.read_lock::<Array>().ok_or_else(|| {
        Error::invalid(
            op,
            "values",
            format!(
                "expected a Tensor or an array of numbers, got {}",
                d.type_name()
            ),
        )
    })?;
    arr.iter().map(|x| number(op, "values", x)).collect()
}

#[export_module]
pub mod stats_api {
    use super::*;

    /// The q-quantile (q in [0, 1]) of a tensor's elements or an array of numbers, with numpy's
    /// linear interpolation: `stats::quantile([1, 2, 3, 4], 0.5)` is 2.5.
    #[rhai_fn(return_raw)]
    pub fn quantile(ctx: NativeCallContext, x: Dynamic, q: FLOAT) -> RhaiResult<FLOAT> {
        guard_at(ctx.call_position(), "stats::quantile", || {
            Ok(stats::quantiles(&values("stats::quantile", &x)?, &[q])?[0])
        })
    }

    /// Histogram with equal-width bins over [min, max], as `numpy.histogram`:
    /// `#{ counts: [..], edges: [..] }` (bins + 1 edges).
    #[rhai_fn(return_raw)]
    pub fn histogram(ctx: NativeCallContext, x: Dynamic, bins: INT) -> RhaiResult<Map> {
        guard_at(ctx.call_position(), "stats::histogram", || {
            if bins < 1 {
                return Err(Error::invalid(
                    "stats::histogram",
                    "bins",
                    "must be at least 1",
                ));
            }
            let (counts, edges) =
                stats::histogram(&values("stats::histogram", &x)?, bins as usize)?;
            let mut m = Map::new();
            m.insert(
                "counts".into(),
                Dynamic::from_array(
                    counts
                        .into_iter()
                        .map(|c| Dynamic::from(c as INT))
                        .collect(),
                ),
            );
            m.insert(
                "edges".into(),
                Dynamic::from_array(edges.into_iter().map(Dynamic::from).collect()),
            );
            Ok(m)
        })
    }

    /// Pearson correlation of two equally long series (tensors or arrays).
    #[rhai_fn(return_raw)]
    pub fn correlation(ctx: NativeCallContext, a: Dynamic, b: Dynamic) -> RhaiResult<FLOAT> {
        guard_at(ctx.call_position(), "stats::correlation", || {
            stats::correlation(
                &values("stats::correlation", &a)?,
                &values("stats::correlation", &b)?,
            )
        })
    }

    /// Mean and sample standard deviation of repeated runs, with a printable form:
    /// `stats::mean_std([0.50, 0.52, 0.54])` is `#{ mean: 0.52, std: 0.02, n: 3, text: "0.520 ± 0.020" }`.
    #[rhai_fn(return_raw)]
    pub fn mean_std(ctx: NativeCallContext, runs: Dynamic) -> RhaiResult<Map> {
        guard_at(ctx.call_position(), "stats::mean_std", || {
            let v = values("stats::mean_std", &runs)?;
            if v.is_empty() {
                return Err(Error::msg("stats::mean_std: no runs given"));
            }
            let (mean, std) = stats::mean_std(&v);
            let mut m = Map::new();
            m.insert("mean".into(), Dynamic::from(mean));
            m.insert("std".into(), Dynamic::from(std));
            m.insert("n".into(), Dynamic::from(v.len() as INT));
            m.insert(
                "text".into(),
                Dynamic::from(format!("{mean:.3} ± {std:.3}")),
            );
            Ok(m)
        })
    }
}
