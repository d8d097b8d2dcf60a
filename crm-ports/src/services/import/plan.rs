//! Planning imported rows, shared by the dry run and the import itself: each row read as a
//! contact's input, its key looked up with the duplicate rules of a contact created by
//! hand, its organization matched (by web domain, then name) or made, and what it would
//! write — a new contact, a changed one, or nothing and why.

use super::{ImportOptions, RowAction, RowNote, RowPlan, UpsertKey};
use crate::app::{App, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::{PageRequest, Scope};
use crate::store::{ContactStore, OrganizationStore, TenantStore, UserStore};
use crm_domain::contact::{Contact, ContactFields, ContactKind};
use crm_domain::duplicates::MatchReason;
use crm_domain::import::{ContactRow, ImportField, contact_row, update_from_row};
use crm_domain::lead::Lead;
use crm_domain::organization::{Organization, PostalAddress, WebDomain};
use crm_domain::tenant::CountryCode;
use crm_domain::text::{Name, fold};
use crm_domain::visibility::{Capability, Owned, allows, may_edit_contact, read_scope};
use crm_domain::{Actor, OrganizationId, TenantId, UserId, ValidationError, ViolationKind};
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
}

/// Who may import: those who write contacts, and those who bring leads in (Marketing),
/// whose new contacts are prospects in the pool.
pub(crate) fn require_import(actor: &Actor) -> Result<(), ServiceError> {
    if allows(actor, Capability::WriteContacts) {
        Ok(())
    } else {
        require(actor, Capability::QualifyLeads)
    }
}

impl<S: ContactStore + OrganizationStore + TenantStore + UserStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The owner of the contacts the actor's import creates (the one asked, if the actor
    /// may give contacts to them, else the actor; Marketing's are its own, in the pool).
    ///
    /// # Errors
    /// `Forbidden` (a role that may not import, an owner the actor may not give contacts
    /// to), `Invalid` (`owner_id`: unknown, or none for the system).
    pub(crate) async fn import_owner(&self, actor: &Actor, options: &ImportOptions) -> Result<UserId, ServiceError> {
        let tenant = tenant_of(actor)?;
        require_import(actor)?;
        let leads_only = !allows(actor, Capability::WriteContacts);
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
        let mut organizations = OrgIndex::default();
        let mut page = PageRequest {
            limit: Some(crate::query::MAX_PAGE_SIZE),
            ..PageRequest::default()
        };
        loop {
            let p = self.store.list_organizations(tenant, &page).await?;
            for o in &p.items {
                organizations.add(o);
            }
            match p.next_cursor {
                Some(c) => page.cursor = Some(c),
                None => break,
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
        })
    }

    /// Plans `rows` (after those already planned).
    pub(crate) async fn plan_rows(&self, p: &mut Planner, rows: &[(u64, Vec<String>)]) -> Result<Vec<Planned>, ServiceError> {
        let mut out = Vec::with_capacity(rows.len());
        for (line, cells) in rows {
            out.push(self.plan_row(p, *line, cells).await?);
        }
        Ok(out)
    }

    async fn plan_row(&self, p: &mut Planner, line: u64, cells: &[String]) -> Result<Planned, ServiceError> {
        let skip = |note| Planned {
            plan: RowPlan::skip(line, note),
            write: None,
        };
        let (row, kind, mut fields, has_key) = match p.read(line, cells) {
            Ok(read) => read,
            Err(note) => return Ok(skip(note)),
        };
        if p.leads_only && kind != ContactKind::Prospect {
            return Ok(skip(RowNote::Invalid(ValidationError::field("kind", ViolationKind::NotAllowed))));
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
        let probe = self.new_contact(p.tenant, kind, p.owner, fields);
        let found = self.find_duplicates(&p.actor, &probe).await?;
        let wanted = match p.options.key {
            UpsertKey::Email => MatchReason::SameEmail,
            UpsertKey::Phone => MatchReason::SamePhone,
        };
        let by_key: Vec<_> = found.iter().filter(|d| has_key && d.reasons.contains(&wanted)).collect();
        if by_key.iter().any(|d| d.contact_id.is_none()) {
            return Ok(skip(RowNote::NotVisible));
        }
        if by_key.len() > 1 {
            return Ok(skip(RowNote::Ambiguous));
        }
        if let Some(id) = by_key.first().and_then(|d| d.contact_id) {
            let scope = Scope {
                tenant_id: p.tenant,
                records: read_scope(&p.actor, Owned::Contact),
            };
            let before = self.store.contact(scope, id).await?;
            let pooled = before.lead.as_ref().is_some_and(|l| l.pooled);
            if !may_edit_contact(&p.actor, pooled) || (pooled && kind != ContactKind::Prospect && row.kind_given) {
                return Ok(skip(RowNote::NotEditable));
            }
            let given_kind = row.kind_given.then_some(kind);
            let planned = match update_from_row(&before, given_kind, &probe.fields, self.clock.now()) {
                Some(after) => Planned {
                    plan: RowPlan {
                        line,
                        action: RowAction::Update(id),
                        note,
                    },
                    write: Some(RowWrite::Update {
                        after,
                        before: Box::new(before),
                    }),
                },
                None => Planned {
                    plan: RowPlan {
                        line,
                        action: RowAction::Unchanged(id),
                        note,
                    },
                    write: None,
                },
            };
            return Ok(planned);
        }
        if !found.is_empty() && !p.options.create_possible_duplicates {
            let mut reasons: Vec<MatchReason> = found.iter().flat_map(|d| d.reasons.iter().copied()).collect();
            reasons.sort();
            reasons.dedup();
            return Ok(skip(RowNote::PossibleDuplicate(reasons)));
        }
        let mut contact = probe;
        if p.leads_only {
            contact.lead = Some(Lead::incoming(Some(p.owner), contact.created_at));
        }
        Ok(Planned {
            plan: RowPlan {
                line,
                action: RowAction::Create,
                note,
            },
            write: Some(RowWrite::Create(contact)),
        })
    }
}

impl Planner {
    /// The row read and whether it has a key, when it is valid and its key was not seen
    /// before (the key is then seen); else why it is left out.
    fn read(&mut self, line: u64, cells: &[String]) -> Result<(ContactRow, ContactKind, ContactFields, bool), RowNote> {
        let row = contact_row(cells, &self.mapping);
        let (kind, fields) = row.input.parse(self.country).map_err(RowNote::Invalid)?;
        let key = match self.options.key {
            UpsertKey::Email => fields.emails.first().map(|e| e.as_str().to_owned()),
            UpsertKey::Phone => fields.phones.first().map(|p| p.as_str().to_owned()),
        };
        let has_key = key.is_some();
        if let Some(k) = key {
            if let Some(first) = self.seen.get(&k) {
                return Err(RowNote::RepeatedInFile(*first));
            }
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
            version: 1,
            created_at: now,
            updated_at: now,
        };
        self.organizations.add(&org);
        self.new_organizations.push(org.clone());
        Ok(Some(org.id))
    }
}
