//! Checkpoints: `net.safetensors` holds every parameter under its path name
//! (`enc.nat.conv1.weight`, `shared.fc6.weight`) so any safetensors reader can open it;
//! `net.safetensors.json` beside it describes the architecture (modalities and their encoder
//! specs, classes, config, frozen parameters, dtype). Both are written to a temporary file and
//! renamed, so an interrupted save never leaves a half-written checkpoint.

use super::encoder::EncoderSpec;
use super::net::{CrossModalNet, NetConfig};
use crate::error::{Error, Result};
use candle_core::{Device, Tensor};
use candle_nn::VarBuilder;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

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

/// The sidecar path of a checkpoint: `<path>.json`.
pub fn sidecar(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".json");
    PathBuf::from(s)
}

fn tmp_of(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".tmp");
    PathBuf::from(s)
}

fn commit(tmp: &Path, path: &Path, op: &str) -> Result<()> {
    std::fs::rename(tmp, path).map_err(|e| Error::file(op, path, e))
}

impl CrossModalNet {
    /// Save parameters (safetensors) and architecture (JSON sidecar).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let op = "net.save";
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::file(op, dir, e))?;
        }
        let tensors: HashMap<String, Tensor> = self
            .varmap()
            .data()
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_tensor().clone()))
            .collect();
        let tmp = tmp_of(path);
        candle_core::safetensors::save(&tensors, &tmp).map_err(|e| Error::file(op, &tmp, e))?;
        commit(&tmp, path, op)?;
        let arch = Arch {
            format: "xmodal-net/1".into(),
            modalities: self.modalities.clone(),
            classes: self.classes,
            config: self.cfg.clone(),
            frozen: self.frozen(),
            dtype: self.dtype().as_str().into(),
        };
        let json =
            serde_json::to_string_pretty(&arch).map_err(|e| Error::msg(format!("{op}: {e}")))?;
        let side = sidecar(path);
        let tmp = tmp_of(&side);
        std::fs::write(&tmp, json).map_err(|e| Error::file(op, &tmp, e))?;
        commit(&tmp, &side, op)
    }

    /// Load a checkpoint written by `save` onto `dev`. A tensor whose shape differs from the
    /// architecture's is an error naming the tensor and both shapes; so is a missing tensor.
    pub fn load(path: impl AsRef<Path>, dev: &Device) -> Result<Self> {
        let op = "nn::load";
        let path = path.as_ref();
        let side = sidecar(path);
        let text = std::fs::read_to_string(&side).map_err(|e| {
            Error::file(
                op,
                &side,
                format!("{e} (the architecture sidecar written by net.save)"),
            )
        })?;
        let arch: Arch = serde_json::from_str(&text).map_err(|e| Error::file(op, &side, e))?;
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
