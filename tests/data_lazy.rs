//! Lazy folder loading (`load_folder` with `lazy`) against the eager load of the same folder, its
//! bad-input handling, and the per-sample cache of derived inputs.

use candle_core::Device;
use std::path::{Path, PathBuf};
use xmodal::data::folder::{load_folder, write_folder, LoadOptions};
use xmodal::data::{synthplaces, Dataset, Store, SynthOptions};

fn flat(t: &candle_core::Tensor) -> Vec<f32> {
    t.flatten_all().unwrap().to_vec1().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("xmodal-lazy-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).unwrap();
    p
}

fn synth(per: usize, mods: &[&str]) -> Dataset {
    synthplaces(&SynthOptions {
        categories: xmodal::data::synth::categories_from_count(3).unwrap(),
        per_category: per,
        image_size: 32,
        modalities: mods.iter().map(|s| s.to_string()).collect(),
        seed: 5,
        ..SynthOptions::default()
    })
    .unwrap()
}

fn folder(name: &str) -> PathBuf {
    let dir = scratch(name);
    write_folder(&synth(4, &["nat", "dsc", "snd"]), &dir).unwrap();
    dir
}

fn opts(lazy: bool, cache: usize, skip_bad: bool) -> LoadOptions {
    LoadOptions {
        image_size: 32,
        lazy,
        cache,
        skip_bad,
        ..LoadOptions::default()
    }
}

#[test]
fn eager_and_lazy_loads_give_identical_batches() {
    let dir = folder("same");
    let eager = load_folder(&dir, &opts(false, 0, false)).unwrap();
    // A cache smaller than a batch still gives the right rows.
    let lazy = load_folder(&dir, &opts(true, 3, false)).unwrap();
    assert!(matches!(lazy.store("nat").unwrap(), Store::Lazy(_)));
    assert!(matches!(lazy.store("snd").unwrap(), Store::Lazy(_)));
    assert!(matches!(lazy.store("dsc").unwrap(), Store::Texts(_)));
    assert_eq!(lazy.labels("nat").unwrap(), eager.labels("nat").unwrap());
    assert_eq!(
        lazy.input_shape("snd").unwrap(),
        eager.input_shape("snd").unwrap()
    );
    assert_eq!(lazy.input_shape("nat").unwrap(), vec![3, 32, 32]);
    let batches: [&[usize]; 4] = [
        &[0, 5, 11, 2],
        &[5, 5, 0],
        &[11, 10, 9, 8, 7, 6, 5],
        &[0, 5, 11, 2],
    ];
    for m in ["nat", "dsc", "snd"] {
        for idx in batches {
            let a = flat(&eager.inputs(m, idx, &Device::Cpu).unwrap());
            let b = flat(&lazy.inputs(m, idx, &Device::Cpu).unwrap());
            assert!(a == b, "{m} {idx:?}");
        }
    }
    let Store::Lazy(l) = lazy.store("nat").unwrap() else {
        unreachable!()
    };
    assert_eq!(l.cached(), 3);
    assert!(lazy
        .summary()
        .contains("decoded on demand: nat (cache 3 rows), snd (cache 3 rows)"));
    // Splits of both loads agree too (the lazy halves share the file list and cache).
    let (et, ev) = eager.split(1, 9).unwrap();
    let (lt, lv) = lazy.split(1, 9).unwrap();
    for (e, l) in [(&et, &lt), (&ev, &lv)] {
        for m in ["nat", "snd"] {
            let n = e.len_of(m).unwrap();
            let idx: Vec<usize> = (0..n).rev().collect();
            assert_eq!(
                flat(&e.inputs(m, &idx, &Device::Cpu).unwrap()),
                flat(&l.inputs(m, &idx, &Device::Cpu).unwrap())
            );
        }
    }
    let only = lazy.only(&["snd".into()]).unwrap();
    assert_eq!(
        flat(&only.inputs("snd", &[3], &Device::Cpu).unwrap()),
        flat(&eager.inputs("snd", &[3], &Device::Cpu).unwrap())
    );
    // A lazy dataset writes the same folder back.
    let back = scratch("same-back");
    write_folder(&lazy, &back).unwrap();
    let again = load_folder(&back, &opts(false, 0, false)).unwrap();
    // Images and texts come back exactly; 16-bit PCM re-quantises sounds (scale 32767 on write,
    // 32768 on read), a change far below the spectrogram's scale.
    for (m, tol) in [("nat", 0.0), ("dsc", 0.0), ("snd", 1e-2)] {
        let idx: Vec<usize> = (0..12).collect();
        let a = flat(&again.inputs(m, &idx, &Device::Cpu).unwrap());
        let b = flat(&eager.inputs(m, &idx, &Device::Cpu).unwrap());
        let worst = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0_f32, f32::max);
        assert!(worst <= tol, "{m}: {worst}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&back);
}

fn err(dir: &Path, o: &LoadOptions) -> String {
    load_folder(dir, o).unwrap_err().to_string()
}

#[test]
fn a_corrupt_image_is_named_by_the_lazy_load() {
    let dir = folder("corrupt");
    let bad = dir.join("nat/all/abbey/00001.png");
    std::fs::write(&bad, b"not a png at all").unwrap();
    let e = err(&dir, &opts(true, 8, false));
    assert!(
        e.contains(&bad.display().to_string()) && e.contains("cannot decode image"),
        "{e}"
    );
    let ds = load_folder(&dir, &opts(true, 8, true)).unwrap();
    assert_eq!(ds.len_of("nat").unwrap(), 11);
    assert!(ds.summary().contains("skipped 1 bad files") && ds.summary().contains("00001.png"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_truncated_image_is_named_when_its_batch_is_made() {
    let dir = folder("truncated");
    let bad = dir.join("nat/all/abbey/00002.png");
    let bytes = std::fs::read(&bad).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
    let ds = load_folder(&dir, &opts(true, 8, false)).unwrap();
    let i = (0..ds.len_of("nat").unwrap())
        .find(|&i| {
            let Store::Lazy(l) = ds.store("nat").unwrap() else {
                unreachable!()
            };
            l.path(i) == bad
        })
        .unwrap();
    let j = (i + 1) % ds.len_of("nat").unwrap();
    assert!(ds.inputs("nat", &[j], &Device::Cpu).is_ok());
    let e = ds
        .inputs("nat", &[i, 0], &Device::Cpu)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&bad.display().to_string()) && e.contains("cannot decode image"),
        "{e}"
    );
    // The eager load names it at once.
    let e = err(&dir, &opts(false, 0, false));
    assert!(e.contains(&bad.display().to_string()), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unsupported_wav_is_named_by_the_lazy_load() {
    let dir = folder("wav");
    let bad = dir.join("snd/all/abbey/00000.wav");
    let mut b: Vec<u8> = b"RIFF".to_vec();
    b.extend(36u32.to_le_bytes());
    b.extend(b"WAVEfmt ");
    b.extend(16u32.to_le_bytes());
    b.extend(0x0055u16.to_le_bytes()); // MP3 format tag
    b.extend(1u16.to_le_bytes());
    b.extend(16000u32.to_le_bytes());
    b.extend(32000u32.to_le_bytes());
    b.extend(2u16.to_le_bytes());
    b.extend(16u16.to_le_bytes());
    b.extend(b"data");
    b.extend(0u32.to_le_bytes());
    std::fs::write(&bad, b).unwrap();
    let e = err(&dir, &opts(true, 8, false));
    assert!(
        e.contains(&bad.display().to_string()) && e.contains("unsupported"),
        "{e}"
    );
    assert_eq!(
        load_folder(&dir, &opts(true, 8, true))
            .unwrap()
            .len_of("snd")
            .unwrap(),
        11
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cached_inputs_equal_uncached_ones() {
    let ds = synth(3, &["nat", "dsc", "snd"]);
    let (train, _) = ds.split(1, 2).unwrap();
    for d in [&ds, &train] {
        for m in ["nat", "dsc", "snd"] {
            let n = d.len_of(m).unwrap();
            let idx: Vec<usize> = (0..n).rev().chain([0, 0]).collect();
            let fresh = flat(&d.inputs_uncached(m, &idx, &Device::Cpu).unwrap());
            let first = flat(&d.inputs(m, &idx, &Device::Cpu).unwrap());
            let second = flat(&d.inputs(m, &idx[..2], &Device::Cpu).unwrap());
            assert_eq!(fresh, first, "{m}");
            let per = fresh.len() / idx.len();
            assert_eq!(second, fresh[..2 * per].to_vec(), "{m}");
        }
    }
    // A split shares the cached rows of its parent: filling the split's cache fills the parent's.
    let fresh = synth(3, &["dsc"]);
    let (part, _) = fresh.split(1, 2).unwrap();
    assert_eq!(fresh.cached_inputs("dsc").unwrap(), 0);
    let n = part.len_of("dsc").unwrap();
    part.inputs("dsc", &(0..n).collect::<Vec<_>>(), &Device::Cpu)
        .unwrap();
    assert_eq!(part.cached_inputs("dsc").unwrap(), n);
    assert_eq!(fresh.cached_inputs("dsc").unwrap(), n);
}

#[test]
fn the_script_api_loads_lazily() {
    let dir = folder("script");
    let mut s = xmodal::script::session::Session::new(None);
    let src = format!(
        r#"
        let a = data::load_folder("{d}", #{{ lazy: true, cache: 4, image_size: 32 }});
        let b = data::load_folder("{d}", #{{ image_size: 32 }});
        [a.len(), (a.inputs("nat", [3, 1]) - b.inputs("nat", [3, 1])).abs().max().item(),
         (a.inputs("snd", [7]) - b.inputs("snd", [7])).abs().max().item()]
    "#,
        d = dir.display()
    );
    let v = s.eval(&src).unwrap().into_array().unwrap();
    assert_eq!(v[0].as_int().unwrap(), 36);
    assert_eq!(v[1].as_float().unwrap(), 0.0);
    assert_eq!(v[2].as_float().unwrap(), 0.0);
    let e = s
        .eval(&format!(
            r#"data::load_folder("{}", #{{ lazzy: true }})"#,
            dir.display()
        ))
        .unwrap_err();
    assert!(e.contains("unknown option 'lazzy'"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn figures_read_lazy_images_as_eager_ones() {
    // Pictures, decoder targets and tiles (the figures' inputs) of a lazily loaded folder are
    // those of the eager load; other kinds are not pictures.
    use xmodal::viz::plot::tiles::{item, Tile};
    let dir = folder("figures");
    let eager = load_folder(&dir, &opts(false, 0, false)).unwrap();
    let lazy = load_folder(&dir, &opts(true, 2, false)).unwrap();
    assert_eq!(lazy.image_side("nat").unwrap(), Some(32));
    assert_eq!(eager.image_side("nat").unwrap(), Some(32));
    assert_eq!(lazy.image_side("snd").unwrap(), None);
    for i in [0, 5, 11] {
        assert_eq!(
            lazy.picture("nat", i).unwrap(),
            eager.picture("nat", i).unwrap()
        );
        match (
            item(&lazy, "nat", i).unwrap(),
            item(&eager, "nat", i).unwrap(),
        ) {
            (Tile::Image(a), Tile::Image(b)) => assert_eq!(a, b),
            _ => panic!("image item {i} is not an image tile"),
        }
        match (
            item(&lazy, "snd", i).unwrap(),
            item(&eager, "snd", i).unwrap(),
        ) {
            (Tile::Image(a), Tile::Image(b)) => assert_eq!(a, b),
            _ => panic!("sound item {i} is not a spectrogram tile"),
        }
    }
    let t =
        |ds: &Dataset| flat(&xmodal::viz::inverter::targets(ds, "nat", 16, &Device::Cpu).unwrap());
    assert_eq!(t(&lazy), t(&eager));
    let e = lazy.picture("snd", 0).unwrap_err().to_string();
    assert!(e.contains("'snd' does not hold images"), "{e}");
    let e = lazy.picture("nat", 12).unwrap_err().to_string();
    assert!(e.contains("item 12 of 'nat', which has 12"), "{e}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_wav_with_sample_rate_zero_fails_the_lazy_header_check() {
    let dir = folder("rate0");
    let bad = dir.join("snd/all/abbey/00000.wav");
    // Mono 16-bit PCM whose fmt chunk declares 0 Hz.
    let data: Vec<u8> = (0..400i16).flat_map(|v| v.to_le_bytes()).collect();
    let mut b: Vec<u8> = b"RIFF".to_vec();
    b.extend((36 + data.len() as u32).to_le_bytes());
    b.extend(b"WAVEfmt ");
    b.extend(16u32.to_le_bytes());
    b.extend(1u16.to_le_bytes()); // PCM
    b.extend(1u16.to_le_bytes());
    b.extend(0u32.to_le_bytes()); // sample rate
    b.extend(0u32.to_le_bytes()); // byte rate
    b.extend(2u16.to_le_bytes());
    b.extend(16u16.to_le_bytes());
    b.extend(b"data");
    b.extend((data.len() as u32).to_le_bytes());
    b.extend(&data);
    std::fs::write(&bad, b).unwrap();
    for lazy in [true, false] {
        let e = err(&dir, &opts(lazy, 8, false));
        assert!(
            e.contains(&bad.display().to_string()) && e.contains("sample rate of 0 Hz"),
            "lazy {lazy}: {e}"
        );
        let ds = load_folder(&dir, &opts(lazy, 8, true)).unwrap();
        assert_eq!(ds.len_of("snd").unwrap(), 11);
        assert_eq!(ds.skipped().len(), 1);
        assert_eq!(ds.skipped()[0].path, bad);
        let all: Vec<usize> = (0..11).collect();
        assert_eq!(
            ds.inputs("snd", &all, &Device::Cpu).unwrap().dims(),
            [11, 64, 124]
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_png_named_jpg_loads_the_same_lazily_and_eagerly() {
    let dir = folder("pngjpg");
    let png = dir.join("nat/all/abbey/00001.png");
    let jpg = dir.join("nat/all/abbey/00001.jpg");
    let want = flat(
        &load_folder(&dir, &opts(false, 0, false))
            .unwrap()
            .inputs("nat", &[1], &Device::Cpu)
            .unwrap(),
    );
    std::fs::rename(&png, &jpg).unwrap();
    let eager = load_folder(&dir, &opts(false, 0, false)).unwrap();
    let lazy = load_folder(&dir, &opts(true, 8, false)).unwrap();
    let Store::Lazy(l) = lazy.store("nat").unwrap() else {
        panic!("not lazy")
    };
    assert_eq!(l.path(1), jpg);
    let idx: Vec<usize> = (0..12).collect();
    assert_eq!(
        flat(&eager.inputs("nat", &idx, &Device::Cpu).unwrap()),
        flat(&lazy.inputs("nat", &idx, &Device::Cpu).unwrap())
    );
    assert_eq!(
        flat(&eager.inputs("nat", &[1], &Device::Cpu).unwrap()),
        want
    );
    let _ = std::fs::remove_dir_all(&dir);
}
