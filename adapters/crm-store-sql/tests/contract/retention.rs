//! Retention of prospects through the use cases, on both backends, with the clock moved:
//! a prospect is due three years after the last contact they initiated — a click counts,
//! an open does not; an inbound call, a consent given count — or after their collection
//! when there was none; clients and prospects with an open deal are not concerned; the
//! report is the Admin's and holds nothing of another company; a policy that only flags
//! erases nothing, the Admin erases the prospects due at once, and the daily run erases
//! them when the policy says so, each with an `erased` event naming the rule. An
//! anonymisation keeps the record and what counts, with nothing that names the person,
//! in the row, the log, the activities about them or on disk.

use crate::contacts::input;
use crate::email::token_after;
use crate::harness::Harness;
use chrono::{DateTime, Duration, Utc};
use crm_domain::activity::{ActivityInput, Link};
use crm_domain::consent::ConsentInput;
use crm_domain::event::{EntityType, EventKind};
use crm_domain::opportunity::OpportunityInput;
use crm_domain::organization::{AddressInput, OrganizationInput};
use crm_domain::retention::RetentionAction;
use crm_domain::tenant::SettingsInput;
use crm_domain::user::Role;
use crm_domain::{ContactId, ViolationKind};
use crm_ports::query::HistoryQuery;
use crm_ports::services::email::{ComposeEmail, MailSettings};
use crm_ports::store::EventLog as _;
use crm_ports::{FixedClock, ServiceError};

fn policy(months: i64, action: &str) -> SettingsInput {
    SettingsInput {
        retention_months: Some(months),
        retention_action: Some(action.into()),
        ..SettingsInput::default()
    }
}

pub async fn a_prospect_is_due_after_the_last_contact_they_initiated(h: &Harness) {
    let (_, admin) = h.tenant("Conservation").await;
    let (_, stranger) = h.tenant("Autre conservation").await;
    let (_, observer) = h.user(&admin, Role::Observer, None).await;
    let (_, marketing) = h.user(&admin, Role::Marketing, None).await;
    let now = h.app.now();
    let ago = |days: i64| -> DateTime<Utc> { now - Duration::days(days) };
    let then = h.app.with_clock(FixedClock(ago(5 * 365)));
    let new = |first: &str, last: &str| input(first, last);

    // Collected five years ago.
    let silent = then.create_contact(&admin, &new("Muet", "Silence"), None, true).await.unwrap();
    let opener = then.create_contact(&admin, &new("Ouvre", "Sansclic"), None, true).await.unwrap();
    let clicker = then.create_contact(&admin, &new("Clique", "Récent"), None, true).await.unwrap();
    let caller = then.create_contact(&admin, &new("Appelle", "Lui-même"), None, true).await.unwrap();
    let consenting = then.create_contact(&admin, &new("Consent", "Récemment"), None, true).await.unwrap();
    let dealing = then.create_contact(&admin, &new("Affaire", "Encours"), None, true).await.unwrap();
    let mut client_input = new("Cliente", "Fidèle");
    client_input.kind = "client".into();
    let client = then.create_contact(&admin, &client_input, None, true).await.unwrap();
    let theirs = then
        .create_contact(&stranger, &new("Autre", "Entreprise"), None, true)
        .await
        .unwrap();
    // Collected a year ago: not due.
    let recent = h
        .app
        .with_clock(FixedClock(ago(365)))
        .create_contact(&admin, &new("Récent", "Collecté"), None, true)
        .await
        .unwrap();

    // Emails sent four years ago; one opened two years ago, one clicked a year ago.
    let settings = MailSettings {
        public_url: Some("https://crm.test".into()),
        ..MailSettings::default()
    };
    let sent = h.app.with_clock(FixedClock(ago(4 * 365)));
    let mut html = Vec::new();
    for c in [&opener, &clicker] {
        let m = sent
            .send_email(
                &admin,
                &ComposeEmail {
                    contact_id: Some(c.id),
                    subject: Some("Offre".into()),
                    body: Some("Voir https://exemple.com/offre".into()),
                    ..ComposeEmail::default()
                },
                &settings,
            )
            .await
            .unwrap();
        html.push(m.content.unwrap().html.unwrap());
    }
    let firefox = Some("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0");
    h.app
        .with_clock(FixedClock(ago(2 * 365)))
        .email_opened(&token_after(&html[0], "https://crm.test/t/o/"), firefox)
        .await
        .unwrap();
    h.app
        .with_clock(FixedClock(ago(365)))
        .email_clicked(&token_after(&html[1], "https://crm.test/t/c/"), firefox)
        .await
        .unwrap();
    // An inbound call two years ago; a consent given six months ago; an open deal.
    h.app
        .with_clock(FixedClock(ago(2 * 365)))
        .create_activity(
            &admin,
            "call",
            &ActivityInput {
                subject: "Rappel demandé".into(),
                direction: Some("inbound".into()),
                links: vec![Link {
                    entity_type: EntityType::Contact,
                    entity_id: caller.id.as_uuid(),
                }],
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();
    h.app
        .record_consent(
            &admin,
            consenting.id,
            &ConsentInput {
                medium: "email".into(),
                state: "granted".into(),
                basis: Some("consent".into()),
                source: "Formulaire".into(),
                proof: None,
                given_at: Some(ago(180)),
            },
        )
        .await
        .unwrap();
    let pipeline = h.app.list_pipelines(&admin).await.unwrap().remove(0);
    let deal = OpportunityInput {
        title: "Projet".into(),
        value_minor: 100_000,
        contact_ids: vec![dealing.id],
        ..OpportunityInput::default()
    };
    h.app
        .create_opportunity(&admin, pipeline.id, None, &deal, admin.user_id())
        .await
        .unwrap();

    // The report: the silent one and the one who only opened, oldest first; nothing of
    // another company; the Admin's alone.
    let due = |r: &crm_ports::services::retention::RetentionReport| -> Vec<ContactId> { r.due.iter().map(|d| d.contact.id).collect() };
    let report = h.app.retention_report(&admin, 100).await.unwrap();
    assert_eq!((report.policy.prospect_months, report.total), (36, 2));
    assert_eq!(due(&report), vec![silent.id, opener.id], "{report:#?}");
    assert!(
        report.due.iter().all(|d| d.candidate.last_initiated_at.is_none()),
        "an open is not theirs"
    );
    let stranger_report = h.app.retention_report(&stranger, 100).await.unwrap();
    assert_eq!(due(&stranger_report), vec![theirs.id]);
    for who in [&observer, &marketing] {
        assert!(matches!(h.app.retention_report(who, 100).await, Err(ServiceError::Forbidden)));
        assert!(matches!(h.app.erase_due_prospects(who).await, Err(ServiceError::Forbidden)));
    }
    // What counts is told: the click, the call and the consent dates are theirs.
    let longer = h.app.with_clock(FixedClock(now + Duration::days(3 * 365)));
    let later = longer.retention_report(&admin, 100).await.unwrap();
    let from = |id: ContactId| {
        later
            .due
            .iter()
            .find(|d| d.contact.id == id)
            .and_then(|d| d.candidate.last_initiated_at)
    };
    assert_eq!(from(clicker.id).map(|t| t.date_naive()), Some(ago(365).date_naive()));
    assert_eq!(from(caller.id).map(|t| t.date_naive()), Some(ago(2 * 365).date_naive()));
    assert_eq!(from(consenting.id).map(|t| t.date_naive()), Some(ago(180).date_naive()));
    assert!(!later.due.iter().any(|d| [client.id, dealing.id].contains(&d.contact.id)));

    // The policy: checked; a longer time lets them be.
    let tenant = h.app.tenant(&admin).await.unwrap();
    let err = h
        .app
        .update_tenant(&admin, tenant.version, None, &policy(5, "oublier"))
        .await
        .unwrap_err();
    let ServiceError::Invalid(v) = err else { panic!("{err:?}") };
    let faults: Vec<_> = v.errors().iter().map(|e| (e.field.as_str(), e.kind)).collect();
    assert_eq!(
        faults,
        [
            ("settings.retention_months", ViolationKind::TooSmall),
            ("settings.retention_action", ViolationKind::Unknown)
        ]
    );
    let tenant = h
        .app
        .update_tenant(&admin, tenant.version, None, &policy(72, "flag"))
        .await
        .unwrap();
    assert_eq!(h.app.retention_report(&admin, 100).await.unwrap().total, 0);
    let tenant = h
        .app
        .update_tenant(&admin, tenant.version, None, &policy(36, "flag"))
        .await
        .unwrap();

    // Flagged only: the daily run erases nothing; the Admin erases them at once.
    assert_eq!(h.app.apply_retention(tenant.id).await.unwrap(), 0);
    assert_eq!(h.app.retention_report(&admin, 100).await.unwrap().total, 2);
    assert_eq!(h.app.erase_due_prospects(&admin).await.unwrap().0, 2);
    for gone in [silent.id, opener.id] {
        assert!(matches!(h.app.contact(&admin, gone).await, Err(ServiceError::NotFound)));
    }
    for kept in [clicker.id, caller.id, consenting.id, dealing.id, client.id, recent.id] {
        assert!(h.app.contact(&admin, kept).await.is_ok());
    }
    assert!(
        h.app.contact(&stranger, theirs.id).await.is_ok(),
        "another company's prospect is theirs to keep"
    );
    let log = h
        .app
        .store()
        .history(
            tenant.id,
            &HistoryQuery::Entity {
                entity_type: EntityType::Contact,
                entity_id: silent.id.as_uuid(),
                before: None,
            },
            50,
        )
        .await
        .unwrap();
    let erased = log.iter().find(|e| e.kind == EventKind::Erased).expect("an erased event");
    assert!(
        erased
            .changes
            .iter()
            .any(|c| c.field == "retention_months" && c.after == Some(serde_json::json!(36))),
        "the rule applied stays readable, as the proof: {erased:?}"
    );

    // Erase every night: the daily run takes the next one due, and only once.
    let late = then.create_contact(&admin, &new("Tardif", "Oublié"), None, true).await.unwrap();
    h.app
        .update_tenant(&admin, tenant.version, None, &policy(36, "erase"))
        .await
        .unwrap();
    assert_eq!(h.app.apply_retention(tenant.id).await.unwrap(), 1);
    assert!(matches!(h.app.contact(&admin, late.id).await, Err(ServiceError::NotFound)));
    assert_eq!(h.app.apply_retention(tenant.id).await.unwrap(), 0);
    assert_eq!(h.app.retention_report(&admin, 100).await.unwrap().total, 0);
}

pub async fn an_anonymised_prospect_keeps_what_counts_and_names_no_one(h: &Harness) {
    let (_, admin) = h.tenant("Anonymisation").await;
    let (_, observer) = h.user(&admin, Role::Observer, None).await;
    let tenant = h.app.tenant(&admin).await.unwrap();
    let tenant = h
        .app
        .update_tenant(&admin, tenant.version, None, &policy(36, "anonymise"))
        .await
        .unwrap();
    assert_eq!(tenant.settings.retention.action, RetentionAction::Anonymise);
    let now = h.app.now();
    let then = h.app.with_clock(FixedClock(now - Duration::days(5 * 365)));
    let marker = format!("Qzx{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let org = then
        .create_organization(
            &admin,
            &OrganizationInput {
                name: format!("Société {marker}"),
                ..OrganizationInput::default()
            },
        )
        .await
        .unwrap();
    let mut i = input("Prudence", &marker);
    i.phones = vec!["06 12 34 56 78".into()];
    i.organization_id = Some(org.id);
    i.job_title = Some(format!("Directrice {marker}"));
    i.address = AddressInput {
        street: Some(format!("12 rue {marker}")),
        postal_code: Some("69001".into()),
        city: Some("Lyon".into()),
        country: Some("fr".into()),
    };
    i.tags = vec!["Salon 2021".into()];
    i.source = Some("Salon de Lyon".into());
    i.notes = Some(format!("notes {marker}"));
    i.external_id = Some(format!("EXT-{marker}"));
    let c = then.create_contact(&admin, &i, None, true).await.unwrap();
    let link = Link {
        entity_type: EntityType::Contact,
        entity_id: c.id.as_uuid(),
    };
    let call = then
        .create_activity(
            &admin,
            "call",
            &ActivityInput {
                subject: format!("Appel {marker}"),
                body: Some(format!("Rappeler {marker}")),
                links: vec![link],
                direction: Some("outbound".into()),
                duration_seconds: Some(120),
                outcome: Some(format!("Absente {marker}")),
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();
    let before = crate::erasure::on_disk(h);
    assert!(crate::erasure::holds(&before, &marker), "the scan must find them first");

    // Only the Admin; then the prospect due is anonymised, once and for good.
    assert!(matches!(
        h.app.anonymise_due_prospects(&observer).await,
        Err(ServiceError::Forbidden)
    ));
    assert_eq!(h.app.anonymise_due_prospects(&admin).await.unwrap(), (1, 0));
    let a = h.app.contact(&admin, c.id).await.expect("the record stays");
    let reference = c.id.as_uuid().simple().to_string()[..6].to_ascii_uppercase();
    assert_eq!(a.fields.first_name.as_str(), "Prospect");
    assert_eq!(a.fields.last_name.as_str(), format!("anonymisé #{reference}"));
    assert!(a.fields.emails.is_empty() && a.fields.phones.is_empty());
    assert_eq!(a.fields.organization_id, None);
    assert_eq!(a.fields.job_title, None);
    assert_eq!(a.fields.notes, None);
    assert_eq!(a.fields.external_id, None);
    assert_eq!(
        (&a.fields.address.street, &a.fields.address.postal_code, &a.fields.address.city),
        (&None, &None, &None)
    );
    // What counts stays: kind, owner, source, tags, country, dates.
    assert_eq!((a.kind, a.owner_id, a.created_at), (c.kind, c.owner_id, c.created_at));
    assert_eq!(a.fields.source.as_ref().map(|s| s.as_str()), Some("Salon de Lyon"));
    assert_eq!(a.fields.tags, c.fields.tags);
    assert_eq!(a.fields.address.country, c.fields.address.country);
    assert_eq!(a.version, c.version + 1);
    // The call stays, counted, without its words.
    let call = h.app.activity(&admin, call.id).await.unwrap();
    assert_eq!(call.fields.subject.as_str(), "Activité anonymisée");
    assert_eq!((&call.fields.body, &call.fields.outcome), (&None, &None));
    assert_eq!(
        (call.fields.duration_seconds, call.fields.links.as_slice()),
        (Some(120), [link].as_slice())
    );
    // The log keeps the facts, no value of theirs; an `anonymised` event.
    let log = h.app.events_after(&admin, 0, 1000).await.unwrap();
    let theirs: Vec<_> = log
        .iter()
        .filter(|e| e.entity_id == c.id.as_uuid() || e.entity_id == call.id.as_uuid())
        .collect();
    let done = theirs
        .iter()
        .find(|e| e.kind == EventKind::Anonymised)
        .expect("an anonymised event");
    assert!(
        done.changes
            .iter()
            .any(|c| c.field == "retention_months" && c.after == Some(serde_json::json!(36))),
        "{done:?}"
    );
    assert!(
        theirs
            .iter()
            .flat_map(|e| e.changes.iter())
            .all(|ch| !format!("{:?}{:?}", ch.before, ch.after).contains(&marker)),
        "no value of theirs opens"
    );
    // Nowhere on disk (the organization, named after them here, is the company's own
    // record and not theirs: looked for by their other values).
    let after = crate::erasure::on_disk(h);
    for n in [
        format!("Directrice {marker}"),
        format!("12 rue {marker}"),
        format!("notes {marker}"),
        format!("EXT-{marker}"),
        format!("Appel {marker}"),
        format!("Prudence.{marker}").to_lowercase(),
    ] {
        assert!(!crate::erasure::holds(&after, &n), "{n} still on disk");
    }
    // Never due again; the nightly run anonymises the next one.
    assert_eq!(h.app.retention_report(&admin, 100).await.unwrap().total, 0);
    let late = then.create_contact(&admin, &input("Tardif", "Oublié"), None, true).await.unwrap();
    assert_eq!(h.app.apply_retention(tenant.id).await.unwrap(), 1);
    assert!(
        h.app
            .contact(&admin, late.id)
            .await
            .unwrap()
            .fields
            .last_name
            .as_str()
            .starts_with("anonymisé #")
    );
    assert_eq!(h.app.apply_retention(tenant.id).await.unwrap(), 0);
}

contract!(
    a_prospect_is_due_after_the_last_contact_they_initiated,
    an_anonymised_prospect_keeps_what_counts_and_names_no_one
);
