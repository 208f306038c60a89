//! The shared trunk: pool5 → fc6 (ReLU, dropout) → fc7 (ReLU, dropout) → fc8 (class logits).
//! fc6/fc7 activations are reported after the ReLU and before dropout (what features and
//! priors use); dropout only changes what flows on to the next layer while training.

use super::dropout::dropout;
use super::init::name_seed;
use super::layers::{linear, Linear};
use candle_core::{Module, Result, Tensor};
use candle_nn::{Init, VarBuilder};

/// Every named activation of one forward pass.
#[derive(Clone, Debug)]
pub struct Activations {
    pub pool5: Tensor,
    pub fc6: Tensor,
    pub fc7: Tensor,
    pub logits: Tensor,
}

impl Activations {
    /// The layer names in order.
    pub const NAMES: [&'static str; 4] = ["pool5", "fc6", "fc7", "logits"];
    /// The names [`Activations::get`] accepts: [`Activations::NAMES`] and `fc8` (the logits).
    pub const ACCEPTED: [&'static str; 5] = ["pool5", "fc6", "fc7", "logits", "fc8"];

    /// One activation by name (`"fc8"` is accepted for the logits).
    pub fn get(&self, name: &str) -> Option<&Tensor> {
        match name {
            "pool5" => Some(&self.pool5),
            "fc6" => Some(&self.fc6),
            "fc7" => Some(&self.fc7),
            "logits" | "fc8" => Some(&self.logits),
            _ => None,
        }
    }
}

/// fc6, fc7, fc8.
#[derive(Clone, Debug)]
pub struct Trunk {
    fc6: Linear,
    fc7: Linear,
    fc8: Linear,
    dropout: f64,
}

/// The trunk with parameters `fc6`, `fc7`, `fc8` under `vb` (the net passes `shared`).
pub fn trunk(
    pool5: usize,
    fc6: usize,
    fc7: usize,
    classes: usize,
    dropout: f64,
    vb: VarBuilder,
) -> Result<Trunk> {
    Ok(Trunk {
        fc6: linear(pool5, fc6, None, vb.pp("fc6"))?,
        fc7: linear(fc6, fc7, None, vb.pp("fc7"))?,
        // Small logits at the start, as Caffe's fc8 (N(0, 0.01²)).
        fc8: linear(
            fc7,
            classes,
            Some(Init::Randn {
                mean: 0.0,
                stdev: 0.01,
            }),
            vb.pp("fc8"),
        )?,
        dropout,
    })
}

impl Trunk {
    /// Forward from pool5; `step_seed` = Some(seed) applies dropout with masks from that seed.
    pub fn forward_from(&self, pool5: Tensor, step_seed: Option<u64>) -> Result<Activations> {
        let drop = |h: &Tensor, layer: &str| match step_seed {
            Some(s) => dropout(h, self.dropout, name_seed(s, layer)),
            None => Ok(h.clone()),
        };
        let fc6 = self.fc6.forward(&pool5)?.relu()?;
        let fc7 = self.fc7.forward(&drop(&fc6, "fc6")?)?.relu()?;
        let logits = self.fc8.forward(&drop(&fc7, "fc7")?)?;
        Ok(Activations {
            pool5,
            fc6,
            fc7,
            logits,
        })
    }
}
