//! Bar charts: one bar per group, or grouped bars (several series per group, e.g. methods ×
//! layers: Table 2 as a picture), with the value written above each bar.

use super::{check_len, colour, drawing, label_size, title_font, Chart, FONT};
use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

/// A (grouped) bar chart.
#[derive(Clone, Debug, Default)]
pub struct Bars {
    /// Names along x (layers, categories).
    pub groups: Vec<String>,
    /// (name, one value per group) per series (methods); one unnamed series = plain bars.
    pub series: Vec<(String, Vec<f64>)>,
    pub title: String,
    pub y_label: String,
    /// Decimals of the value labels (2).
    pub decimals: usize,
}

impl Chart for Bars {
    fn op(&self) -> &str {
        "plot::bar"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let op = self.op();
        if self.groups.is_empty() || self.series.is_empty() {
            return Err(Error::invalid(
                op,
                "values",
                "nothing to draw: no groups or no series",
            ));
        }
        for (name, v) in &self.series {
            check_len(
                op,
                &format!("values of series '{name}'"),
                v.len(),
                self.groups.len(),
            )?;
        }
        let (_, h) = root.dim_in_pixel();
        let ls = label_size(h);
        let all = self
            .series
            .iter()
            .flat_map(|s| s.1.iter().copied())
            .filter(|v| v.is_finite());
        let (lo, hi) = all.fold((0.0f64, 0.0f64), |(l, h), v| (l.min(v), h.max(v)));
        let span = (hi - lo).max(1e-12);
        // Headroom for the value labels and for the legend (one row per named series), so the
        // legend in the upper left does not cover the bars.
        let named = self.series.iter().filter(|s| !s.0.is_empty()).count() as f64;
        let legend = named * ls * 1.7 / (h as f64 * 0.7);
        let yr = (
            lo - if lo < 0.0 { 0.08 * span } else { 0.0 },
            hi + (0.12 + legend) * span,
        );
        let ng = self.groups.len();
        let groups = self.groups.clone();
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, title_font(h))
            .margin(12)
            .x_label_area_size(ls * 2.2)
            .y_label_area_size(ls * 4.0)
            .build_cartesian_2d(-0.5f64..ng as f64 - 0.5, yr.0..yr.1)
            .map_err(drawing(op))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .x_labels(ng)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < groups.len() {
                    groups[i as usize].clone()
                } else {
                    String::new()
                }
            })
            .y_desc(&self.y_label)
            .label_style((FONT, ls))
            .axis_desc_style((FONT, ls * 1.1))
            .draw()
            .map_err(drawing(op))?;
        let ns = self.series.len();
        let width = 0.8 / ns as f64;
        let vfont = (FONT, ls * 0.8).into_font();
        for (s, (name, values)) in self.series.iter().enumerate() {
            let c = colour(s);
            let bars = values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .map(move |(g, &v)| {
                    let x0 = g as f64 - 0.4 + s as f64 * width;
                    Rectangle::new([(x0 + 0.01, 0.0), (x0 + width - 0.01, v)], c.filled())
                });
            let drawn = chart.draw_series(bars).map_err(drawing(op))?;
            if !name.is_empty() {
                drawn.label(name).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 14, y + 6)], c.filled())
                });
            }
            let d = self.decimals;
            let f = vfont.clone();
            chart
                .draw_series(
                    values
                        .iter()
                        .enumerate()
                        .filter(|(_, v)| v.is_finite())
                        .map(move |(g, &v)| {
                            let xc = g as f64 - 0.4 + (s as f64 + 0.5) * width;
                            Text::new(
                                format!("{v:.d$}"),
                                (xc, v),
                                f.clone().color(&BLACK).pos(
                                    plotters::style::text_anchor::Pos::new(
                                        plotters::style::text_anchor::HPos::Center,
                                        if v >= 0.0 {
                                            plotters::style::text_anchor::VPos::Bottom
                                        } else {
                                            plotters::style::text_anchor::VPos::Top
                                        },
                                    ),
                                ),
                            )
                        }),
                )
                .map_err(drawing(op))?;
        }
        if self.series.iter().any(|s| !s.0.is_empty()) {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(160, 160, 160))
                .label_font((FONT, ls))
                .draw()
                .map_err(drawing(op))?;
        }
        Ok(())
    }
}
