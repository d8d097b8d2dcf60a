//! The HTTP runs and their floor, the port at the same concurrency, in alternated rounds:
//! the machine is shared and its speed drifts from one minute to the next, so each
//! workload's queries are cut into rounds, and every round runs its queries through the
//! port (in this process, on a copy of the server's index) just before sending them to
//! the server. A ratio is HTTP's requests a second over the port's in the same rounds.

use crate::BenchApp;
use crate::dataset::{BenchQuery, Dataset};
use crate::http::{HttpRun, via_http};
use crate::port::via_port_concurrent;
use crm_search_tantivy::TantivyIndex;
use std::error::Error;
use std::path::Path;
use std::time::{Duration, Instant};

/// Rounds per workload.
pub(crate) const ROUNDS: usize = 5;

/// A workload through both paths, over the same rounds.
pub(crate) struct Alternated {
    /// The port's latencies (sorted) and hits.
    pub(crate) port: (Vec<Duration>, usize),
    /// HTTP's (latencies sorted).
    pub(crate) http: HttpRun,
    /// Requests a second: the port's, HTTP's.
    pub(crate) throughput: (f64, f64),
    /// The lowest and highest ratio of a round.
    pub(crate) spread: (f64, f64),
}

/// Copies the server's index (files only, as it is while the server is idle) into `to`
/// and opens the copy: the server holds its own index's write lock.
pub(crate) fn copy_index(from: &Path, to: &Path) -> Result<TantivyIndex, Box<dyn Error>> {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        // Lock files belong to the server's process.
        if entry.file_type()?.is_file() && !name.to_string_lossy().ends_with(".lock") {
            std::fs::copy(entry.path(), to.join(name))?;
        }
    }
    Ok(TantivyIndex::open(to)?)
}

/// The servers's side of a run.
pub(crate) struct Target<'a> {
    pub(crate) base: &'a str,
    pub(crate) tokens: &'a [(usize, String)],
}

/// Runs `qs` through the port then HTTP, round after round, with `clients` at once.
pub(crate) async fn alternated(
    app: &BenchApp,
    index: &TantivyIndex,
    data: &Dataset,
    server: &Target<'_>,
    qs: &[BenchQuery],
    clients: usize,
) -> Result<Alternated, Box<dyn Error>> {
    let mut port = (Vec::new(), 0);
    let mut http = HttpRun::default();
    let (mut port_wall, mut http_wall) = (Duration::ZERO, Duration::ZERO);
    let mut spread = (f64::INFINITY, 0.0_f64);
    for round in qs.chunks(qs.len().div_ceil(ROUNDS).max(1)) {
        let (lat, hits, wall) = via_port_concurrent(app, index, data, round, clients).await?;
        let port_rate = lat.len() as f64 / wall.as_secs_f64();
        port_wall += wall;
        port.0.extend(lat);
        port.1 += hits;
        let started = Instant::now();
        let run = via_http(server.base, server.tokens, round, clients).await?;
        let wall = started.elapsed();
        let ratio = run.lat.len() as f64 / wall.as_secs_f64() / port_rate;
        spread = (spread.0.min(ratio), spread.1.max(ratio));
        http_wall += wall;
        http.lat.extend(run.lat);
        http.failures += run.failures;
        http.hits += run.hits;
    }
    port.0.sort();
    http.lat.sort();
    let throughput = (
        port.0.len() as f64 / port_wall.as_secs_f64(),
        http.lat.len() as f64 / http_wall.as_secs_f64(),
    );
    Ok(Alternated {
        port,
        http,
        throughput,
        spread,
    })
}
