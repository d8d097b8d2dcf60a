//! One id newtype per aggregate, each a UUIDv7 so ids sort by creation time.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps an existing UUID (read from storage or a request).
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
            /// The underlying UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

id_type!(
    /// A company using the CRM.
    TenantId
);
id_type!(
    /// A person who logs in, in one tenant.
    UserId
);
id_type!(
    /// A group of users led by a manager.
    TeamId
);
id_type!(
    /// An area of a company (postcodes, industries) given to a team.
    TerritoryId
);
id_type!(
    /// A person: prospect, client or partner.
    ContactId
);
id_type!(
    /// A request of a person about their data (GDPR rights).
    PrivacyRequestId
);
id_type!(
    /// A company a contact belongs to.
    OrganizationId
);
id_type!(
    /// An ordered list of stages.
    PipelineId
);
id_type!(
    /// One step of a pipeline.
    StageId
);
id_type!(
    /// A potential sale.
    OpportunityId
);
id_type!(
    /// A task, meeting, call, email or note.
    ActivityId
);
id_type!(
    /// A named set of contacts.
    SegmentId
);
id_type!(
    /// A company's reusable email.
    TemplateId
);
id_type!(
    /// One email to one recipient, from its queueing to its delivery.
    EmailId
);
id_type!(
    /// One template sent to the members of a segment.
    CampaignId
);
id_type!(
    /// One submission of a team's forecast for a period.
    SubmissionId
);
