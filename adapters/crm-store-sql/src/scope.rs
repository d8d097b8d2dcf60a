//! Visibility turned into SQL: the filter a [`RecordScope`] puts on an owner column.

use crm_domain::TenantId;
use crm_domain::visibility::RecordScope;
use sea_query::{Expr, ExprTrait, IntoTableRef, Query, UnionType};

/// A condition that always holds, written as `TRUE` (not `? = ?`: bound values leave
/// PostgreSQL unable to tell, without them, that the condition holds, so it planned such a
/// statement anew at every run rather than once).
pub(crate) fn always() -> Expr {
    Expr::cust("TRUE")
}

/// A condition that never holds, written as `FALSE`.
pub(crate) fn never() -> Expr {
    Expr::cust("FALSE")
}

/// `owner` in scope, as a condition. `owner` is a (table, column) pair.
pub(crate) fn owner_in_scope(tenant: TenantId, scope: RecordScope, owner: (&'static str, &'static str)) -> Expr {
    match scope {
        RecordScope::Tenant => always(),
        RecordScope::Nothing => never(),
        RecordScope::OwnedBy(u) => Expr::col(owner).eq(u.as_uuid()),
        RecordScope::TeamsLedBy(m) => {
            let members = Query::select()
                .column(("scope_u", "id"))
                .from_as("users", "scope_u")
                .inner_join(
                    "teams".into_table_ref().alias("scope_t"),
                    Expr::col(("scope_t", "tenant_id"))
                        .equals(("scope_u", "tenant_id"))
                        .and(Expr::col(("scope_t", "id")).equals(("scope_u", "team_id"))),
                )
                .and_where(Expr::col(("scope_u", "tenant_id")).eq(tenant.as_uuid()))
                .and_where(Expr::col(("scope_t", "manager_id")).eq(m.as_uuid()))
                .union(UnionType::All, Query::select().expr(Expr::val(m.as_uuid())).to_owned())
                .to_owned();
            // One `IN` over the members and the manager (not `= manager OR IN members`):
            // the database can then read the owner's index once per person.
            Expr::col(owner).in_subquery(members)
        }
    }
}

/// A contact in scope: its owner in scope, or, for a Manager, a lead waiting in the pool
/// (never for a sales rep).
pub(crate) fn contact_in_scope(tenant: TenantId, scope: RecordScope) -> Expr {
    let owned = owner_in_scope(tenant, scope, ("contacts", "owner_id"));
    match scope {
        RecordScope::TeamsLedBy(_) => owned.or(Expr::col(("contacts", "lead_pooled")).eq(true)),
        _ => owned,
    }
}
