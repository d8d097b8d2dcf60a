//! Email: templates (variants as JSON, the name unique by its folded form), and the outbox
//! — each message's content sealed under its recipient's data key (bound to tenant and
//! message), queued with its archive activity, its events and its send job in one
//! transaction; attempts and outcomes recorded on the row.

use crate::SqlStore;
use crate::db::{IN_A_STATEMENT, Mode, On, Row, Tx};
use crate::email_rows::{MESSAGE_COLUMNS, QUEUED_COLUMNS, template_from_row, template_values};
use crate::jobs::insert_job;
use crate::rows::{insert_row, ts, update_row};
use chrono::{DateTime, Utc};
use crm_domain::activity::Activity;
use crm_domain::event::NewEvent;
use crm_domain::template::EmailTemplate;
use crm_domain::{ContactId, EmailId, TemplateId, TenantId, UserId};
use crm_ports::store::{EmailMessage, EmailOutcome, EmailQueue, EmailState, EmailStore, Engagement};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Func, OnConflict, Order, Query};
use uuid::Uuid;

fn ie(e: sea_query::error::Error) -> StoreError {
    StoreError::Internal(e.to_string())
}

impl<C: Cipher> EmailStore for SqlStore<C> {
    async fn create_template(&self, t: &EmailTemplate, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(t.tenant_id), Mode::Write).await?;
        insert_row(
            &mut tx,
            "email_templates",
            t.tenant_id,
            t.id.as_uuid(),
            template_values(t),
            t.version,
            t.created_at,
            t.updated_at,
        )
        .await?;
        self.finish(tx, t.tenant_id, std::slice::from_ref(event)).await
    }

    async fn update_template(&self, t: &EmailTemplate, expected_version: i64, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(t.tenant_id), Mode::Write).await?;
        update_row(
            &mut tx,
            "email_templates",
            t.tenant_id,
            t.id.as_uuid(),
            expected_version,
            template_values(t),
            t.updated_at,
        )
        .await?;
        self.finish(tx, t.tenant_id, std::slice::from_ref(event)).await
    }

    async fn delete_template(&self, tenant: TenantId, id: TemplateId, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let n = tx
            .execute(
                Query::delete()
                    .from_table("email_templates")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id.as_uuid())),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn template(&self, tenant: TenantId, id: TemplateId) -> Result<EmailTemplate, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_one(
                Query::select()
                    .expr(Expr::cust("*"))
                    .from("email_templates")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id.as_uuid())),
            )
            .await?;
        tx.commit().await?;
        template_from_row(&row)
    }

    async fn templates(&self, tenant: TenantId) -> Result<Vec<EmailTemplate>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .expr(Expr::cust("*"))
                    .from("email_templates")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .order_by("name_key", Order::Asc)
                    .order_by("id", Order::Asc),
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(template_from_row).collect()
    }

    async fn queue_emails(&self, tenant: TenantId, queue: &EmailQueue<'_>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        self.queue_in(&mut tx, tenant, queue).await?;
        self.finish(tx, tenant, queue.events).await?;
        if !queue.jobs.is_empty() {
            self.queued_jobs();
        }
        Ok(())
    }

    async fn email(&self, tenant: TenantId, id: EmailId) -> Result<EmailMessage, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let m = self.message_in(&mut tx, tenant, id).await?;
        tx.commit().await?;
        Ok(m)
    }

    async fn begin_email_attempt(&self, tenant: TenantId, id: EmailId, at: DateTime<Utc>) -> Result<EmailMessage, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let current = self.message_in(&mut tx, tenant, id).await?;
        let held = match current.campaign_id {
            // A campaign's message waits while its campaign is not sending (paused).
            Some(c) => tx
                .fetch_optional(
                    Query::select()
                        .column("status")
                        .from("campaigns")
                        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                        .and_where(Expr::col("id").eq(c.as_uuid()))
                        .and_where(Expr::col("status").eq("sending")),
                )
                .await?
                .is_none(),
            None => false,
        };
        if current.state.is_final() || (held && current.state == EmailState::Queued) {
            tx.commit().await?;
            return Ok(current);
        }
        let cut = current.state == EmailState::Sending;
        tx.execute(
            Query::update()
                .table("email_messages")
                .values([
                    ("state", EmailState::Sending.code().into()),
                    ("attempts", Expr::col("attempts").add(1)),
                    ("resends", if cut { Expr::col("resends").add(1) } else { Expr::col("resends") }),
                    ("updated_at", ts(at).into()),
                ])
                .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                .and_where(Expr::col("id").eq(id.as_uuid())),
        )
        .await?;
        let m = self.message_in(&mut tx, tenant, id).await?;
        tx.commit().await?;
        Ok(m)
    }

    async fn end_email_attempt(
        &self,
        tenant: TenantId,
        id: EmailId,
        outcome: &EmailOutcome,
        at: DateTime<Utc>,
        event: Option<&NewEvent>,
    ) -> Result<(), StoreError> {
        let (state, error, sent_at) = match outcome {
            EmailOutcome::Sent => (EmailState::Sent, None, Some(ts(at))),
            EmailOutcome::Retry(e) => (EmailState::Queued, Some(e.clone()), None),
            EmailOutcome::Failed(e) => (EmailState::Failed, Some(e.clone()), None),
            EmailOutcome::Bounced(e) => (EmailState::Bounced, Some(e.clone()), None),
        };
        let mut values: Vec<(&str, Expr)> = vec![("state", state.code().into()), ("updated_at", ts(at).into())];
        if let Some(e) = error {
            values.push(("last_error", e.chars().take(1000).collect::<String>().into()));
        }
        if let Some(s) = sent_at {
            values.push(("sent_at", s.into()));
        }
        // A bounce may come after the relay took the message (a delivery report); any other
        // outcome is the attempt's own.
        let from: &[EmailState] = match outcome {
            EmailOutcome::Bounced(_) => &[EmailState::Sending, EmailState::Sent],
            _ => &[EmailState::Sending],
        };
        self.update_message(tenant, id, values, event, Some(from)).await
    }

    async fn record_engagement(
        &self,
        tenant: TenantId,
        id: EmailId,
        what: Engagement,
        at: DateTime<Utc>,
        event: Option<&NewEvent>,
    ) -> Result<(), StoreError> {
        let first = |col: &'static str| -> (&'static str, Expr) { (col, Func::coalesce([Expr::col(col), Expr::val(ts(at))]).into()) };
        let plus = |col: &'static str| (col, Expr::col(col).add(1));
        let values: Vec<(&str, Expr)> = match what {
            Engagement::Open { machine: true } => vec![plus("machine_opens")],
            Engagement::Open { machine: false } => vec![plus("opens"), first("opened_at")],
            Engagement::Click => vec![plus("clicks"), first("clicked_at")],
            Engagement::Unsubscribe => vec![first("unsubscribed_at")],
        };
        self.update_message(tenant, id, values, event, None).await
    }

    async fn email_answered(&self, tenant: TenantId, message_ids: &[String]) -> Result<Option<EmailMessage>, StoreError> {
        if message_ids.is_empty() {
            return Ok(None);
        }
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        // The last queued of the messages answered: the last of each few hundred ids, then
        // the last of those (a long thread names many).
        let mut last: Option<(i64, Row)> = None;
        for chunk in message_ids.chunks(IN_A_STATEMENT) {
            let row = tx
                .fetch_optional(
                    Query::select()
                        .columns(MESSAGE_COLUMNS)
                        .from("email_messages")
                        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                        .and_where(Expr::col("message_id").is_in(chunk.iter().cloned()))
                        .order_by("queued_at", Order::Desc)
                        .limit(1),
                )
                .await?;
            if let Some(r) = row {
                let queued: i64 = r.get("queued_at")?;
                if last.as_ref().is_none_or(|(at, _)| queued > *at) {
                    last = Some((queued, r));
                }
            }
        }
        let out = match last {
            Some((_, r)) => self.messages_from_rows(&mut tx, tenant, std::slice::from_ref(&r)).await?.pop(),
            None => None,
        };
        tx.commit().await?;
        Ok(out)
    }

    async fn file_reply(
        &self,
        tenant: TenantId,
        activity: &Activity,
        answers: Option<EmailId>,
        events: &[NewEvent],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        self.insert_activity(&mut tx, activity).await?;
        if let Some(id) = answers {
            tx.execute(
                Query::update()
                    .table("email_messages")
                    .values([
                        ("replies", Expr::col("replies").add(1)),
                        (
                            "replied_at",
                            Func::coalesce([Expr::col("replied_at"), Expr::val(ts(activity.created_at))]).into(),
                        ),
                    ])
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id.as_uuid())),
            )
            .await?;
        }
        self.finish(tx, tenant, events).await
    }

    async fn set_inbound_secret(
        &self,
        tenant: TenantId,
        hash: &[u8; 32],
        by: Option<UserId>,
        at: DateTime<Utc>,
        event: &NewEvent,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        tx.execute(
            Query::insert()
                .into_table("inbound_secrets")
                .columns(["tenant_id", "secret_hash", "created_by", "created_at"])
                .values([
                    tenant.as_uuid().into(),
                    hash.to_vec().into(),
                    by.map(|u| u.as_uuid()).into(),
                    ts(at).into(),
                ])
                .map_err(ie)?
                .on_conflict(
                    OnConflict::column("tenant_id")
                        .update_columns(["secret_hash", "created_by", "created_at"])
                        .to_owned(),
                ),
        )
        .await?;
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn inbound_secret(&self, tenant: TenantId) -> Result<Option<[u8; 32]>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_optional(
                Query::select()
                    .column("secret_hash")
                    .from("inbound_secrets")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid())),
            )
            .await?;
        tx.commit().await?;
        match row {
            Some(r) => {
                let bytes: Vec<u8> = r.get("secret_hash")?;
                Ok(bytes.try_into().ok())
            }
            None => Ok(None),
        }
    }

    async fn emails_to(&self, tenant: TenantId, contact: ContactId, limit: u32) -> Result<Vec<EmailMessage>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(MESSAGE_COLUMNS)
                    .from("email_messages")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("contact_id").eq(contact.as_uuid()))
                    .order_by("queued_at", Order::Desc)
                    .order_by("id", Order::Desc)
                    .limit(u64::from(limit)),
            )
            .await?;
        let out = self.messages_from_rows(&mut tx, tenant, &rows).await?;
        tx.commit().await?;
        Ok(out)
    }
}

impl<C: Cipher> SqlStore<C> {
    /// Writes queued messages with their archives and jobs (the caller writes the events).
    pub(crate) async fn queue_in(&self, tx: &mut Tx, tenant: TenantId, queue: &EmailQueue<'_>) -> Result<(), StoreError> {
        let now = queue.at;
        let people: Vec<(Uuid, bool)> = queue.emails.iter().map(|e| (e.contact_id.as_uuid(), false)).collect();
        let keys = self.person_keys_for_write(tx, tenant, &people, now).await?;
        for a in queue.activities {
            self.insert_activity(tx, a).await?;
        }
        if !queue.emails.is_empty() {
            let mut insert = Query::insert();
            insert
                .into_table("email_messages")
                .columns(MESSAGE_COLUMNS[..QUEUED_COLUMNS].iter().copied());
            for e in queue.emails {
                let (Some(content), Some(Some(key))) = (&e.content, keys.get(&e.contact_id.as_uuid())) else {
                    return Err(StoreError::Internal("an email without content, or to an erased person".into()));
                };
                let sealed = self.seal_content(key, e, content)?;
                insert
                    .values([
                        tenant.as_uuid().into(),
                        e.id.as_uuid().into(),
                        e.message_id.clone().into(),
                        e.contact_id.as_uuid().into(),
                        e.opportunity_id.map(|o| o.as_uuid()).into(),
                        e.activity_id.map(|a| a.as_uuid()).into(),
                        e.template_id.map(|t| t.as_uuid()).into(),
                        e.sender_id.map(|u| u.as_uuid()).into(),
                        sealed.into(),
                        e.state.code().into(),
                        i64::from(e.attempts).into(),
                        i64::from(e.resends).into(),
                        e.last_error.clone().into(),
                        ts(e.queued_at).into(),
                        e.sent_at.map(ts).into(),
                        ts(e.queued_at).into(),
                        e.campaign_id.map(|c| c.as_uuid()).into(),
                    ])
                    .map_err(ie)?;
            }
            tx.execute(&insert).await?;
        }
        for j in queue.jobs {
            insert_job(tx, j, now).await?;
        }
        Ok(())
    }
}
