//! Checkpoints: named tensors (weights, optimizer state) in one safetensors file plus a JSON
//! sidecar (`<path>.json`) with what the tensors alone cannot say (phase, step, seed, history),
//! saved as one unit by [`crate::tensor::pair`]: a failed save keeps the previous checkpoint, and
//! weights paired with a sidecar from another save are refused on reading.

use crate::error::Result;
use crate::tensor::io::load;
use crate::tensor::pair::{read_sidecar, write_pair};
use candle_core::{Device, Tensor};
use std::collections::BTreeMap;
use std::path::Path;

pub use crate::tensor::pair::sidecar_of as sidecar;

/// Write tensors and metadata (a JSON object).
pub fn write(
    path: &Path,
    tensors: &BTreeMap<String, Tensor>,
    meta: &serde_json::Value,
) -> Result<()> {
    write_pair("checkpoint", path, tensors, meta.clone())
}

/// Read tensors and metadata onto `dev`.
pub fn read(path: &Path, dev: &Device) -> Result<(BTreeMap<String, Tensor>, serde_json::Value)> {
    let meta = read_sidecar("checkpoint", path)?;
    Ok((load(path, dev)?, meta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_missing_sidecar_error() {
        let dir = std::env::temp_dir().join(format!("xmodal-ckpt-{}", std::process::id()));
        let p = dir.join("a.safetensors");
        let t = Tensor::new(&[1f32, 2.0], &Device::Cpu).unwrap();
        write(
            &p,
            &BTreeMap::from([("w".to_string(), t)]),
            &serde_json::json!({ "step": 3 }),
        )
        .unwrap();
        let (m, meta) = read(&p, &Device::Cpu).unwrap();
        assert_eq!(m["w"].to_vec1::<f32>().unwrap(), vec![1.0, 2.0]);
        assert_eq!(meta["step"], 3);
        std::fs::remove_file(sidecar(&p)).unwrap();
        let e = read(&p, &Device::Cpu).unwrap_err().to_string();
        assert!(
            e.contains("a.safetensors.json") && e.contains("sidecar"),
            "{e}"
        );
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty());
        let _ = std::fs::remove_dir_all(dir);
    }
}
