//! Feature inversion (CMPlaces Figure 6; Dosovitskiy & Brox, "Inverting visual representations
//! with convolutional networks", CVPR 2016): an up-convolutional decoder trained to map a net's
//! features of natural images back to the (downsampled) images. Fed the features of another
//! modality, it shows what that input "looks like" to the shared representation.
//!
//! Decoder: a linear layer from the D features to `width`×4×4, ReLU; then per doubling of the
//! side (4 → `size`) a nearest-neighbour 2× upsampling and a 3×3 convolution to half the
//! channels (at least 16), ReLU; a last 3×3 convolution to RGB and a logistic sigmoid, so pixels
//! are in (0, 1). Upsampling + convolution rather than candle's `conv_transpose2d`: the
//! convolutions are the crate's im2col `Conv2d`, whose backward is checked against finite
//! differences for every layer of the nets, and the upsampling is a reshape/broadcast whose
//! backward is a plain sum (candle's own `upsample_nearest2d` backward overwrites, not adds, the
//! gradient of an input used twice). `tests/viz_inverter.rs` checks the whole decoder's gradients
//! against finite differences in f64.
//!
//! Training: the net is frozen; its `layer` features of every image of `modality` are computed
//! once ([`crate::eval::extract::features`]) and divided by their root mean square (kept, and
//! applied to every input of `invert`), the targets are the images downsampled to `size` (a
//! triangle filter) in [0, 1], and AdamW (no weight decay, constant learning rate) minimises the
//! mean squared error over seeded shuffled batches.

use crate::data::{Dataset, ModalityKind};
use crate::error::{Context, Error, Result};
use crate::nn::init::SeededStore;
use crate::nn::layers::{conv2d, linear, Conv2d, Linear};
use crate::nn::CrossModalNet;
use crate::train::optim::{Optimizer, OptimizerKind, ParamGroup};
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{VarBuilder, VarMap};

/// Options of [`train_inverter`].
#[derive(Clone, Debug)]
pub struct InverterOpts {
    /// Layer whose features are inverted (default "pool5").
    pub layer: String,
    /// Image modality the decoder learns to draw (default "nat").
    pub modality: String,
    /// Side of the reconstructed images: 4·2ⁿ, n ≥ 1 (default 32).
    pub size: usize,
    /// Training steps (default 300).
    pub steps: usize,
    /// AdamW learning rate (default 1e-3).
    pub lr: f64,
    /// Images per step (default 32).
    pub batch: usize,
    /// Channels at 4×4, halved at each doubling (default 128).
    pub width: usize,
    /// Seed of the initial weights and the batch order (default 0).
    pub seed: u64,
    /// No progress lines (default false).
    pub quiet: bool,
    /// Steps between progress lines (default: steps / 10).
    pub log_every: usize,
}

impl Default for InverterOpts {
    fn default() -> Self {
        InverterOpts {
            layer: "pool5".into(),
            modality: "nat".into(),
            size: 32,
            steps: 300,
            lr: 1e-3,
            batch: 32,
            width: 128,
            seed: 0,
            quiet: false,
            log_every: 0,
        }
    }
}

/// The up-convolutional decoder.
#[derive(Clone, Debug)]
pub struct Decoder {
    fc: Linear,
    ups: Vec<Conv2d>,
    out: Conv2d,
    width: usize,
}

/// Nearest-neighbour 2× upsampling of [n, c, h, w] as a reshape and a broadcast.
pub fn upsample2(x: &Tensor) -> candle_core::Result<Tensor> {
    let (n, c, h, w) = x.dims4()?;
    x.reshape((n, c, h, 1, w, 1))?
        .broadcast_as((n, c, h, 2, w, 2))?
        .reshape((n, c, 2 * h, 2 * w))
}

/// How many doublings take 4 to `size`, if `size` is 4·2ⁿ with n ≥ 1.
pub fn doublings(size: usize) -> Option<usize> {
    (1..=8).find(|&n| 4 << n == size)
}

/// A decoder from `in_dim` features to 3×`size`×`size` images with `width` channels at 4×4;
/// parameters `fc.*`, `up0.*` … and `out.*` under `vb`.
pub fn decoder(in_dim: usize, size: usize, width: usize, vb: VarBuilder) -> Result<Decoder> {
    let op = "viz::decoder";
    let n = doublings(size).ok_or_else(|| {
        Error::invalid(op, "size", format!("{size} is not 4·2ⁿ (8, 16, 32, 64, …)"))
    })?;
    if width == 0 || in_dim == 0 {
        return Err(Error::invalid(op, "width", "sizes must be positive"));
    }
    let fc = linear(in_dim, width * 16, None, vb.pp("fc")).op(op)?;
    let mut ups = vec![];
    let mut c = width;
    for i in 0..n {
        let next = (c / 2).max(16).min(c);
        ups.push(conv2d(c, next, 3, 1, 1, 1, vb.pp(format!("up{i}"))).op(op)?);
        c = next;
    }
    let out = conv2d(c, 3, 3, 1, 1, 1, vb.pp("out")).op(op)?;
    Ok(Decoder {
        fc,
        ups,
        out,
        width,
    })
}

impl Module for Decoder {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        let n = x.dim(0)?;
        let mut h = self.fc.forward(x)?.relu()?.reshape((n, self.width, 4, 4))?;
        for conv in &self.ups {
            h = conv.forward(&upsample2(&h)?)?.relu()?;
        }
        // The logistic sigmoid from basic operations (each has a backward).
        (self.out.forward(&h)?.neg()?.exp()? + 1.0)?.recip()
    }
}

/// A trained decoder with what it was trained on.
pub struct Inverter {
    pub layer: String,
    pub modality: String,
    pub size: usize,
    /// Feature width the decoder takes.
    pub in_dim: usize,
    /// Root mean square of the training features; inputs are divided by it.
    pub scale: f64,
    pub decoder: Decoder,
    /// (step, training-batch MSE) of every step.
    pub losses: Vec<(usize, f64)>,
    /// MSE of the mean training image on the training images: what a decoder that ignores
    /// its input reaches.
    pub baseline: f64,
    pub device: Device,
}

impl Inverter {
    /// Images [n, 3, size, size] in (0, 1) from features [n, in_dim] (any float dtype/device).
    pub fn invert(&self, x: &Tensor) -> Result<Tensor> {
        let op = "inverter.invert";
        let (n, d) = x.dims2().map_err(|_| {
            Error::invalid(
                op,
                "features",
                format!("expected an N×D tensor, got shape {:?}", x.dims()),
            )
        })?;
        if d != self.in_dim {
            return Err(Error::invalid(
                op,
                "features",
                format!(
                    "{d}-wide features, but the decoder was trained on {} ({} {})",
                    self.in_dim, self.modality, self.layer
                ),
            ));
        }
        let x = x
            .to_dtype(DType::F32)
            .and_then(|t| t.to_device(&self.device))
            .and_then(|t| t / self.scale)
            .op(op)?;
        let mut parts = vec![];
        for start in (0..n).step_by(256) {
            let len = 256.min(n - start);
            parts.push(
                self.decoder
                    .forward(&x.narrow(0, start, len).op(op)?)
                    .op(op)?
                    .detach(),
            );
        }
        if parts.is_empty() {
            return Tensor::zeros((0, 3, self.size, self.size), DType::F32, &self.device).op(op);
        }
        Tensor::cat(&parts, 0).op(op)
    }

    /// The last logged loss (mean of the final tenth of the steps).
    pub fn final_loss(&self) -> f64 {
        let n = self.losses.len();
        if n == 0 {
            return f64::NAN;
        }
        let tail = &self.losses[n - (n / 10).max(1)..];
        tail.iter().map(|l| l.1).sum::<f64>() / tail.len() as f64
    }
}

/// The images of `modality` downsampled to `size`, as [n, 3, size, size] in [0, 1].
pub fn targets(ds: &Dataset, modality: &str, size: usize, dev: &Device) -> Result<Tensor> {
    let op = "viz::train_inverter";
    if ds.image_side(modality)?.is_none() {
        return Err(Error::invalid(
            op,
            "modality",
            format!("'{modality}' does not hold images"),
        ));
    }
    let (n, hw) = (ds.len_of(modality)?, size * size);
    let mut v = Vec::with_capacity(n * 3 * hw);
    for i in 0..n {
        let img = ds.picture(modality, i)?;
        let small = if img.width() as usize == size {
            img
        } else {
            image::imageops::resize(
                &img,
                size as u32,
                size as u32,
                image::imageops::FilterType::Triangle,
            )
        };
        let raw = small.into_raw();
        for c in 0..3 {
            v.extend((0..hw).map(|p| raw[p * 3 + c] as f32 / 255.0));
        }
    }
    Tensor::from_vec(v, (n, 3, size, size), &Device::Cpu)
        .and_then(|t| t.to_device(dev))
        .op(op)
}

/// Train a decoder from `net`'s features of `o.modality` images to the images; `progress` gets
/// (step, loss) after every step.
pub fn train_inverter(
    net: &CrossModalNet,
    ds: &Dataset,
    o: &InverterOpts,
    progress: Option<&dyn Fn(usize, f64)>,
) -> Result<Inverter> {
    let op = "viz::train_inverter";
    if doublings(o.size).is_none() {
        return Err(Error::invalid(
            op,
            "size",
            format!("{} is not 4·2ⁿ (8, 16, 32, 64, …)", o.size),
        ));
    }
    if o.batch == 0 || o.steps == 0 {
        return Err(Error::invalid(
            op,
            "steps",
            "steps and batch must be at least 1",
        ));
    }
    if ds.kind(&o.modality)? != ModalityKind::Image {
        return Err(Error::invalid(
            op,
            "modality",
            format!(
                "'{}' holds {}, not images",
                o.modality,
                ds.kind(&o.modality)?.name()
            ),
        ));
    }
    let data = ds.only(std::slice::from_ref(&o.modality))?;
    let f = crate::eval::extract::features(net, &data, &o.layer, 128)?;
    let dev = net.device().clone();
    let x = f.x.to_dtype(DType::F32).op(op)?;
    let (n, in_dim) = x.dims2().op(op)?;
    let scale = x
        .sqr()
        .and_then(|s| s.mean_all())
        .and_then(|s| s.to_scalar::<f32>())
        .op(op)?
        .sqrt() as f64;
    let scale = if scale > 0.0 && scale.is_finite() {
        scale
    } else {
        1.0
    };
    let x = (x / scale).op(op)?;
    let y = targets(&data, &o.modality, o.size, &dev)?;
    let mean_img = y.mean_keepdim(0).op(op)?;
    let baseline = y
        .broadcast_sub(&mean_img)
        .and_then(|d| d.sqr())
        .and_then(|d| d.mean_all())
        .and_then(|d| d.to_scalar::<f32>())
        .op(op)? as f64;

    let varmap = VarMap::new();
    let vb = SeededStore::new(
        varmap.clone(),
        VarBuilder::from_varmap(&VarMap::new(), DType::F32, &dev),
        o.seed,
    )
    .into_builder(DType::F32, &dev);
    let dec = decoder(in_dim, o.size, o.width, vb)?;
    let (names, vars): (Vec<String>, Vec<candle_core::Var>) = {
        let data = varmap.data().lock().expect("varmap lock");
        let mut v: Vec<_> = data.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v.into_iter().unzip()
    };
    let mut opt = Optimizer::new(
        OptimizerKind::AdamW {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weight_decay: 0.0,
        },
        vec![ParamGroup {
            names,
            vars,
            lr_mult: 1.0,
        }],
    )?;
    let mut rng =
        crate::tensor::create::rng(crate::nn::init::name_seed(o.seed, "inverter batches"));
    let mut order: Vec<usize> = vec![];
    let mut losses = Vec::with_capacity(o.steps);
    let b = o.batch.min(n);
    for step in 1..=o.steps {
        if crate::interrupt::requested() {
            return Err(Error::Interrupted);
        }
        if order.len() < b {
            let mut perm = rand::seq::index::sample(&mut rng, n, n).into_vec();
            perm.reverse();
            order = perm;
        }
        let idx: Vec<u32> = (0..b).map(|_| order.pop().unwrap_or(0) as u32).collect();
        let ids = Tensor::from_vec(idx, b, &dev).op(op)?;
        let xb = x.index_select(&ids, 0).op(op)?;
        let yb = y.index_select(&ids, 0).op(op)?;
        let loss = dec
            .forward(&xb)
            .and_then(|p| p.sub(&yb))
            .and_then(|d| d.sqr())
            .and_then(|d| d.mean_all())
            .op(op)?;
        let value = loss.to_scalar::<f32>().op(op)? as f64;
        if !value.is_finite() {
            return Err(Error::NonFinite {
                term: "inverter mse".into(),
                value,
                step,
                hint: "lower lr".into(),
            });
        }
        let grads = loss.backward().op(op)?;
        opt.step(&grads, o.lr)?;
        losses.push((step, value));
        if let Some(p) = progress {
            p(step, value);
        }
    }
    Ok(Inverter {
        layer: o.layer.clone(),
        modality: o.modality.clone(),
        size: o.size,
        in_dim,
        scale,
        decoder: dec,
        losses,
        baseline,
        device: dev,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upsample_repeats_each_pixel_twice_each_way() {
        let x = Tensor::from_vec(vec![1f32, 2., 3., 4.], (1, 1, 2, 2), &Device::Cpu).unwrap();
        let y = upsample2(&x).unwrap();
        assert_eq!(y.dims(), [1, 1, 4, 4]);
        let v: Vec<f32> = y.flatten_all().unwrap().to_vec1().unwrap();
        assert_eq!(
            v,
            [1., 1., 2., 2., 1., 1., 2., 2., 3., 3., 4., 4., 3., 3., 4., 4.]
        );
    }

    #[test]
    fn sizes_are_four_times_a_power_of_two() {
        assert_eq!(doublings(8), Some(1));
        assert_eq!(doublings(32), Some(3));
        assert_eq!(doublings(4), None);
        assert_eq!(doublings(24), None);
    }
}
