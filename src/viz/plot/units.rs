//! Unit visualisation (CMPlaces Figure 5): one row per unit, one column group per modality with
//! the unit's top-k inputs. Images show the receptive-field mask (outside dimmed, outline in
//! yellow), sounds their spectrograms, descriptions the tf-idf top words of the top texts on one
//! card. Under every tile its category, in bluish green when it is the unit's category; at the
//! left the unit, its category and its alignment score.

use super::grid::{size_for, tile_side, MARGIN};
use super::tiles::{self, Tile, RIGHT};
use super::{drawing, Chart};
use crate::error::{Error, Result};
use crate::viz::units::Units;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One modality's cell of a unit row.
#[derive(Clone, Debug)]
pub enum UnitGroup {
    /// Tiles with their category and whether it is the unit's.
    Tiles(Vec<(Tile, String, bool)>),
    /// Words (best first), and a caption (e.g. "4 of 5 in beach").
    Words(Vec<String>, String),
    /// The unit is silent in this modality.
    Silent,
}

/// One unit.
#[derive(Clone, Debug)]
pub struct UnitRow {
    pub title: String,
    /// Lines under the title (split at '\n').
    pub subtitle: String,
    pub groups: Vec<UnitGroup>,
}

/// The figure.
#[derive(Clone, Debug, Default)]
pub struct UnitsChart {
    /// Column group headers (modalities).
    pub headers: Vec<String>,
    pub rows: Vec<UnitRow>,
    /// Tiles per group.
    pub k: usize,
    pub title: String,
    pub note: String,
}

const LEFT: f64 = 1.9;
const GROUP_GAP: f64 = 0.3;
const TILE_GAP: f64 = 0.06;
const HEADER: f64 = 0.3;
const CAPTION: f64 = 0.2;
const ROW_GAP: f64 = 0.14;
const TITLE: f64 = 0.45;
const NOTE: f64 = 0.45;

/// The label column: `LEFT` tiles, but room for about 14 characters of its font at least.
fn left_px(t: f64) -> f64 {
    (LEFT * t).max(9.0 * (t * 0.2).max(12.0))
}

impl UnitsChart {
    /// The chart of a [`Units`] result: masks over images, words for texts.
    pub fn from_units(u: &Units, title: &str) -> Result<UnitsChart> {
        let mut rows = vec![];
        for unit in &u.units {
            let mut groups = vec![];
            for t in &unit.per_modality {
                if t.silent {
                    groups.push(UnitGroup::Silent);
                    continue;
                }
                let cat = |l: usize| {
                    tiles::category_title(
                        &u.categories
                            .get(l)
                            .cloned()
                            .unwrap_or_else(|| l.to_string()),
                    )
                };
                if !t.words.is_empty()
                    || u.data.kind(&t.modality)? == crate::data::ModalityKind::Text
                {
                    let hits = t.labels.iter().filter(|&&l| l == unit.category).count();
                    groups.push(UnitGroup::Words(
                        t.words.iter().map(|w| w.0.clone()).collect(),
                        format!(
                            "{hits} of {} in {}",
                            t.labels.len(),
                            tiles::category_title(&unit.category_name)
                        ),
                    ));
                    continue;
                }
                let mut cells = vec![];
                for (j, &item) in t.items.iter().enumerate() {
                    let mut tile = tiles::item(&u.data, &t.modality, item)?;
                    if let (Tile::Image(img), Some(Some(m))) = (&tile, t.masks.get(j)) {
                        tile = Tile::Image(tiles::overlay_mask(img, &m.pixels));
                    }
                    cells.push((tile, cat(t.labels[j]), t.labels[j] == unit.category));
                }
                groups.push(UnitGroup::Tiles(cells));
            }
            rows.push(UnitRow {
                title: format!("unit {}", unit.index),
                subtitle: format!(
                    "{}\nscore {:.2}",
                    tiles::category_title(&unit.category_name),
                    unit.score
                ),
                groups,
            });
        }
        let (c, gh, gw) = u.grid;
        Ok(UnitsChart {
            headers: u.modalities.iter().map(|m| tiles::modality_title(m)).collect(),
            rows,
            k: u.k,
            title: if title.is_empty() {
                format!("Top {} inputs per modality of {} units ({})", u.k, u.layer, if gh * gw > 1 { format!("{c} channels of {gh}×{gw}") } else { format!("{c} units") })
            } else {
                title.to_string()
            },
            note: format!(
                "Left: unit, its category and alignment score (mean over modalities of the fraction of the top {} in that category). Images: where the unit fires (its map above {:.0}% of its maximum, outlined); texts: tf-idf top words of the top descriptions.",
                u.k,
                u.threshold * 100.0
            ),
        })
    }

    fn groups(&self) -> usize {
        self.headers.len()
    }

    fn group_w(&self) -> f64 {
        self.k as f64 + (self.k.max(1) - 1) as f64 * TILE_GAP
    }

    fn extent(&self) -> (f64, f64) {
        let w = self.groups() as f64 * (self.group_w() + GROUP_GAP);
        let h = TITLE + HEADER + self.rows.len() as f64 * (1.0 + CAPTION + ROW_GAP) + NOTE;
        (w, h)
    }

    /// A size that gives tiles of `tile` pixels.
    pub fn size_for(&self, tile: u32) -> (u32, u32) {
        size_for(self.extent(), left_px, tile)
    }
}

impl Chart for UnitsChart {
    fn op(&self) -> &str {
        "plot::units"
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let op = self.op();
        if self.rows.is_empty() || self.k == 0 {
            return Err(Error::invalid(op, "units", "nothing to draw: no units"));
        }
        let (pw, ph) = root.dim_in_pixel();
        let (ew, eh) = self.extent();
        let t = tile_side((pw as f64, ph as f64), ew, eh, left_px);
        let left = left_px(t);
        let ti = t as u32;
        let px = |u: f64| (u * t).round() as i32;
        let label_px = (t * 0.2).max(12.0);
        let cap_px = (t * 0.16).max(10.0);
        let x0 = MARGIN as i32;
        let mut y = MARGIN as i32;
        tiles::label(
            root,
            op,
            &self.title,
            (x0, y),
            pw - 2 * MARGIN as u32,
            (t * 0.28).max(16.0),
            &BLACK,
            true,
        )?;
        y += px(TITLE);
        let gx = |g: usize| x0 + left as i32 + px(g as f64 * (self.group_w() + GROUP_GAP));
        for (g, h) in self.headers.iter().enumerate() {
            tiles::label(
                root,
                op,
                h,
                (gx(g), y),
                px(self.group_w()) as u32,
                label_px,
                &BLACK,
                true,
            )?;
        }
        y += px(HEADER);
        for row in &self.rows {
            tiles::label(
                root,
                op,
                &row.title,
                (x0, y + px(0.12)),
                (left - 0.15 * t) as u32,
                label_px * 1.1,
                &BLACK,
                false,
            )?;
            for (i, line) in row.subtitle.lines().enumerate() {
                tiles::label(
                    root,
                    op,
                    line,
                    (x0, y + px(0.45 + 0.25 * i as f64)),
                    (left - 0.15 * t) as u32,
                    label_px,
                    &RGBColor(60, 60, 60),
                    false,
                )?;
            }
            for (g, group) in row.groups.iter().enumerate().take(self.groups()) {
                let x = gx(g);
                match group {
                    UnitGroup::Silent => {
                        tiles::label(
                            root,
                            op,
                            "(silent)",
                            (x, y + px(0.4)),
                            px(self.group_w()) as u32,
                            label_px,
                            &RGBColor(120, 120, 120),
                            true,
                        )?;
                    }
                    UnitGroup::Words(words, caption) => {
                        let text = if words.is_empty() {
                            "(no words)".to_string()
                        } else {
                            words.join("  ")
                        };
                        tiles::draw(
                            root,
                            op,
                            &Tile::Text(text),
                            (x, y),
                            (px(self.group_w()) as u32, ti),
                            t * 0.24,
                        )?;
                        tiles::label(
                            root,
                            op,
                            caption,
                            (x, y + ti as i32 + 3),
                            px(self.group_w()) as u32,
                            cap_px,
                            &RGBColor(60, 60, 60),
                            true,
                        )?;
                    }
                    UnitGroup::Tiles(cells) => {
                        for (j, (tile, cat, hit)) in cells.iter().enumerate().take(self.k) {
                            let cx = x + px(j as f64 * (1.0 + TILE_GAP));
                            tiles::draw(root, op, tile, (cx, y), (ti, ti), t * 0.15)?;
                            let colour = if *hit {
                                RGBColor(0, 110, 80)
                            } else {
                                RGBColor(110, 110, 110)
                            };
                            tiles::label(
                                root,
                                op,
                                cat,
                                (cx, y + ti as i32 + 3),
                                ti,
                                cap_px,
                                &colour,
                                true,
                            )?;
                            if *hit {
                                root.draw(&Rectangle::new(
                                    [(cx, y + ti as i32), (cx + ti as i32, y + ti as i32 + 2)],
                                    RIGHT.filled(),
                                ))
                                .map_err(drawing(op))?;
                            }
                        }
                    }
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
        )?;
        Ok(())
    }
}
