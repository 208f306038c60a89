//! Evaluation of aligned representations (CMPlaces section 5.1, See-Hear-Read's retrieval and
//! transfer tables): cross-modal retrieval mAP, paired median rank and recall@K, classifier
//! transfer across modalities, and the papers' tables.
//!
//! Everything takes a [`FeatureSet`] (N×D features with a label and a modality name per row) or
//! plain tensors; similarities and fits run on the features' device, per-query scoring on the
//! host in parallel.

pub mod ap;
pub mod compare;
pub mod extract;
pub mod features;
mod gram;
pub mod linreg;
pub mod ranks;
pub mod retrieval;
pub mod table;
pub mod transfer;
mod unit;

pub use compare::{compare, Comparison};
pub use features::FeatureSet;
pub use linreg::LinReg;
pub use ranks::{ranks, PairedRanks, RankOpts, RankStats};
pub use retrieval::{retrieval, Queries, RetrievalOpts};
pub use table::{PairResult, RetrievalTable};
pub use transfer::{transfer, LogReg, TransferOpts, TransferTable};
