//! The real-time stream (`GET /api/v1/events`) as a Rust stream of typed events.

use crate::models::Event;
use crate::{Client, Error, Result};
use futures::{Stream, StreamExt};

/// One Server-Sent Event of the stream.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamEvent {
    /// The event's sequence number (send it back as `after` to resume).
    pub id: i64,
    /// `<entity_type>.<kind>`, e.g. `contact.updated`.
    pub name: String,
    /// The event.
    pub event: Event,
}

fn parse(block: &str) -> Option<StreamEvent> {
    let (mut id, mut name, mut data) = (None, String::new(), String::new());
    for line in block.lines() {
        if let Some(v) = line.strip_prefix("id:") {
            id = v.trim().parse().ok();
        } else if let Some(v) = line.strip_prefix("event:") {
            name = v.trim().to_owned();
        } else if let Some(v) = line.strip_prefix("data:") {
            data.push_str(v.trim());
        }
    }
    Some(StreamEvent {
        id: id?,
        name,
        event: serde_json::from_str(&data).ok()?,
    })
}

impl Client {
    /// The changes you may see, as they happen, after event `after` (or from now). The
    /// stream ends when the connection does; reconnect with the last `id` to miss nothing.
    ///
    /// # Errors
    /// `Api` when the server refuses to open the stream (e.g. `Unauthenticated`).
    pub async fn events(&self, after: Option<i64>) -> Result<impl Stream<Item = Result<StreamEvent>> + use<>> {
        let mut query = Vec::new();
        if let Some(a) = after {
            query.push(("after", a.to_string()));
        }
        let res = self
            .request(reqwest::Method::GET, self.url("/api/v1/events", &query)?, None)
            .send()
            .await?;
        let res = Self::check(res).await?;
        let body = res.bytes_stream();
        Ok(futures::stream::unfold((body, String::new()), |(mut body, mut buf)| async move {
            loop {
                if let Some(end) = buf.find("\n\n") {
                    let block: String = buf.drain(..end + 2).collect();
                    match parse(&block) {
                        Some(e) => return Some((Ok(e), (body, buf))),
                        None => continue,
                    }
                }
                match body.next().await {
                    Some(Ok(chunk)) => buf.push_str(&String::from_utf8_lossy(&chunk)),
                    Some(Err(e)) => return Some((Err(Error::Transport(e)), (body, buf))),
                    None => return None,
                }
            }
        }))
    }
}
