//! An import's duplicate check looks each value up by index on PostgreSQL even when the
//! statistics do not know the company yet. With `hash IN (…)` on a table never analysed,
//! PostgreSQL scanned every lookup of the company and filtered it by the list, once per
//! piece of 900: an import of 100,000 contacts into an empty company took five minutes.
//! Here a company of 20,000 contacts and their blind indexes is made in SQL, in a database
//! of its own whose tables are never analysed, and the plans of the import's lookups (as
//! the tenant's connection runs them, row-level security on) must seek each value.

use crate::contacts::input;
use crate::harness::{drop_database, postgres_alone};
use crate::plans::{copy_of, multiply};
use crm_store_sql::PlannedRead;
use sqlx::Connection;
use sqlx::postgres::PgConnection;

const CONTACTS: u32 = 20_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_lookups_seek_each_value_in_a_company_never_analysed() {
    let Some((h, admin_url)) = postgres_alone().await else {
        return;
    };
    let (tenant, admin) = h.tenant("Importée").await;
    let contact = h.app.create_contact(&admin, &input("Modèle", "Contact"), None, true).await.unwrap();

    let mut db = PgConnection::connect(&admin_url).await.unwrap();
    for table in ["contacts", "contact_lookups"] {
        sqlx::query(sqlx::AssertSqlSafe(format!("ALTER TABLE {table} SET (autovacuum_enabled = false)")))
            .execute(&mut db)
            .await
            .unwrap();
    }
    multiply(
        &mut db,
        "contacts",
        "id",
        contact.id.as_uuid(),
        CONTACTS,
        &[
            ("id", copy_of(contact.id.as_uuid(), "g")),
            ("first_fold", "s.first_fold || g::text".into()),
            ("last_fold", "s.last_fold || g::text".into()),
            ("external_id", "NULL".into()),
        ],
    )
    .await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO contact_lookups (tenant_id, field, hash, contact_id) \
         SELECT '{t}', 'email', sha256(g::text::bytea), {copy} FROM generate_series(1, {CONTACTS}) g",
        t = tenant.id.as_uuid(),
        copy = copy_of(contact.id.as_uuid(), "g"),
    )))
    .execute(&mut db)
    .await
    .unwrap();
    let (analysed,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM pg_stats WHERE schemaname = 'public' AND tablename IN ('contacts', 'contact_lookups')")
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!(analysed, 0, "the tables must not have statistics for this test to mean anything");

    let hashes: Vec<Vec<u8>> = (0..900u32).map(|i| i.to_be_bytes().repeat(8)).collect();
    let names: Vec<String> = (0..900).map(|i| format!("contact{i}")).collect();
    let reads = [
        ("blind indexes", PlannedRead::BlindIndexHolders(tenant.id, "email".into(), hashes)),
        ("folded last names", PlannedRead::NameHolders(tenant.id, names)),
    ];
    let store = h.app.store();
    let mut failures = Vec::new();
    for (name, read) in &reads {
        let plan = store.explain_for_tests(read).await.unwrap();
        eprintln!("--- {name}\n{plan}");
        let seeks = plan.lines().any(|l| l.contains("Index Cond") && l.contains("probe.probe"));
        if !seeks || plan.contains("= ANY") || plan.contains("Seq Scan on contact") {
            failures.push(format!("{name}: the values are not each sought by index\n{plan}"));
        }
    }
    drop(db);
    drop(h);
    drop_database(&admin_url).await;
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
