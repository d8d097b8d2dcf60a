//! The handler of scheduled reports (`report.email`, see
//! `crm_ports::services::report_mail`): when a subscription's time comes, the sales report
//! of the week or month just over is written as its user — within what they may see now —
//! as a PDF or a workbook in the company's language, mailed to them through the company's
//! relay, and the next time is queued as the job finishes. A relay that fails for now
//! retries the job; a user gone ends the subscription.

use crate::assemble::CrmApp;
use crm_domain::Actor;
use crm_domain::tenant::Language;
use crm_ports::mail::{Attachment, MailError, Mailbox, Mailer, OutgoingMessage};
use crm_ports::runtime::BoxFuture;
use crm_ports::runtime::jobs::{JobContext, JobFinish, JobHandler};
use crm_ports::services::email::MailSettings;
use crm_ports::services::report_mail::{KIND, ReportMail, next_run, period_for};
use crm_ports::store::{NewJob, TenantStore, UserStore};
use crm_ports::{ServiceError, StoreError};
use crm_web::report_export::{ReportFormat, document, gather, render};
use std::sync::Arc;

/// Mails the scheduled reports.
pub struct ReportMailer {
    app: CrmApp,
    mailer: Arc<dyn Mailer>,
    settings: MailSettings,
}

impl ReportMailer {
    /// The handler, sending through `mailer` (the company's relay router).
    pub fn new(app: &CrmApp, mailer: Arc<dyn Mailer>, settings: MailSettings) -> Self {
        Self {
            app: app.clone(),
            mailer,
            settings,
        }
    }

    async fn send(&self, ctx: &JobContext) -> Result<JobFinish, ServiceError> {
        let job = ctx.job();
        let mail: ReportMail =
            serde_json::from_value(job.payload.clone()).map_err(|e| ServiceError::Internal(format!("report.email payload: {e}")))?;
        let store = self.app.store();
        let tenant = store.tenant(job.tenant_id).await?;
        let user = match store.user(job.tenant_id, mail.user_id).await {
            Ok(u) => u,
            // Gone: the subscription ends here.
            Err(StoreError::NotFound) => return Ok(JobFinish::default()),
            Err(e) => return Err(e.into()),
        };
        let actor = Actor::User {
            tenant_id: job.tenant_id,
            user_id: user.id,
            role: user.role,
        };
        let tz = tenant.settings.time_zone.tz();
        let period = period_for(&mail, job.due_at, &tz);
        let format = ReportFormat::parse(&mail.format).unwrap_or(ReportFormat::Pdf);
        let lang = match tenant.settings.language {
            Language::En => crm_web::Lang::En,
            Language::Fr => crm_web::Lang::Fr,
        };
        let g = gather(&self.app, &actor, mail.scope, period, None).await?;
        let doc = document(lang, &g);
        let (bytes, name) = render(&doc, format, &period).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let from = self.settings.from.clone().unwrap_or_else(|| user.email.as_str().to_owned());
        let link = self
            .settings
            .public_url
            .as_ref()
            .map(|u| format!("\n\n{}/reports", u.trim_end_matches('/')))
            .unwrap_or_default();
        let message = OutgoingMessage {
            // The same on every attempt of this run.
            message_id: format!("{}@{}", job.id, self.settings.domain),
            date: self.app.now(),
            from: Mailbox {
                name: tenant.name.as_str().to_owned(),
                address: from,
            },
            to: Mailbox {
                name: user.display_name.as_str().to_owned(),
                address: user.email.as_str().to_owned(),
            },
            reply_to: None,
            subject: format!("{} · {}", doc.title, doc.period),
            text: format!("{}\n{}\n\n{}{link}\n", doc.title, doc.period, doc.generated),
            html: None,
            unsubscribe: None,
            attachments: vec![Attachment {
                name,
                content_type: format.content_type().split(';').next().unwrap_or_default().to_owned(),
                bytes,
            }],
        };
        match self.mailer.send(job.tenant_id, &message).await {
            Ok(()) => {}
            Err(MailError::Transient(e)) => return Err(ServiceError::Internal(format!("relay: {e}"))),
            // Refused for good (a bad address): this one is lost, the next ones still go.
            Err(MailError::Permanent(e)) => tracing::warn!(error = %e, "scheduled report refused by the relay"),
        }
        if mail.once {
            return Ok(JobFinish::default());
        }
        Ok(JobFinish {
            next: Some(NewJob {
                id: uuid::Uuid::now_v7(),
                tenant_id: job.tenant_id,
                kind: KIND.to_owned(),
                payload: job.payload.clone(),
                due_at: next_run(mail.frequency, job.due_at.max(self.app.now()), &tz),
                key: job.key.clone(),
            }),
        })
    }
}

impl JobHandler for ReportMailer {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, Result<JobFinish, ServiceError>> {
        Box::pin(self.send(ctx))
    }
}
