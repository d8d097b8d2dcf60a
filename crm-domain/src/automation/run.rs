//! What a rule did: the states of a run, the outcome of each of its steps, and the ids a
//! run gives what it creates — derived from the run and the step, so a step done again
//! after a crash finds its own work instead of doing it twice.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// The trigger matched but the rule did not start (its reason says why: conditions not
    /// met, loop limit, no contact).
    Skipped,
    /// Its actions are being done.
    Running,
    /// Waiting for a delay to pass.
    Waiting,
    /// Every action done (or skipped with its reason).
    Done,
    /// An action failed for good (its reason says why).
    Failed,
    /// Stopped before the end (the contact replied, the rule was paused or deleted).
    Stopped,
}

impl RunState {
    /// Every state.
    pub const ALL: [Self; 6] = [Self::Skipped, Self::Running, Self::Waiting, Self::Done, Self::Failed, Self::Stopped];

    /// Stable name, as stored and shown.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Skipped => "skipped",
            Self::Running => "running",
            Self::Waiting => "waiting",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Stopped => "stopped",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// What one action of a run gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepOutcome {
    /// The action's place in the rule.
    pub index: u32,
    /// The action's type.
    pub action: String,
    /// `done`, `skipped` or `failed`.
    pub outcome: String,
    /// Why (a stable code: `no_change`, `suppressed`, `not_static`...), or what it made.
    pub detail: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// 64-bit FNV-1a.
fn fnv(seed: u64, parts: &[&[u8]]) -> u64 {
    let mut h = seed;
    for p in parts {
        for b in *p {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A UUIDv7 stamped `at` whose other bits are a hash of `parts`: the same parts give the
/// same id (a run's id from its rule and trigger, an action's record from its run and
/// step), so doing a step again meets its own earlier work.
pub fn derived_id(at: DateTime<Utc>, parts: &[&[u8]]) -> Uuid {
    let a = fnv(0xcbf2_9ce4_8422_2325, parts).to_be_bytes();
    let b = fnv(0x6c62_272e_07bb_0142, parts).to_be_bytes();
    let mut rest = [0u8; 10];
    rest[..8].copy_from_slice(&a);
    rest[8..].copy_from_slice(&b[..2]);
    let millis = u64::try_from(at.timestamp_millis()).unwrap_or(0);
    uuid::Builder::from_unix_timestamp_millis(millis, &rest).into_uuid()
}
