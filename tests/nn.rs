//! Networks: finite-difference gradients of every layer (f64), shapes of every encoder, seeded
//! determinism, freezing, shared-layer copies and checkpoints.

#![allow(clippy::needless_range_loop)] // index loops mirror the formulas

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::VarBuilder;
use xmodal::nn::gradcheck::max_error;
use xmodal::nn::layers::Conv2d;
use xmodal::nn::lrn::Lrn;
use xmodal::nn::{pool, CrossModalNet, EncoderSpec, NetConfig, PixelArch};
use xmodal::tensor::create::randn;

const TOL: f64 = 1e-6;

fn rnd(shape: &[usize], seed: u64) -> Tensor {
    randn(shape, seed, 0.0, 1.0, DType::F64, &Device::Cpu).unwrap()
}

fn net(
    mods: &[(&str, EncoderSpec)],
    classes: usize,
    cfg: &NetConfig,
    dtype: DType,
) -> CrossModalNet {
    let m: Vec<(String, EncoderSpec)> = mods
        .iter()
        .map(|(n, s)| (n.to_string(), s.clone()))
        .collect();
    CrossModalNet::new(&m, classes, cfg, VarBuilder::zeros(dtype, &Device::Cpu)).unwrap()
}

#[test]
fn overlapping_max_pool_gradient_matches_finite_differences() {
    let x = rnd(&[2, 3, 7, 9], 1);
    let w = rnd(&[2, 3, 3, 4], 2); // random weights make the scalar depend on every output
    let e = max_error(
        |x| pool::max_pool2d(x, 3, 2)?.mul(&w)?.sum_all(),
        &x,
        1e-6,
        400,
    )
    .unwrap();
    assert!(e < TOL, "max error {e}");
}

#[test]
fn lrn_gradient_matches_finite_differences_and_torch_value() {
    let x = rnd(&[2, 7, 3, 3], 3);
    let lrn = Lrn {
        size: 5,
        alpha: 0.5,
        beta: 0.75,
        k: 2.0,
    }; // large α so the norm matters
    let w = rnd(&[2, 7, 3, 3], 4);
    let e = max_error(|x| lrn.forward(x)?.mul(&w)?.sum_all(), &x, 1e-6, 400).unwrap();
    assert!(e < TOL, "max error {e}");
    // torch.nn.functional.local_response_norm(torch.arange(4.).view(1,4,1,1), 3, alpha=0.3, beta=0.75, k=1.0)
    // = [0, 0.6661, 0.8925, 1.4139] (hand check: c=1: 1 / (1 + 0.1·(0+1+4))^0.75 = 1/1.5^0.75 = 0.7378?)
    let x = Tensor::arange(0f64, 4., &Device::Cpu)
        .unwrap()
        .reshape((1, 4, 1, 1))
        .unwrap();
    let y = Lrn {
        size: 3,
        alpha: 0.3,
        beta: 0.75,
        k: 1.0,
    }
    .forward(&x)
    .unwrap();
    let got = y.flatten_all().unwrap().to_vec1::<f64>().unwrap();
    let sq = [0.0f64, 1.0, 4.0, 9.0];
    for c in 0..4 {
        let s: f64 = (c.max(1) - 1..=(c + 1).min(3)).map(|j| sq[j]).sum();
        let want = c as f64 / (1.0 + 0.1 * s).powf(0.75);
        assert!(
            (got[c] - want).abs() < 1e-12,
            "channel {c}: {} vs {want}",
            got[c]
        );
    }
}

#[test]
fn grouped_conv_matches_candle_and_its_gradients_match_finite_differences() {
    let x = rnd(&[2, 4, 6, 6], 5);
    let w = rnd(&[6, 2, 3, 3], 6);
    let b = rnd(&[6], 7);
    let conv = Conv2d::new(w.clone(), b.clone(), 2, 1, 2);
    let ours = conv.forward(&x).unwrap();
    let theirs = x
        .conv2d(&w, 1, 2, 1, 2)
        .unwrap()
        .broadcast_add(&b.reshape((1, 6, 1, 1)).unwrap())
        .unwrap();
    let d = (ours - theirs)
        .unwrap()
        .abs()
        .unwrap()
        .max_all()
        .unwrap()
        .to_scalar::<f64>()
        .unwrap();
    assert!(d < 1e-12, "{d}");
    let e = max_error(|x| conv.forward(x)?.sqr()?.sum_all(), &x, 1e-6, 200).unwrap();
    assert!(e < TOL, "input gradient error {e}");
    let e = max_error(
        |w| {
            Conv2d::new(w.clone(), b.clone(), 2, 1, 2)
                .forward(&x)?
                .sqr()?
                .sum_all()
        },
        &w,
        1e-6,
        200,
    )
    .unwrap();
    assert!(e < TOL, "weight gradient error {e}");
}

#[test]
fn every_encoder_and_the_trunk_have_finite_difference_gradients() {
    let cfg = NetConfig {
        dropout: 0.0,
        pool5: Some(16),
        fc6: 8,
        fc7: 8,
        text_hidden: 6,
        embed_dim: 4,
        ..Default::default()
    };
    let n = net(
        &[
            ("dsc", EncoderSpec::TextVec { dim: 5 }),
            (
                "snd",
                EncoderSpec::Sound {
                    mels: 3,
                    frames: 16,
                },
            ),
            ("feat", EncoderSpec::Features { dim: 7 }),
            ("same", EncoderSpec::Features { dim: 16 }),
        ],
        3,
        &cfg,
        DType::F64,
    );
    for (m, shape) in [
        ("dsc", vec![2, 5]),
        ("snd", vec![2, 3, 16]),
        ("feat", vec![2, 7]),
        ("same", vec![2, 16]),
    ] {
        let x = rnd(&shape, 8).abs().unwrap();
        let e = max_error(
            |x| n.forward(m, x, false).unwrap().logits.sqr()?.sum_all(),
            &x,
            1e-6,
            60,
        )
        .unwrap();
        assert!(e < TOL, "{m}: max error {e}");
    }
}

#[test]
fn scene_net_s_gradient_matches_finite_differences() {
    let cfg = NetConfig {
        dropout: 0.0,
        fc6: 16,
        fc7: 16,
        ..Default::default()
    };
    let n = net(
        &[(
            "nat",
            EncoderSpec::Pixel {
                arch: PixelArch::SceneNetS,
            },
        )],
        4,
        &cfg,
        DType::F64,
    );
    let x = rnd(&[1, 3, 64, 64], 9);
    let e = max_error(
        |x| n.forward("nat", x, false).unwrap().logits.sqr()?.sum_all(),
        &x,
        1e-5,
        30,
    )
    .unwrap();
    assert!(e < TOL, "max error {e}");
}

#[test]
fn scene_net_s_and_text_cnn_shapes() {
    let n = net(
        &[
            (
                "nat",
                EncoderSpec::Pixel {
                    arch: PixelArch::SceneNetS,
                },
            ),
            (
                "spe",
                EncoderSpec::Pixel {
                    arch: PixelArch::SceneNetS,
                },
            ),
            (
                "txt",
                EncoderSpec::TextTokens {
                    vocab: 50,
                    max_len: 12,
                },
            ),
            (
                "snd",
                EncoderSpec::Sound {
                    mels: 40,
                    frames: 100,
                },
            ),
        ],
        205,
        &NetConfig::default(),
        DType::F32,
    );
    let x = randn(&[2, 3, 64, 64], 1, 0.0, 1.0, DType::F32, &Device::Cpu).unwrap();
    let a = n.forward("nat", &x, false).unwrap();
    assert_eq!(a.pool5.dims(), [2, 2048]);
    assert_eq!(a.fc6.dims(), [2, 1024]);
    assert_eq!(a.fc7.dims(), [2, 1024]);
    assert_eq!(a.logits.dims(), [2, 205]);
    let ids = Tensor::new(
        &[
            [1u32, 5, 7, 49, 0, 3, 2, 2, 9, 10],
            [4, 4, 4, 4, 4, 4, 4, 4, 4, 4],
        ],
        &Device::Cpu,
    )
    .unwrap();
    assert_eq!(
        n.forward("txt", &ids, false).unwrap().pool5.dims(),
        [2, 2048]
    );
    let s = randn(&[3, 40, 100], 2, 0.0, 1.0, DType::F32, &Device::Cpu).unwrap();
    assert_eq!(n.forward("snd", &s, false).unwrap().logits.dims(), [3, 205]);
    // conv1 3→48 k5: 48·3·25 weights + 48 biases.
    assert_eq!(
        n.vars_of("enc.nat.conv1")
            .iter()
            .map(|v| v.elem_count())
            .sum::<usize>(),
        3648
    );
    let bad = n.forward(
        "nat",
        &randn(&[1, 3, 32, 32], 1, 0.0, 1.0, DType::F32, &Device::Cpu).unwrap(),
        false,
    );
    assert!(bad
        .unwrap_err()
        .to_string()
        .contains("expects images [n, 3, 64, 64]"));
    assert!(n
        .forward("xyz", &x, false)
        .unwrap_err()
        .to_string()
        .contains("unknown modality 'xyz'"));
}

#[test]
fn alexnet_produces_pool5_of_256x6x6() {
    let cfg = NetConfig {
        fc6: 64,
        fc7: 64,
        ..Default::default()
    };
    let n = net(
        &[(
            "nat",
            EncoderSpec::Pixel {
                arch: PixelArch::AlexNet,
            },
        )],
        10,
        &cfg,
        DType::F32,
    );
    let x = randn(&[1, 3, 227, 227], 1, 0.0, 1.0, DType::F32, &Device::Cpu).unwrap();
    assert_eq!(n.forward("nat", &x, false).unwrap().pool5.dims(), [1, 9216]);
    assert_eq!(n.vars_of("enc.nat.conv2.weight")[0].dims(), [256, 48, 5, 5]);
}

#[test]
fn same_seed_gives_same_weights_and_dropout_masks() {
    let mods = [("dsc", EncoderSpec::TextVec { dim: 10 })];
    let cfg = NetConfig {
        pool5: Some(32),
        fc6: 16,
        fc7: 16,
        seed: 3,
        ..Default::default()
    };
    let (a, b) = (
        net(&mods, 4, &cfg, DType::F32),
        net(&mods, 4, &cfg, DType::F32),
    );
    let x = randn(&[5, 10], 1, 0.0, 1.0, DType::F32, &Device::Cpu).unwrap();
    let ya = a
        .forward_train("dsc", &x, 11)
        .unwrap()
        .logits
        .to_vec2::<f32>()
        .unwrap();
    let yb = b
        .forward_train("dsc", &x, 11)
        .unwrap()
        .logits
        .to_vec2::<f32>()
        .unwrap();
    assert_eq!(ya, yb);
    let yc = b
        .forward_train("dsc", &x, 12)
        .unwrap()
        .logits
        .to_vec2::<f32>()
        .unwrap();
    assert_ne!(ya, yc);
    let c = net(
        &mods,
        4,
        &NetConfig {
            seed: 4,
            ..cfg.clone()
        },
        DType::F32,
    );
    let wa = a.vars_of("shared.fc6.weight")[0].to_vec2::<f32>().unwrap();
    let wc = c.vars_of("shared.fc6.weight")[0].to_vec2::<f32>().unwrap();
    assert_ne!(wa, wc);
    // The text MLP draws N(0, 0.1²): the sample std of 10·32 + … weights is near 0.1.
    let w = a.vars_of("enc.dsc.fc1.weight")[0]
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    let sd = (w.iter().map(|v| v * v).sum::<f32>() / w.len() as f32).sqrt();
    assert!((sd - 0.1).abs() < 0.02, "{sd}");
}

#[test]
fn freeze_unfreeze_shared_pixel_and_copy_shared() {
    let mods = [
        (
            "nat",
            EncoderSpec::Pixel {
                arch: PixelArch::SceneNetS,
            },
        ),
        (
            "clp",
            EncoderSpec::Pixel {
                arch: PixelArch::SceneNetS,
            },
        ),
        ("dsc", EncoderSpec::TextVec { dim: 8 }),
    ];
    let cfg = NetConfig {
        shared_pixel: true,
        fc6: 16,
        fc7: 16,
        ..Default::default()
    };
    let mut a = net(&mods, 5, &cfg, DType::F32);
    assert!(a
        .param_names()
        .iter()
        .any(|n| n == "enc.pixel.conv1.weight"));
    assert!(!a.param_names().iter().any(|n| n.starts_with("enc.nat")));
    let all = a.trainable_vars().len();
    a.freeze(&["shared".into()]).unwrap();
    assert_eq!(a.trainable_vars().len(), all - 6);
    a.freeze(&["enc.dsc".into()]).unwrap();
    assert_eq!(a.trainable_vars().len(), all - 12);
    a.unfreeze(&["fc7".into()]).unwrap();
    assert_eq!(a.trainable_vars().len(), all - 10);
    assert!(a.summary().contains("shared.fc6.weight"));
    let e = a.freeze(&["fc9".into()]).unwrap_err().to_string();
    assert!(e.contains("'fc9' matches no parameter"), "{e}");
    let b = net(&mods, 5, &NetConfig { seed: 9, ..cfg }, DType::F32);
    a.copy_shared_from(&b).unwrap();
    for name in ["shared.fc6.weight", "shared.fc8.bias"] {
        assert_eq!(
            a.vars_of(name)[0]
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap(),
            b.vars_of(name)[0]
                .flatten_all()
                .unwrap()
                .to_vec1::<f32>()
                .unwrap()
        );
    }
    assert_ne!(
        a.vars_of("enc.pixel.conv1.weight")[0]
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap(),
        b.vars_of("enc.pixel.conv1.weight")[0]
            .flatten_all()
            .unwrap()
            .to_vec1::<f32>()
            .unwrap()
    );
}

#[test]
fn checkpoint_round_trip_and_mismatched_shape_error() {
    let dir = std::env::temp_dir().join(format!("xmodal-nn-test-{}", std::process::id()));
    let path = dir.join("net.safetensors");
    let mods = [
        ("dsc", EncoderSpec::TextVec { dim: 6 }),
        ("feat", EncoderSpec::Features { dim: 5 }),
    ];
    let cfg = NetConfig {
        pool5: Some(12),
        fc6: 8,
        fc7: 8,
        seed: 1,
        ..Default::default()
    };
    let mut a = net(&mods, 3, &cfg, DType::F32);
    a.freeze(&["enc.feat".into()]).unwrap();
    a.save(&path).unwrap();
    let b = CrossModalNet::load(&path, &Device::Cpu).unwrap();
    assert_eq!(a.param_names(), b.param_names());
    assert_eq!(a.frozen(), b.frozen());
    let x = randn(&[2, 6], 1, 0.0, 1.0, DType::F32, &Device::Cpu).unwrap();
    assert_eq!(
        a.forward("dsc", &x, false)
            .unwrap()
            .logits
            .to_vec2::<f32>()
            .unwrap(),
        b.forward("dsc", &x, false)
            .unwrap()
            .logits
            .to_vec2::<f32>()
            .unwrap()
    );
    // The safetensors file is plain: other tools see the path names.
    let raw = candle_core::safetensors::load(&path, &Device::Cpu).unwrap();
    assert_eq!(raw["enc.dsc.fc1.weight"].dims(), [1024, 6]);
    // Edit the architecture so the text input is 7-d: loading names the tensor and both shapes.
    let side = xmodal::nn::checkpoint::sidecar(&path);
    let json = std::fs::read_to_string(&side)
        .unwrap()
        .replace("\"dim\": 6", "\"dim\": 7");
    std::fs::write(&side, json).unwrap();
    let e = CrossModalNet::load(&path, &Device::Cpu)
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("tensor 'enc.dsc.fc1.weight' has shape [1024, 6] in the checkpoint but the architecture needs [1024, 7]"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn candle_max_pool_backward_is_scaled_so_ours_is_used() {
    // Documents why `pool::max_pool2d` never calls candle's kernel: its backward (candle 0.11.1)
    // gives 1/k² of the true gradient for a unique maximum. Ours matches finite differences.
    let x = rnd(&[1, 3, 8, 8], 9);
    let w = rnd(&[1, 3, 4, 4], 2);
    let theirs = max_error(|x| x.max_pool2d(2)?.mul(&w)?.sum_all(), &x, 1e-6, 300).unwrap();
    let ours = max_error(
        |x| pool::max_pool2d(x, 2, 2)?.mul(&w)?.sum_all(),
        &x,
        1e-6,
        300,
    )
    .unwrap();
    assert!(
        theirs > 0.5,
        "candle's max-pool backward looks fixed ({theirs}); it could be used again"
    );
    assert!(ours < TOL, "{ours}");
}
