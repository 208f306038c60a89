//! Thumbnail scatter: small RGB images placed at embedded points (the t-SNE figure with the
//! inputs themselves: images, spectrograms for sounds, and for texts a word on a card). Each image
//! is resized to `thumb` pixels on its longer side and centred on its point; a word is written at
//! a readable size on a pale card; later thumbnails cover earlier ones.

use super::{check_len, drawing, label_size, range, title_font, Chart, FONT};
use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Points and one image each.
#[derive(Clone, Debug, Default)]
pub struct Thumbs {
    pub points: Vec<(f64, f64)>,
    pub images: Vec<image::RgbImage>,
    /// A word to draw instead of the image, per point (empty: images only).
    pub words: Vec<Option<String>>,
    pub title: String,
    /// Longer side of a drawn thumbnail, pixels (32).
    pub thumb: u32,
}

impl Chart for Thumbs {
    fn op(&self) -> &str {
        "plot::thumbnails"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let op = self.op();
        check_len(op, "images", self.images.len(), self.points.len())?;
        if !self.words.is_empty() {
            check_len(op, "words", self.words.len(), self.points.len())?;
        }
        if self.points.is_empty() {
            return Err(Error::invalid(op, "points", "nothing to draw"));
        }
        let (_, h) = root.dim_in_pixel();
        let ls = label_size(h);
        let xr = range(self.points.iter().map(|p| p.0));
        let yr = range(self.points.iter().map(|p| p.1));
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, title_font(h))
            .margin(12 + self.thumb / 2)
            .x_label_area_size(ls * 2.2)
            .y_label_area_size(ls * 3.6)
            .build_cartesian_2d(xr.0..xr.1, yr.0..yr.1)
            .map_err(drawing(op))?;
        chart
            .configure_mesh()
            .light_line_style(RGBColor(240, 240, 240))
            .label_style((FONT, ls))
            .draw()
            .map_err(drawing(op))?;
        let t = if self.thumb == 0 { 32 } else { self.thumb };
        let word_font = (FONT, (t as f64 * 0.42).max(11.0))
            .into_font()
            .color(&BLACK);
        for (i, (&p, img)) in self.points.iter().zip(&self.images).enumerate() {
            if let Some(Some(w)) = self.words.get(i) {
                let (tw, th) = root
                    .estimate_text_size(w, &word_font)
                    .map_err(drawing(op))?;
                let (hw, hh) = (tw as i32 / 2 + 3, th as i32 / 2 + 2);
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at(p)
                            + Rectangle::new([(-hw, -hh), (hw, hh)], super::tiles::CARD.filled())
                            + Rectangle::new(
                                [(-hw, -hh), (hw, hh)],
                                RGBColor(170, 160, 130).stroke_width(1),
                            )
                            + Text::new(w.clone(), (-hw + 3, -hh + 2), word_font.clone()),
                    ))
                    .map_err(drawing(op))?;
                continue;
            }
            let (w, hh) = img.dimensions();
            if w == 0 || hh == 0 {
                continue;
            }
            let s = t as f64 / w.max(hh) as f64;
            let (tw, th) = (
                ((w as f64 * s).round() as u32).max(1),
                ((hh as f64 * s).round() as u32).max(1),
            );
            let small = image::imageops::resize(img, tw, th, image::imageops::FilterType::Triangle);
            let bm = BitMapElement::with_owned_buffer(
                (-(tw as i32) / 2, -(th as i32) / 2),
                (tw, th),
                small.into_raw(),
            )
            .ok_or_else(|| Error::msg(format!("{op}: thumbnail buffer has the wrong size")))?;
            chart
                .draw_series(std::iter::once(EmptyElement::at(p) + bm))
                .map_err(drawing(op))?;
        }
        Ok(())
    }
}
