//! The pictures of `docs/data.md`: a 6×6 grid per image modality (one category per row), a grid
//! of log-mel spectrograms for `snd`, and sample descriptions printed to stdout. Ignored by
//! default (it writes into docs/); run with
//! `cargo test --release --test data_pictures -- --ignored --nocapture`.

use xmodal::data::{synthplaces, Store, SynthOptions};

fn save(path: &str, w: usize, h: usize, rgb: Vec<u8>) {
    image::RgbImage::from_raw(w as u32, h as u32, rgb)
        .expect("buffer size")
        .save(path)
        .expect("write picture");
}

/// A viridis-like ramp from dark blue through green to yellow, t in 0..1.
fn ramp(t: f32) -> [u8; 3] {
    let t = t.clamp(0.0, 1.0);
    let stops = [
        [68.0, 1.0, 84.0],
        [59.0, 82.0, 139.0],
        [33.0, 145.0, 140.0],
        [94.0, 201.0, 98.0],
        [253.0, 231.0, 37.0],
    ];
    let x = t * 4.0;
    let i = (x.floor() as usize).min(3);
    let f = x - i as f32;
    [0, 1, 2].map(|k| (stops[i][k] * (1.0 - f) + stops[i + 1][k] * f) as u8)
}

#[test]
#[ignore]
fn render_docs_pictures() {
    let o = SynthOptions {
        categories: [
            "bedroom",
            "kitchen",
            "coast",
            "forest_path",
            "highway",
            "classroom",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        per_category: 6,
        seed: 1,
        ..SynthOptions::default()
    };
    let ds = synthplaces(&o).unwrap();
    let gap = 2;
    for m in ["nat", "clp", "ldr", "spt"] {
        let Store::Images { size, data } = ds.store(m).unwrap() else {
            panic!()
        };
        let side = 6 * size + 7 * gap;
        let mut out = vec![255u8; side * side * 3];
        for (i, img) in data.iter().enumerate() {
            let (row, col) = (i / 6, i % 6);
            let (ox, oy) = (gap + col * (size + gap), gap + row * (size + gap));
            for y in 0..*size {
                for x in 0..*size {
                    let d = ((oy + y) * side + ox + x) * 3;
                    out[d..d + 3].copy_from_slice(&img[(y * size + x) * 3..(y * size + x) * 3 + 3]);
                }
            }
        }
        save(&format!("docs/img/data_{m}.png"), side, side, out);
    }
    // Spectrograms: the network input of snd, low mel bands at the bottom.
    let idx: Vec<usize> = (0..36).collect();
    let t = ds.inputs("snd", &idx, &candle_core::Device::Cpu).unwrap();
    let (mels, frames) = (t.dims()[1], t.dims()[2]);
    let v: Vec<f32> = t.flatten_all().unwrap().to_vec1().unwrap();
    let (lo, hi) = v
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    let (w, h) = (6 * frames + 7 * gap, 6 * mels + 7 * gap);
    let mut out = vec![255u8; w * h * 3];
    for i in 0..36 {
        let (ox, oy) = (gap + (i % 6) * (frames + gap), gap + (i / 6) * (mels + gap));
        for m in 0..mels {
            for f in 0..frames {
                let c = ramp((v[i * mels * frames + m * frames + f] - lo) / (hi - lo));
                let d = ((oy + mels - 1 - m) * w + ox + f) * 3;
                out[d..d + 3].copy_from_slice(&c);
            }
        }
    }
    save("docs/img/data_snd.png", w, h, out);
    for c in 0..6 {
        println!("{}: {}", ds.categories()[c], ds.text("dsc", c * 6).unwrap());
    }
    println!(
        "snd input range {lo:.2}..{hi:.2}, mean {:.3}",
        v.iter().sum::<f32>() / v.len() as f32
    );
}
