//! The operations of the API and the [`Client`](crate::Client) methods that call them.
//!
//! [`OPERATIONS`] names every operation of the served OpenAPI document
//! (`/api/openapi.json`): its `operationId`, method and path, and the methods sending it.
//! Two tests hold it true: this crate's own (every route the sources send is in the
//! table, every entry is sent by the methods it names) and the server's end-to-end
//! `sdk_drift` test (the table is exactly the document's operations, every response and
//! request schema matches its type here, and what each method sends, query and body, is
//! what the document takes).

/// One operation of the API and the methods of [`Client`](crate::Client) that send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// Its `operationId` in the document (for [`UNDOCUMENTED`], a name).
    pub id: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path template, parameters named as in the document (`/api/v1/contacts/{id}`).
    pub path: &'static str,
    /// The methods of [`Client`](crate::Client) that send it.
    pub sdk: &'static [&'static str],
}

impl Operation {
    /// The path with every parameter written `{}`, the same for two templates of one route
    /// whatever their parameters are called.
    pub fn route(&self) -> String {
        normalize_path(self.path)
    }
}

/// `path` with each `{parameter}` written `{}`: `/api/v1/admin/parked-events/{consumer}/{seq}`
/// becomes `/api/v1/admin/parked-events/{}/{}`.
pub fn normalize_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            c if !in_param => out.push(c),
            _ => {}
        }
    }
    out
}

const fn op(id: &'static str, method: &'static str, path: &'static str, sdk: &'static [&'static str]) -> Operation {
    Operation { id, method, path, sdk }
}

/// Every operation of `/api/openapi.json`, by tag, with the methods that send it.
#[rustfmt::skip] // a table: one operation per line
pub const OPERATIONS: &[Operation] = &[
    // Activities
    op("create_activity", "POST", "/api/v1/activities", &["create_activity"]),
    op("delete_activity", "DELETE", "/api/v1/activities/{id}", &["delete_activity"]),
    op("get_activity", "GET", "/api/v1/activities/{id}", &["activity"]),
    op("patch_activity", "PATCH", "/api/v1/activities/{id}", &["patch_activity"]),
    op("update_activity", "PUT", "/api/v1/activities/{id}", &["update_activity"]),
    op("complete_task", "POST", "/api/v1/activities/{id}/complete", &["complete_task"]),
    op("reopen_task", "POST", "/api/v1/activities/{id}/reopen", &["reopen_task"]),
    op("list_calendar_feeds", "GET", "/api/v1/calendar-feeds", &["calendar_feeds"]),
    op("create_calendar_feed", "POST", "/api/v1/calendar-feeds", &["create_calendar_feed"]),
    op("revoke_calendar_feed", "DELETE", "/api/v1/calendar-feeds/{id}", &["revoke_calendar_feed"]),
    op("calendar_feed", "GET", "/api/v1/calendar/{token}", &["calendar_feed"]),
    op("contact_timeline", "GET", "/api/v1/contacts/{id}/timeline", &["contact_timeline"]),
    op("dashboard", "GET", "/api/v1/dashboard", &["dashboard"]),
    op("list_notifications", "GET", "/api/v1/notifications", &["notifications_with"]),
    op("read_all_notifications", "POST", "/api/v1/notifications/read-all", &["read_all_notifications"]),
    op("read_notification", "POST", "/api/v1/notifications/{id}/read", &["read_notification"]),
    op("opportunity_timeline", "GET", "/api/v1/opportunities/{id}/timeline", &["opportunity_timeline"]),
    op("organization_timeline", "GET", "/api/v1/organizations/{id}/timeline", &["organization_timeline"]),
    op("list_reminder_rules", "GET", "/api/v1/reminder-rules", &["reminder_rules"]),
    op("create_reminder_rule", "POST", "/api/v1/reminder-rules", &["create_reminder_rule"]),
    op("run_reminders", "POST", "/api/v1/reminder-rules/run", &["run_reminders"]),
    op("delete_reminder_rule", "DELETE", "/api/v1/reminder-rules/{id}", &["delete_reminder_rule"]),
    op("update_reminder_rule", "PUT", "/api/v1/reminder-rules/{id}", &["update_reminder_rule"]),
    op("log_call", "POST", "/api/v1/telephony/calls", &["log_call"]),
    op("unmatched_calls", "GET", "/api/v1/telephony/unmatched", &["unmatched_calls"]),
    op("todo", "GET", "/api/v1/todo", &["todo"]),
    // Audit
    op("audit_history", "GET", "/api/v1/audit", &["audit_with", "audit_query"]),
    // Auth
    op("login", "POST", "/api/v1/auth/login", &["login", "login_to"]),
    op("logout", "POST", "/api/v1/auth/logout", &["logout"]),
    op("me", "GET", "/api/v1/auth/me", &["me"]),
    op("change_password", "POST", "/api/v1/auth/password", &["change_password"]),
    op("list_tokens", "GET", "/api/v1/auth/tokens", &["list_tokens"]),
    op("create_token", "POST", "/api/v1/auth/tokens", &["create_token"]),
    op("revoke_token", "DELETE", "/api/v1/auth/tokens/{id}", &["revoke_token"]),
    op("list_sessions", "GET", "/api/v1/auth/sessions", &["sessions"]),
    op("end_session", "DELETE", "/api/v1/auth/sessions/{id}", &["end_session"]),
    op("end_other_sessions", "POST", "/api/v1/auth/sessions/end-others", &["end_other_sessions"]),
    op("login_second_factor", "POST", "/api/v1/auth/login/second-factor", &["login_second_factor"]),
    op("begin_second_factor_at_login", "POST", "/api/v1/auth/login/second-factor/setup", &["begin_second_factor_at_login"]),
    op("second_factor", "GET", "/api/v1/auth/second-factor", &["second_factor"]),
    op("begin_second_factor", "POST", "/api/v1/auth/second-factor/setup", &["begin_second_factor"]),
    op("confirm_second_factor", "POST", "/api/v1/auth/second-factor/confirm", &["confirm_second_factor"]),
    op("remove_second_factor", "POST", "/api/v1/auth/second-factor/remove", &["remove_second_factor"]),
    op("renew_recovery_codes", "POST", "/api/v1/auth/second-factor/recovery-codes", &["renew_recovery_codes"]),
    // Background
    op("list_consumers", "GET", "/api/v1/admin/consumers", &["consumers"]),
    op("list_parked_events", "GET", "/api/v1/admin/parked-events", &["parked_events"]),
    op("replay_parked_event", "POST", "/api/v1/admin/parked-events/{consumer}/{seq}/replay", &["replay_parked_event"]),
    op("list_jobs", "GET", "/api/v1/jobs", &["jobs_with"]),
    op("get_job", "GET", "/api/v1/jobs/{id}", &["job"]),
    op("cancel_job", "POST", "/api/v1/jobs/{id}/cancel", &["cancel_job"]),
    // Contacts
    op("list_contacts", "GET", "/api/v1/contacts", &["list_contacts"]),
    op("create_contact", "POST", "/api/v1/contacts", &["create_contact"]),
    op("delete_contact", "DELETE", "/api/v1/contacts/{id}", &["delete_contact"]),
    op("get_contact", "GET", "/api/v1/contacts/{id}", &["contact"]),
    op("patch_contact", "PATCH", "/api/v1/contacts/{id}", &["patch_contact"]),
    op("update_contact", "PUT", "/api/v1/contacts/{id}", &["update_contact"]),
    op("assign_contact", "POST", "/api/v1/contacts/{id}/assign", &["assign_contact"]),
    op("contact_history", "GET", "/api/v1/contacts/{id}/history", &["contact_history_with"]),
    op("list_territories", "GET", "/api/v1/territories", &["territories"]),
    op("create_territory", "POST", "/api/v1/territories", &["create_territory"]),
    op("match_territory", "GET", "/api/v1/territories/match", &["match_territory"]),
    op("update_territory", "PUT", "/api/v1/territories/{id}", &["update_territory"]),
    op("delete_territory", "DELETE", "/api/v1/territories/{id}", &["delete_territory"]),
    op("list_privacy_requests", "GET", "/api/v1/privacy/requests", &["privacy_requests"]),
    op("create_privacy_request", "POST", "/api/v1/privacy/requests", &["create_privacy_request"]),
    op("get_privacy_request", "GET", "/api/v1/privacy/requests/{id}", &["privacy_request"]),
    op("answer_privacy_request", "PUT", "/api/v1/privacy/requests/{id}/answer", &["answer_privacy_request"]),
    op("export_personal_data", "GET", "/api/v1/privacy/contacts/{id}/data", &["export_personal_data"]),
    op("erase_contact", "POST", "/api/v1/privacy/contacts/{id}/erase", &["erase_contact"]),
    op("retention_report", "GET", "/api/v1/privacy/retention", &["retention_report"]),
    op("erase_due_prospects", "POST", "/api/v1/privacy/retention/erase", &["erase_due_prospects"]),
    op("anonymise_due_prospects", "POST", "/api/v1/privacy/retention/anonymise", &["anonymise_due_prospects"]),
    op("access_log", "GET", "/api/v1/privacy/access-log", &["access_log"]),
    op(
        "processing_register",
        "GET",
        "/api/v1/privacy/register",
        &["processing_register", "processing_register_pdf"],
    ),
    op("get_contact_consents", "GET", "/api/v1/contacts/{id}/consents", &["contact_consents"]),
    op("record_contact_consent", "POST", "/api/v1/contacts/{id}/consents", &["record_consent"]),
    op("merge_contacts", "POST", "/api/v1/contacts/{id}/merge", &["merge_contacts_taking"]),
    op("restore_contact", "POST", "/api/v1/contacts/{id}/restore", &["restore_contact"]),
    op("list_duplicate_groups", "GET", "/api/v1/duplicates", &["duplicate_groups"]),
    op("scan_duplicates", "POST", "/api/v1/duplicates/scan", &["scan_duplicates"]),
    op("dismiss_duplicates", "POST", "/api/v1/duplicates/{id}/dismiss", &["dismiss_duplicates"]),
    // Leads
    op("create_lead", "POST", "/api/v1/leads", &["create_lead"]),
    op("import_leads", "POST", "/api/v1/leads/bulk", &["import_leads"]),
    op("set_lead_status", "POST", "/api/v1/contacts/{id}/lead-status", &["set_lead_status"]),
    op("hand_over_lead", "POST", "/api/v1/contacts/{id}/hand-over", &["hand_over_lead"]),
    op("convert_to_client", "POST", "/api/v1/contacts/{id}/convert", &["convert_to_client"]),
    op("open_lead_opportunity", "POST", "/api/v1/contacts/{id}/lead-opportunity", &["open_lead_opportunity"]),
    op("lead_settings", "GET", "/api/v1/lead-settings", &["lead_settings"]),
    op("set_lead_settings", "PUT", "/api/v1/lead-settings", &["set_lead_settings"]),
    op("run_former_client_rule", "POST", "/api/v1/lead-settings/former-clients", &["run_former_client_rule"]),
    op("lead_funnel", "GET", "/api/v1/reports/lead-funnel", &["lead_funnel"]),
    // Files
    op("list_files", "GET", "/api/v1/files", &["files_with"]),
    op("upload_file", "POST", "/api/v1/files", &["upload_file"]),
    op("delete_file", "DELETE", "/api/v1/files/{id}", &["delete_file"]),
    op("get_file", "GET", "/api/v1/files/{id}", &["file"]),
    op("download_file", "GET", "/api/v1/files/{id}/content", &["file_content"]),
    op("list_imports", "GET", "/api/v1/imports", &["imports"]),
    op("start_contact_import", "POST", "/api/v1/imports/contacts", &["start_contact_import"]),
    op("preview_contact_import", "POST", "/api/v1/imports/contacts/preview", &["preview_contact_import"]),
    op("preview_organization_import", "POST", "/api/v1/imports/organizations/preview", &["preview_organization_import"]),
    op("start_organization_import", "POST", "/api/v1/imports/organizations", &["start_organization_import"]),
    op("preview_opportunity_import", "POST", "/api/v1/imports/opportunities/preview", &["preview_opportunity_import"]),
    op("start_opportunity_import", "POST", "/api/v1/imports/opportunities", &["start_opportunity_import"]),
    op("get_import", "GET", "/api/v1/imports/{id}", &["import"]),
    op("import_report", "GET", "/api/v1/imports/{id}/report", &["import_report"]),
    op("export_contacts", "GET", "/api/v1/exports/contacts", &["export_contacts"]),
    op("export_organizations", "GET", "/api/v1/exports/organizations", &["export_organizations"]),
    op("export_opportunities", "GET", "/api/v1/exports/opportunities", &["export_opportunities"]),
    op("export_activities", "GET", "/api/v1/exports/activities", &["export_activities"]),
    op("export_company", "GET", "/api/v1/exports/company", &["export_company"]),
    op("list_suppressions", "GET", "/api/v1/suppressions", &["suppressions"]),
    op("add_suppression", "POST", "/api/v1/suppressions", &["add_suppression"]),
    op("remove_suppression", "DELETE", "/api/v1/suppressions/{id}", &["remove_suppression"]),
    // Email
    op("list_email_templates", "GET", "/api/v1/email-templates", &["email_templates"]),
    op("create_email_template", "POST", "/api/v1/email-templates", &["create_email_template"]),
    op("get_email_template", "GET", "/api/v1/email-templates/{id}", &["email_template"]),
    op("update_email_template", "PUT", "/api/v1/email-templates/{id}", &["update_email_template"]),
    op("delete_email_template", "DELETE", "/api/v1/email-templates/{id}", &["delete_email_template"]),
    op("preview_email_template", "POST", "/api/v1/email-templates/{id}/preview", &["preview_email_template"]),
    op("preview_email", "POST", "/api/v1/emails/preview", &["preview_email"]),
    op("send_email", "POST", "/api/v1/emails", &["send_email"]),
    op("list_emails", "GET", "/api/v1/emails", &["emails_to"]),
    op("get_email", "GET", "/api/v1/emails/{id}", &["email"]),
    op("new_inbound_secret", "POST", "/api/v1/inbound-email/secret", &["new_inbound_secret"]),
    op("receive_email", "POST", "/api/v1/inbound-email", &["receive_email"]),
    op("get_mail_relay", "GET", "/api/v1/mail-relay", &["mail_relay"]),
    op("set_mail_relay", "PUT", "/api/v1/mail-relay", &["set_mail_relay"]),
    op("remove_mail_relay", "DELETE", "/api/v1/mail-relay", &["remove_mail_relay"]),
    op("sales_report", "GET", "/api/v1/reports/sales", &["sales_report"]),
    op("team_forecast", "GET", "/api/v1/forecast/teams/{id}", &["team_forecast"]),
    op("team_view", "GET", "/api/v1/teams/{id}/view", &["team_view"]),
    op("reassign_opportunities", "POST", "/api/v1/opportunities/reassign", &["reassign_opportunities"]),
    op("submit_forecast", "POST", "/api/v1/forecast/teams/{id}/submissions", &["submit_forecast"]),
    op("list_forecast_submissions", "GET", "/api/v1/forecast/submissions", &["forecast_submissions"]),
    op("get_forecast_submission", "GET", "/api/v1/forecast/submissions/{id}", &["forecast_submission"]),
    op("funnel_report", "GET", "/api/v1/reports/funnel", &["funnel_report"]),
    op("export_report", "POST", "/api/v1/reports/exports", &["export_report"]),
    op("list_report_subscriptions", "GET", "/api/v1/reports/subscriptions", &["report_subscriptions"]),
    op("subscribe_report", "POST", "/api/v1/reports/subscriptions", &["subscribe_report"]),
    op("unsubscribe_report", "DELETE", "/api/v1/reports/subscriptions/{id}", &["unsubscribe_report"]),
    op("list_campaigns", "GET", "/api/v1/campaigns", &["campaigns"]),
    op("create_campaign", "POST", "/api/v1/campaigns", &["create_campaign"]),
    op("get_campaign", "GET", "/api/v1/campaigns/{id}", &["campaign"]),
    op("update_campaign", "PUT", "/api/v1/campaigns/{id}", &["update_campaign"]),
    op("delete_campaign", "DELETE", "/api/v1/campaigns/{id}", &["delete_campaign"]),
    op("move_campaign", "POST", "/api/v1/campaigns/{id}/status", &["move_campaign"]),
    op("test_campaign", "POST", "/api/v1/campaigns/{id}/test", &["test_campaign"]),
    op("list_campaign_recipients", "GET", "/api/v1/campaigns/{id}/recipients", &["campaign_recipients"]),
    // Opportunities
    op("forecast", "GET", "/api/v1/forecast", &["forecast_with"]),
    op("list_opportunities", "GET", "/api/v1/opportunities", &["list_opportunities"]),
    op("create_opportunity", "POST", "/api/v1/opportunities", &["create_opportunity"]),
    op("delete_opportunity", "DELETE", "/api/v1/opportunities/{id}", &["delete_opportunity"]),
    op("get_opportunity", "GET", "/api/v1/opportunities/{id}", &["opportunity"]),
    op("patch_opportunity", "PATCH", "/api/v1/opportunities/{id}", &["patch_opportunity"]),
    op("update_opportunity", "PUT", "/api/v1/opportunities/{id}", &["update_opportunity"]),
    op("advance_opportunity", "POST", "/api/v1/opportunities/{id}/advance", &["advance_opportunity"]),
    op("assign_opportunity", "POST", "/api/v1/opportunities/{id}/assign", &["assign_opportunity"]),
    op("opportunity_history", "GET", "/api/v1/opportunities/{id}/history", &["opportunity_history_with"]),
    op("lose_opportunity", "POST", "/api/v1/opportunities/{id}/lose", &["lose_opportunity"]),
    op("move_opportunity", "POST", "/api/v1/opportunities/{id}/move", &["move_opportunity"]),
    op("reopen_opportunity", "POST", "/api/v1/opportunities/{id}/reopen", &["reopen_opportunity"]),
    op("restore_opportunity", "POST", "/api/v1/opportunities/{id}/restore", &["restore_opportunity"]),
    op("win_opportunity", "POST", "/api/v1/opportunities/{id}/win", &["win_opportunity"]),
    // Organizations
    op("list_organizations", "GET", "/api/v1/organizations", &["list_organizations_with"]),
    op("create_organization", "POST", "/api/v1/organizations", &["create_organization"]),
    op("delete_organization", "DELETE", "/api/v1/organizations/{id}", &["delete_organization"]),
    op("get_organization", "GET", "/api/v1/organizations/{id}", &["organization"]),
    op("patch_organization", "PATCH", "/api/v1/organizations/{id}", &["patch_organization"]),
    op("update_organization", "PUT", "/api/v1/organizations/{id}", &["update_organization"]),
    op("organization_history", "GET", "/api/v1/organizations/{id}/history", &["organization_history_with"]),
    op("restore_organization", "POST", "/api/v1/organizations/{id}/restore", &["restore_organization"]),
    // Pipelines
    op("list_pipelines", "GET", "/api/v1/pipelines", &["list_pipelines"]),
    op("create_pipeline", "POST", "/api/v1/pipelines", &["create_pipeline"]),
    op("delete_pipeline", "DELETE", "/api/v1/pipelines/{id}", &["delete_pipeline"]),
    op("get_pipeline", "GET", "/api/v1/pipelines/{id}", &["pipeline"]),
    op("update_pipeline", "PUT", "/api/v1/pipelines/{id}", &["update_pipeline"]),
    // Realtime
    op("event_stream", "GET", "/api/v1/events", &["events"]),
    // Search
    op("search", "GET", "/api/v1/search", &["search"]),
    op("reindex_search", "POST", "/api/v1/search/reindex", &["reindex_search"]),
    // Segments
    op("list_segments", "GET", "/api/v1/segments", &["list_segments"]),
    op("create_segment", "POST", "/api/v1/segments", &["create_segment"]),
    op("preview_segment", "POST", "/api/v1/segments/preview", &["preview_segment"]),
    op("delete_segment", "DELETE", "/api/v1/segments/{id}", &["delete_segment"]),
    op("get_segment", "GET", "/api/v1/segments/{id}", &["segment"]),
    op("update_segment", "PUT", "/api/v1/segments/{id}", &["update_segment"]),
    op("add_segment_members", "POST", "/api/v1/segments/{id}/members", &["add_segment_members"]),
    op("add_segment_members_from_filter", "POST", "/api/v1/segments/{id}/members/from-filter", &["add_segment_members_from_filter"]),
    op("add_segment_members_from_search", "POST", "/api/v1/segments/{id}/members/from-search", &["add_segment_members_from_search_with"]),
    op("remove_segment_members", "POST", "/api/v1/segments/{id}/members/remove", &["remove_segment_members"]),
    // Tenants
    op("get_tenant", "GET", "/api/v1/tenant", &["tenant"]),
    op("update_tenant", "PUT", "/api/v1/tenant", &["update_tenant"]),
    op("list_tenants", "GET", "/api/v1/tenants", &["list_tenants"]),
    op("create_tenant", "POST", "/api/v1/tenants", &["create_tenant"]),
    op("suspend_tenant", "POST", "/api/v1/tenants/{id}/suspend", &["suspend_tenant"]),
    op("reinstate_tenant", "POST", "/api/v1/tenants/{id}/reinstate", &["reinstate_tenant"]),
    // Users
    op("list_teams", "GET", "/api/v1/teams", &["list_teams"]),
    op("create_team", "POST", "/api/v1/teams", &["create_team"]),
    op("get_team", "GET", "/api/v1/teams/{id}", &["team"]),
    op("update_team", "PUT", "/api/v1/teams/{id}", &["update_team"]),
    op("list_users", "GET", "/api/v1/users", &["list_users"]),
    op("create_user", "POST", "/api/v1/users", &["create_user"]),
    op("get_user", "GET", "/api/v1/users/{id}", &["user"]),
    op("update_user", "PATCH", "/api/v1/users/{id}", &["update_user"]),
    op("set_user_password", "POST", "/api/v1/users/{id}/password", &["set_user_password"]),
    op("deactivate_user", "POST", "/api/v1/users/{id}/deactivate", &["deactivate_user"]),
    op("reactivate_user", "POST", "/api/v1/users/{id}/reactivate", &["reactivate_user"]),
    op("issue_access_link", "POST", "/api/v1/users/{id}/access-link", &["issue_access_link"]),
    op("reset_second_factor", "DELETE", "/api/v1/users/{id}/second-factor", &["reset_second_factor"]),
    op("redeem_access_link", "POST", "/api/v1/auth/access-link", &["redeem_access_link"]),
    // Scoring (tagged Contacts in the document)
    op("contact_score", "GET", "/api/v1/contacts/{id}/score", &["contact_score"]),
    op("get_scoring_model", "GET", "/api/v1/scoring/model", &["scoring_model"]),
    op("train_scoring_model", "POST", "/api/v1/scoring/model", &["train_scoring_model"]),
    op("list_scoring_rules", "GET", "/api/v1/scoring/rules", &["scoring_rules"]),
    op("create_scoring_rule", "POST", "/api/v1/scoring/rules", &["create_scoring_rule"]),
    op("delete_scoring_rule", "DELETE", "/api/v1/scoring/rules/{id}", &["delete_scoring_rule"]),
    op("update_scoring_rule", "PUT", "/api/v1/scoring/rules/{id}", &["update_scoring_rule"]),
    // Automation
    op("list_automations", "GET", "/api/v1/automations", &["automations"]),
    op("create_automation", "POST", "/api/v1/automations", &["create_automation"]),
    op("dry_run_automation", "POST", "/api/v1/automations/dry-run", &["dry_run_automation"]),
    op("delete_automation", "DELETE", "/api/v1/automations/{id}", &["delete_automation"]),
    op("get_automation", "GET", "/api/v1/automations/{id}", &["automation"]),
    op("update_automation", "PUT", "/api/v1/automations/{id}", &["update_automation"]),
    op("list_automation_runs", "GET", "/api/v1/automations/{id}/runs", &["automation_runs"]),
    // Webhooks
    op("list_webhooks", "GET", "/api/v1/webhooks", &["webhooks"]),
    op("create_webhook", "POST", "/api/v1/webhooks", &["create_webhook"]),
    op("list_webhook_deliveries", "GET", "/api/v1/webhooks/deliveries", &["webhook_deliveries"]),
    op("get_webhook_delivery", "GET", "/api/v1/webhooks/deliveries/{id}", &["webhook_delivery"]),
    op("replay_webhook_delivery", "POST", "/api/v1/webhooks/deliveries/{id}/replay", &["replay_webhook_delivery"]),
    op("delete_webhook", "DELETE", "/api/v1/webhooks/{id}", &["delete_webhook"]),
    op("get_webhook", "GET", "/api/v1/webhooks/{id}", &["webhook"]),
    op("update_webhook", "PUT", "/api/v1/webhooks/{id}", &["update_webhook"]),
    op("renew_webhook_secret", "POST", "/api/v1/webhooks/{id}/secret", &["renew_webhook_secret"]),
];

/// Routes the client calls that are not operations of the document: the probes and the
/// document itself.
pub const UNDOCUMENTED: &[Operation] = &[
    op("health", "GET", "/healthz", &["health"]),
    op("ready", "GET", "/readyz", &["ready"]),
    op("openapi", "GET", "/api/openapi.json", &["openapi"]),
];

#[cfg(test)]
mod tests;
