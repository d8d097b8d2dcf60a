//! `/api/v1/tenants` (platform operator) and `/api/v1/tenant` (the caller's tenant).

use super::ApiTags;
use super::common::{etag, if_match};
use super::problem::ApiResult;
use super::security::Auth;
use crate::assemble::CrmApp;
use chrono::{DateTime, Utc};
use crm_domain::tenant::{SettingsInput, Tenant};
use crm_ports::services::tenants::NewTenant;
use poem_openapi::param::{Header, Path};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;

/// Tenant settings.
#[derive(Debug, Clone, Object, Default)]
#[oai(deny_unknown_fields, skip_serializing_if_is_none)]
pub struct SettingsDto {
    /// ISO 3166 country used to read phone numbers (default `FR`).
    pub country: Option<String>,
    /// ISO 4217 currency of amounts (default `EUR`).
    pub currency: Option<String>,
    /// IANA time zone (default `Europe/Paris`).
    pub time_zone: Option<String>,
    /// `fr` (default) or `en`.
    pub language: Option<String>,
    /// Working days, `mon` … `sun` (default Monday to Friday).
    pub working_days: Option<Vec<String>>,
    /// Whether every Admin must log in with a second factor (default `false`).
    pub second_factor_for_admins: Option<bool>,
    /// Fewest characters of a new password, 12 to 64 (default 12).
    pub password_min_length: Option<i64>,
    /// Whether a common or easily guessed new password is refused (default `true`).
    pub refuse_common_passwords: Option<bool>,
    /// How long a login session lasts, in hours, 1 to 168 (default 12).
    pub session_hours: Option<i64>,
    /// Whom the company sells to: `b2b` (default; email prospecting of professionals rests
    /// on legitimate interest), `b2c` (private persons: email and SMS need their consent)
    /// or `mixed` (a contact attached to a company is a professional).
    pub audience: Option<String>,
    /// Months a prospect's data is kept after the last contact they initiated (a click, a
    /// reply, an inbound call or email, a consent given; not an open), or after their
    /// collection: 6 to 120 (default 36, the CNIL's three years).
    pub retention_months: Option<i64>,
    /// What happens when a prospect's time is up: `flag` (default; listed for the Admin in
    /// `GET /api/v1/privacy/retention`) or `erase` (erased by the daily job).
    pub retention_action: Option<String>,
}

impl SettingsDto {
    fn input(&self) -> SettingsInput {
        SettingsInput {
            country: self.country.clone(),
            currency: self.currency.clone(),
            time_zone: self.time_zone.clone(),
            language: self.language.clone(),
            working_days: self.working_days.clone(),
            second_factor_for_admins: self.second_factor_for_admins,
            password_min_length: self.password_min_length,
            refuse_common_passwords: self.refuse_common_passwords,
            session_hours: self.session_hours,
            audience: self.audience.clone(),
            retention_months: self.retention_months,
            retention_action: self.retention_action.clone(),
        }
    }
}

/// A tenant.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TenantDto {
    /// Id.
    pub id: Uuid,
    /// Company name.
    pub name: String,
    /// Settings.
    pub settings: SettingsDto,
    /// When the platform operator suspended it (none of its people logs in meanwhile).
    pub suspended_at: Option<DateTime<Utc>>,
    /// What it holds (in the operator's list only).
    pub counts: Option<TenantCountsDto>,
    /// Version (ETag).
    pub version: i64,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Tenant> for TenantDto {
    fn from(t: &Tenant) -> Self {
        Self {
            id: t.id.as_uuid(),
            name: t.name.to_string(),
            settings: SettingsDto {
                country: Some(t.settings.country.as_str().to_owned()),
                currency: Some(t.settings.currency.as_str().to_owned()),
                time_zone: Some(t.settings.time_zone.name().to_owned()),
                language: Some(t.settings.language.code().to_owned()),
                working_days: Some(t.settings.working_days.into()),
                second_factor_for_admins: Some(t.settings.second_factor_for_admins),
                password_min_length: Some(i64::from(t.settings.password_min_length)),
                refuse_common_passwords: Some(t.settings.refuse_common_passwords),
                session_hours: Some(i64::from(t.settings.session_hours)),
                audience: Some(t.settings.audience.code().to_owned()),
                retention_months: Some(i64::from(t.settings.retention.prospect_months)),
                retention_action: Some(t.settings.retention.action.code().to_owned()),
            },
            suspended_at: t.suspended_at,
            counts: None,
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

/// What a tenant holds.
#[derive(Debug, Clone, Object)]
pub struct TenantCountsDto {
    /// Users who may log in.
    pub users: u64,
    /// Contacts.
    pub contacts: u64,
    /// Open opportunities.
    pub open_deals: u64,
}

/// A tenant to create with its first Admin.
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct NewTenantBody {
    /// Company name.
    pub name: String,
    /// The first Admin's login email.
    pub admin_email: String,
    /// The first Admin's display name.
    pub admin_name: String,
    /// The first Admin's password (12 characters or more).
    pub admin_password: String,
    /// Settings (French defaults).
    pub settings: Option<SettingsDto>,
}

/// A created tenant.
#[derive(Debug, Clone, Object)]
#[oai(skip_serializing_if_is_none)]
pub struct TenantCreatedDto {
    /// The tenant.
    pub tenant: TenantDto,
    /// Its first Admin.
    pub admin_id: Uuid,
}

/// New name and settings (absent: unchanged).
#[derive(Debug, Clone, Object)]
#[oai(deny_unknown_fields)]
pub struct TenantUpdateBody {
    /// Company name.
    pub name: Option<String>,
    /// Settings to change.
    pub settings: Option<SettingsDto>,
}

/// A tenant with its ETag.
#[derive(ApiResponse)]
pub enum TenantResponse {
    /// The tenant.
    #[oai(status = 200)]
    Ok(Json<TenantDto>, #[oai(header = "ETag")] String),
}

/// Created.
#[derive(ApiResponse)]
pub enum TenantCreated {
    /// Created.
    #[oai(status = 201)]
    Created(Json<TenantCreatedDto>),
}

pub struct TenantsApi {
    pub app: CrmApp,
}

#[OpenApi(tag = "ApiTags::Tenants")]
impl TenantsApi {
    /// Every tenant (platform operator).
    #[oai(path = "/api/v1/tenants", method = "get", operation_id = "list_tenants")]
    async fn list(&self, auth: Auth) -> ApiResult<Json<Vec<TenantDto>>> {
        let t = self.app.tenant_overview(&auth.actor()).await?;
        Ok(Json(
            t.iter()
                .map(|(t, c)| TenantDto {
                    counts: Some(TenantCountsDto {
                        users: c.users,
                        contacts: c.contacts,
                        open_deals: c.open_deals,
                    }),
                    ..TenantDto::from(t)
                })
                .collect(),
        ))
    }

    /// Suspend a company (platform operator): none of its people logs in and none of
    /// their tokens opens anything until it is reinstated; nothing is deleted.
    #[oai(path = "/api/v1/tenants/:id/suspend", method = "post", operation_id = "suspend_tenant")]
    async fn suspend(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<Json<TenantDto>> {
        let t = self
            .app
            .set_tenant_suspended(&auth.actor(), crm_domain::TenantId::from_uuid(id.0), true)
            .await?;
        Ok(Json((&t).into()))
    }

    /// Reinstate a suspended company (platform operator).
    #[oai(path = "/api/v1/tenants/:id/reinstate", method = "post", operation_id = "reinstate_tenant")]
    async fn reinstate(&self, auth: Auth, id: Path<Uuid>) -> ApiResult<Json<TenantDto>> {
        let t = self
            .app
            .set_tenant_suspended(&auth.actor(), crm_domain::TenantId::from_uuid(id.0), false)
            .await?;
        Ok(Json((&t).into()))
    }

    /// Create a tenant with its first Admin (platform operator).
    #[oai(path = "/api/v1/tenants", method = "post", operation_id = "create_tenant")]
    async fn create(&self, auth: Auth, body: Json<NewTenantBody>) -> ApiResult<TenantCreated> {
        let b = body.0;
        let (t, admin) = self
            .app
            .create_tenant(
                &auth.actor(),
                &NewTenant {
                    name: b.name,
                    settings: b.settings.as_ref().map(SettingsDto::input).unwrap_or_default(),
                    admin_email: b.admin_email,
                    admin_name: b.admin_name,
                    admin_password: Some(b.admin_password),
                },
            )
            .await?;
        Ok(TenantCreated::Created(Json(TenantCreatedDto {
            tenant: (&t).into(),
            admin_id: admin.id.as_uuid(),
        })))
    }

    /// Your tenant and its settings.
    #[oai(path = "/api/v1/tenant", method = "get", operation_id = "get_tenant")]
    async fn get(&self, auth: Auth) -> ApiResult<TenantResponse> {
        let t = self.app.tenant(&auth.actor()).await?;
        Ok(TenantResponse::Ok(Json((&t).into()), etag(t.version)))
    }

    /// Rename your tenant or change its settings (Admin).
    #[oai(path = "/api/v1/tenant", method = "put", operation_id = "update_tenant")]
    async fn update(
        &self,
        auth: Auth,
        #[oai(name = "If-Match")] if_match_h: Header<Option<String>>,
        body: Json<TenantUpdateBody>,
    ) -> ApiResult<TenantResponse> {
        let v = if_match(if_match_h.0.as_deref())?;
        let settings = body.0.settings.as_ref().map(SettingsDto::input).unwrap_or_default();
        let t = self.app.update_tenant(&auth.actor(), v, body.0.name.as_deref(), &settings).await?;
        Ok(TenantResponse::Ok(Json((&t).into()), etag(t.version)))
    }
}
