//! Territories through the store: the Admin's writes with their faults, the most precise
//! territory covering a place, owners given in turn by the covering territory's team (a
//! new contact left to the territories, a lead handed over by territory, the new contacts
//! of an import by territory), tenants apart.

use crate::contacts::input;
use crate::harness::Harness;
use crm_domain::ViolationKind;
use crm_domain::import::guess_mapping;
use crm_domain::lead::LeadStatus;
use crm_domain::territory::TerritoryInput;
use crm_domain::user::Role;
use crm_ports::ServiceError;
use crm_ports::query::{ContactFilter, PageRequest};
use crm_ports::services::import::{ImportOptions, UpsertKey};
use crm_ports::services::leads::HandOver;

fn faults(e: ServiceError) -> Vec<(String, ViolationKind)> {
    match e {
        ServiceError::Invalid(v) => v.errors().iter().map(|e| (e.field.clone(), e.kind)).collect(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn territory(name: &str, team: crm_domain::TeamId, areas: &[&str], industries: &[&str]) -> TerritoryInput {
    TerritoryInput {
        name: name.into(),
        team_id: Some(team),
        areas: areas.iter().map(|a| (*a).into()).collect(),
        industries: industries.iter().map(|i| (*i).into()).collect(),
    }
}

async fn territories_give_owners_in_turn(h: &Harness) {
    let (_, admin) = h.tenant("Territoires & Co").await;
    let (_, other_admin) = h.tenant("Autre entreprise").await;
    let (sud_mgr, _) = h.user(&admin, Role::Manager, None).await;
    let (nord_mgr, _) = h.user(&admin, Role::Manager, None).await;
    let sud = h.team(&admin, "Équipe Sud", sud_mgr.id).await;
    let nord = h.team(&admin, "Équipe Nord", nord_mgr.id).await;
    let (ana, _) = h.user(&admin, Role::Sales, Some(sud)).await;
    let (bob, _) = h.user(&admin, Role::Sales, Some(sud)).await;
    let (carl, _) = h.user(&admin, Role::Sales, Some(nord)).await;
    let (_, rep) = h.user(&admin, Role::Sales, None).await;
    let (_, mkt) = h.user(&admin, Role::Marketing, None).await;

    let sud_ouest = h
        .app
        .create_territory(&admin, &territory("Sud-Ouest", sud, &["33", "40", "2a"], &[]))
        .await
        .unwrap();
    assert_eq!(sud_ouest.areas, vec!["33", "40", "2A"]);
    h.app
        .create_territory(&admin, &territory("Bordeaux centre", nord, &["33 000"], &[]))
        .await
        .unwrap();
    h.app
        .create_territory(&admin, &territory("Vins de Gironde", nord, &["33"], &["Vins et spiritueux"]))
        .await
        .unwrap();
    // Faults: a name taken, a team of no one, a rep writing.
    assert_eq!(
        faults(
            h.app
                .create_territory(&admin, &territory("sud-ouest", sud, &["64"], &[]))
                .await
                .unwrap_err()
        ),
        vec![("name".into(), ViolationKind::Repeated)]
    );
    let stranger = crm_domain::TeamId::from_uuid(uuid::Uuid::now_v7());
    assert_eq!(
        faults(
            h.app
                .create_territory(&admin, &territory("Ailleurs", stranger, &["64"], &[]))
                .await
                .unwrap_err()
        ),
        vec![("team_id".into(), ViolationKind::Unknown)]
    );
    assert!(matches!(
        h.app.create_territory(&rep, &territory("Rep", sud, &["64"], &[])).await,
        Err(ServiceError::Forbidden)
    ));

    // The most precise covers.
    let name = |m: Option<crm_ports::services::territories::TerritoryMatch>| m.map(|m| (m.territory.name.to_string(), m.team.id));
    assert_eq!(
        name(h.app.territory_for(&rep, Some("33700"), None).await.unwrap()),
        Some(("Sud-Ouest".into(), sud))
    );
    assert_eq!(
        name(h.app.territory_for(&rep, Some("33000"), None).await.unwrap()),
        Some(("Bordeaux centre".into(), nord))
    );
    assert_eq!(
        name(h.app.territory_for(&rep, Some("33700"), Some("vins et SPIRITUEUX")).await.unwrap()),
        Some(("Vins de Gironde".into(), nord))
    );
    assert_eq!(name(h.app.territory_for(&rep, Some("75011"), None).await.unwrap()), None);

    // New contacts left to the territories: Sud's reps in turn.
    let first = h.app.owner_by_territory(&admin, Some("40100"), None).await.unwrap().unwrap();
    let second = h.app.owner_by_territory(&admin, Some("40100"), None).await.unwrap().unwrap();
    assert!([ana.id, bob.id].contains(&first) && [ana.id, bob.id].contains(&second));
    assert_ne!(first, second);
    assert_eq!(h.app.owner_by_territory(&admin, Some("75011"), None).await.unwrap(), None);
    assert!(matches!(
        h.app.owner_by_territory(&mkt, Some("40100"), None).await,
        Err(ServiceError::Forbidden)
    ));

    // A lead of Bordeaux handed over by territory: Nord's rep.
    let mut i = input("Léa", "Bordelaise");
    i.address.postal_code = Some("33000".into());
    let lead = h.app.create_lead(&mkt, &i, true).await.unwrap();
    let lead = h
        .app
        .set_lead_status(&mkt, lead.id, lead.version, LeadStatus::Qualified, None)
        .await
        .unwrap();
    let lead = h
        .app
        .hand_over_lead(&mkt, lead.id, lead.version, HandOver::Territory)
        .await
        .unwrap();
    assert_eq!(lead.owner_id, carl.id);
    // A lead no territory covers: refused, nothing changes.
    let mut far = input("Paul", "Lointain");
    far.address.postal_code = Some("75011".into());
    let far = h.app.create_lead(&mkt, &far, true).await.unwrap();
    let far = h
        .app
        .set_lead_status(&mkt, far.id, far.version, LeadStatus::Qualified, None)
        .await
        .unwrap();
    assert_eq!(
        faults(
            h.app
                .hand_over_lead(&mkt, far.id, far.version, HandOver::Territory)
                .await
                .unwrap_err()
        ),
        vec![("territory".into(), ViolationKind::NotAllowed)]
    );

    // Changes at a version; removal; another company sees none of it.
    let changed = h
        .app
        .update_territory(
            &admin,
            sud_ouest.id,
            1,
            &territory("Sud-Ouest", sud, &["33", "40", "47", "64"], &[]),
        )
        .await
        .unwrap();
    assert_eq!(changed.version, 2);
    assert!(matches!(
        h.app
            .update_territory(&admin, sud_ouest.id, 1, &territory("Sud-Ouest", sud, &["33"], &[]))
            .await,
        Err(ServiceError::Conflict)
    ));
    assert!(h.app.territories(&other_admin).await.unwrap().is_empty());
    assert!(matches!(
        h.app.delete_territory(&other_admin, sud_ouest.id).await,
        Err(ServiceError::NotFound)
    ));
    h.app.delete_territory(&admin, sud_ouest.id).await.unwrap();
    assert_eq!(h.app.territories(&admin).await.unwrap().len(), 2);
    assert!(matches!(
        h.app.delete_territory(&admin, sud_ouest.id).await,
        Err(ServiceError::NotFound)
    ));
}

/// An import by territory: the dry run names each new contact's territory and moves no
/// rotation; the import gives the covered contacts to the team's reps in turn (out of the
/// pool for Marketing), the others stay in the pool; a sales rep may not ask for it.
async fn an_import_gives_new_contacts_by_territory(h: &Harness) {
    let files = crate::import::files();
    let (_, admin) = h.tenant("Import par territoire").await;
    let (mgr, _) = h.user(&admin, Role::Manager, None).await;
    let sud = h.team(&admin, "Équipe Sud", mgr.id).await;
    let (ana, _) = h.user(&admin, Role::Sales, Some(sud)).await;
    let (bob, _) = h.user(&admin, Role::Sales, Some(sud)).await;
    let (_, rep) = h.user(&admin, Role::Sales, Some(sud)).await;
    let (_, mkt) = h.user(&admin, Role::Marketing, None).await;
    h.app
        .create_territory(&admin, &territory("Gironde", sud, &["33"], &[]))
        .await
        .unwrap();
    let headers = "Prénom;Nom;E-mail;Code postal";
    let lines = vec![
        headers.to_owned(),
        "Un;Bordelais;un@bordeaux.fr;33000".to_owned(),
        "Deux;Bordelais;deux@bordeaux.fr;33700".to_owned(),
        "Trois;Parisien;trois@paris.fr;75011".to_owned(),
        "Quatre;Bordelais;quatre@bordeaux.fr;33 130".to_owned(),
    ];
    let mapping = guess_mapping(&headers.split(';').map(str::to_owned).collect::<Vec<_>>());
    let table: Vec<(u64, Vec<String>)> = lines[1..]
        .iter()
        .enumerate()
        .map(|(i, l)| (i as u64 + 2, l.split(';').map(str::to_owned).collect()))
        .collect();
    let options = ImportOptions {
        by_territory: true,
        ..ImportOptions::by(UpsertKey::Email)
    };
    // A sales rep may not.
    assert_eq!(
        faults(h.app.plan_contact_import(&rep, &table, &mapping, &options).await.unwrap_err()),
        vec![("by_territory".into(), ViolationKind::NotAllowed)]
    );
    for _ in 0..2 {
        let plan = h.app.plan_contact_import(&mkt, &table, &mapping, &options).await.unwrap();
        let named: Vec<Option<&str>> = plan.iter().map(|p| p.territory.as_deref()).collect();
        assert_eq!(named, vec![Some("Gironde"), Some("Gironde"), None, Some("Gironde")]);
    }
    let file = crate::import::upload(h, &files, &mkt, &crate::import::csv(&lines)).await;
    let job = h.app.start_contact_import(&mkt, file, &mapping, &options).await.unwrap();
    let done = crate::import::run_until_done(h, &files, &mkt, job.job.id).await;
    assert_eq!(done.progress.created, 4);
    let all = h
        .app
        .list_contacts(&admin, &ContactFilter::default(), &PageRequest::default())
        .await
        .unwrap();
    let get = |first: &str| all.items.iter().find(|c| c.fields.first_name.as_str() == first).unwrap();
    // The dry runs moved nothing: the first turn is the rotation's first.
    let rep_id = rep.user_id().unwrap();
    let turns = {
        let mut reps = vec![ana.id, bob.id, rep_id];
        reps.sort();
        reps
    };
    assert_eq!(
        [get("Un").owner_id, get("Deux").owner_id, get("Quatre").owner_id],
        [turns[0], turns[1], turns[2]],
        "the team's reps in turn, in the file's order"
    );
    for c in [get("Un"), get("Deux"), get("Quatre")] {
        assert!(c.lead.as_ref().is_some_and(|l| !l.pooled), "handed over, out of the pool");
    }
    let paris = get("Trois");
    assert!(paris.lead.as_ref().is_some_and(|l| l.pooled), "no territory: the pool");
    assert_eq!(paris.owner_id, mkt.user_id().unwrap());
    // The rotation went on: the next turn is the first rep again.
    let next = h.app.owner_by_territory(&admin, Some("33000"), None).await.unwrap();
    assert_eq!(next, Some(turns[0]));
}

contract!(territories_give_owners_in_turn, an_import_gives_new_contacts_by_territory);
