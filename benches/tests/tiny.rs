//! Benches that cannot rot: `bench-all tiny` runs every benchmark program at toy sizes
//! (with PostgreSQL when `CRM_TEST_POSTGRES_URL` is set) and must finish with every
//! program's checks holding and one table written. No figure is judged here.

#![allow(clippy::unwrap_used)]

use std::process::Command;

const PROGRAMS: &[&str] = &[
    "store-bench",
    "http-bench",
    "sse-bench",
    "search-bench",
    "web-bench",
    "import-bench",
    "email-bench",
    "report-bench",
    "automation-bench",
];

#[test]
fn every_benchmark_runs_small_and_bench_all_writes_its_table() {
    let exe = std::path::PathBuf::from(env!("CARGO_BIN_EXE_bench-all"));
    // search-bench measures the served binary, built with the workspace (`cargo test
    // --workspace` builds it for crm-server's tests).
    let crm = exe.with_file_name("crm");
    assert!(
        crm.exists(),
        "{} is missing: run `cargo build -p crm-server --bin crm` (or the whole workspace's tests) first",
        crm.display()
    );
    let dir = tempfile::tempdir().unwrap();
    let doc = dir.path().join("performance.md");
    std::fs::write(&doc, "# Performance\n\nWritten by hand, kept.\n").unwrap();
    let mut cmd = Command::new(&exe);
    cmd.arg("tiny").env("CRM_BENCH_DOC", &doc).env_remove("CRM_BENCH_POSTGRES_URL");
    let postgres = std::env::var("CRM_TEST_POSTGRES_URL").ok();
    if let Some(url) = &postgres {
        cmd.env("CRM_BENCH_POSTGRES_URL", url);
    }
    let out = cmd.output().unwrap();
    let text = std::fs::read_to_string(&doc).unwrap();
    assert!(
        out.status.success(),
        "bench-all tiny failed: {}\n--- stderr (end) ---\n{}\n--- document ---\n{text}",
        out.status,
        tail(&String::from_utf8_lossy(&out.stderr), 60)
    );
    assert!(text.starts_with("# Performance\n\nWritten by hand, kept.\n"), "{text}");
    assert_eq!(text.matches("<!-- bench-all: begin").count(), 1, "{text}");
    assert!(!text.contains("**Failed**"), "{text}");
    for p in PROGRAMS {
        assert!(text.contains(&format!("### {p} ")), "no output of {p}:\n{text}");
        assert!(text.contains(&format!("\n| {p} | ")), "no figure of {p} in the table:\n{text}");
    }
    // Floors measured in the same run give ratios.
    assert!(text.contains("| http-bench | SQLite | GET /api/v1/contacts?limit=50 | "), "{text}");
    if postgres.is_some() {
        assert!(text.contains("| http-bench | PostgreSQL | "), "{text}");
    }

    // A second run replaces the generated part instead of adding one.
    let again = Command::new(&exe)
        .args(["tiny"])
        .env("CRM_BENCH_DOC", &doc)
        .env_remove("CRM_BENCH_POSTGRES_URL")
        .env("CRM_BENCH_ONLY_PROGRAMS", "store-bench")
        .output()
        .unwrap();
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let text = std::fs::read_to_string(&doc).unwrap();
    assert_eq!(text.matches("<!-- bench-all: begin").count(), 1, "{text}");
    assert!(text.contains("### store-bench ") && !text.contains("### http-bench "), "{text}");
}

fn tail(s: &str, lines: usize) -> String {
    let all: Vec<&str> = s.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
