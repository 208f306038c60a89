//! Features from a network: one layer's activations for every item of a dataset, in batches on
//! the net's device, as a [`FeatureSet`]; and the concatenation of feature sets (the separate
//! networks of the BL-Ind baseline each give one modality's rows).

use super::FeatureSet;
use crate::data::Dataset;
use crate::error::{Context, Error, Result};
use crate::nn::{feed, Activations, CrossModalNet};
use candle_core::Tensor;

/// Activations of `layer` for every item of every modality of `ds` that the net has.
pub fn features(
    net: &CrossModalNet,
    ds: &Dataset,
    layer: &str,
    batch: usize,
) -> Result<FeatureSet> {
    check_layer(layer)?;
    let mods: Vec<String> = ds
        .modalities()
        .into_iter()
        .filter(|m| net.modality_names().contains(m))
        .collect();
    if mods.is_empty() {
        return Err(Error::invalid(
            "net.features",
            "dataset",
            format!(
                "the net ({}) has none of the dataset's modalities ({})",
                net.modality_names().join(", "),
                ds.modalities().join(", ")
            ),
        ));
    }
    let mut parts = vec![];
    let (mut labels, mut names) = (vec![], vec![]);
    for m in &mods {
        let n = ds.len_of(m)?;
        for start in (0..n).step_by(batch.max(1)) {
            let idx: Vec<usize> = (start..(start + batch).min(n)).collect();
            parts.push(layer_of_rows(net, ds, m, layer, &idx)?);
        }
        labels.extend(ds.labels(m)?);
        names.extend(std::iter::repeat_n(m.clone(), n));
    }
    FeatureSet::new(Tensor::cat(&parts, 0).op("net.features")?, labels, names)
}

fn check_layer(layer: &str) -> Result<()> {
    if !Activations::NAMES.contains(&layer) && layer != "fc8" {
        return Err(Error::invalid(
            "net.features",
            "layer",
            format!("'{layer}' is not a layer; use pool5, fc6, fc7 or logits"),
        ));
    }
    Ok(())
}

/// The `layer` activations [idx.len(), D] of rows `idx` of `modality`: one forward pass,
/// detached (for a few chosen items; [`features`] runs whole data sets in batches).
pub fn layer_of_rows(
    net: &CrossModalNet,
    ds: &Dataset,
    modality: &str,
    layer: &str,
    idx: &[usize],
) -> Result<Tensor> {
    check_layer(layer)?;
    let x = feed::inputs(net, ds, modality, idx)?;
    let a = net.forward(modality, &x, false)?;
    Ok(a.get(layer).expect("checked layer").detach())
}

/// Rows of several feature sets stacked in order (all must have the same width).
pub fn concat(parts: &[FeatureSet]) -> Result<FeatureSet> {
    let first = parts
        .first()
        .ok_or_else(|| Error::invalid("eval::concat", "parts", "no feature sets given"))?;
    if let Some(bad) = parts.iter().find(|p| p.dim() != first.dim()) {
        return Err(Error::Shape {
            op: "eval::concat".into(),
            lhs: vec![first.len(), first.dim()],
            rhs: vec![bad.len(), bad.dim()],
        });
    }
    let xs: Vec<Tensor> = parts
        .iter()
        .map(|p| {
            p.x.to_dtype(first.x.dtype())
                .and_then(|x| x.to_device(first.x.device()))
        })
        .collect::<candle_core::Result<_>>()
        .op("eval::concat")?;
    FeatureSet::new(
        Tensor::cat(&xs, 0).op("eval::concat")?,
        parts
            .iter()
            .flat_map(|p| p.labels.iter().copied())
            .collect(),
        parts
            .iter()
            .flat_map(|p| p.modalities.iter().cloned())
            .collect(),
    )
}
