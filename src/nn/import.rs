//! Weights from elsewhere: PyTorch state dicts (`.pth`/`.pt`, the zip format `torch.save` has
//! written since 1.6) renamed into xmodal's path names, and loading a set of named tensors into
//! a net with every name and shape checked. This is how a real Places-CNN or ImageNet AlexNet
//! becomes the teacher: build the net with `arch: "alexnet"`, import the state dict with a name
//! map (`"features.0.weight" → "enc.nat.conv1.weight"`, ...), load it.

use super::net::CrossModalNet;
use crate::error::{Context, Error, Result};
use candle_core::Tensor;
use std::path::Path;

/// How to rename a state dict: `(torch name, xmodal name)` pairs. Empty keeps every tensor under
/// its own name; otherwise only the mapped tensors are kept, and a mapped name missing from the
/// file is an error.
pub type NameMap = [(String, String)];

/// Read the tensors of a PyTorch state dict. `key` picks a nested dict (checkpoints often hold
/// `{"state_dict": {...}, "epoch": ...}`); a `prefix` such as `"module."` (left by
/// `DataParallel`) is stripped from every name before the map applies.
pub fn read_torch(
    path: &Path,
    key: Option<&str>,
    prefix: &str,
    map: &NameMap,
) -> Result<Vec<(String, Tensor)>> {
    let op = "nn::import_torch";
    if !path.exists() {
        return Err(Error::file(op, path, "no such file"));
    }
    let all = candle_core::pickle::read_all_with_key(path, key).map_err(|e| {
        Error::file(
            op,
            path,
            format!("{e} (expected a PyTorch state dict saved by torch.save; pass `key` if the tensors sit under a key such as \"state_dict\")"),
        )
    })?;
    if all.is_empty() {
        return Err(Error::file(
            op,
            path,
            "no tensors found (pass `key` if the state dict is nested, e.g. \"state_dict\")",
        ));
    }
    let all: Vec<(String, Tensor)> = all
        .into_iter()
        .map(|(n, t)| (n.strip_prefix(prefix).unwrap_or(&n).to_string(), t))
        .collect();
    if map.is_empty() {
        return Ok(all);
    }
    map.iter()
        .map(|(from, to)| {
            let t = all.iter().find(|(n, _)| n == from).ok_or_else(|| {
                let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).take(12).collect();
                Error::file(
                    op,
                    path,
                    format!(
                        "the name map asks for '{from}', which the state dict lacks (it has {}{})",
                        names.join(", "),
                        if all.len() > 12 { ", ..." } else { "" }
                    ),
                )
            })?;
            Ok((to.clone(), t.1.clone()))
        })
        .collect()
}

impl CrossModalNet {
    /// Copy named tensors into the net's parameters (converted to its device and dtype). Every
    /// name must be a parameter of the net and every shape must match; with `strict`, every
    /// parameter must also be given. The optimizer state of a `train::fit` checkpoint (names
    /// under `optim.`, which no parameter has) is skipped, so such a checkpoint loads as it is.
    /// Returns the names loaded.
    pub fn load_weights(
        &mut self,
        tensors: &[(String, Tensor)],
        strict: bool,
    ) -> Result<Vec<String>> {
        let op = "net.load_weights";
        let tensors: Vec<&(String, Tensor)> = tensors
            .iter()
            .filter(|(n, _)| !n.starts_with("optim."))
            .collect();
        let vars = self.varmap().data().lock().unwrap();
        for &(name, t) in &tensors {
            let var = vars.get(name).ok_or_else(|| {
                let mut known: Vec<&String> = vars.keys().collect();
                known.sort();
                let near: Vec<&str> = known
                    .iter()
                    .filter(|k| k.rsplit('.').next() == name.rsplit('.').next())
                    .map(|k| k.as_str())
                    .take(8)
                    .collect();
                Error::msg(format!(
                    "{op}: '{name}' is not a parameter of this net (parameters like it: {}); fix the name map",
                    near.join(", ")
                ))
            })?;
            if var.dims() != t.dims() {
                return Err(Error::Shape {
                    op: format!("{op} '{name}' (net vs given)"),
                    lhs: var.dims().to_vec(),
                    rhs: t.dims().to_vec(),
                });
            }
        }
        if strict {
            let mut missing: Vec<&String> = vars
                .keys()
                .filter(|k| !tensors.iter().any(|(n, _)| n == *k))
                .collect();
            missing.sort();
            if let Some(first) = missing.first() {
                return Err(Error::msg(format!(
                    "{op}: strict load, but {} parameter(s) were not given, first '{first}' (pass strict: false to keep their current values)",
                    missing.len()
                )));
            }
        }
        for &(name, t) in &tensors {
            let t = t
                .to_device(self.device())
                .and_then(|t| t.to_dtype(self.dtype()))
                .op(op)?;
            vars[name].set(&t).op(op)?;
        }
        Ok(tensors.iter().map(|(n, _)| n.clone()).collect())
    }
}
