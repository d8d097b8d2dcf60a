//! The rights requests (GDPR): one row each; the note and the answer sealed under the
//! tenant's key (they may name the person), the rest in clear for the deadlines.

use crate::SqlStore;
use crate::db::{Mode, On, Row};
use crate::rows::{from_ts, ts, versioned_update};
use chrono::{DateTime, Utc};
use crm_domain::access_log::AccessEntry;
use crm_domain::event::NewEvent;
use crm_domain::privacy::{PrivacyRequest, RequestKind, RequestStatus};
use crm_domain::retention::RetentionCandidate;
use crm_domain::text::LongText;
use crm_domain::{ContactId, PrivacyRequestId, TenantId, UserId};
use crm_ports::store::PrivacyStore;
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query};

const TABLE: &str = "privacy_requests";

const COLUMNS: [&str; 13] = [
    "tenant_id",
    "id",
    "contact_id",
    "kind",
    "received_at",
    "due_at",
    "note_ct",
    "status",
    "answer_ct",
    "logged_by",
    "answered_by",
    "answered_at",
    "version",
];

fn bad(what: &str) -> StoreError {
    StoreError::Internal(format!("privacy_requests: bad {what}"))
}

impl<C: Cipher> SqlStore<C> {
    fn read_request(&self, r: &Row) -> Result<PrivacyRequest, StoreError> {
        let tenant = TenantId::from_uuid(r.get("tenant_id")?);
        let id: uuid::Uuid = r.get("id")?;
        let text = |column: &str| -> Result<Option<LongText>, StoreError> {
            let sealed: Option<Vec<u8>> = r.get(column)?;
            let plain: Option<String> = self.open_opt(tenant, TABLE, column, id, sealed.as_deref())?;
            plain.map(|t| LongText::parse(&t).map_err(|_| bad(column))).transpose()
        };
        Ok(PrivacyRequest {
            id: PrivacyRequestId::from_uuid(id),
            tenant_id: tenant,
            contact_id: ContactId::from_uuid(r.get("contact_id")?),
            kind: RequestKind::parse(&r.get::<String>("kind")?).ok_or_else(|| bad("kind"))?,
            received_at: from_ts(r.get("received_at")?)?,
            due_at: from_ts(r.get("due_at")?)?,
            note: text("note_ct")?,
            status: RequestStatus::parse(&r.get::<String>("status")?).ok_or_else(|| bad("status"))?,
            answer: text("answer_ct")?,
            logged_by: r.get::<Option<uuid::Uuid>>("logged_by")?.map(UserId::from_uuid),
            answered_by: r.get::<Option<uuid::Uuid>>("answered_by")?.map(UserId::from_uuid),
            answered_at: r.get::<Option<i64>>("answered_at")?.map(from_ts).transpose()?,
            version: r.get("version")?,
        })
    }

    fn sealed_text(&self, q: &PrivacyRequest, column: &str, text: Option<&LongText>) -> Result<Option<Vec<u8>>, StoreError> {
        self.seal_opt(q.tenant_id, TABLE, column, q.id.as_uuid(), text.map(LongText::as_str))
    }
}

impl<C: Cipher> PrivacyStore for SqlStore<C> {
    async fn record_accesses(&self, entries: &[AccessEntry]) -> Result<(), StoreError> {
        crate::access_log::record(self, entries).await
    }

    async fn access_log(
        &self,
        tenant: TenantId,
        contact: Option<ContactId>,
        user: Option<UserId>,
        before: Option<uuid::Uuid>,
        limit: u32,
    ) -> Result<Vec<AccessEntry>, StoreError> {
        crate::access_log::read(self, tenant, contact, user, before, limit).await
    }

    async fn retention_due(&self, tenant: TenantId, cutoff: DateTime<Utc>, limit: u32) -> Result<Vec<RetentionCandidate>, StoreError> {
        crate::retention::due(self, tenant, cutoff, limit).await
    }

    async fn retention_due_count(&self, tenant: TenantId, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
        crate::retention::due_count(self, tenant, cutoff).await
    }

    async fn privacy_requests(&self, tenant: TenantId, contact: Option<ContactId>, limit: u32) -> Result<Vec<PrivacyRequest>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let mut q = Query::select();
        q.columns(COLUMNS)
            .from(TABLE)
            .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
            .order_by_expr(
                Expr::case(Expr::col("status").eq(RequestStatus::Open.code()), 0).finally(1).into(),
                Order::Asc,
            )
            .order_by_expr(
                Expr::case(Expr::col("status").eq(RequestStatus::Open.code()), Expr::col("due_at"))
                    .finally(Expr::col("received_at").mul(-1))
                    .into(),
                Order::Asc,
            )
            .limit(u64::from(limit));
        if let Some(c) = contact {
            q.and_where(Expr::col("contact_id").eq(c.as_uuid()));
        }
        let rows = tx.fetch_all(&q).await?;
        tx.commit().await?;
        rows.iter().map(|r| self.read_request(r)).collect()
    }

    async fn privacy_request(&self, tenant: TenantId, id: PrivacyRequestId) -> Result<PrivacyRequest, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_optional(
                Query::select()
                    .columns(COLUMNS)
                    .from(TABLE)
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id.as_uuid())),
            )
            .await?;
        tx.commit().await?;
        self.read_request(&row.ok_or(StoreError::NotFound)?)
    }

    async fn create_privacy_request(&self, q: &PrivacyRequest, event: &NewEvent) -> Result<(), StoreError> {
        let note = self.sealed_text(q, "note_ct", q.note.as_ref())?;
        let answer = self.sealed_text(q, "answer_ct", q.answer.as_ref())?;
        let mut tx = self.pool.begin(On::Tenant(q.tenant_id), Mode::Write).await?;
        tx.execute(
            Query::insert()
                .into_table(TABLE)
                .columns(COLUMNS)
                .values([
                    q.tenant_id.as_uuid().into(),
                    q.id.as_uuid().into(),
                    q.contact_id.as_uuid().into(),
                    q.kind.code().into(),
                    ts(q.received_at).into(),
                    ts(q.due_at).into(),
                    note.into(),
                    q.status.code().into(),
                    answer.into(),
                    q.logged_by.map(|u| u.as_uuid()).into(),
                    q.answered_by.map(|u| u.as_uuid()).into(),
                    q.answered_at.map(ts).into(),
                    q.version.into(),
                ])
                .map_err(|e| StoreError::Internal(e.to_string()))?,
        )
        .await?;
        self.finish(tx, q.tenant_id, std::slice::from_ref(event)).await
    }

    async fn update_privacy_request(&self, q: &PrivacyRequest, expected_version: i64, event: &NewEvent) -> Result<(), StoreError> {
        let note = self.sealed_text(q, "note_ct", q.note.as_ref())?;
        let answer = self.sealed_text(q, "answer_ct", q.answer.as_ref())?;
        let mut tx = self.pool.begin(On::Tenant(q.tenant_id), Mode::Write).await?;
        let mut stmt = Query::update();
        stmt.values([
            ("note_ct", note.into()),
            ("status", q.status.code().into()),
            ("answer_ct", answer.into()),
            ("answered_by", q.answered_by.map(|u| u.as_uuid()).into()),
            ("answered_at", q.answered_at.map(ts).into()),
            ("version", q.version.into()),
        ]);
        versioned_update(&mut tx, TABLE, q.tenant_id, q.id.as_uuid(), expected_version, false, stmt).await?;
        self.finish(tx, q.tenant_id, std::slice::from_ref(event)).await
    }

    async fn record_event(&self, tenant: TenantId, event: &NewEvent) -> Result<(), StoreError> {
        let tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }
}
