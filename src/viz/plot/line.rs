//! Line charts: several named series of (x, y) points on shared axes, with a legend.

use super::{colour, drawing, label_size, range, title_font, Chart, FONT};
use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

/// A named series of (x, y) points.
pub type Series = (String, Vec<(f64, f64)>);

/// A line chart.
#[derive(Clone, Debug, Default)]
pub struct Lines {
    /// (name, points) per series; names empty = no legend.
    pub series: Vec<Series>,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
}

impl Chart for Lines {
    fn op(&self) -> &str {
        "plot::line"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        draw_lines(self.op(), root, self)
    }
}

/// Draw `lines` on `area` (shared with the training-curve panels).
pub fn draw_lines<DB: DrawingBackend>(
    op: &str,
    area: &DrawingArea<DB, Shift>,
    lines: &Lines,
) -> Result<()> {
    if lines.series.iter().all(|s| s.1.is_empty()) {
        return Err(Error::invalid(
            op,
            "series",
            "nothing to draw: every series is empty",
        ));
    }
    let (_, h) = area.dim_in_pixel();
    let ls = label_size(h.max(500));
    let xr = range(lines.series.iter().flat_map(|s| s.1.iter().map(|p| p.0)));
    let yr = range(lines.series.iter().flat_map(|s| s.1.iter().map(|p| p.1)));
    let mut chart = ChartBuilder::on(area)
        .caption(&lines.title, title_font(h.max(500)))
        .margin(12)
        .x_label_area_size(ls * 2.6)
        .y_label_area_size(ls * 4.0)
        .build_cartesian_2d(xr.0..xr.1, yr.0..yr.1)
        .map_err(drawing(op))?;
    chart
        .configure_mesh()
        .light_line_style(RGBColor(235, 235, 235))
        .x_desc(&lines.x_label)
        .y_desc(&lines.y_label)
        .label_style((FONT, ls))
        .axis_desc_style((FONT, ls * 1.1))
        .draw()
        .map_err(drawing(op))?;
    for (i, (name, pts)) in lines.series.iter().enumerate() {
        let c = colour(i);
        let s = chart
            .draw_series(LineSeries::new(pts.iter().copied(), c.stroke_width(3)))
            .map_err(drawing(op))?;
        if !name.is_empty() {
            s.label(name).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))
            });
        }
    }
    if lines.series.iter().any(|s| !s.0.is_empty()) {
        chart
            .configure_series_labels()
            // Rising curves (accuracy) leave the lower right free, falling ones the upper right.
            .position(if rising(lines) {
                SeriesLabelPosition::LowerRight
            } else {
                SeriesLabelPosition::UpperRight
            })
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(160, 160, 160))
            .label_font((FONT, ls))
            .draw()
            .map_err(drawing(op))?;
    }
    Ok(())
}

/// Whether the first series ends higher than it starts.
fn rising(lines: &Lines) -> bool {
    lines
        .series
        .first()
        .and_then(|s| Some(s.1.last()?.1 > s.1.first()?.1))
        .unwrap_or(false)
}
