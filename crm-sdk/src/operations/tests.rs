//! The table against the sources: every path literal or format string the client
//! sends, with the HTTP method of its function, must be an entry naming that function,
//! and every entry must be sent by each function it names. Every `.rs` file of `src/`
//! is read (a new routes file cannot be missed), but the table and these tests.

use super::{OPERATIONS, Operation, UNDOCUMENTED, normalize_path};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What one function of the sources sends.
#[derive(Debug, Default)]
struct Function {
    /// File, for messages.
    file: String,
    /// The `Method::X` it names.
    methods: BTreeSet<String>,
    /// The paths it sends, normalised.
    paths: BTreeSet<String>,
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.map(|e| e.path()).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") && !p.ends_with("operations.rs") && !p.ends_with("operations/tests.rs") {
            out.push(p);
        }
    }
}

/// The string literals of some code (escapes kept as written: paths have none).
fn literals(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = code.chars().peekable();
    let (mut current, mut in_string, mut escaped) = (String::new(), false, false);
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                _ if escaped => {
                    escaped = false;
                    current.push(c);
                }
                '\\' => escaped = true,
                '"' => {
                    in_string = false;
                    out.push(std::mem::take(&mut current));
                }
                _ => current.push(c),
            }
        } else if c == '\'' && chars.peek() == Some(&'"') {
            // The character literal '"'.
            chars.next();
        } else if c == '"' {
            in_string = true;
        }
    }
    out
}

/// The `X` of each `Method::X` (upper case: `Method::from_bytes` is no method).
fn methods(code: &str) -> BTreeSet<String> {
    code.match_indices("Method::")
        .map(|(i, m)| code[i + m.len()..].chars().take_while(char::is_ascii_uppercase).collect::<String>())
        .filter(|m| !m.is_empty())
        .collect()
}

/// Every function of the sources by name (the code before a file's first function
/// under `<file>`), comment lines left out.
fn functions() -> BTreeMap<String, Function> {
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    assert!(
        files.iter().any(|f| f.ends_with("routes/records.rs")),
        "sources not found: {files:?}"
    );
    let mut out = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .map(|l| format!("{l}\n"))
            .collect();
        let name = file.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(&file).display().to_string();
        let mut starts = vec![(0, format!("<{name}>"))];
        for (i, _) in code.match_indices("fn ") {
            if i == 0 || code[..i].ends_with(char::is_whitespace) {
                let f: String = code[i + 3..].chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !f.is_empty() {
                    starts.push((i, f));
                }
            }
        }
        for (k, (start, f)) in starts.iter().enumerate() {
            let end = starts.get(k + 1).map_or(code.len(), |s| s.0);
            let body = &code[*start..end];
            let entry: &mut Function = out.entry(f.clone()).or_default();
            entry.file.clone_from(&name);
            entry.methods.extend(methods(body));
            entry.paths.extend(
                literals(body)
                    .into_iter()
                    .filter(|l| l.starts_with('/'))
                    .map(|l| normalize_path(l.split('?').next().unwrap_or_default())),
            );
        }
    }
    out
}

fn all() -> impl Iterator<Item = &'static Operation> {
    OPERATIONS.iter().chain(UNDOCUMENTED)
}

#[test]
fn the_table_is_what_the_sources_send() {
    let functions = functions();
    let mut faults = Vec::new();
    // What the sources send is in the table, under the function sending it.
    for (name, f) in &functions {
        if f.paths.is_empty() {
            continue;
        }
        if name.starts_with('<') {
            faults.push(format!("{}: paths outside any function: {:?}", f.file, f.paths));
            continue;
        }
        let [method] = f.methods.iter().collect::<Vec<_>>()[..] else {
            faults.push(format!(
                "{name} ({}) sends {:?} with methods {:?}: one `Method::X` per function that sends a path",
                f.file, f.paths, f.methods
            ));
            continue;
        };
        for path in &f.paths {
            match all().find(|o| o.method == method.as_str() && o.route() == *path) {
                None => faults.push(format!(
                    "{name} ({}) sends {method} {path}, but neither OPERATIONS nor UNDOCUMENTED lists it",
                    f.file
                )),
                Some(o) if !o.sdk.contains(&name.as_str()) => {
                    faults.push(format!("{name} sends {method} {path} ({}) but is not in its `sdk` list", o.id));
                }
                Some(_) => {}
            }
        }
    }
    // Every entry is sent by each function it names.
    for o in all() {
        if o.sdk.is_empty() {
            faults.push(format!("{} ({} {}) names no method of the client", o.id, o.method, o.path));
        }
        for name in o.sdk {
            let sends = functions
                .get(*name)
                .is_some_and(|f| f.methods.contains(o.method) && f.paths.contains(&o.route()));
            if !sends {
                faults.push(format!("{} ({} {}): `{name}` does not send it", o.id, o.method, o.path));
            }
        }
    }
    assert!(
        faults.is_empty(),
        "the SDK and its OPERATIONS table disagree:\n  {}",
        faults.join("\n  ")
    );
}

#[test]
fn the_table_names_each_route_once() {
    let mut ids = BTreeSet::new();
    let mut routes = BTreeSet::new();
    for o in all() {
        assert!(ids.insert(o.id), "operation {} listed twice", o.id);
        assert!(routes.insert((o.method, o.route())), "{} {} listed twice", o.method, o.path);
        assert!(
            matches!(o.method, "GET" | "POST" | "PUT" | "PATCH" | "DELETE"),
            "{}: method {}",
            o.id,
            o.method
        );
    }
    for o in OPERATIONS {
        assert!(o.path.starts_with("/api/v1/"), "{}: {} is not under /api/v1", o.id, o.path);
    }
}

#[test]
fn the_reader_of_the_sources_reads_them() {
    let code = "fn a() { self.send::<(), _>(Method::GET, &format!(\"/api/v1/x/{id}/{}?q=1\", y), '\"') }";
    assert_eq!(methods(code), BTreeSet::from(["GET".to_owned()]));
    assert_eq!(literals(code), ["/api/v1/x/{id}/{}?q=1"]);
    assert_eq!(normalize_path("/api/v1/x/{id}/{}"), "/api/v1/x/{}/{}");
    assert_eq!(normalize_path("/a/{consumer}/{seq}/replay"), "/a/{}/{}/replay");
}
