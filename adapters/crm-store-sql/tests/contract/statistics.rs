//! PostgreSQL's statistics never keep a person's data: after `ANALYZE`, no sample of the
//! columns that hold it in clear (folded names, job, address, tags, an activity's subject…)
//! is in `pg_stats`, so an erased person's name does not outlive the erasure there
//! (migration 0048). The company's other columns are still sampled, for the planner.

use crate::contacts::input;
use crate::harness::{drop_database, postgres_alone};
use crm_domain::activity::{ActivityInput, Link};
use crm_domain::event::EntityType;
use sqlx::Connection;
use sqlx::postgres::PgConnection;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_hold_no_sample_of_a_persons_data() {
    let Some((h, admin_url)) = postgres_alone().await else {
        return;
    };
    let (_, admin) = h.tenant("Échantillons").await;
    // The same last name many times: it would be the column's most common value.
    for i in 0..60 {
        let mut ci = input(&format!("Prénom{i}"), "Zyxwvutsrq");
        ci.job_title = Some("Directrice Zyxwvutsrq".into());
        ci.address.city = Some("Zyxwvutsrqville".into());
        let c = h.app.create_contact(&admin, &ci, None, true).await.unwrap();
        h.app
            .create_activity(
                &admin,
                "note",
                &ActivityInput {
                    subject: "Appel à Zyxwvutsrq".into(),
                    links: vec![Link {
                        entity_type: EntityType::Contact,
                        entity_id: c.id.as_uuid(),
                    }],
                    ..ActivityInput::default()
                },
            )
            .await
            .unwrap();
    }
    let mut db = PgConnection::connect(&admin_url).await.unwrap();
    sqlx::query("ANALYZE").execute(&mut db).await.unwrap();
    let sampled: Vec<(String, String)> = sqlx::query_as(
        "SELECT tablename::text, attname::text FROM pg_stats WHERE schemaname = 'public' \
         AND tablename IN ('contacts', 'activities')",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    let leaks: Vec<(String, String)> = sqlx::query_as(
        "SELECT tablename::text, attname::text FROM pg_stats WHERE schemaname = 'public' \
         AND (lower(most_common_vals::text) LIKE '%zyxwvutsrq%' OR lower(histogram_bounds::text) LIKE '%zyxwvutsrq%')",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    drop(db);
    drop(h);
    drop_database(&admin_url).await;
    let has = |t: &str, c: &str| sampled.iter().any(|(tt, cc)| tt == t && cc == c);
    assert!(
        has("contacts", "owner_id") && has("activities", "kind"),
        "ANALYZE sampled nothing: {sampled:?}"
    );
    for c in [
        "first_name",
        "last_name",
        "first_fold",
        "last_fold",
        "name_sort",
        "job_title",
        "postal_code",
        "city",
        "tags",
        "source",
        "external_id",
    ] {
        assert!(!has("contacts", c), "contacts.{c} is sampled");
    }
    for c in ["subject", "place", "outcome"] {
        assert!(!has("activities", c), "activities.{c} is sampled");
    }
    assert!(leaks.is_empty(), "samples of these columns hold the name: {leaks:?}");
}
