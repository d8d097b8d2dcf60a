//! The access log through the use cases, on both backends: an access written at once when
//! no writer runs; with the writer, 1,500 accesses queued and every one written when it
//! stops (more than one batch); newest first, narrowed to a contact or a user, paged by
//! instant; a person's data export and a contact list's export logged with their count;
//! the Admin's alone, and nothing of another company.

use crate::contacts::input;
use crate::harness::Harness;
use crm_domain::access_log::AccessKind;
use crm_domain::user::Role;
use crm_ports::ServiceError;
use crm_ports::query::ContactFilter;
use crm_ports::runtime::Shutdown;

pub async fn who_opened_whose_record_is_logged_and_kept(h: &Harness) {
    let (_, admin) = h.tenant("Consultations").await;
    let (_, stranger) = h.tenant("Autre consultations").await;
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    let (_, observer) = h.user(&admin, Role::Observer, None).await;
    let c = h.app.create_contact(&rep, &input("Lue", "Souvent"), None, true).await.unwrap();
    let other = h.app.create_contact(&rep, &input("Autre", "Fiche"), None, true).await.unwrap();

    // No writer running: written at once.
    h.app.record_access(&rep, AccessKind::View, Some(c.id), 1).await.unwrap();
    let log = h.app.access_log(&admin, Some(c.id), None, None, 10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].user_id, log[0].kind, log[0].count),
        (rep.user_id().unwrap(), AccessKind::View, 1)
    );

    // The writer: queued, then everything written by the time it has stopped.
    let (trigger, shutdown) = Shutdown::new();
    let app = h.app.clone();
    let writer = tokio::spawn(async move { app.run_access_writer(shutdown).await });
    tokio::task::yield_now().await;
    for i in 0..1_500 {
        let (who, whose) = if i % 3 == 0 { (&admin, other.id) } else { (&rep, c.id) };
        h.app.record_access(who, AccessKind::View, Some(whose), 1).await.unwrap();
    }
    trigger.trigger();
    writer.await.unwrap();
    let mut all = Vec::new();
    let mut before = None;
    loop {
        let page = h.app.access_log(&admin, None, None, before, 500).await.unwrap();
        before = page.last().map(|e| e.id);
        let full = page.len() == 500;
        all.extend(page);
        if !full {
            break;
        }
    }
    assert_eq!(all.len(), 1_501, "every access read back, page by page");
    assert!(all.windows(2).all(|w| w[0].at >= w[1].at), "newest first");
    let of_other = h.app.access_log(&admin, Some(other.id), None, None, 500).await.unwrap();
    assert_eq!(of_other.len(), 500);
    assert!(
        of_other
            .iter()
            .all(|e| e.contact_id == Some(other.id) && e.user_id == admin.user_id().unwrap())
    );
    let by_rep = h.app.access_log(&admin, None, rep.user_id(), None, 500).await.unwrap();
    assert!(by_rep.iter().all(|e| e.user_id == rep.user_id().unwrap()) && by_rep.len() == 500);
    // After it stopped: written at once again.
    h.app.record_access(&observer, AccessKind::View, Some(c.id), 1).await.unwrap();
    let by_observer = h.app.access_log(&admin, None, observer.user_id(), None, 10).await.unwrap();
    assert_eq!(by_observer.len(), 1);

    // A person's data exported, a list exported: logged with who and how many.
    h.app.personal_data(&admin, c.id).await.unwrap();
    let mut export = h
        .app
        .contact_export(&rep, ContactFilter::default(), Box::new(|s: &str| s.to_owned()))
        .await
        .unwrap();
    let mut rows = 0;
    while let Some(page) = h.app.next_export_rows(&rep, &mut export).await.unwrap() {
        rows += page.len();
    }
    assert_eq!(rows, 2);
    let latest = h.app.access_log(&admin, None, None, None, 2).await.unwrap();
    assert_eq!(
        (latest[0].kind, latest[0].contact_id, latest[0].count),
        (AccessKind::Export, None, 2)
    );
    assert_eq!((latest[1].kind, latest[1].contact_id), (AccessKind::PersonalData, Some(c.id)));

    // A list: one access naming everyone shown, found under each of them (a byte search
    // of the packed ids), not under someone it did not show.
    let shown = [c.id, other.id];
    h.app.record_list_access(&rep, &shown).await.unwrap();
    let latest = h.app.access_log(&admin, None, None, None, 1).await.unwrap();
    assert_eq!(
        (latest[0].kind, latest[0].contact_id, latest[0].count, latest[0].listed.as_slice()),
        (AccessKind::Listed, None, 2, shown.as_slice())
    );
    for who in shown {
        let theirs = h.app.access_log(&admin, Some(who), None, None, 1).await.unwrap();
        assert_eq!(theirs[0].id, latest[0].id, "the list is in {who}'s log");
    }
    let unseen = h.app.create_contact(&rep, &input("Jamais", "Montrée"), None, true).await.unwrap();
    assert!(h.app.access_log(&admin, Some(unseen.id), None, None, 10).await.unwrap().is_empty());
    h.app.record_list_access(&rep, &[]).await.unwrap();
    assert_eq!(
        h.app.access_log(&admin, None, None, None, 1).await.unwrap()[0].id,
        latest[0].id,
        "an empty list logs nothing"
    );

    // The Admin's alone; nothing of another company.
    for who in [&rep, &observer] {
        assert!(matches!(
            h.app.access_log(who, None, None, None, 10).await,
            Err(ServiceError::Forbidden)
        ));
    }
    assert!(h.app.access_log(&stranger, None, None, None, 500).await.unwrap().is_empty());
    assert!(h.app.access_log(&stranger, Some(c.id), None, None, 10).await.unwrap().is_empty());
}

contract!(who_opened_whose_record_is_logged_and_kept);
