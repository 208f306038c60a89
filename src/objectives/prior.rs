//! A fitted prior of either kind, with the per-row penalty and checkpoints. Files are plain
//! safetensors: a Gaussian holds `mean` [D] and `whiten` ([D, D] full or [D] diagonal); a GMM
//! holds `weights` [K], `means` [K, D], `vars` [K, D]. Written to a temporary file, then renamed.

use super::gaussian::GaussianPrior;
use super::gmm::Gmm;
use crate::error::{Error, Result};
use candle_core::{Device, Tensor};
use std::collections::HashMap;
use std::path::Path;

/// A statistical prior on a layer's activations.
#[derive(Clone, Debug)]
pub enum Prior {
    Gaussian(GaussianPrior),
    Gmm(Gmm),
}

impl Prior {
    /// The penalty per row of h [N, D] → [N]: ½(h−μ)ᵀΣ⁻¹(h−μ) or −log Σ αₖN(h; μₖ, σₖ²).
    pub fn nll(&self, h: &Tensor) -> Result<Tensor> {
        match self {
            Prior::Gaussian(g) => g.nll(h),
            Prior::Gmm(g) => g.nll(h),
        }
    }

    /// Dimension D.
    pub fn dim(&self) -> usize {
        match self {
            Prior::Gaussian(g) => g.dim(),
            Prior::Gmm(g) => g.dim(),
        }
    }

    /// The kind of prior, as term names and descriptions write it: `gaussian` or `gmm`.
    pub fn kind(&self) -> &'static str {
        match self {
            Prior::Gaussian(_) => "gaussian",
            Prior::Gmm(_) => "gmm",
        }
    }

    /// One-line description.
    pub fn describe(&self) -> String {
        match self {
            Prior::Gaussian(g) => format!(
                "Prior[gaussian; D={}; {}]",
                g.dim(),
                if g.is_diagonal() { "diagonal" } else { "full" }
            ),
            Prior::Gmm(g) => format!("Prior[gmm; K={}; D={}]", g.k(), g.dim()),
        }
    }

    /// Save as safetensors.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let op = "prior.save";
        let path = path.as_ref();
        let mut m: HashMap<String, Tensor> = HashMap::new();
        match self {
            Prior::Gaussian(g) => {
                m.insert("mean".into(), g.mean.clone());
                m.insert("whiten".into(), g.whiten.clone());
            }
            Prior::Gmm(g) => {
                m.insert("weights".into(), g.weights.clone());
                m.insert("means".into(), g.means.clone());
                m.insert("vars".into(), g.vars.clone());
            }
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::file(op, dir, e))?;
        }
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        candle_core::safetensors::save(&m, &tmp).map_err(|e| Error::file(op, &tmp, e))?;
        std::fs::rename(&tmp, path).map_err(|e| Error::file(op, path, e))
    }

    /// Load a prior saved by `save`.
    pub fn load(path: impl AsRef<Path>, dev: &Device) -> Result<Self> {
        let op = "reg::load";
        let path = path.as_ref();
        let m = candle_core::safetensors::load(path, dev).map_err(|e| Error::file(op, path, e))?;
        match (m.get("mean"), m.get("whiten"), m.get("weights"), m.get("means"), m.get("vars")) {
            (Some(mean), Some(whiten), None, None, None) => Ok(Prior::Gaussian(GaussianPrior {
                mean: mean.clone(),
                whiten: whiten.clone(),
            })),
            (None, None, Some(w), Some(mu), Some(v)) => Ok(Prior::Gmm(Gmm::new(w, mu, v)?)),
            _ => Err(Error::file(
                op,
                path,
                format!(
                    "not a prior: expected tensors (mean, whiten) or (weights, means, vars), found {:?}",
                    m.keys().collect::<Vec<_>>()
                ),
            )),
        }
    }
}
