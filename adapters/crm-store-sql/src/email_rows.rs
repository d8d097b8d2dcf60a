//! Email rows: what is sealed of a message (under its recipient's key, bound to tenant and
//! message), the columns read and written, templates as rows, and the guarded update of one
//! message.

use crate::SqlStore;
use crate::db::{Mode, On, Row, Tx};
use crate::rows::from_ts;
use crm_domain::event::NewEvent;
use crm_domain::template::{EmailTemplate, TemplateVariant};
use crm_domain::text::fold;
use crm_domain::{ActivityId, CampaignId, ContactId, EmailId, OpportunityId, TemplateId, TenantId, UserId};
use crm_ports::mail::Mailbox;
use crm_ports::store::{EmailContent, EmailMessage, EmailState, EmailStats};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Query};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

/// The seal's context of a message's content.
pub(crate) fn content_aad(tenant: TenantId, id: EmailId) -> Vec<u8> {
    format!("crm/{}/email_messages/content/{}", tenant.as_uuid(), id.as_uuid()).into_bytes()
}

#[derive(Serialize, Deserialize)]
pub(crate) struct StoredBox {
    pub(crate) name: String,
    pub(crate) address: String,
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
pub(crate) struct StoredContent {
    pub(crate) from: StoredBox,
    pub(crate) to: StoredBox,
    pub(crate) reply_to: Option<StoredBox>,
    pub(crate) subject: String,
    pub(crate) text: String,
    pub(crate) html: Option<String>,
    #[serde(default)]
    pub(crate) unsubscribe: Option<String>,
}

pub(crate) const MESSAGE_COLUMNS: [&str; 25] = [
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
    "campaign_id",
    "opened_at",
    "opens",
    "machine_opens",
    "clicked_at",
    "clicks",
    "unsubscribed_at",
    "replied_at",
    "replies",
];

/// The columns a new message is written with (its engagement starts empty).
pub(crate) const QUEUED_COLUMNS: usize = 17;

pub(crate) fn template_from_row(r: &Row) -> Result<EmailTemplate, StoreError> {
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

pub(crate) fn template_values(t: &EmailTemplate) -> Vec<(&'static str, sea_query::Value)> {
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
    pub(crate) fn seal_content(&self, key: &crm_ports::DataKey, e: &EmailMessage, c: &EmailContent) -> Result<Vec<u8>, StoreError> {
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

    pub(crate) async fn messages_from_rows(&self, tx: &mut Tx, tenant: TenantId, rows: &[Row]) -> Result<Vec<EmailMessage>, StoreError> {
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
                    campaign_id: r.get::<Option<Uuid>>("campaign_id")?.map(CampaignId::from_uuid),
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
                        replied_at: r.get::<Option<i64>>("replied_at")?.map(from_ts).transpose()?,
                        replies: r.get("replies")?,
                    },
                })
            })
            .collect()
    }

    /// Sets columns of one message, with its event when given. `NotFound` when the tenant
    /// has no such message; with `from`, only a message in one of those states changes (an
    /// attempt's outcome never overwrites what a delivery report or a cancel decided
    /// meanwhile), another is left as it is.
    pub(crate) async fn update_message(
        &self,
        tenant: TenantId,
        id: EmailId,
        values: Vec<(&'static str, Expr)>,
        event: Option<&NewEvent>,
        from: Option<&[EmailState]>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let mut q = Query::update();
        q.table("email_messages")
            .values(values)
            .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
            .and_where(Expr::col("id").eq(id.as_uuid()));
        if let Some(states) = from {
            q.and_where(Expr::col("state").is_in(states.iter().map(|s| s.code())));
        }
        let n = tx.execute(&q).await?;
        if n == 0 && from.is_some() {
            return tx.commit().await;
        }
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        match event {
            Some(e) => self.finish(tx, tenant, std::slice::from_ref(e)).await,
            None => tx.commit().await,
        }
    }

    pub(crate) async fn message_in(&self, tx: &mut Tx, tenant: TenantId, id: EmailId) -> Result<EmailMessage, StoreError> {
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
