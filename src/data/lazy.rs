//! Images and sounds decoded on demand from a folder (`load_folder` with `lazy: true`), for data
//! larger than memory. The listing is read once; a batch decodes its files in parallel (rayon)
//! and keeps their network-input rows in a small least-recently-used cache shared by every
//! dataset made from the same load (splits, `only`).

use super::dataset::ModalityKind;
use super::folder::{read_sample, LoadOptions, Sample};
use super::inputs;
use crate::error::Result;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Least-recently-used rows by file number.
#[derive(Default)]
struct Lru {
    cap: usize,
    tick: u64,
    rows: HashMap<usize, (Arc<[f32]>, u64)>,
    order: BTreeMap<u64, usize>,
}

impl Lru {
    fn get(&mut self, k: usize) -> Option<Arc<[f32]>> {
        self.tick += 1;
        let t = self.tick;
        let (row, old) = self.rows.get_mut(&k)?;
        self.order.remove(old);
        *old = t;
        self.order.insert(t, k);
        Some(row.clone())
    }

    fn put(&mut self, k: usize, row: Arc<[f32]>) {
        if self.cap == 0 {
            return;
        }
        self.tick += 1;
        if let Some((_, old)) = self.rows.insert(k, (row, self.tick)) {
            self.order.remove(&old);
        }
        self.order.insert(self.tick, k);
        while self.rows.len() > self.cap {
            let Some((_, victim)) = self.order.pop_first() else {
                break;
            };
            self.rows.remove(&victim);
        }
    }
}

/// The files of one modality and the cache of their rows.
struct Source {
    kind: ModalityKind,
    paths: Vec<PathBuf>,
    opts: LoadOptions,
    cache: Mutex<Lru>,
}

/// Some of the files of a `Source`, in order.
#[derive(Clone)]
pub struct LazyStore {
    src: Arc<Source>,
    idx: Vec<usize>,
}

impl std::fmt::Debug for LazyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "LazyStore[{} {} files, cache {}]",
            self.idx.len(),
            self.src.kind.name(),
            self.src.opts.cache
        )
    }
}

impl LazyStore {
    /// Files of one kind (image or sound), decoded with `opts`; `opts.cache` rows are kept.
    pub fn new(kind: ModalityKind, paths: Vec<PathBuf>, opts: &LoadOptions) -> LazyStore {
        let idx = (0..paths.len()).collect();
        LazyStore {
            src: Arc::new(Source {
                kind,
                paths,
                opts: opts.clone(),
                cache: Mutex::new(Lru {
                    cap: opts.cache,
                    ..Lru::default()
                }),
            }),
            idx,
        }
    }

    pub fn len(&self) -> usize {
        self.idx.len()
    }

    pub fn is_empty(&self) -> bool {
        self.idx.is_empty()
    }

    pub fn kind(&self) -> ModalityKind {
        self.src.kind
    }

    /// Image side in pixels.
    pub fn image_size(&self) -> usize {
        self.src.opts.image_size
    }

    /// Sound length in samples.
    pub fn sound_len(&self) -> usize {
        self.src.opts.sound_len()
    }

    /// The file of sample `i`.
    pub fn path(&self, i: usize) -> &Path {
        &self.src.paths[self.idx[i]]
    }

    /// The samples at `idx`, in that order (sharing the file list and the cache).
    pub fn select(&self, idx: &[usize]) -> LazyStore {
        LazyStore {
            src: self.src.clone(),
            idx: idx.iter().map(|&i| self.idx[i]).collect(),
        }
    }

    /// Sample `i` decoded (not cached): for writers.
    pub fn raw(&self, i: usize) -> Result<Sample> {
        read_sample(self.path(i), &self.src.opts)
    }

    /// How many rows the cache keeps at most.
    pub fn cache_size(&self) -> usize {
        self.src.opts.cache
    }

    /// Rows cached now (for tests and summaries).
    pub fn cached(&self) -> usize {
        self.src.cache.lock().map(|c| c.rows.len()).unwrap_or(0)
    }

    /// The network-input rows of samples `idx`: cached ones reused, the others decoded in
    /// parallel and cached. A file that fails to decode is an error naming it.
    pub fn rows(&self, idx: &[usize]) -> Result<Vec<Arc<[f32]>>> {
        let files: Vec<usize> = idx.iter().map(|&i| self.idx[i]).collect();
        let mut got: Vec<Option<Arc<[f32]>>> = {
            let mut c = self.src.cache.lock().unwrap_or_else(|p| p.into_inner());
            files.iter().map(|&f| c.get(f)).collect()
        };
        let mut missing: Vec<usize> = files
            .iter()
            .zip(&got)
            .filter(|(_, g)| g.is_none())
            .map(|(&f, _)| f)
            .collect();
        missing.sort_unstable();
        missing.dedup();
        let decoded: Vec<(usize, Arc<[f32]>)> = missing
            .par_iter()
            .map(|&f| self.decode(f).map(|r| (f, r)))
            .collect::<Result<_>>()?;
        let fresh: HashMap<usize, Arc<[f32]>> = decoded.iter().cloned().collect();
        {
            let mut c = self.src.cache.lock().unwrap_or_else(|p| p.into_inner());
            for (f, r) in decoded {
                c.put(f, r);
            }
        }
        for (g, f) in got.iter_mut().zip(&files) {
            if g.is_none() {
                *g = fresh.get(f).cloned();
            }
        }
        Ok(got.into_iter().map(|g| g.expect("decoded above")).collect())
    }

    fn decode(&self, f: usize) -> Result<Arc<[f32]>> {
        let o = &self.src.opts;
        Ok(match read_sample(&self.src.paths[f], o)? {
            Sample::Image(px) => Arc::from(inputs::image_row(&px, o.image_size)),
            Sample::Sound(x) => Arc::from(inputs::sound_row(&x)),
            Sample::Text(_) => {
                return Err(crate::error::Error::file(
                    "data::load_folder",
                    &self.src.paths[f],
                    "a description in a lazily decoded image or sound modality",
                ))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lru_evicts_the_least_recently_used() {
        let mut c = Lru {
            cap: 2,
            ..Lru::default()
        };
        let row = |v: f32| -> Arc<[f32]> { Arc::from(vec![v]) };
        c.put(1, row(1.0));
        c.put(2, row(2.0));
        assert!(c.get(1).is_some()); // 2 is now the oldest
        c.put(3, row(3.0));
        assert!(c.get(2).is_none());
        assert_eq!(c.get(1).unwrap()[0], 1.0);
        assert_eq!(c.get(3).unwrap()[0], 3.0);
        assert_eq!(c.rows.len(), 2);
        assert_eq!(c.order.len(), 2);
        c.put(3, row(4.0)); // replacing keeps one entry
        assert_eq!(c.rows.len(), 2);
        assert_eq!(c.get(3).unwrap()[0], 4.0);
    }
}
