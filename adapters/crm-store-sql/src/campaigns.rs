//! Campaigns: their rows, the pages of their messages (outbox rows carrying the campaign,
//! at most one per contact), the company's pace (the latest next slot of its sending
//! campaigns), cancellation of what was not sent, and statistics counted from the messages.

use crate::SqlStore;
use crate::db::{Mode, On, Row};
use crate::email_rows::MESSAGE_COLUMNS;
use crate::jobs::insert_job;
use crate::rows::{from_ts, insert_row, ts, update_row};
use chrono::{DateTime, Utc};
use crm_domain::campaign::{Campaign, CampaignStatus};
use crm_domain::event::NewEvent;
use crm_domain::tenant::Language;
use crm_domain::{CampaignId, ContactId, EmailId, SegmentId, TemplateId, TenantId, UserId};
use crm_ports::store::{CampaignPage, CampaignStats, CampaignStore, EmailMessage, EmailState, NewJob};
use crm_ports::{Cipher, StoreError};
use sea_query::{Alias, Expr, ExprTrait, Func, Order, Query};
use uuid::Uuid;

fn campaign_from_row(r: &Row) -> Result<Campaign, StoreError> {
    let bad = |what: &str| StoreError::Internal(format!("campaigns: bad {what}"));
    let opt_ts = |col: &str| -> Result<Option<DateTime<Utc>>, StoreError> { r.get::<Option<i64>>(col)?.map(from_ts).transpose() };
    Ok(Campaign {
        id: CampaignId::from_uuid(r.get("id")?),
        tenant_id: TenantId::from_uuid(r.get("tenant_id")?),
        name: r.get("name")?,
        segment_id: SegmentId::from_uuid(r.get("segment_id")?),
        template_id: TemplateId::from_uuid(r.get("template_id")?),
        language: r
            .get::<Option<String>>("language")?
            .map(|l| Language::parse(&l).map_err(|_| bad("language")))
            .transpose()?,
        status: CampaignStatus::parse(&r.get::<String>("status")?).ok_or_else(|| bad("status"))?,
        scheduled_at: opt_ts("scheduled_at")?,
        created_by: r.get::<Option<Uuid>>("created_by")?.map(UserId::from_uuid),
        started_at: opt_ts("started_at")?,
        filled_at: opt_ts("filled_at")?,
        finished_at: opt_ts("finished_at")?,
        skipped: r.get("skipped")?,
        version: r.get("version")?,
        created_at: from_ts(r.get("created_at")?)?,
        updated_at: from_ts(r.get("updated_at")?)?,
    })
}

/// The columns a writer sets (the fill's columns — filled, skipped, next slot — are the
/// store's own).
fn campaign_values(c: &Campaign) -> Vec<(&'static str, sea_query::Value)> {
    vec![
        ("name", c.name.clone().into()),
        ("segment_id", c.segment_id.as_uuid().into()),
        ("template_id", c.template_id.as_uuid().into()),
        ("language", c.language.map(|l| l.code().to_owned()).into()),
        ("status", c.status.code().into()),
        ("scheduled_at", c.scheduled_at.map(ts).into()),
        ("created_by", c.created_by.map(|u| u.as_uuid()).into()),
        ("started_at", c.started_at.map(ts).into()),
        ("finished_at", c.finished_at.map(ts).into()),
    ]
}

fn of_campaign(tenant: TenantId, id: CampaignId) -> [sea_query::SimpleExpr; 2] {
    [
        Expr::col("tenant_id").eq(tenant.as_uuid()),
        Expr::col("campaign_id").eq(id.as_uuid()),
    ]
}

impl<C: Cipher> CampaignStore for SqlStore<C> {
    async fn create_campaign(&self, c: &Campaign, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(c.tenant_id), Mode::Write).await?;
        insert_row(
            &mut tx,
            "campaigns",
            c.tenant_id,
            c.id.as_uuid(),
            campaign_values(c),
            c.version,
            c.created_at,
            c.updated_at,
        )
        .await?;
        self.finish(tx, c.tenant_id, std::slice::from_ref(event)).await
    }

    async fn update_campaign(&self, c: &Campaign, expected_version: i64, event: &NewEvent, jobs: &[NewJob]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(c.tenant_id), Mode::Write).await?;
        for j in jobs {
            insert_job(&mut tx, j, c.updated_at).await?;
        }
        update_row(
            &mut tx,
            "campaigns",
            c.tenant_id,
            c.id.as_uuid(),
            expected_version,
            campaign_values(c),
            c.updated_at,
        )
        .await?;
        self.finish(tx, c.tenant_id, std::slice::from_ref(event)).await?;
        if !jobs.is_empty() {
            self.queued_jobs();
        }
        Ok(())
    }

    async fn delete_campaign(&self, tenant: TenantId, id: CampaignId, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let [t, c] = of_campaign(tenant, id);
        let sent = tx
            .fetch_optional(
                Query::select()
                    .column("id")
                    .from("email_messages")
                    .and_where(t)
                    .and_where(c)
                    .limit(1),
            )
            .await?;
        if sent.is_some() {
            return Err(StoreError::Conflict);
        }
        let n = tx
            .execute(
                Query::delete()
                    .from_table("campaigns")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id.as_uuid())),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }

    async fn campaign(&self, tenant: TenantId, id: CampaignId) -> Result<Campaign, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_one(
                Query::select()
                    .expr(Expr::cust("*"))
                    .from("campaigns")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id.as_uuid())),
            )
            .await?;
        tx.commit().await?;
        campaign_from_row(&row)
    }

    async fn campaigns(&self, tenant: TenantId) -> Result<Vec<Campaign>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .expr(Expr::cust("*"))
                    .from("campaigns")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .order_by("created_at", Order::Desc)
                    .order_by("id", Order::Desc),
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(campaign_from_row).collect()
    }

    async fn campaign_recipients(&self, tenant: TenantId, id: CampaignId, contacts: &[ContactId]) -> Result<Vec<ContactId>, StoreError> {
        if contacts.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let [t, c] = of_campaign(tenant, id);
        let rows = tx
            .fetch_all(
                Query::select()
                    .column("contact_id")
                    .from("email_messages")
                    .and_where(t)
                    .and_where(c)
                    .and_where(Expr::col("contact_id").is_in(contacts.iter().map(|c| c.as_uuid()))),
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(|r| Ok(ContactId::from_uuid(r.get("contact_id")?))).collect()
    }

    async fn send_slot(&self, tenant: TenantId) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_one(
                Query::select()
                    .expr_as(Func::max(Expr::col("next_slot")), Alias::new("slot"))
                    .from("campaigns")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("status").eq(CampaignStatus::Sending.code())),
            )
            .await?;
        tx.commit().await?;
        row.get::<Option<i64>>("slot")?.map(from_ts).transpose()
    }

    async fn queue_campaign_page(&self, tenant: TenantId, id: CampaignId, page: &CampaignPage<'_>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        // The campaign's row first: a cancel committed before makes the page a conflict,
        // one committed after waits for it and cancels its messages too.
        let n = tx
            .execute(
                Query::update()
                    .table("campaigns")
                    .values([
                        ("skipped", Expr::col("skipped").add(page.skipped)),
                        ("next_slot", ts(page.next_slot).into()),
                    ])
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id.as_uuid()))
                    .and_where(Expr::col("status").is_in([CampaignStatus::Sending.code(), CampaignStatus::Paused.code()])),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::Conflict);
        }
        self.queue_in(&mut tx, tenant, &page.queue).await?;
        self.finish(tx, tenant, page.queue.events).await?;
        if !page.queue.jobs.is_empty() {
            self.queued_jobs();
        }
        Ok(())
    }

    async fn campaign_filled(&self, tenant: TenantId, id: CampaignId, at: DateTime<Utc>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        tx.execute(
            Query::update()
                .table("campaigns")
                .value("filled_at", Func::coalesce([Expr::col("filled_at"), Expr::val(ts(at))]))
                .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                .and_where(Expr::col("id").eq(id.as_uuid())),
        )
        .await?;
        tx.commit().await
    }

    async fn finish_campaign(&self, tenant: TenantId, id: CampaignId, at: DateTime<Utc>, event: &NewEvent) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let [t, c] = of_campaign(tenant, id);
        let waiting = Query::select()
            .column("id")
            .from("email_messages")
            .and_where(t)
            .and_where(c)
            .and_where(Expr::col("state").is_in([EmailState::Queued.code(), EmailState::Sending.code()]))
            .to_owned();
        let n = tx
            .execute(
                Query::update()
                    .table("campaigns")
                    .values([
                        ("status", CampaignStatus::Sent.code().into()),
                        ("finished_at", ts(at).into()),
                        ("updated_at", ts(at).into()),
                        ("version", Expr::col("version").add(1)),
                    ])
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id.as_uuid()))
                    .and_where(Expr::col("status").eq(CampaignStatus::Sending.code()))
                    .and_where(Expr::col("filled_at").is_not_null())
                    .and_where(Expr::exists(waiting).not()),
            )
            .await?;
        if n == 0 {
            tx.commit().await?;
            return Ok(false);
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await?;
        Ok(true)
    }

    async fn cancel_campaign(&self, campaign: &Campaign, expected_version: i64, event: &NewEvent) -> Result<u64, StoreError> {
        let (tenant, id, at) = (campaign.tenant_id, campaign.id, campaign.updated_at);
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        update_row(
            &mut tx,
            "campaigns",
            tenant,
            id.as_uuid(),
            expected_version,
            campaign_values(campaign),
            at,
        )
        .await?;
        let [t, c] = of_campaign(tenant, id);
        let archives = Query::select()
            .column("activity_id")
            .from("email_messages")
            .and_where(t.clone())
            .and_where(c.clone())
            .and_where(Expr::col("state").eq(EmailState::Queued.code()))
            .and_where(Expr::col("activity_id").is_not_null())
            .to_owned();
        // The archives of messages never sent leave the timelines.
        for table in ["activity_links", "activity_attendees"] {
            tx.execute(
                Query::delete()
                    .from_table(table)
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("activity_id").in_subquery(archives.clone())),
            )
            .await?;
        }
        tx.execute(
            Query::delete()
                .from_table("activities")
                .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                .and_where(Expr::col("id").in_subquery(archives)),
        )
        .await?;
        let n = tx
            .execute(
                Query::update()
                    .table("email_messages")
                    .values([
                        ("state", EmailState::Cancelled.code().into()),
                        ("activity_id", Expr::val(Option::<Uuid>::None)),
                        ("updated_at", ts(at).into()),
                    ])
                    .and_where(t)
                    .and_where(c)
                    .and_where(Expr::col("state").eq(EmailState::Queued.code())),
            )
            .await?;
        self.finish(tx, tenant, std::slice::from_ref(event)).await?;
        Ok(n)
    }

    async fn held_campaign_emails(&self, tenant: TenantId, id: CampaignId) -> Result<Vec<EmailId>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let [t, c] = of_campaign(tenant, id);
        let rows = tx
            .fetch_all(
                Query::select()
                    .column("id")
                    .from("email_messages")
                    .and_where(t)
                    .and_where(c)
                    .and_where(Expr::col("state").eq(EmailState::Queued.code()))
                    .order_by("queued_at", Order::Asc)
                    .order_by("id", Order::Asc),
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(|r| Ok(EmailId::from_uuid(r.get("id")?))).collect()
    }

    async fn campaign_stats(&self, tenant: TenantId, id: CampaignId) -> Result<CampaignStats, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let [t, c] = of_campaign(tenant, id);
        let count_state = |s: EmailState| Expr::cust(format!("COALESCE(SUM(CASE WHEN state = '{}' THEN 1 ELSE 0 END), 0)", s.code()));
        let count_set = |col: &str| Expr::cust(format!("COALESCE(SUM(CASE WHEN {col} IS NOT NULL THEN 1 ELSE 0 END), 0)"));
        let row = tx
            .fetch_one(
                Query::select()
                    .expr_as(Expr::cust("COUNT(*)"), Alias::new("recipients"))
                    .expr_as(
                        Expr::cust(format!(
                            "COALESCE(SUM(CASE WHEN state IN ('{}', '{}') THEN 1 ELSE 0 END), 0)",
                            EmailState::Queued.code(),
                            EmailState::Sending.code()
                        )),
                        Alias::new("queued"),
                    )
                    .expr_as(count_state(EmailState::Sent), Alias::new("sent"))
                    .expr_as(count_state(EmailState::Failed), Alias::new("failed"))
                    .expr_as(count_state(EmailState::Bounced), Alias::new("bounced"))
                    .expr_as(count_state(EmailState::Cancelled), Alias::new("cancelled"))
                    .expr_as(count_set("opened_at"), Alias::new("opened"))
                    .expr_as(count_set("clicked_at"), Alias::new("clicked"))
                    .expr_as(count_set("unsubscribed_at"), Alias::new("unsubscribed"))
                    .expr_as(count_set("replied_at"), Alias::new("replied"))
                    .from("email_messages")
                    .and_where(t)
                    .and_where(c),
            )
            .await?;
        tx.commit().await?;
        Ok(CampaignStats {
            recipients: row.get("recipients")?,
            queued: row.get("queued")?,
            sent: row.get("sent")?,
            failed: row.get("failed")?,
            bounced: row.get("bounced")?,
            cancelled: row.get("cancelled")?,
            opened: row.get("opened")?,
            clicked: row.get("clicked")?,
            unsubscribed: row.get("unsubscribed")?,
            replied: row.get("replied")?,
        })
    }

    async fn campaign_emails(
        &self,
        tenant: TenantId,
        id: CampaignId,
        after: Option<EmailId>,
        limit: u32,
    ) -> Result<Vec<EmailMessage>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let [t, c] = of_campaign(tenant, id);
        let mut q = Query::select();
        q.columns(MESSAGE_COLUMNS)
            .from("email_messages")
            .and_where(t)
            .and_where(c)
            .order_by("id", Order::Asc)
            .limit(u64::from(limit));
        if let Some(a) = after {
            q.and_where(Expr::col("id").gt(a.as_uuid()));
        }
        let rows = tx.fetch_all(&q).await?;
        let out = self.messages_from_rows(&mut tx, tenant, &rows).await?;
        tx.commit().await?;
        Ok(out)
    }
}
