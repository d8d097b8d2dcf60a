//! The background runtime: readers of the event log ([`consumers`]) and durable jobs and
//! timers ([`jobs`]), with what they share: a shutdown signal and a retry policy.
//!
//! A consumer names itself and the event kinds it wants and applies batches; the runner
//! wakes it on commits, sweeps every tenant periodically, retries with backoff and parks
//! the event that keeps failing for one tenant (visible to its Admin, replayable), so one
//! bad event stops neither the other tenants nor the later events. A job is a row claimed
//! with a lease, resumed from its last committed step after a crash; a timer is a job with
//! a due time.

mod consumer_admin;
pub mod consumers;
pub mod jobs;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A boxed future, for the object-safe traits of the runtime.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Tells workers to stop: they finish the batch or step in hand, then return.
#[derive(Debug, Clone)]
pub struct Shutdown(tokio::sync::watch::Receiver<bool>);

/// The sending side of [`Shutdown`].
#[derive(Debug)]
pub struct ShutdownTrigger(tokio::sync::watch::Sender<bool>);

impl Shutdown {
    /// A new signal and its trigger.
    pub fn new() -> (ShutdownTrigger, Self) {
        let (tx, rx) = tokio::sync::watch::channel(false);
        (ShutdownTrigger(tx), Self(rx))
    }

    /// Whether a stop was asked.
    pub fn is_requested(&self) -> bool {
        *self.0.borrow()
    }

    /// Waits until a stop is asked (forever if the trigger is kept and never pulled; at
    /// once if it was dropped).
    pub async fn requested(&mut self) {
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}

impl ShutdownTrigger {
    /// Asks every worker holding a [`Shutdown`] of this trigger to stop.
    pub fn trigger(&self) {
        let _ = self.0.send(true);
    }
}

/// How failures are retried: attempts before giving up (parking an event, failing a
/// job), and exponential backoff between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before giving up (at least 1).
    pub attempts: u32,
    /// Wait after the first failure.
    pub first_backoff: Duration,
    /// Longest wait.
    pub max_backoff: Duration,
    /// Whether each wait is spread between half of it and all of it (so that the retries
    /// of many failures at once do not all come back together).
    pub jitter: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 5,
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
            jitter: false,
        }
    }
}

impl RetryPolicy {
    /// The wait after `failures` failures (1 = the first).
    pub fn backoff(&self, failures: u32) -> Duration {
        let doubled = self
            .first_backoff
            .saturating_mul(1u32.checked_shl(failures.saturating_sub(1).min(20)).unwrap_or(u32::MAX));
        doubled.min(self.max_backoff)
    }

    /// The wait after `failures` failures of the work `seed` names: [`Self::backoff`], or
    /// with jitter a share of it between half and all, the same for the same seed and
    /// failures (so that whoever records the next time computes the one the runner uses).
    pub fn wait(&self, failures: u32, seed: uuid::Uuid) -> Duration {
        let full = self.backoff(failures);
        if !self.jitter {
            return full;
        }
        // FNV-1a over the seed and the count: a stable spread, not a secret.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in seed.as_bytes().iter().chain(failures.to_le_bytes().iter()) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let share = 500 + h % 501;
        full.saturating_mul(u32::try_from(share).unwrap_or(1000)) / 1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy {
            attempts: 3,
            first_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            jitter: false,
        };
        let waits: Vec<u128> = (1..=6).map(|n| p.backoff(n).as_millis()).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1000, 1000]);
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(1));
        assert_eq!(p.wait(3, uuid::Uuid::nil()), Duration::from_millis(400));
    }

    #[test]
    fn jitter_spreads_each_wait_between_half_and_all_of_it() {
        let p = RetryPolicy {
            attempts: 3,
            first_backoff: Duration::from_secs(10),
            max_backoff: Duration::from_secs(3600),
            jitter: true,
        };
        let waits: Vec<Duration> = (0..200u128).map(|i| p.wait(2, uuid::Uuid::from_u128(i))).collect();
        assert!(
            waits.iter().all(|w| *w >= Duration::from_secs(10) && *w <= Duration::from_secs(20)),
            "{waits:?}"
        );
        let distinct: std::collections::HashSet<_> = waits.iter().collect();
        assert!(distinct.len() > 100, "spread: {}", distinct.len());
        // The same seed and count: the same wait.
        assert_eq!(p.wait(2, uuid::Uuid::from_u128(7)), p.wait(2, uuid::Uuid::from_u128(7)));
    }

    #[tokio::test]
    async fn shutdown_reaches_every_holder() {
        let (trigger, mut a) = Shutdown::new();
        let b = a.clone();
        assert!(!b.is_requested());
        trigger.trigger();
        a.requested().await;
        assert!(b.is_requested());
    }
}
