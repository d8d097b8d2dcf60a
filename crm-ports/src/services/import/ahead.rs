//! Planning the next piece of an import while the last one is written. The next rows are
//! read and their duplicates looked up in the company as it was before that write; once it
//! is committed, the rows whose lookups it could have changed are looked up again: a row
//! sharing an email, a phone, an external id or (when close names count) a name key with a
//! contact the write made or changed, and a row that found a contact the write changed.
//! Every row is then decided on the lookups it would have had with the pieces planned one
//! after the other, while the database writes one piece and reads the next at once.

use super::plan::{Looked, Planner};
use crate::app::App;
use crate::env::{Clock, IdGenerator};
use crate::error::ServiceError;
use crate::store::{ContactStore, OrganizationStore, ProbeCandidates, SuppressionStore, TenantStore, TerritoryStore, UserStore};
use crm_domain::contact::Contact;
use crm_domain::duplicates::name_keys;
use std::collections::HashSet;
use uuid::Uuid;

impl Looked {
    /// The contacts the rows read would make, in order (one for each of `candidates`).
    pub(crate) fn probes(&self) -> Vec<&Contact> {
        self.prepared.iter().filter_map(|r| r.as_ref().ok().map(|x| &x.probe)).collect()
    }
}

/// What a written piece made or changed, as the duplicate lookups see contacts: their ids,
/// the values of their blind indexes and external ids, and their name keys (a changed
/// contact as it was and as it became).
#[derive(Debug, Default)]
pub(crate) struct Touched {
    ids: HashSet<Uuid>,
    emails: HashSet<String>,
    phones: HashSet<String>,
    externals: HashSet<String>,
    first_folds: HashSet<String>,
    last_folds: HashSet<String>,
}

impl Touched {
    /// What a piece writing `created` and `updated` (as they become, as they were) touches.
    pub(crate) fn of(created: &[Contact], updated: &[(Contact, Contact)]) -> Self {
        let mut touched = Self::default();
        for c in created.iter().chain(updated.iter().flat_map(|(after, before)| [after, before])) {
            touched.ids.insert(c.id.as_uuid());
            let f = &c.fields;
            touched.emails.extend(f.emails.iter().map(|e| e.as_str().to_owned()));
            touched.phones.extend(f.phones.iter().map(|p| p.as_str().to_owned()));
            touched.externals.extend(f.external_id.iter().map(|x| x.as_str().to_owned()));
            let (first, last) = name_keys(f.first_name.as_str(), f.last_name.as_str());
            touched.first_folds.insert(first);
            touched.last_folds.insert(last);
        }
        touched
    }

    /// Whether the lookup of `probe`, which found `found`, could find otherwise after this
    /// write: the store's lookups match on these values (names: a contact whose folded last
    /// name is the probe's first or last name, or whose folded first name is its last name).
    pub(crate) fn concerns(&self, probe: &Contact, found: &ProbeCandidates, names: bool) -> bool {
        let f = &probe.fields;
        let known = |id: Uuid| self.ids.contains(&id);
        let by_name = || {
            let (first, last) = name_keys(f.first_name.as_str(), f.last_name.as_str());
            let holds = |set: &HashSet<String>, key: &str| !key.is_empty() && set.contains(key);
            holds(&self.last_folds, &first) || holds(&self.last_folds, &last) || holds(&self.first_folds, &last)
        };
        found.rows.iter().any(|r| known(r.contact.id.as_uuid()))
            || found.similar.iter().any(|id| known(id.as_uuid()))
            || f.emails.iter().any(|e| self.emails.contains(e.as_str()))
            || f.phones.iter().any(|p| self.phones.contains(p.as_str()))
            || f.external_id.as_ref().is_some_and(|x| self.externals.contains(x.as_str()))
            || (names && by_name())
    }
}

impl<S: ContactStore + OrganizationStore + TenantStore + TerritoryStore + UserStore + SuppressionStore, K, C: Clock, I: IdGenerator>
    App<S, K, C, I>
{
    /// Looks up again the rows of `looked` (looked up before the piece that `touched` was
    /// written) whose lookups that piece could have changed.
    ///
    /// # Errors
    /// Store failures.
    pub(crate) async fn settle(&self, p: &Planner, looked: &mut Looked, touched: &Touched) -> Result<(), ServiceError> {
        let names = p.looks_for_names();
        let probes = looked.probes();
        let stale: Vec<usize> = probes
            .iter()
            .zip(&looked.candidates)
            .enumerate()
            .filter(|(_, (probe, found))| touched.concerns(probe, found, names))
            .map(|(i, _)| i)
            .collect();
        if stale.is_empty() {
            return Ok(());
        }
        let again = self.candidates(p, &stale.iter().map(|&i| probes[i]).collect::<Vec<_>>()).await?;
        for (&i, found) in stale.iter().zip(again) {
            if let Some(slot) = looked.candidates.get_mut(i) {
                *slot = found;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::store::CandidateRow;
    use crm_domain::contact::ContactInput;
    use crm_domain::tenant::CountryCode;
    use crm_domain::{ContactId, TenantId, UserId};

    fn with(first: &str, last: &str, email: Option<&str>, phone: Option<&str>, external: Option<&str>) -> Contact {
        let input = ContactInput {
            kind: "prospect".into(),
            first_name: first.into(),
            last_name: last.into(),
            emails: email.into_iter().map(str::to_owned).collect(),
            phones: phone.into_iter().map(str::to_owned).collect(),
            external_id: external.map(str::to_owned),
            ..ContactInput::default()
        };
        let (kind, fields) = input.parse(CountryCode::FR).unwrap();
        Contact {
            id: ContactId::from_uuid(Uuid::now_v7()),
            tenant_id: TenantId::from_uuid(Uuid::nil()),
            kind,
            owner_id: UserId::from_uuid(Uuid::nil()),
            lead: None,
            client_since: None,
            fields,
            score: 0,
            version: 1,
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    fn contact(first: &str, last: &str, email: Option<&str>, phone: Option<&str>) -> Contact {
        with(first, last, email, phone, None)
    }

    #[test]
    fn a_probe_is_looked_up_again_only_when_the_write_could_change_what_it_finds() {
        let made = contact("Léa", "Martin", Some("lea@exemple.fr"), Some("06 12 34 56 78"));
        let before = contact("Hugo", "Bernard", Some("hugo@exemple.fr"), None);
        let mut after = before.clone();
        after.fields.emails = with("Hugo", "Bernard", Some("h.bernard@exemple.fr"), None, None).fields.emails;
        let touched = Touched::of(std::slice::from_ref(&made), &[(after.clone(), before.clone())]);
        let none = ProbeCandidates::default();

        // Sharing a value the write holds, as it is or was.
        assert!(touched.concerns(&contact("Zoé", "Petit", Some("lea@exemple.fr"), None), &none, false));
        assert!(touched.concerns(&contact("Zoé", "Petit", None, Some("+33612345678")), &none, false));
        assert!(touched.concerns(&contact("Zoé", "Petit", Some("hugo@exemple.fr"), None), &none, false));
        assert!(touched.concerns(&contact("Zoé", "Petit", Some("h.bernard@exemple.fr"), None), &none, false));
        let external = with("Zoé", "Petit", None, None, Some("X-1"));
        let holder = with("Léa", "Martin", None, None, Some("X-1"));
        assert!(Touched::of(&[holder], &[]).concerns(&external, &none, false));
        assert!(!touched.concerns(&external, &none, false));

        // Having found a contact the write changed.
        let found = ProbeCandidates {
            rows: vec![CandidateRow {
                contact: before.clone(),
                visible: true,
            }],
            similar: Vec::new(),
        };
        let stranger = contact("Zoé", "Petit", Some("zoe@exemple.fr"), None);
        assert!(touched.concerns(&stranger, &found, false));
        let similar = ProbeCandidates {
            rows: Vec::new(),
            similar: vec![made.id],
        };
        assert!(touched.concerns(&stranger, &similar, false));
        assert!(!touched.concerns(&stranger, &none, true));

        // Names count only when close names are looked for, on the store's name keys.
        let namesake = contact("Martin", "Durand", Some("m.durand@exemple.fr"), None);
        assert!(!touched.concerns(&namesake, &none, false));
        assert!(touched.concerns(&namesake, &none, true));
        assert!(touched.concerns(&contact("Anne", "MARTIN", None, None), &none, true));
        assert!(touched.concerns(&contact("Anne", "Léa", None, None), &none, true));
        assert!(!touched.concerns(&contact("Léa", "Durand", None, None), &none, true));
    }
}
