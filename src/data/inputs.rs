//! Network inputs made from stored samples, and the per-sample cache of the costly ones.
//!
//! Image [3, S, S] with (x/255 − 0.5)/0.25; text [384] description vectors scaled to norm √384;
//! sound [64, frames] log-mel, (v + 1.5)/3. Description vectors and log-mel spectrograms are
//! computed once per sample and kept (`Slot`), since training asks for them every epoch.

use super::audio::{self, MelConfig};
use std::sync::{Arc, OnceLock};

/// The cached input row of one sample, shared by every dataset holding that sample.
pub type Slot = Arc<OnceLock<Arc<[f32]>>>;

/// `n` empty slots.
pub fn slots(n: usize) -> Vec<Slot> {
    (0..n).map(|_| Slot::default()).collect()
}

/// HWC bytes to normalised CHW floats.
pub fn image_row(px: &[u8], size: usize) -> Vec<f32> {
    let hw = size * size;
    let mut out = vec![0.0; 3 * hw];
    for p in 0..hw {
        for c in 0..3 {
            out[c * hw + p] = (px[p * 3 + c] as f32 / 255.0 - 0.5) / 0.25;
        }
    }
    out
}

fn mel_filters() -> &'static [Vec<f32>] {
    static F: OnceLock<Vec<Vec<f32>>> = OnceLock::new();
    F.get_or_init(|| audio::mel_filters(&MelConfig::default()))
}

/// A waveform to its standardised log-mel spectrogram [mels × frames].
pub fn sound_row(wave: &[f32]) -> Vec<f32> {
    audio::log_mel(wave, &MelConfig::default(), mel_filters())
        .into_iter()
        .map(|v| (v + 1.5) / 3.0)
        .collect()
}

/// A description vector scaled to norm √D, so entries have unit variance like the normalised
/// pixels: averaged sentence vectors are otherwise ~20× smaller than image inputs, and the text
/// MLP then feeds the shared layers activations too small to learn from.
pub fn scale_text(mut v: Vec<f32>) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    let scale = (v.len() as f32).sqrt() / norm;
    v.iter_mut().for_each(|x| *x *= scale);
    v
}
