//! Every chart kind writes a valid PNG (decoded back: size, several colours) and SVG (the
//! expected labels in the text), from the Rust API and from scripts.

use std::collections::HashSet;
use std::path::PathBuf;
use xmodal::viz::plot::{self, bar::Bars, curves::Curves, heatmap::Heatmap, hist::Hist};
use xmodal::viz::plot::{line::Lines, scatter::Scatter, thumbs::Thumbs, Chart};

fn out(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("xmodal_plot_tests_{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d.join(name)
}

/// Decode the PNG, check its size and that it holds at least `colours` distinct colours.
fn check_png(path: &PathBuf, size: (u32, u32), colours: usize) {
    let img = image::open(path).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), size, "{}", path.display());
    let distinct: HashSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    assert!(
        distinct.len() >= colours,
        "{}: only {} colours",
        path.display(),
        distinct.len()
    );
}

fn check_svg(path: &PathBuf, labels: &[&str]) {
    let s = std::fs::read_to_string(path).unwrap();
    assert!(s.starts_with("<svg"), "{}", path.display());
    for l in labels {
        assert!(s.contains(l), "{} lacks '{l}'", path.display());
    }
}

/// PNG and SVG of `chart`, checked.
fn both<C: Chart>(chart: &C, name: &str, labels: &[&str], colours: usize) {
    let size = (800, 600);
    let png = out(&format!("{name}.png"));
    plot::save(chart, &png, size).unwrap();
    check_png(&png, size, colours);
    let svg = out(&format!("{name}.svg"));
    plot::save(chart, &svg, size).unwrap();
    check_svg(&svg, labels);
}

fn scatter() -> Scatter {
    let points = (0..60)
        .map(|i| ((i as f64).cos() * i as f64, (i as f64).sin() * i as f64))
        .collect();
    Scatter {
        points,
        colour: (0..60).map(|i| i % 3).collect(),
        colour_names: vec!["beach".into(), "forest".into(), "kitchen".into()],
        marker: (0..60).map(|i| i / 30).collect(),
        marker_names: vec!["natural".into(), "clipart".into()],
        title: "fc7 t-SNE".into(),
        x_label: "t-SNE 1".into(),
        y_label: "t-SNE 2".into(),
        size: 4,
    }
}

#[test]
fn scatter_writes_png_and_svg_with_legend() {
    both(
        &scatter(),
        "scatter",
        &["fc7 t-SNE", "beach", "kitchen", "clipart", "t-SNE 1"],
        5,
    );
}

#[test]
fn scatter_coloured_and_shaped_by_one_grouping_names_each_group_once() {
    // t-SNE coloured by modality: colour and marker groups are the same, so the legend lists
    // each modality once (it listed them twice, once per encoding).
    let mut chart = scatter();
    chart.colour = chart.marker.clone();
    chart.colour_names = chart.marker_names.clone();
    let svg = out("scatter_same_groups.svg");
    plot::save(&chart, &svg, (800, 600)).unwrap();
    // (plotters writes each text element's content on a line of its own.)
    let s = std::fs::read_to_string(&svg).unwrap();
    for name in ["natural", "clipart"] {
        let entries = s.lines().filter(|l| l.trim() == name).count();
        assert_eq!(entries, 1, "legend entries for {name}");
    }
    // Different groupings keep both legends.
    let svg = out("scatter_two_groupings.svg");
    plot::save(&scatter(), &svg, (800, 600)).unwrap();
    let s = std::fs::read_to_string(&svg).unwrap();
    for name in ["beach", "forest", "kitchen", "natural", "clipart"] {
        let entries = s.lines().filter(|l| l.trim() == name).count();
        assert_eq!(entries, 1, "legend entries for {name}");
    }
}

#[test]
fn line_writes_png_and_svg() {
    let chart = Lines {
        series: vec![
            (
                "train".into(),
                (0..20)
                    .map(|i| (i as f64, 1.0 / (1.0 + i as f64)))
                    .collect(),
            ),
            (
                "val".into(),
                (0..20)
                    .map(|i| (i as f64, 1.2 / (1.0 + i as f64)))
                    .collect(),
            ),
        ],
        title: "loss".into(),
        x_label: "epoch".into(),
        y_label: "loss".into(),
    };
    both(&chart, "line", &["train", "val", "epoch"], 4);
}

#[test]
fn grouped_bars_write_png_and_svg_with_values() {
    let chart = Bars {
        groups: vec!["pool5".into(), "fc7".into()],
        series: vec![("A".into(), vec![0.2, 0.3]), ("B".into(), vec![0.1, 0.25])],
        title: "mean mAP".into(),
        y_label: "mAP".into(),
        decimals: 2,
    };
    both(
        &chart,
        "bar",
        &["pool5", "fc7", "0.30", "0.25", "mean mAP"],
        4,
    );
}

#[test]
fn histogram_writes_png_and_svg() {
    let chart = Hist {
        values: (0..500)
            .map(|i| ((i * 7919) % 1000) as f64 / 100.0)
            .collect(),
        bins: 10,
        title: "activations".into(),
        x_label: "value".into(),
    };
    both(&chart, "hist", &["activations", "count"], 3);
}

#[test]
fn heatmap_writes_values_in_cells() {
    let chart = Heatmap {
        values: vec![
            vec![0.51, 0.12, 0.08],
            vec![0.2, 0.44, 0.1],
            vec![0.05, 0.09, 0.37],
        ],
        rows: vec!["nat".into(), "clip".into(), "spa".into()],
        cols: vec!["nat".into(), "clip".into(), "spa".into()],
        title: "mAP".into(),
        row_label: "query".into(),
        col_label: "target".into(),
        decimals: 2,
    };
    both(
        &chart,
        "heatmap",
        &["0.51", "0.44", "0.37", "clip", "query"],
        6,
    );
}

#[test]
fn curves_write_one_panel_per_metric() {
    let s = |k: f64| {
        (0..30)
            .map(|i| (i as f64 * 10.0, k / (1.0 + i as f64)))
            .collect::<Vec<_>>()
    };
    let chart = Curves {
        panels: vec![
            (
                "loss".into(),
                vec![("nat".into(), s(2.0)), ("clip".into(), s(2.5))],
            ),
            ("accuracy".into(), vec![("nat".into(), s(0.5))]),
        ],
        title: "training".into(),
    };
    both(
        &chart,
        "curves",
        &["loss", "accuracy", "nat", "clip", "step"],
        4,
    );
}

#[test]
fn thumbnails_draw_the_images() {
    let images = (0..12)
        .map(|i| {
            image::RgbImage::from_fn(8, 8, |x, y| {
                image::Rgb([(x * 30) as u8, (y * 30) as u8, (i * 20) as u8])
            })
        })
        .collect();
    let chart = Thumbs {
        points: (0..12).map(|i| (i as f64, (i * i) as f64)).collect(),
        images,
        // Every fourth point is a text: its word on a card instead of the image.
        words: (0..12)
            .map(|i| (i % 4 == 3).then(|| format!("word{i}")))
            .collect(),
        title: "thumbs".into(),
        thumb: 32,
    };
    both(&chart, "thumbs", &["thumbs", "word3", "word11"], 20);
}

#[test]
fn unknown_extension_is_an_error_naming_the_path() {
    let e = plot::save(&scatter(), out("x.jpg"), (400, 300))
        .unwrap_err()
        .to_string();
    assert!(e.contains("x.jpg") && e.contains(".png or .svg"), "{e}");
}

#[test]
fn subsample_is_seeded_and_bounded() {
    use xmodal::viz::plot::scatter::subsample;
    let a = subsample(1000, 100, 7);
    assert_eq!(a.len(), 100);
    assert_eq!(a, subsample(1000, 100, 7));
    assert_ne!(a, subsample(1000, 100, 8));
    assert_eq!(subsample(5, 100, 1), vec![0, 1, 2, 3, 4]);
}

#[test]
fn scripts_draw_every_chart_and_reject_unknown_options() {
    let dir = out("script");
    std::fs::create_dir_all(&dir).unwrap();
    let d = dir.display();
    let src = format!(
        r#"
        let p = tensor::randn([40, 2], #{{ seed: 1 }});
        let cats = [];
        let mods = [];
        for i in 0..40 {{ cats.push(i % 4); mods.push(if i < 20 {{ "natural" }} else {{ "clipart" }}); }}
        plot::tsne(p, cats, mods, #{{ path: "{d}/t.png", title: "emb", names: ["a", "b", "c", "d"] }});
        plot::tsne(p, cats, mods, #{{ path: "{d}/t.svg", color: "modality" }});
        plot::scatter(p, cats, #{{ path: "{d}/s.png" }});
        plot::scatter([1, 2, 3], [3, 1, 2], #{{ path: "{d}/s2.svg" }});
        plot::line(#{{ a: [1.0, 2.0, 1.5] }}, #{{ path: "{d}/l.png" }});
        plot::bar([0.2, 0.4], #{{ groups: ["x", "y"], path: "{d}/b.png" }});
        plot::hist(tensor::randn([200], #{{ seed: 2 }}), #{{ path: "{d}/h.png" }});
        plot::heatmap([[0.5, 0.1], [0.2, 0.4]], #{{ rows: ["r1", "r2"], cols: ["c1", "c2"], path: "{d}/m.svg" }});
        plot::curves(#{{ loss: #{{ nat: [2.0, 1.0] }} }}, #{{ path: "{d}/c.png" }});
        plot::thumbnails(p.narrow(0, 0, 6), tensor::rand([6, 3, 8, 8], #{{ seed: 3 }}), #{{ path: "{d}/th.png" }});
        "#
    );
    let mut s = xmodal::script::session::Session::new(None);
    let _ = s.eval(&src).unwrap();
    for f in [
        "t.png", "s.png", "l.png", "b.png", "h.png", "c.png", "th.png",
    ] {
        let img = image::open(dir.join(f)).unwrap();
        assert!(img.width() >= 800, "{f}");
    }
    check_svg(&dir.join("t.svg"), &["natural", "clipart"]);
    check_svg(&dir.join("m.svg"), &["0.50", "r2", "c1"]);
    let e = s
        .eval(&format!(
            r#"plot::hist([1, 2], #{{ path: "{d}/x.png", colour: "red" }})"#
        ))
        .unwrap_err();
    assert!(e.contains("unknown option 'colour'"), "{e}");
}

mod figures {
    //! The figure structs of the Rust API, from synthetic tiles.
    use super::*;
    use xmodal::viz::plot::inversions::{InversionRow, Inversions};
    use xmodal::viz::plot::retrievals::{Hit, RetrievalRow, Retrievals};
    use xmodal::viz::plot::tiles::Tile;
    use xmodal::viz::plot::units::{UnitGroup, UnitRow, UnitsChart};

    fn picture(seed: u32) -> image::RgbImage {
        image::RgbImage::from_fn(16, 16, |x, y| {
            image::Rgb([(x * 16) as u8, (y * 16) as u8, (seed * 40) as u8])
        })
    }

    #[test]
    fn retrieval_grid_marks_right_and_wrong_matches() {
        let hit = |s: u32, correct: bool| Hit {
            tile: Tile::Image(picture(s)),
            category: if correct {
                "beach".into()
            } else {
                "forest".into()
            },
            correct,
        };
        let chart = Retrievals {
            rows: vec![
                RetrievalRow {
                    modality: "nat".into(),
                    query: Tile::Image(picture(0)),
                    category: "beach".into(),
                    groups: vec![
                        ("clp".into(), vec![hit(1, true), hit(2, false)]),
                        (
                            "dsc".into(),
                            vec![
                                Hit {
                                    tile: Tile::Text("A long description of a sunny beach with the sea in the background and a red umbrella on the sand.".into()),
                                    category: "beach".into(),
                                    correct: true,
                                },
                                hit(3, false),
                            ],
                        ),
                    ],
                },
                RetrievalRow {
                    modality: "dsc".into(),
                    query: Tile::Text("a forest path".into()),
                    category: "forest".into(),
                    groups: vec![("nat".into(), vec![hit(4, false), hit(5, true)])],
                },
            ],
            title: "retrievals".into(),
            note: "frames".into(),
        };
        both(
            &chart,
            "retrievals",
            &[
                "retrievals",
                "natural images",
                "beach",
                "→ clip art",
                "forest",
            ],
            50,
        );
        assert!(chart.size_for(96).1 > chart.size_for(48).1);
    }

    #[test]
    fn units_grid_has_a_row_per_unit_and_words_for_text() {
        let cells = |n: u32| {
            (0..3)
                .map(|i| (Tile::Image(picture(i + n)), "beach".to_string(), i != 1))
                .collect::<Vec<_>>()
        };
        let chart = UnitsChart {
            headers: vec![
                "natural images".into(),
                "descriptions".into(),
                "sounds".into(),
            ],
            rows: (0..2)
                .map(|u| UnitRow {
                    title: format!("unit {u}"),
                    subtitle: "beach\nscore 0.67".into(),
                    groups: vec![
                        UnitGroup::Tiles(cells(u)),
                        UnitGroup::Words(
                            vec!["sand".into(), "umbrella".into()],
                            "2 of 3 in beach".into(),
                        ),
                        UnitGroup::Silent,
                    ],
                })
                .collect(),
            k: 3,
            title: "units".into(),
            note: "note".into(),
        };
        both(
            &chart,
            "units",
            &[
                "unit 0",
                "unit 1",
                "umbrella",
                "2 of 3 in beach",
                "(silent)",
                "descriptions",
            ],
            50,
        );
    }

    #[test]
    fn inversion_grid_pairs_inputs_with_reconstructions() {
        let chart = Inversions {
            rows: vec![
                InversionRow {
                    modality: "clp".into(),
                    inputs: vec![Tile::Image(picture(1)), Tile::Image(picture(2))],
                    outputs: vec![picture(3), picture(4)],
                    categories: vec!["beach".into(), "forest".into()],
                },
                InversionRow {
                    modality: "dsc".into(),
                    inputs: vec![Tile::Text("a beach".into()), Tile::Text("a forest".into())],
                    outputs: vec![picture(5), picture(6)],
                    categories: vec!["beach".into(), "forest".into()],
                },
            ],
            target: "nat".into(),
            title: "inversions".into(),
            note: String::new(),
        };
        both(
            &chart,
            "inversions",
            &[
                "inversions",
                "clip art",
                "input → natural images",
                "a forest",
            ],
            50,
        );
    }

    #[test]
    fn svg_embeds_bitmaps_as_png_images_not_pixels() {
        let chart = Thumbs {
            points: (0..12).map(|i| (i as f64, (i * i) as f64)).collect(),
            images: (0..12).map(picture).collect(),
            words: vec![],
            title: "thumbs".into(),
            thumb: 48,
        };
        let s = String::from_utf8(plot::render(&chart, plot::Format::Svg, (800, 600)).unwrap())
            .unwrap();
        assert_eq!(s.matches("<image").count(), 12);
        assert!(s.matches("<rect").count() < 50, "no rect per pixel");
        assert!(s.len() < 200_000, "{} bytes", s.len());
    }

    #[test]
    fn six_modalities_get_six_marker_shapes() {
        let names = ["nat", "clp", "ldr", "spt", "dsc", "snd"];
        let chart = Scatter {
            points: (0..60)
                .map(|i| ((i % 10) as f64, (i / 10) as f64))
                .collect(),
            colour: (0..60).map(|i| i % 3).collect(),
            colour_names: vec!["a".into(), "b".into(), "c".into()],
            marker: (0..60).map(|i| i / 10).collect(),
            marker_names: names.iter().map(|s| s.to_string()).collect(),
            title: "markers".into(),
            x_label: String::new(),
            y_label: String::new(),
            size: 5,
        };
        let svg = String::from_utf8(plot::render(&chart, plot::Format::Svg, (800, 600)).unwrap())
            .unwrap();
        for n in names {
            assert!(svg.contains(&format!(">\n{n}\n<")), "legend lacks {n}");
        }
        // Against the same points all drawn as nat (circles), with the same legend: 10 points
        // each become a triangle, diamond or down-triangle polygon (clp, spt, dsc), a square
        // (ldr) or a cross of two lines (snd).
        let all_nat = Scatter {
            marker: vec![0; 60],
            ..chart.clone()
        };
        let base =
            String::from_utf8(plot::render(&all_nat, plot::Format::Svg, (800, 600)).unwrap())
                .unwrap();
        let count = |svg: &str, tag: &str| svg.matches(tag).count() as i64;
        for (tag, more) in [
            ("<circle", -50),
            ("<polygon", 30),
            ("<rect", 10),
            ("<line", 20),
        ] {
            assert_eq!(count(&svg, tag) - count(&base, tag), more, "{tag}");
        }
    }
}

#[test]
fn plot_sizes_are_checked_and_reported_as_given() {
    let dir = out("sizes");
    let d = dir.display();
    let mut s = xmodal::script::session::Session::new(None);
    let e = s
        .eval(&format!(
            r#"plot::bar([1.0, 2.0], #{{ path: "{d}/a.png", size: [100000, 100000] }})"#
        ))
        .unwrap_err();
    assert!(
        e.contains("plot::bar") && e.contains("64 to 16384") && e.contains("got [100000, 100000]"),
        "{e}"
    );
    let e = s
        .eval(&format!(
            r#"plot::bar([1.0, 2.0], #{{ path: "{d}/a.png", size: [-5, 10] }})"#
        ))
        .unwrap_err();
    assert!(e.contains("got [-5, 10]"), "{e}");
    let h = Hist {
        values: vec![1.0, 2.0],
        bins: 4,
        title: "h".into(),
        x_label: "v".into(),
    };
    let e = plot::save(&h, out("big.png"), (20000, 100))
        .unwrap_err()
        .to_string();
    assert!(e.contains("20000×100"), "{e}");
}

#[test]
fn non_finite_values_are_errors_naming_the_first_one() {
    let dir = out("nonfinite");
    let d = dir.display();
    let mut s = xmodal::script::session::Session::new(None);
    let cases = [
        (
            format!(r#"plot::hist([1.0, 0.0/0.0], #{{ path: "{d}/h.png" }})"#),
            "plot::hist: invalid value for 'values': element 1 is NaN",
        ),
        (
            format!(r#"plot::bar([1.0/0.0, 1.0], #{{ path: "{d}/b.png" }})"#),
            "plot::bar: invalid value for 'values': element 0 is inf",
        ),
        (
            format!(
                r#"plot::scatter([1.0, 2.0, 0.0/0.0], [1.0, 2.0, 3.0], #{{ path: "{d}/s.png" }})"#
            ),
            "plot::scatter: invalid value for 'x': element 2 is NaN",
        ),
        (
            format!(
                r#"plot::tsne(tensor::from([[0.0, 1.0], [0.0/0.0, 2.0]]), [0, 1], ["nat", "nat"], #{{ path: "{d}/t.png" }})"#
            ),
            "plot::tsne: invalid value for 'points': row 1, column 0 is NaN",
        ),
        (
            format!(r#"plot::line(#{{ a: [1.0, -1.0/0.0] }}, #{{ path: "{d}/l.png" }})"#),
            "element 1 is -inf",
        ),
    ];
    for (src, want) in cases {
        let e = s.eval(&src).unwrap_err();
        assert!(e.contains(want), "{src}\n{e}");
    }
    assert!(!dir.join("h.png").exists());
}
