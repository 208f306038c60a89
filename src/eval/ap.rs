//! Average precision of one ranking, as scikit-learn's `average_precision_score(relevant, scores)`,
//! and its expected value under a random ranking.
//!
//! AP = Σ_t (R_t − R_{t−1}) · P_t over the distinct score thresholds t, from the highest down,
//! where P_t and R_t are the precision and recall of "every item scored ≥ t". Ties: items with
//! equal scores form one threshold (scikit-learn's rule), so a relevant item inside a tie block
//! gets the precision of the *whole* block, never an optimistic or pessimistic order within it.
//! Equivalently AP = (1/R) Σ_{relevant r} rel_ge(s_r) / all_ge(s_r), with `*_ge(s)` the number of
//! (relevant / all) items scored ≥ s.
//!
//! That form needs no sort of the candidates: sort the R relevant scores (R ≪ N in retrieval:
//! about 10 of 2,050 on CMPlaces), then all_ge(s) is a branch-free vectorised count per distinct
//! relevant score when R < 64, or a binary search per candidate among the relevant scores
//! otherwise. Cost O(N·min(R, log R)) instead of O(N log N) for a sort.

/// AP of the candidates `scores` whose relevance is `relevant(j)`; `skip` is a candidate index to
/// leave out (the query itself in within-modal retrieval). `None` when no candidate is relevant
/// (scikit-learn warns and returns 0 there; a mean over queries should skip such a query).
pub fn average_precision<T: Copy + PartialOrd>(
    scores: &[T],
    relevant: impl Fn(usize) -> bool,
    skip: Option<usize>,
) -> Option<f64> {
    ap_with_count(scores, relevant, skip).0
}

/// [`average_precision`] and the number of relevant candidates R.
pub fn ap_with_count<T: Copy + PartialOrd>(
    scores: &[T],
    relevant: impl Fn(usize) -> bool,
    skip: Option<usize>,
) -> (Option<f64>, usize) {
    // Relevant scores, highest first.
    let mut rel: Vec<T> = (0..scores.len())
        .filter(|&j| Some(j) != skip && relevant(j))
        .map(|j| scores[j])
        .collect();
    let r = rel.len();
    if r == 0 {
        return (None, 0);
    }
    rel.sort_unstable_by(|a, b| b.partial_cmp(a).unwrap_or(std::cmp::Ordering::Equal));
    let mut sum = 0.0;
    if r < 64 {
        // Few relevant items (retrieval: ~10 of 2,050): all_ge(s) is a branch-free count over
        // the candidates that vectorises, once per distinct relevant score.
        let skipped = |t: T| skip.is_some_and(|k| scores[k] >= t) as usize;
        let mut i = 0;
        while i < r {
            let mut end = i + 1;
            while end < r && rel[end] == rel[i] {
                end += 1;
            }
            let t = rel[i];
            let all_ge = scores.iter().map(|x| (*x >= t) as usize).sum::<usize>() - skipped(t);
            sum += (end - i) as f64 * end as f64 / all_ge as f64;
            i = end;
        }
        return (Some(sum / r as f64), r);
    }
    // Many relevant items: place each candidate among them by binary search. hist[p] counts
    // candidates with p relevant scores strictly above them; such a candidate counts toward
    // all_ge(s_i) for every i >= p (those with s_i <= its score).
    let mut hist = vec![0usize; r + 1];
    for (j, x) in scores.iter().enumerate() {
        if Some(j) != skip {
            hist[rel.partition_point(|t| *t > *x)] += 1;
        }
    }
    let mut all_ge = 0usize;
    let mut i = 0;
    while i < r {
        // The tie block [i, end) of equal relevant scores shares one threshold.
        let mut end = i + 1;
        while end < r && rel[end] == rel[i] {
            end += 1;
        }
        for h in &hist[i..end] {
            all_ge += h;
        }
        sum += (end - i) as f64 * end as f64 / all_ge as f64;
        i = end;
    }
    (Some(sum / r as f64), r)
}

/// The expected AP of a uniformly random ranking of `n` items of which `r` are relevant:
/// E[AP] = H_n / n + (r − 1)(n − H_n) / (n (n − 1)), with H_n the n-th harmonic number.
/// (From E[AP] = (1/r) Σ_k (1/k) E[rel_k Σ_{j≤k} rel_j].) `None` when r = 0.
pub fn expected_random_ap(n: usize, r: usize) -> Option<f64> {
    expected_random_ap_h(n, r, harmonic(n))
}

/// The n-th harmonic number 1 + 1/2 + … + 1/n.
pub fn harmonic(n: usize) -> f64 {
    (1..=n).map(|k| 1.0 / k as f64).sum()
}

/// [`expected_random_ap`] with `h` = H_n given (retrieval reuses one per target size).
pub fn expected_random_ap_h(n: usize, r: usize, h: f64) -> Option<f64> {
    if r == 0 || n == 0 || r > n {
        return None;
    }
    if n == 1 {
        return Some(1.0);
    }
    let nf = n as f64;
    Some(h / nf + (r as f64 - 1.0) * (nf - h) / (nf * (nf - 1.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ap(scores: &[f64], rel: &[bool]) -> f64 {
        average_precision(scores, |j| rel[j], None).unwrap()
    }

    #[test]
    fn hand_computed_ranking() {
        // Ranking: R N R N → (1/1 + 2/3) / 2.
        let v = ap(&[0.9, 0.8, 0.7, 0.1], &[true, false, true, false]);
        assert!((v - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-15);
    }

    #[test]
    fn a_tie_block_shares_its_precision() {
        // scikit-learn: average_precision_score([1, 0, 1], [0.5, 0.5, 0.2]) = 0.5·0.5 + 0.5·(2/3).
        let v = ap(&[0.5, 0.5, 0.2], &[true, false, true]);
        assert!((v - (0.25 + 1.0 / 3.0)).abs() < 1e-15, "{v}");
        // All tied: precision of the whole set.
        let v = ap(&[1.0; 4], &[true, false, false, true]);
        assert!((v - 0.5).abs() < 1e-15);
    }

    #[test]
    fn the_skipped_candidate_is_left_out() {
        // Without candidate 0, the ranking is N R.
        let v = average_precision(&[0.9f64, 0.8, 0.7], |j| j != 1, Some(0)).unwrap();
        assert!((v - 0.5).abs() < 1e-15);
        assert_eq!(average_precision(&[0.9f64, 0.8], |j| j == 0, Some(0)), None);
    }

    /// scikit-learn's definition directly: sort, walk the distinct thresholds.
    fn reference(scores: &[f64], rel: &[bool]) -> f64 {
        let mut idx: Vec<usize> = (0..scores.len()).collect();
        idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
        let total = rel.iter().filter(|&&r| r).count() as f64;
        let (mut tp, mut seen, mut ap, mut k) = (0.0, 0.0, 0.0, 0);
        while k < idx.len() {
            let mut block_tp = 0.0;
            let s = scores[idx[k]];
            while k < idx.len() && scores[idx[k]] == s {
                block_tp += rel[idx[k]] as u8 as f64;
                seen += 1.0;
                k += 1;
            }
            tp += block_tp;
            ap += block_tp / total * (tp / seen);
        }
        ap
    }

    #[test]
    fn both_counting_paths_agree_with_the_definition_on_tied_scores() {
        use rand::Rng;
        let mut rng = crate::tensor::create::rng(5);
        for &(n, p) in &[(50, 0.1), (300, 0.5), (400, 0.9)] {
            let scores: Vec<f64> = (0..n).map(|_| rng.random_range(0..12) as f64).collect();
            let rel: Vec<bool> = (0..n).map(|_| rng.random_bool(p)).collect();
            let want = reference(&scores, &rel);
            assert!((ap(&scores, &rel) - want).abs() < 1e-12, "n={n} p={p}");
            let s32: Vec<f32> = scores.iter().map(|&x| x as f32).collect();
            let got = average_precision(&s32, |j| rel[j], None).unwrap();
            assert!((got - want).abs() < 1e-12);
        }
    }

    #[test]
    fn expected_random_ap_matches_enumeration() {
        // Every arrangement of 2 relevant among 4 items, averaged.
        let mut total = 0.0;
        let mut count = 0.0;
        for a in 0..4 {
            for b in a + 1..4 {
                let scores = [4.0, 3.0, 2.0, 1.0];
                total += ap(
                    &scores,
                    &[
                        a == 0 || b == 0,
                        a == 1 || b == 1,
                        a == 2 || b == 2,
                        a == 3 || b == 3,
                    ],
                );
                count += 1.0;
            }
        }
        let e = expected_random_ap(4, 2).unwrap();
        assert!(
            (e - total / count).abs() < 1e-12,
            "{e} vs {}",
            total / count
        );
        assert_eq!(expected_random_ap(5, 5), Some(1.0));
    }
}
