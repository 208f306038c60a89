//! `snd`, the sound renderer: a 16 kHz waveform mixing the signatures of the instance's objects
//! (harmonic tones, band-passed noise, gated pulses, chirps; see `world::voice`) with random
//! onsets, lengths, levels and ±4 % pitch, over a setting-dependent low rumble, scaled to a
//! random loudness. Oscillators are phasor recurrences and the noise filter a two-pole
//! resonator, so a second of sound costs a few hundred thousand multiply-adds.

use super::scene::Instance;
use super::world::{voice, Setting, Voice};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Length of every synthetic sound, in seconds.
pub const SECONDS: f32 = 2.0;

/// Add a harmonic tone (partials 1, 2, 3 at 1, ½, ¼) to `out[a..b]`, scaled by `gate(i)`; the
/// fundamental is `f · glide(i)` Hz. Each partial is a unit phasor turned by its angular step;
/// the step is recomputed and the phasor renormalised every 32 samples (cheap, and drift-free).
fn tone(
    out: &mut [f32],
    a: usize,
    b: usize,
    f: f32,
    level: f32,
    gate: impl Fn(usize) -> f32,
    glide: impl Fn(usize) -> f32,
) {
    let sr = super::super::audio::RATE as f32;
    let mut ph: Vec<[f32; 4]> = vec![[0.0, 1.0, 1.0, 0.0]; 3];
    for (k, o) in out[a..b].iter_mut().enumerate() {
        if k.is_multiple_of(32) {
            for (h, p) in ph.iter_mut().enumerate() {
                let w = std::f32::consts::TAU * f * glide(k) * (h + 1) as f32 / sr;
                let n = (p[0] * p[0] + p[1] * p[1]).sqrt();
                // Partials above Nyquist are silenced by a zero step (the phasor stays put).
                let w = if w < std::f32::consts::PI { w } else { 0.0 };
                *p = [p[0] / n, p[1] / n, w.cos(), w.sin()];
            }
        }
        let g = gate(k) * level;
        let mut s = 0.0;
        for (h, p) in ph.iter_mut().enumerate() {
            // (re, im) · e^{iw}: the phasor turns by w per sample.
            let (re, im) = (p[0] * p[2] - p[1] * p[3], p[0] * p[3] + p[1] * p[2]);
            p[0] = re;
            p[1] = im;
            if p[3] != 0.0 {
                s += im / (1 << h) as f32;
            }
        }
        *o += g * s;
    }
}

/// White noise in [-1, 1): xorshift64*, seeded from the sample's generator. ChaCha per audio
/// sample would cost more than all the oscillators together.
struct Noise(u64);

impl Noise {
    fn new(r: &mut ChaCha8Rng) -> Noise {
        Noise(r.random::<u64>() | 1)
    }

    fn next(&mut self) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let v = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 40;
        v as f32 / (1u64 << 23) as f32 - 1.0
    }
}

/// The envelope of a sound `len` samples long: 20 ms linear attack and release.
fn envelope(len: usize) -> impl Fn(usize) -> f32 {
    let ramp = 320.0;
    move |i| ((i as f32 / ramp).min(1.0)).min(((len - i) as f32 / ramp).min(1.0))
}

/// Probability that an object of a scene makes its sound (a bed is often silent).
pub const SOUNDING_P: f64 = 0.75;

/// Render `inst` as a mono waveform of `SECONDS` at 16 kHz, and the object types heard (each
/// object sounds with probability `SOUNDING_P`).
pub fn render(inst: &Instance, r: &mut ChaCha8Rng) -> (Vec<f32>, Vec<usize>) {
    let sr = super::super::audio::RATE as f32;
    let n = (SECONDS * sr) as usize;
    let mut out = vec![0.0_f32; n];
    // Background: one-pole low-passed noise, louder outdoors.
    let (rumble, pole) = match inst.setting {
        Setting::Home | Setting::Public => (0.01, 0.9),
        Setting::Urban => (0.04, 0.95),
        Setting::Nature => (0.02, 0.8),
        Setting::Water => (0.05, 0.97),
    };
    let mut y = 0.0_f32;
    let mut noise = Noise::new(r);
    for o in out.iter_mut() {
        y = pole * y + (1.0 - pole) * noise.next();
        *o = y * rumble * 10.0;
    }
    let mut heard: Vec<usize> = vec![];
    for obj in &inst.objects {
        if !r.random_bool(SOUNDING_P) {
            continue;
        }
        if !heard.contains(&obj.ty) {
            heard.push(obj.ty);
        }
        let area = ((obj.x1 - obj.x0) * (obj.y1 - obj.y0)).sqrt();
        let level = (0.1 + area) * r.random_range(0.4..1.0);
        let len = r.random_range(n / 3..=n);
        let a = r.random_range(0..=n - len);
        let b = a + len;
        let pitch = r.random_range(0.96..1.04_f32);
        let env = envelope(len);
        match voice(obj.ty) {
            Voice::Tone(f) => tone(&mut out, a, b, f * pitch, level, env, |_| 1.0),
            Voice::Pulse(f, rate) => {
                let (period, on) = ((sr / rate) as usize, (0.4 * sr / rate) as usize);
                let gate = move |i: usize| if i % period < on { env(i) } else { 0.0 };
                tone(&mut out, a, b, f * pitch, level, gate, |_| 1.0)
            }
            Voice::Noise(f) => {
                // Two-pole resonator, bandwidth f/3: y = x + 2R cos(w) y1 − R² y2.
                let f = (f * pitch).min(sr * 0.45);
                let rr = (-std::f32::consts::PI * f / 3.0 / sr).exp();
                let c = 2.0 * rr * (std::f32::consts::TAU * f / sr).cos();
                let gain = (1.0 - rr) * 2.0;
                let (mut y1, mut y2) = (0.0_f32, 0.0_f32);
                for (k, o) in out[a..b].iter_mut().enumerate() {
                    let yn = noise.next() + c * y1 - rr * rr * y2;
                    y2 = y1;
                    y1 = yn;
                    *o += level * gain * env(k) * yn;
                }
            }
            Voice::Chirp(f) => {
                // Glide f → 2f once per second.
                let glide = move |i: usize| 1.0 + (i as f32 / sr).fract();
                tone(&mut out, a, b, f * pitch, level, env, glide)
            }
        }
    }
    // Random loudness: peak between 0.3 and 0.9.
    let peak = out.iter().fold(0.0_f32, |m, v| m.max(v.abs())).max(1e-6);
    let g = r.random_range(0.3..0.9) / peak;
    out.iter_mut().for_each(|v| *v *= g);
    (out, heard)
}
