//! Charts as PNG or SVG, chosen by the file extension, with the embedded DejaVu Sans font (no
//! system font needed) and a colour-blind-safe palette (Okabe–Ito, then Paul Tol's "muted").
//!
//! Each chart kind is a struct in its own file implementing [`Chart`]; [`save`] draws it to a
//! temporary file beside the target and renames it, so a reader never sees half a picture. PNG
//! goes through plotters' `BitMapBackend::with_buffer` and is encoded by the `image` crate; SVG
//! through `SVGBackend` wrapped by [`svg::SvgImages`], so thumbnails are embedded PNGs.
//!
//! Figures of inputs (the papers' Figures 4–6) draw dataset items as [`tiles`]: images, words on
//! a card, spectrograms.

pub mod bar;
pub mod curves;
pub mod grid;
pub mod heatmap;
pub mod hist;
pub mod inversions;
pub mod line;
pub mod retrievals;
pub mod scatter;
pub mod svg;
pub mod thumbs;
pub mod tiles;
pub mod units;

use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

/// The font family every chart uses; registered from [`crate::assets::FONT_TTF`].
pub const FONT: &str = "sans-serif";

/// Okabe–Ito (8, black last moved to grey) followed by Tol's muted scheme (9).
pub const PALETTE: [RGBColor; 17] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(240, 228, 66),  // yellow
    RGBColor(90, 90, 90),    // dark grey
    RGBColor(51, 34, 136),   // indigo
    RGBColor(136, 204, 238), // cyan
    RGBColor(68, 170, 153),  // teal
    RGBColor(17, 119, 51),   // green
    RGBColor(153, 153, 51),  // olive
    RGBColor(221, 204, 119), // sand
    RGBColor(204, 102, 119), // rose
    RGBColor(136, 34, 85),   // wine
    RGBColor(170, 68, 153),  // purple
];

/// The colour of group `i` (cycles after 17).
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Output format from a path's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
}

impl Format {
    /// `.png` or `.svg` (any case); anything else is an error naming the path.
    pub fn of(op: &str, path: &Path) -> Result<Format> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            _ => Err(Error::invalid(
                op,
                "path",
                format!(
                    "'{}' must end in .png or .svg (the extension picks the format)",
                    path.display()
                ),
            )),
        }
    }
}

/// Something drawable on any plotters backend.
pub trait Chart {
    /// The operation name, for error messages (`plot::scatter`).
    fn op(&self) -> &str;
    /// Draw on a white root area.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>;
}

/// Register the embedded font once for every style plotters may ask for.
pub fn ensure_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for style in [
            FontStyle::Normal,
            FontStyle::Bold,
            FontStyle::Italic,
            FontStyle::Oblique,
        ] {
            // The font is embedded and known to parse; a failure would show as missing text.
            let _ = plotters::style::register_font(FONT, style, crate::assets::FONT_TTF);
        }
    });
}

/// A plotters error as ours, naming the operation.
pub fn drawing<E: std::fmt::Debug>(op: &str) -> impl Fn(E) -> Error + '_ {
    move |e| Error::msg(format!("{op}: drawing failed: {e:?}"))
}

/// The largest width or height of a picture, in pixels (a 16384×16384 PNG takes 768 MiB to draw).
pub const MAX_SIDE: u32 = 16384;

/// Draw `chart` at `size` (pixels) to `path` (.png or .svg), via a temporary file and a rename.
pub fn save<C: Chart>(chart: &C, path: impl AsRef<Path>, size: (u32, u32)) -> Result<()> {
    let path = path.as_ref();
    let op = chart.op();
    let format = Format::of(op, path)?;
    let side = 64..=MAX_SIDE;
    if !side.contains(&size.0) || !side.contains(&size.1) {
        return Err(Error::invalid(
            op,
            "size",
            format!(
                "width and height must be from 64 to {MAX_SIDE} pixels, got {}×{}",
                size.0, size.1
            ),
        ));
    }
    ensure_font();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::file(op, dir, e))?;
    }
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("plot");
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let bytes = render(chart, format, size)?;
    std::fs::write(&tmp, bytes).map_err(|e| Error::file(op, &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::file(op, path, e)
    })
}

/// The encoded file contents of `chart` in `format`.
pub fn render<C: Chart>(chart: &C, format: Format, size: (u32, u32)) -> Result<Vec<u8>> {
    ensure_font();
    let op = chart.op();
    match format {
        Format::Svg => {
            // Bitmaps (thumbnails) become one embedded PNG each, not a <rect> per pixel.
            let mut s = String::new();
            let images = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
            {
                let backend =
                    svg::SvgImages::new(SVGBackend::with_string(&mut s, size), images.clone());
                let root = backend.into_drawing_area();
                root.fill(&WHITE).map_err(drawing(op))?;
                chart.draw(&root)?;
                root.present().map_err(drawing(op))?;
            }
            let images = images.borrow();
            Ok(if images.is_empty() {
                s
            } else {
                svg::embed(&s, &images)
            }
            .into_bytes())
        }
        Format::Png => {
            let mut buf = vec![0u8; size.0 as usize * size.1 as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut buf, size).into_drawing_area();
                root.fill(&WHITE).map_err(drawing(op))?;
                chart.draw(&root)?;
                root.present().map_err(drawing(op))?;
            }
            let img = image::RgbImage::from_raw(size.0, size.1, buf)
                .ok_or_else(|| Error::msg(format!("{op}: PNG buffer has the wrong size")))?;
            let mut out = std::io::Cursor::new(Vec::new());
            img.write_to(&mut out, image::ImageFormat::Png)
                .map_err(|e| Error::msg(format!("{op}: PNG encoding failed: {e}")))?;
            Ok(out.into_inner())
        }
    }
}

/// Text styles at slide size, scaled with the picture height.
pub fn title_font(h: u32) -> TextStyle<'static> {
    (FONT, (h as f64 / 22.0).max(14.0))
        .into_font()
        .color(&BLACK)
}

/// Axis label / legend font size for a picture of height `h`.
pub fn label_size(h: u32) -> f64 {
    (h as f64 / 34.0).max(11.0)
}

/// A padded [lo, hi] range covering `values` (a unit range around a constant).
pub fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        return (lo - 0.5, hi + 0.5);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}

/// Check that a series of labels matches a count.
pub fn check_len(op: &str, what: &str, got: usize, want: usize) -> Result<()> {
    if got != want {
        return Err(Error::invalid(
            op,
            what,
            format!("expected {want} entries, got {got}"),
        ));
    }
    Ok(())
}
