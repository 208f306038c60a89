//! Modality encoders built from a spec: every encoder maps its input to [n, pool5] so that the
//! shared trunk can follow it. Networks never see a dataset type, only these specs.

use super::layers::{linear, Linear};
use super::pixel::{pixel_cnn, PixelArch, PixelCnn};
use super::sound::{sound_cnn, SoundCnn};
use super::text::{text_cnn, text_mlp, TextCnn, TextMlp};
use candle_core::{Module, Result, Tensor};
use candle_nn::VarBuilder;
use serde::{Deserialize, Serialize};

/// What one modality's encoder is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum EncoderSpec {
    /// Images [n, 3, 64, 64] (scene-net-s) or [n, 3, 227, 227] (alexnet).
    Pixel { arch: PixelArch },
    /// Sentence vectors [n, dim] → 2-layer ReLU MLP (CMPlaces).
    TextVec { dim: usize },
    /// Token ids [n, L ≤ max_len] → embeddings → four 1-D convs (See-Hear-Read).
    TextTokens { vocab: usize, max_len: usize },
    /// Log-mel spectrograms [n, mels, frames] → four 1-D convs (See-Hear-Read).
    Sound { mels: usize, frames: usize },
    /// Precomputed features [n, dim]: identity when dim == pool5, else a linear map.
    Features { dim: usize },
}

impl EncoderSpec {
    /// The script name of the kind (`pixel`, `text_vec`, `text_tokens`, `sound`, `features`).
    pub fn kind(&self) -> &'static str {
        match self {
            EncoderSpec::Pixel { .. } => "pixel",
            EncoderSpec::TextVec { .. } => "text_vec",
            EncoderSpec::TextTokens { .. } => "text_tokens",
            EncoderSpec::Sound { .. } => "sound",
            EncoderSpec::Features { .. } => "features",
        }
    }

    /// A one-line description for summaries.
    pub fn describe(&self) -> String {
        match self {
            EncoderSpec::Pixel { arch } => format!("pixel {}", arch.name()),
            EncoderSpec::TextVec { dim } => format!("text MLP from {dim}-d vectors"),
            EncoderSpec::TextTokens { vocab, max_len } => {
                format!("text CNN, vocab {vocab}, ≤{max_len} tokens")
            }
            EncoderSpec::Sound { mels, frames } => {
                format!("sound CNN, {mels} mels × {frames} frames")
            }
            EncoderSpec::Features { dim } => format!("features {dim}-d"),
        }
    }

    /// The input shape of one sample.
    pub fn input_shape(&self) -> Vec<usize> {
        match self {
            EncoderSpec::Pixel { arch } => vec![3, arch.input_size(), arch.input_size()],
            EncoderSpec::TextVec { dim } | EncoderSpec::Features { dim } => vec![*dim],
            EncoderSpec::TextTokens { max_len, .. } => vec![*max_len],
            EncoderSpec::Sound { mels, frames } => vec![*mels, *frames],
        }
    }
}

/// Sizes an encoder needs besides its spec.
#[derive(Clone, Debug)]
pub struct EncoderSizes {
    pub pool5: usize,
    pub text_hidden: usize,
    pub text_std: f64,
    pub embed_dim: usize,
}

/// A built encoder.
#[derive(Clone, Debug)]
pub enum Encoder {
    Pixel(PixelCnn),
    TextMlp(TextMlp),
    TextCnn(TextCnn),
    Sound(SoundCnn),
    Identity,
    Linear(Linear),
}

/// Build the encoder of `spec`, with parameters under `vb` (e.g. `enc.nat`).
pub fn encoder(spec: &EncoderSpec, sizes: &EncoderSizes, vb: VarBuilder) -> Result<Encoder> {
    Ok(match spec {
        EncoderSpec::Pixel { arch } => Encoder::Pixel(pixel_cnn(*arch, vb)?),
        EncoderSpec::TextVec { dim } => Encoder::TextMlp(text_mlp(
            *dim,
            sizes.text_hidden,
            sizes.pool5,
            sizes.text_std,
            vb,
        )?),
        EncoderSpec::TextTokens { vocab, max_len } => Encoder::TextCnn(text_cnn(
            *vocab,
            *max_len,
            sizes.embed_dim,
            sizes.pool5,
            vb,
        )?),
        EncoderSpec::Sound { mels, .. } => Encoder::Sound(sound_cnn(*mels, sizes.pool5, vb)?),
        EncoderSpec::Features { dim } if *dim == sizes.pool5 => Encoder::Identity,
        EncoderSpec::Features { dim } => {
            Encoder::Linear(linear(*dim, sizes.pool5, None, vb.pp("proj"))?)
        }
    })
}

impl Module for Encoder {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            Encoder::Pixel(m) => m.forward(x),
            Encoder::TextMlp(m) => m.forward(x),
            Encoder::TextCnn(m) => m.forward(x),
            Encoder::Sound(m) => m.forward(x),
            Encoder::Identity => Ok(x.clone()),
            Encoder::Linear(m) => m.forward(x),
        }
    }
}
