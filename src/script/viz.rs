//! `viz::` — t-SNE of feature tensors, the inputs that drive a unit in every modality, and
//! feature inversion (the Rust core is `crate::viz::{tsne, units, inverter}`); the `Units` and
//! `Inverter` types.

use super::convert::{guard, guard_at, index, RhaiResult};
use super::net::ScriptNet;
use super::options::Opts;
use super::value::ScriptTensor;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::eval::FeatureSet;
use crate::viz::inverter::{train_inverter, Inverter, InverterOpts};
use crate::viz::tsne::{tsne, Method, TsneConfig};
use crate::viz::units::{UnitOpts, UnitPick, Units};
use rhai::plugin::*;
use rhai::{Array, Dynamic, Engine, Map, FLOAT, INT};
use std::io::IsTerminal;
use std::sync::Arc;

/// A trained inverter as scripts hold it (type name `Inverter`).
#[derive(Clone)]
pub struct ScriptInverter(pub Arc<Inverter>);

/// Register the `Units` and `Inverter` types and the `viz::` namespace.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<Units>("Units");
    engine.register_type_with_name::<ScriptInverter>("Inverter");
    let mut module = exported_module!(viz_api);
    module.combine_flatten(exported_module!(viz_methods));
    engine.register_static_module("viz", module.into());
}

const UNIT_KEYS: &[&str] = &[
    "layer",
    "units",
    "k",
    "modalities",
    "seed",
    "threshold",
    "words",
    "batch",
];

/// The `viz::top_units` settings from an option map.
pub fn unit_options(map: Map) -> Result<UnitOpts> {
    let op = "viz::top_units";
    let o = Opts::new(op, map, UNIT_KEYS)?;
    let d = UnitOpts::default();
    let units = match o.get("units") {
        None => d.units.clone(),
        Some(v) if v.is_array() => {
            let a = v.read_lock::<Array>().expect("checked array");
            UnitPick::List(
                a.iter()
                    .map(|x| index(op, "units", x))
                    .collect::<Result<_>>()?,
            )
        }
        Some(v) => UnitPick::Count(
            index(op, "units", v)
                .map_err(|_| Error::invalid(op, "units", "a count or an array of unit indices"))?,
        ),
    };
    match &units {
        UnitPick::Count(0) => {
            return Err(Error::invalid(op, "units", "must be at least 1, got 0"));
        }
        UnitPick::List(l) if l.is_empty() => {
            return Err(Error::invalid(
                op,
                "units",
                "the list of unit indices is empty",
            ));
        }
        _ => {}
    }
    Ok(UnitOpts {
        layer: o.choice("layer", &d.layer, &crate::nn::Activations::ACCEPTED)?,
        units,
        k: o.usize("k", d.k)?,
        modalities: o.strings("modalities", &[])?,
        seed: o.seed()?,
        threshold: o.f64("threshold", d.threshold)?,
        words: o.usize("words", d.words)?,
        batch: o.usize("batch", d.batch)?,
    })
}

const INVERTER_KEYS: &[&str] = &[
    "layer",
    "modality",
    "size",
    "steps",
    "lr",
    "batch",
    "width",
    "seed",
    "quiet",
    "log_every",
];

/// The `viz::train_inverter` settings from an option map.
pub fn inverter_options(map: Map) -> Result<InverterOpts> {
    let o = Opts::new("viz::train_inverter", map, INVERTER_KEYS)?;
    let d = InverterOpts::default();
    Ok(InverterOpts {
        layer: o.choice("layer", &d.layer, &crate::nn::Activations::ACCEPTED)?,
        modality: o.string("modality", &d.modality)?,
        size: o.usize("size", d.size)?,
        steps: o.usize("steps", d.steps)?,
        lr: o.f64("lr", d.lr)?,
        batch: o.usize("batch", d.batch)?,
        width: o.usize("width", d.width)?,
        seed: o.seed()?,
        quiet: o.bool("quiet", d.quiet)?,
        log_every: o.usize("log_every", d.log_every)?,
    })
}

fn floats(v: impl IntoIterator<Item = f64>) -> Array {
    v.into_iter().map(|x| Dynamic::from(x as FLOAT)).collect()
}

fn ints(v: impl IntoIterator<Item = usize>) -> Array {
    v.into_iter().map(|x| Dynamic::from(x as INT)).collect()
}

/// One shown unit as a map (see `units.unit(i)`).
fn unit_map(u: &Units, i: usize) -> Result<Map> {
    let unit = u.units.get(i).ok_or_else(|| {
        Error::invalid(
            "units.unit",
            "i",
            format!("{i} is out of range: {} units are shown", u.units.len()),
        )
    })?;
    let mut per = Map::new();
    for t in &unit.per_modality {
        let mut m = Map::new();
        m.insert(
            "items".into(),
            Dynamic::from_array(ints(t.items.iter().copied())),
        );
        m.insert(
            "activations".into(),
            Dynamic::from_array(floats(t.activations.iter().copied())),
        );
        m.insert(
            "labels".into(),
            Dynamic::from_array(ints(t.labels.iter().copied())),
        );
        m.insert("purity".into(), Dynamic::from(t.purity as FLOAT));
        m.insert("silent".into(), Dynamic::from(t.silent));
        m.insert(
            "words".into(),
            Dynamic::from_array(t.words.iter().map(|w| Dynamic::from(w.0.clone())).collect()),
        );
        m.insert(
            "argmax".into(),
            Dynamic::from_array(
                t.masks
                    .iter()
                    .map(|mk| match mk {
                        Some(mk) => Dynamic::from_array(ints([mk.argmax.0, mk.argmax.1])),
                        None => Dynamic::UNIT,
                    })
                    .collect(),
            ),
        );
        per.insert(t.modality.as_str().into(), Dynamic::from_map(m));
    }
    let mut out = Map::new();
    out.insert("index".into(), Dynamic::from(unit.index as INT));
    out.insert("category".into(), Dynamic::from(unit.category as INT));
    out.insert(
        "category_name".into(),
        Dynamic::from(unit.category_name.clone()),
    );
    out.insert("score".into(), Dynamic::from(unit.score as FLOAT));
    out.insert("agreement".into(), Dynamic::from(unit.agreement as FLOAT));
    out.insert("modalities".into(), Dynamic::from_map(per));
    Ok(out)
}

/// Train an inverter, printing progress unless quiet.
fn run_inverter(net: &ScriptNet, data: &Dataset, opts: Map) -> Result<ScriptInverter> {
    let o = inverter_options(opts)?;
    let every = if o.log_every > 0 {
        o.log_every
    } else {
        (o.steps / 10).max(1)
    };
    let steps = o.steps;
    let quiet = o.quiet;
    let started = std::time::Instant::now();
    let acc = std::cell::RefCell::new(vec![]);
    let cb = |step: usize, loss: f64| {
        let mut a = acc.borrow_mut();
        a.push(loss);
        if !quiet && (step.is_multiple_of(every) || step == steps) {
            let mean = a.iter().sum::<f64>() / a.len() as f64;
            println!(
                "viz::train_inverter: step {step}/{steps}, mse {mean:.4} ({:.1} s)",
                started.elapsed().as_secs_f64()
            );
            a.clear();
        }
    };
    let inv = train_inverter(&*net.read()?, data, &o, Some(&cb))?;
    if !quiet {
        println!(
            "viz::train_inverter: {} {} features -> {}×{} {} images, final mse {:.4} (mean-image baseline {:.4})",
            inv.modality,
            inv.layer,
            inv.size,
            inv.size,
            inv.modality,
            inv.final_loss(),
            inv.baseline
        );
    }
    Ok(ScriptInverter(Arc::new(inv)))
}

/// `viz::` functions and the methods of `Units` and `Inverter`.
#[export_module]
pub mod viz_methods {
    use super::*;

    /// The unit indices shown, in order (most aligned first when a count was asked for).
    #[rhai_fn(global, pure, get = "units", name = "units")]
    pub fn units(u: &mut Units) -> Array {
        ints(u.indices())
    }

    /// The alignment score of each shown unit: the mean over modalities of the fraction of the
    /// modality's top-k in the unit's category.
    #[rhai_fn(global, pure, get = "scores", name = "scores")]
    pub fn scores(u: &mut Units) -> Array {
        floats(u.units.iter().map(|x| x.score))
    }

    /// The category name of each shown unit (the majority of its top inputs over all modalities).
    #[rhai_fn(global, pure, get = "categories", name = "categories")]
    pub fn categories(u: &mut Units) -> Array {
        u.units
            .iter()
            .map(|x| Dynamic::from(x.category_name.clone()))
            .collect()
    }

    /// The fraction of modalities whose own top-k majority is the unit's category, per unit.
    #[rhai_fn(global, pure, get = "agreement", name = "agreement")]
    pub fn agreement(u: &mut Units) -> Array {
        floats(u.units.iter().map(|x| x.agreement))
    }

    /// How many units are shown.
    #[rhai_fn(global, pure, name = "len", get = "len")]
    pub fn len(u: &mut Units) -> INT {
        u.units.len() as INT
    }

    /// The i-th shown unit as a map: `index`, `category`, `category_name`, `score`,
    /// `agreement`, and `modalities`: per modality `items`, `activations`, `labels`, `purity`,
    /// `silent`, `words` (texts) and `argmax` (the [row, column] of each image's activation map
    /// maximum, for spatial layers).
    #[rhai_fn(global, pure, return_raw)]
    pub fn unit(u: &mut Units, i: INT) -> RhaiResult<Map> {
        guard("units.unit", || {
            unit_map(u, index("units.unit", "i", &Dynamic::from(i))?)
        })
    }

    /// Everything as JSON text (units, top items, scores, words, mask argmax positions).
    #[rhai_fn(global, pure, name = "to_json", return_raw)]
    pub fn to_json(u: &mut Units) -> RhaiResult<String> {
        guard("units.to_json", || u.to_json_string())
    }

    /// Write the JSON to a file.
    #[rhai_fn(global, pure, name = "to_json", return_raw)]
    pub fn to_json_file(u: &mut Units, path: &str) -> RhaiResult<()> {
        guard("units.to_json", || {
            let s = u.to_json_string()?;
            std::fs::write(path, s).map_err(|e| Error::file("units.to_json", path, e))
        })
    }

    /// `Units[pool5: 8 units, k 5; best unit 17 (beach, 0.80)]`.
    #[rhai_fn(global, pure, name = "to_string")]
    pub fn units_to_string(u: &mut Units) -> String {
        let best = u
            .units
            .first()
            .map(|x| {
                format!(
                    "; first unit {} ({}, {:.2})",
                    x.index, x.category_name, x.score
                )
            })
            .unwrap_or_default();
        format!(
            "Units[{}: {} units, k {}{best}]",
            u.layer,
            u.units.len(),
            u.k
        )
    }

    /// The one-line form.
    #[rhai_fn(global, pure, name = "to_debug")]
    pub fn units_to_debug(u: &mut Units) -> String {
        units_to_string(u)
    }

    /// Images [n, 3, size, size] in (0, 1) drawn from features: a tensor [n, D] or a FeatureSet
    /// of the inverter's layer (e.g. `net.features(data, "pool5")`).
    #[rhai_fn(global, pure, name = "invert", return_raw)]
    pub fn invert(inv: &mut ScriptInverter, x: Dynamic) -> RhaiResult<ScriptTensor> {
        guard("inverter.invert", || {
            let t = if let Some(t) = x.read_lock::<ScriptTensor>() {
                t.tensor().clone()
            } else if let Some(f) = x.read_lock::<FeatureSet>() {
                f.x.clone()
            } else {
                return Err(Error::invalid(
                    "inverter.invert",
                    "features",
                    format!("expected a Tensor or a FeatureSet, got {}", x.type_name()),
                ));
            };
            Ok(ScriptTensor::new(inv.0.invert(&t)?))
        })
    }

    /// The training loss of every step as `[[step, mse], ...]`.
    #[rhai_fn(global, pure, get = "losses", name = "losses")]
    pub fn losses(inv: &mut ScriptInverter) -> Array {
        inv.0
            .losses
            .iter()
            .map(|(s, l)| {
                Dynamic::from_array(vec![Dynamic::from(*s as INT), Dynamic::from(*l as FLOAT)])
            })
            .collect()
    }

    /// The MSE of the mean training image: what a decoder that ignores its input reaches.
    #[rhai_fn(global, pure, get = "baseline", name = "baseline")]
    pub fn baseline(inv: &mut ScriptInverter) -> FLOAT {
        inv.0.baseline
    }

    /// The mean training loss over the last tenth of the steps.
    #[rhai_fn(global, pure, get = "final_loss", name = "final_loss")]
    pub fn final_loss(inv: &mut ScriptInverter) -> FLOAT {
        inv.0.final_loss()
    }

    /// The layer the inverter reads.
    #[rhai_fn(global, pure, get = "layer")]
    pub fn inv_layer(inv: &mut ScriptInverter) -> String {
        inv.0.layer.clone()
    }

    /// The side of the images it draws.
    #[rhai_fn(global, pure, get = "size")]
    pub fn inv_size(inv: &mut ScriptInverter) -> INT {
        inv.0.size as INT
    }

    /// `Inverter[pool5 -> 32×32 nat; mse 0.031, baseline 0.052]`.
    #[rhai_fn(global, pure, name = "to_string")]
    pub fn inv_to_string(inv: &mut ScriptInverter) -> String {
        let i = &inv.0;
        format!(
            "Inverter[{} -> {}×{} {}; mse {:.4}, baseline {:.4}]",
            i.layer,
            i.size,
            i.size,
            i.modality,
            i.final_loss(),
            i.baseline
        )
    }

    /// The one-line form.
    #[rhai_fn(global, pure, name = "to_debug")]
    pub fn inv_to_debug(inv: &mut ScriptInverter) -> String {
        inv_to_string(inv)
    }
}

const TSNE_KEYS: &[&str] = &[
    "dims",
    "perplexity",
    "iters",
    "method",
    "seed",
    "theta",
    "exaggeration",
    "exaggeration_iters",
    "learning_rate",
    "progress",
    "deterministic",
];

/// The t-SNE settings from an option map.
pub fn tsne_config(map: Map) -> Result<(TsneConfig, bool)> {
    let o = Opts::new("viz::tsne", map, TSNE_KEYS)?;
    let d = TsneConfig::default();
    let cfg = TsneConfig {
        dims: o.usize("dims", d.dims)?,
        perplexity: o.f64("perplexity", d.perplexity)?,
        iters: o.usize("iters", d.iters)?,
        method: Method::parse(&o.choice("method", "auto", &["auto", "exact", "bh", "fft"])?)?,
        seed: o.seed()?,
        theta: o.f64("theta", d.theta)?,
        exaggeration: o.f64("exaggeration", d.exaggeration)?,
        exaggeration_iters: o.usize("exaggeration_iters", d.exaggeration_iters)?,
        learning_rate: if o.has("learning_rate") {
            Some(o.f64("learning_rate", 0.0)?)
        } else {
            None
        },
        deterministic: o.bool("deterministic", d.deterministic)?,
    };
    Ok((cfg, o.bool("progress", true)?))
}

fn run(x: &ScriptTensor, map: Map) -> Result<ScriptTensor> {
    let (cfg, progress) = tsne_config(map)?;
    let n = x.tensor().dims().first().copied().unwrap_or(0);
    // A bar only when a person watches stderr; logs and tests get the final line alone.
    let bar = (progress && std::io::stderr().is_terminal()).then(|| {
        let b = indicatif::ProgressBar::new(cfg.iters as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("t-SNE {bar:30} {pos}/{len} {msg} [{elapsed}]")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    let cb = |it: usize, kl: f64| {
        if let Some(b) = &bar {
            b.set_position(it as u64);
            b.set_message(format!("KL {kl:.4}"));
        }
    };
    let r = tsne(x.tensor(), &cfg, Some(&cb));
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let r = r?;
    println!(
        "viz::tsne: {n} points -> {}-D ({}), {} iterations, KL = {:.4}",
        cfg.dims,
        r.method.name(),
        r.iters,
        r.kl
    );
    Ok(ScriptTensor::new(r.embedding))
}

#[export_module]
pub mod viz_api {
    use super::*;

    /// t-SNE of the rows of an N×D tensor: returns an N×2 (or N×3) tensor and prints the final
    /// KL divergence (a progress bar with the running KL is drawn when stderr is a terminal).
    ///
    /// Options (defaults = openTSNE's recipe):
    /// - `dims`: 2 or 3 (2)
    /// - `perplexity`: effective neighbours (30); needs N ≥ 3·perplexity + 2
    /// - `iters`: total iterations, the first `exaggeration_iters` exaggerated (750)
    /// - `method`: `"auto"` (exact up to 500 points, else `"fft"` in 2-D, `"bh"` in 3-D),
    ///   `"exact"`, `"bh"` (Barnes–Hut), `"fft"` (FFT-interpolated, 2-D only)
    /// - `seed`: seed of the PCA initialisation's start (the run's `--seed`)
    /// - `theta`: Barnes–Hut accuracy (0.5)
    /// - `exaggeration` (12), `exaggeration_iters` (250)
    /// - `learning_rate`: per phase max(N / exaggeration, 50) unless given
    /// - `progress`: draw the bar (true)
    /// - `deterministic`: one thread, so the same seed gives a bit-identical map (true); false
    ///   uses every core, faster, but runs then differ by roundings that t-SNE amplifies
    ///
    /// ```rhai
    /// let x = tensor::randn([60, 5], #{ seed: 1 });
    /// let y = viz::tsne(x, #{ perplexity: 5, iters: 300, seed: 1 });
    /// assert(y.shape == [60, 2]);
    /// ```
    #[rhai_fn(name = "tsne", return_raw)]
    pub fn tsne_opts(
        ctx: NativeCallContext,
        x: ScriptTensor,
        opts: Map,
    ) -> RhaiResult<ScriptTensor> {
        guard_at(ctx.call_position(), "viz::tsne", || run(&x, opts))
    }

    /// For each unit of a layer, the k inputs per modality that activate it most (CMPlaces
    /// Figure 5; Zhou et al.): images with a receptive-field mask (spatial layers), descriptions
    /// with the tf-idf top words of their top texts, and an alignment score per unit. Returns a
    /// `Units` (`units`, `scores`, `categories`, `agreement`, `unit(i)`, `to_json()`); draw it
    /// with `plot::units`.
    ///
    /// A pool5 unit is a channel (its maximum over space; non-spatial encoders' pool5 is read the
    /// way the shared trunk reads it, channel-major); a unit of fc6, fc7 or logits is one element.
    /// The unit's category is the majority label of the top-k of all modalities pooled; its score
    /// is the mean over modalities of the fraction of the modality's top-k in that category (1 =
    /// every top input of every modality shows it), its agreement the fraction of modalities
    /// whose own majority is that category.
    ///
    /// Options (defaults): `layer` ["pool5" | "fc6" | "fc7" | "logits"], `units` [8]: an array of
    /// unit indices, or a count: that many units with the highest score (ties: agreement, then
    /// index); `k` [5] inputs per modality; `modalities` [every modality of both the net and the
    /// data]; `seed` [--seed] orders ties of equal activation at random; `threshold` [0.5] of the
    /// activation map's maximum for the mask; `words` [6] tf-idf words per text modality;
    /// `batch` [128] items per forward pass.
    ///
    /// ```rhai
    /// let d = data::synthplaces(#{ categories: 3, per_category: 4, modalities: ["nat", "dsc"], seed: 1 });
    /// let net = nn::cross_modal(d, #{ fc6: 32, fc7: 32, seed: 1 });
    /// let u = viz::top_units(net, d, #{ units: 3, k: 2 });
    /// assert(u.units.len() == 3 && u.scores[0] >= u.scores[2], "the best three, best first");
    /// assert(u.unit(0).modalities.dsc.words.len() > 0, "words for the descriptions");
    /// ```
    #[rhai_fn(return_raw)]
    pub fn top_units(
        ctx: NativeCallContext,
        net: ScriptNet,
        data: Dataset,
        opts: Map,
    ) -> RhaiResult<Units> {
        guard_at(ctx.call_position(), "viz::top_units", || {
            let o = unit_options(opts)?;
            crate::viz::units::top_units(&*net.read()?, &data, &o)
        })
    }

    /// The paper's unit study (CMPlaces section 5.2) measured exactly on generated data: for each
    /// unit (channel) of the features, the object shown by most of its top-`k` items of the
    /// `real` modality; a unit counts when at least `min_real` of them show it, and then the
    /// share of counted units whose object appears in at least one (two) of the top-`k` items of
    /// every other modality is reported (the paper: 33% (19%) for Method A, 25% (14%) for BL-Ind,
    /// judged by people). `features` are a layer's activations of `data` (`net.features(data,
    /// "pool5")`, or `m::features` for a map of nets). Returns `#{ examined, consistent,
    /// at_least_one, at_least_two, units }`, `units` one map per counted unit (`index`, `object`,
    /// `shown`: modality → top items showing the object).
    ///
    /// Options (defaults): `channels` [128, scene-net-s pool5], `real` ["nat"], `k` [5],
    /// `min_real` [4].
    ///
    /// ```rhai
    /// let d = data::synthplaces(#{ categories: 3, per_category: 6, modalities: ["nat", "dsc"], seed: 1 });
    /// let net = nn::cross_modal(d, #{ fc6: 16, fc7: 16, seed: 1 });
    /// let u = viz::object_units(net.features(d, "pool5"), d, #{ min_real: 2 });
    /// assert(u.examined == 128 && u.at_least_one >= 0.0 && u.at_least_one <= 1.0, "shares");
    /// ```
    #[rhai_fn(return_raw)]
    pub fn object_units(
        ctx: NativeCallContext,
        features: FeatureSet,
        data: Dataset,
        opts: Map,
    ) -> RhaiResult<Map> {
        guard_at(ctx.call_position(), "viz::object_units", || {
            let op = "viz::object_units";
            let o = Opts::new(op, opts, &["channels", "real", "k", "min_real"])?;
            let d = crate::viz::object_units::ObjectUnitOpts::default();
            let opts = crate::viz::object_units::ObjectUnitOpts {
                channels: o.usize("channels", d.channels)?,
                real: o.string("real", &d.real)?,
                k: o.usize("k", d.k)?,
                min_real: o.usize("min_real", d.min_real)?,
            };
            let r = crate::viz::object_units::object_units(&features, &data, &opts)?;
            let mut out = Map::new();
            out.insert("examined".into(), Dynamic::from(r.examined as INT));
            out.insert(
                "consistent".into(),
                Dynamic::from(r.consistent.len() as INT),
            );
            out.insert("at_least_one".into(), Dynamic::from_float(r.at_least_one));
            out.insert("at_least_two".into(), Dynamic::from_float(r.at_least_two));
            let units: Array = r
                .consistent
                .iter()
                .map(|u| {
                    let mut m = Map::new();
                    m.insert("index".into(), Dynamic::from(u.index as INT));
                    m.insert("object".into(), Dynamic::from(u.object.clone()));
                    let shown: Map = u
                        .shown
                        .iter()
                        .map(|(k, c)| (k.as_str().into(), Dynamic::from(*c as INT)))
                        .collect();
                    m.insert("shown".into(), Dynamic::from_map(shown));
                    Dynamic::from_map(m)
                })
                .collect();
            out.insert("units".into(), Dynamic::from_array(units));
            Ok(out)
        })
    }

    /// Train an up-convolutional decoder (Dosovitskiy & Brox) from the net's features of one
    /// image modality to the images, downsampled; returns an `Inverter` whose
    /// `invert(features)` draws any modality's features as such images (CMPlaces Figure 6; see
    /// `plot::inversions`). The net is not changed. Prints progress unless `quiet`.
    ///
    /// Decoder: linear to `width`×4×4, then per doubling a 2× nearest upsampling and a 3×3
    /// convolution (halving the channels, at least 16) with ReLU, a last 3×3 convolution to RGB
    /// and a sigmoid. Trained by AdamW on the mean squared error; features are divided by their
    /// root mean square on the training images.
    ///
    /// Options (defaults): `layer` ["pool5" | "fc6" | "fc7" | "logits"], `modality` ["nat"],
    /// `size` [32]: 8, 16, 32, 64 …; `steps` [300], `lr` [0.001], `batch` [32], `width` [128],
    /// `seed` [--seed], `quiet` [false], `log_every` [steps / 10].
    ///
    /// ```rhai
    /// let d = data::synthplaces(#{ categories: 2, per_category: 4, modalities: ["nat", "clp"], seed: 1 });
    /// let net = nn::cross_modal(d, #{ fc6: 32, fc7: 32, seed: 1 });
    /// let inv = viz::train_inverter(net, d, #{ size: 8, steps: 3, batch: 4, width: 16, quiet: true });
    /// assert(inv.invert(net.features(d, "pool5")).shape == [16, 3, 8, 8], "an image per row");
    /// ```
    #[rhai_fn(return_raw)]
    pub fn train_inverter(
        ctx: NativeCallContext,
        net: ScriptNet,
        data: Dataset,
        opts: Map,
    ) -> RhaiResult<ScriptInverter> {
        guard_at(ctx.call_position(), "viz::train_inverter", || {
            run_inverter(&net, &data, opts)
        })
    }

    /// t-SNE with the default options (2-D, perplexity 30, 750 iterations, method auto).
    ///
    /// ```rhai
    /// let y = viz::tsne(tensor::randn([100, 4], #{ seed: 2 }));
    /// assert(y.shape == [100, 2]);
    /// ```
    #[rhai_fn(name = "tsne", return_raw)]
    pub fn tsne_default(ctx: NativeCallContext, x: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard_at(ctx.call_position(), "viz::tsne", || run(&x, Map::new()))
    }
}
