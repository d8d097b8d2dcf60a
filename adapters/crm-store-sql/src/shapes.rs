//! Statements rendered once per shape. A statement's text depends on its shape (which
//! backend, which kind of visibility), not on its values: the most frequent read, a
//! contact by id, is built by sea-query once per shape with marker values, and each read
//! then only binds its own values in the places the markers took (building and rendering
//! the statement was a fifteenth of a `GET` of a contact).

use crate::db::Backend;
use crm_domain::TenantId;
use crm_domain::visibility::RecordScope;
use sea_query::{PostgresQueryBuilder, SelectStatement, SqliteQueryBuilder, Value, Values};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, RwLock};
use uuid::Uuid;

/// Marker values: none can come from outside (they are only ever bound in the template).
const TENANT: Uuid = Uuid::from_u128(0x005b_a9e5_0000_7000_8000_0000_0000_0001);
const RECORD: Uuid = Uuid::from_u128(0x005b_a9e5_0000_7000_8000_0000_0000_0002);
const PERSON: Uuid = Uuid::from_u128(0x005b_a9e5_0000_7000_8000_0000_0000_0003);

/// Where a value of the statement comes from.
#[derive(Debug, Clone)]
enum Slot {
    Tenant,
    Record,
    Person,
    Fixed(Value),
}

/// A statement's text and where each of its values comes from.
#[derive(Debug)]
pub(crate) struct Shape {
    sql: String,
    slots: Vec<Slot>,
}

impl Shape {
    /// The shape of `build`'s statement on `backend`, found by building it with the
    /// markers.
    fn of(backend: Backend, build: impl Fn(TenantId, Uuid, RecordScope) -> SelectStatement, scope: RecordScope) -> Self {
        let marked = match scope {
            RecordScope::OwnedBy(_) => RecordScope::OwnedBy(crm_domain::UserId::from_uuid(PERSON)),
            RecordScope::TeamsLedBy(_) => RecordScope::TeamsLedBy(crm_domain::UserId::from_uuid(PERSON)),
            other => other,
        };
        let stmt = build(TenantId::from_uuid(TENANT), RECORD, marked);
        let (mut sql, Values(mut values)) = match backend {
            Backend::Sqlite => stmt.build(SqliteQueryBuilder),
            Backend::Postgres => stmt.build(PostgresQueryBuilder),
        };
        // A last limit written as its number, as every read of the store writes it.
        crate::db::literal_limit(&mut sql, &mut values);
        let slots = values
            .into_iter()
            .map(|v| match &v {
                Value::Uuid(Some(u)) if *u == TENANT => Slot::Tenant,
                Value::Uuid(Some(u)) if *u == RECORD => Slot::Record,
                Value::Uuid(Some(u)) if *u == PERSON => Slot::Person,
                _ => Slot::Fixed(v),
            })
            .collect();
        Self { sql, slots }
    }

    /// The statement's text.
    pub(crate) fn sql(&self) -> &str {
        &self.sql
    }

    /// Its values for this tenant, record and scope.
    pub(crate) fn values(&self, tenant: TenantId, record: Uuid, scope: RecordScope) -> Values {
        let person = match scope {
            RecordScope::OwnedBy(u) | RecordScope::TeamsLedBy(u) => u.as_uuid(),
            RecordScope::Tenant | RecordScope::Nothing => Uuid::nil(),
        };
        Values(
            self.slots
                .iter()
                .map(|s| match s {
                    Slot::Tenant => tenant.as_uuid().into(),
                    Slot::Record => record.into(),
                    Slot::Person => person.into(),
                    Slot::Fixed(v) => v.clone(),
                })
                .collect(),
        )
    }
}

/// The shapes of one statement: per backend and kind of visibility.
pub(crate) struct Shapes {
    build: fn(TenantId, Uuid, RecordScope) -> SelectStatement,
    cells: [[OnceLock<Shape>; 4]; 2],
}

impl Shapes {
    pub(crate) const fn new(build: fn(TenantId, Uuid, RecordScope) -> SelectStatement) -> Self {
        Self {
            build,
            cells: [const { [const { OnceLock::new() }; 4] }; 2],
        }
    }

    /// The shape of the statement for `backend` and `scope`'s kind.
    pub(crate) fn get(&self, backend: Backend, scope: RecordScope) -> &Shape {
        self.cells[backend_at(backend)][scope_at(scope)].get_or_init(|| Shape::of(backend, self.build, scope))
    }
}

fn backend_at(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 0,
        Backend::Postgres => 1,
    }
}

fn scope_at(scope: RecordScope) -> usize {
    match scope {
        RecordScope::Tenant => 0,
        RecordScope::OwnedBy(_) => 1,
        RecordScope::TeamsLedBy(_) => 2,
        RecordScope::Nothing => 3,
    }
}

/// What tells two first pages apart: backend, kind of visibility, sort column, descending,
/// size.
type PageKey = (usize, usize, &'static str, bool, u64);

/// The first page of a list with no filter, shaped ([`Shapes`] for a family of
/// statements): one per backend, kind of visibility, sort column, direction and size —
/// the screens ask for a few, the API for at most a few thousand (200 sizes). Building
/// and rendering the 31 columns' statement was a twenty-fifth of a page's time.
pub(crate) struct PageShapes {
    build: fn(TenantId, RecordScope, &'static str, bool, u64) -> SelectStatement,
    cells: RwLock<BTreeMap<PageKey, Arc<Shape>>>,
}

impl PageShapes {
    pub(crate) const fn new(build: fn(TenantId, RecordScope, &'static str, bool, u64) -> SelectStatement) -> Self {
        Self {
            build,
            cells: RwLock::new(BTreeMap::new()),
        }
    }

    /// The shape of the first page for `backend`, `scope`'s kind, `sort` column,
    /// direction and `size` (bind it with no record: the page has none).
    pub(crate) fn get(&self, backend: Backend, scope: RecordScope, sort: &'static str, descending: bool, size: u64) -> Arc<Shape> {
        let key = (backend_at(backend), scope_at(scope), sort, descending, size);
        if let Some(found) = self.cells.read().ok().and_then(|cells| cells.get(&key).cloned()) {
            return found;
        }
        let shape = Arc::new(Shape::of(backend, |t, _, s| (self.build)(t, s, sort, descending, size), scope));
        if let Ok(mut cells) = self.cells.write() {
            cells.insert(key, Arc::clone(&shape));
        }
        shape
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_domain::UserId;

    /// Each kind of visibility, for `person`.
    fn every_scope(person: UserId) -> [RecordScope; 4] {
        [
            RecordScope::Tenant,
            RecordScope::OwnedBy(person),
            RecordScope::TeamsLedBy(person),
            RecordScope::Nothing,
        ]
    }

    /// The contact-by-id statement, shaped, gives exactly what sea-query builds for the
    /// same values, for every backend and kind of visibility.
    #[test]
    fn a_shaped_statement_is_the_one_sea_query_builds() {
        let shapes = Shapes::new(crate::contact_sql::contact_by_id);
        let tenant = TenantId::from_uuid(Uuid::now_v7());
        let record = Uuid::now_v7();
        let person = UserId::from_uuid(Uuid::now_v7());
        for backend in [Backend::Sqlite, Backend::Postgres] {
            for scope in every_scope(person) {
                let stmt = crate::contact_sql::contact_by_id(tenant, record, scope);
                let (sql, values) = match backend {
                    Backend::Sqlite => stmt.build(SqliteQueryBuilder),
                    Backend::Postgres => stmt.build(PostgresQueryBuilder),
                };
                let shape = shapes.get(backend, scope);
                assert_eq!(shape.sql(), sql, "{backend:?} {scope:?}");
                assert_eq!(shape.values(tenant, record, scope), values, "{backend:?} {scope:?}");
            }
        }
    }

    /// The first page of the contacts list, shaped, gives exactly what `contacts_page`
    /// builds with no filter or cursor, for every backend, kind of visibility, sort,
    /// direction and a few sizes — asked for twice (the second answer is the one kept).
    #[test]
    fn a_shaped_first_page_is_the_one_sea_query_builds() {
        use crm_ports::query::{ContactFilter, PageRequest, Scope, SortKey};
        let pages = PageShapes::new(crate::contact_sql::first_contacts_page);
        let tenant = TenantId::from_uuid(Uuid::now_v7());
        let person = UserId::from_uuid(Uuid::now_v7());
        for backend in [Backend::Sqlite, Backend::Postgres] {
            for records in every_scope(person) {
                for sort in [SortKey::Name, SortKey::CreatedAt, SortKey::UpdatedAt] {
                    for descending in [false, true] {
                        for limit in [None, Some(1), Some(50), Some(200)] {
                            let page = PageRequest {
                                sort,
                                descending,
                                cursor: None,
                                limit,
                            };
                            let scope = Scope {
                                tenant_id: tenant,
                                records,
                            };
                            let Ok((stmt, sort_col, size)) = crate::contact_sql::contacts_page(scope, &ContactFilter::default(), &page)
                            else {
                                panic!("no page statement");
                            };
                            let (sql, values) = crate::db::rendered(backend, &stmt);
                            for _ in 0..2 {
                                let shape = pages.get(backend, records, sort_col, descending, size);
                                assert_eq!(shape.sql(), sql, "{backend:?} {records:?} {sort:?} {descending} {limit:?}");
                                assert_eq!(shape.values(tenant, Uuid::nil(), records), values);
                            }
                        }
                    }
                }
            }
        }
    }
}
