//! Users (email encrypted, with a tenant blind index and an installation-wide login index)
//! and teams.

use crate::SqlStore;
use crate::db::{Mode, On, Row, Tx};
use crate::rows::{from_ts, ts, valid, versioned_update};
use crm_domain::email::EmailAddress;
use crm_domain::event::NewEvent;
use crm_domain::tenant::Language;
use crm_domain::text::{Label, Name, fold};
use crm_domain::user::{Role, Team, User};
use crm_domain::{TeamId, TenantId, UserId};
use crm_ports::store::UserStore;
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, IntoTableRef, Order, Query};
use uuid::Uuid;

const USER_COLUMNS: [&str; 13] = [
    "tenant_id",
    "id",
    "email_ct",
    "email_bidx",
    "display_name",
    "name_sort",
    "role",
    "team_id",
    "language",
    "deactivated_at",
    "version",
    "created_at",
    "updated_at",
];
const TEAM_COLUMNS: [&str; 9] = [
    "tenant_id",
    "id",
    "name",
    "name_fold",
    "manager_id",
    "territory",
    "version",
    "created_at",
    "updated_at",
];

fn ie(e: sea_query::error::Error) -> StoreError {
    StoreError::Internal(e.to_string())
}

impl<C: Cipher> SqlStore<C> {
    pub(crate) async fn insert_user(&self, tx: &mut Tx, u: &User) -> Result<(), StoreError> {
        let t = u.tenant_id;
        tx.execute(
            Query::insert()
                .into_table("user_logins")
                .columns(["email_hash", "tenant_id", "user_id"])
                .values([self.login_hash(u.email.as_str()).into(), t.as_uuid().into(), u.id.as_uuid().into()])
                .map_err(ie)?,
        )
        .await?;
        tx.execute(
            Query::insert()
                .into_table("users")
                .columns(USER_COLUMNS)
                .values([
                    t.as_uuid().into(),
                    u.id.as_uuid().into(),
                    self.seal(t, "users", "email", u.id.as_uuid(), u.email.as_str())?.into(),
                    self.blind(t, "user-email", u.email.as_str()).into(),
                    u.display_name.as_str().into(),
                    fold(u.display_name.as_str()).into(),
                    u.role.code().into(),
                    u.team_id.map(|x| x.as_uuid()).into(),
                    u.language.map(|l| l.code()).into(),
                    u.deactivated_at.map(ts).into(),
                    u.version.into(),
                    ts(u.created_at).into(),
                    ts(u.updated_at).into(),
                ])
                .map_err(ie)?,
        )
        .await?;
        Ok(())
    }

    fn user_from_row(&self, row: &Row) -> Result<User, StoreError> {
        let tenant_id = TenantId::from_uuid(row.get("tenant_id")?);
        let id: Uuid = row.get("id")?;
        let email: String = self.open(tenant_id, "users", "email", id, &row.get::<Vec<u8>>("email_ct")?)?;
        Ok(User {
            id: UserId::from_uuid(id),
            tenant_id,
            email: valid("email", EmailAddress::parse(&email))?,
            display_name: valid("display_name", Name::parse(&row.get::<String>("display_name")?))?,
            role: valid("role", Role::parse(&row.get::<String>("role")?))?,
            team_id: row.get::<Option<Uuid>>("team_id")?.map(TeamId::from_uuid),
            language: row
                .get::<Option<String>>("language")?
                .map(|l| valid("language", Language::parse(&l)))
                .transpose()?,
            deactivated_at: row.get::<Option<i64>>("deactivated_at")?.map(from_ts).transpose()?,
            version: row.get("version")?,
            created_at: from_ts(row.get("created_at")?)?,
            updated_at: from_ts(row.get("updated_at")?)?,
        })
    }
}

fn team_from_row(row: &Row) -> Result<Team, StoreError> {
    Ok(Team {
        id: TeamId::from_uuid(row.get("id")?),
        tenant_id: TenantId::from_uuid(row.get("tenant_id")?),
        name: valid("name", Name::parse(&row.get::<String>("name")?))?,
        manager_id: UserId::from_uuid(row.get("manager_id")?),
        territory: valid(
            "territory",
            Label::parse_optional(row.get::<Option<String>>("territory")?.as_deref()),
        )?,
        version: row.get("version")?,
        created_at: from_ts(row.get("created_at")?)?,
        updated_at: from_ts(row.get("updated_at")?)?,
    })
}

impl<C: Cipher> UserStore for SqlStore<C> {
    async fn create_user(&self, user: &User, password_hash: Option<&str>, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(user.tenant_id), Mode::Write).await?;
        self.insert_user(&mut tx, user).await?;
        if let Some(h) = password_hash {
            self.write_password(&mut tx, user.tenant_id, user.id, h, user.created_at).await?;
        }
        self.finish(tx, user.tenant_id, std::slice::from_ref(event)).await
    }

    async fn user(&self, tenant: TenantId, id: UserId) -> Result<User, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_one(
                Query::select()
                    .columns(USER_COLUMNS)
                    .from("users")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id.as_uuid())),
            )
            .await?;
        tx.commit().await?;
        self.user_from_row(&row)
    }

    async fn list_users(&self, tenant: TenantId) -> Result<Vec<User>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(USER_COLUMNS)
                    .from("users")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .order_by("name_sort", Order::Asc)
                    .order_by("id", Order::Asc),
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(|r| self.user_from_row(r)).collect()
    }

    async fn update_user(&self, user: &User, expected_version: i64, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(user.tenant_id), Mode::Write).await?;
        let mut stmt = Query::update();
        stmt.values([
            ("display_name", user.display_name.as_str().into()),
            ("name_sort", fold(user.display_name.as_str()).into()),
            ("role", user.role.code().into()),
            ("team_id", user.team_id.map(|x| x.as_uuid()).into()),
            ("language", user.language.map(|l| l.code()).into()),
            ("deactivated_at", user.deactivated_at.map(ts).into()),
            ("version", (expected_version + 1).into()),
            ("updated_at", ts(user.updated_at).into()),
        ]);
        versioned_update(&mut tx, "users", user.tenant_id, user.id.as_uuid(), expected_version, false, stmt).await?;
        if let Some(at) = user.deactivated_at {
            // Every way in ends with the deactivation: sessions, API tokens, calendar feeds
            // and links to choose a password.
            self.end_tokens(&mut tx, user.tenant_id, user.id, None, at).await?;
        }
        self.finish(tx, user.tenant_id, std::slice::from_ref(event)).await
    }

    async fn create_team(&self, team: &Team, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(team.tenant_id), Mode::Write).await?;
        tx.execute(
            Query::insert()
                .into_table("teams")
                .columns(TEAM_COLUMNS)
                .values([
                    team.tenant_id.as_uuid().into(),
                    team.id.as_uuid().into(),
                    team.name.as_str().into(),
                    fold(team.name.as_str()).into(),
                    team.manager_id.as_uuid().into(),
                    team.territory.as_ref().map(|t| t.as_str().to_owned()).into(),
                    team.version.into(),
                    ts(team.created_at).into(),
                    ts(team.updated_at).into(),
                ])
                .map_err(ie)?,
        )
        .await?;
        self.finish(tx, team.tenant_id, std::slice::from_ref(event)).await
    }

    async fn team(&self, tenant: TenantId, id: TeamId) -> Result<Team, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_one(
                Query::select()
                    .columns(TEAM_COLUMNS)
                    .from("teams")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .and_where(Expr::col("id").eq(id.as_uuid())),
            )
            .await?;
        tx.commit().await?;
        team_from_row(&row)
    }

    async fn list_teams(&self, tenant: TenantId) -> Result<Vec<Team>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let rows = tx
            .fetch_all(
                Query::select()
                    .columns(TEAM_COLUMNS)
                    .from("teams")
                    .and_where(Expr::col("tenant_id").eq(tenant.as_uuid()))
                    .order_by("name_fold", Order::Asc),
            )
            .await?;
        tx.commit().await?;
        rows.iter().map(team_from_row).collect()
    }

    async fn update_team(&self, team: &Team, expected_version: i64, event: &NewEvent) -> Result<(), StoreError> {
        let mut tx = self.pool.begin(On::Tenant(team.tenant_id), Mode::Write).await?;
        let mut stmt = Query::update();
        stmt.values([
            ("name", team.name.as_str().into()),
            ("name_fold", fold(team.name.as_str()).into()),
            ("manager_id", team.manager_id.as_uuid().into()),
            ("territory", team.territory.as_ref().map(|t| t.as_str().to_owned()).into()),
            ("version", (expected_version + 1).into()),
            ("updated_at", ts(team.updated_at).into()),
        ]);
        versioned_update(&mut tx, "teams", team.tenant_id, team.id.as_uuid(), expected_version, false, stmt).await?;
        self.finish(tx, team.tenant_id, std::slice::from_ref(event)).await
    }

    async fn team_manager_of(&self, tenant: TenantId, user: UserId) -> Result<Option<UserId>, StoreError> {
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let row = tx
            .fetch_optional(
                Query::select()
                    .column(("t", "manager_id"))
                    .from_as("users", "u")
                    .inner_join(
                        "teams".into_table_ref().alias("t"),
                        Expr::col(("t", "tenant_id"))
                            .equals(("u", "tenant_id"))
                            .and(Expr::col(("t", "id")).equals(("u", "team_id"))),
                    )
                    .and_where(Expr::col(("u", "tenant_id")).eq(tenant.as_uuid()))
                    .and_where(Expr::col(("u", "id")).eq(user.as_uuid())),
            )
            .await?;
        tx.commit().await?;
        row.map(|r| r.get::<Uuid>("manager_id").map(UserId::from_uuid)).transpose()
    }
}
