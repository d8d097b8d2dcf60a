//! A campaign: one template sent to the members of a segment (a rule or a static list),
//! now or at a set time, and the life it goes through — draft, scheduled, sending,
//! paused, sent or cancelled — with the moves each status allows.

use crate::error::{ValidationError, Validator, ViolationKind};
use crate::ids::{CampaignId, SegmentId, TemplateId, TenantId, UserId};
use crate::tenant::Language;
use chrono::{DateTime, Utc};

/// The longest name.
pub const MAX_NAME: usize = 200;

/// Where a campaign is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CampaignStatus {
    /// Being written: nothing goes out.
    Draft,
    /// Set to start at its time.
    Scheduled,
    /// Its messages are being queued and sent.
    Sending,
    /// Held: its queued messages wait until it is resumed.
    Paused,
    /// Every message went out (or failed for good).
    Sent,
    /// Stopped for good: the messages not sent yet never will be.
    Cancelled,
}

impl CampaignStatus {
    /// Every status, in their order of life.
    pub const ALL: [Self; 6] = [
        Self::Draft,
        Self::Scheduled,
        Self::Sending,
        Self::Paused,
        Self::Sent,
        Self::Cancelled,
    ];

    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Sending => "sending",
            Self::Paused => "paused",
            Self::Sent => "sent",
            Self::Cancelled => "cancelled",
        }
    }

    /// The status of a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether nothing more happens to it.
    pub const fn is_final(self) -> bool {
        matches!(self, Self::Sent | Self::Cancelled)
    }

    /// Whether its name, segment and template may still change.
    pub const fn is_editable(self) -> bool {
        matches!(self, Self::Draft | Self::Scheduled)
    }

    /// The status a move leads to.
    ///
    /// # Errors
    /// `status: not_allowed` when the move does not apply (pausing a draft, resuming a
    /// campaign that is not paused, anything after sent or cancelled).
    pub fn apply(self, action: CampaignAction) -> Result<Self, ValidationError> {
        use CampaignAction as A;
        let next = match (self, action) {
            (Self::Draft | Self::Scheduled, A::Schedule) => Self::Scheduled,
            (Self::Draft | Self::Scheduled, A::Start) => Self::Sending,
            (Self::Scheduled, A::Unschedule) => Self::Draft,
            (Self::Sending, A::Pause) => Self::Paused,
            (Self::Paused, A::Resume) => Self::Sending,
            (Self::Sending, A::Finish) => Self::Sent,
            (s, A::Cancel) if !s.is_final() => Self::Cancelled,
            _ => return Err(ValidationError::field("status", ViolationKind::NotAllowed)),
        };
        Ok(next)
    }
}

/// A move in a campaign's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CampaignAction {
    /// Set (or move) its start time.
    Schedule,
    /// Back to a draft.
    Unschedule,
    /// Start now (or its time came).
    Start,
    /// Hold the messages not sent yet.
    Pause,
    /// Send the held messages.
    Resume,
    /// Every message went out.
    Finish,
    /// Stop for good.
    Cancel,
}

/// A campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    /// Id.
    pub id: CampaignId,
    /// Tenant.
    pub tenant_id: TenantId,
    /// Name.
    pub name: String,
    /// Who it goes to: the segment's members in its writer's read scope, when it starts.
    pub segment_id: SegmentId,
    /// What it says.
    pub template_id: TemplateId,
    /// The template's language (default: the company's).
    pub language: Option<Language>,
    /// Where it is.
    pub status: CampaignStatus,
    /// When it starts (a scheduled campaign).
    pub scheduled_at: Option<DateTime<Utc>>,
    /// Who wrote it: the sender of its messages, whose read scope it reaches.
    pub created_by: Option<UserId>,
    /// When it started sending.
    pub started_at: Option<DateTime<Utc>>,
    /// When every recipient had their message queued.
    pub filled_at: Option<DateTime<Utc>>,
    /// When it was sent or cancelled.
    pub finished_at: Option<DateTime<Utc>>,
    /// Members left out: no email address, opted out, or on the suppression list.
    pub skipped: i64,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// What a writer gives of a campaign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignInput {
    /// Name.
    pub name: String,
    /// Segment (required).
    pub segment_id: Option<SegmentId>,
    /// Template (required).
    pub template_id: Option<TemplateId>,
    /// Language.
    pub language: Option<Language>,
}

impl CampaignInput {
    /// Checks the fields (the segment and template are looked up by the use case).
    ///
    /// # Errors
    /// `name` required or too long; `segment_id`, `template_id` required.
    pub fn check(mut self) -> Result<Self, ValidationError> {
        let mut v = Validator::new();
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() {
            v.push("name", ViolationKind::Required);
        } else if self.name.chars().count() > MAX_NAME {
            v.push("name", ViolationKind::TooLong);
        }
        if self.segment_id.is_none() {
            v.push("segment_id", ViolationKind::Required);
        }
        if self.template_id.is_none() {
            v.push("template_id", ViolationKind::Required);
        }
        v.finish()?;
        Ok(self)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn moves_follow_the_life_of_a_campaign() {
        use CampaignAction as A;
        use CampaignStatus as S;
        assert_eq!(S::Draft.apply(A::Schedule).unwrap(), S::Scheduled);
        assert_eq!(S::Scheduled.apply(A::Schedule).unwrap(), S::Scheduled);
        assert_eq!(S::Scheduled.apply(A::Unschedule).unwrap(), S::Draft);
        assert_eq!(S::Scheduled.apply(A::Start).unwrap(), S::Sending);
        assert_eq!(S::Sending.apply(A::Pause).unwrap(), S::Paused);
        assert_eq!(S::Paused.apply(A::Resume).unwrap(), S::Sending);
        assert_eq!(S::Sending.apply(A::Finish).unwrap(), S::Sent);
        assert_eq!(S::Paused.apply(A::Cancel).unwrap(), S::Cancelled);
        for (s, a) in [
            (S::Draft, A::Pause),
            (S::Draft, A::Resume),
            (S::Paused, A::Pause),
            (S::Sending, A::Start),
            (S::Paused, A::Finish),
            (S::Sent, A::Cancel),
            (S::Cancelled, A::Resume),
            (S::Sending, A::Schedule),
        ] {
            let e = s.apply(a).unwrap_err();
            assert_eq!(e.errors()[0].field, "status", "{s:?} {a:?}");
        }
        for s in S::ALL {
            assert_eq!(S::parse(s.code()), Some(s));
        }
    }

    #[test]
    fn input_needs_a_name_a_segment_and_a_template() {
        let e = CampaignInput {
            name: "  ".into(),
            segment_id: None,
            template_id: None,
            language: None,
        }
        .check()
        .unwrap_err();
        let fields: Vec<_> = e.errors().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "segment_id", "template_id"]);
    }
}
