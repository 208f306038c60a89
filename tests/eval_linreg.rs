//! The ridge-regression baseline (`eval::linreg`): hand-checked fits through both solution
//! paths (primal when N > D, dual when N ≤ D), exact recovery of a planted linear map, and bad
//! input.

use candle_core::{DType, Device, Tensor};
use xmodal::eval::LinReg;

fn t(rows: &[&[f64]]) -> Tensor {
    let (n, d) = (rows.len(), rows[0].len());
    Tensor::from_vec(rows.concat(), (n, d), &Device::Cpu).unwrap()
}

fn values(x: &Tensor) -> Vec<f64> {
    x.to_dtype(DType::F64)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap()
}

#[test]
fn one_feature_by_hand_primal_path() {
    // x = 1, 2, 3; y = 2, 4, 6.5. Centred x = −1, 0, 1 (Σx² = 2, mean squared norm 2/3);
    // Σ x·y_c = 4.5. l2 = 0.75 → λ = 0.5, slope = 4.5 / (2 + 0.5) = 1.8, intercept through the
    // means (2, 25/6).
    let r = LinReg::fit(
        &t(&[&[1.0], &[2.0], &[3.0]]),
        &t(&[&[2.0], &[4.0], &[6.5]]),
        0.75,
    )
    .unwrap();
    assert!((r.lambda - 0.5).abs() < 1e-12);
    assert!((values(&r.w)[0] - 1.8).abs() < 1e-12);
    let p = values(&r.predict(&t(&[&[4.0], &[2.0]])).unwrap());
    assert!((p[0] - (2.0 * 1.8 + 25.0 / 6.0)).abs() < 1e-12, "{p:?}");
    assert!((p[1] - 25.0 / 6.0).abs() < 1e-12, "{p:?}");
}

#[test]
fn more_features_than_rows_by_hand_dual_path() {
    // x = e1, e2 in 3-d; y = 1, 3. Centred x = ±(0.5, −0.5, 0) (mean squared norm 0.5), y_c = ∓1.
    // l2 = 1 → λ = 0.5; (X_c X_cᵀ + λI) = [[1, −.5], [−.5, 1]], α = [−2/3, 2/3],
    // W = X_cᵀ α = (−2/3, 2/3, 0).
    let r = LinReg::fit(
        &t(&[&[1.0, 0.0, 0.0], &[0.0, 1.0, 0.0]]),
        &t(&[&[1.0], &[3.0]]),
        1.0,
    )
    .unwrap();
    let w = values(&r.w);
    for (got, want) in w.iter().zip([-2.0 / 3.0, 2.0 / 3.0, 0.0]) {
        assert!((got - want).abs() < 1e-12, "{w:?}");
    }
    // (1, 0, 0) − means (0.5, 0.5, 0) = (0.5, −0.5, 0) → −2/3 + 2 = 4/3.
    let p = values(&r.predict(&t(&[&[1.0, 0.0, 0.0]])).unwrap());
    assert!((p[0] - 4.0 / 3.0).abs() < 1e-12, "{p:?}");
}

#[test]
fn recovers_a_planted_linear_map_without_penalty() {
    // y = x·A + c on 40 rows of 5 features, 3 outputs: l2 = 0 fits it exactly.
    let (n, d, k) = (40, 5, 3);
    let x: Vec<f64> = (0..n * d)
        .map(|v| ((v * 37 % 17) as f64) / 4.0 - 2.0)
        .collect();
    let a: Vec<f64> = (0..d * k).map(|v| v as f64 * 0.25 - 1.5).collect();
    let c = [0.5, -1.0, 2.0];
    let y: Vec<f64> = (0..n)
        .flat_map(|i| {
            let (x, a) = (&x, &a);
            (0..k).map(move |j| c[j] + (0..d).map(|p| x[i * d + p] * a[p * k + j]).sum::<f64>())
        })
        .collect();
    let xt = Tensor::from_vec(x, (n, d), &Device::Cpu).unwrap();
    let yt = Tensor::from_vec(y.clone(), (n, k), &Device::Cpu).unwrap();
    let r = LinReg::fit(&xt, &yt, 0.0).unwrap();
    for (got, want) in values(&r.w).iter().zip(&a) {
        assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    }
    // f32 inputs: predictions come back in f32, close to the truth.
    let p = r.predict(&xt.to_dtype(DType::F32).unwrap()).unwrap();
    assert_eq!(p.dtype(), DType::F32);
    for (got, want) in values(&p).iter().zip(&y) {
        assert!((got - want).abs() < 1e-4);
    }
}

#[test]
fn bad_input_is_named() {
    let x = t(&[&[1.0], &[2.0], &[3.0]]);
    let err = LinReg::fit(&x, &t(&[&[1.0], &[2.0]]), 0.1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("N×D_in and N×D_out"), "{err}");
    let err = LinReg::fit(&x, &x, -1.0).unwrap_err().to_string();
    assert!(err.contains("l2"), "{err}");
    // Two rows of two features, no penalty: the centred dual system (rank 1) is singular.
    let err = LinReg::fit(&t(&[&[1.0, 0.0], &[0.0, 1.0]]), &t(&[&[1.0], &[2.0]]), 0.0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("larger l2"), "{err}");
    let r = LinReg::fit(&x, &x, 0.1).unwrap();
    let err = r.predict(&t(&[&[1.0, 2.0]])).unwrap_err().to_string();
    assert!(err.contains("M×1"), "{err}");
}
