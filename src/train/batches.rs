//! The batches of a phase: softmax batches per modality (balanced: every modality each step;
//! round-robin: one modality per step) and pair batches for each pair term. Everything is drawn
//! from the phase seed, and `skip(n)` replays n steps, so a resumed run sees the same batches.

use super::phase::{Phase, Sampling};
use super::step::StepBatch;
use crate::data::sampler::{BalancedSampler, PairedBatcher};
use crate::data::Dataset;
use crate::error::Result;
use std::collections::VecDeque;

/// Pair batches drawn from the current epoch, waiting their turn.
type PairQueue = VecDeque<Vec<(usize, usize)>>;

/// An endless, seeded source of step batches.
pub struct Batches {
    mods: Vec<String>,
    sampling: Sampling,
    per_modality: Vec<BalancedSampler>,
    balanced: Option<BalancedSampler>,
    pairs: Vec<(PairedBatcher, PairQueue)>,
    turn: usize,
}

impl Batches {
    /// Batches over `mods` of `ds` with `batch` items per modality per step.
    pub fn new(
        ds: &Dataset,
        mods: &[String],
        phase: &Phase,
        batch: usize,
        sampling: Sampling,
        seed: u64,
    ) -> Result<Self> {
        let sizes: Vec<(String, usize)> = mods
            .iter()
            .map(|m| Ok((m.clone(), ds.len_of(m)?)))
            .collect::<Result<_>>()?;
        let (balanced, per_modality) = if sizes.is_empty() {
            (None, vec![])
        } else {
            match sampling {
                Sampling::Balanced => (
                    Some(BalancedSampler::new(&sizes, batch * sizes.len(), seed)?),
                    vec![],
                ),
                Sampling::RoundRobin => (
                    None,
                    sizes
                        .iter()
                        .enumerate()
                        .map(|(i, s)| {
                            BalancedSampler::new(
                                std::slice::from_ref(s),
                                batch,
                                seed.wrapping_add(i as u64),
                            )
                        })
                        .collect::<Result<_>>()?,
                ),
            }
        };
        let mut pairs = vec![];
        for (k, t) in phase.terms.iter().enumerate() {
            if let Some((a, b)) = t.pair() {
                pairs.push((
                    PairedBatcher::new(ds, a, b, batch, seed.wrapping_add(1000 + k as u64))?,
                    VecDeque::new(),
                ));
            }
        }
        Ok(Batches {
            mods: mods.to_vec(),
            sampling,
            per_modality,
            balanced,
            pairs,
            turn: 0,
        })
    }

    /// The next step's batch.
    pub fn next_batch(&mut self) -> StepBatch {
        let mut items: Vec<(String, Vec<usize>)> = vec![];
        match self.sampling {
            Sampling::Balanced => {
                if let Some(s) = self.balanced.as_mut() {
                    items = self.mods.iter().map(|m| (m.clone(), vec![])).collect();
                    for (m, i) in s.next_batch() {
                        if let Some(e) = items.iter_mut().find(|(n, _)| *n == m) {
                            e.1.push(i);
                        }
                    }
                }
            }
            Sampling::RoundRobin => {
                if !self.per_modality.is_empty() {
                    let k = self.turn % self.per_modality.len();
                    let idx = self.per_modality[k]
                        .next_batch()
                        .into_iter()
                        .map(|(_, i)| i)
                        .collect();
                    items.push((self.mods[k].clone(), idx));
                    self.turn += 1;
                }
            }
        }
        let pairs = self
            .pairs
            .iter_mut()
            .map(|(b, queue)| {
                if queue.is_empty() {
                    queue.extend(b.epoch());
                }
                queue.pop_front().unwrap_or_default()
            })
            .collect();
        StepBatch { items, pairs }
    }

    /// Draw and drop `n` batches (to continue a resumed phase where it stopped).
    pub fn skip(&mut self, n: usize) {
        for _ in 0..n {
            self.next_batch();
        }
    }
}
