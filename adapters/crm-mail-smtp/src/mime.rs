//! The MIME message of an outgoing email, as both mailers write it.

use crm_ports::mail::{MailError, Mailbox, OutgoingMessage};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{MultiPart, SinglePart};

fn mailbox(m: &Mailbox, field: &str) -> Result<lettre::message::Mailbox, MailError> {
    let address = m.address.parse().map_err(|e| MailError::Permanent(format!("{field}: {e}")))?;
    let name = Some(m.name.trim().to_owned()).filter(|n| !n.is_empty());
    Ok(lettre::message::Mailbox::new(name, address))
}

/// The message as lettre carries it.
///
/// # Errors
/// `Permanent` for an address that cannot be written (the message can never go).
pub fn build(m: &OutgoingMessage) -> Result<Message, MailError> {
    let mut b = Message::builder()
        .message_id(Some(format!("<{}>", m.message_id)))
        .date(m.date.into())
        .from(mailbox(&m.from, "from")?)
        .to(mailbox(&m.to, "to")?)
        .subject(m.subject.clone());
    if let Some(r) = &m.reply_to {
        b = b.reply_to(mailbox(r, "reply_to")?);
    }
    if let Some(url) = &m.unsubscribe {
        b = b
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{url}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ));
    }
    let built = match (&m.html, m.attachments.is_empty()) {
        (Some(html), true) => b.multipart(MultiPart::alternative_plain_html(m.text.clone(), html.clone())),
        (None, true) => b.singlepart(SinglePart::plain(m.text.clone())),
        (html, false) => {
            let mut mixed = match html {
                Some(h) => MultiPart::mixed().multipart(MultiPart::alternative_plain_html(m.text.clone(), h.clone())),
                None => MultiPart::mixed().singlepart(SinglePart::plain(m.text.clone())),
            };
            for a in &m.attachments {
                let ct = ContentType::parse(&a.content_type).map_err(|e| MailError::Permanent(format!("attachment: {e}")))?;
                mixed = mixed.singlepart(lettre::message::Attachment::new(a.name.clone()).body(a.bytes.clone(), ct));
            }
            b.multipart(mixed)
        }
    };
    built.map_err(|e| MailError::Permanent(format!("message: {e}")))
}
