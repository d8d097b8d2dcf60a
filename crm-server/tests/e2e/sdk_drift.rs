//! The SDK cannot drift from the server. Against the served `/api/openapi.json`:
//! - operations: the document's operations (method, path, `operationId`) are exactly
//!   `crm_sdk::OPERATIONS` (whose own test checks each is sent by the SDK methods it names,
//!   and that the SDK sends nothing else), and the few routes the SDK calls outside the
//!   document (`crm_sdk::UNDOCUMENTED`) answer;
//! - what it reads: every schema a response of the document carries is paired with the SDK
//!   model that reads it (or allowed, with a reason, to be read as raw JSON); a sample of
//!   each schema, every property filled, reads into its model and writes back with the same
//!   members at every depth, and a sample with only the required properties reads too;
//! - what it sends: every request body schema is paired the same way with the SDK type that
//!   writes it (or allowed, with a reason, to have none: built by its method from the
//!   arguments, the caller's own JSON, not JSON); and, in [`sends`], every method of
//!   `OPERATIONS` is called with every argument set against a recorder: the query parameters
//!   sent for each operation are exactly the document's, and the body members sent, at every
//!   depth, are all in its schema and (but for the caller's own JSON) cover it.
//!
//! The methods added so that every operation has one are also called once for real.

mod sends;

use crate::support::{spawn_app, tenant};
use crm_domain::user::Role;
use crm_sdk::models::*;
use crm_sdk::{OPERATIONS, UNDOCUMENTED, normalize_path};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// Reads a sample into `T` and writes it back.
type RoundTrip = fn(&Value) -> Result<Value, String>;

fn round_trip<T: Serialize + DeserializeOwned>(v: &Value) -> Result<Value, String> {
    let t: T = serde_json::from_value(v.clone()).map_err(|e| format!("does not read: {e}"))?;
    serde_json::to_value(&t).map_err(|e| format!("does not write: {e}"))
}

/// Document schema => the SDK model that reads it.
macro_rules! pairs {
    ($($schema:literal => $model:ty),* $(,)?) => {
        vec![$(($schema, stringify!($model), round_trip::<$model> as RoundTrip)),*]
    };
}

fn pairs() -> Vec<(&'static str, &'static str, RoundTrip)> {
    pairs! {
        // Auth, tenants, users and teams.
        "LoginDto" => Login,
        "MeDto" => Me,
        "TokenDto" => Token,
        "SessionDto" => Session,
        "SessionsEndedDto" => SessionsEnded,
        "SecondFactorDto" => SecondFactorStatus,
        "EnrolmentDto" => SecondFactorSetup,
        "RecoveryCodesDto" => RecoveryCodes,
        "NewTokenDto" => NewToken,
        "TenantDto" => Tenant,
        "TenantCreatedDto" => TenantCreated,
        "UserDto" => User,
        "AccessLinkDto" => AccessLink,
        "TenantCountsDto" => TenantCounts,
        "TeamViewDto" => TeamView,
        "MemberWorkDto" => MemberWork,
        "ReassignedDto" => Reassigned,
        "TeamDto" => Team,
        "TerritoryDto" => Territory,
        "TerritoryMatchDto" => TerritoryMatch,
        "PrivacyRequestDto" => PrivacyRequest,
        "ConsentsDto" => Consents,
        "ChannelConsentDto" => ChannelConsent,
        "ConsentRecordDto" => ConsentRecord,
        "RetentionReportDto" => RetentionReport,
        "DueProspectDto" => DueProspect,
        "RetentionErasureDto" => RetentionErasure,
        "RetentionAnonymisationDto" => RetentionAnonymisation,
        "RegisterDto" => ProcessingRegister,
        "RegisterSectionDto" => RegisterSection,
        "RegisterRowDto" => RegisterRow,
        "AccessDto" => Access,
        // Records.
        "ContactDto" => Contact,
        "ContactPage" => Page<Contact>,
        "OrganizationDto" => Organization,
        "OrganizationPage" => Page<Organization>,
        "EventDto" => Event,
        // Leads and the customer cycle.
        "LeadDto" => Lead,
        "LeadSettingsDto" => LeadSettings,
        "FunnelLineDto" => FunnelLine,
        "FormerClientsDto" => Changed,
        // Sales.
        "PipelineDto" => Pipeline,
        "OpportunityDto" => Opportunity,
        "OpportunityPage" => Page<Opportunity>,
        "ForecastLine" => ForecastLine,
        // Activities, reminders, notifications, calendar, telephony.
        "ActivityDto" => Activity,
        "TimelineEntryDto" => TimelineEntry,
        "TodoDto" => Todo,
        "DashboardDto" => Dashboard,
        "RuleDto" => ReminderRule,
        "ScanDto" => ScanReport,
        "NotificationDto" => Notification,
        "CountDto" => Count,
        "FeedDto" => CalendarFeed,
        "NewFeedDto" => NewCalendarFeed,
        "CallLoggedDto" => CallLogged,
        "UnmatchedCallDto" => UnmatchedCall,
        // Search, segments, duplicates.
        "SearchResultsDto" => SearchResults,
        "ReindexDto" => Reindex,
        "SegmentDto" => Segment,
        "PreviewDto" => Count,
        "ChangedDto" => Changed,
        "DuplicateGroupDto" => DuplicateGroup,
        "DuplicateScanDto" => DuplicateScan,
        // Background work and files.
        "ConsumerDto" => ConsumerStatus,
        "ParkedEventDto" => ParkedEvent,
        "JobDto" => Job,
        "FileDto" => StoredFile,
        "ImportDto" => Import,
        "SuppressionDto" => Suppression,
        "ImportPreviewDto" => ImportPreview,
        "PreviewRowDto" => PreviewRow,
        "RowNoteDto" => RowNote,
        "PreviewCountsDto" => PreviewCounts,
        // Email.
        "EmailTemplateDto" => EmailTemplate,
        "TemplateVariantDto" => TemplateVariant,
        "EmailPreviewDto" => EmailPreview,
        "MailboxDto" => MailboxInfo,
        "EmailDto" => Email,
        "InboundSecretDto" => InboundSecret,
        "FiledDto" => Filed,
        "CampaignDto" => Campaign,
        "CampaignStatsDto" => CampaignStats,
        "CampaignRecipientDto" => CampaignRecipient,
        "MailRelayDto" => MailRelay,
        "SalesReportDto" => SalesReport,
        "SalesFiguresDto" => SalesFigures,
        "ReportPeriodDto" => ReportPeriod,
        "WonAmountsDto" => WonAmounts,
        "OpenAmountsDto" => OpenAmounts,
        "TeamForecastDto" => TeamForecast,
        "ActivityFiguresDto" => ActivityFigures,
        "ActivityDoneDto" => ActivityDone,
        "TeamSalesDto" => TeamSales,
        "RepActivityDto" => RepActivity,
        "WebhookDto" => Webhook,
        "AutomationDto" => Automation,
        "AutomationRunDto" => AutomationRun,
        "RunStepDto" => AutomationRunStep,
        "DryRunDto" => AutomationDryRun,
        "ScoringRuleDto" => ScoringRule,
        "ContactScoreDto" => ContactScore,
        "ScoreLineDto" => ScoreLine,
        "ScorePointDto" => ScorePoint,
        "ScoringModelDto" => ScoringModel,
        "FactorDto" => Factor,
        "DeliveryDto" => WebhookDelivery,
        "DeliveryAttemptDto" => DeliveryAttempt,
        "TeamActivityDto" => TeamActivity,
        "ReportSubscriptionDto" => ReportSubscription,
        "SubmissionDto" => ForecastSubmission,
        "TeamForecastLineDto" => TeamForecastLine,
        "TeamForecastTotalDto" => TeamForecastTotal,
        "AccuracyDto" => ForecastAccuracy,
        "RepSalesDto" => RepSales,
        "FunnelReportDto" => FunnelReport,
        "FunnelStepDto" => FunnelStep,
        // Every error.
        "Problem" => Problem,
        "SecondFactorProblem" => SecondFactorTicket,
    }
}

/// Response schemas the SDK reads as raw `serde_json::Value` on purpose, each with its
/// reason. None today: every response has a model (free-form members, such as a job's
/// `progress` or a segment's `rule`, are `Value` fields of their models and are still
/// checked as members). An entry must name a response schema that has no pair.
const RAW: &[(&str, &str)] = &[];

/// Document request body schema => the SDK type the SDK writes it with. Each is also sent,
/// every field set, in [`sends`]: what it writes must be in the schema.
fn request_pairs() -> Vec<(&'static str, &'static str, RoundTrip)> {
    pairs! {
        "NewTenantBody" => NewTenant,
        "NewUserBody" => NewUser,
        "TeamBody" => TeamWrite,
        "TerritoryBody" => TerritoryWrite,
        "PrivacyRequestBody" => PrivacyRequestWrite,
        "PrivacyAnswerBody" => PrivacyAnswer,
        "EraseBody" => Erasure,
        "ConsentBody" => ConsentWrite,
        "ContactWrite" => ContactWrite,
        "OrganizationWrite" => OrganizationWrite,
        "PipelineWrite" => PipelineWrite,
        "NewOpportunityBody" => NewOpportunity,
        "OpportunityWrite" => OpportunityWrite,
        // `update_activity` leaves `kind` out (the document's `ActivityWrite` has none).
        "NewActivityBody" => ActivityWrite,
        "ActivityWrite" => ActivityWrite,
        "CallBody" => CallRecord,
        "SegmentWrite" => SegmentWrite,
        "SearchWrite" => SegmentSearch,
        "LeadsBody" => NewLeads,
        "LeadStatusBody" => LeadStatusWrite,
        "HandOverBody" => HandOver,
        "ConvertBody" => Conversion,
        "LeadOpportunityBody" => LeadOpportunity,
        "LeadSettingsDto" => LeadSettings,
        "ImportRequestDto" => ImportRequest,
        "SuppressionWrite" => SuppressionWrite,
        "EmailTemplateWrite" => TemplateWrite,
        "TemplatePreviewWrite" => TemplatePreviewWrite,
        "EmailWrite" => EmailWrite,
        "CampaignWrite" => CampaignWrite,
        "CampaignMove" => CampaignMove,
        "MailRelayWrite" => MailRelayWrite,
        "SubmissionWrite" => SubmissionWrite,
        "ReportExportWrite" => ReportExportWrite,
        "ReportSubscriptionWrite" => ReportSubscriptionWrite,
        "WebhookWrite" => WebhookWrite,
        "ScoringRuleWrite" => ScoringRuleWrite,
        "AutomationWrite" => AutomationWrite,
    }
}

/// Why a body has no SDK type: built by its method from the arguments (`json!`), which
/// [`sends`] checks member by member as sent, every argument set.
const INLINE: &str = "built by its method from the arguments";

/// Why a `PATCH` body has no SDK type.
const PATCH: &str = "a JSON Merge Patch the caller writes, a `Value` (any JSON in the document)";

/// Request bodies written without an SDK type, each with its reason: [`INLINE`], or the
/// caller's own JSON or bytes (then not checked). A body with no named schema, or not JSON,
/// is named `<operationId> body`. An entry must name a request body that has no pair.
const UNTYPED: &[(&str, &str)] = &[
    ("LoginBody", INLINE),
    ("PasswordBody", INLINE),
    ("TokenBody", INLINE),
    ("TenantUpdateBody", INLINE),
    ("UserPatchBody", INLINE),
    ("SetPasswordBody", INLINE),
    ("RedeemBody", INLINE),
    ("SecondStepBody", INLINE),
    ("TicketBody", INLINE),
    ("CodeBody", INLINE),
    ("ReassignBody", INLINE),
    ("AssignBody", INLINE),
    ("MergeBody", INLINE),
    ("OwnerBody", INLINE),
    ("MoveBody", INLINE),
    ("LoseBody", INLINE),
    ("RuleBody", INLINE),
    ("RulePreview", INLINE),
    ("MembersWrite", INLINE),
    (
        "FilterWrite",
        "the caller's list filter, a `Value` (`add_segment_members_from_filter`)",
    ),
    ("patch_contact body", PATCH),
    ("patch_organization body", PATCH),
    ("patch_opportunity body", PATCH),
    ("patch_activity body", PATCH),
    ("upload_file body", "the file's bytes (`application/octet-stream`), not JSON"),
    ("receive_email body", "the raw message (MIME bytes), not JSON"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_calls_every_operation_of_the_document_and_no_other() {
    let s = spawn_app().await;
    let spec = s.client.openapi().await.unwrap();
    let mut documented = BTreeMap::new();
    for (path, methods) in spec["paths"].as_object().unwrap() {
        for (method, op) in methods.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap().to_owned();
            documented.insert((method.to_uppercase(), normalize_path(path)), (id, path.clone()));
        }
    }
    let table: BTreeMap<(String, String), (String, String)> = OPERATIONS
        .iter()
        .map(|o| ((o.method.to_owned(), o.route()), (o.id.to_owned(), o.path.to_owned())))
        .collect();
    assert_eq!(table.len(), OPERATIONS.len(), "a route listed twice in OPERATIONS");
    let mut faults = Vec::new();
    for ((method, _), (id, path)) in &documented {
        match table.get(&(method.clone(), normalize_path(path))) {
            None => faults.push(format!(
                "the SDK lacks {method} {path} ({id}): add a method and its OPERATIONS entry"
            )),
            Some((sdk_id, _)) if sdk_id != id => {
                faults.push(format!("{method} {path} is `{id}` in the document, `{sdk_id}` in OPERATIONS"));
            }
            Some(_) => {}
        }
    }
    for ((method, route), (id, path)) in &table {
        if !documented.contains_key(&(method.clone(), route.clone())) {
            faults.push(format!("the document has no {method} {path} ({id}) that OPERATIONS lists"));
        }
    }
    assert!(faults.is_empty(), "the SDK and the document disagree:\n  {}", faults.join("\n  "));

    // The routes the SDK calls outside the document are not in it, and answer.
    for o in UNDOCUMENTED {
        assert!(
            !documented.contains_key(&(o.method.to_owned(), o.route())),
            "{} {} is in the document: move it to OPERATIONS",
            o.method,
            o.path
        );
    }
    s.client.health().await.unwrap();
    s.client.ready().await.unwrap();
    s.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_schema_reads_into_its_sdk_model() {
    let s = spawn_app().await;
    let spec = s.client.openapi().await.unwrap();
    s.stop().await;
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let pairs = pairs();

    // The schemas responses carry (error bodies too), by operation.
    let mut responses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for methods in spec["paths"].as_object().unwrap().values() {
        for op in methods.as_object().unwrap().values() {
            for response in op["responses"].as_object().unwrap().values() {
                for content in response["content"].as_object().into_iter().flat_map(Map::values) {
                    for name in top_refs(&content["schema"]) {
                        responses
                            .entry(name)
                            .or_default()
                            .insert(op["operationId"].as_str().unwrap().to_owned());
                    }
                }
            }
        }
    }
    let paired: BTreeSet<&str> = pairs.iter().map(|p| p.0).collect();
    let raw: BTreeSet<&str> = RAW.iter().map(|r| r.0).collect();
    let mut faults = Vec::new();
    for (name, ops) in &responses {
        if !paired.contains(name.as_str()) && !raw.contains(name.as_str()) {
            faults.push(format!("{name} (answered by {ops:?}) has no SDK model: add one and its pair here"));
        }
    }
    for (name, model, _) in &pairs {
        if !schemas.contains_key(*name) {
            faults.push(format!("{name} (paired with {model}) is no schema of the document"));
        }
    }
    for name in &raw {
        if !responses.contains_key(*name) || paired.contains(name) {
            faults.push(format!("{name} is allowed raw but is no unpaired response schema"));
        }
    }

    round_trips(schemas, &pairs, "the server may leave the others out", &mut faults);
    assert!(
        faults.is_empty(),
        "SDK models and document schemas disagree:\n  {}",
        faults.join("\n  ")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_schema_reads_into_the_sdk_type_that_writes_it() {
    let s = spawn_app().await;
    let spec = s.client.openapi().await.unwrap();
    s.stop().await;
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let pairs = request_pairs();
    let bodies = request_bodies(&spec);

    let paired: BTreeSet<&str> = pairs.iter().map(|p| p.0).collect();
    let untyped: BTreeSet<&str> = UNTYPED.iter().map(|u| u.0).collect();
    assert_eq!(untyped.len(), UNTYPED.len(), "a body listed twice in UNTYPED");
    let mut faults = Vec::new();
    for (name, ops) in &bodies {
        if !paired.contains(name.as_str()) && !untyped.contains(name.as_str()) {
            let ops: Vec<&String> = ops.keys().collect();
            faults.push(format!(
                "request body {name} (of {ops:?}) is paired with no SDK type: add its pair here, or an UNTYPED entry with the reason"
            ));
        }
    }
    for (name, model, _) in &pairs {
        if !bodies.contains_key(*name) {
            faults.push(format!("{name} (paired with {model}) is no request body of the document"));
        }
    }
    for name in &untyped {
        if !bodies.contains_key(*name) || paired.contains(name) {
            faults.push(format!("{name} is allowed untyped but is no unpaired request body"));
        }
    }
    round_trips(schemas, &pairs, "the client may leave the others out", &mut faults);
    assert!(
        faults.is_empty(),
        "SDK request types and document schemas disagree:\n  {}",
        faults.join("\n  ")
    );
}

/// A sample of each paired schema, every property filled, reads into its SDK type and
/// writes back with the same members at every depth; one of its required properties only
/// reads too (`why`: the others may be left out).
fn round_trips(schemas: &Map<String, Value>, pairs: &[(&str, &str, RoundTrip)], why: &str, faults: &mut Vec<String>) {
    for (name, model, read) in pairs {
        let Some(schema) = schemas.get(*name) else { continue };
        let full = sample(schemas, schema, true, 0);
        match read(&full) {
            Ok(back) => diff(&format!("{name} -> {model}: "), &full, &back, faults),
            Err(e) => faults.push(format!("{name} -> {model}: the full sample {e}\n    {full}")),
        }
        let minimal = sample(schemas, schema, false, 0);
        if let Err(e) = read(&minimal) {
            faults.push(format!(
                "{name} -> {model}: a sample of the required members only {e} ({why})\n    {minimal}"
            ));
        }
    }
}

/// The request bodies of the document by schema name (`<operationId> body` when the body
/// has no named schema or is not JSON), each with the operations taking it and its schema
/// there.
fn request_bodies(spec: &Value) -> BTreeMap<String, BTreeMap<String, Value>> {
    let mut out: BTreeMap<String, BTreeMap<String, Value>> = BTreeMap::new();
    for methods in spec["paths"].as_object().unwrap().values() {
        for op in methods.as_object().unwrap().values() {
            let id = op["operationId"].as_str().unwrap();
            for (media, content) in op["requestBody"]["content"].as_object().into_iter().flatten() {
                let name = body_name(id, media, &content["schema"]);
                out.entry(name).or_default().insert(id.to_owned(), content["schema"].clone());
            }
        }
    }
    out
}

/// The name of a request body: its schema's, or `<operationId> body` when it has no named
/// schema or is not JSON.
fn body_name(id: &str, media: &str, schema: &Value) -> String {
    match &top_refs(schema)[..] {
        [name] if is_json(media) => name.clone(),
        _ => format!("{id} body"),
    }
}

/// Whether a media type is JSON (`application/json; charset=utf-8` is).
fn is_json(media: &str) -> bool {
    media.split(';').next().is_some_and(|m| m.trim() == "application/json")
}

/// The methods added so that every operation has one, against the real server (the
/// checks above only compare samples).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_methods_of_every_operation_answer() {
    let s = spawn_app().await;
    let t = tenant(&s, "Entreprise dérive").await;
    let admin = t.client(Role::Admin);
    let rep = t.client(Role::Sales);

    let c = rep
        .create_contact(
            &ContactWrite {
                kind: "prospect".into(),
                first_name: "Inès".into(),
                last_name: "Dérive".into(),
                phones: vec!["06 11 22 33 44".into()],
                ..ContactWrite::default()
            },
            false,
        )
        .await
        .unwrap();
    let task = rep
        .create_activity(&ActivityWrite {
            kind: Some("task".into()),
            subject: "Rappeler".into(),
            // As read back from an activity: the record's name is not sent.
            links: vec![LinkRef {
                entity_type: "contact".into(),
                entity_id: c.id,
                name: Some("Inès Dérive".into()),
            }],
            due_at: Some(chrono::Utc::now() - chrono::Duration::days(1)),
            ..ActivityWrite::default()
        })
        .await
        .unwrap();
    let done = rep.complete_task(task.id, task.version).await.unwrap();
    assert!(done.done_at.is_some());
    let open = rep.reopen_task(done.id, done.version).await.unwrap();
    assert!(open.done_at.is_none());
    let dashboard = rep.dashboard().await.unwrap();
    assert!(
        dashboard.sections.iter().flat_map(|s| &s.items).any(|a| a.id == task.id),
        "{dashboard:?}"
    );

    let feed = rep.create_calendar_feed().await.unwrap();
    let secret = feed.path.rsplit('/').next().unwrap();
    assert!(rep.calendar_feed(secret).await.unwrap().starts_with("BEGIN:VCALENDAR"));
    assert_eq!(rep.calendar_feeds().await.unwrap(), std::slice::from_ref(&feed.feed));
    rep.revoke_calendar_feed(feed.feed.id).await.unwrap();
    assert_eq!(
        s.client.calendar_feed(secret).await.unwrap_err().code(),
        Some(&crm_sdk::ErrorCode::NotFound)
    );

    let org = admin
        .create_organization(&OrganizationWrite {
            name: "Dérive SA".into(),
            ..OrganizationWrite::default()
        })
        .await
        .unwrap();
    let history = admin.organization_history(org.id).await.unwrap();
    assert_eq!(history[0].entity_id, org.id);
    assert!(!admin.organization_timeline(org.id, None, None).await.unwrap().is_empty());
    assert!(!rep.contact_timeline(c.id, None, None).await.unwrap().is_empty());
    assert!(rep.timeline("records", c.id, None, None).await.is_err());

    let call = |caller: &str| CallRecord {
        caller: caller.into(),
        callee: "01 02 03 04 05".into(),
        started_at: chrono::Utc::now(),
        duration_seconds: 42,
        direction: "inbound".into(),
        recording_url: None,
    };
    let matched = admin.log_call(&call("06 11 22 33 44")).await.unwrap();
    assert!(matched.matched && matched.activity.is_some(), "{matched:?}");
    let unmatched = admin.log_call(&call("07 99 88 77 66")).await.unwrap();
    let kept = unmatched.unmatched.unwrap();
    let listed: Vec<_> = admin
        .unmatched_calls(Some(10))
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.caller))
        .collect();
    assert_eq!(listed, [(kept.id, kept.caller)]);
    s.stop().await;
}

/// The schemas a response body is made of: `$ref`, or the items of an array.
fn top_refs(schema: &Value) -> Vec<String> {
    if let Some(r) = schema["$ref"].as_str() {
        return vec![r.trim_start_matches("#/components/schemas/").to_owned()];
    }
    let mut out = top_refs_of_all(&schema["allOf"]);
    out.extend(top_refs_of_all(&schema["oneOf"]));
    out.extend(top_refs_of_all(&schema["anyOf"]));
    if schema["items"].is_object() {
        out.extend(top_refs(&schema["items"]));
    }
    out
}

fn top_refs_of_all(list: &Value) -> Vec<String> {
    list.as_array().into_iter().flatten().flat_map(top_refs).collect()
}

/// The schema a `$ref`, or an `allOf` wrapping one (optional members), stands for.
fn resolve<'a>(schemas: &'a Map<String, Value>, schema: &'a Value) -> &'a Value {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return resolve(schemas, schemas.get(name).unwrap_or_else(|| panic!("no schema {name}")));
    }
    if let Some(all) = schema["allOf"].as_array()
        && let Some(inner) = all.iter().find(|s| s.get("$ref").is_some())
    {
        return resolve(schemas, inner);
    }
    schema
}

/// A value of `schema`: every property when `full`, else the required ones only; arrays
/// of one item; enums' first value.
fn sample(schemas: &Map<String, Value>, schema: &Value, full: bool, depth: usize) -> Value {
    assert!(depth < 32, "schemas nested too deep (a cycle?): {schema}");
    let schema = resolve(schemas, schema);
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first.clone();
    }
    let object = |props: &Map<String, Value>| {
        let required: Vec<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        Value::Object(
            props
                .iter()
                .filter(|(k, _)| full || required.contains(&k.as_str()))
                .map(|(k, p)| (k.clone(), sample(schemas, p, full, depth + 1)))
                .collect(),
        )
    };
    match (schema["type"].as_str(), schema["format"].as_str()) {
        (_, _) if schema["properties"].is_object() => object(schema["properties"].as_object().unwrap()),
        (Some("object"), _) => json!({}),
        (Some("array"), _) => json!([sample(schemas, &schema["items"], full, depth + 1)]),
        (Some("string"), Some("uuid")) => json!("0192a3b4-c5d6-7e8f-9a0b-1c2d3e4f5a6b"),
        (Some("string"), Some("date-time")) => json!("2026-03-04T05:06:07Z"),
        (Some("string"), Some("date" | "naive-date")) => json!("2026-03-04"),
        (Some("string"), _) => json!("text"),
        (Some("integer"), _) => json!(7),
        (Some("number"), _) => json!(1.5),
        (Some("boolean"), _) => json!(true),
        // Any JSON (a job's progress, a segment's rule): an object the model must keep.
        (None, _) => json!({"any": [1, "two"]}),
        (Some(other), _) => panic!("no sample of type {other}: {schema}"),
    }
}

/// The members of `doc` the SDK dropped and those it wrote without the document having
/// them, at every depth, and values that changed kind.
fn diff(at: &str, doc: &Value, sdk: &Value, faults: &mut Vec<String>) {
    match (doc, sdk) {
        (Value::Object(d), Value::Object(s)) => {
            for (k, v) in d {
                match s.get(k) {
                    None => faults.push(format!("{at}{k}: in the document, dropped by the SDK model")),
                    Some(w) => diff(&format!("{at}{k}."), v, w, faults),
                }
            }
            for k in s.keys().filter(|k| !d.contains_key(*k)) {
                faults.push(format!("{at}{k}: written by the SDK model, not in the document"));
            }
        }
        (Value::Array(d), Value::Array(s)) if d.len() == s.len() => {
            for (i, (v, w)) in d.iter().zip(s).enumerate() {
                diff(&format!("{}[{i}].", at.trim_end_matches('.')), v, w, faults);
            }
        }
        (Value::String(_), Value::String(_)) | (Value::Number(_), Value::Number(_)) | (Value::Bool(_), Value::Bool(_)) => {}
        _ => faults.push(format!("{at} the document's {doc} came back as {sdk}")),
    }
}
