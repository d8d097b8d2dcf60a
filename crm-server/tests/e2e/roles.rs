//! The role matrix, written out by hand: every action, for each of the five roles, on
//! records owned by a Sales rep of the Manager's team (the `…_other_team` rows: owned by the
//! Admin, outside the Manager's teams). Each cell runs on fresh records.

use crate::support::{TenantFixture, spawn_app, tenant};
use crm_domain::contact::ContactInput;
use crm_domain::opportunity::OpportunityInput;
use crm_domain::organization::OrganizationInput;
use crm_domain::pipeline::StageInput;
use crm_domain::user::Role;
use crm_domain::{Actor, ContactId, OpportunityId, OrganizationId, TenantId, UserId};
use crm_sdk::models::TerritoryWrite;
use crm_server::CrmApp;
use serde_json::{Value, json};

const ROLES: [Role; 5] = [Role::Admin, Role::Manager, Role::Sales, Role::Marketing, Role::Observer];

/// Expected status for [Admin, Manager, Sales, Marketing, Observer].
const MATRIX: &[(&str, [u16; 5])] = &[
    ("list_contacts", [200, 200, 200, 200, 200]),
    ("create_contact", [201, 201, 201, 403, 403]),
    ("get_contact", [200, 200, 200, 200, 200]),
    ("update_contact", [200, 200, 200, 403, 403]),
    ("patch_contact", [200, 200, 200, 403, 403]),
    ("delete_contact", [204, 204, 204, 403, 403]),
    ("restore_contact", [200, 403, 403, 403, 403]),
    ("assign_contact_to_manager", [200, 200, 403, 403, 403]),
    ("merge_contacts", [200, 200, 200, 403, 403]),
    ("contact_history", [200, 200, 403, 403, 403]),
    ("contact_history_other_team", [200, 404, 403, 403, 403]),
    ("list_organizations", [200, 200, 200, 200, 200]),
    ("create_organization", [201, 201, 201, 403, 403]),
    ("get_organization", [200, 200, 200, 200, 200]),
    ("update_organization", [200, 200, 200, 403, 403]),
    ("patch_organization", [200, 200, 200, 403, 403]),
    ("delete_organization", [204, 204, 204, 403, 403]),
    ("restore_organization", [200, 403, 403, 403, 403]),
    ("organization_history", [200, 403, 403, 403, 403]),
    ("list_pipelines", [200, 200, 200, 200, 200]),
    ("get_pipeline", [200, 200, 200, 200, 200]),
    ("create_pipeline", [201, 403, 403, 403, 403]),
    ("update_pipeline", [200, 403, 403, 403, 403]),
    ("delete_pipeline", [204, 403, 403, 403, 403]),
    ("list_opportunities", [200, 200, 200, 403, 200]),
    ("create_opportunity", [201, 201, 201, 403, 403]),
    ("get_opportunity", [200, 200, 200, 404, 200]),
    ("update_opportunity", [200, 200, 200, 404, 403]),
    ("patch_opportunity", [200, 200, 200, 404, 403]),
    ("delete_opportunity", [204, 204, 204, 404, 403]),
    ("restore_opportunity", [200, 403, 403, 403, 403]),
    ("move_opportunity", [200, 200, 200, 404, 403]),
    ("advance_opportunity", [200, 200, 200, 404, 403]),
    ("win_opportunity", [200, 200, 200, 404, 403]),
    ("lose_opportunity", [200, 200, 200, 404, 403]),
    ("reopen_opportunity", [200, 403, 403, 404, 403]),
    ("assign_opportunity_to_manager", [200, 200, 403, 404, 403]),
    ("opportunity_history", [200, 200, 403, 403, 403]),
    ("opportunity_history_other_team", [200, 404, 403, 403, 403]),
    ("forecast", [200, 200, 200, 403, 200]),
    // Leads: Marketing, Managers and Admins bring them in and qualify them; a lead in the
    // pool is not found by a sales rep; Marketing acts on the pool only.
    ("create_lead", [201, 201, 403, 201, 403]),
    ("import_leads", [200, 200, 403, 200, 403]),
    ("set_lead_status_pooled", [200, 200, 404, 200, 403]),
    ("set_lead_status_assigned", [200, 200, 403, 403, 403]),
    ("update_pooled_lead", [200, 200, 404, 200, 403]),
    ("hand_over_lead", [200, 200, 404, 200, 403]),
    ("hand_over_lead_round_robin", [200, 200, 404, 200, 403]),
    ("convert_to_client", [200, 200, 200, 403, 403]),
    ("open_lead_opportunity", [201, 201, 201, 403, 403]),
    ("lead_settings", [200, 200, 200, 200, 200]),
    ("set_lead_settings", [200, 403, 403, 403, 403]),
    ("run_former_client_rule", [200, 403, 403, 403, 403]),
    ("lead_funnel", [200, 200, 403, 200, 200]),
    ("list_users", [200, 200, 200, 200, 200]),
    ("get_user", [200, 200, 200, 200, 200]),
    ("create_user", [201, 403, 403, 403, 403]),
    ("update_user", [200, 403, 403, 403, 403]),
    ("set_user_password", [204, 403, 403, 403, 403]),
    ("deactivate_user", [200, 403, 403, 403, 403]),
    ("reactivate_user", [200, 403, 403, 403, 403]),
    ("issue_access_link", [200, 403, 403, 403, 403]),
    ("reset_second_factor", [204, 403, 403, 403, 403]),
    ("list_teams", [200, 200, 200, 200, 200]),
    ("get_team", [200, 200, 200, 200, 200]),
    ("create_team", [201, 403, 403, 403, 403]),
    ("update_team", [200, 403, 403, 403, 403]),
    ("list_territories", [200, 200, 200, 200, 200]),
    ("match_territory", [200, 200, 200, 200, 200]),
    ("create_territory", [201, 403, 403, 403, 403]),
    ("update_territory", [200, 403, 403, 403, 403]),
    ("delete_territory", [204, 403, 403, 403, 403]),
    ("list_privacy_requests", [200, 403, 403, 403, 403]),
    ("create_privacy_request", [201, 403, 403, 403, 403]),
    ("get_privacy_request", [200, 403, 403, 403, 403]),
    ("answer_privacy_request", [200, 403, 403, 403, 403]),
    ("export_personal_data", [200, 403, 403, 403, 403]),
    ("erase_contact", [204, 403, 403, 403, 403]),
    ("retention_report", [200, 403, 403, 403, 403]),
    ("erase_due_prospects", [200, 403, 403, 403, 403]),
    ("anonymise_due_prospects", [200, 403, 403, 403, 403]),
    ("processing_register", [200, 403, 403, 403, 403]),
    ("access_log", [200, 403, 403, 403, 403]),
    // Consents: read by whoever sees the contact, recorded by whoever edits it and Marketing.
    ("get_contact_consents", [200, 200, 200, 200, 200]),
    ("record_contact_consent", [201, 201, 201, 201, 403]),
    ("get_tenant", [200, 200, 200, 200, 200]),
    ("update_tenant", [200, 403, 403, 403, 403]),
    ("list_tenants", [403, 403, 403, 403, 403]),
    ("create_tenant", [403, 403, 403, 403, 403]),
    ("suspend_tenant", [403, 403, 403, 403, 403]),
    ("reinstate_tenant", [403, 403, 403, 403, 403]),
    ("audit_history", [200, 200, 403, 403, 403]),
    ("audit_history_by_user", [200, 200, 403, 403, 403]),
    ("create_activity", [201, 201, 201, 403, 403]),
    ("get_activity", [200, 200, 200, 200, 200]),
    ("update_activity", [200, 200, 200, 403, 403]),
    ("patch_activity", [200, 200, 200, 403, 403]),
    ("delete_activity", [204, 204, 204, 403, 403]),
    ("complete_task", [200, 200, 200, 403, 403]),
    ("reopen_task", [200, 200, 200, 403, 403]),
    ("todo", [200, 200, 200, 200, 200]),
    ("dashboard", [200, 200, 200, 200, 200]),
    ("contact_timeline", [200, 200, 200, 200, 200]),
    ("organization_timeline", [200, 200, 200, 200, 200]),
    ("opportunity_timeline", [200, 200, 200, 404, 200]),
    ("list_reminder_rules", [200, 403, 403, 403, 403]),
    ("create_reminder_rule", [201, 403, 403, 403, 403]),
    ("update_reminder_rule", [200, 403, 403, 403, 403]),
    ("delete_reminder_rule", [204, 403, 403, 403, 403]),
    ("run_reminders", [200, 403, 403, 403, 403]),
    ("list_notifications", [200, 200, 200, 200, 200]),
    ("read_notification", [204, 204, 204, 204, 204]),
    ("read_all_notifications", [200, 200, 200, 200, 200]),
    ("create_calendar_feed", [201, 201, 201, 201, 201]),
    ("list_calendar_feeds", [200, 200, 200, 200, 200]),
    ("revoke_calendar_feed", [204, 204, 204, 204, 204]),
    ("log_call", [201, 403, 403, 403, 403]),
    ("unmatched_calls", [200, 403, 403, 403, 403]),
    ("me", [200, 200, 200, 200, 200]),
    ("create_token", [201, 201, 201, 201, 201]),
    ("list_tokens", [200, 200, 200, 200, 200]),
    ("list_sessions", [200, 200, 200, 200, 200]),
    ("end_session", [204, 204, 204, 204, 204]),
    ("end_other_sessions", [200, 200, 200, 200, 200]),
    ("second_factor", [200, 200, 200, 200, 200]),
    ("begin_second_factor", [200, 200, 200, 200, 200]),
    // A wrong code for everyone: no role is kept out of its own second factor.
    ("confirm_second_factor", [422, 422, 422, 422, 422]),
    ("remove_second_factor", [404, 404, 404, 404, 404]),
    ("renew_recovery_codes", [404, 404, 404, 404, 404]),
    ("search", [200, 200, 200, 200, 200]),
    ("list_segments", [200, 200, 200, 200, 200]),
    ("create_segment", [201, 201, 403, 201, 403]),
    ("get_segment", [200, 200, 200, 200, 200]),
    ("update_segment", [200, 200, 403, 200, 403]),
    ("delete_segment", [204, 204, 403, 204, 403]),
    ("preview_segment", [200, 200, 200, 200, 200]),
    ("add_segment_members", [200, 200, 403, 200, 403]),
    ("remove_segment_members", [200, 200, 403, 200, 403]),
    ("add_segment_members_from_filter", [200, 200, 403, 200, 403]),
    ("add_segment_members_from_search", [200, 200, 403, 200, 403]),
    ("list_duplicate_groups", [200, 200, 200, 403, 403]),
    ("scan_duplicates", [200, 200, 403, 403, 403]),
    ("dismiss_duplicates", [204, 204, 403, 403, 403]),
    ("reindex_search", [200, 403, 403, 403, 403]),
    ("list_consumers", [200, 403, 403, 403, 403]),
    ("list_parked_events", [200, 403, 403, 403, 403]),
    ("replay_parked_event", [202, 403, 403, 403, 403]),
    ("list_jobs", [200, 403, 403, 403, 403]),
    ("get_job", [200, 403, 403, 403, 403]),
    ("cancel_job", [200, 403, 403, 403, 403]),
    ("upload_file", [201, 201, 201, 201, 403]),
    ("list_files", [200, 200, 200, 200, 403]),
    ("get_file", [200, 404, 200, 404, 403]),
    ("download_file", [200, 404, 200, 404, 403]),
    ("delete_file", [204, 404, 204, 404, 403]),
    ("preview_contact_import", [200, 200, 200, 200, 403]),
    ("start_contact_import", [202, 202, 202, 202, 403]),
    ("preview_organization_import", [200, 200, 200, 403, 403]),
    ("start_organization_import", [202, 202, 202, 403, 403]),
    ("preview_opportunity_import", [200, 200, 200, 403, 403]),
    ("start_opportunity_import", [202, 202, 202, 403, 403]),
    ("list_imports", [200, 200, 200, 200, 403]),
    ("get_import", [200, 404, 200, 404, 404]),
    ("import_report", [200, 404, 200, 404, 404]),
    ("export_contacts", [200, 200, 200, 200, 200]),
    ("export_organizations", [200, 200, 200, 200, 200]),
    ("export_opportunities", [200, 200, 200, 403, 200]),
    ("export_activities", [200, 200, 200, 200, 200]),
    ("export_company", [200, 403, 403, 403, 403]),
    ("list_suppressions", [200, 403, 403, 403, 403]),
    ("add_suppression", [201, 403, 403, 403, 403]),
    ("remove_suppression", [204, 403, 403, 403, 403]),
    // Email: templates written by the Admin, Managers and Marketing, read by every sender;
    // email written to the contacts one sees; the Observer does neither.
    ("list_email_templates", [200, 200, 200, 200, 403]),
    ("create_email_template", [201, 201, 403, 201, 403]),
    ("get_email_template", [200, 200, 200, 200, 403]),
    ("update_email_template", [200, 200, 403, 200, 403]),
    ("delete_email_template", [204, 204, 403, 204, 403]),
    ("preview_email_template", [200, 200, 200, 200, 403]),
    ("preview_email", [200, 200, 200, 200, 403]),
    ("send_email", [202, 202, 202, 202, 403]),
    ("list_emails", [200, 200, 200, 200, 403]),
    ("get_email", [200, 200, 200, 200, 403]),
    ("new_inbound_secret", [201, 403, 403, 403, 403]),
    // Reports: whoever reads the forecast (each within their own visibility).
    ("sales_report", [200, 200, 200, 403, 200]),
    ("export_report", [200, 200, 200, 403, 200]),
    // Scheduled reports: one's own, for whoever reads reports.
    ("list_report_subscriptions", [200, 200, 200, 403, 200]),
    ("subscribe_report", [201, 201, 201, 403, 201]),
    ("unsubscribe_report", [204, 204, 204, 403, 204]),
    // A team's forecast: the Admin and the team's Manager validate it; the Observer reads.
    ("team_forecast", [200, 200, 403, 403, 200]),
    ("team_view", [200, 200, 403, 403, 200]),
    ("reassign_opportunities", [200, 200, 403, 403, 403]),
    ("submit_forecast", [201, 201, 403, 403, 403]),
    ("list_forecast_submissions", [200, 200, 403, 403, 200]),
    ("get_forecast_submission", [200, 200, 403, 403, 200]),
    ("funnel_report", [200, 200, 200, 403, 200]),
    // The company's own relay: the Admin's.
    ("get_mail_relay", [200, 403, 403, 403, 403]),
    ("set_mail_relay", [200, 403, 403, 403, 403]),
    ("remove_mail_relay", [204, 403, 403, 403, 403]),
    // Lead scoring: the Admin and Marketing write the rules; whoever sees a contact reads
    // its score.
    ("list_scoring_rules", [200, 403, 403, 200, 403]),
    ("create_scoring_rule", [201, 403, 403, 201, 403]),
    ("update_scoring_rule", [200, 403, 403, 200, 403]),
    ("delete_scoring_rule", [204, 403, 403, 204, 403]),
    ("contact_score", [200, 200, 200, 200, 200]),
    ("get_scoring_model", [200, 403, 403, 200, 403]),
    ("train_scoring_model", [200, 403, 403, 200, 403]),
    // Automation: the Admin's and Marketing's.
    ("list_automations", [200, 403, 403, 200, 403]),
    ("create_automation", [201, 403, 403, 201, 403]),
    ("dry_run_automation", [200, 403, 403, 200, 403]),
    ("get_automation", [200, 403, 403, 200, 403]),
    ("update_automation", [200, 403, 403, 200, 403]),
    ("delete_automation", [204, 403, 403, 204, 403]),
    ("list_automation_runs", [200, 403, 403, 200, 403]),
    // Webhooks: the Admin's.
    ("list_webhooks", [200, 403, 403, 403, 403]),
    ("create_webhook", [201, 403, 403, 403, 403]),
    ("get_webhook", [200, 403, 403, 403, 403]),
    ("update_webhook", [200, 403, 403, 403, 403]),
    ("delete_webhook", [204, 403, 403, 403, 403]),
    ("renew_webhook_secret", [200, 403, 403, 403, 403]),
    ("list_webhook_deliveries", [200, 403, 403, 403, 403]),
    ("get_webhook_delivery", [200, 403, 403, 403, 403]),
    ("replay_webhook_delivery", [202, 403, 403, 403, 403]),
    // Campaigns: run by the Admin, Managers and Marketing.
    ("list_campaigns", [200, 200, 403, 200, 403]),
    ("create_campaign", [201, 201, 403, 201, 403]),
    ("get_campaign", [200, 200, 403, 200, 403]),
    ("update_campaign", [200, 200, 403, 200, 403]),
    ("delete_campaign", [204, 204, 403, 204, 403]),
    ("move_campaign", [200, 200, 403, 200, 403]),
    ("test_campaign", [202, 202, 403, 202, 403]),
    ("list_campaign_recipients", [200, 200, 403, 200, 403]),
];

fn template_body(n: usize) -> crm_sdk::models::TemplateWrite {
    crm_sdk::models::TemplateWrite {
        name: format!("Modèle {n}"),
        variants: vec![crm_sdk::models::TemplateVariant {
            language: "fr".into(),
            subject: "Bonjour {{ contact.first_name }}".into(),
            body: "À bientôt,\n{{ sender.name }}".into(),
        }],
    }
}

/// A rule: a point per email opened.
fn scoring_body() -> Value {
    json!({"name": "Ouvreur", "signal": {"kind": "engagement", "engagement": "email_opened"}, "points": 1, "half_life_days": 30})
}

/// A paused rule: tag the contacts created.
fn automation_body() -> Value {
    json!({"name": "Nouveaux", "active": false, "trigger": {"type": "record_created", "entity": "contact"},
           "actions": [{"type": "add_tag", "tag": "nouveau"}]})
}

/// A paused subscription to a public address (nothing is sent).
fn hook_body(n: usize) -> crm_sdk::models::WebhookWrite {
    crm_sdk::models::WebhookWrite {
        url: format!("https://93.184.216.34/crm/{n}"),
        events: vec!["*".into()],
        active: Some(false),
        ..Default::default()
    }
}

struct Cell<'a> {
    app: &'a CrmApp,
    fx: &'a TenantFixture,
    system: Actor,
    sales: UserId,
    n: usize,
}

impl Cell<'_> {
    async fn contact(&self) -> (ContactId, i64) {
        self.contact_owned_by(self.sales).await
    }

    async fn contact_owned_by(&self, owner: UserId) -> (ContactId, i64) {
        let c = self
            .app
            .create_contact(
                &self.system,
                &ContactInput {
                    kind: "prospect".into(),
                    first_name: format!("Prénom{}", self.n),
                    last_name: format!("Nom{}", self.n),
                    ..ContactInput::default()
                },
                Some(owner),
                true,
            )
            .await
            .unwrap();
        (c.id, c.version)
    }

    /// A lead Marketing brought in, waiting in the pool (qualified if asked).
    async fn pooled_lead(&self, qualified: bool) -> (ContactId, i64) {
        let marketing = Actor::User {
            tenant_id: self.sales_tenant(),
            user_id: UserId::from_uuid(self.fx.user(Role::Marketing)),
            role: Role::Marketing,
        };
        let input = ContactInput {
            kind: "prospect".into(),
            first_name: format!("Piste{}", self.n),
            last_name: format!("Entrante{}", self.n),
            ..ContactInput::default()
        };
        let c = self.app.create_lead(&marketing, &input, true).await.unwrap();
        if !qualified {
            return (c.id, c.version);
        }
        let c = self
            .app
            .set_lead_status(&self.system, c.id, c.version, crm_domain::lead::LeadStatus::Qualified, None)
            .await
            .unwrap();
        (c.id, c.version)
    }

    /// A qualified lead handed over to the Sales rep.
    async fn handed_lead(&self) -> (ContactId, i64) {
        let (id, v) = self.pooled_lead(true).await;
        let c = self
            .app
            .hand_over_lead(&self.system, id, v, crm_ports::services::leads::HandOver::To(self.sales))
            .await
            .unwrap();
        (c.id, c.version)
    }

    async fn organization(&self) -> OrganizationId {
        self.app
            .create_organization(
                &self.system,
                &OrganizationInput {
                    name: format!("Société {}", self.n),
                    ..OrganizationInput::default()
                },
            )
            .await
            .unwrap()
            .id
    }

    async fn pipeline(&self) -> crm_domain::pipeline::Pipeline {
        let stages: Vec<StageInput> = [("A", 10), ("B", 50), ("C", 90)]
            .into_iter()
            .map(|(n, p)| StageInput {
                id: None,
                name: n.into(),
                probability: p,
            })
            .collect();
        self.app
            .create_pipeline(&self.system, &format!("Pipeline {}", self.n), &stages)
            .await
            .unwrap()
    }

    async fn opportunity(&self, at_last: bool) -> (OpportunityId, i64, crm_domain::pipeline::Pipeline) {
        self.opportunity_owned_by(at_last, self.sales).await
    }

    async fn opportunity_owned_by(&self, at_last: bool, owner: UserId) -> (OpportunityId, i64, crm_domain::pipeline::Pipeline) {
        let p = self.pipeline().await;
        let stage = if at_last { p.stages.last().map(|s| s.id) } else { None };
        let o = self
            .app
            .create_opportunity(
                &self.system,
                p.id,
                stage,
                &OpportunityInput {
                    title: format!("Affaire {}", self.n),
                    value_minor: 10_000,
                    ..OpportunityInput::default()
                },
                Some(owner),
            )
            .await
            .unwrap();
        (o.id, o.version, p)
    }

    /// A task owned by the Sales rep on their contact.
    async fn task(&self, done: bool) -> (uuid::Uuid, i64) {
        let (c, _) = self.contact().await;
        let sales = Actor::User {
            tenant_id: self.sales_tenant(),
            user_id: self.sales,
            role: Role::Sales,
        };
        let a = self
            .app
            .create_activity(
                &sales,
                "task",
                &crm_domain::activity::ActivityInput {
                    subject: format!("Tâche {}", self.n),
                    links: vec![crm_domain::activity::Link {
                        entity_type: crm_domain::event::EntityType::Contact,
                        entity_id: c.as_uuid(),
                    }],
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        if done {
            let d = self.app.set_task_done(&sales, a.id, a.version, true).await.unwrap();
            return (d.id.as_uuid(), d.version);
        }
        (a.id.as_uuid(), a.version)
    }

    async fn segment(&self) -> (uuid::Uuid, i64) {
        let s = self
            .app
            .create_segment(
                &self.system,
                &crm_ports::services::segments::SegmentInput {
                    name: format!("Liste {}", uuid::Uuid::new_v4()),
                    rule: None,
                },
            )
            .await
            .unwrap();
        (s.id.as_uuid(), s.version)
    }

    /// A fresh open group of the review queue: two of the Sales rep's contacts sharing an
    /// email, then a scan.
    async fn duplicate_group(&self) -> uuid::Uuid {
        let email = format!("jumeau.{}@exemple.fr", uuid::Uuid::new_v4().simple());
        let mut ids = Vec::new();
        for first in ["Jumeau", "Jumelle"] {
            let c = self
                .app
                .create_contact(
                    &self.system,
                    &ContactInput {
                        kind: "prospect".into(),
                        first_name: first.into(),
                        last_name: format!("Double{}", self.n),
                        emails: vec![email.clone()],
                        ..ContactInput::default()
                    },
                    Some(self.sales),
                    true,
                )
                .await
                .unwrap();
            ids.push(c.id);
        }
        self.app.scan_duplicates(&self.system).await.unwrap();
        let groups = self.app.duplicate_groups(&self.system).await.unwrap();
        groups
            .iter()
            .find(|g| g.contacts.iter().any(|c| c.id == ids[0]))
            .map(|g| g.id)
            .unwrap()
    }

    fn sales_tenant(&self) -> TenantId {
        TenantId::from_uuid(self.fx.tenant_id)
    }

    fn manager(&self) -> uuid::Uuid {
        self.fx.user(Role::Manager)
    }

    /// The Admin: in no team, so outside the Manager's teams.
    fn admin(&self) -> UserId {
        UserId::from_uuid(self.fx.user(Role::Admin))
    }

    /// (method, path, body, version for If-Match) of an action on fresh records.
    async fn rule(&self) -> uuid::Uuid {
        let admin = Actor::User {
            tenant_id: self.sales_tenant(),
            user_id: UserId::from_uuid(self.fx.user(Role::Admin)),
            role: Role::Admin,
        };
        self.app
            .create_reminder_rule(&admin, crm_domain::reminder::RuleKind::TaskDue, true)
            .await
            .unwrap()
            .id
    }

    async fn notification_for(&self, role: Role) -> uuid::Uuid {
        let n = crm_ports::store::Notification {
            id: uuid::Uuid::now_v7(),
            user_id: UserId::from_uuid(self.fx.user(role)),
            kind: "task_due".into(),
            subject: "Échéance".into(),
            activity_id: None,
            link: None,
            reminder_key: format!("matrice:{}", self.n),
            created_at: chrono::Utc::now(),
            read_at: None,
        };
        crm_ports::store::ReminderStore::create_notification(self.app.store(), self.sales_tenant(), &n)
            .await
            .unwrap();
        n.id
    }

    /// A parked event of the tenant (a sequence number of its own per cell).
    async fn parked(&self) -> i64 {
        let seq = 1_000_000 + i64::try_from(self.n).unwrap();
        crm_ports::store::ConsumerStore::park_event(
            self.app.store(),
            self.sales_tenant(),
            "assignment_notifications",
            seq,
            "matrice",
            1,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        seq
    }

    /// A job of the tenant no worker runs (due in a year, of a kind without handler).
    async fn job(&self) -> uuid::Uuid {
        let id = uuid::Uuid::now_v7();
        let job = crm_ports::store::NewJob {
            id,
            tenant_id: self.sales_tenant(),
            kind: "matrice.idle".into(),
            payload: json!({}),
            due_at: chrono::Utc::now() + chrono::Duration::days(365),
            key: None,
        };
        crm_ports::store::JobStore::enqueue_job(self.app.store(), &job, chrono::Utc::now())
            .await
            .unwrap();
        id
    }

    /// A file of the Sales rep.
    async fn file(&self) -> uuid::Uuid {
        self.fx
            .client(Role::Sales)
            .upload_file(&format!("liste{}.csv", self.n), b"Nom\nDupont\n".to_vec())
            .await
            .unwrap()
            .id
    }

    /// A file of `role` to import (the Sales rep's for an Observer, who may not upload).
    async fn import_file(&self, role: Role) -> uuid::Uuid {
        let by = if role == Role::Observer { Role::Sales } else { role };
        let csv = format!("Prénom;Nom;E-mail\nImport;Matrice{};import{}@matrice.fr\n", self.n, self.n);
        self.fx
            .client(by)
            .upload_file(&format!("import{}.csv", self.n), csv.into_bytes())
            .await
            .unwrap()
            .id
    }

    /// An entry of the suppression list (put there by the Admin).
    async fn suppression(&self) -> uuid::Uuid {
        self.fx
            .client(Role::Admin)
            .add_suppression(&crm_sdk::models::SuppressionWrite {
                email: Some(format!("stop{}@matrice.fr", self.n)),
                ..Default::default()
            })
            .await
            .unwrap()
            .id
    }

    /// A contact of the Sales rep with an email address.
    async fn reachable_contact(&self) -> ContactId {
        self.app
            .create_contact(
                &self.system,
                &ContactInput {
                    kind: "prospect".into(),
                    first_name: format!("Joignable{}", self.n),
                    last_name: format!("Nom{}", self.n),
                    emails: vec![format!("joignable{}@matrice.fr", self.n)],
                    ..ContactInput::default()
                },
                Some(self.sales),
                true,
            )
            .await
            .unwrap()
            .id
    }

    /// A template written by the Admin: (id, version).
    async fn template(&self) -> (uuid::Uuid, i64) {
        let t = self
            .fx
            .client(Role::Admin)
            .create_email_template(&template_body(self.n))
            .await
            .unwrap();
        (t.id, t.version)
    }

    /// A template of a fresh name: its id.
    async fn fresh_template(&self) -> uuid::Uuid {
        let mut body = template_body(self.n);
        body.name = format!("Modèle {}", uuid::Uuid::new_v4());
        self.fx.client(Role::Admin).create_email_template(&body).await.unwrap().id
    }

    /// A campaign's body: a fresh segment and template.
    async fn campaign_body(&self) -> serde_json::Value {
        json!({
            "name": format!("Campagne {}", uuid::Uuid::new_v4()),
            "segment_id": self.segment().await.0,
            "template_id": self.fresh_template().await,
        })
    }

    /// A draft campaign written by the Admin: (id, version).
    /// A forecast of the team the Admin submitted.
    /// A fresh scoring rule.
    async fn scoring_rule(&self) -> (uuid::Uuid, i64) {
        let r = self
            .fx
            .client(Role::Admin)
            .create_scoring_rule(&serde_json::from_value(scoring_body()).unwrap())
            .await
            .unwrap();
        (r.id, r.version)
    }

    /// A fresh (paused) automation rule.
    async fn automation(&self) -> (uuid::Uuid, i64) {
        let r = self
            .fx
            .client(Role::Admin)
            .create_automation(&serde_json::from_value(automation_body()).unwrap())
            .await
            .unwrap();
        (r.id, r.version)
    }

    /// A paused subscription (nothing is sent to it).
    /// A fresh access request about a fresh contact.
    async fn privacy_request(&self) -> (uuid::Uuid, i64) {
        let (contact, _) = self.contact().await;
        let q = self
            .app
            .log_privacy_request(
                &self.system,
                &crm_ports::services::privacy::PrivacyRequestInput {
                    contact_id: contact,
                    kind: "access".into(),
                    received_at: None,
                    note: None,
                },
            )
            .await
            .unwrap();
        (q.id.as_uuid(), q.version)
    }

    /// A fresh territory of the fixture's team.
    async fn territory(&self) -> (uuid::Uuid, i64) {
        let t = self
            .fx
            .client(Role::Admin)
            .create_territory(&TerritoryWrite {
                name: format!("Territoire {}", uuid::Uuid::now_v7()),
                team_id: self.fx.team_id,
                areas: vec!["40".into()],
                industries: Vec::new(),
            })
            .await
            .unwrap();
        (t.id, t.version)
    }

    async fn webhook(&self) -> (uuid::Uuid, i64) {
        let w = self.fx.client(Role::Admin).create_webhook(&hook_body(self.n)).await.unwrap();
        (w.id, w.version)
    }

    /// A dead delivery of a fresh subscription.
    async fn dead_delivery(&self) -> uuid::Uuid {
        let (webhook_id, _) = self.webhook().await;
        let id = uuid::Uuid::now_v7();
        let record = crm_ports::store::AttemptRecord {
            delivery_id: id,
            webhook_id,
            event_seq: 1,
            event_type: "contact.created".into(),
            attempt: crm_ports::store::DeliveryAttempt {
                number: 0,
                at: chrono::Utc::now(),
                status: Some(500),
                millis: 12,
                error: Some("HTTP 500".into()),
            },
            state: crm_domain::webhook::DeliveryState::Dead,
            next_at: None,
        };
        crm_ports::store::WebhookStore::record_attempt(self.app.store(), TenantId::from_uuid(self.fx.tenant_id), &record)
            .await
            .unwrap();
        id
    }

    async fn submission(&self) -> uuid::Uuid {
        self.fx
            .client(Role::Admin)
            .submit_forecast(self.fx.team_id, &crm_sdk::models::SubmissionWrite::default())
            .await
            .unwrap()
            .id
    }

    async fn campaign(&self) -> (uuid::Uuid, i64) {
        let c = self
            .fx
            .client(Role::Admin)
            .create_campaign(&crm_sdk::models::CampaignWrite {
                name: format!("Campagne {}", uuid::Uuid::new_v4()),
                segment_id: Some(self.segment().await.0),
                template_id: Some(self.fresh_template().await),
                language: None,
            })
            .await
            .unwrap();
        (c.id, c.version)
    }

    /// An email the Admin wrote to the Sales rep's contact.
    async fn email(&self) -> uuid::Uuid {
        let contact = self.reachable_contact().await;
        self.fx
            .client(Role::Admin)
            .send_email(&crm_sdk::models::EmailWrite {
                contact_id: Some(contact.as_uuid()),
                subject: Some("Objet".into()),
                body: Some("Corps".into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .id
    }

    /// An import started by the Sales rep.
    async fn import(&self) -> uuid::Uuid {
        let file = self.import_file(Role::Sales).await;
        let request = crm_sdk::models::ImportRequest {
            file_id: file,
            ..Default::default()
        };
        self.fx.client(Role::Sales).start_contact_import(&request).await.unwrap().id
    }

    /// A fresh Sales rep of the company, the target of an action on a user.
    async fn target_user(&self) -> crm_domain::user::User {
        self.app
            .create_user(
                &self.system,
                &crm_ports::services::users::NewUser {
                    email: crate::support::unique_email("cible"),
                    display_name: "Cible".into(),
                    role: "sales".into(),
                    team_id: None,
                    password: None,
                },
            )
            .await
            .unwrap()
    }

    async fn request(&self, action: &str, role: Role) -> (&'static str, String, Option<Value>, Option<i64>) {
        let contact_body = json!({"kind": "client", "first_name": "Nouveau", "last_name": format!("Contact{}", self.n)});
        let lead_body = json!({"kind": "prospect", "first_name": "Nouvelle", "last_name": format!("Piste{}", self.n)});
        match action {
            "list_contacts" => ("GET", "/api/v1/contacts".into(), None, None),
            "create_contact" => ("POST", "/api/v1/contacts?confirm_duplicates=true".into(), Some(contact_body), None),
            "get_contact" => ("GET", format!("/api/v1/contacts/{}", self.contact().await.0), None, None),
            "update_contact" => {
                let (id, v) = self.contact().await;
                ("PUT", format!("/api/v1/contacts/{id}"), Some(contact_body), Some(v))
            }
            "patch_contact" => {
                let (id, v) = self.contact().await;
                (
                    "PATCH",
                    format!("/api/v1/contacts/{id}"),
                    Some(json!({"job_title": "Acheteuse"})),
                    Some(v),
                )
            }
            "delete_contact" => {
                let (id, v) = self.contact().await;
                ("DELETE", format!("/api/v1/contacts/{id}"), None, Some(v))
            }
            "restore_contact" => {
                let (id, v) = self.contact().await;
                self.app.delete_contact(&self.system, id, v).await.unwrap();
                ("POST", format!("/api/v1/contacts/{id}/restore"), None, None)
            }
            "assign_contact_to_manager" => {
                let (id, v) = self.contact().await;
                (
                    "POST",
                    format!("/api/v1/contacts/{id}/assign"),
                    Some(json!({"owner_id": self.manager()})),
                    Some(v),
                )
            }
            "merge_contacts" => {
                let (keep, v) = self.contact().await;
                let (gone, gv) = self.contact().await;
                (
                    "POST",
                    format!("/api/v1/contacts/{keep}/merge"),
                    Some(json!({"merged_id": gone, "merged_version": gv})),
                    Some(v),
                )
            }
            "contact_history" => ("GET", format!("/api/v1/contacts/{}/history", self.contact().await.0), None, None),
            "contact_history_other_team" => (
                "GET",
                format!("/api/v1/contacts/{}/history", self.contact_owned_by(self.admin()).await.0),
                None,
                None,
            ),
            "list_organizations" => ("GET", "/api/v1/organizations".into(), None, None),
            "create_organization" => ("POST", "/api/v1/organizations".into(), Some(json!({"name": "Nouvelle"})), None),
            "get_organization" => ("GET", format!("/api/v1/organizations/{}", self.organization().await), None, None),
            "update_organization" => (
                "PUT",
                format!("/api/v1/organizations/{}", self.organization().await),
                Some(json!({"name": "Renommée"})),
                Some(1),
            ),
            "patch_organization" => (
                "PATCH",
                format!("/api/v1/organizations/{}", self.organization().await),
                Some(json!({"industry": "Vins"})),
                Some(1),
            ),
            "delete_organization" => (
                "DELETE",
                format!("/api/v1/organizations/{}", self.organization().await),
                None,
                Some(1),
            ),
            "restore_organization" => {
                let id = self.organization().await;
                self.app.delete_organization(&self.system, id, 1).await.unwrap();
                ("POST", format!("/api/v1/organizations/{id}/restore"), None, None)
            }
            "organization_history" => (
                "GET",
                format!("/api/v1/organizations/{}/history", self.organization().await),
                None,
                None,
            ),
            "list_pipelines" => ("GET", "/api/v1/pipelines".into(), None, None),
            "get_pipeline" => ("GET", format!("/api/v1/pipelines/{}", self.pipeline().await.id), None, None),
            "create_pipeline" => (
                "POST",
                "/api/v1/pipelines".into(),
                Some(json!({"name": "Neuf", "stages": [{"name": "S", "probability": 10}]})),
                None,
            ),
            "update_pipeline" => (
                "PUT",
                format!("/api/v1/pipelines/{}", self.pipeline().await.id),
                Some(json!({"name": "Neuf", "stages": [{"name": "S", "probability": 10}]})),
                Some(1),
            ),
            "delete_pipeline" => ("DELETE", format!("/api/v1/pipelines/{}", self.pipeline().await.id), None, Some(1)),
            "list_opportunities" => ("GET", "/api/v1/opportunities".into(), None, None),
            "create_opportunity" => {
                let p = self.pipeline().await;
                (
                    "POST",
                    "/api/v1/opportunities".into(),
                    Some(json!({"pipeline_id": p.id, "title": "Neuve", "value_minor": 5})),
                    None,
                )
            }
            "get_opportunity" => (
                "GET",
                format!("/api/v1/opportunities/{}", self.opportunity(false).await.0),
                None,
                None,
            ),
            "update_opportunity" => {
                let (id, v, _) = self.opportunity(false).await;
                (
                    "PUT",
                    format!("/api/v1/opportunities/{id}"),
                    Some(json!({"title": "Modifiée", "value_minor": 7})),
                    Some(v),
                )
            }
            "patch_opportunity" => {
                let (id, v, _) = self.opportunity(false).await;
                (
                    "PATCH",
                    format!("/api/v1/opportunities/{id}"),
                    Some(json!({"value_minor": 9})),
                    Some(v),
                )
            }
            "delete_opportunity" => {
                let (id, v, _) = self.opportunity(false).await;
                ("DELETE", format!("/api/v1/opportunities/{id}"), None, Some(v))
            }
            "restore_opportunity" => {
                let (id, v, _) = self.opportunity(false).await;
                self.app.delete_opportunity(&self.system, id, v).await.unwrap();
                ("POST", format!("/api/v1/opportunities/{id}/restore"), None, None)
            }
            "move_opportunity" => {
                let (id, v, p) = self.opportunity(false).await;
                (
                    "POST",
                    format!("/api/v1/opportunities/{id}/move"),
                    Some(json!({"stage_id": p.stages[1].id})),
                    Some(v),
                )
            }
            "advance_opportunity" => {
                let (id, v, _) = self.opportunity(false).await;
                ("POST", format!("/api/v1/opportunities/{id}/advance"), None, Some(v))
            }
            "win_opportunity" => {
                let (id, v, _) = self.opportunity(true).await;
                ("POST", format!("/api/v1/opportunities/{id}/win"), None, Some(v))
            }
            "lose_opportunity" => {
                let (id, v, _) = self.opportunity(false).await;
                (
                    "POST",
                    format!("/api/v1/opportunities/{id}/lose"),
                    Some(json!({"reason": "Prix"})),
                    Some(v),
                )
            }
            "reopen_opportunity" => {
                let (id, v, _) = self.opportunity(true).await;
                let won = self.app.win_opportunity(&self.system, id, v).await.unwrap();
                ("POST", format!("/api/v1/opportunities/{id}/reopen"), None, Some(won.version))
            }
            "assign_opportunity_to_manager" => {
                let (id, v, _) = self.opportunity(false).await;
                (
                    "POST",
                    format!("/api/v1/opportunities/{id}/assign"),
                    Some(json!({"owner_id": self.manager()})),
                    Some(v),
                )
            }
            "opportunity_history" => (
                "GET",
                format!("/api/v1/opportunities/{}/history", self.opportunity(false).await.0),
                None,
                None,
            ),
            "opportunity_history_other_team" => (
                "GET",
                format!(
                    "/api/v1/opportunities/{}/history",
                    self.opportunity_owned_by(false, self.admin()).await.0
                ),
                None,
                None,
            ),
            "forecast" => ("GET", "/api/v1/forecast".into(), None, None),
            "list_users" => ("GET", "/api/v1/users".into(), None, None),
            "get_user" => ("GET", format!("/api/v1/users/{}", self.sales), None, None),
            "create_user" => (
                "POST",
                "/api/v1/users".into(),
                Some(json!({"email": crate::support::unique_email("nouveau"), "display_name": "Nouveau", "role": "sales"})),
                None,
            ),
            "update_user" => {
                let v = self.app.user(&self.system, self.sales).await.unwrap().version;
                (
                    "PATCH",
                    format!("/api/v1/users/{}", self.sales),
                    Some(json!({"display_name": format!("Rep {}", self.n)})),
                    Some(v),
                )
            }
            "set_user_password" => {
                let u = self.target_user().await;
                (
                    "POST",
                    format!("/api/v1/users/{}/password", u.id),
                    Some(json!({"password": crate::support::PASSWORD})),
                    None,
                )
            }
            "deactivate_user" | "reactivate_user" | "issue_access_link" => {
                let mut u = self.target_user().await;
                if action == "reactivate_user" {
                    u = self.app.deactivate_user(&self.system, u.id, u.version).await.unwrap();
                }
                let (path, version) = match action {
                    "deactivate_user" => ("deactivate", Some(u.version)),
                    "reactivate_user" => ("reactivate", Some(u.version)),
                    _ => ("access-link", None),
                };
                ("POST", format!("/api/v1/users/{}/{path}", u.id), None, version)
            }
            "list_teams" => ("GET", "/api/v1/teams".into(), None, None),
            "list_territories" => ("GET", "/api/v1/territories".into(), None, None),
            "match_territory" => ("GET", "/api/v1/territories/match?postal_code=33000".into(), None, None),
            "create_territory" => (
                "POST",
                "/api/v1/territories".into(),
                Some(json!({"name": format!("Territoire {}", uuid::Uuid::now_v7()), "team_id": self.fx.team_id, "areas": ["33"]})),
                None,
            ),
            "update_territory" => {
                let (id, v) = self.territory().await;
                (
                    "PUT",
                    format!("/api/v1/territories/{id}"),
                    Some(
                        json!({"name": format!("Territoire {}", uuid::Uuid::now_v7()), "team_id": self.fx.team_id, "industries": ["Vins"]}),
                    ),
                    Some(v),
                )
            }
            "delete_territory" => ("DELETE", format!("/api/v1/territories/{}", self.territory().await.0), None, None),
            "list_privacy_requests" => ("GET", "/api/v1/privacy/requests".into(), None, None),
            "create_privacy_request" => (
                "POST",
                "/api/v1/privacy/requests".into(),
                Some(json!({"contact_id": self.contact().await.0, "kind": "access"})),
                None,
            ),
            "get_privacy_request" => (
                "GET",
                format!("/api/v1/privacy/requests/{}", self.privacy_request().await.0),
                None,
                None,
            ),
            "answer_privacy_request" => {
                let (id, v) = self.privacy_request().await;
                (
                    "PUT",
                    format!("/api/v1/privacy/requests/{id}/answer"),
                    Some(json!({"status": "done"})),
                    Some(v),
                )
            }
            "export_personal_data" => (
                "GET",
                format!("/api/v1/privacy/contacts/{}/data?format=csv", self.contact().await.0),
                None,
                None,
            ),
            "erase_contact" => (
                "POST",
                format!("/api/v1/privacy/contacts/{}/erase", self.contact().await.0),
                Some(json!({})),
                None,
            ),
            "retention_report" => ("GET", "/api/v1/privacy/retention?limit=10".into(), None, None),
            "erase_due_prospects" => ("POST", "/api/v1/privacy/retention/erase".into(), None, None),
            "anonymise_due_prospects" => ("POST", "/api/v1/privacy/retention/anonymise".into(), None, None),
            "processing_register" => ("GET", "/api/v1/privacy/register?format=pdf".into(), None, None),
            "access_log" => ("GET", "/api/v1/privacy/access-log?limit=5".into(), None, None),
            "get_contact_consents" => ("GET", format!("/api/v1/contacts/{}/consents", self.contact().await.0), None, None),
            "record_contact_consent" => (
                "POST",
                format!("/api/v1/contacts/{}/consents", self.contact().await.0),
                Some(json!({"medium": "email", "state": "granted", "basis": "consent", "source": "Salon"})),
                None,
            ),
            "get_team" => ("GET", format!("/api/v1/teams/{}", self.fx.team_id), None, None),
            "create_team" => (
                "POST",
                "/api/v1/teams".into(),
                Some(json!({"name": format!("Équipe {}", self.n), "manager_id": self.manager()})),
                None,
            ),
            "update_team" => {
                let v = self
                    .app
                    .team(&self.system, crm_domain::TeamId::from_uuid(self.fx.team_id))
                    .await
                    .unwrap()
                    .version;
                (
                    "PUT",
                    format!("/api/v1/teams/{}", self.fx.team_id),
                    Some(json!({"name": "Équipe terrain", "manager_id": self.manager()})),
                    Some(v),
                )
            }
            "get_tenant" => ("GET", "/api/v1/tenant".into(), None, None),
            "update_tenant" => {
                let v = self.app.tenant(&self.system).await.unwrap().version;
                (
                    "PUT",
                    "/api/v1/tenant".into(),
                    Some(json!({"settings": {"language": "fr"}})),
                    Some(v),
                )
            }
            "list_tenants" => ("GET", "/api/v1/tenants".into(), None, None),
            "suspend_tenant" => ("POST", format!("/api/v1/tenants/{}/suspend", self.fx.tenant_id), None, None),
            "reinstate_tenant" => ("POST", format!("/api/v1/tenants/{}/reinstate", self.fx.tenant_id), None, None),
            "create_tenant" => (
                "POST",
                "/api/v1/tenants".into(),
                Some(
                    json!({"name": "X", "admin_email": crate::support::unique_email("x"), "admin_name": "X", "admin_password": crate::support::PASSWORD}),
                ),
                None,
            ),
            "audit_history" => (
                "GET",
                "/api/v1/audit?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z".into(),
                None,
                None,
            ),
            "audit_history_by_user" => (
                "GET",
                format!(
                    "/api/v1/audit?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z&user_id={}",
                    self.sales
                ),
                None,
                None,
            ),
            "create_activity" => {
                let (c, _) = self.contact().await;
                (
                    "POST",
                    "/api/v1/activities".into(),
                    Some(json!({"kind": "note", "subject": "Note", "links": [{"entity_type": "contact", "entity_id": c}]})),
                    None,
                )
            }
            "get_activity" => ("GET", format!("/api/v1/activities/{}", self.task(false).await.0), None, None),
            "update_activity" => {
                let (id, v) = self.task(false).await;
                let (c, _) = self.contact().await;
                (
                    "PUT",
                    format!("/api/v1/activities/{id}"),
                    Some(json!({"subject": "Modifiée", "links": [{"entity_type": "contact", "entity_id": c}]})),
                    Some(v),
                )
            }
            "patch_activity" => {
                let (id, v) = self.task(false).await;
                (
                    "PATCH",
                    format!("/api/v1/activities/{id}"),
                    Some(json!({"priority": "high"})),
                    Some(v),
                )
            }
            "delete_activity" => {
                let (id, v) = self.task(false).await;
                ("DELETE", format!("/api/v1/activities/{id}"), None, Some(v))
            }
            "complete_task" => {
                let (id, v) = self.task(false).await;
                ("POST", format!("/api/v1/activities/{id}/complete"), None, Some(v))
            }
            "reopen_task" => {
                let (id, v) = self.task(true).await;
                ("POST", format!("/api/v1/activities/{id}/reopen"), None, Some(v))
            }
            "todo" => ("GET", "/api/v1/todo?team=true".into(), None, None),
            "dashboard" => ("GET", "/api/v1/dashboard".into(), None, None),
            "contact_timeline" => ("GET", format!("/api/v1/contacts/{}/timeline", self.contact().await.0), None, None),
            "organization_timeline" => (
                "GET",
                format!("/api/v1/organizations/{}/timeline", self.organization().await),
                None,
                None,
            ),
            "opportunity_timeline" => (
                "GET",
                format!("/api/v1/opportunities/{}/timeline", self.opportunity(false).await.0),
                None,
                None,
            ),
            "list_reminder_rules" => ("GET", "/api/v1/reminder-rules".into(), None, None),
            "create_reminder_rule" => (
                "POST",
                "/api/v1/reminder-rules".into(),
                Some(json!({"kind": "no_activity", "days": 7})),
                None,
            ),
            "update_reminder_rule" => (
                "PUT",
                format!("/api/v1/reminder-rules/{}", self.rule().await),
                Some(json!({"kind": "task_due", "enabled": false})),
                Some(1),
            ),
            "delete_reminder_rule" => ("DELETE", format!("/api/v1/reminder-rules/{}", self.rule().await), None, Some(1)),
            "run_reminders" => ("POST", "/api/v1/reminder-rules/run".into(), None, None),
            "list_notifications" => ("GET", "/api/v1/notifications?unread=true".into(), None, None),
            "read_notification" => (
                "POST",
                format!("/api/v1/notifications/{}/read", self.notification_for(role).await),
                None,
                None,
            ),
            "read_all_notifications" => ("POST", "/api/v1/notifications/read-all".into(), None, None),
            "create_calendar_feed" => ("POST", "/api/v1/calendar-feeds".into(), None, None),
            "list_calendar_feeds" => ("GET", "/api/v1/calendar-feeds".into(), None, None),
            "revoke_calendar_feed" => {
                let actor = Actor::User {
                    tenant_id: self.sales_tenant(),
                    user_id: UserId::from_uuid(self.fx.user(role)),
                    role,
                };
                let (rec, _) = self.app.create_calendar_feed(&actor).await.unwrap();
                ("DELETE", format!("/api/v1/calendar-feeds/{}", rec.id), None, None)
            }
            "log_call" => (
                "POST",
                "/api/v1/telephony/calls".into(),
                Some(
                    json!({"caller": "0601020304", "callee": "0102030405", "started_at": "2026-11-20T09:30:00Z", "duration_seconds": 5, "direction": "inbound"}),
                ),
                None,
            ),
            "unmatched_calls" => ("GET", "/api/v1/telephony/unmatched".into(), None, None),
            "me" => ("GET", "/api/v1/auth/me".into(), None, None),
            "create_token" => ("POST", "/api/v1/auth/tokens".into(), Some(json!({"name": "matrice"})), None),
            "list_tokens" => ("GET", "/api/v1/auth/tokens".into(), None, None),
            "list_sessions" => ("GET", "/api/v1/auth/sessions".into(), None, None),
            "end_session" => {
                // Another session of the same person, opened here.
                let tenant_id = self.sales_tenant();
                self.app
                    .login_with(&crm_ports::services::auth::LoginRequest {
                        email: &self.fx.emails[&role],
                        password: crate::support::PASSWORD,
                        tenant_id: Some(tenant_id),
                        client: None,
                        device: Some("curl/8.5.0"),
                    })
                    .await
                    .unwrap();
                let actor = Actor::User {
                    tenant_id,
                    user_id: UserId::from_uuid(self.fx.user(role)),
                    role,
                };
                let id = self.app.list_sessions(&actor).await.unwrap()[0].id;
                ("DELETE", format!("/api/v1/auth/sessions/{id}"), None, None)
            }
            "end_other_sessions" => ("POST", "/api/v1/auth/sessions/end-others".into(), None, None),
            "second_factor" => ("GET", "/api/v1/auth/second-factor".into(), None, None),
            "begin_second_factor" => ("POST", "/api/v1/auth/second-factor/setup".into(), None, None),
            "confirm_second_factor" | "remove_second_factor" | "renew_recovery_codes" => {
                let path = match action {
                    "confirm_second_factor" => {
                        // A set-up started, so that the code is what is refused.
                        let tenant_id = self.sales_tenant();
                        let actor = Actor::User {
                            tenant_id,
                            user_id: UserId::from_uuid(self.fx.user(role)),
                            role,
                        };
                        self.app.begin_second_factor(&actor).await.unwrap();
                        "confirm"
                    }
                    "remove_second_factor" => "remove",
                    _ => "recovery-codes",
                };
                (
                    "POST",
                    format!("/api/v1/auth/second-factor/{path}"),
                    Some(json!({"code": "000000"})),
                    None,
                )
            }
            "reset_second_factor" => {
                let u = self.target_user().await;
                ("DELETE", format!("/api/v1/users/{}/second-factor", u.id), None, None)
            }
            "search" => ("GET", "/api/v1/search?q=nom".into(), None, None),
            "list_duplicate_groups" => ("GET", "/api/v1/duplicates".into(), None, None),
            "scan_duplicates" => ("POST", "/api/v1/duplicates/scan".into(), None, None),
            "dismiss_duplicates" => (
                "POST",
                format!("/api/v1/duplicates/{}/dismiss", self.duplicate_group().await),
                None,
                None,
            ),
            "list_segments" => ("GET", "/api/v1/segments".into(), None, None),
            "create_segment" => (
                "POST",
                "/api/v1/segments".into(),
                Some(
                    json!({"name": format!("Segment {}", uuid::Uuid::new_v4()), "rule": {"field": "kind", "op": "eq", "value": "client"}}),
                ),
                None,
            ),
            "get_segment" => ("GET", format!("/api/v1/segments/{}", self.segment().await.0), None, None),
            "update_segment" => {
                let (id, v) = self.segment().await;
                (
                    "PUT",
                    format!("/api/v1/segments/{id}"),
                    Some(json!({"name": format!("Renommé {}", uuid::Uuid::new_v4())})),
                    Some(v),
                )
            }
            "delete_segment" => {
                let (id, v) = self.segment().await;
                ("DELETE", format!("/api/v1/segments/{id}"), None, Some(v))
            }
            "preview_segment" => (
                "POST",
                "/api/v1/segments/preview".into(),
                Some(json!({"rule": {"field": "tag", "op": "has", "value": "salon"}})),
                None,
            ),
            "add_segment_members" | "remove_segment_members" => {
                let (id, _) = self.segment().await;
                let (contact, _) = self.contact().await;
                let path = if action == "add_segment_members" {
                    "members"
                } else {
                    "members/remove"
                };
                (
                    "POST",
                    format!("/api/v1/segments/{id}/{path}"),
                    Some(json!({"contact_ids": [contact]})),
                    None,
                )
            }
            "add_segment_members_from_filter" => {
                let (id, _) = self.segment().await;
                (
                    "POST",
                    format!("/api/v1/segments/{id}/members/from-filter"),
                    Some(json!({"kind": "prospect"})),
                    None,
                )
            }
            "add_segment_members_from_search" => {
                let (id, _) = self.segment().await;
                (
                    "POST",
                    format!("/api/v1/segments/{id}/members/from-search"),
                    Some(json!({"q": "nom"})),
                    None,
                )
            }
            "reindex_search" => ("POST", "/api/v1/search/reindex".into(), None, None),
            "list_consumers" => ("GET", "/api/v1/admin/consumers".into(), None, None),
            "list_parked_events" => ("GET", "/api/v1/admin/parked-events".into(), None, None),
            "replay_parked_event" => {
                let seq = self.parked().await;
                (
                    "POST",
                    format!("/api/v1/admin/parked-events/assignment_notifications/{seq}/replay"),
                    None,
                    None,
                )
            }
            "create_lead" => ("POST", "/api/v1/leads?confirm_duplicates=true".into(), Some(lead_body), None),
            "import_leads" => ("POST", "/api/v1/leads/bulk".into(), Some(json!({"leads": [lead_body]})), None),
            "set_lead_status_pooled" => {
                let (id, v) = self.pooled_lead(false).await;
                (
                    "POST",
                    format!("/api/v1/contacts/{id}/lead-status"),
                    Some(json!({"status": "working"})),
                    Some(v),
                )
            }
            "set_lead_status_assigned" => {
                let (id, v) = self.contact().await;
                (
                    "POST",
                    format!("/api/v1/contacts/{id}/lead-status"),
                    Some(json!({"status": "qualified"})),
                    Some(v),
                )
            }
            "update_pooled_lead" => {
                let (id, v) = self.pooled_lead(false).await;
                ("PUT", format!("/api/v1/contacts/{id}"), Some(lead_body), Some(v))
            }
            "hand_over_lead" => {
                let (id, v) = self.pooled_lead(true).await;
                (
                    "POST",
                    format!("/api/v1/contacts/{id}/hand-over"),
                    Some(json!({"owner_id": self.sales})),
                    Some(v),
                )
            }
            "hand_over_lead_round_robin" => {
                let (id, v) = self.pooled_lead(true).await;
                (
                    "POST",
                    format!("/api/v1/contacts/{id}/hand-over"),
                    Some(json!({"team_id": self.fx.team_id})),
                    Some(v),
                )
            }
            "convert_to_client" => {
                let (id, v) = self.contact().await;
                (
                    "POST",
                    format!("/api/v1/contacts/{id}/convert"),
                    Some(json!({"reason": "Commande signée"})),
                    Some(v),
                )
            }
            "open_lead_opportunity" => {
                let (id, _) = self.handed_lead().await;
                let pipeline = self.pipeline().await;
                (
                    "POST",
                    format!("/api/v1/contacts/{id}/lead-opportunity"),
                    Some(json!({"pipeline_id": pipeline.id, "title": format!("Affaire{}", self.n), "value_minor": 1000})),
                    None,
                )
            }
            "lead_settings" => ("GET", "/api/v1/lead-settings".into(), None, None),
            "set_lead_settings" => (
                "PUT",
                "/api/v1/lead-settings".into(),
                Some(json!({"reasons": [{"code": "no_budget"}, {"code": "salon", "label": "Salon"}], "former_client_after_months": 24})),
                None,
            ),
            "run_former_client_rule" => ("POST", "/api/v1/lead-settings/former-clients".into(), None, None),
            "lead_funnel" => (
                "GET",
                "/api/v1/reports/lead-funnel?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z".into(),
                None,
                None,
            ),
            "list_jobs" => ("GET", "/api/v1/jobs".into(), None, None),
            "list_files" => ("GET", "/api/v1/files".into(), None, None),
            "get_file" => ("GET", format!("/api/v1/files/{}", self.file().await), None, None),
            "download_file" => ("GET", format!("/api/v1/files/{}/content", self.file().await), None, None),
            "delete_file" => ("DELETE", format!("/api/v1/files/{}", self.file().await), None, None),
            "get_job" => ("GET", format!("/api/v1/jobs/{}", self.job().await), None, None),
            "cancel_job" => ("POST", format!("/api/v1/jobs/{}/cancel", self.job().await), None, None),
            "preview_contact_import" => (
                "POST",
                "/api/v1/imports/contacts/preview".into(),
                Some(json!({"file_id": self.import_file(role).await})),
                None,
            ),
            "start_contact_import" => (
                "POST",
                "/api/v1/imports/contacts".into(),
                Some(json!({"file_id": self.import_file(role).await})),
                None,
            ),
            "preview_organization_import" => (
                "POST",
                "/api/v1/imports/organizations/preview".into(),
                Some(json!({"file_id": self.import_file(role).await})),
                None,
            ),
            "start_organization_import" => (
                "POST",
                "/api/v1/imports/organizations".into(),
                Some(json!({"file_id": self.import_file(role).await, "mapping": ["organization", "website"]})),
                None,
            ),
            "preview_opportunity_import" => (
                "POST",
                "/api/v1/imports/opportunities/preview".into(),
                Some(json!({"file_id": self.import_file(role).await, "mapping": ["title", null, null]})),
                None,
            ),
            "start_opportunity_import" => (
                "POST",
                "/api/v1/imports/opportunities".into(),
                Some(json!({"file_id": self.import_file(role).await, "mapping": ["title", null, null]})),
                None,
            ),
            "list_imports" => ("GET", "/api/v1/imports".into(), None, None),
            "get_import" => ("GET", format!("/api/v1/imports/{}", self.import().await), None, None),
            "import_report" => ("GET", format!("/api/v1/imports/{}/report", self.import().await), None, None),
            "export_contacts" => ("GET", "/api/v1/exports/contacts?format=xlsx".into(), None, None),
            "export_organizations" => ("GET", "/api/v1/exports/organizations?format=xlsx".into(), None, None),
            "export_opportunities" => ("GET", "/api/v1/exports/opportunities?format=excel_csv".into(), None, None),
            "export_activities" => ("GET", "/api/v1/exports/activities".into(), None, None),
            "export_company" => ("GET", "/api/v1/exports/company".into(), None, None),
            "list_suppressions" => ("GET", "/api/v1/suppressions".into(), None, None),
            "add_suppression" => (
                "POST",
                "/api/v1/suppressions".into(),
                Some(json!({"email": format!("ajout{}@matrice.fr", self.n), "reason": "unsubscribed"})),
                None,
            ),
            "remove_suppression" => ("DELETE", format!("/api/v1/suppressions/{}", self.suppression().await), None, None),
            "list_email_templates" => ("GET", "/api/v1/email-templates".into(), None, None),
            "create_email_template" => (
                "POST",
                "/api/v1/email-templates".into(),
                Some(serde_json::to_value(template_body(self.n + 100_000)).unwrap()),
                None,
            ),
            "get_email_template" => ("GET", format!("/api/v1/email-templates/{}", self.template().await.0), None, None),
            "update_email_template" => {
                let (id, v) = self.template().await;
                (
                    "PUT",
                    format!("/api/v1/email-templates/{id}"),
                    Some(serde_json::to_value(template_body(self.n + 200_000)).unwrap()),
                    Some(v),
                )
            }
            "delete_email_template" => {
                let (id, v) = self.template().await;
                ("DELETE", format!("/api/v1/email-templates/{id}"), None, Some(v))
            }
            "preview_email_template" => {
                let (id, _) = self.template().await;
                let contact = self.reachable_contact().await;
                (
                    "POST",
                    format!("/api/v1/email-templates/{id}/preview"),
                    Some(json!({"contact_id": contact})),
                    None,
                )
            }
            "preview_email" | "send_email" => {
                let contact = self.reachable_contact().await;
                let path = if action == "send_email" {
                    "/api/v1/emails"
                } else {
                    "/api/v1/emails/preview"
                };
                (
                    "POST",
                    path.into(),
                    Some(json!({"contact_id": contact, "subject": "Objet {{ contact.first_name }}", "body": "Bonjour"})),
                    None,
                )
            }
            "list_emails" => (
                "GET",
                format!("/api/v1/emails?contact_id={}", self.reachable_contact().await),
                None,
                None,
            ),
            "get_email" => ("GET", format!("/api/v1/emails/{}", self.email().await), None, None),
            "new_inbound_secret" => ("POST", "/api/v1/inbound-email/secret".into(), None, None),
            "sales_report" => ("GET", "/api/v1/reports/sales?scope=team&period=quarter".into(), None, None),
            "export_report" => (
                "POST",
                "/api/v1/reports/exports".into(),
                Some(json!({"format": "csv", "scope": "team"})),
                None,
            ),
            "list_scoring_rules" => ("GET", "/api/v1/scoring/rules".into(), None, None),
            "get_scoring_model" => ("GET", "/api/v1/scoring/model".into(), None, None),
            "train_scoring_model" => ("POST", "/api/v1/scoring/model".into(), None, None),
            "create_scoring_rule" => ("POST", "/api/v1/scoring/rules".into(), Some(scoring_body()), None),
            "update_scoring_rule" => {
                let (id, v) = self.scoring_rule().await;
                ("PUT", format!("/api/v1/scoring/rules/{id}"), Some(scoring_body()), Some(v))
            }
            "delete_scoring_rule" => (
                "DELETE",
                format!("/api/v1/scoring/rules/{}", self.scoring_rule().await.0),
                None,
                None,
            ),
            "contact_score" => ("GET", format!("/api/v1/contacts/{}/score", self.contact().await.0), None, None),
            "list_automations" => ("GET", "/api/v1/automations".into(), None, None),
            "create_automation" => ("POST", "/api/v1/automations".into(), Some(automation_body()), None),
            "dry_run_automation" => ("POST", "/api/v1/automations/dry-run".into(), Some(automation_body()), None),
            "get_automation" => ("GET", format!("/api/v1/automations/{}", self.automation().await.0), None, None),
            "update_automation" => {
                let (id, v) = self.automation().await;
                ("PUT", format!("/api/v1/automations/{id}"), Some(automation_body()), Some(v))
            }
            "delete_automation" => ("DELETE", format!("/api/v1/automations/{}", self.automation().await.0), None, None),
            "list_automation_runs" => ("GET", format!("/api/v1/automations/{}/runs", self.automation().await.0), None, None),
            "list_webhooks" => ("GET", "/api/v1/webhooks".into(), None, None),
            "create_webhook" => (
                "POST",
                "/api/v1/webhooks".into(),
                Some(serde_json::to_value(hook_body(self.n)).unwrap()),
                None,
            ),
            "get_webhook" => ("GET", format!("/api/v1/webhooks/{}", self.webhook().await.0), None, None),
            "update_webhook" => {
                let (id, v) = self.webhook().await;
                (
                    "PUT",
                    format!("/api/v1/webhooks/{id}"),
                    Some(serde_json::to_value(hook_body(self.n)).unwrap()),
                    Some(v),
                )
            }
            "delete_webhook" => ("DELETE", format!("/api/v1/webhooks/{}", self.webhook().await.0), None, None),
            "renew_webhook_secret" => {
                let (id, v) = self.webhook().await;
                ("POST", format!("/api/v1/webhooks/{id}/secret"), None, Some(v))
            }
            "list_webhook_deliveries" => ("GET", "/api/v1/webhooks/deliveries?state=dead".into(), None, None),
            "get_webhook_delivery" => (
                "GET",
                format!("/api/v1/webhooks/deliveries/{}", self.dead_delivery().await),
                None,
                None,
            ),
            "replay_webhook_delivery" => (
                "POST",
                format!("/api/v1/webhooks/deliveries/{}/replay", self.dead_delivery().await),
                None,
                None,
            ),
            "list_report_subscriptions" => ("GET", "/api/v1/reports/subscriptions".into(), None, None),
            "subscribe_report" => (
                "POST",
                "/api/v1/reports/subscriptions".into(),
                Some(json!({"frequency": "monthly"})),
                None,
            ),
            "unsubscribe_report" => {
                // Each role ends a subscription of their own (Marketing may have none: 403).
                let own = crm_sdk::models::ReportSubscriptionWrite {
                    frequency: "weekly".into(),
                    ..Default::default()
                };
                let id = self
                    .fx
                    .client(role)
                    .subscribe_report(&own)
                    .await
                    .map_or_else(|_| uuid::Uuid::now_v7(), |s| s.id);
                ("DELETE", format!("/api/v1/reports/subscriptions/{id}"), None, None)
            }
            "team_view" => ("GET", format!("/api/v1/teams/{}/view", self.fx.team_id), None, None),
            "reassign_opportunities" => (
                "POST",
                "/api/v1/opportunities/reassign".into(),
                Some(json!({"from_owner_id": self.sales, "to_owner_id": self.manager()})),
                None,
            ),
            "team_forecast" => (
                "GET",
                format!("/api/v1/forecast/teams/{}?period=quarter", self.fx.team_id),
                None,
                None,
            ),
            "submit_forecast" => (
                "POST",
                format!("/api/v1/forecast/teams/{}/submissions", self.fx.team_id),
                Some(json!({"comment": "Validée"})),
                None,
            ),
            "list_forecast_submissions" => ("GET", "/api/v1/forecast/submissions".into(), None, None),
            "get_forecast_submission" => (
                "GET",
                format!("/api/v1/forecast/submissions/{}", self.submission().await),
                None,
                None,
            ),
            "funnel_report" => (
                "GET",
                format!("/api/v1/reports/funnel?pipeline_id={}&period=year", self.pipeline().await.id),
                None,
                None,
            ),
            "get_mail_relay" => {
                // One set first, so that the Admin reads it (none would be a 404).
                self.app
                    .set_mail_relay(
                        &self.system,
                        &crm_ports::services::email::MailRelayInput {
                            url: "smtp://relais.matrice.fr:25".into(),
                            from: None,
                        },
                        &|_| true,
                    )
                    .await
                    .unwrap();
                ("GET", "/api/v1/mail-relay".into(), None, None)
            }
            "set_mail_relay" => (
                "PUT",
                "/api/v1/mail-relay".into(),
                Some(json!({"url": "smtp://ventes:secret@relais.matrice.fr:587", "from": "ventes@matrice.fr"})),
                None,
            ),
            "remove_mail_relay" => ("DELETE", "/api/v1/mail-relay".into(), None, None),
            "list_campaigns" => ("GET", "/api/v1/campaigns".into(), None, None),
            "create_campaign" => ("POST", "/api/v1/campaigns".into(), Some(self.campaign_body().await), None),
            "get_campaign" => ("GET", format!("/api/v1/campaigns/{}", self.campaign().await.0), None, None),
            "update_campaign" => {
                let (id, v) = self.campaign().await;
                ("PUT", format!("/api/v1/campaigns/{id}"), Some(self.campaign_body().await), Some(v))
            }
            "delete_campaign" => {
                let (id, v) = self.campaign().await;
                ("DELETE", format!("/api/v1/campaigns/{id}"), None, Some(v))
            }
            "move_campaign" => {
                let (id, v) = self.campaign().await;
                (
                    "POST",
                    format!("/api/v1/campaigns/{id}/status"),
                    Some(json!({"action": "cancel"})),
                    Some(v),
                )
            }
            "test_campaign" => ("POST", format!("/api/v1/campaigns/{}/test", self.campaign().await.0), None, None),
            "list_campaign_recipients" => (
                "GET",
                format!("/api/v1/campaigns/{}/recipients", self.campaign().await.0),
                None,
                None,
            ),
            other => panic!("no request for {other}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_matrix() {
    let s = spawn_app().await;
    let fx = tenant(&s, "Matrice").await;
    let tenant_id = TenantId::from_uuid(fx.tenant_id);
    let mut failures = Vec::new();
    let mut n = 0;
    for (action, expected) in MATRIX {
        for (i, role) in ROLES.iter().enumerate() {
            n += 1;
            let cell = Cell {
                app: &s.app,
                fx: &fx,
                system: Actor::System { tenant_id },
                sales: UserId::from_uuid(fx.user(Role::Sales)),
                n,
            };
            if *action == "upload_file" {
                // The body is the file's bytes, not JSON.
                let status = match fx.client(*role).upload_file(&format!("matrice{n}.csv"), b"Nom\n".to_vec()).await {
                    Ok(_) => 201,
                    Err(crm_sdk::Error::Api { problem, .. }) => problem.status,
                    Err(e) => panic!("{e}"),
                };
                if status != expected[i] {
                    failures.push(format!("{action} as {}: expected {}, got {status}", role.code(), expected[i]));
                }
                continue;
            }
            let (method, path, body, version) = cell.request(action, *role).await;
            let etag = version.map(|v| format!("\"{v}\""));
            let headers: Vec<(&str, &str)> = etag.iter().map(|e| ("if-match", e.as_str())).collect();
            let r = fx.client(*role).raw(method, &path, body.as_ref(), &headers).await.unwrap();
            if r.status != expected[i] {
                failures.push(format!(
                    "{action} as {}: expected {}, got {} {}",
                    role.code(),
                    expected[i],
                    r.status,
                    r.body
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} cells wrong:\n{}", failures.len(), failures.join("\n"));
    s.stop().await;
}
