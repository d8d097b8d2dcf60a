//! Reading a received message (a reply, as a mail server's pipe or an inbound service posts
//! it) with mail-parser: its Message-ID, what it answers, its sender, subject, text and date.

use chrono::{DateTime, Utc};
use crm_ports::mail::{InboundMessage, MailReader, UnreadableMessage};
use mail_parser::{HeaderValue, MessageParser};

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

impl MailReader for MimeReader {
    fn read(&self, raw: &[u8]) -> Result<InboundMessage, UnreadableMessage> {
        let m = MessageParser::default()
            .parse(raw)
            .ok_or_else(|| UnreadableMessage("no message headers".into()))?;
        if m.from().is_none() && m.message_id().is_none() && m.subject().is_none() {
            return Err(UnreadableMessage("no From, Message-ID nor Subject".into()));
        }
        let mut answers = ids(m.in_reply_to());
        let mut references = ids(m.references());
        references.reverse();
        for r in references {
            if !answers.contains(&r) {
                answers.push(r);
            }
        }
        answers.retain(|a| !a.is_empty());
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
    }
}
