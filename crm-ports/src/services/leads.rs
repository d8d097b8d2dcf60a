//! Leads and the customer cycle: bringing leads in (Marketing, a Manager, an Admin),
//! qualifying them, handing them over to a sales rep (by hand or round-robin), turning a
//! qualified lead into its first opportunity, converting a prospect into a client, the
//! company's disqualification reasons and the funnel from lead to sale.

use crate::app::{App, added as clear, check_version, known, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{ContactStore, LeadStore, OpportunityStore, OrganizationStore, PipelineStore, TenantStore, TerritoryStore, UserStore};
use crm_domain::contact::{Contact, ContactInput, ContactKind};
use crm_domain::event::{EntityType, EventKind, FieldChange, Sensitivity};
use crm_domain::lead::{Lead, LeadSettings, LeadStatus, check_conversion};
use crm_domain::opportunity::{Opportunity, OpportunityInput};
use crm_domain::text::Label;
use crm_domain::user::Role;
use crm_domain::visibility::{Capability, Owned, RecordScope, may_hand_over_lead, may_hand_over_lead_to_team, read_scope};
use crm_domain::{Actor, ContactId, PipelineId, TeamId, UserId, ValidationError, ViolationKind};
use serde_json::Value;

/// To whom a pooled lead goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandOver {
    /// This sales rep (or manager).
    To(UserId),
    /// The next sales rep of this team's round-robin.
    RoundRobin(TeamId),
    /// The next sales rep, in turn, of the team of the territory covering the lead (its
    /// postcode, its company's industry).
    Territory,
}

/// One line of the lead funnel: the leads that came in during a month (by source) and how
/// many of them reached each step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelLine {
    /// The month the leads came in, `YYYY-MM`, in the company's time zone.
    pub period: String,
    /// Their source (`None`: not given).
    pub source: Option<String>,
    /// Leads that came in.
    pub leads: u64,
    /// Of them, qualified at some point.
    pub qualified: u64,
    /// Of them, with an opportunity.
    pub with_opportunity: u64,
    /// Of them, with a won opportunity.
    pub won: u64,
}

/// Rotations: the users and the turns kept per team.
impl<S: UserStore + LeadStore, K, C, I> App<S, K, C, I> {
    /// The owner a team gives a contact: the team's next sales rep in turn (the turn
    /// advances); `None` when the team has no sales rep. Used by the hand-over of a lead, by
    /// automation and by the territories.
    pub(crate) async fn team_owner(&self, tenant: crm_domain::TenantId, team: TeamId) -> Result<Option<UserId>, ServiceError> {
        Ok(self.team_owners(tenant, team, 1).await?.first().copied())
    }

    /// The next `turns` owners of a team's round-robin, in order (its active sales reps in
    /// turn); empty when it has none. The rotation advances by as many turns.
    ///
    /// # Errors
    /// Store failures.
    pub(crate) async fn team_owners(&self, tenant: crm_domain::TenantId, team: TeamId, turns: u32) -> Result<Vec<UserId>, ServiceError> {
        let reps: Vec<UserId> = self
            .store
            .list_users(tenant)
            .await?
            .into_iter()
            .filter(|u| u.team_id == Some(team) && u.role == Role::Sales && u.is_active())
            .map(|u| u.id)
            .collect();
        Ok(self.store.advance_lead_rotation(tenant, team, &reps, turns).await?)
    }
}

/// Bringing leads in and qualifying them: contacts, the company's settings and users.
impl<S: ContactStore + OrganizationStore + TenantStore + UserStore + LeadStore + TerritoryStore, K, C: Clock, I: IdGenerator>
    App<S, K, C, I>
{
    /// The company's settings of the customer cycle: its disqualification reasons (the
    /// built-in list until an Admin sets one) and the former-client rule.
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn lead_settings(&self, actor: &Actor) -> Result<LeadSettings, ServiceError> {
        Ok(self.store.lead_settings(tenant_of(actor)?).await?)
    }

    /// Replaces the company's settings of the customer cycle (Admin). Leads disqualified
    /// for a reason that leaves the list keep it.
    ///
    /// # Errors
    /// `Forbidden`, `Invalid` (`reasons.<i>.code` / `.label`, `former_client_after_months`).
    pub async fn set_lead_settings(&self, actor: &Actor, settings: &LeadSettings) -> Result<LeadSettings, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let settings = settings.check()?;
        let before = self.store.lead_settings(tenant).await?;
        let json =
            |s: &LeadSettings| serde_json::json!({ "reasons": s.reasons, "former_client_after_months": s.former_client_after_months });
        let change = FieldChange {
            field: "lead_settings",
            before: Some(json(&before)),
            after: Some(json(&settings)),
            sensitivity: Sensitivity::Clear,
        };
        let ev = self.event(
            actor,
            EntityType::Tenant,
            tenant.as_uuid(),
            EventKind::LeadSettingsChanged,
            None,
            vec![change],
        );
        self.store.set_lead_settings(tenant, &settings, &ev).await?;
        Ok(settings)
    }

    /// Brings a lead in: a new prospect in the pool, owned by who brought it until it is
    /// handed over. Unless `confirm_duplicates`, refuses with the likely duplicates.
    ///
    /// # Errors
    /// `Forbidden` (without the right to qualify leads), `Invalid` (a kind other than
    /// prospect, every bad field), `PossibleDuplicates`.
    pub async fn create_lead(&self, actor: &Actor, input: &ContactInput, confirm_duplicates: bool) -> Result<Contact, ServiceError> {
        let mut contacts = self.bring_in(actor, std::slice::from_ref(input), "").await?;
        let contact = contacts.pop().ok_or(ServiceError::Forbidden)?;
        if !confirm_duplicates {
            let found = self.find_duplicates(actor, &contact).await?;
            if !found.is_empty() {
                return Err(ServiceError::PossibleDuplicates(found));
            }
        }
        let ev = self.event(
            actor,
            EntityType::Contact,
            contact.id.as_uuid(),
            EventKind::Created,
            Some(contact.owner_id.as_uuid()),
            Contact::changes(None, &contact),
        );
        self.store.create_contact(&contact, &ev).await?;
        Ok(contact)
    }

    /// Brings many leads in at once, in one transaction, without looking for duplicates:
    /// if any input is invalid nothing is written and every fault is named under
    /// `leads.<index>`.
    ///
    /// # Errors
    /// `Forbidden`, `Invalid` (also over `MAX_IMPORT` inputs).
    pub async fn import_leads(&self, actor: &Actor, inputs: &[ContactInput]) -> Result<Vec<Contact>, ServiceError> {
        if inputs.len() > crate::services::contacts::MAX_IMPORT {
            return Err(ValidationError::field("leads", ViolationKind::TooLarge).into());
        }
        let contacts = self.bring_in(actor, inputs, "leads").await?;
        let events: Vec<_> = contacts
            .iter()
            .map(|c| {
                self.event(
                    actor,
                    EntityType::Contact,
                    c.id.as_uuid(),
                    EventKind::Created,
                    Some(c.owner_id.as_uuid()),
                    Contact::changes(None, c),
                )
            })
            .collect();
        self.store.create_contacts(&contacts, &events).await?;
        Ok(contacts)
    }

    /// New pooled leads from inputs, checked (faults under `<prefix>.<i>` when a prefix is
    /// given), not written.
    async fn bring_in(&self, actor: &Actor, inputs: &[ContactInput], prefix: &str) -> Result<Vec<Contact>, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::QualifyLeads)?;
        let owner = actor.user_id().ok_or(ServiceError::Forbidden)?;
        let tenant = self.store.tenant(tenant_id).await?;
        let mut v = crm_domain::error::Validator::new();
        let mut out = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.iter().enumerate() {
            let at = if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}.{i}")
            };
            let Some((kind, fields)) = v.check(&at, input.parse(tenant.settings.country)) else {
                continue;
            };
            if kind != ContactKind::Prospect {
                v.check::<()>(&at, Err(ValidationError::field("kind", ViolationKind::NotAllowed)));
                continue;
            }
            out.push((kind, fields));
        }
        v.finish()?;
        let mut orgs = std::collections::HashSet::new();
        for (_, f) in &out {
            if let Some(o) = f.organization_id
                && orgs.insert(o)
            {
                self.check_organization(tenant_id, Some(o)).await?;
            }
        }
        let now = self.clock.now();
        Ok(out
            .into_iter()
            .map(|(kind, fields)| {
                let mut c = self.new_contact(tenant_id, kind, owner, fields);
                c.lead = Some(Lead::incoming(Some(owner), now));
                c
            })
            .collect())
    }

    /// Moves a prospect's qualification to `status` (disqualifying needs a reason of the
    /// company's list). Marketing qualifies the leads still in the pool; Managers and
    /// Admins any prospect they see. A prospect that was not a lead becomes one.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `Invalid` (`status`, `reason`, `kind`).
    pub async fn set_lead_status(
        &self,
        actor: &Actor,
        id: ContactId,
        expected_version: i64,
        status: LeadStatus,
        reason: Option<&str>,
    ) -> Result<Contact, ServiceError> {
        let before = self.contact(actor, id).await?;
        require(actor, Capability::QualifyLeads)?;
        let pooled = before.lead.as_ref().is_some_and(|l| l.pooled);
        if !pooled && !crm_domain::visibility::allows(actor, Capability::WriteContacts) {
            return Err(ServiceError::Forbidden);
        }
        check_version(before.version, expected_version)?;
        let settings = self.lead_settings(actor).await?;
        let now = self.clock.now();
        let lead = Lead::moved(
            before.kind,
            before.lead.as_ref(),
            status,
            reason,
            &settings.reasons,
            actor.user_id(),
            now,
        )?;
        let mut after = before.clone();
        after.lead = Some(lead);
        after.version = expected_version + 1;
        after.updated_at = now;
        let ev = self.event(
            actor,
            EntityType::Contact,
            id.as_uuid(),
            EventKind::LeadStatusChanged,
            Some(after.owner_id.as_uuid()),
            Contact::changes(Some(&before), &after),
        );
        self.store.update_contact(&after, expected_version, &ev).await?;
        Ok(after)
    }

    /// Hands a qualified lead of the pool over to a sales rep, who is notified: the one
    /// named, the next of a team's round-robin, or the next of the team of the territory
    /// covering the lead.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden` (a rep the actor may not give records to), `Conflict`,
    /// `Invalid` (`status` not qualified, `owner_id` already handed over or unknown,
    /// `team_id` unknown or without sales reps, `territory: not_allowed` when no territory
    /// covers the lead or its team has no sales rep).
    pub async fn hand_over_lead(&self, actor: &Actor, id: ContactId, expected_version: i64, to: HandOver) -> Result<Contact, ServiceError> {
        let before = self.contact(actor, id).await?;
        require(actor, Capability::QualifyLeads)?;
        check_version(before.version, expected_version)?;
        let lead = before
            .lead
            .as_ref()
            .ok_or_else(|| ValidationError::field("status", ViolationKind::NotAllowed))?;
        lead.check_hand_over()?;
        let tenant = before.tenant_id;
        // A team's turn is taken only by who may give it leads: checked before the turn
        // moves on (a refused hand-over must not skip a rep).
        let team_allowed = |t: &crm_domain::user::Team| may_hand_over_lead_to_team(actor, t.manager_id);
        let owner = match to {
            HandOver::To(user) => user,
            HandOver::RoundRobin(team) => {
                let t = known(self.store.team(tenant, team).await, "team_id")?;
                if !team_allowed(&t) {
                    return Err(ServiceError::Forbidden);
                }
                self.team_owner(tenant, team)
                    .await?
                    .ok_or_else(|| ValidationError::field("team_id", ViolationKind::NotAllowed))?
            }
            HandOver::Territory => {
                let postal = before.fields.address.postal_code.as_ref().map(Label::as_str);
                let industry = match before.fields.organization_id {
                    Some(o) => self.store.organization(tenant, o).await?.industry.map(|i| i.to_string()),
                    None => None,
                };
                let covering = self
                    .covering(tenant, postal, industry.as_deref())
                    .await?
                    .ok_or_else(|| ValidationError::field("territory", ViolationKind::NotAllowed))?;
                if !team_allowed(&covering.team) {
                    return Err(ServiceError::Forbidden);
                }
                self.team_owner(tenant, covering.team.id)
                    .await?
                    .ok_or_else(|| ValidationError::field("territory", ViolationKind::NotAllowed))?
            }
        };
        let user = known(self.store.user(tenant, owner).await, "owner_id")?;
        if !user.is_active() {
            return Err(ValidationError::field("owner_id", ViolationKind::NotAllowed).into());
        }
        let manager = self.store.team_manager_of(tenant, owner).await?;
        if !may_hand_over_lead(actor, owner, user.role, manager) {
            return Err(ServiceError::Forbidden);
        }
        let mut after = before.clone();
        after.owner_id = owner;
        if let Some(l) = after.lead.as_mut() {
            l.pooled = false;
        }
        after.version = expected_version + 1;
        after.updated_at = self.clock.now();
        let ev = self.event(
            actor,
            EntityType::Contact,
            id.as_uuid(),
            EventKind::OwnerChanged,
            Some(owner.as_uuid()),
            Contact::changes(Some(&before), &after),
        );
        self.store.update_contact(&after, expected_version, &ev).await?;
        Ok(after)
    }

    /// Converts a prospect (or a former client) into a client by hand, for a reason.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Conflict`, `Invalid` (`kind` already a client or a
    /// partner, `reason` missing or too long, `owner_id` while the lead is in the pool).
    pub async fn convert_to_client(
        &self,
        actor: &Actor,
        id: ContactId,
        expected_version: i64,
        reason: &str,
    ) -> Result<Contact, ServiceError> {
        let before = self.contact(actor, id).await?;
        require(actor, Capability::WriteContacts)?;
        check_version(before.version, expected_version)?;
        let mut v = crm_domain::error::Validator::new();
        v.check("", check_conversion(before.kind));
        let reason = v.check("reason", Label::parse(reason));
        if before.lead.as_ref().is_some_and(|l| l.pooled) {
            v.push("owner_id", ViolationKind::Required);
        }
        v.finish()?;
        let reason = reason.ok_or_else(|| ValidationError::field("reason", ViolationKind::Required))?;
        let mut after = before.clone();
        after.set_kind(ContactKind::Client, self.clock.now());
        after.version = expected_version + 1;
        after.updated_at = self.clock.now();
        let mut changes = Contact::changes(Some(&before), &after);
        changes.push(clear("conversion_reason", Value::String(reason.as_str().to_owned())));
        let ev = self.event(
            actor,
            EntityType::Contact,
            id.as_uuid(),
            EventKind::Converted,
            Some(after.owner_id.as_uuid()),
            changes,
        );
        self.store.update_contact(&after, expected_version, &ev).await?;
        Ok(after)
    }

    /// The funnel of the leads that came in over `[from, to)`: by month (in the company's
    /// time zone) and source, how many were qualified, got an opportunity, were won.
    /// Counts of the whole company, for those who qualify leads and the Observer.
    ///
    /// # Errors
    /// `Forbidden`, `Invalid` (`to` before `from`, or dates out of range).
    pub async fn lead_funnel(
        &self,
        actor: &Actor,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<FunnelLine>, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        // Those who qualify leads, and those who see every contact (the Observer); a sales
        // rep's view stays their own records.
        let whole_company = read_scope(actor, Owned::Contact) == RecordScope::Tenant;
        if !crm_domain::visibility::allows(actor, Capability::QualifyLeads) && !whole_company {
            return Err(ServiceError::Forbidden);
        }
        crm_domain::time::check_instants(&[("from", Some(from)), ("to", Some(to))])?;
        if to <= from {
            return Err(ValidationError::field("to", ViolationKind::TooSmall).into());
        }
        let tenant = self.store.tenant(tenant_id).await?;
        let outcomes = self.store.lead_outcomes(tenant_id, from, to).await?;
        let tz = tenant.settings.time_zone.tz();
        let mut lines: std::collections::BTreeMap<(String, Option<String>), FunnelLine> = std::collections::BTreeMap::new();
        for o in outcomes {
            let period = o.came_in.with_timezone(&tz).format("%Y-%m").to_string();
            let line = lines.entry((period.clone(), o.source.clone())).or_insert_with(|| FunnelLine {
                period,
                source: o.source.clone(),
                leads: 0,
                qualified: 0,
                with_opportunity: 0,
                won: 0,
            });
            line.leads += 1;
            line.qualified += u64::from(o.qualified);
            line.with_opportunity += u64::from(o.with_opportunity);
            line.won += u64::from(o.won);
        }
        Ok(lines.into_values().collect())
    }
}

/// Turning a qualified lead into its first opportunity.
impl<S: ContactStore + OpportunityStore + OrganizationStore + PipelineStore + TenantStore + UserStore, K, C: Clock, I: IdGenerator>
    App<S, K, C, I>
{
    /// Opens the first opportunity of a qualified lead that was handed over, in one step:
    /// in `pipeline` (its first stage), owned by the lead's owner, with the lead as its
    /// contact and its organization.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Invalid` (`status` not qualified, `owner_id` while in the
    /// pool, the opportunity's fields).
    pub async fn open_lead_opportunity(
        &self,
        actor: &Actor,
        id: ContactId,
        pipeline: PipelineId,
        input: &OpportunityInput,
    ) -> Result<Opportunity, ServiceError> {
        let contact = self.contact(actor, id).await?;
        let Some(lead) = contact.lead.as_ref() else {
            return Err(ValidationError::field("status", ViolationKind::NotAllowed).into());
        };
        if lead.status != LeadStatus::Qualified {
            return Err(ValidationError::field("status", ViolationKind::NotAllowed).into());
        }
        if lead.pooled {
            return Err(ValidationError::field("owner_id", ViolationKind::Required).into());
        }
        let mut input = input.clone();
        input.contact_ids = vec![id];
        if input.organization_id.is_none() {
            input.organization_id = contact.fields.organization_id;
        }
        self.create_opportunity(actor, pipeline, None, &input, Some(contact.owner_id)).await
    }
}
