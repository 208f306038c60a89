//! What training records: one row per logged step (phase, step, learning rate, each loss term,
//! accuracy) and validation accuracy per modality; written as JSON lines as it goes, returned as a
//! `History` for plots and reports.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// One logged training step.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StepRecord {
    pub phase: usize,
    pub step: usize,
    pub lr: f64,
    /// Loss terms by name (`ce`, `gmm.fc7`, `rank`, ...) and their weighted sum under `total`.
    pub losses: BTreeMap<String, f64>,
    /// Training accuracy of the batch per modality.
    pub accuracy: BTreeMap<String, f64>,
}

/// Validation accuracy per modality at a step.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ValRecord {
    pub phase: usize,
    pub step: usize,
    pub accuracy: BTreeMap<String, f64>,
}

/// The record of one training run.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct History {
    pub steps: Vec<StepRecord>,
    pub validation: Vec<ValRecord>,
}

impl History {
    /// A named series over steps: a loss term (`total`, `ce`, ...), `acc.<modality>` (training)
    /// or `val.<modality>` (validation), as (step, value) pairs.
    pub fn series(&self, name: &str) -> Vec<(usize, f64)> {
        if let Some(m) = name.strip_prefix("val.") {
            return self
                .validation
                .iter()
                .filter_map(|r| r.accuracy.get(m).map(|v| (r.step, *v)))
                .collect();
        }
        if let Some(m) = name.strip_prefix("acc.") {
            return self
                .steps
                .iter()
                .filter_map(|r| r.accuracy.get(m).map(|v| (r.step, *v)))
                .collect();
        }
        self.steps
            .iter()
            .filter_map(|r| r.losses.get(name).map(|v| (r.step, *v)))
            .collect()
    }

    /// Every series name present.
    pub fn series_names(&self) -> Vec<String> {
        let mut v: std::collections::BTreeSet<String> = Default::default();
        for r in &self.steps {
            v.extend(r.losses.keys().cloned());
            v.extend(r.accuracy.keys().map(|k| format!("acc.{k}")));
        }
        for r in &self.validation {
            v.extend(r.accuracy.keys().map(|k| format!("val.{k}")));
        }
        v.into_iter().collect()
    }

    /// The last validation accuracy per modality.
    pub fn final_validation(&self) -> BTreeMap<String, f64> {
        self.validation
            .last()
            .map(|r| r.accuracy.clone())
            .unwrap_or_default()
    }
}

/// Appends records to a JSON-lines file (one object per line, `"kind": "step" | "val"`).
pub struct JsonlWriter {
    path: PathBuf,
    file: std::fs::File,
}

impl JsonlWriter {
    /// Start the log of a fresh run: the file is created (an earlier run's log there is
    /// replaced), with its folder.
    pub fn create(path: &Path) -> Result<Self> {
        Self::open_with(path, true)
    }

    /// Continue the log of a run resumed after `global_step` steps: rows of later steps (written
    /// after the checkpoint, before the run stopped) and a line cut short by a crash are dropped,
    /// so the log reads as one uninterrupted run.
    pub fn resume(path: &Path, global_step: usize) -> Result<Self> {
        if path.exists() {
            let text =
                std::fs::read_to_string(path).map_err(|e| Error::file("metrics log", path, e))?;
            let kept: String = text
                .lines()
                .filter(|l| {
                    serde_json::from_str::<serde_json::Value>(l)
                        .ok()
                        .and_then(|v| v["step"].as_u64())
                        .is_some_and(|s| s as usize <= global_step)
                })
                .map(|l| format!("{l}\n"))
                .collect();
            crate::tensor::io::write_atomic(path, |tmp| std::fs::write(tmp, &kept))
                .map_err(|e| Error::file("metrics log", path, e))?;
        }
        Self::open_with(path, false)
    }

    fn open_with(path: &Path, fresh: bool) -> Result<Self> {
        if let Some(d) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(d).map_err(|e| Error::file("metrics log", d, e))?;
        }
        let file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(fresh)
            .append(!fresh)
            .open(path)
            .map_err(|e| Error::file("metrics log", path, e))?;
        Ok(JsonlWriter {
            path: path.to_path_buf(),
            file,
        })
    }

    /// Write one step row.
    pub fn step(&mut self, r: &StepRecord) -> Result<()> {
        self.line(serde_json::json!({ "kind": "step", "phase": r.phase, "step": r.step, "lr": r.lr, "losses": r.losses, "accuracy": r.accuracy }))
    }

    /// Write one validation row.
    pub fn validation(&mut self, r: &ValRecord) -> Result<()> {
        self.line(serde_json::json!({ "kind": "val", "phase": r.phase, "step": r.step, "accuracy": r.accuracy }))
    }

    fn line(&mut self, v: serde_json::Value) -> Result<()> {
        writeln!(self.file, "{v}").map_err(|e| Error::file("metrics log", &self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn series_pick_losses_training_and_validation_accuracy() {
        let mut h = History::default();
        for s in 0..3 {
            h.steps.push(StepRecord {
                phase: 0,
                step: s,
                lr: 0.1,
                losses: BTreeMap::from([("total".into(), 3.0 - s as f64)]),
                accuracy: BTreeMap::from([("nat".into(), 0.1 * s as f64)]),
            });
        }
        h.validation.push(ValRecord {
            phase: 0,
            step: 2,
            accuracy: BTreeMap::from([("dsc".into(), 0.4)]),
        });
        assert_eq!(h.series("total"), vec![(0, 3.0), (1, 2.0), (2, 1.0)]);
        assert_eq!(h.series("acc.nat")[2], (2, 0.2));
        assert_eq!(h.series("val.dsc"), vec![(2, 0.4)]);
        assert_eq!(h.series_names(), vec!["acc.nat", "total", "val.dsc"]);
    }

    #[test]
    fn jsonl_rows_parse_back() {
        let p = std::env::temp_dir().join(format!("xmodal-jsonl-{}/m.jsonl", std::process::id()));
        let mut w = JsonlWriter::create(&p).unwrap();
        w.step(&StepRecord {
            phase: 1,
            step: 7,
            lr: 0.01,
            losses: BTreeMap::from([("ce".into(), 0.5)]),
            accuracy: BTreeMap::new(),
        })
        .unwrap();
        drop(w);
        let line = std::fs::read_to_string(&p).unwrap();
        let v: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
        assert_eq!(
            (
                v["kind"].as_str(),
                v["step"].as_u64(),
                v["losses"]["ce"].as_f64()
            ),
            (Some("step"), Some(7), Some(0.5))
        );
        let _ = std::fs::remove_dir_all(p.parent().unwrap());
    }
}
