//! Searches over HTTP: a real `crm serve` on the data, its memory, and concurrent
//! clients.

use crate::dataset::BenchQuery;
use crate::support::BENCH_MASTER_KEY;
use std::error::Error;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) struct Server {
    pub(crate) child: std::process::Child,
    pub(crate) base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start_server(dir: &Path) -> Result<Server, Box<dyn Error>> {
    let exe = std::env::current_exe()?.with_file_name("crm");
    if !exe.exists() {
        return Err(format!("{} is missing: cargo build --release -p crm-server --bin crm", exe.display()).into());
    }
    let mut child = std::process::Command::new(exe)
        .args(["--data-dir", &dir.to_string_lossy(), "serve", "--listen", "127.0.0.1:0"])
        .env("CRM_MASTER_KEY", BENCH_MASTER_KEY)
        .env("CRM_REMINDER_INTERVAL_SECONDS", "0")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines.next().ok_or("the server stopped before listening")??;
        if let Some(rest) = line.split("http://").nth(1) {
            break format!("http://{}", rest.split_whitespace().next().unwrap_or_default());
        }
    };
    // Keep draining its output.
    std::thread::spawn(move || for _ in lines {});
    Ok(Server { child, base })
}

/// A process's memory, in MiB, from `/proc/PID/status`.
#[derive(Clone, Copy)]
pub(crate) struct Memory {
    /// Resident pages (`VmRSS`): its own memory and the file pages it has mapped.
    pub(crate) rss: f64,
    /// The highest `VmRSS` so far (`VmHWM`).
    pub(crate) peak: f64,
    /// Its own memory (`RssAnon`: heap, stacks).
    pub(crate) anon: f64,
    /// Mapped file pages (`RssFile`: the index's and SQLite's), counted once per mapping;
    /// the kernel can drop them.
    pub(crate) file: f64,
}

/// The memory of process `pid` (NaN for what could not be read).
pub(crate) fn memory(pid: u32) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(f64::NAN, |kib| kib / 1024.0)
    };
    Memory {
        rss: field("VmRSS:"),
        peak: field("VmHWM:"),
        anon: field("RssAnon:"),
        file: field("RssFile:"),
    }
}

/// CPU time of a process so far, in clock ticks (user and system).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command's name, which may hold spaces, in brackets.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Waits until the server is idle — under 5 % of a core for two seconds in a row — that is
/// until its readers of the log have caught up with what the load wrote (scores, lead
/// notices, automations...), at most `max`; how long it took, or `None` when it never
/// went quiet.
pub(crate) async fn quiet(pid: u32, max: Duration) -> Option<Duration> {
    // Linux counts CPU time in hundredths of a second (USER_HZ).
    const QUIET_TICKS: u64 = 5;
    let started = Instant::now();
    let mut calm = 0;
    let mut last = cpu_ticks(pid)?;
    while started.elapsed() < max {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = cpu_ticks(pid)?;
        calm = if now - last < QUIET_TICKS { calm + 1 } else { 0 };
        last = now;
        if calm >= 2 {
            return Some(started.elapsed());
        }
    }
    None
}

pub(crate) async fn via_http(base: &str, tokens: &[(usize, String)], qs: &[BenchQuery], clients: usize) -> Result<HttpRun, Box<dyn Error>> {
    let http = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let qs = Arc::new(qs.to_vec());
    let tokens = Arc::new(tokens.to_vec());
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, qs, tokens, base) = (http.clone(), Arc::clone(&qs), Arc::clone(&tokens), base.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut failures = 0;
            let mut hits = 0;
            for q in qs.iter().skip(c).step_by(clients) {
                let Some((_, token)) = tokens.iter().find(|(t, _)| *t == q.tenant) else {
                    continue;
                };
                let Ok(url) = reqwest::Url::parse_with_params(&format!("{base}/api/v1/search"), [("q", q.text.as_str())]) else {
                    failures += 1;
                    continue;
                };
                let started = Instant::now();
                let r = http.get(url).bearer_auth(token).send().await;
                match r {
                    Ok(r) if r.status().is_success() => {
                        let body = r.bytes().await;
                        lat.push(started.elapsed());
                        // Hits, to compare with the port's: a server answering from an
                        // empty or rebuilding index would look fast.
                        // Read as the hits' count only: a tree of every value was 40 % of
                        // this client's time, taken from the server's two cores.
                        let found = body
                            .ok()
                            .and_then(|b| serde_json::from_slice::<Answer>(&b).ok())
                            .map(|a| a.groups.iter().map(|g| g.hits.len()).sum::<usize>());
                        match found {
                            Some(n) => hits += n,
                            None => failures += 1,
                        }
                    }
                    _ => failures += 1,
                }
            }
            (lat, failures, hits)
        }));
    }
    let mut lat = Vec::new();
    let mut failures = 0;
    let mut hits = 0;
    for t in tasks {
        let (l, f, h) = t.await?;
        lat.extend(l);
        failures += f;
        hits += h;
    }
    lat.sort();
    Ok(HttpRun { lat, failures, hits })
}

/// A search's answer as far as the bench reads it: its groups' hits, counted (the JSON is
/// still checked whole).
#[derive(serde::Deserialize)]
struct Answer {
    groups: Vec<Group>,
}

#[derive(serde::Deserialize)]
struct Group {
    hits: Vec<serde::de::IgnoredAny>,
}

/// What a run of HTTP searches gave.
#[derive(Default)]
pub(crate) struct HttpRun {
    pub(crate) lat: Vec<Duration>,
    pub(crate) failures: usize,
    pub(crate) hits: usize,
}

/// `n` in letters (names are tokenized on digits).
fn letters(mut n: usize) -> String {
    let mut s = String::new();
    loop {
        s.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
        if n == 0 {
            return s;
        }
    }
}

/// Change to searchable: contacts created through the API at `rate` a second for
/// `seconds`; every tenth is a probe, searched every 20 ms from the moment its creation
/// was committed (the API's answer) until it is found. The probes' delays, sorted, and the
/// probes never found within 10 s.
pub(crate) async fn change_to_searchable(
    base: &str,
    token: &str,
    rate: u32,
    seconds: u64,
) -> Result<(Vec<Duration>, usize), Box<dyn Error>> {
    let client = crm_sdk::Client::new(base)?.with_token(token);
    let mut ticker = tokio::time::interval(Duration::from_secs(1) / rate);
    let mut tasks = Vec::new();
    // Unique in the run; the process id sets runs on the same data (`CRM_BENCH_DIR`) apart.
    let run = letters(std::process::id() as usize);
    for n in 0..(u64::from(rate) * seconds) as usize {
        ticker.tick().await;
        let client = client.clone();
        let last = format!("Sonde{run}x{}", letters(n));
        tasks.push(tokio::spawn(async move {
            let write = crm_sdk::models::ContactWrite {
                kind: "prospect".into(),
                first_name: "Latence".into(),
                last_name: last.clone(),
                ..crm_sdk::models::ContactWrite::default()
            };
            let created = client.create_contact(&write, true).await.ok()?;
            if n % 10 != 0 {
                return None;
            }
            let committed = Instant::now();
            let q = crm_sdk::models::SearchQuery {
                q: last.to_lowercase(),
                ..crm_sdk::models::SearchQuery::default()
            };
            while committed.elapsed() < Duration::from_secs(10) {
                if let Ok(r) = client.search(&q).await
                    && r.groups.iter().flat_map(|g| &g.hits).any(|h| h.id == created.id)
                {
                    return Some(Some(committed.elapsed()));
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Some(None)
        }));
    }
    let mut delays = Vec::new();
    let mut lost = 0;
    for t in tasks {
        match t.await? {
            Some(Some(d)) => delays.push(d),
            Some(None) => lost += 1,
            None => {}
        }
    }
    delays.sort();
    Ok((delays, lost))
}
