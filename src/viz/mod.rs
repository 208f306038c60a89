//! Seeing the representation: t-SNE embeddings ([`tsne`]), charts written as PNG or SVG
//! ([`plot`]), the inputs that drive a unit in every modality ([`units`], the papers' Figure 5),
//! retrieval examples ([`retrieve`], Figure 4) and feature inversion ([`inverter`], Figure 6).
//! Pure Rust; the `viz::` and `plot::` script namespaces live in `crate::script`.

pub mod inverter;
pub mod object_units;
pub mod plot;
pub mod retrieve;
pub mod tsne;
pub mod units;
