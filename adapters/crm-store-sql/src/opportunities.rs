//! Opportunities with their linked contacts and stage history; forecast inputs.

use crate::SqlStore;
use crate::db::{Mode, On, Row, Tx};
use crate::paging;
use crate::rows::{from_ts, insert_row, ts, update_row, valid};
use crate::scope::owner_in_scope;
use crm_domain::event::NewEvent;
use crm_domain::forecast::ForecastItem;
use crm_domain::money::{Currency, Money, Probability};
use crm_domain::opportunity::{Opportunity, OpportunityFields, StageChange, Status};
use crm_domain::text::{Label, LongText};
use crm_domain::{ContactId, OpportunityId, OrganizationId, PipelineId, StageId, TeamId, TenantId, UserId};
use crm_ports::query::{OpportunityFilter, Page, PageRequest, Scope};
use crm_ports::store::OpportunityStore;
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, IntoTableRef, Query, SelectStatement, Value};
use sqlx::types::Json;
use std::collections::HashMap;
use uuid::Uuid;

const COLUMNS: [&str; 21] = [
    "tenant_id",
    "id",
    "title",
    "title_sort",
    "pipeline_id",
    "stage_id",
    "value_minor",
    "currency",
    "probability",
    "probability_overridden",
    "expected_close",
    "owner_id",
    "organization_id",
    "status",
    "lost_reason",
    "closed_at",
    "stage_history",
    "version",
    "created_at",
    "updated_at",
    "deleted_at",
];

fn ie(e: sea_query::error::Error) -> StoreError {
    StoreError::Internal(e.to_string())
}

fn values(o: &Opportunity) -> Result<Vec<(&'static str, Value)>, StoreError> {
    let history = serde_json::to_value(&o.stage_history).map_err(|e| StoreError::Internal(e.to_string()))?;
    let reason = match &o.status {
        Status::Lost { reason } => Some(reason.as_str().to_owned()),
        _ => None,
    };
    Ok(vec![
        ("title", o.fields.title.as_str().into()),
        ("title_sort", crm_domain::text::fold(o.fields.title.as_str()).into()),
        ("pipeline_id", o.pipeline_id.as_uuid().into()),
        ("stage_id", o.stage_id.as_uuid().into()),
        ("value_minor", o.fields.value.minor().into()),
        ("currency", o.fields.value.currency().as_str().into()),
        ("probability", i64::from(o.probability.percent()).into()),
        ("probability_overridden", o.probability_overridden.into()),
        ("expected_close", o.fields.expected_close.into()),
        ("owner_id", o.owner_id.as_uuid().into()),
        ("organization_id", o.fields.organization_id.map(|x| x.as_uuid()).into()),
        ("status", o.status.code().into()),
        ("lost_reason", reason.into()),
        ("closed_at", o.closed_at.map(ts).into()),
        ("stage_history", history.into()),
    ])
}

async fn write_links(tx: &mut Tx, o: &Opportunity) -> Result<(), StoreError> {
    let (t, id) = (o.tenant_id.as_uuid(), o.id.as_uuid());
    tx.execute(
        Query::delete()
            .from_table("opportunity_contacts")
            .and_where(Expr::col("tenant_id").eq(t))
            .and_where(Expr::col("opportunity_id").eq(id)),
    )
    .await?;
    if o.fields.contact_ids.is_empty() {
        return Ok(());
    }
    let mut q = Query::insert();
    q.into_table("opportunity_contacts")
        .columns(["tenant_id", "opportunity_id", "contact_id", "position"]);
    for (i, c) in o.fields.contact_ids.iter().enumerate() {
        q.values([t.into(), id.into(), c.as_uuid().into(), (i as i64).into()]).map_err(ie)?;
    }
    tx.execute(&q).await?;
    Ok(())
}

/// The contacts linked to each of `ids`, in their order; each opportunity sought by
/// index, a few hundred a statement (removing a stage reads all of its opportunities at
/// once).
async fn load_links(tx: &mut Tx, tenant: TenantId, ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<ContactId>>, StoreError> {
    let links = Query::select()
        .columns([
            ("opportunity_contacts", "opportunity_id"),
            ("opportunity_contacts", "contact_id"),
            ("opportunity_contacts", "position"),
        ])
        .from("opportunity_contacts")
        .and_where(Expr::col(("opportunity_contacts", "tenant_id")).eq(tenant.as_uuid()))
        .to_owned();
    let mut placed: HashMap<Uuid, Vec<(i64, ContactId)>> = HashMap::new();
    for r in tx.fetch_matching(&links, ("opportunity_contacts", "opportunity_id"), ids).await? {
        placed
            .entry(r.get("opportunity_id")?)
            .or_default()
            .push((r.get("position")?, ContactId::from_uuid(r.get("contact_id")?)));
    }
    Ok(placed
        .into_iter()
        .map(|(id, mut links)| {
            links.sort_unstable_by_key(|(position, _)| *position);
            (id, links.into_iter().map(|(_, c)| c).collect())
        })
        .collect())
}

fn from_row(row: &Row, links: &mut HashMap<Uuid, Vec<ContactId>>) -> Result<Opportunity, StoreError> {
    let id: Uuid = row.get("id")?;
    let currency = valid("currency", Currency::parse(&row.get::<String>("currency")?))?;
    let status = match row.get::<String>("status")?.as_str() {
        "open" => Status::Open,
        "won" => Status::Won,
        "lost" => Status::Lost {
            reason: valid(
                "lost_reason",
                LongText::parse(&row.get::<Option<String>>("lost_reason")?.unwrap_or_default()),
            )?,
        },
        other => return Err(StoreError::Internal(format!("stored status is invalid: {other}"))),
    };
    let Json(history): Json<Vec<StageChange>> = row.get("stage_history")?;
    Ok(Opportunity {
        id: OpportunityId::from_uuid(id),
        tenant_id: TenantId::from_uuid(row.get("tenant_id")?),
        pipeline_id: PipelineId::from_uuid(row.get("pipeline_id")?),
        stage_id: StageId::from_uuid(row.get("stage_id")?),
        owner_id: UserId::from_uuid(row.get("owner_id")?),
        fields: OpportunityFields {
            title: valid("title", Label::parse(&row.get::<String>("title")?))?,
            value: valid("value", Money::new(row.get("value_minor")?, currency))?,
            contact_ids: links.remove(&id).unwrap_or_default(),
            organization_id: row.get::<Option<Uuid>>("organization_id")?.map(OrganizationId::from_uuid),
            expected_close: row.get("expected_close")?,
        },
        probability: valid("probability", Probability::new(row.get("probability")?))?,
        probability_overridden: row.get("probability_overridden")?,
        status,
        closed_at: row.get::<Option<i64>>("closed_at")?.map(from_ts).transpose()?,
        stage_history: history,
        version: row.get("version")?,
        created_at: from_ts(row.get("created_at")?)?,
        updated_at: from_ts(row.get("updated_at")?)?,
    })
}

/// A page of the opportunities list, its sort column and page size.
pub(crate) fn opportunities_page(
    scope: Scope,
    filter: &OpportunityFilter,
    page: &PageRequest,
) -> Result<(SelectStatement, &'static str, u64), StoreError> {
    let mut q = select(scope, filter);
    let sort_col = paging::sort_column(page.sort, "title_sort");
    let size = paging::apply(&mut q, "opportunities", sort_col, page)?;
    Ok((q, sort_col, size))
}

fn select(scope: Scope, filter: &OpportunityFilter) -> SelectStatement {
    let t = "opportunities";
    let mut q = Query::select();
    q.columns(COLUMNS.map(|c| (t, c)))
        .from(t)
        .and_where(Expr::col((t, "tenant_id")).eq(scope.tenant_id.as_uuid()))
        .and_where(Expr::col((t, "deleted_at")).is_null())
        .and_where(owner_in_scope(scope.tenant_id, scope.records, (t, "owner_id")));
    if let Some(o) = filter.owner_id {
        q.and_where(Expr::col((t, "owner_id")).eq(o.as_uuid()));
    }
    if let Some(p) = filter.pipeline_id {
        q.and_where(Expr::col((t, "pipeline_id")).eq(p.as_uuid()));
    }
    if let Some(s) = filter.stage_id {
        q.and_where(Expr::col((t, "stage_id")).eq(s.as_uuid()));
    }
    if let Some(s) = filter.status {
        q.and_where(Expr::col((t, "status")).eq(s));
    }
    if let Some(d) = filter.close_from {
        q.and_where(Expr::col((t, "expected_close")).gte(d));
    }
    if let Some(d) = filter.close_to {
        q.and_where(Expr::col((t, "expected_close")).lte(d));
    }
    if let Some(o) = filter.organization_id {
        q.and_where(Expr::col((t, "organization_id")).eq(o.as_uuid()));
    }
    if let Some(c) = filter.contact_id {
        q.and_where(
            Expr::col((t, "id")).in_subquery(
                Query::select()
                    .column("opportunity_id")
                    .from("opportunity_contacts")
                    .and_where(Expr::col("tenant_id").eq(scope.tenant_id.as_uuid()))
                    .and_where(Expr::col("contact_id").eq(c.as_uuid()))
                    .to_owned(),
            ),
        );
    }
    if let Some(team) = filter.team_id {
        q.and_where(
            Expr::col((t, "owner_id")).in_subquery(
                Query::select()
                    .column("id")
                    .from("users")
                    .and_where(Expr::col("tenant_id").eq(scope.tenant_id.as_uuid()))
                    .and_where(Expr::col("team_id").eq(team.as_uuid()))
                    .to_owned(),
            ),
        );
    }
    q
}

/// Inserts an opportunity's row and its links.
pub(crate) async fn insert_opportunity(tx: &mut Tx, o: &Opportunity) -> Result<(), StoreError> {
    insert_row(
        tx,
        "opportunities",
        o.tenant_id,
        o.id.as_uuid(),
        values(o)?,
        o.version,
        o.created_at,
        o.updated_at,
    )
    .await?;
    write_links(tx, o).await?;
    crate::funnel::write_stays(tx, o).await
}

/// Writes a changed opportunity in the caller's transaction: the row (compare-and-set on
/// its version), its contacts and its stays in the funnel's projection.
pub(crate) async fn rewrite(tx: &mut Tx, o: &Opportunity, expected_version: i64) -> Result<(), StoreError> {
    update_row(
        tx,
        "opportunities",
        o.tenant_id,
        o.id.as_uuid(),
        expected_version,
        values(o)?,
        o.updated_at,
    )
    .await?;
    write_links(tx, o).await?;
    crate::funnel::write_stays(tx, o).await
}

impl<C: Cipher> SqlStore<C> {
    /// The live opportunities of a tenant that meet `cond` (every owner's).
    pub(crate) async fn opportunities_where(&self, tenant: TenantId, cond: Expr) -> Result<Vec<Opportunity>, StoreError> {
        let scope = Scope {
            tenant_id: tenant,
            records: crm_domain::visibility::RecordScope::Tenant,
        };
        let mut q = select(scope, &OpportunityFilter::default());
        q.and_where(cond);
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx.fetch_all(&q).await?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.get("id")).collect::<Result<_, _>>()?;
        let mut links = load_links(&mut tx, tenant, &ids).await?;
        tx.commit().await?;
        rows.iter().map(|r| from_row(r, &mut links)).collect()
    }
}

impl<C: Cipher> OpportunityStore for SqlStore<C> {
    async fn create_opportunity(&self, o: &Opportunity, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(o.tenant_id), Mode::Write).await?;
        insert_opportunity(&mut tx, o).await?;
        self.finish(tx, o.tenant_id, std::slice::from_ref(event)).await
    }

    async fn opportunity(&self, scope: Scope, id: OpportunityId) -> Result<Opportunity, StoreError> {
        let mut q = select(scope, &OpportunityFilter::default());
        q.and_where(Expr::col(("opportunities", "id")).eq(id.as_uuid()));
        let mut tx = self.pool.begin(On::Tenant(scope.tenant_id), Mode::Read).await?;
        let row = tx.fetch_one(&q).await?;
        let mut links = load_links(&mut tx, scope.tenant_id, &[id.as_uuid()]).await?;
        tx.commit().await?;
        from_row(&row, &mut links)
    }

    async fn list_opportunities(
        &self,
        scope: Scope,
        filter: &OpportunityFilter,
        page: &PageRequest,
    ) -> Result<Page<Opportunity>, StoreError> {
        let (q, sort_col, size) = opportunities_page(scope, filter, page)?;
        let mut tx = self.pool.begin(On::Tenant(scope.tenant_id), Mode::Read).await?;
        let mut rows = tx.fetch_all(&q).await?;
        let next_cursor = paging::next_cursor(&mut rows, size, sort_col)?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.get("id")).collect::<Result<_, _>>()?;
        let mut links = load_links(&mut tx, scope.tenant_id, &ids).await?;
        tx.commit().await?;
        let items = rows.iter().map(|r| from_row(r, &mut links)).collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }

    async fn update_opportunity(&self, o: &Opportunity, expected_version: i64, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(o.tenant_id), Mode::Write).await?;
        rewrite(&mut tx, o, expected_version).await?;
        self.finish(tx, o.tenant_id, std::slice::from_ref(event)).await
    }

    async fn forecast_items(&self, scope: Scope, filter: &OpportunityFilter) -> Result<Vec<ForecastItem>, StoreError> {
        let mut q = select(scope, filter);
        q.column(("fu", "team_id")).left_join(
            "users".into_table_ref().alias("fu"),
            Expr::col(("fu", "tenant_id"))
                .equals(("opportunities", "tenant_id"))
                .and(Expr::col(("fu", "id")).equals(("opportunities", "owner_id"))),
        );
        let rows = self.pool.read_all(On::Tenant(scope.tenant_id), &q).await?;
        rows.iter()
            .map(|r| {
                Ok(ForecastItem {
                    value_minor: r.get("value_minor")?,
                    currency: valid("currency", Currency::parse(&r.get::<String>("currency")?))?,
                    probability: valid("probability", Probability::new(r.get("probability")?))?,
                    expected_close: r.get("expected_close")?,
                    owner_id: UserId::from_uuid(r.get("owner_id")?),
                    team_id: r.get::<Option<Uuid>>("team_id")?.map(TeamId::from_uuid),
                    pipeline_id: PipelineId::from_uuid(r.get("pipeline_id")?),
                    stage_id: StageId::from_uuid(r.get("stage_id")?),
                })
            })
            .collect()
    }
}
