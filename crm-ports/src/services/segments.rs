//! Segments: static lists filled by hand, in bulk from a filter or a search, and dynamic
//! segments defined by a rule the store evaluates. Every role reads segments; Admins,
//! Managers and Marketing make and fill them. Counts and members are always those of the
//! reader's scope (a Sales rep sees only their own contacts in any segment).

use crm_domain::event::EventKind;

use crate::app::{App, check_version, known, require, scope, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::{ContactFilter, SegmentMembership};
use crate::search::{SearchEntity, SearchIndex};
use crate::services::search::SearchRequest;
use crate::store::{ContactStore, Deletable, DeletionStore, SearchHasher, SegmentStore, UserStore};
use crm_domain::event::{EntityType, FieldChange, Sensitivity};
use crm_domain::segment::{Definition, Rule, Segment};
use crm_domain::text::Name;
use crm_domain::visibility::{Capability, Owned};
use crm_domain::{Actor, ContactId, SegmentId, UserId, ValidationError, ViolationKind};
use serde_json::{Value, json};

/// Most contacts one call adds or removes by id.
pub const MAX_MEMBERS_PER_CALL: usize = 1_000;
/// Most contacts one bulk addition (from a filter or a search) adds.
pub const MAX_BULK_MEMBERS: usize = 10_000;

/// A segment as given by a caller: a name, and a rule for a dynamic segment (none for a
/// static list).
#[derive(Debug, Clone, Default)]
pub struct SegmentInput {
    /// Name (unique in the tenant, accents and case ignored).
    pub name: String,
    /// Rule, in its JSON form ([`Rule::parse`]).
    pub rule: Option<Value>,
}

fn parse_input(input: &SegmentInput) -> Result<(Name, Option<Rule>), ValidationError> {
    let mut v = crm_domain::error::Validator::new();
    let name = v.check("name", Name::parse(&input.name));
    let rule = match &input.rule {
        Some(r) => v.check("", Rule::parse(r, "rule")),
        None => None,
    };
    v.finish()?;
    let name = name.ok_or_else(|| ValidationError::field("name", ViolationKind::Required))?;
    Ok((name, rule))
}

fn change(field: &'static str, before: Option<Value>, after: Option<Value>) -> FieldChange {
    FieldChange {
        field,
        before,
        after,
        sensitivity: Sensitivity::Clear,
    }
}

fn definition_json(d: &Definition) -> Value {
    match d {
        Definition::Static => Value::Null,
        Definition::Dynamic(r) => r.to_json(),
    }
}

/// Reading segments and counting their members: the segments only.
impl<S: SegmentStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// A segment (every role reads segments).
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn segment(&self, actor: &Actor, id: SegmentId) -> Result<Segment, ServiceError> {
        Ok(self.store.segment(tenant_of(actor)?, id).await?)
    }

    /// Every segment of the tenant, by name.
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn list_segments(&self, actor: &Actor) -> Result<Vec<Segment>, ServiceError> {
        Ok(self.store.list_segments(tenant_of(actor)?).await?)
    }

    /// The list filter for "member of this segment", its rule evaluated now.
    pub fn membership(&self, s: &Segment) -> SegmentMembership {
        match &s.definition {
            Definition::Static => SegmentMembership::Members(s.id),
            Definition::Dynamic(r) => SegmentMembership::Rule {
                rule: r.clone(),
                now: self.clock.now(),
            },
        }
    }

    /// The list filter of a segment the actor names (`segment_id: unknown` if missing).
    ///
    /// # Errors
    /// `Invalid`.
    pub async fn segment_filter(&self, actor: &Actor, id: SegmentId) -> Result<SegmentMembership, ServiceError> {
        let s = known(self.store.segment(tenant_of(actor)?, id).await, "segment_id")?;
        Ok(self.membership(&s))
    }

    /// How many contacts of the actor's scope are in the segment, now.
    ///
    /// # Errors
    /// Store failures.
    pub async fn count_segment(&self, actor: &Actor, s: &Segment) -> Result<u64, ServiceError> {
        let filter = ContactFilter {
            segment: Some(self.membership(s)),
            ..ContactFilter::default()
        };
        Ok(self.store.count_contacts(scope(actor, Owned::Contact)?, &filter).await?)
    }

    /// How many contacts of the actor's scope the filter holds (a list's total).
    ///
    /// # Errors
    /// `Invalid` for a bad filter.
    pub async fn count_contacts(&self, actor: &Actor, filter: &ContactFilter) -> Result<u64, ServiceError> {
        let sc = scope(actor, Owned::Contact)?;
        filter.check()?;
        Ok(self.store.count_contacts(sc, filter).await?)
    }

    /// How many contacts of the actor's scope a rule would hold, without saving it.
    ///
    /// # Errors
    /// `Invalid` (the rule, under `rule`).
    pub async fn preview_segment(&self, actor: &Actor, rule: &Value) -> Result<u64, ServiceError> {
        let rule = Rule::parse(rule, "rule")?;
        let filter = ContactFilter {
            segment: Some(SegmentMembership::Rule {
                rule,
                now: self.clock.now(),
            }),
            ..ContactFilter::default()
        };
        Ok(self.store.count_contacts(scope(actor, Owned::Contact)?, &filter).await?)
    }

    /// A static segment the actor may fill.
    async fn static_segment(&self, actor: &Actor, id: SegmentId) -> Result<Segment, ServiceError> {
        let s = self.segment(actor, id).await?;
        require(actor, Capability::ManageSegments)?;
        if s.definition != Definition::Static {
            return Err(ValidationError::field("segment", ViolationKind::NotAllowed).into());
        }
        Ok(s)
    }

    async fn add(&self, actor: &Actor, s: &Segment, ids: &[ContactId]) -> Result<u64, ServiceError> {
        let mut added = 0;
        for chunk in ids.chunks(MAX_MEMBERS_PER_CALL) {
            let ev = self.event(
                actor,
                EntityType::Segment,
                s.id.as_uuid(),
                EventKind::MembersAdded,
                None,
                vec![change(
                    "contact_ids",
                    None,
                    Some(json!(chunk.iter().map(|c| c.as_uuid()).collect::<Vec<_>>())),
                )],
            );
            added += self.store.add_members(s.tenant_id, s.id, chunk, self.clock.now(), &ev).await?;
        }
        Ok(added)
    }
}

/// Defining segments: the users a rule names are checked.
impl<S: SegmentStore + DeletionStore + UserStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Users named in a rule must be users of the tenant.
    async fn check_rule_users(&self, actor: &Actor, rule: Option<&Rule>) -> Result<(), ServiceError> {
        let tenant = tenant_of(actor)?;
        for id in rule.map(Rule::owner_ids).unwrap_or_default() {
            known(self.store.user(tenant, UserId::from_uuid(id)).await, "rule")?;
        }
        Ok(())
    }

    /// Creates a segment: static without a rule, dynamic with one.
    ///
    /// # Errors
    /// `Forbidden`, `Invalid` (name taken: `name: repeated`).
    pub async fn create_segment(&self, actor: &Actor, input: &SegmentInput) -> Result<Segment, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::ManageSegments)?;
        let (name, rule) = parse_input(input)?;
        self.check_rule_users(actor, rule.as_ref()).await?;
        let now = self.clock.now();
        let s = Segment {
            id: SegmentId::from_uuid(self.new_id()),
            tenant_id,
            name,
            definition: rule.map_or(Definition::Static, Definition::Dynamic),
            created_by: actor.user_id(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let ev = self.event(
            actor,
            EntityType::Segment,
            s.id.as_uuid(),
            EventKind::Created,
            None,
            vec![
                change("name", None, Some(json!(s.name.as_str()))),
                change("kind", None, Some(json!(s.definition.code()))),
                change("rule", None, Some(definition_json(&s.definition))),
            ],
        );
        self.store.create_segment(&s, &ev).await.map_err(name_taken)?;
        Ok(s)
    }

    /// Renames a segment and, for a dynamic one, replaces its rule. A static segment stays
    /// static and a dynamic one dynamic (`rule: not_allowed` / `rule: required`).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `Invalid`.
    pub async fn update_segment(
        &self,
        actor: &Actor,
        id: SegmentId,
        expected_version: i64,
        input: &SegmentInput,
    ) -> Result<Segment, ServiceError> {
        let before = self.segment(actor, id).await?;
        require(actor, Capability::ManageSegments)?;
        let (name, rule) = parse_input(input)?;
        check_version(before.version, expected_version)?;
        let definition = match (&before.definition, rule) {
            (Definition::Static, None) => Definition::Static,
            (Definition::Dynamic(_), Some(r)) => Definition::Dynamic(r),
            (Definition::Static, Some(_)) => return Err(ValidationError::field("rule", ViolationKind::NotAllowed).into()),
            (Definition::Dynamic(_), None) => return Err(ValidationError::field("rule", ViolationKind::Required).into()),
        };
        if let Definition::Dynamic(r) = &definition {
            self.check_rule_users(actor, Some(r)).await?;
        }
        let mut after = before.clone();
        after.name = name;
        after.definition = definition;
        after.version = expected_version + 1;
        after.updated_at = self.clock.now();
        let mut changes = Vec::new();
        if after.name != before.name {
            changes.push(change("name", Some(json!(before.name.as_str())), Some(json!(after.name.as_str()))));
        }
        if after.definition != before.definition {
            changes.push(change(
                "rule",
                Some(definition_json(&before.definition)),
                Some(definition_json(&after.definition)),
            ));
        }
        let ev = self.event(actor, EntityType::Segment, id.as_uuid(), EventKind::Updated, None, changes);
        self.store.update_segment(&after, expected_version, &ev).await.map_err(name_taken)?;
        Ok(after)
    }

    /// Deletes a segment softly (its contacts stay).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`.
    pub async fn delete_segment(&self, actor: &Actor, id: SegmentId, expected_version: i64) -> Result<(), ServiceError> {
        let s = self.segment(actor, id).await?;
        require(actor, Capability::ManageSegments)?;
        check_version(s.version, expected_version)?;
        let ev = self.event(actor, EntityType::Segment, id.as_uuid(), EventKind::Deleted, None, Vec::new());
        Ok(self
            .store
            .soft_delete(s.tenant_id, Deletable::Segment, id.as_uuid(), expected_version, &ev)
            .await?)
    }
}

/// Adding and removing members: the contacts must be visible.
impl<S: SegmentStore + ContactStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Adds contacts (visible to the actor) to a static segment; those already in it are
    /// skipped. Returns how many were added.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Invalid` (`segment: not_allowed` for a dynamic segment,
    /// `contact_ids.<i>: unknown`, more than [`MAX_MEMBERS_PER_CALL`]).
    pub async fn add_segment_members(&self, actor: &Actor, id: SegmentId, contacts: &[ContactId]) -> Result<u64, ServiceError> {
        let s = self.static_segment(actor, id).await?;
        self.check_members(actor, contacts).await?;
        self.add(actor, &s, contacts).await
    }

    /// Removes contacts from a static segment. Returns how many were removed.
    ///
    /// # Errors
    /// As [`App::add_segment_members`].
    pub async fn remove_segment_members(&self, actor: &Actor, id: SegmentId, contacts: &[ContactId]) -> Result<u64, ServiceError> {
        let s = self.static_segment(actor, id).await?;
        self.check_members(actor, contacts).await?;
        let ev = self.event(
            actor,
            EntityType::Segment,
            s.id.as_uuid(),
            EventKind::MembersRemoved,
            None,
            vec![change(
                "contact_ids",
                Some(json!(contacts.iter().map(|c| c.as_uuid()).collect::<Vec<_>>())),
                None,
            )],
        );
        Ok(self.store.remove_members(s.tenant_id, s.id, contacts, &ev).await?)
    }

    async fn check_members(&self, actor: &Actor, contacts: &[ContactId]) -> Result<(), ServiceError> {
        if contacts.len() > MAX_MEMBERS_PER_CALL {
            return Err(ValidationError::field("contact_ids", ViolationKind::TooLarge).into());
        }
        let sc = scope(actor, Owned::Contact)?;
        for (i, c) in contacts.iter().enumerate() {
            known(self.store.contact(sc, *c).await, format!("contact_ids.{i}"))?;
        }
        Ok(())
    }

    /// Adds to a static segment every contact of the actor's scope matching a list filter
    /// (at most [`MAX_BULK_MEMBERS`]). Returns how many were added.
    ///
    /// # Errors
    /// As [`App::add_segment_members`].
    pub async fn add_segment_members_from_filter(&self, actor: &Actor, id: SegmentId, filter: &ContactFilter) -> Result<u64, ServiceError> {
        filter.check()?;
        let s = self.static_segment(actor, id).await?;
        let sc = scope(actor, Owned::Contact)?;
        let mut ids = Vec::new();
        self.for_each_contact(sc, filter, MAX_BULK_MEMBERS, |c| ids.push(c.id)).await?;
        ids.truncate(MAX_BULK_MEMBERS);
        self.add(actor, &s, &ids).await
    }
}

/// Adding the contacts a search finds: the search hashes and the users (teams' members).
impl<S: SegmentStore + SearchHasher + UserStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Adds to a static segment the contacts a search finds (the best
    /// `limit`, at most 1,000). Returns how many were added.
    ///
    /// # Errors
    /// As [`App::add_segment_members`] and [`App::search`].
    pub async fn add_segment_members_from_search<X: SearchIndex>(
        &self,
        index: &X,
        actor: &Actor,
        id: SegmentId,
        mut req: SearchRequest,
    ) -> Result<u64, ServiceError> {
        let s = self.static_segment(actor, id).await?;
        req.entities = vec![SearchEntity::Contact];
        req.limit = Some(req.limit.unwrap_or(1_000));
        let (query, _) = self.index_query(actor, req, 1_000).await?;
        let found = index.search(query).await?;
        let ids: Vec<ContactId> = found
            .groups
            .iter()
            .filter(|(e, _)| *e == SearchEntity::Contact)
            .flat_map(|(_, hits)| hits.iter().map(|h| ContactId::from_uuid(h.id)))
            .collect();
        self.add(actor, &s, &ids).await
    }
}

/// A duplicate segment name is a validation error on `name`.
fn name_taken(e: crate::StoreError) -> ServiceError {
    match e {
        crate::StoreError::Duplicate { .. } => ValidationError::field("name", ViolationKind::Repeated).into(),
        other => other.into(),
    }
}
