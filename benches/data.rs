//! Benchmark of SynthPlaces: `synthplaces(#{categories: 20, per_category: 50, seed: 1})` (six
//! modalities × 1,000 samples; goal < 10 s on 2 cores), the time per modality, and the network
//! front ends (1,000 images to tensors, 1,000 sounds to log-mel). The Python peer
//! (`benches/peers/data_peer.py`, numpy) renders the same number of comparable images and
//! computes the same log-mel spectrograms. Run: `cargo bench --bench data`.

use std::time::Instant;
use xmodal::data::folder::{load_folder, write_folder, LoadOptions};
use xmodal::data::{synthplaces, Dataset, SynthOptions};

mod common;
use common::{median, python};

fn time<T>(reps: usize, mut f: impl FnMut() -> T) -> f64 {
    median(
        (0..reps)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

/// Mean seconds per batch of 128 over one shuffled epoch of `modality`.
fn epoch(ds: &Dataset, modality: &str, dev: &candle_core::Device, cached: bool) -> f64 {
    use rand::seq::SliceRandom;
    let mut idx: Vec<usize> = (0..ds.len_of(modality).unwrap()).collect();
    idx.shuffle(&mut xmodal::tensor::create::rng(3));
    let t = Instant::now();
    let mut n = 0;
    for b in idx.chunks(128) {
        let x = if cached {
            ds.inputs(modality, b, dev)
        } else {
            ds.inputs_uncached(modality, b, dev)
        };
        std::hint::black_box(x.unwrap());
        n += 1;
    }
    t.elapsed().as_secs_f64() / n as f64
}

/// The inputs cache: per-batch time without it, in the first epoch with it (filling), and after.
fn per_batch(ds: &Dataset, dev: &candle_core::Device) {
    for m in ["dsc", "snd"] {
        let fresh = ds.clone().only(&[m.to_string()]).unwrap();
        let before = epoch(&fresh, m, dev, false);
        let first = epoch(&fresh, m, dev, true);
        let after = epoch(&fresh, m, dev, true);
        println!(
            "xmodal {m} inputs per batch of 128: uncached {:.2} ms; cached, first epoch {:.2} ms, later epochs {:.3} ms ({:.0}x)",
            before * 1e3,
            first * 1e3,
            after * 1e3,
            before / after
        );
    }
}

/// Per-batch time of eager vs lazy (cache 256 rows) loads of the same folder.
fn lazy_batches(ds: &Dataset, dev: &candle_core::Device) {
    let dir = std::env::temp_dir().join(format!("xmodal-bench-lazy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    write_folder(&ds.only(&["nat".into(), "snd".into()]).unwrap(), &dir).unwrap();
    let t = Instant::now();
    let eager = load_folder(&dir, &LoadOptions::default()).unwrap();
    let t_eager = t.elapsed().as_secs_f64();
    let o = LoadOptions {
        lazy: true,
        cache: 256,
        ..LoadOptions::default()
    };
    let t = Instant::now();
    let lazy = load_folder(&dir, &o).unwrap();
    let t_lazy = t.elapsed().as_secs_f64();
    println!("xmodal load_folder 2,000 files (nat + snd): eager {t_eager:.2} s, lazy (listing + headers) {t_lazy:.3} s");
    for m in ["nat", "snd"] {
        let e = epoch(&eager, m, dev, true);
        let l = epoch(&lazy, m, dev, true);
        println!(
            "  {m} per batch of 128: eager {:.2} ms, lazy (decode on demand) {:.2} ms",
            e * 1e3,
            l * 1e3
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// all-MiniLM-L6-v2 throughput, when XMODAL_MINILM points at its files.
fn minilm(ds: &Dataset) {
    let enc = match xmodal::data::minilm::SentenceEncoder::load(None) {
        Ok(e) => e,
        Err(e) => return println!("MiniLM skipped: {e}"),
    };
    let texts: Vec<String> = (0..200).map(|i| ds.text("dsc", i).unwrap()).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let sentences: usize = refs
        .iter()
        .map(|t| xmodal::data::text::sentences(t).len())
        .sum();
    let t = time(1, || enc.encode_descriptions(&refs).unwrap());
    println!(
        "xmodal MiniLM: 200 descriptions ({sentences} sentences) in {t:.2} s ({:.0} sentences/s)",
        sentences as f64 / t
    );
    // The peer: sentence-transformers on the same sentences, same batch size.
    let list = std::env::temp_dir().join(format!("xmodal-bench-sentences-{}", std::process::id()));
    let all: Vec<&str> = refs
        .iter()
        .flat_map(|t| xmodal::data::text::sentences(t))
        .collect();
    std::fs::write(&list, all.join("\n")).unwrap();
    let peer = r#"
import sys, time
import torch
from sentence_transformers import SentenceTransformer
m = SentenceTransformer(sys.argv[1], device="cpu")
s = open(sys.argv[2]).read().split("\n")
m.encode(s[:64])
t = time.time(); m.encode(s, batch_size=64); dt = time.time() - t
print(f"peer sentence-transformers (torch {torch.__version__}, {torch.get_num_threads()} threads): {len(s)} sentences in {dt:.2f} s ({len(s)/dt:.0f} sentences/s)")
"#;
    match std::process::Command::new(python())
        .args(["-c", peer])
        .arg(enc.dir())
        .arg(&list)
        .output()
    {
        Ok(out) if out.status.success() => print!("{}", String::from_utf8_lossy(&out.stdout)),
        Ok(_) => println!("MiniLM peer skipped: sentence-transformers not importable"),
        Err(e) => println!("MiniLM peer skipped: {e}"),
    }
    let _ = std::fs::remove_file(&list);
}

fn main() {
    let o = SynthOptions {
        categories: xmodal::data::synth::categories_from_count(20).unwrap(),
        per_category: 50,
        seed: 1,
        ..SynthOptions::default()
    };
    println!("threads: {}", rayon::current_num_threads());
    let total = time(3, || synthplaces(&o).unwrap());
    println!("xmodal synthplaces 20 categories x 50, 6 modalities (6,000 samples): {total:.2} s (median of 3)");
    for m in ["nat", "clp", "ldr", "spt", "dsc", "snd"] {
        let one = SynthOptions {
            modalities: vec![m.to_string()],
            ..o.clone()
        };
        let t = time(3, || synthplaces(&one).unwrap());
        println!("  {m}: {t:.3} s for 1,000 samples");
    }
    let ds = synthplaces(&o).unwrap();
    let idx: Vec<usize> = (0..1000).collect();
    let dev = candle_core::Device::Cpu;
    let t_nat = time(3, || ds.inputs_uncached("nat", &idx, &dev).unwrap());
    let t_snd = time(3, || ds.inputs_uncached("snd", &idx, &dev).unwrap());
    let t_dsc = time(3, || ds.inputs_uncached("dsc", &idx, &dev).unwrap());
    println!("xmodal inputs (uncached): nat 1,000 images -> [1000,3,64,64] {t_nat:.3} s; snd 1,000 x 2 s -> log-mel [1000,64,124] {t_snd:.3} s; dsc -> [1000,384] {t_dsc:.3} s");
    per_batch(&ds, &dev);
    lazy_batches(&ds, &dev);
    minilm(&ds);

    let py = python();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/peers/data_peer.py");
    match std::process::Command::new(&py).arg(script).output() {
        Ok(out) if out.status.success() => print!("{}", String::from_utf8_lossy(&out.stdout)),
        Ok(out) => println!(
            "peer skipped: {} failed: {}",
            py,
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ),
        Err(e) => println!("peer skipped: cannot run {py}: {e}"),
    }
}
