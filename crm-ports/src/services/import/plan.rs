//! Planning imported rows, shared by the dry run and the import itself: each row read as a
//! contact's input, its key looked up with the duplicate rules of a contact created by
//! hand, its organization matched (by web domain, then name) or made, and what it would
//! write — a new contact, a changed one, or nothing and why.

use super::{ImportOptions, RowAction, RowNote, RowPlan, UpsertKey};
use crate::app::{App, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::services::contacts::identity;
use crate::store::{CandidateRow, ContactStore, OrganizationStore, ProbeCandidates, TenantStore, TerritoryStore, UserStore};
use crm_domain::contact::{Contact, ContactFields, ContactKind};
use crm_domain::duplicates::{MatchReason, match_reasons};
use crm_domain::import::{ContactRow, ImportField, contact_row, update_from_row};
use crm_domain::lead::Lead;
use crm_domain::organization::{Organization, PostalAddress, WebDomain};
use crm_domain::suppression::Channel;
use crm_domain::tenant::CountryCode;
use crm_domain::territory::{Territory, best};
use crm_domain::text::{Name, fold};
use crm_domain::visibility::{Capability, Owned, allows, may_edit_contact, read_scope};
use crm_domain::{Actor, OrganizationId, TeamId, TenantId, UserId, ValidationError, ViolationKind};
use std::collections::HashMap;

/// What a planned row writes.
#[derive(Debug, Clone)]
pub(crate) enum RowWrite {
    /// A new contact.
    Create(Contact),
    /// A changed contact, as it was read and as it becomes.
    Update {
        /// As read.
        before: Box<Contact>,
        /// As written.
        after: Contact,
    },
}

/// A planned row.
#[derive(Debug, Clone)]
pub(crate) struct Planned {
    pub plan: RowPlan,
    pub write: Option<RowWrite>,
    /// The team whose next sales rep gets the new contact (an import by territory).
    pub team: Option<TeamId>,
}

impl Planned {
    fn plan(plan: RowPlan) -> Self {
        Self {
            plan,
            write: None,
            team: None,
        }
    }
}

/// What an import by territory routes with: the company's territories and the industry
/// of each organization.
#[derive(Debug, Default)]
struct Routing {
    territories: Vec<Territory>,
    industries: HashMap<OrganizationId, String>,
}

impl Routing {
    /// The territory covering a new contact (its postcode, its organization's industry).
    fn covering(&self, c: &Contact) -> Option<&Territory> {
        let postal = c.fields.address.postal_code.as_ref().map(|p| p.as_str());
        let industry = c.fields.organization_id.and_then(|o| self.industries.get(&o)).map(String::as_str);
        best(&self.territories, postal, industry)
    }
}

/// The organizations of the tenant, by web domain and by folded name.
#[derive(Debug, Default)]
struct OrgIndex {
    by_domain: HashMap<String, OrganizationId>,
    by_name: HashMap<String, OrganizationId>,
}

impl OrgIndex {
    fn add(&mut self, o: &Organization) {
        if let Some(d) = &o.domain {
            self.by_domain.entry(d.as_str().to_owned()).or_insert(o.id);
        }
        self.by_name.entry(fold(o.name.as_str())).or_insert(o.id);
    }
}

/// Plans rows one piece after another (a key seen in an earlier piece is seen).
pub(crate) struct Planner {
    actor: Actor,
    tenant: TenantId,
    country: CountryCode,
    mapping: Vec<Option<ImportField>>,
    options: ImportOptions,
    owner: UserId,
    leads_only: bool,
    may_create_organizations: bool,
    organizations: OrgIndex,
    new_organizations: Vec<Organization>,
    seen: HashMap<String, u64>,
    routing: Option<Routing>,
}

impl<
    S: ContactStore + OrganizationStore + TenantStore + TerritoryStore + UserStore + crate::store::SuppressionStore,
    K,
    C: Clock,
    I: IdGenerator,
> App<S, K, C, I>
{
    /// The owner of the contacts the actor's import creates (the one asked, if the actor
    /// may give contacts to them, else the actor; Marketing's are its own, in the pool).
    ///
    /// # Errors
    /// `Forbidden` (a role that may not import, an owner the actor may not give contacts
    /// to), `Invalid` (`owner_id`: unknown, or none for the system; `by_territory:
    /// not_allowed` for a sales rep).
    pub(crate) async fn import_owner(&self, actor: &Actor, options: &ImportOptions) -> Result<UserId, ServiceError> {
        let tenant = tenant_of(actor)?;
        super::require_import(actor)?;
        let leads_only = !allows(actor, Capability::WriteContacts);
        // Routing by territory: those who hand leads over (Admin, Manager, Marketing).
        if options.by_territory && !allows(actor, Capability::QualifyLeads) {
            return Err(ValidationError::field("by_territory", ViolationKind::NotAllowed).into());
        }
        match (options.owner, actor.user_id()) {
            (Some(o), _) if !leads_only => {
                self.check_assignee(actor, tenant, o, "owner_id").await?;
                Ok(o)
            }
            (_, Some(me)) => Ok(me),
            (_, None) => Err(ValidationError::field("owner_id", ViolationKind::Required).into()),
        }
    }

    /// A planner for the actor's import (rights and owner checked, organizations loaded).
    pub(crate) async fn planner(
        &self,
        actor: &Actor,
        mapping: &[Option<ImportField>],
        options: &ImportOptions,
    ) -> Result<Planner, ServiceError> {
        let owner = self.import_owner(actor, options).await?;
        let tenant = tenant_of(actor)?;
        let country = self.store.tenant(tenant).await?.settings.country;
        let mut routing = if options.by_territory {
            Some(Routing {
                territories: self.store.territories(tenant).await?,
                industries: HashMap::new(),
            })
        } else {
            None
        };
        let mut organizations = OrgIndex::default();
        for o in &self.all_organizations(tenant).await? {
            organizations.add(o);
            if let (Some(r), Some(i)) = (routing.as_mut(), o.industry.as_ref()) {
                r.industries.insert(o.id, i.to_string());
            }
        }
        Ok(Planner {
            actor: *actor,
            tenant,
            country,
            mapping: mapping.to_vec(),
            options: *options,
            owner,
            leads_only: !allows(actor, Capability::WriteContacts),
            may_create_organizations: allows(actor, Capability::WriteOrganizations),
            organizations,
            new_organizations: Vec::new(),
            seen: HashMap::new(),
            routing,
        })
    }

    /// Plans `rows` (after those already planned).
    pub(crate) async fn plan_rows(&self, p: &mut Planner, rows: &[(u64, Vec<String>)]) -> Result<Vec<Planned>, ServiceError> {
        let looked = self.look_up(p, rows).await?;
        Ok(self.decide_rows(p, looked))
    }

    /// Reads `rows` (after those already planned) and looks their duplicates up, short of
    /// deciding what each does.
    pub(crate) async fn look_up(&self, p: &mut Planner, rows: &[(u64, Vec<String>)]) -> Result<Looked, ServiceError> {
        // Read every row first (keys seen, organizations matched or made, in file order),
        // then look the duplicates of the whole piece up at once.
        let mut prepared: Vec<Result<Prepared, RowPlan>> = Vec::with_capacity(rows.len());
        for (line, cells) in rows {
            prepared.push(self.prepare(p, *line, cells));
        }
        // Nobody on the suppression list comes back as reachable.
        let mut values: Vec<(Channel, &str)> = Vec::new();
        let mut owners: Vec<usize> = Vec::new();
        for (i, r) in prepared.iter().enumerate() {
            if let Ok(x) = r {
                let f = &x.probe.fields;
                for e in &f.emails {
                    values.push((Channel::Email, e.as_str()));
                    owners.push(i);
                }
                for ph in &f.phones {
                    values.push((Channel::Phone, ph.as_str()));
                    owners.push(i);
                }
            }
        }
        let on_list = self.store.suppressed(p.tenant, &values).await?;
        let mut suppressed_rows: Vec<usize> = owners.iter().zip(on_list).filter(|(_, s)| *s).map(|(i, _)| *i).collect();
        suppressed_rows.dedup();
        for i in suppressed_rows {
            if let Some(Ok(x)) = prepared.get(i) {
                let line = x.line;
                prepared[i] = Err(RowPlan::skip(line, RowNote::Suppressed));
            }
        }
        let mut looked = Looked {
            prepared,
            candidates: Vec::new(),
        };
        looked.candidates = self.candidates(p, &looked.probes()).await?;
        Ok(looked)
    }

    /// The contacts of the company that look like each of `probes`, in order.
    pub(crate) async fn candidates(&self, p: &Planner, probes: &[&Contact]) -> Result<Vec<ProbeCandidates>, ServiceError> {
        Ok(self
            .store
            .duplicate_candidates_many(p.tenant, read_scope(&p.actor, Owned::Contact), probes, p.looks_for_names())
            .await?)
    }

    /// What each row looked up does.
    pub(crate) fn decide_rows(&self, p: &Planner, looked: Looked) -> Vec<Planned> {
        let mut candidates = looked.candidates.into_iter();
        let mut out = Vec::with_capacity(looked.prepared.len());
        for r in looked.prepared {
            out.push(match r {
                Ok(x) => {
                    let found = candidates.next().unwrap_or_default();
                    Self::decide(p, x, found, self.clock.now())
                }
                Err(plan) => Planned::plan(plan),
            });
        }
        out
    }

    /// A row read as a contact to make (its probe), or left out already.
    fn prepare(&self, p: &mut Planner, line: u64, cells: &[String]) -> Result<Prepared, RowPlan> {
        let skip = |note| RowPlan::skip(line, note);
        let (row, kind, mut fields, has_key) = p.read(line, cells).map_err(skip)?;
        if p.leads_only && kind != ContactKind::Prospect {
            return Err(skip(RowNote::Invalid(ValidationError::field("kind", ViolationKind::NotAllowed))));
        }
        let mut note = None;
        match p.organization(
            row.organization.as_deref(),
            row.website.as_deref(),
            || self.new_id(),
            self.clock.now(),
        ) {
            Ok(o) => fields.organization_id = o,
            Err(n) => note = Some(n),
        }
        Ok(Prepared {
            line,
            kind,
            kind_given: row.kind_given,
            has_key,
            note,
            probe: self.new_contact(p.tenant, kind, p.owner, fields),
        })
    }

    /// What a row does, given the contacts that look like it (the rules of a contact
    /// created by hand: its key finds the one it updates; a close one stops it unless asked).
    fn decide(p: &Planner, x: Prepared, candidates: ProbeCandidates, now: chrono::DateTime<chrono::Utc>) -> Planned {
        let Prepared {
            line,
            kind,
            kind_given,
            has_key,
            note,
            probe,
        } = x;
        let skip = |note| Planned::plan(RowPlan::skip(line, note));
        let similar_only = !candidates.similar.is_empty();
        let all = candidates.rows.into_iter().filter(|r| r.contact.id != probe.id).map(|r| {
            let reasons = match_reasons(&identity(&probe), &identity(&r.contact));
            (r, reasons)
        });
        // The contact already holding the row's external id, if any: the one a row keyed by
        // external id updates; with another key, a row that would give it to a second
        // contact is refused (the external id is unique in the company).
        let holds_external = |c: &Contact| c.fields.external_id.is_some() && c.fields.external_id == probe.fields.external_id;
        let mut found: Vec<(CandidateRow, Vec<MatchReason>)> = Vec::new();
        let mut by_external: Vec<(CandidateRow, Vec<MatchReason>)> = Vec::new();
        for (r, reasons) in all {
            if holds_external(&r.contact) {
                by_external.push((r, reasons));
            } else if !reasons.is_empty() {
                found.push((r, reasons));
            }
        }
        let by_key: Vec<&(CandidateRow, Vec<MatchReason>)> = match p.options.key {
            UpsertKey::ExternalId => by_external.iter().filter(|_| has_key).collect(),
            UpsertKey::Email | UpsertKey::Phone => {
                let wanted = if p.options.key == UpsertKey::Email {
                    MatchReason::SameEmail
                } else {
                    MatchReason::SamePhone
                };
                found.extend(by_external.iter().filter(|(_, reasons)| !reasons.is_empty()).cloned());
                found.iter().filter(|(_, reasons)| has_key && reasons.contains(&wanted)).collect()
            }
        };
        if by_key.iter().any(|(r, _)| !r.visible) {
            return skip(RowNote::NotVisible);
        }
        if by_key.len() > 1 {
            return skip(RowNote::Ambiguous);
        }
        let target = by_key.first().map(|(r, _)| r.contact.id);
        if by_external.iter().any(|(r, _)| Some(r.contact.id) != target) {
            return skip(RowNote::Invalid(ValidationError::field("external_id", ViolationKind::Repeated)));
        }
        if let Some((r, _)) = by_key.first() {
            let before = r.contact.clone();
            let id = before.id;
            let pooled = before.lead.as_ref().is_some_and(|l| l.pooled);
            if !may_edit_contact(&p.actor, pooled) || (pooled && kind != ContactKind::Prospect && kind_given) {
                return skip(RowNote::NotEditable);
            }
            let given_kind = kind_given.then_some(kind);
            return match update_from_row(&before, given_kind, &probe.fields, now) {
                Some(after) => Planned {
                    plan: RowPlan {
                        line,
                        action: RowAction::Update(id.as_uuid()),
                        note,
                        territory: None,
                    },
                    write: Some(RowWrite::Update {
                        after,
                        before: Box::new(before),
                    }),
                    team: None,
                },
                None => Planned::plan(RowPlan {
                    line,
                    action: RowAction::Unchanged(id.as_uuid()),
                    note,
                    territory: None,
                }),
            };
        }
        if (!found.is_empty() || similar_only) && !p.options.create_possible_duplicates {
            let mut reasons: Vec<MatchReason> = found.iter().flat_map(|(_, r)| r.iter().copied()).collect();
            if similar_only {
                reasons.push(MatchReason::SimilarName);
            }
            reasons.sort();
            reasons.dedup();
            return skip(RowNote::PossibleDuplicate(reasons));
        }
        let mut contact = probe;
        if p.leads_only {
            contact.lead = Some(Lead::incoming(Some(p.owner), contact.created_at));
        }
        let covering = p.routing.as_ref().and_then(|r| r.covering(&contact));
        Planned {
            plan: RowPlan {
                line,
                action: RowAction::Create,
                note,
                territory: covering.map(|t| t.name.as_str().to_owned()),
            },
            write: Some(RowWrite::Create(contact)),
            team: covering.map(|t| t.team_id),
        }
    }
}

/// Rows read, and the duplicates of those still in looked up: a piece short of its
/// decisions.
pub(crate) struct Looked {
    /// Each row read (its probe), or left out already, in file order.
    pub prepared: Vec<Result<Prepared, RowPlan>>,
    /// The candidates of each row read, in order.
    pub candidates: Vec<ProbeCandidates>,
}

/// A row read, its contact made but not yet compared with the company's.
pub(crate) struct Prepared {
    line: u64,
    kind: ContactKind,
    kind_given: bool,
    has_key: bool,
    note: Option<RowNote>,
    pub probe: Contact,
}

impl Planner {
    /// Whether the lookups look for similar names (an import that does not create possible
    /// duplicates: a close name stops a row).
    pub(crate) fn looks_for_names(&self) -> bool {
        !self.options.create_possible_duplicates
    }

    /// The row read and whether it has a key, when it is valid and its key was not seen
    /// before (the key is then seen); else why it is left out.
    fn read(&mut self, line: u64, cells: &[String]) -> Result<(ContactRow, ContactKind, ContactFields, bool), RowNote> {
        let row = contact_row(cells, &self.mapping);
        let (kind, fields) = row.input.parse(self.country).map_err(RowNote::Invalid)?;
        let key = match self.options.key {
            UpsertKey::Email => fields.emails.first().map(|e| e.as_str().to_owned()),
            UpsertKey::Phone => fields.phones.first().map(|p| p.as_str().to_owned()),
            UpsertKey::ExternalId => fields.external_id.as_ref().map(|x| x.as_str().to_owned()),
        };
        let has_key = key.is_some();
        // An external id is unique: one given twice in the file is refused the second time
        // whatever the key (marked apart from the keys, which are emails and phones).
        let external = (self.options.key != UpsertKey::ExternalId)
            .then(|| fields.external_id.as_ref().map(|x| format!("\u{1f}{}", x.as_str())))
            .flatten();
        for k in [&key, &external].into_iter().flatten() {
            if let Some(first) = self.seen.get(k) {
                return Err(RowNote::RepeatedInFile(*first));
            }
        }
        for k in [key, external].into_iter().flatten() {
            self.seen.insert(k, line);
        }
        Ok((row, kind, fields, has_key))
    }

    /// Marks the keys of rows already imported (a job resumed) as seen.
    pub(crate) fn skip_rows(&mut self, rows: &[(u64, Vec<String>)]) {
        for (line, cells) in rows {
            let _ = self.read(*line, cells);
        }
    }

    /// The organizations made since last asked (to write with the rows naming them).
    pub(crate) fn take_new_organizations(&mut self) -> Vec<Organization> {
        std::mem::take(&mut self.new_organizations)
    }

    /// The organization a row names: found by web domain, then by name; else made (when
    /// the importer may) with a new id at `now`.
    fn organization(
        &mut self,
        name: Option<&str>,
        website: Option<&str>,
        new_id: impl FnOnce() -> uuid::Uuid,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<OrganizationId>, RowNote> {
        let domain = website.and_then(|w| WebDomain::parse(w).ok());
        if let Some(found) = domain.as_ref().and_then(|d| self.organizations.by_domain.get(d.as_str())) {
            return Ok(Some(*found));
        }
        let name = match name.map(Name::parse) {
            Some(Ok(n)) => Some(n),
            Some(Err(_)) => return Err(RowNote::UnknownOrganization),
            None => None,
        };
        if let Some(found) = name.as_ref().and_then(|n| self.organizations.by_name.get(&fold(n.as_str()))) {
            return Ok(Some(*found));
        }
        let name = match (name, &domain) {
            (Some(n), _) => n,
            (None, Some(d)) => Name::parse(d.as_str()).map_err(|_| RowNote::UnknownOrganization)?,
            (None, None) => return Ok(None),
        };
        if !self.may_create_organizations {
            return Err(RowNote::UnknownOrganization);
        }
        let org = Organization {
            id: OrganizationId::from_uuid(new_id()),
            tenant_id: self.tenant,
            name,
            domain,
            industry: None,
            size: None,
            address: PostalAddress::default(),
            external_id: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.organizations.add(&org);
        self.new_organizations.push(org.clone());
        Ok(Some(org.id))
    }
}
