//! Every ```rhai example in a registered function's doc comment runs without error (in a fresh
//! session, inside a scratch folder so examples that write files leave nothing behind).

use xmodal::script::{docs, session::Session};

fn examples(doc: &str) -> Vec<String> {
    let mut out = vec![];
    let mut cur: Option<String> = None;
    for line in doc.lines() {
        let t = line.trim_start();
        match (&mut cur, t.starts_with("```")) {
            (None, true) if t.trim() == "```rhai" => cur = Some(String::new()),
            (Some(_), true) => out.push(cur.take().unwrap()),
            (Some(s), false) => {
                s.push_str(line);
                s.push('\n');
            }
            _ => {}
        }
    }
    out
}

#[test]
fn every_doc_example_runs() {
    let scratch = std::env::temp_dir().join(format!("xmodal-doc-examples-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    std::env::set_current_dir(&scratch).unwrap();
    let engine = xmodal::script::engine(None);
    let mut failures = vec![];
    let mut count = 0;
    for d in docs::collect(&engine) {
        for ex in examples(&d.doc) {
            count += 1;
            if let Err(e) = Session::new(None).eval(&ex) {
                failures.push(format!("{}: {e}\n{ex}", d.name));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(count >= 5, "expected doc examples, found {count}");
    assert!(
        failures.is_empty(),
        "{} of {count} doc examples failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
