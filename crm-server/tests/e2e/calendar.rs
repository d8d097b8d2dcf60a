//! Private calendar feeds, checked with an independent parser (Python's `icalendar`).

use crate::support::{spawn_app, tenant};
use crm_domain::user::Role;
use crm_sdk::models::{ActivityWrite, ContactWrite, LinkRef};
use std::process::Command;

fn python_icalendar() -> bool {
    Command::new("python3")
        .args(["-c", "import icalendar"])
        .status()
        .is_ok_and(|s| s.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_carries_meetings_and_tasks_and_can_be_revoked() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Agenda").await;
    let rep = fx.client(Role::Sales);
    let manager = fx.client(Role::Manager);
    let c = rep
        .create_contact(
            &ContactWrite {
                kind: "client".into(),
                first_name: "Cal".into(),
                last_name: "Endrier".into(),
                ..ContactWrite::default()
            },
            false,
        )
        .await
        .unwrap();
    let link = vec![LinkRef {
        entity_type: "contact".into(),
        entity_id: c.id,
    }];
    let start = chrono::Utc::now() + chrono::Duration::days(3);
    rep.create_activity(&ActivityWrite {
        kind: Some("meeting".into()),
        subject: "Démo; chez le client, salle \"B\"".into(),
        starts_at: Some(start),
        ends_at: Some(start + chrono::Duration::hours(1)),
        place: Some("12 rue de la Paix, Paris".into()),
        attendee_ids: vec![fx.user(Role::Manager)],
        links: link.clone(),
        ..ActivityWrite::default()
    })
    .await
    .unwrap();
    rep.create_activity(&ActivityWrite {
        kind: Some("task".into()),
        subject: "Préparer la proposition commerciale détaillée pour la direction des achats du groupe".into(),
        due_at: Some(start - chrono::Duration::days(1)),
        priority: Some("high".into()),
        links: link,
        ..ActivityWrite::default()
    })
    .await
    .unwrap();
    let created = rep.raw("POST", "/api/v1/calendar-feeds", None, &[]).await.unwrap();
    assert_eq!(created.status, 201);
    let path = created.body["path"].as_str().unwrap().to_owned();
    let feed_id = created.body["feed"]["id"].as_str().unwrap().to_owned();
    // Read without any credential, as a calendar client does.
    let res = reqwest::get(format!("{}{path}", s.base)).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let ics = res.text().await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    // The secret is no bearer token.
    let secret = path.rsplit('/').next().unwrap();
    assert_eq!(s.client.with_token(secret).me().await.unwrap_err().status(), Some(401));
    // The attendee's own feed has the meeting only (the task is the rep's).
    let m = manager.raw("POST", "/api/v1/calendar-feeds", None, &[]).await.unwrap();
    let m_ics = reqwest::get(format!("{}{}", s.base, m.body["path"].as_str().unwrap()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        (m_ics.matches("BEGIN:VEVENT").count(), m_ics.matches("BEGIN:VTODO").count()),
        (1, 0)
    );

    if python_icalendar() {
        let file = s.dir.path().join("feed.ics");
        std::fs::write(&file, &ics).unwrap();
        let script = r#"
import sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
for c in cal.walk():
    if c.name == 'VEVENT':
        print('EVENT', c.get('summary'), '|', c.get('location'), '|', c.decoded('dtend') - c.decoded('dtstart'))
    if c.name == 'VTODO':
        print('TODO', c.get('summary'), '|', c.get('priority'))
"#;
        let out = Command::new("python3").arg("-c").arg(script).arg(&file).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("EVENT Démo; chez le client, salle \"B\" | 12 rue de la Paix, Paris | 1:00:00"),
            "{text}"
        );
        assert!(
            text.contains("TODO Préparer la proposition commerciale détaillée pour la direction des achats du groupe | 1"),
            "{text}"
        );
    } else {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true needs Python's icalendar (pip install icalendar)"
        );
        eprintln!("skipped: the independent parse (pip install icalendar to run it)");
    }

    // Revoked: the address answers 404 like an unknown one.
    assert_eq!(
        rep.raw("DELETE", &format!("/api/v1/calendar-feeds/{feed_id}"), None, &[])
            .await
            .unwrap()
            .status,
        204
    );
    assert_eq!(reqwest::get(format!("{}{path}", s.base)).await.unwrap().status(), 404);
    assert_eq!(
        reqwest::get(format!("{}/api/v1/calendar/crm_inconnu", s.base))
            .await
            .unwrap()
            .status(),
        404
    );
    s.stop().await;
}
