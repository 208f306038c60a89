//! Heatmaps of a matrix with row and column labels and the value written in every cell (the
//! query × target mAP table). Colours from the viridis map (perceptually uniform and readable
//! with colour-blindness); cell text is white on dark cells and black on light ones.

use super::{check_len, drawing, label_size, title_font, Chart, FONT};
use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// A labelled matrix.
#[derive(Clone, Debug, Default)]
pub struct Heatmap {
    /// rows × cols values, row-major.
    pub values: Vec<Vec<f64>>,
    pub rows: Vec<String>,
    pub cols: Vec<String>,
    pub title: String,
    /// Axis names (e.g. "query", "target").
    pub row_label: String,
    pub col_label: String,
    /// Decimals of the cell values (2).
    pub decimals: usize,
}

impl Chart for Heatmap {
    fn op(&self) -> &str {
        "plot::heatmap"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let op = self.op();
        let nr = self.values.len();
        if nr == 0 || self.values[0].is_empty() {
            return Err(Error::invalid(
                op,
                "matrix",
                "nothing to draw: empty matrix",
            ));
        }
        let nc = self.values[0].len();
        for (i, r) in self.values.iter().enumerate() {
            check_len(op, &format!("matrix row {i}"), r.len(), nc)?;
        }
        check_len(op, "rows", self.rows.len(), nr)?;
        check_len(op, "cols", self.cols.len(), nc)?;
        let (_, h) = root.dim_in_pixel();
        let ls = label_size(h);
        let finite = self
            .values
            .iter()
            .flatten()
            .copied()
            .filter(|v| v.is_finite());
        let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
        let (lo, hi) = if lo.is_finite() && hi > lo {
            (lo, hi)
        } else {
            (lo.min(0.0), lo.max(0.0) + 1.0)
        };
        let longest = self
            .rows
            .iter()
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(1) as f64;
        let rows = self.rows.clone();
        let cols = self.cols.clone();
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, title_font(h))
            .margin(12)
            .x_label_area_size(ls * 2.8)
            .y_label_area_size(ls * (0.65 * longest + 2.5))
            .build_cartesian_2d(0f64..nc as f64, 0f64..nr as f64)
            .map_err(drawing(op))?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(2 * nc + 1)
            .y_labels(2 * nr + 1)
            .x_label_formatter(&|x| label_at(&cols, *x, false))
            .y_label_formatter(&|y| label_at(&rows, *y, true))
            .x_desc(&self.col_label)
            .y_desc(&self.row_label)
            .label_style((FONT, ls))
            .axis_desc_style((FONT, ls * 1.1))
            .draw()
            .map_err(drawing(op))?;
        // Row 0 at the top: row r covers y in [nr−1−r, nr−r].
        let cells = self
            .values
            .iter()
            .enumerate()
            .flat_map(|(r, row)| row.iter().enumerate().map(move |(c, &v)| (r, c, v)));
        let fill = |v: f64| {
            if v.is_finite() {
                viridis((v - lo) / (hi - lo))
            } else {
                RGBColor(200, 200, 200)
            }
        };
        chart
            .draw_series(cells.clone().map(|(r, c, v)| {
                let y = (nr - 1 - r) as f64;
                Rectangle::new([(c as f64, y), (c as f64 + 1.0, y + 1.0)], fill(v).filled())
            }))
            .map_err(drawing(op))?;
        let cell_px =
            (root.dim_in_pixel().0 as f64 / (nc as f64 + 2.0)).min(h as f64 / (nr as f64 + 2.0));
        let size = (ls * 0.95).min(cell_px / 3.2).max(8.0);
        let d = self.decimals;
        chart
            .draw_series(cells.map(|(r, c, v)| {
                let col = fill(v);
                let luma =
                    0.299 * f64::from(col.0) + 0.587 * f64::from(col.1) + 0.114 * f64::from(col.2);
                let dark = luma < 140.0;
                let text = if v.is_finite() {
                    format!("{v:.d$}")
                } else {
                    "–".into()
                };
                Text::new(
                    text,
                    (c as f64 + 0.5, (nr - 1 - r) as f64 + 0.5),
                    (FONT, size)
                        .into_font()
                        .color(if dark { &WHITE } else { &BLACK })
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                )
            }))
            .map_err(drawing(op))?;
        Ok(())
    }
}

/// The label of the cell centred at coordinate `x` (ticks fall on halves), else nothing.
fn label_at(names: &[String], x: f64, reversed: bool) -> String {
    let k = x - 0.5;
    let i = k.round();
    if (k - i).abs() > 1e-6 || i < 0.0 || i as usize >= names.len() {
        return String::new();
    }
    let i = i as usize;
    let i = if reversed { names.len() - 1 - i } else { i };
    names[i].clone()
}

/// Viridis at t in [0, 1], interpolated between 9 anchors of matplotlib's table.
pub fn viridis(t: f64) -> RGBColor {
    const A: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    } * 8.0;
    let i = (t.floor() as usize).min(7);
    let f = t - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) * (1.0 - f) + f64::from(b) * f).round() as u8;
    let (a, b) = (A[i], A[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}
