//! Precomputed features: a user with features from a real CNN trains and evaluates the shared
//! layers on them directly.
//!
//! Formats: a safetensors/npz file holding `features` [N, D] and `labels` [N] (one modality,
//! named by the caller), or `<m>.features`, `<m>.labels` and optionally `<m>.pair_ids` for any
//! number of modalities m; or a `.npy` [N, D] with labels from a second file (`.npy`, or `.txt`
//! with one integer per line).

use super::dataset::{Dataset, Modality, Store};
use crate::error::{Error, Result};
use crate::tensor::{io, to_f64_vec, Device, Tensor};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

const OP: &str = "data::load_features";

/// The most classes a label file may imply when no category list is given.
pub const MAX_CLASSES: usize = 1_000_000;

/// Read a tensor file, with errors labelled by this function and the fix for compressed npz.
fn load_tensors(path: &Path) -> Result<BTreeMap<String, Tensor>> {
    io::load(path, &Device::Cpu).map_err(|e| match e {
        Error::File { path, reason, .. } => {
            let reason = if reason.contains("compression method not supported") {
                format!(
                    "{reason}; the .npz is compressed (np.savez_compressed): save it with \
                     np.savez (uncompressed) or as .safetensors"
                )
            } else {
                reason
            };
            Error::file(OP, path, reason)
        }
        other => other,
    })
}

fn ints(path: &Path, what: &str, t: &Tensor, n: usize) -> Result<Vec<usize>> {
    if t.dims() != [n] {
        return Err(Error::file(
            OP,
            path,
            format!(
                "'{what}' has shape {:?}; expected [{n}] to match the features",
                t.dims()
            ),
        ));
    }
    to_f64_vec(t)?
        .into_iter()
        .map(|v| {
            if v >= 0.0 && v.fract() == 0.0 {
                Ok(v as usize)
            } else {
                Err(Error::file(
                    OP,
                    path,
                    format!("'{what}' holds {v}, not a non-negative integer"),
                ))
            }
        })
        .collect()
}

fn make_modality(
    path: &Path,
    name: &str,
    f: &Tensor,
    labels: &Tensor,
    pairs: Option<&Tensor>,
) -> Result<Modality> {
    let [n, d] = f.dims() else {
        return Err(Error::file(
            OP,
            path,
            format!(
                "features of '{name}' have shape {:?}; expected [N, D]",
                f.dims()
            ),
        ));
    };
    let (n, d) = (*n, *d);
    let v: Vec<f32> = to_f64_vec(f)?.into_iter().map(|x| x as f32).collect();
    Ok(Modality {
        name: name.to_string(),
        store: Store::Features {
            dim: d,
            data: v.chunks(d.max(1)).take(n).map(Arc::from).collect(),
        },
        labels: ints(path, &format!("{name} labels"), labels, n)?,
        pair_ids: pairs
            .map(|p| ints(path, &format!("{name} pair_ids"), p, n))
            .transpose()?,
        objects: None,
    })
}

fn read_labels(path: &Path) -> Result<Tensor> {
    if path.extension().and_then(|e| e.to_str()) == Some("txt") {
        let text = std::fs::read_to_string(path).map_err(|e| Error::file(OP, path, e))?;
        let v: Vec<f64> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                l.trim().parse::<usize>().map(|x| x as f64).map_err(|_| {
                    Error::file(
                        OP,
                        path,
                        format!("line {}: '{}' is not a label", i + 1, l.trim()),
                    )
                })
            })
            .collect::<Result<_>>()?;
        let n = v.len();
        crate::tensor::create::from_f64(v, &[n], candle_core::DType::F64, &Device::Cpu)
    } else {
        let m = load_tensors(path)?;
        m.into_values()
            .next()
            .ok_or_else(|| Error::file(OP, path, "holds no tensor"))
    }
}

/// Load features. `modality` names the single modality of a plain file; `labels` is the label
/// file for `.npy` features; `categories` the names (default: Places205 when the labels fit).
pub fn load_features(
    path: &Path,
    modality: &str,
    labels: Option<&Path>,
    categories: Option<Vec<String>>,
) -> Result<Dataset> {
    let map: BTreeMap<String, Tensor> = load_tensors(path)?;
    let mut mods = vec![];
    if io::format_of(path)? == io::Format::Npy {
        let lp = labels
            .map(Path::to_path_buf)
            .unwrap_or_else(|| path.with_file_name("labels.npy"));
        if !lp.exists() {
            return Err(Error::file(OP, &lp, "no label file for the .npy features; give #{ labels: \"path.npy\" or \"path.txt\" }"));
        }
        let f = map
            .into_values()
            .next()
            .ok_or_else(|| Error::file(OP, path, "holds no tensor"))?;
        mods.push(make_modality(&lp, modality, &f, &read_labels(&lp)?, None)?);
    } else if let (Some(f), Some(l)) = (map.get("features"), map.get("labels")) {
        mods.push(make_modality(path, modality, f, l, map.get("pair_ids"))?);
    } else {
        for key in map.keys().filter(|k| k.ends_with(".features")) {
            let m = key.trim_end_matches(".features");
            let l = map
                .get(&format!("{m}.labels"))
                .ok_or_else(|| Error::file(OP, path, format!("'{key}' has no '{m}.labels'")))?;
            mods.push(make_modality(
                path,
                m,
                &map[key],
                l,
                map.get(&format!("{m}.pair_ids")),
            )?);
        }
        if mods.is_empty() {
            return Err(Error::file(OP, path, format!("no features found: expected 'features' + 'labels' or '<modality>.features' + '<modality>.labels'; keys are: {}", map.keys().cloned().collect::<Vec<_>>().join(", "))));
        }
    }
    // The largest label, with its modality and row.
    let (max, at) = mods
        .iter()
        .flat_map(|m| m.labels.iter().enumerate().map(move |(i, &l)| (l, (m, i))))
        .max_by_key(|&(l, (_, i))| (l, std::cmp::Reverse(i)))
        .map(|(l, at)| (l, Some(at)))
        .unwrap_or((0, None));
    let where_ = || {
        at.map(|(m, i)| format!(" (row {i} of '{}' labels)", m.name))
            .unwrap_or_default()
    };
    let cats = match categories {
        Some(c) => {
            if max >= c.len() {
                return Err(Error::file(
                    OP,
                    path,
                    format!(
                        "label {max}{} is out of range for the {} categories given; labels must be \
                         0..{} (one per category, in order): remap them or give the full category list",
                        where_(),
                        c.len(),
                        c.len().saturating_sub(1)
                    ),
                ));
            }
            c
        }
        None => {
            let p = crate::assets::places205_categories();
            if max < p.len() {
                p.iter().map(|s| s.to_string()).collect()
            } else if max < MAX_CLASSES {
                (0..=max).map(|i| format!("class_{i}")).collect()
            } else {
                return Err(Error::file(
                    OP,
                    path,
                    format!(
                        "label {max}{} is not a plausible class index (it would make {} classes, \
                         more than {MAX_CLASSES}); labels must be 0..K-1 for K classes: remap them \
                         to 0..K-1 and pass the names as #{{ categories: [...] }}",
                        where_(),
                        max as u128 + 1
                    ),
                ));
            }
        }
    };
    Dataset::new(cats, mods, "all").map_err(|e| Error::file(OP, path, e))
}
