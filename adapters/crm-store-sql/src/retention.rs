//! The prospects whose retention time is up: created before the cutoff, with no contact
//! of their own doing since (a click or a reply to an email, an inbound call or email
//! logged, a consent given) and no open deal. An open is not theirs: it is never looked at.

use crate::SqlStore;
use crate::db::{Mode, On};
use crate::leads::has_deal;
use crate::rows::{from_ts, ts};
use chrono::{DateTime, Utc};
use crm_domain::activity::Direction;
use crm_domain::consent::{Basis, ConsentState};
use crm_domain::contact::ContactKind;
use crm_domain::event::EntityType;
use crm_domain::opportunity::Status;
use crm_domain::retention::RetentionCandidate;
use crm_domain::{ContactId, TenantId, UserId};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Func, Order, Query, SelectStatement};
use uuid::Uuid;

/// The latest of `column` in `table`'s rows of the outer contact (`contacts`).
fn latest_email_act(tenant: Uuid, column: &'static str) -> SelectStatement {
    Query::select()
        .expr(Expr::col(("email_messages", column)).max())
        .from("email_messages")
        .and_where(Expr::col(("email_messages", "tenant_id")).eq(tenant))
        .and_where(Expr::col(("email_messages", "contact_id")).equals(("contacts", "id")))
        .to_owned()
}

/// The latest inbound call or email logged against the outer contact.
fn latest_inbound(tenant: Uuid) -> SelectStatement {
    Query::select()
        .expr(Expr::col(("activities", "occurred_at")).max())
        .from("activity_links")
        .inner_join(
            "activities",
            Expr::col(("activities", "tenant_id"))
                .equals(("activity_links", "tenant_id"))
                .and(Expr::col(("activities", "id")).equals(("activity_links", "activity_id"))),
        )
        .and_where(Expr::col(("activity_links", "tenant_id")).eq(tenant))
        .and_where(Expr::col(("activity_links", "entity_type")).eq(EntityType::Contact.code()))
        .and_where(Expr::col(("activity_links", "entity_id")).equals(("contacts", "id")))
        .and_where(Expr::col(("activities", "direction")).eq(Direction::Inbound.code()))
        .and_where(Expr::col(("activities", "deleted_at")).is_null())
        .to_owned()
}

/// The latest consent the outer contact gave.
fn latest_consent(tenant: Uuid) -> SelectStatement {
    Query::select()
        .expr(Expr::col(("contact_consents", "given_at")).max())
        .from("contact_consents")
        .and_where(Expr::col(("contact_consents", "tenant_id")).eq(tenant))
        .and_where(Expr::col(("contact_consents", "contact_id")).equals(("contacts", "id")))
        .and_where(Expr::col(("contact_consents", "state")).eq(ConsentState::Granted(Basis::Consent).code()))
        .to_owned()
}

/// The four latest contacts of the person's own doing, as `(alias, subquery)`.
fn acts(tenant: Uuid) -> [(&'static str, SelectStatement); 4] {
    [
        ("last_click", latest_email_act(tenant, "clicked_at")),
        ("last_reply", latest_email_act(tenant, "replied_at")),
        ("last_inbound", latest_inbound(tenant)),
        ("last_consent", latest_consent(tenant)),
    ]
}

/// The prospects due at `cutoff`, as a select over `contacts` to which columns are added.
fn due_query(tenant: TenantId, cutoff: DateTime<Utc>) -> SelectStatement {
    let t = tenant.as_uuid();
    let mut q = Query::select();
    q.from("contacts")
        .and_where(Expr::col(("contacts", "tenant_id")).eq(t))
        .and_where(Expr::col(("contacts", "deleted_at")).is_null())
        .and_where(Expr::col(("contacts", "anonymised_at")).is_null())
        .and_where(Expr::col(("contacts", "kind")).eq(ContactKind::Prospect.code()))
        .and_where(Expr::col(("contacts", "created_at")).lt(ts(cutoff)))
        .and_where(has_deal(t, Some(Status::Open), None).not());
    for (_, act) in acts(t) {
        // NULL (never) or before the cutoff.
        q.and_where(Expr::expr(Func::coalesce([Expr::SubQuery(None, Box::new(act.into())), Expr::val(0_i64)])).lt(ts(cutoff)));
    }
    q
}

fn at(v: Option<i64>) -> Result<Option<DateTime<Utc>>, StoreError> {
    v.map(from_ts).transpose()
}

/// See [`crm_ports::store::PrivacyStore::retention_due`].
pub(crate) async fn due<C: Cipher>(
    store: &SqlStore<C>,
    tenant: TenantId,
    cutoff: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<RetentionCandidate>, StoreError> {
    let mut q = due_query(tenant, cutoff);
    q.columns([("contacts", "id"), ("contacts", "owner_id"), ("contacts", "created_at")]);
    for (alias, act) in acts(tenant.as_uuid()) {
        q.expr_as(Expr::SubQuery(None, Box::new(act.into())), alias);
    }
    q.order_by(("contacts", "created_at"), Order::Asc)
        .order_by(("contacts", "id"), Order::Asc)
        .limit(u64::from(limit));
    let mut tx = store.pool.begin(On::Tenant(tenant), Mode::Read).await?;
    let rows = tx.fetch_all(&q).await?;
    tx.commit().await?;
    rows.iter()
        .map(|r| {
            let acts = [
                at(r.get("last_click")?)?,
                at(r.get("last_reply")?)?,
                at(r.get("last_inbound")?)?,
                at(r.get("last_consent")?)?,
            ];
            Ok(RetentionCandidate {
                contact_id: ContactId::from_uuid(r.get("id")?),
                owner_id: UserId::from_uuid(r.get("owner_id")?),
                created_at: from_ts(r.get("created_at")?)?,
                last_initiated_at: acts.into_iter().flatten().max(),
            })
        })
        .collect()
}

/// See [`crm_ports::store::PrivacyStore::retention_due_count`].
pub(crate) async fn due_count<C: Cipher>(store: &SqlStore<C>, tenant: TenantId, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
    let mut q = due_query(tenant, cutoff);
    q.expr_as(Expr::cust("COUNT(*)"), "n");
    let mut tx = store.pool.begin(On::Tenant(tenant), Mode::Read).await?;
    let row = tx.fetch_one(&q).await?;
    tx.commit().await?;
    Ok(u64::try_from(row.get::<i64>("n")?).unwrap_or(0))
}
