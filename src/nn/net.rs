//! `CrossModalNet`: one encoder per modality (or one shared pixel CNN for every pixel modality,
//! the BL-ShAll baseline) feeding one shared trunk pool5 → fc6 → fc7 → fc8.
//!
//! Parameters live in a candle `VarMap` under path-like names (`enc.nat.conv1.weight`,
//! `enc.dsc.fc1.weight`, `shared.fc6.weight`); freezing is by name, group or layer.

use super::encoder::{encoder, Encoder, EncoderSizes, EncoderSpec};
use super::init::{name_seed, SeededStore};
use super::trunk::{trunk, Activations, Trunk};
use crate::error::{Context, Error, Result};
use candle_core::{DType, Device, Module, Tensor, Var};
use candle_nn::{VarBuilder, VarMap};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};

/// Architecture options shared by all modalities.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetConfig {
    /// One pixel CNN (`enc.pixel`) for every pixel modality (BL-ShAll). Default false.
    pub shared_pixel: bool,
    /// Dropout probability after fc6 and fc7 while training. Default 0.5.
    pub dropout: f64,
    /// pool5 size; `None` takes the pixel architecture's (2048 for scene-net-s), else 2048.
    pub pool5: Option<usize>,
    /// fc6 and fc7 widths. Default 1024 each (use 4096 with alexnet).
    pub fc6: usize,
    pub fc7: usize,
    /// Hidden width of the text MLP. Default 1024.
    pub text_hidden: usize,
    /// Standard deviation of the text MLP's initial weights. Default 0.1 (the paper's).
    pub text_std: f64,
    /// Word-embedding width of the text CNN. Default 128.
    pub embed_dim: usize,
    /// Seed of the initial weights and of the dropout masks. Default 0.
    pub seed: u64,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            shared_pixel: false,
            dropout: 0.5,
            pool5: None,
            fc6: 1024,
            fc7: 1024,
            text_hidden: 1024,
            text_std: 0.1,
            embed_dim: 128,
            seed: 0,
        }
    }
}

/// The cross-modal network.
pub struct CrossModalNet {
    pub(crate) modalities: Vec<(String, EncoderSpec)>,
    pub(crate) classes: usize,
    pub(crate) cfg: NetConfig,
    pool5: usize,
    encoders: BTreeMap<String, Encoder>,
    route: BTreeMap<String, String>,
    trunk: Trunk,
    varmap: VarMap,
    frozen: BTreeSet<String>,
    dtype: DType,
    device: Device,
    step: AtomicU64,
}

/// Whether parameter `name` belongs to `pattern`: the full name, a dotted prefix (`shared`,
/// `enc.dsc`, `shared.fc7`) or one path segment (`fc7`, `conv1`, a modality name).
pub fn name_matches(name: &str, pattern: &str) -> bool {
    name == pattern
        || name.starts_with(&format!("{pattern}."))
        || (!pattern.contains('.') && name.split('.').any(|s| s == pattern))
}

impl CrossModalNet {
    /// Build a net. Parameters that `vb` holds (a checkpoint) are taken from it with their shapes
    /// checked; the others are drawn from `cfg.seed`. `vb` also fixes the dtype and device: for a
    /// fresh net pass `VarBuilder::zeros(dtype, &device)` or one over an empty `VarMap`.
    pub fn new(
        modalities: &[(String, EncoderSpec)],
        classes: usize,
        cfg: &NetConfig,
        vb: VarBuilder,
    ) -> Result<Self> {
        let op = "nn::net";
        if modalities.is_empty() {
            return Err(Error::invalid(op, "modalities", "no modality given"));
        }
        if classes == 0 {
            return Err(Error::invalid(op, "classes", "must be at least 1"));
        }
        if !(0.0..1.0).contains(&cfg.dropout) {
            return Err(Error::invalid(
                op,
                "dropout",
                format!("must be in [0, 1), got {}", cfg.dropout),
            ));
        }
        let archs: BTreeSet<_> = modalities
            .iter()
            .filter_map(|(_, s)| match s {
                EncoderSpec::Pixel { arch } => Some(*arch),
                _ => None,
            })
            .collect();
        let arch_pool5: BTreeSet<usize> = archs.iter().map(|a| a.pool5()).collect();
        if arch_pool5.len() > 1 || (cfg.shared_pixel && archs.len() > 1) {
            return Err(Error::invalid(op, "arch", "pixel modalities use architectures with different pool5 sizes; use one architecture for all of them"));
        }
        let pool5 = match (cfg.pool5, arch_pool5.iter().next()) {
            (Some(p), Some(&a)) if p != a => {
                return Err(Error::invalid(
                    op,
                    "pool5",
                    format!("{p} differs from the pixel architecture's pool5 {a}"),
                ))
            }
            (Some(p), _) => p,
            (None, Some(&a)) => a,
            (None, None) => 2048,
        };
        let sizes = EncoderSizes {
            pool5,
            text_hidden: cfg.text_hidden,
            text_std: cfg.text_std,
            embed_dim: cfg.embed_dim,
        };
        let (dtype, device) = (vb.dtype(), vb.device().clone());
        let varmap = VarMap::new();
        let vb = SeededStore::new(varmap.clone(), vb, cfg.seed).into_builder(dtype, &device);
        let mut encoders = BTreeMap::new();
        let mut route = BTreeMap::new();
        for (name, spec) in modalities {
            if name.is_empty() || name.contains('.') || route.contains_key(name) {
                return Err(Error::invalid(
                    op,
                    "modalities",
                    format!("modality name '{name}' is empty, contains a dot or is repeated"),
                ));
            }
            let key = match spec {
                EncoderSpec::Pixel { .. } if cfg.shared_pixel => "enc.pixel".to_string(),
                _ => format!("enc.{name}"),
            };
            if !encoders.contains_key(&key) {
                let e = encoder(spec, &sizes, vb.pp(&key)).op(op)?;
                encoders.insert(key.clone(), e);
            }
            route.insert(name.clone(), key);
        }
        let trunk = trunk(
            pool5,
            cfg.fc6,
            cfg.fc7,
            classes,
            cfg.dropout,
            vb.pp("shared"),
        )
        .op(op)?;
        Ok(CrossModalNet {
            modalities: modalities.to_vec(),
            classes,
            cfg: cfg.clone(),
            pool5,
            encoders,
            route,
            trunk,
            varmap,
            frozen: BTreeSet::new(),
            dtype,
            device,
            step: AtomicU64::new(0),
        })
    }

    /// A fresh net with weights drawn from `cfg.seed`, on `dev` in `dtype`.
    pub fn fresh(
        modalities: &[(String, EncoderSpec)],
        classes: usize,
        cfg: &NetConfig,
        dtype: DType,
        dev: &Device,
    ) -> Result<Self> {
        Self::new(
            modalities,
            classes,
            cfg,
            VarBuilder::from_varmap(&VarMap::new(), dtype, dev),
        )
    }

    /// Every named activation for a batch of `modality`. `train` applies dropout with masks from
    /// an internal step counter seeded by `cfg.seed` (use `forward_train` to pass the seed).
    pub fn forward(&self, modality: &str, x: &Tensor, train: bool) -> Result<Activations> {
        let seed = train.then(|| {
            name_seed(self.cfg.seed, "dropout")
                .wrapping_add(self.step.fetch_add(1, Ordering::SeqCst))
        });
        self.run(modality, x, seed)
    }

    /// A training forward pass whose dropout masks come from `step_seed` (same seed → same masks).
    pub fn forward_train(&self, modality: &str, x: &Tensor, step_seed: u64) -> Result<Activations> {
        self.run(modality, x, Some(step_seed))
    }

    fn run(&self, modality: &str, x: &Tensor, seed: Option<u64>) -> Result<Activations> {
        let key = self.route.get(modality).ok_or_else(|| {
            Error::invalid(
                "net.forward",
                "modality",
                format!(
                    "unknown modality '{modality}'; the net has: {}",
                    self.modality_names().join(", ")
                ),
            )
        })?;
        let op = format!("net.forward({modality})");
        let x = if x.dtype() != self.dtype && !matches!(self.encoders[key], Encoder::TextCnn(_)) {
            x.to_dtype(self.dtype).op(&op)?
        } else {
            x.clone()
        };
        let pool5 = self.encoders[key].forward(&x).op(&op)?;
        if pool5.dims() != [x.dim(0).op(&op)?, self.pool5] {
            return Err(Error::Shape {
                op,
                lhs: pool5.dims().to_vec(),
                rhs: vec![x.dim(0)?, self.pool5],
            });
        }
        self.trunk.forward_from(pool5, seed).op(&op)
    }

    /// Modality names in the order given at construction.
    pub fn modality_names(&self) -> Vec<String> {
        self.modalities.iter().map(|(n, _)| n.clone()).collect()
    }

    /// The spec of each modality.
    pub fn modalities(&self) -> &[(String, EncoderSpec)] {
        &self.modalities
    }

    pub fn classes(&self) -> usize {
        self.classes
    }
    pub fn config(&self) -> &NetConfig {
        &self.cfg
    }
    pub fn pool5(&self) -> usize {
        self.pool5
    }
    pub fn device(&self) -> &Device {
        &self.device
    }
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// The parameters.
    pub fn varmap(&self) -> &VarMap {
        &self.varmap
    }

    /// Parameter names, sorted.
    pub fn param_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.varmap.data().lock().unwrap().keys().cloned().collect();
        v.sort();
        v
    }

    /// The parameters of a group or layer (`"shared"`, `"enc.dsc"`, `"fc7"`), sorted by name.
    pub fn vars_of(&self, group_or_layer: &str) -> Vec<Var> {
        let data = self.varmap.data().lock().unwrap();
        let mut v: Vec<(&String, &Var)> = data
            .iter()
            .filter(|(n, _)| name_matches(n, group_or_layer))
            .collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        v.into_iter().map(|(_, v)| v.clone()).collect()
    }

    fn resolve(&self, op: &str, names: &[String]) -> Result<Vec<String>> {
        let all = self.param_names();
        let mut out = vec![];
        for pat in names {
            let hit: Vec<_> = all
                .iter()
                .filter(|n| name_matches(n, pat))
                .cloned()
                .collect();
            if hit.is_empty() {
                return Err(Error::invalid(op, "names", format!("'{pat}' matches no parameter; groups are 'shared', 'enc', {}; layers such as 'fc6', 'fc7', 'fc8', 'conv1'", self.encoders.keys().map(|k| format!("'{k}'")).collect::<Vec<_>>().join(", "))));
            }
            out.extend(hit);
        }
        Ok(out)
    }

    /// Exclude the parameters of these groups/layers from `trainable_vars`.
    pub fn freeze(&mut self, names: &[String]) -> Result<()> {
        let hit = self.resolve("net.freeze", names)?;
        self.frozen.extend(hit);
        Ok(())
    }

    /// Make these groups/layers trainable again.
    pub fn unfreeze(&mut self, names: &[String]) -> Result<()> {
        for n in self.resolve("net.unfreeze", names)? {
            self.frozen.remove(&n);
        }
        Ok(())
    }

    /// Names of the frozen parameters.
    pub fn frozen(&self) -> Vec<String> {
        self.frozen.iter().cloned().collect()
    }

    /// The parameters an optimizer should update, sorted by name.
    pub fn trainable_vars(&self) -> Vec<Var> {
        let data = self.varmap.data().lock().unwrap();
        let mut v: Vec<(&String, &Var)> = data
            .iter()
            .filter(|(n, _)| !self.frozen.contains(*n))
            .collect();
        v.sort_by(|a, b| a.0.cmp(b.0));
        v.into_iter().map(|(_, v)| v.clone()).collect()
    }

    /// Copy every `shared.*` parameter from `other` (same trunk sizes), e.g. to start a
    /// cross-modal net from a teacher trained on natural images.
    pub fn copy_shared_from(&mut self, other: &CrossModalNet) -> Result<()> {
        let op = "net.copy_shared_from";
        let theirs = other.varmap.data().lock().unwrap();
        let mine = self.varmap.data().lock().unwrap();
        for (name, var) in mine.iter().filter(|(n, _)| n.starts_with("shared.")) {
            let src = theirs
                .get(name)
                .ok_or_else(|| Error::msg(format!("{op}: the other net has no '{name}'")))?;
            if src.dims() != var.dims() {
                return Err(Error::Shape {
                    op: format!("{op} '{name}'"),
                    lhs: var.dims().to_vec(),
                    rhs: src.dims().to_vec(),
                });
            }
            let t = src
                .as_tensor()
                .to_device(&self.device)
                .and_then(|t| t.to_dtype(self.dtype))
                .op(op)?;
            var.set(&t).op(op)?;
        }
        Ok(())
    }

    /// Multiply the last layer of `modality`'s encoder (weight and bias) by `factor` > 0. Every
    /// encoder ends in that layer followed by ReLU (and max pooling), which commute with a
    /// positive factor, so pool5 of that modality is scaled by exactly `factor`: this is how an
    /// encoder is started at the teacher's activation scale (`feed::match_scale`).
    pub fn scale_encoder_output(&self, modality: &str, factor: f64) -> Result<()> {
        let op = "net.match_scale";
        if !(factor.is_finite() && factor > 0.0) {
            return Err(Error::invalid(
                op,
                "factor",
                format!("must be a finite number > 0, got {factor}"),
            ));
        }
        let key = self.route.get(modality).ok_or_else(|| {
            Error::invalid(
                op,
                "modality",
                format!(
                    "the net has no modality '{modality}' (it has {})",
                    self.modality_names().join(", ")
                ),
            )
        })?;
        let last = match &self.encoders[key] {
            super::encoder::Encoder::Pixel(_) => "conv5",
            super::encoder::Encoder::TextMlp(_) => "out",
            super::encoder::Encoder::TextCnn(_) | super::encoder::Encoder::Sound(_) => "conv4",
            super::encoder::Encoder::Linear(_) => "proj",
            super::encoder::Encoder::Identity => {
                return Err(Error::invalid(
                    op,
                    "modality",
                    format!("'{modality}' feeds pool5 unchanged (features of the pool5 size): there is no layer to scale"),
                ))
            }
        };
        let data = self.varmap.data().lock().expect("varmap lock");
        for part in ["weight", "bias"] {
            let name = format!("{key}.{last}.{part}");
            if let Some(v) = data.get(&name) {
                let t = (v.as_tensor() * factor).op(op)?;
                v.set(&t).op(op)?;
            }
        }
        Ok(())
    }

    /// Draw the classifier (`shared.fc8`) afresh from `seed`, as conventional fine-tuning
    /// replaces a network's last layer for its new task (the BL-Ind baseline).
    pub fn reset_classifier(&self, seed: u64) -> Result<()> {
        let op = "net.reset_classifier";
        // A fresh trunk drawn from `seed` the way `new` draws one (same names, same streams).
        let drawn = VarMap::new();
        let empty = VarBuilder::from_varmap(&VarMap::new(), self.dtype, &self.device);
        let vb =
            SeededStore::new(drawn.clone(), empty, seed).into_builder(self.dtype, &self.device);
        let c = &self.cfg;
        trunk(
            self.pool5,
            c.fc6,
            c.fc7,
            self.classes,
            c.dropout,
            vb.pp("shared"),
        )
        .op(op)?;
        let theirs = drawn.data().lock().expect("varmap lock");
        let mine = self.varmap.data().lock().expect("varmap lock");
        for (name, var) in mine.iter().filter(|(n, _)| n.starts_with("shared.fc8.")) {
            var.set(theirs[name].as_tensor()).op(op)?;
        }
        Ok(())
    }

    /// How far each shared weight has moved from `other`'s (e.g. the teacher it started from):
    /// ‖W − W₀‖ / ‖W₀‖ (Frobenius) for every `shared.*.weight` both nets hold with one shape,
    /// by layer name (`fc6`, `fc7`, `fc8`).
    pub fn drift_from(&self, other: &CrossModalNet) -> Result<Vec<(String, f64)>> {
        let op = "net.drift";
        let mine = self.varmap.data().lock().expect("varmap lock");
        let theirs = other.varmap.data().lock().expect("varmap lock");
        let mut out = vec![];
        let mut names: Vec<&String> = mine
            .keys()
            .filter(|n| n.starts_with("shared.") && n.ends_with(".weight"))
            .collect();
        names.sort();
        for name in names {
            let Some(t0) = theirs.get(name) else { continue };
            let w = mine[name].as_tensor();
            if w.dims() != t0.dims() {
                continue;
            }
            let t0 = t0.as_tensor().to_device(w.device()).op(op)?;
            let norm = |t: &Tensor| -> Result<f64> {
                t.to_dtype(DType::F64)
                    .and_then(|t| t.sqr())
                    .and_then(|t| t.sum_all())
                    .and_then(|t| t.to_scalar::<f64>())
                    .map(f64::sqrt)
                    .op(op)
            };
            let d = norm(&(w - &t0).op(op)?)?;
            let base = norm(&t0)?;
            let layer = name.split('.').nth(1).unwrap_or(name).to_string();
            out.push((layer, if base > 0.0 { d / base } else { d }));
        }
        Ok(out)
    }

    /// Layers, shapes, parameter counts and whether each is frozen.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "CrossModalNet: {} modalities, {} classes, pool5 {}, fc6 {}, fc7 {}, dropout {}, {} on {}\n",
            self.modalities.len(), self.classes, self.pool5, self.cfg.fc6, self.cfg.fc7, self.cfg.dropout,
            self.dtype.as_str(), crate::device::name(&self.device)
        );
        for (m, spec) in &self.modalities {
            s += &format!(
                "  {m:<8} -> {:<10} {} (input {:?})\n",
                self.route[m],
                spec.describe(),
                spec.input_shape()
            );
        }
        s += &format!(
            "  {:<28} {:>18} {:>10}  trainable\n",
            "parameter", "shape", "count"
        );
        let names = self.param_names();
        let data = self.varmap.data().lock().unwrap();
        let (mut total, mut train) = (0usize, 0usize);
        for name in names {
            let v = &data[&name];
            let n = v.elem_count();
            let frozen = self.frozen.contains(&name);
            total += n;
            if !frozen {
                train += n;
            }
            s += &format!(
                "  {name:<28} {:>18} {n:>10}  {}\n",
                format!("{:?}", v.dims()),
                if frozen { "no" } else { "yes" }
            );
        }
        s += &format!("  total {total} parameters, {train} trainable");
        s
    }
}
