//! The method recipes of stdlib/methods.rhai end to end on tiny data: the CMPlaces main job at
//! preset tiny (teacher + the eight methods + Tables 1–3), and the See-Hear-Read recipes on paired
//! image/sound/text data.

use std::process::Command;

/// The binary, with the teacher cache in a folder of this test process (never the user's).
fn xmodal() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_xmodal"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("XMODAL_DEVICE")
        .env(
            "XMODAL_CACHE",
            std::env::temp_dir().join(format!("xmodal-recipes-cache-{}", std::process::id())),
        );
    c
}

/// The standard output of a command that must succeed (its output and errors shown otherwise).
fn stdout_of_success(c: &mut Command) -> String {
    let o = c.output().unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    stdout
}

#[test]
fn the_pretrained_teacher_is_cached_reused_and_keyed_by_the_world() {
    let cache = std::env::temp_dir().join(format!("xmodal-teacher-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    let script = r#"
        import "xmodal/methods" as m;
        let o = #{ per_category: 4, val: 2, iters: 2, batch: 4, fc6: 16, fc7: 16, seed: 3 };
        let a = m::pretrained_teacher(2, o);
        let b = m::pretrained_teacher(2, o);
        assert(!a.cached && b.cached, "the second call loads the first's teacher");
        assert(a.val_accuracy == b.val_accuracy && a.path == b.path, "same report, same file");
        let d = data::synthplaces(#{ categories: 2, per_category: 2, modalities: ["nat"], seed: 1 });
        let fa = a.net.features(d, "fc7").x();
        let fb = b.net.features(d, "fc7").x();
        assert((fa - fb).abs().max().item() == 0.0, "the cached net is the trained one, bit for bit");
        let c = m::pretrained_teacher(2, o + #{ iters: 3 });
        assert(!c.cached && c.path != a.path, "another option, another teacher");
        let names = d.categories();
        let key = |w| m::teacher_key(names, #{ iters: 2 }, w);
        assert(a.path.contains(`_w${data::world_version()}_`), "the key names the world's version");
        assert(key.call(data::world_version()) != key.call(data::world_version() + 1), "a new world version invalidates the cache");
        print("ok");
    "#;
    let file = cache.with_extension("rhai");
    std::fs::write(&file, script).unwrap();
    let stdout = stdout_of_success(xmodal().env("XMODAL_CACHE", &cache).arg("run").arg(&file));
    assert!(stdout.contains("ok"), "{stdout}");
    assert!(
        cache.join("teachers").read_dir().unwrap().count() >= 4,
        "two nets with sidecars and reports"
    );
    let _ = std::fs::remove_dir_all(&cache);
    let _ = std::fs::remove_file(&file);
}

#[test]
fn the_main_job_at_preset_tiny_prints_three_tables_with_valid_map() {
    let out = std::env::temp_dir().join(format!("xmodal-cmplaces-{}", std::process::id()));
    let stdout = stdout_of_success(
        xmodal()
            .args([
                "run",
                "scripts/cmplaces.rhai",
                "--set",
                "preset=tiny",
                "--set",
            ])
            .arg(format!("out={}", out.display())),
    );
    for t in [
        "Table 1: cross-modal retrieval mAP",
        "Table 2: mean cross-modal mAP",
        "Table 3: within-modal mAP",
    ] {
        assert!(stdout.contains(t), "missing {t}:\n{stdout}");
    }
    let chance: f64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("chance: "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("chance line");
    let table1 = std::fs::read_to_string(out.join("table1.md")).unwrap();
    let methods = [
        "BL-Ind",
        "BL-ShFinal",
        "BL-ShAll",
        "A: Tune",
        "A: Tune (Free)",
        "B: StatReg (Gaussian)",
        "B: StatReg (GMM)",
        "C: Tune + StatReg (GMM)",
    ];
    for m in methods {
        let row = table1
            .lines()
            .find(|l| l.starts_with(&format!("| {m} |")))
            .unwrap_or_else(|| panic!("no row for {m}:\n{table1}"));
        let cells: Vec<f64> = row
            .split('|')
            .skip(2)
            .filter_map(|c| c.trim().parse().ok())
            .collect();
        assert_eq!(
            cells.len(),
            21,
            "20 query/target pairs and the mean for {m}: {row}"
        );
        assert!(cells.iter().all(|v| (0.0..=100.0).contains(v)), "{row}");
        // Six steps on 15 items per modality are a smoke test, not an experiment: whether a
        // method beats chance is what the quick preset's findings (docs/RESULTS.md) report.
        assert!(chance > 0.0 && chance < 100.0, "{chance}");
    }
    // The teacher's pre-training did learn: on the reported split's natural images it beats
    // chance (1/3), which every method's start depends on (runs are deterministic per device).
    let teacher: f64 = stdout
        .lines()
        .find_map(|l| l.split("on this split's NAT ").nth(1))
        .and_then(|l| l.split('%').next())
        .and_then(|v| v.parse().ok())
        .expect("teacher line");
    assert!(
        teacher > 100.0 / 3.0 + 10.0,
        "teacher {teacher}%:\n{stdout}"
    );
    for t in [
        "Classification accuracy (%)",
        "Units (section 5.2, measured)",
        "The paper's findings, checked",
    ] {
        assert!(stdout.contains(t), "missing {t}:\n{stdout}");
    }
    for f in [
        "table2.md",
        "table3.md",
        "accuracy.md",
        "units.md",
        "RESULTS.md",
        "C_Tune_and_StatReg_GMM_fc7.csv",
        "BL-Ind_fc7.json",
    ] {
        assert!(out.join(f).exists(), "{f} not written");
    }
    let _ = std::fs::remove_dir_all(out);
}

#[test]
fn see_hear_read_recipes_run_on_paired_data() {
    let script = r#"
        import "xmodal/methods" as m;
        let d = data::synthplaces(#{ categories: 3, per_category: 6, modalities: ["nat", "snd", "dsc"], paired: true, seed: 4 });
        let teacher = m::teacher(d, #{ iters: 4, batch: 4, fc6: 64, fc7: 64 });
        let opts = #{ teacher: teacher, iters: 3, batch: 4, fc6: 64, fc7: 64 };
        for net in [m::model_transfer(d, opts), m::ranking(d, opts), m::transfer_and_ranking(d, opts)] {
            let r = eval::ranks(net.features(d.only("nat"), "fc7").x(), net.features(d.only("snd"), "fc7").x());
            print(r);
        }
        print("ok");
    "#;
    let dir = std::env::temp_dir().join(format!("xmodal-shr-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("shr.rhai");
    std::fs::write(&f, script).unwrap();
    let stdout = stdout_of_success(xmodal().arg("run").arg(&f));
    assert!(stdout.ends_with("ok\n"), "{stdout}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn recipes_reject_unknown_options_listing_the_valid_ones() {
    let mut s = xmodal::script::session::Session::new(None);
    let _ = s.eval(
        r#"import "xmodal/methods" as m;
        let d = data::synthplaces(#{ categories: 2, per_category: 2, modalities: ["nat"], seed: 1 });"#,
    )
    .unwrap();
    let e = s
        .eval("m::teacher(d, #{ iters: 1, lrr: 5.0 })")
        .unwrap_err();
    assert!(
        e.contains("m::teacher: unknown option 'lrr'; valid options are: iters, batch, lr, seed, quiet, val, arch, fc6, fc7"),
        "{e}"
    );
    let e = s.eval("m::tune(d, #{ iter: 999999 })").unwrap_err();
    assert!(
        e.contains("m::tune: unknown option 'iter'; valid options are: teacher, iters,"),
        "{e}"
    );
    let e = s.eval("m::statreg_gmm(d, #{ lambda: 1.0 })").unwrap_err();
    assert!(
        e.contains("m::statreg_gmm: unknown option 'lambda'") && e.contains("lambdas"),
        "{e}"
    );
    let e = s
        .eval("check_options(#{ a: 1, b: 2 }, [\"a\"], \"f\")")
        .unwrap_err();
    assert!(
        e.contains("f: unknown option 'b'; valid options are: a"),
        "{e}"
    );
    assert!(s
        .eval("check_options(#{ a: 1 }, [\"a\", \"b\"], \"f\")")
        .is_ok());
}

#[test]
fn tune_recipes_prints_its_choice_from_its_grids() {
    let cache = std::env::temp_dir().join(format!("xmodal-tune-cache-{}", std::process::id()));
    let mut args = vec!["run".to_string(), "scripts/tune_recipes.rhai".into()];
    for kv in [
        "categories=3",
        "per_category=16",
        "val=3",
        "teacher_per=12",
        "teacher_iters=4",
        "teacher_lr=0.01",
        "prior_per=10",
        "iters=2",
        "batch=2",
        "k=2",
        "fc=16",
    ] {
        args.push("--set".into());
        args.push(kv.into());
    }
    let stdout = stdout_of_success(xmodal().env("XMODAL_CACHE", &cache).args(&args));
    let choice = stdout
        .lines()
        .find_map(|l| l.strip_prefix("choice: lr "))
        .unwrap_or_else(|| panic!("no choice line:\n{stdout}"));
    let lr: f64 = choice.split(',').next().unwrap().trim().parse().unwrap();
    let lambda: f64 = choice
        .split("lambda ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    assert!([0.001, 0.003, 0.01, 0.03].contains(&lr), "{choice}");
    assert!([0.01, 0.1, 1.0, 10.0].contains(&lambda), "{choice}");
    // Every grid point was tried and reported.
    assert_eq!(stdout.matches("  lr ").count(), 4, "{stdout}");
    assert_eq!(stdout.matches("  λ ").count(), 4, "{stdout}");
    let _ = std::fs::remove_dir_all(&cache);
}
