//! The cross-modal `Dataset`: samples of several modalities with category labels and optional
//! pair ids, and the network inputs made from them.
//!
//! Storage per modality: images as 8-bit HWC bytes, texts as strings, sounds as 16 kHz mono
//! waveforms, features as f32 rows, or (lazy loading) image or sound files decoded on demand.
//! `inputs` turns a selection into one f32 batch: Image [n, 3, S, S] with (x/255 − 0.5)/0.25;
//! Text [n, 384] sentence vectors averaged over the sentences of each description (by default
//! `text::description_vector`; all-MiniLM-L6-v2 after `with_text_encoder`), scaled to norm √384;
//! Sound [n, 64, frames] log-mel, standardised by fixed constants ((v + 1.5)/3, about zero-mean
//! on SynthPlaces); Features [n, D] as stored. Text and sound inputs are computed once per
//! sample and cached (`inputs::Slot`).

use super::audio::MelConfig;
use super::inputs::{self, Slot};
use super::lazy::LazyStore;
use super::minilm::SentenceEncoder;
use super::text::{self, Vocab};
use crate::error::{Context, Error, Result};
use crate::tensor::{Device, Tensor};
use std::path::PathBuf;
use std::sync::Arc;

/// What kind of data a modality holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModalityKind {
    Image,
    Text,
    Sound,
    Features,
}

impl ModalityKind {
    pub fn name(self) -> &'static str {
        match self {
            ModalityKind::Image => "image",
            ModalityKind::Text => "text",
            ModalityKind::Sound => "sound",
            ModalityKind::Features => "features",
        }
    }
}

/// The samples of one modality.
#[derive(Debug, Clone)]
pub enum Store {
    /// `size`×`size` RGB images, HWC bytes each.
    Images { size: usize, data: Vec<Arc<[u8]>> },
    /// One description per sample.
    Texts(Vec<Arc<str>>),
    /// 16 kHz mono waveforms, all `len` samples long.
    Sounds { len: usize, data: Vec<Arc<[f32]>> },
    /// `dim`-wide feature rows.
    Features { dim: usize, data: Vec<Arc<[f32]>> },
    /// Image or sound files decoded on demand (`load_folder` with `lazy: true`).
    Lazy(LazyStore),
}

impl Store {
    pub fn len(&self) -> usize {
        match self {
            Store::Images { data, .. } => data.len(),
            Store::Texts(d) => d.len(),
            Store::Sounds { data, .. } => data.len(),
            Store::Features { data, .. } => data.len(),
            Store::Lazy(l) => l.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn kind(&self) -> ModalityKind {
        match self {
            Store::Images { .. } => ModalityKind::Image,
            Store::Texts(_) => ModalityKind::Text,
            Store::Sounds { .. } => ModalityKind::Sound,
            Store::Features { .. } => ModalityKind::Features,
            Store::Lazy(l) => l.kind(),
        }
    }

    /// The samples at `idx`, in that order.
    fn select(&self, idx: &[usize]) -> Store {
        fn pick<T: Clone>(v: &[T], idx: &[usize]) -> Vec<T> {
            idx.iter().map(|&i| v[i].clone()).collect()
        }
        match self {
            Store::Images { size, data } => Store::Images {
                size: *size,
                data: pick(data, idx),
            },
            Store::Texts(d) => Store::Texts(pick(d, idx)),
            Store::Sounds { len, data } => Store::Sounds {
                len: *len,
                data: pick(data, idx),
            },
            Store::Features { dim, data } => Store::Features {
                dim: *dim,
                data: pick(data, idx),
            },
            Store::Lazy(l) => Store::Lazy(l.select(idx)),
        }
    }

    /// Whether the input rows of this store are cached per sample (descriptions and sounds held
    /// in memory; lazy stores cache in their own LRU).
    fn caches_inputs(&self) -> bool {
        matches!(self, Store::Texts(_) | Store::Sounds { .. })
    }
}

/// One modality: its name, samples, labels and optional pair ids.
#[derive(Debug, Clone)]
pub struct Modality {
    pub name: String,
    pub store: Store,
    pub labels: Vec<usize>,
    pub pair_ids: Option<Vec<usize>>,
    /// Generated data only: the object types (indices into `Content::object_names`) an ideal
    /// observer perceives in each sample (visible objects, objects a description mentions,
    /// objects a sound holds).
    pub objects: Option<Vec<Vec<u16>>>,
}

/// What a generated world knows about its samples (SynthPlaces): the object vocabulary and the
/// signature objects of each category, for the ideal observer and for unit analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    pub object_names: Vec<String>,
    /// Per category (label order): its signature object types.
    pub signatures: Vec<Vec<u16>>,
}

impl Content {
    /// The ideal observer's expected accuracy on a sample of category `label` that shows
    /// `objects`: it picks the category whose signature holds most of the objects, at random
    /// among ties. With disjoint signatures and context objects outside every signature (as
    /// SynthPlaces draws them), this is the Bayes decision given the objects perceived.
    pub fn ideal_hit(&self, label: usize, objects: &[u16]) -> f64 {
        let score = |sig: &Vec<u16>| objects.iter().filter(|o| sig.contains(o)).count();
        let scores: Vec<usize> = self.signatures.iter().map(score).collect();
        let best = scores.iter().copied().max().unwrap_or(0);
        let ties = scores.iter().filter(|&&s| s == best).count();
        if scores.get(label) == Some(&best) {
            1.0 / ties as f64
        } else {
            0.0
        }
    }
}

/// A file a loader skipped under `skip_bad`, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

/// Samples of several modalities over one list of categories.
#[derive(Debug, Clone)]
pub struct Dataset {
    categories: Vec<String>,
    mods: Vec<Modality>,
    vocab: Arc<Vocab>,
    split: String,
    skipped: Vec<Skipped>,
    /// Per modality (same order as `mods`): the cached input row of each sample, or empty when
    /// that modality's inputs are not cached.
    rows: Vec<Vec<Slot>>,
    /// Encodes descriptions for `inputs`; None: `text::description_vector`.
    text_encoder: Option<Arc<SentenceEncoder>>,
    /// The generating world's content model (SynthPlaces), kept by `only` and `split`.
    content: Option<Arc<Content>>,
}

/// The modality names in their fixed order (others follow alphabetically).
pub const ORDER: &[&str] = &["nat", "clp", "ldr", "spt", "dsc", "snd"];

/// At most this many words in a vocabulary built from a split.
pub const MAX_VOCAB: usize = 20_000;

fn rank(name: &str) -> (usize, String) {
    (
        ORDER.iter().position(|m| *m == name).unwrap_or(ORDER.len()),
        name.to_string(),
    )
}

impl Dataset {
    /// A dataset from modalities; checks that labels are in range and lengths agree, sorts the
    /// modalities into the fixed order and builds the vocabulary from its texts.
    pub fn new(categories: Vec<String>, mut mods: Vec<Modality>, split: &str) -> Result<Dataset> {
        for m in &mods {
            if m.labels.len() != m.store.len() {
                return Err(Error::msg(format!(
                    "dataset: modality '{}' has {} samples but {} labels",
                    m.name,
                    m.store.len(),
                    m.labels.len()
                )));
            }
            if let Some(bad) = m.labels.iter().find(|&&l| l >= categories.len()) {
                return Err(Error::msg(format!(
                    "dataset: modality '{}' has label {bad} but only {} categories",
                    m.name,
                    categories.len()
                )));
            }
            if let Some(p) = &m.pair_ids {
                if p.len() != m.labels.len() {
                    return Err(Error::msg(format!(
                        "dataset: modality '{}' has {} pair ids for {} samples",
                        m.name,
                        p.len(),
                        m.labels.len()
                    )));
                }
            }
        }
        mods.sort_by_key(|m| rank(&m.name));
        for w in mods.windows(2) {
            if w[0].name == w[1].name {
                return Err(Error::msg(format!(
                    "dataset: modality '{}' given twice",
                    w[0].name
                )));
            }
        }
        let rows = mods
            .iter()
            .map(|m| {
                if m.store.caches_inputs() {
                    inputs::slots(m.store.len())
                } else {
                    vec![]
                }
            })
            .collect();
        let mut ds = Dataset {
            categories,
            mods,
            vocab: Arc::new(Vocab::default()),
            split: split.to_string(),
            skipped: vec![],
            rows,
            text_encoder: None,
            content: None,
        };
        ds.vocab = Arc::new(ds.build_vocab());
        Ok(ds)
    }

    fn build_vocab(&self) -> Vocab {
        let texts = self.mods.iter().flat_map(|m| match &m.store {
            Store::Texts(t) => t.iter().map(|s| &**s).collect::<Vec<&str>>(),
            _ => vec![],
        });
        Vocab::build(texts, MAX_VOCAB)
    }

    /// This dataset with descriptions encoded by `enc` (all-MiniLM-L6-v2) in `inputs`; the cached
    /// text inputs start afresh. Splits and `only` of the result keep the encoder.
    pub fn with_text_encoder(&self, enc: Arc<SentenceEncoder>) -> Dataset {
        let mut ds = self.clone();
        for (m, rows) in ds.mods.iter().zip(ds.rows.iter_mut()) {
            if m.store.kind() == ModalityKind::Text {
                *rows = inputs::slots(rows.len());
            }
        }
        ds.text_encoder = Some(enc);
        ds
    }

    /// This dataset with the content model of the world that generated it.
    pub fn with_content(mut self, content: Content) -> Dataset {
        self.content = Some(Arc::new(content));
        self
    }

    /// The generating world's content model, for generated data.
    pub fn content(&self) -> Option<&Content> {
        self.content.as_deref()
    }

    /// The object types perceived in each sample of `m`, for generated data.
    pub fn objects(&self, m: &str) -> Result<Option<&[Vec<u16>]>> {
        Ok(self.modality(m)?.objects.as_deref())
    }

    /// The ideal observer's accuracy on modality `m` (see `Content::ideal_hit`): the Bayes
    /// ceiling of classifying these samples from the objects they show. None for data that was
    /// not generated.
    pub fn ideal_accuracy(&self, m: &str) -> Result<Option<f64>> {
        let md = self.modality(m)?;
        let (Some(c), Some(objs)) = (&self.content, &md.objects) else {
            return Ok(None);
        };
        if objs.is_empty() {
            return Ok(None);
        }
        let hits: f64 = md
            .labels
            .iter()
            .zip(objs)
            .map(|(&l, o)| c.ideal_hit(l, o))
            .sum();
        Ok(Some(hits / objs.len() as f64))
    }

    /// The sentence encoder of `inputs`, if one was set.
    pub fn text_encoder(&self) -> Option<&Arc<SentenceEncoder>> {
        self.text_encoder.as_ref()
    }

    /// Record files a loader skipped (shown by `summary`).
    pub fn with_skipped(mut self, skipped: Vec<Skipped>) -> Dataset {
        self.skipped = skipped;
        self
    }

    /// Files skipped by the loader under `skip_bad`.
    pub fn skipped(&self) -> &[Skipped] {
        &self.skipped
    }

    /// The split name: "all", "train", "val", or the folder a loader read.
    pub fn split_name(&self) -> &str {
        &self.split
    }

    /// The modality names, in the fixed order nat, clp, ldr, spt, dsc, snd, then others.
    pub fn modalities(&self) -> Vec<String> {
        self.mods.iter().map(|m| m.name.clone()).collect()
    }

    /// The category names, indexed by label.
    pub fn categories(&self) -> &[String] {
        &self.categories
    }

    /// The name of category `label`, or the number itself when the data set has no name for
    /// it (for figures and tables).
    pub fn category_name(&self, label: usize) -> String {
        self.categories
            .get(label)
            .cloned()
            .unwrap_or_else(|| label.to_string())
    }

    /// All samples of all modalities.
    pub fn len(&self) -> usize {
        self.mods.iter().map(|m| m.store.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One modality, or an error listing the ones there are.
    pub fn modality(&self, name: &str) -> Result<&Modality> {
        self.mods.iter().find(|m| m.name == name).ok_or_else(|| {
            Error::invalid(
                "dataset",
                "modality",
                format!(
                    "no modality '{name}'; this dataset has: {}",
                    self.modalities().join(", ")
                ),
            )
        })
    }

    pub fn len_of(&self, modality: &str) -> Result<usize> {
        Ok(self.modality(modality)?.store.len())
    }

    pub fn kind(&self, modality: &str) -> Result<ModalityKind> {
        Ok(self.modality(modality)?.store.kind())
    }

    pub fn labels(&self, modality: &str) -> Result<Vec<usize>> {
        Ok(self.modality(modality)?.labels.clone())
    }

    pub fn pair_ids(&self, modality: &str) -> Result<Option<Vec<usize>>> {
        Ok(self.modality(modality)?.pair_ids.clone())
    }

    /// Whether every modality has pair ids.
    pub fn is_paired(&self) -> bool {
        !self.mods.is_empty() && self.mods.iter().all(|m| m.pair_ids.is_some())
    }

    /// An error for `op` naming the item when `i` is not an item of `modality`.
    pub fn check_item(&self, op: &str, modality: &str, i: usize) -> Result<()> {
        let n = self.len_of(modality)?;
        if i >= n {
            return Err(Error::invalid(
                op,
                "index",
                format!("item {i} of '{modality}', which has {n}"),
            ));
        }
        Ok(())
    }

    /// The side in pixels of an image modality's pictures (eager or lazily loaded); `None` for
    /// other kinds.
    pub fn image_side(&self, modality: &str) -> Result<Option<usize>> {
        Ok(match &self.modality(modality)?.store {
            Store::Images { size, .. } => Some(*size),
            Store::Lazy(l) if l.kind() == ModalityKind::Image => Some(l.image_size()),
            _ => None,
        })
    }

    /// Item `i` of an image modality as an RGB picture; a lazily loaded folder decodes the file
    /// now (not cached). For figures and decoders' targets.
    pub fn picture(&self, modality: &str, i: usize) -> Result<image::RgbImage> {
        let op = "picture";
        self.check_item(op, modality, i)?;
        let (side, px): (usize, Arc<[u8]>) = match &self.modality(modality)?.store {
            Store::Images { size, data } => (*size, data[i].clone()),
            Store::Lazy(l) if l.kind() == ModalityKind::Image => match l.raw(i)? {
                super::folder::Sample::Image(px) => (l.image_size(), px),
                _ => {
                    return Err(Error::msg(format!(
                        "{op}: item {i} of '{modality}' did not decode to an image"
                    )))
                }
            },
            _ => {
                return Err(Error::invalid(
                    op,
                    "modality",
                    format!("'{modality}' does not hold images"),
                ))
            }
        };
        image::RgbImage::from_raw(side as u32, side as u32, px.to_vec()).ok_or_else(|| {
            Error::msg(format!(
                "{op}: item {i} of '{modality}' has {} bytes, not {side}×{side}×3",
                px.len()
            ))
        })
    }

    /// The shape of one sample's network input.
    pub fn input_shape(&self, modality: &str) -> Result<Vec<usize>> {
        Ok(match &self.modality(modality)?.store {
            Store::Images { size, .. } => vec![3, *size, *size],
            Store::Lazy(l) if l.kind() == ModalityKind::Image => {
                vec![3, l.image_size(), l.image_size()]
            }
            Store::Lazy(l) => vec![
                MelConfig::default().mels,
                MelConfig::default().frames(l.sound_len()),
            ],
            Store::Texts(_) => vec![text::SENTENCE_DIM],
            Store::Sounds { len, .. } => {
                let c = MelConfig::default();
                vec![c.mels, c.frames(*len)]
            }
            Store::Features { dim, .. } => vec![*dim],
        })
    }

    fn check_idx(&self, modality: &str, idx: &[usize]) -> Result<&Modality> {
        let m = self.modality(modality)?;
        if let Some(&bad) = idx.iter().find(|&&i| i >= m.store.len()) {
            return Err(Error::invalid(
                "dataset::inputs",
                "index",
                format!(
                    "index {bad} is out of range for modality '{modality}' with {} samples",
                    m.store.len()
                ),
            ));
        }
        Ok(m)
    }

    /// A normalised f32 batch [n, ..input_shape] of the samples `idx` of `modality` on `dev`.
    /// Description vectors and log-mel spectrograms are computed on first use and reused.
    pub fn inputs(&self, modality: &str, idx: &[usize], dev: &Device) -> Result<Tensor> {
        self.batch(modality, idx, dev, true)
    }

    /// How many samples of `modality` have their network input cached (see `inputs`); splits
    /// and subsets share their parent's cache, so filling one fills the other.
    pub fn cached_inputs(&self, modality: &str) -> Result<usize> {
        self.check_idx(modality, &[])?;
        let mi = self
            .mods
            .iter()
            .position(|x| x.name == modality)
            .expect("checked");
        Ok(self.rows[mi].iter().filter(|s| s.get().is_some()).count())
    }

    /// `inputs` without the per-sample cache (computes every row afresh, stores nothing).
    pub fn inputs_uncached(&self, modality: &str, idx: &[usize], dev: &Device) -> Result<Tensor> {
        self.batch(modality, idx, dev, false)
    }

    fn batch(&self, modality: &str, idx: &[usize], dev: &Device, cached: bool) -> Result<Tensor> {
        let m = self.check_idx(modality, idx)?;
        let mi = self
            .mods
            .iter()
            .position(|x| x.name == modality)
            .expect("checked");
        let slots = &self.rows[mi];
        let mut shape = vec![idx.len()];
        shape.extend(self.input_shape(modality)?);
        let rows: Vec<Arc<[f32]>> = if cached && !slots.is_empty() {
            let missing: Vec<usize> = {
                let mut v: Vec<usize> = idx
                    .iter()
                    .copied()
                    .filter(|&i| slots[i].get().is_none())
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            };
            for (i, row) in missing.iter().zip(self.compute(m, &missing)?) {
                let _ = slots[*i].set(row);
            }
            idx.iter()
                .map(|&i| slots[i].get().expect("filled above").clone())
                .collect()
        } else {
            self.compute(m, idx)?
        };
        let mut flat: Vec<f32> =
            Vec::with_capacity(idx.len() * rows.first().map_or(0, |r| r.len()));
        for r in &rows {
            flat.extend_from_slice(r);
        }
        Tensor::from_vec(flat, shape, &Device::Cpu)
            .and_then(|t| t.to_device(dev))
            .op("dataset::inputs")
    }

    /// The input rows of samples `idx` of `m`, computed afresh (lazy stores use their LRU).
    fn compute(&self, m: &Modality, idx: &[usize]) -> Result<Vec<Arc<[f32]>>> {
        use rayon::prelude::*;
        Ok(match &m.store {
            Store::Images { size, data } => idx
                .par_iter()
                .map(|&i| Arc::from(inputs::image_row(&data[i], *size)))
                .collect(),
            Store::Texts(d) => match &self.text_encoder {
                Some(enc) => {
                    let texts: Vec<&str> = idx.iter().map(|&i| &*d[i]).collect();
                    enc.encode_descriptions(&texts)?
                        .into_iter()
                        .map(|v| Arc::from(inputs::scale_text(v)))
                        .collect()
                }
                None => idx
                    .par_iter()
                    .map(|&i| Arc::from(inputs::scale_text(text::description_vector(&d[i]))))
                    .collect(),
            },
            Store::Sounds { data, .. } => idx
                .par_iter()
                .map(|&i| Arc::from(inputs::sound_row(&data[i])))
                .collect(),
            Store::Features { data, .. } => idx.iter().map(|&i| data[i].clone()).collect(),
            Store::Lazy(l) => l.rows(idx)?,
        })
    }

    /// Word ids [n, max_len] (u32; 0 padding, 1 out of vocabulary) of the descriptions `idx`.
    pub fn tokens(
        &self,
        modality: &str,
        idx: &[usize],
        max_len: usize,
        dev: &Device,
    ) -> Result<Tensor> {
        let m = self.check_idx(modality, idx)?;
        let Store::Texts(d) = &m.store else {
            return Err(Error::invalid(
                "dataset::tokens",
                "modality",
                format!(
                    "'{modality}' holds {} samples, not text",
                    m.store.kind().name()
                ),
            ));
        };
        let ids: Vec<u32> = idx
            .iter()
            .flat_map(|&i| self.vocab.encode(&d[i], max_len))
            .collect();
        Tensor::from_vec(ids, (idx.len(), max_len), &Device::Cpu)
            .and_then(|t| t.to_device(dev))
            .op("dataset::tokens")
    }

    /// Ids in the vocabulary (padding and OOV included).
    pub fn vocab_size(&self) -> usize {
        self.vocab.size()
    }

    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// The description `i` of a text modality.
    pub fn text(&self, modality: &str, i: usize) -> Result<String> {
        let m = self.check_idx(modality, &[i])?;
        match &m.store {
            Store::Texts(d) => Ok(d[i].to_string()),
            s => Err(Error::invalid(
                "dataset::text",
                "modality",
                format!("'{modality}' holds {} samples, not text", s.kind().name()),
            )),
        }
    }

    /// A dataset with only these modalities (vocabulary kept).
    pub fn only(&self, modalities: &[String]) -> Result<Dataset> {
        let mut mods = vec![];
        for name in modalities {
            mods.push(self.modality(name)?.clone());
        }
        let mut ds = Dataset::new(self.categories.clone(), mods, &self.split)?;
        ds.vocab = self.vocab.clone();
        ds.skipped = self.skipped.clone();
        ds.text_encoder = self.text_encoder.clone();
        ds.content = self.content.clone();
        ds.rows = ds
            .mods
            .iter()
            .map(|m| {
                let i = self
                    .mods
                    .iter()
                    .position(|x| x.name == m.name)
                    .expect("picked");
                self.rows[i].clone()
            })
            .collect();
        Ok(ds)
    }

    /// Take the samples `keep[m]` of each modality (same order as `self.mods`).
    fn subset(&self, keep: &[Vec<usize>], split: &str) -> Result<Dataset> {
        let mods = self
            .mods
            .iter()
            .zip(keep)
            .map(|(m, k)| Modality {
                name: m.name.clone(),
                store: m.store.select(k),
                labels: k.iter().map(|&i| m.labels[i]).collect(),
                pair_ids: m
                    .pair_ids
                    .as_ref()
                    .map(|p| k.iter().map(|&i| p[i]).collect()),
                objects: m
                    .objects
                    .as_ref()
                    .map(|o| k.iter().map(|&i| o[i].clone()).collect()),
            })
            .collect();
        let mut ds = Dataset::new(self.categories.clone(), mods, split)?;
        // `mods` is already in the fixed order, so the i-th modality of `ds` is the i-th here.
        ds.rows = self
            .rows
            .iter()
            .zip(keep)
            .map(|(r, k)| {
                if r.is_empty() {
                    vec![]
                } else {
                    k.iter().map(|&i| r[i].clone()).collect()
                }
            })
            .collect();
        ds.text_encoder = self.text_encoder.clone();
        ds.content = self.content.clone();
        Ok(ds)
    }

    /// Split into (train, val) with `val_per_category` validation samples per category and
    /// modality, drawn with `seed`. Paired data is split by pair id so a pair never straddles the
    /// split. Both halves use the vocabulary of the training half.
    pub fn split(&self, val_per_category: usize, seed: u64) -> Result<(Dataset, Dataset)> {
        use rand::seq::SliceRandom;
        let mut r = crate::tensor::create::rng(seed);
        let nc = self.categories.len();
        let mut train = vec![];
        let mut val = vec![];
        // For paired data, the validation pairs are chosen once from the pair ids.
        let val_pairs: Option<std::collections::HashSet<usize>> = if self.is_paired() {
            let m = &self.mods[0];
            let p = m.pair_ids.as_ref().expect("paired");
            let mut by_cat: Vec<Vec<usize>> = vec![vec![]; nc];
            for (i, &l) in m.labels.iter().enumerate() {
                by_cat[l].push(p[i]);
            }
            let mut set = std::collections::HashSet::new();
            for (c, mut ids) in by_cat.into_iter().enumerate() {
                ids.sort_unstable();
                ids.dedup();
                if !ids.is_empty() && ids.len() <= val_per_category {
                    return Err(Error::invalid(
                        "dataset::split",
                        "val_per_category",
                        format!(
                            "category '{}' has only {} pairs; {} for validation would leave none for training",
                            self.categories[c], ids.len(), val_per_category
                        ),
                    ));
                }
                ids.shuffle(&mut r);
                set.extend(ids.into_iter().take(val_per_category));
            }
            Some(set)
        } else {
            None
        };
        for m in &self.mods {
            let (mut t, mut v) = (vec![], vec![]);
            if let (Some(set), Some(p)) = (&val_pairs, &m.pair_ids) {
                for (i, pid) in p.iter().enumerate() {
                    if set.contains(pid) {
                        v.push(i)
                    } else {
                        t.push(i)
                    }
                }
            } else {
                let mut by_cat: Vec<Vec<usize>> = vec![vec![]; nc];
                for (i, &l) in m.labels.iter().enumerate() {
                    by_cat[l].push(i);
                }
                for (c, mut ids) in by_cat.into_iter().enumerate() {
                    if !ids.is_empty() && ids.len() <= val_per_category {
                        return Err(Error::invalid(
                            "dataset::split",
                            "val_per_category",
                            format!(
                                "category '{}' of modality '{}' has only {} samples; {} for validation would leave none for training",
                                self.categories[c], m.name, ids.len(), val_per_category
                            ),
                        ));
                    }
                    ids.shuffle(&mut r);
                    v.extend_from_slice(&ids[..val_per_category.min(ids.len())]);
                    t.extend_from_slice(&ids[val_per_category.min(ids.len())..]);
                }
                t.sort_unstable();
                v.sort_unstable();
            }
            train.push(t);
            val.push(v);
        }
        let tr = self.subset(&train, "train")?;
        let mut va = self.subset(&val, "val")?;
        va.vocab = tr.vocab.clone();
        Ok((tr, va))
    }

    /// A table of counts per modality (kind, input shape, samples, categories present) and the
    /// files skipped by the loader.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "Dataset '{}': {} categories, {} samples, vocabulary {}{}{}\n",
            self.split,
            self.categories.len(),
            self.len(),
            self.vocab_size(),
            if self.is_paired() { ", paired" } else { "" },
            if self.text_encoder.is_some() {
                ", text inputs from all-MiniLM-L6-v2"
            } else {
                ""
            }
        );
        s += &format!(
            "{:<10} {:<9} {:<16} {:>8} {:>11}\n",
            "modality", "kind", "input", self.split, "categories"
        );
        for m in &self.mods {
            let mut cats: Vec<usize> = m.labels.clone();
            cats.sort_unstable();
            cats.dedup();
            let shape = self
                .input_shape(&m.name)
                .map(|v| format!("{v:?}"))
                .unwrap_or_default();
            s += &format!(
                "{:<10} {:<9} {:<16} {:>8} {:>11}\n",
                m.name,
                m.store.kind().name(),
                shape,
                m.store.len(),
                cats.len()
            );
        }
        let lazy: Vec<String> = self
            .mods
            .iter()
            .filter_map(|m| match &m.store {
                Store::Lazy(l) => Some(format!("{} (cache {} rows)", m.name, l.cache_size())),
                _ => None,
            })
            .collect();
        if !lazy.is_empty() {
            s += &format!("decoded on demand: {}\n", lazy.join(", "));
        }
        if let Some(c) = &self.content {
            let sigs: Vec<String> = self
                .categories
                .iter()
                .zip(&c.signatures)
                .map(|(name, sig)| {
                    let objs: Vec<&str> = sig
                        .iter()
                        .map(|&t| c.object_names[t as usize].as_str())
                        .collect();
                    format!("{name} ({})", objs.join(", "))
                })
                .collect();
            s += &format!("signature objects: {}\n", sigs.join("; "));
            let ideal: Vec<String> = self
                .mods
                .iter()
                .filter_map(|m| {
                    let a = self.ideal_accuracy(&m.name).ok()??;
                    Some(format!("{} {:.1}%", m.name, a * 100.0))
                })
                .collect();
            if !ideal.is_empty() {
                s += &format!(
                    "ideal observer (Bayes ceiling from the objects shown): {}; chance {:.1}%\n",
                    ideal.join(", "),
                    100.0 / self.categories.len().max(1) as f64
                );
            }
        }
        if !self.skipped.is_empty() {
            s += &format!("skipped {} bad files:\n", self.skipped.len());
            for k in &self.skipped {
                s += &format!("  {}: {}\n", k.path.display(), k.reason);
            }
        }
        s
    }

    /// The raw store of a modality (for writers and pictures).
    pub fn store(&self, modality: &str) -> Result<&Store> {
        Ok(&self.modality(modality)?.store)
    }
}

impl std::fmt::Display for Dataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Dataset[{}; {} categories; {}]",
            self.split,
            self.categories.len(),
            self.mods
                .iter()
                .map(|m| format!("{}×{}", m.name, m.store.len()))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}
