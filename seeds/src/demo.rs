//! The demonstration data set: ten French companies of different trades, each with teams,
//! a user in every role, its own pipeline, organizations, 500 contacts (entered some two
//! years ago, when the company started with the CRM), leads over the last 18 months in
//! every status (some handed over, turned into deals and won), deals over the last 18
//! months (won, lost or still open, with their histories) and each team's forecast
//! validated every month, activities over the last 18 months, a few planted duplicates,
//! email templates, consents given and withdrawn, requests under the GDPR handled and
//! open, scoring and automation rules with scores and runs over seven months, two
//! campaigns with their opens, clicks, answers and unsubscriptions, and webhook
//! subscriptions. Loaded through the application services, so every rule applies and
//! the event log is filled. The plan is deterministic (seeded); ids and times are not.

mod activities;
mod background;
mod campaigns;
mod compliance;
mod deals;
mod engagement;
mod imports;
mod leads;
mod loading;
mod plan;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

pub use loading::{load, load_with_progress};
pub use plan::{CompanyPlan, companies};

use crm_domain::user::Role;
use crm_ports::files::FileStorage;
use crm_ports::tables::TableReader;
use std::sync::Arc;

/// The password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-crm-2026";

/// The address the demo's campaign links lead to when the installation names none (the
/// server's own address on its default port).
pub const DEMO_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// What the demo's load needs of the installation beyond the application.
#[derive(Clone)]
pub struct DemoEnv {
    /// The installation's address: where the links of the campaigns' messages lead.
    pub public_url: String,
    /// Where uploaded files are kept and how tables are read. With them the demo holds an
    /// import (Marketing's list of trade-show visitors); without, none.
    pub imports: Option<ImportPorts>,
}

/// Where uploaded files are kept, and the reader of tables (CSV, XLSX).
pub type ImportPorts = (Arc<dyn FileStorage>, Arc<dyn TableReader>);

impl Default for DemoEnv {
    fn default() -> Self {
        Self {
            public_url: DEMO_PUBLIC_URL.to_owned(),
            imports: None,
        }
    }
}

impl std::fmt::Debug for DemoEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoEnv")
            .field("public_url", &self.public_url)
            .field("imports", &self.imports.is_some())
            .finish()
    }
}

/// How much to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoSize {
    /// Ten companies, 500 contacts each (the demo).
    Full,
    /// Two companies, 60 contacts each (tests).
    Small,
}

impl DemoSize {
    /// How many companies it loads.
    pub const fn companies(self) -> usize {
        match self {
            Self::Full => 10,
            Self::Small => 2,
        }
    }
}

/// A demo account to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoLogin {
    /// Company.
    pub company: &'static str,
    /// Role.
    pub role: Role,
    /// Login email (password [`DEMO_PASSWORD`]).
    pub email: String,
}

/// What was loaded.
#[derive(Debug, Clone, Default)]
pub struct DemoReport {
    /// Companies.
    pub tenants: usize,
    /// Contacts (planted duplicates included; leads apart).
    pub contacts: usize,
    /// Leads brought in by Marketing over 18 months, in every status.
    pub leads: usize,
    /// Opportunities (those opened from leads included).
    pub opportunities: usize,
    /// Activities.
    pub activities: usize,
    /// Segments.
    pub segments: usize,
    /// Email templates.
    pub templates: usize,
    /// Consents recorded (given and withdrawn).
    pub consents: usize,
    /// Requests under the GDPR (handled and open).
    pub privacy_requests: usize,
    /// Webhook subscriptions.
    pub webhooks: usize,
    /// Scoring rules.
    pub scoring_rules: usize,
    /// Automation rules.
    pub automations: usize,
    /// Campaigns sent.
    pub campaigns: usize,
    /// Campaign messages sent.
    pub messages: usize,
    /// Imports made (kept in the company's history of imports).
    pub imports: usize,
    /// One login per role and company.
    pub logins: Vec<DemoLogin>,
}

impl DemoReport {
    /// Adds what another load (of other companies) holds: its counts, then its logins.
    fn absorb(&mut self, other: Self) {
        self.tenants += other.tenants;
        self.contacts += other.contacts;
        self.leads += other.leads;
        self.opportunities += other.opportunities;
        self.activities += other.activities;
        self.segments += other.segments;
        self.templates += other.templates;
        self.consents += other.consents;
        self.privacy_requests += other.privacy_requests;
        self.webhooks += other.webhooks;
        self.scoring_rules += other.scoring_rules;
        self.automations += other.automations;
        self.campaigns += other.campaigns;
        self.messages += other.messages;
        self.imports += other.imports;
        self.logins.extend(other.logins);
    }
}

/// Where a load stands, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoProgress {
    /// Companies fully loaded.
    pub done: usize,
    /// Companies to load.
    pub total: usize,
    /// The first company not loaded yet (the next ones may be loading with it); `None`
    /// once all are.
    pub company: Option<&'static str>,
}
