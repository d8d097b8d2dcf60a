//! Routes of automation (Admin, Marketing).

use super::push;
use crate::models::*;
use crate::{Client, Result};
use reqwest::Method;
use uuid::Uuid;

impl Client {
    /// The company's automation rules.
    ///
    /// # Errors
    /// `Forbidden` (not Admin or Marketing).
    pub async fn automations(&self) -> Result<Vec<Automation>> {
        self.send::<(), _>(Method::GET, "/api/v1/automations", &[], None, None).await
    }

    /// Writes a rule.
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed` (`name`, `trigger…`, `conditions…`, `actions…`).
    pub async fn create_automation(&self, r: &AutomationWrite) -> Result<Automation> {
        self.send(Method::POST, "/api/v1/automations", &[], Some(r), None).await
    }

    /// What a rule would have started over the last 30 days (nothing saved).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed`.
    pub async fn dry_run_automation(&self, r: &AutomationWrite) -> Result<AutomationDryRun> {
        self.send(Method::POST, "/api/v1/automations/dry-run", &[], Some(r), None).await
    }

    /// One rule.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn automation(&self, id: Uuid) -> Result<Automation> {
        self.send::<(), _>(Method::GET, &format!("/api/v1/automations/{id}"), &[], None, None)
            .await
    }

    /// Changes a rule.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed`.
    pub async fn update_automation(&self, id: Uuid, version: i64, r: &AutomationWrite) -> Result<Automation> {
        self.send(Method::PUT, &format!("/api/v1/automations/{id}"), &[], Some(r), Some(version))
            .await
    }

    /// Deletes a rule and its run log.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn delete_automation(&self, id: Uuid) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/automations/{id}"), None, None)
            .await
    }

    /// A rule's run log, newest first (only the runs in `state` when given).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `ValidationFailed` (`state`).
    pub async fn automation_runs(&self, id: Uuid, state: Option<&str>, limit: Option<u32>) -> Result<Vec<AutomationRun>> {
        let mut query = Vec::new();
        push(&mut query, "state", state);
        push(&mut query, "limit", limit);
        self.send::<(), _>(Method::GET, &format!("/api/v1/automations/{id}/runs"), &query, None, None)
            .await
    }
}
