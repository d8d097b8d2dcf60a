//! What the Admin sees and asks of the readers of the log: each one's cursor and lag, the
//! parked events, and their replay.

use super::consumers::{Consumer, ConsumerStatus, PARKED_LIMIT};
use crate::app::{App, require, tenant_of};
use crate::env::Clock;
use crate::error::{ServiceError, StoreError};
use crate::query::EventRecord;
use crate::store::{Advance, ConsumerStore, EventLog, ParkedEvent};
use crm_domain::visibility::Capability;
use crm_domain::{Actor, TenantId};
use std::sync::Arc;

/// What the Admin sees and asks of the consumers: the log and the cursors.
impl<S: ConsumerStore + EventLog, K, C: Clock, I: crate::env::IdGenerator> App<S, K, C, I> {
    /// Each consumer's cursor, the tenant's last event, the lag and the parked count
    /// (Admin).
    ///
    /// # Errors
    /// `Forbidden` for other roles.
    pub async fn consumer_status(&self, actor: &Actor, consumers: &[Arc<dyn Consumer>]) -> Result<Vec<ConsumerStatus>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let latest = self.latest_event(actor).await?;
        let parked = self.store.parked_events(tenant, PARKED_LIMIT).await?;
        let mut out = Vec::with_capacity(consumers.len());
        for c in consumers {
            let cursor = c.position(tenant).await?;
            out.push(ConsumerStatus {
                name: c.name().to_owned(),
                cursor,
                latest,
                lag: (latest - cursor).max(0),
                parked: u32::try_from(parked.iter().filter(|p| p.consumer == c.name() && p.replayed_at.is_none()).count())
                    .unwrap_or(u32::MAX),
            });
        }
        Ok(out)
    }

    /// The tenant's parked events, newest first (Admin).
    ///
    /// # Errors
    /// `Forbidden` for other roles.
    pub async fn parked_events(&self, actor: &Actor) -> Result<Vec<ParkedEvent>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        Ok(self.store.parked_events(tenant, PARKED_LIMIT).await?)
    }

    /// Asks for a parked event to be applied again (Admin); the consumer does it on its
    /// next wake-up, which this call gives.
    ///
    /// # Errors
    /// `NotFound` when the consumer has no such parked event waiting; `Forbidden`.
    pub async fn replay_parked(&self, actor: &Actor, consumer: &str, seq: i64) -> Result<(), ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        match self.store.request_replay(tenant, consumer, seq, self.clock.now()).await {
            Err(StoreError::Conflict) => Err(ServiceError::NotFound),
            other => Ok(other?),
        }
    }

    /// Applies every event of the tenant's log after the consumer's cursor, a batch of
    /// `batch` at a time, until it reaches the end; how many events it read. For loading
    /// data dated in the past (under a [`FixedClock`](crate::FixedClock)) and for tests: a
    /// server runs [`App::run_consumer`], which retries and parks what fails; here the
    /// first failure is returned.
    ///
    /// # Errors
    /// The consumer's or the store's.
    pub async fn catch_up(&self, consumer: &dyn Consumer, tenant: TenantId, batch: u32) -> Result<u64, ServiceError> {
        let interest = consumer.interest();
        let mut read = 0;
        loop {
            let from = consumer.position(tenant).await?;
            let events = self.store.events_after(tenant, from, batch.max(1)).await?;
            let Some(to) = events.last().map(|e| e.seq) else {
                return Ok(read);
            };
            let wanted: Vec<EventRecord> = events.iter().filter(|e| interest.matches(e)).cloned().collect();
            match consumer.apply(tenant, &wanted, Advance::To { from, to }).await {
                Ok(()) => read += u64::try_from(events.len()).unwrap_or(0),
                // Another runner moved the cursor meanwhile: read where it is now.
                Err(ServiceError::Conflict) => {}
                Err(e) => return Err(e),
            }
        }
    }
}
