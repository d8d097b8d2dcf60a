//! Lead scoring by rules (Admin, Marketing write the rules; whoever sees a contact reads
//! its score, explained line by line, and its history). Scores follow the event log within
//! seconds ([`keeper`]: a change of a contact, one of their activities, an email opened,
//! clicked or answered); a rule written, changed or deleted scores every contact again, and
//! so does a daily timer, as engagements fade and meetings planned take place ([`rescore`]).

pub mod keeper;
pub mod model;
pub mod rescore;

use crate::app::{App, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{ContactScore, ContactStore, ScoringStore};
use crm_domain::event::{Diff, EntityType, EventKind, FieldChange, Sensitivity};
use crm_domain::scoring::{Breakdown, RuleSpec, ScoringRule, ScoringRuleInput};
use crm_domain::visibility::Capability;
use crm_domain::{Actor, ContactId};
use uuid::Uuid;

/// How many history points a contact's score shows.
pub const HISTORY: u32 = 100;

/// Contacts a preview scores (the company's first, in creation order).
pub const PREVIEW_SAMPLE: u32 = 2_000;

/// The score bands of a distribution: each band's lowest score (the first takes every
/// score up to 0, the last every score from 100).
pub const BANDS: [i32; 6] = [i32::MIN, 1, 10, 25, 50, 100];

/// How scores spread over [`BANDS`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Distribution {
    /// Contacts scored.
    pub contacts: u64,
    /// Contacts per band, in [`BANDS`] order.
    pub bands: [u64; 6],
}

impl Distribution {
    /// The spread of `scores`.
    pub fn of(scores: impl IntoIterator<Item = i32>) -> Self {
        let mut d = Self::default();
        for s in scores {
            let band = BANDS.iter().rposition(|low| s >= *low).unwrap_or(0);
            d.bands[band] += 1;
            d.contacts += 1;
        }
        d
    }
}

/// A contact's score as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreView {
    /// The score and its lines (empty before the first computation).
    pub current: ContactScore,
    /// Its changes, newest first.
    pub history: Vec<(chrono::DateTime<chrono::Utc>, i32)>,
}

fn changes(before: Option<&RuleSpec>, after: &RuleSpec) -> Vec<FieldChange> {
    let signal = |s: &RuleSpec| serde_json::to_value(&s.signal).unwrap_or_default();
    let mut d = Diff::new();
    d.field(
        "name",
        before.map(|b| b.name.as_str().to_owned()).as_ref(),
        &after.name.as_str().to_owned(),
        Sensitivity::Clear,
    );
    d.field("signal", before.map(signal).as_ref(), &signal(after), Sensitivity::Clear);
    d.field("points", before.map(|b| &b.points), &after.points, Sensitivity::Clear);
    d.field(
        "half_life_days",
        before.map(|b| &b.half_life_days),
        &after.half_life_days,
        Sensitivity::Clear,
    );
    d.field("active", before.map(|b| &b.active), &after.active, Sensitivity::Clear);
    d.into_changes()
}

/// Scoring rules and scores.
impl<S: ScoringStore + ContactStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The company's rules (Admin, Marketing).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn scoring_rules(&self, actor: &Actor) -> Result<Vec<ScoringRule>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageScoring)?;
        Ok(self.store.scoring_rules(tenant).await?)
    }

    /// Adds a rule (every contact is then scored again, in the background).
    ///
    /// # Errors
    /// `Forbidden`; `Invalid` (see [`ScoringRuleInput::validate`]).
    pub async fn create_scoring_rule(&self, actor: &Actor, input: &ScoringRuleInput) -> Result<ScoringRule, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageScoring)?;
        let spec = input.validate()?;
        let now = self.clock.now();
        let rule = ScoringRule {
            id: self.new_id(),
            tenant_id: tenant,
            spec,
            updated_by: actor.user_id(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let ev = self.event(
            actor,
            EntityType::ScoringRule,
            rule.id,
            EventKind::Created,
            None,
            changes(None, &rule.spec),
        );
        self.store.create_scoring_rule(&rule, &ev).await?;
        Ok(rule)
    }

    /// Changes a rule at `expected_version`.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Conflict`, `Invalid`.
    pub async fn update_scoring_rule(
        &self,
        actor: &Actor,
        id: Uuid,
        expected_version: i64,
        input: &ScoringRuleInput,
    ) -> Result<ScoringRule, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageScoring)?;
        let current = self
            .store
            .scoring_rules(tenant)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or(ServiceError::NotFound)?;
        if current.version != expected_version {
            return Err(ServiceError::Conflict);
        }
        let spec = input.validate()?;
        let ev = self.event(
            actor,
            EntityType::ScoringRule,
            id,
            EventKind::Updated,
            None,
            changes(Some(&current.spec), &spec),
        );
        let next = ScoringRule {
            spec,
            version: current.version + 1,
            updated_by: actor.user_id(),
            updated_at: self.clock.now(),
            ..current
        };
        self.store.update_scoring_rule(&next, expected_version, &ev).await?;
        Ok(next)
    }

    /// Deletes a rule.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`.
    pub async fn delete_scoring_rule(&self, actor: &Actor, id: Uuid) -> Result<(), ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageScoring)?;
        let ev = self.event(actor, EntityType::ScoringRule, id, EventKind::Deleted, None, Vec::new());
        Ok(self.store.delete_scoring_rule(tenant, id, &ev).await?)
    }

    /// A contact's score with its lines and history, for whoever sees the contact.
    ///
    /// # Errors
    /// `NotFound` (not visible).
    pub async fn contact_score(&self, actor: &Actor, id: ContactId) -> Result<ScoreView, ServiceError> {
        let contact = self.contact(actor, id).await?;
        let tenant = contact.tenant_id;
        let current = self.store.contact_score(tenant, id).await?.unwrap_or(ContactScore {
            contact_id: id,
            breakdown: Breakdown::default(),
            computed_at: contact.created_at,
        });
        let history = self.store.score_history(tenant, id, HISTORY).await?;
        Ok(ScoreView { current, history })
    }

    /// How the scores of the company's first contacts ([`PREVIEW_SAMPLE`]) spread under its
    /// rules, and under its rules with `draft` added (Admin, Marketing).
    ///
    /// # Errors
    /// `Forbidden`; `Invalid` (the draft's fields).
    pub async fn score_preview(
        &self,
        actor: &Actor,
        draft: Option<&ScoringRuleInput>,
    ) -> Result<(Distribution, Option<Distribution>), ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageScoring)?;
        let draft = draft.map(ScoringRuleInput::validate).transpose()?;
        let rules = self.store.scoring_rules(tenant).await?;
        let now = self.clock.now();
        let ids = self.store.contact_ids_after(tenant, None, PREVIEW_SAMPLE).await?;
        let facts = self.store.scoring_facts(tenant, &ids, now).await?;
        let current = Distribution::of(facts.iter().map(|(_, f)| crm_domain::scoring::score(&rules, f, now).score));
        let with = draft.map(|spec| {
            let mut all = rules.clone();
            all.push(ScoringRule {
                id: Uuid::nil(),
                tenant_id: tenant,
                spec,
                updated_by: None,
                version: 0,
                created_at: now,
                updated_at: now,
            });
            Distribution::of(facts.iter().map(|(_, f)| crm_domain::scoring::score(&all, f, now).score))
        });
        Ok((current, with))
    }

    /// The scores of `contacts` now, under the company's rules (what the reader of the log
    /// and the rescoring job write).
    ///
    /// # Errors
    /// Store failures.
    pub async fn compute_scores(&self, tenant: crm_domain::TenantId, contacts: &[ContactId]) -> Result<Vec<ContactScore>, ServiceError> {
        let rules = self.store.scoring_rules(tenant).await?;
        let now = self.clock.now();
        let facts = self.store.scoring_facts(tenant, contacts, now).await?;
        Ok(facts
            .iter()
            .map(|(id, f)| ContactScore {
                contact_id: *id,
                breakdown: crm_domain::scoring::score(&rules, f, now),
                computed_at: now,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_fall_in_their_bands() {
        let d = Distribution::of([-20, 0, 1, 9, 10, 24, 25, 49, 50, 99, 100, 1_000]);
        assert_eq!(d.contacts, 12);
        assert_eq!(d.bands, [2, 2, 2, 2, 2, 2]);
    }
}
