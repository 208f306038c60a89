//! SynthPlaces: the embedded cross-modal data set with the structure of CMPlaces (scene
//! categories shared across modalities, weak alignment) or of See-Hear-Read (paired instances).
//!
//! Sample i of modality m (i = c·per_category + j, label c) is rendered from an instance drawn
//! with the seed h(seed, "scene", i) when `paired` (every modality shows the same instance,
//! pair_id = i) or h(seed, m, i) otherwise; rendering noise uses h(seed, m, i, "render"). h is
//! a SplitMix64 chain, so the output depends only on the options, never on thread scheduling.

pub mod clp;
pub mod dsc;
pub mod ldr;
pub mod nat;
pub mod raster;
pub mod scene;
pub mod snd;
pub mod spt;
pub mod world;

use super::dataset::{Content, Dataset, Modality, Store, ORDER};
use crate::error::{Error, Result};
use rayon::prelude::*;
use scene::Instance;
use std::sync::Arc;
use world::{fnv, Category};

/// Options of `synthplaces`.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthOptions {
    /// Category names, in label order (see `categories_from_count`).
    pub categories: Vec<String>,
    pub per_category: usize,
    /// Any of nat, clp, ldr, spt, dsc, snd.
    pub modalities: Vec<String>,
    pub image_size: usize,
    pub paired: bool,
    /// Backgrounds and horizon follow each category's setting (home, public, urban, nature,
    /// water), a cue beside the objects. Off by default: categories differ by content alone.
    pub setting_cue: bool,
    pub seed: u64,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            categories: categories_from_count(10).expect("10 <= 205"),
            per_category: 20,
            modalities: ORDER.iter().map(|s| s.to_string()).collect(),
            image_size: 64,
            paired: false,
            setting_cue: false,
            seed: 0,
        }
    }
}

/// The first `n` Places205 category names.
pub fn categories_from_count(n: usize) -> Result<Vec<String>> {
    let all = crate::assets::places205_categories();
    if n == 0 || n > all.len() {
        return Err(Error::invalid(
            "data::synthplaces",
            "categories",
            format!("a count must be 1..={}, got {n}", all.len()),
        ));
    }
    Ok(all[..n].iter().map(|s| s.to_string()).collect())
}

/// SplitMix64 step: a well-mixed 64-bit value from any 64-bit input.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The seed of one (stream, index) under `seed`.
pub fn sample_seed(seed: u64, stream: &str, index: usize) -> u64 {
    mix(mix(mix(seed) ^ fnv(stream)) ^ index as u64)
}

impl SynthOptions {
    /// Check the options before any work.
    pub fn check(&self) -> Result<()> {
        let op = "data::synthplaces";
        if self.categories.is_empty() {
            return Err(Error::invalid(
                op,
                "categories",
                "need at least one category",
            ));
        }
        if self.per_category == 0 {
            return Err(Error::invalid(op, "per_category", "must be at least 1"));
        }
        if !(16..=512).contains(&self.image_size) {
            return Err(Error::invalid(
                op,
                "image_size",
                format!("must be in 16..=512, got {}", self.image_size),
            ));
        }
        if self.modalities.is_empty() {
            return Err(Error::invalid(
                op,
                "modalities",
                "need at least one modality",
            ));
        }
        for m in &self.modalities {
            if !ORDER.contains(&m.as_str()) {
                return Err(Error::invalid(
                    op,
                    "modalities",
                    format!("unknown modality '{m}'; valid: {}", ORDER.join(", ")),
                ));
            }
        }
        Ok(())
    }
}

/// Generate a SynthPlaces dataset (split "all"). Every modality records the object types an
/// ideal observer perceives in each sample, and the dataset the world's content model, so
/// `Dataset::ideal_accuracy` gives the Bayes ceiling per modality.
pub fn synthplaces(o: &SynthOptions) -> Result<Dataset> {
    o.check()?;
    let cats = Category::world(&o.categories);
    let fillers = world::fillers(&cats);
    let ctx = scene::Context {
        fillers: &fillers,
        setting_cue: o.setting_cue,
    };
    let n = cats.len() * o.per_category;
    let labels: Vec<usize> = (0..n).map(|i| i / o.per_category).collect();
    let instance = |m: &str, i: usize| {
        let stream = if o.paired { "scene" } else { m };
        let mut r = crate::tensor::create::rng(sample_seed(o.seed, stream, i));
        Instance::draw(labels[i], &cats[labels[i]], &ctx, &mut r)
    };
    let render_rng = |m: &str, i: usize| {
        crate::tensor::create::rng(sample_seed(o.seed, &format!("{m}/render"), i))
    };
    let ids = |v: Vec<usize>| v.into_iter().map(|t| t as u16).collect::<Vec<u16>>();
    let mut mods = vec![];
    for m in &o.modalities {
        let m = m.as_str();
        let (store, objects) = match m {
            "dsc" => {
                let (texts, objs): (Vec<Arc<str>>, Vec<Vec<u16>>) = (0..n)
                    .into_par_iter()
                    .map(|i| {
                        let inst = instance(m, i);
                        let (s, named) =
                            dsc::describe(&inst, &cats[labels[i]].name, &mut render_rng(m, i));
                        (Arc::<str>::from(s), ids(named))
                    })
                    .unzip();
                (Store::Texts(texts), objs)
            }
            "snd" => {
                let (data, objs): (Vec<Arc<[f32]>>, Vec<Vec<u16>>) = (0..n)
                    .into_par_iter()
                    .map(|i| {
                        let (wave, heard) = snd::render(&instance(m, i), &mut render_rng(m, i));
                        (Arc::<[f32]>::from(wave), ids(heard))
                    })
                    .unzip();
                let len = (snd::SECONDS * super::audio::RATE as f32) as usize;
                (Store::Sounds { len, data }, objs)
            }
            _ => {
                let f = match m {
                    "nat" => nat::render,
                    "clp" => clp::render,
                    "ldr" => ldr::render,
                    _ => spt::render,
                };
                let (data, objs): (Vec<Arc<[u8]>>, Vec<Vec<u16>>) = (0..n)
                    .into_par_iter()
                    .map(|i| {
                        let inst = instance(m, i);
                        let px = f(&inst, o.image_size, &mut render_rng(m, i));
                        (Arc::<[u8]>::from(px), ids(inst.visible_types()))
                    })
                    .unzip();
                (
                    Store::Images {
                        size: o.image_size,
                        data,
                    },
                    objs,
                )
            }
        };
        mods.push(Modality {
            name: m.to_string(),
            store,
            labels: labels.clone(),
            pair_ids: o.paired.then(|| (0..n).collect()),
            objects: Some(objects),
        });
    }
    let content = Content {
        object_names: world::objects()
            .iter()
            .map(|t| t.name.to_string())
            .collect(),
        signatures: cats
            .iter()
            .map(|c| c.signature.iter().map(|&t| t as u16).collect())
            .collect(),
    };
    Ok(Dataset::new(o.categories.clone(), mods, "all")?.with_content(content))
}
