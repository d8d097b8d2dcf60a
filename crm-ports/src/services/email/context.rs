//! The values a template is rendered with for one recipient: the contact, their
//! organization, the deal, the sender and the company, written as the company writes
//! amounts and dates.

use crate::app::App;
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::store::{OrganizationStore, PipelineStore};
use crm_domain::contact::Contact;
use crm_domain::email::EmailAddress;
use crm_domain::opportunity::Opportunity;
use crm_domain::template::RenderContext;
use crm_domain::tenant::Language;
use crm_domain::text::Label;
use crm_domain::user::User;

impl<S: OrganizationStore + PipelineStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn render_context(
        &self,
        tenant: crm_domain::TenantId,
        contact: &Contact,
        to: &EmailAddress,
        opportunity: Option<&Opportunity>,
        sender: Option<&User>,
        company: &str,
        language: Language,
    ) -> Result<RenderContext, ServiceError> {
        let mut ctx = RenderContext::default();
        let f = &contact.fields;
        let opt = |l: Option<&Label>| l.map(|x| x.as_str().to_owned()).unwrap_or_default();
        ctx.contact.first_name = f.first_name.as_str().to_owned();
        ctx.contact.last_name = f.last_name.as_str().to_owned();
        ctx.contact.full_name = format!("{} {}", f.first_name.as_str(), f.last_name.as_str()).trim().to_owned();
        ctx.contact.email = to.as_str().to_owned();
        ctx.contact.phone = f.phones.first().map(|p| p.as_str().to_owned()).unwrap_or_default();
        ctx.contact.job_title = opt(f.job_title.as_ref());
        ctx.contact.city = opt(f.address.city.as_ref());
        ctx.contact.tags = f.tags.iter().map(|t| t.as_str().to_owned()).collect();
        if let Some(org) = f.organization_id {
            match self.store.organization(tenant, org).await {
                Ok(o) => {
                    ctx.organization.name = o.name.as_str().to_owned();
                    ctx.organization.website = o.domain.map(|d| format!("https://{}", d.as_str())).unwrap_or_default();
                }
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if let Some(o) = opportunity {
            ctx.opportunity.title = o.fields.title.as_str().to_owned();
            ctx.opportunity.amount =
                crm_domain::money::written(i128::from(o.fields.value.minor()), o.fields.value.currency().as_str(), language);
            ctx.opportunity.expected_close = o
                .fields
                .expected_close
                .map(|d| match language {
                    Language::Fr => d.format("%d/%m/%Y").to_string(),
                    Language::En => d.format("%Y-%m-%d").to_string(),
                })
                .unwrap_or_default();
            if let Ok(p) = self.store.pipeline(tenant, o.pipeline_id).await {
                ctx.opportunity.stage = p
                    .stages
                    .iter()
                    .find(|s| s.id == o.stage_id)
                    .map(|s| s.name.as_str().to_owned())
                    .unwrap_or_default();
            }
        }
        if let Some(u) = sender {
            ctx.sender.name = u.display_name.as_str().to_owned();
            ctx.sender.email = u.email.as_str().to_owned();
            ctx.sender.signature = u.display_name.as_str().to_owned();
        }
        ctx.company.name = company.to_owned();
        Ok(ctx)
    }
}
