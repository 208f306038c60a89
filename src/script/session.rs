//! A script session: one engine and one scope that persist across evaluations, so variables and
//! functions defined by one REPL entry are there for the next. Errors and panics never end it.

use super::convert::panic_message;
use super::value::ScriptTensor;
use rhai::{Dynamic, Engine, Scope, AST};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

/// Engine, variables and the functions defined so far.
pub struct Session {
    pub engine: Engine,
    pub scope: Scope<'static>,
    functions: AST,
    /// The status that `exit(code)` asked for, once a script called it; the REPL and the runner
    /// stop and exit with it.
    pub exit_code: Option<u8>,
}

impl Session {
    /// A session whose imports resolve relative to `base`.
    pub fn new(base: Option<PathBuf>) -> Self {
        Session {
            engine: super::engine(base),
            scope: Scope::new(),
            functions: AST::empty(),
            exit_code: None,
        }
    }

    /// Compile and run `src` in the session; returns the value it evaluated to (unit for
    /// statements). The error text carries the position (`line L, position P`). When the script
    /// calls `exit(code)`, the result is unit and [`Session::exit_code`] holds the code.
    pub fn eval(&mut self, src: &str) -> Result<Dynamic, String> {
        self.eval_from(src, None)
    }

    /// [`Session::eval`] for the text of a file (`:load FILE`): its relative imports resolve
    /// against the file's folder, as they do for `xmodal run FILE`.
    pub fn eval_from(&mut self, src: &str, file: Option<&str>) -> Result<Dynamic, String> {
        crate::interrupt::clear();
        let mut ast = self
            .engine
            .compile_with_scope(&self.scope, src)
            .map_err(|e| format!("syntax error: {e}"))?;
        if let Some(f) = file {
            ast.set_source(f);
        }
        let imports = top_level_imports(&ast);
        let combined = self.functions.merge(&ast);
        let engine = &self.engine;
        let scope = &mut self.scope;
        let out = catch_unwind(AssertUnwindSafe(|| {
            engine.eval_ast_with_scope::<Dynamic>(scope, &combined)
        }));
        // Keep the functions even when the statements failed, as a REPL user would expect.
        let mut funcs = combined;
        funcs.clear_statements();
        funcs.clear_source();
        self.functions = funcs;
        self.keep_imports(&imports, file);
        match out {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) if exit_request(&e).is_some() => {
                self.exit_code = exit_request(&e);
                Ok(Dynamic::UNIT)
            }
            Ok(Err(e)) => Err(e.to_string().replacen("Runtime error: ", "", 1)),
            Err(p) => Err(format!(
                "internal error: {} (this is a bug in xmodal; please report it)",
                panic_message(&p)
            )),
        }
    }

    /// Imports last only as long as one evaluation in Rhai; a REPL user expects `import "x" as m;`
    /// to stay, so each imported module is registered with the engine under its alias.
    fn keep_imports(&mut self, imports: &[(String, String)], file: Option<&str>) {
        for (path, alias) in imports {
            if let Ok(m) = self.engine.module_resolver().resolve(
                &self.engine,
                file,
                path,
                rhai::Position::NONE,
            ) {
                self.engine.register_static_module(alias.as_str(), m);
            }
        }
    }

    /// How the REPL shows a value: a tensor in full numpy form; an xmodal object (History,
    /// Grads, Net, ...) as `print` shows it; a string of several lines (`net.summary()`) as its
    /// text; anything else as Rhai's debug text (strings quoted, tensors inside arrays and maps as
    /// one-line headers).
    pub fn show(&self, v: &Dynamic) -> String {
        if let Some(t) = v.read_lock::<ScriptTensor>() {
            return crate::tensor::display::render(t.tensor());
        }
        if let Some(s) = v.read_lock::<rhai::ImmutableString>() {
            if s.contains('\n') {
                return s.trim_end().to_string();
            }
        }
        let builtin = v.is_string()
            || v.is_array()
            || v.is_map()
            || v.is_unit()
            || v.is_int()
            || v.is_float()
            || v.is_bool()
            || v.is_char()
            || v.is_fnptr()
            || v.is_timestamp()
            || v.is_blob();
        let f = if builtin { "to_debug" } else { "to_string" };
        let mut s = Scope::new();
        s.push_dynamic("__v", v.clone());
        self.engine
            .eval_with_scope::<String>(&mut s, &format!("{f}(__v)"))
            .unwrap_or_else(|_| format!("<{}>", v.type_name()))
    }

    /// The variables in scope: (name, type, short value).
    pub fn vars(&self) -> Vec<(String, String, String)> {
        self.scope
            .iter()
            .filter(|(n, _, _)| !n.starts_with("__"))
            .map(|(name, _constant, v)| {
                let mut shown = self.show(&v);
                if v.is::<ScriptTensor>() {
                    shown = shown.lines().next().unwrap_or("").to_string();
                }
                if shown.chars().count() > 70 {
                    shown = shown.chars().take(67).collect::<String>() + "...";
                }
                (
                    name.to_string(),
                    self.engine.map_type_name(v.type_name()).to_string(),
                    shown,
                )
            })
            .collect()
    }

    /// Names for tab completion: variables in scope and script-defined functions.
    pub fn names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.scope.iter().map(|(n, _, _)| n.to_string()).collect();
        v.extend(self.functions.iter_functions().map(|f| f.name.to_string()));
        v
    }
}

/// The code of an `exit(code)` termination.
fn exit_request(e: &rhai::EvalAltResult) -> Option<u8> {
    match e {
        rhai::EvalAltResult::ErrorTerminated(token, _) => {
            token.read_lock::<super::sys::ExitRequest>().map(|r| r.0)
        }
        _ => None,
    }
}

/// `(path, alias)` of every top-level `import "path" as alias;` with a constant path.
#[allow(deprecated)]
fn top_level_imports(ast: &AST) -> Vec<(String, String)> {
    ast.statements()
        .iter()
        .filter_map(|stmt| match stmt {
            rhai::Stmt::Import(x, _) => match &x.0 {
                rhai::Expr::StringConstant(path, _) if !x.1.name.is_empty() => {
                    Some((path.to_string(), x.1.name.to_string()))
                }
                _ => None,
            },
            _ => None,
        })
        .collect()
}
