//! Writing a dataset in the CMPlaces folder layout that `load_folder` reads:
//! `ROOT/<modality>/<split>/<category>/<file>` (png, txt, wav) plus `ROOT/categories.txt`, into
//! a new or empty folder, or (`overwrite`) over a dataset written before.

use super::audio;
use super::dataset::{Dataset, ModalityKind, Store};
use super::folder::Sample;
use crate::error::{Error, Result};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

fn name(p: &Path) -> String {
    p.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string()
}

/// Options of `write_folder`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WriteOptions {
    /// Replace the dataset already in the folder (false: a non-empty folder is an error).
    pub overwrite: bool,
}

/// Whether `dir` is a modality folder of the layout: `<split>/<category>/<files>` and nothing else.
fn is_modality_folder(dir: &Path) -> bool {
    let subdirs = |d: &Path| -> Option<Vec<PathBuf>> {
        std::fs::read_dir(d)
            .ok()?
            .map(|e| {
                let p = e.ok()?.path();
                p.is_dir().then_some(p)
            })
            .collect()
    };
    let Some(splits) = subdirs(dir) else {
        return false;
    };
    splits.iter().all(|s| {
        subdirs(s).is_some_and(|cats| {
            cats.iter().all(|c| {
                std::fs::read_dir(c).is_ok_and(|rd| rd.flatten().all(|e| e.path().is_file()))
            })
        })
    })
}

/// Make `root` ready for a dataset: create it, or check it is empty, or (with `overwrite`)
/// remove the dataset it holds. Anything that is not `categories.txt` or a modality folder of
/// the layout is left alone and makes this an error.
fn prepare_root(root: &Path, overwrite: bool) -> Result<()> {
    let op = "data::write_folder";
    if !root.exists() {
        return std::fs::create_dir_all(root).map_err(|e| Error::file(op, root, e));
    }
    if !root.is_dir() {
        return Err(Error::file(op, root, "exists and is not a folder"));
    }
    let mut held: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|e| Error::file(op, root, e))?
        .map(|e| e.map(|e| e.path()).map_err(|e| Error::file(op, root, e)))
        .collect::<Result<_>>()?;
    if held.is_empty() {
        return Ok(());
    }
    held.sort();
    if !overwrite {
        return Err(Error::file(
            op,
            root,
            format!(
                "the folder is not empty (it holds {}); write to a new or empty folder, or pass \
                 #{{ overwrite: true }} to replace the dataset it holds",
                held.iter()
                    .map(|p| format!("'{}'", name(p)))
                    .take(5)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let unrelated: Vec<String> = held
        .iter()
        .filter(|p| {
            if p.is_dir() {
                !is_modality_folder(p)
            } else {
                name(p) != "categories.txt"
            }
        })
        .map(|p| format!("'{}'", name(p)))
        .collect();
    if !unrelated.is_empty() {
        return Err(Error::file(
            op,
            root,
            format!(
                "overwrite: the folder holds more than a dataset ({}), so nothing was removed; \
                 write to a new or empty folder, or move those away",
                unrelated.join(", ")
            ),
        ));
    }
    for p in held {
        if p.is_dir() {
            std::fs::remove_dir_all(&p)
        } else {
            std::fs::remove_file(&p)
        }
        .map_err(|e| Error::file(op, &p, format!("overwrite: cannot remove it: {e}")))?;
    }
    Ok(())
}

/// Write `ds` as `ROOT/<modality>/<split>/<category>/<file>` plus `ROOT/categories.txt` into a
/// new or empty folder (see [`write_folder_with`] to replace a dataset).
pub fn write_folder(ds: &Dataset, root: &Path) -> Result<()> {
    write_folder_with(ds, root, &WriteOptions::default())
}

/// [`write_folder`] with options: `overwrite` first removes the dataset the folder holds (its
/// `categories.txt` and modality folders; a folder holding anything else is an error).
pub fn write_folder_with(ds: &Dataset, root: &Path, o: &WriteOptions) -> Result<()> {
    let op = "data::write_folder";
    let mk = |d: &Path| std::fs::create_dir_all(d).map_err(|e| Error::file(op, d, e));
    if let Some(m) = ds
        .modalities()
        .into_iter()
        .find(|m| ds.kind(m).ok() == Some(ModalityKind::Features))
    {
        return Err(Error::invalid(op, "modality", format!("'{m}' holds feature vectors, which have no file form here; save them with tensor::save")));
    }
    prepare_root(root, o.overwrite)?;
    let list = root.join("categories.txt");
    std::fs::write(&list, ds.categories().join("\n") + "\n")
        .map_err(|e| Error::file(op, &list, e))?;
    for m in ds.modalities() {
        let labels = ds.labels(&m)?;
        let pairs = ds.pair_ids(&m)?;
        let store = ds.store(&m)?;
        let ext = match store.kind() {
            ModalityKind::Image => "png",
            ModalityKind::Text => "txt",
            ModalityKind::Sound => "wav",
            ModalityKind::Features => unreachable!("rejected above"),
        };
        for c in ds.categories() {
            mk(&root.join(&m).join(ds.split_name()).join(c))?;
        }
        (0..labels.len()).into_par_iter().try_for_each(|i| {
            let file = match &pairs {
                Some(p) => format!("p{:06}_{i:05}.{ext}", p[i]),
                None => format!("{i:05}.{ext}"),
            };
            let path = root
                .join(&m)
                .join(ds.split_name())
                .join(&ds.categories()[labels[i]])
                .join(file);
            let (sample, size) = match store {
                Store::Images { size, data } => (Sample::Image(data[i].clone()), *size),
                Store::Texts(t) => (Sample::Text(t[i].clone()), 0),
                Store::Sounds { data, .. } => (Sample::Sound(data[i].clone()), 0),
                Store::Lazy(l) => (l.raw(i)?, l.image_size()),
                Store::Features { .. } => unreachable!("rejected above"),
            };
            match sample {
                Sample::Image(px) => {
                    image::RgbImage::from_raw(size as u32, size as u32, px.to_vec())
                        .ok_or_else(|| Error::file(op, &path, "image buffer has the wrong size"))?
                        .save(&path)
                        .map_err(|e| Error::file(op, &path, e))
                }
                Sample::Text(t) => {
                    std::fs::write(&path, format!("{t}\n")).map_err(|e| Error::file(op, &path, e))
                }
                Sample::Sound(x) => audio::write_wav(&path, &x, audio::RATE),
            }
        })?;
    }
    Ok(())
}
