//! Objectives: the softmax loss, statistical priors on activations (Gaussian, diagonal GMM),
//! model transfer (KL to a teacher), the ranking loss and symmetric InfoNCE. Every loss is built
//! from differentiable candle ops, so `loss.backward()` gives its gradient on any device.
//! `script::loss` and `script::reg` expose them to Rhai.

pub mod contrastive;
pub mod cross_entropy;
pub mod gaussian;
pub mod gmm;
pub mod kmeans;
pub mod prior;
pub mod transfer;

pub use contrastive::{info_nce, ranking};
pub use cross_entropy::cross_entropy;
pub use gaussian::{GaussianOpts, GaussianPrior};
pub use gmm::{Gmm, GmmFit, GmmOpts};
pub use prior::Prior;
pub use transfer::kl_transfer;
