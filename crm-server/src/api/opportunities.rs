//! `/api/v1/opportunities`: potential sales moving along a pipeline, and the forecast.

use super::ApiTags;
use super::common::{NoContent, Order, Sort, etag, if_match, page};
use super::dto::events::EventDto;
use super::dto::opportunities::{ForecastLine, GroupParam, OpportunityDto, OpportunityPage, PeriodParam, StatusParam};
use super::naming::{Namer, name_forecast};
use super::problem::{ApiError, ApiResult};
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::NaiveDate;
use crm_domain::event::EntityType;
use crm_domain::forecast::{GroupBy, GroupKey, Period};
use crm_domain::opportunity::{Opportunity, OpportunityInput};
use crm_domain::{ContactId, OpportunityId, OrganizationId, PipelineId, StageId, UserId, ViolationKind};
use crm_ports::query::OpportunityFilter;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// The editable fields of an opportunity.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct OpportunityWrite {
    /// Title.
    pub title: String,
    /// Amount in minor units (cents), 0 to 10^15.
    pub value_minor: i64,
    /// ISO 4217 currency: the tenant's by default; fixed once created.
    pub currency: Option<String>,
    /// Linked contacts (visible to you).
    #[oai(default)]
    pub contact_ids: Vec<Uuid>,
    /// Organization.
    pub organization_id: Option<Uuid>,
    /// Expected close date.
    pub expected_close: Option<NaiveDate>,
    /// Probability override in whole percent; absent: the stage's.
    pub probability: Option<i64>,
}

impl From<&Opportunity> for OpportunityWrite {
    fn from(o: &Opportunity) -> Self {
        Self {
            title: o.fields.title.to_string(),
            value_minor: o.fields.value.minor(),
            currency: Some(o.fields.value.currency().as_str().to_owned()),
            contact_ids: o.fields.contact_ids.iter().map(|c| c.as_uuid()).collect(),
            organization_id: o.fields.organization_id.map(|x| x.as_uuid()),
            expected_close: o.fields.expected_close,
            probability: o.probability_overridden.then(|| i64::from(o.probability.percent())),
        }
    }
}

impl OpportunityWrite {
    pub(crate) fn input(&self) -> OpportunityInput {
        OpportunityInput {
            title: self.title.clone(),
            value_minor: self.value_minor,
            currency: self.currency.clone(),
            contact_ids: self.contact_ids.iter().copied().map(ContactId::from_uuid).collect(),
            organization_id: self.organization_id.map(OrganizationId::from_uuid),
            expected_close: self.expected_close,
            probability: self.probability,
        }
    }
}

/// An opportunity to create.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct NewOpportunityBody {
    /// Pipeline.
    pub pipeline_id: Uuid,
    /// Starting stage (default: the first).
    pub stage_id: Option<Uuid>,
    /// Title.
    pub title: String,
    /// Amount in minor units (cents).
    pub value_minor: i64,
    /// ISO 4217 currency (default: the tenant's).
    pub currency: Option<String>,
    /// Linked contacts.
    #[oai(default)]
    pub contact_ids: Vec<Uuid>,
    /// Organization.
    pub organization_id: Option<Uuid>,
    /// Expected close date.
    pub expected_close: Option<NaiveDate>,
    /// Probability override in whole percent.
    pub probability: Option<i64>,
}

/// A stage to move to.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct MoveBody {
    /// Target stage: the next one, or any earlier one.
    pub stage_id: Uuid,
}

/// Why it was lost.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct LoseBody {
    /// Reason (required).
    pub reason: String,
}

/// A new owner.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct OwnerBody {
    /// The user who becomes responsible.
    pub owner_id: Uuid,
}

/// An opportunity with its ETag.
#[derive(ApiResponse)]
pub enum OpportunityResponse {
    /// The opportunity.
    #[oai(status = 200)]
    Ok(Json<OpportunityDto>, #[oai(header = "ETag")] String),
    /// Created.
    #[oai(status = 201)]
    Created(
        Json<OpportunityDto>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Location")] String,
    ),
}

pub(super) fn filter(
    owner_id: Option<Uuid>,
    pipeline_id: Option<Uuid>,
    stage_id: Option<Uuid>,
    status: Option<StatusParam>,
    close_from: Option<NaiveDate>,
    close_to: Option<NaiveDate>,
) -> OpportunityFilter {
    OpportunityFilter {
        owner_id: owner_id.map(UserId::from_uuid),
        pipeline_id: pipeline_id.map(PipelineId::from_uuid),
        stage_id: stage_id.map(StageId::from_uuid),
        status: status.map(StatusParam::code),
        close_from,
        close_to,
        ..OpportunityFilter::default()
    }
}

pub struct OpportunitiesApi {
    pub app: CrmApp,
}

impl OpportunitiesApi {
    /// The answer for one record, with its names.
    async fn respond(&self, auth: &Auth, x: Opportunity) -> ApiResult<OpportunityResponse> {
        let named = super::naming::named_opportunities(&self.app, &auth.actor(), std::slice::from_ref(&x)).await?;
        let body = named.into_iter().next().unwrap_or_else(|| (&x).into());
        Ok(OpportunityResponse::Ok(Json(body), etag(x.version)))
    }
}

#[OpenApi(tag = "ApiTags::Opportunities")]
impl OpportunitiesApi {
    /// List the opportunities you may see (403 for a role with no access to opportunities,
    /// such as Marketing).
    #[oai(path = "/api/v1/opportunities", method = "get", operation_id = "list_opportunities")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        auth: Auth,
        owner_id: Query<Option<Uuid>>,
        pipeline_id: Query<Option<Uuid>>,
        stage_id: Query<Option<Uuid>>,
        status: Query<Option<StatusParam>>,
        /// Expected close on or after.
        close_from: Query<Option<NaiveDate>>,
        /// Expected close on or before.
        close_to: Query<Option<NaiveDate>>,
        sort: Query<Option<Sort>>,
        order: Query<Option<Order>>,
        cursor: Query<Option<String>>,
        /// Page size, 1 to 200 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "200")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<OpportunityPage>> {
        let f = filter(owner_id.0, pipeline_id.0, stage_id.0, status.0, close_from.0, close_to.0);
        let p = self
            .app
            .list_opportunities(&auth.actor(), &f, &page(sort.0, order.0, cursor.0, limit.0))
            .await?;
        Ok(Json(OpportunityPage {
            items: super::naming::named_opportunities(&self.app, &auth.actor(), &p.items).await?,
            next_cursor: p.next_cursor,
        }))
    }

    /// Create an opportunity; the owner is the caller.
    #[oai(path = "/api/v1/opportunities", method = "post", operation_id = "create_opportunity")]
    async fn create(&self, auth: Auth, body: Json<NewOpportunityBody>) -> ApiResult<OpportunityResponse> {
        let b = body.0;
        let w = OpportunityWrite {
            title: b.title,
            value_minor: b.value_minor,
            currency: b.currency,
            contact_ids: b.contact_ids,
            organization_id: b.organization_id,
            expected_close: b.expected_close,
            probability: b.probability,
        };
        let o = self
            .app
            .create_opportunity(
                &auth.actor(),
                PipelineId::from_uuid(b.pipeline_id),
                b.stage_id.map(StageId::from_uuid),
                &w.input(),
                None,
            )
            .await?;
        Ok(OpportunityResponse::Created(
            Json((&o).into()),
            etag(o.version),
            format!("/api/v1/opportunities/{}", o.id),
        ))
    }

    /// Read an opportunity.
    #[oai(path = "/api/v1/opportunities/:id", method = "get", operation_id = "get_opportunity")]
    async fn get(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<OpportunityResponse> {
        let o = self.app.opportunity(&auth.actor(), OpportunityId::from_uuid(id.0)).await?;
        self.respond(&auth, o).await
    }

    /// Replace the editable fields (refused once won or lost).
    #[oai(path = "/api/v1/opportunities/:id", method = "put", operation_id = "update_opportunity")]
    async fn update(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<OpportunityWrite>,
    ) -> ApiResult<OpportunityResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        self.respond(
            &auth,
            self.app
                .update_opportunity(&auth.actor(), OpportunityId::from_uuid(id.0), v, &body.0.input())
                .await?,
        )
        .await
    }

    /// Change some fields: a JSON Merge Patch (RFC 7396) of the `PUT` body (`probability:
    /// null` goes back to the stage's); `If-Match` as for `PUT`.
    #[oai(path = "/api/v1/opportunities/:id", method = "patch", operation_id = "patch_opportunity")]
    async fn patch(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<serde_json::Value>,
    ) -> ApiResult<OpportunityResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let actor = auth.actor();
        let id = OpportunityId::from_uuid(id.0);
        let current = self.app.opportunity(&actor, id).await?;
        let w = super::patch::patched(&OpportunityWrite::from(&current), &body.0)?;
        self.respond(&auth, self.app.update_opportunity(&actor, id, v, &w.input()).await?)
            .await
    }

    /// Delete an open opportunity (softly).
    #[oai(path = "/api/v1/opportunities/:id", method = "delete", operation_id = "delete_opportunity")]
    async fn delete(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
    ) -> ApiResult<NoContent> {
        let v = if_match(if_match_h.0.as_deref())?;
        self.app
            .delete_opportunity(&auth.actor(), OpportunityId::from_uuid(id.0), v)
            .await?;
        Ok(NoContent::Done)
    }

    /// Restore a deleted opportunity (Admin).
    #[oai(path = "/api/v1/opportunities/:id/restore", method = "post", operation_id = "restore_opportunity")]
    async fn restore(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<OpportunityResponse> {
        self.respond(
            &auth,
            self.app.restore_opportunity(&auth.actor(), OpportunityId::from_uuid(id.0)).await?,
        )
        .await
    }

    /// Move to a stage: the next one, or any earlier one.
    #[oai(path = "/api/v1/opportunities/:id/move", method = "post", operation_id = "move_opportunity")]
    async fn move_stage(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<MoveBody>,
    ) -> ApiResult<OpportunityResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let o = self
            .app
            .move_opportunity(
                &auth.actor(),
                OpportunityId::from_uuid(id.0),
                v,
                StageId::from_uuid(body.0.stage_id),
            )
            .await?;
        self.respond(&auth, o).await
    }

    /// Move to the next stage of the pipeline (at the last stage: 422 `at_last_stage`, win
    /// or lose it instead).
    #[oai(path = "/api/v1/opportunities/:id/advance", method = "post", operation_id = "advance_opportunity")]
    async fn advance(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
    ) -> ApiResult<OpportunityResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let o = self
            .app
            .advance_opportunity(&auth.actor(), OpportunityId::from_uuid(id.0), v)
            .await?;
        self.respond(&auth, o).await
    }

    /// Close as won (from the last stage).
    #[oai(path = "/api/v1/opportunities/:id/win", method = "post", operation_id = "win_opportunity")]
    async fn win(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
    ) -> ApiResult<OpportunityResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        self.respond(
            &auth,
            self.app.win_opportunity(&auth.actor(), OpportunityId::from_uuid(id.0), v).await?,
        )
        .await
    }

    /// Close as lost, with a reason.
    #[oai(path = "/api/v1/opportunities/:id/lose", method = "post", operation_id = "lose_opportunity")]
    async fn lose(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<LoseBody>,
    ) -> ApiResult<OpportunityResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        self.respond(
            &auth,
            self.app
                .lose_opportunity(&auth.actor(), OpportunityId::from_uuid(id.0), v, &body.0.reason)
                .await?,
        )
        .await
    }

    /// Reopen a won or lost opportunity (Admin); recorded in its history.
    #[oai(path = "/api/v1/opportunities/:id/reopen", method = "post", operation_id = "reopen_opportunity")]
    async fn reopen(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
    ) -> ApiResult<OpportunityResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        self.respond(
            &auth,
            self.app
                .reopen_opportunity(&auth.actor(), OpportunityId::from_uuid(id.0), v)
                .await?,
        )
        .await
    }

    /// Give the opportunity to another owner.
    #[oai(path = "/api/v1/opportunities/:id/assign", method = "post", operation_id = "assign_opportunity")]
    async fn assign(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<OwnerBody>,
    ) -> ApiResult<OpportunityResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let o = self
            .app
            .assign_opportunity(&auth.actor(), OpportunityId::from_uuid(id.0), v, UserId::from_uuid(body.0.owner_id))
            .await?;
        self.respond(&auth, o).await
    }

    /// The opportunity's history, newest first: the Admin's, and a Manager's for the
    /// opportunities of their teams; every other role gets 403.
    #[oai(path = "/api/v1/opportunities/:id/history", method = "get", operation_id = "opportunity_history")]
    async fn history(
        &self,
        auth: Auth,
        id: Path<Uuid>,
        /// At most this many events (1 to 1000, default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<EventDto>>> {
        let events = self
            .app
            .history_of(&auth.actor(), EntityType::Opportunity, id.0, limit.0.unwrap_or(100))
            .await?;
        Ok(Json(super::naming::named_events(&self.app, &auth.actor(), &events).await?))
    }

    /// Forecast of the open opportunities you may see: weighted value (amount x
    /// probability) by period of expected close, group and currency.
    #[oai(path = "/api/v1/forecast", method = "get", operation_id = "forecast", tag = "ApiTags::Forecast")]
    #[allow(clippy::too_many_arguments)]
    async fn forecast(
        &self,
        auth: Auth,
        /// `month` (default) or `quarter`.
        period: Query<Option<PeriodParam>>,
        /// `none` (default), `owner`, `team` or `pipeline`.
        group_by: Query<Option<GroupParam>>,
        owner_id: Query<Option<Uuid>>,
        pipeline_id: Query<Option<Uuid>>,
        /// Expected close on or after.
        close_from: Query<Option<NaiveDate>>,
        /// Expected close on or before.
        close_to: Query<Option<NaiveDate>>,
    ) -> ApiResult<Json<Vec<ForecastLine>>> {
        if let (Some(a), Some(b)) = (close_from.0, close_to.0)
            && b < a
        {
            return Err(ApiError::field("close_to", ViolationKind::TooSmall));
        }
        let period = match period.0 {
            Some(PeriodParam::Quarter) => Period::Quarter,
            _ => Period::Month,
        };
        let group = match group_by.0 {
            Some(GroupParam::Owner) => GroupBy::Owner,
            Some(GroupParam::Team) => GroupBy::Team,
            Some(GroupParam::Pipeline) => GroupBy::Pipeline,
            _ => GroupBy::Nothing,
        };
        let f = filter(owner_id.0, pipeline_id.0, None, None, close_from.0, close_to.0);
        let buckets = self.app.forecast(&auth.actor(), period, group, &f).await?;
        let clamp = |v: i128| i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX });
        let mut lines: Vec<ForecastLine> = buckets
            .iter()
            .map(|b| {
                let (group, group_id) = match b.group {
                    GroupKey::All => ("all", None),
                    GroupKey::Owner(u) => ("owner", Some(u.as_uuid())),
                    GroupKey::Team(t) => ("team", t.map(|t| t.as_uuid())),
                    GroupKey::Pipeline(p) => ("pipeline", Some(p.as_uuid())),
                };
                ForecastLine {
                    group_name: None,
                    period_start: b.period_start,
                    group: group.to_owned(),
                    group_id,
                    currency: b.currency.as_str().to_owned(),
                    count: i64::try_from(b.count).unwrap_or(i64::MAX),
                    total_minor: clamp(b.total_minor),
                    weighted_minor: clamp(b.weighted_minor),
                }
            })
            .collect();
        let mut namer = Namer::default();
        for l in &lines {
            namer.forecast(l);
        }
        let names = namer.lookup(&self.app, &auth.actor()).await?;
        for l in &mut lines {
            name_forecast(l, &names);
        }
        Ok(Json(lines))
    }
}
