//! Text encoders, both ending at the pool5 size of the shared trunk.
//!
//! - `TextMlp` (CMPlaces §4): sentence vectors [n, dim] → fc1 dim→h, ReLU → fc2 h→h, ReLU →
//!   out h→pool5, ReLU. Weights N(0, σ²) with σ = 0.1 by default: the paper stresses that this
//!   initialisation is what lets text reach the image statistics.
//! - `TextCnn` (See-Hear-Read): token ids [n, L] (u32) → embedding [n, L, e] → four 1-D convs
//!   (k3, ReLU; time max-pool 2 after the first three) → max over time → [n, pool5].

use super::layers::{conv1d, linear, Conv1d, Linear};
use super::pool::{global_max_time, max_pool_time};
use candle_core::{DType, Module, Result, Tensor};
use candle_nn::{Embedding, Init, VarBuilder};

/// The CMPlaces description MLP.
#[derive(Clone, Debug)]
pub struct TextMlp {
    fc1: Linear,
    fc2: Linear,
    out: Linear,
}

/// `TextMlp` with parameters `fc1`, `fc2`, `out` under `vb`.
pub fn text_mlp(
    dim: usize,
    hidden: usize,
    pool5: usize,
    std: f64,
    vb: VarBuilder,
) -> Result<TextMlp> {
    let init = Some(Init::Randn {
        mean: 0.0,
        stdev: std,
    });
    Ok(TextMlp {
        fc1: linear(dim, hidden, init, vb.pp("fc1"))?,
        fc2: linear(hidden, hidden, init, vb.pp("fc2"))?,
        out: linear(hidden, pool5, init, vb.pp("out"))?,
    })
}

impl Module for TextMlp {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let h = self.fc1.forward(x)?.relu()?;
        let h = self.fc2.forward(&h)?.relu()?;
        self.out.forward(&h)?.relu()
    }
}

/// The See-Hear-Read sentence CNN.
#[derive(Clone, Debug)]
pub struct TextCnn {
    embed: Embedding,
    convs: Vec<Conv1d>,
    max_len: usize,
}

/// Channel widths of the text CNN's four convolutions (the last is pool5).
pub fn text_cnn_widths(pool5: usize) -> [usize; 4] {
    [256, 256, 512, pool5]
}

/// `TextCnn` with parameters `embed.weight` [vocab, e] and `conv1` … `conv4` under `vb`.
pub fn text_cnn(
    vocab: usize,
    max_len: usize,
    embed_dim: usize,
    pool5: usize,
    vb: VarBuilder,
) -> Result<TextCnn> {
    let w = vb.get_with_hints(
        (vocab, embed_dim),
        "embed.weight",
        Init::Randn {
            mean: 0.0,
            stdev: 1.0,
        },
    )?;
    let embed = Embedding::new(w, embed_dim);
    let mut cin = embed_dim;
    let mut convs = vec![];
    for (i, cout) in text_cnn_widths(pool5).into_iter().enumerate() {
        convs.push(conv1d(cin, cout, 3, vb.pp(format!("conv{}", i + 1)))?);
        cin = cout;
    }
    Ok(TextCnn {
        embed,
        convs,
        max_len,
    })
}

impl Module for TextCnn {
    fn forward(&self, ids: &Tensor) -> Result<Tensor> {
        let (_, l) = ids.dims2()?;
        if l > self.max_len {
            candle_core::bail!(
                "text CNN: {l} tokens per row, the encoder was built for at most {}",
                self.max_len
            );
        }
        let ids = if ids.dtype() == DType::U32 {
            ids.clone()
        } else {
            ids.to_dtype(DType::U32)?
        };
        let mut h = self.embed.forward(&ids)?.transpose(1, 2)?.contiguous()?; // [n, e, L]
        for (i, c) in self.convs.iter().enumerate() {
            h = c.forward(&h)?.relu()?;
            if i < 3 && h.dim(2)? >= 2 {
                h = max_pool_time(&h, 2)?;
            }
        }
        global_max_time(&h)
    }
}
