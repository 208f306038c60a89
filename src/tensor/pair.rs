//! A safetensors file and its JSON sidecar (`<path>.json`) saved as one unit: the form of
//! `net.save` and of training checkpoints.
//!
//! Both files are written to temporary files first, so a failed write (full disk, unwritable
//! folder) leaves the previous pair untouched. Both carry the same write id (the sidecar as
//! `"write_id"`, the safetensors header as metadata `xmodal.write_id`); the two renames that put
//! them into place are the only moment a crash could pair new weights with an old sidecar, and
//! [`read_sidecar`] then refuses the pair instead of resuming from mismatched state. Pairs written
//! before write ids existed (no id in the sidecar) are read as they are.

use super::io::temp_path;
use super::Tensor;
use crate::error::{Error, Result};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The safetensors metadata key that holds the write id.
const ID_KEY: &str = "xmodal.write_id";

/// The sidecar path of a pair: `run.safetensors` → `run.safetensors.json`.
pub fn sidecar_of(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".json");
    PathBuf::from(s)
}

/// A write id unique to this process and moment.
fn new_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{nanos:x}-{:x}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Save `tensors` to `path` (which must end in `.safetensors`) and the JSON object `meta` to its
/// sidecar; `op` names the caller in errors.
pub fn write_pair(
    op: &str,
    path: &Path,
    tensors: &BTreeMap<String, Tensor>,
    mut meta: serde_json::Value,
) -> Result<()> {
    if super::io::format_of(path)? != super::io::Format::Safetensors {
        return Err(Error::file(
            op,
            path,
            "weights and their sidecar are saved as .safetensors; change the extension",
        ));
    }
    let id = new_id();
    let obj = meta
        .as_object_mut()
        .ok_or_else(|| Error::msg(format!("{op}: the sidecar must be a JSON object")))?;
    obj.insert("write_id".into(), serde_json::Value::String(id.clone()));
    let json = serde_json::to_string_pretty(&meta).map_err(|e| Error::msg(format!("{op}: {e}")))?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::file(op, dir, e))?;
    }
    let side = sidecar_of(path);
    let (tmp_w, tmp_s) = (temp_path(path), temp_path(&side));
    let clean = || {
        let _ = std::fs::remove_file(&tmp_w);
        let _ = std::fs::remove_file(&tmp_s);
    };
    let info = HashMap::from([(ID_KEY.to_string(), id)]);
    if let Err(e) = safetensors::serialize_to_file(tensors.iter(), Some(info), &tmp_w) {
        clean();
        return Err(Error::file(op, path, e));
    }
    if let Err(e) = std::fs::write(&tmp_s, json) {
        clean();
        return Err(Error::file(op, &side, e));
    }
    // Both complete: only now replace the previous pair.
    if let Err(e) = std::fs::rename(&tmp_w, path) {
        clean();
        return Err(Error::file(
            op,
            path,
            format!("cannot move into place: {e}"),
        ));
    }
    std::fs::rename(&tmp_s, &side).map_err(|e| {
        clean();
        Error::file(
            op,
            &side,
            format!("cannot move into place: {e}; the weights were replaced, so save again"),
        )
    })
}

/// The write id in a safetensors file's header metadata, if any.
fn header_id(path: &Path) -> std::io::Result<Option<String>> {
    let mut f = std::fs::File::open(path)?;
    let mut len = [0u8; 8];
    f.read_exact(&mut len)?;
    let n = u64::from_le_bytes(len);
    if n > 100 << 20 {
        return Err(std::io::Error::other(
            "header larger than 100 MB: not safetensors",
        ));
    }
    let mut header = vec![0u8; n as usize];
    f.read_exact(&mut header)?;
    let v: serde_json::Value = serde_json::from_slice(&header).map_err(std::io::Error::other)?;
    Ok(v.get("__metadata__")
        .and_then(|m| m.get(ID_KEY))
        .and_then(|s| s.as_str())
        .map(str::to_string))
}

/// Read the sidecar of `path` as JSON and check that it belongs to the weights beside it.
pub fn read_sidecar(op: &str, path: &Path) -> Result<serde_json::Value> {
    let side = sidecar_of(path);
    let text = std::fs::read_to_string(&side).map_err(|e| {
        Error::file(
            op,
            &side,
            format!("{e} (the JSON sidecar written beside the weights is needed)"),
        )
    })?;
    let meta: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::file(op, &side, format!("not valid JSON: {e}")))?;
    if let Some(want) = meta.get("write_id").and_then(|v| v.as_str()) {
        let got = header_id(path)
            .map_err(|e| Error::file(op, path, format!("cannot read its header: {e}")))?;
        if got.as_deref() != Some(want) {
            return Err(Error::file(
                op,
                path,
                format!(
                    "the weights and {} come from different saves (a save was interrupted \
                     between putting the two files in place); save again, or use an older copy",
                    side.display()
                ),
            ));
        }
    }
    Ok(meta)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("xmodal-pair-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    fn one(v: f32) -> BTreeMap<String, Tensor> {
        BTreeMap::from([("w".into(), Tensor::new(&[v], &Device::Cpu).unwrap())])
    }

    #[test]
    fn a_pair_round_trips_and_other_readers_see_plain_safetensors() {
        let d = dir("round");
        let p = d.join("a.safetensors");
        write_pair("t", &p, &one(2.0), serde_json::json!({ "step": 3 })).unwrap();
        let meta = read_sidecar("t", &p).unwrap();
        assert_eq!(meta["step"], 3);
        let t = candle_core::safetensors::load(&p, &Device::Cpu).unwrap();
        assert_eq!(t["w"].to_vec1::<f32>().unwrap(), vec![2.0]);
        let _ = std::fs::remove_dir_all(d);
    }

    #[test]
    fn a_failed_sidecar_write_keeps_the_previous_pair() {
        let d = dir("fail");
        let p = d.join("a.safetensors");
        write_pair("t", &p, &one(1.0), serde_json::json!({ "step": 1 })).unwrap();
        // A folder where the sidecar's temporary file would go makes its write fail.
        std::fs::create_dir_all(temp_path(&sidecar_of(&p))).unwrap();
        let e = write_pair("t", &p, &one(9.0), serde_json::json!({ "step": 2 }));
        assert!(e.is_err());
        std::fs::remove_dir_all(temp_path(&sidecar_of(&p))).unwrap();
        assert_eq!(read_sidecar("t", &p).unwrap()["step"], 1);
        let t = candle_core::safetensors::load(&p, &Device::Cpu).unwrap();
        assert_eq!(t["w"].to_vec1::<f32>().unwrap(), vec![1.0]);
        let names: Vec<String> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 2, "no temporary file left: {names:?}");
        let _ = std::fs::remove_dir_all(d);
    }

    #[test]
    fn weights_and_a_sidecar_from_different_saves_are_refused() {
        let d = dir("mix");
        let p = d.join("a.safetensors");
        write_pair("t", &p, &one(1.0), serde_json::json!({ "step": 1 })).unwrap();
        let old = std::fs::read(sidecar_of(&p)).unwrap();
        write_pair("t", &p, &one(2.0), serde_json::json!({ "step": 2 })).unwrap();
        std::fs::write(sidecar_of(&p), old).unwrap();
        let e = read_sidecar("t", &p).unwrap_err().to_string();
        assert!(e.contains("different saves"), "{e}");
        // A sidecar without an id (older saves) is read as it is.
        std::fs::write(sidecar_of(&p), r#"{ "step": 7 }"#).unwrap();
        assert_eq!(read_sidecar("t", &p).unwrap()["step"], 7);
        let _ = std::fs::remove_dir_all(d);
    }
}
