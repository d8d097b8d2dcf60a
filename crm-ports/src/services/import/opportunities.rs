//! Importing opportunities: each row finds its pipeline and stage by name (the first
//! pipeline, its first stage, when the file says none), its organization by name, its
//! contacts by email (among those the importer sees), its owner by email; it is opened
//! there — won or lost when the file says so — with the checks of a deal made by hand. A
//! row naming an opportunity already there (its CRM id, as an export gives it, or the same
//! title at the same organization) leaves it as it is. The job writes piece by piece with
//! its step, as the other imports do.

use super::progress::{ImportJob, ImportProgress, OpportunityImportStore, PIECE, to_json};
use super::{ImportPreview, MAX_PLAN_ROWS, RowAction, RowNote, RowPlan};
use crate::app::{App, require, scope, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::query::{OpportunityFilter, PageRequest};
use crate::runtime::jobs::JobContext;
use crate::tables::TableRows;
use crm_domain::email::EmailAddress;
use crm_domain::event::{EntityType, EventKind, NewEvent};
use crm_domain::import::{ImportField, OpportunityRow, opportunity_row, parse_amount_minor, parse_date, status_code};
use crm_domain::money::Currency;
use crm_domain::opportunity::{Opportunity, OpportunityInput};
use crm_domain::pipeline::Pipeline;
use crm_domain::text::fold;
use crm_domain::visibility::{Capability, Owned, RecordScope};
use crm_domain::{Actor, ContactId, OpportunityId, OrganizationId, UserId, ValidationError, ViolationKind};
use std::collections::HashMap;
use uuid::Uuid;

/// Who may import opportunities, and with what: those who write them, a mapping with the
/// titles.
pub(super) fn require_opportunity_import(actor: &Actor, mapping: &[Option<ImportField>]) -> Result<(), ServiceError> {
    require(actor, Capability::WriteOpportunities)?;
    if !mapping.contains(&Some(ImportField::Title)) {
        return Err(ValidationError::field("mapping", ViolationKind::Required).into());
    }
    Ok(())
}

/// Plans rows: the company's pipelines, users, organizations and the opportunities the
/// importer sees, loaded once.
pub(super) struct OppPlanner {
    actor: Actor,
    mapping: Vec<Option<ImportField>>,
    currency: Currency,
    pipelines: Vec<Pipeline>,
    users: HashMap<String, UserId>,
    first_admin: Option<UserId>,
    owners_checked: HashMap<UserId, bool>,
    organizations: HashMap<String, OrganizationId>,
    by_id: HashMap<Uuid, ()>,
    by_key: HashMap<(String, Option<OrganizationId>), Uuid>,
    seen: HashMap<Uuid, u64>,
}

/// A planned row: what it does, and the deal and its events when it opens one.
pub(super) struct OppPlanned {
    plan: RowPlan,
    write: Option<(Opportunity, Vec<NewEvent>)>,
}

fn invalid(field: &str, kind: ViolationKind) -> RowNote {
    RowNote::Invalid(ValidationError::field(field, kind))
}

impl<S: OpportunityImportStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    async fn opportunity_planner(&self, actor: &Actor, mapping: &[Option<ImportField>]) -> Result<OppPlanner, ServiceError> {
        require_opportunity_import(actor, mapping)?;
        let tenant = tenant_of(actor)?;
        let sc = scope(actor, Owned::Opportunity)?;
        if sc.records == RecordScope::Nothing {
            return Err(ServiceError::Forbidden);
        }
        let users = self.store.list_users(tenant).await?;
        let mut planner = OppPlanner {
            actor: *actor,
            mapping: mapping.to_vec(),
            currency: self.store.tenant(tenant).await?.settings.currency,
            pipelines: self.store.list_pipelines(tenant).await?,
            first_admin: users.iter().find(|u| u.role == crm_domain::user::Role::Admin).map(|u| u.id),
            users: users.iter().map(|u| (u.email.as_str().to_lowercase(), u.id)).collect(),
            owners_checked: HashMap::new(),
            organizations: HashMap::new(),
            by_id: HashMap::new(),
            by_key: HashMap::new(),
            seen: HashMap::new(),
        };
        for o in self.all_organizations(tenant).await? {
            planner.organizations.entry(fold(o.name.as_str())).or_insert(o.id);
        }
        let mut page = PageRequest {
            limit: Some(crate::query::MAX_PAGE_SIZE),
            ..PageRequest::default()
        };
        loop {
            let p = self.store.list_opportunities(sc, &OpportunityFilter::default(), &page).await?;
            for o in p.items {
                planner.remember(&o);
            }
            match p.next_cursor {
                Some(c) => page.cursor = Some(c),
                None => break,
            }
        }
        Ok(planner)
    }

    /// The owner a row gives (else the importer; for the system, the first Admin),
    /// checked as a deal made by hand.
    async fn row_owner(&self, planner: &mut OppPlanner, row: &OpportunityRow) -> Result<UserId, RowNote> {
        let owner = match &row.owner {
            Some(email) => *planner
                .users
                .get(&email.to_lowercase())
                .ok_or_else(|| invalid("owner", ViolationKind::Unknown))?,
            None => match planner.actor.user_id() {
                Some(me) => me,
                None => planner.first_admin.ok_or_else(|| invalid("owner", ViolationKind::Required))?,
            },
        };
        let ok = match planner.owners_checked.get(&owner) {
            Some(ok) => *ok,
            None => {
                let tenant = tenant_of(&planner.actor).map_err(|_| invalid("owner", ViolationKind::Unknown))?;
                let ok = self.check_assignee(&planner.actor, tenant, owner, "owner").await.is_ok();
                planner.owners_checked.insert(owner, ok);
                ok
            }
        };
        if ok {
            Ok(owner)
        } else {
            Err(invalid("owner", ViolationKind::NotAllowed))
        }
    }

    /// The contacts of the row's emails that the importer sees.
    async fn row_contacts(&self, actor: &Actor, row: &OpportunityRow) -> Result<Vec<ContactId>, RowNote> {
        let sc = scope(actor, Owned::Contact).map_err(|_| RowNote::NotVisible)?;
        let mut out = Vec::new();
        for (i, raw) in row.emails.iter().enumerate() {
            let email = EmailAddress::parse(raw).map_err(|_| invalid(&format!("email.{i}"), ViolationKind::Malformed))?;
            let mut found = None;
            for (id, _) in self.store.contacts_by_email(sc.tenant_id, &email).await.unwrap_or_default() {
                if self.store.contact(sc, id).await.is_ok() {
                    found = Some(id);
                    break;
                }
            }
            let id = found.ok_or_else(|| invalid(&format!("email.{i}"), ViolationKind::Unknown))?;
            if !out.contains(&id) {
                out.push(id);
            }
        }
        Ok(out)
    }

    async fn plan_opportunity(&self, planner: &mut OppPlanner, line: u64, cells: &[String]) -> OppPlanned {
        let skip = |note| OppPlanned {
            plan: RowPlan::skip(line, note),
            write: None,
        };
        let row = opportunity_row(cells, &planner.mapping);
        if row.title.trim().is_empty() {
            return skip(invalid("title", ViolationKind::Required));
        }
        let (organization, mut note) = match &row.organization {
            None => (None, None),
            Some(name) => match planner.organizations.get(&fold(name.trim())) {
                Some(id) => (Some(*id), None),
                None => (None, Some(RowNote::UnknownOrganization)),
            },
        };
        let existing = row
            .id
            .as_deref()
            .and_then(|id| Uuid::parse_str(id.trim()).ok())
            .filter(|id| planner.by_id.contains_key(id))
            .or_else(|| planner.by_key.get(&(fold(row.title.trim()), organization)).copied());
        if let Some(id) = existing {
            if let Some(first) = planner.seen.get(&id) {
                return skip(RowNote::RepeatedInFile(*first));
            }
            planner.seen.insert(id, line);
            return OppPlanned {
                plan: RowPlan {
                    line,
                    action: RowAction::Unchanged(id),
                    note: None,
                    territory: None,
                },
                write: None,
            };
        }
        match self.open_from_row(planner, &row, organization).await {
            Ok((opp, events)) => {
                planner.remember(&opp);
                planner.seen.insert(opp.id.as_uuid(), line);
                OppPlanned {
                    plan: RowPlan {
                        line,
                        action: RowAction::Create,
                        note: note.take(),
                        territory: None,
                    },
                    write: Some((opp, events)),
                }
            }
            Err(note) => skip(note),
        }
    }

    async fn open_from_row(
        &self,
        planner: &mut OppPlanner,
        row: &OpportunityRow,
        organization: Option<OrganizationId>,
    ) -> Result<(Opportunity, Vec<NewEvent>), RowNote> {
        let pipeline = match &row.pipeline {
            Some(name) => planner.pipelines.iter().find(|p| fold(p.name.as_str()) == fold(name.trim())),
            None => planner.pipelines.first(),
        }
        .cloned()
        .ok_or_else(|| invalid("pipeline", ViolationKind::Unknown))?;
        let status = match &row.status {
            Some(s) => status_code(s).ok_or_else(|| invalid("status", ViolationKind::Unknown))?,
            None => "open",
        };
        let stage = match &row.stage {
            Some(name) => Some(
                pipeline
                    .stages
                    .iter()
                    .find(|s| fold(s.name.as_str()) == fold(name.trim()))
                    .ok_or_else(|| invalid("stage", ViolationKind::Unknown))?
                    .id,
            ),
            // A deal won without a stage was won at the last one.
            None if status == "won" => pipeline.stages.last().map(|s| s.id),
            None => None,
        };
        let value_minor = match &row.amount {
            Some(a) => parse_amount_minor(a).ok_or_else(|| invalid("amount", ViolationKind::Malformed))?,
            None => 0,
        };
        let expected_close = match &row.expected_close {
            Some(d) => Some(parse_date(d).ok_or_else(|| invalid("expected_close", ViolationKind::Malformed))?),
            None => None,
        };
        let probability = match &row.probability {
            Some(p) => Some(
                p.trim()
                    .trim_end_matches('%')
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| invalid("probability", ViolationKind::Malformed))?,
            ),
            None => None,
        };
        let owner = self.row_owner(planner, row).await?;
        let contact_ids = self.row_contacts(&planner.actor, row).await?;
        let input = OpportunityInput {
            title: row.title.trim().to_owned(),
            value_minor,
            currency: row.currency.clone(),
            contact_ids,
            organization_id: organization,
            expected_close,
            probability,
        };
        let (fields, probability) = input.parse(planner.currency).map_err(RowNote::Invalid)?;
        // The stage's own probability is no override.
        let probability = probability.filter(|p| stage.and_then(|s| pipeline.stage(s)).is_none_or(|s| s.probability != *p));
        let now = self.clock.now();
        let by = planner.actor.user_id();
        let id = OpportunityId::from_uuid(self.new_id());
        let opened = Opportunity::open(id, &pipeline, stage, owner, fields, probability, now, by).map_err(rule_note)?;
        let actor = planner.actor;
        let event = |kind, before: Option<&Opportunity>, after: &Opportunity| {
            let changes = Opportunity::changes(before, after);
            self.event(&actor, EntityType::Opportunity, id.as_uuid(), kind, Some(owner.as_uuid()), changes)
        };
        let mut events = vec![event(EventKind::Created, None, &opened)];
        let mut opp = opened.clone();
        let closed = match status {
            "won" => Some((EventKind::Won, opp.win(&pipeline, now))),
            "lost" => Some((EventKind::Lost, opp.lose(row.lost_reason.as_deref().unwrap_or("-"), now))),
            _ => None,
        };
        if let Some((kind, result)) = closed {
            result.map_err(rule_note)?;
            opp.version += 1;
            events.push(event(kind, Some(&opened), &opp));
        }
        Ok((opp, events))
    }

    async fn plan_opportunities(&self, planner: &mut OppPlanner, rows: &[(u64, Vec<String>)]) -> Vec<OppPlanned> {
        let mut out = Vec::with_capacity(rows.len());
        for (line, cells) in rows {
            out.push(self.plan_opportunity(planner, *line, cells).await);
        }
        out
    }

    /// The dry run of an opportunities import: for each row, what it would do. Nothing is
    /// written.
    ///
    /// # Errors
    /// `Forbidden` (a role that may not write opportunities), `Invalid` (more than
    /// [`MAX_PLAN_ROWS`] rows, a mapping without titles), store failures.
    pub async fn plan_opportunity_import(
        &self,
        actor: &Actor,
        rows: &[(u64, Vec<String>)],
        mapping: &[Option<ImportField>],
    ) -> Result<Vec<RowPlan>, ServiceError> {
        if rows.len() > MAX_PLAN_ROWS {
            return Err(ValidationError::field("rows", ViolationKind::TooLarge).into());
        }
        let mut planner = self.opportunity_planner(actor, mapping).await?;
        Ok(self
            .plan_opportunities(&mut planner, rows)
            .await
            .into_iter()
            .map(|p| p.plan)
            .collect())
    }

    /// The dry run of one of the actor's uploaded files of opportunities, with `mapping`
    /// (the company's last one for the same headers, else guessed, when `None`).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` (the file), `Invalid` (`file`: not a table we can read).
    pub async fn preview_opportunity_import<F: crate::files::FileStorage + ?Sized, T: crate::tables::TableReader + ?Sized>(
        &self,
        actor: &Actor,
        files: &F,
        tables: &T,
        file_id: Uuid,
        mapping: Option<&[Option<ImportField>]>,
    ) -> Result<ImportPreview, ServiceError> {
        require(actor, Capability::WriteOpportunities)?;
        let table = self.import_table(actor, files, tables, file_id).await?;
        let (mapping, mapping_from) = match mapping {
            Some(m) => {
                let mut m = m.to_vec();
                m.resize(table.headers.len(), None);
                (m, None)
            }
            None => {
                self.mapping_for_entity(actor, super::ImportEntity::Opportunities, &table.headers)
                    .await?
            }
        };
        let first = &table.rows[..table.rows.len().min(MAX_PLAN_ROWS)];
        let plans = self.plan_opportunity_import(actor, first, &mapping).await?;
        Ok(ImportPreview {
            total: table.rows.len() as u64,
            rows: first.iter().map(|(_, cells)| cells.clone()).zip(plans).collect(),
            headers: table.headers,
            mapping,
            mapping_from,
        })
    }
}

fn rule_note(e: crm_domain::opportunity::RuleError) -> RowNote {
    match e {
        crm_domain::opportunity::RuleError::Invalid(v) => RowNote::Invalid(v),
        _ => invalid("status", ViolationKind::NotAllowed),
    }
}

impl OppPlanner {
    fn remember(&mut self, o: &Opportunity) {
        self.by_id.insert(o.id.as_uuid(), ());
        self.by_key
            .entry((fold(o.fields.title.as_str()), o.fields.organization_id))
            .or_insert(o.id.as_uuid());
    }
}

/// Runs an opportunities import job from its step.
pub(super) async fn run<S: OpportunityImportStore, K, C: Clock, I: IdGenerator>(
    app: &App<S, K, C, I>,
    ctx: &JobContext,
    actor: &Actor,
    import: &ImportJob,
    table: &TableRows,
) -> Result<(), ServiceError> {
    let spec = &import.spec;
    let total = table.rows.len();
    let start = usize::try_from(ctx.job().step).unwrap_or(0).min(total);
    let fresh = || ImportProgress {
        total: total as u64,
        headers: table.headers.clone(),
        ..ImportProgress::default()
    };
    let mut progress = if start == 0 { fresh() } else { import.progress.clone() };
    if spec.options.all_or_nothing && start == 0 {
        let mut check = app.opportunity_planner(actor, &spec.mapping).await?;
        let mut faults = ImportProgress { refused: true, ..fresh() };
        for p in app.plan_opportunities(&mut check, &table.rows).await {
            if p.plan.action == RowAction::Skip {
                faults.skipped += 1;
                faults.note(p.plan.line, false, p.plan.note.as_ref());
            }
        }
        if faults.skipped > 0 {
            return ctx.checkpoint(0, to_json(&faults)?).await;
        }
    }
    let mut planner = app.opportunity_planner(actor, &spec.mapping).await?;
    // The rows already written are found again (unchanged), so the rest of the file sees
    // them.
    app.plan_opportunities(&mut planner, &table.rows[..start]).await;
    let mut at = start;
    while at < total {
        let end = (at + PIECE).min(total);
        let mut next = progress.clone();
        let (mut created, mut events) = (Vec::new(), Vec::new());
        for p in app.plan_opportunities(&mut planner, &table.rows[at..end]).await {
            next.note(p.plan.line, p.plan.action != RowAction::Skip, p.plan.note.as_ref());
            match (&p.plan.action, p.write) {
                (RowAction::Skip, _) => next.skipped += 1,
                (RowAction::Create, Some((opp, evs))) => {
                    next.created += 1;
                    events.extend(evs);
                    created.push(opp);
                }
                _ => next.unchanged += 1,
            }
        }
        next.done = end as u64;
        let piece = crate::store::ImportPiece {
            organizations: &[],
            updated_organizations: &[],
            opportunities: &created,
            created: &[],
            updated: &[],
            events: &events,
        };
        let json = to_json(&next)?;
        let step = ctx.held_step(end as i64, json, app.clock.now());
        match app.store.write_import_piece(tenant_of(actor)?, &piece, &step).await {
            Ok(()) => {}
            Err(StoreError::Conflict) => {
                ctx.checkpoint(at as i64, to_json(&progress)?).await?;
                return Err(ServiceError::Internal(
                    "the import was taken over; the piece is planned again".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        progress = next;
        at = end;
    }
    Ok(())
}
