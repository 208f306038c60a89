//! Objectives: hand-computed values, finite-difference gradients (f64), the GMM prior against a
//! float64 PyTorch reference (tests/fixtures/nn/gmm_reference.py), EM on planted components,
//! and prior checkpoints.

#![allow(clippy::needless_range_loop)] // index loops mirror the formulas

use candle_core::{DType, Device, Tensor, D};
use xmodal::nn::gradcheck::max_error;
use xmodal::objectives::{
    cross_entropy, info_nce, kl_transfer, ranking, GaussianOpts, GaussianPrior, Gmm, GmmOpts, Prior,
};
use xmodal::tensor::create::randn;

const TOL: f64 = 1e-6;

fn rnd(shape: &[usize], seed: u64) -> Tensor {
    randn(shape, seed, 0.0, 1.0, DType::F64, &Device::Cpu).unwrap()
}

fn scalar(t: &Tensor) -> f64 {
    t.to_dtype(DType::F64).unwrap().to_scalar::<f64>().unwrap()
}

fn rows(t: &Tensor) -> Vec<Vec<f64>> {
    t.to_dtype(DType::F64).unwrap().to_vec2::<f64>().unwrap()
}

#[test]
fn cross_entropy_value_and_gradient() {
    // logits [[0, ln 3]] label 1: p = 3/4, loss = ln(4/3).
    let z = Tensor::new(&[[0.0f64, 3f64.ln()]], &Device::Cpu).unwrap();
    let y = Tensor::new(&[1i64], &Device::Cpu).unwrap();
    assert!((scalar(&cross_entropy(&z, &y).unwrap()) - (4.0f64 / 3.0).ln()).abs() < 1e-12);
    let z = rnd(&[4, 5], 1);
    let y = Tensor::new(&[0u32, 4, 2, 2], &Device::Cpu).unwrap();
    let e = max_error(|z| Ok(cross_entropy(z, &y).unwrap()), &z, 1e-6, 100).unwrap();
    assert!(e < TOL, "{e}");
    let bad = cross_entropy(&z, &Tensor::new(&[0u32, 5, 1, 1], &Device::Cpu).unwrap());
    assert!(bad
        .unwrap_err()
        .to_string()
        .contains("label 5 is not a class index in 0..5"));
}

#[test]
fn kl_transfer_value_and_gradient() {
    let s = rnd(&[3, 4], 2);
    let t = rnd(&[3, 4], 3);
    assert!(scalar(&kl_transfer(&s, &s, 1.0).unwrap()).abs() < 1e-12);
    // Hand value at T = 2: Σ p_t (log p_t − log p_s) / n with explicit softmaxes.
    let (sv, tv) = (rows(&s), rows(&t));
    let lsm = |r: &Vec<f64>, temp: f64| {
        let m: Vec<f64> = r.iter().map(|v| v / temp).collect();
        let lse = m.iter().map(|v| v.exp()).sum::<f64>().ln();
        m.iter().map(|v| v - lse).collect::<Vec<_>>()
    };
    let want: f64 = (0..3)
        .map(|i| {
            let (lt, ls) = (lsm(&tv[i], 2.0), lsm(&sv[i], 2.0));
            (0..4).map(|c| lt[c].exp() * (lt[c] - ls[c])).sum::<f64>()
        })
        .sum::<f64>()
        / 3.0;
    assert!((scalar(&kl_transfer(&s, &t, 2.0).unwrap()) - want).abs() < 1e-12);
    let e = max_error(|s| Ok(kl_transfer(s, &t, 2.0).unwrap()), &s, 1e-6, 100).unwrap();
    assert!(e < TOL, "{e}");
}

fn cos_matrix(x: &[Vec<f64>], y: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let norm = |v: &Vec<f64>| v.iter().map(|a| a * a).sum::<f64>().sqrt();
    x.iter()
        .map(|a| {
            y.iter()
                .map(|b| a.iter().zip(b).map(|(p, q)| p * q).sum::<f64>() / (norm(a) * norm(b)))
                .collect()
        })
        .collect()
}

#[test]
fn ranking_loss_value_and_gradient() {
    let x = rnd(&[4, 3], 4);
    let y = rnd(&[4, 3], 5);
    let s = cos_matrix(&rows(&x), &rows(&y));
    let mut want = 0.0;
    for i in 0..4 {
        for j in 0..4 {
            if i != j {
                want += (0.3 - s[i][i] + s[i][j]).max(0.0) + (0.3 - s[i][i] + s[j][i]).max(0.0);
            }
        }
    }
    want /= 4.0;
    assert!((scalar(&ranking(&x, &y, 0.3).unwrap()) - want).abs() < 1e-12);
    let e = max_error(|x| Ok(ranking(x, &y, 0.3).unwrap()), &x, 1e-6, 100).unwrap();
    assert!(e < TOL, "{e}");
    let e = max_error(|y| Ok(ranking(&x, y, 0.3).unwrap()), &y, 1e-6, 100).unwrap();
    assert!(e < TOL, "{e}");
}

#[test]
fn info_nce_value_and_gradient() {
    let x = rnd(&[5, 3], 6);
    let y = rnd(&[5, 3], 7);
    let s = cos_matrix(&rows(&x), &rows(&y));
    let tau = 0.5;
    let ce = |m: &dyn Fn(usize, usize) -> f64| -> f64 {
        (0..5)
            .map(|i| {
                let lse = (0..5).map(|j| (m(i, j) / tau).exp()).sum::<f64>().ln();
                lse - m(i, i) / tau
            })
            .sum::<f64>()
            / 5.0
    };
    let want = 0.5 * (ce(&|i, j| s[i][j]) + ce(&|i, j| s[j][i]));
    assert!((scalar(&info_nce(&x, &y, tau).unwrap()) - want).abs() < 1e-12);
    let e = max_error(|x| Ok(info_nce(x, &y, tau).unwrap()), &x, 1e-6, 100).unwrap();
    assert!(e < TOL, "{e}");
}

/// Inverse by Gauss-Jordan (for the small reference only).
fn inverse(a: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = a.len();
    let mut m: Vec<Vec<f64>> = a
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut r = r.clone();
            r.extend((0..n).map(|j| if i == j { 1.0 } else { 0.0 }));
            r
        })
        .collect();
    for c in 0..n {
        let p = (c..n)
            .max_by(|&i, &j| m[i][c].abs().partial_cmp(&m[j][c].abs()).unwrap())
            .unwrap();
        m.swap(c, p);
        let d = m[c][c];
        m[c].iter_mut().for_each(|v| *v /= d);
        for r in 0..n {
            if r != c {
                let f = m[r][c];
                let rowc = m[c].clone();
                m[r].iter_mut().zip(rowc).for_each(|(v, w)| *v -= f * w);
            }
        }
    }
    m.into_iter().map(|r| r[n..].to_vec()).collect()
}

#[test]
fn gaussian_prior_matches_an_explicit_inverse_and_has_exact_gradients() {
    let x = (rnd(&[50, 4], 8).matmul(&rnd(&[4, 4], 9)).unwrap() + 1.0).unwrap();
    let g = GaussianPrior::fit(
        &x,
        &GaussianOpts {
            diagonal: false,
            ridge: 1e-3,
        },
    )
    .unwrap();
    let xv = rows(&x);
    let mu: Vec<f64> = (0..4)
        .map(|d| xv.iter().map(|r| r[d]).sum::<f64>() / 50.0)
        .collect();
    let mut cov = vec![vec![0.0; 4]; 4];
    for r in &xv {
        for i in 0..4 {
            for j in 0..4 {
                cov[i][j] += (r[i] - mu[i]) * (r[j] - mu[j]) / 50.0;
            }
        }
    }
    let tr = (0..4).map(|i| cov[i][i]).sum::<f64>() / 4.0;
    (0..4).for_each(|i| cov[i][i] += 1e-3 * tr);
    let inv = inverse(&cov);
    let h = rnd(&[3, 4], 10);
    let got = g.nll(&h).unwrap().to_vec1::<f64>().unwrap();
    for (r, hv) in rows(&h).iter().enumerate() {
        let c: Vec<f64> = (0..4).map(|d| hv[d] - mu[d]).collect();
        let want = 0.5
            * (0..4)
                .map(|i| (0..4).map(|j| c[i] * inv[i][j] * c[j]).sum::<f64>())
                .sum::<f64>();
        assert!(
            (got[r] - want).abs() < 1e-9 * want.max(1.0),
            "row {r}: {} vs {want}",
            got[r]
        );
    }
    let e = max_error(|h| g.nll(h).unwrap().sum_all(), &h, 1e-6, 100).unwrap();
    assert!(e < TOL, "{e}");
    let gd = GaussianPrior::fit(
        &x,
        &GaussianOpts {
            diagonal: true,
            ridge: 0.0,
        },
    )
    .unwrap();
    let got = gd.nll(&h).unwrap().to_vec1::<f64>().unwrap();
    let want: f64 = 0.5
        * (0..4)
            .map(|d| (rows(&h)[0][d] - mu[d]).powi(2) / cov_diag(&xv, &mu, d))
            .sum::<f64>();
    assert!((got[0] - want).abs() < 1e-9 * want, "{} vs {want}", got[0]);
}

fn cov_diag(x: &[Vec<f64>], mu: &[f64], d: usize) -> f64 {
    x.iter().map(|r| (r[d] - mu[d]).powi(2)).sum::<f64>() / x.len() as f64
}

#[test]
fn gmm_nll_and_gradient_match_the_torch_float64_reference() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/nn/gmm_reference.npz"
    );
    let m: std::collections::HashMap<String, Tensor> =
        Tensor::read_npz(path).unwrap().into_iter().collect();
    let f64_ = |k: &str| m[k].to_dtype(DType::F64).unwrap();
    let g = Gmm::new(&f64_("weights"), &f64_("means"), &f64_("vars")).unwrap();
    assert_eq!((g.k(), g.dim()), (100, 1024));
    let h = candle_core::Var::from_tensor(&f64_("h")).unwrap();
    let nll = g.nll(h.as_tensor()).unwrap();
    let grads = nll.sum_all().unwrap().backward().unwrap();
    let grad = grads.get(h.as_tensor()).unwrap();
    let rel = |a: &Tensor, b: &Tensor| {
        let d = (a - b)
            .unwrap()
            .abs()
            .unwrap()
            .flatten_all()
            .unwrap()
            .max(0)
            .unwrap();
        scalar(&d) / scalar(&b.abs().unwrap().flatten_all().unwrap().max(0).unwrap())
    };
    let e_nll = rel(&nll, &m["nll"]);
    let e_grad = rel(grad, &m["grad"]);
    assert!(e_nll < 1e-6, "nll relative error {e_nll}");
    assert!(e_grad < 1e-6, "gradient relative error {e_grad}");
    // Element-wise too: every row's NLL within 1e-6 relative.
    let (a, b) = (
        nll.to_vec1::<f64>().unwrap(),
        m["nll"].to_vec1::<f64>().unwrap(),
    );
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= 1e-6 * y.abs(), "{x} vs {y}");
    }
}

#[test]
fn gmm_nll_gradient_matches_finite_differences() {
    let means = rnd(&[3, 5], 11);
    let vars = (rnd(&[3, 5], 12).abs().unwrap() + 0.5).unwrap();
    let w = Tensor::new(&[0.2f64, 0.5, 0.3], &Device::Cpu).unwrap();
    let g = Gmm::new(&w, &means, &vars).unwrap();
    // Points between components so that the log-sum-exp mixes them.
    let h =
        ((means.narrow(0, 0, 2).unwrap() + means.narrow(0, 1, 2).unwrap()).unwrap() * 0.5).unwrap();
    let e = max_error(|h| g.nll(h).unwrap().sum_all(), &h, 1e-6, 100).unwrap();
    assert!(e < TOL, "{e}");
}

#[test]
fn em_recovers_planted_components_and_never_decreases_the_likelihood() {
    // Three well separated diagonal Gaussians in 8-d, 300 points each.
    let dev = Device::Cpu;
    let centres = [[-6.0f64; 8], [0.0; 8], [6.0; 8]];
    let sds = [0.5f64, 1.0, 0.7];
    let mut parts = vec![];
    for (c, (mu, sd)) in centres.iter().zip(sds).enumerate() {
        let noise = randn(&[300, 8], 100 + c as u64, 0.0, sd, DType::F64, &dev).unwrap();
        parts.push(
            noise
                .broadcast_add(&Tensor::new(mu, &dev).unwrap())
                .unwrap(),
        );
    }
    let x = Tensor::cat(&parts, 0).unwrap();
    let fit = Gmm::fit(
        &x,
        &GmmOpts {
            k: 3,
            iters: 100,
            tol: 1e-10,
            var_floor: 1e-6,
            seed: 1,
        },
    )
    .unwrap();
    for w in fit.loglik.windows(2) {
        assert!(
            w[1] >= w[0] - 1e-9,
            "log-likelihood decreased: {:?}",
            fit.loglik
        );
    }
    let means = rows(&fit.gmm.means);
    let vars = rows(&fit.gmm.vars);
    let weights = fit.gmm.weights.to_vec1::<f64>().unwrap();
    for (mu, sd) in centres.iter().zip(sds) {
        let k = (0..3)
            .min_by(|&a, &b| {
                (means[a][0] - mu[0])
                    .abs()
                    .partial_cmp(&(means[b][0] - mu[0]).abs())
                    .unwrap()
            })
            .unwrap();
        for d in 0..8 {
            assert!(
                (means[k][d] - mu[d]).abs() < 0.15,
                "mean {} vs {}",
                means[k][d],
                mu[d]
            );
            assert!(
                (vars[k][d].sqrt() - sd).abs() < 0.15,
                "sd {} vs {sd}",
                vars[k][d].sqrt()
            );
        }
        assert!((weights[k] - 1.0 / 3.0).abs() < 1e-6);
    }
    // Same seed, same fit.
    let again = Gmm::fit(
        &x,
        &GmmOpts {
            k: 3,
            iters: 100,
            tol: 1e-10,
            var_floor: 1e-6,
            seed: 1,
        },
    )
    .unwrap();
    assert_eq!(again.loglik, fit.loglik);
}

#[test]
fn em_log_likelihood_is_monotone_on_overlapping_data() {
    let x = rnd(&[400, 6], 20).exp().unwrap(); // skewed, no clean clusters: EM works hard
    let fit = Gmm::fit(
        &x,
        &GmmOpts {
            k: 5,
            iters: 40,
            tol: 0.0,
            var_floor: 1e-3,
            seed: 2,
        },
    )
    .unwrap();
    assert_eq!(fit.loglik.len(), 40);
    for w in fit.loglik.windows(2) {
        assert!(w[1] >= w[0] - 1e-9, "{:?}", fit.loglik);
    }
}

#[test]
fn priors_round_trip_through_safetensors() {
    let dir = std::env::temp_dir().join(format!("xmodal-prior-test-{}", std::process::id()));
    let x = rnd(&[60, 5], 30);
    let h = rnd(&[4, 5], 31);
    let g = Prior::Gaussian(GaussianPrior::fit(&x, &GaussianOpts::default()).unwrap());
    let m = Prior::Gmm(
        Gmm::fit(
            &x,
            &GmmOpts {
                k: 2,
                iters: 5,
                ..Default::default()
            },
        )
        .unwrap()
        .gmm,
    );
    for (name, p) in [("g", g), ("m", m)] {
        let path = dir.join(format!("{name}.safetensors"));
        p.save(&path).unwrap();
        let q = Prior::load(&path, &Device::Cpu).unwrap();
        assert_eq!(p.describe(), q.describe());
        assert_eq!(
            p.nll(&h).unwrap().to_vec1::<f64>().unwrap(),
            q.nll(&h).unwrap().to_vec1::<f64>().unwrap()
        );
    }
    std::fs::remove_dir_all(&dir).ok();
    let _ = D::Minus1;
}
