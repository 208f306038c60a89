//! Draws one picture of every chart kind into `docs/img/gallery_*.png` (shown in
//! `docs/gallery.md`). Run: `cargo bench --bench gallery`. Data are synthetic and seeded: a
//! 3-modality, 8-category Gaussian mixture stands in for fc7 features (t-SNE, thumbnails), and
//! made-up but plausible numbers for the mAP table, the method × layer bars and the curves.

use candle_core::{Device, Tensor};
use rand_distr::{Distribution, Normal};
use xmodal::viz::plot::{self, bar::Bars, curves::Curves, heatmap::Heatmap, hist::Hist};
use xmodal::viz::plot::{line::Lines, scatter::Scatter, thumbs::Thumbs};
use xmodal::viz::tsne::{tsne, TsneConfig};

const CATS: [&str; 8] = [
    "beach", "bedroom", "forest", "kitchen", "highway", "library", "mountain", "stadium",
];
const MODS: [&str; 3] = ["natural", "clip art", "sketch"];

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/img");
    let save = |name: &str, c: &dyn Fn(&std::path::Path)| {
        let p = dir.join(format!("gallery_{name}.png"));
        c(&p);
        println!("wrote {}", p.display());
    };
    // Features: category centre + a modality shift + noise, 50-D.
    let (n_per, d) = (60, 50);
    let mut r = xmodal::tensor::create::rng(7);
    let g = Normal::new(0.0f32, 1.0).unwrap();
    let centres: Vec<f32> = (0..8 * d).map(|_| 3.0 * g.sample(&mut r)).collect();
    let shifts: Vec<f32> = (0..3 * d).map(|_| 1.2 * g.sample(&mut r)).collect();
    let (mut v, mut cat, mut modality) = (vec![], vec![], vec![]);
    for m in 0..3 {
        for c in 0..8 {
            for _ in 0..n_per {
                v.extend((0..d).map(|j| centres[c * d + j] + shifts[m * d + j] + g.sample(&mut r)));
                cat.push(c);
                modality.push(m);
            }
        }
    }
    let n = cat.len();
    let x = Tensor::from_vec(v, (n, d), &Device::Cpu).unwrap();
    let emb = tsne(&x, &TsneConfig::default(), None).unwrap();
    println!(
        "t-SNE of {n} points: KL {:.3} ({})",
        emb.kl,
        emb.method.name()
    );
    let y = emb.embedding.to_vec2::<f32>().unwrap();
    let pts: Vec<(f64, f64)> = y.iter().map(|p| (p[0] as f64, p[1] as f64)).collect();
    let names = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();

    let tsne_chart = Scatter {
        points: pts.clone(),
        colour: cat.clone(),
        colour_names: names(&CATS),
        marker: modality.clone(),
        marker_names: names(&MODS),
        title: "fc7 features, all modalities (t-SNE)".into(),
        x_label: "t-SNE 1".into(),
        y_label: "t-SNE 2".into(),
        size: 4,
    };
    save("tsne", &|p| {
        plot::save(&tsne_chart, p, (1200, 900)).unwrap()
    });

    let by_mod = Scatter {
        colour: modality.clone(),
        colour_names: names(&MODS),
        marker: vec![],
        marker_names: vec![],
        title: "coloured by modality".into(),
        ..tsne_chart.clone()
    };
    save("tsne_modality", &|p| {
        plot::save(&by_mod, p, (1200, 900)).unwrap()
    });

    // Thumbnails: a flat tile per point, hue = category, a stripe per modality.
    let images = (0..n)
        .step_by(4)
        .map(|i| {
            let base = plot::colour(cat[i]);
            image::RgbImage::from_fn(12, 12, |_, yy| {
                if (yy as usize) < 3 * (modality[i] + 1) && yy % 3 == 0 {
                    image::Rgb([255, 255, 255])
                } else {
                    image::Rgb([base.0, base.1, base.2])
                }
            })
        })
        .collect();
    let thumbs = Thumbs {
        points: pts.iter().step_by(4).copied().collect(),
        images,
        title: "thumbnails at embedded points".into(),
        thumb: 24,
    };
    save("thumbnails", &|p| {
        plot::save(&thumbs, p, (1200, 1000)).unwrap()
    });

    let heat = Heatmap {
        values: vec![
            vec![0.62, 0.21, 0.17, 0.09, 0.11],
            vec![0.19, 0.48, 0.12, 0.07, 0.08],
            vec![0.15, 0.11, 0.41, 0.06, 0.07],
            vec![0.08, 0.06, 0.05, 0.33, 0.05],
            vec![0.10, 0.07, 0.06, 0.05, 0.37],
        ],
        rows: names(&[
            "natural",
            "clip art",
            "sketch",
            "spatial text",
            "description",
        ]),
        cols: names(&[
            "natural",
            "clip art",
            "sketch",
            "spatial text",
            "description",
        ]),
        title: "retrieval mAP (query × target)".into(),
        row_label: "query".into(),
        col_label: "target".into(),
        decimals: 2,
    };
    save("heatmap", &|p| plot::save(&heat, p, (1100, 900)).unwrap());

    let bars = Bars {
        groups: names(&["pool5", "fc6", "fc7"]),
        series: vec![
            ("fine-tuning".into(), vec![0.05, 0.07, 0.08]),
            ("+ shared layers".into(), vec![0.06, 0.10, 0.13]),
            ("+ statistical prior".into(), vec![0.09, 0.16, 0.19]),
        ],
        title: "mean cross-modal mAP per method and layer".into(),
        y_label: "mAP".into(),
        decimals: 2,
    };
    save("bar", &|p| plot::save(&bars, p, (1200, 800)).unwrap());

    let lines = Lines {
        series: (1..=3)
            .map(|k| {
                (
                    format!("k = {k}"),
                    (0..50)
                        .map(|i| (i as f64, (i as f64 * 0.2 * k as f64).sin() / k as f64))
                        .collect(),
                )
            })
            .collect(),
        title: "several series".into(),
        x_label: "x".into(),
        y_label: "y".into(),
    };
    save("line", &|p| plot::save(&lines, p, (1200, 800)).unwrap());

    let acts: Vec<f64> = (0..3000)
        .map(|_| (g.sample(&mut r) as f64).max(0.0) + 0.3 * g.sample(&mut r).abs() as f64)
        .collect();
    let hist = Hist {
        values: acts,
        bins: 40,
        title: "fc7 activations".into(),
        x_label: "activation".into(),
    };
    save("hist", &|p| plot::save(&hist, p, (1200, 800)).unwrap());

    let curve = |a: f64, b: f64| {
        (0..60)
            .map(|i| (i as f64 * 100.0, a + b * (-(i as f64) / 12.0).exp()))
            .collect::<Vec<_>>()
    };
    let curves = Curves {
        panels: vec![
            (
                "loss".into(),
                vec![
                    ("natural".into(), curve(0.9, 4.4)),
                    ("clip art".into(), curve(1.2, 4.1)),
                    ("sketch".into(), curve(1.5, 3.9)),
                ],
            ),
            (
                "accuracy".into(),
                vec![
                    ("natural".into(), curve(0.62, -0.6)),
                    ("clip art".into(), curve(0.51, -0.5)),
                    ("sketch".into(), curve(0.43, -0.42)),
                ],
            ),
        ],
        title: "training per modality".into(),
    };
    save("curves", &|p| plot::save(&curves, p, (1500, 650)).unwrap());
}
