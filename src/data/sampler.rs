//! Seeded batching for training.
//!
//! - `Batcher`: one modality; each epoch is a fresh permutation drawn from rng(seed + epoch).
//! - `BalancedSampler`: every batch holds every modality, ⌈batch/M⌉ or ⌊batch/M⌋ items each;
//!   each modality walks its own seeded permutation and reshuffles when it wraps.
//! - `PairedBatcher`: batches of index pairs (i in modality a, j in modality b) with equal pair
//!   id, shuffled per epoch.

use super::dataset::Dataset;
use crate::error::{Error, Result};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

/// A seeded shuffling batcher over `n` items.
#[derive(Debug, Clone)]
pub struct Batcher {
    n: usize,
    batch: usize,
    seed: u64,
    drop_last: bool,
    epoch: u64,
}

impl Batcher {
    pub fn new(n: usize, batch: usize, seed: u64, drop_last: bool) -> Result<Batcher> {
        if batch == 0 {
            return Err(Error::invalid(
                "data::batcher",
                "batch",
                "must be at least 1",
            ));
        }
        Ok(Batcher {
            n,
            batch,
            seed,
            drop_last,
            epoch: 0,
        })
    }

    /// The batches of the next epoch.
    pub fn epoch(&mut self) -> Vec<Vec<usize>> {
        let mut idx: Vec<usize> = (0..self.n).collect();
        idx.shuffle(&mut crate::tensor::create::rng(
            self.seed.wrapping_add(self.epoch),
        ));
        self.epoch += 1;
        idx.chunks(self.batch)
            .filter(|c| !self.drop_last || c.len() == self.batch)
            .map(<[usize]>::to_vec)
            .collect()
    }
}

/// One modality's endless seeded permutation.
#[derive(Debug, Clone)]
struct Stream {
    name: String,
    perm: Vec<usize>,
    pos: usize,
}

impl Stream {
    fn next(&mut self, r: &mut ChaCha8Rng) -> usize {
        if self.pos == self.perm.len() {
            self.perm.shuffle(r);
            self.pos = 0;
        }
        self.pos += 1;
        self.perm[self.pos - 1]
    }
}

/// Batches drawn across all modalities.
#[derive(Debug, Clone)]
pub struct BalancedSampler {
    streams: Vec<Stream>,
    batch: usize,
    rng: ChaCha8Rng,
    turn: usize,
}

impl BalancedSampler {
    /// A sampler over `(modality, size)` pairs; `batch` must be at least the modality count.
    pub fn new(sizes: &[(String, usize)], batch: usize, seed: u64) -> Result<BalancedSampler> {
        if sizes.is_empty() || batch < sizes.len() {
            return Err(Error::invalid(
                "data::balanced",
                "batch",
                format!(
                    "a balanced batch needs at least one item per modality: batch {batch} for {} modalities",
                    sizes.len()
                ),
            ));
        }
        if let Some((m, _)) = sizes.iter().find(|(_, n)| *n == 0) {
            return Err(Error::invalid(
                "data::balanced",
                "modality",
                format!("'{m}' has no samples"),
            ));
        }
        let mut rng = crate::tensor::create::rng(seed);
        let streams = sizes
            .iter()
            .map(|(name, n)| {
                let mut perm: Vec<usize> = (0..*n).collect();
                perm.shuffle(&mut rng);
                Stream {
                    name: name.clone(),
                    perm,
                    pos: 0,
                }
            })
            .collect();
        Ok(BalancedSampler {
            streams,
            batch,
            rng,
            turn: 0,
        })
    }

    /// A sampler over every modality of `ds`.
    pub fn for_dataset(ds: &Dataset, batch: usize, seed: u64) -> Result<BalancedSampler> {
        let sizes: Vec<(String, usize)> = ds
            .modalities()
            .into_iter()
            .map(|m| {
                let n = ds.len_of(&m)?;
                Ok((m, n))
            })
            .collect::<Result<_>>()?;
        BalancedSampler::new(&sizes, batch, seed)
    }

    /// The next batch of (modality, index); when the batch does not divide evenly the extra
    /// items go to the modalities in turn.
    pub fn next_batch(&mut self) -> Vec<(String, usize)> {
        let m = self.streams.len();
        let mut out = Vec::with_capacity(self.batch);
        for k in 0..self.batch {
            let s = (k + self.turn) % m;
            let i = self.streams[s].next(&mut self.rng);
            out.push((self.streams[s].name.clone(), i));
        }
        self.turn = (self.turn + self.batch) % m;
        out
    }
}

/// Batches of (index in a, index in b) with equal pair ids.
#[derive(Debug, Clone)]
pub struct PairedBatcher {
    pairs: Vec<(usize, usize)>,
    inner: Batcher,
}

impl PairedBatcher {
    pub fn new(ds: &Dataset, a: &str, b: &str, batch: usize, seed: u64) -> Result<PairedBatcher> {
        let ids = |m: &str| {
            ds.pair_ids(m)?.ok_or_else(|| {
                Error::invalid(
                    "data::paired",
                    "modality",
                    format!("'{m}' has no pair ids; generate with #{{ paired: true }}"),
                )
            })
        };
        let (pa, pb) = (ids(a)?, ids(b)?);
        let where_b: HashMap<usize, usize> = pb.iter().enumerate().map(|(j, &p)| (p, j)).collect();
        let pairs: Vec<(usize, usize)> = pa
            .iter()
            .enumerate()
            .filter_map(|(i, p)| where_b.get(p).map(|&j| (i, j)))
            .collect();
        let inner = Batcher::new(pairs.len(), batch, seed, false)?;
        Ok(PairedBatcher { pairs, inner })
    }

    /// All pairs, in modality a's order.
    pub fn pairs(&self) -> &[(usize, usize)] {
        &self.pairs
    }

    /// The batches of the next epoch.
    pub fn epoch(&mut self) -> Vec<Vec<(usize, usize)>> {
        self.inner
            .epoch()
            .into_iter()
            .map(|b| b.into_iter().map(|k| self.pairs[k]).collect())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batcher_covers_every_item_once_per_epoch() {
        let mut b = Batcher::new(10, 4, 3, false).unwrap();
        let e = b.epoch();
        assert_eq!(e.iter().map(Vec::len).collect::<Vec<_>>(), vec![4, 4, 2]);
        let mut all: Vec<usize> = e.concat();
        all.sort();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        let again = Batcher::new(10, 4, 3, false).unwrap().epoch();
        assert_eq!(e, again);
        assert_ne!(b.epoch(), e);
        assert_eq!(Batcher::new(10, 4, 3, true).unwrap().epoch().len(), 2);
    }

    #[test]
    fn balanced_batches_hold_every_modality() {
        let sizes = vec![
            ("a".to_string(), 5),
            ("b".to_string(), 3),
            ("c".to_string(), 7),
        ];
        let mut s = BalancedSampler::new(&sizes, 7, 1).unwrap();
        let mut seen_b = vec![];
        for _ in 0..6 {
            let batch = s.next_batch();
            assert_eq!(batch.len(), 7);
            for m in ["a", "b", "c"] {
                let k = batch.iter().filter(|(n, _)| n == m).count();
                assert!((2..=3).contains(&k), "{m}: {k}");
            }
            seen_b.extend(batch.iter().filter(|(n, _)| n == "b").map(|x| x.1));
        }
        // The first three draws of b are a permutation of 0..3.
        let mut first: Vec<usize> = seen_b[..3].to_vec();
        first.sort();
        assert_eq!(first, vec![0, 1, 2]);
        assert!(BalancedSampler::new(&sizes, 2, 1).is_err());
    }
}
