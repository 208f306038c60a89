//! t-SNE keeps well-separated clusters apart (measured purity and neighbour preservation), is
//! deterministic for a seed, honours Ctrl-C, and reports a KL consistent with its P.

use candle_core::{Device, Tensor};
use rand_distr::{Distribution, Normal};
use std::sync::Mutex;
use xmodal::viz::tsne::{knn, tsne, Method, TsneConfig};

/// Ctrl-C is process-wide: the test that presses it must not overlap the others.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// `k` clusters of `per` points in `d` dimensions, centres 10 apart on axes, unit noise.
fn clusters(k: usize, per: usize, d: usize, seed: u64) -> (Tensor, Vec<usize>) {
    let mut r = xmodal::tensor::create::rng(seed);
    let noise = Normal::new(0.0f32, 1.0).unwrap();
    let mut v = vec![];
    let mut labels = vec![];
    for c in 0..k {
        for _ in 0..per {
            for j in 0..d {
                let centre = if j == c { 10.0 } else { 0.0 };
                v.push(centre + noise.sample(&mut r));
            }
            labels.push(c);
        }
    }
    (
        Tensor::from_vec(v, (k * per, d), &Device::Cpu).unwrap(),
        labels,
    )
}

/// Fraction of points whose 10 nearest embedded neighbours share their label.
fn purity(y: &Tensor, labels: &[usize]) -> f64 {
    let (v, n, d) = knn::host_rows("test", y).unwrap();
    let nn = knn::knn(&v, n, d, 10).unwrap();
    let same: usize = (0..n)
        .map(|i| {
            nn.row(i)
                .iter()
                .filter(|&&j| labels[j as usize] == labels[i])
                .count()
        })
        .sum();
    same as f64 / (n * 10) as f64
}

fn run(method: Method, x: &Tensor, iters: usize) -> xmodal::viz::tsne::TsneResult {
    let cfg = TsneConfig {
        method,
        iters,
        perplexity: 20.0,
        ..TsneConfig::default()
    };
    tsne(x, &cfg, None).unwrap()
}

#[test]
fn separated_clusters_stay_separated_with_every_method() {
    let _g = serial();
    let (x, labels) = clusters(5, 80, 10, 1);
    for method in [Method::Exact, Method::BarnesHut, Method::Fft] {
        let r = run(method, &x, 500);
        assert_eq!(r.embedding.dims(), &[400, 2]);
        let p = purity(&r.embedding, &labels);
        // Measured 1.000 for all three; anything below 0.98 means the map mixes clusters.
        assert!(p > 0.98, "{method:?}: purity {p}");
        assert!(
            r.kl.is_finite() && r.kl > 0.0 && r.kl < 3.0,
            "{method:?}: KL {}",
            r.kl
        );
    }
}

#[test]
fn neighbours_are_preserved_better_than_chance() {
    let _g = serial();
    let (x, _) = clusters(4, 100, 8, 2);
    let r = run(Method::Auto, &x, 600);
    let (xv, n, d) = knn::host_rows("test", &x).unwrap();
    let (yv, _, dy) = knn::host_rows("test", &r.embedding).unwrap();
    let pres = knn::preservation(
        &knn::knn(&xv, n, d, 10).unwrap(),
        &knn::knn(&yv, n, dy, 10).unwrap(),
    );
    // Chance within a cluster of 100 is ~0.1; measured 0.33 here.
    assert!(pres > 0.25, "10-NN preservation {pres}");
}

#[test]
fn same_seed_gives_the_same_embedding() {
    let _g = serial();
    let (x, _) = clusters(3, 60, 6, 3);
    let cfg = TsneConfig {
        method: Method::BarnesHut,
        iters: 300,
        perplexity: 20.0,
        // deterministic by default
        ..TsneConfig::default()
    };
    let a = tsne(&x, &cfg, None)
        .unwrap()
        .embedding
        .to_vec2::<f32>()
        .unwrap();
    let b = tsne(&x, &cfg, None)
        .unwrap()
        .embedding
        .to_vec2::<f32>()
        .unwrap();
    assert_eq!(a, b);
}

#[test]
fn three_dimensional_maps_work_with_barnes_hut() {
    let _g = serial();
    let (x, labels) = clusters(3, 60, 6, 4);
    let cfg = TsneConfig {
        dims: 3,
        iters: 400,
        perplexity: 15.0,
        ..TsneConfig::default()
    };
    let r = tsne(&x, &cfg, None).unwrap();
    assert_eq!(r.embedding.dims(), &[180, 3]);
    assert_eq!(r.method, Method::Exact); // auto: N ≤ 500
    assert!(purity(&r.embedding, &labels) > 0.98);
    let e = tsne(
        &x,
        &TsneConfig {
            dims: 3,
            method: Method::Fft,
            ..cfg
        },
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("fft"), "{e}");
}

#[test]
fn progress_reports_a_falling_kl_and_ctrl_c_stops() {
    let _g = serial();
    let (x, _) = clusters(3, 60, 6, 5);
    let seen = std::sync::Mutex::new(vec![]);
    let cb = |it: usize, kl: f64| seen.lock().unwrap().push((it, kl));
    let cfg = TsneConfig {
        iters: 400,
        perplexity: 15.0,
        method: Method::BarnesHut,
        ..TsneConfig::default()
    };
    let r = tsne(&x, &cfg, Some(&cb)).unwrap();
    let seen = seen.into_inner().unwrap();
    assert_eq!(
        seen.iter().map(|s| s.0).collect::<Vec<_>>(),
        vec![50, 100, 150, 200, 250, 300, 350, 400]
    );
    assert_eq!(seen.last().unwrap().1, r.kl);
    assert!(seen[5].1 < seen[0].1, "KL did not fall: {seen:?}");

    xmodal::interrupt::request();
    let e = tsne(&x, &cfg, None);
    xmodal::interrupt::clear();
    assert!(
        matches!(e, Err(xmodal::Error::Interrupted)),
        "{:?}",
        e.err()
    );
}

#[test]
fn too_high_a_perplexity_is_an_error_with_the_fix() {
    let _g = serial();
    let (x, _) = clusters(2, 10, 3, 6);
    let e = tsne(&x, &TsneConfig::default(), None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("perplexity") && e.contains("20"), "{e}");
}
