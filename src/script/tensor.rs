//! `tensor::` — creating tensors, and the methods and operators every `Tensor` has.

use super::convert::{
    guard, guard_at, nested, number, shape as parse_shape, to_nested, RhaiResult,
};
use super::options::Opts;
use super::value::{Grads, ScriptTensor};
use crate::error::{Context, Error, Result};
use crate::tensor::ops::{arith, arith_scalar, compare, Arith, Cmp};
use crate::tensor::{create, resolve_dim, DType, Tensor};
use rhai::plugin::*;
use rhai::{Array, Dynamic, Engine, Map, FLOAT, INT};

/// Register the `Tensor` and `Grads` types, the `tensor::` namespace and the tensor methods.
pub fn register(engine: &mut Engine) {
    engine.register_type_with_name::<ScriptTensor>("Tensor");
    engine.register_type_with_name::<Grads>("Grads");
    engine.register_static_module("tensor", exported_module!(tensor_api).into());
}

pub(crate) fn wrap(t: Tensor) -> ScriptTensor {
    ScriptTensor::new(t)
}

fn dim(op: &str, t: &ScriptTensor, d: INT) -> Result<usize> {
    resolve_dim(op, t.tensor(), d)
}

fn unary(
    op: &str,
    t: &ScriptTensor,
    f: impl FnOnce(&Tensor) -> candle_core::Result<Tensor>,
) -> RhaiResult<ScriptTensor> {
    guard(op, || {
        let x = crate::tensor::ops::float_of(t.tensor())?;
        f(&x).op(op).map(wrap)
    })
}

fn creation_opts(
    op: &str,
    opts: Map,
    extra: &[&str],
) -> Result<(Opts, DType, candle_core::Device)> {
    let mut valid = vec!["dtype", "device"];
    valid.extend_from_slice(extra);
    let o = Opts::new(op, opts, &valid)?;
    let dtype = o.dtype("dtype", DType::F32)?;
    let dev = o.device("device")?;
    Ok((o, dtype, dev))
}

fn tensor_arg(op: &str, d: &Dynamic, like: &Tensor) -> Result<Tensor> {
    if let Some(t) = d.read_lock::<ScriptTensor>() {
        return Ok(t.tensor().clone());
    }
    let (v, s, int) = nested(op, d)?;
    if int && !crate::tensor::is_float(like.dtype()) {
        create::from_i64(v.iter().map(|x| *x as i64).collect(), &s, like.device())
    } else {
        create::from_f64(v, &s, like.dtype(), like.device())
    }
}

fn list_of_tensors(op: &str, list: &Array) -> Result<Vec<Tensor>> {
    if list.is_empty() {
        return Err(Error::invalid(op, "tensors", "the list is empty"));
    }
    list.iter()
        .enumerate()
        .map(|(i, d)| {
            d.read_lock::<ScriptTensor>()
                .map(|t| t.tensor().clone())
                .ok_or_else(|| {
                    Error::invalid(
                        op,
                        "tensors",
                        format!("item {i} is a {}, not a Tensor", d.type_name()),
                    )
                })
        })
        .collect()
}

/// max/min/argmax/argmin of a float tensor that holds a NaN, as numpy computes them: a NaN in a
/// reduced slice makes max/min NaN, and argmax/argmin the index of its first NaN. `None` when the
/// tensor holds no NaN (candle's kernels, which skip NaNs, are right then).
fn nan_reduce(op: &str, x: &Tensor, d: Option<usize>) -> Result<Option<Tensor>> {
    if !crate::tensor::is_float(x.dtype()) || x.elem_count() == 0 {
        return Ok(None);
    }
    let any_nan = x
        .ne(x)
        .and_then(|m| m.flatten_all())
        .and_then(|m| m.max(0))
        .and_then(|m| m.to_scalar::<u8>())
        .op(op)?;
    if any_nan == 0 {
        return Ok(None);
    }
    let v = crate::tensor::to_f64_vec(x)?;
    let (dims, d) = match d {
        Some(d) => (x.dims().to_vec(), d),
        None => (vec![v.len()], 0),
    };
    let (outer, n): (usize, usize) = (dims[..d].iter().product(), dims[d]);
    let inner: usize = dims[d + 1..].iter().product();
    let arg = op.starts_with("arg");
    let want_max = op.ends_with("max");
    let mut out = Vec::with_capacity(outer * inner);
    for o in 0..outer {
        for i in 0..inner {
            let at = |k: usize| v[(o * n + k) * inner + i];
            let mut best = 0;
            for k in 0..n {
                let (a, b) = (at(k), at(best));
                if b.is_nan() {
                    break;
                }
                if a.is_nan() || (want_max && a > b) || (!want_max && a < b) {
                    best = k;
                }
            }
            out.push(if arg { best as f64 } else { at(best) });
        }
    }
    let mut shape = dims.clone();
    shape.remove(d);
    let r = if arg {
        create::from_i64(out.iter().map(|x| *x as i64).collect(), &shape, x.device())?
    } else {
        create::from_f64(out, &shape, x.dtype(), x.device())?
    };
    Ok(Some(r))
}

fn reduce(op: &str, t: &ScriptTensor, d: Option<INT>, keep: bool) -> RhaiResult<ScriptTensor> {
    guard(op, || {
        let x = t.tensor();
        if matches!(op, "max" | "min" | "argmax" | "argmin") {
            let dd = d.map(|d| dim(op, t, d)).transpose()?;
            if let Some(r) = nan_reduce(op, x, dd)? {
                return Ok(wrap(r));
            }
        }
        let r = match (op, d) {
            ("sum", None) => x.sum_all(),
            ("mean", None) => crate::tensor::ops::float_of(x)?.mean_all(),
            ("sum", Some(d)) => {
                let d = dim(op, t, d)?;
                if keep {
                    x.sum_keepdim(d)
                } else {
                    x.sum(d)
                }
            }
            ("mean", Some(d)) => {
                let d = dim(op, t, d)?;
                let x = crate::tensor::ops::float_of(x)?;
                if keep {
                    x.mean_keepdim(d)
                } else {
                    x.mean(d)
                }
            }
            ("max", Some(d)) => x.max(dim(op, t, d)?),
            ("min", Some(d)) => x.min(dim(op, t, d)?),
            ("argmax", Some(d)) => x
                .argmax(dim(op, t, d)?)
                .and_then(|i| i.to_dtype(DType::I64)),
            ("argmin", Some(d)) => x
                .argmin(dim(op, t, d)?)
                .and_then(|i| i.to_dtype(DType::I64)),
            ("max", None) => x.flatten_all().and_then(|f| f.max(0)),
            ("min", None) => x.flatten_all().and_then(|f| f.min(0)),
            _ => unreachable!("reduce {op}"),
        };
        r.op(op).map(wrap)
    })
}

fn cmp_any(op: Cmp, a: &ScriptTensor, b: Dynamic) -> RhaiResult<ScriptTensor> {
    let name = format!("{op:?}").to_lowercase();
    guard(&name, || {
        let x = a.tensor();
        let y = match b.read_lock::<ScriptTensor>() {
            Some(t) => t.tensor().clone(),
            None => {
                let v = number(&name, "other", &b)?;
                Tensor::new(v, x.device())
                    .and_then(|s| s.to_dtype(x.dtype()))
                    .op(&name)?
            }
        };
        compare(op, x, &y).map(wrap)
    })
}

#[export_module]
pub mod tensor_api {
    use super::*;

    // ---------------------------------------------------------------- creation

    /// Make a tensor from nested arrays of numbers. Floats give `f32`, all-integer arrays `i64`.
    ///
    /// ```rhai
    /// let a = tensor::from([[1.0, 2.0], [3.0, 4.0]]);   // Tensor[f32; 2×2; cpu]
    /// let i = tensor::from([0, 2]);                     // Tensor[i64; 2; cpu]
    /// ```
    #[rhai_fn(return_raw)]
    pub fn from(ctx: NativeCallContext, values: Dynamic) -> RhaiResult<ScriptTensor> {
        from_opts(ctx, values, Map::new())
    }

    /// Make a tensor from nested arrays with options `#{ dtype: "f32", device: default }`.
    ///
    /// ```rhai
    /// let a = tensor::from([1, 2, 3], #{ dtype: "f64" });
    /// ```
    #[rhai_fn(name = "from", return_raw)]
    pub fn from_opts(
        ctx: NativeCallContext,
        values: Dynamic,
        opts: Map,
    ) -> RhaiResult<ScriptTensor> {
        guard_at(ctx.call_position(), "tensor::from", || {
            let given_dtype = opts.contains_key("dtype");
            let (_, dtype, dev) = creation_opts("tensor::from", opts, &[])?;
            let (v, s, int) = nested("tensor::from", &values)?;
            if int && !given_dtype {
                create::from_i64(v.iter().map(|x| *x as i64).collect(), &s, &dev).map(wrap)
            } else {
                create::from_f64(v, &s, dtype, &dev).map(wrap)
            }
        })
    }

    /// A tensor of zeros: `tensor::zeros([2, 3])`; options `#{ dtype: "f32", device }`.
    #[rhai_fn(return_raw)]
    pub fn zeros(ctx: NativeCallContext, shape: Dynamic) -> RhaiResult<ScriptTensor> {
        full_opts(ctx, "tensor::zeros", shape, 0.0, Map::new())
    }

    /// A tensor of zeros with options `#{ dtype: "f32", device }`.
    #[rhai_fn(name = "zeros", return_raw)]
    pub fn zeros_opts(
        ctx: NativeCallContext,
        shape: Dynamic,
        opts: Map,
    ) -> RhaiResult<ScriptTensor> {
        full_opts(ctx, "tensor::zeros", shape, 0.0, opts)
    }

    /// A tensor of ones: `tensor::ones([2, 3])`; options `#{ dtype: "f32", device }`.
    #[rhai_fn(return_raw)]
    pub fn ones(ctx: NativeCallContext, shape: Dynamic) -> RhaiResult<ScriptTensor> {
        full_opts(ctx, "tensor::ones", shape, 1.0, Map::new())
    }

    /// A tensor of ones with options `#{ dtype: "f32", device }`.
    #[rhai_fn(name = "ones", return_raw)]
    pub fn ones_opts(
        ctx: NativeCallContext,
        shape: Dynamic,
        opts: Map,
    ) -> RhaiResult<ScriptTensor> {
        full_opts(ctx, "tensor::ones", shape, 1.0, opts)
    }

    /// A tensor filled with one value: `tensor::full([2, 2], 7.0)`.
    #[rhai_fn(name = "full", return_raw)]
    pub fn full(
        ctx: NativeCallContext,
        shape: Dynamic,
        value: Dynamic,
    ) -> RhaiResult<ScriptTensor> {
        let v = guard_at(ctx.call_position(), "tensor::full", || {
            number("tensor::full", "value", &value)
        })?;
        full_opts(ctx, "tensor::full", shape, v, Map::new())
    }

    /// A tensor filled with one value, options `#{ dtype: "f32", device }`.
    #[rhai_fn(name = "full", return_raw)]
    pub fn full_with(
        ctx: NativeCallContext,
        shape: Dynamic,
        value: Dynamic,
        opts: Map,
    ) -> RhaiResult<ScriptTensor> {
        let v = guard_at(ctx.call_position(), "tensor::full", || {
            number("tensor::full", "value", &value)
        })?;
        full_opts(ctx, "tensor::full", shape, v, opts)
    }

    #[rhai_fn(skip)]
    pub fn full_opts(
        ctx: NativeCallContext,
        op: &str,
        shape: Dynamic,
        value: f64,
        opts: Map,
    ) -> RhaiResult<ScriptTensor> {
        guard_at(ctx.call_position(), op, || {
            let (_, dtype, dev) = creation_opts(op, opts, &[])?;
            create::full(op, &parse_shape(op, &shape)?, value, dtype, &dev).map(wrap)
        })
    }

    /// Normal random numbers N(0, 1) with the run's default seed: `tensor::randn([3, 4])`.
    #[rhai_fn(return_raw)]
    pub fn randn(ctx: NativeCallContext, shape: Dynamic) -> RhaiResult<ScriptTensor> {
        randn_opts(ctx, shape, Map::new())
    }

    /// Normal random numbers; options `#{ seed: --seed (0), mean: 0.0, std: 1.0, dtype: "f32", device }`.
    /// The same seed gives the same numbers on every device.
    ///
    /// ```rhai
    /// let w = tensor::randn([1024, 10], #{ seed: 7, std: 0.01 });
    /// ```
    #[rhai_fn(name = "randn", return_raw)]
    pub fn randn_opts(
        ctx: NativeCallContext,
        shape: Dynamic,
        opts: Map,
    ) -> RhaiResult<ScriptTensor> {
        guard_at(ctx.call_position(), "tensor::randn", || {
            let (o, dtype, dev) = creation_opts("tensor::randn", opts, &["seed", "mean", "std"])?;
            let s = parse_shape("tensor::randn", &shape)?;
            create::randn(
                &s,
                o.seed()?,
                o.f64("mean", 0.0)?,
                o.f64("std", 1.0)?,
                dtype,
                &dev,
            )
            .map(wrap)
        })
    }

    /// Uniform random numbers in [0, 1) with the run's default seed: `tensor::rand([3, 4])`.
    #[rhai_fn(return_raw)]
    pub fn rand(ctx: NativeCallContext, shape: Dynamic) -> RhaiResult<ScriptTensor> {
        rand_opts(ctx, shape, Map::new())
    }

    /// Uniform random numbers in [lo, hi); options `#{ seed: --seed (0), lo: 0.0, hi: 1.0, dtype: "f32", device }`.
    #[rhai_fn(name = "rand", return_raw)]
    pub fn rand_opts(
        ctx: NativeCallContext,
        shape: Dynamic,
        opts: Map,
    ) -> RhaiResult<ScriptTensor> {
        guard_at(ctx.call_position(), "tensor::rand", || {
            let (o, dtype, dev) = creation_opts("tensor::rand", opts, &["seed", "lo", "hi"])?;
            let s = parse_shape("tensor::rand", &shape)?;
            create::rand(
                &s,
                o.seed()?,
                o.f64("lo", 0.0)?,
                o.f64("hi", 1.0)?,
                dtype,
                &dev,
            )
            .map(wrap)
        })
    }

    /// `start, start+1, …, end-1` as an f32 vector: `tensor::arange(0, 5)`.
    #[rhai_fn(return_raw)]
    pub fn arange(
        ctx: NativeCallContext,
        start: Dynamic,
        end: Dynamic,
    ) -> RhaiResult<ScriptTensor> {
        arange_step(ctx, start, end, Dynamic::from(1 as INT))
    }

    /// `start, start+step, …` below `end` (above it for a negative step), as f32.
    #[rhai_fn(name = "arange", return_raw)]
    pub fn arange_step(
        ctx: NativeCallContext,
        start: Dynamic,
        end: Dynamic,
        step: Dynamic,
    ) -> RhaiResult<ScriptTensor> {
        guard_at(ctx.call_position(), "tensor::arange", || {
            let a = number("tensor::arange", "start", &start)?;
            let b = number("tensor::arange", "end", &end)?;
            let s = number("tensor::arange", "step", &step)?;
            create::arange(a, b, s, DType::F32, &crate::device::default_device()?).map(wrap)
        })
    }

    /// The n×n identity matrix (f32).
    #[rhai_fn(return_raw)]
    pub fn eye(ctx: NativeCallContext, n: INT) -> RhaiResult<ScriptTensor> {
        guard_at(ctx.call_position(), "tensor::eye", || {
            let n = super::super::convert::index("tensor::eye", "n", &Dynamic::from(n))?;
            create::eye(n, DType::F32, &crate::device::default_device()?).map(wrap)
        })
    }

    /// Concatenate tensors along an existing dimension: `tensor::cat([a, b], 0)`.
    #[rhai_fn(return_raw)]
    pub fn cat(ctx: NativeCallContext, list: Array, dim: INT) -> RhaiResult<ScriptTensor> {
        guard_at(ctx.call_position(), "tensor::cat", || {
            let ts = list_of_tensors("tensor::cat", &list)?;
            let d = resolve_dim("tensor::cat", &ts[0], dim)?;
            Tensor::cat(&ts, d).op("tensor::cat").map(wrap)
        })
    }

    /// Stack tensors of one shape along a new dimension: `tensor::stack([a, b], 0)`.
    #[rhai_fn(return_raw)]
    pub fn stack(ctx: NativeCallContext, list: Array, dim: INT) -> RhaiResult<ScriptTensor> {
        guard_at(ctx.call_position(), "tensor::stack", || {
            let ts = list_of_tensors("tensor::stack", &list)?;
            let rank = ts[0].rank() as INT + 1;
            let d = if dim < 0 { dim + rank } else { dim };
            if d < 0 || d >= rank {
                return Err(Error::invalid(
                    "tensor::stack",
                    "dim",
                    format!("{dim} is out of range for rank {rank}"),
                ));
            }
            Tensor::stack(&ts, d as usize).op("tensor::stack").map(wrap)
        })
    }

    /// A trainable tensor (a copy of `t`) for gradient descent in scripts: gradients reach it
    /// through `loss.backward()`, and `w.set(new_value)` updates it in place.
    ///
    /// ```rhai
    /// let w = tensor::var(tensor::zeros([3, 1]));
    /// ```
    #[rhai_fn(return_raw)]
    pub fn var(ctx: NativeCallContext, t: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard_at(ctx.call_position(), "tensor::var", || {
            let x = crate::tensor::ops::float_of(t.tensor())?;
            candle_core::Var::from_tensor(&x)
                .op("tensor::var")
                .map(ScriptTensor::from_var)
        })
    }

    /// Save named tensors: `tensor::save("w.safetensors", #{ w: w, b: b })`. The extension picks
    /// the format: `.safetensors`, `.npz`, or `.npy` (one tensor). Written atomically.
    #[rhai_fn(return_raw)]
    pub fn save(ctx: NativeCallContext, path: &str, tensors: Map) -> RhaiResult<()> {
        guard_at(ctx.call_position(), "tensor::save", || {
            let mut m = std::collections::BTreeMap::new();
            for (k, v) in tensors {
                let t = v
                    .read_lock::<ScriptTensor>()
                    .map(|t| t.tensor().clone())
                    .ok_or_else(|| {
                        Error::invalid(
                            "tensor::save",
                            &k,
                            format!("expected a Tensor, got {}", v.type_name()),
                        )
                    })?;
                m.insert(k.to_string(), t);
            }
            crate::tensor::io::save(std::path::Path::new(path), &m)
        })
    }

    /// Save one tensor: `tensor::save("x.npy", x)`.
    #[rhai_fn(name = "save", return_raw)]
    pub fn save_one(ctx: NativeCallContext, path: &str, t: ScriptTensor) -> RhaiResult<()> {
        guard_at(ctx.call_position(), "tensor::save", || {
            let stem = std::path::Path::new(path)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("tensor")
                .to_string();
            crate::tensor::io::save(
                std::path::Path::new(path),
                &std::collections::BTreeMap::from([(stem, t.tensor().clone())]),
            )
        })
    }

    /// Load tensors onto the default device. A `.safetensors` or `.npz` file gives a map of name
    /// to tensor; a `.npy` file gives the tensor itself.
    #[rhai_fn(return_raw)]
    pub fn load(ctx: NativeCallContext, path: &str) -> RhaiResult<Dynamic> {
        guard_at(ctx.call_position(), "tensor::load", || {
            let p = std::path::Path::new(path);
            let m = crate::tensor::io::load(p, &crate::device::default_device()?)?;
            if crate::tensor::io::format_of(p)? == crate::tensor::io::Format::Npy {
                return Ok(Dynamic::from(wrap(
                    m.into_values().next().expect("one tensor"),
                )));
            }
            let mut out = Map::new();
            for (k, v) in m {
                out.insert(k.into(), Dynamic::from(wrap(v)));
            }
            Ok(Dynamic::from_map(out))
        })
    }

    // ---------------------------------------------------------------- inspection

    /// The shape as an array of integers: `tensor::zeros([2, 3]).shape()` is `[2, 3]`.
    #[rhai_fn(global, pure, name = "shape", get = "shape")]
    pub fn shapeof(t: &mut ScriptTensor) -> Array {
        t.tensor()
            .dims()
            .iter()
            .map(|d| Dynamic::from(*d as INT))
            .collect()
    }

    /// The dtype name: "f32", "f64", "f16", "bf16", "u8", "u32" or "i64".
    #[rhai_fn(global, pure, name = "dtype", get = "dtype")]
    pub fn dtype_of(t: &mut ScriptTensor) -> String {
        t.tensor().dtype().as_str().to_string()
    }

    /// The device name: "cpu" or "cuda:N".
    #[rhai_fn(global, pure, name = "device", get = "device")]
    pub fn device_of(t: &mut ScriptTensor) -> String {
        crate::device::name(t.tensor().device())
    }

    /// The number of elements.
    #[rhai_fn(global, pure, name = "numel")]
    pub fn numel(t: &mut ScriptTensor) -> INT {
        t.tensor().elem_count() as INT
    }

    /// The numpy-style text of a tensor (what `print` shows).
    #[rhai_fn(global, pure, name = "to_string")]
    pub fn to_string(t: &mut ScriptTensor) -> String {
        crate::tensor::display::render(t.tensor())
    }

    /// The one-line form `Tensor[f32; 2×3; cpu]` (shown inside arrays and maps).
    #[rhai_fn(global, pure, name = "to_debug")]
    pub fn to_debug(t: &mut ScriptTensor) -> String {
        crate::tensor::display::header(t.tensor())
    }

    /// The value of a one-element tensor as a number (FLOAT, or INT for integer dtypes).
    #[rhai_fn(global, pure, return_raw)]
    pub fn item(t: &mut ScriptTensor) -> RhaiResult<Dynamic> {
        guard("item", || {
            let x = t.tensor();
            if x.elem_count() != 1 {
                return Err(Error::msg(format!("item: needs a tensor with one element, this one has shape {:?}; reduce it first (sum(), mean())", x.dims())));
            }
            let v = crate::tensor::to_f64_vec(x)?[0];
            Ok(if crate::tensor::is_float(x.dtype()) {
                Dynamic::from(v as FLOAT)
            } else {
                Dynamic::from(v as INT)
            })
        })
    }

    /// The values as nested arrays (numbers for a 0-d tensor).
    #[rhai_fn(global, pure, return_raw)]
    pub fn to_array(t: &mut ScriptTensor) -> RhaiResult<Dynamic> {
        guard("to_array", || {
            let x = t.tensor();
            let v = crate::tensor::to_f64_vec(x)?;
            Ok(to_nested(&v, x.dims(), !crate::tensor::is_float(x.dtype())))
        })
    }

    /// Count, mean, std, min, quantiles (5, 25, 50, 75, 95 %) and max of all elements, as a map.
    #[rhai_fn(global, pure, return_raw)]
    pub fn describe(t: &mut ScriptTensor) -> RhaiResult<Map> {
        guard("describe", || {
            let s = crate::tensor::stats::describe(&crate::tensor::to_f64_vec(t.tensor())?)?;
            let mut m = Map::new();
            m.insert("count".into(), Dynamic::from(s.count as INT));
            for (k, v) in [
                ("mean", s.mean),
                ("std", s.std),
                ("min", s.min),
                ("q05", s.q05),
                ("q25", s.q25),
                ("q50", s.q50),
                ("q75", s.q75),
                ("q95", s.q95),
                ("max", s.max),
            ] {
                m.insert(k.into(), Dynamic::from(v as FLOAT));
            }
            Ok(m)
        })
    }

    // ---------------------------------------------------------------- conversion and shape

    /// A copy on another device: `t.to("cuda:0")`, `t.to("cpu")`.
    #[rhai_fn(global, pure, return_raw)]
    pub fn to(t: &mut ScriptTensor, device: &str) -> RhaiResult<ScriptTensor> {
        guard("to", || {
            let d = crate::device::parse(device)?;
            t.tensor().to_device(&d).op("to").map(wrap)
        })
    }

    /// A copy with another dtype: "f32", "f64", "f16", "bf16", "u8", "u32", "i64".
    #[rhai_fn(global, pure, return_raw)]
    pub fn to_dtype(t: &mut ScriptTensor, dtype: &str) -> RhaiResult<ScriptTensor> {
        guard("to_dtype", || {
            t.tensor()
                .to_dtype(crate::tensor::parse_dtype(dtype)?)
                .op("to_dtype")
                .map(wrap)
        })
    }

    /// The same values in a new shape; one entry may be -1 (inferred). `t.reshape([2, -1])`.
    #[rhai_fn(global, pure, return_raw)]
    pub fn reshape(t: &mut ScriptTensor, shape: Array) -> RhaiResult<ScriptTensor> {
        guard("reshape", || {
            let n = t.tensor().elem_count();
            let mut dims = vec![];
            let mut infer = None;
            for (i, d) in shape.iter().enumerate() {
                let v = d
                    .as_int()
                    .map_err(|_| Error::invalid("reshape", "shape", "expected integers"))?;
                if v == -1 && infer.is_none() {
                    infer = Some(i);
                    dims.push(1);
                } else if v < 0 {
                    return Err(Error::invalid(
                        "reshape",
                        "shape",
                        format!("dimension {v} is negative (only one -1 is allowed)"),
                    ));
                } else {
                    dims.push(v as usize);
                }
            }
            let known = create::numel("reshape", &dims)?;
            if let Some(i) = infer {
                if known == 0 || !n.is_multiple_of(known) {
                    return Err(Error::Shape {
                        op: "reshape".into(),
                        lhs: t.tensor().dims().to_vec(),
                        rhs: dims,
                    });
                }
                dims[i] = n / known;
            }
            if dims.iter().product::<usize>() != n {
                return Err(Error::Shape {
                    op: "reshape".into(),
                    lhs: t.tensor().dims().to_vec(),
                    rhs: dims,
                });
            }
            t.tensor().reshape(dims).op("reshape").map(wrap)
        })
    }

    /// The transpose of a matrix (the last two dimensions swapped).
    #[rhai_fn(global, pure, return_raw)]
    pub fn t(t: &mut ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard("t", || {
            if t.tensor().rank() < 2 {
                return Err(Error::msg(format!(
                    "t: needs at least 2 dimensions, got shape {:?}",
                    t.tensor().dims()
                )));
            }
            t.tensor().t().op("t").map(wrap)
        })
    }

    /// Swap two dimensions: `x.transpose(0, 1)`.
    #[rhai_fn(global, pure, return_raw)]
    pub fn transpose(t: &mut ScriptTensor, a: INT, b: INT) -> RhaiResult<ScriptTensor> {
        guard("transpose", || {
            let (a, b) = (dim("transpose", t, a)?, dim("transpose", t, b)?);
            t.tensor().transpose(a, b).op("transpose").map(wrap)
        })
    }

    /// Reorder dimensions: `x.permute([0, 2, 1])`.
    #[rhai_fn(global, pure, return_raw)]
    pub fn permute(t: &mut ScriptTensor, dims: Array) -> RhaiResult<ScriptTensor> {
        guard("permute", || {
            let d: Vec<usize> = dims
                .iter()
                .map(|x| {
                    x.as_int()
                        .map_err(|_| Error::invalid("permute", "dims", "expected integers"))
                        .and_then(|i| dim("permute", t, i))
                })
                .collect::<Result<_>>()?;
            let mut sorted = d.clone();
            sorted.sort();
            if sorted != (0..t.tensor().rank()).collect::<Vec<_>>() {
                return Err(Error::invalid(
                    "permute",
                    "dims",
                    format!(
                        "{d:?} is not a permutation of the {} dimensions",
                        t.tensor().rank()
                    ),
                ));
            }
            t.tensor().permute(d).op("permute").map(wrap)
        })
    }

    /// Remove a dimension of size 1.
    #[rhai_fn(global, pure, return_raw)]
    pub fn squeeze(t: &mut ScriptTensor, d: INT) -> RhaiResult<ScriptTensor> {
        guard("squeeze", || {
            let d = dim("squeeze", t, d)?;
            if t.tensor().dims()[d] != 1 {
                return Err(Error::invalid("squeeze", "dim", format!("dimension {d} has size {} (shape {:?}); only size-1 dimensions can be squeezed", t.tensor().dims()[d], t.tensor().dims())));
            }
            t.tensor().squeeze(d).op("squeeze").map(wrap)
        })
    }

    /// Insert a dimension of size 1 at `d` (-1 appends).
    #[rhai_fn(global, pure, return_raw)]
    pub fn unsqueeze(t: &mut ScriptTensor, d: INT) -> RhaiResult<ScriptTensor> {
        guard("unsqueeze", || {
            let rank = t.tensor().rank() as INT + 1;
            let dd = if d < 0 { d + rank } else { d };
            if dd < 0 || dd >= rank {
                return Err(Error::invalid(
                    "unsqueeze",
                    "dim",
                    format!("{d} is out of range for shape {:?}", t.tensor().dims()),
                ));
            }
            t.tensor().unsqueeze(dd as usize).op("unsqueeze").map(wrap)
        })
    }

    /// `len` entries of dimension `d` starting at `start`: `x.narrow(0, 2, 3)`.
    #[rhai_fn(global, pure, return_raw)]
    pub fn narrow(t: &mut ScriptTensor, d: INT, start: INT, len: INT) -> RhaiResult<ScriptTensor> {
        guard("narrow", || {
            let dd = dim("narrow", t, d)?;
            let size = t.tensor().dims()[dd] as INT;
            if start < 0 || len < 0 || start + len > size {
                return Err(Error::invalid(
                    "narrow",
                    "start/len",
                    format!(
                        "[{start}, {}) is outside dimension {dd} of size {size} (shape {:?})",
                        start + len,
                        t.tensor().dims()
                    ),
                ));
            }
            t.tensor()
                .narrow(dd, start as usize, len as usize)
                .op("narrow")
                .map(wrap)
        })
    }

    /// The entries of dimension `d` at the given indices (a tensor or an array of integers).
    #[rhai_fn(global, pure, return_raw)]
    pub fn index_select(t: &mut ScriptTensor, idx: Dynamic, d: INT) -> RhaiResult<ScriptTensor> {
        guard("index_select", || {
            let dd = dim("index_select", t, d)?;
            let size = t.tensor().dims()[dd];
            let i = match idx.read_lock::<ScriptTensor>() {
                Some(x) => x.tensor().clone(),
                None => {
                    let (v, s, _) = nested("index_select", &idx)?;
                    if let Some(bad) = v.iter().find(|x| x.fract() != 0.0 || !x.is_finite()) {
                        return Err(Error::invalid(
                            "index_select",
                            "indices",
                            format!("index {bad} is not a whole number"),
                        ));
                    }
                    create::from_i64(
                        v.iter().map(|x| *x as i64).collect(),
                        &s,
                        t.tensor().device(),
                    )?
                }
            };
            if i.rank() != 1 {
                return Err(Error::invalid(
                    "index_select",
                    "indices",
                    format!("need a 1-D list of indices, got shape {:?}", i.dims()),
                ));
            }
            let vals = crate::tensor::to_f64_vec(&i)?;
            if let Some(bad) = vals
                .iter()
                .find(|v| **v < 0.0 || **v >= size as f64 || v.fract() != 0.0)
            {
                return Err(Error::invalid(
                    "index_select",
                    "indices",
                    format!("index {bad} is out of range for dimension {dd} of size {size}"),
                ));
            }
            let i = i.to_dtype(DType::U32).op("index_select")?;
            t.tensor().index_select(&i, dd).op("index_select").map(wrap)
        })
    }

    /// Row `i` of the first dimension (negative counts from the end): `x[0]`.
    #[rhai_fn(global, pure, index_get, return_raw)]
    pub fn index_get(t: &mut ScriptTensor, i: INT) -> RhaiResult<ScriptTensor> {
        guard("index", || {
            if t.tensor().rank() == 0 {
                return Err(Error::msg("index: a 0-d tensor has no rows; use item()"));
            }
            let n = t.tensor().dims()[0] as INT;
            let ii = if i < 0 { i + n } else { i };
            if ii < 0 || ii >= n {
                return Err(Error::invalid(
                    "index",
                    "i",
                    format!("{i} is out of range for a first dimension of size {n}"),
                ));
            }
            t.tensor().get(ii as usize).op("index").map(wrap)
        })
    }

    // ---------------------------------------------------------------- math

    /// Matrix product (batched for 3-D): `a.matmul(b)`.
    #[rhai_fn(global, pure, return_raw)]
    pub fn matmul(a: &mut ScriptTensor, b: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard("matmul", || {
            let (x, y) = (a.tensor(), b.tensor());
            let ok =
                x.rank() >= 2 && y.rank() >= 2 && x.dims()[x.rank() - 1] == y.dims()[y.rank() - 2];
            if !ok {
                return Err(Error::Shape {
                    op: "matmul".into(),
                    lhs: x.dims().to_vec(),
                    rhs: y.dims().to_vec(),
                });
            }
            if x.dtype() != y.dtype() {
                return Err(Error::msg(format!(
                    "matmul: dtypes differ ({} and {}); convert one with to_dtype",
                    x.dtype().as_str(),
                    y.dtype().as_str()
                )));
            }
            x.broadcast_matmul(y).op("matmul").map(wrap)
        })
    }

    /// Elementwise power with a number exponent.
    #[rhai_fn(global, pure, name = "pow", return_raw)]
    pub fn pow(t: &mut ScriptTensor, e: Dynamic) -> RhaiResult<ScriptTensor> {
        let e = guard("pow", || number("pow", "exponent", &e))?;
        unary("pow", t, |x| if e == 2.0 { x.sqr() } else { x.powf(e) })
    }

    /// Elementwise eˣ.
    #[rhai_fn(global, pure, return_raw)]
    pub fn exp(t: &mut ScriptTensor) -> RhaiResult<ScriptTensor> {
        unary("exp", t, |x| x.exp())
    }

    /// Elementwise natural logarithm.
    #[rhai_fn(global, pure, return_raw)]
    pub fn log(t: &mut ScriptTensor) -> RhaiResult<ScriptTensor> {
        unary("log", t, |x| x.log())
    }

    /// Elementwise square root.
    #[rhai_fn(global, pure, return_raw)]
    pub fn sqrt(t: &mut ScriptTensor) -> RhaiResult<ScriptTensor> {
        unary("sqrt", t, |x| x.sqrt())
    }

    /// Elementwise absolute value.
    #[rhai_fn(global, pure, return_raw)]
    pub fn abs(t: &mut ScriptTensor) -> RhaiResult<ScriptTensor> {
        unary("abs", t, |x| x.abs())
    }

    /// Elementwise max(x, 0). Note: relu(NaN) is 0 here (candle's kernel), where numpy and
    /// PyTorch give NaN; check `x.ne(x).sum()` first if NaNs may occur.
    #[rhai_fn(global, pure, return_raw)]
    pub fn relu(t: &mut ScriptTensor) -> RhaiResult<ScriptTensor> {
        unary("relu", t, |x| x.relu())
    }

    /// Elementwise logistic function 1 / (1 + e⁻ˣ).
    #[rhai_fn(global, pure, return_raw)]
    pub fn sigmoid(t: &mut ScriptTensor) -> RhaiResult<ScriptTensor> {
        unary("sigmoid", t, candle_nn::ops::sigmoid)
    }

    /// Elementwise hyperbolic tangent.
    #[rhai_fn(global, pure, return_raw)]
    pub fn tanh(t: &mut ScriptTensor) -> RhaiResult<ScriptTensor> {
        unary("tanh", t, |x| x.tanh())
    }

    /// Elementwise clamp into [lo, hi].
    #[rhai_fn(global, pure, return_raw)]
    pub fn clamp(t: &mut ScriptTensor, lo: Dynamic, hi: Dynamic) -> RhaiResult<ScriptTensor> {
        let (lo, hi) = guard("clamp", || {
            Ok((number("clamp", "lo", &lo)?, number("clamp", "hi", &hi)?))
        })?;
        if lo > hi {
            return guard("clamp", || {
                Err(Error::invalid(
                    "clamp",
                    "lo/hi",
                    format!("lo ({lo}) is above hi ({hi})"),
                ))
            });
        }
        unary("clamp", t, |x| x.clamp(lo, hi))
    }

    /// Softmax along a dimension (rows sum to 1).
    #[rhai_fn(global, pure, return_raw)]
    pub fn softmax(t: &mut ScriptTensor, d: INT) -> RhaiResult<ScriptTensor> {
        let dd = guard("softmax", || dim("softmax", t, d))?;
        unary("softmax", t, |x| candle_nn::ops::softmax(x, dd))
    }

    /// Log-softmax along a dimension, computed stably (max subtracted first).
    #[rhai_fn(global, pure, return_raw)]
    pub fn log_softmax(t: &mut ScriptTensor, d: INT) -> RhaiResult<ScriptTensor> {
        let dd = guard("log_softmax", || dim("log_softmax", t, d))?;
        unary("log_softmax", t, |x| candle_nn::ops::log_softmax(x, dd))
    }

    /// Scale to unit L2 norm along a dimension (zero rows stay zero).
    #[rhai_fn(global, pure, return_raw)]
    pub fn l2_normalize(t: &mut ScriptTensor, d: INT) -> RhaiResult<ScriptTensor> {
        guard("l2_normalize", || {
            let dd = dim("l2_normalize", t, d)?;
            crate::tensor::ops::l2_normalize(&crate::tensor::ops::float_of(t.tensor())?, dd)
                .map(wrap)
        })
    }

    // ---------------------------------------------------------------- reductions

    /// The sum of all elements (a 0-d tensor).
    #[rhai_fn(global, pure, name = "sum", return_raw)]
    pub fn sum_all(t: &mut ScriptTensor) -> RhaiResult<ScriptTensor> {
        reduce("sum", t, None, false)
    }

    /// The sum along a dimension (removed from the shape).
    #[rhai_fn(global, pure, name = "sum", return_raw)]
    pub fn sum_dim(t: &mut ScriptTensor, d: INT) -> RhaiResult<ScriptTensor> {
        reduce("sum", t, Some(d), false)
    }

    /// The sum along a dimension; `keepdim: true` keeps it with size 1.
    #[rhai_fn(global, pure, name = "sum", return_raw)]
    pub fn sum_keep(t: &mut ScriptTensor, d: INT, keepdim: bool) -> RhaiResult<ScriptTensor> {
        reduce("sum", t, Some(d), keepdim)
    }

    /// The mean of all elements (a 0-d tensor).
    #[rhai_fn(global, pure, name = "mean", return_raw)]
    pub fn mean_all(t: &mut ScriptTensor) -> RhaiResult<ScriptTensor> {
        reduce("mean", t, None, false)
    }

    /// The mean along a dimension (removed from the shape).
    #[rhai_fn(global, pure, name = "mean", return_raw)]
    pub fn mean_dim(t: &mut ScriptTensor, d: INT) -> RhaiResult<ScriptTensor> {
        reduce("mean", t, Some(d), false)
    }

    /// The mean along a dimension; `keepdim: true` keeps it with size 1.
    #[rhai_fn(global, pure, name = "mean", return_raw)]
    pub fn mean_keep(t: &mut ScriptTensor, d: INT, keepdim: bool) -> RhaiResult<ScriptTensor> {
        reduce("mean", t, Some(d), keepdim)
    }

    /// The largest element (a 0-d tensor); NaN when the tensor holds a NaN, as in numpy.
    #[rhai_fn(global, pure, name = "max", return_raw)]
    pub fn max_all(t: &mut ScriptTensor) -> RhaiResult<ScriptTensor> {
        reduce("max", t, None, false)
    }

    /// The maximum along a dimension; NaN where the slice holds a NaN, as in numpy.
    #[rhai_fn(global, pure, name = "max", return_raw)]
    pub fn max_dim(t: &mut ScriptTensor, d: INT) -> RhaiResult<ScriptTensor> {
        reduce("max", t, Some(d), false)
    }

    /// The smallest element (a 0-d tensor); NaN when the tensor holds a NaN, as in numpy.
    #[rhai_fn(global, pure, name = "min", return_raw)]
    pub fn min_all(t: &mut ScriptTensor) -> RhaiResult<ScriptTensor> {
        reduce("min", t, None, false)
    }

    /// The minimum along a dimension; NaN where the slice holds a NaN, as in numpy.
    #[rhai_fn(global, pure, name = "min", return_raw)]
    pub fn min_dim(t: &mut ScriptTensor, d: INT) -> RhaiResult<ScriptTensor> {
        reduce("min", t, Some(d), false)
    }

    /// The index of the maximum along a dimension (i64; the first one on ties). As numpy, a
    /// slice holding a NaN gives the index of its first NaN.
    #[rhai_fn(global, pure, return_raw)]
    pub fn argmax(t: &mut ScriptTensor, d: INT) -> RhaiResult<ScriptTensor> {
        reduce("argmax", t, Some(d), false)
    }

    /// The index of the minimum along a dimension (i64; the first one on ties). As numpy, a
    /// slice holding a NaN gives the index of its first NaN.
    #[rhai_fn(global, pure, return_raw)]
    pub fn argmin(t: &mut ScriptTensor, d: INT) -> RhaiResult<ScriptTensor> {
        reduce("argmin", t, Some(d), false)
    }

    // ---------------------------------------------------------------- comparisons

    /// 1 where equal, else 0 (tensor or number; broadcasting).
    #[rhai_fn(global, pure, return_raw)]
    pub fn eq(a: &mut ScriptTensor, b: Dynamic) -> RhaiResult<ScriptTensor> {
        cmp_any(Cmp::Eq, a, b)
    }
    /// 1 where not equal, else 0.
    #[rhai_fn(global, pure, return_raw)]
    pub fn ne(a: &mut ScriptTensor, b: Dynamic) -> RhaiResult<ScriptTensor> {
        cmp_any(Cmp::Ne, a, b)
    }
    /// 1 where greater, else 0.
    #[rhai_fn(global, pure, return_raw)]
    pub fn gt(a: &mut ScriptTensor, b: Dynamic) -> RhaiResult<ScriptTensor> {
        cmp_any(Cmp::Gt, a, b)
    }
    /// 1 where greater or equal, else 0.
    #[rhai_fn(global, pure, return_raw)]
    pub fn ge(a: &mut ScriptTensor, b: Dynamic) -> RhaiResult<ScriptTensor> {
        cmp_any(Cmp::Ge, a, b)
    }
    /// 1 where less, else 0.
    #[rhai_fn(global, pure, return_raw)]
    pub fn lt(a: &mut ScriptTensor, b: Dynamic) -> RhaiResult<ScriptTensor> {
        cmp_any(Cmp::Lt, a, b)
    }
    /// 1 where less or equal, else 0.
    #[rhai_fn(global, pure, return_raw)]
    pub fn le(a: &mut ScriptTensor, b: Dynamic) -> RhaiResult<ScriptTensor> {
        cmp_any(Cmp::Le, a, b)
    }

    // ---------------------------------------------------------------- autograd

    /// Gradients of this scalar loss with respect to every trainable tensor it depends on.
    ///
    /// ```rhai
    /// let w = tensor::var(tensor::from([2.0]));
    /// let g = (w * w).sum().backward();
    /// print(g.get(w).to_array());   // [4.0]
    /// ```
    #[rhai_fn(global, pure, return_raw)]
    pub fn backward(loss: &mut ScriptTensor) -> RhaiResult<Grads> {
        guard("backward", || {
            let l = loss.tensor();
            if l.elem_count() != 1 {
                return Err(Error::msg(format!("backward: the loss must have one element, got shape {:?}; reduce it with sum() or mean()", l.dims())));
            }
            l.backward()
                .op("backward")
                .map(|g| Grads(std::sync::Arc::new(g)))
        })
    }

    /// The gradient for a trainable tensor; an error if the loss does not depend on it.
    #[rhai_fn(global, pure, name = "get", return_raw)]
    pub fn grads_get(g: &mut Grads, v: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard("grads.get", || {
            g.0.get(v.tensor()).cloned().map(wrap).ok_or_else(|| {
                Error::msg(format!(
                    "grads.get: no gradient for {}; only tensors made with tensor::var that the loss depends on have one",
                    crate::tensor::display::header(v.tensor())
                ))
            })
        })
    }

    /// The one-line form of a gradient map.
    #[rhai_fn(global, pure, name = "to_string")]
    pub fn grads_to_string(g: &mut Grads) -> String {
        format!("Grads[{} tensors]", g.0.get_ids().count())
    }

    /// Replace a trainable tensor's values in place (the shape must match): `w.set(w - lr * g)`.
    #[rhai_fn(global, return_raw)]
    pub fn set(v: &mut ScriptTensor, value: ScriptTensor) -> RhaiResult<()> {
        guard("set", || {
            let var = v.var().ok_or_else(|| {
                Error::msg(
                    "set: only trainable tensors (made with tensor::var) can be updated in place",
                )
            })?;
            if var.dims() != value.tensor().dims() {
                return Err(Error::Shape {
                    op: "set".into(),
                    lhs: var.dims().to_vec(),
                    rhs: value.tensor().dims().to_vec(),
                });
            }
            let src = value.tensor().detach().to_dtype(var.dtype()).op("set")?;
            var.set(&src).op("set")
        })
    }

    /// A copy cut off from the gradient graph.
    #[rhai_fn(global, pure)]
    pub fn detach(t: &mut ScriptTensor) -> ScriptTensor {
        wrap(t.tensor().detach())
    }

    // ---------------------------------------------------------------- operators

    /// `a + b` of two tensors: the elementwise sum, with numpy broadcasting (an error names
    /// both shapes when they do not broadcast).
    #[rhai_fn(global, name = "+", return_raw)]
    pub fn add(a: ScriptTensor, b: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard("+", || arith(Arith::Add, a.tensor(), b.tensor()).map(wrap))
    }
    /// `a - b` of two tensors: the elementwise difference, with numpy broadcasting (an error names
    /// both shapes when they do not broadcast).
    #[rhai_fn(global, name = "-", return_raw)]
    pub fn sub(a: ScriptTensor, b: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard("-", || arith(Arith::Sub, a.tensor(), b.tensor()).map(wrap))
    }
    /// `a * b` of two tensors: the elementwise product, with numpy broadcasting (an error names
    /// both shapes when they do not broadcast).
    #[rhai_fn(global, name = "*", return_raw)]
    pub fn mul(a: ScriptTensor, b: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard("*", || arith(Arith::Mul, a.tensor(), b.tensor()).map(wrap))
    }
    /// `a / b` of two tensors: the elementwise quotient, with numpy broadcasting (an error names
    /// both shapes when they do not broadcast).
    /// `/` is true division as in numpy: integer tensors give f32 (`tensor::from([7, 8]) / 2` is
    /// `[3.5, 4.]`; dividing by zero gives inf or NaN, as for floats).
    #[rhai_fn(global, name = "/", return_raw)]
    pub fn div(a: ScriptTensor, b: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard("/", || arith(Arith::Div, a.tensor(), b.tensor()).map(wrap))
    }
    /// `-t`: the elementwise negation.
    #[rhai_fn(global, name = "-", return_raw)]
    pub fn neg(a: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard("-", || a.tensor().neg().op("negate").map(wrap))
    }

    /// `t + x` for a number x: the elementwise sum, in t's dtype (an integer tensor becomes
    /// f32 when x is fractional).
    #[rhai_fn(global, name = "+", return_raw)]
    pub fn add_f(a: ScriptTensor, b: FLOAT) -> RhaiResult<ScriptTensor> {
        guard("+", || {
            arith_scalar(Arith::Add, a.tensor(), b, false).map(wrap)
        })
    }
    /// `x + t` for a number x: the elementwise sum, in t's dtype (an integer tensor becomes
    /// f32 when x is fractional).
    #[rhai_fn(global, name = "+", return_raw)]
    pub fn f_add(a: FLOAT, b: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard("+", || {
            arith_scalar(Arith::Add, b.tensor(), a, true).map(wrap)
        })
    }
    /// `t - x` for a number x: the elementwise difference, in t's dtype (an integer tensor becomes
    /// f32 when x is fractional).
    #[rhai_fn(global, name = "-", return_raw)]
    pub fn sub_f(a: ScriptTensor, b: FLOAT) -> RhaiResult<ScriptTensor> {
        guard("-", || {
            arith_scalar(Arith::Sub, a.tensor(), b, false).map(wrap)
        })
    }
    /// `x - t` for a number x: the elementwise difference, in t's dtype (an integer tensor becomes
    /// f32 when x is fractional).
    #[rhai_fn(global, name = "-", return_raw)]
    pub fn f_sub(a: FLOAT, b: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard("-", || {
            arith_scalar(Arith::Sub, b.tensor(), a, true).map(wrap)
        })
    }
    /// `t * x` for a number x: the elementwise product, in t's dtype (an integer tensor becomes
    /// f32 when x is fractional).
    #[rhai_fn(global, name = "*", return_raw)]
    pub fn mul_f(a: ScriptTensor, b: FLOAT) -> RhaiResult<ScriptTensor> {
        guard("*", || {
            arith_scalar(Arith::Mul, a.tensor(), b, false).map(wrap)
        })
    }
    /// `x * t` for a number x: the elementwise product, in t's dtype (an integer tensor becomes
    /// f32 when x is fractional).
    #[rhai_fn(global, name = "*", return_raw)]
    pub fn f_mul(a: FLOAT, b: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard("*", || {
            arith_scalar(Arith::Mul, b.tensor(), a, true).map(wrap)
        })
    }
    /// `t / x` for a number x: the elementwise quotient.
    /// `/` is true division as in numpy: integer tensors give f32 (`tensor::from([7, 8]) / 2` is
    /// `[3.5, 4.]`; dividing by zero gives inf or NaN, as for floats).
    #[rhai_fn(global, name = "/", return_raw)]
    pub fn div_f(a: ScriptTensor, b: FLOAT) -> RhaiResult<ScriptTensor> {
        guard("/", || {
            arith_scalar(Arith::Div, a.tensor(), b, false).map(wrap)
        })
    }
    /// `x / t` for a number x: the elementwise quotient.
    /// `/` is true division as in numpy: integer tensors give f32 (`tensor::from([7, 8]) / 2` is
    /// `[3.5, 4.]`; dividing by zero gives inf or NaN, as for floats).
    #[rhai_fn(global, name = "/", return_raw)]
    pub fn f_div(a: FLOAT, b: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard("/", || {
            arith_scalar(Arith::Div, b.tensor(), a, true).map(wrap)
        })
    }

    /// `t + x` for a number x: the elementwise sum, in t's dtype (an integer tensor becomes
    /// f32 when x is fractional).
    #[rhai_fn(global, name = "+", return_raw)]
    pub fn add_i(a: ScriptTensor, b: INT) -> RhaiResult<ScriptTensor> {
        guard("+", || {
            arith_scalar(Arith::Add, a.tensor(), b as f64, false).map(wrap)
        })
    }
    /// `x + t` for a number x: the elementwise sum, in t's dtype (an integer tensor becomes
    /// f32 when x is fractional).
    #[rhai_fn(global, name = "+", return_raw)]
    pub fn i_add(a: INT, b: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard("+", || {
            arith_scalar(Arith::Add, b.tensor(), a as f64, true).map(wrap)
        })
    }
    /// `t - x` for a number x: the elementwise difference, in t's dtype (an integer tensor becomes
    /// f32 when x is fractional).
    #[rhai_fn(global, name = "-", return_raw)]
    pub fn sub_i(a: ScriptTensor, b: INT) -> RhaiResult<ScriptTensor> {
        guard("-", || {
            arith_scalar(Arith::Sub, a.tensor(), b as f64, false).map(wrap)
        })
    }
    /// `x - t` for a number x: the elementwise difference, in t's dtype (an integer tensor becomes
    /// f32 when x is fractional).
    #[rhai_fn(global, name = "-", return_raw)]
    pub fn i_sub(a: INT, b: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard("-", || {
            arith_scalar(Arith::Sub, b.tensor(), a as f64, true).map(wrap)
        })
    }
    /// `t * x` for a number x: the elementwise product, in t's dtype (an integer tensor becomes
    /// f32 when x is fractional).
    #[rhai_fn(global, name = "*", return_raw)]
    pub fn mul_i(a: ScriptTensor, b: INT) -> RhaiResult<ScriptTensor> {
        guard("*", || {
            arith_scalar(Arith::Mul, a.tensor(), b as f64, false).map(wrap)
        })
    }
    /// `x * t` for a number x: the elementwise product, in t's dtype (an integer tensor becomes
    /// f32 when x is fractional).
    #[rhai_fn(global, name = "*", return_raw)]
    pub fn i_mul(a: INT, b: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard("*", || {
            arith_scalar(Arith::Mul, b.tensor(), a as f64, true).map(wrap)
        })
    }
    /// `t / x` for a number x: the elementwise quotient.
    /// `/` is true division as in numpy: integer tensors give f32 (`tensor::from([7, 8]) / 2` is
    /// `[3.5, 4.]`; dividing by zero gives inf or NaN, as for floats).
    #[rhai_fn(global, name = "/", return_raw)]
    pub fn div_i(a: ScriptTensor, b: INT) -> RhaiResult<ScriptTensor> {
        guard("/", || {
            arith_scalar(Arith::Div, a.tensor(), b as f64, false).map(wrap)
        })
    }
    /// `x / t` for a number x: the elementwise quotient.
    /// `/` is true division as in numpy: integer tensors give f32 (`tensor::from([7, 8]) / 2` is
    /// `[3.5, 4.]`; dividing by zero gives inf or NaN, as for floats).
    #[rhai_fn(global, name = "/", return_raw)]
    pub fn i_div(a: INT, b: ScriptTensor) -> RhaiResult<ScriptTensor> {
        guard("/", || {
            arith_scalar(Arith::Div, b.tensor(), a as f64, true).map(wrap)
        })
    }
}

/// Convert a script argument (a Tensor or nested numbers) to a tensor like `like`.
pub fn as_tensor(op: &str, d: &Dynamic, like: &Tensor) -> Result<Tensor> {
    tensor_arg(op, d, like)
}
