//! `/api/v1/scoring/rules`: the company's lead scoring rules (Admin, Marketing), and
//! `/api/v1/contacts/{id}/score`: a contact's score with every line that made it and its
//! history (whoever sees the contact).

use super::ApiTags;
use super::common::{NoContent, etag, if_match};
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::ContactId;
use crm_domain::scoring::{ScoringRule, ScoringRuleInput, Signal};
use crm_domain::{ValidationError, ViolationKind};
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// A scoring rule.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ScoringRuleDto {
    /// Id.
    pub id: Uuid,
    /// Its name, as a score's lines show it.
    pub name: String,
    /// What it looks at: `kind` (`job_title` with `words`, `industry` or `source` with
    /// `values`, `organization_size` with `sizes`, `tag` with `tag`, `engagement` with
    /// `engagement`: `email_opened`, `email_clicked`, `email_replied`, `meeting_held`,
    /// `call_made`).
    pub signal: serde_json::Value,
    /// Points (negative: taken).
    pub points: i32,
    /// Days after which an engagement's points are halved (none: they never fade).
    pub half_life_days: Option<u32>,
    /// Whether it counts.
    pub active: bool,
    /// Version (`ETag`).
    pub version: i64,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A scoring rule as written.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct ScoringRuleWrite {
    /// Name.
    pub name: String,
    /// What it looks at (see the rule's `signal`).
    pub signal: serde_json::Value,
    /// Points, −1,000 to 1,000, not 0.
    pub points: i32,
    /// Half-life in days (engagement rules only).
    pub half_life_days: Option<u32>,
    /// Counts (default: yes).
    pub active: Option<bool>,
}

/// One line of a score.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ScoreLineDto {
    /// The rule.
    pub rule_id: Uuid,
    /// Its name.
    pub rule: String,
    /// Points given, with two decimals (faded for an engagement).
    pub points: f64,
    /// The engagement's time (none: the profile).
    pub at: Option<DateTime<Utc>>,
}

/// A point of a score's history.
#[derive(Debug, Clone, Object)]
pub struct ScorePointDto {
    /// When the score changed.
    pub at: DateTime<Utc>,
    /// To what.
    pub score: i32,
}

/// A contact's score.
#[derive(Debug, Clone, Object)]
pub struct ContactScoreDto {
    /// The contact.
    pub contact_id: Uuid,
    /// Whole points (the sum of the lines, halves away from zero).
    pub score: i32,
    /// When it was computed.
    pub computed_at: DateTime<Utc>,
    /// Every line that gave points: the profile's, then engagements newest first.
    pub lines: Vec<ScoreLineDto>,
    /// Its changes, newest first (the last 100).
    pub history: Vec<ScorePointDto>,
}

/// One factor of the learned model.
#[derive(Debug, Clone, Object)]
pub struct FactorDto {
    /// What the model reads: `email_opened`, `email_clicked`, `email_replied`,
    /// `meeting_held`, `call_made` (counts), `has_job_title`, `has_source`, `tags`,
    /// `size_micro`, `size_small`, `size_medium`, `size_large`.
    pub feature: String,
    /// How it weighs: `strong_up`, `up`, `weak`, `down`, `strong_down`.
    pub effect: String,
}

/// The company's learned model: its latest training.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct ScoringModelDto {
    /// `none` (never trained), `too_few` (too little history: the rules stay in charge) or
    /// `trained`.
    pub state: String,
    /// When.
    pub trained_at: Option<DateTime<Utc>>,
    /// Contacts of the history (won or lost deals).
    pub examples: Option<i64>,
    /// Won among them (`too_few`).
    pub won: Option<i64>,
    /// Trained on (`trained`).
    pub trained_on: Option<i64>,
    /// Kept aside to judge it (`trained`).
    pub held_out: Option<i64>,
    /// Its AUC on those, thousandths (500: a coin toss).
    pub auc_permille: Option<i64>,
    /// The rules' AUC on the same, thousandths.
    pub rules_auc_permille: Option<i64>,
    /// Whether it does better than the rules there.
    pub beats_rules: bool,
    /// Its factors, the strongest first.
    pub factors: Vec<FactorDto>,
}

fn model_dto(m: Option<(DateTime<Utc>, crm_domain::scoring::learned::Training)>) -> ScoringModelDto {
    use crm_domain::scoring::learned::{Training, explain};
    let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
    let mut dto = ScoringModelDto {
        state: "none".into(),
        trained_at: None,
        examples: None,
        won: None,
        trained_on: None,
        held_out: None,
        auc_permille: None,
        rules_auc_permille: None,
        beats_rules: false,
        factors: Vec::new(),
    };
    if let Some((at, t)) = m {
        dto.trained_at = Some(at);
        dto.beats_rules = t.beats_rules();
        match t {
            Training::TooFew { examples, won } => {
                dto.state = "too_few".into();
                dto.examples = Some(n(examples));
                dto.won = Some(n(won));
            }
            Training::Trained {
                model,
                trained_on,
                held_out,
                auc_permille,
                rules_auc_permille,
            } => {
                dto.state = "trained".into();
                dto.examples = Some(n(trained_on + held_out));
                dto.trained_on = Some(n(trained_on));
                dto.held_out = Some(n(held_out));
                dto.auc_permille = Some(i64::from(auc_permille));
                dto.rules_auc_permille = Some(i64::from(rules_auc_permille));
                dto.factors = explain(&model)
                    .into_iter()
                    .map(|(feature, effect)| FactorDto {
                        feature: feature.to_owned(),
                        effect: effect.to_owned(),
                    })
                    .collect();
            }
        }
    }
    dto
}

#[derive(ApiResponse)]
pub enum RuleResponse {
    /// The rule.
    #[oai(status = 200)]
    Ok(Json<ScoringRuleDto>, #[oai(header = "ETag")] String),
    /// Created.
    #[oai(status = 201)]
    Created(Json<ScoringRuleDto>, #[oai(header = "ETag")] String),
}

fn dto(r: &ScoringRule) -> ScoringRuleDto {
    ScoringRuleDto {
        id: r.id,
        name: r.spec.name.as_str().to_owned(),
        signal: serde_json::to_value(&r.spec.signal).unwrap_or_default(),
        points: r.spec.points,
        half_life_days: r.spec.half_life_days,
        active: r.spec.active,
        version: r.version,
        updated_at: r.updated_at,
    }
}

fn input(w: ScoringRuleWrite) -> ApiResult<ScoringRuleInput> {
    let signal: Signal = serde_json::from_value(w.signal).map_err(|_| ValidationError::field("signal", ViolationKind::Unknown))?;
    Ok(ScoringRuleInput {
        name: w.name,
        signal,
        points: w.points,
        half_life_days: w.half_life_days,
        active: w.active.unwrap_or(true),
    })
}

pub struct ScoringApi {
    pub app: CrmApp,
}

#[OpenApi(tag = "ApiTags::Contacts")]
impl ScoringApi {
    /// The company's lead scoring rules (Admin, Marketing).
    #[oai(path = "/api/v1/scoring/rules", method = "get", operation_id = "list_scoring_rules")]
    async fn list(&self, auth: Auth) -> ApiResult<Json<Vec<ScoringRuleDto>>> {
        let list = self.app.scoring_rules(&auth.actor()).await?;
        Ok(Json(list.iter().map(dto).collect()))
    }

    /// Add a rule (Admin, Marketing); every contact is scored again in the background. 422
    /// on `name`, `signal` (unknown kind) and its members (`signal.words`…), `points`,
    /// `half_life_days`.
    #[oai(path = "/api/v1/scoring/rules", method = "post", operation_id = "create_scoring_rule")]
    async fn create(&self, auth: Auth, body: Json<ScoringRuleWrite>) -> ApiResult<RuleResponse> {
        let r = self.app.create_scoring_rule(&auth.actor(), &input(body.0)?).await?;
        Ok(RuleResponse::Created(Json(dto(&r)), etag(r.version)))
    }

    /// Change a rule (`If-Match` required).
    #[oai(path = "/api/v1/scoring/rules/:id", method = "put", operation_id = "update_scoring_rule")]
    async fn update(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<ScoringRuleWrite>,
    ) -> ApiResult<RuleResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let r = self.app.update_scoring_rule(&auth.actor(), id.0, v, &input(body.0)?).await?;
        Ok(RuleResponse::Ok(Json(dto(&r)), etag(r.version)))
    }

    /// Delete a rule.
    #[oai(path = "/api/v1/scoring/rules/:id", method = "delete", operation_id = "delete_scoring_rule")]
    async fn delete(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<NoContent> {
        self.app.delete_scoring_rule(&auth.actor(), id.0).await?;
        Ok(NoContent::Done)
    }

    /// The company's learned model: its latest training, its AUC beside the rules', its
    /// factors (Admin, Marketing).
    #[oai(path = "/api/v1/scoring/model", method = "get", operation_id = "get_scoring_model")]
    async fn model(&self, auth: Auth) -> ApiResult<Json<ScoringModelDto>> {
        Ok(Json(model_dto(self.app.scoring_model(&auth.actor()).await?)))
    }

    /// Train the learned model now on the company's won and lost history (Admin,
    /// Marketing); it is also trained every week.
    #[oai(path = "/api/v1/scoring/model", method = "post", operation_id = "train_scoring_model")]
    async fn train(&self, auth: Auth) -> ApiResult<Json<ScoringModelDto>> {
        Ok(Json(model_dto(Some(self.app.train_scoring_model(&auth.actor()).await?))))
    }

    /// A contact's score, every line that made it, and its history (whoever sees the
    /// contact).
    #[oai(path = "/api/v1/contacts/:id/score", method = "get", operation_id = "contact_score")]
    async fn score(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<Json<ContactScoreDto>> {
        let v = self.app.contact_score(&auth.actor(), ContactId::from_uuid(id.0)).await?;
        let c = &v.current;
        #[allow(clippy::cast_precision_loss)] // hundredths of at most a few thousand points
        let lines = c
            .breakdown
            .lines
            .iter()
            .map(|l| ScoreLineDto {
                rule_id: l.rule_id,
                rule: l.rule.clone(),
                points: l.hundredths as f64 / 100.0,
                at: l.at,
            })
            .collect();
        Ok(Json(ContactScoreDto {
            contact_id: id.0,
            score: c.breakdown.score,
            computed_at: c.computed_at,
            lines,
            history: v
                .history
                .iter()
                .map(|(at, score)| ScorePointDto { at: *at, score: *score })
                .collect(),
        }))
    }
}
