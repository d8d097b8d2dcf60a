//! Opportunities and the pipeline rules: one stage forward at a time, back freely, won only
//! from the last stage, lost from any stage with a reason, locked once closed except for an
//! Admin's recorded reopen.

use crate::error::{ValidationError, Validator, ViolationKind};
use crate::event::{Diff, FieldChange, Sensitivity};
use crate::ids::{ContactId, OpportunityId, OrganizationId, PipelineId, StageId, TenantId, UserId};
use crate::money::{Currency, Money, Probability};
use crate::pipeline::Pipeline;
use crate::text::{Label, LongText};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Most contacts linked to one opportunity.
pub const MAX_CONTACTS: usize = 50;

/// Open, won or lost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    /// In progress.
    Open,
    /// Closed as a sale.
    Won,
    /// Closed without a sale.
    Lost {
        /// Why.
        reason: LongText,
    },
}

impl Status {
    /// Stable code.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Won => "won",
            Self::Lost { .. } => "lost",
        }
    }
}

/// One entry of the stage history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageChange {
    /// Stage left (`None` at creation).
    pub from: Option<StageId>,
    /// Stage entered.
    pub to: StageId,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (`None` for the system).
    pub by: Option<UserId>,
}

/// A potential sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opportunity {
    /// Id.
    pub id: OpportunityId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Pipeline (fixed at creation).
    pub pipeline_id: PipelineId,
    /// Current stage.
    pub stage_id: StageId,
    /// The user responsible.
    pub owner_id: UserId,
    /// Editable fields.
    pub fields: OpportunityFields,
    /// Current probability (the stage's unless overridden).
    pub probability: Probability,
    /// Whether `probability` was set by hand.
    pub probability_overridden: bool,
    /// Open, won or lost.
    pub status: Status,
    /// When it was won or lost.
    pub closed_at: Option<DateTime<Utc>>,
    /// Every stage entered, oldest first.
    pub stage_history: Vec<StageChange>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Editable fields of an opportunity, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpportunityFields {
    /// Title.
    pub title: Label,
    /// Amount, in the tenant's currency unless another was given at creation.
    pub value: Money,
    /// Linked contacts.
    pub contact_ids: Vec<ContactId>,
    /// Organization.
    pub organization_id: Option<OrganizationId>,
    /// Expected close date (a calendar date in the tenant's time zone).
    pub expected_close: Option<NaiveDate>,
}

/// An opportunity as given by a caller.
#[derive(Debug, Clone, Default)]
pub struct OpportunityInput {
    /// Title.
    pub title: String,
    /// Amount in minor units.
    pub value_minor: i64,
    /// Currency code; the tenant's when `None`.
    pub currency: Option<String>,
    /// Linked contacts.
    pub contact_ids: Vec<ContactId>,
    /// Organization.
    pub organization_id: Option<OrganizationId>,
    /// Expected close date.
    pub expected_close: Option<NaiveDate>,
    /// Probability override in whole percent; the stage's when `None`.
    pub probability: Option<i64>,
}

impl OpportunityInput {
    /// Checks the input. `default_currency` is the tenant's.
    ///
    /// # Errors
    /// Every field at fault.
    pub fn parse(&self, default_currency: Currency) -> Result<(OpportunityFields, Option<Probability>), ValidationError> {
        let mut v = Validator::new();
        let title = v.check("title", Label::parse(&self.title));
        let currency = match &self.currency {
            None => Some(default_currency),
            Some(c) => v.check("currency", Currency::parse(c)),
        };
        let value = currency.and_then(|c| v.check("value", Money::new(self.value_minor, c)));
        if self.contact_ids.len() > MAX_CONTACTS {
            v.push("contact_ids", ViolationKind::TooLarge);
        }
        for (i, c) in self.contact_ids.iter().enumerate() {
            if self.contact_ids[..i].contains(c) {
                v.push(format!("contact_ids.{i}"), ViolationKind::Repeated);
            }
        }
        if let Some(d) = self.expected_close {
            v.check("expected_close", crate::time::check_day(d));
        }
        let probability = match self.probability {
            None => Some(None),
            Some(p) => v.check("probability", Probability::new(p)).map(Some),
        };
        v.finish()?;
        match (title, value, probability) {
            (Some(title), Some(value), Some(probability)) => Ok((
                OpportunityFields {
                    title,
                    value,
                    contact_ids: self.contact_ids.clone(),
                    organization_id: self.organization_id,
                    expected_close: self.expected_close,
                },
                probability,
            )),
            _ => Err(ValidationError::field("", ViolationKind::Malformed)),
        }
    }
}

/// Why a pipeline rule refused a change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// Bad input (unknown stage, currency mismatch...).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The opportunity is won or lost; only an Admin's reopen changes it.
    #[error("the opportunity is closed")]
    Closed,
    /// A forward move must go to the next stage.
    #[error("cannot skip stages: from stage {from} to stage {to}")]
    SkipsStage {
        /// Current position (0-based).
        from: usize,
        /// Requested position.
        to: usize,
    },
    /// Already at that stage.
    #[error("the opportunity is already at this stage")]
    SameStage,
    /// Winning needs the last stage.
    #[error("an opportunity can be won only from the last stage")]
    NotAtLastStage,
    /// There is no next stage: win or lose it.
    #[error("the opportunity is at the last stage")]
    AtLastStage,
    /// Reopening needs a closed opportunity.
    #[error("the opportunity is not closed")]
    NotClosed,
}

impl Opportunity {
    /// Opens a new opportunity at `stage` (the pipeline's first when `None`).
    ///
    /// # Errors
    /// `stage_id: unknown` when the stage is not in the pipeline.
    #[allow(clippy::too_many_arguments)]
    pub fn open(
        id: OpportunityId,
        pipeline: &Pipeline,
        stage: Option<StageId>,
        owner_id: UserId,
        fields: OpportunityFields,
        probability: Option<Probability>,
        now: DateTime<Utc>,
        by: Option<UserId>,
    ) -> Result<Self, RuleError> {
        let stage = match stage {
            Some(s) => pipeline.stage(s),
            None => pipeline.first_stage(),
        }
        .ok_or_else(|| ValidationError::field("stage_id", ViolationKind::Unknown))?;
        Ok(Self {
            id,
            tenant_id: pipeline.tenant_id,
            pipeline_id: pipeline.id,
            stage_id: stage.id,
            owner_id,
            fields,
            probability: probability.unwrap_or(stage.probability),
            probability_overridden: probability.is_some(),
            status: Status::Open,
            closed_at: None,
            stage_history: vec![StageChange {
                from: None,
                to: stage.id,
                at: now,
                by,
            }],
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }

    /// Whether won or lost.
    pub fn is_closed(&self) -> bool {
        self.status != Status::Open
    }

    fn ensure_open(&self) -> Result<(), RuleError> {
        if self.is_closed() { Err(RuleError::Closed) } else { Ok(()) }
    }

    /// Replaces the editable fields and the probability override. The currency is fixed at
    /// creation.
    ///
    /// # Errors
    /// `Closed`; `value.currency: currency_mismatch`.
    pub fn update(
        &mut self,
        pipeline: &Pipeline,
        fields: OpportunityFields,
        probability: Option<Probability>,
        now: DateTime<Utc>,
    ) -> Result<(), RuleError> {
        self.ensure_open()?;
        if fields.value.currency() != self.fields.value.currency() {
            return Err(ValidationError::field("currency", ViolationKind::CurrencyMismatch).into());
        }
        self.fields = fields;
        match probability {
            Some(p) => {
                self.probability = p;
                self.probability_overridden = true;
            }
            None => {
                self.probability_overridden = false;
                self.probability = pipeline.stage(self.stage_id).map_or(self.probability, |s| s.probability);
            }
        }
        self.updated_at = now;
        Ok(())
    }

    /// Moves to another stage of the pipeline: forward one stage at a time, back any
    /// number. The probability becomes the new stage's (a manual override is cleared).
    ///
    /// # Errors
    /// `Closed`, `SameStage`, `SkipsStage`, `stage_id: unknown`.
    pub fn move_to_stage(&mut self, pipeline: &Pipeline, to: StageId, now: DateTime<Utc>, by: Option<UserId>) -> Result<(), RuleError> {
        self.ensure_open()?;
        let target = pipeline
            .position(to)
            .ok_or_else(|| ValidationError::field("stage_id", ViolationKind::Unknown))?;
        let current = pipeline.position(self.stage_id).unwrap_or(0);
        if target == current {
            return Err(RuleError::SameStage);
        }
        if target > current + 1 {
            return Err(RuleError::SkipsStage { from: current, to: target });
        }
        self.stage_history.push(StageChange {
            from: Some(self.stage_id),
            to,
            at: now,
            by,
        });
        self.stage_id = to;
        self.probability = pipeline.stages[target].probability;
        self.probability_overridden = false;
        self.updated_at = now;
        Ok(())
    }

    /// Moves an open deal out of a stage its pipeline is losing, to a kept stage chosen by
    /// the Admin (any stage: the move is the pipeline's, not the deal's progress). The
    /// probability becomes the new stage's unless it was set by hand.
    ///
    /// # Errors
    /// `Closed`, `stage_id: unknown` for a stage not in `pipeline` (as it will be).
    pub fn relocate(&mut self, pipeline: &Pipeline, to: StageId, now: DateTime<Utc>, by: Option<UserId>) -> Result<(), RuleError> {
        self.ensure_open()?;
        let target = pipeline
            .position(to)
            .ok_or_else(|| ValidationError::field("stage_id", ViolationKind::Unknown))?;
        self.stage_history.push(StageChange {
            from: Some(self.stage_id),
            to,
            at: now,
            by,
        });
        self.stage_id = to;
        if !self.probability_overridden {
            self.probability = pipeline.stages[target].probability;
        }
        self.updated_at = now;
        Ok(())
    }

    /// Moves to the next stage of the pipeline.
    ///
    /// # Errors
    /// `Closed`, `AtLastStage` (win or lose it instead).
    pub fn advance(&mut self, pipeline: &Pipeline, now: DateTime<Utc>, by: Option<UserId>) -> Result<(), RuleError> {
        self.ensure_open()?;
        let current = pipeline.position(self.stage_id).unwrap_or(0);
        let next = pipeline.stages.get(current + 1).ok_or(RuleError::AtLastStage)?.id;
        self.move_to_stage(pipeline, next, now, by)
    }

    /// Closes as won, from the last stage only; probability becomes 100.
    ///
    /// # Errors
    /// `Closed`, `NotAtLastStage`.
    pub fn win(&mut self, pipeline: &Pipeline, now: DateTime<Utc>) -> Result<(), RuleError> {
        self.ensure_open()?;
        if !pipeline.is_last(self.stage_id) {
            return Err(RuleError::NotAtLastStage);
        }
        self.status = Status::Won;
        self.probability = Probability::HUNDRED;
        self.closed_at = Some(now);
        self.updated_at = now;
        Ok(())
    }

    /// Closes as lost, from any stage, with a reason; probability becomes 0.
    ///
    /// # Errors
    /// `Closed`; `reason: required` or `too_long`.
    pub fn lose(&mut self, reason: &str, now: DateTime<Utc>) -> Result<(), RuleError> {
        self.ensure_open()?;
        let reason = LongText::parse(reason).map_err(|e| e.at("reason"))?;
        self.status = Status::Lost { reason };
        self.probability = Probability::ZERO;
        self.closed_at = Some(now);
        self.updated_at = now;
        Ok(())
    }

    /// Reopens a won or lost opportunity at its stage, with the stage's probability. The
    /// caller checks the actor is an Admin; the change is recorded like any other.
    ///
    /// # Errors
    /// `NotClosed`.
    pub fn reopen(&mut self, pipeline: &Pipeline, now: DateTime<Utc>) -> Result<(), RuleError> {
        if !self.is_closed() {
            return Err(RuleError::NotClosed);
        }
        // A deal closed in a stage since archived opens again in the first stage.
        if pipeline.position(self.stage_id).is_none()
            && let Some(first) = pipeline.first_stage()
        {
            self.stage_history.push(StageChange {
                from: Some(self.stage_id),
                to: first.id,
                at: now,
                by: None,
            });
            self.stage_id = first.id;
        }
        self.status = Status::Open;
        self.closed_at = None;
        self.probability_overridden = false;
        self.probability = pipeline.stage(self.stage_id).map_or(Probability::ZERO, |s| s.probability);
        self.updated_at = now;
        Ok(())
    }

    /// Field changes between two versions.
    pub fn changes(before: Option<&Self>, after: &Self) -> Vec<FieldChange> {
        let mut d = Diff::new();
        let (b, a) = (before.map(|b| &b.fields), &after.fields);
        d.field("title", b.map(|b| &b.title), &a.title, Sensitivity::Clear);
        d.field("value", b.map(|b| &b.value), &a.value, Sensitivity::Clear);
        d.field("contact_ids", b.map(|b| &b.contact_ids), &a.contact_ids, Sensitivity::Clear);
        d.field(
            "organization_id",
            b.map(|b| &b.organization_id),
            &a.organization_id,
            Sensitivity::Clear,
        );
        d.field(
            "expected_close",
            b.map(|b| &b.expected_close),
            &a.expected_close,
            Sensitivity::Clear,
        );
        d.field(
            "pipeline_id",
            before.map(|b| &b.pipeline_id),
            &after.pipeline_id,
            Sensitivity::Clear,
        );
        d.field("stage_id", before.map(|b| &b.stage_id), &after.stage_id, Sensitivity::Clear);
        d.field("owner_id", before.map(|b| &b.owner_id), &after.owner_id, Sensitivity::Clear);
        d.field(
            "probability",
            before.map(|b| &b.probability),
            &after.probability,
            Sensitivity::Clear,
        );
        d.field(
            "probability_overridden",
            before.map(|b| &b.probability_overridden),
            &after.probability_overridden,
            Sensitivity::Clear,
        );
        d.field("status", before.map(|b| &b.status), &after.status, Sensitivity::Clear);
        d.into_changes()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
