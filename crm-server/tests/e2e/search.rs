//! Search through the API: a contact created through the API is found within a second; no
//! search returns another tenant's record, nor, for a Sales rep, a record they do not own;
//! emails and phones match through their hashed tokens with snippets from the decrypted
//! record; the index survives a restart and its deletion; `crm reindex` refuses while the
//! server holds the index.

use crate::support::{TenantFixture, spawn_app, spawn_app_in, tenant};
use crm_domain::user::Role;
use crm_sdk::Client;
use crm_sdk::models::{ContactWrite, OrganizationWrite, SearchQuery, SearchResults};
use std::collections::HashSet;
use std::time::{Duration, Instant};
use uuid::Uuid;

fn q(text: &str) -> SearchQuery {
    SearchQuery {
        q: text.into(),
        ..SearchQuery::default()
    }
}

async fn contact(c: &Client, first: &str, last: &str, emails: &[&str], phones: &[&str]) -> Uuid {
    c.create_contact(
        &ContactWrite {
            kind: "prospect".into(),
            first_name: first.into(),
            last_name: last.into(),
            emails: emails.iter().map(|e| (*e).to_owned()).collect(),
            phones: phones.iter().map(|p| (*p).to_owned()).collect(),
            ..ContactWrite::default()
        },
        true,
    )
    .await
    .unwrap()
    .id
}

fn ids(r: &SearchResults, kind: &str) -> HashSet<Uuid> {
    r.hits(kind).iter().map(|h| h.id).collect()
}

/// Searches until `found` holds or `limit` passes; returns the time it took.
async fn wait_for(c: &Client, text: &str, limit: Duration, found: impl Fn(&SearchResults) -> bool) -> Duration {
    let start = Instant::now();
    loop {
        let r = c.search(&q(text)).await.unwrap();
        if found(&r) {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "{text:?} not found after {:?}: {r:?}", start.elapsed());
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_created_through_the_api_is_found_within_a_second() {
    let s = spawn_app().await;
    let a = tenant(&s, "Recherche A").await;
    let admin = a.client(Role::Admin);
    // Let the indexer's first sweep pass.
    wait_for(admin, "admin", Duration::from_secs(5), |_| true).await;
    let mut worst = Duration::ZERO;
    for (i, (first, last)) in [("Hélène", "Dupont-Lefèvre"), ("Jean-Pierre", "Le Goff"), ("Maëlys", "Œillet")]
        .iter()
        .enumerate()
    {
        let started = Instant::now();
        let id = contact(admin, first, last, &[], &[]).await;
        let typed = ["helene", "goff", "oeillet"][i];
        wait_for(admin, typed, Duration::from_secs(1), |r| ids(r, "contact").contains(&id)).await;
        worst = worst.max(started.elapsed());
    }
    assert!(worst < Duration::from_secs(1), "slowest: {worst:?}");
    // A change and a deletion follow too.
    let id = contact(admin, "Basile", "Renard", &[], &[]).await;
    wait_for(admin, "renard", Duration::from_secs(1), |r| ids(r, "contact").contains(&id)).await;
    let c = admin.contact(id).await.unwrap();
    admin.delete_contact(id, c.version).await.unwrap();
    wait_for(admin, "renard", Duration::from_secs(1), |r| !ids(r, "contact").contains(&id)).await;
    s.stop().await;
}

async fn seed(s: &crate::support::TestServer, name: &str) -> (TenantFixture, Vec<Uuid>, Uuid) {
    let t = tenant(s, name).await;
    let sales = t.client(Role::Sales);
    let admin = t.client(Role::Admin);
    let mine = vec![
        contact(sales, "Claire", "Moreau", &["claire.moreau@vignobles.fr"], &["06 12 34 56 78"]).await,
        contact(sales, "Claude", "Moreau", &[], &[]).await,
    ];
    let not_mine = contact(admin, "Camille", "Moreau", &["camille@moreau-bois.fr"], &["01 42 68 53 00"]).await;
    admin
        .create_organization(&OrganizationWrite {
            name: format!("Moreau {name}"),
            ..OrganizationWrite::default()
        })
        .await
        .unwrap();
    (t, mine, not_mine)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_search_crosses_a_tenant_or_a_sales_reps_scope() {
    let s = spawn_app().await;
    let (a, a_mine, a_other) = seed(&s, "A").await;
    let (b, b_mine, b_other) = seed(&s, "B").await;
    let every_a: HashSet<Uuid> = a_mine.iter().copied().chain([a_other]).collect();
    let every_b: HashSet<Uuid> = b_mine.iter().copied().chain([b_other]).collect();
    let admin_a = a.client(Role::Admin);
    wait_for(admin_a, "moreau", Duration::from_secs(5), |r| ids(r, "contact") == every_a).await;
    wait_for(b.client(Role::Admin), "moreau", Duration::from_secs(5), |r| {
        ids(r, "contact") == every_b
    })
    .await;
    let queries = [
        "moreau",
        "mor",
        "claire",
        "moreua",
        "claire.moreau@vignobles.fr",
        "vignobles.fr",
        "moreau-bois.fr",
        "0612345678",
        "+33 6 12 34 56 78",
        "5678",
        "0142",
        "B",
        "A",
    ];
    for (fx, own, everyone, other_tenant) in [(&a, &a_mine, &every_a, &every_b), (&b, &b_mine, &every_b, &every_a)] {
        for role in [Role::Admin, Role::Manager, Role::Sales, Role::Marketing, Role::Observer] {
            let c = fx.client(role);
            for text in queries {
                let r = c.search(&q(text)).await.unwrap();
                let found = ids(&r, "contact");
                assert!(found.is_disjoint(other_tenant), "{role:?} {text:?} sees another tenant");
                let text_lower = r.groups.iter().flat_map(|g| &g.hits).map(|h| h.title.clone()).collect::<Vec<_>>();
                assert!(
                    !text_lower
                        .iter()
                        .any(|t| t.ends_with(if std::ptr::eq(fx, &a) { " B" } else { " A" })),
                    "{role:?} {text:?}: {text_lower:?}"
                );
                match role {
                    Role::Sales => assert!(found.iter().all(|id| own.contains(id)), "Sales {text:?} sees {found:?}"),
                    Role::Manager => assert!(found.iter().all(|id| own.contains(id)), "Manager {text:?} sees {found:?}"),
                    _ => assert!(found.iter().all(|id| everyone.contains(id))),
                }
            }
        }
        // What each may see is found.
        let sales = fx.client(Role::Sales);
        assert_eq!(
            ids(&sales.search(&q("moreau")).await.unwrap(), "contact"),
            own.iter().copied().collect()
        );
        assert_eq!(
            ids(&fx.client(Role::Manager).search(&q("moreau")).await.unwrap(), "contact"),
            own.iter().copied().collect()
        );
        assert_eq!(
            ids(&fx.client(Role::Observer).search(&q("moreau")).await.unwrap(), "contact"),
            *everyone
        );
        assert!(
            fx.client(Role::Marketing)
                .search(&q("moreau"))
                .await
                .unwrap()
                .hits("opportunity")
                .is_empty()
        );
    }
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_and_phones_match_exactly_with_snippets_from_the_record() {
    let s = spawn_app().await;
    let (a, mine, other) = seed(&s, "Snippets").await;
    let admin = a.client(Role::Admin);
    wait_for(admin, "moreau", Duration::from_secs(5), |r| ids(r, "contact").len() == 3).await;
    for (text, expected, field, shown) in [
        ("claire.moreau@vignobles.fr", mine[0], "email", "claire.moreau@vignobles.fr"),
        ("claire.moreau", mine[0], "email", "claire.moreau@vignobles.fr"),
        ("@vignobles.fr", mine[0], "email", "claire.moreau@vignobles.fr"),
        ("06.12.34.56.78", mine[0], "phone", "+33612345678"),
        ("0033612345678", mine[0], "phone", "+33612345678"),
        ("0612", mine[0], "phone", "+33612345678"),
        // The start of an international number, found through its national form.
        ("+33 6 12 34", mine[0], "phone", "+33612345678"),
        ("0033 1 42 68", other, "phone", "+33142685300"),
        ("5300", other, "phone", "+33142685300"),
    ] {
        let r = admin.search(&q(text)).await.unwrap();
        let hits = r.hits("contact");
        assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), [expected], "{text:?}");
        let snippet = hits[0]
            .snippets
            .iter()
            .find(|s| s.field == field)
            .unwrap_or_else(|| panic!("{text:?}: {hits:?}"));
        assert_eq!(snippet.matched(), [shown]);
    }
    for near_miss in ["claire.moreau@vignobles.com", "vignobles", "1234", "0612345679"] {
        let r = admin.search(&q(near_miss)).await.unwrap();
        assert!(r.hits("contact").is_empty(), "{near_miss:?}: {r:?}");
    }
    let r = admin.search(&q("claire mor")).await.unwrap();
    let s0 = &r.hits("contact")[0].snippets[0];
    assert_eq!((s0.field.as_str(), s0.matched()), ("name", vec!["Claire", "Moreau"]));
    // Bad input is refused with the field named.
    let err = admin.search(&q(&"x".repeat(201))).await.unwrap_err();
    assert!(format!("{err:?}").contains("\"q\""), "{err:?}");
    let err = admin
        .search(&SearchQuery {
            q: "a".into(),
            types: vec!["facture".into()],
            ..SearchQuery::default()
        })
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("types"), "{err:?}");
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_survives_a_restart_and_its_deletion_and_is_held_by_one_process() {
    let s = spawn_app().await;
    let a = tenant(&s, "Durable").await;
    let admin = a.client(Role::Admin);
    let id = contact(admin, "Gaspard", "Lenoir", &[], &[]).await;
    wait_for(admin, "lenoir", Duration::from_secs(2), |r| ids(r, "contact").contains(&id)).await;

    // While the server runs, `crm reindex` refuses, saying why.
    let dir = s.dir.path().to_owned();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_crm"))
        .args(["--data-dir", dir.to_str().unwrap(), "reindex"])
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tenu par un autre processus") && err.contains("POST /api/v1/search/reindex"),
        "{err}"
    );

    // Restart: found without any rebuild.
    let data = s.stop_keeping_data().await;
    let s = spawn_app_in(data).await;
    let admin = s.client.login(&a.emails[&Role::Admin], crate::support::PASSWORD).await.unwrap();
    let admin = s.client.with_token(&admin.token);
    let r = admin.search(&q("lenoir")).await.unwrap();
    assert!(ids(&r, "contact").contains(&id), "found right after a restart");

    // Deleted index: rebuilt from the store, nothing lost.
    let data = s.stop_keeping_data().await;
    std::fs::remove_dir_all(data.path().join("search")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_crm"))
        .args(["--data-dir", data.path().to_str().unwrap(), "reindex"])
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Index de recherche reconstruit"));
    std::fs::remove_dir_all(data.path().join("search")).unwrap();
    let s = spawn_app_in(data).await;
    let admin = s.client.login(&a.emails[&Role::Admin], crate::support::PASSWORD).await.unwrap();
    let admin = s.client.with_token(&admin.token);
    wait_for(&admin, "lenoir", Duration::from_secs(5), |r| ids(r, "contact").contains(&id)).await;
    // The Admin's rebuild through the running server.
    assert!(admin.reindex_search().await.unwrap().documents >= 1);
    assert!(ids(&admin.search(&q("gaspard")).await.unwrap(), "contact").contains(&id));
    s.stop().await;
}
