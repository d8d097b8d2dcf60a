//! Importing organizations: each row found by its external id, else its web domain, else
//! its name (folded: case and accents aside), and updated with what the file says (an
//! empty cell keeps the value), or created; the same checks as an organization made by
//! hand. The dry run and the job share the planner; the job writes piece by piece with its
//! step, as a contacts import does, so a crash resumes without a row twice.

use super::progress::{ImportJob, ImportProgress, PIECE, to_json};
use super::{ImportOptions, ImportPreview, MAX_PLAN_ROWS, RowAction, RowNote, RowPlan, UpsertKey};
use crate::app::{App, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::runtime::jobs::JobContext;
use crate::store::{FileRecordStore, ImportPiece, ImportStore, JobStore, OrganizationStore};
use crate::tables::TableRows;
use crm_domain::event::{EntityType, EventKind};
use crm_domain::import::{ImportField, organization_row};
use crm_domain::organization::{AddressInput, Organization, OrganizationFields, OrganizationInput, WebDomain};
use crm_domain::text::fold;
use crm_domain::visibility::Capability;
use crm_domain::{Actor, OrganizationId, ValidationError, ViolationKind};
use std::collections::HashMap;

/// Who may import organizations, and with what: those who write organizations, a mapping
/// with the names (or, keyed by external id, the external ids).
pub(super) fn require_organization_import(
    actor: &Actor,
    mapping: &[Option<ImportField>],
    options: &ImportOptions,
) -> Result<(), ServiceError> {
    require(actor, Capability::WriteOrganizations)?;
    let has = |f: ImportField| mapping.contains(&Some(f));
    let keyed = options.key == UpsertKey::ExternalId && has(ImportField::ExternalId);
    if !(has(ImportField::Organization) || keyed) {
        return Err(ValidationError::field("mapping", ViolationKind::Required).into());
    }
    Ok(())
}

/// What a planned row writes.
enum OrgWrite {
    Create(Organization),
    Update { before: Box<Organization>, after: Organization },
}

struct OrgPlanned {
    plan: RowPlan,
    write: Option<OrgWrite>,
}

/// An organization's fields as an input (what a row's cells are laid over).
fn input_of(o: &Organization) -> OrganizationInput {
    let text = |l: Option<&crm_domain::text::Label>| l.map(ToString::to_string);
    OrganizationInput {
        name: o.name.to_string(),
        domain: o.domain.as_ref().map(|d| d.as_str().to_owned()),
        industry: text(o.industry.as_ref()),
        size: o.size.map(|s| s.code().to_owned()),
        address: AddressInput {
            street: o.address.street.as_ref().map(ToString::to_string),
            postal_code: text(o.address.postal_code.as_ref()),
            city: text(o.address.city.as_ref()),
            country: o.address.country.map(|c| c.as_str().to_owned()),
        },
        external_id: o.external_id.as_ref().map(ToString::to_string),
    }
}

/// `base` with every value the row gives.
fn overlay(mut base: OrganizationInput, row: OrganizationInput) -> OrganizationInput {
    if !row.name.trim().is_empty() {
        base.name = row.name;
    }
    let keep = |b: &mut Option<String>, r: Option<String>| {
        if r.is_some() {
            *b = r;
        }
    };
    keep(&mut base.domain, row.domain);
    keep(&mut base.industry, row.industry);
    keep(&mut base.size, row.size);
    keep(&mut base.address.street, row.address.street);
    keep(&mut base.address.postal_code, row.address.postal_code);
    keep(&mut base.address.city, row.address.city);
    keep(&mut base.address.country, row.address.country);
    keep(&mut base.external_id, row.external_id);
    base
}

/// Plans rows one piece after another: the company's organizations by external id, web
/// domain and folded name (those the file creates included), and the rows seen.
pub(super) struct OrgPlanner {
    tenant: crm_domain::TenantId,
    mapping: Vec<Option<ImportField>>,
    key: UpsertKey,
    all: HashMap<OrganizationId, Organization>,
    by_external: HashMap<String, OrganizationId>,
    by_domain: HashMap<String, OrganizationId>,
    by_name: HashMap<String, OrganizationId>,
    seen: HashMap<OrganizationId, u64>,
}

impl OrgPlanner {
    fn add(&mut self, o: Organization) {
        if let Some(x) = &o.external_id {
            self.by_external.insert(x.as_str().to_owned(), o.id);
        }
        if let Some(d) = &o.domain {
            self.by_domain.entry(d.as_str().to_owned()).or_insert(o.id);
        }
        self.by_name.entry(fold(o.name.as_str())).or_insert(o.id);
        self.all.insert(o.id, o);
    }

    fn find(&self, row: &OrganizationInput) -> Result<Option<OrganizationId>, RowNote> {
        let external = row.external_id.as_deref().map(str::trim).filter(|x| !x.is_empty());
        if self.key == UpsertKey::ExternalId {
            let Some(x) = external else {
                return Err(RowNote::Invalid(ValidationError::field("external_id", ViolationKind::Required)));
            };
            return Ok(self.by_external.get(x).copied());
        }
        if let Some(id) = external.and_then(|x| self.by_external.get(x)) {
            return Ok(Some(*id));
        }
        let domain = row.domain.as_deref().and_then(|d| WebDomain::parse(d).ok());
        if let Some(id) = domain.and_then(|d| self.by_domain.get(d.as_str())) {
            return Ok(Some(*id));
        }
        Ok(self.by_name.get(&fold(row.name.trim())).copied())
    }

    fn plan(&mut self, line: u64, cells: &[String], now: chrono::DateTime<chrono::Utc>, new_id: uuid::Uuid) -> OrgPlanned {
        let skip = |note| OrgPlanned {
            plan: RowPlan::skip(line, note),
            write: None,
        };
        let row = organization_row(cells, &self.mapping);
        let found = match self.find(&row) {
            Ok(f) => f,
            Err(note) => return skip(note),
        };
        if let Some(first) = found.and_then(|id| self.seen.get(&id)) {
            return skip(RowNote::RepeatedInFile(*first));
        }
        let taken = |planner: &Self, fields: &OrganizationFields, me: Option<OrganizationId>| {
            fields
                .external_id
                .as_ref()
                .and_then(|x| planner.by_external.get(x.as_str()))
                .is_some_and(|holder| Some(*holder) != me)
        };
        let Some(id) = found else {
            let fields = match OrganizationFields::parse(&row) {
                Ok(f) => f,
                Err(e) => return skip(RowNote::Invalid(e)),
            };
            if taken(self, &fields, None) {
                return skip(RowNote::Invalid(ValidationError::field("external_id", ViolationKind::Repeated)));
            }
            let org = Organization {
                id: OrganizationId::from_uuid(new_id),
                tenant_id: self.tenant,
                name: fields.name,
                domain: fields.domain,
                industry: fields.industry,
                size: fields.size,
                address: fields.address,
                external_id: fields.external_id,
                version: 1,
                created_at: now,
                updated_at: now,
            };
            self.seen.insert(org.id, line);
            self.add(org.clone());
            return OrgPlanned {
                plan: RowPlan {
                    line,
                    action: RowAction::Create,
                    note: None,
                    territory: None,
                },
                write: Some(OrgWrite::Create(org)),
            };
        };
        self.seen.insert(id, line);
        let Some(before) = self.all.get(&id).cloned() else {
            return skip(RowNote::NotVisible);
        };
        let fields = match OrganizationFields::parse(&overlay(input_of(&before), row)) {
            Ok(f) => f,
            Err(e) => return skip(RowNote::Invalid(e)),
        };
        if taken(self, &fields, Some(id)) {
            return skip(RowNote::Invalid(ValidationError::field("external_id", ViolationKind::Repeated)));
        }
        let mut after = before.clone();
        after.apply(fields);
        if after == before {
            return OrgPlanned {
                plan: RowPlan {
                    line,
                    action: RowAction::Unchanged(id.as_uuid()),
                    note: None,
                    territory: None,
                },
                write: None,
            };
        }
        after.version = before.version + 1;
        after.updated_at = now;
        self.add(after.clone());
        OrgPlanned {
            plan: RowPlan {
                line,
                action: RowAction::Update(id.as_uuid()),
                note: None,
                territory: None,
            },
            write: Some(OrgWrite::Update {
                before: Box::new(before),
                after,
            }),
        }
    }
}

impl<S: OrganizationStore + crate::store::ContactStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    async fn organization_planner(
        &self,
        actor: &Actor,
        mapping: &[Option<ImportField>],
        options: &ImportOptions,
    ) -> Result<OrgPlanner, ServiceError> {
        require_organization_import(actor, mapping, options)?;
        let tenant = tenant_of(actor)?;
        let mut planner = OrgPlanner {
            tenant,
            mapping: mapping.to_vec(),
            key: options.key,
            all: HashMap::new(),
            by_external: HashMap::new(),
            by_domain: HashMap::new(),
            by_name: HashMap::new(),
            seen: HashMap::new(),
        };
        for o in self.all_organizations(tenant).await? {
            planner.add(o);
        }
        Ok(planner)
    }

    fn plan_organizations(&self, planner: &mut OrgPlanner, rows: &[(u64, Vec<String>)]) -> Vec<OrgPlanned> {
        let now = self.clock.now();
        rows.iter()
            .map(|(line, cells)| planner.plan(*line, cells, now, self.new_id()))
            .collect()
    }

    /// The dry run of an organizations import: for each row, what it would do. Nothing is
    /// written.
    ///
    /// # Errors
    /// `Forbidden` (a role that may not write organizations), `Invalid` (more than
    /// [`MAX_PLAN_ROWS`] rows, a mapping without names), store failures.
    pub async fn plan_organization_import(
        &self,
        actor: &Actor,
        rows: &[(u64, Vec<String>)],
        mapping: &[Option<ImportField>],
        options: &ImportOptions,
    ) -> Result<Vec<RowPlan>, ServiceError> {
        if rows.len() > MAX_PLAN_ROWS {
            return Err(ValidationError::field("rows", ViolationKind::TooLarge).into());
        }
        let mut planner = self.organization_planner(actor, mapping, options).await?;
        Ok(self.plan_organizations(&mut planner, rows).into_iter().map(|p| p.plan).collect())
    }
}

impl<
    S: OrganizationStore
        + crate::store::ContactStore
        + crate::store::TenantStore
        + crate::store::UserStore
        + crate::store::SuppressionStore
        + crate::store::TerritoryStore
        + FileRecordStore
        + JobStore,
    K,
    C: Clock,
    I: IdGenerator,
> App<S, K, C, I>
{
    /// The dry run of one of the actor's uploaded files of organizations, with `mapping`
    /// (that of the company's last import of a file with the same headers, else guessed,
    /// when `None`). Nothing is written.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` (the file), `Invalid` (`file`: not a table we can read).
    pub async fn preview_organization_import<F: crate::files::FileStorage + ?Sized, T: crate::tables::TableReader + ?Sized>(
        &self,
        actor: &Actor,
        files: &F,
        tables: &T,
        file_id: uuid::Uuid,
        mapping: Option<&[Option<ImportField>]>,
        options: &ImportOptions,
    ) -> Result<ImportPreview, ServiceError> {
        require(actor, Capability::WriteOrganizations)?;
        let table = self.import_table(actor, files, tables, file_id).await?;
        let (mapping, mapping_from) = match mapping {
            Some(m) => {
                let mut m = m.to_vec();
                m.resize(table.headers.len(), None);
                (m, None)
            }
            None => {
                self.mapping_for_entity(actor, super::ImportEntity::Organizations, &table.headers)
                    .await?
            }
        };
        let first = &table.rows[..table.rows.len().min(MAX_PLAN_ROWS)];
        let plans = self.plan_organization_import(actor, first, &mapping, options).await?;
        Ok(ImportPreview {
            total: table.rows.len() as u64,
            rows: first.iter().map(|(_, cells)| cells.clone()).zip(plans).collect(),
            headers: table.headers,
            mapping,
            mapping_from,
        })
    }
}

/// Runs an organizations import job from its step.
pub(super) async fn run<S, K, C: Clock, I: IdGenerator>(
    app: &App<S, K, C, I>,
    ctx: &JobContext,
    actor: &Actor,
    import: &ImportJob,
    table: &TableRows,
) -> Result<(), ServiceError>
where
    S: OrganizationStore + crate::store::ContactStore + ImportStore,
{
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
        let mut check = app.organization_planner(actor, &spec.mapping, &spec.options).await?;
        let mut faults = ImportProgress { refused: true, ..fresh() };
        for p in app.plan_organizations(&mut check, &table.rows) {
            if p.plan.action == RowAction::Skip {
                faults.skipped += 1;
                faults.note(p.plan.line, false, p.plan.note.as_ref());
            }
        }
        if faults.skipped > 0 {
            return ctx.checkpoint(0, to_json(&faults)?).await;
        }
    }
    let mut planner = app.organization_planner(actor, &spec.mapping, &spec.options).await?;
    // The rows already written, planned again (found unchanged) so that the rest of the
    // file sees them.
    app.plan_organizations(&mut planner, &table.rows[..start]);
    let mut at = start;
    while at < total {
        let end = (at + PIECE).min(total);
        let mut next = progress.clone();
        let (mut created, mut updated, mut events) = (Vec::new(), Vec::new(), Vec::new());
        for p in app.plan_organizations(&mut planner, &table.rows[at..end]) {
            next.note(p.plan.line, p.plan.action != RowAction::Skip, p.plan.note.as_ref());
            match (&p.plan.action, p.write) {
                (RowAction::Skip, _) => next.skipped += 1,
                (RowAction::Unchanged(_), _) => next.unchanged += 1,
                (_, Some(OrgWrite::Create(o))) => {
                    next.created += 1;
                    let changes = Organization::changes(None, &o);
                    events.push(app.event(actor, EntityType::Organization, o.id.as_uuid(), EventKind::Created, None, changes));
                    created.push(o);
                }
                (_, Some(OrgWrite::Update { before, after })) => {
                    next.updated += 1;
                    let changes = Organization::changes(Some(&before), &after);
                    events.push(app.event(
                        actor,
                        EntityType::Organization,
                        after.id.as_uuid(),
                        EventKind::Updated,
                        None,
                        changes,
                    ));
                    updated.push((after, before.version));
                }
                (_, None) => {}
            }
        }
        next.done = end as u64;
        let piece = ImportPiece {
            organizations: &created,
            updated_organizations: &updated,
            opportunities: &[],
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
                    "an organization changed while imported; the piece is planned again".into(),
                ));
            }
            Err(e) => return Err(e.into()),
        }
        progress = next;
        at = end;
    }
    Ok(())
}
