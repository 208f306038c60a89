//! One training step's loss: the softmax loss on each modality's batch, prior penalties on the
//! activations of those batches, and pair terms on batches of pairs. Each term is kept separately
//! so logs can show it and a NaN can be traced to it.

use super::phase::{Phase, Term};
use crate::data::Dataset;
use crate::error::{Context, Result};
use crate::nn::{feed, CrossModalNet};
use crate::objectives::{cross_entropy, info_nce, kl_transfer, ranking};
use candle_core::Tensor;

/// The batch of one step: item indices per modality, and index pairs per pair term.
pub struct StepBatch {
    pub items: Vec<(String, Vec<usize>)>,
    pub pairs: Vec<Vec<(usize, usize)>>,
}

/// The loss of a step, term by term.
pub struct StepLoss {
    pub total: Tensor,
    /// (name, weighted value) of each term.
    pub terms: Vec<(String, Tensor)>,
    /// (modality, logits, labels) for accuracy at logging steps.
    pub logits: Vec<(String, Tensor, Tensor)>,
}

/// A seed for the dropout masks of (step, modality slot): same run, same masks.
pub fn dropout_seed(seed: u64, global_step: usize, slot: usize) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add((global_step as u64) << 8)
        .wrapping_add(slot as u64)
}

/// Build the loss of one step.
pub fn loss(
    net: &CrossModalNet,
    ds: &Dataset,
    phase: &Phase,
    batch: &StepBatch,
    seed: u64,
    global_step: usize,
) -> Result<StepLoss> {
    let mut terms: Vec<(String, Tensor)> = vec![];
    let mut logits = vec![];
    let n_mod = batch.items.len().max(1) as f64;
    let mut ce_sum: Option<Tensor> = None;
    for (slot, (m, idx)) in batch.items.iter().enumerate() {
        if idx.is_empty() {
            continue;
        }
        let x = feed::inputs(net, ds, m, idx)?;
        let y = feed::labels(net, ds, m, idx)?;
        let acts = net.forward_train(m, &x, dropout_seed(seed, global_step, slot))?;
        if phase.ce_weight != 0.0 {
            let ce = (cross_entropy(&acts.logits, &y)? * (phase.ce_weight / n_mod))
                .op("softmax loss")?;
            ce_sum = Some(match ce_sum {
                Some(s) => (s + ce).op("softmax loss")?,
                None => ce,
            });
        }
        for t in &phase.terms {
            if let Term::Prior {
                prior,
                layer,
                lambda,
                modalities,
                per_dim,
            } = t
            {
                if !modalities.is_empty() && !modalities.contains(m) {
                    continue;
                }
                let h = acts.get(layer).ok_or_else(|| {
                    crate::Error::invalid(
                        "prior term",
                        "layer",
                        format!("no layer '{layer}'; use pool5, fc6, fc7 or logits"),
                    )
                })?;
                let width = if *per_dim {
                    h.dim(1).op("prior term")?
                } else {
                    1
                };
                let p = (prior.nll(h)?.mean_all().op("prior term")?
                    * (*lambda / n_mod / width.max(1) as f64))
                    .op("prior term")?;
                push_term(&mut terms, t.name(), p)?;
            }
        }
        logits.push((m.clone(), acts.logits.detach(), y));
    }
    if let Some(ce) = ce_sum {
        terms.insert(0, ("ce".into(), ce));
    }
    let pair_terms = phase.terms.iter().filter(|t| t.pair().is_some());
    for (k, (t, pairs)) in pair_terms.zip(&batch.pairs).enumerate() {
        if pairs.is_empty() {
            continue;
        }
        let (a, b) = t.pair().expect("pair term");
        let ia: Vec<usize> = pairs.iter().map(|p| p.0).collect();
        let ib: Vec<usize> = pairs.iter().map(|p| p.1).collect();
        let slot = 1000 + 2 * k;
        let value = match t {
            Term::Transfer {
                teacher,
                temperature,
                weight,
                ..
            } => {
                let target = {
                    let teacher = teacher.read().map_err(|_| {
                        crate::Error::msg(
                            "transfer term: the teacher net is poisoned by an earlier panic",
                        )
                    })?;
                    let xa = feed::inputs(&teacher, ds, a, &ia)?;
                    teacher.forward(a, &xa, false)?.logits.detach()
                };
                let xb = feed::inputs(net, ds, b, &ib)?;
                let student = net
                    .forward_train(b, &xb, dropout_seed(seed, global_step, slot))?
                    .logits;
                (kl_transfer(&student, &target, *temperature)? * *weight).op("transfer term")?
            }
            Term::Ranking { layer, weight, .. } | Term::InfoNce { layer, weight, .. } => {
                let fa = layer_of(
                    net,
                    ds,
                    a,
                    &ia,
                    layer,
                    dropout_seed(seed, global_step, slot),
                )?;
                let fb = layer_of(
                    net,
                    ds,
                    b,
                    &ib,
                    layer,
                    dropout_seed(seed, global_step, slot + 1),
                )?;
                let l = match t {
                    Term::Ranking { margin, .. } => ranking(&fa, &fb, *margin)?,
                    Term::InfoNce { temperature, .. } => info_nce(&fa, &fb, *temperature)?,
                    _ => unreachable!("only ranking and InfoNCE reach this arm"),
                };
                (l * *weight).op("pair term")?
            }
            Term::Prior { .. } => unreachable!("prior terms are not pair terms"),
        };
        push_term(&mut terms, t.name(), value)?;
    }
    let mut total: Option<Tensor> = None;
    for (_, v) in &terms {
        total = Some(match total {
            Some(s) => (s + v).op("total loss")?,
            None => v.clone(),
        });
    }
    let total = total.ok_or_else(|| {
        crate::Error::msg("train: this phase has no loss: set ce_weight above 0 or add terms")
    })?;
    Ok(StepLoss {
        total,
        terms,
        logits,
    })
}

fn layer_of(
    net: &CrossModalNet,
    ds: &Dataset,
    m: &str,
    idx: &[usize],
    layer: &str,
    seed: u64,
) -> Result<Tensor> {
    let x = feed::inputs(net, ds, m, idx)?;
    let acts = net.forward_train(m, &x, seed)?;
    acts.get(layer).cloned().ok_or_else(|| {
        crate::Error::invalid(
            "pair term",
            "layer",
            format!("no layer '{layer}'; use pool5, fc6, fc7 or logits"),
        )
    })
}

/// Add a term, summing with one of the same name (a prior on several modalities).
fn push_term(terms: &mut Vec<(String, Tensor)>, name: String, v: Tensor) -> Result<()> {
    if let Some(e) = terms.iter_mut().find(|(n, _)| *n == name) {
        e.1 = (&e.1 + &v).op("loss term")?;
    } else {
        terms.push((name, v));
    }
    Ok(())
}
