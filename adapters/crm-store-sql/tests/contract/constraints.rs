//! Store errors by constraint name: every unique and foreign-key constraint of the schema
//! is in the store's table with the field it guards, a violation of each is reported as
//! `Duplicate` or `UnknownReference` with that field on both backends, and a constraint
//! the table does not know is a failure, never a guessed field.

use crate::contacts::input;
use crate::harness::{Harness, Raw, email};
use crate::tenancy::stages;
use chrono::{DateTime, Duration, Utc};
use crm_domain::activity::{ActivityInput, Link};
use crm_domain::duplicates::{FoundGroup, MatchReason};
use crm_domain::email::EmailAddress;
use crm_domain::event::{EntityType, EventKind, NewEvent};
use crm_domain::opportunity::OpportunityInput;
use crm_domain::organization::OrganizationInput;
use crm_domain::reminder::RuleKind;
use crm_domain::text::Name;
use crm_domain::user::Role;
use crm_domain::{ActivityId, Actor, ContactId, OpportunityId, OrganizationId, PipelineId, SegmentId, StageId, TeamId, TenantId, UserId};
use crm_ports::services::segments::SegmentInput;
use crm_ports::services::users::TeamInput;
use crm_ports::store::{
    ActivityStore, Advance, ConsentStore, ConsumerStore, ContactStore, DuplicateStore, EmailStore, FileRecord, FileRecordStore,
    IdempotencyBegin, IdempotencyStore, JobStore, NewJob, Notification, OpportunityStore, OrganizationStore, PipelineStore, PrivacyStore,
    ReminderStore, SecondFactorStore, SegmentStore, TelephonyStore, TerritoryStore, UnmatchedCall, UserStore,
};
use crm_ports::{AuthStore, Principal, StoreError, TokenKind, TokenRecord};
use crm_store_sql::Backend;
use crm_store_sql::constraints::{CONSTRAINTS, Constraint, Kind, UNNAMED_REFERENCE, by_name};
use serde_json::json;
use sqlx::{Connection, Row};
use std::collections::BTreeSet;
use uuid::Uuid;

/// Now, at the stored precision.
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).unwrap()
}

fn new() -> Uuid {
    Uuid::now_v7()
}

fn event(tenant: TenantId, entity_type: EntityType, id: Uuid) -> NewEvent {
    NewEvent {
        at: now(),
        actor: Actor::System { tenant_id: tenant },
        entity_type,
        entity_id: id,
        kind: EventKind::Created,
        owner_id: None,
        changes: vec![],
    }
}

fn notification(user: UserId, key: &str) -> Notification {
    Notification {
        id: new(),
        user_id: user,
        kind: "task_due".into(),
        subject: "Rappeler".into(),
        activity_id: None,
        link: None,
        reminder_key: key.into(),
        created_at: now(),
        read_at: None,
    }
}

fn token(principal: Principal) -> TokenRecord {
    TokenRecord {
        id: new(),
        principal,
        kind: TokenKind::Api,
        name: Some("intégration".into()),
        csrf_hash: None,
        created_at: now(),
        expires_at: now() + Duration::days(1),
        revoked_at: None,
    }
}

/// A secret hash of its own (token lookups are keyed by it).
fn secret() -> [u8; 32] {
    let mut h = [0u8; 32];
    h[..16].copy_from_slice(new().as_bytes());
    h[16..].copy_from_slice(new().as_bytes());
    h
}

fn job(tenant: TenantId, key: Option<&str>) -> NewJob {
    NewJob {
        id: new(),
        tenant_id: tenant,
        kind: format!("test.{}", Uuid::new_v4().simple()),
        payload: json!({ "n": 1 }),
        due_at: now() + Duration::days(365),
        key: key.map(str::to_owned),
    }
}

/// SQL literals of the backend, for the few violations no port can make.
struct Lit(Backend);

impl Lit {
    fn id(&self, u: Uuid) -> String {
        match self.0 {
            Backend::Sqlite => format!("X'{}'", u.simple()),
            Backend::Postgres => format!("'{u}'::uuid"),
        }
    }

    fn bytes(&self, b: &[u8]) -> String {
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        match self.0 {
            Backend::Sqlite => format!("X'{hex}'"),
            Backend::Postgres => format!("decode('{hex}', 'hex')"),
        }
    }
}

fn same(a: &StoreError, b: &StoreError) -> bool {
    match (a, b) {
        (StoreError::Duplicate { field: x }, StoreError::Duplicate { field: y })
        | (StoreError::UnknownReference { field: x }, StoreError::UnknownReference { field: y }) => x == y,
        _ => false,
    }
}

/// What each constraint's violation must be reported as, written out here apart from the
/// store's table: `(constraint, Duplicate or UnknownReference, field)`.
const EXPECTED: &[(&str, Outcome, &str)] = &[
    ("user_logins_pkey", Dup, "email"),
    ("idempotency_keys_pkey", Dup, "idempotency_key"),
    ("teams_name_unique", Dup, "name"),
    ("territories_name_unique", Dup, "name"),
    ("operators_email_hash_key", Dup, "email"),
    ("activities_reminder_unique", Dup, "reminder_key"),
    ("notifications_reminder_unique", Dup, "reminder_key"),
    ("segments_name", Dup, "name"),
    ("jobs_live_key", Dup, "key"),
    ("contacts_external_id", Dup, "external_id"),
    ("organizations_external_id", Dup, "external_id"),
    ("suppressions_value", Dup, "value"),
    ("email_templates_name", Dup, "name"),
    ("email_messages_message_id", Dup, "message_id"),
    ("email_messages_campaign_contact", Dup, "contact_id"),
    ("event_counters_tenant_id_fkey", Ref, "tenant_id"),
    ("users_tenant_id_fkey", Ref, "tenant_id"),
    ("teams_tenant_id_fkey", Ref, "tenant_id"),
    ("organizations_tenant_id_fkey", Ref, "tenant_id"),
    ("contacts_tenant_id_fkey", Ref, "tenant_id"),
    ("pipelines_tenant_id_fkey", Ref, "tenant_id"),
    ("opportunities_tenant_id_fkey", Ref, "tenant_id"),
    ("events_tenant_id_fkey", Ref, "tenant_id"),
    ("tokens_tenant_id_fkey", Ref, "tenant_id"),
    ("idempotency_keys_tenant_id_fkey", Ref, "tenant_id"),
    ("activities_tenant_id_fkey", Ref, "tenant_id"),
    ("reminder_rules_tenant_id_fkey", Ref, "tenant_id"),
    ("notifications_tenant_id_fkey", Ref, "tenant_id"),
    ("unmatched_calls_tenant_id_fkey", Ref, "tenant_id"),
    ("segments_tenant_id_fkey", Ref, "tenant_id"),
    ("duplicate_groups_tenant_id_fkey", Ref, "tenant_id"),
    ("consumer_cursors_tenant_id_fkey", Ref, "tenant_id"),
    ("parked_events_tenant_id_fkey", Ref, "tenant_id"),
    ("jobs_tenant_id_fkey", Ref, "tenant_id"),
    ("files_tenant_id_fkey", Ref, "tenant_id"),
    ("person_keys_tenant_id_fkey", Ref, "tenant_id"),
    ("suppressions_tenant_id_fkey", Ref, "tenant_id"),
    ("email_templates_tenant_id_fkey", Ref, "tenant_id"),
    ("email_messages_tenant_id_fkey", Ref, "tenant_id"),
    ("inbound_secrets_tenant_id_fkey", Ref, "tenant_id"),
    ("campaigns_tenant_id_fkey", Ref, "tenant_id"),
    ("mail_relays_tenant_id_fkey", Ref, "tenant_id"),
    ("forecast_submissions_tenant_id_fkey", Ref, "tenant_id"),
    ("webhooks_tenant_id_fkey", Ref, "tenant_id"),
    ("webhook_deliveries_tenant_id_fkey", Ref, "tenant_id"),
    ("webhook_attempts_tenant_id_fkey", Ref, "tenant_id"),
    ("webhook_deliveries_webhook_fk", Ref, "webhook_id"),
    ("webhook_attempts_delivery_fk", Ref, "delivery_id"),
    ("automation_rules_tenant_id_fkey", Ref, "tenant_id"),
    ("automation_runs_tenant_id_fkey", Ref, "tenant_id"),
    ("automation_runs_rule_fk", Ref, "rule_id"),
    ("automation_runs_trigger", Dup, "trigger_key"),
    ("scoring_rules_tenant_id_fkey", Ref, "tenant_id"),
    ("scoring_models_tenant_id_fkey", Ref, "tenant_id"),
    ("contact_scores_contact_fk", Ref, "contact_id"),
    ("score_history_contact_fk", Ref, "contact_id"),
    ("users_team_fk", Ref, "team_id"),
    ("teams_manager_fk", Ref, "manager_id"),
    ("territories_team_fk", Ref, "team_id"),
    ("territories_tenant_id_fkey", Ref, "tenant_id"),
    ("privacy_requests_contact_fk", Ref, "contact_id"),
    ("privacy_requests_tenant_id_fkey", Ref, "tenant_id"),
    ("second_factors_tenant_id_fkey", Ref, "tenant_id"),
    ("second_factors_user_fk", Ref, "user_id"),
    ("contact_consents_contact_fk", Ref, "contact_id"),
    ("contact_consents_tenant_id_fkey", Ref, "tenant_id"),
    ("contacts_organization_fk", Ref, "organization_id"),
    ("contacts_owner_fk", Ref, "owner_id"),
    ("contact_tags_tenant_id_contact_id_fkey", Ref, "contact_id"),
    ("contact_lookups_tenant_id_contact_id_fkey", Ref, "contact_id"),
    ("stages_tenant_id_pipeline_id_fkey", Ref, "pipeline_id"),
    ("opportunities_pipeline_fk", Ref, "pipeline_id"),
    ("opportunities_stage_fk", Ref, "stage_id"),
    ("opportunities_owner_fk", Ref, "owner_id"),
    ("opportunities_organization_fk", Ref, "organization_id"),
    ("opportunity_contacts_tenant_id_opportunity_id_fkey", Ref, "opportunity_id"),
    ("opportunity_contacts_contact_fk", Ref, "contact_ids"),
    ("opportunity_stays_tenant_id_opportunity_id_fkey", Ref, "opportunity_id"),
    ("credentials_tenant_id_user_id_fkey", Ref, "user_id"),
    ("tokens_tenant_id_user_id_fkey", Ref, "user_id"),
    ("operator_tokens_operator_id_fkey", Ref, "operator_id"),
    ("activities_assignee_fk", Ref, "assignee_id"),
    ("activity_links_tenant_id_activity_id_fkey", Ref, "activity_id"),
    ("activity_attendees_tenant_id_activity_id_fkey", Ref, "activity_id"),
    ("activity_attendees_user_fk", Ref, "attendee_ids"),
    ("notifications_user_fk", Ref, "user_id"),
    ("segment_members_tenant_id_segment_id_fkey", Ref, "segment_id"),
    ("segment_members_tenant_id_contact_id_fkey", Ref, "contact_ids"),
    ("duplicate_group_members_tenant_id_group_id_fkey", Ref, "group_id"),
    ("duplicate_group_members_tenant_id_contact_id_fkey", Ref, "contacts"),
];

#[derive(Debug, Clone, Copy)]
enum Outcome {
    Dup,
    Ref,
}
use Outcome::{Dup, Ref};

/// The constraints a violation was made for, each reported as [`EXPECTED`] says and as
/// the store's table says.
#[derive(Default)]
struct Seen(BTreeSet<&'static str>);

impl Seen {
    #[track_caller]
    fn check<T: std::fmt::Debug>(&mut self, name: &'static str, r: Result<T, StoreError>) {
        let (_, outcome, field) = EXPECTED
            .iter()
            .find(|(n, _, _)| *n == name)
            .unwrap_or_else(|| panic!("{name} is not in EXPECTED"));
        let want = match outcome {
            Dup => StoreError::Duplicate { field },
            Ref => StoreError::UnknownReference { field },
        };
        let err = r.expect_err(name);
        assert!(same(&err, &want), "{name}: got {err:?}, want {want:?}");
        let table = by_name(name)
            .unwrap_or_else(|| panic!("{name} is not in the store's table"))
            .error();
        assert!(same(&table, &want), "{name}: the store's table says {table:?}, want {want:?}");
        assert!(self.0.insert(name), "{name} checked twice");
    }
}

async fn every_constraint_reports_its_field(h: &Harness) {
    let s = h.app.store();
    let lit = Lit(s.backend());
    let raw = |tenant: Option<TenantId>, sql: String| async move { s.execute_raw_sql_for_tests(tenant, &sql).await };
    let mut seen = Seen::default();

    // One of everything, through the services.
    let (t, admin) = h.tenant("Contraintes").await;
    let tid = t.id;
    let admin_id = admin.user_id().unwrap();
    let (sales, _) = h.user(&admin, Role::Sales, None).await;
    let team = h
        .app
        .create_team(
            &admin,
            &TeamInput {
                name: "Équipe Nord".into(),
                manager_id: admin_id,
                territory: None,
            },
        )
        .await
        .unwrap();
    let org = h
        .app
        .create_organization(
            &admin,
            &OrganizationInput {
                name: "Dupuis SA".into(),
                ..OrganizationInput::default()
            },
        )
        .await
        .unwrap();
    let contact = h
        .app
        .create_contact(&admin, &input("Hélène", "Lefèvre"), None, false)
        .await
        .unwrap();
    let pipeline = h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    let opp = h
        .app
        .create_opportunity(
            &admin,
            pipeline.id,
            None,
            &OpportunityInput {
                title: "Parc imprimantes".into(),
                value_minor: 12_500_00,
                organization_id: Some(org.id),
                ..OpportunityInput::default()
            },
            None,
        )
        .await
        .unwrap();
    let activity = h
        .app
        .create_activity(
            &admin,
            "task",
            &ActivityInput {
                subject: "Relancer".into(),
                links: vec![Link {
                    entity_type: EntityType::Contact,
                    entity_id: contact.id.as_uuid(),
                }],
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();
    let segment = h
        .app
        .create_segment(
            &admin,
            &SegmentInput {
                name: "Salon de Lyon".into(),
                rule: None,
            },
        )
        .await
        .unwrap();
    let rule = h.app.create_reminder_rule(&admin, RuleKind::TaskDue, true).await.unwrap();
    let ev = |entity_type, id| event(tid, entity_type, id);

    // Unique values, through the ports.
    let mut twin = sales.clone();
    twin.id = UserId::from_uuid(new());
    seen.check(
        "user_logins_pkey",
        s.create_user(&twin, None, &ev(EntityType::User, twin.id.as_uuid())).await,
    );
    let mut t2 = team.clone();
    t2.id = TeamId::from_uuid(new());
    seen.check(
        "teams_name_unique",
        s.create_team(&t2, &ev(EntityType::Team, t2.id.as_uuid())).await,
    );
    let op_email = EmailAddress::parse(&email("operateur")).unwrap();
    s.create_operator(new(), &op_email, "hash", now()).await.unwrap();
    seen.check("operators_email_hash_key", s.create_operator(new(), &op_email, "hash", now()).await);
    let mut r1 = activity.clone();
    r1.id = ActivityId::from_uuid(new());
    r1.system = true;
    r1.reminder_key = Some(format!("task_due:{}", new()));
    s.create_activity(&r1, &ev(EntityType::Activity, r1.id.as_uuid())).await.unwrap();
    let mut r2 = r1.clone();
    r2.id = ActivityId::from_uuid(new());
    seen.check(
        "activities_reminder_unique",
        s.create_activity(&r2, &ev(EntityType::Activity, r2.id.as_uuid())).await,
    );
    s.create_notification(tid, &notification(admin_id, "once")).await.unwrap();
    seen.check(
        "notifications_reminder_unique",
        s.create_notification(tid, &notification(admin_id, "once")).await,
    );
    let mut s2 = segment.clone();
    s2.id = SegmentId::from_uuid(new());
    seen.check(
        "segments_name",
        s.create_segment(&s2, &ev(EntityType::Segment, s2.id.as_uuid())).await,
    );

    // Unique values the ports step around (a live job's key is skipped in SQL, a taken
    // idempotency key is read before it is written): raw, through the store's connection.
    let queued = job(tid, Some("refresh"));
    assert!(s.enqueue_job(&queued, now()).await.unwrap());
    seen.check(
        "jobs_live_key",
        raw(
            Some(tid),
            format!(
                "INSERT INTO jobs (id, tenant_id, kind, payload, key, state, step, progress, attempts, due_at, created_at, updated_at) \
                 VALUES ({}, {}, '{}', '{{}}', 'refresh', 'queued', 0, 'null', 0, 0, 0, 0)",
                lit.id(new()),
                lit.id(tid.as_uuid()),
                queued.kind
            ),
        )
        .await,
    );
    // A value already on the suppression list: the store names the channel; raw here.
    let listed = |id: Uuid| {
        format!(
            "INSERT INTO suppressions (tenant_id, id, channel, hash, reason, created_at) VALUES ({}, {}, 'email', {}, 'manual', 0)",
            lit.id(tid.as_uuid()),
            lit.id(id),
            lit.bytes(&[9; 32])
        )
    };
    raw(Some(tid), listed(new())).await.unwrap();
    seen.check("suppressions_value", raw(Some(tid), listed(new())).await);
    // A template's name, whatever its case.
    let tpl = |tenant: TenantId, name: &str| crm_domain::template::EmailTemplate {
        id: crm_domain::TemplateId::from_uuid(new()),
        tenant_id: tenant,
        name: name.into(),
        variants: vec![],
        created_by: None,
        version: 1,
        created_at: now(),
        updated_at: now(),
    };
    let first = tpl(tid, "Relance");
    s.create_template(&first, &ev(EntityType::Template, first.id.as_uuid()))
        .await
        .unwrap();
    let second = tpl(tid, "RELANCE");
    seen.check(
        "email_templates_name",
        s.create_template(&second, &ev(EntityType::Template, second.id.as_uuid())).await,
    );
    // A Message-ID is made from the message's id by the use case: raw.
    let message = |tenant: TenantId, id: Uuid| {
        format!(
            "INSERT INTO email_messages (tenant_id, id, message_id, contact_id, content, state, attempts, resends, queued_at, updated_at) \
             VALUES ({}, {}, 'same@crm.test', {}, {}, 'queued', 0, 0, 0, 0)",
            lit.id(tenant.as_uuid()),
            lit.id(id),
            lit.id(new()),
            lit.bytes(&[1; 8])
        )
    };
    raw(Some(tid), message(tid, new())).await.unwrap();
    seen.check("email_messages_message_id", raw(Some(tid), message(tid, new())).await);
    // One message a contact in a campaign: the use case looks first, the index holds.
    let (campaign_ref, member) = (new(), new());
    let in_campaign = |id: Uuid| {
        format!(
            "INSERT INTO email_messages (tenant_id, id, message_id, contact_id, content, state, attempts, resends, queued_at, updated_at, campaign_id) \
             VALUES ({}, {}, '{}@crm.test', {}, {}, 'queued', 0, 0, 0, 0, {})",
            lit.id(tid.as_uuid()),
            lit.id(id),
            id,
            lit.id(member),
            lit.bytes(&[1; 8]),
            lit.id(campaign_ref)
        )
    };
    raw(Some(tid), in_campaign(new())).await.unwrap();
    seen.check("email_messages_campaign_contact", raw(Some(tid), in_campaign(new())).await);
    // Automation: a rule, and two runs of it for the same trigger.
    let auto_rule = |tenant: TenantId, id: Uuid| {
        format!(
            "INSERT INTO automation_rules (tenant_id, id, name, active, trigger_spec, actions, version, created_at, updated_at) \
             VALUES ({}, {}, 'R', TRUE, '{{}}', '[]', 1, 0, 0)",
            lit.id(tenant.as_uuid()),
            lit.id(id)
        )
    };
    let auto_run = |tenant: TenantId, rule: Uuid| {
        format!(
            "INSERT INTO automation_runs (tenant_id, id, rule_id, trigger_key, entity_type, entity_id, depth, state, steps, next_step, created_at, updated_at) \
             VALUES ({}, {}, {}, 'event:1', 'contact', {}, 1, 'skipped', '[]', 0, 0, 0)",
            lit.id(tenant.as_uuid()),
            lit.id(new()),
            lit.id(rule),
            lit.id(new())
        )
    };
    let nobody = TenantId::from_uuid(new());
    seen.check("automation_rules_tenant_id_fkey", raw(Some(nobody), auto_rule(nobody, new())).await);
    seen.check("automation_runs_tenant_id_fkey", raw(Some(nobody), auto_run(nobody, new())).await);
    seen.check("automation_runs_rule_fk", raw(Some(tid), auto_run(tid, new())).await);
    let rule_id = new();
    raw(Some(tid), auto_rule(tid, rule_id)).await.unwrap();
    raw(Some(tid), auto_run(tid, rule_id)).await.unwrap();
    seen.check("automation_runs_trigger", raw(Some(tid), auto_run(tid, rule_id)).await);
    assert_eq!(
        s.begin_idempotent(tid, admin_id, "clé-1", &[7; 32], now(), now() - Duration::days(1))
            .await
            .unwrap(),
        IdempotencyBegin::Started
    );
    seen.check(
        "idempotency_keys_pkey",
        raw(
            Some(tid),
            format!(
                "INSERT INTO idempotency_keys (tenant_id, user_id, key, request_hash, status, response, created_at) \
                 VALUES ({}, {}, 'clé-1', {}, 0, '', 0)",
                lit.id(tid.as_uuid()),
                lit.id(admin_id.as_uuid()),
                lit.bytes(&[7; 32])
            ),
        )
        .await,
    );

    // Writes for a tenant that does not exist: the tenant is the first reference checked.
    let ghost = TenantId::from_uuid(new());
    let gev = |entity_type, id| event(ghost, entity_type, id);
    let mut u = sales.clone();
    u.id = UserId::from_uuid(new());
    u.tenant_id = ghost;
    u.email = EmailAddress::parse(&email("fantome")).unwrap();
    seen.check(
        "users_tenant_id_fkey",
        s.create_user(&u, None, &gev(EntityType::User, u.id.as_uuid())).await,
    );
    let mut tm = team.clone();
    tm.id = TeamId::from_uuid(new());
    tm.tenant_id = ghost;
    seen.check(
        "teams_tenant_id_fkey",
        s.create_team(&tm, &gev(EntityType::Team, tm.id.as_uuid())).await,
    );
    let mut o = org.clone();
    o.id = OrganizationId::from_uuid(new());
    o.tenant_id = ghost;
    seen.check(
        "organizations_tenant_id_fkey",
        s.create_organization(&o, &gev(EntityType::Organization, o.id.as_uuid())).await,
    );
    let mut c = contact.clone();
    c.id = ContactId::from_uuid(new());
    c.tenant_id = ghost;
    seen.check(
        "contacts_tenant_id_fkey",
        s.create_contact(&c, &gev(EntityType::Contact, c.id.as_uuid())).await,
    );
    let mut p = pipeline.clone();
    p.id = PipelineId::from_uuid(new());
    p.tenant_id = ghost;
    seen.check(
        "pipelines_tenant_id_fkey",
        s.create_pipeline(&p, &gev(EntityType::Pipeline, p.id.as_uuid())).await,
    );
    let mut op = opp.clone();
    op.id = OpportunityId::from_uuid(new());
    op.tenant_id = ghost;
    seen.check(
        "opportunities_tenant_id_fkey",
        s.create_opportunity(&op, &gev(EntityType::Opportunity, op.id.as_uuid())).await,
    );
    seen.check(
        "tokens_tenant_id_fkey",
        s.insert_token(
            &token(Principal::User {
                tenant_id: ghost,
                user_id: admin_id,
            }),
            &secret(),
        )
        .await,
    );
    seen.check(
        "idempotency_keys_tenant_id_fkey",
        s.begin_idempotent(ghost, admin_id, "clé-2", &[1; 32], now(), now() - Duration::days(1))
            .await,
    );
    let mut a = activity.clone();
    a.id = ActivityId::from_uuid(new());
    a.tenant_id = ghost;
    seen.check(
        "activities_tenant_id_fkey",
        s.create_activity(&a, &gev(EntityType::Activity, a.id.as_uuid())).await,
    );
    let mut r = rule.clone();
    r.id = new();
    seen.check(
        "reminder_rules_tenant_id_fkey",
        s.create_rule(ghost, &r, &gev(EntityType::Tenant, r.id)).await,
    );
    seen.check(
        "notifications_tenant_id_fkey",
        s.create_notification(ghost, &notification(admin_id, "ghost")).await,
    );
    let call = UnmatchedCall {
        id: new(),
        caller: "+33612345678".into(),
        callee: "+33142685300".into(),
        started_at: now(),
        duration_seconds: 42,
        direction: "inbound".into(),
        recording_url: None,
        created_at: now(),
    };
    seen.check(
        "unmatched_calls_tenant_id_fkey",
        s.add_unmatched_call(ghost, &call, &gev(EntityType::Contact, call.id)).await,
    );
    let mut sg = segment.clone();
    sg.id = SegmentId::from_uuid(new());
    sg.tenant_id = ghost;
    seen.check(
        "segments_tenant_id_fkey",
        s.create_segment(&sg, &gev(EntityType::Segment, sg.id.as_uuid())).await,
    );
    let group = FoundGroup {
        members: vec![contact.id.as_uuid()],
        reasons: vec![MatchReason::SameEmail],
    };
    seen.check(
        "duplicate_groups_tenant_id_fkey",
        s.replace_duplicate_groups(ghost, &[(new(), group)], now(), &gev(EntityType::Contact, new()))
            .await,
    );
    seen.check(
        "consumer_cursors_tenant_id_fkey",
        s.consumer_commit(ghost, "test", Advance::To { from: 0, to: 1 }, &[], now()).await,
    );
    seen.check(
        "parked_events_tenant_id_fkey",
        s.park_event(ghost, "test", 1, "boom", 1, now()).await,
    );
    seen.check("jobs_tenant_id_fkey", s.enqueue_job(&job(ghost, None), now()).await);
    let file = FileRecord {
        id: new(),
        tenant_id: ghost,
        name: "export.csv".into(),
        content_type: "text/csv".into(),
        size: 3,
        sha256: "0".repeat(64),
        created_by: None,
        created_at: now(),
    };
    seen.check("files_tenant_id_fkey", s.create_file(&file, &gev(EntityType::File, file.id)).await);
    let entry = crm_domain::suppression::Suppression {
        id: new(),
        tenant_id: ghost,
        channel: crm_domain::suppression::Channel::Email,
        reason: crm_domain::suppression::SuppressionReason::Manual,
        note: None,
        fingerprint: String::new(),
        created_by: None,
        created_at: now(),
    };
    seen.check(
        "suppressions_tenant_id_fkey",
        crm_ports::store::SuppressionStore::add_suppression(s, &entry, "x@y.fr", &gev(EntityType::Suppression, entry.id)).await,
    );
    let ghost_template = tpl(ghost, "Fantôme");
    seen.check(
        "email_templates_tenant_id_fkey",
        s.create_template(&ghost_template, &gev(EntityType::Template, ghost_template.id.as_uuid()))
            .await,
    );
    seen.check("email_messages_tenant_id_fkey", raw(Some(ghost), message(ghost, new())).await);
    let ghost_campaign = crm_domain::campaign::Campaign {
        id: crm_domain::CampaignId::from_uuid(new()),
        tenant_id: ghost,
        name: "Fantôme".into(),
        segment_id: crm_domain::SegmentId::from_uuid(new()),
        template_id: crm_domain::TemplateId::from_uuid(new()),
        language: None,
        status: crm_domain::campaign::CampaignStatus::Draft,
        scheduled_at: None,
        created_by: None,
        started_at: None,
        filled_at: None,
        finished_at: None,
        skipped: 0,
        version: 1,
        created_at: now(),
        updated_at: now(),
    };
    seen.check(
        "campaigns_tenant_id_fkey",
        crm_ports::store::CampaignStore::create_campaign(s, &ghost_campaign, &gev(EntityType::Campaign, ghost_campaign.id.as_uuid())).await,
    );
    let relay = crm_ports::store::MailRelay {
        url: "smtp://relais:25".into(),
        from: None,
        updated_by: None,
        updated_at: now(),
    };
    let submission = crm_domain::report::submission::Submission {
        id: crm_domain::SubmissionId::from_uuid(new()),
        tenant_id: ghost,
        team_id: crm_domain::TeamId::from_uuid(new()),
        period: crm_domain::report::ReportPeriod::containing(now().date_naive(), crm_domain::report::PeriodKind::Month),
        submitted_by: crm_domain::UserId::from_uuid(new()),
        submitted_at: now(),
        comment: None,
        lines: Vec::new(),
    };
    seen.check(
        "forecast_submissions_tenant_id_fkey",
        crm_ports::store::ForecastStore::submit_forecast(s, &submission, &gev(EntityType::Team, submission.team_id.as_uuid())).await,
    );
    seen.check(
        "mail_relays_tenant_id_fkey",
        crm_ports::store::MailRelayStore::set_mail_relay(s, ghost, Some(&relay), &gev(EntityType::Tenant, ghost.as_uuid())).await,
    );
    seen.check(
        "inbound_secrets_tenant_id_fkey",
        s.set_inbound_secret(ghost, &[7; 32], None, now(), &gev(EntityType::Tenant, ghost.as_uuid()))
            .await,
    );
    // The event counter and the log are written by every port after the record itself,
    // and only for a tenant whose counter exists: raw.
    seen.check(
        "event_counters_tenant_id_fkey",
        raw(
            Some(ghost),
            format!(
                "INSERT INTO event_counters (tenant_id, last_seq) VALUES ({}, 0)",
                lit.id(ghost.as_uuid())
            ),
        )
        .await,
    );
    let hook = crm_domain::webhook::Webhook {
        id: new(),
        tenant_id: ghost,
        spec: crm_domain::webhook::WebhookInput {
            url: "https://exemple.fr/h".into(),
            events: vec!["*".into()],
            active: true,
            ..crm_domain::webhook::WebhookInput::default()
        }
        .validate()
        .unwrap(),
        created_by: None,
        version: 1,
        created_at: now(),
        updated_at: now(),
    };
    seen.check(
        "webhooks_tenant_id_fkey",
        crm_ports::store::WebhookStore::create_webhook(s, &hook, "whsec_x", &gev(EntityType::Webhook, hook.id)).await,
    );
    let scoring_rule = crm_domain::scoring::ScoringRule {
        id: new(),
        tenant_id: ghost,
        spec: crm_domain::scoring::ScoringRuleInput {
            name: "Ouvreur".into(),
            signal: crm_domain::scoring::Signal::Engagement {
                engagement: crm_domain::scoring::Engagement::EmailOpened,
            },
            points: 5,
            half_life_days: Some(30),
            active: true,
        }
        .validate()
        .unwrap(),
        updated_by: None,
        version: 1,
        created_at: now(),
        updated_at: now(),
    };
    seen.check(
        "scoring_rules_tenant_id_fkey",
        crm_ports::store::ScoringStore::create_scoring_rule(s, &scoring_rule, &gev(EntityType::ScoringRule, scoring_rule.id)).await,
    );
    seen.check(
        "scoring_models_tenant_id_fkey",
        crm_ports::store::ScoringStore::save_scoring_model(
            s,
            ghost,
            now(),
            &crm_domain::scoring::learned::Training::TooFew { examples: 0, won: 0 },
        )
        .await,
    );
    // The delivery log is written by the store itself with each attempt: raw.
    seen.check(
        "webhook_deliveries_tenant_id_fkey",
        raw(
            Some(ghost),
            format!(
                "INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, event_seq, event_type, state, attempts, created_at) \
                 VALUES ({}, {}, {}, 1, 'contact.created', 'pending', 0, 0)",
                lit.id(ghost.as_uuid()),
                lit.id(new()),
                lit.id(new())
            ),
        )
        .await,
    );
    seen.check(
        "webhook_attempts_tenant_id_fkey",
        raw(
            Some(ghost),
            format!(
                "INSERT INTO webhook_attempts (tenant_id, delivery_id, number, at, millis) VALUES ({}, {}, 1, 0, 0)",
                lit.id(ghost.as_uuid()),
                lit.id(new())
            ),
        )
        .await,
    );
    // A person's key is written by the store itself with the person's first event: raw.
    seen.check(
        "person_keys_tenant_id_fkey",
        raw(
            Some(ghost),
            format!(
                "INSERT INTO person_keys (tenant_id, person_id, wrapped, created_at) VALUES ({}, {}, NULL, 0)",
                lit.id(ghost.as_uuid()),
                lit.id(new())
            ),
        )
        .await,
    );
    seen.check(
        "events_tenant_id_fkey",
        raw(
            Some(ghost),
            format!(
                "INSERT INTO events (tenant_id, seq, at, actor_kind, entity_type, entity_id, kind, changes) \
                 VALUES ({}, 1, 0, 'system', 'contact', {}, 'created', '[]')",
                lit.id(ghost.as_uuid()),
                lit.id(new())
            ),
        )
        .await,
    );

    // References between records of the tenant, through the ports.
    let mut u = sales.clone();
    u.id = UserId::from_uuid(new());
    u.email = EmailAddress::parse(&email("sans.equipe")).unwrap();
    u.team_id = Some(TeamId::from_uuid(new()));
    seen.check(
        "users_team_fk",
        s.create_user(&u, None, &ev(EntityType::User, u.id.as_uuid())).await,
    );
    let mut tm = team.clone();
    tm.id = TeamId::from_uuid(new());
    tm.name = Name::parse("Équipe Sud").unwrap();
    tm.manager_id = UserId::from_uuid(new());
    seen.check("teams_manager_fk", s.create_team(&tm, &ev(EntityType::Team, tm.id.as_uuid())).await);
    // Territories: a name taken (accents and case ignored), a team of no one, a company of
    // no one.
    let territory = h
        .app
        .create_territory(
            &admin,
            &crm_domain::territory::TerritoryInput {
                name: "Sud-Ouest".into(),
                team_id: Some(team.id),
                areas: vec!["33".into()],
                industries: Vec::new(),
            },
        )
        .await
        .unwrap();
    let mut twin_territory = territory.clone();
    twin_territory.id = crm_domain::TerritoryId::from_uuid(new());
    twin_territory.name = Name::parse("SUD-OUEST").unwrap();
    seen.check(
        "territories_name_unique",
        s.create_territory(&twin_territory, &ev(EntityType::Territory, twin_territory.id.as_uuid()))
            .await,
    );
    let mut teamless = territory.clone();
    teamless.id = crm_domain::TerritoryId::from_uuid(new());
    teamless.name = Name::parse("Nord").unwrap();
    teamless.team_id = TeamId::from_uuid(new());
    seen.check(
        "territories_team_fk",
        s.create_territory(&teamless, &ev(EntityType::Territory, teamless.id.as_uuid()))
            .await,
    );
    let nobody_tenant = TenantId::from_uuid(new());
    seen.check(
        "territories_tenant_id_fkey",
        raw(
            Some(nobody_tenant),
            format!(
                "INSERT INTO territories (tenant_id, id, name, name_fold, team_id, areas, industries, version, created_at, updated_at) \
                 VALUES ({}, {}, 'T', 't', {}, '[]', '[]', 1, 0, 0)",
                lit.id(nobody_tenant.as_uuid()),
                lit.id(new()),
                lit.id(new())
            ),
        )
        .await,
    );
    // Rights requests: about a contact of no one, in a company of no one.
    let nobody = crm_domain::privacy::PrivacyRequest {
        id: crm_domain::PrivacyRequestId::from_uuid(new()),
        tenant_id: contact.tenant_id,
        contact_id: ContactId::from_uuid(new()),
        kind: crm_domain::privacy::RequestKind::Access,
        received_at: chrono::Utc::now(),
        due_at: chrono::Utc::now(),
        note: None,
        status: crm_domain::privacy::RequestStatus::Open,
        answer: None,
        logged_by: None,
        answered_by: None,
        answered_at: None,
        version: 1,
    };
    seen.check(
        "privacy_requests_contact_fk",
        s.create_privacy_request(&nobody, &ev(EntityType::PrivacyRequest, nobody.id.as_uuid()))
            .await,
    );
    seen.check(
        "privacy_requests_tenant_id_fkey",
        raw(
            Some(nobody_tenant),
            format!(
                "INSERT INTO privacy_requests (tenant_id, id, contact_id, kind, received_at, due_at, status, version) \
                 VALUES ({}, {}, {}, 'access', 0, 0, 'open', 1)",
                lit.id(nobody_tenant.as_uuid()),
                lit.id(new()),
                lit.id(new())
            ),
        )
        .await,
    );
    // Second factors: of a user of no one, in a company of no one.
    seen.check(
        "second_factors_user_fk",
        s.begin_second_factor(contact.tenant_id, UserId::from_uuid(new()), &[7u8; 20], chrono::Utc::now())
            .await,
    );
    seen.check(
        "second_factors_tenant_id_fkey",
        raw(
            Some(nobody_tenant),
            format!(
                "INSERT INTO second_factors (tenant_id, user_id, secret_ct, last_step, recovery, created_at) \
                 VALUES ({}, {}, {}, 0, {}, 0)",
                lit.id(nobody_tenant.as_uuid()),
                lit.id(new()),
                lit.bytes(&[7u8; 20]),
                lit.bytes(&[])
            ),
        )
        .await,
    );
    // Consents: of a contact of no one, in a company of no one.
    let nobody_consent = crm_domain::consent::ConsentRecord {
        id: new(),
        tenant_id: contact.tenant_id,
        contact_id: ContactId::from_uuid(new()),
        medium: crm_domain::consent::Medium::Email,
        state: crm_domain::consent::ConsentState::Withdrawn,
        source: crm_domain::text::Label::parse("Salon").unwrap(),
        proof: None,
        given_at: chrono::Utc::now(),
        recorded_by: None,
        recorded_at: chrono::Utc::now(),
    };
    seen.check(
        "contact_consents_contact_fk",
        s.record_consents(std::slice::from_ref(&nobody_consent), None, &[]).await,
    );
    seen.check(
        "contact_consents_tenant_id_fkey",
        raw(
            Some(nobody_tenant),
            format!(
                "INSERT INTO contact_consents (tenant_id, id, contact_id, medium, state, source, given_at, recorded_at) \
                 VALUES ({}, {}, {}, 'email', 'withdrawn', 'Salon', 0, 0)",
                lit.id(nobody_tenant.as_uuid()),
                lit.id(new()),
                lit.id(new())
            ),
        )
        .await,
    );
    let mut c = contact.clone();
    c.id = ContactId::from_uuid(new());
    c.fields.organization_id = Some(OrganizationId::from_uuid(new()));
    seen.check(
        "contacts_organization_fk",
        s.create_contact(&c, &ev(EntityType::Contact, c.id.as_uuid())).await,
    );
    let mut c = contact.clone();
    c.id = ContactId::from_uuid(new());
    c.owner_id = UserId::from_uuid(new());
    seen.check(
        "contacts_owner_fk",
        s.create_contact(&c, &ev(EntityType::Contact, c.id.as_uuid())).await,
    );
    let mut c = contact.clone();
    c.id = ContactId::from_uuid(new());
    c.fields.external_id = Some(crm_domain::text::ExternalId::parse("ERP-1").unwrap());
    s.create_contact(&c, &ev(EntityType::Contact, c.id.as_uuid())).await.unwrap();
    c.id = ContactId::from_uuid(new());
    seen.check(
        "contacts_external_id",
        s.create_contact(&c, &ev(EntityType::Contact, c.id.as_uuid())).await,
    );
    let mut o = org.clone();
    o.id = OrganizationId::from_uuid(new());
    o.external_id = Some(crm_domain::text::ExternalId::parse("ERP-ORG-1").unwrap());
    s.create_organization(&o, &ev(EntityType::Organization, o.id.as_uuid()))
        .await
        .unwrap();
    o.id = OrganizationId::from_uuid(new());
    seen.check(
        "organizations_external_id",
        s.create_organization(&o, &ev(EntityType::Organization, o.id.as_uuid())).await,
    );
    let opp_with = |change: &dyn Fn(&mut crm_domain::opportunity::Opportunity)| {
        let mut o = opp.clone();
        o.id = OpportunityId::from_uuid(new());
        change(&mut o);
        o
    };
    let o = opp_with(&|o| o.pipeline_id = PipelineId::from_uuid(new()));
    seen.check(
        "opportunities_pipeline_fk",
        s.create_opportunity(&o, &ev(EntityType::Opportunity, o.id.as_uuid())).await,
    );
    let o = opp_with(&|o| o.stage_id = StageId::from_uuid(new()));
    seen.check(
        "opportunities_stage_fk",
        s.create_opportunity(&o, &ev(EntityType::Opportunity, o.id.as_uuid())).await,
    );
    let o = opp_with(&|o| o.owner_id = UserId::from_uuid(new()));
    seen.check(
        "opportunities_owner_fk",
        s.create_opportunity(&o, &ev(EntityType::Opportunity, o.id.as_uuid())).await,
    );
    let o = opp_with(&|o| o.fields.organization_id = Some(OrganizationId::from_uuid(new())));
    seen.check(
        "opportunities_organization_fk",
        s.create_opportunity(&o, &ev(EntityType::Opportunity, o.id.as_uuid())).await,
    );
    let o = opp_with(&|o| o.fields.contact_ids = vec![contact.id, ContactId::from_uuid(new())]);
    seen.check(
        "opportunity_contacts_contact_fk",
        s.create_opportunity(&o, &ev(EntityType::Opportunity, o.id.as_uuid())).await,
    );
    let nobody = UserId::from_uuid(new());
    seen.check(
        "credentials_tenant_id_user_id_fkey",
        s.set_password(tid, nobody, "hash", now(), &ev(EntityType::User, nobody.as_uuid()))
            .await,
    );
    seen.check(
        "tokens_tenant_id_user_id_fkey",
        s.insert_token(
            &token(Principal::User {
                tenant_id: tid,
                user_id: nobody,
            }),
            &secret(),
        )
        .await,
    );
    seen.check(
        "operator_tokens_operator_id_fkey",
        s.insert_token(&token(Principal::Operator { operator_id: new() }), &secret()).await,
    );
    let mut a = activity.clone();
    a.id = ActivityId::from_uuid(new());
    a.fields.assignee_id = nobody;
    seen.check(
        "activities_assignee_fk",
        s.create_activity(&a, &ev(EntityType::Activity, a.id.as_uuid())).await,
    );
    let mut a = activity.clone();
    a.id = ActivityId::from_uuid(new());
    a.fields.attendees = vec![admin_id, nobody];
    seen.check(
        "activity_attendees_user_fk",
        s.create_activity(&a, &ev(EntityType::Activity, a.id.as_uuid())).await,
    );
    seen.check(
        "notifications_user_fk",
        s.create_notification(tid, &notification(nobody, "personne")).await,
    );
    seen.check(
        "segment_members_tenant_id_segment_id_fkey",
        s.add_members(
            tid,
            SegmentId::from_uuid(new()),
            &[contact.id],
            now(),
            &ev(EntityType::Segment, new()),
        )
        .await,
    );
    seen.check(
        "segment_members_tenant_id_contact_id_fkey",
        s.add_members(
            tid,
            segment.id,
            &[contact.id, ContactId::from_uuid(new())],
            now(),
            &ev(EntityType::Segment, segment.id.as_uuid()),
        )
        .await,
    );
    let mut members = vec![contact.id.as_uuid(), new()];
    members.sort();
    let group = FoundGroup {
        members,
        reasons: vec![MatchReason::SimilarName],
    };
    seen.check(
        "duplicate_group_members_tenant_id_contact_id_fkey",
        s.replace_duplicate_groups(tid, &[(new(), group)], now(), &ev(EntityType::Contact, new()))
            .await,
    );

    // The rows of an aggregate's own tables are written with it, after it: no port can
    // name a missing parent, so raw.
    let (t_, c_) = (lit.id(tid.as_uuid()), lit.id(contact.id.as_uuid()));
    for (name, sql) in [
        (
            "contact_tags_tenant_id_contact_id_fkey",
            format!(
                "INSERT INTO contact_tags (tenant_id, contact_id, tag) VALUES ({t_}, {}, 'vip')",
                lit.id(new())
            ),
        ),
        (
            "contact_lookups_tenant_id_contact_id_fkey",
            format!(
                "INSERT INTO contact_lookups (tenant_id, field, hash, contact_id) VALUES ({t_}, 'email', {}, {})",
                lit.bytes(&secret()),
                lit.id(new())
            ),
        ),
        (
            "stages_tenant_id_pipeline_id_fkey",
            format!(
                "INSERT INTO stages (tenant_id, id, pipeline_id, position, name, probability) VALUES ({t_}, {}, {}, 0, 'Qualification', 10)",
                lit.id(new()),
                lit.id(new())
            ),
        ),
        (
            "opportunity_contacts_tenant_id_opportunity_id_fkey",
            format!(
                "INSERT INTO opportunity_contacts (tenant_id, opportunity_id, contact_id, position) VALUES ({t_}, {}, {c_}, 0)",
                lit.id(new())
            ),
        ),
        (
            "opportunity_stays_tenant_id_opportunity_id_fkey",
            format!(
                "INSERT INTO opportunity_stays (tenant_id, opportunity_id, seq, pipeline_id, stage_id, entered_at, first_entry, furthest, owner_id, created_at, won, live) \
                 VALUES ({t_}, {}, 0, {}, {}, 0, 1, 1, {}, 0, 0, 1)",
                lit.id(new()),
                lit.id(new()),
                lit.id(new()),
                lit.id(new())
            ),
        ),
        (
            "activity_links_tenant_id_activity_id_fkey",
            format!(
                "INSERT INTO activity_links (tenant_id, activity_id, entity_type, entity_id) VALUES ({t_}, {}, 'contact', {c_})",
                lit.id(new())
            ),
        ),
        (
            "activity_attendees_tenant_id_activity_id_fkey",
            format!(
                "INSERT INTO activity_attendees (tenant_id, activity_id, user_id) VALUES ({t_}, {}, {})",
                lit.id(new()),
                lit.id(admin_id.as_uuid())
            ),
        ),
        (
            "contact_scores_contact_fk",
            format!(
                "INSERT INTO contact_scores (tenant_id, contact_id, score, breakdown, computed_at) VALUES ({t_}, {}, 1, '{{}}', 0)",
                lit.id(new())
            ),
        ),
        (
            "score_history_contact_fk",
            format!(
                "INSERT INTO score_history (tenant_id, contact_id, at, score) VALUES ({t_}, {}, 0, 1)",
                lit.id(new())
            ),
        ),
        (
            "webhook_deliveries_webhook_fk",
            format!(
                "INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, event_seq, event_type, state, attempts, created_at) \
                 VALUES ({t_}, {}, {}, 1, 'contact.created', 'pending', 0, 0)",
                lit.id(new()),
                lit.id(new())
            ),
        ),
        (
            "webhook_attempts_delivery_fk",
            format!(
                "INSERT INTO webhook_attempts (tenant_id, delivery_id, number, at, millis) VALUES ({t_}, {}, 1, 0, 0)",
                lit.id(new())
            ),
        ),
        (
            "duplicate_group_members_tenant_id_group_id_fkey",
            format!(
                "INSERT INTO duplicate_group_members (tenant_id, group_id, contact_id) VALUES ({t_}, {}, {c_})",
                lit.id(new())
            ),
        ),
    ] {
        seen.check(name, raw(Some(tid), sql).await);
    }

    let missing: Vec<&str> = CONSTRAINTS
        .iter()
        .map(|c| c.name)
        .chain(EXPECTED.iter().map(|e| e.0))
        .filter(|n| !seen.0.contains(n))
        .collect();
    assert!(missing.is_empty(), "no violation made for {missing:?}");
}

/// The same violations through the services: the field reaches the caller.
async fn services_report_the_field(h: &Harness) {
    let (_, admin) = h.tenant("Champs").await;
    let admin_id = admin.user_id().unwrap();
    let team = TeamInput {
        name: "Équipe Est".into(),
        manager_id: admin_id,
        territory: None,
    };
    h.app.create_team(&admin, &team).await.unwrap();
    let err = h.app.create_team(&admin, &team).await.unwrap_err();
    let crm_ports::ServiceError::Invalid(v) = err else {
        panic!("{err:?}")
    };
    assert_eq!(v.errors()[0].field, "name");
    assert_eq!(v.errors()[0].kind, crm_domain::ViolationKind::Repeated);
}

/// A constraint the table does not know is a failure naming it, never a guessed field;
/// so is any other refusal of the database.
async fn unknown_constraints_are_failures(h: &Harness) {
    let s = h.app.store();
    let (t, _) = h.tenant("Inconnues").await;
    // A primary key no caller's value can hit (key ids are the store's own).
    let err = s
        .execute_raw_sql_for_tests(None, "INSERT INTO key_checks SELECT * FROM key_checks")
        .await
        .unwrap_err();
    let StoreError::Internal(m) = &err else {
        panic!("guessed: {err:?}")
    };
    let named = match s.backend() {
        Backend::Postgres => "key_checks_pkey",
        Backend::Sqlite => "key_checks.key_id",
    };
    assert!(m.contains(named), "{m}");
    // The append-only log (a trigger on SQLite, a privilege on PostgreSQL).
    let err = s
        .execute_raw_sql_for_tests(Some(t.id), "UPDATE events SET kind = 'updated'")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Internal(_)), "{err:?}");
}

/// The documented limit: deleting a row still referenced. PostgreSQL names the
/// referencing constraint (so its field); SQLite names nothing (`reference`).
async fn a_row_still_referenced_is_reported_as_documented(h: &Harness) {
    let s = h.app.store();
    let lit = Lit(s.backend());
    let (t, admin) = h.tenant("Étapes").await;
    let p = h.app.create_pipeline(&admin, "Ventes", &stages()).await.unwrap();
    let o = h
        .app
        .create_opportunity(
            &admin,
            p.id,
            None,
            &OpportunityInput {
                title: "Renouvellement".into(),
                value_minor: 1_000_00,
                ..OpportunityInput::default()
            },
            None,
        )
        .await
        .unwrap();
    let err = s
        .execute_raw_sql_for_tests(
            Some(t.id),
            &format!(
                "DELETE FROM stages WHERE tenant_id = {} AND id = {}",
                lit.id(t.id.as_uuid()),
                lit.id(o.stage_id.as_uuid())
            ),
        )
        .await
        .unwrap_err();
    let field = match s.backend() {
        Backend::Postgres => "stage_id",
        Backend::Sqlite => UNNAMED_REFERENCE,
    };
    assert!(same(&err, &StoreError::UnknownReference { field }), "{err:?}");
}

/// The schema's constraints as the database lists them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Found {
    /// Name (PostgreSQL) or `None` (SQLite names no constraint).
    name: Option<String>,
    table: String,
    columns: Vec<String>,
    /// Referenced table of a foreign key.
    references: Option<String>,
    primary: bool,
}

fn matches(c: &Constraint, f: &Found) -> bool {
    let kind = match (&c.kind, &f.references) {
        (Kind::ForeignKey { references }, Some(r)) => references == r,
        (Kind::PrimaryKey, None) => f.primary,
        (Kind::Unique, None) => !f.primary,
        _ => false,
    };
    kind && c.table == f.table
        && c.columns.iter().copied().eq(f.columns.iter().map(String::as_str))
        && f.name.as_deref().is_none_or(|n| n == c.name)
}

async fn postgres_constraints(admin_url: &str) -> Vec<Found> {
    let mut c = sqlx::PgConnection::connect(admin_url).await.unwrap();
    let rows = sqlx::query(
        "SELECT c.conname::text AS name, c.conrelid::regclass::text AS tbl, c.contype::text AS kind, \
                c.confrelid::regclass::text AS refs, \
                array(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, o) \
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o) AS cols \
         FROM pg_constraint c JOIN pg_namespace s ON s.oid = c.connamespace \
         WHERE s.nspname = 'public' AND c.contype IN ('u', 'f', 'p') \
         UNION ALL \
         SELECT x.relname::text, i.indrelid::regclass::text, 'i', NULL, \
                array(SELECT a.attname::text FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o) \
                      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o) \
         FROM pg_index i JOIN pg_class x ON x.oid = i.indexrelid JOIN pg_namespace s ON s.oid = x.relnamespace \
         WHERE s.nspname = 'public' AND i.indisunique AND NOT i.indisprimary \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('u', 'p'))",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    rows.iter()
        .map(|r| {
            let kind: String = r.get("kind");
            Found {
                name: Some(r.get("name")),
                table: r.get("tbl"),
                columns: r.get("cols"),
                references: (kind == "f").then(|| r.get("refs")),
                primary: kind == "p",
            }
        })
        .filter(|f| f.table != "_sqlx_migrations")
        .collect()
}

async fn sqlite_constraints(path: &std::path::Path) -> (Vec<Found>, Vec<(String, String)>) {
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let mut found = Vec::new();
    for t in &tables {
        let indexes = sqlx::query("SELECT name, \"unique\" AS uniq, origin FROM pragma_index_list(?)")
            .bind(t)
            .fetch_all(&mut c)
            .await
            .unwrap();
        for i in indexes {
            if i.get::<i64, _>("uniq") != 1 {
                continue;
            }
            let index: String = i.get("name");
            let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_index_info(?) ORDER BY seqno")
                .bind(&index)
                .fetch_all(&mut c)
                .await
                .unwrap();
            found.push(Found {
                name: None,
                table: t.clone(),
                columns,
                references: None,
                primary: i.get::<String, _>("origin") == "pk",
            });
        }
        let fks = sqlx::query("SELECT id, \"table\" AS refs, \"from\" AS col FROM pragma_foreign_key_list(?) ORDER BY id, seq")
            .bind(t)
            .fetch_all(&mut c)
            .await
            .unwrap();
        let mut by_id: Vec<(i64, Found)> = Vec::new();
        for r in fks {
            let id: i64 = r.get("id");
            match by_id.iter_mut().find(|(i, _)| *i == id) {
                Some((_, f)) => f.columns.push(r.get("col")),
                None => by_id.push((
                    id,
                    Found {
                        name: None,
                        table: t.clone(),
                        columns: vec![r.get("col")],
                        references: Some(r.get("refs")),
                        primary: false,
                    },
                )),
            }
        }
        found.extend(by_id.into_iter().map(|(_, f)| f));
    }
    let triggers = sqlx::query("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        .fetch_all(&mut c)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("name"), r.get("sql")))
        .collect();
    (found, triggers)
}

async fn the_table_covers_every_constraint_of_the_schema(h: &Harness) {
    let (found, triggers) = match &h.raw {
        Raw::Postgres { target } => (postgres_constraints(&target.admin_url).await, None),
        Raw::Sqlite { path, .. } => {
            let (f, t) = sqlite_constraints(path).await;
            (f, Some(t))
        }
    };
    // Every unique constraint, unique index and foreign key of the schema is in the table
    // (primary keys only where listed).
    for f in &found {
        let listed = CONSTRAINTS.iter().find(|c| matches(c, f));
        assert!(listed.is_some() || f.primary, "not in the store's table: {f:?}");
    }
    // Every entry of the table is in the schema, as written there.
    for c in CONSTRAINTS {
        assert!(found.iter().any(|f| matches(c, f)), "not in the schema: {c:?}");
    }
    // On SQLite, every foreign key is named by the triggers of migration 0011, on insert
    // and on update.
    if let Some(triggers) = triggers {
        for c in CONSTRAINTS.iter().filter(|c| matches!(c.kind, Kind::ForeignKey { .. })) {
            let raise = format!("'FOREIGN KEY constraint failed: {}'", c.name);
            for on in ["insert", "update"] {
                let name = format!("{}_fk_{on}", c.table);
                let sql = triggers
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, s)| s.as_str())
                    .unwrap_or_else(|| panic!("no trigger {name}"));
                assert!(sql.contains(&raise), "{name} does not name {}", c.name);
            }
        }
    }
}

contract!(
    every_constraint_reports_its_field,
    services_report_the_field,
    unknown_constraints_are_failures,
    a_row_still_referenced_is_reported_as_documented,
    the_table_covers_every_constraint_of_the_schema,
);
