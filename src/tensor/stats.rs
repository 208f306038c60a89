//! Descriptive statistics through ndarray-stats: `describe`, quantiles (numpy's linear
//! interpolation), histograms, Pearson correlation and mean ± std over repeated runs.

use crate::error::{Error, Result};
use ndarray::Array1;
use ndarray_stats::interpolate::Linear;
use ndarray_stats::Quantile1dExt;
use noisy_float::types::n64;

/// Count, mean, sample std, min, 5/25/50/75/95 % quantiles, max.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub count: usize,
    pub mean: f64,
    pub std: f64,
    pub min: f64,
    pub q05: f64,
    pub q25: f64,
    pub q50: f64,
    pub q75: f64,
    pub q95: f64,
    pub max: f64,
}

/// Summarise values (NaNs are an error: they have no place in a quantile).
pub fn describe(v: &[f64]) -> Result<Summary> {
    if v.is_empty() {
        return Err(Error::msg(
            "describe: no values to summarise (the tensor is empty)",
        ));
    }
    if v.iter().any(|x| x.is_nan()) {
        return Err(Error::msg(
            "describe: the values contain NaN; find where it came from (x.isnan-free input needed)",
        ));
    }
    let (mean, std) = mean_std(v);
    let q = quantiles(v, &[0.05, 0.25, 0.5, 0.75, 0.95])?;
    let min = v.iter().cloned().fold(f64::INFINITY, f64::min);
    let max = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    Ok(Summary {
        count: v.len(),
        mean,
        std,
        min,
        q05: q[0],
        q25: q[1],
        q50: q[2],
        q75: q[3],
        q95: q[4],
        max,
    })
}

/// Mean and sample standard deviation (n − 1 in the denominator; 0 for a single value).
pub fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    if v.len() < 2 {
        return (mean, 0.0);
    }
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// Quantiles at each q in [0, 1], with numpy's default linear interpolation.
pub fn quantiles(v: &[f64], qs: &[f64]) -> Result<Vec<f64>> {
    if v.is_empty() {
        return Err(Error::msg("quantile: no values"));
    }
    let mut a: Array1<noisy_float::types::N64> = v
        .iter()
        .map(|x| {
            if x.is_nan() {
                Err(Error::msg("quantile: the values contain NaN"))
            } else {
                Ok(n64(*x))
            }
        })
        .collect::<Result<_>>()?;
    qs.iter()
        .map(|q| {
            if !(0.0..=1.0).contains(q) {
                return Err(Error::invalid(
                    "stats::quantile",
                    "q",
                    format!("must lie in [0, 1], got {q}"),
                ));
            }
            a.quantile_mut(n64(*q), &Linear)
                .map(|x| x.raw())
                .map_err(|e| Error::msg(format!("quantile: {e}")))
        })
        .collect()
}

/// Histogram with `bins` equal-width bins over [min, max]; returns (counts, edges) like
/// `numpy.histogram` (the last bin includes its right edge).
pub fn histogram(v: &[f64], bins: usize) -> Result<(Vec<u64>, Vec<f64>)> {
    if bins == 0 {
        return Err(Error::invalid(
            "stats::histogram",
            "bins",
            "must be at least 1",
        ));
    }
    if v.is_empty() {
        return Err(Error::msg("stats::histogram: no values"));
    }
    let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
    let mut hi = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    if !(lo.is_finite() && hi.is_finite()) {
        return Err(Error::msg("stats::histogram: values must be finite"));
    }
    let (lo, hi) = if hi == lo {
        hi = lo + 0.5;
        (lo - 0.5, hi)
    } else {
        (lo, hi)
    };
    let width = (hi - lo) / bins as f64;
    let edges: Vec<f64> = (0..=bins).map(|i| lo + width * i as f64).collect();
    let mut counts = vec![0u64; bins];
    for x in v {
        let b = (((x - lo) / width) as usize).min(bins - 1);
        counts[b] += 1;
    }
    Ok((counts, edges))
}

/// Pearson correlation of two equally long series.
pub fn correlation(a: &[f64], b: &[f64]) -> Result<f64> {
    if a.len() != b.len() || a.len() < 2 {
        return Err(Error::Shape {
            op: "stats::correlation".into(),
            lhs: vec![a.len()],
            rhs: vec![b.len()],
        });
    }
    let (ma, _) = mean_std(a);
    let (mb, _) = mean_std(b);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    if saa == 0.0 || sbb == 0.0 {
        return Err(Error::msg(
            "stats::correlation: a series is constant, so the correlation is undefined",
        ));
    }
    Ok(sab / (saa * sbb).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    // numpy: np.quantile([1,2,3,4,10], [0.05,0.25,0.5,0.75,0.95]) -> [1.2, 2., 3., 4., 8.8]
    #[test]
    fn quantiles_match_numpy_linear() {
        let q = quantiles(&[1.0, 2.0, 3.0, 4.0, 10.0], &[0.05, 0.25, 0.5, 0.75, 0.95]).unwrap();
        let want = [1.2, 2.0, 3.0, 4.0, 8.8];
        for (a, b) in q.iter().zip(want) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
    }

    // numpy: np.histogram([0,1,1,2,3], bins=3) -> ([1,2,2], [0,1,2,3])
    #[test]
    fn histogram_matches_numpy() {
        let (c, e) = histogram(&[0.0, 1.0, 1.0, 2.0, 3.0], 3).unwrap();
        assert_eq!(c, vec![1, 2, 2]);
        assert_eq!(e, vec![0.0, 1.0, 2.0, 3.0]);
    }

    #[test]
    fn correlation_and_sample_std_match_hand_values() {
        // Deviations (-1, 0, 1) and (-13/6, -1/6, 7/3): r = 4.5 / sqrt(2 * 61/6).
        let r = correlation(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.5]).unwrap();
        assert!(
            (r - 4.5 / (2.0f64 * 61.0 / 6.0).sqrt()).abs() < 1e-12,
            "{r}"
        );
        let (m, s) = mean_std(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(m, 5.0);
        assert!((s - 2.138_089_935).abs() < 1e-9);
    }
}
