//! Drafts (autosave): a person's own, sealed at rest, walled by tenant and visibility,
//! forgotten when set aside, after 30 days and with the person a record is about.

use crate::contacts::input;
use crate::erasure::{holds, on_disk};
use crate::harness::Harness;
use crm_domain::user::Role;
use crm_ports::store::{DraftKey, DraftStore as _, PersonKeyStore as _};
use crm_ports::{FixedClock, ServiceError};
use std::collections::BTreeMap;
use uuid::Uuid;

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

pub async fn drafts_are_ones_own_sealed_and_walled(h: &Harness) {
    let (_, admin) = h.tenant("Brouillons").await;
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    let (_, stranger) = h.tenant("Brouillons ailleurs").await;
    let c = h
        .app
        .create_contact(&admin, &input("Aimée", "Brouillon"), None, true)
        .await
        .unwrap();
    let marker = format!("Qzd{}", &Uuid::new_v4().simple().to_string()[..10]);
    let typed = fields(&[("last_name", &marker), ("notes", "à rappeler\nlundi")]);

    let kept = h
        .app
        .save_draft(&admin, "contact", Some(c.id.as_uuid()), typed.clone(), Some(c.version))
        .await
        .unwrap();
    let back = h.app.draft(&admin, "contact", Some(c.id.as_uuid())).await.unwrap().unwrap();
    assert_eq!(back, kept);
    assert_eq!(back.fields, typed);
    assert_eq!(back.base_version, Some(c.version));
    // Sealed: the typed text is nowhere on disk in clear.
    assert!(!holds(&on_disk(h), &marker), "a draft's text is on disk in clear");
    // Replaced, not added to.
    let again = fields(&[("last_name", "Autre")]);
    h.app
        .save_draft(&admin, "contact", Some(c.id.as_uuid()), again.clone(), Some(c.version))
        .await
        .unwrap();
    assert_eq!(
        h.app.draft(&admin, "contact", Some(c.id.as_uuid())).await.unwrap().unwrap().fields,
        again
    );

    // A form creating a record has no record; one about a record must name it.
    h.app.save_draft(&rep, "contact_new", None, typed.clone(), None).await.unwrap();
    assert_eq!(h.app.draft(&rep, "contact_new", None).await.unwrap().unwrap().fields, typed);
    assert!(
        h.app.draft(&admin, "contact_new", None).await.unwrap().is_none(),
        "another person's draft"
    );
    for (form, record) in [("contact", None), ("contact_new", Some(c.id.as_uuid())), ("password", None)] {
        assert!(
            matches!(
                h.app.save_draft(&admin, form, record, typed.clone(), None).await,
                Err(ServiceError::Invalid(_))
            ),
            "{form} {record:?}"
        );
    }
    // Limits.
    let many: BTreeMap<String, String> = (0..100).map(|i| (format!("f{i}"), String::new())).collect();
    assert!(matches!(
        h.app.save_draft(&admin, "contact_new", None, many, None).await,
        Err(ServiceError::Invalid(_))
    ));
    let long = fields(&[("notes", &"x".repeat(60_000))]);
    assert!(matches!(
        h.app.save_draft(&admin, "contact_new", None, long, None).await,
        Err(ServiceError::Invalid(_))
    ));

    // Walls: a rep cannot keep a draft about another rep's contact, nor another tenant.
    for who in [&rep, &stranger] {
        assert!(matches!(
            h.app.save_draft(who, "contact", Some(c.id.as_uuid()), typed.clone(), None).await,
            Err(ServiceError::NotFound)
        ));
        assert!(matches!(
            h.app.draft(who, "contact", Some(c.id.as_uuid())).await,
            Err(ServiceError::NotFound)
        ));
    }
    assert!(matches!(
        h.app
            .save_draft(&admin, "opportunity", Some(Uuid::new_v4()), typed.clone(), None)
            .await,
        Err(ServiceError::NotFound)
    ));

    // Set aside.
    h.app.discard_draft(&rep, "contact_new", None).await.unwrap();
    assert!(h.app.draft(&rep, "contact_new", None).await.unwrap().is_none());
    h.app.discard_draft(&rep, "contact_new", None).await.unwrap();
}

pub async fn drafts_expire_and_go_with_the_person(h: &Harness) {
    let (_, admin) = h.tenant("Brouillons anciens").await;
    let tenant = admin.tenant_id().unwrap();
    let c = h
        .app
        .create_contact(&admin, &input("Ancien", "Brouillon"), None, true)
        .await
        .unwrap();
    let typed = fields(&[("body", "compte rendu")]);
    h.app.save_draft(&admin, "contact_new", None, typed.clone(), None).await.unwrap();
    h.app
        .save_draft(&admin, "contact_activity", Some(c.id.as_uuid()), typed.clone(), None)
        .await
        .unwrap();

    // 29 days on: still offered, nothing purged; 31 days on: neither offered nor kept.
    let later = |days| h.app.with_clock(FixedClock(h.app.now() + chrono::Duration::days(days)));
    assert!(later(29).draft(&admin, "contact_new", None).await.unwrap().is_some());
    assert_eq!(later(29).purge_expired_drafts().await.unwrap(), 0);
    assert!(later(31).draft(&admin, "contact_new", None).await.unwrap().is_none());
    // (This company's only: the other tests' fresh drafts share the database, and every
    // company's purge 31 days on would take theirs too.)
    let cutoff = later(31).now() - chrono::Duration::days(crm_ports::services::drafts::DRAFT_DAYS);
    assert!(h.app.store().purge_drafts(tenant, cutoff).await.unwrap() >= 2);
    let key = DraftKey {
        tenant_id: tenant,
        user_id: admin.user_id().unwrap(),
        form: "contact_new",
        record: Uuid::nil(),
    };
    assert!(h.app.store().draft(&key).await.unwrap().is_none(), "purged");

    // Erasing a person deletes the drafts about them, whoever wrote them.
    h.app
        .save_draft(&admin, "contact", Some(c.id.as_uuid()), typed.clone(), Some(c.version))
        .await
        .unwrap();
    h.app.store().erase_person(tenant, c.id.as_uuid(), h.app.now(), &[]).await.unwrap();
    let key = DraftKey {
        form: "contact",
        record: c.id.as_uuid(),
        ..key
    };
    assert!(h.app.store().draft(&key).await.unwrap().is_none(), "erased with the person");
}

contract!(drafts_are_ones_own_sealed_and_walled, drafts_expire_and_go_with_the_person);
