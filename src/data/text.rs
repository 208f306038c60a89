//! The text front end: a lower-case word tokenizer, a vocabulary built from a training split
//! (id 0 = padding, 1 = out-of-vocabulary, then words by falling frequency), fixed-length token
//! ids for a text CNN, and the default sentence vectorizer for `dsc` inputs.
//!
//! Sentence vectorizer: every word w (stop words dropped) gets a fixed pseudo-random unit vector
//! e(w) ∈ R^D seeded by a stable hash of w; a sentence is v(s) = normalise(Σ_w e(w)), and a
//! description is the mean over its sentences, (1/S) Σ_s v(s), as CMPlaces averages sentence
//! vectors. D = 384, the width of all-MiniLM-L6-v2, so a pretrained encoder can replace it.

use crate::data::synth::world::fnv;
use rand_distr::{Distribution, StandardNormal};
use std::collections::HashMap;

/// Width of the default sentence vectors.
pub const SENTENCE_DIM: usize = 384;
/// Token id of padding.
pub const PAD: u32 = 0;
/// Token id of an out-of-vocabulary word.
pub const OOV: u32 = 1;

const STOP: &[&str] = &[
    "a", "an", "the", "is", "are", "there", "can", "be", "i", "you", "it", "of", "in", "on", "to",
    "and", "this", "was", "see", "seen",
];

/// Lower-case words: maximal runs of alphanumeric characters.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Sentences: text split after `.`, `!` and `?`, empty pieces dropped.
pub fn sentences(text: &str) -> Vec<&str> {
    text.split_inclusive(['.', '!', '?'])
        .map(str::trim)
        .filter(|s| s.chars().any(char::is_alphanumeric))
        .collect()
}

/// A word vocabulary.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vocab {
    words: Vec<String>,
    index: HashMap<String, u32>,
}

impl Vocab {
    /// Words of `texts` by falling count (ties alphabetical), keeping at most `max_words`.
    pub fn build<'a>(texts: impl IntoIterator<Item = &'a str>, max_words: usize) -> Vocab {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for t in texts {
            for w in words(t) {
                *counts.entry(w).or_default() += 1;
            }
        }
        let mut by: Vec<(String, usize)> = counts.into_iter().collect();
        by.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        by.truncate(max_words);
        let words: Vec<String> = by.into_iter().map(|(w, _)| w).collect();
        let index = words
            .iter()
            .enumerate()
            .map(|(i, w)| (w.clone(), i as u32 + 2))
            .collect();
        Vocab { words, index }
    }

    /// Number of ids, padding and OOV included.
    pub fn size(&self) -> usize {
        self.words.len() + 2
    }

    /// The id of a word (OOV when unknown).
    pub fn id(&self, word: &str) -> u32 {
        self.index.get(word).copied().unwrap_or(OOV)
    }

    /// The word of an id ("<pad>", "<oov>" for the reserved ones).
    pub fn word(&self, id: u32) -> &str {
        match id {
            PAD => "<pad>",
            OOV => "<oov>",
            i => self
                .words
                .get(i as usize - 2)
                .map(String::as_str)
                .unwrap_or("<oov>"),
        }
    }

    /// `max_len` ids: the first words of `text`, then padding.
    pub fn encode(&self, text: &str, max_len: usize) -> Vec<u32> {
        let mut ids: Vec<u32> = words(text)
            .iter()
            .take(max_len)
            .map(|w| self.id(w))
            .collect();
        ids.resize(max_len, PAD);
        ids
    }
}

/// The fixed unit vector of a word.
fn word_vector(word: &str) -> Vec<f32> {
    let mut r = crate::tensor::create::rng(fnv(word));
    let mut v: Vec<f32> = (0..SENTENCE_DIM)
        .map(|_| {
            let x: f64 = StandardNormal.sample(&mut r);
            x as f32
        })
        .collect();
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter_mut().for_each(|x| *x /= n);
    v
}

/// The unit vector of one sentence (zeros when it has no content word).
pub fn sentence_vector(sentence: &str) -> Vec<f32> {
    let mut acc = vec![0.0_f32; SENTENCE_DIM];
    for w in words(sentence) {
        if STOP.contains(&w.as_str()) {
            continue;
        }
        for (a, x) in acc.iter_mut().zip(word_vector(&w)) {
            *a += x;
        }
    }
    let n = acc.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 {
        acc.iter_mut().for_each(|x| *x /= n);
    }
    acc
}

/// The mean of the sentence vectors of a description (zeros for an empty text).
pub fn description_vector(text: &str) -> Vec<f32> {
    let ss = sentences(text);
    let mut acc = vec![0.0_f32; SENTENCE_DIM];
    for s in &ss {
        for (a, x) in acc.iter_mut().zip(sentence_vector(s)) {
            *a += x;
        }
    }
    if !ss.is_empty() {
        acc.iter_mut().for_each(|x| *x /= ss.len() as f32);
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_orders_by_count_and_reserves_pad_and_oov() {
        let v = Vocab::build(["The bed. The lamp, the BED!"], 100);
        assert_eq!(v.id("the"), 2);
        assert_eq!(v.id("bed"), 3);
        assert_eq!(v.id("lamp"), 4);
        assert_eq!(v.id("sofa"), OOV);
        assert_eq!(v.size(), 5);
        assert_eq!(v.encode("A lamp and the bed", 6), vec![1, 4, 1, 2, 3, 0]);
        assert_eq!(v.encode("bed bed bed", 2), vec![3, 3]);
    }

    #[test]
    fn description_vector_averages_unit_sentence_vectors() {
        let a = sentence_vector("There is a red bed.");
        let b = sentence_vector("A lamp!");
        let d = description_vector("There is a red bed. A lamp!");
        let na: f32 = a.iter().map(|x| x * x).sum();
        assert!((na - 1.0).abs() < 1e-5);
        for k in 0..SENTENCE_DIM {
            assert!((d[k] - (a[k] + b[k]) / 2.0).abs() < 1e-6);
        }
        // Stop words do not count: "the bed" and "bed" are the same sentence.
        assert_eq!(sentence_vector("the bed"), sentence_vector("bed"));
    }
}
