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
        name: None,
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telephony_matches_by_phone_or_keeps_for_triage() {
    use serde_json::json;
    let s = spawn_app().await;
    let fx = tenant(&s, "Standard").await;
    let other = tenant(&s, "Autre standard").await;
    let rep = fx.client(Role::Sales);
    let admin = fx.client(Role::Admin);
    let c = rep
        .create_contact(
            &ContactWrite {
                kind: "client".into(),
                first_name: "Télé".into(),
                last_name: "Phone".into(),
                phones: vec!["06 55 44 33 22".into()],
                ..ContactWrite::default()
            },
            false,
        )
        .await
        .unwrap();
    let call = |caller: &str, dir: &str| json!({"caller": caller, "callee": "+33 1 00 00 00 00", "started_at": "2026-11-20T09:30:00Z", "duration_seconds": 125, "direction": dir, "recording_url": "https://pbx.exemple.fr/rec/42"});
    // Written differently, the same number matches.
    let r = admin
        .raw("POST", "/api/v1/telephony/calls", Some(&call("+33655443322", "inbound")), &[])
        .await
        .unwrap();
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["matched"], true);
    assert_eq!(r.body["activity"]["assignee_id"], c.owner_id.to_string());
    let t = rep.timeline("contacts", c.id, None, None).await.unwrap();
    let logged = t.iter().find_map(|e| e.activity.as_ref()).unwrap();
    assert_eq!((logged.kind.as_str(), logged.duration_seconds), ("call", Some(125)));
    // Unknown number: kept for triage, numbers readable by the Admin.
    let r = admin
        .raw("POST", "/api/v1/telephony/calls", Some(&call("07 11 22 33 44", "inbound")), &[])
        .await
        .unwrap();
    assert_eq!(r.body["matched"], false);
    let list = admin.raw("GET", "/api/v1/telephony/unmatched", None, &[]).await.unwrap();
    assert_eq!(list.body[0]["caller"], "07 11 22 33 44");
    // Another tenant's integration never matches this tenant's contacts.
    let r = other
        .client(Role::Admin)
        .raw("POST", "/api/v1/telephony/calls", Some(&call("06 55 44 33 22", "inbound")), &[])
        .await
        .unwrap();
    assert_eq!(r.body["matched"], false);
    // Only Admins push calls; bad records name the field.
    assert_eq!(
        rep.raw("POST", "/api/v1/telephony/calls", Some(&call("06 55 44 33 22", "inbound")), &[])
            .await
            .unwrap()
            .status,
        403
    );
    let bad = admin
        .raw("POST", "/api/v1/telephony/calls", Some(&call("06 55 44 33 22", "sideways")), &[])
        .await
        .unwrap();
    assert_eq!((bad.status, bad.body["errors"][0]["field"].as_str()), (422, Some("direction")));
    s.stop().await;
}
