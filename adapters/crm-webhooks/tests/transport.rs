//! The transport against real sockets on loopback: a receiver that checks the signature,
//! one that redirects, one that never answers, a closed port, and loopback refused when
//! the server does not allow private addresses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crm_ports::webhook::{TransportError, WebhookRequest, WebhookTransport};
use crm_webhooks::{EVENT_ID_HEADER, HttpTransport, SIGNATURE_HEADER, verify};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// A receiver answering `answer` to every request, handing each request (head, body) over.
async fn receiver(answer: &'static str) -> (String, mpsc::UnboundedReceiver<(String, Vec<u8>)>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/crm?src=test", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else { return };
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let (head, body_start) = loop {
                    let n = s.read(&mut chunk).await.unwrap();
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        break (String::from_utf8_lossy(&buf[..i]).into_owned(), i + 4);
                    }
                };
                let len: usize = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                while buf.len() < body_start + len {
                    let n = s.read(&mut chunk).await.unwrap();
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                tx.send((head, buf[body_start..].to_vec())).unwrap();
                if !answer.is_empty() {
                    s.write_all(answer.as_bytes()).await.unwrap();
                    s.shutdown().await.ok();
                } else {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
            });
        }
    });
    (url, rx)
}

fn request(url: &str) -> WebhookRequest {
    WebhookRequest {
        url: url.to_owned(),
        secret: "whsec_test".into(),
        event_id: "evt_abc_7".into(),
        event_type: "contact.created".into(),
        timestamp: 1_780_000_000,
        body: br#"{"id":"evt_abc_7","type":"contact.created"}"#.to_vec(),
    }
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

#[tokio::test]
async fn a_delivery_arrives_signed_and_its_status_comes_back() {
    let (url, mut got) = receiver("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n").await;
    let t = HttpTransport::new(true, Duration::from_secs(5));
    t.check(&url).await.unwrap();
    let r = t.send(&request(&url)).await.unwrap();
    assert_eq!(r.status, 204);
    let (head, body) = got.recv().await.unwrap();
    assert!(head.starts_with("POST /hooks/crm?src=test HTTP/1.1"), "{head}");
    assert_eq!(header(&head, EVENT_ID_HEADER), Some("evt_abc_7"));
    assert_eq!(header(&head, "content-type"), Some("application/json"));
    let sig = header(&head, SIGNATURE_HEADER).unwrap();
    assert!(verify("whsec_test", sig, &body, 1_780_000_000), "{sig}");
    assert!(!verify("whsec_other", sig, &body, 1_780_000_000));
    assert_eq!(body, request(&url).body);
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let (url, mut got) = receiver("HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/latest\r\nContent-Length: 0\r\n\r\n").await;
    let t = HttpTransport::new(true, Duration::from_secs(5));
    assert_eq!(t.send(&request(&url)).await.unwrap().status, 302);
    assert!(got.recv().await.is_some());
    // One request only: the Location was not visited.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(got.try_recv().is_err());
}

#[tokio::test]
async fn a_silent_receiver_times_out_and_a_closed_port_fails() {
    let (url, _got) = receiver("").await;
    let t = HttpTransport::new(true, Duration::from_millis(300));
    assert!(matches!(t.send(&request(&url)).await, Err(TransportError::TimedOut(300))));
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let a = l.local_addr().unwrap();
        drop(l);
        format!("http://{a}/")
    };
    assert!(matches!(t.send(&request(&closed)).await, Err(TransportError::Failed(_))));
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let (url, mut got) = receiver("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").await;
    let t = HttpTransport::new(false, Duration::from_secs(5));
    assert!(matches!(t.check(&url).await, Err(TransportError::Refused(_))));
    assert!(matches!(t.send(&request(&url)).await, Err(TransportError::Refused(_))));
    assert!(matches!(
        t.send(&request("http://localhost:1/")).await,
        Err(TransportError::Refused(_))
    ));
    assert!(matches!(t.check("http://[::1]:80/").await, Err(TransportError::Refused(_))));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(got.try_recv().is_err(), "nothing reached the receiver");
}
