//! Routes of leads and the customer cycle.

use super::push;
use crate::models::*;
use crate::{Client, Result};
use chrono::{DateTime, Utc};
use reqwest::Method;
use uuid::Uuid;

impl Client {
    /// Brings a lead in: a prospect waiting in the pool, owned by you until it is handed
    /// over (Marketing, Manager, Admin); refused with `PossibleDuplicates` unless
    /// `confirm_duplicates`.
    ///
    /// # Errors
    /// `ValidationFailed`, `PossibleDuplicates`, `Forbidden`.
    pub async fn create_lead(&self, c: &ContactWrite, confirm_duplicates: bool) -> Result<Contact> {
        let q = [("confirm_duplicates", confirm_duplicates.to_string())];
        self.send(Method::POST, "/api/v1/leads", &q, Some(c), None).await
    }

    /// Brings many leads in at once (at most 1,000), all or nothing.
    ///
    /// # Errors
    /// `ValidationFailed` (`leads.<i>.<field>`), `Forbidden`.
    pub async fn import_leads(&self, leads: &NewLeads) -> Result<Vec<Contact>> {
        self.send(Method::POST, "/api/v1/leads/bulk", &[], Some(leads), None).await
    }

    /// Moves a lead's qualification (disqualifying needs a reason of the company's list).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed` (`status`,
    /// `reason`, `kind`).
    pub async fn set_lead_status(&self, id: Uuid, version: i64, status: &LeadStatusWrite) -> Result<Contact> {
        self.send(
            Method::POST,
            &format!("/api/v1/contacts/{id}/lead-status"),
            &[],
            Some(status),
            Some(version),
        )
        .await
    }

    /// Hands a qualified lead of the pool over to a sales rep, or to the next rep of a
    /// team's round-robin; the rep is notified.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed` (`status`,
    /// `owner_id`, `team_id`).
    pub async fn hand_over_lead(&self, id: Uuid, version: i64, to: &HandOver) -> Result<Contact> {
        self.send(
            Method::POST,
            &format!("/api/v1/contacts/{id}/hand-over"),
            &[],
            Some(to),
            Some(version),
        )
        .await
    }

    /// Converts a prospect (or a former client) into a client by hand, for a reason.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `PreconditionFailed`, `ValidationFailed` (`kind`, `reason`).
    pub async fn convert_to_client(&self, id: Uuid, version: i64, reason: &str) -> Result<Contact> {
        let body = Conversion { reason: reason.to_owned() };
        self.send(
            Method::POST,
            &format!("/api/v1/contacts/{id}/convert"),
            &[],
            Some(&body),
            Some(version),
        )
        .await
    }

    /// Opens the first opportunity of a qualified lead that was handed over.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `ValidationFailed` (`status`, `owner_id`, the opportunity).
    pub async fn open_lead_opportunity(&self, id: Uuid, o: &LeadOpportunity) -> Result<Opportunity> {
        self.send(Method::POST, &format!("/api/v1/contacts/{id}/lead-opportunity"), &[], Some(o), None)
            .await
    }

    /// The company's settings of the customer cycle.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn lead_settings(&self) -> Result<LeadSettings> {
        self.send::<(), _>(Method::GET, "/api/v1/lead-settings", &[], None, None).await
    }

    /// Replaces the company's settings of the customer cycle (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `ValidationFailed` (`reasons.<i>.code` / `.label`,
    /// `former_client_after_months`).
    pub async fn set_lead_settings(&self, s: &LeadSettings) -> Result<LeadSettings> {
        self.send(Method::PUT, "/api/v1/lead-settings", &[], Some(s), None).await
    }

    /// Applies the former-client rule now (Admin); how many clients became former clients.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn run_former_client_rule(&self) -> Result<Changed> {
        self.send::<(), _>(Method::POST, "/api/v1/lead-settings/former-clients", &[], None, None)
            .await
    }

    /// The funnel of the leads that came in over `[from, to)`, by month and source.
    ///
    /// # Errors
    /// `Forbidden` (a sales rep), `ValidationFailed` (`to` before `from`).
    pub async fn lead_funnel(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<FunnelLine>> {
        let mut query = Vec::new();
        push(&mut query, "from", Some(from.to_rfc3339()));
        push(&mut query, "to", Some(to.to_rfc3339()));
        self.send::<(), _>(Method::GET, "/api/v1/reports/lead-funnel", &query, None, None)
            .await
    }
}
