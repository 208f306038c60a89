//! Whether a piece of source is complete: brackets closed, strings and block comments ended. The
//! REPL uses it for multi-line entry; piped input uses it to find statement boundaries.

/// True when every `(`, `[`, `{` is closed and no string or block comment is left open.
pub fn is_complete(src: &str) -> bool {
    let mut depth: i64 = 0;
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '/' if next == Some('/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                let mut nest = 1;
                i += 2;
                while i < chars.len() && nest > 0 {
                    if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                        nest += 1;
                        i += 1;
                    } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                        nest -= 1;
                        i += 1;
                    }
                    i += 1;
                }
                if nest > 0 {
                    return false;
                }
                continue;
            }
            '"' | '`' | '\'' => {
                let quote = c;
                i += 1;
                let mut closed = false;
                while i < chars.len() {
                    if chars[i] == '\\' && quote != '`' {
                        i += 2;
                        continue;
                    }
                    if chars[i] == quote {
                        closed = true;
                        break;
                    }
                    i += 1;
                }
                if !closed {
                    return false;
                }
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    depth <= 0
}

/// True when `src` is a whole entry: [`is_complete`], and a parser does not run out of input in it
/// (so `let z = 1 +` or `let x =` wait for the next line).
pub fn ends_entry(src: &str) -> bool {
    if !is_complete(src) {
        return false;
    }
    let mut engine = rhai::Engine::new_raw();
    engine.set_max_expr_depths(256, 256);
    match engine.compile(src) {
        Err(e) => !matches!(e.err_type(), rhai::ParseErrorType::UnexpectedEOF),
        Ok(_) => true,
    }
}

/// Whether `src`, with trailing whitespace and `//` comments dropped, ends with `;`: a finished
/// statement that a following line cannot continue.
fn ends_with_semicolon(src: &str) -> bool {
    src.lines()
        .rev()
        .map(|l| strip_line_comment(l).trim())
        .find(|l| !l.is_empty())
        .is_some_and(|l| l.ends_with(';'))
}

/// A line without its `//` comment (a `//` inside a string literal is kept).
fn strip_line_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q && prev != '\\' => quote = None,
            Some(_) => {}
            None if c == '"' || c == '`' || c == '\'' => quote = Some(c),
            None if c == '/' && line[i + 1..].starts_with('/') => return &line[..i],
            None => {}
        }
        prev = c;
    }
    line
}

/// Whether `next` (the line after a complete entry `src`) carries on the same statement, as the
/// parser of `xmodal run` would read it: `src` does not end with `;` and `next` starts with a
/// method call (`.sum()`), `else`, `catch`, or a binary operator (`+ 1`, `&& ok`).
pub fn continues(src: &str, next: &str) -> bool {
    if ends_with_semicolon(src) {
        return false;
    }
    let t = next.trim_start();
    if t.starts_with("//") || t.starts_with("/*") {
        return false;
    }
    let word = |w: &str| {
        t.strip_prefix(w)
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
    };
    if word("else") || word("catch") {
        return true;
    }
    const OPS: &[&str] = &[
        "?.", "?[", "??", "..", ".", "+", "-", "*", "/", "%", "==", "!=", "<", ">", "&&", "||",
        "&", "|", "^",
    ];
    OPS.iter().any(|op| t.starts_with(op))
}

#[cfg(test)]
mod tests {
    use super::{continues, ends_entry, is_complete};

    #[test]
    fn trailing_operators_wait_and_continuation_lines_join() {
        assert!(!ends_entry("let z = 1 +\n"));
        assert!(!ends_entry("let x =\n"));
        assert!(ends_entry("let z = 1 + 2;\n"));
        assert!(ends_entry("x +;\n")); // a syntax error, not an unfinished entry
        assert!(continues("let x = tensor::ones([2, 3])\n", "    .sum();"));
        assert!(continues("if x { 1 }\n", "else { 2 }"));
        assert!(continues("let a = 1\n", "  + 2;"));
        assert!(continues("try { f() }\n", "catch (e) { 0 }"));
        assert!(!continues("let x = 1;\n", ".sum()"));
        assert!(!continues("let x = 1; // done\n", "- 1"));
        assert!(!continues("x\n", "// a comment"));
        assert!(!continues("x\n", "elsewhere()"));
        assert!(!continues("x\n", "let y = 2;"));
    }

    #[test]
    fn open_brackets_and_strings_are_incomplete() {
        assert!(is_complete("let x = 1;"));
        assert!(!is_complete("fn f(x) {"));
        assert!(!is_complete("let a = [1,\n2"));
        assert!(!is_complete("let s = \"abc"));
        assert!(is_complete("let s = \"a{b\";"));
        assert!(is_complete("// a comment with ( in it"));
        assert!(!is_complete("/* open comment"));
        assert!(is_complete("let c = '{';"));
    }
}
