//! The figures of inputs from scripts on SynthPlaces (all six modalities): `plot::units`,
//! `plot::retrievals`, `plot::inversions`, `plot::map_heatmap` and `plot::compare` each write a
//! valid PNG (decoded: size, many colours) and a compact SVG (thumbnails as embedded PNGs, the
//! expected labels).

use std::collections::HashSet;
use std::path::{Path, PathBuf};

mod common;

fn dir() -> PathBuf {
    let d = std::env::temp_dir().join(format!("xmodal_viz_figures_{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn check_png(path: &Path, min: (u32, u32), colours: usize) -> (u32, u32) {
    let img = image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8();
    let (w, h) = img.dimensions();
    assert!(w >= min.0 && h >= min.1, "{}: {w}×{h}", path.display());
    let distinct: HashSet<[u8; 3]> = img.pixels().map(|p| p.0).collect();
    assert!(
        distinct.len() >= colours,
        "{}: only {} colours",
        path.display(),
        distinct.len()
    );
    (w, h)
}

fn check_svg(path: &Path, labels: &[&str], images: bool) {
    let s = std::fs::read_to_string(path).unwrap();
    assert!(s.starts_with("<svg"), "{}", path.display());
    for l in labels {
        assert!(s.contains(l), "{} lacks '{l}'", path.display());
    }
    assert!(!s.contains('\u{E000}'), "a bitmap placeholder was left");
    if images {
        assert!(s.contains("<image") && s.contains("data:image/png;base64,"));
        assert!(s.len() < 4 << 20, "{}: {} bytes", path.display(), s.len());
    }
}

#[test]
fn every_figure_of_inputs_writes_png_and_svg() {
    let d = dir();
    let p = d.display();
    let _ = common::eval(&format!(
        r#"
        let data = data::synthplaces(#{{ categories: 3, per_category: 4, seed: 1 }});
        let net = nn::cross_modal(data, #{{ fc6: 32, fc7: 32, text_hidden: 32, seed: 1 }});
        let u = viz::top_units(net, data, #{{ units: 3, k: 3, seed: 1 }});
        plot::units(u, "{p}/units.png");
        plot::units(u, #{{ title: "three units", tile: 40 }}, "{p}/units.svg");
        plot::retrievals(net, data, #{{ k: 2, seed: 2 }}, "{p}/retrievals.png");
        plot::retrievals(net, data, #{{ k: 2, seed: 2, layer: "pool5", tile: 48 }}, "{p}/retrievals.svg");
        let inv = viz::train_inverter(net, data, #{{ size: 16, steps: 3, batch: 4, width: 16, quiet: true }});
        plot::inversions(net, inv, data, #{{ per_modality: 3 }}, "{p}/inversions.png");
        plot::inversions(net, inv, data, #{{ per_modality: 2, tile: 48 }}, "{p}/inversions.svg");
        let t = eval::retrieval(net.features(data, "fc7"), #{{ queries: "all" }});
        let t5 = eval::retrieval(net.features(data, "pool5"), #{{ queries: "all" }});
        plot::map_heatmap(t, "{p}/map.png");
        plot::map_heatmap(t, #{{ path: "{p}/map.svg", percent: false }});
        plot::compare([["random net", #{{ pool5: t5, fc7: t }}], ["same again", #{{ fc7: t, pool5: t5 }}]], "{p}/compare.png");
        plot::compare(eval::compare(#{{ A: t, B: t5 }}), #{{ path: "{p}/compare.svg", title: "A vs B" }});
        "#
    ));
    let units = check_png(&d.join("units.png"), (1500, 400), 500);
    assert!(units.1 < units.0, "one row per unit, groups side by side");
    check_svg(
        &d.join("units.svg"),
        &[
            "three units",
            "natural images",
            "descriptions",
            "sounds",
            "unit ",
        ],
        true,
    );
    check_png(&d.join("retrievals.png"), (1000, 600), 500);
    check_svg(
        &d.join("retrievals.svg"),
        &[
            "natural images",
            "the query (black frame)",
            "→ clip art",
            "→ sounds",
            "pool5",
        ],
        true,
    );
    check_png(&d.join("inversions.png"), (600, 600), 500);
    check_svg(
        &d.join("inversions.svg"),
        &["input →", "natural images", "line drawings"],
        true,
    );
    check_png(&d.join("map.png"), (1000, 900), 10);
    check_svg(
        &d.join("map.svg"),
        &["NAT", "SND", "query", "target"],
        false,
    );
    check_png(&d.join("compare.png"), (1400, 800), 4);
    check_svg(
        &d.join("compare.svg"),
        &["A vs B", "cross-modal", "within-modal"],
        false,
    );
}

#[test]
fn figure_options_are_checked() {
    let e = common::err(
        r#"
        let d = data::synthplaces(#{ categories: 2, per_category: 2, modalities: ["nat", "dsc"], seed: 1 });
        plot::retrievals(nn::cross_modal(d, #{ fc6: 8, fc7: 8 }), d, #{ top: 3 }, "x.png")
        "#,
    );
    assert!(
        e.contains("unknown option 'top'") && e.contains("queries"),
        "{e}"
    );
    let e = common::err(
        r#"
        let d = data::synthplaces(#{ categories: 2, per_category: 2, modalities: ["nat"], seed: 1 });
        plot::retrievals(nn::cross_modal(d, #{ fc6: 8, fc7: 8 }), d, "x.png")
        "#,
    );
    assert!(e.contains("at least two modalities"), "{e}");
    let e = common::err(r#"plot::compare(#{ a: 1 }, "x.png")"#);
    assert!(e.contains("expected a map layer → RetrievalTable"), "{e}");
}

#[test]
fn the_gallery_script_runs_in_its_quick_mode() {
    let out = dir().join("gallery");
    let root = env!("CARGO_MANIFEST_DIR");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_xmodal"))
        .current_dir(root)
        .args(["run", "scripts/gallery.rhai", "--set"])
        .arg(format!("out={}", out.display()))
        .args(["--set", "quick=true"])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let page = std::fs::read_to_string(out.join("gallery.md")).unwrap();
    let pictures: Vec<&str> = page
        .lines()
        .filter_map(|l| l.strip_prefix("![").and_then(|l| l.split("](").nth(1)))
        .map(|l| l.trim_end_matches(')'))
        .collect();
    assert_eq!(pictures.len(), 14, "{page}");
    for p in pictures {
        check_png(&out.join(p), (600, 400), 4);
    }
}
