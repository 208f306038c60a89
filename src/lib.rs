//! xmodal: a workbench for learning aligned cross-modal representations.
//!
//! The Rust core (tensors, data, networks, objectives, training, evaluation, visualisation) is
//! plain library code over candle; `script` is the only module that knows Rhai.

pub mod alloc;
pub mod assets;
pub mod data;
pub mod device;
pub mod error;
pub mod eval;
pub mod interrupt;
pub mod nn;
pub mod objectives;
pub mod script;
pub mod tensor;
pub mod train;
pub mod viz;

pub use error::{Error, Result};

/// The folder for results kept between runs: `XMODAL_CACHE`, else `<user cache>/xmodal`, else
/// `.xmodal-cache` in the working folder.
pub fn cache_dir() -> std::path::PathBuf {
    match std::env::var_os("XMODAL_CACHE") {
        Some(p) if !p.is_empty() => p.into(),
        _ => dirs::cache_dir()
            .map(|d| d.join("xmodal"))
            .unwrap_or_else(|| ".xmodal-cache".into()),
    }
}
