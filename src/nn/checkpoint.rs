//! Checkpoints: `net.safetensors` holds every parameter under its path name
//! (`enc.nat.conv1.weight`, `shared.fc6.weight`) so any safetensors reader can open it;
//! `net.safetensors.json` beside it describes the architecture (modalities and their encoder
//! specs, classes, config, frozen parameters, dtype). The two are saved as one unit
//! ([`crate::tensor::pair`]): a failed save keeps the previous files, and weights paired with a
//! sidecar from another save are refused.

use super::encoder::EncoderSpec;
use super::net::{CrossModalNet, NetConfig};
use crate::error::{Error, Result};
use crate::tensor::pair::{read_sidecar, write_pair};
use candle_core::{Device, Tensor};
use candle_nn::VarBuilder;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The JSON sidecar.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Arch {
    pub format: String,
    pub modalities: Vec<(String, EncoderSpec)>,
    pub classes: usize,
    pub config: NetConfig,
    pub frozen: Vec<String>,
    pub dtype: String,
}

pub use crate::tensor::pair::sidecar_of as sidecar;

impl CrossModalNet {
    /// Save parameters (safetensors) and architecture (JSON sidecar), as one unit: a failed save
    /// keeps the previous files ([`crate::tensor::pair`]).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let op = "net.save";
        let tensors: BTreeMap<String, Tensor> = self
            .varmap()
            .data()
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_tensor().clone()))
            .collect();
        let arch = Arch {
            format: "xmodal-net/1".into(),
            modalities: self.modalities.clone(),
            classes: self.classes,
            config: self.cfg.clone(),
            frozen: self.frozen(),
            dtype: self.dtype().as_str().into(),
        };
        let json = serde_json::to_value(&arch).map_err(|e| Error::msg(format!("{op}: {e}")))?;
        write_pair(op, path.as_ref(), &tensors, json)
    }

    /// Load a checkpoint written by `save` onto `dev`. A tensor whose shape differs from the
    /// architecture's is an error naming the tensor and both shapes; so is a missing tensor.
    pub fn load(path: impl AsRef<Path>, dev: &Device) -> Result<Self> {
        let op = "nn::load";
        let path = path.as_ref();
        let side = sidecar(path);
        let meta = read_sidecar(op, path)?;
        if meta.get("format").is_none() && meta.get("global_step").is_some() {
            return Err(Error::file(
                op,
                path,
                "this is a train::fit checkpoint (weights, optimizer state, step), which holds no \
                 architecture: build the same net and call net.load_weights with its tensors \
                 (the optimizer's 'optim.' entries are skipped), or resume with train::fit's \
                 resume option; nn::load reads what net.save writes",
            ));
        }
        let arch: Arch = serde_json::from_value(meta).map_err(|e| Error::file(op, &side, e))?;
        let dtype = crate::tensor::parse_dtype(&arch.dtype)?;
        let tensors =
            candle_core::safetensors::load(path, dev).map_err(|e| Error::file(op, path, e))?;
        let names: Vec<String> = tensors.keys().cloned().collect();
        let vb = VarBuilder::from_tensors(tensors, dtype, dev);
        let mut net = CrossModalNet::new(&arch.modalities, arch.classes, &arch.config, vb)
            .map_err(|e| Error::file(op, path, e.to_string().replacen("nn::net: ", "", 1)))?;
        let need = net.param_names();
        if let Some(missing) = need.iter().find(|n| !names.contains(n)) {
            return Err(Error::file(
                op,
                path,
                format!("tensor '{missing}' is missing from the checkpoint"),
            ));
        }
        if let Some(extra) = names.iter().find(|n| !need.contains(n)) {
            return Err(Error::file(
                op,
                path,
                format!(
                    "tensor '{extra}' is not part of the architecture in {}",
                    side.display()
                ),
            ));
        }
        if !arch.frozen.is_empty() {
            net.freeze(&arch.frozen)?;
        }
        Ok(net)
    }
}
