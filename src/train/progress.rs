//! Progress of long work: an indicatif bar on a terminal (with loss terms, accuracy, it/s, ETA),
//! plain periodic lines when stderr is not a terminal, nothing when quiet.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    Bar,
    Lines,
    Quiet,
}

impl Mode {
    /// A bar on a terminal, lines otherwise, or nothing when `quiet`.
    pub fn auto(quiet: bool) -> Self {
        if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            Mode::Bar
        } else {
            Mode::Lines
        }
    }
}

/// Progress of one phase (or any counted piece of work).
pub struct Progress {
    mode: Mode,
    bar: Option<ProgressBar>,
    total: usize,
    label: String,
    start: Instant,
    every: usize,
}

impl Progress {
    /// Start showing progress over `total` steps; `every` is the line interval in Lines mode.
    pub fn new(mode: Mode, label: &str, total: usize, every: usize) -> Self {
        let bar = (mode == Mode::Bar).then(|| {
            let b = ProgressBar::new(total as u64);
            b.set_style(
                ProgressStyle::with_template(
                    "{prefix} [{bar:30}] {pos}/{len} {per_sec} eta {eta} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            b.set_prefix(label.to_string());
            b
        });
        Progress {
            mode,
            bar,
            total,
            label: label.to_string(),
            start: Instant::now(),
            every: every.max(1),
        }
    }

    /// Report that `done` steps are finished, with a status message (loss terms, accuracy).
    pub fn update(&self, done: usize, msg: &str) {
        match self.mode {
            Mode::Bar => {
                if let Some(b) = &self.bar {
                    b.set_position(done as u64);
                    b.set_message(msg.to_string());
                }
            }
            Mode::Lines if done.is_multiple_of(self.every) || done == self.total => {
                let rate = done as f64 / self.start.elapsed().as_secs_f64().max(1e-9);
                eprintln!(
                    "{} {done}/{} ({rate:.1} it/s) {msg}",
                    self.label, self.total
                );
            }
            _ => {}
        }
    }

    /// Finish the bar (it stays on screen with its last message). Work that stopped early
    /// (Ctrl-C, `stop_after`, an error) leaves the bar at the last step reported, not at the end.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            if b.position() < self.total as u64 {
                b.abandon();
            } else {
                b.finish();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopped_bar_stays_where_it_stopped() {
        let p = Progress::new(Mode::Bar, "phase", 100_000, 10);
        p.update(78, "ce 1.0");
        p.finish();
        let b = p.bar.as_ref().unwrap();
        assert_eq!((b.position(), b.is_finished()), (78, true));
        let p = Progress::new(Mode::Bar, "phase", 5, 10);
        p.update(5, "");
        p.finish();
        assert_eq!(p.bar.as_ref().unwrap().position(), 5);
    }
}
