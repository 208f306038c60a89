//! Integration tests of `xmodal::data`: determinism of SynthPlaces, the folder round trip, every
//! bad-input case of the loaders, the difficulty of the data, and the `data::` script API.

use candle_core::Device;
use std::path::{Path, PathBuf};
use xmodal::data::folder::{load_folder, load_places_list, write_folder, LoadOptions};
use xmodal::data::synth::world::{objects, Category};
use xmodal::data::{synthplaces, Store, SynthOptions};

fn opts(cats: usize, per: usize, seed: u64) -> SynthOptions {
    SynthOptions {
        categories: xmodal::data::synth::categories_from_count(cats).unwrap(),
        per_category: per,
        image_size: 32,
        seed,
        ..SynthOptions::default()
    }
}

fn flat(t: &candle_core::Tensor) -> Vec<f32> {
    t.flatten_all().unwrap().to_vec1().unwrap()
}

/// A fresh folder under the system temp dir.
fn scratch(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("xmodal-data-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

#[test]
fn same_seed_same_tensors_other_seed_differs() {
    let a = synthplaces(&opts(3, 2, 5)).unwrap();
    let b = synthplaces(&opts(3, 2, 5)).unwrap();
    let c = synthplaces(&opts(3, 2, 6)).unwrap();
    assert_eq!(a.modalities(), ["nat", "clp", "ldr", "spt", "dsc", "snd"]);
    let idx: Vec<usize> = (0..6).collect();
    for m in a.modalities() {
        let (x, y, z) = (
            flat(&a.inputs(&m, &idx, &Device::Cpu).unwrap()),
            flat(&b.inputs(&m, &idx, &Device::Cpu).unwrap()),
            flat(&c.inputs(&m, &idx, &Device::Cpu).unwrap()),
        );
        assert_eq!(x, y, "{m}");
        assert_ne!(x, z, "{m}");
    }
    assert_eq!(a.text("dsc", 4).unwrap(), b.text("dsc", 4).unwrap());
    assert_eq!(a.labels("nat").unwrap(), vec![0, 0, 1, 1, 2, 2]);
    assert_eq!(a.input_shape("nat").unwrap(), vec![3, 32, 32]);
    assert_eq!(a.input_shape("dsc").unwrap(), vec![384]);
    assert_eq!(a.input_shape("snd").unwrap(), vec![64, 124]);
    let tok = a.tokens("dsc", &[0, 1], 12, &Device::Cpu).unwrap();
    assert_eq!(tok.dims(), [2, 12]);
    assert!(a.vocab_size() > 10);
}

#[test]
fn paired_data_shares_instances_and_splits_by_pair() {
    let mut o = opts(2, 6, 1);
    o.paired = true;
    o.modalities = vec!["nat".into(), "spt".into(), "dsc".into()];
    let ds = synthplaces(&o).unwrap();
    assert_eq!(ds.pair_ids("nat").unwrap(), Some((0..12).collect()));
    let (tr, va) = ds.split(2, 9).unwrap();
    assert_eq!(va.len_of("spt").unwrap(), 4);
    assert_eq!(va.pair_ids("nat").unwrap(), va.pair_ids("dsc").unwrap());
    assert_eq!(tr.pair_ids("nat").unwrap(), tr.pair_ids("spt").unwrap());
    let unpaired = synthplaces(&opts(2, 6, 1)).unwrap();
    assert_eq!(unpaired.pair_ids("nat").unwrap(), None);
    let (t2, v2) = unpaired.split(2, 9).unwrap();
    assert_eq!(
        (t2.len_of("snd").unwrap(), v2.len_of("snd").unwrap()),
        (8, 4)
    );
    let mut lab = v2.labels("nat").unwrap();
    lab.sort();
    assert_eq!(lab, vec![0, 0, 1, 1]);
}

#[test]
fn write_folder_then_load_folder_round_trips() {
    let ds = synthplaces(&opts(3, 2, 2)).unwrap();
    let dir = scratch("roundtrip");
    write_folder(&ds, &dir).unwrap();
    let back = load_folder(
        &dir,
        &LoadOptions {
            image_size: 32,
            ..LoadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(back.modalities(), ds.modalities());
    assert_eq!(back.categories(), ds.categories());
    let idx: Vec<usize> = (0..6).collect();
    for m in ds.modalities() {
        assert_eq!(back.labels(&m).unwrap(), ds.labels(&m).unwrap(), "{m}");
        let (x, y) = (
            flat(&ds.inputs(&m, &idx, &Device::Cpu).unwrap()),
            flat(&back.inputs(&m, &idx, &Device::Cpu).unwrap()),
        );
        let worst = x
            .iter()
            .zip(&y)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f32::max);
        // PNG is lossless and text exact; WAV quantises to 16 bits (tiny log-mel changes).
        let tol = if m == "snd" { 0.05 } else { 0.0 };
        assert!(worst <= tol, "{m}: {worst}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn small_folder(name: &str) -> PathBuf {
    let mut o = opts(2, 2, 3);
    o.modalities = vec!["nat".into(), "dsc".into(), "snd".into()];
    let dir = scratch(name);
    write_folder(&synthplaces(&o).unwrap(), &dir).unwrap();
    dir
}

fn err_of(dir: &Path) -> String {
    load_folder(dir, &LoadOptions::default())
        .unwrap_err()
        .to_string()
}

fn skip_bad(dir: &Path) -> xmodal::data::Dataset {
    load_folder(
        dir,
        &LoadOptions {
            skip_bad: true,
            ..LoadOptions::default()
        },
    )
    .unwrap()
}

#[test]
fn a_corrupt_image_is_named() {
    let dir = small_folder("corrupt");
    let bad = dir.join("nat/all/abbey/00001.png");
    std::fs::write(&bad, b"not a png at all").unwrap();
    let e = err_of(&dir);
    assert!(
        e.contains(&bad.display().to_string()) && e.contains("cannot decode image"),
        "{e}"
    );
    let ds = skip_bad(&dir);
    assert_eq!(ds.len_of("nat").unwrap(), 3);
    assert_eq!(ds.skipped().len(), 1);
    assert!(ds.summary().contains("skipped 1 bad files") && ds.summary().contains("00001.png"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_empty_category_folder_is_named() {
    let dir = small_folder("empty");
    let cat = dir.join("dsc/all/airport_terminal");
    for f in std::fs::read_dir(&cat).unwrap() {
        std::fs::remove_file(f.unwrap().path()).unwrap();
    }
    let e = err_of(&dir);
    assert!(
        e.contains(&cat.display().to_string()) && e.contains("empty category folder"),
        "{e}"
    );
    assert_eq!(skip_bad(&dir).len_of("dsc").unwrap(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_category_missing_from_one_modality_is_named() {
    let dir = small_folder("missing");
    let cat = dir.join("snd/all/abbey");
    std::fs::remove_dir_all(&cat).unwrap();
    let e = err_of(&dir);
    assert!(
        e.contains(&cat.display().to_string()) && e.contains("missing from modality 'snd'"),
        "{e}"
    );
    let ds = skip_bad(&dir);
    assert_eq!(ds.labels("snd").unwrap(), vec![1, 1]);
    assert_eq!(ds.labels("nat").unwrap(), vec![0, 0, 1, 1]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unsupported_wav_is_named() {
    let dir = small_folder("wav");
    let bad = dir.join("snd/all/abbey/00000.wav");
    // A RIFF/WAVE header whose fmt chunk declares format tag 0x0055 (MP3).
    let mut b: Vec<u8> = b"RIFF".to_vec();
    b.extend(36u32.to_le_bytes());
    b.extend(b"WAVEfmt ");
    b.extend(16u32.to_le_bytes());
    b.extend(0x0055u16.to_le_bytes()); // format tag
    b.extend(1u16.to_le_bytes()); // channels
    b.extend(16000u32.to_le_bytes());
    b.extend(32000u32.to_le_bytes());
    b.extend(2u16.to_le_bytes());
    b.extend(16u16.to_le_bytes());
    b.extend(b"data");
    b.extend(0u32.to_le_bytes());
    std::fs::write(&bad, b).unwrap();
    let e = err_of(&dir);
    assert!(
        e.contains(&bad.display().to_string()) && e.contains("unsupported"),
        "{e}"
    );
    assert_eq!(skip_bad(&dir).len_of("snd").unwrap(), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_mislabelled_list_line_is_named() {
    let dir = small_folder("list");
    let list = dir.join("train.txt");
    std::fs::write(
        &list,
        "nat/all/abbey/00000.png 0\nnat/all/airport_terminal/00002.png 1\n",
    )
    .unwrap();
    let ds = load_places_list(&list, None, None, &LoadOptions::default()).unwrap();
    assert_eq!(ds.labels("nat").unwrap(), vec![0, 1]);
    assert_eq!(ds.categories().len(), 205);
    for (text, why) in [
        (
            "nat/all/abbey/00000.png zero\n",
            "line 1: label 'zero' is not",
        ),
        (
            "nat/all/abbey/00000.png 0\nnat/all/abbey/00001.png 999\n",
            "line 2: label 999 is out of range",
        ),
        ("justonefield\n", "line 1: expected '<relpath> <label>'"),
    ] {
        std::fs::write(&list, text).unwrap();
        let e = load_places_list(&list, None, None, &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&list.display().to_string()) && e.contains(why),
            "{e}"
        );
    }
    std::fs::write(
        &list,
        "nat/all/abbey/00000.png 0\nnat/all/abbey/nothere.png 0\n",
    )
    .unwrap();
    let e = load_places_list(&list, None, None, &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("nothere.png"), "{e}");
    let ds = load_places_list(
        &list,
        None,
        None,
        &LoadOptions {
            skip_bad: true,
            ..LoadOptions::default()
        },
    )
    .unwrap();
    assert_eq!((ds.len(), ds.skipped().len()), (1, 1));
    let _ = std::fs::remove_dir_all(&dir);
}

#[allow(clippy::needless_range_loop)] // Gaussian elimination reads and writes rows by index.
/// Ridge regression in dual form: A = (K + λI)⁻¹ Y with K = X Xᵀ, scores = K_test A.
fn ridge_accuracy(
    xtr: &[Vec<f64>],
    ytr: &[usize],
    xte: &[Vec<f64>],
    yte: &[usize],
    classes: usize,
    lambda: f64,
) -> f64 {
    let n = xtr.len();
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut k: Vec<Vec<f64>> = (0..n)
        .map(|i| (0..n).map(|j| dot(&xtr[i], &xtr[j])).collect())
        .collect();
    for (i, row) in k.iter_mut().enumerate() {
        row[i] += lambda;
    }
    let mut a: Vec<Vec<f64>> = (0..n)
        .map(|i| {
            (0..classes)
                .map(|c| if ytr[i] == c { 1.0 } else { 0.0 })
                .collect()
        })
        .collect();
    // Gaussian elimination (K + λI is symmetric positive definite: no pivoting needed).
    for p in 0..n {
        for r in p + 1..n {
            let f = k[r][p] / k[p][p];
            for c in p..n {
                k[r][c] -= f * k[p][c];
            }
            for c in 0..classes {
                a[r][c] -= f * a[p][c];
            }
        }
    }
    for p in (0..n).rev() {
        for c in 0..classes {
            let s: f64 = (p + 1..n).map(|j| k[p][j] * a[j][c]).sum();
            a[p][c] = (a[p][c] - s) / k[p][p];
        }
    }
    let correct = xte
        .iter()
        .zip(yte)
        .filter(|(x, &y)| {
            let kx: Vec<f64> = xtr.iter().map(|t| dot(t, x)).collect();
            let best = (0..classes)
                .max_by(|&c, &d| {
                    let s = |c: usize| (0..n).map(|i| kx[i] * a[i][c]).sum::<f64>();
                    s(c).total_cmp(&s(d))
                })
                .unwrap();
            best == y
        })
        .count();
    correct as f64 / yte.len() as f64
}

#[test]
fn a_linear_classifier_on_raw_pixels_does_not_solve_it() {
    let mut o = opts(10, 50, 11);
    o.image_size = 64;
    o.modalities = vec!["nat".into()];
    let ds = synthplaces(&o).unwrap();
    let (tr, va) = ds.split(10, 1).unwrap();
    let rows = |d: &xmodal::data::Dataset| -> (Vec<Vec<f64>>, Vec<usize>) {
        let Store::Images { data, .. } = d.store("nat").unwrap() else {
            panic!()
        };
        (
            data.iter()
                .map(|p| p.iter().map(|&v| v as f64 / 255.0).collect())
                .collect(),
            d.labels("nat").unwrap(),
        )
    };
    let (mut xtr, ytr) = rows(&tr);
    let (mut xte, yte) = rows(&va);
    let dim = xtr[0].len();
    let mean: Vec<f64> = (0..dim)
        .map(|j| xtr.iter().map(|r| r[j]).sum::<f64>() / xtr.len() as f64)
        .collect();
    for r in xtr.iter_mut().chain(xte.iter_mut()) {
        r.iter_mut().zip(&mean).for_each(|(v, m)| *v -= m);
    }
    let mut best: f64 = 0.0;
    for lambda in [1.0, 100.0, 10_000.0] {
        best = best.max(ridge_accuracy(&xtr, &ytr, &xte, &yte, 10, lambda));
    }
    println!("ridge on raw pixels: best validation accuracy {best:.3} (chance 0.100)");
    assert!(
        best < 0.45,
        "raw pixels separate the categories too well: {best}"
    );
}

#[test]
fn categories_differ_by_disjoint_signatures_and_descriptions_never_name_them() {
    let names = xmodal::data::synth::categories_from_count(20).unwrap();
    let world = Category::world(&names[..10]);
    for (a, ca) in world.iter().enumerate() {
        assert_eq!(ca.signature.len(), 3, "{}", ca.name);
        for cb in &world[a + 1..] {
            assert!(
                !ca.signature.iter().any(|o| cb.signature.contains(o)),
                "{} and {} share a signature object",
                ca.name,
                cb.name
            );
        }
    }
    assert!(objects().len() >= 40);
    let ds = synthplaces(&SynthOptions {
        modalities: vec!["dsc".into()],
        ..opts(20, 10, 4)
    })
    .unwrap();
    let labels = ds.labels("dsc").unwrap();
    for (i, &l) in labels.iter().enumerate() {
        let text = ds.text("dsc", i).unwrap().to_lowercase();
        let words = xmodal::data::text::words(&text);
        for w in names[l].split('_') {
            assert!(!words.iter().any(|x| x == w), "'{w}' named in: {text}");
        }
        assert!(xmodal::data::text::sentences(&text).len() >= 2, "{text}");
    }
}

/// The ideal observer by hand: two categories with signatures {0, 1} and {2, 3}; a sample that
/// shows one of its own signature objects is certain, one that shows nothing of either is a coin
/// flip, one that shows one object of each is a coin flip, one that shows only the other
/// category's object is lost.
#[test]
fn the_ideal_observer_of_a_hand_made_world() {
    use xmodal::data::{Content, Dataset, Modality};
    let content = Content {
        object_names: (0..5).map(|i| format!("o{i}")).collect(),
        signatures: vec![vec![0, 1], vec![2, 3]],
    };
    let m = Modality {
        name: "dsc".into(),
        store: Store::Texts(vec!["a".into(), "b".into(), "c".into(), "d".into()]),
        labels: vec![0, 0, 1, 1],
        pair_ids: None,
        objects: Some(vec![vec![0, 4], vec![4], vec![0, 2], vec![1]]),
    };
    let ds = Dataset::new(vec!["x".into(), "y".into()], vec![m], "all")
        .unwrap()
        .with_content(content);
    // (1 + 0.5 + 0.5 + 0) / 4
    assert_eq!(ds.ideal_accuracy("dsc").unwrap(), Some(0.5));
    // Splits and views keep what the ideal observer needs.
    assert_eq!(
        ds.only(&["dsc".into()])
            .unwrap()
            .ideal_accuracy("dsc")
            .unwrap(),
        Some(0.5)
    );
}

/// The sound modality's Bayes accuracy in closed form: a scene holds k ~ U{1..4} signature
/// objects (context objects are never signatures) and each object sounds with probability 3/4,
/// so no signature object is heard with probability E[(1/4)^k] = (1/4 + 1/16 + 1/64 + 1/256) / 4;
/// the ideal observer then guesses among C categories. With C = 2 the ceiling is
/// 1 − E[(1/4)^k] / 2 = 0.95850.
#[test]
fn the_sound_ceiling_of_a_tiny_world_matches_its_closed_form() {
    let o = SynthOptions {
        modalities: vec!["snd".into()],
        ..opts(2, 1500, 9)
    };
    let ds = synthplaces(&o).unwrap();
    let none: f64 = [0.25_f64, 0.0625, 0.015625, 0.00390625].iter().sum::<f64>() / 4.0;
    let expected = 1.0 - none / 2.0;
    let got = ds.ideal_accuracy("snd").unwrap().unwrap();
    // 3,000 samples: the standard error of the estimate is ~0.002.
    assert!((got - expected).abs() < 0.01, "{got} vs {expected}");
    // Images show their objects: the ceiling is higher than the sounds' and far above chance.
    let img = synthplaces(&SynthOptions {
        modalities: vec!["nat".into()],
        ..opts(10, 30, 9)
    })
    .unwrap();
    let nat = img.ideal_accuracy("nat").unwrap().unwrap();
    assert!(nat > 0.9 && nat <= 1.0, "{nat}");
}

#[test]
fn the_script_api_generates_splits_and_reads_samples() {
    let mut s = xmodal::script::session::Session::new(None);
    let out = s
        .eval(
            r#"
        let ds = data::synthplaces(#{ categories: ["bedroom", "coast"], per_category: 3, modalities: ["nat", "dsc", "snd"], seed: 2 });
        let parts = ds.split(#{ val_per_category: 1, seed: 0 });
        let nat = ds.only("nat");
        [ds.len(), ds.len("dsc"), parts[0].len(), parts[1].len("snd"), nat.modalities(), ds.categories(),
         ds.get("nat", 1).shape, type_of(ds.get("dsc", 0)), ds.get("snd", 0).shape, ds.labels("nat"),
         ds.summary().contains("snd"), `${ds}`]
    "#,
        )
        .unwrap();
    let v = out.into_array().unwrap();
    let show: Vec<String> = v.iter().map(|d| d.to_string()).collect();
    assert_eq!(show[0], "18");
    assert_eq!(show[1], "6");
    assert_eq!(show[2], "12");
    assert_eq!(show[3], "2");
    assert_eq!(show[4], "[\"nat\"]");
    assert_eq!(show[5], "[\"bedroom\", \"coast\"]");
    assert_eq!(show[6], "[3, 64, 64]");
    assert_eq!(show[7], "string");
    assert_eq!(show[8], "[64, 124]");
    assert_eq!(show[9], "[0, 0, 0, 1, 1, 1]");
    assert_eq!(show[10], "true");
    assert_eq!(show[11], "Dataset[all; 2 categories; nat×6, dsc×6, snd×6]");
    let e = s.eval("data::synthplaces(#{ categoris: 3 })").unwrap_err();
    assert!(e.contains("unknown option 'categoris'"), "{e}");
}

#[test]
fn every_data_doc_example_runs() {
    let engine = xmodal::script::engine(None);
    let docs = xmodal::script::docs::collect(&engine);
    let mut ran = 0;
    for f in docs
        .iter()
        .filter(|f| f.name.starts_with("data::") || f.group == "data (methods)")
    {
        for block in f.doc.split("```rhai").skip(1) {
            let src = block.split("```").next().unwrap_or("");
            let mut s = xmodal::script::session::Session::new(None);
            if let Err(e) = s.eval(src) {
                panic!("{}: example failed: {e}\n{src}", f.name);
            }
            ran += 1;
        }
    }
    assert!(ran >= 5, "only {ran} examples found");
}

/// A RIFF/WAVE file: a 16-byte fmt chunk (`tag`, channels, `rate`, `bits`) and `data`.
fn wav_bytes(tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
    let align = channels * bits / 8;
    let mut b: Vec<u8> = b"RIFF".to_vec();
    b.extend((36 + data.len() as u32).to_le_bytes());
    b.extend(b"WAVEfmt ");
    b.extend(16u32.to_le_bytes());
    b.extend(tag.to_le_bytes());
    b.extend(channels.to_le_bytes());
    b.extend(rate.to_le_bytes());
    b.extend((rate * align as u32).to_le_bytes());
    b.extend(align.to_le_bytes());
    b.extend(bits.to_le_bytes());
    b.extend(b"data");
    b.extend((data.len() as u32).to_le_bytes());
    b.extend(data);
    b
}

#[test]
fn a_wav_with_sample_rate_zero_is_a_bad_file() {
    let dir = small_folder("rate0");
    let bad = dir.join("snd/all/abbey/00000.wav");
    let samples: Vec<u8> = (0..800i16).flat_map(|v| (v * 8).to_le_bytes()).collect();
    for rate in [0u32, 5, 10_000_000] {
        std::fs::write(&bad, wav_bytes(1, 1, rate, 16, &samples)).unwrap();
        let e = err_of(&dir);
        assert!(
            e.contains(&bad.display().to_string())
                && e.contains(&format!("sample rate of {rate} Hz"))
                && e.contains("1000..=768000"),
            "{e}"
        );
        let ds = skip_bad(&dir);
        assert_eq!(ds.len_of("snd").unwrap(), 3);
        assert_eq!(ds.skipped().len(), 1);
        assert_eq!(ds.skipped()[0].path, bad);
    }
    // An ordinary low rate still loads: 800 samples at 8 kHz are 0.1 s, 1600 samples at 16 kHz.
    std::fs::write(&bad, wav_bytes(1, 1, 8000, 16, &samples)).unwrap();
    let ds = load_folder(&dir, &LoadOptions::default()).unwrap();
    let Store::Sounds { len, data } = ds.store("snd").unwrap() else {
        panic!()
    };
    assert_eq!(*len, 32_000);
    assert_eq!(data[0].len(), 32_000);
    // Linear interpolation: sample 2 of the 16 kHz wave sits on input sample 1 (8/32768).
    assert_eq!(data[0][2], 8.0 / 32768.0);
    assert_eq!(data[0][3], 12.0 / 32768.0);
    assert!(data[0][1600..].iter().all(|&v| v == 0.0));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_float64_or_alaw_wav_gets_the_format_fix() {
    let dir = small_folder("f64wav");
    let bad = dir.join("snd/all/abbey/00000.wav");
    let data: Vec<u8> = (0..100)
        .flat_map(|i| (i as f64 / 200.0).to_le_bytes())
        .collect();
    for (tag, bits, why) in [
        (3u16, 64u16, "Float with 64 bits per sample"),
        (6, 8, "format tag 0x0006, A-law"),
    ] {
        std::fs::write(&bad, wav_bytes(tag, 1, 16000, bits, &data)).unwrap();
        let e = err_of(&dir);
        assert!(
            e.contains(&bad.display().to_string())
                && e.contains(why)
                && e.contains("use PCM 16-bit or float 32-bit"),
            "{e}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn load_folder_checks_image_size_and_seconds() {
    let dir = small_folder("ranges");
    for (o, key, got) in [
        (
            LoadOptions {
                image_size: 0,
                ..LoadOptions::default()
            },
            "image_size",
            "got 0",
        ),
        (
            LoadOptions {
                image_size: 5000,
                ..LoadOptions::default()
            },
            "image_size",
            "got 5000",
        ),
        (
            LoadOptions {
                seconds: 0.0,
                ..LoadOptions::default()
            },
            "seconds",
            "got 0",
        ),
        (
            LoadOptions {
                seconds: -1.0,
                ..LoadOptions::default()
            },
            "seconds",
            "got -1",
        ),
        (
            LoadOptions {
                seconds: 1e12,
                ..LoadOptions::default()
            },
            "seconds",
            "got 1000000000000",
        ),
        (
            LoadOptions {
                seconds: f32::NAN,
                ..LoadOptions::default()
            },
            "seconds",
            "got NaN",
        ),
    ] {
        let e = load_folder(&dir, &o).unwrap_err().to_string();
        assert!(
            e.contains(&format!("data::load_folder: invalid value for '{key}'")) && e.contains(got),
            "{e}"
        );
    }
    let list = dir.join("train.txt");
    std::fs::write(&list, "nat/all/abbey/00000.png 0\n").unwrap();
    let o = LoadOptions {
        image_size: 0,
        ..LoadOptions::default()
    };
    let e = load_places_list(&list, None, None, &o)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("data::load_places_list: invalid value for 'image_size'"),
        "{e}"
    );
    // The edges of the ranges load.
    let ds = load_folder(
        &dir,
        &LoadOptions {
            image_size: 8,
            seconds: 0.01,
            ..LoadOptions::default()
        },
    )
    .unwrap();
    assert_eq!(ds.input_shape("nat").unwrap(), vec![3, 8, 8]);
    let Store::Sounds { len, .. } = ds.store("snd").unwrap() else {
        panic!()
    };
    assert_eq!(*len, 160);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_category_listed_twice_is_named_with_its_lines() {
    let dir = small_folder("dupcat");
    let list = dir.join("categories.txt");
    std::fs::write(&list, "abbey\nairport_terminal\n\nabbey\n").unwrap();
    let e = err_of(&dir);
    assert!(
        e.contains(&list.display().to_string())
            && e.contains("category 'abbey' is listed twice (lines 1 and 4)"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_listed_category_present_in_no_modality_says_so() {
    let dir = small_folder("nowhere");
    std::fs::write(
        dir.join("categories.txt"),
        "abbey\nairport_terminal\nbedroom\n",
    )
    .unwrap();
    let e = err_of(&dir);
    assert!(
        e.contains(
            "category 'bedroom' is missing from modality 'dsc' (it is present in no modality"
        ) && e.contains("categories.txt"),
        "{e}"
    );
    let ds = skip_bad(&dir);
    assert_eq!(ds.categories().len(), 3);
    assert_eq!(ds.skipped().len(), 3);
    assert_eq!(ds.labels("nat").unwrap(), vec![0, 0, 1, 1]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_png_named_jpg_is_decoded_as_png() {
    let dir = small_folder("pngjpg");
    let png = dir.join("nat/all/abbey/00000.png");
    let jpg = dir.join("nat/all/abbey/00000.jpg");
    std::fs::rename(&png, &jpg).unwrap();
    let ds = load_folder(&dir, &LoadOptions::default()).unwrap();
    assert_eq!(ds.len_of("nat").unwrap(), 4);
    assert_eq!(ds.labels("nat").unwrap(), vec![0, 0, 1, 1]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_paired_split_that_leaves_no_training_pairs_is_refused() {
    let mut o = opts(2, 2, 1);
    o.paired = true;
    o.modalities = vec!["nat".into(), "dsc".into()];
    let ds = synthplaces(&o).unwrap();
    for v in [2, 3] {
        let e = ds.split(v, 0).unwrap_err().to_string();
        assert!(
            e.contains("invalid value for 'val_per_category'")
                && e.contains(&format!(
                    "category 'abbey' has only 2 pairs; {v} for validation would leave none for training"
                )),
            "{e}"
        );
    }
    let (tr, va) = ds.split(1, 0).unwrap();
    assert_eq!(
        (tr.len_of("nat").unwrap(), va.len_of("dsc").unwrap()),
        (2, 2)
    );
    let mut s = xmodal::script::session::Session::new(None);
    let e = s
        .eval(
            r#"data::synthplaces(#{ categories: 2, per_category: 2, paired: true, modalities: ["nat", "dsc"], seed: 1 })
                .split(#{ val_per_category: 2 })"#,
        )
        .unwrap_err();
    assert!(e.contains("has only 2 pairs"), "{e}");
}

/// Files under `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn write_folder_refuses_a_non_empty_folder() {
    let dir = small_folder("refuse");
    let before = tree(&dir);
    let mut o = opts(2, 1, 9);
    o.modalities = vec!["nat".into()];
    let e = write_folder(&synthplaces(&o).unwrap(), &dir)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!("data::write_folder '{}'", dir.display()))
            && e.contains("not empty")
            && e.contains("overwrite: true"),
        "{e}"
    );
    assert_eq!(tree(&dir), before);
    // A folder that is a file is refused too; an empty or missing folder is written.
    let file = dir.join("categories.txt");
    let e = write_folder(&synthplaces(&o).unwrap(), &file)
        .unwrap_err()
        .to_string();
    assert!(e.contains("is not a folder"), "{e}");
    let fresh = dir.join("sub/new");
    write_folder(&synthplaces(&o).unwrap(), &fresh).unwrap();
    assert_eq!(tree(&fresh).len(), 3);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn write_folder_overwrite_replaces_only_a_dataset() {
    use xmodal::data::folder::{write_folder_with, WriteOptions};
    let dir = small_folder("overwrite"); // nat, dsc, snd: 2 categories × 2
    let mut o = opts(3, 1, 9);
    o.modalities = vec!["nat".into(), "clp".into()];
    let new = synthplaces(&o).unwrap();
    let ow = WriteOptions { overwrite: true };
    write_folder_with(&new, &dir, &ow).unwrap();
    let back = load_folder(&dir, &LoadOptions::default()).unwrap();
    assert_eq!(back.modalities(), ["nat", "clp"]);
    assert_eq!(back.categories(), new.categories());
    assert_eq!(back.labels("nat").unwrap(), vec![0, 1, 2]);
    assert_eq!(tree(&dir).len(), 7);
    // Anything that is not a dataset stops the overwrite before it removes a file.
    std::fs::write(dir.join("notes.md"), "mine").unwrap();
    std::fs::write(dir.join("nat/README"), "mine too").unwrap();
    let before = tree(&dir);
    let e = write_folder_with(&new, &dir, &ow).unwrap_err().to_string();
    assert!(
        e.contains(&dir.display().to_string())
            && e.contains("more than a dataset ('nat', 'notes.md')")
            && e.contains("nothing was removed"),
        "{e}"
    );
    assert_eq!(tree(&dir), before);
    // The script option.
    std::fs::remove_file(dir.join("notes.md")).unwrap();
    std::fs::remove_file(dir.join("nat/README")).unwrap();
    let mut s = xmodal::script::session::Session::new(None);
    let p = dir.display().to_string().replace('\\', "/");
    let out = s
        .eval(&format!(
            r#"let ds = data::synthplaces(#{{ categories: 2, per_category: 2, modalities: ["dsc"], seed: 3 }});
               let msg = "";
               try {{ ds.write_folder("{p}"); }} catch (e) {{ msg = `${{e}}`; }}
               ds.write_folder("{p}", #{{ overwrite: true }});
               [msg.contains("not empty"), data::load_folder("{p}").modalities(), data::load_folder("{p}").len()]"#
        ))
        .unwrap();
    assert_eq!(out.to_string(), r#"[true, ["dsc"], 4]"#);
    let e = s
        .eval(&format!(
            r#"data::synthplaces(#{{ categories: 2, per_category: 1, modalities: ["dsc"] }})
                .write_folder("{p}", #{{ overwrit: true }})"#
        ))
        .unwrap_err();
    assert!(e.contains("unknown option 'overwrit'"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Save `features` [n, 2] (f32 zeros) and `labels` (u32) as safetensors.
fn feature_file(name: &str, labels: &[u32]) -> PathBuf {
    let dir = scratch(name);
    let n = labels.len();
    let path = dir.join("feats.safetensors");
    let map = std::collections::HashMap::from([
        (
            "features".to_string(),
            candle_core::Tensor::zeros((n, 2), candle_core::DType::F32, &Device::Cpu).unwrap(),
        ),
        (
            "labels".to_string(),
            candle_core::Tensor::from_vec(labels.to_vec(), n, &Device::Cpu).unwrap(),
        ),
    ]);
    candle_core::safetensors::save(&map, &path).unwrap();
    path
}

#[test]
fn an_implausible_feature_label_is_named_with_its_row() {
    use xmodal::data::features::load_features;
    let path = feature_file("biglabel", &[0, 1, 2, 0, 1, 4294967295]);
    let e = load_features(&path, "feat", None, None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!("data::load_features '{}'", path.display()))
            && e.contains(
                "label 4294967295 (row 5 of 'feat' labels) is not a plausible class index"
            )
            && e.contains("remap them to 0..K-1")
            && e.contains("categories"),
        "{e}"
    );
    // With a category list, a label beyond it is named the same way.
    let e = load_features(
        &path,
        "feat",
        None,
        Some(vec!["a".into(), "b".into(), "c".into()]),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains(
            "label 4294967295 (row 5 of 'feat' labels) is out of range for the 3 categories"
        ),
        "{e}"
    );
    // Labels past Places205 but plausible still get class names.
    let path = feature_file("midlabel", &[0, 999, 3]);
    let ds = load_features(&path, "feat", None, None).unwrap();
    assert_eq!(ds.categories().len(), 1000);
    assert_eq!(ds.categories()[999], "class_999");
    assert_eq!(ds.labels("feat").unwrap(), vec![0, 999, 3]);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// CRC-32 (IEEE) of `b`, for the zip file below.
fn crc32(b: &[u8]) -> u32 {
    let mut c = !0u32;
    for &x in b {
        c ^= x as u32;
        for _ in 0..8 {
            c = if c & 1 == 1 {
                (c >> 1) ^ 0xEDB8_8320
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// An .npz as np.savez_compressed writes it: one entry, compression method 8 (deflate; here a
/// stored deflate block).
fn compressed_npz(path: &Path) {
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    let mut hdr = "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }".to_string();
    while !(10 + hdr.len() + 1).is_multiple_of(64) {
        hdr.push(' ');
    }
    hdr.push('\n');
    npy.extend((hdr.len() as u16).to_le_bytes());
    npy.extend(hdr.as_bytes());
    npy.extend([0i64, 1].iter().flat_map(|v| v.to_le_bytes()));
    let mut deflated = vec![1u8];
    deflated.extend((npy.len() as u16).to_le_bytes());
    deflated.extend((!(npy.len() as u16)).to_le_bytes());
    deflated.extend(&npy);
    let name = b"labels.npy";
    let common = |b: &mut Vec<u8>| {
        b.extend(20u16.to_le_bytes()); // version needed
        b.extend(0u16.to_le_bytes()); // flags
        b.extend(8u16.to_le_bytes()); // method: deflate
        b.extend(0u32.to_le_bytes()); // time, date
        b.extend(crc32(&npy).to_le_bytes());
        b.extend((deflated.len() as u32).to_le_bytes());
        b.extend((npy.len() as u32).to_le_bytes());
        b.extend((name.len() as u16).to_le_bytes());
        b.extend(0u16.to_le_bytes()); // extra
    };
    let mut z = 0x0403_4b50u32.to_le_bytes().to_vec();
    common(&mut z);
    z.extend(name);
    z.extend(&deflated);
    let cd = z.len() as u32;
    z.extend(0x0201_4b50u32.to_le_bytes());
    z.extend(20u16.to_le_bytes()); // made by
    common(&mut z);
    z.extend([0u8; 12]); // comment, disk, attributes
    z.extend(0u32.to_le_bytes()); // local header offset
    z.extend(name);
    let cd_len = z.len() as u32 - cd;
    z.extend(0x0605_4b50u32.to_le_bytes());
    z.extend([0u8; 4]);
    z.extend(1u16.to_le_bytes());
    z.extend(1u16.to_le_bytes());
    z.extend(cd_len.to_le_bytes());
    z.extend(cd.to_le_bytes());
    z.extend(0u16.to_le_bytes());
    std::fs::write(path, z).unwrap();
}

#[test]
fn feature_file_errors_name_load_features_and_the_fix() {
    use xmodal::data::features::load_features;
    let dir = scratch("featerr");
    let missing = dir.join("nothere.safetensors");
    let e = load_features(&missing, "feat", None, None)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        format!("data::load_features '{}': no such file", missing.display())
    );
    let npz = dir.join("zc.npz");
    compressed_npz(&npz);
    let e = load_features(&npz, "feat", None, None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&format!("data::load_features '{}'", npz.display()))
            && e.contains("compression method not supported")
            && e.contains("save it with np.savez (uncompressed) or as .safetensors"),
        "{e}"
    );
    let other = dir.join("feats.csv");
    std::fs::write(&other, "1,2\n").unwrap();
    let e = load_features(&other, "feat", None, None)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("data::load_features '") && e.contains("unknown extension"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
