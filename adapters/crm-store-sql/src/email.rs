//! Email: templates (variants as JSON, the name unique by its folded form), and the outbox
//! — each message's content sealed under its recipient's data key (bound to tenant and
//! message), queued with its archive activity, its events and its send job in one
//! transaction; attempts and outcomes recorded on the row.

use crate::SqlStore;
use crate::db::{Mode, On, Row, Tx};
use crate::jobs::insert_job;
use crate::rows::{from_ts, insert_row, ts, update_row};
use chrono::{DateTime, Utc};
use crm_domain::event::NewEvent;
use crm_domain::template::{EmailTemplate, TemplateVariant};
use crm_domain::text::fold;
use crm_domain::{ActivityId, ContactId, EmailId, OpportunityId, TemplateId, TenantId, UserId};
use crm_ports::mail::Mailbox;
use crm_ports::store::{EmailContent, EmailMessage, EmailOutcome, EmailQueue, EmailState, EmailStats, EmailStore, Engagement};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Func, Order, Query};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

fn ie(e: sea_query::error::Error) -> StoreError {
    StoreError::Internal(e.to_string())
}

/// The seal's context of a message's content.
fn content_aad(tenant: TenantId, id: EmailId) -> Vec<u8> {
    format!("crm/{}/email_messages/content/{}", tenant.as_uuid(), id.as_uuid()).into_bytes()
}

#[derive(Serialize, Deserialize)]
struct StoredBox {
    name: String,
    address: String,
}

impl From<&Mailbox> for StoredBox {
    fn from(m: &Mailbox) -> Self {
        Self {
            name: m.name.clone(),
            address: m.address.clone(),
        }
    }
}

impl From<StoredBox> for Mailbox {
    fn from(m: StoredBox) -> Self {
        Self {
            name: m.name,
            address: m.address,
        }
    }
}

/// What is sealed of a message.
#[derive(Serialize, Deserialize)]
struct StoredContent {
    from: StoredBox,
    to: StoredBox,
    reply_to: Option<StoredBox>,
    subject: String,
    text: String,
    html: Option<String>,
    #[serde(default)]
    unsubscribe: Option<String>,
}

const MESSAGE_COLUMNS: [&str; 22] = [
    "tenant_id",
    "id",
    "message_id",
    "contact_id",
    "opportunity_id",
    "activity_id",
    "template_id",
    "sender_id",
    "content",
    "state",
    "attempts",
    "resends",
    "last_error",
    "queued_at",
    "sent_at",
    "updated_at",
    "opened_at",
    "opens",
    "machine_opens",
    "clicked_at",
    "clicks",
    "unsubscribed_at",
];

/// The columns a new message is written with (its engagement starts empty).
const QUEUED_COLUMNS: usize = 16;

fn template_from_row(r: &Row) -> Result<EmailTemplate, StoreError> {
    let Json(variants): Json<Vec<TemplateVariant>> = r.get("variants")?;
    Ok(EmailTemplate {
        id: TemplateId::from_uuid(r.get("id")?),
        tenant_id: TenantId::from_uuid(r.get("tenant_id")?),
        name: r.get("name")?,
        variants,
        created_by: r.get::<Option<Uuid>>("created_by")?.map(UserId::from_uuid),
        version: r.get("version")?,
        created_at: from_ts(r.get("created_at")?)?,
        updated_at: from_ts(r.get("updated_at")?)?,
    })
}

fn template_values(t: &EmailTemplate) -> Vec<(&'static str, sea_query::Value)> {
    vec![
        ("name", t.name.clone().into()),
        ("name_key", fold(&t.name).into()),
        (
            "variants",
            serde_json::to_value(&t.variants).unwrap_or(serde_json::Value::Null).into(),
        ),
        ("created_by", t.created_by.map(|u| u.as_uuid()).into()),
    ]
}

impl<C: Cipher> SqlStore<C> {
    fn seal_content(&self, key: &crm_ports::DataKey, e: &EmailMessage, c: &EmailContent) -> Result<Vec<u8>, StoreError> {
        let stored = StoredContent {
            from: (&c.from).into(),
            to: (&c.to).into(),
            reply_to: c.reply_to.as_ref().map(Into::into),
            subject: c.subject.clone(),
            text: c.text.clone(),
            html: c.html.clone(),
            unsubscribe: c.unsubscribe.clone(),
        };
        let plain = serde_json::to_vec(&stored).map_err(|e| StoreError::Internal(format!("email content: {e}")))?;
        self.cipher
            .encrypt_with(key, &content_aad(e.tenant_id, e.id), &plain)
            .map_err(|e| StoreError::Internal(format!("email content: {e}")))
    }

    async fn messages_from_rows(&self, tx: &mut Tx, tenant: TenantId, rows: &[Row]) -> Result<Vec<EmailMessage>, StoreError> {
        let mut people: Vec<Uuid> = rows.iter().map(|r| r.get::<Uuid>("contact_id")).collect::<Result<_, _>>()?;
        people.sort_unstable();
        people.dedup();
        let keys = self.person_keys(tx, tenant, &people).await?;
        rows.iter()
            .map(|r| {
                let id = EmailId::from_uuid(r.get("id")?);
                let contact: Uuid = r.get("contact_id")?;
                let sealed: Vec<u8> = r.get("content")?;
                let content = match keys.get(&contact) {
                    Some(Some(key)) => {
                        let plain = self
                            .cipher
                            .decrypt_with(key, &content_aad(tenant, id), &sealed)
                            .map_err(|e| StoreError::Internal(format!("email content: {e}")))?;
                        let c: StoredContent =
                            serde_json::from_slice(&plain).map_err(|e| StoreError::Internal(format!("email content: {e}")))?;
                        Some(EmailContent {
                            from: c.from.into(),
                            to: c.to.into(),
                            reply_to: c.reply_to.map(Into::into),
                            subject: c.subject,
                            text: c.text,
                            html: c.html,
                            unsubscribe: c.unsubscribe,
                        })
                    }
                    _ => None,
                };
                let state: String = r.get("state")?;
                Ok(EmailMessage {
                    id,
                    tenant_id: tenant,
                    message_id: r.get("message_id")?,
                    contact_id: ContactId::from_uuid(contact),
                    opportunity_id: r.get::<Option<Uuid>>("opportunity_id")?.map(OpportunityId::from_uuid),
                    activity_id: r.get::<Option<Uuid>>("activity_id")?.map(ActivityId::from_uuid),
                    template_id: r.get::<Option<Uuid>>("template_id")?.map(TemplateId::from_uuid),
                    sender_id: r.get::<Option<Uuid>>("sender_id")?.map(UserId::from_uuid),
                    content,
                    state: EmailState::parse(&state).ok_or_else(|| StoreError::Internal(format!("email state {state}")))?,
                    attempts: i32::try_from(r.get::<i64>("attempts")?).unwrap_or(i32::MAX),
                    resends: i32::try_from(r.get::<i64>("resends")?).unwrap_or(i32::MAX),
                    last_error: r.get("last_error")?,
                    queued_at: from_ts(r.get("queued_at")?)?,
                    sent_at: r.get::<Option<i64>>("sent_at")?.map(from_ts).transpose()?,
                    stats: EmailStats {
                        opened_at: r.get::<Option<i64>>("opened_at")?.map(from_ts).transpose()?,
                        opens: r.get("opens")?,
                        machine_opens: r.get("machine_opens")?,
                        clicked_at: r.get::<Option<i64>>("clicked_at")?.map(from_ts).transpose()?,
                        clicks: r.get("clicks")?,
                        unsubscribed_at: r.get::<Option<i64>>("unsubscribed_at")?.map(from_ts).transpose()?,
                    },
                })
            })
            .collect()
    }

    /// Sets columns of one message, with its event when given. `NotFound` when the tenant
    /// has no such message.
    async fn update_message(
        &self,
        tenant: TenantId,
        id: EmailId,
        values: Vec<(&'static str, Expr)>,
        event: Option<&NewEvent>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let n = tx
            .execute(
                Query::update()
                    .table("email_messages")
                    .values(values)
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id.as_uuid())),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        match event {
            Some(e) => self.finish(tx, tenant, std::slice::from_ref(e)).await,
            None => tx.commit().await,
        }
    }

    async fn message_in(&self, tx: &mut Tx, tenant: TenantId, id: EmailId) -> Result<EmailMessage, StoreError> {
        let row = tx
            .fetch_one(
                Query::select()
                    .columns(MESSAGE_COLUMNS)
                    .from("email_messages")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id.as_uuid())),
            )
            .await?;
        self.messages_from_rows(tx, tenant, std::slice::from_ref(&row))
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }
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
        let now = queue.at;
        let people: Vec<(Uuid, bool)> = queue.emails.iter().map(|e| (e.contact_id.as_uuid(), false)).collect();
        let keys = self.person_keys_for_write(&mut tx, tenant, &people, now).await?;
        for a in queue.activities {
            self.insert_activity(&mut tx, a).await?;
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
                    ])
                    .map_err(ie)?;
            }
            tx.execute(&insert).await?;
        }
        for j in queue.jobs {
            insert_job(&mut tx, j, now).await?;
        }
        self.finish(tx, tenant, queue.events).await
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
        if current.state.is_final() {
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
        self.update_message(tenant, id, values, event).await
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
        self.update_message(tenant, id, values, event).await
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
