//! The pipeline board: one column per stage of a pipeline, with its open opportunities
//! (a page per column) and the count, total and weighted total of all of them, within the
//! actor's visibility.

use crate::app::{App, scope};
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::query::{OpportunityFilter, PageRequest, SortKey};
use crate::store::{OpportunityStore, PipelineStore};
use crm_domain::forecast::{StageTotal, totals_by_stage};
use crm_domain::opportunity::Opportunity;
use crm_domain::pipeline::{Pipeline, Stage};
use crm_domain::visibility::{Owned, RecordScope};
use crm_domain::{Actor, PipelineId, TeamId, UserId};

/// Which board.
#[derive(Debug, Clone, Default)]
pub struct BoardFilter {
    /// The pipeline (the tenant's first when `None` or unknown).
    pub pipeline_id: Option<PipelineId>,
    /// Only this owner's opportunities.
    pub owner_id: Option<UserId>,
    /// Only those of this team's members.
    pub team_id: Option<TeamId>,
}

/// One column.
#[derive(Debug, Clone)]
pub struct BoardColumn {
    /// The stage.
    pub stage: Stage,
    /// Count, total and weighted total per currency, over every open opportunity at the
    /// stage (not only the cards shown).
    pub totals: Vec<StageTotal>,
    /// The most recently changed open opportunities at the stage.
    pub cards: Vec<Opportunity>,
    /// Whether the stage holds more than the cards shown.
    pub more: bool,
}

impl BoardColumn {
    /// Open opportunities at the stage, every currency together.
    pub fn count(&self) -> u64 {
        self.totals.iter().map(|t| t.count).sum()
    }
}

/// A pipeline's board.
#[derive(Debug, Clone)]
pub struct Board {
    /// The pipeline shown.
    pub pipeline: Pipeline,
    /// Every pipeline of the tenant (to switch).
    pub pipelines: Vec<Pipeline>,
    /// One column per stage, in the pipeline's order.
    pub columns: Vec<BoardColumn>,
}

impl<S: OpportunityStore + PipelineStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// The board of a pipeline: its open opportunities the actor may see, by stage, at most
    /// `per_column` cards per column (most recently changed first; none with 0, for the
    /// totals alone).
    ///
    /// # Errors
    /// `Forbidden` for a role that sees no opportunity (Marketing, the operator);
    /// `NotFound` when the tenant has no pipeline.
    pub async fn board(&self, actor: &Actor, filter: &BoardFilter, per_column: u32) -> Result<Board, ServiceError> {
        let sc = scope(actor, Owned::Opportunity)?;
        if sc.records == RecordScope::Nothing {
            return Err(ServiceError::Forbidden);
        }
        let pipelines = self.store.list_pipelines(sc.tenant_id).await?;
        let pipeline = filter
            .pipeline_id
            .and_then(|id| pipelines.iter().find(|p| p.id == id))
            .or_else(|| pipelines.first())
            .cloned()
            .ok_or(ServiceError::NotFound)?;
        let base = OpportunityFilter {
            pipeline_id: Some(pipeline.id),
            owner_id: filter.owner_id,
            team_id: filter.team_id,
            status: Some("open"),
            ..OpportunityFilter::default()
        };
        let totals = totals_by_stage(self.store.forecast_items(sc, &base).await?);
        let page = PageRequest {
            sort: SortKey::UpdatedAt,
            descending: true,
            cursor: None,
            limit: Some(per_column),
        };
        let mut columns = Vec::with_capacity(pipeline.stages.len());
        for stage in &pipeline.stages {
            let stage_totals: Vec<StageTotal> = totals.iter().filter(|t| t.stage_id == stage.id).cloned().collect();
            let count: u64 = stage_totals.iter().map(|t| t.count).sum();
            let cards = if count == 0 || per_column == 0 {
                Vec::new()
            } else {
                let f = OpportunityFilter {
                    stage_id: Some(stage.id),
                    ..base.clone()
                };
                self.store.list_opportunities(sc, &f, &page).await?.items
            };
            columns.push(BoardColumn {
                stage: stage.clone(),
                more: count > cards.len() as u64,
                totals: stage_totals,
                cards,
            });
        }
        Ok(Board {
            pipeline,
            pipelines,
            columns,
        })
    }
}
