//! Seeing the representation: t-SNE embeddings ([`tsne`]) and charts written as PNG or SVG
//! ([`plot`]). Pure Rust; the `viz::` and `plot::` script namespaces live in `crate::script`.
//!
//! Unit visualisation (`top_units`) and feature inversion (`train_inverter`) need the networks
//! and are not here yet.

pub mod plot;
pub mod tsne;
