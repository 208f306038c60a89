//! Seeded parameter creation: a candle-nn `SimpleBackend` that gives every parameter a value
//! either from a source `VarBuilder` (a checkpoint) or drawn from its `Init` hint with a ChaCha8
//! generator seeded by (net seed, parameter name), and records it as a `Var` in a `VarMap`.
//!
//! Why: candle's `VarMap` draws initial weights from an unseeded generator, so two nets built
//! with the same seed would differ. Seeding per name also makes a parameter's initial value
//! independent of the order in which layers are built.

use crate::tensor::create;
use candle_core::{DType, Device, Shape, Tensor, Var};
use candle_nn::init::NormalOrUniform;
use candle_nn::{Init, VarBuilder, VarMap};
use rand_distr::{Distribution, Normal, Uniform};

/// The backend behind every `CrossModalNet` parameter.
pub struct SeededStore<'a> {
    varmap: VarMap,
    source: VarBuilder<'a>,
    seed: u64,
}

impl<'a> SeededStore<'a> {
    /// Parameters go into `varmap`; tensors that `source` holds are taken from it, the rest are
    /// drawn from `seed`.
    pub fn new(varmap: VarMap, source: VarBuilder<'a>, seed: u64) -> Self {
        SeededStore {
            varmap,
            source,
            seed,
        }
    }

    /// A `VarBuilder` over this store.
    pub fn into_builder(self, dtype: DType, dev: &Device) -> VarBuilder<'a> {
        VarBuilder::from_backend(Box::new(self), dtype, dev.clone())
    }
}

/// FNV-1a of a name, mixed into the seed so every parameter has its own stream.
pub fn name_seed(seed: u64, name: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in name.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h ^ seed.wrapping_mul(0x9E3779B97F4A7C15)
}

/// Draw a tensor of `shape` from an `Init` with a seeded generator (on the host, then moved).
pub fn draw(
    init: Init,
    shape: &Shape,
    seed: u64,
    dtype: DType,
    dev: &Device,
) -> candle_core::Result<Tensor> {
    let n = shape.elem_count();
    let dims = shape.dims();
    let mut r = create::rng(seed);
    let v: Vec<f64> = match init {
        Init::Const(c) => vec![c; n],
        Init::Randn { mean, stdev } => {
            let d = Normal::new(mean, stdev).map_err(candle_core::Error::wrap)?;
            (0..n).map(|_| d.sample(&mut r)).collect()
        }
        Init::Uniform { lo, up } => {
            let d = Uniform::new(lo, up).map_err(candle_core::Error::wrap)?;
            (0..n).map(|_| d.sample(&mut r)).collect()
        }
        Init::Kaiming {
            dist,
            fan,
            non_linearity,
        } => {
            let fan = fan.for_shape(shape);
            let std = non_linearity.gain() / (fan as f64).sqrt();
            match dist {
                NormalOrUniform::Normal => {
                    let d = Normal::new(0.0, std).map_err(candle_core::Error::wrap)?;
                    (0..n).map(|_| d.sample(&mut r)).collect()
                }
                NormalOrUniform::Uniform => {
                    let b = 3f64.sqrt() * std;
                    let d = Uniform::new(-b, b).map_err(candle_core::Error::wrap)?;
                    (0..n).map(|_| d.sample(&mut r)).collect()
                }
            }
        }
    };
    Tensor::from_vec(v, dims, &Device::Cpu)?
        .to_dtype(dtype)?
        .to_device(dev)
}

impl candle_nn::var_builder::SimpleBackend for SeededStore<'_> {
    fn get(
        &self,
        s: Shape,
        name: &str,
        h: Init,
        dtype: DType,
        dev: &Device,
    ) -> candle_core::Result<Tensor> {
        if let Some(v) = self.varmap.data().lock().unwrap().get(name) {
            return Ok(v.as_tensor().clone());
        }
        // A source that claims every name but cannot produce it (candle's `Zeros` builder)
        // counts as empty: the parameter is drawn.
        let from_source = if self.source.contains_tensor(name) {
            self.source.get_unchecked_dtype(name, dtype).ok()
        } else {
            None
        };
        let t = if let Some(t) = from_source {
            if t.dims() != s.dims() {
                candle_core::bail!(
                    "tensor '{name}' has shape {:?} in the checkpoint but the architecture needs {:?}",
                    t.dims(),
                    s.dims()
                );
            }
            t.to_device(dev)?
        } else {
            draw(h, &s, name_seed(self.seed, name), dtype, dev)?
        };
        let var = Var::from_tensor(&t)?;
        let out = var.as_tensor().clone();
        self.varmap
            .data()
            .lock()
            .unwrap()
            .insert(name.to_string(), var);
        Ok(out)
    }

    fn get_unchecked(&self, name: &str, dtype: DType, dev: &Device) -> candle_core::Result<Tensor> {
        if let Some(v) = self.varmap.data().lock().unwrap().get(name) {
            return Ok(v.as_tensor().clone());
        }
        self.source.get_unchecked_dtype(name, dtype)?.to_device(dev)
    }

    fn contains_tensor(&self, name: &str) -> bool {
        self.varmap.data().lock().unwrap().contains_key(name) || self.source.contains_tensor(name)
    }
}
