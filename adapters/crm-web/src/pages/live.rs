//! `GET /live`: the page's live updates, a Server-Sent Events stream of the changes the
//! reader may see (the same feed as the API's event stream). Each event is unnamed and
//! carries `<entity_type>:<id> <user id of who changed it, or ->`: the page's script
//! refreshes the parts that show that record or its kind, never one the reader is typing
//! in, and skips the echo of a change this very page just made.

use crate::Web;
use crate::session::{SESSION_COOKIE, cookie, current};
use crm_ports::services::live::LiveFeed;
use crm_ports::store::Store;
use crm_ports::{Clock, Credentials, IdGenerator};
use futures::StreamExt;
use poem::http::StatusCode;
use poem::web::sse::{Event, SSE};
use poem::{IntoResponse, Request, Response};
use std::time::Duration;

/// Keep-alive comment interval.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// `GET /live` (`Last-Event-ID` resumes after a reconnection).
pub(crate) async fn live<S, K, C, I, X>(web: &Web<S, K, C, I, X>, req: Request) -> Response
where
    S: Store,
    K: Credentials,
    C: Clock + Clone,
    I: IdGenerator + Clone,
{
    let Some(auth) = current(&web.app, &req).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let resumed = req.header("last-event-id").and_then(|h| h.trim().parse::<i64>().ok());
    let cursor = match resumed {
        Some(c) => c.max(0),
        None => match web.app.latest_event(&auth.actor).await {
            Ok(c) => c,
            Err(_) => return StatusCode::FORBIDDEN.into_response(),
        },
    };
    let secret = cookie(&req, SESSION_COOKIE).map(str::to_owned);
    let feed = LiveFeed::new(&web.app, auth.actor, secret, cursor);
    let stream = futures::stream::unfold(feed, |mut f| async move { f.next().await.map(|e| (e, f)) }).map(|e| {
        let by = e.actor_id.map_or_else(|| "-".to_owned(), |u| u.to_string());
        Event::message(format!("{}:{} {by}", e.entity_type.code(), e.entity_id)).id(e.seq.to_string())
    });
    SSE::new(stream).keep_alive(KEEP_ALIVE).into_response()
}
