//! `import "xmodal/NAME" as x;` resolves to `stdlib/NAME.rhai`, embedded in the binary so it works
//! from any folder; `XMODAL_STDLIB=/path/to/folder` overrides the embedded copies. Other imports
//! are the user's own files, relative to the importing script's folder.

use rhai::module_resolvers::{FileModuleResolver, ModuleResolversCollection};
use rhai::{Engine, EvalAltResult, Module, ModuleResolver, Position, Shared};
use std::path::PathBuf;

/// The embedded Rhai library: (name, source).
pub const FILES: &[(&str, &str)] = &[
    ("methods", include_str!("../../stdlib/methods.rhai")),
    ("prelude", include_str!("../../stdlib/prelude.rhai")),
];

/// Resolves `xmodal/NAME` imports.
pub struct StdlibResolver;

impl StdlibResolver {
    fn source(name: &str) -> Option<String> {
        if let Ok(dir) = std::env::var("XMODAL_STDLIB") {
            let p = PathBuf::from(dir).join(format!("{name}.rhai"));
            if let Ok(s) = std::fs::read_to_string(&p) {
                return Some(s);
            }
        }
        FILES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s.to_string())
    }
}

impl ModuleResolver for StdlibResolver {
    fn resolve(
        &self,
        engine: &Engine,
        _source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        let Some(name) = path.strip_prefix("xmodal/") else {
            return Err(EvalAltResult::ErrorModuleNotFound(path.into(), pos).into());
        };
        let src = Self::source(name).ok_or_else(|| {
            let known: Vec<String> = FILES.iter().map(|(n, _)| format!("xmodal/{n}")).collect();
            let msg = format!(
                "import \"{path}\": no such xmodal library; available: {}",
                known.join(", ")
            );
            // A module resolver may only return these two error kinds.
            Box::new(EvalAltResult::ErrorInModule(
                path.into(),
                EvalAltResult::ErrorRuntime(msg.into(), pos).into(),
                pos,
            ))
        })?;
        let mut ast = engine.compile(&src).map_err(|e| {
            Box::new(EvalAltResult::ErrorInModule(
                path.into(),
                Box::new(e.into()),
                pos,
            ))
        })?;
        ast.set_source(path);
        let m = Module::eval_ast_as_new(rhai::Scope::new(), &ast, engine)
            .map_err(|e| Box::new(EvalAltResult::ErrorInModule(path.into(), e, pos)))?;
        Ok(m.into())
    }
}

/// The full resolver: the embedded library first, then files relative to `base` (the folder of
/// the script being run, or the current folder).
pub fn resolver(base: Option<PathBuf>) -> ModuleResolversCollection {
    let mut c = ModuleResolversCollection::new();
    c.push(StdlibResolver);
    let mut files = match base {
        Some(b) => FileModuleResolver::new_with_path(b),
        None => FileModuleResolver::new(),
    };
    files.enable_cache(false);
    c.push(files);
    c
}
