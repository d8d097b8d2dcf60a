//! Tenant isolation from the outside: every route listed in `/api/openapi.json` is called
//! by tenant B with tenant A's ids. Routes with an id in the path answer 404 (the same as a
//! missing id); routes taking A's ids in the body refuse them as unknown; every other
//! answer mentions none of A's ids; and A's data and event log are unchanged afterwards.
//! A route added later without a case here fails the test.

use crate::support::{spawn_app, tenant};
use crm_domain::user::Role;
use crm_sdk::models::{ContactWrite, NewOpportunity, OrganizationWrite, PipelineWrite, StageWrite, TerritoryWrite};
use serde_json::{Value, json};
use std::collections::HashMap;

fn stages() -> PipelineWrite {
    PipelineWrite {
        name: "Ventes".into(),
        stages: [("Découverte", 10), ("Proposition", 50), ("Signature", 90)]
            .into_iter()
            .map(|(n, p)| StageWrite {
                id: None,
                name: n.into(),
                probability: p,
            })
            .collect(),
        moves: Vec::new(),
    }
}

/// What a route must answer when B uses A's ids.
enum Expect {
    /// 404 `not_found`.
    NotFound,
    /// 422 naming this field.
    UnknownField(&'static str),
    /// Any answer that mentions none of A's ids.
    Blind,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_keeps_tenants_apart() {
    let s = spawn_app().await;
    let a = tenant(&s, "Entreprise A").await;
    let b = tenant(&s, "Entreprise B").await;
    let aa = a.client(Role::Admin);
    let org = aa
        .create_organization(&OrganizationWrite {
            name: "Org A".into(),
            ..OrganizationWrite::default()
        })
        .await
        .unwrap();
    let org_gone = aa
        .create_organization(&OrganizationWrite {
            name: "Org A supprimée".into(),
            ..OrganizationWrite::default()
        })
        .await
        .unwrap();
    aa.delete_organization(org_gone.id, 1).await.unwrap();
    let contact = aa
        .create_contact(
            &ContactWrite {
                kind: "client".into(),
                first_name: "Alice".into(),
                last_name: "Aubert".into(),
                emails: vec!["alice@a.fr".into()],
                ..ContactWrite::default()
            },
            false,
        )
        .await
        .unwrap();
    let contact_gone = aa
        .create_contact(
            &ContactWrite {
                kind: "client".into(),
                first_name: "Zed".into(),
                last_name: "Zorro".into(),
                ..ContactWrite::default()
            },
            false,
        )
        .await
        .unwrap();
    aa.delete_contact(contact_gone.id, 1).await.unwrap();
    let pipeline = aa.create_pipeline(&stages()).await.unwrap();
    let opp = aa
        .create_opportunity(&NewOpportunity {
            pipeline_id: pipeline.id,
            title: "Deal A".into(),
            value_minor: 100_000,
            contact_ids: vec![contact.id],
            ..NewOpportunity::default()
        })
        .await
        .unwrap();
    let opp_gone = aa
        .create_opportunity(&NewOpportunity {
            pipeline_id: pipeline.id,
            title: "Deal A2".into(),
            value_minor: 1,
            ..NewOpportunity::default()
        })
        .await
        .unwrap();
    aa.delete_opportunity(opp_gone.id, 1).await.unwrap();
    let token = aa.create_token("intégration A", 30).await.unwrap();
    let activity = aa
        .raw(
            "POST",
            "/api/v1/activities",
            Some(&json!({"kind": "task", "subject": "Rappeler Alice", "body": "secret de A", "links": [{"entity_type": "contact", "entity_id": contact.id}]})),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(activity.status, 201, "{}", activity.body);
    let activity_id: uuid::Uuid = activity.body["id"].as_str().unwrap().parse().unwrap();
    let rule = aa
        .raw("POST", "/api/v1/reminder-rules", Some(&json!({"kind": "task_due"})), &[])
        .await
        .unwrap();
    let rule_id: uuid::Uuid = rule.body["id"].as_str().unwrap().parse().unwrap();
    let due = aa
        .raw(
            "POST",
            "/api/v1/activities",
            Some(&json!({"kind": "task", "subject": "Échue", "due_at": chrono::Utc::now() - chrono::Duration::hours(1), "links": [{"entity_type": "contact", "entity_id": contact.id}]})),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(due.status, 201);
    aa.raw("POST", "/api/v1/reminder-rules/run", None, &[]).await.unwrap();
    let notes = aa.raw("GET", "/api/v1/notifications", None, &[]).await.unwrap();
    let notification_id: uuid::Uuid = notes.body[0]["id"].as_str().unwrap().parse().unwrap();
    let feed = aa.raw("POST", "/api/v1/calendar-feeds", None, &[]).await.unwrap();
    let feed_id: uuid::Uuid = feed.body["feed"]["id"].as_str().unwrap().parse().unwrap();
    let segment = aa
        .raw("POST", "/api/v1/segments", Some(&json!({"name": "Liste A"})), &[])
        .await
        .unwrap();
    assert_eq!(segment.status, 201, "{}", segment.body);
    let segment_id: uuid::Uuid = segment.body["id"].as_str().unwrap().parse().unwrap();
    let added = aa
        .raw(
            "POST",
            &format!("/api/v1/segments/{segment_id}/members"),
            Some(&json!({"contact_ids": [contact.id]})),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(added.body["changed"], 1, "{}", added.body);

    let twin = aa
        .raw(
            "POST",
            "/api/v1/contacts?confirm_duplicates=true",
            Some(&json!({"kind": "client", "first_name": "Alicia", "last_name": "Aubert", "emails": ["alice@a.fr"]})),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(twin.status, 201, "{}", twin.body);
    let scan = aa.raw("POST", "/api/v1/duplicates/scan", None, &[]).await.unwrap();
    assert_eq!(scan.body["groups"], 1, "{}", scan.body);
    let queue = aa.raw("GET", "/api/v1/duplicates", None, &[]).await.unwrap();
    let group_id: uuid::Uuid = queue.body[0]["id"].as_str().unwrap().parse().unwrap();
    let twin_id: uuid::Uuid = twin.body["id"].as_str().unwrap().parse().unwrap();
    // A job and a parked event of A, written as A's workers would.
    let a_tenant = crm_domain::TenantId::from_uuid(a.tenant_id);
    let job_id = uuid::Uuid::now_v7();
    let job = crm_ports::store::NewJob {
        id: job_id,
        tenant_id: a_tenant,
        kind: "isolation.idle".into(),
        payload: json!({}),
        due_at: chrono::Utc::now() + chrono::Duration::days(365),
        key: None,
    };
    crm_ports::store::JobStore::enqueue_job(s.app.store(), &job, chrono::Utc::now())
        .await
        .unwrap();
    crm_ports::store::ConsumerStore::park_event(s.app.store(), a_tenant, "search_indexer", 1, "isolation", 1, chrono::Utc::now())
        .await
        .unwrap();
    let a_file = aa.upload_file("liste A.csv", b"Alice;Aubert\n".to_vec()).await.unwrap();
    let a_import = aa
        .start_contact_import(&crm_sdk::models::ImportRequest {
            file_id: a_file.id,
            mapping: Some(vec![Some("first_name".into()), Some("last_name".into())]),
            ..Default::default()
        })
        .await
        .unwrap();
    let a_suppression = aa
        .add_suppression(&crm_sdk::models::SuppressionWrite {
            email: Some("ne-plus-ecrire@a.fr".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let a_template = aa
        .create_email_template(&crm_sdk::models::TemplateWrite {
            name: "Relance A".into(),
            variants: vec![crm_sdk::models::TemplateVariant {
                language: "fr".into(),
                subject: "Bonjour {{ contact.first_name }}".into(),
                body: "Secret de A".into(),
            }],
        })
        .await
        .unwrap();
    let a_email = aa
        .send_email(&crm_sdk::models::EmailWrite {
            contact_id: Some(contact.id),
            template_id: Some(a_template.id),
            ..Default::default()
        })
        .await
        .unwrap();
    // Sent before the snapshot (its event is A's too).
    for _ in 0..200 {
        if aa.email(a_email.id).await.unwrap().state == "sent" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(aa.email(a_email.id).await.unwrap().state, "sent");
    let a_subscription = aa
        .subscribe_report(&crm_sdk::models::ReportSubscriptionWrite {
            frequency: "monthly".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let a_submission = aa
        .submit_forecast(a.team_id, &crm_sdk::models::SubmissionWrite::default())
        .await
        .unwrap();
    let a_rule = aa
        .create_scoring_rule(&crm_sdk::models::ScoringRuleWrite {
            name: "Règle de A".into(),
            signal: json!({"kind": "tag", "tag": "vip"}),
            points: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    // A paused automation rule sending A's template.
    let a_automation = aa
        .create_automation(&crm_sdk::models::AutomationWrite {
            name: "Automatisme de A".into(),
            active: Some(false),
            trigger: json!({"type": "email_opened"}),
            actions: vec![json!({"type": "send_email", "template_id": a_template.id})],
            ..Default::default()
        })
        .await
        .unwrap();
    // A paused subscription (nothing is sent) and a dead delivery of it.
    let a_webhook = aa
        .create_webhook(&crm_sdk::models::WebhookWrite {
            url: "https://93.184.216.34/a".into(),
            events: vec!["*".into()],
            active: Some(false),
            ..Default::default()
        })
        .await
        .unwrap();
    let a_delivery = uuid::Uuid::now_v7();
    crm_ports::store::WebhookStore::record_attempt(
        s.app.store(),
        crm_domain::TenantId::from_uuid(a.tenant_id),
        &crm_ports::store::AttemptRecord {
            delivery_id: a_delivery,
            webhook_id: a_webhook.id,
            event_seq: 1,
            event_type: "contact.created".into(),
            attempt: crm_ports::store::DeliveryAttempt {
                number: 0,
                at: chrono::Utc::now(),
                status: Some(500),
                millis: 3,
                error: Some("HTTP 500".into()),
            },
            state: crm_domain::webhook::DeliveryState::Dead,
            next_at: None,
        },
    )
    .await
    .unwrap();
    let a_territory = aa
        .create_territory(&TerritoryWrite {
            name: "Territoire A".into(),
            team_id: a.team_id,
            areas: vec!["33".into()],
            industries: Vec::new(),
        })
        .await
        .unwrap();
    let a_campaign = aa
        .create_campaign(&crm_sdk::models::CampaignWrite {
            name: "Campagne A".into(),
            segment_id: Some(segment_id),
            template_id: Some(a_template.id),
            language: None,
        })
        .await
        .unwrap();
    let a_session = aa.sessions().await.unwrap()[0].id;
    let a_request = aa
        .create_privacy_request(&crm_sdk::models::PrivacyRequestWrite {
            contact_id: contact.id,
            kind: "access".into(),
            received_at: None,
            note: None,
        })
        .await
        .unwrap();
    let a_ids: Vec<String> = [
        a.tenant_id,
        a.team_id,
        org.id,
        org_gone.id,
        contact.id,
        contact_gone.id,
        pipeline.id,
        pipeline.stages[1].id,
        opp.id,
        opp_gone.id,
        token.token.id,
        activity_id,
        rule_id,
        notification_id,
        feed_id,
        segment_id,
        group_id,
        twin_id,
        job_id,
        a_file.id,
        a_import.id,
        a_suppression.id,
        a_template.id,
        a_email.id,
        a_webhook.id,
        a_delivery,
        a_rule.id,
        a_automation.id,
        a_request.id,
        a_session,
    ]
    .iter()
    .chain(a.users.values())
    .map(ToString::to_string)
    .collect();
    let snapshot = |c: &crm_sdk::Client| {
        let c = c.clone();
        async move {
            let from = chrono::Utc::now() - chrono::Duration::hours(1);
            let to = chrono::Utc::now() + chrono::Duration::hours(1);
            (
                c.contact(contact.id).await.unwrap(),
                c.organization(org.id).await.unwrap(),
                c.opportunity(opp.id).await.unwrap(),
                c.pipeline(pipeline.id).await.unwrap(),
                c.list_users().await.unwrap(),
                c.list_teams().await.unwrap(),
                c.audit(from, to, None).await.unwrap().len(),
                c.list_tokens().await.unwrap(),
                c.raw("GET", &format!("/api/v1/activities/{activity_id}"), None, &[])
                    .await
                    .unwrap()
                    .body,
                c.raw("GET", &format!("/api/v1/segments/{segment_id}"), None, &[])
                    .await
                    .unwrap()
                    .body,
                c.raw("GET", "/api/v1/duplicates", None, &[]).await.unwrap().body,
            )
        }
    };
    let before = snapshot(aa).await;

    // Which of A's ids stands for `{id}` in each path, and the case of every route.
    let id_for = |path: &str| -> Option<String> {
        let id = if path.starts_with("/api/v1/tenants/") {
            a.tenant_id
        } else if path.starts_with("/api/v1/contacts/{id}/restore") {
            contact_gone.id
        } else if path.starts_with("/api/v1/contacts/") {
            contact.id
        } else if path.starts_with("/api/v1/organizations/{id}/restore") {
            org_gone.id
        } else if path.starts_with("/api/v1/organizations/") {
            org.id
        } else if path.starts_with("/api/v1/opportunities/{id}/restore") {
            opp_gone.id
        } else if path.starts_with("/api/v1/opportunities/") {
            opp.id
        } else if path.starts_with("/api/v1/pipelines/") {
            pipeline.id
        } else if path.starts_with("/api/v1/users/") {
            a.user(Role::Sales)
        } else if path.starts_with("/api/v1/teams/") {
            a.team_id
        } else if path.starts_with("/api/v1/privacy/requests/") {
            a_request.id
        } else if path.starts_with("/api/v1/privacy/contacts/") {
            contact.id
        } else if path.starts_with("/api/v1/territories/") {
            a_territory.id
        } else if path.starts_with("/api/v1/auth/tokens/") {
            token.token.id
        } else if path.starts_with("/api/v1/auth/sessions/") {
            a_session
        } else if path.starts_with("/api/v1/activities/") {
            activity_id
        } else if path.starts_with("/api/v1/reminder-rules/") {
            rule_id
        } else if path.starts_with("/api/v1/notifications/") {
            notification_id
        } else if path.starts_with("/api/v1/calendar-feeds/") {
            feed_id
        } else if path.starts_with("/api/v1/segments/") {
            segment_id
        } else if path.starts_with("/api/v1/duplicates/") {
            group_id
        } else if path.starts_with("/api/v1/jobs/") {
            job_id
        } else if path.starts_with("/api/v1/files/") {
            a_file.id
        } else if path.starts_with("/api/v1/imports/{id}") {
            a_import.id
        } else if path.starts_with("/api/v1/suppressions/") {
            a_suppression.id
        } else if path.starts_with("/api/v1/email-templates/") {
            a_template.id
        } else if path.starts_with("/api/v1/emails/{id}") {
            a_email.id
        } else if path.starts_with("/api/v1/campaigns/") {
            a_campaign.id
        } else if path.starts_with("/api/v1/forecast/teams/") {
            a.team_id
        } else if path.starts_with("/api/v1/forecast/submissions/") {
            a_submission.id
        } else if path.starts_with("/api/v1/reports/subscriptions/") {
            a_subscription.id
        } else if path.starts_with("/api/v1/scoring/rules/") {
            a_rule.id
        } else if path.starts_with("/api/v1/automations/") && path != "/api/v1/automations/dry-run" {
            a_automation.id
        } else if path.starts_with("/api/v1/webhooks/deliveries/") {
            a_delivery
        } else if path.starts_with("/api/v1/webhooks/") {
            a_webhook.id
        } else {
            return None;
        };
        Some(id.to_string())
    };
    let contact_body = json!({"kind": "client", "first_name": "Bob", "last_name": "Bernard", "emails": [], "phones": []});
    let cases: HashMap<&str, (Option<Value>, Expect)> = HashMap::from([
        (
            "login",
            (Some(json!({"email": "alice@a.fr", "password": "nimporte quoi"})), Expect::Blind),
        ),
        ("logout", (None, Expect::Blind)),
        ("me", (None, Expect::Blind)),
        (
            "change_password",
            (
                Some(json!({"current_password": "faux mot de passe", "new_password": "nouveau mot de passe"})),
                Expect::Blind,
            ),
        ),
        ("list_tokens", (None, Expect::Blind)),
        ("create_token", (Some(json!({"name": "b"})), Expect::Blind)),
        ("revoke_token", (None, Expect::NotFound)),
        ("list_sessions", (None, Expect::Blind)),
        ("end_session", (None, Expect::NotFound)),
        ("end_other_sessions", (None, Expect::Blind)),
        (
            "login_second_factor",
            (Some(json!({"ticket": "crm_inconnu", "code": "123456"})), Expect::Blind),
        ),
        (
            "begin_second_factor_at_login",
            (Some(json!({"ticket": "crm_inconnu"})), Expect::Blind),
        ),
        ("second_factor", (None, Expect::Blind)),
        ("begin_second_factor", (None, Expect::Blind)),
        ("confirm_second_factor", (Some(json!({"code": "000000"})), Expect::Blind)),
        ("remove_second_factor", (Some(json!({"code": "000000"})), Expect::Blind)),
        ("renew_recovery_codes", (Some(json!({"code": "000000"})), Expect::Blind)),
        ("list_tenants", (None, Expect::Blind)),
        (
            "create_tenant",
            (
                Some(json!({"name": "x", "admin_email": "x@x.fr", "admin_name": "x", "admin_password": "mot de passe long"})),
                Expect::Blind,
            ),
        ),
        ("suspend_tenant", (None, Expect::Blind)),
        ("reinstate_tenant", (None, Expect::Blind)),
        ("get_tenant", (None, Expect::Blind)),
        ("update_tenant", (Some(json!({"name": "B renommée"})), Expect::Blind)),
        ("list_users", (None, Expect::Blind)),
        (
            "create_user",
            (
                Some(json!({"email": "nouveau.b@b.fr", "display_name": "N", "role": "sales", "team_id": a.team_id})),
                Expect::UnknownField("team_id"),
            ),
        ),
        ("get_user", (None, Expect::NotFound)),
        ("update_user", (Some(json!({"role": "observer"})), Expect::NotFound)),
        (
            "set_user_password",
            (Some(json!({"password": "mot de passe imposé"})), Expect::NotFound),
        ),
        ("deactivate_user", (None, Expect::NotFound)),
        ("reactivate_user", (None, Expect::NotFound)),
        ("issue_access_link", (None, Expect::NotFound)),
        ("reset_second_factor", (None, Expect::NotFound)),
        (
            "redeem_access_link",
            (
                Some(json!({"secret": "crm_inconnu", "password": "mot de passe choisi"})),
                Expect::NotFound,
            ),
        ),
        ("list_teams", (None, Expect::Blind)),
        ("list_territories", (None, Expect::Blind)),
        ("match_territory", (None, Expect::Blind)),
        (
            "create_territory",
            (
                Some(json!({"name": "T", "team_id": a.team_id, "areas": ["33"]})),
                Expect::UnknownField("team_id"),
            ),
        ),
        (
            "update_territory",
            (Some(json!({"name": "T", "team_id": b.team_id, "areas": ["33"]})), Expect::NotFound),
        ),
        ("delete_territory", (None, Expect::NotFound)),
        ("list_privacy_requests", (None, Expect::Blind)),
        (
            "create_privacy_request",
            (
                Some(json!({"contact_id": contact.id, "kind": "erasure"})),
                Expect::UnknownField("contact_id"),
            ),
        ),
        ("get_privacy_request", (None, Expect::NotFound)),
        ("answer_privacy_request", (Some(json!({"status": "done"})), Expect::NotFound)),
        ("export_personal_data", (None, Expect::NotFound)),
        ("erase_contact", (Some(json!({})), Expect::NotFound)),
        ("retention_report", (None, Expect::Blind)),
        ("erase_due_prospects", (None, Expect::Blind)),
        ("anonymise_due_prospects", (None, Expect::Blind)),
        ("processing_register", (None, Expect::Blind)),
        ("access_log", (None, Expect::Blind)),
        ("get_contact_consents", (None, Expect::NotFound)),
        (
            "record_contact_consent",
            (
                Some(json!({"medium": "email", "state": "withdrawn", "source": "Salon"})),
                Expect::NotFound,
            ),
        ),
        (
            "create_team",
            (
                Some(json!({"name": "T", "manager_id": a.user(Role::Manager)})),
                Expect::UnknownField("manager_id"),
            ),
        ),
        ("get_team", (None, Expect::NotFound)),
        (
            "update_team",
            (Some(json!({"name": "T", "manager_id": b.user(Role::Manager)})), Expect::NotFound),
        ),
        ("list_contacts", (None, Expect::Blind)),
        (
            "create_contact",
            (
                Some(json!({"kind": "client", "first_name": "Bob", "last_name": "B", "organization_id": org.id})),
                Expect::UnknownField("organization_id"),
            ),
        ),
        ("get_contact", (None, Expect::NotFound)),
        ("update_contact", (Some(contact_body.clone()), Expect::NotFound)),
        ("patch_contact", (Some(json!({"job_title": "Volé"})), Expect::NotFound)),
        ("delete_contact", (None, Expect::NotFound)),
        ("restore_contact", (None, Expect::NotFound)),
        ("assign_contact", (Some(json!({"owner_id": b.user(Role::Admin)})), Expect::NotFound)),
        (
            "merge_contacts",
            (Some(json!({"merged_id": contact_gone.id, "merged_version": 2})), Expect::NotFound),
        ),
        ("contact_history", (None, Expect::NotFound)),
        ("list_organizations", (None, Expect::Blind)),
        ("create_organization", (Some(json!({"name": "Org B"})), Expect::Blind)),
        ("get_organization", (None, Expect::NotFound)),
        ("update_organization", (Some(json!({"name": "Volée"})), Expect::NotFound)),
        ("patch_organization", (Some(json!({"name": "Volée"})), Expect::NotFound)),
        ("delete_organization", (None, Expect::NotFound)),
        ("restore_organization", (None, Expect::NotFound)),
        ("organization_history", (None, Expect::NotFound)),
        ("list_pipelines", (None, Expect::Blind)),
        (
            "create_pipeline",
            (
                Some(json!({"name": "P", "stages": [{"name": "S", "probability": 10}]})),
                Expect::Blind,
            ),
        ),
        ("get_pipeline", (None, Expect::NotFound)),
        (
            "update_pipeline",
            (
                Some(json!({"name": "P", "stages": [{"name": "S", "probability": 10}]})),
                Expect::NotFound,
            ),
        ),
        ("delete_pipeline", (None, Expect::NotFound)),
        ("list_opportunities", (None, Expect::Blind)),
        (
            "create_opportunity",
            (
                Some(json!({"pipeline_id": pipeline.id, "title": "Vol", "value_minor": 1})),
                Expect::UnknownField("pipeline_id"),
            ),
        ),
        ("get_opportunity", (None, Expect::NotFound)),
        (
            "update_opportunity",
            (Some(json!({"title": "Vol", "value_minor": 1})), Expect::NotFound),
        ),
        ("patch_opportunity", (Some(json!({"title": "Vol"})), Expect::NotFound)),
        ("delete_opportunity", (None, Expect::NotFound)),
        ("restore_opportunity", (None, Expect::NotFound)),
        (
            "move_opportunity",
            (Some(json!({"stage_id": pipeline.stages[1].id})), Expect::NotFound),
        ),
        ("advance_opportunity", (None, Expect::NotFound)),
        ("win_opportunity", (None, Expect::NotFound)),
        ("lose_opportunity", (Some(json!({"reason": "vol"})), Expect::NotFound)),
        ("reopen_opportunity", (None, Expect::NotFound)),
        (
            "assign_opportunity",
            (Some(json!({"owner_id": b.user(Role::Admin)})), Expect::NotFound),
        ),
        ("opportunity_history", (None, Expect::NotFound)),
        ("forecast", (None, Expect::Blind)),
        // Leads: A's organization in a new lead is unknown to B; A's contacts are not found.
        (
            "create_lead",
            (
                Some(json!({"kind": "prospect", "first_name": "Bob", "last_name": "Piste", "organization_id": org.id})),
                Expect::UnknownField("organization_id"),
            ),
        ),
        (
            "import_leads",
            (
                Some(json!({"leads": [{"kind": "prospect", "first_name": "Bob", "last_name": "Lot", "organization_id": org.id}]})),
                Expect::UnknownField("organization_id"),
            ),
        ),
        ("set_lead_status", (Some(json!({"status": "working"})), Expect::NotFound)),
        ("hand_over_lead", (Some(json!({"owner_id": b.user(Role::Sales)})), Expect::NotFound)),
        ("convert_to_client", (Some(json!({"reason": "volé"})), Expect::NotFound)),
        (
            "open_lead_opportunity",
            (
                Some(json!({"pipeline_id": pipeline.id, "title": "Volée", "value_minor": 100})),
                Expect::NotFound,
            ),
        ),
        ("lead_settings", (None, Expect::Blind)),
        (
            "set_lead_settings",
            (
                Some(json!({"reasons": [{"code": "no_budget"}], "former_client_after_months": 24})),
                Expect::Blind,
            ),
        ),
        ("run_former_client_rule", (None, Expect::Blind)),
        ("lead_funnel", (None, Expect::Blind)),
        (
            "create_activity",
            (
                Some(json!({"kind": "note", "subject": "x", "links": [{"entity_type": "contact", "entity_id": contact.id}]})),
                Expect::UnknownField("links.0.entity_id"),
            ),
        ),
        ("get_activity", (None, Expect::NotFound)),
        (
            "update_activity",
            (
                Some(json!({"subject": "volé", "links": [{"entity_type": "organization", "entity_id": org.id}]})),
                Expect::NotFound,
            ),
        ),
        ("patch_activity", (Some(json!({"subject": "volé"})), Expect::NotFound)),
        ("delete_activity", (None, Expect::NotFound)),
        ("complete_task", (None, Expect::NotFound)),
        ("reopen_task", (None, Expect::NotFound)),
        ("todo", (None, Expect::Blind)),
        ("dashboard", (None, Expect::Blind)),
        ("list_reminder_rules", (None, Expect::Blind)),
        ("create_reminder_rule", (Some(json!({"kind": "task_due"})), Expect::Blind)),
        (
            "update_reminder_rule",
            (Some(json!({"kind": "no_activity", "days": 3})), Expect::NotFound),
        ),
        ("delete_reminder_rule", (None, Expect::NotFound)),
        ("run_reminders", (None, Expect::Blind)),
        ("list_notifications", (None, Expect::Blind)),
        ("read_notification", (None, Expect::NotFound)),
        ("read_all_notifications", (None, Expect::Blind)),
        ("event_stream", (None, Expect::Blind)),
        ("create_calendar_feed", (None, Expect::Blind)),
        ("list_calendar_feeds", (None, Expect::Blind)),
        ("revoke_calendar_feed", (None, Expect::NotFound)),
        ("calendar_feed", (None, Expect::NotFound)),
        (
            "log_call",
            (
                Some(
                    json!({"caller": "0601020304", "callee": "0102030405", "started_at": "2026-11-20T09:30:00Z", "duration_seconds": 5, "direction": "inbound"}),
                ),
                Expect::Blind,
            ),
        ),
        ("unmatched_calls", (None, Expect::Blind)),
        ("contact_timeline", (None, Expect::NotFound)),
        ("organization_timeline", (None, Expect::NotFound)),
        ("opportunity_timeline", (None, Expect::NotFound)),
        ("audit_history", (None, Expect::Blind)),
        ("search", (None, Expect::Blind)),
        ("list_segments", (None, Expect::Blind)),
        (
            "create_segment",
            (
                Some(json!({"name": "Volée", "rule": {"field": "owner_id", "op": "eq", "value": a.user(Role::Admin)}})),
                Expect::UnknownField("rule"),
            ),
        ),
        (
            "preview_segment",
            (
                Some(json!({"rule": {"field": "organization_id", "op": "eq", "value": org.id}})),
                Expect::Blind,
            ),
        ),
        ("get_segment", (None, Expect::NotFound)),
        ("update_segment", (Some(json!({"name": "Volée"})), Expect::NotFound)),
        ("delete_segment", (None, Expect::NotFound)),
        (
            "add_segment_members",
            (Some(json!({"contact_ids": [contact.id]})), Expect::NotFound),
        ),
        (
            "remove_segment_members",
            (Some(json!({"contact_ids": [contact.id]})), Expect::NotFound),
        ),
        ("add_segment_members_from_filter", (Some(json!({})), Expect::NotFound)),
        ("add_segment_members_from_search", (Some(json!({"q": "Alice"})), Expect::NotFound)),
        ("list_duplicate_groups", (None, Expect::Blind)),
        ("scan_duplicates", (None, Expect::Blind)),
        ("dismiss_duplicates", (None, Expect::NotFound)),
        ("reindex_search", (None, Expect::Blind)),
        ("list_consumers", (None, Expect::Blind)),
        ("list_parked_events", (None, Expect::Blind)),
        ("replay_parked_event", (None, Expect::NotFound)),
        ("list_jobs", (None, Expect::Blind)),
        ("get_job", (None, Expect::NotFound)),
        ("cancel_job", (None, Expect::NotFound)),
        ("upload_file", (None, Expect::Blind)),
        ("list_files", (None, Expect::Blind)),
        ("get_file", (None, Expect::NotFound)),
        ("download_file", (None, Expect::NotFound)),
        ("delete_file", (None, Expect::NotFound)),
        ("preview_contact_import", (Some(json!({"file_id": a_file.id})), Expect::NotFound)),
        (
            "start_contact_import",
            (
                Some(json!({"file_id": a_file.id, "mapping": ["first_name", "last_name"]})),
                Expect::NotFound,
            ),
        ),
        (
            "preview_organization_import",
            (Some(json!({"file_id": a_file.id})), Expect::NotFound),
        ),
        (
            "start_organization_import",
            (Some(json!({"file_id": a_file.id, "mapping": ["organization"]})), Expect::NotFound),
        ),
        (
            "preview_opportunity_import",
            (Some(json!({"file_id": a_file.id})), Expect::NotFound),
        ),
        (
            "start_opportunity_import",
            (Some(json!({"file_id": a_file.id, "mapping": ["title"]})), Expect::NotFound),
        ),
        ("list_imports", (None, Expect::Blind)),
        ("get_import", (None, Expect::NotFound)),
        ("import_report", (None, Expect::NotFound)),
        ("export_contacts", (None, Expect::Blind)),
        ("export_organizations", (None, Expect::Blind)),
        ("export_opportunities", (None, Expect::Blind)),
        ("export_activities", (None, Expect::Blind)),
        ("export_company", (None, Expect::Blind)),
        ("list_suppressions", (None, Expect::Blind)),
        ("add_suppression", (Some(json!({"email": "stop@b.fr"})), Expect::Blind)),
        ("remove_suppression", (None, Expect::NotFound)),
        ("list_email_templates", (None, Expect::Blind)),
        (
            "create_email_template",
            (
                Some(json!({"name": "Relance A", "variants": [{"language": "fr", "subject": "Objet", "body": "Corps"}]})),
                Expect::Blind,
            ),
        ),
        ("get_email_template", (None, Expect::NotFound)),
        (
            "update_email_template",
            (
                Some(json!({"name": "Pris", "variants": [{"language": "fr", "subject": "Objet", "body": "Corps"}]})),
                Expect::NotFound,
            ),
        ),
        ("delete_email_template", (None, Expect::NotFound)),
        (
            "preview_email_template",
            (Some(json!({"contact_id": contact.id})), Expect::NotFound),
        ),
        (
            "preview_email",
            (
                Some(json!({"contact_id": contact.id, "subject": "Objet", "body": "Corps"})),
                Expect::UnknownField("contact_id"),
            ),
        ),
        (
            "send_email",
            (
                Some(json!({"contact_id": contact.id, "subject": "Objet", "body": "Corps"})),
                Expect::UnknownField("contact_id"),
            ),
        ),
        ("list_emails", (None, Expect::NotFound)),
        ("get_email", (None, Expect::NotFound)),
        ("new_inbound_secret", (None, Expect::Blind)),
        // B's bearer is no inbound secret: refused, whatever the body.
        ("receive_email", (None, Expect::Blind)),
        ("sales_report", (None, Expect::Blind)),
        ("export_report", (Some(json!({"format": "csv"})), Expect::Blind)),
        ("list_report_subscriptions", (None, Expect::Blind)),
        ("subscribe_report", (Some(json!({"frequency": "weekly"})), Expect::Blind)),
        ("unsubscribe_report", (None, Expect::NotFound)),
        ("team_forecast", (None, Expect::NotFound)),
        ("team_view", (None, Expect::NotFound)),
        (
            "reassign_opportunities",
            (
                Some(json!({"from_owner_id": a.user(Role::Sales), "to_owner_id": a.user(Role::Admin)})),
                Expect::Blind,
            ),
        ),
        ("submit_forecast", (Some(json!({"comment": "Prise"})), Expect::NotFound)),
        ("list_forecast_submissions", (None, Expect::Blind)),
        ("get_forecast_submission", (None, Expect::NotFound)),
        ("funnel_report", (None, Expect::Blind)),
        ("get_mail_relay", (None, Expect::Blind)),
        (
            "set_mail_relay",
            (Some(json!({"url": "smtp://b:secret@relais.b.fr:25"})), Expect::Blind),
        ),
        ("remove_mail_relay", (None, Expect::Blind)),
        ("list_scoring_rules", (None, Expect::Blind)),
        ("get_scoring_model", (None, Expect::Blind)),
        ("train_scoring_model", (None, Expect::Blind)),
        (
            "create_scoring_rule",
            (
                Some(json!({"name": "Prise", "signal": {"kind": "tag", "tag": "vip"}, "points": 5})),
                Expect::Blind,
            ),
        ),
        (
            "update_scoring_rule",
            (
                Some(json!({"name": "Prise", "signal": {"kind": "tag", "tag": "vip"}, "points": 5})),
                Expect::NotFound,
            ),
        ),
        ("delete_scoring_rule", (None, Expect::NotFound)),
        ("contact_score", (None, Expect::NotFound)),
        ("list_automations", (None, Expect::Blind)),
        (
            "create_automation",
            (
                Some(json!({"name": "Prise", "trigger": {"type": "email_opened"},
                            "actions": [{"type": "send_email", "template_id": a_template.id}]})),
                Expect::UnknownField("actions.0.template_id"),
            ),
        ),
        (
            "dry_run_automation",
            (
                Some(json!({"name": "Prise", "trigger": {"type": "email_opened"},
                            "actions": [{"type": "add_to_list", "segment_id": segment_id}]})),
                Expect::UnknownField("actions.0.segment_id"),
            ),
        ),
        ("get_automation", (None, Expect::NotFound)),
        (
            "update_automation",
            (
                Some(json!({"name": "Prise", "trigger": {"type": "email_opened"}, "actions": [{"type": "add_tag", "tag": "x"}]})),
                Expect::NotFound,
            ),
        ),
        ("delete_automation", (None, Expect::NotFound)),
        ("list_automation_runs", (None, Expect::NotFound)),
        ("list_webhooks", (None, Expect::Blind)),
        (
            "create_webhook",
            (
                Some(json!({"url": "https://93.184.216.34/b", "events": ["*"], "active": false})),
                Expect::Blind,
            ),
        ),
        ("get_webhook", (None, Expect::NotFound)),
        (
            "update_webhook",
            (
                Some(json!({"url": "https://93.184.216.34/b", "events": ["*"], "active": false})),
                Expect::NotFound,
            ),
        ),
        ("delete_webhook", (None, Expect::NotFound)),
        ("renew_webhook_secret", (None, Expect::NotFound)),
        ("list_webhook_deliveries", (None, Expect::Blind)),
        ("get_webhook_delivery", (None, Expect::NotFound)),
        ("replay_webhook_delivery", (None, Expect::NotFound)),
        ("list_campaigns", (None, Expect::Blind)),
        (
            "create_campaign",
            (
                Some(json!({"name": "Prise", "segment_id": segment_id, "template_id": a_template.id})),
                Expect::UnknownField("segment_id"),
            ),
        ),
        ("get_campaign", (None, Expect::NotFound)),
        ("update_campaign", (Some(json!({"name": "Prise"})), Expect::NotFound)),
        ("delete_campaign", (None, Expect::NotFound)),
        ("move_campaign", (Some(json!({"action": "pause"})), Expect::NotFound)),
        ("test_campaign", (None, Expect::NotFound)),
        ("list_campaign_recipients", (None, Expect::NotFound)),
    ]);

    let spec = s.client.openapi().await.unwrap();
    let paths = spec["paths"].as_object().unwrap();
    let mut covered = 0;
    // B's Admin holds every right, so a 404 can only mean "not found", never "not allowed".
    let bb = b.client(Role::Admin);
    for (path, methods) in paths {
        for (method, op) in methods.as_object().unwrap() {
            let op_id = op["operationId"].as_str().unwrap();
            let Some((body, expect)) = cases.get(op_id) else {
                panic!("route {} {path} ({op_id}) has no isolation case: add one", method.to_uppercase());
            };
            let mut url = match id_for(path) {
                Some(id) => path.replace("{id}", &id),
                None => path.clone(),
            };
            // A's parked event: B has none with that number.
            url = url.replace("{consumer}", "search_indexer").replace("{seq}", "1");
            if op_id == "audit_history" || op_id == "lead_funnel" {
                url.push_str("?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z");
            }
            if op_id == "list_contacts" {
                url.push_str(&format!("?organization_id={}&owner_id={}", org.id, a.user(Role::Admin)));
            }
            if op_id == "search" {
                // A's records by name, email and organization, and an id of A as text.
                url.push_str(&format!("?q=Alice&organization_id={}", org.id));
            }
            if op_id == "list_emails" {
                url.push_str(&format!("?contact_id={}", contact.id));
            }
            if op_id == "todo" {
                url.push_str("?team=true");
            }
            if op_id == "list_opportunities" || op_id == "forecast" {
                url.push_str(&format!("?pipeline_id={}", pipeline.id));
            }
            // The logout and password cases would end B's session: give them their own.
            let client = if matches!(op_id, "logout" | "change_password") {
                let fresh = s.client.login(&b.emails[&Role::Admin], crate::support::PASSWORD).await.unwrap();
                s.client.with_token(&fresh.token)
            } else {
                bb.clone()
            };
            if op_id == "event_stream" {
                // A stream never ends: read B's whole log from the start for a moment.
                let token = s
                    .client
                    .login(&b.emails[&Role::Admin], crate::support::PASSWORD)
                    .await
                    .unwrap()
                    .token;
                let events = crate::realtime::collect(&s.base, &token, Some(0), 10_000, std::time::Duration::from_millis(800)).await;
                assert!(!events.is_empty(), "B's stream shows B's own changes");
                for e in &events {
                    let text = e.data.to_string();
                    for id in &a_ids {
                        assert!(!text.contains(id.as_str()), "the stream leaked A's id {id}: {text}");
                    }
                }
                covered += 1;
                continue;
            }
            let r = client
                .raw(&method.to_uppercase(), &url, body.as_ref(), &[("if-match", "\"1\"")])
                .await
                .unwrap();
            // `instance` echoes the path B itself sent; everything else must be A-free.
            let mut shown = r.body.clone();
            if let Some(o) = shown.as_object_mut() {
                o.remove("instance");
            }
            let text = shown.to_string();
            match expect {
                Expect::NotFound => {
                    assert_eq!(
                        (r.status, r.body["code"].as_str()),
                        (404, Some("not_found")),
                        "{op_id} {url}: {text}"
                    );
                }
                Expect::UnknownField(f) => {
                    assert_eq!(r.status, 422, "{op_id}: {text}");
                    assert!(
                        r.body["errors"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|e| e["field"] == *f && e["code"] == "unknown"),
                        "{op_id}: {text}"
                    );
                }
                Expect::Blind => {}
            }
            for id in &a_ids {
                assert!(!text.contains(id.as_str()), "{op_id} leaked A's id {id}: {text}");
            }
            covered += 1;
        }
    }
    assert_eq!(covered, cases.len(), "cases for routes that no longer exist");
    assert_eq!(snapshot(aa).await, before, "tenant A changed");
    s.stop().await;
}
