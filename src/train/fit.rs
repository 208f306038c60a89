//! The training loop: phases in order, each with its own frozen layers, learning rate and loss
//! terms; balanced (or round-robin) batches across modalities and pair batches for pair terms;
//! progress, JSON-lines metrics, validation, checkpoints (atomic), exact resume, Ctrl-C, and a
//! clear error on a non-finite loss.

use super::batches::Batches;
use super::checkpoint;
use super::history::{History, JsonlWriter, StepRecord, ValRecord};
use super::optim::{clip_grad_norm, Optimizer, ParamGroup};
use super::phase::{FitConfig, Phase, Term};
use super::progress::{Mode, Progress};
use super::schedule::Schedule;
use super::step;
use crate::data::Dataset;
use crate::error::{Context, Error, Result};
use crate::nn::net::name_matches;
use crate::nn::{feed, CrossModalNet};
use candle_core::{DType, Tensor, Var};
use std::collections::{BTreeMap, BTreeSet};

/// What `fit` returns.
pub struct FitResult {
    pub history: History,
    /// Steps run by this call (not counting steps before a resume).
    pub steps: usize,
    /// True when Ctrl-C or `stop_after` ended the run early (a checkpoint was saved if asked).
    pub interrupted: bool,
}

/// Where a run stands: phase index, next step inside it, steps since the start of the run.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Position {
    phase: usize,
    step: usize,
    global: usize,
}

/// Train `net` on `train` through the phases of `cfg`, validating on `val` if given.
pub fn fit(
    net: &mut CrossModalNet,
    train: &Dataset,
    val: Option<&Dataset>,
    cfg: &FitConfig,
) -> Result<FitResult> {
    check(net, train, cfg)?;
    let user_frozen: BTreeSet<String> = net.frozen().into_iter().collect();
    let mut history = History::default();
    let mut pos = Position {
        phase: 0,
        step: 0,
        global: 0,
    };
    let mut resumed_state = None;
    if let Some(path) = &cfg.resume {
        let (tensors, meta) = checkpoint::read(path, net.device())?;
        if meta.get("global_step").is_none() {
            return Err(Error::file(
                "train::fit resume",
                path,
                "not a train::fit checkpoint (no step in its sidecar; net.save files hold \
                 weights only): give the path of the run's checkpoint option",
            ));
        }
        if let Some(seed) = meta["seed"].as_u64().filter(|&s| s != cfg.seed) {
            return Err(Error::invalid(
                "train::fit",
                "seed",
                format!(
                    "the checkpoint {} was made with seed {seed} but this run has seed {}; \
                     resume with the same seed so batches and dropout continue as they were",
                    path.display(),
                    cfg.seed
                ),
            ));
        }
        load_weights(net, &tensors, path)?;
        pos = Position {
            phase: meta["phase"].as_u64().unwrap_or(0) as usize,
            step: meta["step"].as_u64().unwrap_or(0) as usize,
            global: meta["global_step"].as_u64().unwrap_or(0) as usize,
        };
        history = serde_json::from_value(meta["history"].clone()).unwrap_or_default();
        resumed_state = Some(tensors);
    }
    let mut metrics = match &cfg.metrics {
        None => None,
        Some(p) if cfg.resume.is_some() => Some(JsonlWriter::resume(p, pos.global)?),
        Some(p) => Some(JsonlWriter::create(p)?),
    };
    let mode = Mode::auto(cfg.quiet);
    let mut ran = 0;
    let mut last_ckpt: Option<usize> = None;
    while pos.phase < cfg.phases.len() {
        let phase = &cfg.phases[pos.phase];
        let mods = phase_modalities(net, train, phase);
        net.unfreeze(&net.param_names())?;
        let frozen: Vec<String> = user_frozen
            .iter()
            .cloned()
            .chain(phase.frozen.iter().cloned())
            .collect();
        net.freeze(&frozen)?;
        let mut opt = Optimizer::new(
            cfg.optimizer.clone(),
            trainable_groups(net, &phase.lr_mult)?,
        )?;
        if let Some(state) = resumed_state.take() {
            opt.load_state(&state)?;
        }
        let schedule = Schedule::new(phase.lr, phase.decay.clone(), phase.warmup)?;
        let phase_seed = cfg.seed.wrapping_add(7919 * (pos.phase as u64 + 1));
        let mut batches = Batches::new(train, &mods, phase, cfg.batch, cfg.sampling, phase_seed)?;
        batches.skip(pos.step);
        let label = format!(
            "phase {}/{} {}",
            pos.phase + 1,
            cfg.phases.len(),
            phase.name
        );
        let progress = Progress::new(mode, &label, phase.iters, cfg.log_every.max(1) * 10);
        let check_every_step = net.device().is_cpu();
        while pos.step < phase.iters {
            if crate::interrupt::requested() || cfg.stop_after.is_some_and(|n| ran >= n) {
                progress.finish();
                save(cfg, net, Some(&opt), pos, &history)?;
                if !cfg.quiet {
                    eprintln!(
                        "training stopped at step {} of phase {}{}",
                        pos.step,
                        pos.phase + 1,
                        cfg.checkpoint
                            .as_ref()
                            .map(|p| format!("; checkpoint {}", p.display()))
                            .unwrap_or_default()
                    );
                }
                return Ok(FitResult {
                    history,
                    steps: ran,
                    interrupted: true,
                });
            }
            let batch = batches.next_batch();
            let l = step::loss(net, train, phase, &batch, cfg.seed, pos.global)?;
            let log_now =
                (pos.step + 1).is_multiple_of(cfg.log_every.max(1)) || pos.step + 1 == phase.iters;
            if check_every_step || log_now {
                finite(&l, pos.global, cfg, last_ckpt)?;
            }
            let mut grads = l.total.backward().op("backward")?;
            if let Some(max) = cfg.clip {
                clip_grad_norm(&mut grads, &net.trainable_vars(), max)?;
            }
            let lr = schedule.lr(pos.step);
            opt.step(&grads, lr)?;
            pos.step += 1;
            pos.global += 1;
            ran += 1;
            if log_now {
                let rec = record(&l, pos, lr)?;
                progress.update(pos.step, &status(&rec));
                if let Some(w) = metrics.as_mut() {
                    w.step(&rec)?;
                }
                history.steps.push(rec);
            }
            if cfg.val_every > 0 && pos.step.is_multiple_of(cfg.val_every) && pos.step < phase.iters
            {
                validate(net, val, &mods, pos, &mut history, metrics.as_mut())?;
            }
            if cfg.checkpoint_every > 0
                && pos.global.is_multiple_of(cfg.checkpoint_every)
                && pos.step < phase.iters
            {
                save(cfg, net, Some(&opt), pos, &history)?;
                last_ckpt = Some(pos.global);
            }
        }
        progress.finish();
        validate(net, val, &mods, pos, &mut history, metrics.as_mut())?;
        pos = Position {
            phase: pos.phase + 1,
            step: 0,
            global: pos.global,
        };
        // The next phase starts with a fresh optimizer, so its checkpoint holds none: a resume
        // from here then matches the uninterrupted run.
        save(cfg, net, None, pos, &history)?;
        last_ckpt = Some(pos.global);
    }
    net.unfreeze(&net.param_names())?;
    net.freeze(&user_frozen.into_iter().collect::<Vec<_>>())?;
    Ok(FitResult {
        history,
        steps: ran,
        interrupted: false,
    })
}

fn check(net: &CrossModalNet, train: &Dataset, cfg: &FitConfig) -> Result<()> {
    if cfg.phases.is_empty() {
        return Err(Error::invalid(
            "train::fit",
            "phases",
            "no phase given; e.g. phases: [#{ iters: 100 }]",
        ));
    }
    if cfg.batch == 0 {
        return Err(Error::invalid("train::fit", "batch", "must be at least 1"));
    }
    if let Some(p) = &cfg.checkpoint {
        if crate::tensor::io::format_of(p).ok() != Some(crate::tensor::io::Format::Safetensors) {
            return Err(Error::invalid(
                "train::fit",
                "checkpoint",
                format!(
                    "'{}' must end in .safetensors (the checkpoint is a safetensors file with a \
                     JSON sidecar)",
                    p.display()
                ),
            ));
        }
    }
    for (i, p) in cfg.phases.iter().enumerate() {
        if phase_modalities(net, train, p).is_empty() && p.ce_weight != 0.0 {
            return Err(Error::invalid(
                "train::fit",
                "modalities",
                format!(
                    "phase {} trains no modality: the net has {} and the data {}",
                    i + 1,
                    net.modality_names().join(", "),
                    train.modalities().join(", ")
                ),
            ));
        }
        let op = format!("train::fit phase {}", i + 1);
        let have = train.modalities();
        for m in &p.modalities {
            if !net.modality_names().contains(m) || !have.contains(m) {
                return Err(Error::invalid(
                    &op,
                    "modalities",
                    format!(
                        "unknown modality '{m}': '{m}' is not a modality of both the net ({}) and the data ({})",
                        net.modality_names().join(", "),
                        have.join(", ")
                    ),
                ));
            }
        }
        // A term naming a modality the data lacks would apply to nothing.
        for t in &p.terms {
            let named: Vec<&String> = match t {
                Term::Prior { modalities, .. } => modalities.iter().collect(),
                Term::Transfer { from, to, .. } => vec![from, to],
                Term::Ranking { a, b, .. } | Term::InfoNce { a, b, .. } => vec![a, b],
            };
            if let Some(m) = named.into_iter().find(|m| !have.contains(m)) {
                return Err(Error::invalid(
                    &op,
                    "regularizers",
                    format!(
                        "term {} names modality '{m}', which the training data lacks; its modalities are: {}",
                        t.name(),
                        have.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The modalities a phase trains with the softmax loss.
fn phase_modalities(net: &CrossModalNet, train: &Dataset, phase: &Phase) -> Vec<String> {
    if !phase.modalities.is_empty() {
        return phase.modalities.clone();
    }
    let have = train.modalities();
    net.modality_names()
        .into_iter()
        .filter(|m| have.contains(m))
        .collect()
}

/// The trainable parameters, in groups by learning-rate multiplier (name order within each;
/// groups in order of first appearance). A pattern that matches no parameter is an error.
fn trainable_groups(net: &CrossModalNet, mults: &[(String, f64)]) -> Result<Vec<ParamGroup>> {
    let all = net.param_names();
    for (pattern, m) in mults {
        if !all.iter().any(|n| name_matches(n, pattern)) {
            return Err(Error::invalid(
                "train::fit",
                "lr_mult",
                format!("'{pattern}' matches no parameter of the net (try \"shared\", \"fc8\", \"enc.<modality>\")"),
            ));
        }
        if !m.is_finite() || *m < 0.0 {
            return Err(Error::invalid(
                "train::fit",
                "lr_mult",
                format!("the multiplier of '{pattern}' must be a finite number ≥ 0, got {m}"),
            ));
        }
    }
    let mult_of = |name: &str| {
        mults
            .iter()
            .filter(|(p, _)| name_matches(name, p))
            .max_by_key(|(p, _)| p.len())
            .map_or(1.0, |(_, m)| *m)
    };
    let frozen: BTreeSet<String> = net.frozen().into_iter().collect();
    let data = net.varmap().data().lock().expect("varmap lock");
    let mut named: Vec<(&String, &Var)> =
        data.iter().filter(|(n, _)| !frozen.contains(*n)).collect();
    named.sort_by(|a, b| a.0.cmp(b.0));
    let mut groups: Vec<ParamGroup> = vec![];
    for (name, var) in named {
        let m = mult_of(name);
        match groups.iter_mut().find(|g| g.lr_mult == m) {
            Some(g) => {
                g.names.push(name.clone());
                g.vars.push(var.clone());
            }
            None => groups.push(ParamGroup {
                names: vec![name.clone()],
                vars: vec![var.clone()],
                lr_mult: m,
            }),
        }
    }
    Ok(groups)
}

fn load_weights(
    net: &CrossModalNet,
    tensors: &BTreeMap<String, Tensor>,
    path: &std::path::Path,
) -> Result<()> {
    let data = net.varmap().data().lock().expect("varmap lock");
    for (name, var) in data.iter() {
        let t = tensors.get(name).ok_or_else(|| {
            Error::file(
                "train::fit resume",
                path,
                format!(
                    "the checkpoint has no tensor '{name}': it was made by a different network"
                ),
            )
        })?;
        if t.dims() != var.dims() {
            return Err(Error::file(
                "train::fit resume",
                path,
                format!(
                    "tensor '{name}' has shape {:?} but the net expects {:?}",
                    t.dims(),
                    var.dims()
                ),
            ));
        }
        var.set(&t.to_dtype(var.dtype()).op("resume")?)
            .op("resume")?;
    }
    Ok(())
}

/// Save a checkpoint at `pos` if one is asked for; `opt` is the optimizer whose state a resume
/// at `pos` continues with (None at a phase boundary, where the next phase starts a fresh one).
fn save(
    cfg: &FitConfig,
    net: &CrossModalNet,
    opt: Option<&Optimizer>,
    pos: Position,
    history: &History,
) -> Result<()> {
    let Some(path) = &cfg.checkpoint else {
        return Ok(());
    };
    let mut tensors = match opt {
        Some(o) => o.state()?,
        None => BTreeMap::new(),
    };
    for (name, var) in net.varmap().data().lock().expect("varmap lock").iter() {
        tensors.insert(name.clone(), var.as_tensor().clone());
    }
    let meta = serde_json::json!({
        "phase": pos.phase, "step": pos.step, "global_step": pos.global, "seed": cfg.seed,
        "history": history,
    });
    checkpoint::write(path, &tensors, &meta)
}

fn scalar(t: &Tensor) -> Result<f64> {
    t.to_dtype(DType::F64)
        .and_then(|t| t.to_scalar::<f64>())
        .op("loss value")
}

fn finite(
    l: &step::StepLoss,
    global: usize,
    cfg: &FitConfig,
    last_ckpt: Option<usize>,
) -> Result<()> {
    let total = scalar(&l.total)?;
    if total.is_finite() {
        return Ok(());
    }
    let (term, value) = l
        .terms
        .iter()
        .map(|(n, t)| (n.clone(), scalar(t).unwrap_or(f64::NAN)))
        .find(|(_, v)| !v.is_finite())
        .unwrap_or(("total".into(), total));
    let kept = match (&cfg.checkpoint, last_ckpt) {
        (Some(p), Some(s)) => format!(
            "the last good checkpoint is {} (after step {s})",
            p.display()
        ),
        (Some(p), None) => format!(
            "no checkpoint was written before this step ({} holds none from this run)",
            p.display()
        ),
        (None, _) => "no checkpoint path was set (option checkpoint)".into(),
    };
    Err(Error::NonFinite {
        term,
        value,
        step: global + 1,
        hint: format!("lower the learning rate or clip gradients (option clip); {kept}"),
    })
}

fn record(l: &step::StepLoss, pos: Position, lr: f64) -> Result<StepRecord> {
    let mut losses = BTreeMap::new();
    for (n, t) in &l.terms {
        losses.insert(n.clone(), scalar(t)?);
    }
    losses.insert("total".into(), scalar(&l.total)?);
    let mut accuracy = BTreeMap::new();
    for (m, logits, y) in &l.logits {
        let eq = logits
            .argmax(1)
            .and_then(|p| p.eq(&y.to_dtype(DType::U32)?))
            .and_then(|e| e.to_dtype(DType::F64))
            .and_then(|e| e.mean_all())
            .op("batch accuracy")?;
        accuracy.insert(m.clone(), scalar(&eq)?);
    }
    Ok(StepRecord {
        phase: pos.phase,
        step: pos.global,
        lr,
        losses,
        accuracy,
    })
}

fn status(r: &StepRecord) -> String {
    let mut s: Vec<String> = r
        .losses
        .iter()
        .map(|(k, v)| format!("{k} {v:.4}"))
        .collect();
    if !r.accuracy.is_empty() {
        let mean = r.accuracy.values().sum::<f64>() / r.accuracy.len() as f64;
        s.push(format!("acc {mean:.3}"));
    }
    s.join(" ")
}

fn validate(
    net: &CrossModalNet,
    val: Option<&Dataset>,
    mods: &[String],
    pos: Position,
    history: &mut History,
    metrics: Option<&mut JsonlWriter>,
) -> Result<()> {
    let Some(val) = val else { return Ok(()) };
    let have = val.modalities();
    let mut accuracy = BTreeMap::new();
    for m in mods.iter().filter(|m| have.contains(m)) {
        accuracy.insert(m.clone(), feed::accuracy(net, val, m, 256)?);
    }
    let rec = ValRecord {
        phase: pos.phase,
        step: pos.global,
        accuracy,
    };
    if let Some(w) = metrics {
        w.validation(&rec)?;
    }
    history.validation.push(rec);
    Ok(())
}
