//! Checkpoints: named tensors (weights, optimizer state) in one safetensors file plus a JSON
//! sidecar (`<path>.json`) with what the tensors alone cannot say (architecture, phase, step,
//! seed). Both are written to temporary files and renamed, sidecar last, so a crash never leaves a
//! half-written checkpoint and a checkpoint with a sidecar is always complete.

use crate::error::{Error, Result};
use crate::tensor::io::{load, save, write_atomic};
use candle_core::{Device, Tensor};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The sidecar path of a checkpoint: `run.safetensors` → `run.safetensors.json`.
pub fn sidecar(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".json");
    PathBuf::from(s)
}

/// Write tensors and metadata.
pub fn write(
    path: &Path,
    tensors: &BTreeMap<String, Tensor>,
    meta: &serde_json::Value,
) -> Result<()> {
    save(path, tensors)?;
    let text =
        serde_json::to_string_pretty(meta).map_err(|e| Error::file("checkpoint", path, e))?;
    write_atomic(&sidecar(path), |tmp| std::fs::write(tmp, &text))
        .map_err(|e| Error::file("checkpoint", sidecar(path), e))
}

/// Read tensors and metadata onto `dev`.
pub fn read(path: &Path, dev: &Device) -> Result<(BTreeMap<String, Tensor>, serde_json::Value)> {
    let side = sidecar(path);
    let text = std::fs::read_to_string(&side).map_err(|e| {
        Error::file(
            "checkpoint",
            &side,
            format!("{e}; a checkpoint needs its JSON sidecar beside it"),
        )
    })?;
    let meta = serde_json::from_str(&text)
        .map_err(|e| Error::file("checkpoint", &side, format!("not valid JSON: {e}")))?;
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
