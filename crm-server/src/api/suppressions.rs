//! `/api/v1/suppressions`: the suppression list (Admin) — emails and phones of people who
//! must not be reached again, kept as keyed hashes: entries listed (or one value looked
//! up), added, removed. An import never brings a listed value back.

use super::ApiTags;
use super::common::NoContent;
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::suppression::{Suppression, SuppressionInput};
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// An entry of the list (the value itself is not kept).
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct SuppressionDto {
    /// Id.
    pub id: Uuid,
    /// `email` or `phone`.
    pub channel: String,
    /// `unsubscribed`, `erased`, `bounced` or `manual`.
    pub reason: String,
    /// A note.
    pub note: Option<String>,
    /// The first characters of the value's keyed hash: tells entries apart.
    pub fingerprint: String,
    /// Who put it there (none: the system).
    pub created_by: Option<Uuid>,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl From<&Suppression> for SuppressionDto {
    fn from(s: &Suppression) -> Self {
        Self {
            id: s.id,
            channel: s.channel.code().to_owned(),
            reason: s.reason.code().to_owned(),
            note: s.note.as_ref().map(|n| n.as_str().to_owned()),
            fingerprint: s.fingerprint.clone(),
            created_by: s.created_by.map(|u| u.as_uuid()),
            created_at: s.created_at,
        }
    }
}

/// A value to put on the list: an email or a phone (not both).
#[derive(Debug, Clone, Object, Default)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none)]
pub struct SuppressionWrite {
    /// An email address.
    pub email: Option<String>,
    /// A phone number (national numbers read with the company's country).
    pub phone: Option<String>,
    /// `unsubscribed`, `erased`, `bounced` or `manual` (default).
    pub reason: Option<String>,
    /// A note (never the value itself).
    pub note: Option<String>,
}

#[derive(ApiResponse)]
pub enum Added {
    /// On the list.
    #[oai(status = 201)]
    Created(Json<SuppressionDto>),
}

pub struct SuppressionsApi {
    pub app: CrmApp,
}

#[OpenApi(tag = "ApiTags::Tenants")]
impl SuppressionsApi {
    /// The suppression list, newest first (Admin). With `email` or `phone`, only that
    /// value's entry (an empty list: it is not on it).
    #[oai(path = "/api/v1/suppressions", method = "get", operation_id = "list_suppressions")]
    async fn list(
        &self,
        auth: Auth,
        /// Only this email's entry.
        email: Query<Option<String>>,
        /// Only this phone's entry.
        phone: Query<Option<String>>,
        /// At most this many (1 to 1000, default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
        limit: Query<Option<u32>>,
    ) -> ApiResult<Json<Vec<SuppressionDto>>> {
        let value = (email.0.is_some() || phone.0.is_some()).then(|| SuppressionInput {
            email: email.0,
            phone: phone.0,
            ..SuppressionInput::default()
        });
        let list = self.app.suppressions(&auth.actor(), value.as_ref(), limit.0.unwrap_or(100)).await?;
        Ok(Json(list.iter().map(SuppressionDto::from).collect()))
    }

    /// Put an email or a phone on the list (Admin): imports will leave out every row
    /// carrying it. 422 on `email`/`phone` when it is already there.
    #[oai(path = "/api/v1/suppressions", method = "post", operation_id = "add_suppression")]
    async fn add(&self, auth: Auth, body: Json<SuppressionWrite>) -> ApiResult<Added> {
        let input = SuppressionInput {
            email: body.0.email,
            phone: body.0.phone,
            reason: body.0.reason,
            note: body.0.note,
        };
        let entry = self.app.add_suppression(&auth.actor(), &input).await?;
        Ok(Added::Created(Json(SuppressionDto::from(&entry))))
    }

    /// Take an entry off the list (Admin).
    #[oai(path = "/api/v1/suppressions/:id", method = "delete", operation_id = "remove_suppression")]
    async fn remove(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<NoContent> {
        self.app.remove_suppression(&auth.actor(), id.0).await?;
        Ok(NoContent::Done)
    }
}
