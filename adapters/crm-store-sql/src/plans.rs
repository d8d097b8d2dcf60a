//! The plans of the main reads — the statements the store runs for lists, the to-do list
//! and timelines — as the database would execute them, for the test that checks
//! at scale that they use indexes. Never for application code.

use crate::SqlStore;
use crate::candidates::{HASH, holders_of, name_keys_of};
use crate::db::{Backend, Mode, On, TxConn, matching};
use crate::error::map_db;
use crm_domain::TenantId;
use crm_domain::activity::Link;
use crm_ports::query::{ActivityScope, AssigneeScope, ContactFilter, OpportunityFilter, PageRequest, Scope};
use crm_ports::{Cipher, StoreError};
use sea_query::{PostgresQueryBuilder, SelectStatement, SqliteQueryBuilder};
use sqlx::Row as _;

/// One of the store's main reads, with its parameters.
#[derive(Clone, Debug)]
pub enum PlannedRead {
    /// A page of the contacts list.
    ContactsPage(Scope, ContactFilter, PageRequest),
    /// Contacts read by their ids, as a search reads those whose snippets it shows.
    ContactsByIds(Scope, Vec<crm_domain::ContactId>),
    /// The number of contacts matching a filter, as a segment's count reads it.
    ContactsCount(Scope, ContactFilter),
    /// A page of the opportunities list.
    OpportunitiesPage(Scope, OpportunityFilter, PageRequest),
    /// A page of the activities list.
    ActivitiesPage(ActivityScope, PageRequest),
    /// The timeline of a record (its latest activities).
    Timeline(TenantId, Link),
    /// The to-do list (open tasks of the assignees).
    OpenTasks(TenantId, AssigneeScope),
    /// The contacts holding one of these blind indexes of a field (`"email"` or
    /// `"phone"`), as an import's duplicate check looks them up.
    BlindIndexHolders(TenantId, String, Vec<Vec<u8>>),
    /// The contacts whose folded last name is one of these, as an import's duplicate check
    /// looks them up.
    NameHolders(TenantId, Vec<String>),
    /// The first page of the access log, newest first: the company's, or to one contact,
    /// or by one user.
    AccessLog(TenantId, Option<crm_domain::ContactId>, Option<crm_domain::UserId>),
}

impl PlannedRead {
    fn statement(&self, backend: Backend) -> Result<(TenantId, SelectStatement), StoreError> {
        Ok(match self {
            Self::ContactsPage(scope, filter, page) => (scope.tenant_id, crate::contact_sql::contacts_page(*scope, filter, page)?.0),
            Self::ContactsByIds(scope, ids) => (scope.tenant_id, crate::contact_sql::contacts_by_ids(*scope, ids)),
            Self::ContactsCount(scope, filter) => (scope.tenant_id, crate::segments::count_query(*scope, filter)),
            Self::OpportunitiesPage(scope, filter, page) => {
                (scope.tenant_id, crate::opportunities::opportunities_page(*scope, filter, page)?.0)
            }
            Self::ActivitiesPage(scope, page) => (scope.tenant_id, crate::activities::activities_page(*scope, page)?.0),
            Self::Timeline(tenant, link) => (*tenant, crate::activities::timeline_query(*tenant, *link, None, 50)),
            Self::OpenTasks(tenant, assignees) => (*tenant, crate::activities::open_tasks_query(*tenant, *assignees, 200)),
            Self::BlindIndexHolders(tenant, field, hashes) => (*tenant, matching(backend, &holders_of(*tenant, field), HASH, hashes)),
            Self::NameHolders(tenant, names) => (*tenant, matching(backend, &name_keys_of(*tenant), ("contacts", "last_fold"), names)),
            Self::AccessLog(tenant, contact, user) => (*tenant, crate::access_log::page(backend, *tenant, *contact, *user, None, 50)),
        })
    }
}

impl<C: Cipher> SqlStore<C> {
    /// The plan of `read` as the tenant's connection would run it (row-level security
    /// applied on PostgreSQL): `EXPLAIN` on PostgreSQL, `EXPLAIN QUERY PLAN` on SQLite, one
    /// line per row. For the test of the plans at scale; never for application code.
    ///
    /// # Errors
    /// The statement cannot be built or explained.
    #[doc(hidden)]
    pub async fn explain_for_tests(&self, read: &PlannedRead) -> Result<String, StoreError> {
        let (tenant, q) = read.statement(self.pool.backend())?;
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;
        let lines: Vec<String> = match &mut tx.conn {
            TxConn::Sqlite(t) => {
                let sql = sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {}", q.to_string(SqliteQueryBuilder)));
                let rows = sqlx::query(sql).fetch_all(&mut **t).await.map_err(map_db)?;
                rows.iter()
                    .map(|r| r.try_get::<String, _>("detail"))
                    .collect::<Result<_, _>>()
                    .map_err(map_db)?
            }
            TxConn::Postgres(t) => {
                let sql = sqlx::AssertSqlSafe(format!("EXPLAIN {}", q.to_string(PostgresQueryBuilder)));
                let rows = sqlx::query(sql).fetch_all(&mut **t).await.map_err(map_db)?;
                rows.iter()
                    .map(|r| r.try_get::<String, _>(0))
                    .collect::<Result<_, _>>()
                    .map_err(map_db)?
            }
        };
        tx.commit().await?;
        Ok(lines.join("\n"))
    }
}
