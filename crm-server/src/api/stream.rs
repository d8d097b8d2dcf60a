//! `GET /api/v1/events`: the real-time stream (Server-Sent Events) of the changes the
//! caller may see, read from the event log. The event id is the tenant's sequence number;
//! a client that reconnects with `Last-Event-ID` gets exactly what it missed. Writers wake
//! the stream (in this process directly, from other processes through PostgreSQL
//! `NOTIFY`); it also polls every few seconds, so nothing waits on a lost wake-up (the
//! feed itself is `crm_ports::services::live`).

use super::ApiTags;
use super::dto::events::EventDto;
use super::problem::{ApiError, ApiResult};
use super::security::Auth;
use crate::assemble::CrmApp;
use crm_domain::ViolationKind;
use crm_ports::services::live::LiveFeed;
use futures::StreamExt;
use futures::stream::BoxStream;
use poem::web::sse::Event;
use poem_openapi::OpenApi;
use poem_openapi::param::{Header, Query};
use poem_openapi::payload::EventStream;
use poem_openapi::types::ToJSON;
use std::time::Duration;

/// Keep-alive comment interval.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

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
        let feed = LiveFeed::new(&self.app, actor, secret, cursor);
        let stream = futures::stream::unfold(feed, |mut f| async move { f.next().await.map(|e| (EventDto::from(&e), f)) }).boxed();
        Ok(EventStream::new(stream).keep_alive(KEEP_ALIVE).to_event(|e| {
            Event::message(e.to_json_string())
                .id(e.seq.to_string())
                .event_type(format!("{}.{}", e.entity_type, e.kind))
        }))
    }
}
