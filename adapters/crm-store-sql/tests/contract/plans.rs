//! The main reads use indexes on PostgreSQL at scale: a company whose records were made
//! through the use cases is multiplied in SQL to tens of thousands of contacts, hundreds of
//! thousands of activities and their links, and thousands of opportunities (in a database
//! of its own); after `ANALYZE`, the plan of each read the screens make most — lists with
//! their filters, counts, a timeline, the to-do list — as the tenant's connection would run
//! it (row-level security on) must read no large table whole.

use crate::contacts::input;
use crate::harness::{Harness, drop_database, postgres_alone, sqlite};
use chrono::{Duration, Utc};
use crm_domain::UserId;
use crm_domain::activity::{ActivityInput, Link};
use crm_domain::contact::ContactKind;
use crm_domain::event::EntityType;
use crm_domain::opportunity::OpportunityInput;
use crm_domain::user::Role;
use crm_domain::visibility::RecordScope;
use crm_ports::query::{ActivityScope, AssigneeScope, ContactFilter, OpportunityFilter, PageRequest, Scope};
use crm_store_sql::PlannedRead;
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use uuid::Uuid;

const CONTACTS: u32 = 40_000;
const ACTIVITIES: u32 = 200_000;
const OPPORTUNITIES: u32 = 20_000;
/// One contact in this many carries the tag.
const TAGGED_ONE_IN: u32 = 50;
/// Tables no main read may scan whole.
const LARGE: &[&str] = &["contacts", "activities", "activity_links", "opportunities", "contact_tags"];

/// Copies of the row `id` of `table`, `n` of them: every column copied but those given
/// (`g` numbers the copy, `s` is the copied row); each copy's id is derived from the
/// row's id and `g`, so that copies of other tables can point at them.
pub(crate) async fn multiply(db: &mut PgConnection, table: &str, id_col: &str, id: Uuid, n: u32, set: &[(&str, String)]) {
    let cols: Vec<(String,)> = sqlx::query_as(
        "SELECT column_name::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name = $1 AND is_generated = 'NEVER' ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(&mut *db)
    .await
    .unwrap();
    let mut names = Vec::new();
    let mut values = Vec::new();
    for (c,) in cols {
        let v = set
            .iter()
            .find(|(k, _)| *k == c)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| format!("s.{c}"));
        names.push(c);
        values.push(v);
    }
    let sql = format!(
        "INSERT INTO {table} ({}) SELECT {} FROM {table} s CROSS JOIN generate_series(1, {n}) g WHERE s.{id_col} = '{id}'",
        names.join(", "),
        values.join(", ")
    );
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut *db).await.unwrap();
}

/// The id of the `g`-th copy of `id` (as `multiply` derives it), in SQL.
pub(crate) fn copy_of(id: impl std::fmt::Display, g: &str) -> String {
    format!("md5('{id}' || ({g})::text)::uuid")
}

fn reps_array(reps: &[UserId]) -> String {
    let ids: Vec<String> = reps.iter().map(|r| format!("'{}'::uuid", r.as_uuid())).collect();
    format!("(ARRAY[{}])", ids.join(", "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_reads_use_indexes_on_a_large_company() {
    let Some((h, admin_url)) = postgres_alone().await else {
        return;
    };
    check_plans(&h, &admin_url).await;
    drop(h);
    drop_database(&admin_url).await;
}

fn clients() -> ContactFilter {
    ContactFilter {
        kind: Some(ContactKind::Client),
        ..ContactFilter::default()
    }
}

/// The plans of `read` for the whole company (an Admin) and for one rep's records.
async fn plans_of_an_admin_and_a_rep(
    h: &Harness,
    tenant: crm_domain::TenantId,
    rep: UserId,
    read: impl Fn(Scope) -> PlannedRead,
) -> Vec<(RecordScope, String)> {
    let mut plans = Vec::new();
    for records in [RecordScope::Tenant, RecordScope::OwnedBy(rep)] {
        let scope = Scope {
            tenant_id: tenant,
            records,
        };
        plans.push((records, h.app.store().explain_for_tests(&read(scope)).await.unwrap()));
    }
    plans
}

/// A segment's count by kind (and owner, for a rep) is read from `contacts_new` alone on
/// SQLite, which has no statistics: counting a column of the row instead would visit every
/// matching contact (60 ms against 8 ms for 100,000 of 300,000).
#[tokio::test]
async fn segment_counts_read_an_index_alone_on_sqlite() {
    let h = sqlite().await;
    let (tenant, admin) = h.tenant("Comptes").await;
    let (rep, _) = h.user(&admin, Role::Sales, None).await;
    for (records, plan) in plans_of_an_admin_and_a_rep(&h, tenant.id, rep.id, |scope| PlannedRead::ContactsCount(scope, clients())).await {
        assert!(plan.contains("USING COVERING INDEX contacts_new"), "{records:?}: {plan}");
    }
}

/// An organization's contacts and deals, in the lists' default order, come from one range
/// of an index by organization on SQLite: with no statistics, its planner otherwise walks
/// the company's index by name and keeps the organization's rows (1.3 s at 300,000
/// contacts, for the organization page and the scoring of its contacts).
#[tokio::test]
async fn an_organizations_lists_read_its_own_index_on_sqlite() {
    let h = sqlite().await;
    let (tenant, _) = h.tenant("Groupes").await;
    let scope = Scope {
        tenant_id: tenant.id,
        records: RecordScope::Tenant,
    };
    let org = crm_domain::OrganizationId::from_uuid(Uuid::now_v7());
    let contacts = ContactFilter {
        organization_id: Some(org),
        ..ContactFilter::default()
    };
    let deals = OpportunityFilter {
        organization_id: Some(org),
        ..OpportunityFilter::default()
    };
    let store = h.app.store();
    let reads = [
        (
            "contacts",
            "contacts_organization",
            store
                .explain_for_tests(&PlannedRead::ContactsPage(scope, contacts, PageRequest::default()))
                .await
                .unwrap(),
        ),
        (
            "deals",
            "opportunities_organization",
            store
                .explain_for_tests(&PlannedRead::OpportunitiesPage(scope, deals, PageRequest::default()))
                .await
                .unwrap(),
        ),
    ];
    for (what, index, plan) in reads {
        assert!(
            plan.contains(&format!("INDEX {index} (tenant_id=? AND organization_id=?)")),
            "{what}: {plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "{what} sorted apart: {plan}");
    }
}

/// Contacts read by their ids (a search's snippets) are each found by primary key on
/// SQLite, for every scope: read in the list's name order, two ids or more made it walk
/// the company's index by name.
#[tokio::test]
async fn contacts_by_ids_are_read_by_primary_key_on_sqlite() {
    let h = sqlite().await;
    let (tenant, admin) = h.tenant("Extraits").await;
    let (rep, _) = h.user(&admin, Role::Sales, None).await;
    let ids: Vec<crm_domain::ContactId> = (0..3).map(|_| crm_domain::ContactId::from_uuid(Uuid::now_v7())).collect();
    for (records, plan) in plans_of_an_admin_and_a_rep(&h, tenant.id, rep.id, |scope| PlannedRead::ContactsByIds(scope, ids.clone())).await
    {
        assert!(
            plan.contains("SEARCH contacts USING INDEX sqlite_autoindex_contacts_1 (tenant_id=? AND id=?)")
                || plan.contains("USING PRIMARY KEY"),
            "{records:?}: {plan}"
        );
        assert!(!plan.contains("contacts_name"), "{records:?}: {plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{records:?}: {plan}");
    }
}

/// The access log's page is read newest first along an index on SQLite (the company's, to
/// one contact, by one user): it sorted every access of the company for each page.
#[tokio::test]
async fn the_access_log_is_read_in_its_order_from_an_index_on_sqlite() {
    let h = sqlite().await;
    let (tenant, admin) = h.tenant("Registre").await;
    let contact = crm_domain::ContactId::from_uuid(Uuid::now_v7());
    let reads = [
        ("company", None, None, "access_log_by_time (tenant_id=?)"),
        ("contact", Some(contact), None, "access_log_by_time (tenant_id=?)"),
        ("user", None, admin.user_id(), "access_log_by_user (tenant_id=? AND user_id=?)"),
    ];
    for (what, contact, user, index) in reads {
        let plan = h
            .app
            .store()
            .explain_for_tests(&PlannedRead::AccessLog(tenant.id, contact, user))
            .await
            .unwrap();
        assert!(plan.contains(&format!("USING INDEX {index}")), "{what}: {plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{what} sorted apart: {plan}");
    }
}

async fn check_plans(h: &Harness, admin_url: &str) {
    let (tenant, admin) = h.tenant("Très grande").await;
    let (manager_user, _) = h.user(&admin, Role::Manager, None).await;
    let team = h.team(&admin, "Ouest", manager_user.id).await;
    let mut reps = Vec::new();
    // Half the reps in the manager's team.
    for r in 0..20 {
        reps.push(h.user(&admin, Role::Sales, (r % 2 == 0).then_some(team)).await.0.id);
    }
    // A smaller company beside it.
    let (_, other_admin) = h.tenant("Petite").await;
    h.app
        .create_contact(&other_admin, &input("Autre", "Société"), None, true)
        .await
        .unwrap();

    // One of each record, through the use cases, to be copied.
    let mut ci = input("Modèle", "Contact");
    ci.tags = vec!["salon-2026".into()];
    let contact = h.app.create_contact(&admin, &ci, None, true).await.unwrap();
    let p = h.app.list_pipelines(&admin).await.unwrap().remove(0);
    let deal = h
        .app
        .create_opportunity(
            &admin,
            p.id,
            None,
            &OpportunityInput {
                title: "Affaire modèle".into(),
                value_minor: 10_000_00,
                ..OpportunityInput::default()
            },
            Some(reps[0]),
        )
        .await
        .unwrap();
    let on_contact = Link {
        entity_type: EntityType::Contact,
        entity_id: contact.id.as_uuid(),
    };
    let task = h
        .app
        .create_activity(
            &admin,
            "task",
            &ActivityInput {
                subject: "Relancer".into(),
                links: vec![on_contact],
                assignee_id: Some(reps[0]),
                due_at: Some(Utc::now() + Duration::days(2)),
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();
    let call = h
        .app
        .create_activity(
            &admin,
            "call",
            &ActivityInput {
                subject: "Appel de découverte".into(),
                links: vec![on_contact],
                direction: Some("outbound".into()),
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();

    // Multiplied in SQL, as the superuser.
    let mut db = PgConnection::connect(admin_url).await.unwrap();
    let reps_sql = reps_array(&reps);
    let owner = format!("{reps_sql}[1 + g % {}]", reps.len());
    let micros = |col: &str, step: &str| format!("s.{col} - g::bigint * {step}");
    multiply(
        &mut db,
        "contacts",
        "id",
        contact.id.as_uuid(),
        CONTACTS,
        &[
            ("id", copy_of(contact.id.as_uuid(), "g")),
            ("name_sort", "s.name_sort || lpad(g::text, 6, '0')".into()),
            ("first_fold", "s.first_fold || g::text".into()),
            ("last_fold", "s.last_fold || g::text".into()),
            ("owner_id", owner.clone()),
            ("external_id", "NULL".into()),
            ("created_at", micros("created_at", "60000000")),
            ("updated_at", micros("updated_at", "60000000")),
        ],
    )
    .await;
    // Tags of one contact in TAGGED_ONE_IN.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO contact_tags (tenant_id, contact_id, tag) \
         SELECT s.tenant_id, {}, s.tag FROM contact_tags s CROSS JOIN generate_series(1, {CONTACTS}) g \
         WHERE s.contact_id = '{}' AND g % {TAGGED_ONE_IN} = 0",
        copy_of(contact.id.as_uuid(), "g"),
        contact.id.as_uuid()
    )))
    .execute(&mut db)
    .await
    .unwrap();
    for (template, n, open_one_in) in [(task.id.as_uuid(), ACTIVITIES / 2, 10), (call.id.as_uuid(), ACTIVITIES / 2, 1)] {
        multiply(
            &mut db,
            "activities",
            "id",
            template,
            n,
            &[
                ("id", copy_of(template, "g")),
                ("assignee_id", format!("CASE WHEN s.assignee_id IS NULL THEN NULL ELSE {owner} END")),
                ("reminder_key", "NULL".into()),
                ("occurred_at", micros("occurred_at", "600000000")),
                ("created_at", micros("created_at", "600000000")),
                ("updated_at", micros("updated_at", "600000000")),
                ("due_at", "s.due_at + g::bigint * 600000000".into()),
                // Most tasks done: the to-do list shows the open ones.
                (
                    "done_at",
                    format!("CASE WHEN s.kind <> 'task' OR g % {open_one_in} = 0 THEN NULL ELSE s.created_at END"),
                ),
            ],
        )
        .await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO activity_links (tenant_id, activity_id, entity_type, entity_id) \
             SELECT s.tenant_id, {}, s.entity_type, {} FROM activity_links s CROSS JOIN generate_series(1, {n}) g \
             WHERE s.activity_id = '{template}'",
            copy_of(template, "g"),
            copy_of(contact.id.as_uuid(), &format!("1 + g % {CONTACTS}")),
        )))
        .execute(&mut db)
        .await
        .unwrap();
    }
    multiply(
        &mut db,
        "opportunities",
        "id",
        deal.id.as_uuid(),
        OPPORTUNITIES,
        &[
            ("id", copy_of(deal.id.as_uuid(), "g")),
            ("title_sort", "s.title_sort || lpad(g::text, 6, '0')".into()),
            ("owner_id", owner.clone()),
            ("created_at", micros("created_at", "60000000")),
            ("updated_at", micros("updated_at", "60000000")),
        ],
    )
    .await;
    sqlx::query("ANALYZE").execute(&mut db).await.unwrap();

    let t = tenant.id;
    let all = Scope {
        tenant_id: t,
        records: RecordScope::Tenant,
    };
    let rep = Scope {
        tenant_id: t,
        records: RecordScope::OwnedBy(reps[3]),
    };
    let team_scope = Scope {
        tenant_id: t,
        records: RecordScope::TeamsLedBy(manager_user.id),
    };
    let page = PageRequest {
        limit: Some(50),
        ..PageRequest::default()
    };
    let tagged = ContactFilter {
        tag: Some(crm_domain::text::Tag::parse("salon-2026").unwrap()),
        ..ContactFilter::default()
    };
    let all_activities = ActivityScope {
        tenant_id: t,
        contacts: RecordScope::Tenant,
        opportunities: RecordScope::Tenant,
        user: None,
    };
    let rep_activities = ActivityScope {
        tenant_id: t,
        contacts: RecordScope::OwnedBy(reps[3]),
        opportunities: RecordScope::OwnedBy(reps[3]),
        user: Some(reps[3]),
    };
    let a_contact = Link {
        entity_type: EntityType::Contact,
        // The 77th copy, linked to about ACTIVITIES / CONTACTS activities.
        entity_id: Uuid::parse_str(
            &sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(format!(
                "SELECT ({})::text",
                copy_of(contact.id.as_uuid(), "77")
            )))
            .fetch_one(&mut db)
            .await
            .unwrap()
            .0,
        )
        .unwrap(),
    };
    let reads = [
        (
            "contacts list, Admin",
            PlannedRead::ContactsPage(all, ContactFilter::default(), page.clone()),
        ),
        (
            "contacts list, a rep's own",
            PlannedRead::ContactsPage(rep, ContactFilter::default(), page.clone()),
        ),
        (
            "contacts list, a manager's team",
            PlannedRead::ContactsPage(team_scope, ContactFilter::default(), page.clone()),
        ),
        (
            "contacts list filtered by a tag",
            PlannedRead::ContactsPage(all, tagged.clone(), page.clone()),
        ),
        (
            "count of the clients (a segment), a rep",
            PlannedRead::ContactsCount(rep, clients()),
        ),
        (
            "opportunities list, Admin",
            PlannedRead::OpportunitiesPage(all, OpportunityFilter::default(), page.clone()),
        ),
        (
            "opportunities list, a rep's own",
            PlannedRead::OpportunitiesPage(rep, OpportunityFilter::default(), page.clone()),
        ),
        ("activities list, Admin", PlannedRead::ActivitiesPage(all_activities, page.clone())),
        ("activities list, a rep", PlannedRead::ActivitiesPage(rep_activities, page.clone())),
        ("timeline of a contact", PlannedRead::Timeline(t, a_contact)),
        (
            "contacts of a search's snippets",
            PlannedRead::ContactsByIds(all, vec![contact.id, crm_domain::ContactId::from_uuid(a_contact.entity_id)]),
        ),
        ("to-do list of a rep", PlannedRead::OpenTasks(t, AssigneeScope::User(reps[3]))),
        (
            "to-do list of a manager's team",
            PlannedRead::OpenTasks(t, AssigneeScope::TeamsLedBy(manager_user.id)),
        ),
    ];
    let store = h.app.store();
    let mut failures = Vec::new();
    for (name, read) in &reads {
        let plan = store.explain_for_tests(read).await.unwrap();
        eprintln!("--- {name}\n{plan}");
        for table in LARGE {
            if plan.contains(&format!("Seq Scan on {table} ")) || plan.ends_with(&format!("Seq Scan on {table}")) {
                failures.push(format!("{name}: reads {table} whole\n{plan}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
