//! The field-by-field choice of a merge: which single-valued fields of the kept contact
//! take the value of the one that disappears. Lists (emails, phones, tags) are always
//! united and notes joined; an opt-out of either record always holds.

use super::Contact;
use crate::error::{ValidationError, Validator, ViolationKind};

/// A single-valued field whose value may be taken from the merged contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MergeField {
    /// First name.
    FirstName,
    /// Last name.
    LastName,
    /// Job title.
    JobTitle,
    /// Organization.
    Organization,
    /// The whole postal address.
    Address,
    /// Source.
    Source,
    /// Owner.
    Owner,
}

const CODES: [(MergeField, &str); 7] = [
    (MergeField::FirstName, "first_name"),
    (MergeField::LastName, "last_name"),
    (MergeField::JobTitle, "job_title"),
    (MergeField::Organization, "organization_id"),
    (MergeField::Address, "address"),
    (MergeField::Source, "source"),
    (MergeField::Owner, "owner_id"),
];

impl MergeField {
    /// Every choosable field, in the order a screen shows them.
    pub const ALL: [Self; 7] = [
        Self::FirstName,
        Self::LastName,
        Self::JobTitle,
        Self::Organization,
        Self::Address,
        Self::Source,
        Self::Owner,
    ];

    /// Stable code (the field's name in the API).
    pub fn code(self) -> &'static str {
        CODES.iter().find(|(f, _)| *f == self).map_or("", |(_, c)| c)
    }

    /// Reads a list of codes, each fault named under `field.<index>` (unknown code,
    /// repeated code).
    ///
    /// # Errors
    /// `unknown`, `repeated`.
    pub fn parse_list(codes: &[String], field: &str) -> Result<Vec<Self>, ValidationError> {
        let mut v = Validator::new();
        let mut out: Vec<Self> = Vec::with_capacity(codes.len());
        for (i, code) in codes.iter().enumerate() {
            match CODES.iter().find(|(_, c)| *c == code.as_str()) {
                Some((f, _)) if out.contains(f) => v.push(format!("{field}.{i}"), ViolationKind::Repeated),
                Some((f, _)) => out.push(*f),
                None => v.push(format!("{field}.{i}"), ViolationKind::Unknown),
            }
        }
        v.finish()?;
        Ok(out)
    }
}

impl Contact {
    /// Merges `other` into `self` as [`Contact::absorb`] does, then gives each field of
    /// `take` the value `other` has (an empty value of `other` empties it).
    pub fn absorb_choosing(&mut self, other: &Contact, take: &[MergeField]) {
        self.absorb(other);
        let (f, o) = (&mut self.fields, &other.fields);
        for field in take {
            match field {
                MergeField::FirstName => f.first_name.clone_from(&o.first_name),
                MergeField::LastName => f.last_name.clone_from(&o.last_name),
                MergeField::JobTitle => f.job_title.clone_from(&o.job_title),
                MergeField::Organization => f.organization_id = o.organization_id,
                MergeField::Address => f.address.clone_from(&o.address),
                MergeField::Source => f.source.clone_from(&o.source),
                MergeField::Owner => self.owner_id = other.owner_id,
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::contact::tests::input;
    use crate::tenant::CountryCode;

    fn contact(first: &str, job: Option<&str>) -> Contact {
        let mut i = input();
        i.first_name = first.into();
        i.job_title = job.map(Into::into);
        let (kind, fields) = i.parse(CountryCode::FR).unwrap();
        Contact {
            id: crate::ContactId::from_uuid(uuid::Uuid::new_v4()),
            tenant_id: crate::TenantId::from_uuid(uuid::Uuid::new_v4()),
            kind,
            owner_id: crate::UserId::from_uuid(uuid::Uuid::new_v4()),
            lead: None,
            client_since: None,
            fields,
            score: 0,
            version: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn chosen_fields_come_from_the_merged_contact_and_the_rest_stays() {
        let mut kept = contact("Hélène", Some("Acheteuse"));
        let other = contact("Helene", Some("Directrice"));
        let owner = other.owner_id;
        kept.absorb_choosing(&other, &[MergeField::JobTitle, MergeField::Owner]);
        assert_eq!(kept.fields.first_name.as_str(), "Hélène");
        assert_eq!(kept.fields.job_title.as_ref().map(|j| j.as_str()), Some("Directrice"));
        assert_eq!(kept.owner_id, owner);
    }

    #[test]
    fn an_empty_chosen_value_empties_the_field() {
        let mut kept = contact("Hélène", Some("Acheteuse"));
        let other = contact("Helene", None);
        kept.absorb_choosing(&other, &[MergeField::JobTitle]);
        assert!(kept.fields.job_title.is_none());
    }

    #[test]
    fn codes_are_read_and_faults_named() {
        let ok = MergeField::parse_list(&["job_title".into(), "owner_id".into()], "take").unwrap();
        assert_eq!(ok, vec![MergeField::JobTitle, MergeField::Owner]);
        let err = MergeField::parse_list(&["job_title".into(), "email".into(), "job_title".into()], "take").unwrap_err();
        let fields: Vec<_> = err.errors().iter().map(|v| v.field.clone()).collect();
        assert_eq!(fields, vec!["take.1", "take.2"]);
        for f in MergeField::ALL {
            assert_eq!(MergeField::parse_list(&[f.code().into()], "t").unwrap(), vec![f]);
        }
    }
}
