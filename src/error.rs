//! The one error type of the library. Every message names the operation and the values involved
//! (shapes, paths, option keys) and, where there is one, the fix.

use std::path::PathBuf;

/// Every failure the xmodal core can report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error from candle, with the operation that raised it.
    #[error("{op}: {source}")]
    Candle {
        op: String,
        #[source]
        source: candle_core::Error,
    },
    /// Two shapes that an operation cannot combine.
    #[error("{op}: shape mismatch: {lhs:?} vs {rhs:?}")]
    Shape {
        op: String,
        lhs: Vec<usize>,
        rhs: Vec<usize>,
    },
    /// A file that could not be read or written.
    #[error("{op} '{}': {reason}", path.display())]
    File {
        op: String,
        path: PathBuf,
        reason: String,
    },
    /// An option map key that the function does not know.
    #[error("{op}: unknown option '{key}'; valid options are: {}", valid.join(", "))]
    UnknownOption {
        op: String,
        key: String,
        valid: Vec<String>,
    },
    /// An option or argument with the wrong type or an invalid value.
    #[error("{op}: invalid value for '{key}': {reason}")]
    InvalidValue {
        op: String,
        key: String,
        reason: String,
    },
    /// A device that is not available in this build or on this machine.
    #[error("device '{name}': {reason}")]
    Device { name: String, reason: String },
    /// A loss that became NaN or infinite.
    #[error("non-finite loss: {term} = {value} at step {step}; {hint}")]
    NonFinite {
        term: String,
        value: f64,
        step: usize,
        hint: String,
    },
    /// The user pressed Ctrl-C.
    #[error("interrupted")]
    Interrupted,
    /// Anything else, with a message that says what and why.
    #[error("{0}")]
    Msg(String),
}

/// The library's result type.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// A plain error with a message.
    pub fn msg(m: impl Into<String>) -> Self {
        Error::Msg(m.into())
    }

    /// An invalid value for an argument or option `key` of `op`.
    pub fn invalid(op: &str, key: &str, reason: impl Into<String>) -> Self {
        Error::InvalidValue {
            op: op.into(),
            key: key.into(),
            reason: reason.into(),
        }
    }

    /// A failed file operation.
    pub fn file(op: &str, path: impl Into<PathBuf>, reason: impl ToString) -> Self {
        Error::File {
            op: op.into(),
            path: path.into(),
            reason: reason.to_string(),
        }
    }
}

/// Attach the name of an operation to a candle error: `t.matmul(&u).op("matmul")?`.
pub trait Context<T> {
    fn op(self, op: &str) -> Result<T>;
}

impl<T> Context<T> for std::result::Result<T, candle_core::Error> {
    fn op(self, op: &str) -> Result<T> {
        self.map_err(|source| Error::Candle {
            op: op.to_string(),
            source: strip_backtrace(source),
        })
    }
}

/// candle wraps some errors with a backtrace that is noise to a script user; keep the cause.
fn strip_backtrace(e: candle_core::Error) -> candle_core::Error {
    match e {
        candle_core::Error::WithBacktrace { inner, .. } => strip_backtrace(*inner),
        other => other,
    }
}

impl From<candle_core::Error> for Error {
    fn from(source: candle_core::Error) -> Self {
        Error::Candle {
            op: "tensor".into(),
            source: strip_backtrace(source),
        }
    }
}
