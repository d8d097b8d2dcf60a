//! The guides cannot drift from the application. Against what it really serves and says:
//! - every route a document names (`GET /api/v1/contacts?kind=…`, in `docs/`, the README
//!   and the codemap) is an operation of the running server's `/api/openapi.json` with that
//!   method, and each query parameter it names is one of the operation's;
//! - every `crm …` command a document shows is a command of the built `crm` binary (read
//!   from its own `--help`), and each `--flag` written with it is one of that command's;
//! - every label a guide or a scenario writes in **bold** is a French text of the interface
//!   (its translations, where every text it shows comes from): bold is kept for what the
//!   screen shows, `…` standing for a name or a number, as `{placeholder}` does in the
//!   translations (emphasis is in *italics*, values and messages in « »);
//! - the developer's guide runs: its `sh` blocks are run in order against a fresh server,
//!   and each result it announces (`# → value`) is checked.
//!
//! The role guides' steps are also replayed in Chromium on the demo (the scenarios of
//! `docs/scenarios/`, `tests/browser/scenarios.test.mjs`).

use crate::support::spawn_app;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every Markdown document a user or an integrator reads: `docs/` (but its pictures) and
/// the root's README and codemap.
fn documents() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "md") {
                out.push(p);
            }
        }
    }
    let mut paths = vec![root().join("README.md"), root().join("ARCHITECTURE.md")];
    walk(&root().join("docs"), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(root()).unwrap().display().to_string();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// A route as the documents write it: method, path, the query's parameter names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Mention {
    method: String,
    path: String,
    query: Vec<String>,
}

/// The routes a text names: `METHOD /path` where the path starts at the root.
fn routes_in(text: &str) -> Vec<(usize, Mention)> {
    let stop = |c: char| c.is_whitespace() || "`\"')[],;»*<".contains(c);
    let mut out = Vec::new();
    for m in METHODS {
        for (at, _) in text.match_indices(m) {
            if text[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric()) {
                continue;
            }
            // The method, then spaces or a line break (a sentence may wrap between them),
            // then the path.
            let after = &text[at + m.len()..];
            let rest = after.trim_start_matches([' ', '\n']);
            if rest.len() == after.len() || !rest.starts_with('/') {
                continue;
            }
            let end = rest.find(stop).unwrap_or(rest.len());
            let raw = rest[..end].trim_end_matches(['.', ':']);
            let (path, query) = raw.split_once('?').unwrap_or((raw, ""));
            let query = query
                .split('&')
                .filter(|q| !q.is_empty())
                .map(|q| q.split_once('=').map_or(q, |(k, _)| k).to_owned())
                .collect();
            out.push((
                at,
                Mention {
                    method: m.to_owned(),
                    path: normalize(path),
                    query,
                },
            ));
        }
    }
    out
}

/// Each parameter of a path (`{id}`, `…`, `:id`) written `{}`, no trailing slash.
fn normalize(path: &str) -> String {
    let segments: Vec<&str> = path
        .trim_end_matches('/')
        .split('/')
        .map(|s| {
            if s.starts_with('{') || s.starts_with(':') || s.contains('…') {
                "{}"
            } else {
                s
            }
        })
        .collect();
    segments.join("/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_the_documents_name_is_served() {
    let s = spawn_app().await;
    let doc: serde_json::Value = reqwest::get(format!("{}/api/openapi.json", s.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // (method, route) => its query parameters.
    let mut served: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let query = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect();
            served.insert((method.to_uppercase(), crm_sdk::normalize_path(path)), query);
        }
    }
    for op in crm_sdk::UNDOCUMENTED {
        served.insert((op.method.to_owned(), op.route()), BTreeSet::new());
    }
    let mut wrong = BTreeSet::new();
    let mut checked = 0;
    for (name, text) in documents() {
        for (at, m) in routes_in(&text) {
            if !m.path.starts_with("/api/") && !["/healthz", "/readyz"].contains(&m.path.as_str()) {
                continue;
            }
            checked += 1;
            match served.get(&(m.method.clone(), m.path.clone())) {
                None => {
                    wrong.insert(format!("{name}:{}: {} {} is not served", line_of(&text, at), m.method, m.path));
                }
                Some(params) => {
                    for q in m.query.iter().filter(|q| !params.contains(*q)) {
                        wrong.insert(format!(
                            "{name}:{}: {} {} has no query parameter `{q}` (it has {params:?})",
                            line_of(&text, at),
                            m.method,
                            m.path
                        ));
                    }
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "routes the documents name wrongly:\n{}",
        Vec::from_iter(wrong).join("\n")
    );
    assert!(checked > 250, "only {checked} routes found in the documents");
    s.stop().await;
}

/// The code of a text: its fenced blocks (a line ending in `\` joined to the next) and its
/// inline spans, each with where it starts.
fn code_in(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut fenced = false;
    let mut block = String::new();
    let mut block_at = 0;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with("```") {
            if fenced {
                out.push((block_at, std::mem::take(&mut block).replace("\\\n", " ")));
            } else {
                block_at = at;
            }
            fenced = !fenced;
        } else if fenced {
            block.push_str(line);
        } else {
            let mut parts = line.split('`');
            let mut offset = at;
            if let Some(first) = parts.next() {
                offset += first.len() + 1;
            }
            let mut inside = true;
            for p in parts {
                if inside {
                    out.push((offset, p.to_owned()));
                }
                offset += p.len() + 1;
                inside = !inside;
            }
        }
        at += line.len();
    }
    out
}

/// The `crm` binary's help of a command (`[]`: the program's own), cached.
struct Help(HashMap<Vec<String>, String>);

impl Help {
    fn of(&mut self, path: &[String]) -> &str {
        self.0.entry(path.to_vec()).or_insert_with(|| {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_crm"))
                .args(path)
                .arg("--help")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "crm {} --help: {}",
                path.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        })
    }

    /// The names of a command's subcommands (its help's `Commands:` section).
    fn subcommands(&mut self, path: &[String]) -> BTreeSet<String> {
        let help = self.of(path);
        let Some((_, list)) = help.split_once("Commands:") else {
            return BTreeSet::new();
        };
        list.lines()
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .filter_map(|l| l.split_whitespace().next())
            .filter(|w| *w != "help")
            .map(str::to_owned)
            .collect()
    }
}

#[test]
fn every_command_the_documents_show_is_the_binarys() {
    let mut help = Help(HashMap::new());
    let mut wrong = BTreeSet::new();
    let mut checked = 0;
    for (name, text) in documents() {
        for (at, code) in code_in(&text) {
            for line in code.lines() {
                let words: Vec<&str> = line.split_whitespace().collect();
                // The program itself (`crm`, `./target/release/crm`), not a database URL.
                let program = |w: &str| w == "crm" || (w.ends_with("/crm") && !w.contains("://") && !w.contains('='));
                for (i, _) in words.iter().enumerate().filter(|(_, w)| program(w)) {
                    // `cargo run --bin crm -- serve`: its arguments follow `--`.
                    let args = match words.get(i + 1) {
                        Some(&"--") => &words[i + 2..],
                        _ => &words[i + 1..],
                    };
                    let mut path: Vec<String> = Vec::new();
                    for w in args {
                        let subcommands = help.subcommands(&path);
                        if subcommands.contains(*w) {
                            path.push((*w).to_owned());
                        } else {
                            // A command with subcommands takes one: a word that is none of
                            // them is a mistake (`crm seed demoo`), not an argument.
                            // (`plan|run|resume`: each of them.)
                            let each = w.contains('|') && w.split('|').all(|x| subcommands.contains(x));
                            if !subcommands.is_empty() && !each && *w != "help" && w.starts_with(|c: char| c.is_ascii_lowercase()) {
                                wrong.insert(format!(
                                    "{name}:{}: `crm {}` has no command {w}",
                                    line_of(&text, at),
                                    path.join(" ")
                                ));
                            }
                            break;
                        }
                    }
                    checked += 1;
                    let own = help.of(&path).to_owned();
                    let flags = args
                        .iter()
                        .take_while(|w| !["|", "&&", ";", ">", "&"].contains(*w))
                        .filter(|w| w.starts_with("--"))
                        .map(|w| w.split('=').next().unwrap_or(w).trim_end_matches(['`', ',', ')']));
                    for f in flags.filter(|f| {
                        *f != "--help"
                            && !own.contains(&format!("{f} "))
                            && !own.contains(&format!("{f}\n"))
                            && !own.contains(&format!("{f}="))
                    }) {
                        wrong.insert(format!("{name}:{}: `crm {}` has no flag {f}", line_of(&text, at), path.join(" ")));
                    }
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "commands the documents show wrongly:\n{}",
        Vec::from_iter(wrong).join("\n")
    );
    assert!(checked > 60, "only {checked} commands found in the documents");
}

fn normalized(s: &str) -> String {
    let s = s.replace(['\u{202f}', '\u{a0}'], " ").replace('’', "'");
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    s.trim_end_matches([' ', ':', '.']).to_owned()
}

/// Whether `text` matches `pattern`, where each `*` of the pattern stands for any text.
fn glob(pattern: &[&str], text: &str) -> bool {
    match pattern {
        [] => text.is_empty(),
        [only] => text == *only,
        [first, middle @ .., last] => {
            let Some(mut rest) = text.strip_prefix(first) else { return false };
            for piece in middle {
                match rest.find(piece) {
                    Some(i) => rest = &rest[i + piece.len()..],
                    None => return false,
                }
            }
            rest.len() >= last.len() && rest.ends_with(last)
        }
    }
}

/// The interface's French texts, normalized.
fn interface_texts() -> BTreeSet<String> {
    fn walk(v: &toml::Value, out: &mut BTreeSet<String>) {
        match v {
            toml::Value::String(s) => {
                out.insert(normalized(s));
            }
            toml::Value::Table(t) => t.values().for_each(|v| walk(v, out)),
            toml::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = BTreeSet::new();
    for f in ["adapters/crm-web/i18n/fr.toml", "crm-server/i18n/fr.toml"] {
        let v: toml::Value = toml::from_str(&std::fs::read_to_string(root().join(f)).unwrap()).unwrap();
        walk(&v, &mut out);
    }
    out
}

/// Whether a guide's bold words are a text of the interface.
fn is_text(label: &str, texts: &BTreeSet<String>) -> bool {
    let label = normalized(label);
    if texts.contains(&label) {
        return true;
    }
    // `…` in the guide: a name or a number; `{placeholder}` in the translation: the same.
    let guide: Vec<&str> = label.split('…').collect();
    texts.iter().any(|t| {
        (guide.len() > 1 && label.chars().filter(|c| c.is_alphanumeric()).count() >= 3 && glob(&guide, t)) || {
            let pieces: Vec<String> = placeholders(t);
            pieces.len() > 1 && glob(&pieces.iter().map(String::as_str).collect::<Vec<_>>(), &label)
        }
    })
}

/// A translation cut at its `{placeholder}`s.
fn placeholders(t: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut inside = false;
    for c in t.chars() {
        match c {
            '{' => inside = true,
            '}' if inside => {
                inside = false;
                out.push(String::new());
            }
            c if !inside => out.last_mut().unwrap().push(c),
            _ => {}
        }
    }
    out
}

/// The text with its code (fenced blocks, inline spans) blanked, every byte where it was.
fn prose_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut fenced = false;
    for line in text.split_inclusive('\n') {
        let fence = line.trim_start().starts_with("```");
        let mut inline = false;
        for c in line.chars() {
            if c == '`' {
                inline = !inline;
            }
            if c == '\n' || !(fenced || fence || inline || c == '`') {
                out.push(c);
            } else {
                out.extend(std::iter::repeat_n(' ', c.len_utf8()));
            }
        }
        if fence {
            fenced = !fenced;
        }
    }
    out
}

/// Bold spans outside code, with where they start.
fn bold_in(text: &str) -> Vec<(usize, String)> {
    let prose = prose_of(text);
    let mut out = Vec::new();
    let mut rest = prose.as_str();
    let mut offset = 0;
    while let Some(start) = rest.find("**") {
        let after = &rest[start + 2..];
        let Some(len) = after.find("**") else { break };
        out.push((offset + start, after[..len].to_owned()));
        let consumed = start + 2 + len + 2;
        offset += consumed;
        rest = &rest[consumed..];
    }
    out
}

#[test]
fn every_label_the_guides_write_in_bold_is_a_text_of_the_interface() {
    let texts = interface_texts();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (name, text) in documents() {
        if !name.starts_with("docs/guide/") && !name.starts_with("docs/scenarios/") {
            continue;
        }
        for (at, label) in bold_in(&text) {
            checked += 1;
            if !is_text(&label, &texts) {
                wrong.push(format!("{name}:{}: **{label}**", line_of(&text, at)));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "bold words of the guides that the interface does not show (bold is for labels on screen; *italics* for emphasis, « » for values):\n{}",
        wrong.join("\n")
    );
    assert!(checked > 800, "only {checked} labels found in the guides");
}

#[test]
fn the_matching_rules_hold() {
    assert!(glob(&["a", "c"], "abc"));
    assert!(!glob(&["a", "c"], "ab"));
    assert!(glob(&["étape suivante : ", ""], "étape suivante : proposition"));
    let texts: BTreeSet<String> = ["Enregistrer", "{n} jour(s) avant la clôture prévue", "Étape suivante : {stage}"]
        .iter()
        .map(|t| normalized(t))
        .collect();
    assert!(is_text("enregistrer :", &texts));
    assert!(is_text("3 jour(s) avant la clôture prévue", &texts));
    assert!(is_text("Étape suivante : …", &texts));
    assert!(!is_text("Supprimer", &texts));
    assert!(!is_text("…", &texts));
    let r = routes_in("voir `GET /api/v1/contacts?kind=client&limit=5`, puis POST /api/v1/contacts/{id}/move.");
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].1.query, ["kind", "limit"]);
    assert_eq!(r[1].1.path, "/api/v1/contacts/{}/move");
    assert_eq!(
        bold_in("a **b** `**c**` **d**").iter().map(|(_, l)| l.as_str()).collect::<Vec<_>>(),
        ["b", "d"]
    );
}

/// The `sh` blocks of a guide as one script, in order: a command continued over several
/// lines (`\`, or a line ending in `|`) is read whole, and one ending in `# → value` is
/// made a check that its output is exactly that value.
fn walkthrough(name: &str, text: &str) -> (String, usize) {
    let mut script = String::new();
    let mut checks = 0;
    let mut in_sh = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        match (in_sh, line.trim()) {
            (false, "```sh") => in_sh = true,
            (true, "```") => in_sh = false,
            (true, _) => lines.push(line.to_owned()),
            _ => {}
        }
    }
    let mut i = 0;
    while i < lines.len() {
        let mut command = lines[i].clone();
        while i + 1 < lines.len() && (command.ends_with('\\') || command.trim_end().ends_with('|')) {
            i += 1;
            if let Some(head) = command.strip_suffix('\\') {
                command = format!("{} {}", head.trim_end(), lines[i].trim_start());
            } else {
                command = format!("{command}\n{}", lines[i]);
            }
        }
        i += 1;
        match command.rsplit_once("# → ") {
            Some((run, expected)) => {
                checks += 1;
                let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
                let expected = expected.trim();
                assert!(!expected.is_empty(), "{name}: check {checks} announces no value");
                script.push_str(&format!(
                    "got=$({}) || true\nif [ \"$got\" != {e} ]; then printf '%s, check %s: expected %s, got: %s\\n' {n} {checks} {e} \"$got\" >&2; exit 1; fi\n",
                    run.trim_end(),
                    e = quote(expected),
                    n = quote(name),
                ));
            }
            None => {
                script.push_str(&command);
                script.push('\n');
            }
        }
    }
    (script, checks)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_developers_guide_runs_as_written() {
    let s = spawn_app().await;
    let fx = crate::support::tenant(&s, "Guide").await;
    let name = "docs/guide/developpeur.md";
    let (script, checks) = walkthrough(name, &std::fs::read_to_string(root().join(name)).unwrap());
    assert!(checks >= 10, "only {checks} checks in the guide");
    let mut bash = std::process::Command::new("bash");
    bash.args(["-euo", "pipefail", "-c", &script])
        .env("CRM", &s.base)
        .env("CRM_EMAIL", &fx.emails[&crm_domain::user::Role::Admin])
        .env("CRM_PASSWORD", crate::support::PASSWORD);
    let out = tokio::task::spawn_blocking(move || bash.output()).await.unwrap().unwrap();
    assert!(
        out.status.success(),
        "the guide's commands failed:\n{}\n--- stdout:\n{}\n--- script:\n{script}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    // What it did is there: the contact once, the subscription gone.
    let admin = fx.client(crm_domain::user::Role::Admin);
    let page = admin.list_contacts(&Default::default()).await.unwrap();
    let written: Vec<_> = page.items.iter().filter(|c| c.last_name == "Martin-Guide").collect();
    assert_eq!(written.len(), 1);
    assert_eq!(written[0].job_title.as_deref(), Some("Directrice des achats"));
    assert!(admin.webhooks().await.unwrap().is_empty());
    s.stop().await;
}

#[test]
fn a_walkthrough_checks_what_it_says() {
    let text = "```sh\nA=1\necho $A |\n  tr 1 2   # → 2\ncurl x \\\n  -d y   # → it's\n```\n```text\nnot run\n```\n";
    let (script, checks) = walkthrough("g", text);
    assert_eq!(checks, 2);
    assert!(script.starts_with("A=1\ngot=$(echo $A |\n  tr 1 2) || true\n"), "{script}");
    assert!(
        script.contains("got=$(curl x -d y) || true\nif [ \"$got\" != 'it'\\''s' ]"),
        "{script}"
    );
    assert!(!script.contains("not run"));
    assert!(
        std::panic::catch_unwind(|| walkthrough("g", "```sh\necho   # → \n```\n")).is_err(),
        "an empty value is refused"
    );
}
