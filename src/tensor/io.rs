//! Tensor files: safetensors (a map of named tensors), `.npy` (one tensor) and `.npz` (a map).
//! Writes go to a temporary file in the same folder and are renamed into place, so a crash never
//! leaves a half-written file.

use super::{Device, Tensor};
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The formats xmodal reads and writes, chosen by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Safetensors,
    Npy,
    Npz,
}

/// The format of a path from its extension.
pub fn format_of(path: &Path) -> Result<Format> {
    match path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()) {
        Some(e) if e == "safetensors" => Ok(Format::Safetensors),
        Some(e) if e == "npy" => Ok(Format::Npy),
        Some(e) if e == "npz" => Ok(Format::Npz),
        _ => Err(Error::file(
            "tensor file",
            path,
            "unknown extension; use .safetensors (several named tensors), .npy (one tensor) or .npz",
        )),
    }
}

/// Write named tensors. `.npy` takes exactly one tensor.
pub fn save(path: &Path, tensors: &BTreeMap<String, Tensor>) -> Result<()> {
    let format = format_of(path)?;
    if tensors.is_empty() {
        return Err(Error::file(
            "tensor::save",
            path,
            "nothing to save: the map is empty",
        ));
    }
    write_atomic(path, |tmp| match format {
        Format::Safetensors => {
            let map: std::collections::HashMap<String, Tensor> = tensors
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            candle_core::safetensors::save(&map, tmp)
        }
        Format::Npz => {
            let items: Vec<(&str, &Tensor)> =
                tensors.iter().map(|(k, v)| (k.as_str(), v)).collect();
            Tensor::write_npz(&items, tmp)
        }
        Format::Npy => {
            if tensors.len() != 1 {
                return Err(candle_core::Error::Msg(format!(
                    ".npy holds one tensor but {} were given; use .safetensors or .npz for several",
                    tensors.len()
                )));
            }
            tensors.values().next().expect("one tensor").write_npy(tmp)
        }
    })
    .map_err(|e| Error::file("tensor::save", path, e))
}

/// Read every tensor in a file onto `dev`; a `.npy` file gives one entry named after the file stem.
pub fn load(path: &Path, dev: &Device) -> Result<BTreeMap<String, Tensor>> {
    let format = format_of(path)?;
    if !path.exists() {
        return Err(Error::file("tensor::load", path, "no such file"));
    }
    let read = || -> candle_core::Result<BTreeMap<String, Tensor>> {
        Ok(match format {
            Format::Safetensors => candle_core::safetensors::load(path, dev)?
                .into_iter()
                .collect(),
            Format::Npz => Tensor::read_npz(path)?
                .into_iter()
                .map(|(k, t)| t.to_device(dev).map(|t| (k, t)))
                .collect::<candle_core::Result<_>>()?,
            Format::Npy => {
                let stem = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or("tensor")
                    .to_string();
                BTreeMap::from([(stem, Tensor::read_npy(path)?.to_device(dev)?)])
            }
        })
    };
    read().map_err(|e| {
        Error::file(
            "tensor::load",
            path,
            format!("not a valid {format:?} file: {e}"),
        )
    })
}

/// Run `write` on a temporary path beside `path`, then rename it into place.
pub fn write_atomic<E: std::fmt::Display>(
    path: &Path,
    write: impl FnOnce(&Path) -> std::result::Result<(), E>,
) -> std::result::Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create folder {}: {e}", dir.display()))?;
    }
    let tmp = temp_path(path);
    if let Err(e) = write(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.to_string());
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot move the finished file into place: {e}")
    })
}

/// `dir/.name.tmp-PID.ext`: same folder (so the rename is atomic), same extension (some writers
/// look at it).
pub(crate) fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("tmp");
    path.with_file_name(format!(".{name}.tmp-{}.{ext}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_round_trips_values() {
        let dir = std::env::temp_dir().join(format!("xmodal-io-{}", std::process::id()));
        let t = Tensor::new(&[[1f32, 2.], [3., 4.]], &Device::Cpu).unwrap();
        for ext in ["safetensors", "npy", "npz"] {
            let p = dir.join(format!("a.{ext}"));
            save(&p, &BTreeMap::from([("a".to_string(), t.clone())])).unwrap();
            let back = load(&p, &Device::Cpu).unwrap();
            let v = crate::tensor::to_f64_vec(&back["a"]).unwrap();
            assert_eq!(v, vec![1.0, 2.0, 3.0, 4.0], "{ext}");
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn corrupt_file_error_names_the_path() {
        let p = std::env::temp_dir().join(format!("xmodal-bad-{}.safetensors", std::process::id()));
        std::fs::write(&p, b"not a tensor file").unwrap();
        let e = load(&p, &Device::Cpu).unwrap_err().to_string();
        assert!(
            e.contains(&p.display().to_string()) && e.contains("not a valid"),
            "{e}"
        );
        let _ = std::fs::remove_file(p);
    }
}
