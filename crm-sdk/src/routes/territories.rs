//! Routes of territories (Admin writes, every role reads).

use super::push;
use crate::models::*;
use crate::{Client, Result};
use reqwest::Method;
use uuid::Uuid;

impl Client {
    /// The company's territories, by name.
    ///
    /// # Errors
    /// `Unauthorized`.
    pub async fn territories(&self) -> Result<Vec<Territory>> {
        self.send::<(), _>(Method::GET, "/api/v1/territories", &[], None, None).await
    }

    /// Adds a territory (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed` (`name`, `team_id`, `areas.<i>`, `industries.<i>`).
    pub async fn create_territory(&self, t: &TerritoryWrite) -> Result<Territory> {
        self.send(Method::POST, "/api/v1/territories", &[], Some(t), None).await
    }

    /// Replaces a territory at `version` (Admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed`.
    pub async fn update_territory(&self, id: Uuid, version: i64, t: &TerritoryWrite) -> Result<Territory> {
        self.send(Method::PUT, &format!("/api/v1/territories/{id}"), &[], Some(t), Some(version))
            .await
    }

    /// Removes a territory (Admin).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn delete_territory(&self, id: Uuid) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/territories/{id}"), None, None)
            .await
    }

    /// The territory covering a postcode and/or an industry.
    ///
    /// # Errors
    /// `Unauthorized`.
    pub async fn match_territory(&self, postal_code: Option<&str>, industry: Option<&str>) -> Result<TerritoryMatch> {
        let mut query = Vec::new();
        push(&mut query, "postal_code", postal_code);
        push(&mut query, "industry", industry);
        self.send::<(), _>(Method::GET, "/api/v1/territories/match", &query, None, None)
            .await
    }
}
