//! Routes of campaigns: written, moved in their life, tested, followed.

use super::push;
use crate::models::*;
use crate::{Client, Result};
use reqwest::Method;
use uuid::Uuid;

impl Client {
    /// The company's campaigns, newest first (Admin, Manager, Marketing).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn campaigns(&self) -> Result<Vec<Campaign>> {
        self.send::<(), _>(Method::GET, "/api/v1/campaigns", &[], None, None).await
    }

    /// Writes a campaign (a draft).
    ///
    /// # Errors
    /// `ValidationFailed` (`name`, `segment_id`, `template_id`), `Forbidden`.
    pub async fn create_campaign(&self, c: &CampaignWrite) -> Result<Campaign> {
        self.send(Method::POST, "/api/v1/campaigns", &[], Some(c), None).await
    }

    /// One campaign with its statistics.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn campaign(&self, id: Uuid) -> Result<Campaign> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/campaigns/{id}"), &[], None, None)
            .await
    }

    /// Changes a draft or scheduled campaign.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed` (`status` once
    /// it started).
    pub async fn update_campaign(&self, id: Uuid, version: i64, c: &CampaignWrite) -> Result<Campaign> {
        self.send(Method::PUT, &format!("/api/v1/campaigns/{id}"), &[], Some(c), Some(version))
            .await
    }

    /// Deletes a draft or scheduled campaign.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `Conflict`.
    pub async fn delete_campaign(&self, id: Uuid, version: i64) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/campaigns/{id}"), None, Some(version))
            .await
    }

    /// Moves a campaign: schedule, unschedule, start, pause, resume or cancel.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed` (`status`
    /// `not_allowed`, `at`, `public_url`).
    pub async fn move_campaign(&self, id: Uuid, version: i64, m: &CampaignMove) -> Result<Campaign> {
        self.send(Method::POST, &format!("/api/v1/campaigns/{id}/status"), &[], Some(m), Some(version))
            .await
    }

    /// Sends yourself a test of the campaign's message.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `ValidationFailed`.
    pub async fn test_campaign(&self, id: Uuid) -> Result<()> {
        self.send_empty::<()>(Method::POST, &format!("/api/v1/campaigns/{id}/test"), None, None)
            .await
    }

    /// A page of the campaign's recipients, after `after`.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn campaign_recipients(&self, id: Uuid, after: Option<Uuid>, limit: Option<u32>) -> Result<Vec<CampaignRecipient>> {
        let mut query = Vec::new();
        push(&mut query, "after", after);
        push(&mut query, "limit", limit);
        self.send::<(), _>(Method::GET, &format!("/api/v1/campaigns/{id}/recipients"), &query, None, None)
            .await
    }
}
