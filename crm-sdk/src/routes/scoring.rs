//! Routes of lead scoring.

use crate::models::*;
use crate::{Client, Result};
use reqwest::Method;
use uuid::Uuid;

impl Client {
    /// The company's scoring rules.
    ///
    /// # Errors
    /// `Forbidden` (not Admin or Marketing).
    pub async fn scoring_rules(&self) -> Result<Vec<ScoringRule>> {
        self.send::<(), _>(Method::GET, "/api/v1/scoring/rules", &[], None, None).await
    }

    /// Adds a rule.
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed` (`name`, `signal`, `points`, `half_life_days`).
    pub async fn create_scoring_rule(&self, r: &ScoringRuleWrite) -> Result<ScoringRule> {
        self.send(Method::POST, "/api/v1/scoring/rules", &[], Some(r), None).await
    }

    /// Changes a rule.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed`.
    pub async fn update_scoring_rule(&self, id: Uuid, version: i64, r: &ScoringRuleWrite) -> Result<ScoringRule> {
        self.send(Method::PUT, &format!("/api/v1/scoring/rules/{id}"), &[], Some(r), Some(version))
            .await
    }

    /// Deletes a rule.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn delete_scoring_rule(&self, id: Uuid) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/scoring/rules/{id}"), None, None)
            .await
    }

    /// The company's learned model (its latest training).
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn scoring_model(&self) -> Result<ScoringModel> {
        self.send::<(), _>(Method::GET, "/api/v1/scoring/model", &[], None, None).await
    }

    /// Trains the learned model now.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn train_scoring_model(&self) -> Result<ScoringModel> {
        self.send::<(), _>(Method::POST, "/api/v1/scoring/model", &[], None, None).await
    }

    /// A contact's score with its lines and history.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn contact_score(&self, id: Uuid) -> Result<ContactScore> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/contacts/{id}/score"), &[], None, None)
            .await
    }
}
