//! Encryption at rest: a contact's email, phone, street and notes appear nowhere in the
//! raw database (SQLite files, or a `pg_dump` of the PostgreSQL database), event log
//! included, while reads through the store give them back.

use crate::harness::{Harness, Raw};
use crm_domain::contact::ContactInput;
use crm_domain::organization::AddressInput;
use uuid::Uuid;

fn needles(marker: &str) -> Vec<String> {
    vec![
        format!("secret.{marker}@exemple.fr"),
        "+33698765432".into(),
        "698765432".into(),
        "06 98 76 54 32".into(),
        format!("7 impasse {marker}"),
        format!("note {marker}"),
    ]
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

async fn personal_fields_never_reach_disk_in_clear(h: &Harness) {
    let marker = Uuid::new_v4().simple().to_string();
    let (_, admin) = h.tenant("Coffre-fort").await;
    let i = ContactInput {
        kind: "client".into(),
        first_name: "Rose".into(),
        last_name: "Lambert".into(),
        emails: vec![format!("secret.{marker}@exemple.fr")],
        phones: vec!["06 98 76 54 32".into()],
        address: AddressInput {
            street: Some(format!("7 impasse {marker}")),
            city: Some("Lyon".into()),
            ..AddressInput::default()
        },
        notes: Some(format!("note {marker}")),
        ..ContactInput::default()
    };
    let c = h.app.create_contact(&admin, &i, None, false).await.unwrap();
    // An update puts before/after values in the log too.
    let mut j = i.clone();
    j.notes = Some(format!("note {marker} bis"));
    h.app.update_contact(&admin, c.id, 1, &j).await.unwrap();
    let back = h.app.contact(&admin, c.id).await.unwrap();
    assert_eq!(back.fields.emails[0].as_str(), format!("secret.{marker}@exemple.fr"));
    assert_eq!(back.fields.phones[0].as_str(), "+33698765432");

    let raw: Vec<u8> = match &h.raw {
        Raw::Sqlite { path, .. } => {
            let dir = path.parent().unwrap();
            let mut all = Vec::new();
            for e in std::fs::read_dir(dir).unwrap() {
                all.extend(std::fs::read(e.unwrap().path()).unwrap());
            }
            assert!(contains(&all, "Lambert"), "the scan must see clear fields, or it proves nothing");
            all
        }
        Raw::Postgres { target } => {
            let out = std::process::Command::new("pg_dump")
                .arg("--data-only")
                .arg(&target.admin_url)
                .output()
                .expect("pg_dump must be installed to run this case");
            assert!(out.status.success(), "pg_dump failed: {}", String::from_utf8_lossy(&out.stderr));
            assert!(
                contains(&out.stdout, "Lambert"),
                "the dump must hold clear fields, or it proves nothing"
            );
            assert!(contains(&out.stdout, "COPY public.events"), "the dump must include the event log");
            out.stdout
        }
    };
    for n in needles(&marker) {
        assert!(!contains(&raw, &n), "found {n:?} in clear on disk");
    }
}

contract!(personal_fields_never_reach_disk_in_clear);
