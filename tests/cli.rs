//! The `xmodal` command: piped REPL input, the script runner, `--set`, imports, `check`, `doc`,
//! `--version`, and the error messages a user sees.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn xmodal() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_xmodal"));
    c.env_remove("XMODAL_DEVICE").env_remove("XMODAL_STDLIB");
    c
}

fn piped(input: &str) -> Output {
    piped_in(Path::new("."), input)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("xmodal-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn piped_matmul_prints_the_gram_matrix() {
    let o =
        piped("let a = tensor::from([[1.0,2.0],[3.0,4.0]]); print(a.matmul(a.t()).to_array());\n");
    assert_eq!(text(&o.stdout), "[[5.0, 11.0], [11.0, 25.0]]\n");
    assert!(o.status.success());
}

#[test]
fn an_error_does_not_end_the_session() {
    let o = xmodal()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin
                .take()
                .unwrap()
                .write_all(b"let x = 41;\nnope();\nprint(x + 1);\n")?;
            c.wait_with_output()
        })
        .unwrap();
    assert_eq!(text(&o.stdout), "42\n");
    assert_eq!(
        text(&o.stderr),
        "error: Function not found: nope () (line 1, position 1)\n"
    );
    assert!(
        !o.status.success(),
        "an entry failed, so the exit code says so"
    );
}

#[test]
fn piped_input_joins_lines_until_brackets_close_and_shows_bare_values() {
    let o = piped(
        "fn twice(x) {\n  x * 2\n}\nlet arr = [1,\n 2];\ntwice(arr[1])\n\"s\"\ntensor::ones([2])\n",
    );
    assert_eq!(
        text(&o.stdout),
        "4\n\"s\"\nTensor[f32; 2; cpu]\n[1., 1.]\n",
        "stderr: {}",
        text(&o.stderr)
    );
}

#[test]
fn meta_commands() {
    let dir = tmp("meta");
    let lib = dir.join("defs.rhai");
    std::fs::write(&lib, "let loaded = 5;\nfn triple(x) { x * 3 }\n").unwrap();
    let o = piped(&format!(":load {}\ntriple(loaded)\n:vars\n:help tensor::eye\n:time 1 + 1\n:bogus\n:quit\nprint(\"not reached\");\n", lib.display()));
    let out = text(&o.stdout);
    assert!(out.contains("15\n"), "{out}");
    assert!(out.contains("loaded: i64 = 5"), "{out}");
    assert!(
        out.contains("tensor::eye\n  eye(n: i64) -> Tensor\n\nThe n×n identity matrix (f32)."),
        "{out}"
    );
    assert!(out.contains("2\ntime: "), "{out}");
    assert!(!out.contains("not reached"));
    assert!(text(&o.stderr).contains("error: unknown command ':bogus'"));
}

#[test]
fn run_missing_file_names_the_path() {
    let o = xmodal().args(["run", "missing.rhai"]).output().unwrap();
    assert!(!o.status.success());
    assert_eq!(
        text(&o.stderr),
        "error: cannot read script 'missing.rhai': No such file or directory (os error 2)\n"
    );
}

#[test]
fn run_error_names_file_and_position() {
    let dir = tmp("err");
    let f = dir.join("bad.rhai");
    std::fs::write(&f, "let a = tensor::zeros([2, 3]);\nlet b = a.matmul(a);\n").unwrap();
    let o = xmodal().arg("run").arg(&f).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        text(&o.stderr),
        format!(
            "error: {}: matmul: shape mismatch: [2, 3] vs [2, 3] (line 2, position 11)\n",
            f.display()
        )
    );
}

#[test]
fn set_values_become_typed_constants() {
    let dir = tmp("set");
    let f = dir.join("set.rhai");
    std::fs::write(
        &f,
        "print(`${type_of(n)} ${n + 1} ${type_of(lr)} ${lr * 2.0} ${flag} ${name}`);\nn = 3;\n",
    )
    .unwrap();
    let o = xmodal()
        .arg("run")
        .arg(&f)
        .args([
            "--set",
            "n=41",
            "--set",
            "lr=0.25",
            "--set",
            "flag=true",
            "--set",
            "name=quick",
        ])
        .output()
        .unwrap();
    assert_eq!(text(&o.stdout), "i64 42 f64 0.5 true quick\n");
    // --set values are constants: assigning one is an error.
    assert!(
        text(&o.stderr).contains("Cannot modify constant n"),
        "{}",
        text(&o.stderr)
    );
    let bad = xmodal()
        .arg("run")
        .arg(&f)
        .args(["--set", "oops"])
        .output()
        .unwrap();
    assert_eq!(
        text(&bad.stderr),
        "error: --set 'oops': expected name=value, e.g. --set preset=quick\n"
    );
}

#[test]
fn seed_flag_sets_the_default_seed() {
    let dir = tmp("seed");
    let f = dir.join("seed.rhai");
    std::fs::write(&f, "print(tensor::randn([3]).to_array());").unwrap();
    let run = |s: &str| {
        text(
            &xmodal()
                .arg("run")
                .arg(&f)
                .args(["--seed", s])
                .output()
                .unwrap()
                .stdout,
        )
    };
    assert_eq!(run("5"), run("5"));
    assert_ne!(run("5"), run("6"));
}

#[test]
fn stdlib_and_relative_imports_work_from_any_folder() {
    let dir = tmp("import");
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::write(dir.join("lib/helpers.rhai"), "fn plus_one(x) { x + 1 }\n").unwrap();
    std::fs::write(
        dir.join("main.rhai"),
        "import \"xmodal/prelude\" as p;\nimport \"lib/helpers\" as h;\nprint(p::round_to(3.14159, 2));\nprint(h::plus_one(1));\nprint(p::linspace(0, 1, 3));\n",
    )
    .unwrap();
    // Run from another folder: imports resolve against the script, the stdlib is embedded.
    let o = xmodal()
        .current_dir(std::env::temp_dir())
        .arg("run")
        .arg(dir.join("main.rhai"))
        .output()
        .unwrap();
    assert_eq!(
        text(&o.stdout),
        "3.14\n2\n[0.0, 0.5, 1.0]\n",
        "stderr: {}",
        text(&o.stderr)
    );
    let missing = piped("import \"xmodal/nothing\" as n;\n");
    assert!(
        text(&missing.stderr).contains(
            "import \"xmodal/nothing\": no such xmodal library; available: xmodal/methods, xmodal/prelude"
        ),
        "{}",
        text(&missing.stderr)
    );
}

#[test]
fn stdlib_folder_override() {
    let dir = tmp("override");
    std::fs::write(dir.join("prelude.rhai"), "fn mse(a, b) { 123 }\n").unwrap();
    let mut child = xmodal()
        .env("XMODAL_STDLIB", &dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"import \"xmodal/prelude\" as p;\nprint(p::mse(1, 2));\n")
        .unwrap();
    assert_eq!(text(&child.wait_with_output().unwrap().stdout), "123\n");
}

#[test]
fn check_compiles_without_running() {
    let dir = tmp("check");
    let ok = dir.join("ok.rhai");
    std::fs::write(&ok, "print(\"should not print\"); nope();").unwrap();
    let o = xmodal().arg("check").arg(&ok).output().unwrap();
    assert!(o.status.success());
    assert_eq!(text(&o.stdout), format!("{}: ok\n", ok.display()));
    let bad = dir.join("bad.rhai");
    std::fs::write(&bad, "let x = (1 + ;").unwrap();
    let o = xmodal().arg("check").arg(&bad).output().unwrap();
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("syntax error") && text(&o.stderr).contains("line 1"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn version_reports_features_and_device() {
    let o = xmodal().arg("--version").output().unwrap();
    let out = text(&o.stdout);
    assert!(
        out.starts_with(&format!("xmodal {}\n", env!("CARGO_PKG_VERSION"))),
        "{out}"
    );
    if !cfg!(feature = "cuda") {
        assert!(
            out.contains("features: none (CPU only)\ndevice: cpu\n"),
            "{out}"
        );
        let o = xmodal()
            .args(["--device", "cuda:0", "--version"])
            .output()
            .unwrap();
        assert!(!o.status.success());
        assert!(
            text(&o.stderr).contains("device 'cuda:0': this xmodal was built without CUDA"),
            "{}",
            text(&o.stderr)
        );
        let o = xmodal()
            .env("XMODAL_DEVICE", "tpu")
            .arg("--version")
            .output()
            .unwrap();
        assert!(
            text(&o.stdout)
                .contains("device: unavailable (device 'tpu': expected 'cpu', 'cuda' or 'cuda:N')"),
            "{}",
            text(&o.stdout)
        );
    }
}

#[test]
fn api_docs_are_current() {
    let o = xmodal().arg("doc").output().unwrap();
    let committed = std::fs::read_to_string(root().join("docs/API.md")).unwrap_or_default();
    assert!(
        text(&o.stdout) == committed,
        "docs/API.md is stale: regenerate it with `cargo run --release -- doc > docs/API.md`"
    );
}

#[test]
fn every_example_runs() {
    let dir = root().join("examples");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().and_then(|x| x.to_str()) != Some("rhai") {
            continue;
        }
        let o = xmodal()
            .current_dir(tmp("examples"))
            .arg("run")
            .arg(&p)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{} failed:\n{}\n{}",
            p.display(),
            text(&o.stdout),
            text(&o.stderr)
        );
        n += 1;
    }
    assert!(n >= 2, "examples/ should hold at least two examples");
}

fn piped_in(dir: &Path, input: &str) -> Output {
    let mut child = xmodal()
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn piped_input_reads_statements_that_go_on_over_lines_as_run_does() {
    let src = "let x = tensor::ones([2, 3])\n    .sum();\nx.item()\nlet k = 5;\nif k > 9 { print(\"big\") }\nelse { print(\"small\") }\nlet z = 1 +\n2;\nz\nlet w = k\n  * 2;\nw\nk\n-1\nlet s = 7; // done\n.5\n";
    let o = piped(src);
    assert_eq!(
        text(&o.stdout),
        "6.0\nsmall\n3\n10\n4\n",
        "stderr: {}",
        text(&o.stderr)
    );
    // `.5` after a finished statement is its own (failing) entry, as in a script.
    assert_eq!(
        text(&o.stderr),
        "error: syntax error: Unexpected '.' (line 1, position 1)\n"
    );
    // The same text as a script gives the same values.
    let dir = tmp("continued");
    let f = dir.join("c.rhai");
    std::fs::write(
        &f,
        "let x = tensor::ones([2, 3])\n    .sum();\nlet k = 5;\nif k > 9 { print(\"big\") }\nelse { print(\"small\") }\nlet z = 1 +\n2;\nprint(z);\n",
    )
    .unwrap();
    let o = xmodal().arg("run").arg(&f).output().unwrap();
    assert_eq!(text(&o.stdout), "small\n3\n", "{}", text(&o.stderr));
}

#[test]
fn exit_stops_with_its_status_in_run_and_in_the_repl() {
    let dir = tmp("exit");
    let f = dir.join("e.rhai");
    std::fs::write(&f, "print(\"a\"); exit(3); print(\"b\");\n").unwrap();
    let o = xmodal().arg("run").arg(&f).output().unwrap();
    assert_eq!(text(&o.stdout), "a\n");
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    // Not catchable, and it ends the piped REPL with the code.
    let o =
        piped("print(\"a\");\ntry { exit(4); } catch (e) { print(\"caught\"); }\nprint(\"b\");\n");
    assert_eq!(text(&o.stdout), "a\n", "{}", text(&o.stderr));
    assert_eq!(o.status.code(), Some(4));
    let o = piped("exit();\nprint(\"b\");\n");
    assert_eq!((text(&o.stdout).as_str(), o.status.code()), ("", Some(0)));
    let o = piped("exit(300);\nprint(\"b\");\n");
    assert!(
        text(&o.stderr).contains("exit: invalid value for 'code'"),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(text(&o.stdout), "b\n");
}

#[test]
fn load_resolves_imports_from_the_files_folder() {
    let dir = tmp("load-imports");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/mymod.rhai"), "export const K = 3;\n").unwrap();
    std::fs::write(
        dir.join("sub/loader.rhai"),
        "import \"mymod\" as mm;\nlet kk = mm::K;\n",
    )
    .unwrap();
    let o = piped_in(&dir, ":load sub/loader.rhai\nkk + mm::K\n");
    assert_eq!(text(&o.stdout), "6\n", "{}", text(&o.stderr));
    assert!(o.status.success());
    let o = xmodal()
        .current_dir(&dir)
        .args(["run", "sub/loader.rhai"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o.stderr));
}

#[test]
fn repl_shows_objects_as_print_does_and_net_options_are_checked() {
    let o = piped(
        "let d = data::synthplaces(#{ categories: 2, per_category: 2, modalities: [\"nat\"], seed: 1 });\nnn::cross_modal(d, #{ fc6: 0 })\nnn::cross_modal(d, #{ dtype: \"i64\" })\nlet net = nn::cross_modal(d, #{ fc6: 8, fc7: 8 });\nnet.summary()\nlet h = train::fit(net, d, #{ iters: 1, batch: 1, quiet: true });\nh\ntensor::var(tensor::ones([2])).sum().backward()\n\"s\"\n",
    );
    let out = text(&o.stdout);
    let err = text(&o.stderr);
    assert!(
        err.contains(
            "nn::cross_modal: invalid value for 'fc6': a layer width must be at least 1, got 0"
        ),
        "{err}"
    );
    assert!(
        err.contains("nn::cross_modal: invalid value for 'dtype': 'i64' is not a floating-point dtype; valid: f32, f64, f16, bf16"),
        "{err}"
    );
    assert!(
        out.starts_with("CrossModalNet: 1 modalities, 2 classes"),
        "{out}"
    );
    assert!(
        out.contains("\n  shared.fc7.weight"),
        "the summary shows as text: {out}"
    );
    assert!(!out.contains("\\n"), "{out}");
    assert!(out.contains("\nHistory[1 steps logged; last: ce "), "{out}");
    assert!(out.contains("\nGrads[1 tensors]\n"), "{out}");
    assert!(out.ends_with("\n\"s\"\n"), "{out}");
}

#[test]
fn doc_signatures_use_script_type_names() {
    let o = xmodal().arg("doc").output().unwrap();
    let doc = text(&o.stdout);
    for rust in [
        "ScriptNet",
        "ScriptPrior",
        "ScriptInverter",
        "crate::",
        "rhai::FLOAT",
    ] {
        assert!(!doc.contains(rust), "{rust} in the docs");
    }
    assert!(
        doc.contains("cross_modal(data: Dataset) -> Net"),
        "cross_modal"
    );
    assert!(doc.contains("-> Comparison"), "compare");
    // Operators carry their doc comments.
    assert!(doc.contains("`/` is true division as in numpy"));
}
