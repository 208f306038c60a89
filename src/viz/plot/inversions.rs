//! Feature inversions (CMPlaces Figure 6): one row per modality of pairs — an input (image, card
//! of words, spectrogram) and beside it what the inverter draws from its features, as an image
//! of the modality it was trained on — with the input's category under each pair.

use super::grid::{size_for, tile_side, MARGIN};
use super::tiles::{self, Tile};
use super::Chart;
use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One modality: inputs, their reconstructions and categories.
#[derive(Clone, Debug)]
pub struct InversionRow {
    pub modality: String,
    pub inputs: Vec<Tile>,
    pub outputs: Vec<image::RgbImage>,
    pub categories: Vec<String>,
}

/// The figure.
#[derive(Clone, Debug, Default)]
pub struct Inversions {
    pub rows: Vec<InversionRow>,
    /// The modality the inverter draws (e.g. "nat").
    pub target: String,
    pub title: String,
    pub note: String,
}

const LEFT: f64 = 1.5;
const PAIR_GAP: f64 = 0.04;
const GAP: f64 = 0.25;
const HEAD: f64 = 0.26;
const CAPTION: f64 = 0.2;
const ROW_GAP: f64 = 0.18;
const TITLE: f64 = 0.42;
const NOTE: f64 = 0.45;

/// The label column: `LEFT` tiles, but room for about 12 characters of its font at least.
fn left_px(t: f64) -> f64 {
    (LEFT * t).max(8.0 * (t * 0.17).max(12.0))
}

impl Inversions {
    fn cols(&self) -> usize {
        self.rows.iter().map(|r| r.inputs.len()).max().unwrap_or(0)
    }

    /// Width right of the label column and height, in tiles: per row, `cols` pairs (input,
    /// reconstruction) side by side.
    fn extent(&self) -> (f64, f64) {
        let n = self.cols() as f64;
        let w = n * (2.0 + PAIR_GAP) + (n - 1.0).max(0.0) * GAP;
        let h = TITLE + HEAD + self.rows.len() as f64 * (1.0 + CAPTION + ROW_GAP) + NOTE;
        (w, h)
    }

    /// A size that gives tiles of `tile` pixels.
    pub fn size_for(&self, tile: u32) -> (u32, u32) {
        size_for(self.extent(), left_px, tile)
    }
}

impl Chart for Inversions {
    fn op(&self) -> &str {
        "plot::inversions"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let op = self.op();
        if self.rows.is_empty() || self.cols() == 0 {
            return Err(Error::invalid(op, "data", "nothing to draw: no inputs"));
        }
        for r in &self.rows {
            super::check_len(op, "reconstructions", r.outputs.len(), r.inputs.len())?;
        }
        let (pw, ph) = root.dim_in_pixel();
        let (ew, eh) = self.extent();
        let t = tile_side((pw as f64, ph as f64), ew, eh, left_px);
        let left = left_px(t);
        let ti = t as u32;
        let px = |u: f64| (u * t).round() as i32;
        let label_px = (t * 0.17).max(12.0);
        let cap_px = (t * 0.14).max(10.0);
        let grey = RGBColor(90, 90, 90);
        let x0 = MARGIN as i32;
        let mut y = MARGIN as i32;
        tiles::label(
            root,
            op,
            &self.title,
            (x0, y),
            pw - 2 * MARGIN as u32,
            (t * 0.25).max(16.0),
            &BLACK,
            true,
        )?;
        y += px(TITLE);
        let target = tiles::modality_title(&self.target);
        let pair_x = |j: usize| x0 + left as i32 + px(j as f64 * (2.0 + PAIR_GAP + GAP));
        for j in 0..self.cols() {
            let w = px(2.0 + PAIR_GAP) as u32;
            tiles::label(
                root,
                op,
                &format!("input → {target}"),
                (pair_x(j), y),
                w,
                cap_px,
                &grey,
                true,
            )?;
        }
        y += px(HEAD);
        for row in &self.rows {
            tiles::label(
                root,
                op,
                &tiles::modality_title(&row.modality),
                (x0, y + px(0.4)),
                (left - 0.1 * t) as u32,
                label_px,
                &BLACK,
                false,
            )?;
            for (j, (input, output)) in row.inputs.iter().zip(&row.outputs).enumerate() {
                let x = pair_x(j);
                let xo = x + px(1.0 + PAIR_GAP);
                tiles::draw(root, op, input, (x, y), (ti, ti), t * 0.14)?;
                tiles::draw(
                    root,
                    op,
                    &Tile::Image(output.clone()),
                    (xo, y),
                    (ti, ti),
                    t * 0.14,
                )?;
                tiles::frame(root, op, (xo, y), (ti, ti), &RGBColor(150, 150, 150), 1)?;
                if let Some(c) = row.categories.get(j) {
                    let w = px(2.0 + PAIR_GAP) as u32;
                    tiles::label(
                        root,
                        op,
                        &tiles::category_title(c),
                        (x, y + ti as i32 + 3),
                        w,
                        cap_px,
                        &RGBColor(50, 50, 50),
                        true,
                    )?;
                }
            }
            y += px(1.0 + CAPTION + ROW_GAP);
        }
        tiles::text_block(
            root,
            op,
            &self.note,
            (x0, y),
            (pw - 2 * MARGIN as u32, px(NOTE) as u32),
            cap_px,
            cap_px * 0.8,
            &RGBColor(60, 60, 60),
        )
    }
}

/// Images [n, 3, h, w] with values in [0, 1] as RGB pictures.
pub fn images_of(t: &candle_core::Tensor) -> Result<Vec<image::RgbImage>> {
    use crate::error::Context;
    let (n, c, h, w) = t.dims4().op("images")?;
    if c != 3 {
        return Err(Error::invalid(
            "images",
            "channels",
            format!("expected 3, got {c}"),
        ));
    }
    let v: Vec<f32> = t
        .to_dtype(candle_core::DType::F32)
        .and_then(|t| t.to_device(&candle_core::Device::Cpu))
        .and_then(|t| t.flatten_all())
        .and_then(|t| t.to_vec1())
        .op("images")?;
    Ok((0..n)
        .map(|i| {
            image::RgbImage::from_fn(w as u32, h as u32, |x, y| {
                let p = |ch: usize| {
                    let a = v[((i * 3 + ch) * h + y as usize) * w + x as usize];
                    (a.clamp(0.0, 1.0) * 255.0).round() as u8
                };
                image::Rgb([p(0), p(1), p(2)])
            })
        })
        .collect())
}

impl Inversions {
    /// Inputs of each modality of `ds` (`modalities`, default every modality of both the net and
    /// the data, the inverter's own first) and the inverter's reconstructions from `net`'s
    /// features: `per_modality` items each, drawn with `seed`.
    pub fn build(
        net: &crate::nn::CrossModalNet,
        inv: &crate::viz::inverter::Inverter,
        ds: &crate::data::Dataset,
        modalities: &[String],
        per_modality: usize,
        seed: u64,
        title: &str,
    ) -> Result<Inversions> {
        let op = "plot::inversions";
        if per_modality == 0 {
            return Err(Error::invalid(op, "per_modality", "must be at least 1"));
        }
        let mut mods = crate::viz::retrieve::shared_modalities(op, net, ds, modalities)?;
        if modalities.is_empty() {
            if let Some(p) = mods.iter().position(|m| *m == inv.modality) {
                let own = mods.remove(p);
                mods.insert(0, own);
            }
        }
        let mut rng = crate::tensor::create::rng(seed);
        let mut rows = vec![];
        for m in &mods {
            let n = ds.len_of(m)?;
            let mut pick = rand::seq::index::sample(&mut rng, n, per_modality.min(n)).into_vec();
            pick.sort_unstable();
            let x = crate::eval::extract::layer_of_rows(net, ds, m, &inv.layer, &pick)?;
            let out = images_of(&inv.invert(&x)?)?;
            let labels = ds.labels(m)?;
            rows.push(InversionRow {
                modality: m.clone(),
                inputs: pick
                    .iter()
                    .map(|&i| tiles::item(ds, m, i))
                    .collect::<Result<_>>()?,
                outputs: out,
                categories: pick.iter().map(|&i| ds.category_name(labels[i])).collect(),
            });
        }
        Ok(Inversions {
            rows,
            target: inv.modality.clone(),
            title: if title.is_empty() {
                format!(
                    "Inputs of every modality drawn as {} from their {} features",
                    tiles::modality_title(&inv.modality),
                    inv.layer
                )
            } else {
                title.to_string()
            },
            note: format!(
                "Decoder trained on {} only ({}×{} px, final MSE {:.4}; mean-image baseline {:.4}).",
                tiles::modality_title(&inv.modality),
                inv.size,
                inv.size,
                inv.final_loss(),
                inv.baseline
            ),
        })
    }
}
