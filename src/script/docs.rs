//! The API reference, made from the engine's function metadata (the `///` comments of every
//! registered function): `xmodal doc` prints it as Markdown (committed as `docs/API.md`) and the
//! REPL's `:help NAME` prints one entry.

use rhai::Engine;
use serde_json::Value;
use std::collections::BTreeMap;

/// One registered function (all overloads of a name share an entry).
#[derive(Debug, Clone)]
pub struct FnDoc {
    /// The name as scripts write it: `tensor::from` for namespaced functions, `matmul` for
    /// methods and global functions.
    pub name: String,
    /// The namespace it is listed under (`tensor`, `stats`, … or `operators`).
    pub group: String,
    /// One signature per overload.
    pub signatures: Vec<String>,
    /// The doc comment (of the first overload that has one).
    pub doc: String,
}

/// Every xmodal function of the engine, grouped by namespace, sorted by name.
pub fn collect(engine: &Engine) -> Vec<FnDoc> {
    let json = engine
        .gen_fn_metadata_to_json(false)
        .unwrap_or_else(|_| "{}".into());
    let v: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
    // (group, name) -> [(signature, doc)] over every overload.
    let mut overloads: BTreeMap<(String, String), Vec<(String, String)>> = BTreeMap::new();
    let mut add = |module: &str, f: &Value| {
        let name = f["name"].as_str().unwrap_or("");
        if name.is_empty()
            || name.starts_with("get$")
            || name.starts_with("set$")
            || name.starts_with("index$")
        {
            return;
        }
        let global = f["namespace"].as_str() == Some("global");
        let operator = !name
            .chars()
            .next()
            .map(|c| c.is_alphabetic() || c == '_')
            .unwrap_or(false);
        let (group, shown) = if operator {
            ("operators".to_string(), name.to_string())
        } else if module.is_empty() {
            ("global".to_string(), name.to_string())
        } else if global {
            (format!("{module} (methods)"), name.to_string())
        } else {
            (module.to_string(), format!("{module}::{name}"))
        };
        let sig = clean_signature(f["signature"].as_str().unwrap_or(name));
        let doc: Vec<String> = f["docComments"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c.as_str())
                    .map(strip_comment)
                    .collect()
            })
            .unwrap_or_default();
        overloads
            .entry((group, shown))
            .or_default()
            .push((sig, doc.join("\n").trim().to_string()));
    };
    if let Some(mods) = v["modules"].as_object() {
        for (m, body) in mods {
            for f in body["functions"].as_array().into_iter().flatten() {
                add(m, f);
            }
        }
    }
    for f in v["functions"].as_array().into_iter().flatten() {
        add("", f);
    }
    // Metadata order is not stable between builds; the reference must be.
    overloads
        .into_iter()
        .map(|((group, name), mut list)| {
            list.sort();
            let mut signatures: Vec<String> = list.iter().map(|(s, _)| s.clone()).collect();
            signatures.dedup();
            let mut docs: Vec<String> = vec![];
            for (_, d) in list {
                if !d.is_empty() && !docs.contains(&d) {
                    docs.push(d);
                }
            }
            FnDoc {
                name,
                group,
                signatures,
                doc: docs.join("\n\n"),
            }
        })
        .collect()
}

fn strip_comment(c: &str) -> String {
    c.lines()
        .map(|l| {
            let l = l.trim_start();
            let l = l
                .strip_prefix("///")
                .or_else(|| l.strip_prefix("//!"))
                .unwrap_or(l);
            l.strip_prefix(' ').unwrap_or(l).to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Rust type names in signatures, rewritten as scripts see them.
fn clean_signature(s: &str) -> String {
    let s = script_type_names(s);
    let s = strip_wrapper(&s, "RhaiResult<");
    s.replace("Result<Tensor, Box<EvalAltResult>>", "Tensor")
        .replace("&mut ", "")
        .replace("ImmutableString", "String")
        .replace("&str", "String")
}

/// Type names as scripts know them: Rust paths lose their module (`crate::eval::Comparison` is
/// `Comparison`), and the wrappers are named as registered with the engine (`ScriptNet` is
/// `Net`, `rhai::FLOAT` is `f64`).
fn script_type_names(s: &str) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("ScriptTensor", "Tensor"),
        ("ScriptNet", "Net"),
        ("ScriptPrior", "Prior"),
        ("ScriptInverter", "Inverter"),
        ("FLOAT", "f64"),
        ("INT", "i64"),
    ];
    let mut out = String::with_capacity(s.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            let last = word.rsplit("::").next().unwrap_or(word);
            let strip = ["crate::", "rhai::", "xmodal::", "std::"]
                .iter()
                .any(|p| word.starts_with(p));
            let w = if strip { last } else { word.as_str() };
            let w = NAMES
                .iter()
                .find(|(rust, _)| *rust == w)
                .map(|(_, script)| *script)
                .unwrap_or(w);
            out.push_str(w);
            word.clear();
        }
    };
    for c in s.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// `f() -> RhaiResult<T>` becomes `f() -> T`.
fn strip_wrapper(s: &str, wrapper: &str) -> String {
    match s.find(wrapper) {
        Some(i) if s.ends_with('>') => format!("{}{}", &s[..i], &s[i + wrapper.len()..s.len() - 1]),
        _ => s.to_string(),
    }
}

/// The whole reference as Markdown.
pub fn markdown(engine: &Engine) -> String {
    let docs = collect(engine);
    let mut out = String::from(
        "# xmodal script API\n\nEvery function registered with the Rhai engine, generated by `xmodal doc` from the doc comments \
(`:help NAME` in the REPL shows the same text). Namespaced functions are called as `tensor::zeros([2, 3])`; \
methods as `x.matmul(y)` (or `matmul(x, y)`).\n",
    );
    let mut group = String::new();
    for d in &docs {
        if d.group != group {
            group = d.group.clone();
            out.push_str(&format!("\n## {group}\n"));
        }
        out.push_str(&format!(
            "\n### `{}`\n\n```\n{}\n```\n",
            d.name,
            d.signatures.join("\n")
        ));
        if !d.doc.is_empty() {
            out.push_str(&format!("\n{}\n", d.doc));
        }
    }
    out
}

/// The help text for one name (with or without its namespace), or None.
pub fn help(engine: &Engine, name: &str) -> Option<String> {
    let name = name.trim();
    let docs = collect(engine);
    let hits: Vec<&FnDoc> = docs
        .iter()
        .filter(|d| d.name == name || d.name.rsplit("::").next() == Some(name))
        .collect();
    if hits.is_empty() {
        return None;
    }
    Some(
        hits.iter()
            .map(|d| {
                format!(
                    "{}\n{}\n\n{}",
                    d.name,
                    d.signatures
                        .iter()
                        .map(|s| format!("  {s}"))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    d.doc
                )
            })
            .collect::<Vec<_>>()
            .join("\n\n"),
    )
}

/// Every name a user might type, for tab completion: `tensor::from`, `matmul`, `tensor::`…
pub fn completion_names(engine: &Engine) -> Vec<String> {
    let mut v: Vec<String> = collect(engine)
        .into_iter()
        .filter(|d| d.group != "operators")
        .map(|d| d.name)
        .collect();
    let namespaces: std::collections::BTreeSet<String> = v
        .iter()
        .filter_map(|n| n.split_once("::").map(|(ns, _)| format!("{ns}::")))
        .collect();
    v.extend(namespaces);
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    #[test]
    fn signatures_use_script_type_names() {
        assert_eq!(
            super::clean_signature("compare(rows: Array) -> crate::eval::Comparison"),
            "compare(rows: Array) -> Comparison"
        );
        assert_eq!(
            super::clean_signature(
                "accuracy(net: &mut ScriptNet, data: Dataset, m: &str) -> RhaiResult<rhai::FLOAT>"
            ),
            "accuracy(net: Net, data: Dataset, m: String) -> f64"
        );
    }
}
