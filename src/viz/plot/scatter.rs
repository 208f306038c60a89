//! Scatter plots: points coloured by one grouping (categories or modalities) and, optionally,
//! shaped by a second (modalities: six distinct shapes), with a legend — the papers' t-SNE figure. Large sets can be
//! subsampled to `max_points` with a seed ([`subsample`]).

use super::{check_len, colour, drawing, label_size, range, title_font, Chart, FONT};
use crate::error::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use rand::seq::index::sample;

/// Legend entries beyond this many are left out (the colours still differ).
pub const MAX_LEGEND: usize = 20;

/// Distinct marker shapes: circle, triangle, square, diamond, downward triangle, cross — one per
/// modality of CMPlaces + sound (nat, clp, ldr, spt, dsc, snd in their fixed order).
pub const MARKERS: usize = 6;

/// Marker `m` (0..MARKERS) of radius about `r` pixels centred at `c` (backend pixels).
pub fn marker<DB: DrawingBackend>(
    m: usize,
    c: (i32, i32),
    r: i32,
    style: ShapeStyle,
) -> DynElement<'static, DB, (i32, i32)> {
    let (x, y) = c;
    let d = r + 1;
    match m % MARKERS {
        0 => Circle::new(c, r as u32, style).into_dyn(),
        1 => Polygon::new(vec![(x, y - d), (x + d, y + r), (x - d, y + r)], style).into_dyn(),
        2 => Rectangle::new([(x - r, y - r), (x + r, y + r)], style).into_dyn(),
        3 => Polygon::new(
            vec![(x, y - d - 1), (x + d, y), (x, y + d + 1), (x - d, y)],
            style,
        )
        .into_dyn(),
        4 => Polygon::new(vec![(x - d, y - r), (x + d, y - r), (x, y + d)], style).into_dyn(),
        _ => Cross::new(c, d, style.stroke_width(2)).into_dyn(),
    }
}

/// A scatter chart.
#[derive(Clone, Debug, Default)]
pub struct Scatter {
    pub points: Vec<(f64, f64)>,
    /// Colour group of each point, and the group names (legend).
    pub colour: Vec<usize>,
    pub colour_names: Vec<String>,
    /// Marker group of each point and names; empty = all circles.
    pub marker: Vec<usize>,
    pub marker_names: Vec<String>,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// Marker radius in pixels.
    pub size: u32,
}

/// Indices of at most `max` of `n` items, drawn without replacement with `seed`, in order.
pub fn subsample(n: usize, max: usize, seed: u64) -> Vec<usize> {
    if n <= max {
        return (0..n).collect();
    }
    let mut idx = sample(&mut crate::tensor::create::rng(seed), n, max).into_vec();
    idx.sort_unstable();
    idx
}

impl Scatter {
    fn check(&self) -> Result<()> {
        let op = self.op();
        check_len(op, "colour groups", self.colour.len(), self.points.len())?;
        if !self.marker.is_empty() {
            check_len(op, "marker groups", self.marker.len(), self.points.len())?;
        }
        Ok(())
    }
}

impl Chart for Scatter {
    fn op(&self) -> &str {
        "plot::scatter"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        self.check()?;
        let op = self.op();
        let (_, h) = root.dim_in_pixel();
        let ls = label_size(h);
        let mut xr = range(self.points.iter().map(|p| p.0));
        // Room on the right for the legend, so it does not cover points.
        if !self.colour_names.is_empty() || !self.marker_names.is_empty() {
            xr.1 += (xr.1 - xr.0) * 0.25;
        }
        let yr = range(self.points.iter().map(|p| p.1));
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, title_font(h))
            .margin(12)
            .x_label_area_size(ls * 2.6)
            .y_label_area_size(ls * 3.6)
            .build_cartesian_2d(xr.0..xr.1, yr.0..yr.1)
            .map_err(drawing(op))?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(235, 235, 235))
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style((FONT, ls))
            .axis_desc_style((FONT, ls * 1.1))
            .draw()
            .map_err(drawing(op))?;
        let r = if self.size == 0 { 3 } else { self.size };
        let shape_of = |i: usize| self.marker.get(i).copied().unwrap_or(0);
        // One pass per marker shape (plotters needs one element type per series), in the order
        // of MARKERS; a seventh group takes the first shape again.
        let pts = |m: usize| {
            self.points
                .iter()
                .enumerate()
                .filter(move |&(i, _)| shape_of(i) % MARKERS == m)
                .map(|(i, &p)| (p, colour(self.colour[i]).mix(0.75).filled()))
        };
        for m in 0..MARKERS {
            chart
                .draw_series(
                    pts(m).map(|(p, s)| EmptyElement::at(p) + marker(m, (0, 0), r as i32, s)),
                )
                .map_err(drawing(op))?;
        }
        let legend_r = (ls / 2.5) as u32;
        // Coloured and shaped by the same grouping (t-SNE by modality): one legend entry per
        // group, in its colour and shape, instead of the names twice.
        let same = !self.marker.is_empty()
            && self.colour == self.marker
            && self.colour_names == self.marker_names;
        for (g, name) in self.colour_names.iter().enumerate().take(MAX_LEGEND) {
            let (c, m) = (colour(g), if same { g % MARKERS } else { 0 });
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), u32>>())
                .map_err(drawing(op))?
                .label(name)
                .legend(move |(x, y)| marker(m, (x + 6, y), legend_r as i32, c.filled()));
        }
        if !self.marker.is_empty() && !same {
            for (m, name) in self.marker_names.iter().enumerate() {
                let style = RGBColor(60, 60, 60).filled();
                chart
                    .draw_series(std::iter::empty::<Circle<(f64, f64), u32>>())
                    .map_err(drawing(op))?
                    .label(name)
                    .legend(move |(x, y)| marker(m % MARKERS, (x + 6, y), legend_r as i32, style));
            }
        }
        if !self.colour_names.is_empty() || !self.marker_names.is_empty() {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(160, 160, 160))
                .label_font((FONT, ls))
                .draw()
                .map_err(drawing(op))?;
        }
        Ok(())
    }
}
