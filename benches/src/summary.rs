//! The benchmarks' headline figures for `bench-all`'s one table: when `CRM_BENCH_SUMMARY`
//! names a file, each program appends its figures there as JSON lines — what was measured,
//! on which backend, the value and, where the program measured one in the same run, the
//! floor it is judged against. Without the variable nothing is written.

#![allow(dead_code)] // each program uses its part

use serde::{Deserialize, Serialize};
use std::io::Write;

/// Whether more of the figure is better (a rate) or less (a time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Higher,
    Lower,
}

/// One headline figure.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Figure {
    pub bench: String,
    pub backend: String,
    pub workload: String,
    pub value: f64,
    pub unit: String,
    pub better: Better,
    /// The floor measured in the same run, by name, in the same unit.
    pub floor: Option<(String, f64)>,
    /// The aim, as words ("≥ 0.75 of the floor", "< 10 s").
    pub aim: Option<String>,
}

impl Figure {
    /// A figure without floor or aim.
    pub fn new(bench: &str, backend: &str, workload: &str, value: f64, unit: &str, better: Better) -> Self {
        Self {
            bench: bench.to_owned(),
            backend: backend.to_owned(),
            workload: workload.to_owned(),
            value,
            unit: unit.to_owned(),
            better,
            floor: None,
            aim: None,
        }
    }

    /// Judged against `floor` (same unit), measured in the same run.
    #[must_use]
    pub fn floor(mut self, name: &str, value: f64) -> Self {
        self.floor = Some((name.to_owned(), value));
        self
    }

    /// The aim this figure is read against.
    #[must_use]
    pub fn aim(mut self, aim: &str) -> Self {
        self.aim = Some(aim.to_owned());
        self
    }

    /// The share of the floor's speed reached: `value / floor` for a rate, `floor / value`
    /// for a time (1.0 is as fast as the floor).
    pub fn ratio(&self) -> Option<f64> {
        let (_, f) = self.floor.as_ref()?;
        let r = match self.better {
            Better::Higher => self.value / f,
            Better::Lower => f / self.value,
        };
        r.is_finite().then_some(r)
    }

    /// Appends the figure to `CRM_BENCH_SUMMARY` when it is set.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn record(&self) -> std::io::Result<()> {
        let Some(path) = std::env::var_os("CRM_BENCH_SUMMARY") else {
            return Ok(());
        };
        let mut line = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        line.push(b'\n');
        std::fs::OpenOptions::new().create(true).append(true).open(path)?.write_all(&line)
    }
}
