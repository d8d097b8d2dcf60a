//! The job that hands one queued message to the mailer: each attempt is recorded before
//! the hand-over (so an attempt cut by a crash is counted as a possible second copy, with
//! the same Message-ID), a temporary failure is retried with backoff by the job runtime
//! until the attempts are spent, a permanent refusal marks the message bounced and puts
//! the address on the suppression list.

use crate::app::{App, added};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::mail::{MailError, Mailer, OutgoingMessage};
use crate::runtime::BoxFuture;
use crate::runtime::jobs::{JobContext, JobFinish, JobHandler};
use crate::store::{CampaignStore, EmailOutcome, EmailState, EmailStore, SuppressionStore};
use crm_domain::event::{EntityType, EventKind};
use crm_domain::suppression::SuppressionReason;
use crm_domain::{Actor, EmailId, TenantId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;

/// The job kind that sends one message.
pub const EMAIL_SEND: &str = "email.send";

/// A send job's payload: the message's id (never its content).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct SendPayload {
    pub(crate) email_id: EmailId,
}

/// The job that sends message `email` from `due_at` (one live job per message: its key).
///
/// # Errors
/// `Internal` when the payload cannot be written.
pub(crate) fn send_job(
    id: uuid::Uuid,
    tenant: TenantId,
    email: EmailId,
    due_at: chrono::DateTime<chrono::Utc>,
) -> Result<crate::store::NewJob, ServiceError> {
    Ok(crate::store::NewJob {
        id,
        tenant_id: tenant,
        kind: EMAIL_SEND.to_owned(),
        payload: serde_json::to_value(SendPayload { email_id: email }).map_err(|e| ServiceError::Internal(e.to_string()))?,
        due_at,
        key: Some(format!("email:{}", email.as_uuid())),
    })
}

/// Sends queued messages through a [`Mailer`].
pub struct EmailSender<S, K, C, I> {
    app: App<S, K, C, I>,
    mailer: Arc<dyn Mailer>,
    attempts: u32,
}

impl<S, K, C: Clone, I: Clone> EmailSender<S, K, C, I> {
    /// The sender, giving a message up after `attempts` temporary failures (the job
    /// runner's retry policy must allow at least as many).
    pub fn new(app: &App<S, K, C, I>, mailer: Arc<dyn Mailer>, attempts: u32) -> Self {
        Self {
            app: app.clone(),
            mailer,
            attempts: attempts.max(1),
        }
    }
}

impl<S: EmailStore + SuppressionStore + CampaignStore, K, C: Clock, I: IdGenerator> EmailSender<S, K, C, I> {
    async fn end(&self, tenant: TenantId, id: EmailId, outcome: EmailOutcome, kind: Option<EventKind>) -> Result<(), ServiceError> {
        let app = &self.app;
        let event = kind.map(|kind| {
            let mut changes = vec![added(
                "state",
                Value::from(match &outcome {
                    EmailOutcome::Sent => "sent",
                    EmailOutcome::Bounced(_) => "bounced",
                    EmailOutcome::Failed(_) | EmailOutcome::Retry(_) => "failed",
                }),
            )];
            if let EmailOutcome::Failed(e) | EmailOutcome::Bounced(e) = &outcome {
                changes.push(added("error", Value::from(e.as_str())));
            }
            app.event(
                &Actor::System { tenant_id: tenant },
                EntityType::Email,
                id.as_uuid(),
                kind,
                None,
                changes,
            )
        });
        app.store
            .end_email_attempt(tenant, id, &outcome, app.clock.now(), event.as_ref())
            .await?;
        Ok(())
    }

    /// One attempt at one message.
    ///
    /// # Errors
    /// A temporary failure with attempts left (the job runtime retries it), or a store
    /// failure.
    pub async fn send_one(&self, tenant: TenantId, id: EmailId) -> Result<(), ServiceError> {
        let now = self.app.clock.now();
        let m = self.app.store.begin_email_attempt(tenant, id, now).await?;
        if m.state != EmailState::Sending {
            return Ok(()); // done already, or held by its paused campaign
        }
        let campaign = m.campaign_id;
        let result = self.attempt(tenant, id, m).await;
        if let Some(c) = campaign {
            self.app.finish_if_done(tenant, c).await?;
        }
        result
    }

    async fn attempt(&self, tenant: TenantId, id: EmailId, m: crate::store::EmailMessage) -> Result<(), ServiceError> {
        if m.resends > 0 {
            tracing::warn!(%tenant, email = %id.as_uuid(), attempts = m.attempts, resends = m.resends,
                "email: an earlier attempt ended without a record; the same message (same Message-ID) may reach its recipient twice");
        }
        let Some(content) = m.content else {
            return self
                .end(
                    tenant,
                    id,
                    EmailOutcome::Failed("recipient erased".into()),
                    Some(EventKind::SendFailed),
                )
                .await;
        };
        let to = content.to.address.clone();
        let message = OutgoingMessage {
            message_id: m.message_id,
            date: m.queued_at,
            from: content.from,
            to: content.to,
            reply_to: content.reply_to,
            subject: content.subject,
            text: content.text,
            html: content.html,
            unsubscribe: content.unsubscribe,
            attachments: Vec::new(),
        };
        match self.mailer.send(tenant, &message).await {
            Ok(()) => self.end(tenant, id, EmailOutcome::Sent, Some(EventKind::Sent)).await,
            Err(MailError::Permanent(e)) => {
                tracing::info!(%tenant, email = %id.as_uuid(), error = %e, "email refused for good; the address bounces");
                self.end(tenant, id, EmailOutcome::Bounced(e), Some(EventKind::SendFailed)).await?;
                self.app.suppress_email(tenant, &to, SuppressionReason::Bounced).await
            }
            Err(MailError::Transient(e)) if u32::try_from(m.attempts).unwrap_or(u32::MAX) >= self.attempts => {
                tracing::warn!(%tenant, email = %id.as_uuid(), attempts = m.attempts, error = %e, "email given up");
                self.end(tenant, id, EmailOutcome::Failed(e), Some(EventKind::SendFailed)).await
            }
            Err(MailError::Transient(e)) => {
                self.end(tenant, id, EmailOutcome::Retry(e.clone()), None).await?;
                Err(ServiceError::Internal(format!("email not sent yet: {e}")))
            }
        }
    }
}

impl<
    S: EmailStore + SuppressionStore + CampaignStore + 'static,
    K: Send + Sync + 'static,
    C: Clock + Send + Sync + 'static,
    I: IdGenerator + Send + Sync + 'static,
> JobHandler for EmailSender<S, K, C, I>
{
    fn kind(&self) -> &'static str {
        EMAIL_SEND
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, Result<JobFinish, ServiceError>> {
        Box::pin(async move {
            let job = ctx.job();
            let p: SendPayload =
                serde_json::from_value(job.payload.clone()).map_err(|e| ServiceError::Internal(format!("email job: {e}")))?;
            self.send_one(job.tenant_id, p.email_id).await?;
            Ok(JobFinish::default())
        })
    }
}
