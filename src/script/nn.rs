//! `nn::` — cross-modal networks from encoder specs: build, run, freeze, copy, save and load.
//! The `Net` type wraps a shared `CrossModalNet`, so a net passed to a function is the same net.
//! `spec_from_map` and `config_from_opts` are public so that dataset-driven builders
//! (`nn::cross_modal`) can reuse the option parsing.

use super::convert::{guard, guard_at, strings, RhaiResult};
use super::options::Opts;
use super::value::ScriptTensor;
use crate::error::{Error, Result};
use crate::nn::{CrossModalNet, EncoderSpec, NetConfig, PixelArch};
use candle_core::DType;
use rhai::plugin::*;
use rhai::{Array, Dynamic, Engine, Map, INT};
use std::sync::Arc;

pub use super::net::ScriptNet;

/// Register the `Net` type and the `nn::` namespace.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<ScriptNet>("Net");
    // The dataset-driven verbs (nn::cross_modal, net.features) live in script::net.
    let mut module = exported_module!(nn_api);
    module.combine_flatten(super::net::module());
    engine.register_static_module("nn", module.into());
}

/// Keys of a modality spec map.
pub const SPEC_KEYS: [&str; 7] = ["kind", "arch", "dim", "vocab", "max_len", "mels", "frames"];

/// One encoder spec from `#{ kind: "pixel", arch: "scene-net-s" }`, `#{ kind: "text_vec", dim }`,
/// `#{ kind: "text_tokens", vocab, max_len }`, `#{ kind: "sound", mels, frames }` or
/// `#{ kind: "features", dim }`.
pub fn spec_from_map(op: &str, modality: &str, map: Map) -> Result<EncoderSpec> {
    let o = Opts::new(&format!("{op} (modality '{modality}')"), map, &SPEC_KEYS)?;
    let need = |key: &str| -> Result<usize> {
        if !o.has(key) {
            return Err(Error::invalid(o.op(), key, "required for this kind"));
        }
        o.usize(key, 0)
    };
    Ok(
        match o
            .choice(
                "kind",
                "pixel",
                &["pixel", "text_vec", "text_tokens", "sound", "features"],
            )?
            .as_str()
        {
            "pixel" => {
                let a = o.choice("arch", "scene-net-s", &["scene-net-s", "alexnet"])?;
                EncoderSpec::Pixel {
                    arch: PixelArch::parse(&a).unwrap_or(PixelArch::SceneNetS),
                }
            }
            "text_vec" => EncoderSpec::TextVec { dim: need("dim")? },
            "text_tokens" => EncoderSpec::TextTokens {
                vocab: need("vocab")?,
                max_len: need("max_len")?,
            },
            "sound" => EncoderSpec::Sound {
                mels: need("mels")?,
                frames: need("frames")?,
            },
            _ => EncoderSpec::Features { dim: need("dim")? },
        },
    )
}

/// Option keys of `NetConfig`.
pub const CONFIG_KEYS: [&str; 9] = [
    "shared_pixel",
    "dropout",
    "pool5",
    "fc6",
    "fc7",
    "text_hidden",
    "text_std",
    "embed_dim",
    "seed",
];

/// Refuse layer widths of 0 and a dropout outside [0, 1), naming the option (a width of 0 would
/// fail deep inside the initialiser with a message about distributions).
pub fn check_config(op: &str, cfg: &NetConfig) -> Result<()> {
    let widths = [
        ("pool5", cfg.pool5.unwrap_or(1)),
        ("fc6", cfg.fc6),
        ("fc7", cfg.fc7),
        ("text_hidden", cfg.text_hidden),
        ("embed_dim", cfg.embed_dim),
    ];
    if let Some((k, _)) = widths.iter().find(|(_, w)| *w == 0) {
        return Err(Error::invalid(
            op,
            k,
            "a layer width must be at least 1, got 0",
        ));
    }
    if !(0.0..1.0).contains(&cfg.dropout) {
        return Err(Error::invalid(
            op,
            "dropout",
            format!("must be in [0, 1), got {}", cfg.dropout),
        ));
    }
    Ok(())
}

/// A `NetConfig` from checked options (defaults as `NetConfig::default()`, seed from `--seed`).
pub fn config_from_opts(o: &Opts) -> Result<NetConfig> {
    let d = NetConfig::default();
    let cfg = NetConfig {
        shared_pixel: o.bool("shared_pixel", d.shared_pixel)?,
        dropout: o.f64("dropout", d.dropout)?,
        pool5: if o.has("pool5") {
            Some(o.usize("pool5", 0)?)
        } else {
            None
        },
        fc6: o.usize("fc6", d.fc6)?,
        fc7: o.usize("fc7", d.fc7)?,
        text_hidden: o.usize("text_hidden", d.text_hidden)?,
        text_std: o.f64("text_std", d.text_std)?,
        embed_dim: o.usize("embed_dim", d.embed_dim)?,
        seed: o.seed()?,
    };
    check_config(o.op(), &cfg)?;
    Ok(cfg)
}

fn names_arg(op: &str, d: &Dynamic) -> Result<Vec<String>> {
    strings(op, "names", d)
}

#[export_module]
pub mod nn_api {
    use super::*;

    /// Build a cross-modal net: one encoder per modality and a shared trunk pool5 → fc6 → fc7 →
    /// fc8. Options: `modalities` (required: a map from modality name to a spec map with `kind`
    /// "pixel" (`arch`: "scene-net-s" (default) or "alexnet"), "text_vec" (`dim`),
    /// "text_tokens" (`vocab`, `max_len`), "sound" (`mels`, `frames`) or "features" (`dim`)),
    /// `classes` (required), `shared_pixel: false` (one CNN for all pixel modalities, BL-ShAll),
    /// `dropout: 0.5`, `pool5` (from the pixel architecture, else 2048), `fc6: 1024`, `fc7: 1024`,
    /// `text_hidden: 1024`, `text_std: 0.1`, `embed_dim: 128`, `seed` (the run's), `device`,
    /// `dtype: "f32"`.
    ///
    /// ```rhai
    /// let net = nn::net(#{ modalities: #{ dsc: #{ kind: "text_vec", dim: 8 } }, classes: 3, pool5: 16, fc6: 8, fc7: 8 });
    /// let a = net.forward("dsc", tensor::randn([2, 8]));
    /// print(a.logits.shape == [2, 3]);   // true
    /// ```
    #[rhai_fn(return_raw)]
    pub fn net(ctx: NativeCallContext, opts: Map) -> RhaiResult<ScriptNet> {
        guard_at(ctx.call_position(), "nn::net", || {
            let op = "nn::net";
            let mut valid = vec!["modalities", "classes", "device", "dtype"];
            valid.extend_from_slice(&CONFIG_KEYS);
            let o = Opts::new(op, opts, &valid)?;
            let mods = o
                .get("modalities")
                .and_then(|d| d.read_lock::<Map>().map(|m| m.clone()))
                .ok_or_else(|| {
                    Error::invalid(
                        op,
                        "modalities",
                        "required: a map such as #{ nat: #{ kind: \"pixel\" } }",
                    )
                })?;
            let mut specs = vec![];
            for (name, spec) in mods {
                let m = spec.read_lock::<Map>().map(|m| m.clone()).ok_or_else(|| {
                    Error::invalid(
                        op,
                        "modalities",
                        format!(
                            "modality '{name}' needs a spec map, got {}",
                            spec.type_name()
                        ),
                    )
                })?;
                specs.push((name.to_string(), spec_from_map(op, &name, m)?));
            }
            if !o.has("classes") {
                return Err(Error::invalid(
                    op,
                    "classes",
                    "required: the number of classes",
                ));
            }
            let classes = o.usize("classes", 0)?;
            let cfg = config_from_opts(&o)?;
            let dtype = o.float_dtype("dtype", DType::F32)?;
            let dev = o.device("device")?;
            CrossModalNet::fresh(&specs, classes, &cfg, dtype, &dev).map(ScriptNet::new)
        })
    }

    /// Load a net saved by `net.save(path)` (the safetensors file and its `.json` sidecar) onto
    /// the default device.
    ///
    /// ```rhai
    /// // let net = nn::load("out/net.safetensors");
    /// ```
    #[rhai_fn(return_raw)]
    pub fn load(ctx: NativeCallContext, path: &str) -> RhaiResult<ScriptNet> {
        guard_at(ctx.call_position(), "nn::load", || {
            CrossModalNet::load(path, &crate::device::default_device()?).map(ScriptNet::new)
        })
    }

    /// Load a net onto `#{ device }`.
    #[rhai_fn(name = "load", return_raw)]
    pub fn load_opts(ctx: NativeCallContext, path: &str, opts: Map) -> RhaiResult<ScriptNet> {
        guard_at(ctx.call_position(), "nn::load", || {
            let o = Opts::new("nn::load", opts, &["device"])?;
            CrossModalNet::load(path, &o.device("device")?).map(ScriptNet::new)
        })
    }

    /// Run a batch of one modality in evaluation mode (no dropout); returns
    /// `#{ pool5, fc6, fc7, logits }`.
    ///
    /// ```rhai
    /// let net = nn::net(#{ modalities: #{ f: #{ kind: "features", dim: 4 } }, classes: 2, pool5: 4, fc6: 3, fc7: 3 });
    /// let a = net.forward("f", tensor::randn([5, 4]));
    /// print(a.fc7.shape == [5, 3]);   // true
    /// ```
    #[rhai_fn(global, pure, return_raw)]
    pub fn forward(net: &mut ScriptNet, modality: &str, x: ScriptTensor) -> RhaiResult<Map> {
        guard("net.forward", || {
            let a = net.0.read().unwrap().forward(modality, x.tensor(), false)?;
            let mut m = Map::new();
            for name in crate::nn::Activations::NAMES {
                m.insert(
                    name.into(),
                    Dynamic::from(ScriptTensor::new(a.get(name).unwrap().clone())),
                );
            }
            Ok(m)
        })
    }

    /// Exclude layers or groups from training: a name, a dotted prefix or a list of them
    /// (`"shared"`, `"enc.dsc"`, `"fc7"`, `["fc6", "fc7"]`).
    ///
    /// ```rhai
    /// let net = nn::net(#{ modalities: #{ f: #{ kind: "features", dim: 4 } }, classes: 2, pool5: 4, fc6: 3, fc7: 3 });
    /// net.freeze(["fc6", "fc7"]);
    /// ```
    #[rhai_fn(global, pure, return_raw)]
    pub fn freeze(net: &mut ScriptNet, names: Dynamic) -> RhaiResult<()> {
        guard("net.freeze", || {
            net.0
                .write()
                .unwrap()
                .freeze(&names_arg("net.freeze", &names)?)
        })
    }

    /// Make layers or groups trainable again (same names as `freeze`).
    #[rhai_fn(global, pure, return_raw)]
    pub fn unfreeze(net: &mut ScriptNet, names: Dynamic) -> RhaiResult<()> {
        guard("net.unfreeze", || {
            net.0
                .write()
                .unwrap()
                .unfreeze(&names_arg("net.unfreeze", &names)?)
        })
    }

    /// Copy every shared-trunk parameter (`shared.*`) from another net with the same trunk sizes.
    #[rhai_fn(global, pure, return_raw)]
    pub fn copy_shared_from(net: &mut ScriptNet, other: ScriptNet) -> RhaiResult<()> {
        guard("net.copy_shared_from", || {
            if Arc::ptr_eq(&net.0, &other.0) {
                return Ok(());
            }
            let src = other.0.read().unwrap();
            net.0.write().unwrap().copy_shared_from(&src)
        })
    }

    /// Read a PyTorch state dict (`.pth`/`.pt` written by `torch.save`) and rename its tensors
    /// with `name_map` (`#{ "features.0.weight": "enc.nat.conv1.weight", ... }`, torch name →
    /// xmodal name; an empty map keeps every tensor under its own name). Returns a map from name
    /// to tensor for `net.load_weights`.
    ///
    /// ```rhai
    /// // let w = nn::import_torch("alexnet_places.pth", #{ "features.0.weight": "enc.nat.conv1.weight" });
    /// // net.load_weights(w, #{ strict: false });
    /// ```
    #[rhai_fn(return_raw)]
    pub fn import_torch(ctx: NativeCallContext, path: &str, name_map: Map) -> RhaiResult<Map> {
        import_torch_opts(ctx, path, name_map, Map::new())
    }

    /// `nn::import_torch` with options: `key` [none] the entry holding the state dict (e.g.
    /// `"state_dict"`), `prefix` [""] stripped from every name first (e.g. `"module."`).
    #[rhai_fn(name = "import_torch", return_raw)]
    pub fn import_torch_opts(
        ctx: NativeCallContext,
        path: &str,
        name_map: Map,
        opts: Map,
    ) -> RhaiResult<Map> {
        guard_at(ctx.call_position(), "nn::import_torch", || {
            let o = Opts::new("nn::import_torch", opts, &["key", "prefix"])?;
            let key = o.has("key").then(|| o.string("key", "")).transpose()?;
            let prefix = o.string("prefix", "")?;
            let map = name_map
                .into_iter()
                .map(|(k, v)| {
                    v.into_string().map(|v| (k.to_string(), v)).map_err(|t| {
                        Error::msg(format!(
                            "nn::import_torch: name_map['{k}'] should be a string, got {t}"
                        ))
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let tensors = crate::nn::import::read_torch(
                std::path::Path::new(path),
                key.as_deref(),
                &prefix,
                &map,
            )?;
            Ok(tensors
                .into_iter()
                .map(|(n, t)| (n.into(), Dynamic::from(ScriptTensor::new(t))))
                .collect())
        })
    }

    /// Copy named tensors (a map from parameter name to tensor, as `nn::import_torch` or
    /// `tensor::load` return) into the net. Every name must be a parameter and every shape must
    /// match (the error names both); every parameter must be given (see the `strict` option).
    /// Returns the names loaded.
    #[rhai_fn(global, return_raw)]
    pub fn load_weights(net: &mut ScriptNet, tensors: Map) -> RhaiResult<Array> {
        load_weights_opts(net, tensors, Map::new())
    }

    /// `net.load_weights` with `#{ strict }` [true]: false keeps the current values of the
    /// parameters not given.
    #[rhai_fn(global, name = "load_weights", return_raw)]
    pub fn load_weights_opts(net: &mut ScriptNet, tensors: Map, opts: Map) -> RhaiResult<Array> {
        guard("net.load_weights", || {
            let o = Opts::new("net.load_weights", opts, &["strict"])?;
            let list = tensors
                .into_iter()
                .map(|(k, v)| {
                    v.try_cast::<ScriptTensor>()
                        .map(|t| (k.to_string(), t.tensor().clone()))
                        .ok_or_else(|| {
                            Error::msg(format!("net.load_weights: '{k}' should be a tensor"))
                        })
                })
                .collect::<Result<Vec<_>>>()?;
            let names = net
                .0
                .write()
                .unwrap()
                .load_weights(&list, o.bool("strict", true)?)?;
            Ok(names.into_iter().map(Dynamic::from).collect())
        })
    }

    /// Layers, shapes, parameter counts and which are frozen, as text.
    #[rhai_fn(global, pure)]
    pub fn summary(net: &mut ScriptNet) -> String {
        net.0.read().unwrap().summary()
    }

    /// Save the parameters (safetensors with path names) and the architecture (`<path>.json`).
    #[rhai_fn(global, pure, return_raw)]
    pub fn save(net: &mut ScriptNet, path: &str) -> RhaiResult<()> {
        guard("net.save", || net.0.read().unwrap().save(path))
    }

    /// The modality names.
    #[rhai_fn(global, pure, name = "modalities", get = "modalities")]
    pub fn modalities(net: &mut ScriptNet) -> rhai::Array {
        net.0
            .read()
            .unwrap()
            .modality_names()
            .into_iter()
            .map(Dynamic::from)
            .collect()
    }

    /// The number of classes.
    #[rhai_fn(global, pure, name = "classes", get = "classes")]
    pub fn classes(net: &mut ScriptNet) -> INT {
        net.0.read().unwrap().classes() as INT
    }

    /// `Net[nat, dsc; 205 classes; 12345678 params]`.
    #[rhai_fn(global, pure, name = "to_string")]
    pub fn to_string(net: &mut ScriptNet) -> String {
        let n = net.0.read().unwrap();
        let params: usize = n.varmap().all_vars().iter().map(|v| v.elem_count()).sum();
        format!(
            "Net[{}; {} classes; {params} params]",
            n.modality_names().join(", "),
            n.classes()
        )
    }

    /// Same as `to_string`.
    #[rhai_fn(global, pure, name = "to_debug")]
    pub fn to_debug(net: &mut ScriptNet) -> String {
        to_string(net)
    }
}
