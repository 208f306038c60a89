//! Training curves: one panel per metric (loss, accuracy, …), one line per modality, over steps.

use super::line::{draw_lines, Lines, Series};
use super::{drawing, Chart};
use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Panels side by side; each is (metric name, series of (modality, (step, value)*)).
#[derive(Clone, Debug, Default)]
pub struct Curves {
    pub panels: Vec<(String, Vec<Series>)>,
    pub title: String,
}

impl Chart for Curves {
    fn op(&self) -> &str {
        "plot::curves"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let op = self.op();
        if self.panels.is_empty() {
            return Err(Error::invalid(op, "history", "no metrics to draw"));
        }
        let (_, h) = root.dim_in_pixel();
        let area = if self.title.is_empty() {
            root.clone()
        } else {
            root.titled(&self.title, super::title_font(h))
                .map_err(drawing(op))?
        };
        let cells = area.split_evenly((1, self.panels.len()));
        for ((metric, series), cell) in self.panels.iter().zip(cells.iter()) {
            let lines = Lines {
                series: series.clone(),
                title: metric.clone(),
                x_label: "step".into(),
                y_label: metric.clone(),
            };
            draw_lines(op, cell, &lines)?;
        }
        Ok(())
    }
}
