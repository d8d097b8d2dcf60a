//! The import itself, a background job: the file (stored, sealed) read again by each run,
//! its rows planned and written piece by piece, each piece in one transaction with the
//! job's step and counts — a job resumed after a crash starts after the last piece
//! written, so every row is imported exactly once. While a piece is written the next one is
//! read and looked up, and set right once the write is committed (`ahead.rs`). Bad rows
//! are left out and reported (or, all or nothing, stop the import before anything is
//! written).

use super::ahead::Touched;
use super::file::read_file;
use super::plan::{Looked, RowWrite};
use super::progress::{
    IMPORT_CONTACTS, IMPORT_OPPORTUNITIES, IMPORT_ORGANIZATIONS, ImportJob, ImportProgress, ImportSpec, MAX_IMPORT_BYTES, NotedRow, PIECE,
    to_json,
};
use super::require_import;
use super::{ImportOptions, RowAction};
use crate::app::{App, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::files::FileStorage;
use crate::runtime::BoxFuture;
use crate::runtime::jobs::{JobContext, JobFinish, JobHandler};
use crate::store::{
    ContactStore, FileRecordStore, ImportPiece, ImportStore, JobStore, LeadStore, NewJob, OrganizationStore, TenantStore, TerritoryStore,
    UserStore,
};
use crate::tables::TableReader;
use crm_domain::contact::Contact;
use crm_domain::event::{EntityType, EventKind};
use crm_domain::import::ImportField;
use crm_domain::organization::Organization;
use crm_domain::visibility::Capability;
use crm_domain::{Actor, TeamId, TenantId, ValidationError, ViolationKind};
use std::sync::Arc;
use uuid::Uuid;

/// Routing new contacts by territory: the teams' rotations.
impl<S: UserStore + LeadStore, K, C, I> App<S, K, C, I> {
    /// Gives each new contact routed to a team (an import by territory) that team's next
    /// sales rep, in turn (one move of each team's rotation per piece); a lead goes out of
    /// the pool to them. A team without sales reps leaves its contacts as planned.
    async fn route_by_territory(&self, tenant: TenantId, planned: &mut [super::plan::Planned]) -> Result<(), ServiceError> {
        let mut teams: Vec<(TeamId, u32)> = Vec::new();
        for p in planned.iter().filter(|p| matches!(p.write, Some(RowWrite::Create(_)))) {
            if let Some(team) = p.team {
                match teams.iter_mut().find(|(t, _)| *t == team) {
                    Some((_, n)) => *n += 1,
                    None => teams.push((team, 1)),
                }
            }
        }
        for (team, turns) in teams {
            let mut owners = self.team_owners(tenant, team, turns).await?.into_iter();
            for p in planned.iter_mut().filter(|p| p.team == Some(team)) {
                let (Some(RowWrite::Create(c)), Some(owner)) = (p.write.as_mut(), owners.next()) else {
                    continue;
                };
                c.owner_id = owner;
                if let Some(lead) = c.lead.as_mut() {
                    lead.pooled = false;
                }
            }
        }
        Ok(())
    }
}

/// A row of an import's report: the row as it was in the file, and why it is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    /// The row's cells.
    pub cells: Vec<String>,
    /// What the import says of it.
    pub noted: NotedRow,
}

/// Starting and following imports.
impl<
    S: ContactStore
        + OrganizationStore
        + TenantStore
        + UserStore
        + crate::store::SuppressionStore
        + TerritoryStore
        + FileRecordStore
        + JobStore,
    K,
    C: Clock,
    I: IdGenerator,
> App<S, K, C, I>
{
    /// Starts importing the contacts of an uploaded file (one of the actor's) in the
    /// background; the job to follow.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` (the file), `Invalid` (a mapping without columns, a file too
    /// large, an owner the actor may not give contacts to), `Conflict` (this file is
    /// already being imported).
    pub async fn start_contact_import(
        &self,
        actor: &Actor,
        file_id: Uuid,
        mapping: &[Option<ImportField>],
        options: &ImportOptions,
    ) -> Result<ImportJob, ServiceError> {
        self.start_import(actor, super::ImportEntity::Contacts, file_id, mapping, options)
            .await
    }

    /// Starts importing the records of an uploaded file (one of the actor's) in the
    /// background; the job to follow.
    ///
    /// # Errors
    /// As [`App::start_contact_import`]; for organizations, `Forbidden` without the right
    /// to write them, `Invalid` on `mapping` without a column of names or external ids.
    pub async fn start_import(
        &self,
        actor: &Actor,
        entity: super::ImportEntity,
        file_id: Uuid,
        mapping: &[Option<ImportField>],
        options: &ImportOptions,
    ) -> Result<ImportJob, ServiceError> {
        let tenant = tenant_of(actor)?;
        match entity {
            super::ImportEntity::Contacts => require_import(actor)?,
            super::ImportEntity::Organizations => super::organizations::require_organization_import(actor, mapping, options)?,
            super::ImportEntity::Opportunities => super::opportunities::require_opportunity_import(actor, mapping)?,
        }
        let file = self.file(actor, file_id).await?;
        if file.size > MAX_IMPORT_BYTES {
            return Err(ValidationError::field("file", ViolationKind::TooLarge).into());
        }
        if mapping.iter().all(Option::is_none) {
            return Err(ValidationError::field("mapping", ViolationKind::Required).into());
        }
        if entity == super::ImportEntity::Contacts {
            // The owner and rights, checked now rather than by the job.
            self.import_owner(actor, options).await?;
        }
        let spec = ImportSpec {
            file_id,
            user_id: actor.user_id(),
            mapping: mapping.to_vec(),
            options: *options,
            entity,
        };
        let job = NewJob {
            id: self.new_id(),
            tenant_id: tenant,
            kind: entity.job_kind().to_owned(),
            payload: serde_json::to_value(&spec).map_err(|e| ServiceError::Internal(e.to_string()))?,
            due_at: self.clock.now(),
            key: Some(format!("import:{file_id}")),
        };
        if !self.store.enqueue_job(&job, self.clock.now()).await? {
            return Err(ServiceError::Conflict);
        }
        ImportJob::of(self.store.job(tenant, job.id).await?)
    }

    /// An import job the actor started (an Admin: any of the company's).
    ///
    /// # Errors
    /// `NotFound` (also another's import, or another kind of job).
    pub async fn import_job(&self, actor: &Actor, id: Uuid) -> Result<ImportJob, ServiceError> {
        let tenant = tenant_of(actor)?;
        let job = self.store.job(tenant, id).await?;
        if ![IMPORT_CONTACTS, IMPORT_ORGANIZATIONS, IMPORT_OPPORTUNITIES].contains(&job.kind.as_str()) {
            return Err(ServiceError::NotFound);
        }
        let import = ImportJob::of(job)?;
        if crm_domain::visibility::allows(actor, Capability::ManageTenant) || import.spec.user_id == actor.user_id() {
            Ok(import)
        } else {
            Err(ServiceError::NotFound)
        }
    }

    /// The imports the actor started (an Admin: the company's), newest first.
    ///
    /// # Errors
    /// Store failures.
    pub async fn import_jobs(&self, actor: &Actor, limit: u32) -> Result<Vec<ImportJob>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require_import(actor)?;
        let admin = crm_domain::visibility::allows(actor, Capability::ManageTenant);
        let mut out = Vec::new();
        for kind in [IMPORT_CONTACTS, IMPORT_ORGANIZATIONS, IMPORT_OPPORTUNITIES] {
            for job in self.store.jobs(tenant, Some(kind), 500).await? {
                let import = ImportJob::of(job)?;
                if admin || import.spec.user_id == actor.user_id() {
                    out.push(import);
                }
            }
        }
        out.sort_by(|a, b| b.job.created_at.cmp(&a.job.created_at).then(b.job.id.cmp(&a.job.id)));
        out.truncate(limit.clamp(1, 500) as usize);
        Ok(out)
    }

    /// An import's report: the file's headers, and each row it names as it was in the file.
    ///
    /// # Errors
    /// `NotFound`, `Invalid` (the file is gone or unreadable).
    pub async fn import_report<F: FileStorage + ?Sized, T: TableReader + ?Sized>(
        &self,
        actor: &Actor,
        files: &F,
        tables: &T,
        id: Uuid,
    ) -> Result<(Vec<String>, Vec<ReportRow>), ServiceError> {
        let import = self.import_job(actor, id).await?;
        let table = read_file(&*self.store, files, tables, import.job.tenant_id, import.spec.file_id).await?;
        let by_line: std::collections::HashMap<u64, &Vec<String>> = table.rows.iter().map(|(l, c)| (*l, c)).collect();
        let rows = import
            .progress
            .noted
            .into_iter()
            .map(|noted| ReportRow {
                cells: by_line.get(&noted.line).map(|c| (*c).clone()).unwrap_or_default(),
                noted,
            })
            .collect();
        Ok((table.headers, rows))
    }
}

/// Runs imports (of contacts, or of organizations: one handler a job kind).
pub struct ContactImport<S, K, C, I> {
    app: App<S, K, C, I>,
    files: Arc<dyn FileStorage>,
    tables: Arc<dyn TableReader>,
    kind: &'static str,
}

impl<S, K, C: Clone, I: Clone> ContactImport<S, K, C, I> {
    /// The handler of contacts imports, reading files from `files` with `tables`.
    pub fn new(app: &App<S, K, C, I>, files: Arc<dyn FileStorage>, tables: Arc<dyn TableReader>) -> Self {
        Self {
            app: app.clone(),
            files,
            tables,
            kind: IMPORT_CONTACTS,
        }
    }

    /// The handler of opportunities imports.
    pub fn opportunities(app: &App<S, K, C, I>, files: Arc<dyn FileStorage>, tables: Arc<dyn TableReader>) -> Self {
        Self {
            kind: IMPORT_OPPORTUNITIES,
            ..Self::new(app, files, tables)
        }
    }

    /// The handler of organizations imports.
    pub fn organizations(app: &App<S, K, C, I>, files: Arc<dyn FileStorage>, tables: Arc<dyn TableReader>) -> Self {
        Self {
            kind: IMPORT_ORGANIZATIONS,
            ..Self::new(app, files, tables)
        }
    }
}

impl<
    S: ContactStore
        + OrganizationStore
        + crate::store::OpportunityStore
        + crate::store::PipelineStore
        + TenantStore
        + UserStore
        + crate::store::SuppressionStore
        + FileRecordStore
        + JobStore
        + ImportStore
        + LeadStore
        + TerritoryStore
        + 'static,
    K: Send + Sync + 'static,
    C: Clock + Clone,
    I: IdGenerator + Clone,
> ContactImport<S, K, C, I>
{
    async fn run_import(&self, ctx: &JobContext) -> Result<(), ServiceError> {
        let app = &self.app;
        let job = ctx.job();
        let tenant = job.tenant_id;
        let import = ImportJob::of(job.clone())?;
        let spec = &import.spec;
        // The importer as they are now (a changed role counts).
        let (actor, _) = crate::app::acting(&*app.store, tenant, spec.user_id).await?;
        let table = read_file(&*app.store, &*self.files, &*self.tables, tenant, spec.file_id).await?;
        match spec.entity {
            super::ImportEntity::Organizations => return super::organizations::run(app, ctx, &actor, &import, &table).await,
            super::ImportEntity::Opportunities => return super::opportunities::run(app, ctx, &actor, &import, &table).await,
            super::ImportEntity::Contacts => {}
        }
        let total = table.rows.len();
        let start = usize::try_from(job.step).unwrap_or(0).min(total);
        let mut progress = if start == 0 {
            ImportProgress {
                total: total as u64,
                headers: table.headers.clone(),
                ..ImportProgress::default()
            }
        } else {
            import.progress
        };
        if spec.options.all_or_nothing && start == 0 {
            let mut check = app.planner(&actor, &spec.mapping, &spec.options).await?;
            let mut faults = ImportProgress {
                total: total as u64,
                refused: true,
                headers: table.headers.clone(),
                ..ImportProgress::default()
            };
            for piece in table.rows.chunks(PIECE) {
                for p in app.plan_rows(&mut check, piece).await? {
                    if p.plan.action == RowAction::Skip {
                        faults.skipped += 1;
                        faults.note(p.plan.line, false, p.plan.note.as_ref());
                    }
                }
            }
            if faults.skipped > 0 {
                return ctx.checkpoint(0, to_json(&faults)?).await;
            }
        }
        let mut planner = app.planner(&actor, &spec.mapping, &spec.options).await?;
        planner.skip_rows(&table.rows[..start]);
        let mut at = start;
        // The next piece, read and looked up while the last one was written, and what that
        // write touched.
        let mut ahead: Option<(Looked, Touched)> = None;
        while at < total {
            let end = (at + PIECE).min(total);
            let looked = match ahead.take() {
                Some((mut looked, touched)) => {
                    app.settle(&planner, &mut looked, &touched).await?;
                    looked
                }
                None => app.look_up(&mut planner, &table.rows[at..end]).await?,
            };
            let mut planned = app.decide_rows(&planner, looked);
            app.route_by_territory(tenant, &mut planned).await?;
            let organizations = planner.take_new_organizations();
            let mut next = progress.clone();
            let (mut created, mut updated, mut events) = (Vec::new(), Vec::new(), Vec::new());
            for o in &organizations {
                events.push(app.event(
                    &actor,
                    EntityType::Organization,
                    o.id.as_uuid(),
                    EventKind::Created,
                    None,
                    Organization::changes(None, o),
                ));
            }
            next.organizations += organizations.len() as u64;
            let contact_event = |kind, before: Option<&Contact>, after: &Contact| {
                let changes = Contact::changes(before, after);
                app.event(
                    &actor,
                    EntityType::Contact,
                    after.id.as_uuid(),
                    kind,
                    Some(after.owner_id.as_uuid()),
                    changes,
                )
            };
            for p in planned {
                let imported = p.plan.action != RowAction::Skip;
                next.note(p.plan.line, imported, p.plan.note.as_ref());
                match (p.plan.action, p.write) {
                    (RowAction::Skip, _) => next.skipped += 1,
                    (RowAction::Unchanged(_), _) => next.unchanged += 1,
                    (_, Some(RowWrite::Create(c))) => {
                        next.created += 1;
                        events.push(contact_event(EventKind::Created, None, &c));
                        created.push(c);
                    }
                    (_, Some(RowWrite::Update { before, after })) => {
                        next.updated += 1;
                        events.push(contact_event(EventKind::Updated, Some(before.as_ref()), &after));
                        updated.push((after, *before));
                    }
                    (_, None) => {}
                }
            }
            next.done = end as u64;
            let piece = ImportPiece {
                organizations: &organizations,
                updated_organizations: &[],
                opportunities: &[],
                created: &created,
                updated: &updated,
                events: &events,
            };
            let json = to_json(&next)?;
            let step = ctx.held_step(end as i64, json, app.clock.now());
            let touched = Touched::of(&created, &updated);
            // The next piece is read and looked up on a task of its own (another core)
            // while this one is written.
            let following = table.rows[end..(end + PIECE).min(total)].to_vec();
            let looking = {
                let (app, mut planner) = (app.clone(), planner);
                tokio::spawn(async move {
                    let looked = match following.as_slice() {
                        [] => Ok(None),
                        rows => app.look_up(&mut planner, rows).await.map(Some),
                    };
                    (planner, looked)
                })
            };
            let written = app.store.write_import_piece(tenant, &piece, &step).await;
            let looked;
            (planner, looked) = looking.await.map_err(|e| ServiceError::Internal(e.to_string()))?;
            match written {
                Ok(()) => {}
                Err(StoreError::Conflict) => {
                    // Cancelled or taken over (the checkpoint says so), or a contact changed
                    // since it was read: run again from the last piece written.
                    ctx.checkpoint(at as i64, to_json(&progress)?).await?;
                    return Err(ServiceError::Internal(
                        "a contact changed while imported; the piece is planned again".into(),
                    ));
                }
                Err(e) => return Err(e.into()),
            }
            ahead = looked?.map(|l| (l, touched));
            progress = next;
            at = end;
        }
        Ok(())
    }
}

impl<
    S: ContactStore
        + OrganizationStore
        + TenantStore
        + UserStore
        + crate::store::SuppressionStore
        + FileRecordStore
        + JobStore
        + ImportStore
        + crate::store::OpportunityStore
        + crate::store::PipelineStore
        + LeadStore
        + TerritoryStore
        + 'static,
    K: Send + Sync + 'static,
    C: Clock + Clone + Send + Sync + 'static,
    I: IdGenerator + Clone + Send + Sync + 'static,
> JobHandler for ContactImport<S, K, C, I>
{
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn run<'a>(&'a self, ctx: &'a JobContext) -> BoxFuture<'a, Result<JobFinish, ServiceError>> {
        Box::pin(async move {
            self.run_import(ctx).await?;
            Ok(JobFinish::default())
        })
    }
}
