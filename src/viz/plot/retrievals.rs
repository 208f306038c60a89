//! Retrieval examples (CMPlaces Figure 4): one row per query, the query on the left and its top-k
//! matches in each other modality to the right, one group per target modality. Every tile has its
//! category underneath (the query's in black, its modality above it); matches of the query's category get a thick bluish-green frame and a
//! tick, the others a vermillion frame and a cross (shape as well as colour, for colour-blind
//! readers). Texts are cards of words, sounds spectrograms ([`super::tiles`]).

use super::grid::{no_labels, size_for, tile_side, MARGIN};
use super::tiles::{self, Tile, RIGHT, WRONG};
use super::{drawing, Chart};
use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One retrieved item, ready to draw.
#[derive(Clone, Debug)]
pub struct Hit {
    pub tile: Tile,
    pub category: String,
    /// Same category as the query.
    pub correct: bool,
}

/// One query row.
#[derive(Clone, Debug)]
pub struct RetrievalRow {
    /// Modality name of the query.
    pub modality: String,
    pub query: Tile,
    pub category: String,
    /// (target modality, its matches best first).
    pub groups: Vec<(String, Vec<Hit>)>,
}

/// The figure.
#[derive(Clone, Debug, Default)]
pub struct Retrievals {
    pub rows: Vec<RetrievalRow>,
    pub title: String,
    /// A line under the grid (what the frames mean, which layer).
    pub note: String,
}

// Layout in units of the tile side T.
const GROUP_GAP: f64 = 0.35;
const TILE_GAP: f64 = 0.07;
const HEAD: f64 = 0.24;
const CAPTION: f64 = 0.2;
const ROW_GAP: f64 = 0.2;
const TITLE: f64 = 0.42;
const NOTE: f64 = 0.5;

impl Retrievals {
    fn shape(&self) -> (usize, usize) {
        let groups = self.rows.iter().map(|r| r.groups.len()).max().unwrap_or(0);
        let k = self
            .rows
            .iter()
            .flat_map(|r| r.groups.iter().map(|g| g.1.len()))
            .max()
            .unwrap_or(0);
        (groups, k)
    }

    /// Width and height in units of T (margins apart).
    fn extent(&self) -> (f64, f64) {
        let (g, k) = self.shape();
        let w = 1.0 + g as f64 * (GROUP_GAP + k as f64 + (k.max(1) - 1) as f64 * TILE_GAP);
        let h = TITLE + self.rows.len() as f64 * (HEAD + 1.0 + CAPTION + ROW_GAP) + NOTE;
        (w, h)
    }

    /// A size that gives tiles of `tile` pixels.
    pub fn size_for(&self, tile: u32) -> (u32, u32) {
        size_for(self.extent(), no_labels, tile)
    }
}

/// A tick or a cross in a white disc at the top-right corner of the cell.
pub fn badge<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    op: &str,
    pos: (i32, i32),
    side: u32,
    correct: bool,
) -> Result<()> {
    let r = ((side as f64) * 0.11).clamp(6.0, 14.0) as i32;
    let c = (pos.0 + side as i32 - r - 2, pos.1 + r + 2);
    let colour = if correct { RIGHT } else { WRONG };
    root.draw(&Circle::new(c, r as u32, WHITE.filled()))
        .map_err(drawing(op))?;
    root.draw(&Circle::new(c, r as u32, colour.stroke_width(2)))
        .map_err(drawing(op))?;
    let s = r as f64 * 0.55;
    let p = |x: f64, y: f64| (c.0 + x.round() as i32, c.1 + y.round() as i32);
    let style = colour.stroke_width(((r as f64) / 4.0).max(2.0) as u32);
    if correct {
        root.draw(&PathElement::new(
            vec![p(-s, 0.0), p(-s * 0.25, s * 0.7), p(s, -s * 0.7)],
            style,
        ))
        .map_err(drawing(op))?;
    } else {
        root.draw(&PathElement::new(vec![p(-s, -s), p(s, s)], style))
            .map_err(drawing(op))?;
        root.draw(&PathElement::new(vec![p(-s, s), p(s, -s)], style))
            .map_err(drawing(op))?;
    }
    Ok(())
}

impl Chart for Retrievals {
    fn op(&self) -> &str {
        "plot::retrievals"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let op = self.op();
        if self.rows.is_empty() {
            return Err(Error::invalid(op, "queries", "nothing to draw: no queries"));
        }
        let (pw, ph) = root.dim_in_pixel();
        let (ew, eh) = self.extent();
        let t = tile_side((pw as f64, ph as f64), ew, eh, no_labels);
        let ti = t as u32;
        let px = |u: f64| (u * t).round() as i32;
        let label_px = (t * 0.16).max(12.0);
        let cap_px = (t * 0.14).max(10.0);
        let title_px = (t * 0.24).max(16.0);
        let (_, k) = self.shape();
        let group_w = k as f64 + (k.max(1) - 1) as f64 * TILE_GAP;
        let x0 = MARGIN as i32;
        let mut y = MARGIN as i32;
        tiles::label(
            root,
            op,
            &self.title,
            (x0, y),
            pw - 2 * MARGIN as u32,
            title_px,
            &BLACK,
            true,
        )?;
        y += px(TITLE);
        for row in &self.rows {
            let top = y;
            let ty = top + px(HEAD);
            // The query.
            tiles::label(
                root,
                op,
                &tiles::modality_title(&row.modality),
                (x0, top),
                (t * (1.0 + GROUP_GAP * 0.9)) as u32,
                label_px,
                &BLACK,
                false,
            )?;
            tiles::draw(root, op, &row.query, (x0, ty), (ti, ti), t * 0.15)?;
            tiles::frame(root, op, (x0, ty), (ti, ti), &BLACK, 3)?;
            tiles::label(
                root,
                op,
                &row.category,
                (x0, ty + ti as i32 + 3),
                px(1.0 + GROUP_GAP * 0.9) as u32,
                cap_px,
                &BLACK,
                false,
            )?;
            for (g, (target, hits)) in row.groups.iter().enumerate() {
                let gx = x0 + px(1.0 + GROUP_GAP + g as f64 * (group_w + GROUP_GAP));
                tiles::label(
                    root,
                    op,
                    &format!("→ {}", tiles::modality_title(target)),
                    (gx, top),
                    px(group_w) as u32,
                    label_px,
                    &RGBColor(40, 40, 40),
                    false,
                )?;
                for (j, hit) in hits.iter().enumerate() {
                    let hx = gx + px(j as f64 * (1.0 + TILE_GAP));
                    tiles::draw(root, op, &hit.tile, (hx, ty), (ti, ti), t * 0.15)?;
                    let (colour, width) = if hit.correct { (RIGHT, 4) } else { (WRONG, 2) };
                    tiles::frame(root, op, (hx, ty), (ti, ti), &colour, width)?;
                    badge(root, op, (hx, ty), ti, hit.correct)?;
                    tiles::label(
                        root,
                        op,
                        &tiles::category_title(&hit.category),
                        (hx, ty + ti as i32 + 3),
                        ti,
                        cap_px,
                        &if hit.correct {
                            RGBColor(0, 110, 80)
                        } else {
                            WRONG
                        },
                        true,
                    )?;
                }
            }
            y = top + px(HEAD + 1.0 + CAPTION + ROW_GAP);
        }
        if !self.note.is_empty() {
            tiles::text_block(
                root,
                op,
                &self.note,
                (x0, y),
                (pw - 2 * MARGIN as u32, px(NOTE) as u32),
                label_px,
                cap_px,
                &RGBColor(60, 60, 60),
            )?;
        }
        Ok(())
    }
}

impl Retrievals {
    /// The figure of retrieval examples ([`crate::viz::retrieve::examples`]) on their data set.
    pub fn from_examples(
        examples: &[crate::viz::retrieve::Example],
        ds: &crate::data::Dataset,
        layer: &str,
        title: &str,
    ) -> Result<Retrievals> {
        let cat = |l: usize| ds.category_name(l);
        let mut rows = vec![];
        for e in examples {
            let mut groups = vec![];
            for (target, matches) in &e.targets {
                let hits = matches
                    .iter()
                    .map(|m| {
                        Ok(Hit {
                            tile: tiles::item(ds, target, m.item)?,
                            category: cat(m.label),
                            correct: m.label == e.label,
                        })
                    })
                    .collect::<Result<_>>()?;
                groups.push((target.clone(), hits));
            }
            rows.push(RetrievalRow {
                modality: e.modality.clone(),
                query: tiles::item(ds, &e.modality, e.item)?,
                category: tiles::category_title(&cat(e.label)),
                groups,
            });
        }
        let k = examples
            .iter()
            .flat_map(|e| e.targets.iter().map(|t| t.1.len()))
            .max()
            .unwrap_or(0);
        Ok(Retrievals {
            rows,
            title: if title.is_empty() {
                format!("Cross-modal retrieval: each query's top {k} in every other modality ({layer}, cosine)")
            } else {
                title.to_string()
            },
            note: "Left: the query (black frame). Thick bluish-green frame and tick: same category as the query; thin vermillion frame and cross: another category. Category under each tile.".into(),
        })
    }
}
