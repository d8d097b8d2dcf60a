//! Tenants: created by the platform operator with their first Admin and a default
//! pipeline, ready to take opportunities; settings by Admins.

use crm_domain::event::EventKind;

use crate::app::{App, check_version, require, tenant_of};
use crate::auth::Credentials;
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{TenantCounts, TenantStore};
use crm_domain::email::EmailAddress;
use crm_domain::error::Validator;
use crm_domain::event::EntityType;
use crm_domain::pipeline::{DEFAULT_PIPELINE_NAME, Pipeline, default_stages};
use crm_domain::tenant::{SettingsInput, Tenant, TenantSettings};
use crm_domain::text::Name;
use crm_domain::user::{Role, User};
use crm_domain::visibility::Capability;
use crm_domain::{Actor, PipelineId, StageId, TenantId, UserId};

/// A new tenant as the operator describes it.
#[derive(Debug, Clone, Default)]
pub struct NewTenant {
    /// Company name.
    pub name: String,
    /// Settings; defaults are French.
    pub settings: SettingsInput,
    /// Email of the first Admin.
    pub admin_email: String,
    /// Display name of the first Admin.
    pub admin_name: String,
    /// Password of the first Admin (12 characters or more); none: set later.
    pub admin_password: Option<String>,
}

/// Creating a tenant also hashes its first Admin's password.
impl<S: TenantStore, K: Credentials, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Creates a tenant, its first Admin and its default pipeline
    /// ([`DEFAULT_PIPELINE_NAME`] with [`crm_domain::pipeline::DEFAULT_STAGES`], which the
    /// Admin then edits), all in one transaction (operator only).
    ///
    /// # Errors
    /// `Forbidden` unless the operator; `Invalid` naming each bad field (`admin_email:
    /// repeated` when that email already logs in somewhere).
    pub async fn create_tenant(&self, actor: &Actor, input: &NewTenant) -> Result<(Tenant, User), ServiceError> {
        require(actor, Capability::CreateTenants)?;
        let mut v = Validator::new();
        let name = v.check("name", Name::parse(&input.name));
        let settings = v.check("settings", TenantSettings::default().apply(&input.settings));
        let email = v.check("admin_email", EmailAddress::parse(&input.admin_email));
        let admin_name = v.check("admin_name", Name::parse(&input.admin_name));
        v.finish()?;
        let (Some(name), Some(settings), Some(email), Some(admin_name)) = (name, settings, email, admin_name) else {
            return Err(ServiceError::Internal("validated input incomplete".into()));
        };
        let now = self.clock.now();
        let tenant = Tenant {
            id: TenantId::from_uuid(self.new_id()),
            name,
            settings,
            suspended_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let admin = User {
            id: UserId::from_uuid(self.new_id()),
            tenant_id: tenant.id,
            email,
            display_name: admin_name,
            role: Role::Admin,
            team_id: None,
            language: None,
            deactivated_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let hash = match &input.admin_password {
            Some(p) => {
                let words = [admin.email.as_str(), admin.display_name.as_str(), tenant.name.as_str()];
                let rules = crate::services::password_policy::PasswordRules::of(&tenant.settings, &words);
                Some(self.hash_new_password(p, "admin_password", &rules).await?)
            }
            None => None,
        };
        let pipeline = Pipeline {
            id: PipelineId::from_uuid(self.new_id()),
            tenant_id: tenant.id,
            name: Name::parse(DEFAULT_PIPELINE_NAME).map_err(|e| ServiceError::Internal(format!("default pipeline: {e}")))?,
            stages: default_stages(|| StageId::from_uuid(self.new_id()))
                .map_err(|e| ServiceError::Internal(format!("default pipeline: {e}")))?,
            archived: Vec::new(),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let system = Actor::System { tenant_id: tenant.id };
        let actor_in_tenant = if matches!(actor, Actor::Operator) { system } else { *actor };
        let events = [
            self.event(
                &actor_in_tenant,
                EntityType::Tenant,
                tenant.id.as_uuid(),
                EventKind::Created,
                None,
                tenant_changes(None, &tenant),
            ),
            self.event(
                &actor_in_tenant,
                EntityType::User,
                admin.id.as_uuid(),
                EventKind::Created,
                None,
                crate::services::users::user_changes(None, &admin),
            ),
            self.event(
                &actor_in_tenant,
                EntityType::Pipeline,
                pipeline.id.as_uuid(),
                EventKind::Created,
                None,
                Pipeline::changes(None, &pipeline),
            ),
        ];
        self.store
            .create_tenant(&tenant, &admin, hash.as_deref(), std::slice::from_ref(&pipeline), &events)
            .await?;
        Ok((tenant, admin))
    }
}

/// Reading and changing tenants: the tenants only.
impl<S: TenantStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Every tenant (operator only).
    ///
    /// # Errors
    /// `Forbidden` unless the operator.
    pub async fn list_tenants(&self, actor: &Actor) -> Result<Vec<Tenant>, ServiceError> {
        require(actor, Capability::CreateTenants)?;
        Ok(self.store.list_tenants().await?)
    }

    /// The actor's tenant.
    ///
    /// # Errors
    /// `Forbidden` for the operator.
    pub async fn tenant(&self, actor: &Actor) -> Result<Tenant, ServiceError> {
        Ok(self.store.tenant(tenant_of(actor)?).await?)
    }

    /// Every company with what it holds (operator).
    ///
    /// # Errors
    /// `Forbidden` unless the operator.
    pub async fn tenant_overview(&self, actor: &Actor) -> Result<Vec<(Tenant, TenantCounts)>, ServiceError> {
        require(actor, Capability::CreateTenants)?;
        let tenants = self.store.list_tenants().await?;
        let mut out = Vec::with_capacity(tenants.len());
        for t in tenants {
            let counts = self.store.tenant_counts(t.id).await?;
            out.push((t, counts));
        }
        Ok(out)
    }

    /// Suspends a company (`true`) or reinstates it (operator): while suspended, none of
    /// its people logs in and none of their tokens opens anything; nothing is deleted.
    /// Asking for the state it is in changes nothing.
    ///
    /// # Errors
    /// `Forbidden` unless the operator, `NotFound`.
    pub async fn set_tenant_suspended(&self, actor: &Actor, id: TenantId, suspended: bool) -> Result<Tenant, ServiceError> {
        require(actor, Capability::CreateTenants)?;
        let before = self.store.tenant(id).await?;
        if before.suspended_at.is_some() == suspended {
            return Ok(before);
        }
        let mut after = before.clone();
        after.suspended_at = suspended.then(|| self.clock.now());
        let mut d = crm_domain::event::Diff::new();
        d.field(
            "suspended_at",
            Some(&before.suspended_at),
            &after.suspended_at,
            crm_domain::event::Sensitivity::Clear,
        );
        // The operator acts from outside the company: its log names the system.
        let ev = self.event(
            &Actor::System { tenant_id: id },
            EntityType::Tenant,
            id.as_uuid(),
            EventKind::Updated,
            None,
            d.into_changes(),
        );
        self.store.set_tenant_suspended(id, after.suspended_at, &ev).await?;
        self.auth_cache.forget_tenant(id);
        Ok(after)
    }

    /// Renames the tenant and changes its settings (Admin).
    ///
    /// # Errors
    /// `Forbidden`, `Invalid`, `Conflict`.
    pub async fn update_tenant(
        &self,
        actor: &Actor,
        expected_version: i64,
        name: Option<&str>,
        settings: &SettingsInput,
    ) -> Result<Tenant, ServiceError> {
        let tenant_id = tenant_of(actor)?;
        require(actor, Capability::ManageTenant)?;
        let before = self.store.tenant(tenant_id).await?;
        let mut v = Validator::new();
        let name = match name {
            Some(n) => v.check("name", Name::parse(n)),
            None => Some(before.name.clone()),
        };
        let settings = v.check("settings", before.settings.apply(settings));
        v.finish()?;
        check_version(before.version, expected_version)?;
        let (Some(name), Some(settings)) = (name, settings) else {
            return Err(ServiceError::Internal("validated input incomplete".into()));
        };
        let mut after = before.clone();
        after.name = name;
        after.settings = settings;
        after.version = expected_version + 1;
        after.updated_at = self.clock.now();
        let ev = self.event(
            actor,
            EntityType::Tenant,
            after.id.as_uuid(),
            EventKind::Updated,
            None,
            tenant_changes(Some(&before), &after),
        );
        self.store.update_tenant(&after, expected_version, &ev).await?;
        Ok(after)
    }
}

fn tenant_changes(before: Option<&Tenant>, after: &Tenant) -> Vec<crm_domain::event::FieldChange> {
    use crm_domain::event::{Diff, Sensitivity::Clear};
    let mut d = Diff::new();
    d.field("name", before.map(|b| &b.name), &after.name, Clear);
    d.field("settings", before.map(|b| &b.settings), &after.settings, Clear);
    d.into_changes()
}
