//! Pipelines: ordered lists of stages whose probabilities strictly increase.

use crate::error::{ValidationError, Validator, ViolationKind};
use crate::event::{Diff, FieldChange, Sensitivity};
use crate::ids::{PipelineId, StageId, TenantId};
use crate::money::Probability;
use crate::text::{Label, Name, fold};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Most stages in one pipeline.
pub const MAX_STAGES: usize = 30;

/// Name of the pipeline every new tenant starts with (data of the tenant, which its Admin
/// renames or edits at will; French, as the product is French-first).
pub const DEFAULT_PIPELINE_NAME: &str = "Pipeline commercial";

/// Stages of the default pipeline with their probabilities in whole percent, strictly
/// increasing. The last stays below 100: a win is its own state (closing as won, from the
/// last stage, sets 100).
pub const DEFAULT_STAGES: [(&str, i64); 5] = [
    ("Qualification", 10),
    ("Découverte", 25),
    ("Proposition", 50),
    ("Négociation", 75),
    ("Signature", 90),
];

/// The stages of the default pipeline, checked like any caller's, with ids from `new_id`.
///
/// # Errors
/// None in practice ([`DEFAULT_STAGES`] follows the rules; a unit test checks it).
pub fn default_stages(new_id: impl FnMut() -> StageId) -> Result<Vec<Stage>, ValidationError> {
    let input: Vec<StageInput> = DEFAULT_STAGES
        .iter()
        .map(|(name, probability)| StageInput {
            id: None,
            name: (*name).to_owned(),
            probability: *probability,
        })
        .collect();
    parse_stages(&input, &[], new_id)
}

/// One step of a pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    /// Id, stable across renames.
    pub id: StageId,
    /// Name.
    pub name: Label,
    /// Default probability of opportunities at this stage.
    pub probability: Probability,
}

/// A sales pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    /// Id.
    pub id: PipelineId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Name.
    pub name: Name,
    /// Stages in order; never empty; probabilities strictly increase.
    pub stages: Vec<Stage>,
    /// Stages taken out of the pipeline that closed deals still name (their history and
    /// reports keep them); no open deal is in one, and none is offered to move to.
    pub archived: Vec<Stage>,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Where the open deals of a stage taken out of a pipeline go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageMove {
    /// The stage taken out.
    pub from: StageId,
    /// A stage kept in the pipeline.
    pub to: StageId,
}

/// A stage as given by a caller. `id` names an existing stage to keep; `None` adds one.
#[derive(Debug, Clone)]
pub struct StageInput {
    /// Existing stage, if any.
    pub id: Option<StageId>,
    /// Name.
    pub name: String,
    /// Probability in whole percent.
    pub probability: i64,
}

/// Checks a stage list: 1 to 30 stages, unique names (folded), probabilities in 0..=100
/// strictly increasing. New stages get ids from `new_id`.
///
/// # Errors
/// Every field at fault, e.g. `stages.2.probability: not_increasing`.
pub fn parse_stages(input: &[StageInput], existing: &[Stage], mut new_id: impl FnMut() -> StageId) -> Result<Vec<Stage>, ValidationError> {
    let mut v = Validator::new();
    if input.is_empty() {
        v.push("stages", ViolationKind::Required);
        return v.finish().map(|()| Vec::new());
    }
    if input.len() > MAX_STAGES {
        v.push("stages", ViolationKind::TooLarge);
        return v.finish().map(|()| Vec::new());
    }
    let mut out: Vec<Stage> = Vec::with_capacity(input.len());
    let mut names: Vec<String> = Vec::new();
    let mut prev: Option<Probability> = None;
    for (i, s) in input.iter().enumerate() {
        let name = v.check(&format!("stages.{i}.name"), Label::parse(&s.name));
        let p = v.check(&format!("stages.{i}.probability"), Probability::new(s.probability));
        if let Some(n) = &name {
            let f = fold(n.as_str());
            if names.contains(&f) {
                v.push(format!("stages.{i}.name"), ViolationKind::Repeated);
            }
            names.push(f);
        }
        if let (Some(p), Some(q)) = (p, prev)
            && p <= q
        {
            v.push(format!("stages.{i}.probability"), ViolationKind::NotIncreasing);
        }
        if p.is_some() {
            prev = p;
        }
        let id = match s.id {
            Some(id) if existing.iter().any(|e| e.id == id) => {
                if out.iter().any(|o| o.id == id) {
                    v.push(format!("stages.{i}.id"), ViolationKind::Repeated);
                }
                Some(id)
            }
            Some(_) => {
                v.push(format!("stages.{i}.id"), ViolationKind::Unknown);
                None
            }
            None => Some(new_id()),
        };
        if let (Some(name), Some(probability), Some(id)) = (name, p, id) {
            out.push(Stage { id, name, probability });
        }
    }
    v.finish()?;
    Ok(out)
}

impl Pipeline {
    /// Position of a stage, if it belongs to this pipeline.
    pub fn position(&self, stage: StageId) -> Option<usize> {
        self.stages.iter().position(|s| s.id == stage)
    }

    /// A stage of this pipeline, archived ones included (the name of a closed deal's stage).
    pub fn stage(&self, stage: StageId) -> Option<&Stage> {
        self.stages.iter().chain(&self.archived).find(|s| s.id == stage)
    }

    /// The first stage.
    pub fn first_stage(&self) -> Option<&Stage> {
        self.stages.first()
    }

    /// Whether the stage is the last one (the only one a deal can be won from).
    pub fn is_last(&self, stage: StageId) -> bool {
        self.stages.last().is_some_and(|s| s.id == stage)
    }

    /// Where each removed stage's open deals go, checked: every removed stage that holds
    /// open deals (`open_in`) needs a destination among the kept stages.
    ///
    /// # Errors
    /// `moves.<i>.to: unknown` for a destination that is not a kept stage,
    /// `moves.<i>.from: unknown` for a stage that is not removed, `stages: not_allowed`
    /// naming no destination for a removed stage with open deals (the caller says which).
    pub fn check_moves(&self, next: &[Stage], moves: &[StageMove], open_in: &[StageId]) -> Result<(), ValidationError> {
        let removed = self.removed_stages(next);
        let mut v = Validator::new();
        for (i, m) in moves.iter().enumerate() {
            if !removed.contains(&m.from) {
                v.push(format!("moves.{i}.from"), ViolationKind::Unknown);
            }
            if !next.iter().any(|s| s.id == m.to) {
                v.push(format!("moves.{i}.to"), ViolationKind::Unknown);
            }
        }
        for r in removed.iter().filter(|r| open_in.contains(r)) {
            if !moves.iter().any(|m| m.from == *r) {
                v.push("stages", ViolationKind::NotAllowed);
                break;
            }
        }
        v.finish()
    }

    /// Ids of stages present in `self` but not in `next` (removed by an update).
    pub fn removed_stages(&self, next: &[Stage]) -> Vec<StageId> {
        self.stages
            .iter()
            .filter(|s| !next.iter().any(|n| n.id == s.id))
            .map(|s| s.id)
            .collect()
    }

    /// Field changes between two versions.
    pub fn changes(before: Option<&Self>, after: &Self) -> Vec<FieldChange> {
        let mut d = Diff::new();
        d.field("name", before.map(|b| &b.name), &after.name, Sensitivity::Clear);
        d.field("stages", before.map(|b| &b.stages), &after.stages, Sensitivity::Clear);
        d.field("archived_stages", before.map(|b| &b.archived), &after.archived, Sensitivity::Clear);
        d.into_changes()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;
    use uuid::Uuid;

    pub(crate) fn stages(probs: &[i64]) -> Vec<StageInput> {
        probs
            .iter()
            .enumerate()
            .map(|(i, p)| StageInput {
                id: None,
                name: format!("Étape {i}"),
                probability: *p,
            })
            .collect()
    }

    pub(crate) fn counter() -> impl FnMut() -> StageId {
        let mut n = 0u128;
        move || {
            n += 1;
            StageId::from_uuid(Uuid::from_u128(n))
        }
    }

    #[test]
    fn default_stages_follow_the_rules() {
        let s = default_stages(counter()).unwrap();
        assert_eq!(s.len(), DEFAULT_STAGES.len());
        assert!(s.windows(2).all(|w| w[0].probability < w[1].probability));
        assert!(s.iter().all(|st| st.probability < Probability::HUNDRED));
        assert_eq!(s[0].name.as_str(), "Qualification");
        assert!(Name::parse(DEFAULT_PIPELINE_NAME).is_ok());
    }

    #[test]
    fn accepts_increasing() {
        let s = parse_stages(&stages(&[10, 30, 60, 90]), &[], counter()).unwrap();
        assert_eq!(s.len(), 4);
        assert_eq!(s[2].probability.percent(), 60);
    }

    #[test]
    fn refuses_flat_or_decreasing() {
        let e = parse_stages(&stages(&[10, 30, 30, 20]), &[], counter()).unwrap_err();
        let f: Vec<_> = e.errors().iter().map(|e| (e.field.as_str(), e.kind)).collect();
        assert_eq!(
            f,
            [
                ("stages.2.probability", ViolationKind::NotIncreasing),
                ("stages.3.probability", ViolationKind::NotIncreasing)
            ]
        );
    }

    #[test]
    fn refuses_empty_repeated_and_unknown_ids() {
        assert!(parse_stages(&[], &[], counter()).is_err());
        let mut s = stages(&[10, 20]);
        s[1].name = "ÉTAPE 0".into();
        assert_eq!(parse_stages(&s, &[], counter()).unwrap_err().errors()[0].field, "stages.1.name");
        let mut s = stages(&[10]);
        s[0].id = Some(StageId::from_uuid(Uuid::from_u128(99)));
        assert_eq!(parse_stages(&s, &[], counter()).unwrap_err().errors()[0].field, "stages.0.id");
    }

    proptest! {
        #[test]
        fn accepted_iff_strictly_increasing(probs in proptest::collection::vec(0i64..=100, 1..12)) {
            let ok = probs.windows(2).all(|w| w[0] < w[1]);
            prop_assert_eq!(parse_stages(&stages(&probs), &[], counter()).is_ok(), ok);
        }
    }

    #[test]
    fn removed_stages_with_open_deals_need_a_kept_destination() {
        let ids: Vec<StageId> = (1..=3).map(|i| StageId::from_uuid(Uuid::from_u128(i))).collect();
        let stage = |i: usize, p: i64| Stage {
            id: ids[i],
            name: Label::parse(&format!("É{i}")).unwrap(),
            probability: Probability::new(p).unwrap(),
        };
        let now = chrono::Utc::now();
        let before = Pipeline {
            id: PipelineId::from_uuid(Uuid::from_u128(9)),
            tenant_id: TenantId::from_uuid(Uuid::from_u128(8)),
            name: Name::parse("P").unwrap(),
            stages: vec![stage(0, 10), stage(1, 50), stage(2, 80)],
            archived: Vec::new(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let next = vec![stage(0, 10), stage(2, 80)];
        // Nothing open in the removed stage: no move needed.
        assert!(before.check_moves(&next, &[], &[]).is_ok());
        // Open deals there: a destination is required, and must be kept.
        let e = before.check_moves(&next, &[], &[ids[1]]).unwrap_err();
        assert_eq!(e.errors()[0].field, "stages");
        let to_removed = [StageMove { from: ids[1], to: ids[1] }];
        assert_eq!(
            before.check_moves(&next, &to_removed, &[ids[1]]).unwrap_err().errors()[0].field,
            "moves.0.to"
        );
        let from_kept = [StageMove { from: ids[0], to: ids[2] }];
        assert_eq!(
            before.check_moves(&next, &from_kept, &[]).unwrap_err().errors()[0].field,
            "moves.0.from"
        );
        let good = [StageMove { from: ids[1], to: ids[2] }];
        assert!(before.check_moves(&next, &good, &[ids[1]]).is_ok());
    }
}
