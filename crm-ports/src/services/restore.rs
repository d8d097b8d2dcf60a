//! Bringing a company's full export into an empty company: organizations, pipelines,
//! contacts, opportunities and activities created through the same use cases as by hand
//! (every check applies), the links between them carried over from the export's ids to
//! the new records' ids, owners found again by their email. The files are read by an
//! adapter; here each row is a map from column code (`first_name`, `stage`...) to its
//! text, codes (`client`, `won`, `task`) already decoded from the reader's language.

use crate::app::{App, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::{ContactFilter, PageRequest};
use crate::store::Store;
use crm_domain::activity::{ActivityInput, Link};
use crm_domain::contact::ContactInput;
use crm_domain::event::EntityType;
use crm_domain::opportunity::OpportunityInput;
use crm_domain::organization::{AddressInput, OrganizationInput};
use crm_domain::pipeline::StageInput;
use crm_domain::user::Role;
use crm_domain::visibility::Owned;
use crm_domain::{Actor, ContactId, OrganizationId, PipelineId, StageId, UserId};
use std::collections::HashMap;
use uuid::Uuid;

/// A row: its line in its file and its cells by column code.
pub type Row = (u64, HashMap<String, String>);

/// The tables of a company's export.
#[derive(Debug, Clone, Default)]
pub struct CompanyTables {
    /// `organizations.csv`.
    pub organizations: Vec<Row>,
    /// `pipelines.csv`: a row a stage (`pipeline_id`, `pipeline`, `stage_id`, `stage`,
    /// `probability`), in order.
    pub pipelines: Vec<Row>,
    /// `contacts.csv`.
    pub contacts: Vec<Row>,
    /// `opportunities.csv`.
    pub opportunities: Vec<Row>,
    /// `activities.csv`.
    pub activities: Vec<Row>,
}

/// What a restore did.
#[derive(Debug, Default)]
pub struct RestoreReport {
    /// Organizations created.
    pub organizations: u64,
    /// Pipelines created (those of the same name already there are used as they are).
    pub pipelines: u64,
    /// Contacts created.
    pub contacts: u64,
    /// Opportunities created.
    pub opportunities: u64,
    /// Activities created.
    pub activities: u64,
    /// Rows not brought in: file, line, and why.
    pub refused: Vec<(&'static str, u64, ServiceError)>,
}

fn cell<'a>(row: &'a HashMap<String, String>, code: &str) -> Option<&'a str> {
    row.get(code).map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// A yes/no cell, written in French or English.
fn flag(row: &HashMap<String, String>, code: &str) -> bool {
    cell(row, code).is_some_and(|v| matches!(v.to_lowercase().as_str(), "oui" | "yes" | "true" | "1"))
}

fn owned(row: &HashMap<String, String>, code: &str) -> Option<String> {
    cell(row, code).map(str::to_owned)
}

fn list(row: &HashMap<String, String>, code: &str) -> Vec<String> {
    cell(row, code)
        .map(|s| {
            s.split([',', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn uuid(row: &HashMap<String, String>, code: &str) -> Option<Uuid> {
    cell(row, code).and_then(|s| Uuid::parse_str(s).ok())
}

fn instant(row: &HashMap<String, String>, code: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    cell(row, code).and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.to_utc()))
}

/// An amount written `12345.50` (or with a comma) in minor units.
fn minor_units(text: &str) -> Option<i64> {
    let t = text.replace(',', ".");
    let (whole, frac) = t.split_once('.').unwrap_or((&t, "0"));
    let frac = format!("{frac:0<2}");
    let cents: i64 = frac.get(..2)?.parse().ok()?;
    whole.trim().parse::<i64>().ok()?.checked_mul(100)?.checked_add(cents)
}

fn address(row: &HashMap<String, String>) -> AddressInput {
    AddressInput {
        street: owned(row, "street"),
        postal_code: owned(row, "postal_code"),
        city: owned(row, "city"),
        country: owned(row, "country"),
    }
}

/// A pipeline's stages by name: their id and probability.
type Stages = HashMap<String, (StageId, i64)>;

/// The ids of the records brought in, by their id in the export.
#[derive(Default)]
struct Ids {
    organizations: HashMap<Uuid, OrganizationId>,
    organization_names: HashMap<String, OrganizationId>,
    contacts: HashMap<Uuid, ContactId>,
    opportunities: HashMap<Uuid, Uuid>,
    pipelines: HashMap<String, (PipelineId, Stages)>,
    users: HashMap<String, UserId>,
}

impl Ids {
    fn user(&self, row: &HashMap<String, String>, code: &str) -> Option<UserId> {
        cell(row, code).and_then(|e| self.users.get(&e.to_lowercase()).copied())
    }

    fn link(&self, text: &str) -> Option<Link> {
        let (kind, id) = text.split_once(':')?;
        let id = Uuid::parse_str(id.trim()).ok()?;
        let (entity_type, entity_id) = match kind.trim() {
            "contact" => (EntityType::Contact, self.contacts.get(&id)?.as_uuid()),
            "organization" => (EntityType::Organization, self.organizations.get(&id)?.as_uuid()),
            "opportunity" => (EntityType::Opportunity, *self.opportunities.get(&id)?),
            _ => return None,
        };
        Some(Link { entity_type, entity_id })
    }
}

/// Restoring a company's export.
impl<S: Store, K: crate::auth::Credentials, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Brings `tables` into the actor's company, which must hold no organization, contact
    /// or opportunity yet. Each row goes through the use case that creates its record; a
    /// refused row is reported and the others go on. Owners and assignees are the users
    /// of the same email, else the actor (or, for the system, the first Admin).
    ///
    /// # Errors
    /// `Forbidden` but for an Admin or the system; `Conflict` when the company is not
    /// empty; store failures.
    pub async fn restore_company(&self, actor: &Actor, tables: &CompanyTables) -> Result<RestoreReport, ServiceError> {
        let tenant = tenant_of(actor)?;
        if !matches!(actor, Actor::System { .. } | Actor::User { role: Role::Admin, .. }) {
            return Err(ServiceError::Forbidden);
        }
        let one = PageRequest {
            limit: Some(1),
            ..PageRequest::default()
        };
        let sc = crate::app::scope(actor, Owned::Contact)?;
        if !self.store.list_organizations(tenant, &one).await?.items.is_empty()
            || !self
                .store
                .list_contacts(sc, &ContactFilter::default(), &one)
                .await?
                .items
                .is_empty()
            || !self
                .store
                .list_opportunities(crate::app::scope(actor, Owned::Opportunity)?, &Default::default(), &one)
                .await?
                .items
                .is_empty()
        {
            return Err(ServiceError::Conflict);
        }
        let users = self.store.list_users(tenant).await?;
        let fallback = actor
            .user_id()
            .or_else(|| users.iter().find(|u| u.role == Role::Admin).map(|u| u.id));
        let mut ids = Ids {
            users: users.iter().map(|u| (u.email.as_str().to_lowercase(), u.id)).collect(),
            ..Ids::default()
        };
        let mut report = RestoreReport::default();
        self.restore_organizations(actor, tables, &mut ids, &mut report).await?;
        self.restore_pipelines(actor, tables, &mut ids, &mut report).await?;
        for (line, row) in &tables.contacts {
            let input = ContactInput {
                kind: owned(row, "kind").unwrap_or_else(|| "prospect".into()),
                first_name: owned(row, "first_name").unwrap_or_default(),
                last_name: owned(row, "last_name").unwrap_or_default(),
                emails: list(row, "email"),
                phones: list(row, "phone"),
                organization_id: cell(row, "organization").and_then(|n| ids.organization_names.get(n).copied()),
                job_title: owned(row, "job_title"),
                address: address(row),
                tags: list(row, "tags"),
                source: owned(row, "source"),
                external_id: owned(row, "external_id"),
                notes: owned(row, "notes"),
                email_opt_out: flag(row, "email_opt_out"),
                phone_opt_out: flag(row, "phone_opt_out"),
            };
            let owner = ids.user(row, "owner").or(fallback);
            match self.create_contact(actor, &input, owner, true).await {
                Ok(c) => {
                    report.contacts += 1;
                    if let Some(old) = uuid(row, "id") {
                        ids.contacts.insert(old, c.id);
                    }
                }
                Err(e) => report.refused.push(("contacts.csv", *line, e)),
            }
        }
        self.restore_opportunities(actor, tables, &mut ids, fallback, &mut report).await?;
        self.restore_activities(actor, tables, &ids, fallback, &mut report).await?;
        Ok(report)
    }

    async fn restore_organizations(
        &self,
        actor: &Actor,
        tables: &CompanyTables,
        ids: &mut Ids,
        report: &mut RestoreReport,
    ) -> Result<(), ServiceError> {
        for (line, row) in &tables.organizations {
            let input = OrganizationInput {
                name: owned(row, "name").unwrap_or_default(),
                domain: owned(row, "website"),
                industry: owned(row, "industry"),
                size: owned(row, "size"),
                address: address(row),
                external_id: owned(row, "external_id"),
            };
            match self.create_organization(actor, &input).await {
                Ok(o) => {
                    report.organizations += 1;
                    ids.organization_names.entry(input.name.trim().to_owned()).or_insert(o.id);
                    if let Some(old) = uuid(row, "id") {
                        ids.organizations.insert(old, o.id);
                    }
                }
                Err(e) => report.refused.push(("organizations.csv", *line, e)),
            }
        }
        Ok(())
    }

    /// Pipelines by name: those already there are used, the others created with their
    /// stages in the file's order.
    async fn restore_pipelines(
        &self,
        actor: &Actor,
        tables: &CompanyTables,
        ids: &mut Ids,
        report: &mut RestoreReport,
    ) -> Result<(), ServiceError> {
        let stages_of = |p: &crm_domain::pipeline::Pipeline| {
            p.stages
                .iter()
                .map(|s| (s.name.to_string(), (s.id, i64::from(s.probability.percent()))))
                .collect::<HashMap<_, _>>()
        };
        for p in self.store.list_pipelines(tenant_of(actor)?).await? {
            ids.pipelines.insert(p.name.to_string(), (p.id, stages_of(&p)));
        }
        let mut wanted: Vec<(String, u64, Vec<StageInput>)> = Vec::new();
        for (line, row) in &tables.pipelines {
            let (Some(name), Some(stage)) = (owned(row, "pipeline"), owned(row, "stage")) else {
                continue;
            };
            let probability = cell(row, "probability").and_then(|p| p.parse().ok()).unwrap_or(0);
            let input = StageInput {
                id: None,
                name: stage,
                probability,
            };
            match wanted.iter_mut().find(|(n, _, _)| *n == name) {
                Some((_, _, stages)) => stages.push(input),
                None => wanted.push((name, *line, vec![input])),
            }
        }
        for (name, line, stages) in wanted {
            if ids.pipelines.contains_key(&name) {
                continue;
            }
            match self.create_pipeline(actor, &name, &stages).await {
                Ok(p) => {
                    report.pipelines += 1;
                    ids.pipelines.insert(name, (p.id, stages_of(&p)));
                }
                Err(e) => report.refused.push(("pipelines.csv", line, e)),
            }
        }
        Ok(())
    }

    async fn restore_opportunities(
        &self,
        actor: &Actor,
        tables: &CompanyTables,
        ids: &mut Ids,
        fallback: Option<UserId>,
        report: &mut RestoreReport,
    ) -> Result<(), ServiceError> {
        let unknown = |f: &str| ServiceError::from(crm_domain::ValidationError::field(f, crm_domain::ViolationKind::Unknown));
        for (line, row) in &tables.opportunities {
            let Some((pipeline, stages)) = cell(row, "pipeline").and_then(|p| ids.pipelines.get(p)) else {
                report.refused.push(("opportunities.csv", *line, unknown("pipeline")));
                continue;
            };
            let Some((stage, stage_probability)) = cell(row, "stage").and_then(|s| stages.get(s)).copied() else {
                report.refused.push(("opportunities.csv", *line, unknown("stage")));
                continue;
            };
            let Some(value_minor) = cell(row, "amount").and_then(minor_units) else {
                report.refused.push(("opportunities.csv", *line, unknown("amount")));
                continue;
            };
            let probability = cell(row, "probability").and_then(|p| p.parse::<i64>().ok());
            let input = OpportunityInput {
                title: owned(row, "title").unwrap_or_default(),
                value_minor,
                currency: owned(row, "currency"),
                contact_ids: list(row, "contact_ids")
                    .iter()
                    .filter_map(|c| Uuid::parse_str(c).ok().and_then(|c| ids.contacts.get(&c).copied()))
                    .collect(),
                organization_id: uuid(row, "organization_id").and_then(|o| ids.organizations.get(&o).copied()),
                expected_close: cell(row, "expected_close").and_then(|d| d.parse().ok()),
                probability: probability.filter(|p| *p != stage_probability),
            };
            let owner = ids.user(row, "owner").or(fallback);
            let created = match self.create_opportunity(actor, *pipeline, Some(stage), &input, owner).await {
                Ok(o) => o,
                Err(e) => {
                    report.refused.push(("opportunities.csv", *line, e));
                    continue;
                }
            };
            report.opportunities += 1;
            if let Some(old) = uuid(row, "id") {
                ids.opportunities.insert(old, created.id.as_uuid());
            }
            let closed = match cell(row, "status") {
                Some("won") => self.win_opportunity(actor, created.id, created.version).await.map(drop),
                Some("lost") => {
                    let reason = cell(row, "lost_reason").unwrap_or("-");
                    self.lose_opportunity(actor, created.id, created.version, reason).await.map(drop)
                }
                _ => Ok(()),
            };
            if let Err(e) = closed {
                report.refused.push(("opportunities.csv", *line, e));
            }
        }
        Ok(())
    }

    async fn restore_activities(
        &self,
        actor: &Actor,
        tables: &CompanyTables,
        ids: &Ids,
        fallback: Option<UserId>,
        report: &mut RestoreReport,
    ) -> Result<(), ServiceError> {
        for (line, row) in &tables.activities {
            let kind = owned(row, "activity_kind").unwrap_or_default();
            let input = ActivityInput {
                subject: owned(row, "subject").unwrap_or_default(),
                body: owned(row, "body"),
                links: list(row, "links").iter().filter_map(|l| ids.link(l)).collect(),
                assignee_id: ids.user(row, "assignee").or(fallback),
                due_at: instant(row, "due_at"),
                priority: owned(row, "priority"),
                starts_at: instant(row, "starts_at"),
                ends_at: instant(row, "ends_at"),
                place: owned(row, "place"),
                attendees: Vec::new(),
                direction: owned(row, "direction"),
                duration_seconds: cell(row, "duration_seconds").and_then(|d| d.parse().ok()),
                outcome: owned(row, "outcome"),
            };
            match self.create_activity(actor, &kind, &input).await {
                Ok(a) => {
                    report.activities += 1;
                    if cell(row, "done_at").is_some()
                        && let Err(e) = self.set_task_done(actor, a.id, a.version, true).await
                    {
                        report.refused.push(("activities.csv", *line, e));
                    }
                }
                Err(e) => report.refused.push(("activities.csv", *line, e)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::minor_units;

    #[test]
    fn amounts_read_in_minor_units() {
        assert_eq!(minor_units("12345.50"), Some(1_234_550));
        assert_eq!(minor_units("12345,5"), Some(1_234_550));
        assert_eq!(minor_units("900"), Some(90_000));
        assert_eq!(minor_units("0.07"), Some(7));
        assert_eq!(minor_units("douze"), None);
    }
}
