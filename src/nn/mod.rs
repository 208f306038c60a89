//! Networks: modality encoders (pixel CNNs, text MLP, text CNN, sound CNN, features), the
//! shared trunk, the cross-modal net that routes a batch by modality, freezing and checkpoints.
//! Plain Rust over candle; `script::nn` exposes it to Rhai.

pub mod checkpoint;
pub mod conv_cpu;
pub mod cpu_slice;
pub mod dropout;
pub mod encoder;
pub mod feed;
pub mod gemm_cpu;
pub mod gradcheck;
pub mod im2col;
pub mod import;
pub mod init;
pub mod layers;
pub mod lrn;
pub mod net;
pub mod pixel;
pub mod pool;
pub mod pool_cpu;
pub mod sound;
pub mod text;
pub mod transpose;
pub mod trunk;
pub mod winograd;

pub use encoder::EncoderSpec;
pub use net::{CrossModalNet, NetConfig};
pub use pixel::PixelArch;
pub use trunk::Activations;

/// A net shared between owners (a script variable, a teacher term), behind a lock.
pub type SharedNet = std::sync::Arc<std::sync::RwLock<CrossModalNet>>;
