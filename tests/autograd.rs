//! Gradients from scripts against central finite differences in f64.

mod common;
use xmodal::script::session::Session;

/// A composite expression touching matmul, broadcasting, softmax, tanh, sigmoid, log, exp, pow,
/// sqrt, abs, division and reductions.
const F: &str = r#"
fn f(x, w) {
    let h = x.matmul(w).tanh() + x.sigmoid().sum(1, true);
    let p = h.softmax(1);
    let q = (p + 0.1).log() * (h / (1.0 + x.abs().sum(1, true)));
    q.sum() + (x.pow(2) + 1.0).sqrt().mean() + h.exp().mean(0).sum()
}
"#;

fn literal(v: &[f64], rows: usize, cols: usize) -> String {
    let rows: Vec<String> = (0..rows)
        .map(|r| {
            format!(
                "[{}]",
                (0..cols)
                    .map(|c| format!("{:.17e}", v[r * cols + c]))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    format!("tensor::from([{}], #{{ dtype: \"f64\" }})", rows.join(", "))
}

fn value(s: &mut Session, x: &[f64], w: &[f64]) -> f64 {
    s.eval(&format!(
        "f({}, {}).item()",
        literal(x, 2, 3),
        literal(w, 3, 4)
    ))
    .unwrap()
    .as_float()
    .unwrap()
}

#[test]
fn composite_gradient_matches_finite_differences() {
    // Entries kept away from 0, where abs() has a kink and finite differences disagree with any subgradient.
    let x: Vec<f64> = (0..6)
        .map(|i| ((i * 37 % 11) as f64 - 5.0) / 4.0 + 0.1)
        .collect();
    let w: Vec<f64> = (0..12)
        .map(|i| ((i * 53 % 13) as f64 - 6.0) / 7.0)
        .collect();
    let mut s = Session::new(None);
    let _ = s.eval(F).unwrap();
    let grads = s
        .eval(&format!(
            "let x = tensor::var({}); let w = tensor::var({}); let g = f(x, w).backward(); [g.get(x).to_array(), g.get(w).to_array()]",
            literal(&x, 2, 3),
            literal(&w, 3, 4)
        ))
        .unwrap();
    let arr = grads.into_array().unwrap();
    let (gx, _, _) = xmodal::script::convert::nested("t", &arr[0]).unwrap();
    let (gw, _, _) = xmodal::script::convert::nested("t", &arr[1]).unwrap();
    let eps = 1e-6;
    for i in 0..x.len() {
        let (mut p, mut m) = (x.clone(), x.clone());
        p[i] += eps;
        m[i] -= eps;
        let fd = (value(&mut s, &p, &w) - value(&mut s, &m, &w)) / (2.0 * eps);
        assert!(
            (fd - gx[i]).abs() < 1e-6 * (1.0 + fd.abs()),
            "d/dx[{i}]: autograd {} vs finite difference {fd}",
            gx[i]
        );
    }
    for i in 0..w.len() {
        let (mut p, mut m) = (w.clone(), w.clone());
        p[i] += eps;
        m[i] -= eps;
        let fd = (value(&mut s, &x, &p) - value(&mut s, &x, &m)) / (2.0 * eps);
        assert!(
            (fd - gw[i]).abs() < 1e-6 * (1.0 + fd.abs()),
            "d/dw[{i}]: autograd {} vs finite difference {fd}",
            gw[i]
        );
    }
}

#[test]
fn square_gradient_by_hand() {
    // d/dw sum(w²) = 2w
    let v = common::vals(
        "let w = tensor::var(tensor::from([1.5, -2.0])); (w * w).sum().backward().get(w)",
    );
    common::close(&v, &[3.0, -4.0], 1e-6);
}

#[test]
fn gradient_errors_say_what_to_do() {
    assert!(
        common::err("let w = tensor::var(tensor::ones([2])); (w * 2.0).backward()")
            .contains("the loss must have one element, got shape [2]")
    );
    assert!(common::err("let w = tensor::var(tensor::ones([2])); let v = tensor::var(tensor::ones([2])); w.sum().backward().get(v)").contains("no gradient for Tensor[f32; 2; cpu]"));
}
