//! Reading a received message (a reply, as a mail server's pipe or an inbound service posts
//! it) with mail-parser: its Message-ID, what it answers, its sender, subject, text and date;
//! and, for a delivery status notification (RFC 3464, `multipart/report;
//! report-type=delivery-status`), the recipients that failed and the message it reports on.

use chrono::{DateTime, Utc};
use crm_ports::mail::{DeliveryReport, FailedRecipient, InboundMessage, MailReader, UnreadableMessage};
use mail_parser::{HeaderValue, Message, MessageParser, MimeHeaders};
use std::collections::HashSet;

/// Most ids kept of what a message answers: the most recent ones, which find the message
/// replied to (a long thread's References would make a lookup of thousands).
const MAX_ANSWERS: usize = 100;

/// Reads MIME messages.
#[derive(Debug, Clone, Copy, Default)]
pub struct MimeReader;

fn ids(v: &HeaderValue<'_>) -> Vec<String> {
    match v {
        HeaderValue::Text(t) => vec![t.trim_matches(['<', '>', ' ']).to_owned()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.trim_matches(['<', '>', ' ']).to_owned()).collect(),
        _ => Vec::new(),
    }
}

/// The fields of a `message/delivery-status` body: one group per message then per
/// recipient, separated by blank lines; the failed recipients.
fn failed_recipients(body: &str) -> Vec<FailedRecipient> {
    let mut out = Vec::new();
    for group in body.replace("\r\n", "\n").split("\n\n") {
        let mut fields: Vec<(String, String)> = Vec::new();
        for line in group.lines() {
            if line.starts_with([' ', '\t']) {
                if let Some((_, v)) = fields.last_mut() {
                    v.push(' ');
                    v.push_str(line.trim());
                }
            } else if let Some((k, v)) = line.split_once(':') {
                fields.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        // `rfc822; lea@client.fr` — the address after the type.
        let address = get("final-recipient")
            .or_else(|| get("original-recipient"))
            .map(|v| v.rsplit_once(';').map_or(v, |(_, a)| a).trim().trim_matches(['<', '>']).to_owned());
        let status = get("status").unwrap_or_default().to_owned();
        let failed = get("action").is_some_and(|a| a.eq_ignore_ascii_case("failed")) || status.starts_with('5');
        if let (Some(address), true) = (address, failed)
            && !address.is_empty()
        {
            out.push(FailedRecipient {
                address,
                status,
                diagnostic: get("diagnostic-code").map(str::to_owned),
            });
        }
    }
    out
}

/// The report a `multipart/report; report-type=delivery-status` message carries.
fn delivery_report(m: &Message<'_>) -> Option<DeliveryReport> {
    let ct = m.content_type()?;
    let report = ct.ctype().eq_ignore_ascii_case("multipart")
        && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"))
        && ct
            .attribute("report-type")
            .is_none_or(|t| t.eq_ignore_ascii_case("delivery-status"));
    if !report {
        return None;
    }
    let mut out = DeliveryReport::default();
    for part in &m.parts {
        let Some(ct) = part.content_type() else { continue };
        let (kind, sub) = (
            ct.ctype().to_ascii_lowercase(),
            ct.subtype().unwrap_or_default().to_ascii_lowercase(),
        );
        match (kind.as_str(), sub.as_str()) {
            ("message", "delivery-status" | "global-delivery-status") => {
                out.failed.extend(failed_recipients(&String::from_utf8_lossy(part.contents())));
            }
            ("text" | "message", "rfc822-headers") => {
                let headers = String::from_utf8_lossy(part.contents()).into_owned();
                out.original = out.original.or_else(|| {
                    headers.lines().find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.trim()
                            .eq_ignore_ascii_case("message-id")
                            .then(|| v.trim().trim_matches(['<', '>']).to_owned())
                    })
                });
            }
            ("message", "rfc822" | "global") => {
                out.original = out
                    .original
                    .or_else(|| part.message().and_then(|o| o.message_id()).map(str::to_owned));
            }
            _ => {}
        }
    }
    Some(out)
}

impl MailReader for MimeReader {
    fn read(&self, raw: &[u8]) -> Result<InboundMessage, UnreadableMessage> {
        let m = MessageParser::default()
            .parse(raw)
            .ok_or_else(|| UnreadableMessage("no message headers".into()))?;
        if m.from().is_none() && m.message_id().is_none() && m.subject().is_none() {
            return Err(UnreadableMessage("no From, Message-ID nor Subject".into()));
        }
        // In-Reply-To first, then References from the most recent (it lists the oldest
        // first): each id once, the empty ones left out, the first hundred kept.
        let mut seen = HashSet::new();
        let mut references = ids(m.references());
        references.reverse();
        let answers: Vec<String> = ids(m.in_reply_to())
            .into_iter()
            .chain(references)
            .filter(|a| !a.is_empty() && seen.insert(a.clone()))
            .take(MAX_ANSWERS)
            .collect();
        let text = m
            .body_text(0)
            .map(|t| t.into_owned())
            .or_else(|| m.body_html(0).map(|h| h.into_owned()))
            .unwrap_or_default();
        Ok(InboundMessage {
            message_id: m.message_id().map(str::to_owned),
            answers,
            from: m.from().and_then(|f| f.first()).and_then(|a| a.address()).map(str::to_owned),
            subject: m.subject().unwrap_or_default().to_owned(),
            text,
            date: m.date().and_then(|d| DateTime::<Utc>::from_timestamp(d.to_timestamp(), 0)),
            delivery: delivery_report(&m),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_is_read_with_what_it_answers() {
        let raw = "From: =?utf-8?q?L=C3=A9a?= <lea@client.fr>\r\nTo: ventes@exemple.com\r\nSubject: Re: Votre offre\r\nMessage-ID: <r1@client.fr>\r\nIn-Reply-To: <abc@exemple.com>\r\nReferences: <old@exemple.com> <abc@exemple.com>\r\nDate: Tue, 01 Dec 2026 10:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nOui, merci !\r\n";
        let m = MimeReader.read(raw.as_bytes()).unwrap();
        assert_eq!(m.from.as_deref(), Some("lea@client.fr"));
        assert_eq!(m.answers, ["abc@exemple.com", "old@exemple.com"]);
        assert_eq!(m.message_id.as_deref(), Some("r1@client.fr"));
        assert_eq!(m.subject, "Re: Votre offre");
        assert!(m.text.starts_with("Oui, merci"));
        assert_eq!(m.date.unwrap().to_rfc3339(), "2026-12-01T09:00:00+00:00");
        assert!(MimeReader.read(b"pas un message").is_err());
        assert_eq!(m.delivery, None);
    }

    #[test]
    fn a_long_thread_keeps_its_most_recent_ids() {
        let references: Vec<String> = (0..250).map(|i| format!("<m{i}@exemple.com>")).collect();
        let raw = format!(
            "From: lea@client.fr\r\nSubject: Re: Fil\r\nMessage-ID: <r2@client.fr>\r\nIn-Reply-To: <m249@exemple.com>\r\nReferences: {}\r\n\r\nOui\r\n",
            references.join("\r\n ")
        );
        let m = MimeReader.read(raw.as_bytes()).unwrap();
        assert_eq!(m.answers.len(), MAX_ANSWERS);
        assert_eq!(m.answers[0], "m249@exemple.com", "In-Reply-To first, once");
        assert_eq!(m.answers[1], "m248@exemple.com");
        assert_eq!(m.answers[MAX_ANSWERS - 1], "m150@exemple.com");
    }

    #[test]
    fn a_delivery_report_names_the_failed_recipient_and_the_message() {
        let raw = "From: MAILER-DAEMON@relais.exemple.com\r\nTo: ventes@exemple.com\r\nSubject: Undelivered Mail Returned to Sender\r\n\
Message-ID: <dsn1@relais.exemple.com>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\r\n\
--b1\r\nContent-Type: text/plain\r\n\r\nThe mail system could not deliver your message.\r\n\
--b1\r\nContent-Type: message/delivery-status\r\n\r\n\
Reporting-MTA: dns; relais.exemple.com\r\n\r\n\
Final-Recipient: rfc822; Inconnu@Client.fr\r\nAction: failed\r\nStatus: 5.1.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <inconnu@client.fr>:\r\n  user unknown\r\n\r\n\
Final-Recipient: rfc822; lent@client.fr\r\nAction: delayed\r\nStatus: 4.4.1\r\n\
--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n\
From: ventes@exemple.com\r\nMessage-ID: <0193abcd@exemple.com>\r\nSubject: Nos nouveautes\r\n\
--b1--\r\n";
        let m = MimeReader.read(raw.as_bytes()).unwrap();
        let d = m.delivery.unwrap();
        assert_eq!(d.original.as_deref(), Some("0193abcd@exemple.com"));
        assert_eq!(d.failed.len(), 1, "{d:?}");
        assert_eq!(
            (d.failed[0].address.as_str(), d.failed[0].status.as_str()),
            ("Inconnu@Client.fr", "5.1.1")
        );
        assert_eq!(
            d.failed[0].diagnostic.as_deref(),
            Some("smtp; 550 5.1.1 <inconnu@client.fr>: user unknown")
        );
    }
}
