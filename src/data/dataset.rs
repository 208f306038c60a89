//! The cross-modal `Dataset`: samples of several modalities with category labels and optional
//! pair ids, and the network inputs made from them.
//!
//! Storage per modality: images as 8-bit HWC bytes, texts as strings, sounds as 16 kHz mono
//! waveforms, features as f32 rows. `inputs` turns a selection into one f32 batch:
//! Image [n, 3, S, S] with (x/255 − 0.5)/0.25; Text [n, 384] sentence vectors averaged over the
//! sentences of each description (`text::description_vector`); Sound [n, 64, frames] log-mel,
//! standardised by fixed constants ((v + 1.5)/3, about zero-mean on SynthPlaces); Features [n, D] as stored.

use super::audio::{self, MelConfig};
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
}

impl Store {
    pub fn len(&self) -> usize {
        match self {
            Store::Images { data, .. } => data.len(),
            Store::Texts(d) => d.len(),
            Store::Sounds { data, .. } => data.len(),
            Store::Features { data, .. } => data.len(),
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
        }
    }
}

/// One modality: its name, samples, labels and optional pair ids.
#[derive(Debug, Clone)]
pub struct Modality {
    pub name: String,
    pub store: Store,
    pub labels: Vec<usize>,
    pub pair_ids: Option<Vec<usize>>,
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
        let mut ds = Dataset {
            categories,
            mods,
            vocab: Arc::new(Vocab::default()),
            split: split.to_string(),
            skipped: vec![],
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

    pub fn categories(&self) -> &[String] {
        &self.categories
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

    /// The shape of one sample's network input.
    pub fn input_shape(&self, modality: &str) -> Result<Vec<usize>> {
        Ok(match &self.modality(modality)?.store {
            Store::Images { size, .. } => vec![3, *size, *size],
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
    pub fn inputs(&self, modality: &str, idx: &[usize], dev: &Device) -> Result<Tensor> {
        use rayon::prelude::*;
        let m = self.check_idx(modality, idx)?;
        let mut shape = vec![idx.len()];
        shape.extend(self.input_shape(modality)?);
        let per: usize = shape[1..].iter().product();
        let rows: Vec<Vec<f32>> = match &m.store {
            Store::Images { size, data } => idx
                .par_iter()
                .map(|&i| {
                    let px = &data[i];
                    let hw = size * size;
                    let mut out = vec![0.0; 3 * hw];
                    for p in 0..hw {
                        for c in 0..3 {
                            out[c * hw + p] = (px[p * 3 + c] as f32 / 255.0 - 0.5) / 0.25;
                        }
                    }
                    out
                })
                .collect(),
            // Scaled to unit norm × √D, so entries have unit variance like the normalised
            // pixels: averaged word vectors are otherwise ~20× smaller than image inputs, and
            // the text MLP then feeds the shared layers activations too small to learn from.
            Store::Texts(d) => idx
                .par_iter()
                .map(|&i| {
                    let mut v = text::description_vector(&d[i]);
                    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
                    let scale = (v.len() as f32).sqrt() / norm;
                    v.iter_mut().for_each(|x| *x *= scale);
                    v
                })
                .collect(),
            Store::Sounds { data, .. } => {
                let cfg = MelConfig::default();
                let filters = audio::mel_filters(&cfg);
                idx.par_iter()
                    .map(|&i| {
                        audio::log_mel(&data[i], &cfg, &filters)
                            .into_iter()
                            .map(|v| (v + 1.5) / 3.0)
                            .collect()
                    })
                    .collect()
            }
            Store::Features { data, .. } => idx.iter().map(|&i| data[i].to_vec()).collect(),
        };
        let flat: Vec<f32> = rows.into_iter().flatten().collect();
        debug_assert_eq!(flat.len(), per * idx.len());
        Tensor::from_vec(flat, shape, &Device::Cpu)
            .and_then(|t| t.to_device(dev))
            .op("dataset::inputs")
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
            })
            .collect();
        Dataset::new(self.categories.clone(), mods, split)
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
            for mut ids in by_cat {
                ids.sort_unstable();
                ids.dedup();
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
            "Dataset '{}': {} categories, {} samples, vocabulary {}{}\n",
            self.split,
            self.categories.len(),
            self.len(),
            self.vocab_size(),
            if self.is_paired() { ", paired" } else { "" }
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
