//! scripts/see_hear_read.rhai at preset tiny: both tables have their rows and columns, median
//! ranks lie in [1, candidates], accuracies in [0, 100], and the files are written.

use std::process::Command;

/// The numeric cells of the Markdown row starting with `| name |`.
fn row(table: &str, name: &str) -> Vec<f64> {
    let line = table
        .lines()
        .find(|l| l.starts_with(&format!("| {name} |")))
        .unwrap_or_else(|| panic!("no row for {name}:\n{table}"));
    line.split('|')
        .skip(2)
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| c.parse().unwrap_or_else(|_| panic!("cell '{c}' in {line}")))
        .collect()
}

#[test]
fn preset_tiny_prints_both_tables_with_valid_values() {
    let out = std::env::temp_dir().join(format!("xmodal-shr-tiny-{}", std::process::id()));
    let o = Command::new(env!("CARGO_BIN_EXE_xmodal"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("XMODAL_DEVICE")
        // The pre-trained teacher is cached in this test's own folder, never the user's.
        .env("XMODAL_CACHE", out.join("cache"))
        .args(["run", "scripts/see_hear_read.rhai", "--set", "preset=tiny"])
        .arg("--set")
        .arg(format!("out={}", out.display()))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout).to_string();
    assert!(
        o.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("Paired retrieval: median rank"), "{stdout}");
    assert!(stdout.contains("Zero-shot classifier transfer"), "{stdout}");
    assert!(
        stdout.contains("SND↔TXT through the image bridge"),
        "{stdout}"
    );

    // Preset tiny: 3 categories × 3 held-out pairs = 9 candidates, chance 9 / 2.
    let retrieval = std::fs::read_to_string(out.join("retrieval.md")).unwrap();
    let header = retrieval.lines().next().unwrap();
    for c in [
        "IMG→SND",
        "SND→IMG",
        "IMG→TXT",
        "TXT→IMG",
        "SND→TXT",
        "TXT→SND",
    ] {
        assert!(header.contains(c), "{header}");
    }
    assert_eq!(row(&retrieval, "Chance"), vec![4.5; 6]);
    let methods = ["Linear Reg.", "Model transfer", "Ranking", "Both"];
    for m in methods {
        let cells = row(&retrieval, m);
        assert_eq!(cells.len(), 6, "{m}: {cells:?}");
        // Median ranks are whole numbers between 1 and the 9 candidates.
        assert!(
            cells
                .iter()
                .all(|&v| (1.0..=9.0).contains(&v) && v.fract() == 0.0),
            "{m}: {cells:?}"
        );
    }

    let transfer = std::fs::read_to_string(out.join("transfer.md")).unwrap();
    assert!(transfer.lines().next().unwrap().contains("SND→TXT"));
    for m in ["Chance"].iter().chain(&methods) {
        let cells = row(&transfer, m);
        assert_eq!(
            cells.len(),
            9,
            "{m}: 3 train × 3 test modalities: {cells:?}"
        );
        assert!(
            cells.iter().all(|v| (0.0..=100.0).contains(v)),
            "{m}: {cells:?}"
        );
    }
    // Cross-modal chance is the majority class of 3 balanced ones.
    let chance = row(&transfer, "Chance");
    for i in [1, 2, 3, 5, 6, 7] {
        assert!((chance[i] - 100.0 / 3.0).abs() < 0.1, "{chance:?}");
    }
    let page = std::fs::read_to_string(out.join("RESULTS_shr.md")).unwrap();
    assert!(page.contains("at commit") && page.contains("## Findings"));
    let _ = std::fs::remove_dir_all(out);
}
