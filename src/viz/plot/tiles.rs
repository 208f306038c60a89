//! Dataset items as tiles for the figures of inputs (retrieval examples, units, inversions): an
//! image as itself, a description as words on a pale card (wrapped, shrunk to fit, cut with "…"),
//! a sound as its log-mel spectrogram (viridis, low bands at the bottom), precomputed features as
//! a short label. Also the mask overlay of unit visualisations and framed, captioned cells.

use super::{drawing, FONT};
use crate::data::{Dataset, ModalityKind, Store};
use crate::error::{Context, Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Something to draw in a cell.
#[derive(Clone, Debug)]
pub enum Tile {
    /// An RGB picture, scaled to fit its cell.
    Image(image::RgbImage),
    /// Words on a card, wrapped to the cell.
    Text(String),
}

/// The background of a text card.
pub const CARD: RGBColor = RGBColor(250, 246, 232);

/// Okabe–Ito bluish green and vermillion: the marks of a correct and a wrong match.
pub const RIGHT: RGBColor = RGBColor(0, 158, 115);
pub const WRONG: RGBColor = RGBColor(213, 94, 0);

/// A readable name of a SynthPlaces / CMPlaces modality (the name itself for others).
pub fn modality_title(m: &str) -> String {
    match m {
        "nat" => "natural images",
        "clp" => "clip art",
        "ldr" => "line drawings",
        "spt" => "spatial text",
        "dsc" => "descriptions",
        "snd" => "sounds",
        other => other,
    }
    .to_string()
}

/// A category name as shown under a tile: underscores as spaces (`forest_path` → `forest path`).
pub fn category_title(c: &str) -> String {
    c.replace('_', " ")
}

/// A viridis-like ramp from dark blue through green to yellow, `t` in 0..1.
pub fn viridis(t: f32) -> [u8; 3] {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let stops = [
        [68.0, 1.0, 84.0],
        [59.0, 82.0, 139.0],
        [33.0, 145.0, 140.0],
        [94.0, 201.0, 98.0],
        [253.0, 231.0, 37.0],
    ];
    let x = t * 4.0;
    let i = (x.floor() as usize).min(3);
    let f = x - i as f32;
    [0, 1, 2].map(|k| (stops[i][k] * (1.0 - f) + stops[i + 1][k] * f).round() as u8)
}

/// A `mels`×`frames` spectrogram (row-major, mel band first) as a picture `frames` wide and
/// `mels` high, low bands at the bottom, scaled from its own minimum to its maximum.
pub fn spectrogram(values: &[f32], mels: usize, frames: usize) -> image::RgbImage {
    let (lo, hi) = values
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    let span = (hi - lo).max(1e-6);
    image::RgbImage::from_fn(frames as u32, mels as u32, |x, y| {
        let band = mels - 1 - y as usize;
        let v = values
            .get(band * frames + x as usize)
            .copied()
            .unwrap_or(lo);
        image::Rgb(viridis((v - lo) / span))
    })
}

/// The tile of item `i` of `modality`.
pub fn item(ds: &Dataset, modality: &str, i: usize) -> Result<Tile> {
    ds.check_item("plot tile", modality, i)?;
    Ok(match ds.store(modality)? {
        Store::Images { .. } => Tile::Image(ds.picture(modality, i)?),
        Store::Texts(d) => Tile::Text(d[i].to_string()),
        Store::Sounds { .. } => sound_tile(ds, modality, i)?,
        // A folder loaded with `lazy: true` holds images or sounds (texts are read at load);
        // the file is decoded now, once.
        Store::Lazy(lazy) if lazy.kind() == ModalityKind::Image => {
            Tile::Image(ds.picture(modality, i)?)
        }
        Store::Lazy(_) => sound_tile(ds, modality, i)?,
        Store::Features { dim, .. } => Tile::Text(format!("{modality} #{i} ({dim}-d features)")),
    })
}

/// A sound as the spectrogram tile of its log-mel input.
fn sound_tile(ds: &Dataset, modality: &str, i: usize) -> Result<Tile> {
    let op = "plot tile";
    let t = ds.inputs(modality, &[i], &candle_core::Device::Cpu)?;
    let (_, mels, frames) = t.dims3().op(op)?;
    let v: Vec<f32> = t.flatten_all().and_then(|t| t.to_vec1()).op(op)?;
    Ok(Tile::Image(spectrogram(&v, mels, frames)))
}

/// `img` with the region outside `mask` (one flag per pixel, row-major) dimmed towards grey and
/// the mask's outline drawn in yellow: the segmentation view of Zhou et al.
pub fn overlay_mask(img: &image::RgbImage, mask: &[bool]) -> image::RgbImage {
    let (w, h) = img.dimensions();
    let (wu, hu) = (w as usize, h as usize);
    if mask.len() != wu * hu {
        return img.clone();
    }
    let inside = |x: i64, y: i64| {
        x >= 0
            && y >= 0
            && (x as usize) < wu
            && (y as usize) < hu
            && mask[y as usize * wu + x as usize]
    };
    image::RgbImage::from_fn(w, h, |x, y| {
        let p = img.get_pixel(x, y).0;
        let (xi, yi) = (x as i64, y as i64);
        if inside(xi, yi) {
            let edge = !(inside(xi - 1, yi)
                && inside(xi + 1, yi)
                && inside(xi, yi - 1)
                && inside(xi, yi + 1));
            if edge {
                image::Rgb([240, 228, 66])
            } else {
                image::Rgb(p)
            }
        } else {
            image::Rgb(p.map(|c| (c as f32 * 0.3 + 70.0).round() as u8))
        }
    })
}

/// Lines of at most `width` pixels at `font`, breaking at spaces (a word longer than a line
/// gets a line of its own).
pub fn wrap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    width: u32,
    font: &TextStyle,
) -> Vec<String> {
    let fits = |s: &str| {
        root.estimate_text_size(s, font)
            .map(|(w, _)| w <= width)
            .unwrap_or(true)
    };
    let mut lines = vec![];
    let mut cur = String::new();
    for word in text.split_whitespace() {
        let trial = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if cur.is_empty() || fits(&trial) {
            cur = trial;
        } else {
            lines.push(std::mem::take(&mut cur));
            cur = word.to_string();
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Write `text` in the box at `pos` of `size`, wrapped, at the largest font size from `max_px`
/// down to `min_px` at which it fits; at `min_px` what does not fit is cut and ends in "…".
#[allow(clippy::too_many_arguments)]
pub fn text_block<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    op: &str,
    text: &str,
    pos: (i32, i32),
    size: (u32, u32),
    max_px: f64,
    min_px: f64,
    colour: &RGBColor,
) -> Result<()> {
    let mut px = max_px.max(min_px);
    loop {
        let font = (FONT, px).into_font().color(colour);
        let line_h = (px * 1.2).ceil() as u32;
        let mut lines = wrap(root, text, size.0, &font);
        let room = (size.1 / line_h.max(1)) as usize;
        if lines.len() <= room || px <= min_px {
            if lines.len() > room {
                lines.truncate(room.max(1));
                if let Some(last) = lines.last_mut() {
                    // Cut characters until "…" fits.
                    let mut s = last.clone();
                    loop {
                        let t = format!("{s}…");
                        let w = root.estimate_text_size(&t, &font).map(|s| s.0).unwrap_or(0);
                        if w <= size.0 || s.is_empty() {
                            *last = t;
                            break;
                        }
                        s.pop();
                    }
                }
            }
            for (k, l) in lines.iter().enumerate() {
                root.draw(&Text::new(
                    l.clone(),
                    (pos.0, pos.1 + (k as u32 * line_h) as i32),
                    font.clone(),
                ))
                .map_err(drawing(op))?;
            }
            return Ok(());
        }
        px = (px - 1.0).max(min_px);
    }
}

/// Draw `tile` into the cell at `pos` of `size` (pixels of `root`). Images are scaled to fit
/// and centred; text goes on a card with `font_px` as the largest font size.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    op: &str,
    tile: &Tile,
    pos: (i32, i32),
    size: (u32, u32),
    font_px: f64,
) -> Result<()> {
    let (w, h) = size;
    if w < 2 || h < 2 {
        return Ok(());
    }
    match tile {
        Tile::Image(img) => {
            let (iw, ih) = img.dimensions();
            if iw == 0 || ih == 0 {
                return Ok(());
            }
            let s = (w as f64 / iw as f64).min(h as f64 / ih as f64);
            let (tw, th) = (
                ((iw as f64 * s).round() as u32).clamp(1, w),
                ((ih as f64 * s).round() as u32).clamp(1, h),
            );
            let filter = if s > 1.0 {
                image::imageops::FilterType::CatmullRom
            } else {
                image::imageops::FilterType::Triangle
            };
            let small = if (tw, th) == (iw, ih) {
                img.clone()
            } else {
                image::imageops::resize(img, tw, th, filter)
            };
            let at = (pos.0 + ((w - tw) / 2) as i32, pos.1 + ((h - th) / 2) as i32);
            let bm = BitMapElement::with_owned_buffer(at, (tw, th), small.into_raw())
                .ok_or_else(|| Error::msg(format!("{op}: tile buffer has the wrong size")))?;
            root.draw(&bm).map_err(drawing(op))
        }
        Tile::Text(t) => {
            root.draw(&Rectangle::new(
                [pos, (pos.0 + w as i32, pos.1 + h as i32)],
                CARD.filled(),
            ))
            .map_err(drawing(op))?;
            root.draw(&Rectangle::new(
                [pos, (pos.0 + w as i32, pos.1 + h as i32)],
                RGBColor(200, 190, 160).stroke_width(1),
            ))
            .map_err(drawing(op))?;
            let pad = ((w.min(h) as f64) * 0.05).clamp(2.0, 8.0) as i32;
            text_block(
                root,
                op,
                t,
                (pos.0 + pad, pos.1 + pad),
                (
                    w.saturating_sub(2 * pad as u32),
                    h.saturating_sub(2 * pad as u32),
                ),
                font_px,
                (font_px * 0.72).max(9.0),
                &BLACK,
            )
        }
    }
}

/// A rectangular frame `width` pixels thick just outside the cell at `pos` of `size`.
pub fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    op: &str,
    pos: (i32, i32),
    size: (u32, u32),
    colour: &RGBColor,
    width: u32,
) -> Result<()> {
    for k in 1..=width as i32 {
        root.draw(&Rectangle::new(
            [
                (pos.0 - k, pos.1 - k),
                (pos.0 + size.0 as i32 + k - 1, pos.1 + size.1 as i32 + k - 1),
            ],
            colour.stroke_width(1),
        ))
        .map_err(drawing(op))?;
    }
    Ok(())
}

/// A one-line label at `pos` (top-left), shortened with "…" to `width` pixels.
#[allow(clippy::too_many_arguments)]
pub fn label<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    op: &str,
    text: &str,
    pos: (i32, i32),
    width: u32,
    px: f64,
    colour: &RGBColor,
    centred: bool,
) -> Result<()> {
    let font = (FONT, px).into_font().color(colour);
    let measure = |s: &str| root.estimate_text_size(s, &font).map(|s| s.0).unwrap_or(0);
    let mut s = text.to_string();
    if measure(&s) > width {
        while !s.is_empty() && measure(&format!("{s}…")) > width {
            s.pop();
        }
        s.push('…');
    }
    let x = if centred {
        pos.0 + (width.saturating_sub(measure(&s)) / 2) as i32
    } else {
        pos.0
    };
    root.draw(&Text::new(s, (x, pos.1), font))
        .map_err(drawing(op))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spectrogram_puts_low_bands_at_the_bottom() {
        // Band 0 loud, band 1 quiet: the bottom row is the bright end of the ramp.
        let img = spectrogram(&[1.0, 1.0, 0.0, 0.0], 2, 2);
        assert_eq!(img.get_pixel(0, 1).0, viridis(1.0));
        assert_eq!(img.get_pixel(0, 0).0, viridis(0.0));
    }

    #[test]
    fn mask_overlay_dims_outside_and_outlines_inside() {
        let img = image::RgbImage::from_pixel(5, 5, image::Rgb([200, 200, 200]));
        let mut mask = vec![false; 25];
        for y in 1..4 {
            for x in 1..4 {
                mask[y * 5 + x] = true;
            }
        }
        let o = overlay_mask(&img, &mask);
        assert_eq!(o.get_pixel(2, 2).0, [200, 200, 200], "interior kept");
        assert_eq!(o.get_pixel(1, 1).0, [240, 228, 66], "outline");
        assert!(o.get_pixel(0, 0).0[0] < 150, "outside dimmed");
    }
}
