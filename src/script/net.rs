//! The script-side network (`Net`): a `CrossModalNet` shared behind a lock, so a script variable,
//! a teacher inside a loss term and the training loop can all hold the same net.
//! Also the dataset-facing verbs: `nn::cross_modal(dataset, opts)` and `net.features(data, layer)`.

use super::convert::{guard, guard_at, RhaiResult};
use super::options::Opts;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::eval::FeatureSet;
use crate::nn::feed::{self, TextInput};
use crate::nn::{CrossModalNet, NetConfig, PixelArch, SharedNet};
use candle_core::DType;
use candle_nn::{VarBuilder, VarMap};
use rhai::plugin::*;
use rhai::Map;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A net as scripts hold it (type name `Net`).
#[derive(Clone)]
pub struct ScriptNet(pub SharedNet);

impl ScriptNet {
    /// Wrap a net.
    pub fn new(net: CrossModalNet) -> Self {
        ScriptNet(Arc::new(RwLock::new(net)))
    }

    /// Read access.
    pub fn read(&self) -> Result<RwLockReadGuard<'_, CrossModalNet>> {
        self.0.read().map_err(|_| {
            Error::msg(
                "net: unusable after an internal error while it was being changed; rebuild it",
            )
        })
    }

    /// Write access.
    pub fn write(&self) -> Result<RwLockWriteGuard<'_, CrossModalNet>> {
        self.0.write().map_err(|_| {
            Error::msg(
                "net: unusable after an internal error while it was being changed; rebuild it",
            )
        })
    }

    /// The shared handle (for teacher terms).
    pub fn shared(&self) -> SharedNet {
        self.0.clone()
    }
}

const CROSS_MODAL_KEYS: &[&str] = &[
    "arch",
    "shared_pixel",
    "text",
    "max_len",
    "dropout",
    "fc6",
    "fc7",
    "text_hidden",
    "text_std",
    "embed_dim",
    "dtype",
    "device",
    "seed",
    "init",
];

/// Build a net with an encoder for each modality of `ds` (see `nn::cross_modal`'s doc).
pub fn cross_modal(ds: &Dataset, opts: Map) -> Result<ScriptNet> {
    let op = "nn::cross_modal";
    let o = Opts::new(op, opts, CROSS_MODAL_KEYS)?;
    let arch = match o
        .choice("arch", "scene-net-s", &["scene-net-s", "alexnet"])?
        .as_str()
    {
        "alexnet" => PixelArch::AlexNet,
        _ => PixelArch::SceneNetS,
    };
    let text = match o.choice("text", "mlp", &["mlp", "cnn"])?.as_str() {
        "cnn" => TextInput::Tokens {
            max_len: o.usize("max_len", 64)?,
        },
        _ => TextInput::Vectors,
    };
    let d = NetConfig::default();
    let wide = arch == PixelArch::AlexNet;
    let cfg = NetConfig {
        shared_pixel: o.bool("shared_pixel", false)?,
        dropout: o.f64("dropout", d.dropout)?,
        pool5: None,
        fc6: o.usize("fc6", if wide { 4096 } else { d.fc6 })?,
        fc7: o.usize("fc7", if wide { 4096 } else { d.fc7 })?,
        text_hidden: o.usize("text_hidden", d.text_hidden)?,
        text_std: o.f64("text_std", d.text_std)?,
        embed_dim: o.usize("embed_dim", d.embed_dim)?,
        seed: o.seed()?,
    };
    super::nn::check_config(o.op(), &cfg)?;
    let dtype = o.float_dtype("dtype", DType::F32)?;
    let dev = o.device("device")?;
    let specs = feed::specs_for(ds, arch, text)?;
    let net = CrossModalNet::new(
        &specs,
        ds.categories().len(),
        &cfg,
        VarBuilder::from_varmap(&VarMap::new(), dtype, &dev),
    )?;
    if let Some(t) = o.get("init").filter(|d| !d.is_unit()) {
        let teacher = t
            .read_lock::<ScriptNet>()
            .ok_or_else(|| {
                Error::invalid(op, "init", format!("expected a Net, got {}", t.type_name()))
            })?
            .clone();
        let teacher = teacher.read()?;
        feed::init_from_teacher(&net, &teacher)?;
    }
    Ok(ScriptNet::new(net))
}

#[export_module]
pub mod net_api {
    use super::*;

    /// A cross-modal network with one encoder per modality of `data` (images → pixel CNN,
    /// descriptions → text MLP or CNN, sounds → sound CNN, features → linear) and one shared
    /// trunk pool5 → fc6 → fc7 → fc8 (one output per category).
    ///
    /// Options (defaults): `arch` ["scene-net-s" | "alexnet"], `shared_pixel` [false] (one CNN for
    /// every pixel modality: BL-ShAll), `text` ["mlp" | "cnn"], `max_len` [64] words for the
    /// text CNN, `dropout` [0.5], `fc6`/`fc7` [1024; 4096 for alexnet], `text_hidden` [1024],
    /// `text_std` [0.1] (the paper's text MLP init), `embed_dim` [128], `dtype` ["f32"],
    /// `device` [default], `seed` [--seed], `init` [none]: a teacher Net whose shared layers and
    /// pixel encoder start every pixel modality (the paper starts every network from Places-CNN).
    ///
    /// ```rhai
    /// let d = data::synthplaces(#{ categories: 2, per_category: 2, modalities: ["nat", "dsc"], seed: 1 });
    /// let net = nn::cross_modal(d, #{ fc6: 32, fc7: 32, seed: 3 });
    /// assert(net.features(d, "fc7").len() == 8, "one row per item");
    /// ```
    #[rhai_fn(return_raw)]
    pub fn cross_modal(ctx: NativeCallContext, data: Dataset, opts: Map) -> RhaiResult<ScriptNet> {
        guard_at(ctx.call_position(), "nn::cross_modal", || {
            super::cross_modal(&data, opts)
        })
    }

    /// `nn::cross_modal(data, #{})`.
    #[rhai_fn(name = "cross_modal", return_raw)]
    pub fn cross_modal0(ctx: NativeCallContext, data: Dataset) -> RhaiResult<ScriptNet> {
        guard_at(ctx.call_position(), "nn::cross_modal", || {
            super::cross_modal(&data, Map::new())
        })
    }

    /// Features of a layer ("pool5", "fc6", "fc7", "logits") for every item of `data`, with
    /// labels and modalities, as a FeatureSet for `eval::retrieval`; extracted in batches of 128
    /// on the net's device.
    #[rhai_fn(global, pure, return_raw)]
    pub fn features(net: &mut ScriptNet, data: Dataset, layer: &str) -> RhaiResult<FeatureSet> {
        guard("net.features", || {
            crate::eval::extract::features(&*net.read()?, &data, layer, 128)
        })
    }

    /// Accuracy of the net on every item of one modality of `data`.
    #[rhai_fn(global, pure, return_raw)]
    pub fn accuracy(net: &mut ScriptNet, data: Dataset, modality: &str) -> RhaiResult<rhai::FLOAT> {
        guard("net.accuracy", || {
            feed::accuracy(&*net.read()?, &data, modality, 128)
        })
    }

    /// The root mean square of the net's pool5 activations over every item of `modality` in
    /// `data`: the activation scale that `match_scale` compares.
    #[rhai_fn(global, pure, return_raw)]
    pub fn pool5_rms(
        net: &mut ScriptNet,
        data: Dataset,
        modality: &str,
    ) -> RhaiResult<rhai::FLOAT> {
        guard("net.pool5_rms", || {
            feed::pool5_rms(&*net.read()?, &data, modality)
        })
    }

    /// Scale `modality`'s encoder (its last layer, before a ReLU) so that its pool5 activations
    /// on `data` have root mean square `target`, e.g. `teacher.pool5_rms(nat, "nat")`: a text or
    /// sound encoder then starts at the teacher's activation scale, as the CMPlaces paper asks
    /// of its text MLP's initialisation. Returns the factor applied.
    ///
    /// ```rhai
    /// let d = data::synthplaces(#{ categories: 2, per_category: 3, modalities: ["nat", "dsc"], seed: 1 });
    /// let net = nn::cross_modal(d, #{ fc6: 16, fc7: 16, seed: 2 });
    /// let target = net.pool5_rms(d, "nat");
    /// net.match_scale(d, "dsc", target);
    /// assert((net.pool5_rms(d, "dsc") / target - 1.0).abs() < 1e-4, "text now at the image scale");
    /// ```
    #[rhai_fn(global, pure, return_raw)]
    pub fn match_scale(
        net: &mut ScriptNet,
        data: Dataset,
        modality: &str,
        target: rhai::FLOAT,
    ) -> RhaiResult<rhai::FLOAT> {
        guard("net.match_scale", || {
            feed::match_scale(&*net.read()?, &data, modality, target)
        })
    }

    /// How far the shared layers moved from `teacher` (the net this one started from): a map from
    /// layer (`fc6`, `fc7`, `fc8`) to ‖W − W_teacher‖ / ‖W_teacher‖ of its weight.
    ///
    /// ```rhai
    /// let d = data::synthplaces(#{ categories: 2, per_category: 3, modalities: ["nat"], seed: 1 });
    /// let t = nn::cross_modal(d, #{ fc6: 16, fc7: 16, seed: 1 });
    /// let net = nn::cross_modal(d, #{ fc6: 16, fc7: 16, seed: 2, init: t });
    /// assert(net.drift(t).fc7 == 0.0 && net.drift(t).fc8 == 0.0, "a fresh copy has not moved");
    /// net.reset_classifier(5);
    /// assert(net.drift(t).fc8 > 0.5 && net.drift(t).fc7 == 0.0, "only the classifier is new");
    /// ```
    #[rhai_fn(global, pure, return_raw)]
    pub fn drift(net: &mut ScriptNet, teacher: ScriptNet) -> RhaiResult<rhai::Map> {
        guard("net.drift", || {
            let d = net.read()?.drift_from(&*teacher.read()?)?;
            Ok(d.into_iter()
                .map(|(k, v)| (k.into(), rhai::Dynamic::from_float(v)))
                .collect())
        })
    }

    /// Draw the classifier (fc8) afresh from `seed`, as conventional fine-tuning replaces a
    /// network's last layer for its new task (the BL-Ind baseline).
    #[rhai_fn(global, pure, return_raw)]
    pub fn reset_classifier(net: &mut ScriptNet, seed: rhai::INT) -> RhaiResult<()> {
        guard("net.reset_classifier", || {
            let seed = u64::try_from(seed).map_err(|_| {
                crate::Error::invalid(
                    "net.reset_classifier",
                    "seed",
                    format!("must be >= 0, got {seed}"),
                )
            })?;
            net.read()?.reset_classifier(seed)
        })
    }

    /// Start this net from a teacher (shared layers, and the teacher's pixel encoder for every
    /// pixel modality); returns how many tensors were copied.
    #[rhai_fn(global, pure, return_raw)]
    pub fn init_from(net: &mut ScriptNet, teacher: ScriptNet) -> RhaiResult<rhai::INT> {
        guard("net.init_from", || {
            Ok(feed::init_from_teacher(&*net.read()?, &*teacher.read()?)? as rhai::INT)
        })
    }

    /// A short description: `Net[nat, dsc → 20 classes; cpu]`.
    #[rhai_fn(global, pure, name = "to_debug")]
    pub fn to_debug(net: &mut ScriptNet) -> String {
        match net.read() {
            Ok(n) => format!(
                "Net[{} → {} classes; {}]",
                n.modality_names().join(", "),
                n.classes(),
                crate::device::name(n.device())
            ),
            Err(e) => e.to_string(),
        }
    }
}

/// The `nn::` functions defined here, for `script::mod` to combine with `script::nn`'s.
pub fn module() -> rhai::Module {
    exported_module!(net_api)
}

/// Extra `eval::` functions that need networks or several feature sets; `script::eval` combines
/// them into its namespace.
#[export_module]
pub mod eval_extra {
    use super::*;

    /// `eval::compare` with the rows in a chosen order: a list of `[name, table]` pairs (a map
    /// would sort the methods by name).
    ///
    /// ```rhai
    /// let labels = []; let mods = [];
    /// for i in 0..20 { labels.push(i % 2); mods.push(if i < 10 { "nat" } else { "dsc" }); }
    /// let f = eval::features(tensor::randn([20, 4], #{ seed: 1 }), labels, mods);
    /// let t = eval::retrieval(f, #{ queries: "all" });
    /// let c = eval::compare([["Z first", t], ["A second", t]]);
    /// assert(c.methods()[0] == "Z first", "order kept");
    /// ```
    #[rhai_fn(name = "compare", return_raw)]
    pub fn compare_ordered(
        ctx: NativeCallContext,
        rows: rhai::Array,
    ) -> RhaiResult<crate::eval::Comparison> {
        guard_at(ctx.call_position(), "eval::compare", || {
            let named: Vec<(String, crate::eval::RetrievalTable)> = rows
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let pair = r
                        .read_lock::<rhai::Array>()
                        .filter(|a| a.len() == 2)
                        .map(|a| a.clone());
                    let bad = || {
                        Error::invalid(
                            "eval::compare",
                            "rows",
                            format!("row {i} must be [name, RetrievalTable]"),
                        )
                    };
                    let pair = pair.ok_or_else(bad)?;
                    let name = pair[0].clone().into_string().map_err(|_| bad())?;
                    let table = pair[1]
                        .read_lock::<crate::eval::RetrievalTable>()
                        .map(|t| t.clone())
                        .ok_or_else(bad)?;
                    Ok((name, table))
                })
                .collect::<Result<_>>()?;
            crate::eval::compare(&named)
        })
    }

    /// Table 2 of the paper for one net: cross-modal retrieval at each layer, as a map from layer
    /// to RetrievalTable (`table.mean()` is the Table 2 cell). Options as `eval::retrieval`.
    ///
    /// ```rhai
    /// let d = data::synthplaces(#{ categories: 2, per_category: 3, modalities: ["nat", "dsc"], seed: 1 });
    /// let net = nn::cross_modal(d, #{ fc6: 32, fc7: 32 });
    /// let t = eval::layer_table(net, d, ["pool5", "fc7"], #{ queries: "all" });
    /// assert(t.fc7.mean() >= 0.0 && t.pool5.mean() <= 1.0, "one table per layer");
    /// ```
    #[rhai_fn(return_raw)]
    pub fn layer_table(
        ctx: NativeCallContext,
        net: ScriptNet,
        data: Dataset,
        layers: rhai::Array,
        opts: Map,
    ) -> RhaiResult<Map> {
        guard_at(ctx.call_position(), "eval::layer_table", || {
            let ropts = crate::script::eval::retrieval_options("eval::layer_table", opts)?;
            let names = crate::script::convert::strings(
                "eval::layer_table",
                "layers",
                &rhai::Dynamic::from_array(layers),
            )?;
            let n = net.read()?;
            let mut out = Map::new();
            for layer in names {
                let f = crate::eval::extract::features(&n, &data, &layer, 128)?;
                let t = crate::eval::retrieval(&f, &ropts).map_err(|e| match e {
                    Error::Interrupted => e,
                    e => Error::msg(format!("eval::layer_table: layer '{layer}': {e}")),
                })?;
                out.insert(layer.into(), rhai::Dynamic::from(t));
            }
            Ok(out)
        })
    }

    /// The modality name of every row (`modalities()` lists the distinct names).
    #[rhai_fn(global, pure)]
    pub fn row_modalities(f: &mut FeatureSet) -> rhai::Array {
        f.modalities
            .iter()
            .map(|m| rhai::Dynamic::from(m.clone()))
            .collect()
    }

    /// Stack the rows of several FeatureSets (same width): e.g. one per modality from the
    /// separate networks of BL-Ind.
    ///
    /// ```rhai
    /// let a = eval::features(tensor::ones([2, 3]), [0, 1], ["nat", "nat"]);
    /// let b = eval::features(tensor::zeros([1, 3]), [1], ["dsc"]);
    /// assert(eval::concat([a, b]).len() == 3, "three rows");
    /// ```
    #[rhai_fn(return_raw)]
    pub fn concat(ctx: NativeCallContext, parts: rhai::Array) -> RhaiResult<FeatureSet> {
        guard_at(ctx.call_position(), "eval::concat", || {
            let sets: Vec<FeatureSet> = parts
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    d.read_lock::<FeatureSet>()
                        .map(|f| f.clone())
                        .ok_or_else(|| {
                            Error::invalid(
                                "eval::concat",
                                "parts",
                                format!("item {i} is a {}, not a FeatureSet", d.type_name()),
                            )
                        })
                })
                .collect::<Result<_>>()?;
            crate::eval::extract::concat(&sets)
        })
    }
}
