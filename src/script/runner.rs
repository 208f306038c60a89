//! `xmodal run FILE` and `xmodal check FILE`: run or compile a script, with `--set name=value`
//! constants in scope. Errors name the file and the position.

use super::session::Session;
use rhai::Dynamic;
use std::path::Path;

/// Parse a `--set` value: integers, floats, booleans, else a string (quotes optional).
pub fn parse_value(s: &str) -> Dynamic {
    let t = s.trim();
    if let Ok(i) = t.parse::<i64>() {
        Dynamic::from(i)
    } else if let Ok(f) = t.parse::<f64>() {
        Dynamic::from(f)
    } else if t == "true" || t == "false" {
        Dynamic::from(t == "true")
    } else {
        let unquoted = t
            .strip_prefix('"')
            .and_then(|x| x.strip_suffix('"'))
            .unwrap_or(t);
        Dynamic::from(unquoted.to_string())
    }
}

/// Split `name=value` into a checked name and a parsed value.
pub fn parse_set(arg: &str) -> Result<(String, Dynamic), String> {
    let (name, value) = arg
        .split_once('=')
        .ok_or_else(|| format!("--set '{arg}': expected name=value, e.g. --set preset=quick"))?;
    let name = name.trim();
    let ok = !name.is_empty()
        && name
            .chars()
            .next()
            .map(|c| c.is_alphabetic() || c == '_')
            .unwrap_or(false)
        && name.chars().all(|c| c.is_alphanumeric() || c == '_');
    if !ok {
        return Err(format!(
            "--set '{arg}': '{name}' is not a valid script variable name"
        ));
    }
    Ok((name.to_string(), parse_value(value)))
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read script '{}': {e}", path.display()))
}

fn session_for(path: &Path) -> Session {
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| p.to_path_buf());
    Session::new(base)
}

/// Run a script file with constants in scope; returns the exit status (0, or the code the script
/// gave `exit`). The error names the file and the position.
pub fn run(path: &Path, sets: &[(String, Dynamic)]) -> Result<u8, String> {
    let src = read(path)?;
    let mut session = session_for(path);
    for (k, v) in sets {
        session.scope.push_constant_dynamic(k.clone(), v.clone());
    }
    session
        .eval(&src)
        .map(|_| session.exit_code.unwrap_or(0))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Compile a script without running it.
pub fn check(path: &Path) -> Result<(), String> {
    let src = read(path)?;
    let session = session_for(path);
    session
        .engine
        .compile(&src)
        .map(|_| ())
        .map_err(|e| format!("{}: syntax error: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_values_are_typed_sensibly() {
        assert_eq!(parse_value("3").as_int().unwrap(), 3);
        assert_eq!(parse_value("0.5").as_float().unwrap(), 0.5);
        assert!(parse_value("true").as_bool().unwrap());
        assert_eq!(parse_value("quick").into_string().unwrap(), "quick");
        assert_eq!(parse_value("\"a b\"").into_string().unwrap(), "a b");
        assert!(parse_set("9x=1").unwrap_err().contains("not a valid"));
        assert!(parse_set("novalue").unwrap_err().contains("name=value"));
    }
}
