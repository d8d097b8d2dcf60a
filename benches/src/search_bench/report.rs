//! The benchmark's tables: latency percentiles per workload and path.

use std::time::Duration;

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

/// The 99th percentile in milliseconds.
pub(crate) fn p99(sorted: &[Duration]) -> f64 {
    pct(sorted, 0.99)
}

pub(crate) struct Row {
    pub(crate) workload: String,
    pub(crate) path: &'static str,
    pub(crate) latencies: Vec<Duration>,
    pub(crate) hits: usize,
}

pub(crate) fn print_table(rows: &[Row]) {
    println!("| workload | path | queries | hits/query | p50 ms | p95 ms | p99 ms | p50 ÷ port p50 |");
    println!("|---|---|---:|---:|---:|---:|---:|---:|");
    let port_p50 = |w: &str| {
        rows.iter()
            .find(|r| r.workload == w && r.path.starts_with("search port"))
            .map_or(f64::NAN, |r| pct(&r.latencies, 0.5))
    };
    for r in rows {
        let hits = format!("{:.1}", r.hits as f64 / r.latencies.len().max(1) as f64);
        println!(
            "| {} | {} | {} | {hits} | {:.2} | {:.2} | {:.2} | {:.1} |",
            r.workload,
            r.path,
            r.latencies.len(),
            pct(&r.latencies, 0.50),
            pct(&r.latencies, 0.95),
            pct(&r.latencies, 0.99),
            pct(&r.latencies, 0.5) / port_p50(&r.workload)
        );
    }
}
