//! A labelled, multi-modal feature set: the input of every evaluation.
//!
//! `x` is N×D (any float dtype, on any device); row i has the scene label `labels[i]` and the
//! modality name `modalities[i]` ("nat", "clp", "spt", "ldr", "dsc", …). Networks produce the
//! same struct (`net.features(dataset, layer)`), and `eval::features` builds one from a script's
//! tensor and arrays, so features made anywhere can be evaluated the same way.

use crate::error::{Context, Error, Result};
use crate::tensor::{DType, Tensor};

/// Features, labels and modality names, one of each per row.
#[derive(Clone, Debug)]
pub struct FeatureSet {
    /// N×D features.
    pub x: Tensor,
    /// N class labels.
    pub labels: Vec<usize>,
    /// N modality names.
    pub modalities: Vec<String>,
}

impl FeatureSet {
    /// A checked feature set: `x` must be a 2-d float tensor with one row per label and per
    /// modality name.
    pub fn new(x: Tensor, labels: Vec<usize>, modalities: Vec<String>) -> Result<Self> {
        let op = "eval::features";
        if x.rank() != 2 {
            return Err(Error::invalid(
                op,
                "x",
                format!(
                    "expected an N×D tensor, got shape {:?}; flatten the feature maps first (x.reshape([n, -1]))",
                    x.dims()
                ),
            ));
        }
        if !crate::tensor::is_float(x.dtype()) {
            return Err(Error::invalid(
                op,
                "x",
                format!(
                    "expected a float tensor, got dtype {}; convert with x.to_dtype(\"f32\")",
                    x.dtype().as_str()
                ),
            ));
        }
        let n = x.dims()[0];
        if labels.len() != n {
            return Err(Error::invalid(
                op,
                "labels",
                format!(
                    "{} labels for {n} feature rows; give one label per row",
                    labels.len()
                ),
            ));
        }
        if modalities.len() != n {
            return Err(Error::invalid(
                op,
                "modalities",
                format!(
                    "{} modality names for {n} feature rows; give one name per row",
                    modalities.len()
                ),
            ));
        }
        Ok(FeatureSet {
            x,
            labels,
            modalities,
        })
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The feature dimension D.
    pub fn dim(&self) -> usize {
        self.x.dims()[1]
    }

    /// The modality names in the order they first appear.
    pub fn modality_names(&self) -> Vec<String> {
        let mut names: Vec<String> = vec![];
        for m in &self.modalities {
            if !names.contains(m) {
                names.push(m.clone());
            }
        }
        names
    }

    /// The row indices of one modality, in order; an error naming the known modalities if it
    /// has none.
    pub fn rows_of(&self, modality: &str) -> Result<Vec<usize>> {
        let rows: Vec<usize> = (0..self.len())
            .filter(|&i| self.modalities[i] == modality)
            .collect();
        if rows.is_empty() {
            return Err(Error::invalid(
                "eval",
                "modality",
                format!(
                    "no rows of modality '{modality}'; the feature set has: {}",
                    self.modality_names().join(", ")
                ),
            ));
        }
        Ok(rows)
    }

    /// The features as f32 or f64 (half types are widened to f32 so sums do not lose precision).
    pub fn x_float(&self) -> Result<Tensor> {
        match self.x.dtype() {
            DType::F32 | DType::F64 => Ok(self.x.clone()),
            _ => self
                .x
                .to_dtype(DType::F32)
                .op("eval: widen features to f32"),
        }
    }

    /// The selected rows as a new tensor on the same device.
    pub fn select_rows(&self, rows: &[usize]) -> Result<Tensor> {
        select_rows(&self.x, rows)
    }
}

/// Rows `rows` of a 2-d tensor (on its device).
pub fn select_rows(x: &Tensor, rows: &[usize]) -> Result<Tensor> {
    let ids: Vec<u32> = rows.iter().map(|&r| r as u32).collect();
    let ids = Tensor::from_vec(ids, rows.len(), x.device()).op("eval: row indices")?;
    x.index_select(&ids, 0).op("eval: select rows")
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    fn x(n: usize) -> Tensor {
        Tensor::zeros((n, 3), DType::F32, &Device::Cpu).unwrap()
    }

    #[test]
    fn mismatched_lengths_name_both_lengths() {
        let e = FeatureSet::new(x(3), vec![0, 1], vec!["a".into(); 3])
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 labels for 3 feature rows"), "{e}");
        let e = FeatureSet::new(x(3), vec![0, 1, 2], vec!["a".into(); 4])
            .unwrap_err()
            .to_string();
        assert!(e.contains("4 modality names for 3 feature rows"), "{e}");
    }

    #[test]
    fn modality_names_keep_first_seen_order_and_rows_of_finds_rows() {
        let mods: Vec<String> = ["snd", "img", "snd", "txt", "img"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let f = FeatureSet::new(x(5), vec![0; 5], mods).unwrap();
        assert_eq!(f.modality_names(), vec!["snd", "img", "txt"]);
        assert_eq!(f.rows_of("img").unwrap(), vec![1, 4]);
        let e = f.rows_of("nat").unwrap_err().to_string();
        assert!(e.contains("'nat'") && e.contains("snd, img, txt"), "{e}");
    }
}
