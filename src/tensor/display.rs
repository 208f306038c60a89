//! numpy-style printing: a header `Tensor[f32; 2×3; cpu]`, then the values with aligned columns,
//! long dimensions summarised with `...` (numpy's rule: past 1,000 elements, keep 3 at each edge).

use super::Tensor;

const THRESHOLD: usize = 1000;
const EDGE: usize = 3;

/// The one-line form: `Tensor[f32; 64×2048; cuda:0]`.
pub fn header(t: &Tensor) -> String {
    let dims: Vec<String> = t.dims().iter().map(|d| d.to_string()).collect();
    let shape = if dims.is_empty() {
        "scalar".to_string()
    } else {
        dims.join("×")
    };
    format!(
        "Tensor[{}; {}; {}]",
        t.dtype().as_str(),
        shape,
        crate::device::name(t.device())
    )
}

/// The full numpy-like form: header, newline, values.
pub fn render(t: &Tensor) -> String {
    match super::to_f64_vec(t) {
        Ok(v) => format!(
            "{}\n{}",
            header(t),
            values(&v, t.dims(), super::is_float(t.dtype()))
        ),
        Err(e) => format!("{} <values unavailable: {e}>", header(t)),
    }
}

/// Format values of the given shape, numpy style.
pub fn values(v: &[f64], dims: &[usize], float: bool) -> String {
    let summarise = v.len() > THRESHOLD;
    let fmt = NumFormat::new(v, float);
    let mut out = String::new();
    if dims.is_empty() {
        return fmt.cell(v.first().copied().unwrap_or(f64::NAN));
    }
    write_block(&mut out, v, dims, &fmt, summarise, 0);
    out
}

struct NumFormat {
    float: bool,
    sci: bool,
    decimals: usize,
    width: usize,
}

impl NumFormat {
    fn new(v: &[f64], float: bool) -> Self {
        let finite: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
        let max = finite.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        let min_nz = finite
            .iter()
            .filter(|x| **x != 0.0)
            .fold(f64::INFINITY, |m, x| m.min(x.abs()));
        let integral = finite.iter().all(|x| x.fract() == 0.0);
        let sci = float && (max >= 1e8 || (min_nz < 1e-4 && min_nz.is_finite()));
        let decimals = if !float || integral { 0 } else { 4 };
        let mut f = NumFormat {
            float,
            sci,
            decimals,
            width: 0,
        };
        f.width = v.iter().map(|x| f.raw(*x).len()).max().unwrap_or(1);
        f
    }

    fn raw(&self, x: f64) -> String {
        if x.is_nan() {
            "nan".into()
        } else if x.is_infinite() {
            if x > 0.0 {
                "inf".into()
            } else {
                "-inf".into()
            }
        } else if !self.float {
            format!("{}", x as i64)
        } else if self.sci {
            format!("{x:.4e}")
        } else if self.decimals == 0 {
            format!("{x:.0}.")
        } else {
            format!("{x:.*}", self.decimals)
        }
    }

    fn cell(&self, x: f64) -> String {
        format!("{:>w$}", self.raw(x), w = self.width)
    }
}

fn write_block(
    out: &mut String,
    v: &[f64],
    dims: &[usize],
    f: &NumFormat,
    summarise: bool,
    indent: usize,
) {
    let n = dims[0];
    let stride: usize = dims[1..].iter().product();
    let shown: Vec<Option<usize>> = if summarise && n > 2 * EDGE {
        (0..EDGE)
            .map(Some)
            .chain([None])
            .chain((n - EDGE..n).map(Some))
            .collect()
    } else {
        (0..n).map(Some).collect()
    };
    out.push('[');
    let last = shown.len().saturating_sub(1);
    for (k, item) in shown.iter().enumerate() {
        match item {
            None => out.push_str("..."),
            Some(i) if dims.len() == 1 => out.push_str(&f.cell(v[*i])),
            Some(i) => write_block(
                out,
                &v[i * stride..(i + 1) * stride],
                &dims[1..],
                f,
                summarise,
                indent + 1,
            ),
        }
        if k < last {
            if dims.len() == 1 {
                out.push_str(", ");
            } else {
                out.push(',');
                for _ in 0..(dims.len() - 1) {
                    out.push('\n');
                    if dims.len() == 2 {
                        break;
                    }
                }
                out.push_str(&" ".repeat(indent + 1));
            }
        }
    }
    out.push(']');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_prints_aligned_like_numpy() {
        assert_eq!(
            values(&[5.0, 11.0, 11.0, 25.0], &[2, 2], true),
            "[[ 5., 11.],\n [11., 25.]]"
        );
        assert_eq!(values(&[0.5, -1.25], &[2], true), "[ 0.5000, -1.2500]");
        assert_eq!(values(&[3.0], &[], false), "3");
    }

    #[test]
    fn long_vectors_are_summarised() {
        let v: Vec<f64> = (0..2000).map(|i| i as f64).collect();
        let s = values(&v, &[2000], false);
        assert!(
            s.starts_with("[   0,    1,    2, ..., 1997, 1998, 1999]"),
            "{s}"
        );
    }
}
