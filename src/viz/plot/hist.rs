//! Histograms: equal-width bins over [min, max] (numpy.histogram's rule, from
//! `crate::tensor::stats::histogram`), drawn as adjacent bars.

use super::{colour, drawing, label_size, title_font, Chart, FONT};
use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

/// A histogram of `values` in `bins` bins.
#[derive(Clone, Debug, Default)]
pub struct Hist {
    pub values: Vec<f64>,
    pub bins: usize,
    pub title: String,
    pub x_label: String,
}

impl Chart for Hist {
    fn op(&self) -> &str {
        "plot::hist"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let op = self.op();
        if self.values.is_empty() || self.bins == 0 {
            return Err(Error::invalid(
                op,
                "values",
                "need at least one value and one bin",
            ));
        }
        let (counts, edges) = crate::tensor::stats::histogram(&self.values, self.bins)?;
        let (_, h) = root.dim_in_pixel();
        let ls = label_size(h);
        let top = counts.iter().copied().max().unwrap_or(1).max(1) as f64 * 1.08;
        let (x0, x1) = (edges[0], edges[edges.len() - 1]);
        let pad = ((x1 - x0) * 0.02).max(1e-9);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, title_font(h))
            .margin(12)
            .x_label_area_size(ls * 2.6)
            .y_label_area_size(ls * 4.0)
            .build_cartesian_2d(x0 - pad..x1 + pad, 0.0..top)
            .map_err(drawing(op))?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .x_desc(&self.x_label)
            .y_desc("count")
            .label_style((FONT, ls))
            .axis_desc_style((FONT, ls * 1.1))
            .draw()
            .map_err(drawing(op))?;
        let c = colour(0);
        chart
            .draw_series(counts.iter().enumerate().map(|(i, &n)| {
                Rectangle::new([(edges[i], 0.0), (edges[i + 1], n as f64)], c.filled())
            }))
            .map_err(drawing(op))?;
        chart
            .draw_series(counts.iter().enumerate().map(|(i, &n)| {
                Rectangle::new(
                    [(edges[i], 0.0), (edges[i + 1], n as f64)],
                    WHITE.stroke_width(1),
                )
            }))
            .map_err(drawing(op))?;
        Ok(())
    }
}
