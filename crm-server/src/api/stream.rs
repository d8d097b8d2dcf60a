//! `GET /api/v1/events`: the real-time stream (Server-Sent Events) of the changes the
//! caller may see, read from the event log. The event id is the tenant's sequence number;
//! a client that reconnects with `Last-Event-ID` gets exactly what it missed. Writers wake
//! the stream (in this process directly, from other processes through PostgreSQL
//! `NOTIFY`); it also polls every few seconds, so nothing waits on a lost wake-up.

use super::ApiTags;
use super::dto::events::EventDto;
use super::problem::{ApiError, ApiResult};
use super::security::Auth;
use crate::assemble::CrmApp;
use crm_domain::{Actor, ViolationKind};
use futures::StreamExt;
use futures::stream::BoxStream;
use poem::web::sse::Event;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Query};
use poem_openapi::payload::EventStream;
use poem_openapi::types::ToJSON;
use std::collections::VecDeque;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

/// Longest wait between two looks at the log.
const POLL: Duration = Duration::from_secs(5);
/// How often the stream's credential is checked again.
const RECHECK: Duration = Duration::from_secs(30);
/// Keep-alive comment interval.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

struct State {
    app: CrmApp,
    actor: Actor,
    /// The credential the stream was opened with, checked again every [`RECHECK`]: a
    /// logout, revocation or expiry ends the stream.
    secret: Option<String>,
    checked_at: std::time::Instant,
    cursor: i64,
    wake: tokio::sync::broadcast::Receiver<crm_ports::store::Committed>,
    pending: VecDeque<EventDto>,
}

async fn next(mut s: State) -> Option<(EventDto, State)> {
    let tenant = s.actor.tenant_id()?;
    loop {
        if s.checked_at.elapsed() >= RECHECK {
            if let Some(secret) = &s.secret
                && s.app.authenticate(secret).await.is_err()
            {
                return None;
            }
            s.checked_at = std::time::Instant::now();
        }
        if let Some(e) = s.pending.pop_front() {
            return Some((e, s));
        }
        match s.app.visible_events_after(&s.actor, s.cursor, 200).await {
            Ok((events, cursor)) => {
                let advanced = cursor != s.cursor;
                s.cursor = cursor;
                s.pending.extend(events.iter().map(EventDto::from));
                if advanced {
                    continue;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "event stream ends");
                return None;
            }
        }
        let _ = tokio::time::timeout(POLL, async {
            loop {
                match s.wake.recv().await {
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

pub struct StreamApi {
    pub app: CrmApp,
}

#[OpenApi(tag = "ApiTags::Realtime")]
impl StreamApi {
    /// Server-Sent Events of the changes you may see. Each event's `id` is its sequence
    /// number and its `event` is `<entity_type>.<kind>` (e.g. `contact.updated`); send
    /// `Last-Event-ID` (or `after`) to resume. Without either, the stream starts now.
    #[oai(path = "/api/v1/events", method = "get", operation_id = "event_stream")]
    async fn events(
        &self,
        req: &poem::Request,
        auth: Auth,
        #[oai(name = "Last-Event-ID")] last_event_id: Header<Option<String>>,
        /// Resume after this sequence number (for clients that cannot send headers).
        after: Query<Option<i64>>,
    ) -> ApiResult<EventStream<BoxStream<'static, EventDto>>> {
        let actor = auth.actor();
        let cursor = match (last_event_id.0.as_deref(), after.0) {
            (Some(h), _) => h
                .trim()
                .parse::<i64>()
                .map_err(|_| ApiError::field("Last-Event-ID", ViolationKind::Malformed))?
                .max(0),
            (None, Some(a)) => a.max(0),
            (None, None) => self.app.latest_event(&actor).await?,
        };
        let secret = super::security::presented_secret(req);
        let state = State {
            app: self.app.clone(),
            actor,
            secret,
            checked_at: std::time::Instant::now(),
            cursor,
            wake: crm_ports::store::Wakeups::subscribe(self.app.store()),
            pending: VecDeque::new(),
        };
        let stream = futures::stream::unfold(state, next).boxed();
        Ok(EventStream::new(stream).keep_alive(KEEP_ALIVE).to_event(|e| {
            Event::message(e.to_json_string())
                .id(e.seq.to_string())
                .event_type(format!("{}.{}", e.entity_type, e.kind))
        }))
    }
}
