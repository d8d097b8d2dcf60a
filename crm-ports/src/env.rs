//! Clock and id-generator ports, with their production implementations.

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

/// The current time.
pub trait Clock: Send + Sync + 'static {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// New ids.
pub trait IdGenerator: Send + Sync + 'static {
    /// A fresh UUID (v7 in production, so ids sort by creation).
    fn new_uuid(&self) -> Uuid;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    /// Now, to the microsecond: the precision every store keeps.
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

/// A clock stopped at one instant: for data dated in the past (the demo) and tests.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.trunc_subsecs(6)
    }
}

/// UUIDv7 ids.
#[derive(Debug, Clone, Copy, Default)]
pub struct UuidV7;

impl IdGenerator for UuidV7 {
    fn new_uuid(&self) -> Uuid {
        Uuid::now_v7()
    }
}
