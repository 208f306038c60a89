//! Pixel CNNs: image [n, 3, H, W] → pool5 flattened [n, pool5].
//!
//! `scene-net-s` (64×64 input, pool5 = 128×4×4 = 2048):
//!   conv1 3→48 k5 s2 p2, ReLU, maxpool 2/2 → conv2 48→128 k3 p1, ReLU, maxpool 2/2 →
//!   conv3 128→192 k3 p1, ReLU → conv4 192→192 k3 p1, ReLU → conv5 192→128 k3 p1, ReLU, maxpool 2/2.
//! `alexnet` (227×227 input, pool5 = 256×6×6 = 9216), Caffe/Places-CNN order:
//!   conv1 3→96 k11 s4, ReLU, maxpool 3/2, LRN → conv2 96→256 k5 p2 g2, ReLU, maxpool 3/2, LRN →
//!   conv3 256→384 k3 p1, ReLU → conv4 384→384 k3 p1 g2, ReLU → conv5 384→256 k3 p1 g2, ReLU,
//!   maxpool 3/2.

use super::layers::{conv2d, Conv2d};
use super::lrn::Lrn;
use candle_core::{Module, Result, Tensor};
use candle_nn::VarBuilder;
use serde::{Deserialize, Serialize};

/// Which pixel architecture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PixelArch {
    SceneNetS,
    AlexNet,
}

impl PixelArch {
    /// The script name (`"scene-net-s"`, `"alexnet"`).
    pub fn name(&self) -> &'static str {
        match self {
            PixelArch::SceneNetS => "scene-net-s",
            PixelArch::AlexNet => "alexnet",
        }
    }

    /// Parse a script name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "scene-net-s" | "scene_net_s" => Some(PixelArch::SceneNetS),
            "alexnet" => Some(PixelArch::AlexNet),
            _ => None,
        }
    }

    /// Input side length (square images).
    pub fn input_size(&self) -> usize {
        match self {
            PixelArch::SceneNetS => 64,
            PixelArch::AlexNet => 227,
        }
    }

    /// Flattened pool5 size.
    pub fn pool5(&self) -> usize {
        match self {
            PixelArch::SceneNetS => 128 * 4 * 4,
            PixelArch::AlexNet => 256 * 6 * 6,
        }
    }
}

/// One conv layer with what follows it.
#[derive(Clone, Debug)]
struct Stage {
    conv: Conv2d,
    /// Max pool (kernel, stride) after the ReLU.
    pool: Option<(usize, usize)>,
    lrn: Option<Lrn>,
}

/// A pixel CNN up to pool5.
#[derive(Clone, Debug)]
pub struct PixelCnn {
    arch: PixelArch,
    stages: Vec<Stage>,
}

/// Build a pixel CNN; parameters are `conv1.weight` … `conv5.bias` under `vb`.
pub fn pixel_cnn(arch: PixelArch, vb: VarBuilder) -> Result<PixelCnn> {
    // (cin, cout, k, stride, pad, groups, pool, lrn)
    type L = (
        usize,
        usize,
        usize,
        usize,
        usize,
        usize,
        Option<(usize, usize)>,
        bool,
    );
    let layers: Vec<L> = match arch {
        PixelArch::SceneNetS => vec![
            (3, 48, 5, 2, 2, 1, Some((2, 2)), false),
            (48, 128, 3, 1, 1, 1, Some((2, 2)), false),
            (128, 192, 3, 1, 1, 1, None, false),
            (192, 192, 3, 1, 1, 1, None, false),
            (192, 128, 3, 1, 1, 1, Some((2, 2)), false),
        ],
        PixelArch::AlexNet => vec![
            (3, 96, 11, 4, 0, 1, Some((3, 2)), true),
            (96, 256, 5, 1, 2, 2, Some((3, 2)), true),
            (256, 384, 3, 1, 1, 1, None, false),
            (384, 384, 3, 1, 1, 2, None, false),
            (384, 256, 3, 1, 1, 2, Some((3, 2)), false),
        ],
    };
    let stages = layers
        .into_iter()
        .enumerate()
        .map(|(i, (cin, cout, k, s, p, g, pool, lrn))| {
            Ok(Stage {
                conv: conv2d(cin, cout, k, s, p, g, vb.pp(format!("conv{}", i + 1)))?,
                pool,
                lrn: lrn.then(Lrn::default),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(PixelCnn { arch, stages })
}

impl PixelCnn {
    pub fn arch(&self) -> PixelArch {
        self.arch
    }
}

impl Module for PixelCnn {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let side = self.arch.input_size();
        let d = x.dims();
        if d.len() != 4 || d[1] != 3 || d[2] != side || d[3] != side {
            candle_core::bail!(
                "{} expects images [n, 3, {side}, {side}], got {d:?}",
                self.arch.name()
            );
        }
        let mut h = x.clone();
        for st in &self.stages {
            h = match st.pool {
                Some((k, s)) => st.conv.forward_relu_pool(&h, k, s)?,
                None => st.conv.forward_relu(&h)?,
            };
            if let Some(lrn) = &st.lrn {
                h = lrn.forward(&h)?;
            }
        }
        h.flatten_from(1)
    }
}
