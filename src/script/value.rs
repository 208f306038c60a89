//! The script-side tensor: a candle tensor plus, for trainable tensors made by `tensor::var`, the
//! candle `Var` that owns its storage (so `set` can update it in place).

use crate::tensor::{Tensor, Var};

/// A tensor as scripts see it (type name `Tensor`).
#[derive(Clone)]
pub struct ScriptTensor {
    tensor: Tensor,
    var: Option<Var>,
}

impl ScriptTensor {
    /// Wrap a plain tensor.
    pub fn new(tensor: Tensor) -> Self {
        ScriptTensor { tensor, var: None }
    }

    /// Wrap a trainable tensor.
    pub fn from_var(var: Var) -> Self {
        ScriptTensor {
            tensor: var.as_tensor().clone(),
            var: Some(var),
        }
    }

    /// The candle tensor.
    pub fn tensor(&self) -> &Tensor {
        &self.tensor
    }

    /// The candle variable, when this tensor is trainable.
    pub fn var(&self) -> Option<&Var> {
        self.var.as_ref()
    }
}

impl From<Tensor> for ScriptTensor {
    fn from(t: Tensor) -> Self {
        ScriptTensor::new(t)
    }
}

impl std::fmt::Debug for ScriptTensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::tensor::display::header(&self.tensor))
    }
}

/// A gradient map returned by `loss.backward()`.
#[derive(Clone)]
pub struct Grads(pub std::sync::Arc<candle_core::backprop::GradStore>);
