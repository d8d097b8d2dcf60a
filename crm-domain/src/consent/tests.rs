//! The consent rule and the checks of a consent given.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::contact::ContactFields;
use crate::ids::OrganizationId;
use chrono::TimeZone;
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).single().unwrap()
}

fn contact(kind: ContactKind, company: bool) -> Contact {
    Contact {
        id: ContactId::from_uuid(Uuid::from_u128(1)),
        tenant_id: TenantId::from_uuid(Uuid::from_u128(2)),
        kind,
        owner_id: UserId::from_uuid(Uuid::from_u128(3)),
        lead: None,
        client_since: None,
        fields: ContactFields {
            first_name: crate::text::Name::parse("Marie").unwrap(),
            last_name: crate::text::Name::parse("Curie").unwrap(),
            emails: Vec::new(),
            phones: Vec::new(),
            organization_id: company.then(|| OrganizationId::from_uuid(Uuid::from_u128(4))),
            job_title: None,
            address: crate::organization::PostalAddress::default(),
            tags: std::collections::BTreeSet::new(),
            source: None,
            external_id: None,
            notes: None,
            email_opt_out: false,
            phone_opt_out: false,
        },
        score: 0,
        version: 1,
        created_at: now(),
        updated_at: now(),
    }
}

fn record(medium: Medium, state: ConsentState, n: u128) -> ConsentRecord {
    ConsentRecord {
        id: Uuid::from_u128(n),
        tenant_id: TenantId::from_uuid(Uuid::from_u128(2)),
        contact_id: ContactId::from_uuid(Uuid::from_u128(1)),
        medium,
        state,
        source: Label::parse("formulaire").unwrap(),
        proof: None,
        given_at: now(),
        recorded_by: None,
        recorded_at: now() + chrono::TimeDelta::seconds(i64::try_from(n).unwrap()),
    }
}

#[test]
fn b2c_email_is_opt_in_and_b2b_rests_on_legitimate_interest() {
    let private = contact(ContactKind::Prospect, false);
    assert_eq!(may_prospect(Medium::Email, &private, Audience::B2c, None), Reason::NoConsent);
    assert_eq!(may_prospect(Medium::Sms, &private, Audience::B2c, None), Reason::NoConsent);
    assert_eq!(may_prospect(Medium::Phone, &private, Audience::B2c, None), Reason::OptOutRegime);
    assert_eq!(
        may_prospect(Medium::Email, &private, Audience::B2b, None),
        Reason::LegitimateInterest
    );
    assert_eq!(may_prospect(Medium::Email, &private, Audience::Mixed, None), Reason::NoConsent);
    let pro = contact(ContactKind::Prospect, true);
    assert_eq!(may_prospect(Medium::Email, &pro, Audience::Mixed, None), Reason::LegitimateInterest);
    let client = contact(ContactKind::Client, false);
    assert_eq!(may_prospect(Medium::Email, &client, Audience::B2c, None), Reason::Client);
    assert!(!Reason::NoConsent.allows() && Reason::Client.allows());
}

#[test]
fn the_latest_record_decides_and_an_opt_out_closes_whatever_was_recorded() {
    let mut c = contact(ContactKind::Prospect, false);
    let yes = record(Medium::Email, ConsentState::Granted(Basis::Consent), 1);
    let no = record(Medium::Email, ConsentState::Withdrawn, 2);
    let records = [no.clone(), yes.clone()];
    let latest = latest_by_medium(&records);
    assert_eq!(latest[0], Some(&no), "the later record wins, whatever the order given");
    assert_eq!(latest[1], None);
    assert_eq!(may_prospect(Medium::Email, &c, Audience::B2c, latest[0]), Reason::Withdrawn);
    assert_eq!(
        may_prospect(Medium::Email, &c, Audience::B2b, latest[0]),
        Reason::Withdrawn,
        "even B2B"
    );
    assert_eq!(may_prospect(Medium::Email, &c, Audience::B2c, Some(&yes)), Reason::Consent);
    c.fields.email_opt_out = true;
    assert_eq!(may_prospect(Medium::Email, &c, Audience::B2c, Some(&yes)), Reason::OptOut);
    c.fields.phone_opt_out = true;
    assert_eq!(may_prospect(Medium::Phone, &c, Audience::B2b, None), Reason::OptOut);
    assert_eq!(
        may_prospect(Medium::Sms, &c, Audience::B2b, None),
        Reason::LegitimateInterest,
        "texts are their own channel"
    );
}

#[test]
fn nothing_is_chosen_for_the_caller() {
    let e = ConsentInput::default().check(now()).unwrap_err();
    let fields: Vec<_> = e.errors().iter().map(|f| (f.field.as_str(), f.kind)).collect();
    assert!(fields.contains(&("medium", ViolationKind::Required)));
    assert!(fields.contains(&("state", ViolationKind::Required)));
    assert!(fields.contains(&("source", ViolationKind::Required)));
    let granted = ConsentInput {
        medium: "email".into(),
        state: "granted".into(),
        source: "Salon".into(),
        ..ConsentInput::default()
    };
    let e = granted.check(now()).unwrap_err();
    assert_eq!(e.errors()[0].field, "basis", "a granted consent says on which basis");
    let ok = ConsentInput {
        basis: Some("consent".into()),
        proof: Some("  case cochée, formulaire /contact  ".into()),
        ..granted.clone()
    }
    .check(now())
    .unwrap();
    assert_eq!(ok.state, ConsentState::Granted(Basis::Consent));
    assert_eq!(ok.proof.unwrap().as_str(), "case cochée, formulaire /contact");
    assert_eq!(ok.given_at, now());
    let e = ConsentInput {
        state: "withdrawn".into(),
        basis: Some("consent".into()),
        given_at: Some(now() + chrono::TimeDelta::days(1)),
        medium: "fax".into(),
        ..granted
    }
    .check(now())
    .unwrap_err();
    let fields: Vec<_> = e.errors().iter().map(|f| (f.field.as_str(), f.kind)).collect();
    assert!(fields.contains(&("basis", ViolationKind::NotAllowed)));
    assert!(fields.contains(&("given_at", ViolationKind::OutOfRange)));
    assert!(fields.contains(&("medium", ViolationKind::Unknown)));
    for m in Medium::ALL {
        assert_eq!(Medium::parse(m.code()), Some(m));
    }
    assert_eq!(
        ConsentState::parse("granted", Some("legitimate_interest")),
        Some(ConsentState::Granted(Basis::LegitimateInterest))
    );
    assert_eq!(ConsentState::parse("withdrawn", Some("consent")), None);
}
