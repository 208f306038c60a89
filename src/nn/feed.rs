//! Feeding a dataset to a network: the input tensor a modality's encoder expects (word ids for a
//! text CNN, the dataset's network-ready inputs otherwise), and labels as a tensor.

use super::encoder::EncoderSpec;
use super::net::CrossModalNet;
use crate::data::Dataset;
use crate::error::{Context, Error, Result};
use candle_core::Tensor;

/// The network input for items `idx` of `modality`, on the net's device.
pub fn inputs(net: &CrossModalNet, ds: &Dataset, modality: &str, idx: &[usize]) -> Result<Tensor> {
    let spec = net
        .modalities()
        .iter()
        .find(|(n, _)| n == modality)
        .map(|(_, s)| s)
        .ok_or_else(|| Error::invalid("net input", "modality", format!("the net has no encoder for '{modality}'; it has: {}", net.modality_names().join(", "))))?;
    match spec {
        EncoderSpec::TextTokens { max_len, .. } => ds.tokens(modality, idx, *max_len, net.device()),
        _ => ds.inputs(modality, idx, net.device()),
    }
}

/// Labels of items `idx` of `modality` as a u32 tensor on the net's device.
pub fn labels(net: &CrossModalNet, ds: &Dataset, modality: &str, idx: &[usize]) -> Result<Tensor> {
    let all = ds.labels(modality)?;
    let v: Vec<u32> = idx.iter().map(|&i| all[i] as u32).collect();
    Tensor::from_vec(v, idx.len(), net.device()).op("labels")
}

/// Predicted classes (argmax of the logits) of every item of `modality`, in batches.
pub fn predict(net: &CrossModalNet, ds: &Dataset, modality: &str, batch: usize) -> Result<Vec<usize>> {
    let n = ds.len_of(modality)?;
    let mut out = Vec::with_capacity(n);
    for start in (0..n).step_by(batch.max(1)) {
        let idx: Vec<usize> = (start..(start + batch).min(n)).collect();
        let x = inputs(net, ds, modality, &idx)?;
        let a = net.forward(modality, &x, false)?;
        let p = a.logits.argmax(1).and_then(|p| p.to_vec1::<u32>()).op("predict")?;
        out.extend(p.into_iter().map(|c| c as usize));
    }
    Ok(out)
}

/// Accuracy of the net on every item of `modality`.
pub fn accuracy(net: &CrossModalNet, ds: &Dataset, modality: &str, batch: usize) -> Result<f64> {
    let p = predict(net, ds, modality, batch)?;
    let y = ds.labels(modality)?;
    if y.is_empty() {
        return Ok(0.0);
    }
    Ok(p.iter().zip(&y).filter(|(a, b)| a == b).count() as f64 / y.len() as f64)
}
