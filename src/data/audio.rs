//! The audio front end: WAV read/write (hound), fixed-length crop/pad, linear resampling, the
//! power STFT with a periodic Hann window (realfft) and the log-mel spectrogram.
//!
//! STFT: frame t covers x[t·hop .. t·hop + n_fft] (no centring), X_t(k) = Σ_n w(n) x(n) e^{-2πikn/N},
//! power P_t(k) = |X_t(k)|², k = 0..N/2. Mel: HTK scale m(f) = 2595 log10(1 + f/700), `mels`
//! triangular filters with edges equally spaced in m over [0, rate/2]. Output log(P·M + 1e-6),
//! shape [mels, frames], frames = 1 + (len − n_fft) / hop.

use crate::error::{Error, Result};
use realfft::RealFftPlanner;
use std::path::Path;

/// Sampling rate of every waveform in xmodal.
pub const RATE: u32 = 16_000;

/// Spectrogram settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MelConfig {
    pub rate: u32,
    pub n_fft: usize,
    pub hop: usize,
    pub mels: usize,
}

impl Default for MelConfig {
    fn default() -> Self {
        MelConfig {
            rate: RATE,
            n_fft: 512,
            hop: 256,
            mels: 64,
        }
    }
}

impl MelConfig {
    /// Frames of a waveform of `len` samples (at least one: short input is zero-padded).
    pub fn frames(&self, len: usize) -> usize {
        1 + len.saturating_sub(self.n_fft) / self.hop
    }
}

/// Crop or zero-pad to exactly `len` samples.
pub fn crop_or_pad(mut x: Vec<f32>, len: usize) -> Vec<f32> {
    x.resize(len, 0.0);
    x
}

/// Linear-interpolation resampling from `from` Hz to `to` Hz.
pub fn resample(x: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || x.is_empty() {
        return x.to_vec();
    }
    let n = (x.len() as f64 * to as f64 / from as f64).round() as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 * from as f64 / to as f64;
            let j = t.floor() as usize;
            let f = (t - j as f64) as f32;
            let a = x[j.min(x.len() - 1)];
            let b = x[(j + 1).min(x.len() - 1)];
            a + (b - a) * f
        })
        .collect()
}

/// Power spectra [frames][n_fft/2 + 1].
pub fn stft_power(x: &[f32], cfg: &MelConfig) -> Vec<Vec<f32>> {
    let n = cfg.n_fft;
    let mut planner = RealFftPlanner::<f32>::new();
    let fft = planner.plan_fft_forward(n);
    let window: Vec<f32> = (0..n)
        .map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / n as f32).cos())
        .collect();
    let mut input = fft.make_input_vec();
    let mut spec = fft.make_output_vec();
    (0..cfg.frames(x.len()))
        .map(|t| {
            for i in 0..n {
                input[i] = x.get(t * cfg.hop + i).copied().unwrap_or(0.0) * window[i];
            }
            fft.process(&mut input, &mut spec)
                .expect("buffer sizes come from the planner");
            spec.iter().map(|c| c.norm_sqr()).collect()
        })
        .collect()
}

fn hz_to_mel(f: f32) -> f32 {
    2595.0 * (1.0 + f / 700.0).log10()
}

fn mel_to_hz(m: f32) -> f32 {
    700.0 * (10f32.powf(m / 2595.0) - 1.0)
}

/// Triangular mel filters [mels][n_fft/2 + 1] (peak 1, HTK scale).
pub fn mel_filters(cfg: &MelConfig) -> Vec<Vec<f32>> {
    let bins = cfg.n_fft / 2 + 1;
    let top = hz_to_mel(cfg.rate as f32 / 2.0);
    let edges: Vec<f32> = (0..cfg.mels + 2)
        .map(|i| mel_to_hz(top * i as f32 / (cfg.mels + 1) as f32))
        .collect();
    (0..cfg.mels)
        .map(|m| {
            let (lo, mid, hi) = (edges[m], edges[m + 1], edges[m + 2]);
            (0..bins)
                .map(|k| {
                    let f = k as f32 * cfg.rate as f32 / cfg.n_fft as f32;
                    if f <= lo || f >= hi {
                        0.0
                    } else if f <= mid {
                        (f - lo) / (mid - lo)
                    } else {
                        (hi - f) / (hi - mid)
                    }
                })
                .collect()
        })
        .collect()
}

/// The log-mel spectrogram, row-major [mels, frames]. Each filter is applied over its non-zero
/// bins only (a triangle spans a few bins), which makes this ~10× cheaper than a dense product.
pub fn log_mel(x: &[f32], cfg: &MelConfig, filters: &[Vec<f32>]) -> Vec<f32> {
    let spans: Vec<(usize, usize)> = filters
        .iter()
        .map(|f| {
            let lo = f.iter().position(|&v| v > 0.0).unwrap_or(0);
            let hi = f.iter().rposition(|&v| v > 0.0).map_or(0, |i| i + 1);
            (lo, hi.max(lo))
        })
        .collect();
    let spec = stft_power(x, cfg);
    let frames = spec.len();
    let mut out = vec![0.0; cfg.mels * frames];
    for (t, p) in spec.iter().enumerate() {
        for (m, f) in filters.iter().enumerate() {
            let (lo, hi) = spans[m];
            let e: f32 = f[lo..hi].iter().zip(&p[lo..hi]).map(|(a, b)| a * b).sum();
            out[m * frames + t] = (e + 1e-6).ln();
        }
    }
    out
}

/// Read a WAV file as mono f32 in [-1, 1] and its rate. Supported: integer PCM of 8–32 bits or
/// 32-bit float, any channel count (averaged).
pub fn read_wav(path: &Path) -> Result<(Vec<f32>, u32)> {
    let (mut r, spec) = open_wav(path)?;
    let ch = spec.channels.max(1) as usize;
    let bad = |e: hound::Error| Error::file(WAV_OP, path, format!("unreadable WAV samples: {e}"));
    let raw: Vec<f32> = if spec.sample_format == hound::SampleFormat::Float {
        r.samples::<f32>()
            .collect::<std::result::Result<_, _>>()
            .map_err(bad)?
    } else {
        let scale = 2f32.powi(spec.bits_per_sample as i32 - 1);
        r.samples::<i32>()
            .map(|s| s.map(|v| v as f32 / scale))
            .collect::<std::result::Result<_, _>>()
            .map_err(bad)?
    };
    let mono = raw
        .chunks(ch)
        .map(|c| c.iter().sum::<f32>() / ch as f32)
        .collect();
    Ok((mono, spec.sample_rate))
}

/// Check a WAV header (opens, format supported) without reading the samples.
pub fn check_wav(path: &Path) -> Result<()> {
    open_wav(path).map(|_| ())
}

const WAV_OP: &str = "data::read_wav";

/// The sample rates a WAV file may declare (Hz); anything else is a broken or exotic header.
pub const RATE_RANGE: std::ops::RangeInclusive<u32> = 1_000..=768_000;

/// The format tag and bits per sample of a WAV file's `fmt ` chunk, read directly (for the
/// message when hound refuses the file). None when the file is not RIFF/WAVE with a fmt chunk.
fn sniff_fmt(path: &Path) -> Option<(u16, u16)> {
    use std::io::Read;
    let mut b = vec![];
    std::fs::File::open(path)
        .ok()?
        .take(1 << 16)
        .read_to_end(&mut b)
        .ok()?;
    if b.len() < 12 || &b[..4] != b"RIFF" || &b[8..12] != b"WAVE" {
        return None;
    }
    let u16_at = |i: usize| Some(u16::from_le_bytes([*b.get(i)?, *b.get(i + 1)?]));
    let mut at = 12;
    while at + 8 <= b.len() {
        let size = u32::from_le_bytes(b[at + 4..at + 8].try_into().ok()?) as usize;
        if &b[at..at + 4] == b"fmt " {
            let mut tag = u16_at(at + 8)?;
            let bits = u16_at(at + 22)?;
            if tag == 0xFFFE {
                // WAVE_FORMAT_EXTENSIBLE: the real tag opens the sub-format GUID.
                tag = u16_at(at + 32).unwrap_or(tag);
            }
            return Some((tag, bits));
        }
        at = at.checked_add(8 + size + size % 2)?;
    }
    None
}

/// The reason hound gave, with the fix when the header shows an encoding xmodal cannot read.
fn open_failure(path: &Path, e: hound::Error) -> Error {
    const FIX: &str = "use PCM 16-bit or float 32-bit";
    let reason = match sniff_fmt(path) {
        Some((3, bits)) if bits != 32 => {
            format!("unsupported WAV format: Float with {bits} bits per sample; {FIX}")
        }
        Some((1, bits)) if !(8..=32).contains(&bits) => {
            format!("unsupported WAV format: Int with {bits} bits per sample; {FIX}")
        }
        Some((tag, _)) if tag != 1 && tag != 3 => format!(
            "unsupported WAV encoding (format tag 0x{tag:04x}, {}); {FIX}",
            match tag {
                6 => "A-law",
                7 => "µ-law",
                2 | 0x11 => "ADPCM",
                0x55 => "MP3",
                _ => "compressed or unknown",
            }
        ),
        _ => format!("unsupported or corrupt WAV: {e}"),
    };
    Error::file(WAV_OP, path, reason)
}

/// Open a WAV file and check that [`read_wav`] supports its sample format and rate.
fn open_wav(
    path: &Path,
) -> Result<(
    hound::WavReader<std::io::BufReader<std::fs::File>>,
    hound::WavSpec,
)> {
    let r = hound::WavReader::open(path).map_err(|e| open_failure(path, e))?;
    let spec = r.spec();
    let supported = match spec.sample_format {
        hound::SampleFormat::Float => spec.bits_per_sample == 32,
        hound::SampleFormat::Int => (8..=32).contains(&spec.bits_per_sample),
    };
    if !supported {
        return Err(Error::file(
            WAV_OP,
            path,
            format!(
                "unsupported WAV format: {:?} with {} bits per sample; use PCM 16-bit or float 32-bit",
                spec.sample_format, spec.bits_per_sample
            ),
        ));
    }
    if !RATE_RANGE.contains(&spec.sample_rate) {
        return Err(Error::file(
            WAV_OP,
            path,
            format!(
                "the header declares a sample rate of {} Hz, outside {}..={} Hz (a broken header?); \
                 re-encode the file at a real rate, e.g. 16000 Hz",
                spec.sample_rate,
                RATE_RANGE.start(),
                RATE_RANGE.end()
            ),
        ));
    }
    Ok((r, spec))
}

/// Write mono 16-bit PCM.
pub fn write_wav(path: &Path, x: &[f32], rate: u32) -> Result<()> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let err = |e: hound::Error| Error::file("data::write_wav", path, e);
    let mut w = hound::WavWriter::create(path, spec).map_err(err)?;
    for &v in x {
        w.write_sample((v.clamp(-1.0, 1.0) * 32767.0).round() as i16)
            .map_err(err)?;
    }
    w.finalize().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_peaks_in_its_fft_bin_and_its_mel_band() {
        let cfg = MelConfig::default();
        // 1000 Hz at 16 kHz with N = 512: bin 1000·512/16000 = 32 exactly.
        let x: Vec<f32> = (0..4096)
            .map(|i| (std::f32::consts::TAU * 1000.0 * i as f32 / 16000.0).sin())
            .collect();
        let p = stft_power(&x, &cfg);
        assert_eq!(p.len(), 1 + (4096 - 512) / 256);
        let peak = (0..257)
            .max_by(|&a, &b| p[3][a].total_cmp(&p[3][b]))
            .unwrap();
        assert_eq!(peak, 32);
        // Hann window: |X(32)| = A·N/4 = 128 for a unit sine, so power 16384.
        assert!((p[3][32] - 16384.0).abs() / 16384.0 < 1e-3, "{}", p[3][32]);
        let filters = mel_filters(&cfg);
        let lm = log_mel(&x, &cfg, &filters);
        let frames = p.len();
        let best = (0..64)
            .max_by(|&a, &b| lm[a * frames].total_cmp(&lm[b * frames]))
            .unwrap();
        // m(1000) = 999.99; edges every m(8000)/65 = 2840.0/65 = 43.69 mel, so the band whose
        // centre is nearest 1000 mel is 1000/43.69 − 1 ≈ 21.9 → band 22 (or its neighbour).
        assert!((21..=22).contains(&best), "{best}");
    }

    #[test]
    fn crop_pad_and_resample_keep_lengths() {
        assert_eq!(crop_or_pad(vec![1.0, 2.0, 3.0], 2), vec![1.0, 2.0]);
        assert_eq!(crop_or_pad(vec![1.0], 3), vec![1.0, 0.0, 0.0]);
        assert_eq!(resample(&[0.0, 1.0, 2.0, 3.0], 8000, 16000).len(), 8);
        assert_eq!(resample(&[0.0, 2.0], 8000, 16000)[1], 1.0);
    }
}
