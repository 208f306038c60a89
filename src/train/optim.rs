//! Optimizers over candle `Var`s, as PyTorch defines them (so the papers' settings transfer):
//!
//! - SGD with momentum μ, dampening 0, weight decay λ (coupled, added to the gradient):
//!   g ← ∇ + λ·w;  b ← μ·b + g (b = g at the first step);  w ← w − lr·b
//! - AdamW (decoupled weight decay): w ← w·(1 − lr·λ); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
//!   w ← w − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
//!
//! Parameters come in groups, each with a learning-rate multiplier (per-group learning rates);
//! the state (momentum buffers, moments, step count) can be saved and restored for exact resume.

use crate::error::{Context, Error, Result};
use candle_core::backprop::GradStore;
use candle_core::{Tensor, Var};
use std::collections::BTreeMap;

/// A set of parameters sharing a learning-rate multiplier.
#[derive(Clone)]
pub struct ParamGroup {
    /// Path-like names (for checkpoints of the optimizer state), one per var.
    pub names: Vec<String>,
    pub vars: Vec<Var>,
    /// The group's learning rate is the optimizer's times this.
    pub lr_mult: f64,
}

/// Which optimizer, with its hyper-parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum OptimizerKind {
    Sgd {
        momentum: f64,
        weight_decay: f64,
        nesterov: bool,
    },
    AdamW {
        beta1: f64,
        beta2: f64,
        eps: f64,
        weight_decay: f64,
    },
}

impl OptimizerKind {
    /// The papers' setting: SGD, momentum 0.9, weight decay 5e-4.
    pub fn papers() -> Self {
        OptimizerKind::Sgd {
            momentum: 0.9,
            weight_decay: 5e-4,
            nesterov: false,
        }
    }
}

/// An optimizer with its state.
pub struct Optimizer {
    kind: OptimizerKind,
    groups: Vec<ParamGroup>,
    /// Per parameter name: momentum buffer (SGD) or first moment (AdamW).
    first: BTreeMap<String, Tensor>,
    /// Per parameter name: second moment (AdamW).
    second: BTreeMap<String, Tensor>,
    step: usize,
}

impl Optimizer {
    /// A new optimizer over parameter groups.
    pub fn new(kind: OptimizerKind, groups: Vec<ParamGroup>) -> Result<Self> {
        for g in &groups {
            if g.names.len() != g.vars.len() {
                return Err(Error::msg(
                    "optimizer: each parameter group needs one name per variable",
                ));
            }
        }
        Ok(Optimizer {
            kind,
            groups,
            first: BTreeMap::new(),
            second: BTreeMap::new(),
            step: 0,
        })
    }

    /// Steps taken so far.
    pub fn steps(&self) -> usize {
        self.step
    }

    /// The parameter groups.
    pub fn groups(&self) -> &[ParamGroup] {
        &self.groups
    }

    /// One update with base learning rate `lr`. Variables without a gradient are left alone
    /// (frozen layers, modalities absent from the batch).
    pub fn step(&mut self, grads: &GradStore, lr: f64) -> Result<()> {
        self.step += 1;
        let t = self.step as i32;
        for g in &self.groups {
            let lr = lr * g.lr_mult;
            for (name, var) in g.names.iter().zip(&g.vars) {
                let Some(grad) = grads.get(var.as_tensor()) else {
                    continue;
                };
                let w = var.as_tensor();
                let new_w = match &self.kind {
                    OptimizerKind::Sgd {
                        momentum,
                        weight_decay,
                        nesterov,
                    } => {
                        let mut d = grad.clone();
                        if *weight_decay != 0.0 {
                            d = (d + (w * *weight_decay).op("sgd")?).op("sgd")?;
                        }
                        if *momentum != 0.0 {
                            let buf = match self.first.get(name) {
                                Some(b) => ((b * *momentum).op("sgd")? + &d).op("sgd")?,
                                None => d.clone(),
                            };
                            d = if *nesterov {
                                (&d + (&buf * *momentum).op("sgd")?).op("sgd")?
                            } else {
                                buf.clone()
                            };
                            // Detached: a buffer that kept its graph would chain every past step's gradients.
                            self.first.insert(name.clone(), buf.detach());
                        }
                        (w - (d * lr).op("sgd")?).op("sgd")?
                    }
                    OptimizerKind::AdamW {
                        beta1,
                        beta2,
                        eps,
                        weight_decay,
                    } => {
                        let decayed = (w * (1.0 - lr * weight_decay)).op("adamw")?;
                        let m = match self.first.get(name) {
                            Some(m) => ((m * *beta1).op("adamw")?
                                + (grad * (1.0 - beta1)).op("adamw")?)
                            .op("adamw")?,
                            None => (grad * (1.0 - beta1)).op("adamw")?,
                        };
                        let g2 = grad.sqr().op("adamw")?;
                        let v = match self.second.get(name) {
                            Some(v) => ((v * *beta2).op("adamw")?
                                + (g2 * (1.0 - beta2)).op("adamw")?)
                            .op("adamw")?,
                            None => (g2 * (1.0 - beta2)).op("adamw")?,
                        };
                        let m_hat = (&m / (1.0 - beta1.powi(t))).op("adamw")?;
                        let v_hat = (&v / (1.0 - beta2.powi(t))).op("adamw")?;
                        let upd = (m_hat / (v_hat.sqrt().op("adamw")? + *eps).op("adamw")?)
                            .op("adamw")?;
                        self.first.insert(name.clone(), m.detach());
                        self.second.insert(name.clone(), v.detach());
                        (decayed - (upd * lr).op("adamw")?).op("adamw")?
                    }
                };
                var.set(&new_w.detach()).op("optimizer step")?;
            }
        }
        Ok(())
    }

    /// The state as named tensors (`optim.first.<param>`, `optim.second.<param>`, `optim.step`),
    /// for checkpoints.
    pub fn state(&self) -> Result<BTreeMap<String, Tensor>> {
        let mut m = BTreeMap::new();
        for (k, v) in &self.first {
            m.insert(format!("optim.first.{k}"), v.clone());
        }
        for (k, v) in &self.second {
            m.insert(format!("optim.second.{k}"), v.clone());
        }
        let dev = self
            .groups
            .iter()
            .flat_map(|g| g.vars.first())
            .next()
            .map(|v| v.device().clone())
            .unwrap_or(candle_core::Device::Cpu);
        m.insert(
            "optim.step".into(),
            Tensor::new(&[self.step as i64], &dev).op("optimizer state")?,
        );
        Ok(m)
    }

    /// Restore the state written by [`Optimizer::state`].
    pub fn load_state(&mut self, state: &BTreeMap<String, Tensor>) -> Result<()> {
        self.first.clear();
        self.second.clear();
        for (k, v) in state {
            if let Some(n) = k.strip_prefix("optim.first.") {
                self.first.insert(n.to_string(), v.clone());
            } else if let Some(n) = k.strip_prefix("optim.second.") {
                self.second.insert(n.to_string(), v.clone());
            } else if k == "optim.step" {
                self.step = v
                    .to_vec1::<i64>()
                    .op("optimizer state")?
                    .first()
                    .copied()
                    .unwrap_or(0) as usize;
            }
        }
        Ok(())
    }
}

/// Scale all gradients so their global L2 norm is at most `max_norm`; returns the norm before.
pub fn clip_grad_norm(grads: &mut GradStore, vars: &[Var], max_norm: f64) -> Result<f64> {
    let mut total = 0.0;
    for v in vars {
        if let Some(g) = grads.get(v.as_tensor()) {
            total += g
                .sqr()
                .and_then(|s| s.sum_all())
                .and_then(|s| s.to_dtype(candle_core::DType::F64))
                .and_then(|s| s.to_scalar::<f64>())
                .op("clip_grad_norm")?;
        }
    }
    let norm = total.sqrt();
    if norm > max_norm && norm > 0.0 {
        let scale = max_norm / (norm + 1e-6);
        for v in vars {
            if let Some(g) = grads.remove(v.as_tensor()) {
                grads.insert(v.as_tensor(), (g * scale).op("clip_grad_norm")?);
            }
        }
    }
    Ok(norm)
}
