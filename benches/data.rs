//! Benchmark of SynthPlaces: `synthplaces(#{categories: 20, per_category: 50, seed: 1})` (six
//! modalities × 1,000 samples; goal < 10 s on 2 cores), the time per modality, and the network
//! front ends (1,000 images to tensors, 1,000 sounds to log-mel). The Python peer
//! (`benches/peers/data_peer.py`, numpy) renders the same number of comparable images and
//! computes the same log-mel spectrograms. Run: `cargo bench --bench data`.

use std::time::Instant;
use xmodal::data::{synthplaces, SynthOptions};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

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
    let t_nat = time(3, || ds.inputs("nat", &idx, &dev).unwrap());
    let t_snd = time(3, || ds.inputs("snd", &idx, &dev).unwrap());
    let t_dsc = time(3, || ds.inputs("dsc", &idx, &dev).unwrap());
    println!("xmodal inputs: nat 1,000 images -> [1000,3,64,64] {t_nat:.3} s; snd 1,000 x 2 s -> log-mel [1000,64,124] {t_snd:.3} s; dsc -> [1000,384] {t_dsc:.3} s");

    let py = std::env::var("XMODAL_PYTHON").unwrap_or_else(|_| {
        if std::path::Path::new("/work/pyvenv/bin/python").exists() {
            "/work/pyvenv/bin/python".into()
        } else {
            "python3".into()
        }
    });
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
