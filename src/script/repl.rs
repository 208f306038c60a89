//! The REPL: rustyline with history, tab completion and multi-line entry on a terminal; plain
//! statement-by-statement evaluation when standard input is a pipe (`echo 'print(1+1)' | xmodal`).
//! Meta commands: `:help [NAME]`, `:vars`, `:load FILE`, `:time EXPR`, `:quit`.

use super::session::Session;
use super::syntax::{continues, ends_entry};
use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};
use std::cell::RefCell;
use std::io::{BufRead, Write};
use std::rc::Rc;
use std::time::Instant;

const BANNER: &str =
    "xmodal — aligned cross-modal representations. :help for help, :quit to leave.";

const META_HELP: &str = "\
:help NAME   the doc of a function (tensor::randn, matmul, ...)
:help        this list, and the namespaces
:vars        the variables in scope
:load FILE   run a script file in this session (its variables and functions stay)
:time EXPR   evaluate and print the time it took
:quit        leave (Ctrl-D too); Ctrl-C stops a running statement";

/// What a line of input asks for.
#[derive(Debug, PartialEq)]
pub enum Outcome {
    /// Keep going.
    Continue,
    /// Leave the REPL.
    Quit,
}

/// Evaluate one complete entry (statements or a meta command), writing results to `out` and
/// errors to `err`. Returns whether to go on, and whether an error happened.
pub fn handle(
    session: &mut Session,
    entry: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> (Outcome, bool) {
    let trimmed = entry.trim();
    if trimmed.is_empty() {
        return (Outcome::Continue, false);
    }
    if let Some(meta) = trimmed.strip_prefix(':') {
        return meta_command(session, meta, out, err);
    }
    let r = session.eval(entry);
    show_result(session, r, out, err)
}

/// Print a value (or an error) as the REPL does; an `exit(code)` ends the session.
fn show_result(
    session: &mut Session,
    result: Result<rhai::Dynamic, String>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> (Outcome, bool) {
    match result {
        Ok(_) if session.exit_code.is_some() => (Outcome::Quit, false),
        Ok(v) => {
            if !v.is_unit() {
                let _ = writeln!(out, "{}", session.show(&v));
            }
            (Outcome::Continue, false)
        }
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            (Outcome::Continue, true)
        }
    }
}

fn meta_command(
    session: &mut Session,
    meta: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> (Outcome, bool) {
    let (cmd, arg) = meta
        .split_once(char::is_whitespace)
        .map(|(c, a)| (c, a.trim()))
        .unwrap_or((meta, ""));
    match cmd {
        "q" | "quit" | "exit" => return (Outcome::Quit, false),
        "help" | "h" if arg.is_empty() => {
            let namespaces: std::collections::BTreeSet<String> =
                super::docs::collect(&session.engine)
                    .into_iter()
                    .map(|d| d.group)
                    .collect();
            let _ = writeln!(
                out,
                "{META_HELP}\nnamespaces: {}",
                namespaces.into_iter().collect::<Vec<_>>().join(", ")
            );
        }
        "help" | "h" => match super::docs::help(&session.engine, arg) {
            Some(h) => {
                let _ = writeln!(out, "{h}");
            }
            None => {
                let _ = writeln!(err, "error: no function named '{arg}'; try :help for the namespaces, or tab completion");
                return (Outcome::Continue, true);
            }
        },
        "vars" => {
            let vars = session.vars();
            if vars.is_empty() {
                let _ = writeln!(out, "(no variables)");
            }
            for (n, t, v) in vars {
                let _ = writeln!(out, "{n}: {t} = {v}");
            }
        }
        "load" => match std::fs::read_to_string(arg) {
            Ok(src) => {
                let r = session.eval_from(&src, Some(arg));
                return show_result(session, r, out, err);
            }
            Err(e) => {
                let _ = writeln!(err, "error: :load '{arg}': {e}");
                return (Outcome::Continue, true);
            }
        },
        "time" => {
            let start = Instant::now();
            let r = handle(session, arg, out, err);
            let _ = writeln!(out, "time: {:.3} s", start.elapsed().as_secs_f64());
            return r;
        }
        other => {
            let _ = writeln!(
                err,
                "error: unknown command ':{other}'; the commands are:\n{META_HELP}"
            );
            return (Outcome::Continue, true);
        }
    }
    (Outcome::Continue, false)
}

/// Read statements from a non-terminal input. An entry ends where brackets and strings close and
/// the parser does not run out of input (`let z = 1 +` waits for the next line), unless the next
/// line carries on the statement as `xmodal run` would read it (`.sum()`, `else { … }`, `+ 2`).
/// Each entry's value is shown as in the interactive REPL. Returns the number of entries that
/// failed; after `exit(code)` it stops, and [`Session::exit_code`] holds the code.
pub fn run_piped(
    session: &mut Session,
    input: impl BufRead,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> usize {
    let mut failures = 0;
    let mut buf = String::new();
    let mut lines = input.lines().map_while(|l| l.ok()).peekable();
    while let Some(line) = lines.next() {
        if buf.is_empty() && line.trim_start().starts_with(':') {
            let (o, e) = handle(session, &line, out, err);
            failures += e as usize;
            if o == Outcome::Quit {
                return failures;
            }
            continue;
        }
        buf.push_str(&line);
        buf.push('\n');
        if buf.trim().is_empty() {
            buf.clear();
            continue;
        }
        if !ends_entry(&buf) || lines.peek().is_some_and(|next| continues(&buf, next)) {
            continue;
        }
        let (o, e) = handle(session, &buf, out, err);
        failures += e as usize;
        buf.clear();
        let _ = out.flush();
        if o == Outcome::Quit {
            return failures;
        }
    }
    if !buf.trim().is_empty() {
        failures += handle(session, &buf, out, err).1 as usize;
    }
    failures
}

/// The interactive REPL on a terminal. History lives in the user's data folder.
pub fn run_interactive(session: &mut Session) -> rustyline::Result<()> {
    let names = Rc::new(RefCell::new(vec![]));
    let helper = ReplHelper {
        names: names.clone(),
    };
    let mut rl: rustyline::Editor<ReplHelper, rustyline::history::DefaultHistory> =
        rustyline::Editor::new()?;
    rl.set_helper(Some(helper));
    let history = history_path();
    if let Some(h) = &history {
        let _ = rl.load_history(h);
    }
    println!("{BANNER}");
    let builtins = super::docs::completion_names(&session.engine);
    loop {
        {
            let mut n = names.borrow_mut();
            *n = builtins.clone();
            n.extend(session.names());
            n.extend(META.iter().map(|s| s.to_string()));
        }
        match rl.readline("xmodal> ") {
            Ok(entry) => {
                let _ = rl.add_history_entry(entry.as_str());
                let (o, _) = handle(
                    session,
                    &entry,
                    &mut std::io::stdout(),
                    &mut std::io::stderr(),
                );
                if o == Outcome::Quit {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(e),
        }
    }
    if let Some(h) = &history {
        if let Some(dir) = h.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = rl.save_history(h);
    }
    Ok(())
}

const META: &[&str] = &[":help", ":vars", ":load", ":time", ":quit"];

fn history_path() -> Option<std::path::PathBuf> {
    dirs::data_dir().map(|d| d.join("xmodal").join("history.txt"))
}

struct ReplHelper {
    names: Rc<RefCell<Vec<String>>>,
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let start = line[..pos]
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .map(|i| i + 1)
            .unwrap_or(0);
        let word = &line[start..pos];
        if word.is_empty() {
            return Ok((pos, vec![]));
        }
        let hits = completions(&self.names.borrow(), word)
            .into_iter()
            .map(|n| Pair {
                display: n.clone(),
                replacement: n,
            })
            .collect();
        Ok((start, hits))
    }
}

/// The names that start with `word`, sorted, without duplicates.
pub fn completions(names: &[String], word: &str) -> Vec<String> {
    let mut v: Vec<String> = names
        .iter()
        .filter(|n| n.starts_with(word))
        .cloned()
        .collect();
    v.sort();
    v.dedup();
    v
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        let input = ctx.input();
        if input.trim_start().starts_with(':') || ends_entry(input) {
            Ok(ValidationResult::Valid(None))
        } else {
            Ok(ValidationResult::Incomplete)
        }
    }
}

impl Hinter for ReplHelper {
    type Hint = String;
}
impl Highlighter for ReplHelper {}
impl Helper for ReplHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(input: &str) -> (String, String, usize) {
        let mut s = Session::new(None);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let n = run_piped(&mut s, input.as_bytes(), &mut out, &mut err);
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
            n,
        )
    }

    #[test]
    fn multi_line_entries_wait_for_closing_brackets() {
        let (out, err, failures) = feed("let m = #{\n a: 1,\n b: [2,\n 3] };\nm.b[1] + m.a\n");
        assert_eq!((out.as_str(), err.as_str(), failures), ("4\n", "", 0));
    }

    #[test]
    fn errors_are_counted_and_the_session_goes_on() {
        let (out, err, failures) = feed("let x = 1;\nx +;\nnope();\nx\n");
        assert_eq!(out, "1\n");
        assert_eq!(failures, 2);
        assert!(err.starts_with("error: syntax error:"), "{err}");
    }

    #[test]
    fn functions_persist_between_entries() {
        let (out, _, _) = feed("fn sq(x) { x * x }\nsq(7)\n");
        assert_eq!(out, "49\n");
    }

    #[test]
    fn completion_offers_namespaced_names_and_variables() {
        let s = Session::new(None);
        let mut names = crate::script::docs::completion_names(&s.engine);
        names.push("my_var".into());
        assert_eq!(
            completions(&names, "tensor::ra"),
            vec!["tensor::rand", "tensor::randn"]
        );
        assert!(completions(&names, "tens").contains(&"tensor::".to_string()));
        assert_eq!(completions(&names, "my_"), vec!["my_var"]);
    }
}
