//! Organizations: readable by every role of the tenant; the street is sealed.

use crate::SqlStore;
use crate::db::{Mode, On, Row, Tx};
use crate::paging;
use crate::rows::{from_ts, insert_row, update_row, valid};
use crm_domain::event::NewEvent;
use crm_domain::organization::{Organization, OrganizationSize, PostalAddress, WebDomain};
use crm_domain::tenant::CountryCode;
use crm_domain::text::{Label, LongText, Name};
use crm_domain::{OrganizationId, TenantId};
use crm_ports::query::{Page, PageRequest};
use crm_ports::store::OrganizationStore;
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Query, Value};
use uuid::Uuid;

const COLUMNS: [&str; 16] = [
    "tenant_id",
    "id",
    "name",
    "name_sort",
    "domain",
    "industry",
    "size",
    "street_ct",
    "postal_code",
    "city",
    "country",
    "external_id",
    "version",
    "created_at",
    "updated_at",
    "deleted_at",
];

impl<C: Cipher> SqlStore<C> {
    /// Inserts an organization's row.
    pub(crate) async fn insert_organization(&self, tx: &mut Tx, o: &Organization) -> Result<(), StoreError> {
        let fields = self.organization_values(o)?;
        insert_row(
            tx,
            "organizations",
            o.tenant_id,
            o.id.as_uuid(),
            fields,
            o.version,
            o.created_at,
            o.updated_at,
        )
        .await
    }

    /// Rewrites an organization's row, guarded by the version it was read at.
    pub(crate) async fn rewrite_organization(&self, tx: &mut Tx, o: &Organization, expected_version: i64) -> Result<(), StoreError> {
        let fields = self.organization_values(o)?;
        update_row(
            tx,
            "organizations",
            o.tenant_id,
            o.id.as_uuid(),
            expected_version,
            fields,
            o.updated_at,
        )
        .await
    }

    fn organization_values(&self, o: &Organization) -> Result<Vec<(&'static str, Value)>, StoreError> {
        let text = |l: Option<&Label>| -> Value { l.map(|x| x.as_str().to_owned()).into() };
        Ok(vec![
            ("name", o.name.as_str().into()),
            ("name_sort", o.sort_key().into()),
            ("domain", o.domain.as_ref().map(|d| d.as_str().to_owned()).into()),
            ("industry", text(o.industry.as_ref())),
            ("size", o.size.map(|s| s.code().to_owned()).into()),
            (
                "street_ct",
                self.seal_opt(
                    o.tenant_id,
                    "organizations",
                    "street",
                    o.id.as_uuid(),
                    o.address.street.as_ref().map(LongText::as_str),
                )?
                .into(),
            ),
            ("postal_code", text(o.address.postal_code.as_ref())),
            ("city", text(o.address.city.as_ref())),
            ("country", o.address.country.map(|c| c.as_str().to_owned()).into()),
            ("external_id", o.external_id.as_ref().map(|x| x.as_str().to_owned()).into()),
        ])
    }

    fn organization_from_row(&self, row: &Row) -> Result<Organization, StoreError> {
        let tenant_id = TenantId::from_uuid(row.get("tenant_id")?);
        let id: Uuid = row.get("id")?;
        let street: Option<String> = self.open_opt(
            tenant_id,
            "organizations",
            "street",
            id,
            row.get::<Option<Vec<u8>>>("street_ct")?.as_deref(),
        )?;
        let opt_label = |col: &str| -> Result<Option<Label>, StoreError> {
            valid(col, Label::parse_optional(row.get::<Option<String>>(col)?.as_deref()))
        };
        Ok(Organization {
            id: OrganizationId::from_uuid(id),
            tenant_id,
            name: valid("name", Name::parse(&row.get::<String>("name")?))?,
            domain: row
                .get::<Option<String>>("domain")?
                .map(|d| valid("domain", WebDomain::parse(&d)))
                .transpose()?,
            industry: opt_label("industry")?,
            size: row
                .get::<Option<String>>("size")?
                .map(|s| valid("size", OrganizationSize::parse(&s)))
                .transpose()?,
            address: PostalAddress {
                street: valid("street", LongText::parse_optional(street.as_deref()))?,
                postal_code: opt_label("postal_code")?,
                city: opt_label("city")?,
                country: row
                    .get::<Option<String>>("country")?
                    .map(|c| valid("country", CountryCode::from_stored(&c)))
                    .transpose()?,
            },
            external_id: valid(
                "external_id",
                crm_domain::text::ExternalId::parse_optional(row.get::<Option<String>>("external_id")?.as_deref()),
            )?,
            version: row.get("version")?,
            created_at: from_ts(row.get("created_at")?)?,
            updated_at: from_ts(row.get("updated_at")?)?,
        })
    }
}

impl<C: Cipher> OrganizationStore for SqlStore<C> {
    async fn create_organization(&self, o: &Organization, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(o.tenant_id), Mode::Write).await?;
        self.insert_organization(&mut tx, o).await?;
        self.finish(tx, o.tenant_id, std::slice::from_ref(event)).await
    }

    async fn organization(&self, tenant: TenantId, id: OrganizationId) -> Result<Organization, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_one(
                Query::select()
                    .columns(COLUMNS)
                    .from("organizations")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id.as_uuid()))
                    .and_where(Expr::col("deleted_at").is_null()),
            )
            .await?;
        tx.commit().await?;
        self.organization_from_row(&row)
    }

    async fn list_organizations(&self, tenant: TenantId, page: &PageRequest) -> Result<Page<Organization>, StoreError> {
        let mut q = Query::select();
        q.columns(COLUMNS.map(|c| ("organizations", c)))
            .from("organizations")
            .and_where(Expr::col(("organizations", "tenant_id")).eq(tenant.as_uuid()))
            .and_where(Expr::col(("organizations", "deleted_at")).is_null());
        let sort_col = paging::sort_column(page.sort, "name_sort");
        let size = paging::apply(&mut q, "organizations", sort_col, page)?;
        let mut rows = self.pool.read_all(On::Tenant(tenant), &q).await?;
        let next_cursor = paging::next_cursor(&mut rows, size, sort_col)?;
        let items = rows.iter().map(|r| self.organization_from_row(r)).collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }

    async fn update_organization(&self, o: &Organization, expected_version: i64, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(o.tenant_id), Mode::Write).await?;
        self.rewrite_organization(&mut tx, o, expected_version).await?;
        self.finish(tx, o.tenant_id, std::slice::from_ref(event)).await
    }
}
