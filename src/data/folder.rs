//! Folders of files in the CMPlaces layout `ROOT/<modality>/<split>/<category>/<file>`: images
//! (png, jpg), descriptions (`.txt`, one per file) and sounds (`.wav`), plus `ROOT/categories.txt`
//! (label order, optional). Also the Places205 list format (`<relpath> <label>` per line).
//!
//! File names `p<pair>_<index>.<ext>` carry pair ids. Loading decodes every file in parallel;
//! bad input (an undecodable file, an empty category folder, a category missing from one
//! modality, an unsupported WAV, a malformed list line) is an error naming the file and the
//! reason, or with `skip_bad` is skipped and listed in `Dataset::summary`. The writer of this
//! layout is in `write.rs` (re-exported here).

use super::audio;
use super::dataset::{Dataset, Modality, ModalityKind, Skipped, Store};
use super::lazy::LazyStore;
use crate::error::{Error, Result};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use super::write::{write_folder, write_folder_with, WriteOptions};

/// Options of `load_folder` and `load_places_list`.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadOptions {
    /// The split folder to read; None: the only split there is, or "train" if several.
    pub split: Option<String>,
    /// Images are resized to image_size × image_size.
    pub image_size: usize,
    /// Sounds are cropped or zero-padded to this many seconds at 16 kHz.
    pub seconds: f32,
    /// Skip bad files (counted and listed in the summary) instead of stopping.
    pub skip_bad: bool,
    /// Decode images and sounds on demand (descriptions are still read at once).
    pub lazy: bool,
    /// With `lazy`: how many decoded input rows per modality an LRU cache keeps.
    pub cache: usize,
}

/// The image sizes a loader accepts (pixels per side).
pub const IMAGE_SIZES: std::ops::RangeInclusive<usize> = 8..=2048;
/// The sound lengths a loader accepts (seconds).
pub const SECONDS: std::ops::RangeInclusive<f32> = 0.01..=600.0;

impl LoadOptions {
    /// Sound length in samples at 16 kHz.
    pub fn sound_len(&self) -> usize {
        (self.seconds * audio::RATE as f32).round() as usize
    }

    /// Check the ranges of `image_size` and `seconds` (errors name the option of `op`).
    pub fn validate(&self, op: &str) -> Result<()> {
        if !IMAGE_SIZES.contains(&self.image_size) {
            return Err(Error::invalid(
                op,
                "image_size",
                format!(
                    "must be in {}..={} (pixels per side), got {}",
                    IMAGE_SIZES.start(),
                    IMAGE_SIZES.end(),
                    self.image_size
                ),
            ));
        }
        if !SECONDS.contains(&self.seconds) {
            return Err(Error::invalid(
                op,
                "seconds",
                format!(
                    "must be in {}..={} (sounds are cropped or padded to this length), got {}",
                    SECONDS.start(),
                    SECONDS.end(),
                    self.seconds
                ),
            ));
        }
        Ok(())
    }
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            split: None,
            image_size: 64,
            seconds: 2.0,
            skip_bad: false,
            lazy: false,
            cache: 512,
        }
    }
}

/// One decoded file.
pub enum Sample {
    Image(Arc<[u8]>),
    Text(Arc<str>),
    Sound(Arc<[f32]>),
}

fn ext_of(p: &Path) -> String {
    p.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// Decode an image by the format of its content (a PNG named `.jpg` is read as PNG), the same
/// way the lazy header check reads it.
fn read_image(path: &Path, size: usize) -> Result<Arc<[u8]>> {
    let op = "data::load_folder";
    let img = image::ImageReader::open(path)
        .map_err(|e| Error::file(op, path, e))?
        .with_guessed_format()
        .map_err(|e| Error::file(op, path, e))?
        .decode()
        .map_err(|e| Error::file(op, path, format!("cannot decode image: {e}")))?
        .to_rgb8();
    let img = if img.width() as usize != size || img.height() as usize != size {
        image::imageops::resize(
            &img,
            size as u32,
            size as u32,
            image::imageops::FilterType::Triangle,
        )
    } else {
        img
    };
    Ok(Arc::from(img.into_raw()))
}

/// Decode one file of the folder layout by its extension.
pub fn read_sample(path: &Path, o: &LoadOptions) -> Result<Sample> {
    let op = "data::load_folder";
    match ext_of(path).as_str() {
        "png" | "jpg" | "jpeg" => read_image(path, o.image_size).map(Sample::Image),
        "txt" => {
            let bytes = std::fs::read(path).map_err(|e| Error::file(op, path, e))?;
            let s = String::from_utf8(bytes)
                .map_err(|_| Error::file(op, path, "description is not valid UTF-8 text"))?;
            if s.trim().is_empty() {
                return Err(Error::file(op, path, "empty description"));
            }
            Ok(Sample::Text(Arc::from(s.trim())))
        }
        "wav" => {
            let (mut x, rate) = audio::read_wav(path)?;
            // Only the samples the crop keeps are resampled (plus the interpolation's neighbours).
            let need = (o.sound_len() as u64 * rate as u64).div_ceil(audio::RATE as u64) + 2;
            x.truncate(need.min(usize::MAX as u64) as usize);
            let x = audio::resample(&x, rate, audio::RATE);
            Ok(Sample::Sound(Arc::from(audio::crop_or_pad(
                x,
                o.sound_len(),
            ))))
        }
        e => Err(Error::file(
            op,
            path,
            format!("unsupported file type '.{e}'; expected png, jpg, txt or wav"),
        )),
    }
}

/// A listed file: decoded now, or (lazy) an image or sound whose header was checked.
enum Entry {
    Now(Sample),
    Later(ModalityKind),
}

impl Entry {
    fn kind(&self) -> ModalityKind {
        match self {
            Entry::Now(Sample::Image(_)) => ModalityKind::Image,
            Entry::Now(Sample::Text(_)) => ModalityKind::Text,
            Entry::Now(Sample::Sound(_)) => ModalityKind::Sound,
            Entry::Later(k) => *k,
        }
    }
}

/// Decode a file, or with `lazy` only check the header of an image or sound.
fn scan(path: &Path, o: &LoadOptions) -> Result<Entry> {
    let op = "data::load_folder";
    if !o.lazy {
        return read_sample(path, o).map(Entry::Now);
    }
    match ext_of(path).as_str() {
        "png" | "jpg" | "jpeg" => image::ImageReader::open(path)
            .map_err(|e| Error::file(op, path, e))?
            .with_guessed_format()
            .map_err(|e| Error::file(op, path, e))?
            .into_dimensions()
            .map_err(|e| Error::file(op, path, format!("cannot decode image: {e}")))
            .map(|_| Entry::Later(ModalityKind::Image)),
        "wav" => audio::check_wav(path).map(|_| Entry::Later(ModalityKind::Sound)),
        _ => read_sample(path, o).map(Entry::Now),
    }
}

/// Sorted entries of a folder (only folders, or only files).
fn entries(dir: &Path, dirs: bool) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::file("data::load_folder", dir, e))?;
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() == dirs)
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(".")
                .starts_with('.')
        })
        .collect();
    v.sort();
    Ok(v)
}

fn name(p: &Path) -> String {
    p.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string()
}

/// The pair id in a file name `p<id>_<rest>`.
fn pair_of(p: &Path) -> Option<usize> {
    let n = name(p);
    let rest = n.strip_prefix('p')?;
    rest.split('_').next()?.parse().ok()
}

/// A bad input: an error, or (with skip_bad) a record.
fn bad(skipped: &mut Vec<Skipped>, skip: bool, e: Error, path: &Path) -> Result<()> {
    if skip {
        let reason = match &e {
            Error::File { reason, .. } => reason.clone(),
            other => other.to_string(),
        };
        skipped.push(Skipped {
            path: path.to_path_buf(),
            reason,
        });
        Ok(())
    } else {
        Err(e)
    }
}

/// Read a dataset written in the CMPlaces folder layout.
pub fn load_folder(root: &Path, o: &LoadOptions) -> Result<Dataset> {
    let op = "data::load_folder";
    o.validate(op)?;
    if !root.is_dir() {
        return Err(Error::file(op, root, "no such folder"));
    }
    let mod_dirs = entries(root, true)?;
    if mod_dirs.is_empty() {
        return Err(Error::file(
            op,
            root,
            "no modality folders (expected ROOT/<modality>/<split>/<category>/<file>)",
        ));
    }
    let split = match &o.split {
        Some(s) => s.clone(),
        None => {
            let mut splits: Vec<String> = vec![];
            for m in &mod_dirs {
                splits.extend(entries(m, true)?.iter().map(|p| name(p)));
            }
            splits.sort();
            splits.dedup();
            match splits.len() {
                0 => {
                    return Err(Error::file(
                        op,
                        root,
                        "no split folders under the modality folders",
                    ))
                }
                1 => splits.remove(0),
                _ if splits.iter().any(|s| s == "train") => "train".into(),
                _ => {
                    return Err(Error::invalid(
                        op,
                        "split",
                        format!(
                            "several splits ({}); choose one with #{{ split: \"...\" }}",
                            splits.join(", ")
                        ),
                    ))
                }
            }
        }
    };
    // Category folders per modality.
    let mut per_mod: Vec<(String, PathBuf, Vec<String>)> = vec![];
    for m in &mod_dirs {
        let d = m.join(&split);
        if !d.is_dir() {
            return Err(Error::file(
                op,
                &d,
                format!("modality '{}' has no split '{split}'", name(m)),
            ));
        }
        per_mod.push((
            name(m),
            d.clone(),
            entries(&d, true)?.iter().map(|p| name(p)).collect(),
        ));
    }
    let list = root.join("categories.txt");
    let categories: Vec<String> = if list.is_file() {
        read_category_list(&list)?
    } else {
        let mut all: Vec<String> = per_mod.iter().flat_map(|p| p.2.clone()).collect();
        all.sort();
        all.dedup();
        all
    };
    let mut skipped = vec![];
    let mut jobs: Vec<(usize, usize, PathBuf)> = vec![]; // (modality, label, file)
    for (mi, (mname, dir, cats)) in per_mod.iter().enumerate() {
        for c in cats {
            if !categories.contains(c) {
                let e = Error::file(
                    op,
                    dir.join(c),
                    format!("category '{c}' is not listed in {}", list.display()),
                );
                bad(&mut skipped, o.skip_bad, e, &dir.join(c))?;
            }
        }
        for (label, c) in categories.iter().enumerate() {
            let cdir = dir.join(c);
            if !cdir.is_dir() {
                let other = per_mod
                    .iter()
                    .find(|p| p.2.contains(c))
                    .map(|p| p.0.clone());
                let reason = match other {
                    Some(other) => format!(
                        "category '{c}' is missing from modality '{mname}' (it is present in '{other}')"
                    ),
                    None => format!(
                        "category '{c}' is missing from modality '{mname}' (it is present in no modality: \
                         remove it from {} or add its folders)",
                        list.display()
                    ),
                };
                let e = Error::file(op, &cdir, reason);
                bad(&mut skipped, o.skip_bad, e, &cdir)?;
                continue;
            }
            let files = entries(&cdir, false)?;
            if files.is_empty() {
                let e = Error::file(op, &cdir, "empty category folder: it holds no files");
                bad(&mut skipped, o.skip_bad, e, &cdir)?;
            }
            jobs.extend(files.into_iter().map(|f| (mi, label, f)));
        }
    }
    let decoded: Vec<Result<Entry>> = jobs.par_iter().map(|(_, _, f)| scan(f, o)).collect();
    // Per modality: entries, their files, labels, pair ids.
    type Parts = (Vec<Entry>, Vec<PathBuf>, Vec<usize>, Vec<Option<usize>>);
    let mut mods: Vec<Parts> = per_mod.iter().map(|_| Default::default()).collect();
    for ((mi, label, f), r) in jobs.iter().zip(decoded) {
        match r {
            Ok(s) => {
                let m = &mut mods[*mi];
                if m.0.first().is_some_and(|x| x.kind() != s.kind()) {
                    let e = Error::file(
                        op,
                        f,
                        format!(
                            "file type differs from the rest of modality '{}'",
                            per_mod[*mi].0
                        ),
                    );
                    bad(&mut skipped, o.skip_bad, e, f)?;
                    continue;
                }
                m.0.push(s);
                m.1.push(f.clone());
                m.2.push(*label);
                m.3.push(pair_of(f));
            }
            Err(e) => bad(&mut skipped, o.skip_bad, e, f)?,
        }
    }
    let mut out = vec![];
    for ((entries, files, labels, pairs), (mname, dir, _)) in mods.into_iter().zip(&per_mod) {
        let Some(kind) = entries.first().map(Entry::kind) else {
            return Err(Error::file(
                op,
                dir,
                format!("modality '{mname}' has no readable files"),
            ));
        };
        let store = if matches!(entries[0], Entry::Later(_)) {
            Store::Lazy(LazyStore::new(kind, files, o))
        } else {
            let samples = entries.into_iter().filter_map(|e| match e {
                Entry::Now(s) => Some(s),
                Entry::Later(_) => None,
            });
            match kind {
                ModalityKind::Image => Store::Images {
                    size: o.image_size,
                    data: samples
                        .filter_map(|s| match s {
                            Sample::Image(x) => Some(x),
                            _ => None,
                        })
                        .collect(),
                },
                ModalityKind::Text => Store::Texts(
                    samples
                        .filter_map(|s| match s {
                            Sample::Text(x) => Some(x),
                            _ => None,
                        })
                        .collect(),
                ),
                _ => Store::Sounds {
                    len: o.sound_len(),
                    data: samples
                        .filter_map(|s| match s {
                            Sample::Sound(x) => Some(x),
                            _ => None,
                        })
                        .collect(),
                },
            }
        };
        let pair_ids = pairs
            .iter()
            .all(Option::is_some)
            .then(|| pairs.iter().map(|p| p.unwrap_or(0)).collect());
        out.push(Modality {
            name: mname.clone(),
            store,
            labels,
            pair_ids,
            objects: None,
        });
    }
    Ok(Dataset::new(categories, out, &split)?.with_skipped(skipped))
}

/// The category names of `categories.txt` (one per line, blank lines ignored); a name listed
/// twice is an error naming it and both lines.
fn read_category_list(list: &Path) -> Result<Vec<String>> {
    let op = "data::load_folder";
    let text = std::fs::read_to_string(list).map_err(|e| Error::file(op, list, e))?;
    let mut seen: std::collections::HashMap<&str, usize> = Default::default();
    let mut out = vec![];
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        if let Some(first) = seen.insert(l, i + 1) {
            return Err(Error::file(
                op,
                list,
                format!(
                    "category '{l}' is listed twice (lines {first} and {}); each category must appear once",
                    i + 1
                ),
            ));
        }
        out.push(l.to_string());
    }
    Ok(out)
}

/// Read a Places205-style list (`<relpath> <label>` per line) of natural images under `root`
/// (default: the list's folder) as one modality `nat` over `categories` (default Places205).
pub fn load_places_list(
    list: &Path,
    root: Option<&Path>,
    categories: Option<Vec<String>>,
    o: &LoadOptions,
) -> Result<Dataset> {
    let op = "data::load_places_list";
    o.validate(op)?;
    let text = std::fs::read_to_string(list).map_err(|e| Error::file(op, list, e))?;
    let root = root
        .map(Path::to_path_buf)
        .unwrap_or_else(|| list.parent().unwrap_or(Path::new(".")).to_path_buf());
    let cats = categories.unwrap_or_else(|| {
        crate::assets::places205_categories()
            .iter()
            .map(|s| s.to_string())
            .collect()
    });
    let mut skipped = vec![];
    let mut jobs = vec![];
    for (n, line) in text.lines().enumerate() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let parsed = match l.rsplit_once(char::is_whitespace) {
            None => Err(format!(
                "line {}: expected '<relpath> <label>', got '{l}'",
                n + 1
            )),
            Some((p, lab)) => match lab.trim().parse::<usize>() {
                Err(_) => Err(format!(
                    "line {}: label '{}' is not a non-negative integer",
                    n + 1,
                    lab.trim()
                )),
                Ok(v) if v >= cats.len() => Err(format!(
                    "line {}: label {v} is out of range ({} categories)",
                    n + 1,
                    cats.len()
                )),
                Ok(v) => Ok((root.join(p.trim()), v)),
            },
        };
        match parsed {
            Ok(j) => jobs.push(j),
            Err(reason) => bad(
                &mut skipped,
                o.skip_bad,
                Error::file(op, list, reason.clone()),
                list,
            )?,
        }
    }
    let decoded: Vec<Result<Arc<[u8]>>> = jobs
        .par_iter()
        .map(|(p, _)| read_image(p, o.image_size))
        .collect();
    let (mut data, mut labels) = (vec![], vec![]);
    for ((p, l), r) in jobs.iter().zip(decoded) {
        match r {
            Ok(x) => {
                data.push(x);
                labels.push(*l);
            }
            Err(e) => bad(&mut skipped, o.skip_bad, e, p)?,
        }
    }
    let split = list
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("list")
        .to_string();
    let m = Modality {
        name: "nat".into(),
        store: Store::Images {
            size: o.image_size,
            data,
        },
        labels,
        pair_ids: None,
        objects: None,
    };
    Ok(Dataset::new(cats, vec![m], &split)?.with_skipped(skipped))
}
