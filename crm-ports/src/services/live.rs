//! The live feed: the changes an actor may see, read from the event log after a cursor,
//! woken by commits (in this process directly, from others through the store's
//! notifications) and polling every few seconds so that nothing waits on a lost wake-up.
//! The credential it was opened with is checked again every half minute: a logout, a
//! revocation or an expiry ends it. The API's event stream and the web interface's live
//! updates both read it.

use crate::Credentials;
use crate::app::App;
use crate::env::{Clock, IdGenerator};
use crate::query::EventRecord;
use crate::store::{Committed, Store, Wakeups};
use crm_domain::Actor;
use std::collections::VecDeque;
use std::time::{Duration, Instant};
use tokio::sync::broadcast::Receiver;
use tokio::sync::broadcast::error::RecvError;

/// Longest wait between two looks at the log.
const POLL: Duration = Duration::from_secs(5);
/// How often the credential is checked again.
const RECHECK: Duration = Duration::from_secs(30);
/// Events read from the log at once.
const BATCH: u32 = 200;

/// An open feed; [`LiveFeed::next`] waits for the next change.
pub struct LiveFeed<S, K, C, I> {
    app: App<S, K, C, I>,
    actor: Actor,
    secret: Option<String>,
    checked_at: Instant,
    cursor: i64,
    wake: Receiver<Committed>,
    pending: VecDeque<EventRecord>,
}

impl<S: Store, K: Credentials, C: Clock + Clone, I: IdGenerator + Clone> LiveFeed<S, K, C, I> {
    /// A feed of what `actor` may see after the event `cursor`, ended when `secret` (the
    /// session or token it was opened with) stops authenticating.
    pub fn new(app: &App<S, K, C, I>, actor: Actor, secret: Option<String>, cursor: i64) -> Self {
        Self {
            wake: Wakeups::subscribe(&*app.store),
            app: app.clone(),
            actor,
            secret,
            checked_at: Instant::now(),
            cursor,
            pending: VecDeque::new(),
        }
    }

    /// The next change, waiting for it; `None` once the feed has ended.
    pub async fn next(&mut self) -> Option<EventRecord> {
        let tenant = self.actor.tenant_id()?;
        loop {
            if self.checked_at.elapsed() >= RECHECK {
                if let Some(secret) = &self.secret
                    && self.app.authenticate(secret).await.is_err()
                {
                    return None;
                }
                self.checked_at = Instant::now();
            }
            if let Some(e) = self.pending.pop_front() {
                return Some(e);
            }
            match self.app.visible_events_after(&self.actor, self.cursor, BATCH).await {
                Ok((events, cursor)) => {
                    let advanced = cursor != self.cursor;
                    self.cursor = cursor;
                    self.pending.extend(events);
                    if advanced {
                        continue;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "live feed ends");
                    return None;
                }
            }
            let wake = &mut self.wake;
            let _ = tokio::time::timeout(POLL, async {
                loop {
                    match wake.recv().await {
                        Ok(c) if c.tenant_id == tenant => break,
                        Ok(_) => {}
                        Err(RecvError::Lagged(_)) => break,
                        Err(RecvError::Closed) => std::future::pending::<()>().await,
                    }
                }
            })
            .await;
        }
    }
}
