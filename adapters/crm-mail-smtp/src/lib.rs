//! Mail adapters of the `Mailer` port: [`SmtpMailer`] hands messages to an SMTP relay
//! (lettre; plain, STARTTLS or TLS with rustls and ring; a relay's 5xx is a permanent
//! refusal, anything else worth retrying), [`EmlMailer`] writes each message as an `.eml`
//! file under a directory (the embedded default: a fresh install shows the whole flow
//! without a mail server). Both write the same MIME message ([`mime`]): the Message-ID
//! fixed at queueing, text and HTML alternatives, and for mass sends the RFC 8058
//! `List-Unsubscribe` and `List-Unsubscribe-Post` headers (DKIM signing, which must cover
//! them, is the relay's job).

mod eml;
mod inbound;
pub mod mime;
pub mod sink;
mod smtp;

pub use eml::EmlMailer;
pub use inbound::MimeReader;
pub use smtp::{SmtpMailer, SmtpSetupError};
