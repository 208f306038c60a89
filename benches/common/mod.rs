//! What the benchmarks share: the median, the peers' Python interpreter and running a peer.
//! Each bench uses part of it.
#![allow(dead_code)]

use std::process::Command;

/// Median of a sample (the upper one for an even count).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The interpreter for the Python peers: `XMODAL_PYTHON`, else the project's venv at
/// `/work/pyvenv`, else `python3`.
pub fn python() -> String {
    std::env::var("XMODAL_PYTHON").unwrap_or_else(|_| {
        if std::path::Path::new("/work/pyvenv/bin/python").exists() {
            "/work/pyvenv/bin/python".into()
        } else {
            "python3".into()
        }
    })
}

/// Run `benches/peers/<script>` and return its `key value` lines; the error is the last line
/// of its stderr (e.g. a missing module), for the "peer skipped" message.
pub fn peer(script: &str, args: &[&str]) -> Result<Vec<(String, f64)>, String> {
    let path = format!("{}/benches/peers/{script}", env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(python())
        .arg(&path)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.lines().last().unwrap_or("failed").to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            Some((it.next()?.to_string(), it.next()?.parse().ok()?))
        })
        .collect())
}
