//! Optimizers against PyTorch trajectories (tests/fixtures/train/optim_torch.py made the JSON).

use candle_core::{DType, Device, Tensor, Var};
use xmodal::train::optim::{clip_grad_norm, Optimizer, OptimizerKind, ParamGroup};

fn fixture() -> serde_json::Value {
    let s = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/train/optim_torch.json"
    ))
    .unwrap();
    serde_json::from_str(&s).unwrap()
}

fn matrix(v: &serde_json::Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()))
        .collect()
}

fn run(kind: OptimizerKind, lr: f64) -> Vec<f64> {
    let f = fixture();
    let dev = Device::Cpu;
    let w = Var::from_tensor(&Tensor::from_vec(matrix(&f["w0"]), (2, 3), &dev).unwrap()).unwrap();
    let t = Tensor::new(&[[1.0f64, 0.0, -1.0], [2.0, 0.5, 0.25]], &dev).unwrap();
    let c = Tensor::new(&[[1.0f64, 2.0, 0.5], [0.3, 1.0, 4.0]], &dev).unwrap();
    let mut opt = Optimizer::new(
        kind,
        vec![ParamGroup {
            names: vec!["w".into()],
            vars: vec![w.clone()],
            lr_mult: 1.0,
        }],
    )
    .unwrap();
    for _ in 0..6 {
        let d = (w.as_tensor() - &t).unwrap();
        let loss = ((&c * d.sqr().unwrap()).unwrap().sum_all().unwrap()
            + (w.as_tensor().powf(3.0).unwrap().sum_all().unwrap() * 0.1).unwrap())
        .unwrap();
        opt.step(&loss.backward().unwrap(), lr).unwrap();
    }
    w.as_tensor()
        .flatten_all()
        .unwrap()
        .to_vec1::<f64>()
        .unwrap()
}

fn assert_close(a: &[f64], b: &[f64]) {
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < 1e-10, "{a:?}\nvs torch\n{b:?}");
    }
}

#[test]
fn sgd_with_momentum_and_weight_decay_matches_torch() {
    assert_close(
        &run(
            OptimizerKind::Sgd {
                momentum: 0.9,
                weight_decay: 5e-4,
                nesterov: false,
            },
            0.05,
        ),
        &matrix(&fixture()["sgd_momentum"]),
    );
}

#[test]
fn nesterov_and_plain_sgd_match_torch() {
    assert_close(
        &run(
            OptimizerKind::Sgd {
                momentum: 0.9,
                weight_decay: 5e-4,
                nesterov: true,
            },
            0.05,
        ),
        &matrix(&fixture()["sgd_nesterov"]),
    );
    assert_close(
        &run(
            OptimizerKind::Sgd {
                momentum: 0.0,
                weight_decay: 0.0,
                nesterov: false,
            },
            0.05,
        ),
        &matrix(&fixture()["sgd_plain"]),
    );
}

#[test]
fn adamw_matches_torch() {
    assert_close(
        &run(
            OptimizerKind::AdamW {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                weight_decay: 0.01,
            },
            0.1,
        ),
        &matrix(&fixture()["adamw"]),
    );
}

#[test]
fn state_round_trip_resumes_exactly() {
    let dev = Device::Cpu;
    let make = || Var::from_tensor(&Tensor::new(&[1.0f64, -2.0, 3.0], &dev).unwrap()).unwrap();
    let loss = |w: &Var| w.as_tensor().sqr().unwrap().sum_all().unwrap();
    let kind = OptimizerKind::AdamW {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weight_decay: 0.01,
    };
    let group = |w: &Var| {
        vec![ParamGroup {
            names: vec!["w".into()],
            vars: vec![w.clone()],
            lr_mult: 1.0,
        }]
    };
    // Uninterrupted: 6 steps.
    let a = make();
    let mut oa = Optimizer::new(kind.clone(), group(&a)).unwrap();
    for _ in 0..6 {
        oa.step(&loss(&a).backward().unwrap(), 0.1).unwrap();
    }
    // Interrupted after 3, state saved, new optimizer restored, 3 more.
    let b = make();
    let mut ob = Optimizer::new(kind.clone(), group(&b)).unwrap();
    for _ in 0..3 {
        ob.step(&loss(&b).backward().unwrap(), 0.1).unwrap();
    }
    let state = ob.state().unwrap();
    let mut oc = Optimizer::new(kind, group(&b)).unwrap();
    oc.load_state(&state).unwrap();
    for _ in 0..3 {
        oc.step(&loss(&b).backward().unwrap(), 0.1).unwrap();
    }
    assert_eq!(
        a.as_tensor().to_vec1::<f64>().unwrap(),
        b.as_tensor().to_vec1::<f64>().unwrap()
    );
    assert_eq!(oc.steps(), 6);
}

#[test]
fn per_group_learning_rates_and_frozen_vars() {
    let dev = Device::Cpu;
    let a = Var::from_tensor(&Tensor::new(&[1.0f64], &dev).unwrap()).unwrap();
    let b = Var::from_tensor(&Tensor::new(&[1.0f64], &dev).unwrap()).unwrap();
    let frozen = Var::from_tensor(&Tensor::new(&[1.0f64], &dev).unwrap()).unwrap();
    let groups = vec![
        ParamGroup {
            names: vec!["a".into()],
            vars: vec![a.clone()],
            lr_mult: 1.0,
        },
        ParamGroup {
            names: vec!["b".into()],
            vars: vec![b.clone()],
            lr_mult: 0.1,
        },
    ];
    let mut opt = Optimizer::new(
        OptimizerKind::Sgd {
            momentum: 0.0,
            weight_decay: 0.0,
            nesterov: false,
        },
        groups,
    )
    .unwrap();
    // d/dx sum(x) = 1 for each; frozen is not in any group.
    let loss = (a.as_tensor() + b.as_tensor())
        .unwrap()
        .add(frozen.as_tensor())
        .unwrap()
        .sum_all()
        .unwrap();
    opt.step(&loss.backward().unwrap(), 0.5).unwrap();
    assert_eq!(a.as_tensor().to_vec1::<f64>().unwrap(), vec![0.5]);
    assert_eq!(b.as_tensor().to_vec1::<f64>().unwrap(), vec![0.95]);
    assert_eq!(frozen.as_tensor().to_vec1::<f64>().unwrap(), vec![1.0]);
}

#[test]
fn clipping_scales_to_the_max_norm() {
    let dev = Device::Cpu;
    let w = Var::from_tensor(&Tensor::new(&[3.0f32, 4.0], &dev).unwrap()).unwrap();
    // gradient of sum(w²)/2 is w = (3, 4), norm 5.
    let mut g = (w.as_tensor().sqr().unwrap().sum_all().unwrap() * 0.5)
        .unwrap()
        .backward()
        .unwrap();
    let norm = clip_grad_norm(&mut g, std::slice::from_ref(&w), 1.0).unwrap();
    assert!((norm - 5.0).abs() < 1e-6);
    let clipped = g
        .get(w.as_tensor())
        .unwrap()
        .to_dtype(DType::F64)
        .unwrap()
        .to_vec1::<f64>()
        .unwrap();
    assert!(
        (clipped[0] - 0.6).abs() < 1e-5 && (clipped[1] - 0.8).abs() < 1e-5,
        "{clipped:?}"
    );
}
