//! Consent per channel through the use cases, on both backends: what nothing recorded
//! means for a B2C company (email and SMS closed to a prospect, open to a client; calls
//! open), a consent recorded with its proof sealed (not on disk in clear), a withdrawal
//! that ticks the record's opt-out in the same write and a new consent that unticks it,
//! the faults named, the walls (another company, the Observer), an objection and a
//! restriction carried out as three withdrawals each, and an erasure that leaves no record
//! of the person.

use crate::contacts::input;
use crate::erasure::{holds, on_disk};
use crate::harness::Harness;
use crm_domain::ViolationKind;
use crm_domain::consent::{ConsentInput, ConsentState, Medium, Reason};
use crm_domain::tenant::SettingsInput;
use crm_domain::user::Role;
use crm_ports::ServiceError;
use crm_ports::services::privacy::PrivacyRequestInput;
use uuid::Uuid;

fn faults(e: ServiceError) -> Vec<(String, ViolationKind)> {
    match e {
        ServiceError::Invalid(v) => v.errors().iter().map(|e| (e.field.clone(), e.kind)).collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn given(medium: &str, state: &str, basis: Option<&str>, source: &str, proof: Option<&str>) -> ConsentInput {
    ConsentInput {
        medium: medium.into(),
        state: state.into(),
        basis: basis.map(Into::into),
        source: source.into(),
        proof: proof.map(Into::into),
        given_at: None,
    }
}

async fn consent_decides_whom_a_b2c_company_may_prospect(h: &Harness) {
    let (tenant, admin) = h.tenant("Consentements B2C").await;
    let (_, stranger) = h.tenant("Autre entreprise consentements").await;
    let (_, observer) = h.user(&admin, Role::Observer, None).await;
    let (_, marketing) = h.user(&admin, Role::Marketing, None).await;
    let b2c = SettingsInput {
        audience: Some("b2c".into()),
        ..SettingsInput::default()
    };
    h.app.update_tenant(&admin, tenant.version, None, &b2c).await.unwrap();
    let marker = format!("Qzc{}", &Uuid::new_v4().simple().to_string()[..10]);
    let c = h
        .app
        .create_contact(&admin, &input("Prune", "Particulière"), None, true)
        .await
        .unwrap();

    // Nothing recorded: a private prospect gets no prospecting email or text; calls are open.
    let now = h.app.consents(&admin, c.id).await.unwrap();
    let reasons: Vec<_> = now.channels.iter().map(|ch| (ch.medium, ch.reason)).collect();
    assert_eq!(
        reasons,
        vec![
            (Medium::Email, Reason::NoConsent),
            (Medium::Phone, Reason::OptOutRegime),
            (Medium::Sms, Reason::NoConsent)
        ]
    );
    let mut client_input = input("Camille", "Cliente");
    client_input.kind = "client".into();
    let client = h.app.create_contact(&admin, &client_input, None, true).await.unwrap();
    assert_eq!(
        h.app.reachable(&admin, Medium::Email, &[&c, &client]).await.unwrap(),
        vec![Reason::NoConsent, Reason::Client]
    );

    // Faults, each named; walls.
    assert_eq!(
        faults(
            h.app
                .record_consent(&admin, c.id, &given("email", "granted", None, "Salon", None))
                .await
                .unwrap_err()
        ),
        vec![("basis".into(), ViolationKind::Required)]
    );
    let mut bad = given("fax", "withdrawn", Some("consent"), " ", None);
    bad.given_at = Some(h.app.now() + chrono::Duration::days(1));
    let f = faults(h.app.record_consent(&admin, c.id, &bad).await.unwrap_err());
    for want in [
        ("medium", ViolationKind::Unknown),
        ("basis", ViolationKind::NotAllowed),
        ("source", ViolationKind::Required),
        ("given_at", ViolationKind::OutOfRange),
    ] {
        assert!(f.contains(&(want.0.into(), want.1)), "{want:?} in {f:?}");
    }
    let ok = given(
        "email",
        "granted",
        Some("consent"),
        "Formulaire du site",
        Some(&format!("case cochée {marker}")),
    );
    assert!(matches!(
        h.app.record_consent(&observer, c.id, &ok).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        h.app.record_consent(&stranger, c.id, &ok).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(h.app.consents(&stranger, c.id).await, Err(ServiceError::NotFound)));
    assert!(
        h.app.consents(&admin, c.id).await.unwrap().history.is_empty(),
        "nothing half-written"
    );

    // A consent, recorded by Marketing: email open; the proof is not on disk in clear.
    let after = h.app.record_consent(&marketing, c.id, &ok).await.unwrap();
    assert_eq!(after.channels[0].reason, Reason::Consent);
    let latest = after.channels[0].latest.clone().unwrap();
    assert_eq!(latest.proof.unwrap().as_str(), format!("case cochée {marker}"));
    assert_eq!(latest.source.as_str(), "Formulaire du site");
    assert_eq!(h.app.reachable(&admin, Medium::Email, &[&c]).await.unwrap(), vec![Reason::Consent]);
    assert!(!holds(&on_disk(h), &marker), "the proof is sealed");
    let unchanged = h.app.contact(&admin, c.id).await.unwrap();
    assert_eq!(unchanged.version, c.version, "no opt-out to change");

    // Withdrawn: the record's opt-out ticked in the same write; a new consent unticks it.
    let out = h
        .app
        .record_consent(&admin, c.id, &given("email", "withdrawn", None, "Appel entrant", None))
        .await
        .unwrap();
    assert_eq!(out.channels[0].reason, Reason::OptOut);
    assert_eq!(out.history.len(), 2);
    assert_eq!(out.history[0].state, ConsentState::Withdrawn, "newest first");
    let ticked = h.app.contact(&admin, c.id).await.unwrap();
    assert!(ticked.fields.email_opt_out && !ticked.fields.phone_opt_out);
    assert_eq!(ticked.version, c.version + 1);
    let back = h.app.record_consent(&admin, c.id, &ok).await.unwrap();
    assert_eq!(back.channels[0].reason, Reason::Consent);
    assert!(!h.app.contact(&admin, c.id).await.unwrap().fields.email_opt_out);
    // Texts have no opt-out of their own: a record only.
    h.app
        .record_consent(&admin, c.id, &given("sms", "granted", Some("consent"), "SMS reçu", None))
        .await
        .unwrap();
    let version = h.app.contact(&admin, c.id).await.unwrap().version;
    assert_eq!(version, c.version + 2);

    // An objection carried out: every channel withdrawn, from the request.
    let objection = h
        .app
        .log_privacy_request(
            &admin,
            &PrivacyRequestInput {
                contact_id: c.id,
                kind: "objection".into(),
                received_at: None,
                note: None,
            },
        )
        .await
        .unwrap();
    h.app
        .answer_privacy_request(&admin, objection.id, objection.version, "done", None)
        .await
        .unwrap();
    let closed = h.app.consents(&admin, c.id).await.unwrap();
    assert!(closed.channels.iter().all(|ch| !ch.reason.allows()), "{closed:?}");
    let from_objection: Vec<_> = closed.history.iter().filter(|r| r.source.as_str() == "objection").collect();
    assert_eq!(from_objection.len(), 3);
    assert!(from_objection.iter().all(|r| r.state == ConsentState::Withdrawn));
    let o = h.app.contact(&admin, c.id).await.unwrap();
    assert!(o.fields.email_opt_out && o.fields.phone_opt_out);

    // A restriction carried out: the record kept, every channel closed.
    let kept = h
        .app
        .create_contact(&admin, &input("Rita", "Restreinte"), None, true)
        .await
        .unwrap();
    let restriction = h
        .app
        .log_privacy_request(
            &admin,
            &PrivacyRequestInput {
                contact_id: kept.id,
                kind: "restriction".into(),
                received_at: None,
                note: None,
            },
        )
        .await
        .unwrap();
    h.app
        .answer_privacy_request(&admin, restriction.id, restriction.version, "done", None)
        .await
        .unwrap();
    let limited = h.app.consents(&admin, kept.id).await.unwrap();
    assert!(limited.channels.iter().all(|ch| !ch.reason.allows()), "{limited:?}");
    assert!(limited.history.iter().all(|r| r.source.as_str() == "restriction"));
    assert!(h.app.contact(&admin, kept.id).await.is_ok(), "kept");

    // A duplicate merged in brings its consents and its requests: the latest record of a
    // channel, whichever record it was on, decides.
    let twin = h
        .app
        .create_contact(&admin, &input("Prune", "Particulière"), None, true)
        .await
        .unwrap();
    h.app
        .record_consent(
            &admin,
            twin.id,
            &given("sms", "granted", Some("consent"), "Jeu concours", Some("bulletin 12")),
        )
        .await
        .unwrap();
    let asked = h
        .app
        .log_privacy_request(
            &admin,
            &PrivacyRequestInput {
                contact_id: twin.id,
                kind: "access".into(),
                received_at: None,
                note: None,
            },
        )
        .await
        .unwrap();
    let before = h.app.consents(&admin, c.id).await.unwrap();
    let c_now = h.app.contact(&admin, c.id).await.unwrap();
    h.app
        .merge_contacts(&admin, c.id, c_now.version, twin.id, twin.version)
        .await
        .unwrap();
    let merged = h.app.consents(&admin, c.id).await.unwrap();
    assert_eq!(merged.history.len(), before.history.len() + 1, "{merged:?}");
    let sms = merged.channels.iter().find(|ch| ch.medium == Medium::Sms).unwrap();
    assert_eq!(sms.reason, Reason::Consent, "{sms:?}");
    assert_eq!(h.app.privacy_request(&admin, asked.id).await.unwrap().contact_id, c.id);

    // An erasure leaves no record of the person (the source, in clear until then).
    let source = format!("Salon {marker}");
    h.app
        .record_consent(
            &admin,
            client.id,
            &given("phone", "granted", Some("legitimate_interest"), &source, None),
        )
        .await
        .unwrap();
    assert!(holds(&on_disk(h), &source), "the scan must see the source before the erasure");
    h.app.erase_contact(&admin, client.id, None).await.unwrap();
    assert!(!holds(&on_disk(h), &source), "{source} still on disk after the erasure");
    assert_eq!(
        h.app.consents(&admin, c.id).await.unwrap().history.len(),
        merged.history.len(),
        "another person's records untouched"
    );
}

contract!(consent_decides_whom_a_b2c_company_may_prospect);
