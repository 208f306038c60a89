//! Option maps: the trailing `#{ key: value }` argument of script functions. Every function names
//! its valid keys; an unknown key is an error that lists them, so a typo is never ignored.

use crate::error::{Error, Result};
use rhai::{Dynamic, Map};

/// A checked option map for one operation.
pub struct Opts {
    op: String,
    map: Map,
}

impl Opts {
    /// Check `map` against the valid keys of `op`.
    pub fn new(op: &str, map: Map, valid: &[&str]) -> Result<Self> {
        for key in map.keys() {
            if !valid.contains(&key.as_str()) {
                return Err(Error::UnknownOption {
                    op: op.into(),
                    key: key.to_string(),
                    valid: valid.iter().map(|s| s.to_string()).collect(),
                });
            }
        }
        Ok(Opts { op: op.into(), map })
    }

    /// No options given.
    pub fn empty(op: &str) -> Self {
        Opts {
            op: op.into(),
            map: Map::new(),
        }
    }

    /// The operation name, for error messages.
    pub fn op(&self) -> &str {
        &self.op
    }

    /// Whether `key` was given.
    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The raw value of `key`, if given.
    pub fn get(&self, key: &str) -> Option<&Dynamic> {
        self.map.get(key)
    }

    fn bad(&self, key: &str, want: &str, got: &Dynamic) -> Error {
        Error::invalid(
            &self.op,
            key,
            format!("expected {want}, got {}", got.type_name()),
        )
    }

    /// A number (INT or FLOAT), or `default`.
    pub fn f64(&self, key: &str, default: f64) -> Result<f64> {
        match self.map.get(key) {
            None => Ok(default),
            Some(d) => super::convert::number(&self.op, key, d),
        }
    }

    /// A finite number > 0, or `default`.
    pub fn positive(&self, key: &str, default: f64) -> Result<f64> {
        let v = self.f64(key, default)?;
        if v > 0.0 && v.is_finite() {
            Ok(v)
        } else {
            Err(Error::invalid(
                &self.op,
                key,
                format!("must be a finite number > 0, got {v}"),
            ))
        }
    }

    /// A finite number >= 0, or `default`.
    pub fn non_negative(&self, key: &str, default: f64) -> Result<f64> {
        let v = self.f64(key, default)?;
        if v >= 0.0 && v.is_finite() {
            Ok(v)
        } else {
            Err(Error::invalid(
                &self.op,
                key,
                format!("must be a finite number >= 0, got {v}"),
            ))
        }
    }

    /// A non-negative integer, or `default`.
    pub fn usize(&self, key: &str, default: usize) -> Result<usize> {
        match self.map.get(key) {
            None => Ok(default),
            Some(d) => super::convert::index(&self.op, key, d),
        }
    }

    /// A seed (non-negative integer), or `default`.
    pub fn u64(&self, key: &str, default: u64) -> Result<u64> {
        self.usize(key, default as usize).map(|v| v as u64)
    }

    /// An integer, or `default`.
    pub fn i64(&self, key: &str, default: i64) -> Result<i64> {
        match self.map.get(key) {
            None => Ok(default),
            Some(d) => d.as_int().map_err(|_| self.bad(key, "an integer", d)),
        }
    }

    /// A boolean, or `default`.
    pub fn bool(&self, key: &str, default: bool) -> Result<bool> {
        match self.map.get(key) {
            None => Ok(default),
            Some(d) => d.as_bool().map_err(|_| self.bad(key, "true or false", d)),
        }
    }

    /// A string, or `default`.
    pub fn string(&self, key: &str, default: &str) -> Result<String> {
        match self.map.get(key) {
            None => Ok(default.to_string()),
            Some(d) => d
                .clone()
                .into_string()
                .map_err(|_| self.bad(key, "a string", d)),
        }
    }

    /// A string that must be one of `choices`, or `default`.
    pub fn choice(&self, key: &str, default: &str, choices: &[&str]) -> Result<String> {
        let s = self.string(key, default)?;
        if choices.contains(&s.as_str()) {
            Ok(s)
        } else {
            Err(Error::invalid(
                &self.op,
                key,
                format!("'{s}' is not one of: {}", choices.join(", ")),
            ))
        }
    }

    /// A list of strings (a single string counts as a list of one), or `default`.
    pub fn strings(&self, key: &str, default: &[&str]) -> Result<Vec<String>> {
        match self.map.get(key) {
            None => Ok(default.iter().map(|s| s.to_string()).collect()),
            Some(d) => super::convert::strings(&self.op, key, d),
        }
    }

    /// The device named by `key` (`"cpu"`, `"cuda:0"`), or the default device.
    pub fn device(&self, key: &str) -> Result<candle_core::Device> {
        match self.map.get(key) {
            None => crate::device::default_device(),
            Some(d) => {
                let name = d
                    .clone()
                    .into_string()
                    .map_err(|_| self.bad(key, "a device name such as \"cpu\" or \"cuda:0\"", d))?;
                crate::device::parse(&name)
            }
        }
    }

    /// The dtype named by `key`, or `default`.
    pub fn dtype(&self, key: &str, default: candle_core::DType) -> Result<candle_core::DType> {
        match self.map.get(key) {
            None => Ok(default),
            Some(d) => crate::tensor::parse_dtype(
                &d.clone()
                    .into_string()
                    .map_err(|_| self.bad(key, "a dtype name such as \"f32\"", d))?,
            ),
        }
    }

    /// A floating-point dtype (f32, f64, f16, bf16), or `default`: weights and activations.
    pub fn float_dtype(
        &self,
        key: &str,
        default: candle_core::DType,
    ) -> Result<candle_core::DType> {
        let d = self.dtype(key, default)?;
        if crate::tensor::is_float(d) {
            Ok(d)
        } else {
            Err(Error::invalid(
                &self.op,
                key,
                format!(
                    "'{}' is not a floating-point dtype; valid: f32, f64, f16, bf16",
                    d.as_str()
                ),
            ))
        }
    }

    /// The seed option: `key` if given, else the run's default seed (`--seed`).
    pub fn seed(&self) -> Result<u64> {
        self.u64("seed", crate::script::default_seed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_lists_the_valid_ones() {
        let mut m = Map::new();
        m.insert("sed".into(), Dynamic::from(1_i64));
        let e = Opts::new("tensor::randn", m, &["seed", "mean", "std"])
            .err()
            .unwrap()
            .to_string();
        assert_eq!(
            e,
            "tensor::randn: unknown option 'sed'; valid options are: seed, mean, std"
        );
    }

    #[test]
    fn wrong_type_names_the_key() {
        let mut m = Map::new();
        m.insert("mean".into(), Dynamic::from("zero"));
        let o = Opts::new("tensor::randn", m, &["mean"]).unwrap();
        let e = o.f64("mean", 0.0).unwrap_err().to_string();
        assert!(
            e.contains("'mean'") && e.contains("expected a number"),
            "{e}"
        );
    }
}
