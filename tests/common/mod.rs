//! Helpers shared by the integration tests: evaluate Rhai in a fresh session, read values back.
#![allow(dead_code)]

use rhai::Dynamic;
use xmodal::script::session::Session;

/// Evaluate `src` in a fresh session; panics with the script error.
pub fn eval(src: &str) -> Dynamic {
    Session::new(None)
        .eval(src)
        .unwrap_or_else(|e| panic!("script failed: {e}\n{src}"))
}

/// The values of the tensor that `src` evaluates to, flattened, as f64.
pub fn vals(src: &str) -> Vec<f64> {
    let d = eval(&format!("let __t = {{ {src} }}; __t.to_array()"));
    let (v, _, _) = xmodal::script::convert::nested("test", &d).expect("numbers");
    v
}

/// The shape of the tensor that `src` evaluates to.
pub fn shape(src: &str) -> Vec<i64> {
    eval(&format!("({src}).shape()"))
        .into_typed_array::<i64>()
        .expect("shape")
}

/// The error text of a script that must fail.
pub fn err(src: &str) -> String {
    match Session::new(None).eval(src) {
        Ok(v) => panic!("expected an error from {src}, got {v:?}"),
        Err(e) => e,
    }
}

/// Assert two float slices agree within `tol`.
pub fn close(actual: &[f64], expected: &[f64], tol: f64) {
    assert_eq!(
        actual.len(),
        expected.len(),
        "lengths differ: {actual:?} vs {expected:?}"
    );
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            (a - e).abs() <= tol,
            "element {i}: {a} vs {e} (tol {tol}); all: {actual:?}"
        );
    }
}
