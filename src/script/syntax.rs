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

#[cfg(test)]
mod tests {
    use super::is_complete;

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
