//! The training loop on tiny SynthPlaces data: learning happens, an interrupted run resumes to
//! bit-identical weights (mid-phase and at a phase boundary, with its metrics log trimmed), a NaN
//! loss stops with a clear error and keeps the last checkpoint, bad checkpoint paths and seeds are
//! refused, and a training checkpoint loads into a net by its weights.

use candle_core::{DType, Device};
use candle_nn::VarBuilder;
use xmodal::data::{synthplaces, SynthOptions};
use xmodal::nn::feed::{specs_for, TextInput};
use xmodal::nn::{CrossModalNet, NetConfig, PixelArch};
use xmodal::train::{fit, FitConfig, Phase};

fn data(mods: &[&str], per_category: usize, seed: u64) -> xmodal::data::Dataset {
    synthplaces(&SynthOptions {
        categories: xmodal::data::synth::categories_from_count(4).unwrap(),
        per_category,
        modalities: mods.iter().map(|s| s.to_string()).collect(),
        image_size: 64,
        paired: false,
        setting_cue: false,
        seed,
    })
    .unwrap()
}

fn net(ds: &xmodal::data::Dataset, seed: u64) -> CrossModalNet {
    let specs = specs_for(ds, PixelArch::SceneNetS, TextInput::Vectors).unwrap();
    let cfg = NetConfig {
        seed,
        fc6: 256,
        fc7: 256,
        text_hidden: 256,
        ..NetConfig::default()
    };
    CrossModalNet::new(
        &specs,
        ds.categories().len(),
        &cfg,
        VarBuilder::from_varmap(&candle_nn::VarMap::new(), DType::F32, &Device::Cpu),
    )
    .unwrap()
}

fn weights(n: &CrossModalNet) -> Vec<(String, Vec<f32>)> {
    let mut v: Vec<(String, Vec<f32>)> = n
        .varmap()
        .data()
        .lock()
        .unwrap()
        .iter()
        .map(|(k, var)| {
            (
                k.clone(),
                var.as_tensor()
                    .flatten_all()
                    .unwrap()
                    .to_vec1::<f32>()
                    .unwrap(),
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn tmp(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("xmodal-fit-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn resumed_training_is_bit_identical_to_an_uninterrupted_run() {
    let ds = data(&["nat", "dsc"], 6, 3);
    let phases = vec![
        Phase {
            frozen: vec!["shared".into()],
            ..Phase::new("tune", 4, 0.01)
        },
        Phase::new("free", 3, 0.01),
    ];
    let base = FitConfig {
        phases,
        batch: 4,
        quiet: true,
        seed: 5,
        ..FitConfig::default()
    };
    let mut a = net(&ds, 1);
    let ra = fit(&mut a, &ds, None, &base).unwrap();
    assert_eq!((ra.steps, ra.interrupted), (7, false));

    let dir = tmp("resume");
    let ckpt = dir.join("run.safetensors");
    let mut b = net(&ds, 1);
    let stopped = fit(
        &mut b,
        &ds,
        None,
        &FitConfig {
            stop_after: Some(5),
            checkpoint: Some(ckpt.clone()),
            ..base.clone()
        },
    )
    .unwrap();
    assert_eq!((stopped.steps, stopped.interrupted), (5, true));
    let mut c = net(&ds, 99); // different initial weights: everything must come from the checkpoint
    let rc = fit(
        &mut c,
        &ds,
        None,
        &FitConfig {
            resume: Some(ckpt),
            ..base
        },
    )
    .unwrap();
    assert_eq!(rc.steps, 2);
    assert_eq!(
        weights(&a),
        weights(&c),
        "resumed weights differ from the uninterrupted run"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_nan_loss_stops_with_the_term_and_step_and_keeps_the_checkpoint() {
    let ds = data(&["nat", "dsc"], 6, 4);
    let dir = tmp("nan");
    let ckpt = dir.join("run.safetensors");
    let mut n = net(&ds, 2);
    let cfg = FitConfig {
        phases: vec![Phase::new("ok", 2, 0.001), Phase::new("explode", 50, 1e9)],
        batch: 4,
        quiet: true,
        checkpoint: Some(ckpt.clone()),
        ..FitConfig::default()
    };
    let e = match fit(&mut n, &ds, None, &cfg) {
        Ok(_) => panic!("a learning rate of 1e9 should blow up"),
        Err(e) => e.to_string(),
    };
    assert!(e.starts_with("non-finite loss: ce = "), "{e}");
    assert!(
        e.contains("lower the learning rate")
            && e.contains(&format!(
                "the last good checkpoint is {} (after step 2)",
                ckpt.display()
            )),
        "{e}"
    );
    let (tensors, meta) = xmodal::train::checkpoint::read(&ckpt, &Device::Cpu).unwrap();
    assert_eq!(meta["phase"], 1);
    assert!(tensors.contains_key("shared.fc7.weight"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn learning_rate_multipliers_scale_each_group() {
    // Plain SGD (no momentum, no decay): a step moves each parameter by lr · mult · grad, so
    // mult 0 keeps the shared layers, and a run with lr 2e-3 for the encoder equals a run at lr
    // 1e-3 with the encoder's multiplier 2 — after the first step, where both see equal grads.
    let ds = data(&["dsc"], 6, 3);
    let sgd = xmodal::train::optim::OptimizerKind::Sgd {
        momentum: 0.0,
        weight_decay: 0.0,
        nesterov: false,
    };
    let run = |lr: f64, mult: Vec<(String, f64)>| {
        let mut n = net(&ds, 5);
        let before = weights(&n);
        let mut phase = Phase::new("p", 1, lr);
        phase.lr_mult = mult;
        let cfg = FitConfig {
            phases: vec![phase],
            batch: 4,
            quiet: true,
            optimizer: sgd.clone(),
            ..FitConfig::default()
        };
        fit(&mut n, &ds, None, &cfg).unwrap();
        (before, weights(&n))
    };
    let (before, frozen_trunk) = run(1e-3, vec![("shared".into(), 0.0)]);
    let (_, doubled) = run(1e-3, vec![("enc".into(), 2.0), ("shared".into(), 0.0)]);
    let (_, plain) = run(2e-3, vec![("shared".into(), 0.0)]);
    for (((name, b), f), (d, p)) in before
        .iter()
        .zip(&frozen_trunk)
        .zip(doubled.iter().zip(&plain))
    {
        if name.starts_with("shared.") {
            assert_eq!(b, &f.1, "{name} moved with multiplier 0");
        } else {
            assert_ne!(b, &f.1, "{name} did not train");
            for (x, y) in d.1.iter().zip(&p.1) {
                assert!(
                    (x - y).abs() <= 1e-6 * y.abs().max(1.0),
                    "{name}: {x} vs {y}"
                );
            }
        }
    }
    // The longest matching pattern wins, in whichever order the patterns come.
    for mult in [
        vec![("shared".into(), 0.0), ("shared.fc8".into(), 1.0)],
        vec![("shared.fc8".into(), 1.0), ("shared".into(), 0.0)],
    ] {
        let (b, after) = run(1e-3, mult);
        for ((name, b), a) in b.iter().zip(&after) {
            if name.starts_with("shared.fc8.") {
                assert_ne!(b, &a.1, "{name} kept its weights under 'shared.fc8': 1");
            } else if name.starts_with("shared.") {
                assert_eq!(b, &a.1, "{name} moved under 'shared': 0");
            }
        }
    }
    let mut n = net(&ds, 5);
    let mut phase = Phase::new("p", 1, 1e-3);
    phase.lr_mult = vec![("fc9".into(), 2.0)];
    let cfg = FitConfig {
        phases: vec![phase],
        quiet: true,
        ..FitConfig::default()
    };
    let e = match fit(&mut n, &ds, None, &cfg) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("an unknown lr_mult pattern was accepted"),
    };
    assert!(e.contains("'fc9' matches no parameter"), "{e}");
}

#[test]
fn a_resume_from_a_phase_boundary_matches_the_uninterrupted_run_and_trims_the_metrics() {
    // A run that stops (crash) right after phase 1 leaves the end-of-phase checkpoint; phase 2
    // starts with a fresh optimizer either way, so the resumed run must equal one that never
    // stopped, and its metrics log must read as one run.
    let ds = data(&["nat", "dsc"], 6, 3);
    let tune = Phase {
        frozen: vec!["shared".into()],
        ..Phase::new("tune", 4, 0.05)
    };
    let both = FitConfig {
        phases: vec![tune.clone(), Phase::new("free", 3, 0.05)],
        batch: 4,
        quiet: true,
        seed: 5,
        log_every: 1,
        ..FitConfig::default()
    };
    let mut a = net(&ds, 1);
    fit(&mut a, &ds, None, &both).unwrap();

    let dir = tmp("boundary");
    let (ckpt, log) = (dir.join("run.safetensors"), dir.join("m.jsonl"));
    let mut b = net(&ds, 1);
    fit(
        &mut b,
        &ds,
        None,
        &FitConfig {
            phases: vec![tune],
            checkpoint: Some(ckpt.clone()),
            metrics: Some(log.clone()),
            ..both.clone()
        },
    )
    .unwrap();
    let (tensors, meta) = xmodal::train::checkpoint::read(&ckpt, &Device::Cpu).unwrap();
    assert_eq!(
        (meta["phase"].as_u64(), meta["step"].as_u64()),
        (Some(1), Some(0))
    );
    assert!(
        !tensors.keys().any(|k| k.starts_with("optim.")),
        "a phase-boundary checkpoint holds no optimizer state"
    );
    // Rows written after the checkpoint by the run that then died, and a line cut short.
    let mut text = std::fs::read_to_string(&log).unwrap();
    text.push_str("{\"kind\":\"step\",\"phase\":1,\"step\":5,\"lr\":0.05}\n{\"kind\":\"st");
    std::fs::write(&log, text).unwrap();

    let mut c = net(&ds, 99);
    let rc = fit(
        &mut c,
        &ds,
        None,
        &FitConfig {
            resume: Some(ckpt.clone()),
            metrics: Some(log.clone()),
            ..both.clone()
        },
    )
    .unwrap();
    assert_eq!(rc.steps, 3);
    assert_eq!(weights(&a), weights(&c), "resumed weights differ");
    let steps: Vec<u64> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["step"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(
        steps,
        (1..=7).collect::<Vec<u64>>(),
        "one row per step, in order"
    );

    // A fresh run replaces the log; a resume with another seed is refused.
    let mut d = net(&ds, 1);
    fit(
        &mut d,
        &ds,
        None,
        &FitConfig {
            metrics: Some(log.clone()),
            ..both.clone()
        },
    )
    .unwrap();
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 7);
    let e = fit(
        &mut d,
        &ds,
        None,
        &FitConfig {
            resume: Some(ckpt),
            seed: 6,
            ..both
        },
    )
    .err()
    .expect("a resume with another seed must fail")
    .to_string();
    assert!(e.contains("seed 5") && e.contains("seed 6"), "{e}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_checkpoint_path_that_cannot_hold_a_checkpoint_is_refused_before_training() {
    let ds = data(&["nat"], 4, 3);
    let mut n = net(&ds, 1);
    let e = fit(
        &mut n,
        &ds,
        None,
        &FitConfig {
            phases: vec![Phase::new("p", 1000, 0.01)],
            checkpoint: Some("out/run.ckpt".into()),
            ..FitConfig::default()
        },
    )
    .err()
    .expect("a .ckpt checkpoint path must be refused")
    .to_string();
    assert!(
        e.contains("checkpoint") && e.contains(".safetensors"),
        "{e}"
    );
}

#[test]
fn a_training_checkpoint_loads_into_a_net_by_its_weights_and_nn_load_says_how() {
    let ds = data(&["nat"], 4, 3);
    let dir = tmp("ckpt-weights");
    let ckpt = dir.join("run.safetensors");
    let mut a = net(&ds, 1);
    let cfg = FitConfig {
        phases: vec![Phase::new("p", 3, 0.01)],
        batch: 4,
        quiet: true,
        checkpoint: Some(ckpt.clone()),
        stop_after: Some(2),
        ..FitConfig::default()
    };
    fit(&mut a, &ds, None, &cfg).unwrap();
    let e = CrossModalNet::load(&ckpt, &Device::Cpu)
        .err()
        .expect("nn::load of a training checkpoint must fail")
        .to_string();
    assert!(
        e.contains("train::fit checkpoint") && e.contains("load_weights"),
        "{e}"
    );
    let (tensors, _) = xmodal::train::checkpoint::read(&ckpt, &Device::Cpu).unwrap();
    assert!(tensors.keys().any(|k| k.starts_with("optim.")));
    let mut b = net(&ds, 7);
    let pairs: Vec<(String, candle_core::Tensor)> = tensors.into_iter().collect();
    b.load_weights(&pairs, true).unwrap();
    assert_eq!(weights(&a), weights(&b));
    let _ = std::fs::remove_dir_all(dir);
}

mod script_options {
    //! Options that would be silently ignored or out of range are errors naming them.
    use xmodal::script::session::Session;

    fn session() -> Session {
        let mut s = Session::new(None);
        let _ = s.eval(
            r#"let d = data::synthplaces(#{ categories: 2, per_category: 2, modalities: ["nat", "dsc"], seed: 1 });
            let net = nn::cross_modal(d, #{ fc6: 16, fc7: 16 });"#,
        )
        .unwrap();
        s
    }

    fn fit_err(s: &mut Session, opts: &str) -> String {
        s.eval(&format!("train::fit(net, d, {opts})")).unwrap_err()
    }

    #[test]
    fn optimizer_and_schedule_keys_must_match_their_choice() {
        let mut s = session();
        let e = fit_err(
            &mut s,
            r#"#{ optimizer: "adamw", momentum: 0.5, iters: 1, quiet: true }"#,
        );
        assert!(
            e.contains(
                "train::fit: invalid value for 'momentum': applies only to optimizer: \"sgd\""
            ),
            "{e}"
        );
        let e = fit_err(&mut s, r#"#{ beta1: 0.5, iters: 1, quiet: true }"#);
        assert!(
            e.contains("'beta1': applies only to optimizer: \"adamw\""),
            "{e}"
        );
        for (key, needs) in [
            ("gamma: 0.5", "step"),
            ("step_every: 2", "step"),
            ("min_lr: 0.1", "cosine"),
        ] {
            let e = fit_err(
                &mut s,
                &format!("#{{ phases: [#{{ iters: 1, {key} }}], quiet: true }}"),
            );
            assert!(
                e.contains("train::fit phase 1")
                    && e.contains(&format!("applies only to schedule: \"{needs}\"")),
                "{e}"
            );
        }
        let e = fit_err(
            &mut s,
            r#"#{ phases: [#{ iters: 1, schedule: "cosine", gamma: 0.5 }], quiet: true }"#,
        );
        assert!(
            e.contains("'gamma'") && e.contains("schedule is \"cosine\""),
            "{e}"
        );
        // The matching pairs are accepted.
        let _ = s.eval(r#"train::fit(net, d, #{ optimizer: "adamw", beta1: 0.8, phases: [#{ iters: 1, schedule: "step", gamma: 0.5, step_every: 1 }], batch: 1, quiet: true })"#)
            .unwrap();
    }

    #[test]
    fn unknown_modalities_in_terms_and_phases_are_errors() {
        let mut s = session();
        let _ = s.eval(r#"let p = reg::fit_gaussian(tensor::randn([20, 16], #{ seed: 1 }), #{ diagonal: true });"#)
            .unwrap();
        let e = fit_err(
            &mut s,
            r#"#{ phases: [#{ iters: 1, regularizers: [reg::penalty(p, "fc7", 0.1, #{ modalities: ["zzz"] })] }], quiet: true }"#,
        );
        assert!(
            e.contains("train::fit phase 1")
                && e.contains("modality 'zzz'")
                && e.contains("nat, dsc"),
            "{e}"
        );
        let e = fit_err(
            &mut s,
            r#"#{ phases: [#{ iters: 1, modalities: ["snd"] }], quiet: true }"#,
        );
        assert!(e.contains("unknown modality 'snd'"), "{e}");
        let e = fit_err(
            &mut s,
            r#"#{ phases: [#{ iters: 1, regularizers: [train::ranking(#{ b: "clp" })] }], quiet: true }"#,
        );
        assert!(e.contains("modality 'clp'"), "{e}");
    }

    #[test]
    fn a_prior_term_is_logged_under_its_kind_and_layer() {
        let mut s = session();
        let names = s
            .eval(
                r#"let p = reg::fit_gaussian(tensor::randn([20, 16], #{ seed: 1 }), #{ diagonal: true });
                let h = train::fit(net, d, #{ phases: [#{ iters: 1, regularizers: [reg::penalty(p, "fc7", 0.1)] }], log_every: 1, quiet: true });
                h.names()"#,
            )
            .unwrap();
        let names: Vec<String> = names
            .into_array()
            .unwrap()
            .into_iter()
            .map(|v| v.into_string().unwrap())
            .collect();
        assert!(names.contains(&"gaussian.fc7".to_string()), "{names:?}");
    }

    /// reg::penalty divides −log p(h) by the layer's width: the same step logs a term exactly D
    /// (fc7 = 16) times smaller than with `per_dim: false`.
    #[test]
    fn a_prior_penalty_is_normalised_per_dimension() {
        let mut s = session();
        let v = s
            .eval(
                r#"let p = reg::fit_gaussian(tensor::randn([20, 16], #{ seed: 1 }), #{ diagonal: true });
                let v = [];
                for per_dim in [true, false] {
                    let n = nn::cross_modal(d, #{ fc6: 16, fc7: 16, seed: 5, dropout: 0.0 });
                    let h = train::fit(n, d, #{ phases: [#{ iters: 1, regularizers: [reg::penalty(p, "fc7", 0.1, #{ per_dim: per_dim })] }], batch: 2, log_every: 1, quiet: true, seed: 2 });
                    v.push(h.series("gaussian.fc7")[0][1]);
                }
                v"#,
            )
            .unwrap();
        let v: Vec<f64> = v
            .into_array()
            .unwrap()
            .into_iter()
            .map(|x| x.as_float().unwrap())
            .collect();
        assert!(v[0] > 0.0, "{v:?}");
        assert!((v[1] / v[0] - 16.0).abs() < 1e-4, "{v:?}");
    }

    #[test]
    fn term_ranges_history_names_and_unit_counts_are_checked() {
        let mut s = session();
        let e = s
            .eval(r#"train::transfer(net, #{ to: "dsc", temperature: -1.0 })"#)
            .unwrap_err();
        assert!(e.contains("train::transfer: invalid value for 'temperature': must be a finite number > 0, got -1"), "{e}");
        let e = s
            .eval(r#"train::transfer(net, #{ to: "dsc", weight: -5.0 })"#)
            .unwrap_err();
        assert!(
            e.contains("'weight': must be a finite number >= 0, got -5"),
            "{e}"
        );
        let e = s
            .eval(r#"train::ranking(#{ b: "dsc", margin: -1.0 })"#)
            .unwrap_err();
        assert!(
            e.contains("train::ranking: invalid value for 'margin'"),
            "{e}"
        );
        let e = s
            .eval(
                r#"loss::ranking(tensor::randn([3, 4]), tensor::randn([3, 4]), #{ margin: -1.0 })"#,
            )
            .unwrap_err();
        assert!(
            e.contains("loss::ranking: invalid value for 'margin'"),
            "{e}"
        );
        let e = s
            .eval(r#"train::info_nce(#{ b: "dsc", temperature: 0.0 })"#)
            .unwrap_err();
        assert!(e.contains("'temperature'"), "{e}");
        let _ = s.eval(
            r#"let h = train::fit(net, d, #{ iters: 1, batch: 1, quiet: true, log_every: 1 });"#,
        )
        .unwrap();
        let e = s.eval(r#"h.series("loss")"#).unwrap_err();
        assert!(
            e.contains(
                "history.series: invalid value for 'name': no series 'loss'; this history has:"
            ) && e.contains("total"),
            "{e}"
        );
        assert_eq!(
            s.eval(r#"h.series("total").len()"#)
                .unwrap()
                .as_int()
                .unwrap(),
            1
        );
        let e = s
            .eval(r#"viz::top_units(net, d, #{ units: 0 })"#)
            .unwrap_err();
        assert!(
            e.contains("viz::top_units: invalid value for 'units': must be at least 1"),
            "{e}"
        );
    }
}
