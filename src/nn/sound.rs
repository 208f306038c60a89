//! The See-Hear-Read sound encoder: log-mel spectrogram [n, mels, frames] with the mel bands as
//! channels → four 1-D convs over time (k5 ReLU, time max-pool 2 after the first three:
//! mels→64→128→256→pool5) → max over time → [n, pool5].

use super::layers::{conv1d, Conv1d};
use super::pool::{global_max_time, max_pool_time};
use candle_core::{Module, Result, Tensor};
use candle_nn::VarBuilder;

/// The sound CNN.
#[derive(Clone, Debug)]
pub struct SoundCnn {
    convs: Vec<Conv1d>,
    mels: usize,
}

/// Channel widths of the four convolutions (the last is pool5).
pub fn sound_widths(pool5: usize) -> [usize; 4] {
    [64, 128, 256, pool5]
}

/// `SoundCnn` with parameters `conv1` … `conv4` under `vb`.
pub fn sound_cnn(mels: usize, pool5: usize, vb: VarBuilder) -> Result<SoundCnn> {
    let mut cin = mels;
    let mut convs = vec![];
    for (i, cout) in sound_widths(pool5).into_iter().enumerate() {
        convs.push(conv1d(cin, cout, 5, vb.pp(format!("conv{}", i + 1)))?);
        cin = cout;
    }
    Ok(SoundCnn { convs, mels })
}

impl Module for SoundCnn {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let (_, m, _) = x.dims3()?;
        if m != self.mels {
            candle_core::bail!(
                "sound CNN: expected [n, {}, frames], got {:?}",
                self.mels,
                x.dims()
            );
        }
        let mut h = x.clone();
        for (i, c) in self.convs.iter().enumerate() {
            h = c.forward(&h)?.relu()?;
            if i < 3 && h.dim(2)? >= 2 {
                h = max_pool_time(&h, 2)?;
            }
        }
        global_max_time(&h)
    }
}
