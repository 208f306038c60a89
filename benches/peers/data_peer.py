"""Peer for benches/data.rs: numpy renders 1,000 64x64 'natural' scene images the way SynthPlaces'
nat renderer does (two background bands with gradients and value-noise texture, 6 objects of 3
rect/ellipse parts each with shading and texture, light ramp, 3x3 box blur, pixel noise) and
computes the log-mel spectrograms (n_fft 512, hop 256, 64 HTK mel bands, Hann) of 1,000 two-second
16 kHz signals. Prints the median of 3 timings of each."""
import time
import numpy as np

S, N = 64, 1000
rng = np.random.default_rng(1)


def value_noise(cells):
    g = rng.uniform(-1, 1, (cells + 1, cells + 1))
    f = np.arange(S) / S * cells
    i, t = f.astype(int), f - f.astype(int)
    rows = g[i] * (1 - t)[:, None] + g[i + 1] * t[:, None]
    return rows[:, i] * (1 - t)[None, :] + rows[:, i + 1] * t[None, :]


yy, xx = np.mgrid[0:S, 0:S] + 0.5


def render():
    h = int(rng.uniform(0.45, 0.65) * S)
    img = np.empty((S, S, 3))
    img[:h] = rng.uniform(0.4, 0.9, 3)
    img[h:] = rng.uniform(0.2, 0.6, 3)
    img *= (1 + 0.12 * value_noise(8))[..., None]
    for _ in range(6):
        x0, y0 = rng.uniform(0, 0.8, 2) * S
        w, hh = rng.uniform(0.08, 0.3, 2) * S
        tex = value_noise(int(rng.integers(4, 16)))
        for p in range(3):
            a, b = x0 + w * p / 4, y0 + hh * p / 4
            if p % 2:
                m = ((xx - a - w / 4) / (w / 4)) ** 2 + ((yy - b - hh / 4) / (hh / 4)) ** 2 <= 1
            else:
                m = (xx >= a) & (xx < a + w / 2) & (yy >= b) & (yy < b + hh / 2)
            shade = 1.1 - 0.35 * (yy - b) / hh
            img[m] = rng.uniform(0, 1, 3) * (shade[m] * (1 + 0.1 * tex[m]))[:, None]
    img *= 1 + 0.3 * (xx / S - 0.5)[..., None]
    pad = np.pad(img, ((1, 1), (1, 1), (0, 0)), mode="edge")
    img = sum(pad[dy:dy + S, dx:dx + S] for dy in range(3) for dx in range(3)) / 9
    img += rng.normal(0, 0.035, img.shape)
    return (np.clip(img, 0, 1) * 255).round().astype(np.uint8)


def mel_filters(n_fft=512, mels=64, rate=16000):
    mel = lambda f: 2595 * np.log10(1 + f / 700)
    hz = lambda m: 700 * (10 ** (m / 2595) - 1)
    edges = hz(np.linspace(0, mel(rate / 2), mels + 2))
    f = np.arange(n_fft // 2 + 1) * rate / n_fft
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    return np.maximum(0, np.minimum((f - lo) / (mid - lo), (hi - f) / (hi - mid))).astype(np.float32)


def log_mel(x, fb, n_fft=512, hop=256):
    frames = 1 + (len(x) - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(frames)[:, None]
    win = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float32)
    p = np.abs(np.fft.rfft(x[idx] * win, axis=1)) ** 2
    return np.log(fb @ p.T + 1e-6)


def median_time(f, reps=3):
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return sorted(ts)[reps // 2]


t_img = median_time(lambda: [render() for _ in range(N)])
waves = rng.uniform(-0.5, 0.5, (N, 32000)).astype(np.float32)
fb = mel_filters()
t_mel = median_time(lambda: [log_mel(w, fb) for w in waves])
print(f"peer numpy {np.__version__}: 1,000 nat-like images {t_img:.3f} s; 1,000 log-mel [64,124] {t_mel:.3f} s (median of 3)")
