//! Who looked at whose personal data: each opening of a person's record (its sealed
//! fields decrypted for someone), each time they were shown in a list with their email or
//! phone, each export of a person's data and each export of a list of contacts, with who,
//! when and — for an export of a list — how many. Kept for the Admin; it
//! names people only by their ids.

use crate::ids::{ContactId, TenantId, UserId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessKind {
    /// A person's record opened (page or API).
    View,
    /// A person's data exported (access or portability).
    PersonalData,
    /// A list of contacts exported (a file).
    Export,
    /// People shown in a list with their emails or phones (the contacts page, the API's
    /// list of contacts): one access naming everyone the page showed.
    Listed,
}

impl AccessKind {
    /// Every kind.
    pub const ALL: [Self; 4] = [Self::View, Self::PersonalData, Self::Export, Self::Listed];

    /// Stable code.
    pub const fn code(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::PersonalData => "personal_data",
            Self::Export => "export",
            Self::Listed => "listed",
        }
    }

    /// From its code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// One access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEntry {
    /// Its id (time-ordered).
    pub id: Uuid,
    /// The company.
    pub tenant_id: TenantId,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub user_id: UserId,
    /// What.
    pub kind: AccessKind,
    /// Whose record (none for a list).
    pub contact_id: Option<ContactId>,
    /// How many people (1 for a record; a list's size).
    pub count: u32,
    /// Everyone a list showed (`Listed`), in its order; empty otherwise.
    pub listed: Vec<ContactId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back() {
        for k in AccessKind::ALL {
            assert_eq!(AccessKind::parse(k.code()), Some(k));
        }
        assert_eq!(AccessKind::parse("read"), None);
    }
}
