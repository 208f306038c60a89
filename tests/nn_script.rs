//! The `nn::`, `loss::` and `reg::` namespaces from Rhai: building, running, freezing, saving and
//! loading nets; losses with backward; priors fitted, evaluated, saved and loaded.

use xmodal::script::session::Session;

fn run(src: &str) -> Result<rhai::Dynamic, String> {
    Session::new(None).eval(src)
}

#[test]
fn a_net_is_built_run_frozen_saved_and_loaded_from_a_script() {
    let dir = std::env::temp_dir().join(format!("xmodal-nn-script-{}", std::process::id()));
    let path = dir.join("net.safetensors");
    let src = format!(
        r#"
        let net = nn::net(#{{ modalities: #{{ dsc: #{{ kind: "text_vec", dim: 6 }}, f: #{{ kind: "features", dim: 5 }} }},
                              classes: 3, pool5: 10, fc6: 8, fc7: 8, seed: 4 }});
        let a = net.forward("dsc", tensor::randn([2, 6], #{{ seed: 1 }}));
        if a.logits.shape != [2, 3] || a.pool5.shape != [2, 10] {{ throw "shapes"; }}
        net.freeze("shared");
        net.unfreeze(["fc8"]);
        let s = net.summary();
        if !s.contains("shared.fc6.weight") {{ throw s; }}
        net.save("{p}");
        let back = nn::load("{p}");
        let b = back.forward("dsc", tensor::randn([2, 6], #{{ seed: 1 }}));
        (a.logits - b.logits).abs().max().item()
        "#,
        p = path.display()
    );
    let d = run(&src).unwrap();
    assert_eq!(d.as_float().unwrap(), 0.0);
    let e = run(r#"nn::net(#{ modalities: #{ x: #{ kind: "pixel", arch: "vgg" } }, classes: 2 })"#)
        .unwrap_err();
    assert!(
        e.contains("'vgg' is not one of: scene-net-s, alexnet"),
        "{e}"
    );
    let e =
        run(r#"nn::net(#{ modalities: #{ x: #{ kind: "text_vec" } }, classes: 2 })"#).unwrap_err();
    assert!(e.contains("'dim': required"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn losses_and_priors_from_a_script() {
    let v = run(r#"
        let ce = loss::cross_entropy(tensor::from([[0.0, 0.0]]), tensor::from([1]));
        let z = tensor::randn([4, 3]);
        let kl = loss::kl_transfer(z, z, #{ temperature: 2.0 });
        let x = tensor::randn([4, 8], #{ seed: 3 });
        let r = loss::ranking(x, x, #{ margin: 0.0 });
        let p = reg::gmm(#{ weights: tensor::from([1.0]), means: tensor::zeros([1, 2]), vars: tensor::ones([1, 2]) });
        let g = reg::fit_gmm(tensor::randn([300, 3], #{ seed: 2 }), #{ k: 2, iters: 10, seed: 1 });
        let q = reg::fit_gaussian(tensor::randn([100, 3], #{ seed: 2 }));
        [ce.item(), kl.item(), r.item(), p.nll(tensor::zeros([1, 2])).item(), g.loglik.len(), q.nll(tensor::zeros([2, 3])).shape[0]]
    "#)
    .unwrap();
    let a = v.into_array().unwrap();
    assert!((a[0].as_float().unwrap() - 2f64.ln()).abs() < 1e-6);
    assert!(a[1].as_float().unwrap().abs() < 1e-6);
    assert!(a[2].as_float().unwrap().abs() < 1e-6);
    assert!((a[3].as_float().unwrap() - (2.0 * std::f64::consts::PI).ln()).abs() < 1e-5);
    assert!(a[4].as_int().unwrap() >= 2);
    assert_eq!(a[5].as_int().unwrap(), 2);
    let e = run("reg::fit_gmm(tensor::randn([10, 2]), #{ kk: 2 })").unwrap_err();
    assert!(e.contains("unknown option 'kk'"), "{e}");
}

#[test]
fn every_rhai_example_of_nn_loss_and_reg_runs() {
    let engine = xmodal::script::engine(None);
    let mut ran = 0;
    for f in xmodal::script::docs::collect(&engine) {
        let ns = f.group.split(' ').next().unwrap_or("");
        if !["nn", "loss", "reg"].contains(&ns) {
            continue;
        }
        let mut rest = f.doc.as_str();
        while let Some(start) = rest.find("```rhai") {
            let body = &rest[start + 7..];
            let end = body.find("```").expect("unclosed example");
            let code = &body[..end];
            if let Err(e) = run(code) {
                panic!("example of {} failed: {e}\n{code}", f.name);
            }
            ran += 1;
            rest = &body[end + 3..];
        }
    }
    assert!(ran >= 9, "only {ran} examples found");
}

#[test]
fn a_pytorch_state_dict_is_imported_and_gives_pytorchs_logits() {
    // tests/fixtures/nn/torch_import/make_fixture.py wrote toy.pth and the logits PyTorch
    // computes from it on x.
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/nn/torch_import"
    );
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/expected.json")).unwrap())
            .unwrap();
    let src = format!(
        r#"
        let net = nn::net(#{{ modalities: #{{ f: #{{ kind: "features", dim: 6 }} }},
                              classes: 2, pool5: 4, fc6: 5, fc7: 3, seed: 1 }});
        let map = #{{ "0.weight": "enc.f.proj.weight", "0.bias": "enc.f.proj.bias",
                     "1.weight": "shared.fc6.weight", "1.bias": "shared.fc6.bias",
                     "3.weight": "shared.fc7.weight", "3.bias": "shared.fc7.bias",
                     "5.weight": "shared.fc8.weight", "5.bias": "shared.fc8.bias" }};
        let w = nn::import_torch("{dir}/toy.pth", map, #{{ key: "state_dict", prefix: "module." }});
        let loaded = net.load_weights(w);
        if loaded.len() != 8 {{ throw loaded; }}
        net.forward("f", tensor::from({x})).logits.to_array()
        "#,
        x = expected["x"]
    );
    let got = run(&src).unwrap().into_array().unwrap();
    let want = expected["logits"].as_array().unwrap();
    for (g, w) in got.iter().zip(want) {
        let g = g.clone().into_array().unwrap();
        for (a, b) in g.iter().zip(w.as_array().unwrap()) {
            let (a, b) = (a.as_float().unwrap(), b.as_f64().unwrap());
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }

    // Wrong names and shapes are named.
    let e = run(&format!(
        r#"nn::import_torch("{dir}/toy.pth", #{{ "9.weight": "x" }}, #{{ key: "state_dict", prefix: "module." }})"#
    ))
    .unwrap_err();
    assert!(
        e.contains("asks for '9.weight'") && e.contains("0.weight"),
        "{e}"
    );
    let e = run(&format!(
        r#"let net = nn::net(#{{ modalities: #{{ f: #{{ kind: "features", dim: 6 }} }}, classes: 2, pool5: 4, fc6: 7, fc7: 3 }});
           net.load_weights(nn::import_torch("{dir}/toy.pth", #{{ "1.weight": "shared.fc6.weight" }}, #{{ key: "state_dict", prefix: "module." }}), #{{ strict: false }})"#
    ))
    .unwrap_err();
    assert!(
        e.contains("shared.fc6.weight") && e.contains("[7, 4]") && e.contains("[5, 4]"),
        "{e}"
    );
    let e = run(&format!(
        r#"let net = nn::net(#{{ modalities: #{{ f: #{{ kind: "features", dim: 6 }} }}, classes: 2, pool5: 4, fc6: 5, fc7: 3 }});
           net.load_weights(nn::import_torch("{dir}/toy.pth", #{{ "1.weight": "shared.fc6.weight" }}, #{{ key: "state_dict", prefix: "module." }}))"#
    ))
    .unwrap_err();
    assert!(
        e.contains("strict load") && e.contains("7 parameter(s)"),
        "{e}"
    );
    let e = run(r#"nn::import_torch("/nonexistent/x.pth", #{})"#).unwrap_err();
    assert!(
        e.contains("/nonexistent/x.pth") && e.contains("no such file"),
        "{e}"
    );
}
