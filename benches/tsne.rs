//! t-SNE against openTSNE on Gaussian mixtures (10 clusters, D = 50): seconds, final KL under a
//! common P and 10-nearest-neighbour preservation, both tools on the same data and 2 threads;
//! xmodal also on one thread, its deterministic default.
//!
//! Run: `RAYON_NUM_THREADS=2 cargo bench --bench tsne` (optional `-- 2000 5000` to pick sizes).
//! The peer is `benches/peers/tsne_opentsne.py` through `XMODAL_PYTHON` (default
//! `/work/pyvenv/bin/python` if present, else `python3`).
//!
//! KL: both embeddings are scored by `affinity::kl` under the same sparse P (k = 90 exact
//! neighbours, perplexity 30) with the normaliser Z summed over all N² pairs, so the numbers are
//! exact and comparable at every N, including 10,000 (5·10⁷ pairs, well under a second).

use candle_core::{Device, Tensor};
use rand_distr::{Distribution, Normal};
use std::process::Command;
use std::time::Instant;
use xmodal::viz::tsne::{affinity, knn, tsne, Method, TsneConfig};

mod common;
use common::python;

fn mixture(n: usize, d: usize, seed: u64) -> Vec<f32> {
    let mut r = xmodal::tensor::create::rng(seed);
    let centre = Normal::new(0.0f32, 2.0).unwrap();
    let noise = Normal::new(0.0f32, 1.0).unwrap();
    let centres: Vec<f32> = (0..10 * d).map(|_| centre.sample(&mut r)).collect();
    (0..n)
        .flat_map(|i| {
            let c = i % 10;
            (0..d)
                .map(|j| centres[c * d + j] + noise.sample(&mut r))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// (KL under P, 10-NN preservation) of an n×2 embedding.
fn score(p: &affinity::SparseP, nn_x: &knn::Knn, y: &[f64]) -> (f64, f64) {
    let yf: Vec<f32> = y.iter().map(|&a| a as f32).collect();
    let nn_y = knn::knn(&yf, y.len() / 2, 2, 10).unwrap();
    (affinity::kl(p, y, 2), knn::preservation(nn_x, &nn_y))
}

fn peer(data: &[f32], n: usize, d: usize, method: &str) -> Result<(f64, Vec<f64>), String> {
    let dir = std::env::temp_dir();
    let inp = dir.join(format!("xmodal_tsne_{n}.f32"));
    let out = dir.join(format!("xmodal_tsne_{n}_{method}.f64"));
    let bytes: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&inp, bytes).map_err(|e| e.to_string())?;
    let o = Command::new(python())
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/benches/peers/tsne_opentsne.py"
        ))
        .args([
            inp.to_str().unwrap(),
            &n.to_string(),
            &d.to_string(),
            method,
            out.to_str().unwrap(),
        ])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python()))?;
    if !o.status.success() {
        let err = String::from_utf8_lossy(&o.stderr);
        return Err(err.lines().last().unwrap_or("peer failed").to_string());
    }
    let text = String::from_utf8_lossy(&o.stdout);
    let secs: f64 = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or("peer printed no time")?;
    let raw = std::fs::read(&out).map_err(|e| e.to_string())?;
    let y = raw
        .chunks(8)
        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
        .collect();
    Ok((secs, y))
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if args.is_empty() {
        vec![2000, 5000, 10000]
    } else {
        args
    };
    let d = 50;
    println!("t-SNE, 10-cluster Gaussian mixture, D = {d}, perplexity 30, 750 iterations, {} rayon threads", rayon::current_num_threads());
    println!(
        "{:>6} {:<22} {:>9} {:>8} {:>8}",
        "N", "tool", "seconds", "KL", "10-NN"
    );
    for n in sizes {
        let data = mixture(n, d, 42);
        let nn_x = knn::knn(&data, n, d, 90).unwrap();
        let p = affinity::joint(&nn_x, 30.0);
        let nn10 = knn::Knn {
            k: 10,
            index: nn_x
                .index
                .chunks(90)
                .flat_map(|r| r[..10].to_vec())
                .collect(),
            dist: nn_x
                .dist
                .chunks(90)
                .flat_map(|r| r[..10].to_vec())
                .collect(),
        };
        let x = Tensor::from_slice(&data, (n, d), &Device::Cpu).unwrap();
        // The default runs on one thread (bit-identical maps for a seed); `deterministic: false`
        // uses every thread, as openTSNE's n_jobs does.
        for (method, deterministic) in [
            (Method::Fft, false),
            (Method::Fft, true),
            (Method::BarnesHut, false),
            (Method::BarnesHut, true),
        ] {
            let cfg = TsneConfig {
                method,
                deterministic,
                ..TsneConfig::default()
            };
            let t0 = Instant::now();
            let r = tsne(&x, &cfg, None).unwrap();
            let secs = t0.elapsed().as_secs_f64();
            let y: Vec<f64> = r
                .embedding
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap()
                .into_iter()
                .map(f64::from)
                .collect();
            let (kl, pres) = score(&p, &nn10, &y);
            println!(
                "{n:>6} {:<22} {secs:>9.2} {kl:>8.4} {pres:>8.4}",
                format!(
                    "xmodal {}{}",
                    method.name(),
                    if deterministic { " 1 thread" } else { "" }
                )
            );
        }
        for method in ["fft", "bh"] {
            match peer(&data, n, d, method) {
                Ok((secs, y)) => {
                    let (kl, pres) = score(&p, &nn10, &y);
                    println!(
                        "{n:>6} {:<22} {secs:>9.2} {kl:>8.4} {pres:>8.4}",
                        format!("openTSNE {method}")
                    );
                }
                Err(e) => println!("{n:>6} openTSNE {method}: peer skipped: {e}"),
            }
        }
    }
}
