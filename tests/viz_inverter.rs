//! The feature inverter: the decoder's gradients (input and every parameter) match finite
//! differences in f64; training lowers the loss; `invert` gives images in (0, 1); the script API.

use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{VarBuilder, VarMap};
use std::collections::HashMap;
use xmodal::nn::gradcheck::max_error;
use xmodal::nn::init::SeededStore;
use xmodal::viz::inverter::{decoder, train_inverter, upsample2, InverterOpts};

mod common;

const TOL: f64 = 1e-6;

fn rnd(shape: &[usize], seed: u64) -> Tensor {
    xmodal::tensor::create::randn(shape, seed, 0.0, 1.0, DType::F64, &Device::Cpu).unwrap()
}

/// A small f64 decoder (5 features → 3×16×16, 8 channels at 4×4) and its parameters by name.
fn small() -> (xmodal::viz::inverter::Decoder, HashMap<String, Tensor>) {
    let varmap = VarMap::new();
    let vb = SeededStore::new(
        varmap.clone(),
        VarBuilder::from_varmap(&VarMap::new(), DType::F64, &Device::Cpu),
        3,
    )
    .into_builder(DType::F64, &Device::Cpu);
    let d = decoder(5, 16, 8, vb).unwrap();
    let params = varmap
        .data()
        .lock()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_tensor().clone()))
        .collect();
    (d, params)
}

#[test]
fn upsampling_gradient_is_the_sum_over_each_block() {
    let x = rnd(&[2, 3, 3, 4], 1);
    let w = rnd(&[2, 3, 6, 8], 2);
    let e = max_error(|x| upsample2(x)?.mul(&w)?.sum_all(), &x, 1e-6, 200).unwrap();
    assert!(e < TOL, "max error {e}");
}

#[test]
fn decoder_input_gradient_matches_finite_differences() {
    let (d, _) = small();
    let x = rnd(&[3, 5], 4);
    let w = rnd(&[3, 3, 16, 16], 5);
    let e = max_error(|x| d.forward(x)?.mul(&w)?.sum_all(), &x, 1e-6, 15).unwrap();
    assert!(e < TOL, "max error {e}");
}

#[test]
fn decoder_parameter_gradients_match_finite_differences() {
    let (_, params) = small();
    let x = rnd(&[3, 5], 6);
    let w = rnd(&[3, 3, 16, 16], 7);
    let mut names: Vec<&String> = params.keys().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "fc.bias",
            "fc.weight",
            "out.bias",
            "out.weight",
            "up0.bias",
            "up0.weight",
            "up1.bias",
            "up1.weight"
        ]
    );
    for name in names {
        // The decoder rebuilt with this one parameter replaced by the argument.
        let f = |p: &Tensor| {
            let mut m = params.clone();
            m.insert(name.clone(), p.clone());
            let vb = VarBuilder::from_tensors(m, DType::F64, &Device::Cpu);
            let d = decoder(5, 16, 8, vb).map_err(candle_core::Error::wrap)?;
            d.forward(&x)?.mul(&w)?.sum_all()
        };
        let e = max_error(f, &params[name], 1e-6, 40).unwrap();
        assert!(e < TOL, "{name}: max error {e}");
    }
}

#[test]
fn training_lowers_the_loss_and_inversions_are_images() {
    let o = xmodal::data::SynthOptions {
        categories: vec!["beach".into(), "kitchen".into(), "forest_path".into()],
        per_category: 8,
        modalities: vec!["nat".into(), "clp".into()],
        seed: 2,
        ..Default::default()
    };
    let ds = xmodal::data::synthplaces(&o).unwrap();
    let specs = xmodal::nn::feed::specs_for(
        &ds,
        xmodal::nn::PixelArch::SceneNetS,
        xmodal::nn::feed::TextInput::Vectors,
    )
    .unwrap();
    let cfg = xmodal::nn::NetConfig {
        fc6: 16,
        fc7: 16,
        seed: 1,
        ..Default::default()
    };
    let net = xmodal::nn::CrossModalNet::fresh(&specs, 3, &cfg, DType::F32, &Device::Cpu).unwrap();
    let inv = train_inverter(
        &net,
        &ds,
        &InverterOpts {
            size: 16,
            steps: 80,
            batch: 8,
            width: 32,
            lr: 2e-3,
            seed: 4,
            quiet: true,
            ..Default::default()
        },
        None,
    )
    .unwrap();
    assert_eq!(inv.losses.len(), 80);
    let first: f64 = inv.losses[..10].iter().map(|l| l.1).sum::<f64>() / 10.0;
    let last = inv.final_loss();
    assert!(last < 0.6 * first, "loss {first:.4} -> {last:.4}");
    assert!(inv.baseline > 0.0);
    let f = xmodal::eval::extract::features(&net, &ds.only(&["clp".into()]).unwrap(), "pool5", 16)
        .unwrap();
    let img = inv.invert(&f.x).unwrap();
    assert_eq!(img.dims(), [24, 3, 16, 16]);
    let v: Vec<f32> = img.flatten_all().unwrap().to_vec1().unwrap();
    assert!(v.iter().all(|&p| p > 0.0 && p < 1.0));
    let e = inv.invert(&Tensor::zeros((2, 7), DType::F32, &Device::Cpu).unwrap());
    assert!(e.unwrap_err().to_string().contains("trained on 2048"));
}

#[test]
fn script_api_trains_and_inverts() {
    let v = common::eval(
        r#"
        let d = data::synthplaces(#{ categories: 2, per_category: 4, modalities: ["nat", "dsc"], seed: 1 });
        let net = nn::cross_modal(d, #{ fc6: 16, fc7: 16, text_hidden: 16, seed: 1 });
        let inv = viz::train_inverter(net, d, #{ layer: "fc7", size: 8, steps: 5, batch: 4, width: 16, quiet: true, seed: 2 });
        let imgs = inv.invert(net.features(d.only("dsc"), "fc7"));
        [imgs.shape, inv.losses.len(), inv.layer, inv.size, inv.to_string()]
        "#,
    );
    let a = v.into_array().unwrap();
    let shape: Vec<i64> = a[0].clone().into_typed_array().unwrap();
    assert_eq!(shape, vec![8, 3, 8, 8]);
    assert_eq!(a[1].as_int().unwrap(), 5);
    assert_eq!(a[2].clone().into_string().unwrap(), "fc7");
    assert_eq!(a[3].as_int().unwrap(), 8);
    assert!(a[4]
        .clone()
        .into_string()
        .unwrap()
        .starts_with("Inverter[fc7 -> 8×8 nat"));
    let e = common::err(
        r#"
        let d = data::synthplaces(#{ categories: 2, per_category: 2, modalities: ["nat", "dsc"], seed: 1 });
        viz::train_inverter(nn::cross_modal(d, #{ fc6: 8, fc7: 8 }), d, #{ modality: "dsc", quiet: true })
        "#,
    );
    assert!(e.contains("'dsc' holds text, not images"), "{e}");
    let e = common::err(
        r#"
        let d = data::synthplaces(#{ categories: 2, per_category: 2, modalities: ["nat"], seed: 1 });
        viz::train_inverter(nn::cross_modal(d, #{ fc6: 8, fc7: 8 }), d, #{ size: 24, quiet: true })
        "#,
    );
    assert!(e.contains("24 is not 4·2ⁿ"), "{e}");
}
