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
        .ok_or_else(|| {
            Error::invalid(
                "net input",
                "modality",
                format!(
                    "the net has no encoder for '{modality}'; it has: {}",
                    net.modality_names().join(", ")
                ),
            )
        })?;
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
pub fn predict(
    net: &CrossModalNet,
    ds: &Dataset,
    modality: &str,
    batch: usize,
) -> Result<Vec<usize>> {
    let n = ds.len_of(modality)?;
    let mut out = Vec::with_capacity(n);
    for start in (0..n).step_by(batch.max(1)) {
        let idx: Vec<usize> = (start..(start + batch).min(n)).collect();
        let x = inputs(net, ds, modality, &idx)?;
        let a = net.forward(modality, &x, false)?;
        let p = a
            .logits
            .argmax(1)
            .and_then(|p| p.to_vec1::<u32>())
            .op("predict")?;
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

/// How descriptions are encoded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TextInput {
    /// Sentence vectors through the text MLP (CMPlaces).
    Vectors,
    /// Word ids through the text CNN (See-Hear-Read), at most this many words.
    Tokens { max_len: usize },
}

/// One encoder spec per modality of `ds`: images → the pixel CNN `arch`, descriptions → text MLP
/// or text CNN, sounds → sound CNN, precomputed features → identity/linear.
pub fn specs_for(
    ds: &Dataset,
    arch: super::PixelArch,
    text: TextInput,
) -> Result<Vec<(String, EncoderSpec)>> {
    use crate::data::ModalityKind;
    ds.modalities()
        .into_iter()
        .map(|m| {
            let shape = ds.input_shape(&m)?;
            let spec = match ds.kind(&m)? {
                ModalityKind::Image => {
                    let want = arch.input_size();
                    if shape[1] != want || shape[2] != want {
                        return Err(Error::invalid(
                            "nn::cross_modal",
                            "arch",
                            format!("'{m}' images are {}×{} but {} takes {want}×{want}; generate the data with image_size: {want}", shape[1], shape[2], arch.name()),
                        ));
                    }
                    EncoderSpec::Pixel { arch }
                }
                ModalityKind::Text => match text {
                    TextInput::Vectors => EncoderSpec::TextVec { dim: shape[0] },
                    TextInput::Tokens { max_len } => EncoderSpec::TextTokens { vocab: ds.vocab_size(), max_len },
                },
                ModalityKind::Sound => EncoderSpec::Sound { mels: shape[0], frames: shape[1] },
                ModalityKind::Features => EncoderSpec::Features { dim: shape[0] },
            };
            Ok((m, spec))
        })
        .collect()
}

/// Start `net` from `teacher`: every shared parameter, and for each pixel modality the teacher's
/// pixel encoder (the teacher's first pixel modality, usually `nat`): the paper initialises every
/// modality's network from Places-CNN. Returns how many tensors were copied.
pub fn init_from_teacher(net: &CrossModalNet, teacher: &CrossModalNet) -> Result<usize> {
    let src_pixel = teacher
        .modalities()
        .iter()
        .find(|(_, s)| matches!(s, EncoderSpec::Pixel { .. }))
        .map(|(m, _)| {
            if teacher.config().shared_pixel {
                "enc.pixel".to_string()
            } else {
                format!("enc.{m}")
            }
        });
    let src = teacher.varmap().data().lock().expect("varmap lock");
    let dst = net.varmap().data().lock().expect("varmap lock");
    let mut copied = 0;
    for (name, var) in dst.iter() {
        let from = if name.starts_with("shared.") {
            Some(name.clone())
        } else {
            let is_pixel_encoder = net.modalities().iter().any(|(m, s)| {
                matches!(s, EncoderSpec::Pixel { .. })
                    && (name.starts_with(&format!("enc.{m}.")) || name.starts_with("enc.pixel."))
            });
            match (&src_pixel, is_pixel_encoder) {
                (Some(p), true) => name.splitn(3, '.').nth(2).map(|rest| format!("{p}.{rest}")),
                _ => None,
            }
        };
        let Some(from) = from else { continue };
        let Some(t) = src.get(&from) else { continue };
        if t.dims() != var.dims() {
            if name.starts_with("shared.fc8") {
                continue; // a different number of classes: the classifier starts fresh
            }
            return Err(Error::Shape {
                op: format!("init from teacher: {name} <- {from}"),
                lhs: var.dims().to_vec(),
                rhs: t.dims().to_vec(),
            });
        }
        var.set(
            &t.as_tensor()
                .to_dtype(var.dtype())
                .op("init from teacher")?,
        )
        .op("init from teacher")?;
        copied += 1;
    }
    Ok(copied)
}

/// The root mean square of `net`'s pool5 activations over every item of `modality` in `ds`.
pub fn pool5_rms(net: &CrossModalNet, ds: &Dataset, modality: &str) -> Result<f64> {
    let one = ds.only(&[modality.to_string()])?;
    let f = crate::eval::extract::features(net, &one, "pool5", 128)?;
    let ms =
        f.x.sqr()
            .and_then(|t| t.mean_all())
            .and_then(|t| t.to_dtype(candle_core::DType::F64))
            .and_then(|t| t.to_scalar::<f64>())
            .op("pool5 scale")?;
    Ok(ms.sqrt())
}

/// Scale `modality`'s encoder so that its pool5 activations on `ds` have the root mean square
/// `target` (e.g. the teacher's on natural images): the paper starts the text MLP so that its
/// statistics can reach the images'. Returns the factor applied. An encoder whose pool5 is all
/// zero on `ds` (every unit dead) cannot be scaled and is an error.
pub fn match_scale(net: &CrossModalNet, ds: &Dataset, modality: &str, target: f64) -> Result<f64> {
    let op = "net.match_scale";
    if !(target.is_finite() && target > 0.0) {
        return Err(Error::invalid(
            op,
            "target",
            format!("must be a finite number > 0, got {target}"),
        ));
    }
    let now = pool5_rms(net, ds, modality)?;
    if !(now.is_finite() && now > 0.0) {
        return Err(Error::invalid(
            op,
            "modality",
            format!("'{modality}' gives pool5 activations of root mean square {now} on this data: nothing to scale (draw the encoder with another seed or text_std)"),
        ));
    }
    let factor = target / now;
    net.scale_encoder_output(modality, factor)?;
    Ok(factor)
}
