//! What a change records in the event log: the entity, the kind of change and, per field,
//! the value before and after.

use crate::actor::Actor;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

/// The kinds of entities that appear in the event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityType {
    /// A tenant.
    Tenant,
    /// A user.
    User,
    /// A team.
    Team,
    /// A contact.
    Contact,
    /// An organization.
    Organization,
    /// A pipeline (stages included).
    Pipeline,
    /// An opportunity.
    Opportunity,
    /// An activity.
    Activity,
    /// A segment.
    Segment,
    /// A stored file (an upload, an export).
    File,
    /// An entry of the suppression list.
    Suppression,
    /// An email template.
    Template,
    /// One email to one recipient (its queueing, its delivery).
    Email,
    /// A campaign.
    Campaign,
    /// A webhook subscription.
    Webhook,
    /// A lead scoring rule.
    ScoringRule,
    /// An automation rule.
    AutomationRule,
    /// A territory.
    Territory,
    /// A request of a person about their data (GDPR rights).
    PrivacyRequest,
}

impl EntityType {
    /// Stable code, stored in the log.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Tenant => "tenant",
            Self::User => "user",
            Self::Team => "team",
            Self::Contact => "contact",
            Self::Organization => "organization",
            Self::Pipeline => "pipeline",
            Self::Opportunity => "opportunity",
            Self::Activity => "activity",
            Self::Segment => "segment",
            Self::File => "file",
            Self::Suppression => "suppression",
            Self::Template => "template",
            Self::Email => "email",
            Self::Campaign => "campaign",
            Self::Webhook => "webhook",
            Self::ScoringRule => "scoring_rule",
            Self::AutomationRule => "automation_rule",
            Self::Territory => "territory",
            Self::PrivacyRequest => "privacy_request",
        }
    }

    /// Parses a stored code.
    pub fn parse(code: &str) -> Option<Self> {
        [
            Self::Tenant,
            Self::User,
            Self::Team,
            Self::Contact,
            Self::Organization,
            Self::Pipeline,
            Self::Opportunity,
            Self::Activity,
            Self::Segment,
            Self::File,
            Self::Suppression,
            Self::Template,
            Self::Email,
            Self::Campaign,
            Self::Webhook,
            Self::ScoringRule,
            Self::AutomationRule,
            Self::Territory,
            Self::PrivacyRequest,
        ]
        .into_iter()
        .find(|e| e.code() == code)
    }
}

/// The kinds of change recorded in the log: one catalogue for every writer and reader.
/// The serialised names ([`EventKind::name`]) are stored and published (API, stream): they
/// never change; a new kind gets a new name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventKind {
    /// The entity was created.
    Created,
    /// Some of its fields changed.
    Updated,
    /// Moved to the bin (soft deletion).
    Deleted,
    /// Taken back from the bin.
    Restored,
    /// A contact kept by a merge (it received the other's links).
    Merged,
    /// A contact merged into another one (and deleted).
    MergedInto,
    /// An opportunity moved to another stage.
    StageMoved,
    /// An opportunity won.
    Won,
    /// An opportunity lost.
    Lost,
    /// A closed opportunity or a done task reopened.
    Reopened,
    /// An activity marked done.
    Completed,
    /// Records given to another owner.
    OwnerChanged,
    /// A user changed their password.
    PasswordChanged,
    /// A user's password set by an Admin.
    PasswordSet,
    /// Contacts added to a static segment.
    MembersAdded,
    /// Contacts removed from a static segment.
    MembersRemoved,
    /// The tenant's contacts scanned for duplicates.
    DuplicatesScanned,
    /// A pair of possible duplicates dismissed.
    DuplicatesDismissed,
    /// A call logged that matched no contact.
    CallUnmatched,
    /// A reminder rule created.
    ReminderRuleCreated,
    /// A reminder rule changed.
    ReminderRuleUpdated,
    /// A reminder rule deleted.
    ReminderRuleDeleted,
    /// A lead's qualification changed (status, reason).
    LeadStatusChanged,
    /// A contact moved in the customer cycle (prospect to client, client to former
    /// client), by a won deal, by hand or by the company's rule.
    Converted,
    /// The company's settings of the customer cycle changed (disqualification reasons,
    /// the former-client rule).
    LeadSettingsChanged,
    /// An email accepted by the relay (or written by the embedded mailer).
    Sent,
    /// An email given up: refused for good by the relay, or still failing after every
    /// attempt.
    SendFailed,
    /// A contact opened an email (the first time a person did, not a machine).
    EmailOpened,
    /// A contact followed a link of an email.
    EmailClicked,
    /// A contact asked for no more email (the address is on the suppression list).
    Unsubscribed,
    /// A contact replied to an email.
    EmailReplied,
    /// A campaign scheduled, started, paused, resumed, sent or cancelled.
    CampaignStatusChanged,
    /// A team's forecast validated (submitted) for a period by its Manager.
    ForecastSubmitted,
    /// A contact's lead score changed (kept by the scoring reader of the log).
    ScoreChanged,
    /// A one-time link to choose a password issued for a user (an invitation, a reset).
    AccessLinkIssued,
    /// A person erased (GDPR, art. 17): their data key destroyed, their record emptied.
    Erased,
    /// A person anonymised (their time of retention up): their data key destroyed, every
    /// value that named them removed, the record kept.
    Anonymised,
    /// A person's data exported for them (GDPR, art. 15 and 20).
    PersonalDataExported,
    /// A user confirmed a second factor (an authenticator app's codes) for their login.
    SecondFactorEnabled,
    /// A user's second factor removed (by them, or by an Admin for a lost phone).
    SecondFactorRemoved,
    /// A user's recovery codes replaced by new ones.
    RecoveryCodesRenewed,
    /// A person's consent to be prospected on a channel recorded (given or withdrawn).
    ConsentRecorded,
}

impl EventKind {
    /// Every kind, in catalogue order.
    pub const ALL: [Self; 42] = [
        Self::Created,
        Self::Updated,
        Self::Deleted,
        Self::Restored,
        Self::Merged,
        Self::MergedInto,
        Self::StageMoved,
        Self::Won,
        Self::Lost,
        Self::Reopened,
        Self::Completed,
        Self::OwnerChanged,
        Self::PasswordChanged,
        Self::PasswordSet,
        Self::MembersAdded,
        Self::MembersRemoved,
        Self::DuplicatesScanned,
        Self::DuplicatesDismissed,
        Self::CallUnmatched,
        Self::ReminderRuleCreated,
        Self::ReminderRuleUpdated,
        Self::ReminderRuleDeleted,
        Self::LeadStatusChanged,
        Self::Converted,
        Self::LeadSettingsChanged,
        Self::Sent,
        Self::SendFailed,
        Self::EmailOpened,
        Self::EmailClicked,
        Self::Unsubscribed,
        Self::EmailReplied,
        Self::CampaignStatusChanged,
        Self::ForecastSubmitted,
        Self::ScoreChanged,
        Self::AccessLinkIssued,
        Self::Erased,
        Self::Anonymised,
        Self::PersonalDataExported,
        Self::SecondFactorEnabled,
        Self::SecondFactorRemoved,
        Self::RecoveryCodesRenewed,
        Self::ConsentRecorded,
    ];

    /// The stable snake_case name, as stored and published.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
            Self::Restored => "restored",
            Self::Merged => "merged",
            Self::MergedInto => "merged_into",
            Self::StageMoved => "stage_moved",
            Self::Won => "won",
            Self::Lost => "lost",
            Self::Reopened => "reopened",
            Self::Completed => "completed",
            Self::OwnerChanged => "owner_changed",
            Self::PasswordChanged => "password_changed",
            Self::PasswordSet => "password_set",
            Self::MembersAdded => "members_added",
            Self::MembersRemoved => "members_removed",
            Self::DuplicatesScanned => "duplicates_scanned",
            Self::DuplicatesDismissed => "duplicates_dismissed",
            Self::CallUnmatched => "call_unmatched",
            Self::ReminderRuleCreated => "reminder_rule_created",
            Self::ReminderRuleUpdated => "reminder_rule_updated",
            Self::ReminderRuleDeleted => "reminder_rule_deleted",
            Self::LeadStatusChanged => "lead_status_changed",
            Self::Converted => "converted",
            Self::LeadSettingsChanged => "lead_settings_changed",
            Self::Sent => "sent",
            Self::SendFailed => "send_failed",
            Self::EmailOpened => "email_opened",
            Self::EmailClicked => "email_clicked",
            Self::Unsubscribed => "unsubscribed",
            Self::EmailReplied => "email_replied",
            Self::CampaignStatusChanged => "campaign_status_changed",
            Self::ForecastSubmitted => "forecast_submitted",
            Self::ScoreChanged => "score_changed",
            Self::AccessLinkIssued => "access_link_issued",
            Self::Erased => "person_erased",
            Self::Anonymised => "person_anonymised",
            Self::PersonalDataExported => "personal_data_exported",
            Self::SecondFactorEnabled => "second_factor_enabled",
            Self::SecondFactorRemoved => "second_factor_removed",
            Self::RecoveryCodesRenewed => "recovery_codes_renewed",
            Self::ConsentRecorded => "consent_recorded",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for EventKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown event kind {name:?}")))
    }
}

/// Whether a field holds personal data that must stay encrypted at rest, in the log too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sensitivity {
    /// May be stored in clear.
    Clear,
    /// Stored as ciphertext only.
    Sensitive,
}

/// One field's change.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    /// Field name as in the API.
    pub field: &'static str,
    /// Value before (`None` when created).
    pub before: Option<Value>,
    /// Value after (`None` when removed).
    pub after: Option<Value>,
    /// Whether the values are personal data.
    pub sensitivity: Sensitivity,
}

/// An event about to be appended, in the same transaction as the change it records.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    /// When, by the application's clock.
    pub at: chrono::DateTime<chrono::Utc>,
    /// Who did it.
    pub actor: Actor,
    /// What kind of entity changed.
    pub entity_type: EntityType,
    /// Which one.
    pub entity_id: Uuid,
    /// What happened to it.
    pub kind: EventKind,
    /// The owner of the entity after the change, so readers can filter by visibility.
    pub owner_id: Option<Uuid>,
    /// Field changes.
    pub changes: Vec<FieldChange>,
}

/// Collects field changes between two versions of an entity.
#[derive(Debug, Default)]
pub struct Diff {
    changes: Vec<FieldChange>,
}

impl Diff {
    /// An empty diff.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `field` if its value differs (`before` is `None` on creation).
    pub fn field<T: Serialize + PartialEq>(&mut self, field: &'static str, before: Option<&T>, after: &T, sensitivity: Sensitivity) {
        if before == Some(after) {
            return;
        }
        let to_json = |v: &T| serde_json::to_value(v).unwrap_or(Value::Null);
        let before = before.map(to_json);
        let after = to_json(after);
        if before.as_ref().is_none() && after.is_null() {
            return;
        }
        self.changes.push(FieldChange {
            field,
            before,
            after: Some(after),
            sensitivity,
        });
    }

    /// The changes found.
    pub fn into_changes(self) -> Vec<FieldChange> {
        self.changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_keeps_only_changed_fields() {
        let mut d = Diff::new();
        d.field("a", Some(&1), &1, Sensitivity::Clear);
        d.field("b", Some(&1), &2, Sensitivity::Clear);
        d.field("c", None, &Some("x"), Sensitivity::Sensitive);
        d.field::<Option<i32>>("d", None, &None, Sensitivity::Clear);
        let c = d.into_changes();
        assert_eq!(c.iter().map(|c| c.field).collect::<Vec<_>>(), ["b", "c"]);
        assert_eq!(c[1].sensitivity, Sensitivity::Sensitive);
    }

    #[test]
    fn event_kind_names_are_stable_and_unique() {
        let names: Vec<&str> = EventKind::ALL.iter().map(|k| k.name()).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.name()), Some(k));
        }
        // Names already stored in logs: changing one would orphan them.
        assert_eq!(
            names,
            [
                "created",
                "updated",
                "deleted",
                "restored",
                "merged",
                "merged_into",
                "stage_moved",
                "won",
                "lost",
                "reopened",
                "completed",
                "owner_changed",
                "password_changed",
                "password_set",
                "members_added",
                "members_removed",
                "duplicates_scanned",
                "duplicates_dismissed",
                "call_unmatched",
                "reminder_rule_created",
                "reminder_rule_updated",
                "reminder_rule_deleted",
                "lead_status_changed",
                "converted",
                "lead_settings_changed",
                "sent",
                "send_failed",
                "email_opened",
                "email_clicked",
                "unsubscribed",
                "email_replied",
                "campaign_status_changed",
                "forecast_submitted",
                "score_changed",
                "access_link_issued",
                "person_erased",
                "person_anonymised",
                "personal_data_exported",
                "second_factor_enabled",
                "second_factor_removed",
                "recovery_codes_renewed",
                "consent_recorded",
            ]
        );
    }

    #[test]
    fn entity_codes_round_trip() {
        for e in [EntityType::Contact, EntityType::Opportunity, EntityType::Tenant] {
            assert_eq!(EntityType::parse(e.code()), Some(e));
        }
    }
}
