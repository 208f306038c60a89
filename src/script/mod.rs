//! The Rhai layer: the engine with every xmodal namespace registered, the REPL, the script runner
//! and the API docs. This is the only module that knows Rhai.

pub mod check;
pub mod convert;
pub mod data;
pub mod docs;
pub mod eval;
pub mod loss;
pub mod net;
pub mod nn;
pub mod options;
pub mod plot;
pub mod reg;
pub mod repl;
pub mod runner;
pub mod session;
pub mod stats;
pub mod stdlib;
pub mod syntax;
pub mod sys;
pub mod tensor;
pub mod train;
pub mod value;
pub mod viz;

use rhai::Engine;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

static DEFAULT_SEED: AtomicU64 = AtomicU64::new(0);

/// The seed used when a script's option map names none (`--seed N`; 0 by default).
pub fn default_seed() -> u64 {
    DEFAULT_SEED.load(Ordering::SeqCst)
}

/// Set the run's default seed.
pub fn set_default_seed(seed: u64) {
    DEFAULT_SEED.store(seed, Ordering::SeqCst);
}

/// An engine with every xmodal namespace registered; imports resolve against `base` (the folder
/// of the running script) after the embedded `xmodal/…` library.
pub fn engine(base: Option<PathBuf>) -> Engine {
    crate::alloc::keep_freed_memory();
    let mut engine = Engine::new();
    engine.set_max_expr_depths(256, 256);
    engine.set_max_call_levels(256);
    check::register(&mut engine);
    tensor::register(&mut engine);
    stats::register(&mut engine);
    sys::register(&mut engine);
    data::register(&mut engine);
    eval::register(&mut engine);
    train::register(&mut engine);
    nn::register(&mut engine);
    loss::register(&mut engine);
    reg::register(&mut engine);
    viz::register(&mut engine);
    plot::register(&mut engine);
    engine.set_module_resolver(stdlib::resolver(base));
    // `var` is reserved by Rhai for future use; xmodal names `tensor::var` after the papers'
    // habit, so the word is read as a plain identifier. `eval` likewise, for the `eval::`
    // namespace (Rhai's `eval("code")` is still found by name).
    #[allow(deprecated)]
    engine.on_parse_token(|token, _, _| match token {
        rhai::Token::Reserved(s) if matches!(s.as_str(), "var" | "eval") => {
            rhai::Token::Identifier(s)
        }
        other => other,
    });
    // Ctrl-C stops the running statement; the REPL keeps its variables.
    engine.on_progress(|_| {
        if crate::interrupt::requested() {
            Some("interrupted (Ctrl-C)".into())
        } else {
            None
        }
    });
    engine
}
