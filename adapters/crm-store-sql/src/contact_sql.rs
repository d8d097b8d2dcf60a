//! SQL conditions on `contacts`: the list filters of a scope, and segment rules — every
//! condition a plain comparison on `contacts` or a sub-select (tags, activities,
//! organizations, members), so that one statement lists or counts a segment on both
//! backends. Used by contacts and segments alike (neither depends on the other).

use crate::rows::ts;
use crate::scope::contact_in_scope;
use chrono::{DateTime, Utc};
use crm_domain::TenantId;
use crm_domain::segment::{Op, Operand, Rule, SegmentField};
use crm_ports::query::{ContactFilter, Scope, SegmentMembership};
use sea_query::{Cond, Condition, Expr, ExprTrait, Func, LikeExpr, Query, SelectStatement};
use uuid::Uuid;

/// Narrows a select over `contacts` to the scope and the list filters.
pub(crate) fn filter_contacts(q: &mut SelectStatement, scope: Scope, filter: &ContactFilter) {
    let t = scope.tenant_id;
    q.and_where(contact_in_scope(t, scope.records));
    if let Some(k) = filter.kind {
        q.and_where(Expr::col(("contacts", "kind")).eq(k.code()));
    }
    if let Some(o) = filter.owner_id {
        q.and_where(Expr::col(("contacts", "owner_id")).eq(o.as_uuid()));
    }
    if let Some(o) = filter.organization_id {
        q.and_where(Expr::col(("contacts", "organization_id")).eq(o.as_uuid()));
    }
    if let Some(since) = filter.updated_since {
        q.and_where(Expr::col(("contacts", "updated_at")).gte(ts(since)));
    }
    if let Some(s) = filter.lead_status {
        q.and_where(Expr::col(("contacts", "lead_status")).eq(s.code()));
    }
    if let Some(p) = filter.pooled {
        q.and_where(Expr::col(("contacts", "lead_pooled")).eq(p));
    }
    if let Some(tag) = &filter.tag {
        q.and_where(tagged(t, tag.as_str(), true));
    }
    if let Some(m) = &filter.segment {
        q.cond_where(membership(t, m));
    }
    if let Some(n) = filter.min_score {
        q.and_where(current_score().gte(n));
    }
    if let Some(ids) = &filter.ids {
        q.and_where(Expr::col(("contacts", "id")).is_in(ids.iter().map(|c| c.as_uuid())));
    }
}

/// Contacts carrying (or not) a tag.
pub(crate) fn tagged(t: TenantId, tag: &str, has: bool) -> Expr {
    let sub = Query::select()
        .column("contact_id")
        .from("contact_tags")
        .and_where(Expr::col("tenant_id").eq(t.as_uuid()))
        .and_where(Expr::col("tag").eq(tag))
        .to_owned();
    if has {
        Expr::col(("contacts", "id")).in_subquery(sub)
    } else {
        Expr::col(("contacts", "id")).not_in_subquery(sub)
    }
}

/// Contacts in a segment: listed in a static one, or matching a rule.
pub(crate) fn membership(t: TenantId, m: &SegmentMembership) -> Condition {
    match m {
        SegmentMembership::Members(s) => {
            let sub = Query::select()
                .column("contact_id")
                .from("segment_members")
                .and_where(Expr::col("tenant_id").eq(t.as_uuid()))
                .and_where(Expr::col("segment_id").eq(s.as_uuid()))
                .to_owned();
            Cond::all().add(Expr::col(("contacts", "id")).in_subquery(sub))
        }
        SegmentMembership::Rule { rule, now } => rule_condition(t, rule, *now),
    }
}

fn rule_condition(t: TenantId, rule: &Rule, now: DateTime<Utc>) -> Condition {
    match rule {
        Rule::All(rules) => rules.iter().fold(Cond::all(), |c, r| c.add(rule_condition(t, r, now))),
        Rule::Any(rules) => {
            if rules.is_empty() {
                // An empty `any` holds for nobody.
                Cond::all().add(crate::scope::never())
            } else {
                rules.iter().fold(Cond::any(), |c, r| c.add(rule_condition(t, r, now)))
            }
        }
        Rule::Not(r) => rule_condition(t, r, now).not(),
        Rule::Condition(c) => Cond::all().add(leaf(t, c.field, c.op, &c.value, now)),
    }
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

fn texts(v: &Operand) -> Vec<String> {
    match v {
        Operand::Texts(t) => t.clone(),
        _ => Vec::new(),
    }
}

fn first_text(v: &Operand) -> String {
    texts(v).into_iter().next().unwrap_or_default()
}

fn ids(v: &Operand) -> Vec<Uuid> {
    match v {
        Operand::Ids(i) => i.clone(),
        _ => Vec::new(),
    }
}

/// A comparison on one text column; `folded` columns hold folded text already (and the
/// value was folded by the domain), others are compared without case for `contains` and
/// `starts_with`.
fn text_expr(col: (&'static str, &'static str), folded: bool, op: Op, v: &Operand) -> Expr {
    let c = || Expr::col(col);
    let lowered = || if folded { c() } else { Expr::from(Func::lower(c())) };
    match op {
        Op::Eq => c().eq(first_text(v)),
        Op::Ne => c().is_null().or(c().ne(first_text(v))),
        Op::In => c().is_in(texts(v)),
        Op::Contains => lowered().like(LikeExpr::new(format!("%{}%", escape_like(&first_text(v).to_lowercase()))).escape('\\')),
        Op::StartsWith => lowered().like(LikeExpr::new(format!("{}%", escape_like(&first_text(v).to_lowercase()))).escape('\\')),
        Op::IsEmpty => c().is_null().or(c().eq("")),
        Op::IsNotEmpty => c().is_not_null().and(c().ne("")),
        _ => crate::scope::never(),
    }
}

fn id_expr(col: (&'static str, &'static str), op: Op, v: &Operand) -> Expr {
    let c = || Expr::col(col);
    let first = ids(v).first().copied().unwrap_or_else(Uuid::nil);
    match op {
        Op::Eq => c().eq(first),
        Op::Ne => c().is_null().or(c().ne(first)),
        Op::In => c().is_in(ids(v)),
        Op::IsEmpty => c().is_null(),
        Op::IsNotEmpty => c().is_not_null(),
        _ => crate::scope::never(),
    }
}

fn time_expr(col: (&'static str, &'static str), op: Op, v: &Operand, now: DateTime<Utc>) -> Expr {
    let Operand::Time(w) = v else { return crate::scope::never() };
    let at = ts(w.at(now));
    match op {
        Op::Before => Expr::col(col).lt(at),
        _ => Expr::col(col).gte(at),
    }
}

fn leaf(t: TenantId, field: SegmentField, op: Op, v: &Operand, now: DateTime<Utc>) -> Expr {
    use SegmentField as F;
    let contact_text = |col: &'static str| text_expr(("contacts", col), field.folded(), op, v);
    match field {
        F::FirstName => contact_text("first_fold"),
        F::LastName => contact_text("last_fold"),
        F::JobTitle => contact_text("job_title"),
        F::Source => contact_text("source"),
        F::City => contact_text("city"),
        F::PostalCode => contact_text("postal_code"),
        F::Country => contact_text("country"),
        F::Kind => text_expr(("contacts", "kind"), false, op, v),
        F::LeadStatus => text_expr(("contacts", "lead_status"), false, op, v),
        F::Tag => tagged(t, &first_text(v), op == Op::Has),
        F::OwnerId => id_expr(("contacts", "owner_id"), op, v),
        F::OrganizationId => id_expr(("contacts", "organization_id"), op, v),
        F::Score => {
            let n = match v {
                Operand::Int(n) => *n,
                _ => 0,
            };
            let c = current_score();
            match op {
                Op::Gte => c.gte(n),
                Op::Lte => c.lte(n),
                _ => c.eq(n),
            }
        }
        F::CreatedAt => time_expr(("contacts", "created_at"), op, v, now),
        F::UpdatedAt => time_expr(("contacts", "updated_at"), op, v, now),
        F::LastActivity => {
            let Operand::Time(w) = v else { return crate::scope::never() };
            let since = Query::select()
                .column(("l", "entity_id"))
                .from_as("activity_links", "l")
                .inner_join(
                    sea_query::IntoTableRef::into_table_ref("activities").alias("a"),
                    Expr::col(("a", "tenant_id"))
                        .equals(("l", "tenant_id"))
                        .and(Expr::col(("a", "id")).equals(("l", "activity_id"))),
                )
                .and_where(Expr::col(("l", "tenant_id")).eq(t.as_uuid()))
                .and_where(Expr::col(("l", "entity_type")).eq("contact"))
                .and_where(Expr::col(("a", "deleted_at")).is_null())
                .and_where(Expr::col(("a", "system")).eq(false))
                .and_where(Expr::col(("a", "occurred_at")).gte(ts(w.at(now))))
                .to_owned();
            if op == Op::Before {
                Expr::col(("contacts", "id")).not_in_subquery(since)
            } else {
                Expr::col(("contacts", "id")).in_subquery(since)
            }
        }
        F::OrganizationName | F::OrganizationIndustry | F::OrganizationDomain | F::OrganizationCity | F::OrganizationSize => {
            let col = match field {
                F::OrganizationName => "name_sort",
                F::OrganizationIndustry => "industry",
                F::OrganizationDomain => "domain",
                F::OrganizationCity => "city",
                _ => "size",
            };
            let orgs = Query::select()
                .column(("o", "id"))
                .from_as("organizations", "o")
                .and_where(Expr::col(("o", "tenant_id")).eq(t.as_uuid()))
                .and_where(Expr::col(("o", "deleted_at")).is_null())
                .and_where(text_expr(("o", col), field.folded(), op, v))
                .to_owned();
            Expr::col(("contacts", "organization_id")).in_subquery(orgs)
        }
    }
}

/// What [`select_contacts`] reads, in this order, then the current score: a contact's
/// columns are read by position ([`selected`]), not looked up by name in every row. Not
/// the tenant: every reader knows it already (each column read is a value copied and
/// handed over by SQLite's connection thread, 51 rows a page).
pub(crate) const COLUMNS: [&str; 30] = [
    "id",
    "kind",
    "first_name",
    "last_name",
    "name_sort",
    "emails_ct",
    "phones_ct",
    "organization_id",
    "job_title",
    "street_ct",
    "postal_code",
    "city",
    "country",
    "tags",
    "owner_id",
    "source",
    "notes_ct",
    "external_id",
    "email_opt_out",
    "phone_opt_out",
    "lead_status",
    "lead_reason",
    "lead_pooled",
    "lead_changed_by",
    "lead_changed_at",
    "lead_qualified_at",
    "client_since",
    "version",
    "created_at",
    "updated_at",
];

/// The position of a column in what [`select_contacts`] reads ("score" is the last). A
/// name that is not there stops the build (the positions are constants).
pub(crate) const fn selected(name: &str) -> usize {
    let mut i = 0;
    while i < COLUMNS.len() {
        if same(COLUMNS[i].as_bytes(), name.as_bytes()) {
            return i;
        }
        i += 1;
    }
    if same(name.as_bytes(), b"score") {
        return COLUMNS.len();
    }
    panic!("not a column select_contacts reads")
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// A contact's score: kept with its breakdown in `contact_scores` (no row until first
/// computed) and copied onto the contact's row by the same transaction
/// ([`crate::scoring_rows::write_scores`]), without touching the contact's version. Read
/// from the row: a sub-select into `contact_scores` for every row of a page cost
/// PostgreSQL a third of the page's time (`docs/performance.md`).
pub(crate) fn current_score() -> Expr {
    Expr::col(("contacts", "score"))
}

/// Live contacts of a tenant, every column a contact is made of (the score read from the
/// scores; not the search keys, the merge link or the deletion time).
pub(crate) fn select_contacts(tenant: TenantId) -> SelectStatement {
    let mut q = Query::select();
    q.columns(COLUMNS.iter().map(|c| ("contacts", *c)))
        .expr_as(current_score(), "score")
        .from("contacts")
        .and_where(Expr::col(("contacts", "tenant_id")).eq(tenant.as_uuid()))
        .and_where(Expr::col(("contacts", "deleted_at")).is_null());
    q
}

/// The statement reading one contact by id inside a scope (its shape is kept: see
/// `shapes.rs`).
pub(crate) fn contact_by_id(tenant: TenantId, id: Uuid, scope: crm_domain::visibility::RecordScope) -> SelectStatement {
    let mut q = select_contacts(tenant);
    q.and_where(Expr::col(("contacts", "id")).eq(id))
        .and_where(contact_in_scope(tenant, scope));
    q
}

/// The shapes of [`contact_by_id`].
pub(crate) static CONTACT_BY_ID: crate::shapes::Shapes = crate::shapes::Shapes::new(contact_by_id);

/// The statement reading the contacts of `ids`, in no order, each with whether `scope`
/// holds it (a last column, `visible`): with no `ORDER BY` and no condition on the owner,
/// SQLite reads each by its primary key (ordered by name, it walked the whole company's
/// name index once the list held two ids; with the scope's condition, a rep's whole
/// index by owner).
pub(crate) fn contacts_by_ids(scope: Scope, ids: &[crm_domain::ContactId]) -> SelectStatement {
    let mut q = select_contacts(scope.tenant_id);
    q.expr_as(contact_in_scope(scope.tenant_id, scope.records), "visible")
        .and_where(Expr::col(("contacts", "id")).is_in(ids.iter().map(|c| c.as_uuid())));
    q
}

/// The position of `visible` in what [`contacts_by_ids`] reads.
pub(crate) const BY_IDS_VISIBLE: usize = COLUMNS.len() + 1;

/// Whether a list filter keeps every contact of the scope.
pub(crate) fn keeps_all(filter: &ContactFilter) -> bool {
    let ContactFilter {
        kind,
        owner_id,
        tag,
        organization_id,
        updated_since,
        segment,
        lead_status,
        pooled,
        min_score,
        ids,
    } = filter;
    kind.is_none()
        && owner_id.is_none()
        && tag.is_none()
        && organization_id.is_none()
        && updated_since.is_none()
        && segment.is_none()
        && lead_status.is_none()
        && pooled.is_none()
        && min_score.is_none()
        && ids.is_none()
}

/// The statement of the first page of the contacts list with no filter: what
/// [`contacts_page`] builds without a cursor, for its shapes ([`FIRST_CONTACT_PAGES`]).
pub(crate) fn first_contacts_page(
    tenant: TenantId,
    records: crm_domain::visibility::RecordScope,
    sort_col: &'static str,
    descending: bool,
    size: u64,
) -> SelectStatement {
    let mut q = select_contacts(tenant);
    filter_contacts(
        &mut q,
        Scope {
            tenant_id: tenant,
            records,
        },
        &ContactFilter::default(),
    );
    crate::paging::order_and_limit(&mut q, "contacts", sort_col, descending, size);
    q
}

/// The shapes of [`first_contacts_page`].
pub(crate) static FIRST_CONTACT_PAGES: crate::shapes::PageShapes = crate::shapes::PageShapes::new(first_contacts_page);

/// The statement of a page of the contacts list, its sort column and its page size (one
/// more row is read, to know whether a next page exists).
pub(crate) fn contacts_page(
    scope: Scope,
    filter: &ContactFilter,
    page: &crm_ports::query::PageRequest,
) -> Result<(SelectStatement, &'static str, u64), crm_ports::StoreError> {
    let mut q = select_contacts(scope.tenant_id);
    filter_contacts(&mut q, scope, filter);
    let sort_col = crate::paging::sort_column(page.sort, "name_sort");
    let size = crate::paging::apply(&mut q, "contacts", sort_col, page)?;
    Ok((q, sort_col, size))
}
