//! The planner stays pure. The compiler does most of it: `api` and `plan` are the `ramp-core`
//! crate, whose dependencies are plain-data crates, so it cannot name tokio, a kube client or
//! the hollow cluster. These tests keep that list from growing unnoticed, and catch what a
//! dependency list cannot forbid (`std`'s file system, network, threads and clocks).

use std::path::Path;

const CORE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/crates/core");

/// The only crates `ramp-core` may depend on: types, (de)serialisation, time arithmetic.
const ALLOWED_DEPENDENCIES: &[&str] = &[
    "kube-core",
    "kube-derive",
    "k8s-openapi",
    "schemars",
    "serde",
    "serde_json",
    "serde-saphyr",
    "thiserror",
    "humantime",
    "jiff",
];

const FORBIDDEN_IN_PLAN: &[&str] = &[
    "std::fs",
    "std::net",
    "std::thread",
    "std::process",
    "std::env",
    "Timestamp::now",
    "SystemTime",
    "Instant",
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

/// The dependency names of one `[section]` of a Cargo.toml (lines `name = ...`).
fn section_keys(manifest: &str, section: &str) -> Vec<String> {
    let mut inside = false;
    let mut keys = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == format!("[{section}]");
            continue;
        }
        if inside && let Some((key, _)) = line.split_once('=') {
            let key = key.trim();
            if !key.is_empty() && !key.starts_with('#') {
                keys.push(key.to_string());
            }
        }
    }
    keys
}

#[test]
fn the_core_crate_depends_only_on_plain_data_crates() {
    let manifest = std::fs::read_to_string(Path::new(CORE).join("Cargo.toml")).unwrap();
    let deps = section_keys(&manifest, "dependencies");
    assert!(deps.contains(&"kube-core".to_string()), "read the dependencies: {deps:?}");
    let extra: Vec<&String> = deps.iter().filter(|d| !ALLOWED_DEPENDENCIES.contains(&d.as_str())).collect();
    assert!(extra.is_empty(), "ramp-core must stay free of I/O crates; new dependencies: {extra:?}");
    for section in ["build-dependencies", "target"] {
        assert!(!manifest.contains(&format!("[{section}")), "ramp-core has a [{section}] section");
    }
}

#[test]
fn plan_uses_no_file_system_network_thread_or_clock() {
    let mut files = Vec::new();
    rust_files(&Path::new(CORE).join("src/plan"), &mut files);
    assert!(files.len() >= 5, "crates/core/src/plan found: {files:?}");
    let mut hits = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for word in FORBIDDEN_IN_PLAN {
                if code.contains(word) {
                    hits.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
                }
            }
        }
    }
    assert!(hits.is_empty(), "the planner must stay pure:\n{}", hits.join("\n"));
}
