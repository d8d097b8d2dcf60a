//! Tidy checks: `crm-domain` stays pure, and every source file of the workspace says what
//! it holds in a `//!` first line.

use std::fs;
use std::path::{Path, PathBuf};

const FORBIDDEN: &[&str] = &[
    "tokio",
    "async-std",
    "smol",
    "sqlx",
    "sea-query",
    "rusqlite",
    "postgres",
    "diesel",
    "poem",
    "poem-openapi",
    "axum",
    "actix-web",
    "hyper",
    "reqwest",
    "tantivy",
    "lettre",
    "mio",
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn domain_depends_on_no_runtime_database_http_or_search_crate() {
    let manifest = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap_or_default();
    assert!(!manifest.is_empty(), "crm-domain/Cargo.toml unreadable");
    let mut in_deps = false;
    for line in manifest.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            in_deps = t.contains("dependencies") && !t.contains("dev-dependencies");
            continue;
        }
        if !in_deps || t.is_empty() || t.starts_with('#') {
            continue;
        }
        let name = t.split(['=', '.', ' ']).next().unwrap_or("").trim();
        assert!(!FORBIDDEN.contains(&name), "crm-domain must not depend on `{name}` (it does no IO)");
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        if p.is_dir() {
            if name != "target" && !name.starts_with('.') && name != "node_modules" {
                rust_files(&p, out);
            }
        } else if name.ends_with(".rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_source_file_starts_with_a_module_doc_line() {
    let mut files = Vec::new();
    rust_files(&workspace_root(), &mut files);
    assert!(files.len() > 10, "found only {} files", files.len());
    let missing: Vec<_> = files
        .iter()
        .filter(|f| {
            let text = fs::read_to_string(f).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .collect();
    assert!(missing.is_empty(), "files without a `//!` first line: {missing:?}");
}
