//! Classifier transfer (See-Hear-Read's zero-shot table): a multinomial logistic regression fit
//! on one modality's features and labels, tested on every other modality. A shared
//! representation transfers: a classifier that never saw sound classifies sound.
//!
//! Model: p(c | x) = softmax(W·z + b)_c with z = (x − μ)/σ standardised by the training rows.
//! Objective: mean cross-entropy + (l2/2)·|W|² (the bias is not penalised). It is minimised by
//! Nesterov-accelerated full-batch gradient descent with step 1/L, where
//! L = ½·λ_max(ZᵀZ/N)·1.1 + l2 bounds the gradient's Lipschitz constant (the softmax Hessian is
//! ≤ ½·I; λ_max by power iteration, 1.1 covers its underestimate). Every step is a pair of
//! matrix products on the features' device; no randomness, so a fit is deterministic.
//!
//! Classes: each classifier has one output per distinct label of its training rows (sorted), so
//! label ids may be any integers (10^12 costs no more than 3) and memory is O(N × classes
//! present). A test row whose label never occurs in the training rows cannot be predicted and
//! counts as wrong.
//!
//! Accuracy on the training modality itself is measured on a held-out part of its rows (seeded),
//! which the classifier never sees. Chance is the expected accuracy of guessing at random with
//! the training class frequencies, Σ_c p_fit(c)·p_test(c) (1/C for balanced classes; labels
//! unseen in training add 0); the accuracy of always answering the most frequent training class
//! (the smallest label among equally frequent ones) is reported as `majority`.
//!
//! Features holding NaN or ±inf in a row of a training or test modality are an error naming the
//! first such row and its modality; rows of modalities the transfer does not use are not read.

use super::features::{select_rows, FeatureSet};
use crate::error::{Context, Error, Result};
use crate::tensor::{DType, Tensor};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Options of [`transfer`].
#[derive(Clone, Debug)]
pub struct TransferOpts {
    /// Modalities to fit on, one classifier each (a row of the matrix).
    pub train: Vec<String>,
    /// Modalities to test on (columns); empty means every modality.
    pub test: Vec<String>,
    /// L2 penalty on the weights (default 1e-4; finite, ≥ 0).
    pub l2: f64,
    /// Gradient steps (default 300).
    pub iters: usize,
    /// Fraction of the training modality's rows held out to test it on itself (default 0.2).
    pub holdout: f64,
    /// Seed of the held-out split (default 0).
    pub seed: u64,
}

impl Default for TransferOpts {
    fn default() -> Self {
        TransferOpts {
            train: vec![],
            test: vec![],
            l2: 1e-4,
            iters: 300,
            holdout: 0.2,
            seed: 0,
        }
    }
}

/// A fitted multinomial logistic regression.
#[derive(Clone, Debug)]
pub struct LogReg {
    /// (D+1)×C weights; the last row is the bias.
    pub w: Tensor,
    mean: Tensor,
    std: Tensor,
    /// The objective at the last step.
    pub loss: f64,
}

/// Standardised features with a ones column appended (N×(D+1)).
fn design(x: &Tensor, mean: &Tensor, std: &Tensor) -> Result<Tensor> {
    let z = x
        .broadcast_sub(mean)
        .and_then(|z| z.broadcast_div(std))
        .op("eval::transfer: standardise")?;
    let ones = Tensor::ones((z.dims()[0], 1), z.dtype(), z.device()).op("eval::transfer")?;
    Tensor::cat(&[&z, &ones], 1).op("eval::transfer: bias column")
}

fn scalar(t: &Tensor) -> Result<f64> {
    t.to_dtype(DType::F64)
        .and_then(|t| t.to_scalar::<f64>())
        .op("eval::transfer")
}

impl LogReg {
    /// Fit on rows `x` (N×D, f32 or f64) with labels `y` in 0..classes (a one-hot N×classes
    /// matrix is made: map sparse label ids to 0..classes first, as [`transfer`] does).
    pub fn fit(x: &Tensor, y: &[usize], classes: usize, l2: f64, iters: usize) -> Result<Self> {
        let op = "eval::transfer";
        let (n, d) = x.dims2().op(op)?;
        if let Some(&c) = y.iter().find(|&&c| c >= classes) {
            return Err(Error::invalid(
                op,
                "labels",
                format!("label {c} is not below the class count {classes}; map the labels to 0..classes first"),
            ));
        }
        if !(l2.is_finite() && l2 >= 0.0) {
            return Err(Error::invalid(
                op,
                "l2",
                format!("must be a finite number >= 0, got {l2}"),
            ));
        }
        let (dev, dt) = (x.device().clone(), x.dtype());
        let mean = x.mean_keepdim(0).op(op)?;
        let var = x
            .broadcast_sub(&mean)
            .and_then(|c| c.sqr())
            .and_then(|c| c.mean_keepdim(0));
        // A constant feature gets σ = 1, so it stays 0 after centring instead of dividing by 0.
        let std = var
            .and_then(|v| v.sqrt())
            .and_then(|s| s.ge(1e-12).and_then(|m| m.where_cond(&s, &s.ones_like()?)))
            .op(op)?;
        let z = design(x, &mean, &std)?;
        let mut onehot = vec![0f64; n * classes];
        for (i, &c) in y.iter().enumerate() {
            onehot[i * classes + c] = 1.0;
        }
        let yt = crate::tensor::create::from_f64(onehot, &[n, classes], dt, &dev)?;
        let zt = z.t().and_then(|t| t.contiguous()).op(op)?;
        // λ_max(ZᵀZ/N) by power iteration from a fixed start.
        let mut v = Tensor::ones((d + 1, 1), dt, &dev).op(op)?;
        let mut lambda = 1.0;
        for _ in 0..30 {
            let w = zt
                .matmul(&z.matmul(&v).op(op)?)
                .op(op)?
                .affine(1.0 / n as f64, 0.0)
                .op(op)?;
            lambda = scalar(
                &w.sqr()
                    .and_then(|s| s.sum_all())
                    .and_then(|s| s.sqrt())
                    .op(op)?,
            )?;
            if lambda <= 0.0 {
                break;
            }
            v = w.affine(1.0 / lambda, 0.0).op(op)?;
        }
        let step = 1.0 / (0.5 * lambda.max(1e-12) * 1.1 + l2);
        // Penalise W, not the bias row.
        let mut mask = vec![1f64; (d + 1) * classes];
        mask[d * classes..].iter_mut().for_each(|m| *m = 0.0);
        let mask = crate::tensor::create::from_f64(mask, &[d + 1, classes], dt, &dev)?;
        let zeros = Tensor::zeros((d + 1, classes), dt, &dev).op(op)?;
        let (mut w, mut w_prev) = (zeros.clone(), zeros);
        for k in 0..iters {
            if crate::interrupt::requested() {
                return Err(Error::Interrupted);
            }
            let beta = k as f64 / (k as f64 + 3.0);
            let look = (&w + (&w - &w_prev).and_then(|d| d.affine(beta, 0.0))?).op(op)?;
            let p = candle_nn::ops::softmax_last_dim(&z.matmul(&look).op(op)?).op(op)?;
            let grad = zt
                .matmul(&(p - &yt).op(op)?)
                .and_then(|g| g.affine(1.0 / n as f64, 0.0))
                .and_then(|g| g + (&look * &mask)?.affine(l2, 0.0)?)
                .op(op)?;
            w_prev = w;
            w = (&look - grad.affine(step, 0.0).op(op)?).op(op)?;
        }
        let mut fit = LogReg {
            w,
            mean,
            std,
            loss: f64::NAN,
        };
        fit.loss = fit.objective(x, &yt, &mask, l2)?;
        if !fit.loss.is_finite() {
            return Err(Error::NonFinite {
                term: "eval::transfer cross-entropy".into(),
                value: fit.loss,
                step: iters,
                hint: "check the features for NaN or infinite values".into(),
            });
        }
        Ok(fit)
    }

    fn objective(&self, x: &Tensor, yt: &Tensor, mask: &Tensor, l2: f64) -> Result<f64> {
        let op = "eval::transfer: objective";
        let logits = design(x, &self.mean, &self.std)?.matmul(&self.w).op(op)?;
        let logp = candle_nn::ops::log_softmax(&logits, 1).op(op)?;
        let ce = -scalar(&(logp * yt).and_then(|t| t.sum_all()).op(op)?)? / x.dims()[0] as f64;
        let reg = scalar(&(&self.w * mask).and_then(|t| t.sqr()?.sum_all()).op(op)?)?;
        Ok(ce + 0.5 * l2 * reg)
    }

    /// The most probable class of each row of `x` (N×D).
    pub fn predict(&self, x: &Tensor) -> Result<Vec<usize>> {
        let logits = design(x, &self.mean, &self.std)?
            .matmul(&self.w)
            .and_then(|l| l.argmax(1))
            .and_then(|l| l.to_vec1::<u32>())
            .op("eval::transfer: predict")?;
        Ok(logits.into_iter().map(|c| c as usize).collect())
    }
}

/// Accuracies of classifiers fit on `train` modalities and tested on `test` modalities.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TransferTable {
    pub train: Vec<String>,
    pub test: Vec<String>,
    /// accuracy[i][j]: fit on train[i], tested on test[j] (held-out rows when they coincide).
    pub accuracy: Vec<Vec<f64>>,
    /// Chance for the same cells: the expected accuracy of guessing with the training class
    /// frequencies, Σ_c p_fit(c)·p_test(c).
    pub chance: Vec<Vec<f64>>,
    /// Accuracy of always answering the most frequent training class, same cells.
    pub majority: Vec<Vec<f64>>,
    /// Final objective of each fit.
    pub loss: Vec<f64>,
}

fn accuracy(pred: &[usize], truth: &[usize]) -> f64 {
    let hits = pred.iter().zip(truth).filter(|(p, t)| p == t).count();
    hits as f64 / truth.len().max(1) as f64
}

/// Fit one classifier per training modality and test it on every test modality.
pub fn transfer(f: &FeatureSet, opts: &TransferOpts) -> Result<TransferTable> {
    let op = "eval::transfer";
    if opts.train.is_empty() {
        return Err(Error::invalid(
            op,
            "train",
            "name at least one modality to fit on",
        ));
    }
    if !(0.0..1.0).contains(&opts.holdout) {
        return Err(Error::invalid(
            op,
            "holdout",
            format!("must be in [0, 1), got {}", opts.holdout),
        ));
    }
    let test = if opts.test.is_empty() {
        f.modality_names()
    } else {
        opts.test.clone()
    };
    for m in opts.train.iter().chain(&test) {
        f.rows_of(m)?;
    }
    let x = f.x_float()?;
    // One pass over the features: the first row of a used modality holding NaN/inf.
    let used = |m: &String| opts.train.contains(m) || test.contains(m);
    if let Some(b) = super::unit::row_norms(&x)?
        .bad
        .into_iter()
        .find(|b| used(&f.modalities[b.row]))
    {
        return Err(b.error(
            op,
            &format!(
                "features row {} (modality '{}')",
                b.row, f.modalities[b.row]
            ),
        ));
    }
    let mut table = TransferTable {
        train: opts.train.clone(),
        test: test.clone(),
        accuracy: vec![],
        chance: vec![],
        majority: vec![],
        loss: vec![],
    };
    for tr in &opts.train {
        let mut rows = f.rows_of(tr)?;
        // Seeded split: the first `k` of a shuffled order are held out.
        let k = (rows.len() as f64 * opts.holdout).round() as usize;
        let mut rng = crate::tensor::create::rng(opts.seed);
        let perm = rand::seq::index::sample(&mut rng, rows.len(), rows.len()).into_vec();
        let shuffled: Vec<usize> = perm.iter().map(|&p| rows[p]).collect();
        let (held, mut fit_rows) = (shuffled[..k].to_vec(), shuffled[k..].to_vec());
        fit_rows.sort_unstable();
        if fit_rows.is_empty() {
            return Err(Error::invalid(
                op,
                "holdout",
                format!("leaves no rows of '{tr}' to fit on"),
            ));
        }
        // The classifier's classes: the distinct training labels, sorted.
        let mut classes: Vec<usize> = fit_rows.iter().map(|&i| f.labels[i]).collect();
        classes.sort_unstable();
        classes.dedup();
        let class_of = |label: usize| classes.binary_search(&label).ok();
        let y: Vec<usize> = fit_rows
            .iter()
            .map(|&i| class_of(f.labels[i]).expect("a training label"))
            .collect();
        let model = LogReg::fit(
            &select_rows(&x, &fit_rows)?,
            &y,
            classes.len(),
            opts.l2,
            opts.iters,
        )?;
        let mut counts = vec![0usize; classes.len()];
        y.iter().for_each(|&c| counts[c] += 1);
        let majority = (0..classes.len())
            .max_by_key(|&c| (counts[c], std::cmp::Reverse(c)))
            .map_or(0, |c| classes[c]);
        let fit_freq: Vec<f64> = counts.iter().map(|&c| c as f64 / y.len() as f64).collect();
        let (mut acc, mut chance, mut major) = (vec![], vec![], vec![]);
        for te in &test {
            rows = if te == tr {
                held.clone()
            } else {
                f.rows_of(te)?
            };
            if rows.is_empty() {
                acc.push(f64::NAN);
                chance.push(f64::NAN);
                major.push(f64::NAN);
                continue;
            }
            let truth: Vec<usize> = rows.iter().map(|&i| f.labels[i]).collect();
            let pred: Vec<usize> = model
                .predict(&select_rows(&x, &rows)?)?
                .into_iter()
                .map(|c| classes[c])
                .collect();
            acc.push(accuracy(&pred, &truth));
            let hit_by_guess: f64 = truth
                .iter()
                .map(|&c| class_of(c).map_or(0.0, |k| fit_freq[k]))
                .sum();
            chance.push(hit_by_guess / truth.len() as f64);
            major.push(accuracy(&vec![majority; truth.len()], &truth));
        }
        table.accuracy.push(acc);
        table.chance.push(chance);
        table.majority.push(major);
        table.loss.push(model.loss);
    }
    Ok(table)
}

impl TransferTable {
    /// Accuracy of the classifier fit on `train`, tested on `test`.
    pub fn get(&self, train: &str, test: &str) -> Result<f64> {
        let i = self.train.iter().position(|t| t == train);
        let j = self.test.iter().position(|t| t == test);
        match (i, j) {
            (Some(i), Some(j)) => Ok(self.accuracy[i][j]),
            _ => Err(Error::invalid(
                "TransferTable.get",
                "modality",
                format!(
                    "no cell ('{train}', '{test}'); trained on: {}; tested on: {}",
                    self.train.join(", "),
                    self.test.join(", ")
                ),
            )),
        }
    }
}

impl fmt::Display for TransferTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Classifier transfer accuracy (%) [chance]: rows train, columns test"
        )?;
        let mut head = format!("{:<8}", "train");
        for t in &self.test {
            head += &format!("{:>16}", t.to_uppercase());
        }
        write!(f, "{head}")?;
        for (i, tr) in self.train.iter().enumerate() {
            let mut row = format!("\n{:<8}", tr.to_uppercase());
            for j in 0..self.test.len() {
                let cell = format!(
                    "{} [{}]",
                    super::table::pct(self.accuracy[i][j]),
                    super::table::pct(self.chance[i][j])
                );
                row += &format!("{cell:>16}");
            }
            write!(f, "{row}")?;
        }
        Ok(())
    }
}
