//! The rights of a person through the API, with the files of the installation looked at
//! byte by byte: a request logged with its deadline, the person's data exported (JSON and
//! CSV), then erased — after which their name, email and phone are found nowhere in the
//! data directory (the SQLite database and its write-ahead log, the search index after its
//! purge, the stored files, the embedded mailer's `.eml` copies of the emails sent to
//! them, the activities about them), where the same scan found them before; their addresses stay on the suppression
//! list as keyed hashes.

use crate::support::{spawn_app, tenant};
use crm_domain::user::Role;
use crm_sdk::models::{ActivityWrite, ContactWrite, EmailWrite, Erasure, LinkRef, PrivacyAnswer, PrivacyRequestWrite, SearchQuery};
use std::path::Path;
use std::time::{Duration, Instant};

/// What the person leaves behind, as written and as the index folds it.
const MARKS: [&str; 5] = [
    "Quasimodoz",
    "quasimodoz",
    "Zéphyrine",
    "zephyrine.quasimodoz@exemple.fr",
    "+33612345678",
];

/// The files under `dir` holding one of the marks, with the mark.
fn files_with_marks(dir: &Path) -> Vec<(String, &'static str)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let Ok(bytes) = std::fs::read(&p) else { continue };
            for m in MARKS {
                if bytes.windows(m.len()).any(|w| w == m.as_bytes()) {
                    found.push((p.display().to_string(), m));
                }
            }
        }
    }
    found
}

fn q(text: &str) -> SearchQuery {
    SearchQuery {
        q: text.into(),
        ..SearchQuery::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erased_person_is_readable_nowhere_in_the_data_directory() {
    let s = spawn_app().await;
    let a = tenant(&s, "Effacement RGPD").await;
    let admin = a.client(Role::Admin);
    let c = admin
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Zéphyrine".into(),
                last_name: "Quasimodoz".into(),
                emails: vec!["zephyrine.quasimodoz@exemple.fr".into()],
                phones: vec!["06 12 34 56 78".into()],
                notes: Some("Rencontrée au salon de Lyon".into()),
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap();
    // A call logged about them, in words that name them (an activity's subject is in
    // clear in its row).
    let call = admin
        .create_activity(&ActivityWrite {
            kind: Some("call".into()),
            subject: "Appel Zéphyrine Quasimodoz".into(),
            body: Some("Rappeler Mme Quasimodoz au +33612345678".into()),
            direction: Some("inbound".into()),
            links: vec![LinkRef {
                entity_type: "contact".into(),
                entity_id: c.id,
                name: None,
            }],
            ..ActivityWrite::default()
        })
        .await
        .unwrap();
    // Indexed (the index holds the folded name).
    let start = Instant::now();
    while admin.search(&q("quasimodoz")).await.unwrap().hits("contact").is_empty() {
        assert!(start.elapsed() < Duration::from_secs(10), "never indexed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // A request, its deadline a month later; the export holds the person's values.
    let request = admin
        .create_privacy_request(&PrivacyRequestWrite {
            contact_id: c.id,
            kind: "erasure".into(),
            received_at: None,
            note: Some("Demande reçue par courrier".into()),
        })
        .await
        .unwrap();
    assert_eq!(request.status, "open");
    assert!(!request.late);
    let days = (request.due_at - request.received_at).num_days();
    assert!((28..=31).contains(&days), "a month to answer: {days} days");
    let json: serde_json::Value = serde_json::from_slice(&admin.export_personal_data(c.id, false).await.unwrap()).unwrap();
    assert_eq!(json["contact"]["emails"][0], "zephyrine.quasimodoz@exemple.fr");
    assert_eq!(json["contact"]["phones"][0], "+33612345678");
    assert_eq!(json["requests"][0]["kind"], "erasure");
    let csv = String::from_utf8(admin.export_personal_data(c.id, true).await.unwrap()).unwrap();
    assert!(csv.starts_with("\u{feff}section;champ;valeur"));
    assert!(csv.contains("contact;last_name;Quasimodoz"), "{csv}");
    // Only the Admin.
    for role in [Role::Manager, Role::Sales, Role::Marketing, Role::Observer] {
        assert!(a.client(role).export_personal_data(c.id, false).await.is_err(), "{role:?}");
    }

    // An email to them, kept by the embedded mailer as an `.eml` file of the data directory.
    let mail = admin
        .send_email(&EmailWrite {
            contact_id: Some(c.id),
            subject: Some("Votre demande".into()),
            body: Some("Bonjour Zéphyrine, nous avons bien reçu votre courrier.".into()),
            ..EmailWrite::default()
        })
        .await
        .unwrap();
    let start = Instant::now();
    while admin.email(mail.id).await.unwrap().state != "sent" {
        assert!(start.elapsed() < Duration::from_secs(20), "never sent");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let outbox = s.dir.path().join("mail");
    assert!(
        files_with_marks(&outbox).iter().any(|(f, _)| f.ends_with(".eml")),
        "the scan must see the .eml file before the erasure"
    );

    // The scan finds the person before the erasure (it would find them after, too).
    let before = files_with_marks(s.dir.path());
    assert!(
        before.iter().any(|(_, m)| *m == "Quasimodoz") && before.iter().any(|(_, m)| *m == "quasimodoz"),
        "the scan must see the record and the index before the erasure: {before:?}"
    );

    admin
        .erase_contact(
            c.id,
            &Erasure {
                request_id: Some(request.id),
                request_version: Some(request.version),
            },
        )
        .await
        .unwrap();
    let done = admin.privacy_request(request.id).await.unwrap();
    assert_eq!(done.status, "done");
    assert!(admin.contact(c.id).await.is_err(), "gone");
    assert!(admin.export_personal_data(c.id, false).await.is_err(), "nothing left to export");
    assert!(admin.erase_contact(c.id, &Erasure::default()).await.is_err(), "erased once");
    assert!(admin.activity(call.id).await.is_err(), "the call about them alone went with them");
    let listed = admin
        .suppressions(Some("Zephyrine.Quasimodoz@exemple.fr"), None, None)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "the address stays suppressed, as a keyed hash");
    assert_eq!(listed[0].reason, "erased");
    assert_eq!(admin.suppressions(None, Some("06 12 34 56 78"), None).await.unwrap().len(), 1);

    // Nowhere readable: the database files, the index once purged, the stored files, the
    // mailer's `.eml` copies.
    let start = Instant::now();
    loop {
        let left = files_with_marks(s.dir.path());
        let found = !admin.search(&q("quasimodoz")).await.unwrap().hits("contact").is_empty();
        if left.is_empty() && !found {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "still readable after the erasure: {left:?} (search finds it: {found})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A refusal says why.
    let other = admin
        .create_contact(
            &ContactWrite {
                kind: "client".into(),
                first_name: "Paul".into(),
                last_name: "Client".into(),
                ..ContactWrite::default()
            },
            true,
        )
        .await
        .unwrap();
    let r = admin
        .create_privacy_request(&PrivacyRequestWrite {
            contact_id: other.id,
            kind: "erasure".into(),
            received_at: None,
            note: None,
        })
        .await
        .unwrap();
    let no_reason = admin
        .answer_privacy_request(
            r.id,
            r.version,
            &PrivacyAnswer {
                status: "refused".into(),
                answer: None,
            },
        )
        .await;
    assert!(no_reason.is_err(), "a refusal without a reason");
    let refused = admin
        .answer_privacy_request(
            r.id,
            r.version,
            &PrivacyAnswer {
                status: "refused".into(),
                answer: Some("Factures à conserver dix ans (Code de commerce, L123-22)".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(refused.status, "refused");
    assert_eq!(admin.privacy_requests(None).await.unwrap().len(), 2);
}
