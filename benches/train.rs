//! Training throughput: `train::fit` against the bare forward + backward + SGD step of the same
//! net on the same batches, so the loop's own overhead (sampling, loss bookkeeping, logging) is
//! visible. Run: `cargo bench --bench train` (2 CPU cores; figures in BENCHMARKS.md).
//!
//! Setup: SynthPlaces, 20 categories, modalities nat/clp/dsc, scene-net-s with fc6/fc7 1024,
//! balanced batches of 16 items per modality (48 samples per step), 30 steps after 3 warm-up,
//! in 3 alternating rounds of 10 bare steps and a 10-step `fit`.

use candle_core::{DType, Device};
use candle_nn::{VarBuilder, VarMap};
use std::time::Instant;
use xmodal::data::{synth::categories_from_count, synthplaces, SynthOptions};
use xmodal::nn::feed::{self, specs_for, TextInput};
use xmodal::nn::{CrossModalNet, NetConfig, PixelArch};
use xmodal::objectives::cross_entropy;
use xmodal::train::optim::{Optimizer, OptimizerKind, ParamGroup};
use xmodal::train::{fit, FitConfig, Phase};

const STEPS: usize = 30;
const BATCH: usize = 16;
const ROUNDS: usize = 3;

fn main() {
    // As the `xmodal` command does (src/alloc.rs).
    xmodal::alloc::keep_freed_memory();
    let ds = synthplaces(&SynthOptions {
        categories: categories_from_count(20).unwrap(),
        per_category: 40,
        modalities: vec!["nat".into(), "clp".into(), "dsc".into()],
        ..SynthOptions::default()
    })
    .unwrap();
    let make = || {
        let specs = specs_for(&ds, PixelArch::SceneNetS, TextInput::Vectors).unwrap();
        CrossModalNet::new(
            &specs,
            20,
            &NetConfig::default(),
            VarBuilder::from_varmap(&VarMap::new(), DType::F32, &Device::Cpu),
        )
        .unwrap()
    };
    let samples = STEPS * BATCH * 3;

    // Bare: the same work without the loop.
    let net = make();
    let vars: Vec<_> = {
        let data = net.varmap().data().lock().unwrap();
        let mut v: Vec<_> = data.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let (names, vs): (Vec<_>, Vec<_>) = vars.into_iter().unzip();
    let mut opt = Optimizer::new(
        OptimizerKind::papers(),
        vec![ParamGroup {
            names,
            vars: vs,
            lr_mult: 1.0,
        }],
    )
    .unwrap();
    let mods = ["nat", "clp", "dsc"];
    let step = |opt: &mut Optimizer, s: usize| {
        let mut total: Option<candle_core::Tensor> = None;
        for (k, m) in mods.iter().enumerate() {
            let n = ds.len_of(m).unwrap();
            let idx: Vec<usize> = (0..BATCH).map(|i| (s * BATCH + i * 7 + k) % n).collect();
            let x = feed::inputs(&net, &ds, m, &idx).unwrap();
            let y = feed::labels(&net, &ds, m, &idx).unwrap();
            let a = net.forward_train(m, &x, s as u64).unwrap();
            let l = cross_entropy(&a.logits, &y).unwrap();
            total = Some(match total {
                None => l,
                Some(t) => (t + l).unwrap(),
            });
        }
        let g = total.unwrap().backward().unwrap();
        opt.step(&g, 1e-3).unwrap();
    };
    for s in 0..3 {
        step(&mut opt, s);
    }

    // The loop, on a twin net (same initialisation), warmed up the same way.
    let mut net2 = make();
    let warm = FitConfig {
        phases: vec![Phase::new("warm", 3, 1e-3)],
        batch: BATCH,
        quiet: true,
        ..FitConfig::default()
    };
    fit(&mut net2, &ds, None, &warm).unwrap();
    let cfg = FitConfig {
        phases: vec![Phase::new("bench", STEPS / ROUNDS, 1e-3)],
        batch: BATCH,
        quiet: true,
        log_every: 10,
        ..FitConfig::default()
    };

    // Alternate rounds of each so that a noisy machine slows both alike; the ratio of each
    // round's pair is the figure, its median the verdict.
    let (mut bare, mut looped, mut ratios) = (0.0, 0.0, vec![]);
    for r in 0..ROUNDS {
        let t = Instant::now();
        for s in 0..STEPS / ROUNDS {
            step(&mut opt, r * STEPS / ROUNDS + s);
        }
        let b = t.elapsed().as_secs_f64();
        let t = Instant::now();
        fit(&mut net2, &ds, None, &cfg).unwrap();
        let l = t.elapsed().as_secs_f64();
        bare += b;
        looped += l;
        ratios.push(l / b);
    }
    ratios.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let median = ratios[ratios.len() / 2];

    println!(
        "train::fit overhead (scene-net-s, nat+clp+dsc, {BATCH} per modality, {STEPS} steps, CPU)"
    );
    println!("{:<32} {:>10} {:>12}", "", "seconds", "samples/s");
    println!(
        "{:<32} {:>10.2} {:>12.1}",
        "bare forward+backward+step",
        bare,
        samples as f64 / bare
    );
    println!(
        "{:<32} {:>10.2} {:>12.1}",
        "train::fit",
        looped,
        samples as f64 / looped
    );
    println!(
        "overhead: {:+.1}% in all, median of {ROUNDS} alternating rounds {:+.1}%",
        100.0 * (looped / bare - 1.0),
        100.0 * (median - 1.0)
    );
}
