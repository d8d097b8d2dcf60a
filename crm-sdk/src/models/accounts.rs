//! Logins, tenants, users and teams.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Who is logged in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    /// `user` or `operator`.
    pub kind: String,
    /// Tenant.
    pub tenant_id: Option<Uuid>,
    /// User.
    pub user_id: Option<Uuid>,
    /// Role.
    pub role: Option<String>,
    /// The user's name (from `me`).
    #[serde(default)]
    pub display_name: Option<String>,
    /// The user's login email (from `me`).
    #[serde(default)]
    pub email: Option<String>,
    /// The company's name (from `me`).
    #[serde(default)]
    pub tenant_name: Option<String>,
}

/// A session opened by login.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Login {
    /// Bearer token.
    pub token: String,
    /// CSRF token for cookie-authenticated writes.
    pub csrf_token: String,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// Who.
    pub me: Me,
    /// The recovery codes of a second factor the login's second step just confirmed
    /// (shown this once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_codes: Option<Vec<String>>,
}

/// A personal API token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Expires.
    pub expires_at: DateTime<Utc>,
    /// Revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// One of your open sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Id.
    pub id: Uuid,
    /// The browser and system it was opened from, or the program.
    #[serde(default)]
    pub device: Option<String>,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Ends.
    pub expires_at: DateTime<Utc>,
    /// The session making the request.
    pub current: bool,
}

/// Where your second factor stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorStatus {
    /// Whether it guards your login.
    pub enabled: bool,
    /// Since when.
    #[serde(default)]
    pub enabled_at: Option<DateTime<Utc>>,
    /// Recovery codes left.
    pub recovery_codes_left: u32,
    /// Whether your company requires one of you.
    pub required: bool,
}

/// A second factor's set-up: what the authenticator app needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondFactorSetup {
    /// The secret in base32, in groups of four.
    pub secret: String,
    /// The `otpauth://` address (a QR code's content).
    pub otpauth_uri: String,
}

/// Recovery codes, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCodes {
    /// The codes.
    pub recovery_codes: Vec<String>,
}

/// How many sessions were ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionsEnded {
    /// Sessions ended.
    pub ended: u64,
}

/// A token just created, with its secret (shown once).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewToken {
    /// The token.
    pub token: Token,
    /// The secret.
    pub secret: String,
}

/// Tenant settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// Country.
    pub country: Option<String>,
    /// Currency.
    pub currency: Option<String>,
    /// Time zone.
    pub time_zone: Option<String>,
    /// Language.
    pub language: Option<String>,
    /// Working days (`mon` … `sun`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_days: Option<Vec<String>>,
    /// Whether every Admin must log in with a second factor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_factor_for_admins: Option<bool>,
    /// Fewest characters of a new password (12 to 64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_min_length: Option<i64>,
    /// Whether common passwords are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refuse_common_passwords: Option<bool>,
    /// Session lifetime, hours (1 to 168).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_hours: Option<i64>,
    /// Whom the company sells to: `b2b`, `b2c` or `mixed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// Months a prospect is kept after the last contact they initiated (6 to 120).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_months: Option<i64>,
    /// `flag` or `erase` when that time is up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_action: Option<String>,
}

/// A tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Settings.
    pub settings: Settings,
    /// When the platform operator suspended it.
    #[serde(default)]
    pub suspended_at: Option<DateTime<Utc>>,
    /// What it holds (the operator's list only).
    #[serde(default)]
    pub counts: Option<TenantCounts>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

/// What a tenant holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantCounts {
    /// Users who may log in.
    pub users: u64,
    /// Contacts.
    pub contacts: u64,
    /// Open opportunities.
    pub open_deals: u64,
}

/// A new tenant with its first Admin.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewTenant {
    /// Name.
    pub name: String,
    /// First Admin's email.
    pub admin_email: String,
    /// First Admin's name.
    pub admin_name: String,
    /// First Admin's password.
    pub admin_password: String,
    /// Settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<Settings>,
}

/// A created tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TenantCreated {
    /// The tenant.
    pub tenant: Tenant,
    /// Its first Admin.
    pub admin_id: Uuid,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Id.
    pub id: Uuid,
    /// Email.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Role.
    pub role: String,
    /// Team.
    pub team_id: Option<Uuid>,
    /// Whether the user may log in.
    #[serde(default = "yes")]
    pub active: bool,
    /// When an Admin deactivated the user.
    #[serde(default)]
    pub deactivated_at: Option<DateTime<Utc>>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

fn yes() -> bool {
    true
}

/// A one-time link with which a user chooses their password (shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessLink {
    /// The user it lets in.
    pub user_id: Uuid,
    /// The secret.
    pub secret: String,
    /// The web page to open on the server: `/access/<secret>`.
    pub path: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// A user to add.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewUser {
    /// Email.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Team.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team_id: Option<Uuid>,
    /// Initial password.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// A team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Team {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Manager.
    pub manager_id: Uuid,
    /// Territory.
    pub territory: Option<String>,
    /// Version.
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
}

/// A team to add or its new fields.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TeamWrite {
    /// Name.
    pub name: String,
    /// Manager.
    pub manager_id: Uuid,
    /// Territory.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub territory: Option<String>,
}
