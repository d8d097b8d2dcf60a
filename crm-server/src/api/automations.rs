//! `/api/v1/automations`: the company's automation rules (Admin, Marketing) — a trigger,
//! conditions on the contact concerned, actions — their run log, and a dry run of a rule
//! against the last 30 days.

use super::ApiTags;
use super::common::{NoContent, etag, if_match};
use super::problem::{ApiError, ApiResult};
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::automation::{AutomationInput, AutomationRule, RunState};
use crm_domain::{ValidationError, ViolationKind};
use crm_ports::services::automation::DryRun;
use crm_ports::store::AutomationRun;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// An automation rule.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AutomationDto {
    /// Id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Whether it runs.
    pub active: bool,
    /// What starts it: `{"type": …}` — `record_created` / `record_changed` (`entity`:
    /// `contact`, `organization`, `opportunity`, `activity`), `field_changed` (`entity`,
    /// `field`, `to`), `stage_changed` (`stage_id`), `score_crossed` (`threshold`),
    /// `email_opened`, `email_clicked`, `email_replied`, `date_reached` (`days` from the
    /// expected close: −3 is three days before).
    pub trigger: serde_json::Value,
    /// What the contact concerned must match: a segment rule.
    pub conditions: Option<serde_json::Value>,
    /// What it does, in order: `send_email` (`template_id`), `wait` (`hours`,
    /// `unless_replied`), `create_task` (`title`, `due_in_days`, `assignee_id`),
    /// `assign_owner` (`team_id`), `add_tag` (`tag`), `add_to_list` (`segment_id`),
    /// `update_field` (`field`: `source`, `job_title`, `kind`; `value`), `notify`
    /// (`user_id`, `message`), `call_webhook` (`webhook_id`).
    pub actions: Vec<serde_json::Value>,
    /// Version (`ETag`).
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A rule as written.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct AutomationWrite {
    /// Name.
    pub name: String,
    /// Runs (default: yes).
    pub active: Option<bool>,
    /// The trigger (see the rule's `trigger`).
    pub trigger: serde_json::Value,
    /// Conditions (a segment rule), if any.
    pub conditions: Option<serde_json::Value>,
    /// Actions, 1 to 10.
    pub actions: Vec<serde_json::Value>,
}

/// What one action of a run gave.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct RunStepDto {
    /// The action's place in the rule (from 0).
    pub index: i64,
    /// Its type.
    pub action: String,
    /// `done`, `skipped`, `failed` or `stopped`.
    pub outcome: String,
    /// Why, or what it made (an id).
    pub detail: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// One start of a rule.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct AutomationRunDto {
    /// Id.
    pub id: Uuid,
    /// The rule.
    pub rule_id: Uuid,
    /// What started it: `event:<seq>` or `date:<opportunity>:<day>`.
    pub trigger_key: String,
    /// The triggering change's sequence number.
    pub event_seq: Option<i64>,
    /// The record concerned: `contact`, `organization`, `opportunity`, `activity`.
    pub entity_type: String,
    /// Its id.
    pub entity_id: Uuid,
    /// The contact acted on.
    pub contact_id: Option<Uuid>,
    /// Depth in a chain of automations (1: started by a person's change).
    pub depth: i64,
    /// `skipped`, `running`, `waiting`, `done`, `failed`, `stopped`.
    pub state: String,
    /// Why it was skipped, stopped or failed: `conditions_not_met`, `loop_limit`,
    /// `no_contact`, `replied`, `rule_paused`, `rule_deleted`, `action_failed`.
    pub reason: Option<String>,
    /// Each action done so far.
    pub steps: Vec<RunStepDto>,
    /// When a waiting run goes on.
    pub resume_at: Option<DateTime<Utc>>,
    /// Started.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// What a rule would have done over the last 30 days.
#[derive(Debug, Clone, Object)]
pub struct DryRunDto {
    /// Changes read (days, for a date trigger).
    pub events: i64,
    /// Changes (or opportunity days) its trigger matched.
    pub matched: i64,
    /// Runs it would have started.
    pub started: i64,
    /// Matches skipped, by reason.
    pub skipped: std::collections::BTreeMap<String, i64>,
    /// The newest runs it would have started or skipped (not saved).
    pub samples: Vec<AutomationRunDto>,
    /// The window held more changes than a dry run reads (the newest 20,000 were read).
    pub truncated: bool,
}

#[derive(ApiResponse)]
pub enum AutomationResponse {
    /// The rule.
    #[oai(status = 200)]
    Ok(Json<AutomationDto>, #[oai(header = "ETag")] String),
    /// Created.
    #[oai(status = 201)]
    Created(
        Json<AutomationDto>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Location")] String,
    ),
}

fn n(v: impl TryInto<i64>) -> i64 {
    v.try_into().unwrap_or(i64::MAX)
}

fn dto(r: &AutomationRule) -> AutomationDto {
    AutomationDto {
        id: r.id,
        name: r.spec.name.as_str().to_owned(),
        active: r.spec.active,
        trigger: serde_json::to_value(&r.spec.trigger).unwrap_or_default(),
        conditions: r.spec.conditions.as_ref().map(crm_domain::segment::Rule::to_json),
        actions: r.spec.actions.iter().map(|a| serde_json::to_value(a).unwrap_or_default()).collect(),
        version: r.version,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

/// A run as the API shows it.
pub fn run_dto(r: &AutomationRun) -> AutomationRunDto {
    AutomationRunDto {
        id: r.id,
        rule_id: r.rule_id,
        trigger_key: r.trigger_key.clone(),
        event_seq: r.event_seq,
        entity_type: r.entity_type.code().to_owned(),
        entity_id: r.entity_id,
        contact_id: r.contact_id.map(|c| c.as_uuid()),
        depth: i64::from(r.depth),
        state: r.state.name().to_owned(),
        reason: r.reason.clone(),
        steps: r
            .steps
            .iter()
            .map(|s| RunStepDto {
                index: i64::from(s.index),
                action: s.action.clone(),
                outcome: s.outcome.clone(),
                detail: s.detail.clone(),
                at: s.at,
            })
            .collect(),
        resume_at: r.resume_at,
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

fn dry_dto(d: &DryRun) -> DryRunDto {
    DryRunDto {
        events: n(d.events),
        matched: n(d.matched),
        started: n(d.started),
        skipped: d.skipped.iter().map(|(k, v)| (k.clone(), n(*v))).collect(),
        samples: d.samples.iter().map(run_dto).collect(),
        truncated: d.truncated,
    }
}

fn input(w: AutomationWrite) -> AutomationInput {
    AutomationInput {
        name: w.name,
        active: w.active.unwrap_or(true),
        trigger: w.trigger,
        conditions: w.conditions,
        actions: w.actions,
    }
}

pub struct AutomationsApi {
    pub app: CrmApp,
}

#[OpenApi(tag = "ApiTags::Automations")]
impl AutomationsApi {
    /// The company's automation rules (Admin, Marketing).
    #[oai(path = "/api/v1/automations", method = "get", operation_id = "list_automations")]
    async fn list(&self, auth: Auth) -> ApiResult<Json<Vec<AutomationDto>>> {
        let list = self.app.automations(&auth.actor()).await?;
        Ok(Json(list.iter().map(dto).collect()))
    }

    /// Write a rule (Admin, Marketing). It starts on the changes made after it. 422 with
    /// the path at fault: `name`, `trigger` (`trigger.field`, `trigger.days`...),
    /// `conditions.…` (as a segment rule), `actions` (1 to 10), `actions.N.…` (a template,
    /// list, team, user or webhook unknown; a dynamic segment as a list, an action needing
    /// a contact on an organization's rule: `not_allowed`).
    #[oai(path = "/api/v1/automations", method = "post", operation_id = "create_automation")]
    async fn create(&self, auth: Auth, body: Json<AutomationWrite>) -> ApiResult<AutomationResponse> {
        let r = self.app.create_automation(&auth.actor(), &input(body.0)).await?;
        Ok(AutomationResponse::Created(
            Json(dto(&r)),
            etag(r.version),
            format!("/api/v1/automations/{}", r.id),
        ))
    }

    /// What a rule (not saved) would have started over the last 30 days (Admin,
    /// Marketing): its trigger against the company's changes, its conditions against the
    /// contacts as they are now. Nothing is done nor saved. 422 as when writing it.
    #[oai(path = "/api/v1/automations/dry-run", method = "post", operation_id = "dry_run_automation")]
    async fn dry_run(&self, auth: Auth, body: Json<AutomationWrite>) -> ApiResult<Json<DryRunDto>> {
        let d = self.app.dry_run_automation(&auth.actor(), &input(body.0)).await?;
        Ok(Json(dry_dto(&d)))
    }

    /// One rule (Admin, Marketing).
    #[oai(path = "/api/v1/automations/:id", method = "get", operation_id = "get_automation")]
    async fn get(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<AutomationResponse> {
        let r = self.app.automation(&auth.actor(), id.0).await?;
        Ok(AutomationResponse::Ok(Json(dto(&r)), etag(r.version)))
    }

    /// Change a rule (Admin, Marketing; `If-Match` required). Pausing it (`active: false`)
    /// stops its runs at their next action.
    #[oai(path = "/api/v1/automations/:id", method = "put", operation_id = "update_automation")]
    async fn update(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<AutomationWrite>,
    ) -> ApiResult<AutomationResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let actor = auth.actor();
        // Another company's id: 404 before any field is judged.
        self.app.automation(&actor, id.0).await?;
        let r = self.app.update_automation(&actor, id.0, v, &input(body.0)).await?;
        Ok(AutomationResponse::Ok(Json(dto(&r)), etag(r.version)))
    }

    /// Delete a rule and its run log (Admin, Marketing); its waiting runs stop.
    #[oai(path = "/api/v1/automations/:id", method = "delete", operation_id = "delete_automation")]
    async fn delete(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<NoContent> {
        self.app.delete_automation(&auth.actor(), id.0).await?;
        Ok(NoContent::Done)
    }

    /// A rule's run log, newest first (Admin, Marketing): every start and every skip with
    /// its reason, each action's outcome; only the runs in `state` when given; at most
    /// `limit` (100 by default, 500 at most).
    #[oai(path = "/api/v1/automations/:id/runs", method = "get", operation_id = "list_automation_runs")]
    async fn runs(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        state: Query<Option<String>>,
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<AutomationRunDto>>> {
        let state = match state.0.as_deref() {
            None => None,
            Some(s) => Some(RunState::parse(s).ok_or_else(|| ApiError::from(ValidationError::field("state", ViolationKind::Unknown)))?),
        };
        let list = self.app.automation_runs(&auth.actor(), id.0, state, limit.0.unwrap_or(100)).await?;
        Ok(Json(list.iter().map(run_dto).collect()))
    }
}
