//! Benchmark (not a test): scene-net-s images/s at batch 64 on the CPU, forward and training
//! step (forward + cross-entropy + backward + SGD step; then the same with every convolution
//! by im2col, `XMODAL_CONV_ALGO=im2col`), and GMM EM seconds per iteration for
//! N = 20,000, D = 1,024, K = 100; each beside its Python peer (PyTorch, scikit-learn) run in the
//! same invocation when that peer is installed.
//!
//! Run: `cargo bench --bench nn` (env `XMODAL_PYTHON` picks the interpreter;
//! `XMODAL_BENCH_ITERS` the timed steps, default 10).

use candle_core::{DType, Device, Tensor};
use candle_nn::{Optimizer, SGD};
use std::time::Instant;
use xmodal::nn::{CrossModalNet, EncoderSpec, NetConfig, PixelArch};
use xmodal::objectives::{cross_entropy, Gmm, GmmOpts};
use xmodal::tensor::create::randn;

mod common;
use common::{median, peer};

fn timed(iters: usize, mut step: impl FnMut()) -> f64 {
    for _ in 0..3 {
        step();
    }
    median(
        (0..iters)
            .map(|_| {
                let t = Instant::now();
                step();
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn main() {
    // As the `xmodal` command does (src/alloc.rs).
    xmodal::alloc::keep_freed_memory();
    let iters: usize = std::env::var("XMODAL_BENCH_ITERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    // `cargo bench --bench nn -- gmm` (or `-- scene`) runs one section only.
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| name.contains(o.as_str()));
    if wanted("scene-net-s") {
        scene_net(iters);
    }
    if wanted("gmm") {
        gmm_em();
    }
}

fn scene_net(iters: usize) {
    let dev = Device::Cpu;
    let (b, classes) = (64, 205);

    // scene-net-s, batch 64.
    let net = CrossModalNet::fresh(
        &[(
            "nat".to_string(),
            EncoderSpec::Pixel {
                arch: PixelArch::SceneNetS,
            },
        )],
        classes,
        &NetConfig::default(),
        DType::F32,
        &dev,
    )
    .unwrap();
    let x = randn(&[b, 3, 64, 64], 1, 0.0, 1.0, DType::F32, &dev).unwrap();
    let y = Tensor::from_vec(
        (0..b as u32)
            .map(|i| i * 3 % classes as u32)
            .collect::<Vec<_>>(),
        b,
        &dev,
    )
    .unwrap();
    let (fwd, train, [f, bw, o]) = measure(&net, &x, &y, iters);
    println!("scene-net-s, batch {b}, CPU, f32 (median of {iters} steps after 3 warm-ups)");
    let algo = std::env::var(ALGO).unwrap_or_else(|_| "auto".into());
    println!(
        "  xmodal (candle)  forward {:>7.1} img/s   train step {:>7.1} img/s   ({ALGO}={algo})",
        b as f64 / fwd,
        b as f64 / train
    );
    println!("  xmodal train step, ms: forward+loss {f:.1}, backward {bw:.1}, optimizer {o:.1}");
    // The same net with every convolution by im2col + GEMM (no Winograd), for comparison.
    let before = std::env::var(ALGO).ok();
    std::env::set_var(ALGO, "im2col");
    let (fwd2, train2, _) = measure(&net, &x, &y, iters);
    match before {
        Some(v) => std::env::set_var(ALGO, v),
        None => std::env::remove_var(ALGO),
    }
    println!(
        "  xmodal (candle)  forward {:>7.1} img/s   train step {:>7.1} img/s   ({ALGO}=im2col)",
        b as f64 / fwd2,
        b as f64 / train2
    );
    match peer("scene_net_torch.py", &[&iters.to_string()]) {
        Ok(kv) => {
            let get = |k: &str| {
                kv.iter()
                    .find(|(n, _)| n == k)
                    .map(|p| p.1)
                    .unwrap_or(f64::NAN)
            };
            println!(
                "  PyTorch          forward {:>7.1} img/s   train step {:>7.1} img/s",
                get("forward_img_s"),
                get("train_img_s")
            );
            println!(
                "  ratio xmodal/PyTorch  forward {:.2}x   train step {:.2}x",
                b as f64 / fwd / get("forward_img_s"),
                b as f64 / train / get("train_img_s")
            );
        }
        Err(e) => println!("  peer skipped: {e}"),
    }
}

/// The variable that picks the convolution algorithm (`xmodal::nn::conv_cpu::Algo::VAR`).
const ALGO: &str = xmodal::nn::conv_cpu::Algo::VAR;

/// Forward and training-step seconds (medians), and the step's phases in ms: forward + loss,
/// backward, optimizer.
fn measure(net: &CrossModalNet, x: &Tensor, y: &Tensor, iters: usize) -> (f64, f64, [f64; 3]) {
    let fwd = timed(iters, || {
        net.forward("nat", x, false).unwrap();
    });
    let mut sgd = SGD::new(net.trainable_vars(), 0.01).unwrap();
    let mut step = 0u64;
    let mut phases: [Vec<f64>; 3] = Default::default();
    let train = timed(iters, || {
        step += 1;
        let t0 = Instant::now();
        let a = net.forward_train("nat", x, step).unwrap();
        let loss = cross_entropy(&a.logits, y).unwrap();
        let t1 = Instant::now();
        let grads = loss.backward().unwrap();
        let t2 = Instant::now();
        sgd.step(&grads).unwrap();
        drop((grads, a, loss));
        for (p, d) in phases.iter_mut().zip([t1 - t0, t2 - t1, t2.elapsed()]) {
            p.push(d.as_secs_f64() * 1e3);
        }
    });
    (fwd, train, phases.map(median))
}

fn gmm_em() {
    let dev = Device::Cpu;
    // GMM EM, N 20,000 × D 1,024, K 100: (time of 1 + extra iterations − time of 1) / extra.
    let (n, d, k, extra) = (20_000usize, 1_024usize, 100usize, 5usize);
    let centres = randn(&[k, d], 2, 0.0, 1.0, DType::F32, &dev).unwrap();
    let pick: Vec<u32> = (0..n as u64)
        .map(|i| (i.wrapping_mul(2654435761) % k as u64) as u32)
        .collect();
    let feats = centres
        .index_select(&Tensor::from_vec(pick, n, &dev).unwrap(), 0)
        .unwrap()
        .add(&randn(&[n, d], 3, 0.0, 0.5, DType::F32, &dev).unwrap())
        .unwrap();
    let fit = |iters: usize| {
        let t = Instant::now();
        let f = Gmm::fit(
            &feats,
            &GmmOpts {
                k,
                iters,
                tol: 0.0,
                var_floor: 1e-6,
                seed: 0,
            },
        )
        .unwrap();
        (t.elapsed().as_secs_f64(), f.loglik.len())
    };
    let (t1, _) = fit(1);
    let (t2, done) = fit(1 + extra);
    println!("GMM EM, N {n} × D {d}, K {k}, diagonal, CPU");
    println!(
        "  xmodal (candle, f32)         {:>7.3} s/iteration ({done} iterations run; init {:.2} s)",
        (t2 - t1) / extra as f64,
        t1
    );
    match peer("gmm_sklearn.py", &[&extra.to_string()]) {
        Ok(kv) => match kv.iter().find(|(n, _)| n == "em_s_per_iter") {
            Some((_, v)) => println!("  scikit-learn (f64)           {v:>7.3} s/iteration"),
            None => println!("  peer skipped: no output"),
        },
        Err(e) => println!("  peer skipped: {e}"),
    }
}
