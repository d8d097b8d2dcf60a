//! Layering checks over the workspace's sources: time comes from the clock port only, the
//! HTTP layer never names the SQL adapter, and no file-level import circle in `crm-ports`
//! and `crm-server` (a module naming its own children is the module tree, not a circle).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The library sources of the crates that serve requests or load data (not their tests).
fn library_sources() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut out = Vec::new();
    for krate in [
        "crm-domain",
        "crm-ports",
        "adapters/crm-crypto",
        "adapters/crm-store-sql",
        "adapters/crm-search-tantivy",
        "adapters/crm-files-disk",
        "crm-server",
        "seeds",
    ] {
        rust_files(&root.join(krate).join("src"), &mut out);
    }
    out.retain(|p| !p.ends_with("tests.rs"));
    out
}

/// The text of a file without its `#[cfg(test)]` module (from that line to the end, as
/// the project writes them last).
fn production_text(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    match text.find("#[cfg(test)]") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

#[test]
fn time_comes_from_the_clock_port_only() {
    let clock = workspace_root().join("crm-ports/src/env.rs");
    let offenders: Vec<String> = library_sources()
        .into_iter()
        .filter(|p| *p != clock)
        .filter(|p| production_text(p).contains("Utc::now()"))
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "Utc::now() outside the clock (crm-ports/src/env.rs): use the application's clock\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_http_layer_never_names_the_sql_adapter() {
    let mut files = Vec::new();
    rust_files(&workspace_root().join("crm-server/src/api"), &mut files);
    assert!(!files.is_empty());
    let offenders: Vec<String> = files
        .into_iter()
        .filter(|p| fs::read_to_string(p).unwrap_or_default().contains("crm_store_sql"))
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "crm-server/src/api names crm_store_sql:\n{}",
        offenders.join("\n")
    );
}

/// A file's module path inside its crate (`services/auth.rs` → `services::auth`).
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let mut parts: Vec<String> = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs").to_owned();
        if stem != "mod" && stem != "lib" && stem != "main" {
            parts.push(stem);
        }
    }
    parts
}

/// The paths a file names, as module paths: `crate::a::b`, `super::c` (resolved), with
/// `{…}` groups expanded one level.
fn named_paths(module: &[String], text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for (prefix, base) in [
        ("crate::", Vec::new()),
        ("super::", module[..module.len().saturating_sub(1)].to_vec()),
    ] {
        let mut rest = text;
        while let Some(i) = rest.find(prefix) {
            let before = rest[..i].chars().last();
            rest = &rest[i + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let mut heads: Vec<String> = Vec::new();
            if let Some(group) = rest.strip_prefix('{') {
                let end = group.find('}').unwrap_or(0);
                heads.extend(group[..end].split(',').map(|s| s.trim().to_owned()));
            } else {
                let end = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .unwrap_or(rest.len());
                heads.push(rest[..end].to_owned());
            }
            for h in heads {
                let mut path = base.clone();
                path.extend(
                    h.split("::")
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty() && s.chars().next().is_some_and(|c| c.is_ascii_lowercase())),
                );
                out.push(path);
            }
        }
    }
    out
}

/// Circles between the files of a crate's `src`, each as its files.
fn import_circles(krate: &str) -> Vec<Vec<String>> {
    let src = workspace_root().join(krate).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeMap<Vec<String>, String> = files
        .iter()
        .map(|f| (module_of(&src, f), f.strip_prefix(&src).unwrap_or(f).display().to_string()))
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let me = module_of(&src, f);
        let name = modules[&me].clone();
        for path in named_paths(&me, &production_text(f)) {
            // The longest module prefix of the path that is a file.
            let target = (1..=path.len()).rev().find_map(|n| modules.get(&path[..n]).map(|m| (n, m)));
            let Some((n, target)) = target else { continue };
            let target_mod = &path[..n];
            // Itself, or one of its own descendants: the module tree.
            if target_mod.starts_with(&me) {
                continue;
            }
            edges.entry(name.clone()).or_default().insert(target.clone());
        }
    }
    // Tarjan's strongly connected components.
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<String, usize>,
        low: BTreeMap<String, usize>,
        stack: Vec<String>,
        on_stack: BTreeSet<String>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    fn visit(s: &mut State<'_>, v: &str) {
        s.index.insert(v.to_owned(), s.next);
        s.low.insert(v.to_owned(), s.next);
        s.next += 1;
        s.stack.push(v.to_owned());
        s.on_stack.insert(v.to_owned());
        let targets: Vec<String> = s.edges.get(v).map(|t| t.iter().cloned().collect()).unwrap_or_default();
        for w in targets {
            if !s.index.contains_key(&w) {
                visit(s, &w);
                let lw = s.low[&w];
                let lv = s.low[v];
                s.low.insert(v.to_owned(), lv.min(lw));
            } else if s.on_stack.contains(&w) {
                let iw = s.index[&w];
                let lv = s.low[v];
                s.low.insert(v.to_owned(), lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut scc = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(&w);
                let done = w == v;
                scc.push(w);
                if done {
                    break;
                }
            }
            if scc.len() > 1 {
                scc.sort();
                s.out.push(scc);
            }
        }
    }
    let mut s = State {
        edges: &edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in modules.values() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

#[test]
fn no_file_level_import_circle_in_the_ports_and_the_server() {
    let mut found = Vec::new();
    for krate in ["crm-ports", "crm-server", "adapters/crm-store-sql"] {
        for circle in import_circles(krate) {
            found.push(format!("{krate}: {}", circle.join(" <-> ")));
        }
    }
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

#[test]
fn named_paths_are_read_as_module_paths() {
    let m = |s: &str| s.split("::").map(str::to_owned).collect::<Vec<_>>();
    let paths = named_paths(
        &m("services::auth"),
        "use crate::app::{App, require};\nuse super::names::x;\nlet a = crate::store::Store;",
    );
    // Module segments only (lower case), up to any braces: the module is what matters.
    assert_eq!(paths, [m("app"), m("store"), m("services::names::x")]);
}
