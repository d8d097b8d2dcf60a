//! Routes of logins, sessions, passwords and personal API tokens.

use crate::models::*;
use crate::{Client, Result};
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

impl Client {
    // --- auth ---

    /// Logs in; use the returned token with [`Client::with_token`].
    ///
    /// # Errors
    /// `Unauthenticated`, `TooManyRequests`, `TenantChoiceRequired` (the problem's
    /// `tenants` lists the companies: then use [`Client::login_to`]).
    pub async fn login(&self, email: &str, password: &str) -> Result<Login> {
        self.send(
            Method::POST,
            "/api/v1/auth/login",
            &[],
            Some(&json!({"email": email, "password": password})),
            None,
        )
        .await
    }

    /// Chooses a password with a one-time link's secret (no login needed); then log in.
    ///
    /// # Errors
    /// `NotFound` (unknown, used, replaced or expired link), `ValidationFailed` (password).
    pub async fn redeem_access_link(&self, secret: &str, password: &str) -> Result<()> {
        self.send_empty(
            Method::POST,
            "/api/v1/auth/access-link",
            Some(&json!({"secret": secret, "password": password})),
            None,
        )
        .await
    }

    /// Logs in to one company, for an email that is a user in several.
    ///
    /// # Errors
    /// `Unauthenticated`, `TooManyRequests`.
    pub async fn login_to(&self, email: &str, password: &str, tenant_id: Uuid) -> Result<Login> {
        self.send(
            Method::POST,
            "/api/v1/auth/login",
            &[],
            Some(&json!({"email": email, "password": password, "tenant_id": tenant_id})),
            None,
        )
        .await
    }

    /// Ends the session or revokes the API token used.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn logout(&self) -> Result<()> {
        self.send_empty::<()>(Method::POST, "/api/v1/auth/logout", None, None).await
    }

    /// Who is logged in.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn me(&self) -> Result<Me> {
        self.send::<(), _>(Method::GET, "/api/v1/auth/me", &[], None, None).await
    }

    /// Changes the password; every session ends.
    ///
    /// # Errors
    /// `Unauthenticated` (wrong current password), `ValidationFailed`.
    pub async fn change_password(&self, current: &str, new: &str) -> Result<()> {
        self.send_empty(
            Method::POST,
            "/api/v1/auth/password",
            Some(&json!({"current_password": current, "new_password": new})),
            None,
        )
        .await
    }

    /// Your API tokens.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn list_tokens(&self) -> Result<Vec<Token>> {
        self.send::<(), _>(Method::GET, "/api/v1/auth/tokens", &[], None, None).await
    }

    /// Creates an API token; the secret is returned once.
    ///
    /// # Errors
    /// `ValidationFailed`.
    pub async fn create_token(&self, name: &str, expires_in_days: i64) -> Result<NewToken> {
        self.send(
            Method::POST,
            "/api/v1/auth/tokens",
            &[],
            Some(&json!({"name": name, "expires_in_days": expires_in_days})),
            None,
        )
        .await
    }

    /// Your open sessions, newest first.
    ///
    /// # Errors
    /// `Unauthorized`.
    pub async fn sessions(&self) -> Result<Vec<Session>> {
        self.send::<(), _>(Method::GET, "/api/v1/auth/sessions", &[], None, None).await
    }

    /// Ends one of your sessions.
    ///
    /// # Errors
    /// `NotFound` (not yours, or ended already).
    pub async fn end_session(&self, id: Uuid) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/auth/sessions/{id}"), None, None)
            .await
    }

    /// Ends every session of yours but the one this client uses.
    ///
    /// # Errors
    /// `Unauthorized`.
    pub async fn end_other_sessions(&self) -> Result<SessionsEnded> {
        self.send::<(), _>(Method::POST, "/api/v1/auth/sessions/end-others", &[], None, None)
            .await
    }

    /// Revokes one of your API tokens.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn revoke_token(&self, id: Uuid) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/auth/tokens/{id}"), None, None)
            .await
    }

    // --- second factor ---

    /// The login's second step: the ticket of a `second_factor_required` answer (in the
    /// problem's `second_factor`) and a code from the app, or a recovery code.
    ///
    /// # Errors
    /// `Unauthenticated` (bad or stale ticket), `ValidationFailed` (`code`: `incorrect`),
    /// `TooManyRequests`.
    pub async fn login_second_factor(&self, ticket: &str, code: &str) -> Result<Login> {
        self.send(
            Method::POST,
            "/api/v1/auth/login/second-factor",
            &[],
            Some(&json!({"ticket": ticket, "code": code})),
            None,
        )
        .await
    }

    /// The login's second step when the company requires a second factor and the person
    /// has none yet: the secret for their app; then [`Client::login_second_factor`] with
    /// its first code.
    ///
    /// # Errors
    /// `Unauthenticated` (bad or stale ticket).
    pub async fn begin_second_factor_at_login(&self, ticket: &str) -> Result<SecondFactorSetup> {
        self.send(
            Method::POST,
            "/api/v1/auth/login/second-factor/setup",
            &[],
            Some(&json!({"ticket": ticket})),
            None,
        )
        .await
    }

    /// Where your second factor stands.
    ///
    /// # Errors
    /// `Unauthenticated`.
    pub async fn second_factor(&self) -> Result<SecondFactorStatus> {
        self.send::<(), _>(Method::GET, "/api/v1/auth/second-factor", &[], None, None).await
    }

    /// Starts setting up your second factor: the secret for your app.
    ///
    /// # Errors
    /// `PreconditionFailed` (one is on already).
    pub async fn begin_second_factor(&self) -> Result<SecondFactorSetup> {
        self.send::<(), _>(Method::POST, "/api/v1/auth/second-factor/setup", &[], None, None)
            .await
    }

    /// Confirms the set-up with a code from the app; the recovery codes, once.
    ///
    /// # Errors
    /// `NotFound` (no set-up started), `ValidationFailed` (`code`).
    pub async fn confirm_second_factor(&self, code: &str) -> Result<RecoveryCodes> {
        self.send(
            Method::POST,
            "/api/v1/auth/second-factor/confirm",
            &[],
            Some(&json!({"code": code})),
            None,
        )
        .await
    }

    /// Removes your second factor, with one of its codes.
    ///
    /// # Errors
    /// `NotFound`, `ValidationFailed` (`code`: `incorrect`, or `not_allowed` when your
    /// company requires one).
    pub async fn remove_second_factor(&self, code: &str) -> Result<()> {
        self.send_empty(
            Method::POST,
            "/api/v1/auth/second-factor/remove",
            Some(&json!({"code": code})),
            None,
        )
        .await
    }

    /// New recovery codes, with a code of your factor.
    ///
    /// # Errors
    /// `NotFound`, `ValidationFailed` (`code`).
    pub async fn renew_recovery_codes(&self, code: &str) -> Result<RecoveryCodes> {
        self.send(
            Method::POST,
            "/api/v1/auth/second-factor/recovery-codes",
            &[],
            Some(&json!({"code": code})),
            None,
        )
        .await
    }

    /// Removes a user's second factor (Admin; a lost phone).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn reset_second_factor(&self, user_id: Uuid) -> Result<()> {
        self.send_empty::<()>(Method::DELETE, &format!("/api/v1/users/{user_id}/second-factor"), None, None)
            .await
    }
}
