//! Every script tensor operation against hand-computed values.

mod common;
use common::{close, err, eval, shape, vals};

const A: &str = "tensor::from([[1.0, 2.0], [3.0, 4.0]])";

#[test]
fn creation() {
    close(&vals("tensor::zeros([2, 2])"), &[0.0; 4], 0.0);
    close(&vals("tensor::ones([3])"), &[1.0; 3], 0.0);
    close(&vals("tensor::full([2], 7.5)"), &[7.5, 7.5], 0.0);
    close(&vals("tensor::arange(2, 5)"), &[2.0, 3.0, 4.0], 0.0);
    close(
        &vals("tensor::arange(0, 1, 0.25)"),
        &[0.0, 0.25, 0.5, 0.75],
        0.0,
    );
    close(&vals("tensor::eye(2)"), &[1.0, 0.0, 0.0, 1.0], 0.0);
    assert_eq!(shape("tensor::randn([4, 5])"), vec![4, 5]);
    assert_eq!(
        eval("tensor::from([1, 2]).dtype()").into_string().unwrap(),
        "i64"
    );
    assert_eq!(eval(&format!("{A}.dtype()")).into_string().unwrap(), "f32");
    assert_eq!(
        eval("tensor::zeros([1], #{ dtype: \"f64\" }).dtype()")
            .into_string()
            .unwrap(),
        "f64"
    );
    assert_eq!(eval(&format!("{A}.device()")).into_string().unwrap(), "cpu");
}

#[test]
fn random_draws_are_seeded_and_in_range() {
    assert_eq!(
        vals("tensor::randn([50], #{ seed: 3 })"),
        vals("tensor::randn([50], #{ seed: 3 })")
    );
    assert_ne!(
        vals("tensor::randn([50], #{ seed: 3 })"),
        vals("tensor::randn([50], #{ seed: 4 })")
    );
    let u = vals("tensor::rand([500], #{ seed: 1, lo: -1.0, hi: 2.0 })");
    assert!(u.iter().all(|x| (-1.0..2.0).contains(x)));
    let n = vals("tensor::randn([20000], #{ seed: 5, mean: 3.0, std: 2.0 })");
    let mean = n.iter().sum::<f64>() / n.len() as f64;
    let sd = (n.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n.len() as f64).sqrt();
    assert!(
        (mean - 3.0).abs() < 0.05 && (sd - 2.0).abs() < 0.05,
        "{mean} {sd}"
    );
}

#[test]
fn conversion_and_item() {
    assert_eq!(
        eval(&format!("{A}.to_dtype(\"f64\").dtype()"))
            .into_string()
            .unwrap(),
        "f64"
    );
    assert_eq!(
        eval(&format!("{A}.to_dtype(\"bf16\").dtype()"))
            .into_string()
            .unwrap(),
        "bf16"
    );
    close(
        &vals(&format!("{A}.to_dtype(\"f16\").to_dtype(\"f32\")")),
        &[1.0, 2.0, 3.0, 4.0],
        0.0,
    );
    assert_eq!(
        eval(&format!("{A}.to(\"cpu\").device()"))
            .into_string()
            .unwrap(),
        "cpu"
    );
    assert_eq!(eval(&format!("{A}.sum().item()")).as_float().unwrap(), 10.0);
    assert_eq!(eval("tensor::from([7]).sum().item()").as_int().unwrap(), 7);
    assert_eq!(
        eval(&format!("{A}.to_array()")).to_string(),
        "[[1.0, 2.0], [3.0, 4.0]]"
    );
}

#[test]
fn shape_operations() {
    close(&vals(&format!("{A}.t()")), &[1.0, 3.0, 2.0, 4.0], 0.0);
    close(
        &vals(&format!("{A}.transpose(0, 1)")),
        &[1.0, 3.0, 2.0, 4.0],
        0.0,
    );
    close(
        &vals("tensor::arange(0, 6).reshape([2, 3]).permute([1, 0])"),
        &[0.0, 3.0, 1.0, 4.0, 2.0, 5.0],
        0.0,
    );
    assert_eq!(shape("tensor::arange(0, 6).reshape([2, -1])"), vec![2, 3]);
    assert_eq!(shape("tensor::zeros([2, 1, 3]).squeeze(1)"), vec![2, 3]);
    assert_eq!(shape("tensor::zeros([2, 3]).unsqueeze(-1)"), vec![2, 3, 1]);
    close(
        &vals("tensor::arange(0, 6).reshape([2, 3]).narrow(1, 1, 2)"),
        &[1.0, 2.0, 4.0, 5.0],
        0.0,
    );
    close(
        &vals("tensor::arange(0, 6).reshape([3, 2]).index_select([2, 0], 0)"),
        &[4.0, 5.0, 0.0, 1.0],
        0.0,
    );
    close(
        &vals("tensor::arange(0, 6).reshape([3, 2]).index_select(tensor::from([1]), 1)"),
        &[1.0, 3.0, 5.0],
        0.0,
    );
    close(
        &vals(&format!("tensor::cat([{A}, {A}], 0)")),
        &[1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0],
        0.0,
    );
    assert_eq!(shape(&format!("tensor::cat([{A}, {A}], 1)")), vec![2, 4]);
    assert_eq!(
        shape(&format!("tensor::stack([{A}, {A}], 0)")),
        vec![2, 2, 2]
    );
    close(&vals(&format!("{A}[1]")), &[3.0, 4.0], 0.0);
    close(&vals(&format!("{A}[-2]")), &[1.0, 2.0], 0.0);
}

#[test]
fn arithmetic_broadcasts() {
    close(&vals(&format!("{A} + {A}")), &[2.0, 4.0, 6.0, 8.0], 0.0);
    close(
        &vals(&format!("{A} - tensor::from([1.0, 1.0])")),
        &[0.0, 1.0, 2.0, 3.0],
        0.0,
    );
    close(
        &vals(&format!("{A} * tensor::from([[10.0], [100.0]])")),
        &[10.0, 20.0, 300.0, 400.0],
        0.0,
    );
    close(&vals(&format!("{A} / 2")), &[0.5, 1.0, 1.5, 2.0], 0.0);
    close(&vals(&format!("1 - {A}")), &[0.0, -1.0, -2.0, -3.0], 0.0);
    close(&vals(&format!("2.0 * {A}")), &[2.0, 4.0, 6.0, 8.0], 0.0);
    close(&vals(&format!("12.0 / {A}")), &[12.0, 6.0, 4.0, 3.0], 1e-6);
    close(&vals(&format!("-{A}")), &[-1.0, -2.0, -3.0, -4.0], 0.0);
    close(
        &vals(&format!("{A}.matmul({A}.t())")),
        &[5.0, 11.0, 11.0, 25.0],
        0.0,
    );
}

#[test]
fn elementwise_math() {
    let x = "tensor::from([-1.0, 0.0, 4.0], #{ dtype: \"f64\" })";
    close(&vals(&format!("{x}.pow(2)")), &[1.0, 0.0, 16.0], 1e-12);
    close(
        &vals(&format!("{x}.abs().pow(0.5)")),
        &[1.0, 0.0, 2.0],
        1e-12,
    );
    close(
        &vals(&format!("{x}.exp()")),
        &[(-1f64).exp(), 1.0, 4f64.exp()],
        1e-9,
    );
    close(
        &vals("tensor::from([1.0, 4.0], #{ dtype: \"f64\" }).log()"),
        &[0.0, 4f64.ln()],
        1e-12,
    );
    close(&vals("tensor::from([4.0, 9.0]).sqrt()"), &[2.0, 3.0], 1e-6);
    close(&vals(&format!("{x}.abs()")), &[1.0, 0.0, 4.0], 0.0);
    close(&vals(&format!("{x}.relu()")), &[0.0, 0.0, 4.0], 0.0);
    close(
        &vals(&format!("{x}.sigmoid()")),
        &[1.0 / (1.0 + 1f64.exp()), 0.5, 1.0 / (1.0 + (-4f64).exp())],
        1e-9,
    );
    close(
        &vals(&format!("{x}.tanh()")),
        &[(-1f64).tanh(), 0.0, 4f64.tanh()],
        1e-9,
    );
    close(
        &vals(&format!("{x}.clamp(-0.5, 1)")),
        &[-0.5, 0.0, 1.0],
        0.0,
    );
    // softmax([0, ln 3]) = [1/4, 3/4]
    close(
        &vals("tensor::from([[0.0, 1.0986122886681098]], #{ dtype: \"f64\" }).softmax(1)"),
        &[0.25, 0.75],
        1e-12,
    );
    close(
        &vals("tensor::from([[0.0, 1.0986122886681098]], #{ dtype: \"f64\" }).log_softmax(-1)"),
        &[0.25f64.ln(), 0.75f64.ln()],
        1e-12,
    );
    close(
        &vals("tensor::from([[3.0, 4.0], [0.0, 0.0]]).l2_normalize(1)"),
        &[0.6, 0.8, 0.0, 0.0],
        1e-7,
    );
}

#[test]
fn reductions() {
    assert_eq!(vals(&format!("{A}.sum()")), vec![10.0]);
    close(&vals(&format!("{A}.sum(0)")), &[4.0, 6.0], 0.0);
    close(&vals(&format!("{A}.sum(-1)")), &[3.0, 7.0], 0.0);
    assert_eq!(shape(&format!("{A}.sum(1, true)")), vec![2, 1]);
    close(&vals(&format!("{A}.mean()")), &[2.5], 0.0);
    close(&vals(&format!("{A}.mean(1)")), &[1.5, 3.5], 0.0);
    close(&vals(&format!("{A}.max(0)")), &[3.0, 4.0], 0.0);
    close(&vals(&format!("{A}.min(1)")), &[1.0, 3.0], 0.0);
    close(&vals(&format!("{A}.max()")), &[4.0], 0.0);
    close(
        &vals("tensor::from([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]]).argmax(1)"),
        &[1.0, 0.0],
        0.0,
    );
    close(
        &vals("tensor::from([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]]).argmin(1)"),
        &[0.0, 1.0],
        0.0,
    );
    assert_eq!(
        eval("tensor::from([[1.0, 5.0]]).argmax(1).dtype()")
            .into_string()
            .unwrap(),
        "i64"
    );
}

#[test]
fn comparisons_return_zero_one_tensors() {
    let x = "tensor::from([1.0, 2.0, 3.0])";
    close(&vals(&format!("{x}.eq(2)")), &[0.0, 1.0, 0.0], 0.0);
    close(&vals(&format!("{x}.ne(2)")), &[1.0, 0.0, 1.0], 0.0);
    close(&vals(&format!("{x}.gt(2)")), &[0.0, 0.0, 1.0], 0.0);
    close(&vals(&format!("{x}.ge(2)")), &[0.0, 1.0, 1.0], 0.0);
    close(
        &vals(&format!("{x}.lt(tensor::from([2.0, 2.0, 2.0]))")),
        &[1.0, 0.0, 0.0],
        0.0,
    );
    close(&vals(&format!("{x}.le(2.0)")), &[1.0, 1.0, 0.0], 0.0);
    assert_eq!(
        eval(&format!("{x}.gt(2).dtype()")).into_string().unwrap(),
        "f32"
    );
}

#[test]
fn describe_and_stats_match_numpy() {
    // numpy: x = [1, 2, 3, 4, 10]; np.quantile(x, [.05,.25,.5,.75,.95]) = [1.2, 2, 3, 4, 8.8];
    // x.std(ddof=1) = 3.5355339059327378
    let d = eval("tensor::from([1.0, 2.0, 3.0, 4.0, 10.0]).describe()").cast::<rhai::Map>();
    let g = |k: &str| d[k].as_float().unwrap();
    close(
        &[
            g("mean"),
            g("std"),
            g("min"),
            g("q05"),
            g("q25"),
            g("q50"),
            g("q75"),
            g("q95"),
            g("max"),
        ],
        &[4.0, 3.5355339059327378, 1.0, 1.2, 2.0, 3.0, 4.0, 8.8, 10.0],
        1e-6,
    );
    assert_eq!(d["count"].as_int().unwrap(), 5);
    assert_eq!(
        eval("stats::quantile([1, 2, 3, 4], 0.5)")
            .as_float()
            .unwrap(),
        2.5
    );
    let h = eval("stats::histogram([0, 1, 1, 2, 3], 3)").cast::<rhai::Map>();
    assert_eq!(h["counts"].to_string(), "[1, 2, 2]");
    // numpy: np.corrcoef([1,2,3],[2,4,6.5])[0,1] = 0.997... ; computed by hand: 4.5 / sqrt(2 * 10.1666...)
    let r = eval("stats::correlation([1, 2, 3], [2, 4, 6.5])")
        .as_float()
        .unwrap();
    assert!(
        (r - 4.5 / (2.0f64 * 10.166666666666666).sqrt()).abs() < 1e-12,
        "{r}"
    );
    let m = eval("stats::mean_std([0.5, 0.52, 0.54])").cast::<rhai::Map>();
    assert_eq!(m["text"].clone().into_string().unwrap(), "0.520 ± 0.020");
}

#[test]
fn save_and_load_every_format() {
    let dir = std::env::temp_dir().join(format!("xmodal-tensor-io-{}", std::process::id()));
    let d = dir.display();
    for ext in ["safetensors", "npz"] {
        let got = vals(&format!(
            "tensor::save(\"{d}/m.{ext}\", #{{ a: {A} }}); tensor::load(\"{d}/m.{ext}\").a"
        ));
        close(&got, &[1.0, 2.0, 3.0, 4.0], 0.0);
    }
    let got = vals(&format!(
        "tensor::save(\"{d}/x.npy\", {A}); tensor::load(\"{d}/x.npy\")"
    ));
    close(&got, &[1.0, 2.0, 3.0, 4.0], 0.0);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn printing_is_numpy_like() {
    let s = xmodal::script::session::Session::new(None);
    let v = eval(A);
    assert_eq!(s.show(&v), "Tensor[f32; 2×2; cpu]\n[[1., 2.],\n [3., 4.]]");
    let long = s.show(&eval("tensor::arange(0, 2000).reshape([1000, 2])"));
    assert!(long.contains("...") && long.lines().count() < 12, "{long}");
    assert_eq!(s.show(&eval(&format!("[{A}]"))), "[Tensor[f32; 2×2; cpu]]");
}

#[test]
fn errors_name_the_operation_and_values() {
    assert_eq!(
        err(&format!(
            "let a = {A};\nlet b = tensor::zeros([3, 3]);\na + b"
        )),
        "operator +: shape mismatch: [2, 2] vs [3, 3] (line 3, position 3)"
    );
    assert!(err(&format!("{A}.matmul(tensor::zeros([3, 1]))"))
        .starts_with("matmul: shape mismatch: [2, 2] vs [3, 1]"));
    assert!(err("tensor::randn([2], #{ sed: 1 })").contains("tensor::randn: unknown option 'sed'; valid options are: dtype, device, seed, mean, std (line 1, position 9)"));
    assert!(err(&format!("{A}.narrow(0, 1, 5)")).contains(
        "narrow: invalid value for 'start/len': [1, 6) is outside dimension 0 of size 2"
    ));
    assert!(err(&format!("{A}.index_select([0, 9], 0)"))
        .contains("index 9 is out of range for dimension 0 of size 2"));
    assert!(err(&format!("{A}.sum(2)"))
        .contains("dimension 2 is out of range for a tensor of shape [2, 2]"));
    assert!(err(&format!("{A}.to_dtype(\"f128\")")).contains("unknown dtype 'f128'"));
    assert!(err("tensor::load(\"/no/such/file.safetensors\")")
        .contains("tensor::load '/no/such/file.safetensors': no such file"));
    assert!(
        err("tensor::zeros([2]).to(\"cuda:0\")").contains("built without CUDA")
            || cfg!(feature = "cuda")
    );
    assert!(err("tensor::from([[1.0], [2.0, 3.0]])").contains("ragged array"));
    assert!(err(&format!("{A}.item()"))
        .contains("item: needs a tensor with one element, this one has shape [2, 2]"));
    assert!(err("let w = tensor::zeros([1]); w.set(tensor::ones([1]))")
        .contains("only trainable tensors"));
}

#[test]
fn huge_or_overflowing_shapes_are_errors_not_aborts() {
    let e = err("tensor::zeros([1000000, 1000000])");
    assert!(
        e.contains("tensor::zeros") && e.contains("[1000000, 1000000] f32 needs 3.6 TiB"),
        "{e}"
    );
    let e = err("tensor::randn([1000000, 1000000])");
    assert!(e.contains("tensor::randn") && e.contains("TiB"), "{e}");
    let e = err("tensor::ones([1000000, 1000000], #{ dtype: \"f64\" })");
    assert!(
        e.contains("tensor::ones") && e.contains("f64 needs 7.3 TiB"),
        "{e}"
    );
    let e = err("tensor::full([1000000, 1000000], 2.0)");
    assert!(e.contains("tensor::full"), "{e}");
    let e = err("tensor::rand([1000000, 1000000])");
    assert!(e.contains("tensor::rand"), "{e}");
    let e = err("tensor::arange(0, 1e12)");
    assert!(e.contains("tensor::arange") && e.contains("needs"), "{e}");
    let e = err("tensor::arange(0, 1.0/0.0)");
    assert!(e.contains("tensor::arange") && e.contains("finite"), "{e}");
    let e = err("tensor::eye(10000000)");
    assert!(e.contains("tensor::eye") && e.contains("needs"), "{e}");
    let e = err("tensor::zeros([4611686018427387904, 4])");
    assert!(
        e.contains("tensor::zeros") && e.contains("more elements than a machine can address"),
        "{e}"
    );
    let e = err("tensor::zeros([0]).reshape([4611686018427387904, 4])");
    assert!(e.contains("reshape") && e.contains("address"), "{e}");
    // The session goes on, and ordinary sizes still work.
    let mut s = xmodal::script::session::Session::new(None);
    assert!(s
        .eval("let keep = 5; tensor::zeros([1000000, 1000000])")
        .is_err());
    assert_eq!(s.eval("keep").unwrap().as_int().unwrap(), 5);
    assert_eq!(shape("tensor::zeros([0, 4])"), vec![0, 4]);
    close(&vals("tensor::full([2], -3.5)"), &[-3.5, -3.5], 0.0);
    close(
        &vals("tensor::full([2], 7.0, #{ dtype: \"i64\" })"),
        &[7.0, 7.0],
        0.0,
    );
}

#[test]
fn creation_errors_name_the_called_function() {
    let e = err("tensor::zeros([-2])");
    assert!(
        e.contains("tensor::zeros: invalid value for 'shape'"),
        "{e}"
    );
    let e = err("tensor::ones([2, -1])");
    assert!(e.contains("tensor::ones:"), "{e}");
}

#[test]
fn max_min_argmax_argmin_propagate_nan_as_numpy() {
    let x = "tensor::from([1.0, 0.0/0.0, 3.0])";
    assert!(vals(&format!("{x}.max()"))[0].is_nan());
    assert!(vals(&format!("{x}.min()"))[0].is_nan());
    assert_eq!(vals(&format!("{x}.argmax(0)")), vec![1.0]);
    assert_eq!(vals(&format!("{x}.argmin(0)")), vec![1.0]);
    let m = "tensor::from([[1.0, 0.0/0.0, 0.0/0.0], [3.0, 2.0, 5.0]])";
    assert_eq!(vals(&format!("{m}.argmax(1)")), vec![1.0, 2.0]);
    assert_eq!(vals(&format!("{m}.argmin(-1)")), vec![1.0, 1.0]);
    let mx = vals(&format!("{m}.max(0)"));
    assert_eq!(mx[0], 3.0);
    assert!(mx[1].is_nan() && mx[2].is_nan());
    assert_eq!(vals(&format!("{m}.min(1)"))[1], 2.0);
    assert_eq!(
        eval(&format!("{m}.argmax(1).dtype()"))
            .into_string()
            .unwrap(),
        "i64"
    );
    // Without NaN nothing changes; relu(NaN) is 0 as documented.
    assert_eq!(vals("tensor::from([1.0, 5.0, 5.0]).argmax(0)"), vec![1.0]);
    assert_eq!(vals("tensor::from([2.0, -1.0]).min()"), vec![-1.0]);
    assert_eq!(vals(&format!("{x}.relu()")), vec![1.0, 0.0, 3.0]);
}

#[test]
fn integer_division_is_true_division_and_indices_must_be_whole() {
    close(&vals("tensor::from([7, 8]) / 2"), &[3.5, 4.0], 0.0);
    assert_eq!(
        eval("(tensor::from([7, 8]) / 2).dtype()")
            .into_string()
            .unwrap(),
        "f32"
    );
    close(
        &vals("tensor::from([7, 8]) / tensor::from([2, 4])"),
        &[3.5, 2.0],
        0.0,
    );
    close(&vals("3 / tensor::from([2])"), &[1.5], 0.0);
    let z = vals("tensor::from([1, 0, -1]) / 0");
    assert!(
        z[0] == f64::INFINITY && z[1].is_nan() && z[2] == f64::NEG_INFINITY,
        "{z:?}"
    );
    // The other integer operators stay integer.
    assert_eq!(
        eval("(tensor::from([7, 8]) * 2).dtype()")
            .into_string()
            .unwrap(),
        "i64"
    );
    let e = err("tensor::from([[1.0, 2.0], [3.0, 4.0]]).index_select([1.5], 1)");
    assert!(
        e.contains("index_select") && e.contains("1.5 is not a whole number"),
        "{e}"
    );
    close(
        &vals("tensor::from([[1.0, 2.0], [3.0, 4.0]]).index_select([1.0], 1)"),
        &[2.0, 4.0],
        0.0,
    );
}

#[test]
fn assert_close_compares_shapes_first() {
    let e = err("assert_close(tensor::ones([2, 3]), tensor::ones([3, 2]), 1e-3)");
    assert!(
        e.contains("assert_close: shape mismatch: [2, 3] vs [3, 2]"),
        "{e}"
    );
    let e = err("assert_close(tensor::ones([2, 3]), [1.0, 1.0, 1.0, 1.0, 1.0, 1.0], 1e-3)");
    assert!(e.contains("shape mismatch"), "{e}");
    let _ = eval("assert_close(tensor::ones([2, 2]), [[1.0, 1.0], [1.0, 1.0]], 1e-6)");
    let _ = eval("assert_close(tensor::from([1.0, 2.0]).sum(), 3.0, 1e-6)");
}
