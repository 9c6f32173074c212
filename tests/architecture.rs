//! The planner stays pure: no async runtime, network, kube client, file system or clock in
//! `src/plan` (clippy's disallowed-methods bans the clock calls too; this catches imports).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests may panic: that is how they fail

use std::path::Path;

const FORBIDDEN: &[&str] = &[
    "tokio",
    "reqwest",
    "axum",
    "hyper",
    "kube::Client",
    "kube::Api",
    "kube::runtime",
    "std::fs",
    "std::net",
    "std::thread",
    "Timestamp::now",
    "SystemTime",
    "Instant",
    "crate::sim",
    "crate::cli",
    "rand::",
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn plan_has_no_io_and_reads_no_clock() {
    let mut files = Vec::new();
    rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/plan"), &mut files);
    assert!(files.len() >= 5, "src/plan found: {files:?}");
    let mut hits = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for word in FORBIDDEN {
                if code.contains(word) {
                    hits.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(hits.is_empty(), "the planner must stay pure:\n{}", hits.join("\n"));
}
