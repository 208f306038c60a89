//! `train::` — the phased training loop, pair terms for See-Hear-Read, and the `History` it
//! returns; `reg::penalty` (a prior as a loss term) is registered into `reg::` by `script::reg`.

use super::convert::{guard, guard_at, RhaiResult};
use super::net::ScriptNet;
use super::options::Opts;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::train::optim::OptimizerKind;
use crate::train::schedule::Decay;
use crate::train::{FitConfig, History, Phase, Sampling, Term};
use rhai::plugin::*;
use rhai::{Array, Dynamic, Engine, Map, FLOAT, INT};
use std::path::PathBuf;
use std::sync::Arc;

/// Register `train::`, `Term` and `History`.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<Term>("Term");
    engine.register_type_with_name::<History>("History");
    engine.register_static_module("train", exported_module!(train_api).into());
}

const FIT_KEYS: &[&str] = &[
    "phases",
    "iters",
    "epochs",
    "lr",
    "batch",
    "optimizer",
    "momentum",
    "weight_decay",
    "nesterov",
    "beta1",
    "beta2",
    "eps",
    "sampling",
    "seed",
    "clip",
    "log_every",
    "val",
    "val_every",
    "checkpoint",
    "checkpoint_every",
    "resume",
    "metrics",
    "quiet",
    "stop_after",
];
const PHASE_KEYS: &[&str] = &[
    "name",
    "iters",
    "epochs",
    "lr",
    "lr_mult",
    "frozen",
    "schedule",
    "step_every",
    "gamma",
    "min_lr",
    "warmup",
    "regularizers",
    "terms",
    "ce_weight",
    "modalities",
];

fn optional_path(o: &Opts, key: &str) -> Result<Option<PathBuf>> {
    match o.get(key) {
        None => Ok(None),
        Some(d) if d.is_unit() => Ok(None),
        Some(_) => Ok(Some(PathBuf::from(o.string(key, "")?))),
    }
}

fn optional_usize(o: &Opts, key: &str) -> Result<Option<usize>> {
    match o.get(key) {
        None => Ok(None),
        Some(d) if d.is_unit() => Ok(None),
        Some(_) => o.usize(key, 0).map(Some),
    }
}

/// Steps in one epoch: the largest modality divided by the batch, rounded up.
fn steps_per_epoch(ds: &Dataset, batch: usize) -> Result<usize> {
    let mut most = 1;
    for m in ds.modalities() {
        most = most.max(ds.len_of(&m)?);
    }
    Ok(most.div_ceil(batch.max(1)))
}

/// `lr_mult: #{ pattern: multiplier }` of a phase map.
fn lr_mults(o: &Opts, op: &str) -> Result<Vec<(String, f64)>> {
    let Some(d) = o.get("lr_mult") else {
        return Ok(vec![]);
    };
    let map = d.read_lock::<Map>().ok_or_else(|| {
        Error::invalid(
            op,
            "lr_mult",
            "expected a map such as #{ shared: 10.0, \"enc.dsc\": 0.1 }",
        )
    })?;
    map.iter()
        .map(|(k, v)| {
            let m = super::convert::number(op, &format!("lr_mult.{k}"), v)?;
            Ok((k.to_string(), m))
        })
        .collect()
}

fn phase_from(map: Map, index: usize, ds: &Dataset, batch: usize) -> Result<Phase> {
    let op = format!("train::fit phase {}", index + 1);
    let o = Opts::new(&op, map, PHASE_KEYS)?;
    let iters = match (o.has("iters"), o.has("epochs")) {
        (true, true) => {
            return Err(Error::invalid(
                &op,
                "iters/epochs",
                "give iters or epochs, not both",
            ))
        }
        (_, true) => o.usize("epochs", 1)? * steps_per_epoch(ds, batch)?,
        _ => o.usize("iters", 100)?,
    };
    let lr = o.f64("lr", 1e-3)?;
    let schedule = o.choice("schedule", "constant", &["constant", "step", "cosine"])?;
    for (key, needs) in [
        ("step_every", "step"),
        ("gamma", "step"),
        ("min_lr", "cosine"),
    ] {
        if o.has(key) && schedule != needs {
            return Err(Error::invalid(
                &op,
                key,
                format!(
                    "applies only to schedule: \"{needs}\" and this phase's schedule is \"{schedule}\"; add schedule: \"{needs}\" or drop {key}"
                ),
            ));
        }
    }
    let decay = match schedule.as_str() {
        "step" => Decay::Step {
            every: o.usize("step_every", (iters / 3).max(1))?,
            gamma: o.f64("gamma", 0.1)?,
        },
        "cosine" => Decay::Cosine {
            total: iters.max(1),
            min_lr: o.f64("min_lr", 0.0)?,
        },
        _ => Decay::Constant,
    };
    let mut terms = vec![];
    for key in ["regularizers", "terms"] {
        if let Some(d) = o.get(key) {
            let arr = d.read_lock::<Array>().ok_or_else(|| {
                Error::invalid(
                    &op,
                    key,
                    "expected an array of terms such as reg::penalty(prior, \"fc7\", 1e-3)",
                )
            })?;
            for (i, t) in arr.iter().enumerate() {
                terms.push(t.read_lock::<Term>().map(|t| t.clone()).ok_or_else(|| {
                    Error::invalid(
                        &op,
                        key,
                        format!("item {i} is a {}, not a Term", t.type_name()),
                    )
                })?);
            }
        }
    }
    Ok(Phase {
        name: o.string("name", &format!("phase {}", index + 1))?,
        iters,
        frozen: o.strings("frozen", &[])?,
        lr,
        lr_mult: lr_mults(&o, &op)?,
        decay,
        warmup: o.usize("warmup", 0)?,
        terms,
        ce_weight: o.f64("ce_weight", 1.0)?,
        modalities: o.strings("modalities", &[])?,
    })
}

/// Turn the option map of `train::fit` into a `FitConfig` (and the validation set).
pub fn fit_config(opts: Map, ds: &Dataset) -> Result<(FitConfig, Option<Dataset>)> {
    let op = "train::fit";
    let o = Opts::new(op, opts, FIT_KEYS)?;
    let batch = o.usize("batch", 16)?;
    let phases = match o.get("phases") {
        Some(d) => {
            if o.has("iters") || o.has("epochs") {
                return Err(Error::invalid(
                    op,
                    "phases",
                    "give phases, or iters/epochs/lr for a single phase, not both",
                ));
            }
            let arr = d
                .read_lock::<Array>()
                .ok_or_else(|| Error::invalid(op, "phases", "expected an array of phase maps"))?;
            arr.iter()
                .enumerate()
                .map(|(i, p)| {
                    let m = p
                        .read_lock::<Map>()
                        .ok_or_else(|| {
                            Error::invalid(
                                op,
                                "phases",
                                format!("phase {} is a {}, not a map", i + 1, p.type_name()),
                            )
                        })?
                        .clone();
                    phase_from(m, i, ds, batch)
                })
                .collect::<Result<Vec<_>>>()?
        }
        None => {
            let mut m = Map::new();
            for k in ["iters", "epochs", "lr"] {
                if let Some(v) = o.get(k) {
                    m.insert(k.into(), v.clone());
                }
            }
            vec![phase_from(m, 0, ds, batch)?]
        }
    };
    let opt_name = o.choice("optimizer", "sgd", &["sgd", "adamw"])?;
    let (other, keys): (&str, &[&str]) = if opt_name == "adamw" {
        ("sgd", &["momentum", "nesterov"])
    } else {
        ("adamw", &["beta1", "beta2", "eps"])
    };
    if let Some(k) = keys.iter().find(|k| o.has(k)) {
        return Err(Error::invalid(
            op,
            k,
            format!("applies only to optimizer: \"{other}\" and this fit uses \"{opt_name}\""),
        ));
    }
    let optimizer = match opt_name.as_str() {
        "adamw" => OptimizerKind::AdamW {
            beta1: o.f64("beta1", 0.9)?,
            beta2: o.f64("beta2", 0.999)?,
            eps: o.f64("eps", 1e-8)?,
            weight_decay: o.f64("weight_decay", 0.01)?,
        },
        _ => OptimizerKind::Sgd {
            momentum: o.f64("momentum", 0.9)?,
            weight_decay: o.f64("weight_decay", 5e-4)?,
            nesterov: o.bool("nesterov", false)?,
        },
    };
    let sampling = match o
        .choice("sampling", "balanced", &["balanced", "round_robin"])?
        .as_str()
    {
        "round_robin" => Sampling::RoundRobin,
        _ => Sampling::Balanced,
    };
    let val = match o.get("val") {
        None => None,
        Some(d) if d.is_unit() => None,
        Some(d) => Some(d.read_lock::<Dataset>().map(|v| v.clone()).ok_or_else(|| {
            Error::invalid(
                op,
                "val",
                format!("expected a Dataset, got {}", d.type_name()),
            )
        })?),
    };
    let clip = match o.get("clip") {
        None => None,
        Some(d) if d.is_unit() => None,
        Some(_) => Some(o.f64("clip", 0.0)?),
    };
    let cfg = FitConfig {
        phases,
        batch,
        optimizer,
        sampling,
        seed: o.seed()?,
        clip,
        log_every: o.usize("log_every", 10)?,
        val_every: o.usize("val_every", 0)?,
        checkpoint: optional_path(&o, "checkpoint")?,
        checkpoint_every: o.usize("checkpoint_every", 0)?,
        resume: optional_path(&o, "resume")?,
        metrics: optional_path(&o, "metrics")?,
        quiet: o.bool("quiet", false)?,
        stop_after: optional_usize(&o, "stop_after")?,
    };
    Ok((cfg, val))
}

fn pair_opts(op: &str, opts: Map, keys: &[&str]) -> Result<Opts> {
    Opts::new(op, opts, keys)
}

#[export_module]
pub mod train_api {
    use super::*;

    /// Train a net on a dataset through phases; returns the `History`.
    ///
    /// Options (defaults): `phases` (a list of phase maps; or `iters` [100] / `epochs` and `lr`
    /// [0.001] for a single phase), `batch` [16] items per modality per step, `optimizer`
    /// ["sgd"|"adamw"] with `momentum` [0.9], `weight_decay` [5e-4 for SGD, 0.01 for AdamW],
    /// `nesterov` [false], `beta1` [0.9], `beta2` [0.999], `eps` [1e-8]; `sampling`
    /// ["balanced": every modality each step | "round_robin"]; `seed` [--seed]; `clip` [none]
    /// (max global gradient norm); `log_every` [10]; `val` [none] a Dataset and `val_every` [0 =
    /// end of each phase]; `checkpoint` [none] a `.safetensors` path written at the end of each
    /// phase and every `checkpoint_every` [0] steps; `resume` [none] a checkpoint to continue
    /// from; `metrics` [none] a JSON-lines file; `quiet` [false]; `stop_after` [none] steps
    /// (stops as Ctrl-C does: finishes the step, saves, returns).
    ///
    /// Phase keys: `name`, `iters` or `epochs`, `lr` [0.001], `lr_mult` [#{}] per-group
    /// learning-rate multipliers by layer or group (`#{ shared: 0.1, fc8: 10.0 }`; the longest
    /// matching name wins), `frozen` [[]] layers or groups ("shared", "fc7", "enc.dsc"), `schedule` ["constant"|"step"|"cosine"] with `step_every`,
    /// `gamma` [0.1], `min_lr` [0]; `warmup` [0] steps; `regularizers` [[]] terms from
    /// `reg::penalty`, `train::transfer`, `train::ranking`, `train::info_nce`; `ce_weight` [1.0];
    /// `modalities` [all] that get softmax batches.
    ///
    /// ```rhai
    /// let d = data::synthplaces(#{ categories: 3, per_category: 4, modalities: ["nat", "dsc"], seed: 1 });
    /// let net = nn::cross_modal(d, #{ fc6: 64, fc7: 64 });
    /// let h = train::fit(net, d, #{ phases: [#{ iters: 2, frozen: ["shared"] }, #{ iters: 2 }], batch: 2, quiet: true });
    /// assert(h.series("total").len() == 2, "one history row per phase end");
    /// h.plot("history.png");
    /// assert(sys::exists("history.png"), "the curves are drawn");
    /// ```
    #[rhai_fn(return_raw)]
    pub fn fit(
        ctx: NativeCallContext,
        net: ScriptNet,
        data: Dataset,
        opts: Map,
    ) -> RhaiResult<History> {
        guard_at(ctx.call_position(), "train::fit", || {
            let (cfg, val) = fit_config(opts, &data)?;
            // A net cannot be its own teacher: the loop holds it for writing while the term reads.
            let own_teacher = cfg.phases.iter().flat_map(|p| &p.terms).any(
                |t| matches!(t, Term::Transfer { teacher, .. } if Arc::ptr_eq(teacher, &net.0)),
            );
            if own_teacher {
                return Err(Error::invalid(
                    "train::fit",
                    "regularizers",
                    "a transfer term's teacher is the net being trained; pass a different net",
                ));
            }
            let mut n = net.write()?;
            let r = crate::train::fit(&mut n, &data, val.as_ref(), &cfg)?;
            Ok(r.history)
        })
    }

    /// A model-transfer term (See-Hear-Read): the student's class distribution on modality `to`
    /// follows the teacher's on the paired items of modality `from`, by KL divergence.
    /// Options: `from` ["nat"], `to` (required), `temperature` [1.0], `weight` [1.0].
    #[rhai_fn(return_raw)]
    pub fn transfer(ctx: NativeCallContext, teacher: ScriptNet, opts: Map) -> RhaiResult<Term> {
        guard_at(ctx.call_position(), "train::transfer", || {
            let o = pair_opts(
                "train::transfer",
                opts,
                &["from", "to", "temperature", "weight"],
            )?;
            if !o.has("to") {
                return Err(Error::invalid(
                    "train::transfer",
                    "to",
                    "required: the student's modality, e.g. \"snd\"",
                ));
            }
            Ok(Term::Transfer {
                teacher: teacher.shared(),
                from: o.string("from", "nat")?,
                to: o.string("to", "")?,
                temperature: o.positive("temperature", 1.0)?,
                weight: o.non_negative("weight", 1.0)?,
            })
        })
    }

    /// A ranking term (See-Hear-Read): Σ max(0, Δ − cos(aᵢ, bᵢ) + cos(aᵢ, bⱼ)) over in-batch
    /// negatives, both directions, on paired items. Options: `a` ["nat"], `b` (required),
    /// `layer` ["fc7"], `margin` [0.5], `weight` [1.0].
    #[rhai_fn(return_raw)]
    pub fn ranking(ctx: NativeCallContext, opts: Map) -> RhaiResult<Term> {
        guard_at(ctx.call_position(), "train::ranking", || {
            let o = pair_opts(
                "train::ranking",
                opts,
                &["a", "b", "layer", "margin", "weight"],
            )?;
            if !o.has("b") {
                return Err(Error::invalid(
                    "train::ranking",
                    "b",
                    "required: the modality paired with a, e.g. \"snd\"",
                ));
            }
            Ok(Term::Ranking {
                a: o.string("a", "nat")?,
                b: o.string("b", "")?,
                layer: o.string("layer", "fc7")?,
                margin: o.non_negative("margin", 0.5)?,
                weight: o.non_negative("weight", 1.0)?,
            })
        })
    }

    /// A symmetric InfoNCE term (as CLIP) on paired items. Options: `a` ["nat"], `b`
    /// (required), `layer` ["fc7"], `temperature` [0.07], `weight` [1.0].
    #[rhai_fn(return_raw)]
    pub fn info_nce(ctx: NativeCallContext, opts: Map) -> RhaiResult<Term> {
        guard_at(ctx.call_position(), "train::info_nce", || {
            let o = pair_opts(
                "train::info_nce",
                opts,
                &["a", "b", "layer", "temperature", "weight"],
            )?;
            if !o.has("b") {
                return Err(Error::invalid(
                    "train::info_nce",
                    "b",
                    "required: the modality paired with a",
                ));
            }
            Ok(Term::InfoNce {
                a: o.string("a", "nat")?,
                b: o.string("b", "")?,
                layer: o.string("layer", "fc7")?,
                temperature: o.positive("temperature", 0.07)?,
                weight: o.non_negative("weight", 1.0)?,
            })
        })
    }

    /// The name a term has in logs (`ce`, `gmm.fc7`, `transfer.nat>snd`, ...).
    #[rhai_fn(global, pure, name = "to_string")]
    pub fn term_to_string(t: &mut Term) -> String {
        format!("Term[{}]", t.name())
    }

    /// A series of the history as `[[step, value], ...]`: a loss term (`total`, `ce`, ...),
    /// `acc.<modality>` (training batches) or `val.<modality>` (validation). A name the history
    /// does not hold is an error listing the names it has (`h.names()`).
    #[rhai_fn(global, pure, name = "series", return_raw)]
    pub fn series(h: &mut History, name: &str) -> RhaiResult<Array> {
        guard("history.series", || {
            let names = h.series_names();
            if !names.iter().any(|n| n == name) {
                return Err(Error::invalid(
                    "history.series",
                    "name",
                    format!(
                        "no series '{name}'; this history has: {}",
                        if names.is_empty() {
                            "none (nothing was logged)".to_string()
                        } else {
                            names.join(", ")
                        }
                    ),
                ));
            }
            Ok(h.series(name)
                .into_iter()
                .map(|(s, v)| {
                    Dynamic::from_array(vec![Dynamic::from(s as INT), Dynamic::from(v as FLOAT)])
                })
                .collect())
        })
    }

    /// The names of every series in the history.
    #[rhai_fn(global, pure, name = "names")]
    pub fn names(h: &mut History) -> Array {
        h.series_names().into_iter().map(Dynamic::from).collect()
    }

    /// The last validation accuracy per modality, as a map.
    #[rhai_fn(global, pure, name = "final_validation")]
    pub fn final_validation(h: &mut History) -> Map {
        h.final_validation()
            .into_iter()
            .map(|(k, v)| (k.into(), Dynamic::from(v)))
            .collect()
    }

    /// Write the history as JSON.
    #[rhai_fn(global, pure, name = "to_json", return_raw)]
    pub fn to_json(h: &mut History, path: &str) -> RhaiResult<()> {
        guard("history.to_json", || {
            let text = serde_json::to_string_pretty(h)
                .map_err(|e| Error::file("history.to_json", path, e))?;
            crate::tensor::io::write_atomic(std::path::Path::new(path), |tmp| {
                std::fs::write(tmp, &text)
            })
            .map_err(|e| Error::file("history.to_json", path, e))
        })
    }

    /// Draw the history (PNG or SVG by extension): the loss terms, the training-batch accuracy
    /// per modality and the validation accuracy per modality, one panel each, over steps.
    #[rhai_fn(global, pure, name = "plot", return_raw)]
    pub fn plot(h: &mut History, path: &str) -> RhaiResult<()> {
        guard("history.plot", || {
            let names = h.series_names();
            let panel = |title: &str, pick: &dyn Fn(&str) -> Option<String>| -> Panel {
                let series = names
                    .iter()
                    .filter_map(|n| {
                        pick(n).map(|label| {
                            (
                                label,
                                h.series(n)
                                    .into_iter()
                                    .map(|(s, v)| (s as f64, v))
                                    .collect(),
                            )
                        })
                    })
                    .collect();
                (title.to_string(), series)
            };
            let panels: Vec<_> = vec![
                panel("loss", &|n: &str| {
                    (!n.starts_with("acc.") && !n.starts_with("val.")).then(|| n.to_string())
                }),
                panel("training accuracy", &|n: &str| {
                    n.strip_prefix("acc.").map(str::to_string)
                }),
                panel("validation accuracy", &|n: &str| {
                    n.strip_prefix("val.").map(str::to_string)
                }),
            ]
            .into_iter()
            .filter(|(_, s): &(String, Vec<_>)| !s.is_empty())
            .collect();
            let chart = crate::viz::plot::curves::Curves {
                panels,
                title: "training".into(),
            };
            crate::viz::plot::save(&chart, path, (1200, 900))
        })
    }

    /// A one-paragraph summary: rows, last losses, last validation accuracy.
    #[rhai_fn(global, pure, name = "to_string")]
    pub fn history_to_string(h: &mut History) -> String {
        let last = h
            .steps
            .last()
            .map(|r| {
                r.losses
                    .iter()
                    .map(|(k, v)| format!("{k} {v:.4}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default();
        let val = h
            .final_validation()
            .iter()
            .map(|(k, v)| format!("{k} {v:.3}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "History[{} steps logged; last: {last}; validation: {val}]",
            h.steps.len()
        )
    }
}

/// One panel of `history.plot`: a title and named (step, value) series.
type Panel = (String, Vec<(String, Vec<(f64, f64)>)>);

/// `reg::penalty(prior, layer, lambda)` and its options, for `script::reg` to register.
pub fn penalty_term(
    prior: Arc<crate::objectives::Prior>,
    layer: &str,
    lambda: f64,
    opts: Map,
) -> Result<Term> {
    let o = Opts::new("reg::penalty", opts, &["modalities", "per_dim"])?;
    if !crate::nn::Activations::NAMES.contains(&layer) {
        return Err(Error::invalid(
            "reg::penalty",
            "layer",
            format!("'{layer}' is not a layer; use pool5, fc6, fc7 or logits"),
        ));
    }
    if !(lambda >= 0.0 && lambda.is_finite()) {
        return Err(Error::invalid(
            "reg::penalty",
            "lambda",
            format!("must be >= 0, got {lambda}"),
        ));
    }
    Ok(Term::Prior {
        prior,
        layer: layer.into(),
        lambda,
        modalities: o.strings("modalities", &[])?,
        per_dim: o.bool("per_dim", true)?,
    })
}

/// `reg::penalty`, combined into the `reg::` namespace by `script::reg`.
#[export_module]
pub mod reg_penalty {
    use super::*;
    use crate::script::reg::ScriptPrior;

    /// A prior as a training term: λ · mean over the batch of −log p(h) / D, with h the
    /// activations of `layer` ("pool5", "fc6", "fc7") of every modality and D their width
    /// (CMPlaces Method B, eq. 1–4; the division by D makes one λ act alike on layers of any
    /// width). Put it in a phase's `regularizers`.
    ///
    /// ```rhai
    /// let p = reg::fit_gaussian(tensor::randn([50, 4], #{ seed: 1 }), #{ diagonal: true });
    /// let t = reg::penalty(p, "fc7", 1e-3);
    /// assert(t.to_string().contains("fc7"), "the term names its layer");
    /// ```
    #[rhai_fn(return_raw)]
    pub fn penalty(
        ctx: NativeCallContext,
        prior: ScriptPrior,
        layer: &str,
        lambda: Dynamic,
    ) -> RhaiResult<Term> {
        penalty_with(ctx, prior, layer, lambda, Map::new())
    }

    /// `reg::penalty(prior, layer, lambda, #{ modalities: [..], per_dim: true })`: only on those
    /// modalities (all when not given); `per_dim: false` drops the division by the width (the
    /// paper's sum, whose λ must then shrink with the layer's width).
    #[rhai_fn(name = "penalty", return_raw)]
    pub fn penalty_with(
        ctx: NativeCallContext,
        prior: ScriptPrior,
        layer: &str,
        lambda: Dynamic,
        opts: Map,
    ) -> RhaiResult<Term> {
        guard_at(ctx.call_position(), "reg::penalty", || {
            let l = crate::script::convert::number("reg::penalty", "lambda", &lambda)?;
            penalty_term(Arc::new(prior.prior.clone()), layer, l, opts)
        })
    }
}
