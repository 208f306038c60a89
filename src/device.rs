//! Devices: parsing `cpu` / `cuda:N`, the process-wide default device, and what was compiled in.
//!
//! The default is CUDA device 0 when the `cuda` feature is compiled in and a GPU answers, else the
//! CPU. `XMODAL_DEVICE` and `--device` override it.

use crate::error::{Error, Result};
use candle_core::Device;
use std::sync::RwLock;

static DEFAULT: RwLock<Option<Device>> = RwLock::new(None);

/// Parse a device name: `cpu`, `cuda` (= `cuda:0`) or `cuda:N`.
pub fn parse(name: &str) -> Result<Device> {
    let name = name.trim();
    if name.eq_ignore_ascii_case("cpu") {
        return Ok(Device::Cpu);
    }
    let ordinal = match name.strip_prefix("cuda") {
        Some("") => 0,
        Some(rest) => rest
            .strip_prefix(':')
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| Error::Device {
                name: name.into(),
                reason: "expected 'cpu', 'cuda' or 'cuda:N' with N a GPU index".into(),
            })?,
        None => {
            return Err(Error::Device {
                name: name.into(),
                reason: "expected 'cpu', 'cuda' or 'cuda:N'".into(),
            })
        }
    };
    cuda_device(name, ordinal)
}

#[cfg(feature = "cuda")]
fn cuda_device(name: &str, ordinal: usize) -> Result<Device> {
    Device::new_cuda(ordinal).map_err(|e| Error::Device {
        name: name.into(),
        reason: format!("no usable CUDA GPU {ordinal}: {e}"),
    })
}

#[cfg(not(feature = "cuda"))]
fn cuda_device(name: &str, _ordinal: usize) -> Result<Device> {
    Err(Error::Device {
        name: name.into(),
        reason: "this xmodal was built without CUDA; rebuild with `cargo build --release --features cuda` or use --device cpu".into(),
    })
}

/// The name of a device as scripts write it: `cpu` or `cuda:N`.
pub fn name(device: &Device) -> String {
    match device.location() {
        candle_core::DeviceLocation::Cpu => "cpu".into(),
        candle_core::DeviceLocation::Cuda { gpu_id } => format!("cuda:{gpu_id}"),
        candle_core::DeviceLocation::Metal { gpu_id } => format!("metal:{gpu_id}"),
    }
}

/// The device used when a script names none: the one set by [`set_default`], else
/// `XMODAL_DEVICE`, else CUDA 0 when compiled in and present, else the CPU.
pub fn default_device() -> Result<Device> {
    if let Some(d) = DEFAULT.read().expect("device lock").as_ref() {
        return Ok(d.clone());
    }
    let d = match std::env::var("XMODAL_DEVICE") {
        Ok(v) if !v.trim().is_empty() => parse(&v)?,
        _ => auto(),
    };
    *DEFAULT.write().expect("device lock") = Some(d.clone());
    Ok(d)
}

/// Make `device` the default for everything that follows.
pub fn set_default(device: Device) {
    *DEFAULT.write().expect("device lock") = Some(device);
}

fn auto() -> Device {
    #[cfg(feature = "cuda")]
    if let Ok(d) = Device::new_cuda(0) {
        return d;
    }
    Device::Cpu
}

/// The cargo features compiled into this build.
pub fn features() -> Vec<&'static str> {
    let mut f = vec![];
    if cfg!(feature = "cuda") {
        f.push("cuda");
    }
    f
}

/// Whether two devices are the same device.
pub fn same(a: &Device, b: &Device) -> bool {
    a.same_device(b)
}
