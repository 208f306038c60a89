//! Which inputs make a unit fire, in every modality (CMPlaces Figure 5; the method of Zhou et al.,
//! "Object detectors emerge in deep scene CNNs", ICLR 2015).
//!
//! A *unit* of `pool5` is a channel: its activation on an input is the maximum over the
//! channel's spatial positions (pool5 of scene-net-s is 128 channels × 4×4, of alexnet 256 × 6×6).
//! Encoders without space (the text MLP, the sound CNN) also emit a flat pool5 vector that the
//! shared trunk reads exactly as an image's, so their element `c·S + s` plays the part of channel
//! `c` at position `s` and the same maximum is taken. A unit of `fc6`, `fc7` or `logits` is one
//! element. Features come from [`crate::eval::extract::features`], as for retrieval.
//!
//! For each unit and modality the `k` items with the highest activation are kept (ties broken by
//! a seeded random order, so a data set sorted by category cannot fake an alignment). Images of a
//! spatial layer also get a receptive-field mask: the unit's activation map on that image,
//! upsampled bilinearly to the image and thresholded at `threshold` × its maximum (the argmax
//! position is kept too). Descriptions get the tf-idf top words of their top-k texts ([`Tfidf`]).
//!
//! Alignment: the unit's *category* is the most frequent label among the top-k items of all
//! modalities pooled (ties: the larger rank-weighted count, weight k − position, then the lower
//! label). A modality's *purity* is the fraction of its top-k in that category (0 when the unit
//! is silent there: the same activation on every item). The unit's *score* is the mean purity
//! over modalities (1 = every top item of every modality shows the category; about 1/categories
//! by chance) and its *agreement* the fraction of modalities whose own majority is the category.
//! Asked for a count, [`top_units`] ranks every unit by score, then agreement, then index.

use crate::data::{text, Dataset, ModalityKind, Store};
use crate::error::{Context, Error, Result};
use crate::nn::{CrossModalNet, EncoderSpec, PixelArch};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Which units to show.
#[derive(Clone, Debug, PartialEq)]
pub enum UnitPick {
    /// These units, in this order.
    List(Vec<usize>),
    /// The this-many most aligned units (highest score first).
    Count(usize),
}

/// Options of [`top_units`].
#[derive(Clone, Debug)]
pub struct UnitOpts {
    /// Layer: "pool5" (default), "fc6", "fc7" or "logits".
    pub layer: String,
    /// Units to show (default: the 8 most aligned).
    pub units: UnitPick,
    /// Top items per modality (default 5).
    pub k: usize,
    /// Modalities (default: every modality that both the net and the data have).
    pub modalities: Vec<String>,
    /// Seed of the tie-breaking order (default 0).
    pub seed: u64,
    /// Mask threshold as a fraction of the activation map's maximum (default 0.5).
    pub threshold: f64,
    /// tf-idf words per text modality (default 6).
    pub words: usize,
    /// Items per forward pass (default 128).
    pub batch: usize,
}

impl Default for UnitOpts {
    fn default() -> Self {
        UnitOpts {
            layer: "pool5".into(),
            units: UnitPick::Count(8),
            k: 5,
            modalities: vec![],
            seed: 0,
            threshold: 0.5,
            words: 6,
            batch: 128,
        }
    }
}

/// A receptive-field mask over one image.
#[derive(Clone, Debug, Serialize)]
pub struct Mask {
    /// Image size in pixels.
    pub width: usize,
    pub height: usize,
    /// Row and column of the maximum in the activation map.
    pub argmax: (usize, usize),
    /// Rows and columns of the activation map.
    pub grid: (usize, usize),
    /// One flag per pixel, row-major: inside the thresholded, upsampled map.
    #[serde(skip)]
    pub pixels: Vec<bool>,
}

/// A unit's top items in one modality.
#[derive(Clone, Debug, Serialize)]
pub struct TopItems {
    pub modality: String,
    /// Item indices in the data set's modality, highest activation first.
    pub items: Vec<usize>,
    pub activations: Vec<f64>,
    pub labels: Vec<usize>,
    /// The most frequent label of the top items (none when silent).
    pub majority: Option<usize>,
    /// Fraction of the top items in the unit's category.
    pub purity: f64,
    /// The unit has the same activation on every item of this modality.
    pub silent: bool,
    /// Receptive-field masks (images of a spatial layer only), one per item.
    pub masks: Vec<Option<Mask>>,
    /// tf-idf top words of the top descriptions (text modalities only), with their scores.
    pub words: Vec<(String, f64)>,
}

/// One unit.
#[derive(Clone, Debug, Serialize)]
pub struct Unit {
    pub index: usize,
    pub category: usize,
    pub category_name: String,
    pub score: f64,
    pub agreement: f64,
    pub per_modality: Vec<TopItems>,
}

/// The result of [`top_units`]: the units, and the data they were measured on (for drawing).
#[derive(Clone, Debug)]
pub struct Units {
    pub layer: String,
    pub k: usize,
    pub categories: Vec<String>,
    pub modalities: Vec<String>,
    /// Channels, rows, columns of the layer (rows = columns = 1 without space).
    pub grid: (usize, usize, usize),
    /// The mask threshold (fraction of the activation map's maximum).
    pub threshold: f64,
    pub units: Vec<Unit>,
    /// The data (only the shown modalities).
    pub data: Dataset,
}

#[derive(Serialize)]
struct UnitsJson<'a> {
    layer: &'a str,
    k: usize,
    categories: &'a [String],
    modalities: &'a [String],
    grid: (usize, usize, usize),
    threshold: f64,
    units: &'a [Unit],
}

impl Units {
    /// JSON of everything but the mask pixels and the data.
    pub fn to_json_string(&self) -> Result<String> {
        serde_json::to_string_pretty(&UnitsJson {
            layer: &self.layer,
            k: self.k,
            categories: &self.categories,
            modalities: &self.modalities,
            grid: self.grid,
            threshold: self.threshold,
            units: &self.units,
        })
        .map_err(|e| Error::msg(format!("units.to_json: {e}")))
    }

    /// The unit indices shown.
    pub fn indices(&self) -> Vec<usize> {
        self.units.iter().map(|u| u.index).collect()
    }
}

/// Words that say nothing about a scene, besides every word of at most two letters: function
/// words, and the positions and filler phrases that descriptions share across categories
/// ("on the left", "in the background", "someone took this photo in a hurry").
const STOP: &[&str] = &[
    "the",
    "and",
    "there",
    "this",
    "that",
    "these",
    "those",
    "with",
    "from",
    "for",
    "are",
    "was",
    "were",
    "has",
    "have",
    "had",
    "its",
    "you",
    "your",
    "can",
    "could",
    "would",
    "will",
    "seen",
    "see",
    "near",
    "into",
    "onto",
    "some",
    "one",
    "looks",
    "look",
    "like",
    "which",
    "while",
    "what",
    "who",
    "also",
    "very",
    "much",
    "not",
    "but",
    "then",
    "than",
    "been",
    "being",
    "they",
    "them",
    "their",
    "here",
    "where",
    "when",
    "again",
    "seems",
    "seem",
    "little",
    "fine",
    "left",
    "right",
    "middle",
    "center",
    "centre",
    "background",
    "foreground",
    "top",
    "bottom",
    "front",
    "behind",
    "next",
    "side",
    "above",
    "below",
    "picture",
    "photo",
    "photograph",
    "image",
    "scene",
    "view",
    "taken",
    "took",
    "someone",
    "hurry",
    "ago",
    "notice",
    "nothing",
    "happening",
    "ordinary",
    "day",
    "place",
    "visit",
    "slightly",
    "blurry",
    "faded",
    "colours",
    "colors",
    "soft",
    "even",
    "quiet",
    "weather",
];

/// tf-idf over a corpus: idf(w) = ln(N / df(w)) with df the number of documents holding w;
/// the score of w for a selection of documents is (count of w in them) × idf(w). Words are
/// lower-case alphanumeric runs ([`text::words`]) of three letters or more, stop words and
/// numbers dropped.
#[derive(Clone, Debug)]
pub struct Tfidf {
    docs: Vec<Vec<String>>,
    df: HashMap<String, usize>,
}

impl Tfidf {
    /// The document frequencies of `corpus`.
    pub fn new<S: AsRef<str>>(corpus: &[S]) -> Tfidf {
        let docs: Vec<Vec<String>> = corpus
            .iter()
            .map(|d| {
                text::words(d.as_ref())
                    .into_iter()
                    .filter(|w| {
                        w.chars().count() > 2
                            && !STOP.contains(&w.as_str())
                            && !w.chars().all(|c| c.is_ascii_digit())
                    })
                    .collect()
            })
            .collect();
        let mut df = HashMap::new();
        for d in &docs {
            for w in d.iter().collect::<HashSet<_>>() {
                *df.entry(w.clone()).or_insert(0) += 1;
            }
        }
        Tfidf { docs, df }
    }

    /// The `n` best words of documents `sel` (indices into the corpus), best first; ties by
    /// word. Words in every document (idf 0) are left out.
    pub fn top(&self, sel: &[usize], n: usize) -> Vec<(String, f64)> {
        let total = self.docs.len() as f64;
        let mut tf: HashMap<&str, usize> = HashMap::new();
        for &i in sel {
            for w in self.docs.get(i).into_iter().flatten() {
                *tf.entry(w.as_str()).or_insert(0) += 1;
            }
        }
        let mut scored: Vec<(String, f64)> = tf
            .into_iter()
            .map(|(w, c)| {
                let df = self.df.get(w).copied().unwrap_or(1).max(1) as f64;
                (w.to_string(), c as f64 * (total / df).ln())
            })
            .filter(|(_, s)| *s > 1e-12)
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        scored.truncate(n);
        scored
    }
}

/// Channels, rows and columns of pool5 for a pixel architecture.
pub fn pool5_grid(arch: PixelArch) -> (usize, usize, usize) {
    match arch {
        PixelArch::SceneNetS => (128, 4, 4),
        PixelArch::AlexNet => (256, 6, 6),
    }
}

/// The layer's (channels, rows, columns) for a `dim`-wide activation.
fn layer_grid(net: &CrossModalNet, layer: &str, dim: usize) -> (usize, usize, usize) {
    if layer == "pool5" {
        let arch = net.modalities().iter().find_map(|(_, s)| match s {
            EncoderSpec::Pixel { arch } => Some(*arch),
            _ => None,
        });
        if let Some(a) = arch {
            let g = pool5_grid(a);
            if g.0 * g.1 * g.2 == dim {
                return g;
            }
        }
    }
    (dim, 1, 1)
}

/// The most frequent label (ties: larger summed weight, then lower label).
fn majority(labels: &[usize], weights: &[f64]) -> Option<usize> {
    let mut acc: HashMap<usize, (usize, f64)> = HashMap::new();
    for (l, w) in labels.iter().zip(weights) {
        let e = acc.entry(*l).or_insert((0, 0.0));
        e.0 += 1;
        e.1 += w;
    }
    acc.into_iter()
        .max_by(|a, b| {
            a.1 .0
                .cmp(&b.1 .0)
                .then(a.1 .1.total_cmp(&b.1 .1))
                .then(b.0.cmp(&a.0))
        })
        .map(|(l, _)| l)
}

/// Bilinear upsampling (pixel centres aligned, edges clamped) of a `gh`×`gw` map to `h`×`w`,
/// thresholded at `threshold` × the map's maximum (nothing when the maximum is not positive).
pub fn mask_of(map: &[f32], gh: usize, gw: usize, h: usize, w: usize, threshold: f64) -> Mask {
    let (mut best, mut arg) = (f32::MIN, 0);
    for (i, &v) in map.iter().enumerate() {
        if v > best {
            best = v;
            arg = i;
        }
    }
    let cut = threshold as f32 * best;
    let at = |r: usize, c: usize| map[r.min(gh - 1) * gw + c.min(gw - 1)];
    let mut pixels = vec![false; h * w];
    if best > 0.0 {
        for py in 0..h {
            let v = ((py as f32 + 0.5) * gh as f32 / h as f32 - 0.5).clamp(0.0, (gh - 1) as f32);
            let (r0, fr) = (v.floor() as usize, v - v.floor());
            for px in 0..w {
                let u =
                    ((px as f32 + 0.5) * gw as f32 / w as f32 - 0.5).clamp(0.0, (gw - 1) as f32);
                let (c0, fc) = (u.floor() as usize, u - u.floor());
                let val = (1.0 - fr) * ((1.0 - fc) * at(r0, c0) + fc * at(r0, c0 + 1))
                    + fr * ((1.0 - fc) * at(r0 + 1, c0) + fc * at(r0 + 1, c0 + 1));
                pixels[py * w + px] = val >= cut;
            }
        }
    }
    Mask {
        width: w,
        height: h,
        argmax: (arg / gw.max(1), arg % gw.max(1)),
        grid: (gh, gw),
        pixels,
    }
}

/// Per modality: the items' rows in the feature matrix, labels and tie-break ranks.
struct ModData {
    name: String,
    kind: ModalityKind,
    spatial: bool,
    rows: Vec<usize>,
    labels: Vec<usize>,
    tie: Vec<usize>,
}

/// For every unit to show, the top-k inputs of every modality; see the module doc.
pub fn top_units(net: &CrossModalNet, ds: &Dataset, o: &UnitOpts) -> Result<Units> {
    let op = "viz::top_units";
    if o.k == 0 {
        return Err(Error::invalid(op, "k", "must be at least 1"));
    }
    if !(0.0..=1.0).contains(&o.threshold) {
        return Err(Error::invalid(
            op,
            "threshold",
            format!("a fraction in [0, 1], got {}", o.threshold),
        ));
    }
    let mods = super::retrieve::shared_modalities(op, net, ds, &o.modalities)?;
    let data = ds.only(&mods)?;
    let f = crate::eval::extract::features(net, &data, &o.layer, o.batch.max(1))?;
    let (_, dim) = f.x.dims2().op(op)?;
    let x = crate::tensor::to_f32_vec(&f.x)?;
    let grid = layer_grid(net, &o.layer, dim);
    let (channels, gh, gw) = grid;
    let s = gh * gw;
    let mut rng = crate::tensor::create::rng(o.seed);
    let mut md = vec![];
    for m in &mods {
        let rows = f.rows_of(m)?;
        let n = rows.len();
        let mut tie: Vec<usize> = vec![0; n];
        let perm = rand::seq::index::sample(&mut rng, n, n).into_vec();
        for (rank, &i) in perm.iter().enumerate() {
            tie[i] = rank;
        }
        let kind = data.kind(m)?;
        let pixel = net
            .modalities()
            .iter()
            .any(|(n, sp)| n == m && matches!(sp, EncoderSpec::Pixel { .. }));
        md.push(ModData {
            name: m.clone(),
            kind,
            spatial: s > 1 && pixel && kind == ModalityKind::Image,
            rows,
            labels: data.labels(m)?,
            tie,
        });
    }
    // The unit's activation on a row: the max over its positions.
    let act = |row: usize, unit: usize| -> f32 {
        let base = row * dim + unit * s;
        x[base..base + s].iter().fold(f32::MIN, |m, &v| m.max(v))
    };
    let k = o.k;
    let summarise = |unit: usize| -> Unit {
        let mut per = vec![];
        for m in &md {
            let a: Vec<f32> = m.rows.iter().map(|&r| act(r, unit)).collect();
            let (lo, hi) = a
                .iter()
                .fold((f32::MAX, f32::MIN), |(l, h), &v| (l.min(v), h.max(v)));
            let silent = hi - lo <= 1e-7 * (1.0 + hi.abs()) || !(hi - lo).is_finite();
            // The k most active items, highest first (a strict order: activation, then the
            // seeded tie rank, then the index), without sorting all of them.
            let mut order: Vec<usize> = (0..a.len()).collect();
            let by = |i: &usize, j: &usize| {
                a[*j]
                    .total_cmp(&a[*i])
                    .then(m.tie[*i].cmp(&m.tie[*j]))
                    .then(i.cmp(j))
            };
            if k < order.len() {
                order.select_nth_unstable_by(k, by);
                order.truncate(k);
            }
            order.sort_unstable_by(by);
            let labels: Vec<usize> = order.iter().map(|&i| m.labels[i]).collect();
            let weights: Vec<f64> = (0..labels.len()).map(|p| (k - p) as f64).collect();
            per.push(TopItems {
                modality: m.name.clone(),
                activations: order.iter().map(|&i| a[i] as f64).collect(),
                majority: if silent {
                    None
                } else {
                    majority(&labels, &weights)
                },
                items: order,
                labels,
                purity: 0.0,
                silent,
                masks: vec![],
                words: vec![],
            });
        }
        let (mut pooled, mut weights) = (vec![], vec![]);
        for t in per.iter().filter(|t| !t.silent) {
            pooled.extend(&t.labels);
            weights.extend((0..t.labels.len()).map(|p| (k - p) as f64));
        }
        let category = majority(&pooled, &weights).unwrap_or(0);
        let mut agree = 0;
        for t in per.iter_mut() {
            if !t.silent && !t.labels.is_empty() {
                t.purity = t.labels.iter().filter(|&&l| l == category).count() as f64
                    / t.labels.len() as f64;
                if t.majority == Some(category) {
                    agree += 1;
                }
            }
        }
        let nm = per.len().max(1) as f64;
        Unit {
            index: unit,
            category,
            category_name: data.category_name(category),
            score: per.iter().map(|t| t.purity).sum::<f64>() / nm,
            agreement: agree as f64 / nm,
            per_modality: per,
        }
    };
    let mut units: Vec<Unit> = match &o.units {
        UnitPick::List(list) => {
            if list.is_empty() {
                return Err(Error::invalid(op, "units", "give at least one unit"));
            }
            if let Some(bad) = list.iter().find(|&&u| u >= channels) {
                return Err(Error::invalid(
                    op,
                    "units",
                    format!(
                        "unit {bad} does not exist: {} has {channels} units",
                        o.layer
                    ),
                ));
            }
            list.iter().map(|&u| summarise(u)).collect()
        }
        UnitPick::Count(n) => {
            use rayon::prelude::*;
            let mut all: Vec<Unit> = (0..channels).into_par_iter().map(summarise).collect();
            all.sort_by(|a, b| {
                b.score
                    .total_cmp(&a.score)
                    .then(b.agreement.total_cmp(&a.agreement))
                    .then(a.index.cmp(&b.index))
            });
            all.truncate((*n).max(1));
            all
        }
    };
    // Masks and words for the units shown.
    let mut tfidf: HashMap<String, Tfidf> = HashMap::new();
    for m in &md {
        if m.kind == ModalityKind::Text {
            if let Store::Texts(d) = data.store(&m.name)? {
                tfidf.insert(m.name.clone(), Tfidf::new(d));
            }
        }
    }
    for u in units.iter_mut() {
        for (t, m) in u.per_modality.iter_mut().zip(&md) {
            if m.spatial {
                let size = data.image_side(&m.name)?.unwrap_or(0);
                t.masks = t
                    .items
                    .iter()
                    .map(|&i| {
                        let base = m.rows[i] * dim + u.index * s;
                        Some(mask_of(&x[base..base + s], gh, gw, size, size, o.threshold))
                    })
                    .collect();
            } else {
                t.masks = vec![None; t.items.len()];
            }
            if let Some(tf) = tfidf.get(&m.name) {
                t.words = tf.top(&t.items, o.words);
            }
        }
    }
    Ok(Units {
        layer: o.layer.clone(),
        k,
        categories: data.categories().to_vec(),
        modalities: mods,
        grid,
        threshold: o.threshold,
        units,
        data,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tfidf_by_hand() {
        // N = 3. "red": tf 2 in doc 0, df 1 → 2·ln 3; "apple": tf 1, df 2 → ln 1.5.
        let t = Tfidf::new(&["Red apple, red!", "green apple", "blue sky"]);
        let top = t.top(&[0], 5);
        assert_eq!(top.len(), 2);
        assert_eq!(top[0].0, "red");
        assert!((top[0].1 - 2.0 * 3f64.ln()).abs() < 1e-12);
        assert_eq!(top[1].0, "apple");
        assert!((top[1].1 - 1.5f64.ln()).abs() < 1e-12);
        // Docs 0 and 1 together: apple tf 2 → 2·ln 1.5; green ln 3; red 2·ln 3.
        let top = t.top(&[0, 1], 3);
        let names: Vec<&str> = top.iter().map(|w| w.0.as_str()).collect();
        assert_eq!(names, ["red", "green", "apple"]);
    }

    #[test]
    fn tfidf_drops_stop_words_short_words_and_words_in_every_document() {
        let t = Tfidf::new(&[
            "the big red barn is on a hill",
            "the big sea",
            "the big sky 42",
        ]);
        let names: Vec<String> = t.top(&[0, 1, 2], 10).into_iter().map(|w| w.0).collect();
        assert!(!names.contains(&"the".to_string()) && !names.contains(&"is".to_string()));
        assert!(
            !names.contains(&"big".to_string()),
            "in every document: idf 0"
        );
        assert!(!names.contains(&"42".to_string()));
        assert!(names.contains(&"barn".to_string()) && names.contains(&"sky".to_string()));
    }

    #[test]
    fn mask_covers_the_hot_cell() {
        // 4×4 map, one hot cell at row 1, column 2, upsampled to 16×16.
        let mut map = vec![0.0f32; 16];
        map[4 + 2] = 1.0;
        let m = mask_of(&map, 4, 4, 16, 16, 0.5);
        assert_eq!(m.argmax, (1, 2));
        // The centre of that cell is pixel (row 6, col 10); far corners are out.
        assert!(m.pixels[6 * 16 + 10]);
        assert!(!m.pixels[0] && !m.pixels[15 * 16 + 15]);
        let inside = m.pixels.iter().filter(|&&p| p).count();
        assert!((4..=36).contains(&inside), "{inside} pixels");
        // A silent map has an empty mask.
        assert!(mask_of(&[0.0; 16], 4, 4, 8, 8, 0.5)
            .pixels
            .iter()
            .all(|p| !p));
    }

    #[test]
    fn majority_breaks_ties_by_weight_then_label() {
        assert_eq!(majority(&[2, 1, 1, 2], &[4.0, 1.0, 1.0, 3.0]), Some(2));
        assert_eq!(
            majority(&[2, 1, 1, 2], &[4.0, 3.0, 2.0, 1.0]),
            Some(1),
            "equal weights: lower label"
        );
        assert_eq!(majority(&[3, 1], &[1.0, 1.0]), Some(1));
        assert_eq!(majority(&[], &[]), None);
    }
}
