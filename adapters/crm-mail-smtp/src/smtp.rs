//! The SMTP mailer: a pooled lettre transport to one relay, from a URL
//! (`smtp://host:25`, `smtp://user:pass@host:587?tls=required` for STARTTLS,
//! `smtps://host:465` for TLS). A reply of the 5xx class refuses the message for good;
//! a 4xx, a refused connection or a timeout is temporary.

use crate::mime;
use crm_domain::TenantId;
use crm_ports::mail::{MailError, Mailer, OutgoingMessage};
use crm_ports::runtime::BoxFuture;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

/// A relay URL that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("SMTP relay URL: {0}")]
pub struct SmtpSetupError(String);

/// Hands messages to an SMTP relay.
#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never printed.
        f.write_str("SmtpMailer")
    }
}

impl SmtpMailer {
    /// A mailer for the relay at `url`, each exchange bounded by `timeout`.
    ///
    /// # Errors
    /// The URL is not one lettre reads (scheme, host, port, `tls` parameter).
    pub fn new(url: &str, timeout: Duration) -> Result<Self, SmtpSetupError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| SmtpSetupError(e.to_string()))?
            .timeout(Some(timeout))
            .build();
        Ok(Self { transport })
    }
}

impl Mailer for SmtpMailer {
    fn send<'a>(&'a self, _tenant: TenantId, message: &'a OutgoingMessage) -> BoxFuture<'a, Result<(), MailError>> {
        Box::pin(async move {
            let m = mime::build(message)?;
            match self.transport.send(m).await {
                Ok(_) => Ok(()),
                Err(e) if e.is_permanent() => Err(MailError::Permanent(e.to_string())),
                Err(e) => Err(MailError::Transient(e.to_string())),
            }
        })
    }
}
