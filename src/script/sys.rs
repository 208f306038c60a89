//! `sys::` — what reports need from the outside world: the run's facts (version, commit, device,
//! features), a clock, and writing text files (atomically) and folders.

use super::convert::{guard_at, RhaiResult};
use crate::error::Error;
use rhai::plugin::*;
use rhai::{Dynamic, Engine, Map, FLOAT};
use std::sync::OnceLock;
use std::time::Instant;

static START: OnceLock<Instant> = OnceLock::new();

/// Register the `sys::` namespace (and start the clock), and the global `exit`.
pub fn register(engine: &mut Engine) {
    START.get_or_init(Instant::now);
    engine.register_static_module("sys", exported_module!(sys_api).into());
    engine.register_global_module(exported_module!(exit_api).into());
}

/// What `exit(code)` raises: a termination that no `try`/`catch` stops, carrying the exit status
/// to the session (see [`super::session::Session::exit_code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitRequest(pub u8);

#[export_module]
pub mod exit_api {
    use super::*;

    /// Stop the script now with exit status `code` (0 to 255): `xmodal run` exits with it, and
    /// the REPL ends its session with it. Statements after it do not run.
    ///
    /// ```rhai
    /// if 1 + 1 != 2 { exit(3); }
    /// ```
    #[rhai_fn(name = "exit", volatile, return_raw)]
    pub fn exit_with(ctx: NativeCallContext, code: Dynamic) -> RhaiResult<()> {
        let code = match code.as_int() {
            Ok(c) if (0..=255).contains(&c) => c as u8,
            _ => {
                return guard_at(ctx.call_position(), "exit", || {
                    Err(Error::invalid(
                        "exit",
                        "code",
                        format!(
                            "an integer from 0 to 255, got {code} ({})",
                            code.type_name()
                        ),
                    ))
                })
            }
        };
        Err(
            EvalAltResult::ErrorTerminated(Dynamic::from(ExitRequest(code)), ctx.call_position())
                .into(),
        )
    }

    /// Stop the script now with exit status 0 (the REPL ends its session).
    #[rhai_fn(name = "exit", volatile, return_raw)]
    pub fn exit_ok(ctx: NativeCallContext) -> RhaiResult<()> {
        Err(
            EvalAltResult::ErrorTerminated(Dynamic::from(ExitRequest(0)), ctx.call_position())
                .into(),
        )
    }
}

#[export_module]
pub mod sys_api {
    use super::*;

    /// Facts about this run: `#{ version, commit, features, device, seed }` (commit is the git
    /// commit the binary was built from, or "unknown").
    #[rhai_fn(return_raw)]
    pub fn info(ctx: NativeCallContext) -> RhaiResult<Map> {
        guard_at(ctx.call_position(), "sys::info", || {
            let mut m = Map::new();
            m.insert(
                "version".into(),
                Dynamic::from(env!("CARGO_PKG_VERSION").to_string()),
            );
            m.insert(
                "commit".into(),
                Dynamic::from(
                    option_env!("XMODAL_COMMIT")
                        .unwrap_or("unknown")
                        .to_string(),
                ),
            );
            m.insert(
                "features".into(),
                Dynamic::from(crate::device::features().join(",")),
            );
            m.insert(
                "device".into(),
                Dynamic::from(crate::device::name(&crate::device::default_device()?)),
            );
            m.insert(
                "seed".into(),
                Dynamic::from(crate::script::default_seed() as i64),
            );
            Ok(m)
        })
    }

    /// Seconds since the program started (for wall times in reports).
    pub fn time() -> FLOAT {
        START.get_or_init(Instant::now).elapsed().as_secs_f64()
    }

    /// Write `text` to `path` (folders made as needed; written to a temporary file and renamed).
    #[rhai_fn(return_raw)]
    pub fn write_text(ctx: NativeCallContext, path: &str, text: &str) -> RhaiResult<()> {
        guard_at(ctx.call_position(), "sys::write_text", || {
            crate::tensor::io::write_atomic(std::path::Path::new(path), |tmp| {
                std::fs::write(tmp, text)
            })
            .map_err(|e| Error::file("sys::write_text", path, e))
        })
    }

    /// The contents of a text file.
    #[rhai_fn(return_raw)]
    pub fn read_text(ctx: NativeCallContext, path: &str) -> RhaiResult<String> {
        guard_at(ctx.call_position(), "sys::read_text", || {
            std::fs::read_to_string(path).map_err(|e| Error::file("sys::read_text", path, e))
        })
    }

    /// Make a folder and its parents.
    #[rhai_fn(return_raw)]
    pub fn mkdir(ctx: NativeCallContext, path: &str) -> RhaiResult<()> {
        guard_at(ctx.call_position(), "sys::mkdir", || {
            std::fs::create_dir_all(path).map_err(|e| Error::file("sys::mkdir", path, e))
        })
    }

    /// Whether a file or folder exists.
    pub fn exists(path: &str) -> bool {
        std::path::Path::new(path).exists()
    }

    /// The folder for results worth keeping between runs (the pre-trained teacher): the
    /// environment variable `XMODAL_CACHE` when set, else `xmodal` in the user's cache folder
    /// (`~/.cache/xmodal` on Linux), else `.xmodal-cache` in the working folder. Delete it to
    /// start afresh.
    pub fn cache_dir() -> String {
        crate::cache_dir().to_string_lossy().into_owned()
    }
}
