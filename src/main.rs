//! The `xmodal` command: a REPL, a script runner, a checker and the API docs.

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use xmodal::script::{self, repl, runner, session::Session};

#[derive(Parser)]
#[command(
    name = "xmodal",
    about = "A workbench for aligned cross-modal representations: Rhai scripts over candle.",
    disable_version_flag = true
)]
struct Cli {
    /// Device for everything that names none: cpu, cuda or cuda:N (also XMODAL_DEVICE).
    #[arg(long, global = true)]
    device: Option<String>,
    /// Default seed for everything random whose options name none.
    #[arg(long, global = true)]
    seed: Option<u64>,
    /// Print the version, the features compiled in and the device that would be used.
    #[arg(long, short = 'V')]
    version: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a script.
    Run {
        file: PathBuf,
        /// A constant for the script: --set name=value (numbers, true/false, strings).
        #[arg(long = "set", value_name = "NAME=VALUE")]
        sets: Vec<String>,
    },
    /// Compile a script without running it.
    Check { file: PathBuf },
    /// Print every script function with its signature and doc as Markdown.
    Doc,
    /// Start the REPL (the default with no command).
    Repl,
}

fn main() -> ExitCode {
    // A panic outside a native call (those become script errors) is reported, not hidden.
    match std::panic::catch_unwind(run) {
        Ok(code) => code,
        Err(p) => fail(&format!(
            "internal error: {} (this is a bug in xmodal; XMODAL_DEBUG=1 shows where)",
            script::convert::panic_message(&p)
        )),
    }
}

fn run() -> ExitCode {
    // Panics inside native calls become script errors; keep Rust's panic text off the terminal.
    // Set XMODAL_DEBUG=1 to see them with their location.
    if std::env::var_os("XMODAL_DEBUG").is_none() {
        std::panic::set_hook(Box::new(|_| {}));
    }
    xmodal::alloc::keep_freed_memory();
    let cli = Cli::parse();
    if let Some(d) = &cli.device {
        match xmodal::device::parse(d) {
            Ok(dev) => xmodal::device::set_default(dev),
            Err(e) => return fail(&e.to_string()),
        }
    }
    if let Some(s) = cli.seed {
        script::set_default_seed(s);
    }
    if cli.version {
        return version();
    }
    xmodal::interrupt::install();
    match cli.command {
        Some(Command::Run { file, sets }) => {
            let mut parsed = vec![];
            for s in &sets {
                match runner::parse_set(s) {
                    Ok(kv) => parsed.push(kv),
                    Err(e) => return fail(&e),
                }
            }
            if let Err(e) = xmodal::device::default_device() {
                return fail(&e.to_string());
            }
            match runner::run(&file, &parsed) {
                Ok(code) => ExitCode::from(code),
                Err(e) => fail(&e),
            }
        }
        Some(Command::Check { file }) => match runner::check(&file) {
            Ok(()) => {
                println!("{}: ok", file.display());
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e),
        },
        Some(Command::Doc) => {
            print!("{}", script::docs::markdown(&script::engine(None)));
            ExitCode::SUCCESS
        }
        Some(Command::Repl) | None => {
            if let Err(e) = xmodal::device::default_device() {
                return fail(&e.to_string());
            }
            let mut session = Session::new(None);
            if std::io::stdin().is_terminal() {
                match repl::run_interactive(&mut session) {
                    Ok(()) => ExitCode::from(session.exit_code.unwrap_or(0)),
                    Err(e) => fail(&format!("REPL: {e}")),
                }
            } else {
                let stdin = std::io::stdin();
                let failures = repl::run_piped(
                    &mut session,
                    stdin.lock(),
                    &mut std::io::stdout(),
                    &mut std::io::stderr(),
                );
                if let Some(code) = session.exit_code {
                    ExitCode::from(code)
                } else if failures == 0 {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn version() -> ExitCode {
    let features = xmodal::device::features();
    let device = match xmodal::device::default_device() {
        Ok(d) => xmodal::device::name(&d),
        Err(e) => format!("unavailable ({e})"),
    };
    println!("xmodal {}", env!("CARGO_PKG_VERSION"));
    println!(
        "features: {}",
        if features.is_empty() {
            "none (CPU only)".to_string()
        } else {
            features.join(", ")
        }
    );
    println!("device: {device}");
    ExitCode::SUCCESS
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::FAILURE
}
