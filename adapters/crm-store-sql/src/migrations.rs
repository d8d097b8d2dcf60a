//! The migrations, listed once for both backends: number, description and file, the same
//! file name under `migrations/postgres/` and `migrations/sqlite/`, each embedded in the
//! binary.

/// The [`sqlx::migrate::Migrator`] of a backend's directory (`"postgres"` or `"sqlite"`).
macro_rules! migrator {
    ($dir:literal) => {
        crate::migrations::migrator!(
            $dir,
            [
            (1, "init", "0001_init.sql"),
            (2, "auth", "0002_auth.sql"),
            (3, "activities", "0003_activities.sql"),
            (4, "reminders", "0004_reminders.sql"),
            (5, "telephony", "0005_telephony.sql"),
            (6, "segments", "0006_segments.sql"),
            (7, "duplicates", "0007_duplicates.sql"),
            (8, "logins", "0008_logins.sql"),
            (9, "runtime", "0009_runtime.sql"),
            (10, "files", "0010_files.sql"),
            (11, "constraint_names", "0011_constraint_names.sql"),
            (12, "person_keys", "0012_person_keys.sql"),
            (13, "notification_links", "0013_notification_links.sql"),
            (14, "installation", "0014_installation.sql"),
            (15, "leads", "0015_leads.sql"),
            (16, "drafts", "0016_drafts.sql"),
            (17, "user_language", "0017_user_language.sql"),
            (18, "external_ids", "0018_external_ids.sql"),
            (19, "suppressions", "0019_suppressions.sql"),
            (20, "organization_external_ids", "0020_organization_external_ids.sql"),
            (21, "email", "0021_email.sql"),
            (22, "email_tracking", "0022_email_tracking.sql"),
            (23, "email_replies", "0023_email_replies.sql"),
            (24, "campaigns", "0024_campaigns.sql"),
            (25, "contact_opt_outs", "0025_contact_opt_outs.sql"),
            (26, "mail_relays", "0026_mail_relays.sql"),
            (27, "forecast_submissions", "0027_forecast_submissions.sql"),
            (28, "opportunity_stays", "0028_opportunity_stays.sql"),
            (29, "webhooks", "0029_webhooks.sql"),
            (30, "scoring", "0030_scoring.sql"),
            (31, "scoring_models", "0031_scoring_models.sql"),
            (32, "automation", "0032_automation.sql"),
            (33, "user deactivation", "0033_user_deactivation.sql"),
            (34, "stage archive", "0034_stage_archive.sql"),
            (35, "tenant suspension", "0035_tenant_suspension.sql"),
            (36, "territories", "0036_territories.sql"),
            (37, "privacy requests", "0037_privacy_requests.sql"),
            (38, "second factors", "0038_second_factors.sql"),
            (39, "contact consents", "0039_contact_consents.sql"),
            (40, "tenant keys", "0040_tenant_keys.sql"),
            (41, "access log", "0041_access_log.sql"),
            (42, "event person", "0042_event_person.sql"),
            (43, "contact anonymised", "0043_contact_anonymised.sql"),
            (44, "access log lists", "0044_access_log_lists.sql"),
            (45, "activity list order", "0045_activity_list_order.sql"),
            (46, "timeline links", "0046_timeline_links.sql"),
            (47, "merged into partial", "0047_merged_into_partial.sql"),
            (48, "no statistics of personal columns", "0048_no_statistics_of_personal_columns.sql"),
            (49, "lists by organization", "0049_lists_by_organization.sql"),
            (50, "access log by time", "0050_access_log_by_time.sql"),
            (51, "score on row", "0051_score_on_row.sql"),
            (52, "client since under walls", "0052_client_since_under_walls.sql"),
            (53, "log marks for sweeps", "0053_log_marks_for_sweeps.sql"),
            ]
        )
    };
    ($dir:literal, [$(($version:literal, $description:literal, $file:literal)),* $(,)?]) => {
        sqlx::migrate::Migrator::with_migrations(vec![$(
            sqlx::migrate::Migration::new(
                $version,
                $description.into(),
                sqlx::migrate::MigrationType::Simple,
                sqlx::SqlSafeStr::into_sql_str(include_str!(concat!("../migrations/", $dir, "/", $file))),
                false,
            )
        ),*])
    };
}

pub(crate) use migrator;
