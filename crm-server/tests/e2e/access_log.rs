//! The access log through the server: twenty reads of a record by a rep and one by the
//! Admin reach the log off the request path (the server's writer, in batches), each with
//! who and whose, newest first, narrowed by contact or by user and paged by the last id;
//! a list of contacts logs each person it showed.

use crate::support::{spawn_app, tenant};
use crm_domain::user::Role;
use crm_sdk::ContactQuery;
use crm_sdk::models::ContactWrite;
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_of_a_record_reach_the_access_log() {
    let s = spawn_app().await;
    let t = tenant(&s, "Journal des consultations").await;
    let admin = t.client(Role::Admin);
    let rep = t.client(Role::Sales);
    let c = rep
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Lue".into(),
                last_name: "Souvent".into(),
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap();
    for _ in 0..20 {
        rep.contact(c.id).await.unwrap();
    }
    admin.contact(c.id).await.unwrap();

    // Written in batches beside the requests: it appears within moments.
    let deadline = Instant::now() + Duration::from_secs(10);
    let log = loop {
        let log = admin.access_log(Some(c.id), None, None, Some(100)).await.unwrap();
        if log.len() >= 21 {
            break log;
        }
        assert!(Instant::now() < deadline, "{} of 21 accesses after 10 s", log.len());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(log.len(), 21, "{log:?}");
    assert!(log.iter().all(|e| e.kind == "view" && e.contact_id == Some(c.id) && e.count == 1));
    assert_eq!(log[0].user_id, t.user(Role::Admin), "newest first");
    assert!(log.windows(2).all(|w| w[0].at >= w[1].at));
    let by_rep = admin.access_log(None, Some(t.user(Role::Sales)), None, Some(100)).await.unwrap();
    assert_eq!(by_rep.len(), 20);
    let first = admin.access_log(Some(c.id), None, None, Some(8)).await.unwrap();
    let rest = admin.access_log(Some(c.id), None, Some(first[7].id), Some(100)).await.unwrap();
    assert_eq!(first.len() + rest.len(), 21, "paged by the last id, none twice, none missed");
    assert!(rest.iter().all(|e| first.iter().all(|f| f.id != e.id)));
    // The rep may not read it.
    assert!(rep.access_log(None, None, None, None).await.is_err());

    // A list shows emails and phones: one `listed` access naming everyone on the page,
    // found under each of them.
    let other = rep
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Listée".into(),
                last_name: "Ailleurs".into(),
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap();
    let listed = rep.list_contacts(&ContactQuery::default()).await.unwrap();
    assert_eq!(listed.items.len(), 2);
    let deadline = Instant::now() + Duration::from_secs(10);
    let list = loop {
        let log = admin.access_log(None, Some(t.user(Role::Sales)), None, Some(100)).await.unwrap();
        if let Some(l) = log.iter().find(|e| e.kind == "listed") {
            break l.clone();
        }
        assert!(Instant::now() < deadline, "no listed access after 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!((list.count, list.contact_id), (2, None));
    let mut shown = list.contact_ids.clone();
    shown.sort();
    let mut want = vec![c.id, other.id];
    want.sort();
    assert_eq!(shown, want);
    for who in [c.id, other.id] {
        let theirs = admin.access_log(Some(who), None, None, Some(100)).await.unwrap();
        assert!(theirs.iter().any(|e| e.id == list.id), "the list is in {who}'s log");
    }
    let third = rep
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Jamais".into(),
                last_name: "Listée".into(),
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap();
    assert!(
        admin.access_log(Some(third.id), None, None, Some(100)).await.unwrap().is_empty(),
        "a list that did not show them is not theirs"
    );
}
