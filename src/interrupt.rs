//! Ctrl-C: a process-wide flag that long work polls. The REPL and the runner install the handler;
//! the Rhai engine's progress callback and long native loops (training, t-SNE) check the flag.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

static REQUESTED: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// Install the Ctrl-C handler once; later calls do nothing.
pub fn install() {
    INSTALL.call_once(|| {
        // If another handler is already installed (an embedding program), keep theirs.
        let _ = ctrlc::set_handler(|| REQUESTED.store(true, Ordering::SeqCst));
    });
}

/// Whether Ctrl-C was pressed since the last [`clear`].
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// Forget a pending Ctrl-C (before each REPL statement).
pub fn clear() {
    REQUESTED.store(false, Ordering::SeqCst);
}

/// Ask long work to stop, as Ctrl-C does (tests use it to stand in for a key press).
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}
