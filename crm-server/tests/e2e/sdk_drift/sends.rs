//! What the SDK sends, on the wire. Every method `crm_sdk::OPERATIONS` names is called once
//! with every argument set (options `Some`, flags `true`, the SDK's types and query structs
//! written out field by field, without `..`, so that a field the SDK adds must be set here)
//! against a recorder that answers `200 {}` to anything and keeps each request. Then, for
//! each operation of the document:
//! - query: the parameter names its methods send are exactly the document's;
//! - body: each is sent as a media type the document takes, only with members its schema
//!   has, at every depth (the server refuses or ignores the others), and together they
//!   send every member of the schema, but for the bodies `UNTYPED` allows as the caller's
//!   own JSON or bytes.

use super::{INLINE, UNTYPED, body_name, is_json, resolve};
use crate::support::spawn_app;
use chrono::{DateTime, NaiveDate, Utc};
use crm_sdk::models::*;
use crm_sdk::{AuditQuery, Client, ContactQuery, DeliveryQuery, ForecastQuery, OPERATIONS, OpportunityQuery, OrganizationQuery};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_sends_the_query_parameters_and_body_members_of_the_document() {
    let s = spawn_app().await;
    let spec = s.client.openapi().await.unwrap();
    s.stop().await;
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let recorder = Recorder::start();
    let sent = sent(&Client::new(&recorder.base).unwrap().with_token("jeton"), &recorder).await;

    let mut ops = Vec::new();
    for (path, methods) in spec["paths"].as_object().unwrap() {
        for (method, op) in methods.as_object().unwrap() {
            ops.push((method.to_uppercase(), path.as_str(), op));
        }
    }
    let mut faults = Vec::new();
    // What each operation was sent: by which method, with which query names.
    let mut by_op: BTreeMap<&str, Vec<Call<'_>>> = BTreeMap::new();
    for (sdk, request) in &sent {
        let url = reqwest::Url::parse(&format!("http://sdk{}", request.target)).unwrap();
        let query = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
        match route(&ops, &request.method, url.path()) {
            Some(id) => by_op.entry(id).or_default().push(Call { sdk, query, request }),
            None => faults.push(format!(
                "`{sdk}` sent {} {}, no operation of the document",
                request.method,
                url.path()
            )),
        }
    }
    for o in OPERATIONS {
        for sdk in o.sdk {
            if !by_op.get(o.id).is_some_and(|calls| calls.iter().any(|c| c.sdk == *sdk)) {
                faults.push(format!(
                    "{}: `{sdk}` (its method in OPERATIONS) is not called in `sent`, or sent something else",
                    o.id
                ));
            }
        }
    }
    for (_, _, op) in &ops {
        let id = op["operationId"].as_str().unwrap();
        let Some(calls) = by_op.get(id) else {
            faults.push(format!("{id}: no method sent it: call its method in `sent`"));
            continue;
        };
        let documented: BTreeSet<String> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "query")
            .filter_map(|p| p["name"].as_str().map(str::to_owned))
            .collect();
        let sent: BTreeSet<String> = calls.iter().flat_map(|c| c.query.iter().cloned()).collect();
        let methods: BTreeSet<&str> = calls.iter().map(|c| c.sdk).collect();
        let missing: Vec<&String> = documented.difference(&sent).collect();
        if !missing.is_empty() {
            faults.push(format!(
                "{id}: query parameters {missing:?} are in the document, but {methods:?} never send them with every argument set (the SDK lacks them, or `sent` leaves them unset)"
            ));
        }
        let unknown: Vec<&String> = sent.difference(&documented).collect();
        if !unknown.is_empty() {
            faults.push(format!(
                "{id}: {methods:?} send query parameters {unknown:?}, which the document does not have"
            ));
        }
        check_bodies(schemas, id, op, calls, &mut faults);
    }
    assert!(
        faults.is_empty(),
        "what the SDK sends and the document disagree:\n  {}",
        faults.join("\n  ")
    );
}

/// One request an SDK method sent to an operation.
struct Call<'a> {
    sdk: &'static str,
    query: BTreeSet<String>,
    request: &'a Request,
}

/// The operation of the document a request goes to: of the paths matching, the one with the
/// fewest parameters (`/segments/preview` rather than `/segments/{id}`).
fn route<'a>(ops: &[(String, &str, &'a Value)], method: &str, path: &str) -> Option<&'a str> {
    let segments: Vec<&str> = path.split('/').collect();
    ops.iter()
        .filter(|(m, template, _)| {
            let t: Vec<&str> = template.split('/').collect();
            m == method && t.len() == segments.len() && t.iter().zip(&segments).all(|(t, s)| t.starts_with('{') || t == s)
        })
        .min_by_key(|(_, template, _)| template.matches('{').count())
        .and_then(|&(_, _, op)| op["operationId"].as_str())
}

/// The bodies the methods of operation `id` sent, against its request body.
fn check_bodies(schemas: &Map<String, Value>, id: &str, op: &Value, calls: &[Call<'_>], faults: &mut Vec<String>) {
    let content = op["requestBody"]["content"].as_object();
    let essence = |m: &str| m.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let (mut seen, mut walked) = (BTreeSet::new(), None);
    for Call { sdk, request, .. } in calls {
        let (Some(content), Some(media)) = (content, &request.content_type) else {
            match content {
                None if !request.body.is_empty() => faults.push(format!("{id}: `{sdk}` sends a body, the document takes none")),
                Some(_) if op["requestBody"]["required"] == true => {
                    faults.push(format!("{id}: `{sdk}` sends no body, the document requires one"));
                }
                _ => {}
            }
            continue;
        };
        let Some((documented, c)) = content.iter().find(|(m, _)| essence(m) == essence(media)) else {
            let takes: Vec<&String> = content.keys().collect();
            faults.push(format!("{id}: `{sdk}` sends {media}, the document takes {takes:?}"));
            continue;
        };
        let name = body_name(id, documented, &c["schema"]);
        let own = UNTYPED.iter().any(|(n, why)| *n == name && *why != INLINE);
        if !is_json(documented) || own {
            continue;
        }
        let Ok(value) = serde_json::from_slice::<Value>(&request.body) else {
            faults.push(format!("{id}: `{sdk}` sends a body that is not JSON"));
            continue;
        };
        let mut unknown = BTreeSet::new();
        value_paths(schemas, &c["schema"], &value, "", &mut seen, &mut unknown);
        for member in unknown {
            faults.push(format!(
                "{id} ({name}): `{sdk}` sends `{member}`, which the document does not have (the server refuses or ignores it)"
            ));
        }
        walked = Some((name, &c["schema"]));
    }
    if let Some((name, schema)) = walked {
        let mut documented = BTreeSet::new();
        schema_paths(schemas, schema, "", &mut documented, 0);
        let methods: BTreeSet<&str> = calls.iter().map(|c| c.sdk).collect();
        for member in documented.difference(&seen) {
            faults.push(format!(
                "{id} ({name}): `{member}` is in the document, but {methods:?} never send it with every argument set (the SDK lacks it, or `sent` leaves it unset)"
            ));
        }
    }
}

fn join(at: &str, member: &str) -> String {
    if at.is_empty() {
        member.to_owned()
    } else {
        format!("{at}.{member}")
    }
}

/// The member paths a value of `schema` may have (`address.city`, `links[].entity_id`);
/// nothing below a member of any JSON.
fn schema_paths(schemas: &Map<String, Value>, schema: &Value, at: &str, out: &mut BTreeSet<String>, depth: usize) {
    assert!(depth < 32, "schemas nested too deep (a cycle?): {schema}");
    let schema = resolve(schemas, schema);
    if let Some(properties) = schema["properties"].as_object() {
        for (k, p) in properties {
            let path = join(at, k);
            schema_paths(schemas, p, &path, out, depth + 1);
            out.insert(path);
        }
    } else if schema["type"] == "array" {
        schema_paths(schemas, &schema["items"], &format!("{at}[]"), out, depth + 1);
    }
}

/// The member paths of `value`, walked along `schema`: those the schema has go to `seen`,
/// the others to `unknown`.
fn value_paths(
    schemas: &Map<String, Value>,
    schema: &Value,
    value: &Value,
    at: &str,
    seen: &mut BTreeSet<String>,
    unknown: &mut BTreeSet<String>,
) {
    let schema = resolve(schemas, schema);
    match value {
        Value::Object(members) if schema["properties"].is_object() => {
            for (k, v) in members {
                let path = join(at, k);
                match schema["properties"].get(k) {
                    Some(p) => {
                        value_paths(schemas, p, v, &path, seen, unknown);
                        seen.insert(path);
                    }
                    None => {
                        unknown.insert(path);
                    }
                }
            }
        }
        Value::Array(items) if schema["type"] == "array" => {
            for v in items {
                value_paths(schemas, &schema["items"], v, &format!("{at}[]"), seen, unknown);
            }
        }
        _ => {}
    }
}

/// Calls every method of `OPERATIONS` once, every argument set: the requests each sent.
async fn sent(c: &Client, recorder: &Recorder) -> Vec<(&'static str, Request)> {
    let mut out = Vec::new();
    macro_rules! call {
        ($($method:ident($($arg:expr),* $(,)?);)*) => {$(
            let _ = c.$method($($arg),*).await;
            out.extend(recorder.take().into_iter().map(|r| (stringify!($method), r)));
        )*};
    }
    let (now, rule) = (Utc::now(), json!({"field": "kind", "op": "eq", "value": "client"}));
    call! {
        // Auth, tenants, users and teams.
        login("claire@duval.fr", "une phrase de passe");
        login_to("claire@duval.fr", "une phrase de passe", ID);
        logout();
        me();
        change_password("une phrase de passe", "une autre phrase de passe");
        list_tokens();
        create_token("intégration", 30);
        revoke_token(ID);
        sessions();
        end_session(ID);
        end_other_sessions();
        login_second_factor("crm_ticket", "123456");
        begin_second_factor_at_login("crm_ticket");
        second_factor();
        begin_second_factor();
        confirm_second_factor("123456");
        remove_second_factor("ABCD-EFGH-IJKL-MNOP");
        renew_recovery_codes("123456");
        list_tenants();
        create_tenant(&new_tenant());
        suspend_tenant(ID);
        reinstate_tenant(ID);
        tenant();
        update_tenant(1, Some("Duval SA"), Some(&settings()));
        list_users();
        create_user(&new_user());
        user(ID);
        update_user(ID, 1, Some("Claire Duval"), Some("manager"), Some(Some(ID)));
        set_user_password(ID, "une phrase de passe");
        deactivate_user(ID, 1);
        reactivate_user(ID, 2);
        issue_access_link(ID);
        reset_second_factor(ID);
        redeem_access_link("crm_secret", "une phrase de passe");
        list_teams();
        create_team(&team());
        team(ID);
        update_team(ID, 1, &team());
        // Contacts and organizations.
        list_contacts(&contact_query(now));
        create_contact(&contact(), true);
        contact(ID);
        update_contact(ID, 1, &contact());
        patch_contact(ID, 1, &json!({"notes": null}));
        delete_contact(ID, 1);
        restore_contact(ID);
        assign_contact(ID, 1, ID);
        merge_contacts(ID, 1, ID, 2);
        territories();
        create_territory(&TerritoryWrite { name: "Sud-Ouest".into(), team_id: ID, areas: vec!["33".into()], industries: vec!["Vins".into()] });
        update_territory(ID, 1, &TerritoryWrite { name: "Sud-Ouest".into(), team_id: ID, areas: vec!["33".into()], industries: vec!["Vins".into()] });
        delete_territory(ID);
        match_territory(Some("33000"), Some("Vins"));
        privacy_requests(Some(ID));
        create_privacy_request(&PrivacyRequestWrite { contact_id: ID, kind: "erasure".into(), received_at: Some(now), note: Some("par courrier".into()) });
        privacy_request(ID);
        answer_privacy_request(ID, 1, &PrivacyAnswer { status: "refused".into(), answer: Some("obligation légale".into()) });
        export_personal_data(ID, true);
        erase_contact(ID, &Erasure { request_id: Some(ID), request_version: Some(1) });
        retention_report(Some(50));
        erase_due_prospects();
        anonymise_due_prospects();
        processing_register();
        processing_register_pdf();
        access_log(Some(ID), Some(ID), Some(ID), Some(50));
        contact_consents(ID);
        record_consent(ID, &ConsentWrite { medium: "email".into(), state: "granted".into(), basis: Some("consent".into()), source: "Salon".into(), proof: Some("bulletin".into()), given_at: Some(now) });
        merge_contacts_taking(ID, 1, ID, 2, &["job_title"]);
        contact_history_with(ID, Some(10));
        // Leads and the customer cycle.
        create_lead(&contact(), true);
        import_leads(&NewLeads { leads: vec![contact()] });
        set_lead_status(ID, 1, &LeadStatusWrite { status: "disqualified".into(), reason: Some("no_budget".into()) });
        hand_over_lead(ID, 1, &HandOver { owner_id: Some(ID), team_id: Some(ID), by_territory: Some(true) });
        convert_to_client(ID, 1, "Bon de commande");
        open_lead_opportunity(ID, &lead_opportunity());
        lead_settings();
        set_lead_settings(&lead_settings());
        run_former_client_rule();
        lead_funnel(now, now);
        list_organizations_with(&organization_query());
        create_organization(&organization());
        organization(ID);
        update_organization(ID, 1, &organization());
        patch_organization(ID, 1, &json!({"industry": null}));
        delete_organization(ID, 1);
        restore_organization(ID);
        organization_history_with(ID, Some(10));
        // Pipelines and opportunities.
        list_pipelines();
        create_pipeline(&pipeline());
        pipeline(ID);
        update_pipeline(ID, 1, &pipeline());
        delete_pipeline(ID, 1);
        list_opportunities(&opportunity_query());
        create_opportunity(&new_opportunity());
        opportunity(ID);
        update_opportunity(ID, 1, &opportunity());
        patch_opportunity(ID, 1, &json!({"probability": null}));
        delete_opportunity(ID, 1);
        restore_opportunity(ID);
        move_opportunity(ID, 1, ID);
        advance_opportunity(ID, 1);
        win_opportunity(ID, 1);
        lose_opportunity(ID, 1, "prix");
        reopen_opportunity(ID, 1);
        assign_opportunity(ID, 1, ID);
        opportunity_history_with(ID, Some(10));
        forecast_with(&forecast_query());
        audit_with(now, now, Some(ID), Some(10));
        audit_query(&AuditQuery { from: now, to: now, user_id: Some(ID), entity_type: Some("contact".into()), before: Some(9), limit: Some(10) });
        // Activities, reminders, notifications, calendar, telephony.
        create_activity(&activity());
        activity(ID);
        update_activity(ID, 1, &activity());
        patch_activity(ID, 1, &json!({"place": null}));
        delete_activity(ID, 1);
        complete_task(ID, 1);
        reopen_task(ID, 1);
        todo(true);
        contact_timeline(ID, Some(now), Some(10));
        organization_timeline(ID, Some(now), Some(10));
        opportunity_timeline(ID, Some(now), Some(10));
        dashboard();
        reminder_rules();
        create_reminder_rule("no_activity", Some(30), Some(15), true);
        update_reminder_rule(ID, 1, "no_activity", Some(30), Some(15), true);
        delete_reminder_rule(ID, 1);
        run_reminders();
        notifications_with(true, Some(10));
        read_notification(ID);
        read_all_notifications();
        create_calendar_feed();
        calendar_feeds();
        revoke_calendar_feed(ID);
        calendar_feed("secret");
        log_call(&call());
        unmatched_calls(Some(10));
        // Search, segments, duplicates.
        search(&search_query(now));
        reindex_search();
        list_segments();
        create_segment(&segment());
        segment(ID);
        update_segment(ID, 1, &segment());
        delete_segment(ID, 1);
        preview_segment(&rule);
        add_segment_members(ID, &[ID]);
        remove_segment_members(ID, &[ID]);
        add_segment_members_from_filter(ID, &json!({"kind": "client"}));
        add_segment_members_from_search_with(ID, &segment_search());
        scan_duplicates();
        duplicate_groups();
        dismiss_duplicates(ID);
        // Background work, files and the stream.
        consumers();
        parked_events();
        replay_parked_event("search_indexer", 7);
        jobs_with(Some("reminders.scan"), Some(10));
        job(ID);
        cancel_job(ID);
        files_with(Some(10));
        upload_file("contacts.csv", b"nom;email".to_vec());
        file(ID);
        file_content(ID);
        delete_file(ID);
        imports(Some(10));
        preview_contact_import(&import_request());
        start_contact_import(&import_request());
        preview_organization_import(&import_request());
        start_organization_import(&import_request());
        preview_opportunity_import(&import_request());
        start_opportunity_import(&import_request());
        import(ID);
        import_report(ID);
        export_contacts("csv", &contact_query(now));
        export_organizations("xlsx");
        export_opportunities("excel_csv", &opportunity_query());
        export_activities("csv");
        export_company();
        suppressions(Some("stop@exemple.fr"), Some("0612345678"), Some(10));
        add_suppression(&SuppressionWrite {
            email: Some("stop@exemple.fr".into()),
            phone: Some("0612345678".into()),
            reason: Some("unsubscribed".into()),
            note: Some("demande par téléphone".into()),
        });
        remove_suppression(ID);
        email_templates();
        create_email_template(&template());
        email_template(ID);
        update_email_template(ID, 1, &template());
        delete_email_template(ID, 1);
        preview_email_template(ID, &TemplatePreviewWrite {
            contact_id: ID,
            opportunity_id: Some(ID),
            language: Some("fr".into()),
        });
        preview_email(&email());
        send_email(&email());
        emails_to(ID, Some(20));
        email(ID);
        new_inbound_secret();
        receive_email("crmin_secret", b"From: lea@client.fr\r\n\r\nOui".to_vec());
        sales_report(&SalesQuery {
            scope: Some("team".into()),
            period: Some("custom".into()),
            date: Some(now.date_naive()),
            first: Some(now.date_naive()),
            last: Some(now.date_naive()),
        });
        funnel_report(&FunnelQuery {
            pipeline_id: Some(ID),
            scope: Some("mine".into()),
            period: Some("custom".into()),
            date: Some(now.date_naive()),
            first: Some(now.date_naive()),
            last: Some(now.date_naive()),
        });
        team_view(ID);
        reassign_opportunities(ID, ID);
        team_forecast(
            ID,
            &TeamForecastQuery {
                team_id: None,
                period: Some("quarter".into()),
                date: Some(now.date_naive()),
            },
        );
        submit_forecast(
            ID,
            &SubmissionWrite {
                period: Some("month".into()),
                date: Some(now.date_naive()),
                adjustments: vec![AdjustmentWrite {
                    owner_id: ID,
                    currency: "EUR".into(),
                    amount_minor: 150_000,
                }],
                comment: Some("Prudent".into()),
            },
        );
        forecast_submissions(&TeamForecastQuery {
            team_id: Some(ID),
            period: Some("month".into()),
            date: Some(now.date_naive()),
        });
        forecast_submission(ID);
        report_subscriptions();
        subscribe_report(&ReportSubscriptionWrite {
            frequency: "weekly".into(),
            format: Some("xlsx".into()),
            scope: Some("mine".into()),
            send_now: true,
        });
        unsubscribe_report(ID);
        scoring_rules();
        create_scoring_rule(&scoring_rule());
        update_scoring_rule(ID, 1, &scoring_rule());
        delete_scoring_rule(ID);
        contact_score(ID);
        scoring_model();
        train_scoring_model();
        automations();
        create_automation(&automation());
        dry_run_automation(&automation());
        automation(ID);
        update_automation(ID, 1, &automation());
        delete_automation(ID);
        automation_runs(ID, Some("done"), Some(50));
        webhooks();
        create_webhook(&webhook());
        webhook(ID);
        update_webhook(ID, 1, &webhook());
        delete_webhook(ID);
        renew_webhook_secret(ID, 1);
        webhook_deliveries(&DeliveryQuery {
            webhook_id: Some(ID),
            state: Some("dead".into()),
            limit: Some(50),
        });
        webhook_delivery(ID);
        replay_webhook_delivery(ID);
        export_report(
            &ReportExportWrite {
                format: "xlsx".into(),
                scope: Some("team".into()),
                period: Some("quarter".into()),
                date: Some(now.date_naive()),
                pipeline_id: Some(ID),
            },
            Some("cle-export-1"),
        );
        mail_relay();
        set_mail_relay(&MailRelayWrite {
            url: "smtp://ventes:secret@relais.exemple.fr:587?tls=required".into(),
            from: Some("ventes@exemple.fr".into()),
        });
        remove_mail_relay();
        campaigns();
        create_campaign(&campaign());
        campaign(ID);
        update_campaign(ID, 1, &campaign());
        delete_campaign(ID, 1);
        move_campaign(ID, 1, &CampaignMove {
            action: "schedule".into(),
            at: Some(now),
        });
        test_campaign(ID);
        campaign_recipients(ID, Some(ID), Some(20));
        events(Some(7));
    }
    out
}

// The arguments: every field set, written out without `..`.

fn scoring_rule() -> ScoringRuleWrite {
    ScoringRuleWrite {
        name: "Ouvreur".into(),
        signal: json!({"kind": "engagement", "engagement": "email_opened"}),
        points: 5,
        half_life_days: Some(30),
        active: Some(true),
    }
}

fn automation() -> AutomationWrite {
    AutomationWrite {
        name: "Relance".into(),
        active: Some(true),
        trigger: json!({"type": "email_opened"}),
        conditions: Some(json!({"field": "kind", "op": "eq", "value": "prospect"})),
        actions: vec![json!({"type": "add_tag", "tag": "chaud"})],
    }
}

fn webhook() -> WebhookWrite {
    WebhookWrite {
        url: "https://hooks.exemple.fr/crm".into(),
        description: Some("ERP".into()),
        events: vec!["opportunity.won".into()],
        include_personal: true,
        active: Some(true),
    }
}

fn campaign() -> CampaignWrite {
    CampaignWrite {
        name: "Lancement".into(),
        segment_id: Some(ID),
        template_id: Some(ID),
        language: Some("fr".into()),
    }
}

fn template() -> TemplateWrite {
    TemplateWrite {
        name: "Relance".into(),
        variants: vec![TemplateVariant {
            language: "fr".into(),
            subject: "Bonjour {{ contact.first_name }}".into(),
            body: "Corps".into(),
        }],
    }
}

fn email() -> EmailWrite {
    EmailWrite {
        contact_id: Some(ID),
        to: Some("lea@exemple.fr".into()),
        opportunity_id: Some(ID),
        template_id: Some(ID),
        language: Some("fr".into()),
        subject: Some("Objet".into()),
        body: Some("Corps".into()),
    }
}

/// Any id.
const ID: Uuid = Uuid::from_u128(0x0192_a3b4_c5d6_7e8f_9a0b_1c2d_3e4f_5a6b);

fn import_request() -> ImportRequest {
    ImportRequest {
        file_id: ID,
        mapping: Some(vec![Some("email".into()), None]),
        key: Some("email".into()),
        create_possible_duplicates: Some(true),
        all_or_nothing: Some(true),
        owner_id: Some(ID),
        by_territory: Some(true),
    }
}

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 4).unwrap()
}

fn settings() -> Settings {
    Settings {
        country: Some("FR".into()),
        currency: Some("EUR".into()),
        time_zone: Some("Europe/Paris".into()),
        language: Some("fr".into()),
        working_days: Some(vec!["mon".into(), "tue".into()]),
        second_factor_for_admins: Some(true),
        password_min_length: Some(14),
        refuse_common_passwords: Some(true),
        session_hours: Some(8),
        audience: Some("mixed".into()),
        retention_months: Some(24),
        retention_action: Some("erase".into()),
    }
}

fn new_tenant() -> NewTenant {
    NewTenant {
        name: "Duval SA".into(),
        admin_email: "claire@duval.fr".into(),
        admin_name: "Claire Duval".into(),
        admin_password: "une phrase de passe".into(),
        settings: Some(settings()),
    }
}

fn new_user() -> NewUser {
    NewUser {
        email: "leon@duval.fr".into(),
        display_name: "Léon".into(),
        role: "sales".into(),
        team_id: Some(ID),
        password: Some("une phrase de passe".into()),
    }
}

fn team() -> TeamWrite {
    TeamWrite {
        name: "Ouest".into(),
        manager_id: ID,
        territory: Some("Bretagne".into()),
    }
}

fn address() -> Address {
    Address {
        street: Some("1 rue de la Paix".into()),
        postal_code: Some("75002".into()),
        city: Some("Paris".into()),
        country: Some("FR".into()),
    }
}

fn contact() -> ContactWrite {
    ContactWrite {
        kind: "prospect".into(),
        first_name: "Inès".into(),
        last_name: "Dérive".into(),
        emails: vec!["ines@derive.fr".into()],
        phones: vec!["06 11 22 33 44".into()],
        organization_id: Some(ID),
        job_title: Some("Acheteuse".into()),
        address: Some(address()),
        tags: vec!["salon".into()],
        source: Some("web".into()),
        notes: Some("Rappeler".into()),
        external_id: Some("ERP-0042".into()),
        email_opt_out: Some(true),
        phone_opt_out: Some(false),
    }
}

fn contact_query(now: DateTime<Utc>) -> ContactQuery {
    ContactQuery {
        kind: Some("prospect".into()),
        owner_id: Some(ID),
        tag: Some("salon".into()),
        organization_id: Some(ID),
        segment_id: Some(ID),
        updated_since: Some(now),
        lead_status: Some("qualified".into()),
        pooled: Some(true),
        min_score: Some(20),
        sort: Some("name".into()),
        order: Some("asc".into()),
        cursor: Some("curseur".into()),
        limit: Some(10),
    }
}

fn lead_opportunity() -> LeadOpportunity {
    LeadOpportunity {
        pipeline_id: ID,
        title: "Première affaire".into(),
        value_minor: 1_000_00,
        currency: Some("EUR".into()),
        expected_close: Some(NaiveDate::from_ymd_opt(2027, 3, 31).unwrap()),
        organization_id: Some(ID),
    }
}

fn lead_settings() -> LeadSettings {
    LeadSettings {
        reasons: vec![LeadReason {
            code: "salon".into(),
            label: Some("Rencontré au salon".into()),
        }],
        former_client_after_months: Some(18),
    }
}

fn organization_query() -> OrganizationQuery {
    OrganizationQuery {
        sort: Some("name".into()),
        order: Some("asc".into()),
        cursor: Some("curseur".into()),
        limit: Some(10),
    }
}

fn organization() -> OrganizationWrite {
    OrganizationWrite {
        name: "Dérive SA".into(),
        domain: Some("derive.fr".into()),
        industry: Some("Conseil".into()),
        size: Some("small".into()),
        address: Some(address()),
        external_id: Some("ERP-ORG-9".into()),
    }
}

fn pipeline() -> PipelineWrite {
    PipelineWrite {
        name: "Ventes".into(),
        stages: vec![StageWrite {
            id: Some(ID),
            name: "Découverte".into(),
            probability: 10,
        }],
        moves: vec![StageMove {
            from: Uuid::nil(),
            to: Uuid::nil(),
        }],
    }
}

fn new_opportunity() -> NewOpportunity {
    NewOpportunity {
        pipeline_id: ID,
        stage_id: Some(ID),
        title: "Licences".into(),
        value_minor: 12_500_00,
        currency: Some("EUR".into()),
        contact_ids: vec![ID],
        organization_id: Some(ID),
        expected_close: Some(date()),
        probability: Some(40),
    }
}

fn opportunity() -> OpportunityWrite {
    OpportunityWrite {
        title: "Licences".into(),
        value_minor: 12_500_00,
        currency: Some("EUR".into()),
        contact_ids: vec![ID],
        organization_id: Some(ID),
        expected_close: Some(date()),
        probability: Some(40),
    }
}

fn opportunity_query() -> OpportunityQuery {
    OpportunityQuery {
        owner_id: Some(ID),
        pipeline_id: Some(ID),
        stage_id: Some(ID),
        status: Some("open".into()),
        close_from: Some(date()),
        close_to: Some(date()),
        sort: Some("updated_at".into()),
        order: Some("desc".into()),
        cursor: Some("curseur".into()),
        limit: Some(10),
    }
}

fn forecast_query() -> ForecastQuery {
    ForecastQuery {
        period: Some("quarter".into()),
        group_by: Some("owner".into()),
        owner_id: Some(ID),
        pipeline_id: Some(ID),
        close_from: Some(date()),
        close_to: Some(date()),
    }
}

fn activity() -> ActivityWrite {
    let now = Utc::now();
    ActivityWrite {
        kind: Some("meeting".into()),
        subject: "Démonstration".into(),
        body: Some("Salle 2".into()),
        // As read back from an activity, with the record's name.
        links: vec![LinkRef {
            entity_type: "contact".into(),
            entity_id: ID,
            name: Some("Inès Dérive".into()),
        }],
        assignee_id: Some(ID),
        due_at: Some(now),
        priority: Some("high".into()),
        starts_at: Some(now),
        ends_at: Some(now),
        place: Some("Paris".into()),
        attendee_ids: vec![ID],
        direction: Some("inbound".into()),
        duration_seconds: Some(60),
        outcome: Some("intéressée".into()),
    }
}

fn call() -> CallRecord {
    CallRecord {
        caller: "06 11 22 33 44".into(),
        callee: "01 02 03 04 05".into(),
        started_at: Utc::now(),
        duration_seconds: 42,
        direction: "inbound".into(),
        recording_url: Some("https://pbx.example/r/1".into()),
    }
}

fn search_query(now: DateTime<Utc>) -> SearchQuery {
    SearchQuery {
        q: "léon".into(),
        types: vec!["contact".into()],
        owner_id: Some(ID),
        kind: Some("prospect".into()),
        lead_status: Some("qualified".into()),
        tag: Some("salon".into()),
        organization_id: Some(ID),
        pipeline_id: Some(ID),
        stage_id: Some(ID),
        status: Some("open".into()),
        close_from: Some(date()),
        close_to: Some(date()),
        updated_since: Some(now),
        min_score: Some(20),
        limit: Some(10),
    }
}

fn segment_search() -> SegmentSearch {
    SegmentSearch {
        q: "léon".into(),
        limit: Some(10),
        kind: Some("client".into()),
        owner_id: Some(ID),
        tag: Some("salon".into()),
        organization_id: Some(ID),
    }
}

fn segment() -> SegmentWrite {
    SegmentWrite {
        name: "Salon".into(),
        rule: Some(json!({"field": "tag", "op": "eq", "value": "salon"})),
    }
}

/// One request as the recorder received it.
#[derive(Debug)]
struct Request {
    method: String,
    /// Path and query.
    target: String,
    content_type: Option<String>,
    body: Vec<u8>,
}

/// A loopback HTTP server answering `200 {}` to every request, one connection at a time,
/// and keeping each request.
struct Recorder {
    base: String,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
}

impl Recorder {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (requests, stop) = (Arc::new(Mutex::new(Vec::new())), Arc::new(AtomicBool::new(false)));
        let (kept, stopped) = (Arc::clone(&requests), Arc::clone(&stop));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                if let Some(r) = read_request(&stream) {
                    kept.lock().unwrap().push(r);
                }
                let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        Self { base, requests, stop }
    }

    /// The requests received since the last call.
    fn take(&self) -> Vec<Request> {
        std::mem::take(&mut *self.requests.lock().unwrap())
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread up to see it.
        let _ = TcpStream::connect(self.base.trim_start_matches("http://"));
    }
}

/// A request: its line, headers (length and media type) and body.
fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let (mut length, mut content_type) = (0, None);
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let Some((name, value)) = line.trim_end().split_once(':') else {
            break;
        };
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse().ok()?,
            "content-type" => content_type = Some(value.trim().to_owned()),
            _ => {}
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        target,
        content_type,
        body,
    })
}
