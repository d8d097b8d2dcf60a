//! Records of stored files: one row of `files` per file, its name sealed (names often
//! carry a person's), read back by the tenant and, for people other than its Admins, by
//! who put it there.

use crate::SqlStore;
use crate::db::{Mode, On, Row};
use crate::rows::{from_ts, ts};
use crm_domain::event::NewEvent;
use crm_domain::{TenantId, UserId};
use crm_ports::store::{FileRecord, FileRecordStore};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use uuid::Uuid;

const COLUMNS: [&str; 8] = [
    "tenant_id",
    "id",
    "name",
    "content_type",
    "size",
    "sha256",
    "created_by",
    "created_at",
];

fn select(tenant: TenantId, owner: Option<UserId>) -> SelectStatement {
    let mut q = Query::select();
    q.from("files")
        .columns(COLUMNS)
        .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()));
    if let Some(o) = owner {
        q.and_where(Expr::col("created_by").eq(o.as_uuid()));
    }
    q
}

impl<C: Cipher> SqlStore<C> {
    fn file_from_row(&self, tenant: TenantId, r: &Row) -> Result<FileRecord, StoreError> {
        let id: Uuid = r.get("id")?;
        let sealed: Vec<u8> = r.get("name")?;
        Ok(FileRecord {
            id,
            tenant_id: tenant,
            name: self.open(tenant, "files", "name", id, &sealed)?,
            content_type: r.get("content_type")?,
            size: u64::try_from(r.get::<i64>("size")?).map_err(|e| StoreError::Internal(format!("stored size: {e}")))?,
            sha256: r.get("sha256")?,
            created_by: r.get::<Option<Uuid>>("created_by")?.map(UserId::from_uuid),
            created_at: from_ts(r.get("created_at")?)?,
        })
    }
}

impl<C: Cipher> FileRecordStore for SqlStore<C> {
    async fn create_file(&self, f: &FileRecord, event: &NewEvent) -> Result<(), StoreError> {
        let size = i64::try_from(f.size).map_err(|_| StoreError::Internal("file size over i64".into()))?;
        let name = self.seal(f.tenant_id, "files", "name", f.id, &f.name)?;
        let mut tx = self.pool.begin(On::Tenant(f.tenant_id), Mode::Write).await?;
        tx.execute(
            Query::insert()
                .into_table("files")
                .columns(COLUMNS)
                .values([
                    f.tenant_id.as_uuid().into(),
                    f.id.into(),
                    name.into(),
                    f.content_type.clone().into(),
                    size.into(),
                    f.sha256.clone().into(),
                    f.created_by.map(|u| u.as_uuid()).into(),
                    ts(f.created_at).into(),
                ])
                .map_err(|e| StoreError::Internal(e.to_string()))?,
        )
        .await?;
        self.finish(tx, f.tenant_id, std::slice::from_ref(event)).await
    }

    async fn file(&self, tenant: TenantId, id: Uuid, owner: Option<UserId>) -> Result<FileRecord, StoreError> {
        let mut q = select(tenant, owner);
        q.and_where(Expr::col("id").eq(id));
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx.fetch_optional(&q).await?;
        tx.commit().await?;
        match row {
            Some(r) => self.file_from_row(tenant, &r),
            None => Err(StoreError::NotFound),
        }
    }

    async fn files(&self, tenant: TenantId, owner: Option<UserId>, limit: u32) -> Result<Vec<FileRecord>, StoreError> {
        let mut q = select(tenant, owner);
        q.order_by("created_at", Order::Desc)
            .order_by("id", Order::Desc)
            .limit(u64::from(limit));
        let rows = self.pool.read_all(On::Tenant(tenant), &q).await?;
        rows.iter().map(|r| self.file_from_row(tenant, r)).collect()
    }

    async fn delete_file(&self, tenant: TenantId, id: Uuid, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Write).await?;
        let n = tx
            .execute(
                Query::delete()
                    .from_table("files")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id)),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.finish(tx, tenant, std::slice::from_ref(event)).await
    }
}
