//! Retrieval benchmark at the CMPlaces validation size: 5 modalities × 2,050 items, 205 classes,
//! every item a query against every modality (cross- and within-modal), D = 4096 (fc7) and
//! D = 128, beside the NumPy peer `benches/peers/retrieval_numpy.py` run on the same features.
//!
//! Run: `cargo bench --bench retrieval` (XMODAL_PYTHON picks the interpreter;
//! XMODAL_BENCH_DIMS="4096,128" the dimensions).

use candle_core::{Device, Tensor};
use rand_distr::{Distribution, Normal};
use std::io::Write;
use std::time::Instant;
use xmodal::eval::{self, FeatureSet, Queries, RetrievalOpts};

mod common;
use common::python;

const MODS: usize = 5;
const PER_MOD: usize = 2050;
const CLASSES: usize = 205;

/// Class centre + modality shift + noise, seeded: a retrieval problem with mAP well above chance.
fn data(dim: usize) -> (Vec<f32>, Vec<u32>, Vec<u32>) {
    let mut rng = xmodal::tensor::create::rng(6);
    let normal = Normal::new(0.0f32, 1.0).unwrap();
    let mut draw = |k: usize| -> Vec<f32> { (0..k).map(|_| normal.sample(&mut rng)).collect() };
    let centres = draw(CLASSES * dim);
    let shifts = draw(MODS * dim);
    let n = MODS * PER_MOD;
    let mut x = draw(n * dim);
    // The class signal shrinks with D so the separation of cosines is the same at every D
    // (its dot products grow as D·signal², the noise's as √D).
    let signal = 0.6 * (128.0 / dim as f32).powf(0.25);
    let (mut labels, mut mods) = (vec![], vec![]);
    for m in 0..MODS {
        for i in 0..PER_MOD {
            let (row, c) = (m * PER_MOD + i, i % CLASSES);
            for k in 0..dim {
                x[row * dim + k] = signal * centres[c * dim + k]
                    + 0.5 * shifts[m * dim + k]
                    + 1.2 * x[row * dim + k];
            }
            labels.push(c as u32);
            mods.push(m as u32);
        }
    }
    (x, labels, mods)
}

fn write(path: &std::path::Path, bytes: &[u8]) {
    std::fs::File::create(path)
        .and_then(|mut f| f.write_all(bytes))
        .unwrap();
}

fn run(dim: usize) {
    let (x, labels, mods) = data(dim);
    let n = labels.len();
    let f = FeatureSet::new(
        Tensor::from_vec(x.clone(), (n, dim), &Device::Cpu).unwrap(),
        labels.iter().map(|&l| l as usize).collect(),
        mods.iter().map(|&m| format!("m{m}")).collect(),
    )
    .unwrap();
    let opts = RetrievalOpts {
        queries: Queries::All,
        ..Default::default()
    };
    let t0 = Instant::now();
    let t = eval::retrieval(&f, &opts).unwrap();
    let ours = t0.elapsed().as_secs_f64();
    println!(
        "retrieval {MODS}×{PER_MOD} items, {CLASSES} classes, D={dim}, all {n} queries × {MODS} targets: \
         xmodal {ours:.3} s (mean cross-modal mAP {:.6}, within {:.6}, chance {:.6})",
        t.mean(),
        t.within_mean(),
        t.chance()
    );
    let dir = std::env::temp_dir().join(format!("xmodal-bench-retrieval-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    write(
        &dir.join("x.f32"),
        &x.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>(),
    );
    write(
        &dir.join("labels.u32"),
        &labels
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect::<Vec<u8>>(),
    );
    write(
        &dir.join("mods.u32"),
        &mods
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect::<Vec<u8>>(),
    );
    write(&dir.join("dims.txt"), format!("{n} {dim}").as_bytes());
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/peers/retrieval_numpy.py"
    );
    match std::process::Command::new(python())
        .arg(script)
        .arg(&dir)
        .output()
    {
        Ok(o) if o.status.success() => {
            let out = String::from_utf8_lossy(&o.stdout);
            let secs: Option<f64> = out
                .split_whitespace()
                .find_map(|w| w.strip_prefix("seconds="))
                .and_then(|s| s.parse().ok());
            println!("  numpy peer: {}", out.trim());
            if let Some(s) = secs {
                println!("  speed-up over numpy: {:.1}×", s / ours);
            }
        }
        Ok(o) => println!(
            "  peer skipped: {}",
            String::from_utf8_lossy(&o.stderr)
                .lines()
                .last()
                .unwrap_or("failed")
        ),
        Err(e) => println!("  peer skipped: {e}"),
    }
    std::fs::remove_dir_all(&dir).ok();
}

fn main() {
    let dims = std::env::var("XMODAL_BENCH_DIMS").unwrap_or_else(|_| "4096,128".into());
    for d in dims.split(',').filter_map(|d| d.trim().parse().ok()) {
        run(d);
    }
}
