//! Cross-modal data: the `Dataset` (samples of several modalities over shared categories), the
//! SynthPlaces generator, samplers, folder/list/feature loaders, and the text and audio front
//! ends.

pub mod audio;
pub mod dataset;
pub mod features;
pub mod folder;
pub mod inputs;
pub mod lazy;
pub mod minilm;
pub mod sampler;
pub mod synth;
pub mod text;
pub mod write;

pub use dataset::{Content, Dataset, Modality, ModalityKind, Skipped, Store};
pub use synth::{synthplaces, SynthOptions};
