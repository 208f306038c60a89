//! Records the git commit the binary is built from (for `sys::info()` and results pages).
//!
//! Cargo reruns this when `.git/HEAD`, the branch file it names (`.git/refs/heads/<branch>`) or
//! `.git/packed-refs` changes: a commit updates the branch file, not the `refs` folder itself.
fn main() {
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/packed-refs");
    if let Ok(head) = std::fs::read_to_string(".git/HEAD") {
        if let Some(branch) = head.trim().strip_prefix("ref: ") {
            println!("cargo:rerun-if-changed=.git/{branch}");
        }
    }
    if let Ok(o) = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
    {
        if o.status.success() {
            let c = String::from_utf8_lossy(&o.stdout).trim().to_string();
            println!("cargo:rustc-env=XMODAL_COMMIT={c}");
        }
    }
}
