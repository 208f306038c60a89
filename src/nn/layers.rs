//! Basic layers in candle-nn's two-level shape: a struct over ready tensors implementing
//! `Module`, and a lowercase constructor that makes its parameters from a `VarBuilder`.
//!
//! - `Conv2d`: y = W ⋆ x + b (`forward_relu`: max(y, 0); `forward_relu_pool`: then max pooling;
//!   both fused into one op on the CPU), W [out, in/groups, k, k]. Grouped convolutions run as
//!   one convolution per group on channel slices (candle's grouped path is slow), with the
//!   weight stored whole so checkpoints keep the PyTorch/Caffe layout.
//! - `Conv1d`: W [out, in, k] over [n, in, L].
//! - `Linear`: y = x Wᵀ + b, W [out, in].
//!
//! Weights default to He-normal N(0, 2/fan_in) (every conv and hidden layer is followed by a
//! ReLU); biases start at 0.

use candle_core::{Module, Tensor};
use candle_nn::{Init, VarBuilder};

/// He-normal for a layer with `fan_in` inputs followed by a ReLU.
pub fn he(fan_in: usize) -> Init {
    Init::Randn {
        mean: 0.0,
        stdev: (2.0 / fan_in as f64).sqrt(),
    }
}

/// A 2-D convolution (optionally grouped).
#[derive(Clone, Debug)]
pub struct Conv2d {
    weight: Tensor,
    bias: Tensor,
    stride: usize,
    padding: usize,
    groups: usize,
}

impl Conv2d {
    pub fn new(weight: Tensor, bias: Tensor, stride: usize, padding: usize, groups: usize) -> Self {
        Conv2d {
            weight,
            bias,
            stride,
            padding,
            groups,
        }
    }
}

/// What follows a convolution inside the same call.
#[derive(Clone, Copy, Debug, PartialEq)]
enum After {
    Nothing,
    Relu,
    /// ReLU, then max pooling (kernel, stride).
    ReluPool(usize, usize),
}

/// One convolution (+ bias, + what follows): on the CPU as one fused op with its own backward
/// (`conv_cpu`: faster than candle's, and right for every size), elsewhere through candle's
/// `conv2d`, `relu` and `pool::max_pool2d`.
fn conv(
    x: &Tensor,
    w: &Tensor,
    b: &Tensor,
    padding: usize,
    stride: usize,
    after: After,
) -> candle_core::Result<Tensor> {
    use super::conv_cpu;
    let float = matches!(x.dtype(), candle_core::DType::F32 | candle_core::DType::F64);
    if x.device().is_cpu() && float && x.dtype() == w.dtype() && w.dtype() == b.dtype() {
        return match after {
            After::Nothing => conv_cpu::conv2d(x, w, Some(b), stride, padding),
            After::Relu => conv_cpu::conv2d_relu(x, w, Some(b), stride, padding),
            After::ReluPool(k, s) => {
                conv_cpu::conv2d_relu_pool(x, w, Some(b), (stride, padding), (k, s))
            }
        };
    }
    let y = x
        .conv2d(w, padding, stride, 1, 1)?
        .broadcast_add(&b.reshape((1, (), 1, 1))?)?;
    match after {
        After::Nothing => Ok(y),
        After::Relu => y.relu(),
        After::ReluPool(k, s) => super::pool::max_pool2d(&y.relu()?, k, s),
    }
}

impl Conv2d {
    /// `relu(self.forward(x))`, fused on the CPU.
    pub fn forward_relu(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.run(x, After::Relu)
    }

    /// `max_pool2d(relu(self.forward(x)), k, s)`, fused on the CPU (each image's output is
    /// pooled while in the cache and never stored whole).
    pub fn forward_relu_pool(&self, x: &Tensor, k: usize, s: usize) -> candle_core::Result<Tensor> {
        self.run(x, After::ReluPool(k, s))
    }

    fn run(&self, x: &Tensor, after: After) -> candle_core::Result<Tensor> {
        if self.groups == 1 {
            return conv(
                x,
                &self.weight,
                &self.bias,
                self.padding,
                self.stride,
                after,
            );
        }
        let (cin, cout) = (x.dim(1)? / self.groups, self.weight.dim(0)? / self.groups);
        let parts = (0..self.groups)
            .map(|g| {
                conv(
                    &x.narrow(1, g * cin, cin)?.contiguous()?,
                    &self.weight.narrow(0, g * cout, cout)?,
                    &self.bias.narrow(0, g * cout, cout)?,
                    self.padding,
                    self.stride,
                    after,
                )
            })
            .collect::<candle_core::Result<Vec<_>>>()?;
        Tensor::cat(&parts, 1)
    }
}

impl Module for Conv2d {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        self.run(x, After::Nothing)
    }
}

/// `Conv2d` with a k×k kernel, parameters `weight` [out, in/groups, k, k] and `bias` [out].
pub fn conv2d(
    cin: usize,
    cout: usize,
    k: usize,
    stride: usize,
    padding: usize,
    groups: usize,
    vb: VarBuilder,
) -> candle_core::Result<Conv2d> {
    let fan_in = cin / groups * k * k;
    let w = vb.get_with_hints((cout, cin / groups, k, k), "weight", he(fan_in))?;
    let b = vb.get_with_hints(cout, "bias", Init::Const(0.0))?;
    Ok(Conv2d::new(w, b, stride, padding, groups))
}

/// A 1-D convolution over [n, channels, length].
#[derive(Clone, Debug)]
pub struct Conv1d {
    weight: Tensor,
    bias: Tensor,
    padding: usize,
}

impl Module for Conv1d {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.conv1d(&self.weight, self.padding, 1, 1, 1)?
            .broadcast_add(&self.bias.reshape((1, (), 1))?)
    }
}

/// `Conv1d` with kernel `k`, stride 1, "same" padding k/2 (k odd).
pub fn conv1d(cin: usize, cout: usize, k: usize, vb: VarBuilder) -> candle_core::Result<Conv1d> {
    let weight = vb.get_with_hints((cout, cin, k), "weight", he(cin * k))?;
    let bias = vb.get_with_hints(cout, "bias", Init::Const(0.0))?;
    Ok(Conv1d {
        weight,
        bias,
        padding: k / 2,
    })
}

/// A fully connected layer over [n, in].
#[derive(Clone, Debug)]
pub struct Linear {
    weight: Tensor,
    bias: Tensor,
}

impl Module for Linear {
    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x.matmul(&self.weight.t()?)?.broadcast_add(&self.bias)
    }
}

/// `Linear` with weights drawn from `init` (He-normal when `None`).
pub fn linear(
    cin: usize,
    cout: usize,
    init: Option<Init>,
    vb: VarBuilder,
) -> candle_core::Result<Linear> {
    let weight = vb.get_with_hints((cout, cin), "weight", init.unwrap_or_else(|| he(cin)))?;
    let bias = vb.get_with_hints(cout, "bias", Init::Const(0.0))?;
    Ok(Linear { weight, bias })
}
