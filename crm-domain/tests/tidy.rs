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

/// Most lines a production source file may hold: a longer one is split along its seams.
const MAX_LINES: usize = 500;

/// Whether `path` is production code: not in a `tests/` directory (integration tests, the
/// `examples/` crate's included) and not a `tests.rs` file (unit tests moved out of their
/// module). `target/` is never walked.
fn is_production(path: &Path) -> bool {
    let rel = path.strip_prefix(workspace_root()).unwrap_or(path);
    let in_tests = rel.parent().is_some_and(|dir| dir.components().any(|c| c.as_os_str() == "tests"));
    !in_tests && rel.file_name().is_some_and(|n| n != "tests.rs")
}

#[test]
fn no_production_file_is_over_500_lines() {
    let mut files = Vec::new();
    rust_files(&workspace_root(), &mut files);
    files.retain(|f| is_production(f));
    assert!(files.len() > 10, "found only {} production files", files.len());
    let mut over: Vec<(usize, String)> = files
        .iter()
        .map(|f| {
            let lines = fs::read_to_string(f).unwrap_or_default().lines().count();
            let rel = f.strip_prefix(workspace_root()).unwrap_or(f);
            (lines, rel.display().to_string())
        })
        .filter(|(lines, _)| *lines > MAX_LINES)
        .collect();
    over.sort();
    let list: Vec<String> = over.iter().map(|(lines, f)| format!("{f}: {lines} lines")).collect();
    assert!(
        over.is_empty(),
        "production files over {MAX_LINES} lines (split them along their seams):\n{}",
        list.join("\n")
    );
}
