//! Crypto-shredding of the event log: what the log keeps of a contact (names included) is
//! sealed under that person's own key; once the key is destroyed, every event of theirs
//! reads back `erased` with no value, while other people's events are untouched.

use crate::contacts::input;
use crate::harness::{Harness, Raw};
use crm_domain::activity::{ActivityInput, Link};
use crm_domain::event::{EntityType, EventKind};
use crm_ports::ServiceError;
use crm_ports::store::PersonKeyStore as _;
use sqlx::{Connection, Row};
use uuid::Uuid;

/// The stored `changes` of one entity's events, as text.
pub async fn stored_changes(h: &Harness, entity: Uuid) -> String {
    const PG: &str = "SELECT CAST(changes AS TEXT) AS c FROM events WHERE entity_id = $1 ORDER BY seq";
    const LITE: &str = "SELECT CAST(changes AS TEXT) AS c FROM events WHERE entity_id = ? ORDER BY seq";
    let rows: Vec<String> = match &h.raw {
        Raw::Sqlite { path, .. } => {
            let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                .await
                .unwrap();
            sqlx::query(LITE)
                .bind(entity)
                .fetch_all(&mut c)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>("c"))
                .collect()
        }
        Raw::Postgres { target } => {
            let mut c = sqlx::PgConnection::connect(&target.admin_url).await.unwrap();
            sqlx::query(PG)
                .bind(entity)
                .fetch_all(&mut c)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get::<String, _>("c"))
                .collect()
        }
    };
    rows.join("\n")
}

pub async fn an_erased_persons_events_cannot_be_opened(h: &Harness) {
    let (_, admin) = h.tenant("Effacement").await;
    let gone = h
        .app
        .create_contact(&admin, &input("Gaspard", "Oubliable"), None, true)
        .await
        .unwrap();
    let gone = h
        .app
        .update_contact(&admin, gone.id, 1, &input("Gaspard", "Oubliable-Martin"))
        .await
        .unwrap();
    let kept = h.app.create_contact(&admin, &input("Gaëlle", "Gardée"), None, true).await.unwrap();

    // Readable through the store; in the log itself, no clear value of the person (names
    // included): everything is sealed under their key.
    let log = h.app.events_after(&admin, 0, 100).await.unwrap();
    let of = |id: Uuid| {
        log.iter()
            .filter(move |e| e.entity_type == EntityType::Contact && e.entity_id == id)
    };
    assert_eq!(of(gone.id.as_uuid()).count(), 2);
    assert!(of(gone.id.as_uuid()).all(|e| !e.erased));
    assert!(
        of(gone.id.as_uuid())
            .flat_map(|e| e.changes.iter())
            .any(|c| c.after.as_ref().is_some_and(|v| v.to_string().contains("Oubliable-Martin"))),
        "the values open while the key lives"
    );
    let stored = stored_changes(h, gone.id.as_uuid()).await;
    assert!(stored.contains("\"pk\""), "{stored}");
    for clear in ["Gaspard", "Oubliable", "gaspard.oubliable"] {
        assert!(!stored.contains(clear), "{clear} in clear in the log: {stored}");
    }

    // Erased: every event of theirs reads as nothing; the other person's do not change.
    h.app
        .store()
        .erase_person_key(admin.tenant_id().unwrap(), gone.id.as_uuid(), h.app.now())
        .await
        .unwrap();
    let log = h.app.events_after(&admin, 0, 100).await.unwrap();
    let of = |id: Uuid| {
        log.iter()
            .filter(move |e| e.entity_type == EntityType::Contact && e.entity_id == id)
    };
    assert_eq!(of(gone.id.as_uuid()).count(), 2, "the events stay, as facts");
    for e in of(gone.id.as_uuid()) {
        assert!(e.erased, "{e:?}");
        assert!(e.changes.iter().all(|c| c.before.is_none() && c.after.is_none()), "{e:?}");
        assert!(!e.changes.is_empty(), "which fields changed stays known");
    }
    let k: Vec<_> = of(kept.id.as_uuid()).collect();
    assert_eq!(k.len(), 1);
    assert!(!k[0].erased);
    assert!(
        k[0].changes
            .iter()
            .any(|c| c.after.as_ref().is_some_and(|v| v.to_string().contains("Gardée")))
    );
    // Erasing twice is fine; what is written of them afterwards is not kept either.
    h.app
        .store()
        .erase_person_key(admin.tenant_id().unwrap(), gone.id.as_uuid(), h.app.now())
        .await
        .unwrap();
    h.app
        .update_contact(&admin, gone.id, gone.version, &input("Gaspard", "Revenant"))
        .await
        .unwrap();
    let last = h.app.events_after(&admin, 0, 100).await.unwrap().into_iter().last().unwrap();
    assert!(last.erased && last.changes.iter().all(|c| c.after.is_none()), "{last:?}");
    assert!(!stored_changes(h, gone.id.as_uuid()).await.contains("Revenant"));
}

/// Everything the store keeps on disk: the SQLite files, or a PostgreSQL data dump.
pub fn on_disk(h: &Harness) -> Vec<u8> {
    match &h.raw {
        Raw::Sqlite { path, .. } => {
            let mut all = Vec::new();
            for e in std::fs::read_dir(path.parent().unwrap()).unwrap() {
                all.extend(std::fs::read(e.unwrap().path()).unwrap_or_default());
            }
            all
        }
        Raw::Postgres { target } => {
            let out = std::process::Command::new("pg_dump")
                .arg("--data-only")
                .arg(&target.admin_url)
                .output()
                .expect("pg_dump must be installed to run this case");
            assert!(out.status.success(), "pg_dump failed: {}", String::from_utf8_lossy(&out.stderr));
            out.stdout
        }
    }
}

pub fn holds(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

pub async fn an_erased_person_leaves_no_clear_value_on_disk(h: &Harness) {
    let (_, admin) = h.tenant("Effacement disque").await;
    let marker = format!("Qzx{}", &Uuid::new_v4().simple().to_string()[..10]);
    let mut i = input("Prudence", &marker);
    i.notes = Some(format!("notes {marker}"));
    i.job_title = Some(format!("Directrice {marker}"));
    let c = h.app.create_contact(&admin, &i, None, true).await.unwrap();
    i.source = Some(format!("Salon {marker}"));
    let c = h.app.update_contact(&admin, c.id, c.version, &i).await.unwrap();
    let kept = h.app.create_contact(&admin, &input("Gardien", "Témoin"), None, true).await.unwrap();
    // Activities about them: a call about them alone, whose words name them (changed
    // once), and a note about them and the other contact.
    let link = |id: Uuid| Link {
        entity_type: EntityType::Contact,
        entity_id: id,
    };
    let mut call_in = ActivityInput {
        subject: format!("Appel {marker}"),
        body: Some(format!("Rappeler {marker} lundi")),
        links: vec![link(c.id.as_uuid())],
        direction: Some("inbound".into()),
        outcome: Some(format!("Intéressée {marker}")),
        ..ActivityInput::default()
    };
    let call = h.app.create_activity(&admin, "call", &call_in).await.unwrap();
    call_in.subject = format!("Appel {marker} (suite)");
    let call = h.app.update_activity(&admin, call.id, call.version, &call_in).await.unwrap();
    let shared_in = ActivityInput {
        subject: "Réunion commune".into(),
        links: vec![link(c.id.as_uuid()), link(kept.id.as_uuid())],
        ..ActivityInput::default()
    };
    let shared = h.app.create_activity(&admin, "note", &shared_in).await.unwrap();
    // What the log keeps of the call is sealed under the person's key, and opens while it
    // lives.
    let stored = stored_changes(h, call.id.as_uuid()).await;
    assert!(stored.contains("\"pk\"") && !stored.contains(&marker), "{stored}");
    let log = h.app.events_after(&admin, 0, 100).await.unwrap();
    assert!(
        log.iter()
            .filter(|e| e.entity_id == call.id.as_uuid())
            .flat_map(|e| e.changes.iter())
            .any(|c| c.after.as_ref().is_some_and(|v| v.to_string().contains("(suite)"))),
        "the call's values open while the key lives"
    );
    assert_eq!(
        h.app.activity(&admin, call.id).await.unwrap().fields.subject.as_str(),
        call_in.subject
    );
    let needles = [marker.clone(), marker.to_lowercase()];
    let before = on_disk(h);
    assert!(
        needles.iter().any(|n| holds(&before, n)),
        "the scan must find the person before the erasure, or it proves nothing"
    );

    h.app.erase_contact(&admin, c.id, None).await.unwrap();
    let after = on_disk(h);
    for n in &needles {
        assert!(!holds(&after, n), "{n} still on disk after the erasure");
    }
    // Gone from every read; the other contact untouched; their events unreadable.
    assert!(h.app.contact(&admin, c.id).await.is_err());
    // An erased person's row stays gone: an Admin cannot restore it as an empty contact.
    assert!(matches!(h.app.restore_contact(&admin, c.id).await, Err(ServiceError::NotFound)));
    assert_eq!(h.app.contact(&admin, kept.id).await.unwrap().fields.last_name.as_str(), "Témoin");
    let log = h.app.events_after(&admin, 0, 100).await.unwrap();
    let of_person: Vec<_> = log.iter().filter(|e| e.entity_id == c.id.as_uuid()).collect();
    assert_eq!(of_person.last().map(|e| e.kind), Some(EventKind::Erased));
    assert!(of_person.iter().filter(|e| !e.changes.is_empty()).all(|e| e.erased));
    // The call about them alone is gone, with a `deleted` event; what the log kept of it
    // reads as nothing. The shared note stays, about the other contact only.
    assert!(matches!(h.app.activity(&admin, call.id).await, Err(ServiceError::NotFound)));
    let of_call: Vec<_> = log.iter().filter(|e| e.entity_id == call.id.as_uuid()).collect();
    assert_eq!(
        of_call.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [EventKind::Created, EventKind::Updated, EventKind::Deleted]
    );
    assert!(of_call[..2].iter().all(|e| e.erased && e.changes.iter().all(|c| c.after.is_none())));
    let shared = h.app.activity(&admin, shared.id).await.unwrap();
    assert_eq!(shared.fields.links, [link(kept.id.as_uuid())]);
    assert_eq!(shared.fields.subject.as_str(), "Réunion commune");
    // A person the tenant does not have is not found.
    assert!(matches!(
        h.app
            .store()
            .erase_person(admin.tenant_id().unwrap(), Uuid::new_v4(), h.app.now(), &[])
            .await,
        Err(crm_ports::StoreError::NotFound)
    ));
}

contract!(
    an_erased_persons_events_cannot_be_opened,
    an_erased_person_leaves_no_clear_value_on_disk
);
