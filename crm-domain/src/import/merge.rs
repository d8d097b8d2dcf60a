//! What an imported row changes in the contact it updates: what the row says replaces
//! what the contact had, what it leaves empty is kept, emails, phones and tags are added
//! to the contact's. A row that says nothing new leaves the contact as it was (the import
//! then writes nothing and the version stays).

use crate::contact::{Contact, ContactFields, ContactKind, MAX_EMAILS, MAX_PHONES, MAX_TAGS};
use chrono::{DateTime, Utc};

/// The contact `existing` once the row's `kind` (when the row gives one) and `incoming`
/// fields (read and checked as any contact's) are applied, dated `at` when it changed;
/// `None` when nothing changes.
pub fn update_from_row(existing: &Contact, kind: Option<ContactKind>, incoming: &ContactFields, at: DateTime<Utc>) -> Option<Contact> {
    let mut after = existing.clone();
    let f = &mut after.fields;
    f.first_name.clone_from(&incoming.first_name);
    f.last_name.clone_from(&incoming.last_name);
    for e in &incoming.emails {
        if !f.emails.contains(e) && f.emails.len() < MAX_EMAILS {
            f.emails.push(e.clone());
        }
    }
    for p in &incoming.phones {
        if !f.phones.contains(p) && f.phones.len() < MAX_PHONES {
            f.phones.push(p.clone());
        }
    }
    for t in &incoming.tags {
        if f.tags.len() < MAX_TAGS {
            f.tags.insert(t.clone());
        }
    }
    replace(&mut f.organization_id, &incoming.organization_id);
    replace(&mut f.job_title, &incoming.job_title);
    replace(&mut f.source, &incoming.source);
    replace(&mut f.notes, &incoming.notes);
    replace(&mut f.external_id, &incoming.external_id);
    let (a, i) = (&mut f.address, &incoming.address);
    replace(&mut a.street, &i.street);
    replace(&mut a.postal_code, &i.postal_code);
    replace(&mut a.city, &i.city);
    replace(&mut a.country, &i.country);
    if let Some(k) = kind {
        after.set_kind(k, at);
    }
    if after.kind == existing.kind && after.fields == existing.fields {
        return None;
    }
    after.version = existing.version + 1;
    after.updated_at = at;
    Some(after)
}

fn replace<T: Clone>(kept: &mut Option<T>, given: &Option<T>) {
    if given.is_some() {
        kept.clone_from(given);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::contact::ContactInput;
    use crate::tenant::CountryCode;
    use crate::{ContactId, TenantId, UserId};

    const FR: CountryCode = CountryCode::FR;

    fn contact(input: &ContactInput) -> Contact {
        let (kind, fields) = input.parse(FR).unwrap();
        Contact {
            id: ContactId::from_uuid(uuid::Uuid::nil()),
            tenant_id: TenantId::from_uuid(uuid::Uuid::nil()),
            kind,
            owner_id: UserId::from_uuid(uuid::Uuid::nil()),
            lead: None,
            client_since: None,
            fields,
            score: 0,
            version: 3,
            created_at: DateTime::<Utc>::MIN_UTC,
            updated_at: DateTime::<Utc>::MIN_UTC,
        }
    }

    fn input(emails: &[&str], city: Option<&str>, tags: &[&str]) -> ContactInput {
        let mut i = ContactInput {
            kind: "prospect".into(),
            first_name: "Léa".into(),
            last_name: "Martin".into(),
            emails: emails.iter().map(|s| (*s).to_owned()).collect(),
            tags: tags.iter().map(|s| (*s).to_owned()).collect(),
            ..ContactInput::default()
        };
        i.address.city = city.map(str::to_owned);
        i
    }

    #[test]
    fn a_row_saying_nothing_new_changes_nothing() {
        let c = contact(&input(&["lea@a.fr", "l@b.fr"], Some("Lyon"), &["salon"]));
        let (_, same_row) = input(&["l@b.fr"], None, &["salon"]).parse(FR).unwrap();
        assert_eq!(update_from_row(&c, None, &same_row, DateTime::<Utc>::MAX_UTC), None);
        let (_, all) = input(&["lea@a.fr", "l@b.fr"], Some("Lyon"), &["salon"]).parse(FR).unwrap();
        assert_eq!(
            update_from_row(&c, Some(ContactKind::Prospect), &all, DateTime::<Utc>::MAX_UTC),
            None
        );
    }

    #[test]
    fn given_values_replace_lists_grow_and_empty_cells_keep() {
        let c = contact(&input(&["lea@a.fr"], Some("Lyon"), &["salon"]));
        let (_, row) = input(&["new@c.fr"], None, &["vip"]).parse(FR).unwrap();
        let after = update_from_row(&c, Some(ContactKind::Client), &row, DateTime::<Utc>::MAX_UTC).unwrap();
        let emails: Vec<&str> = after.fields.emails.iter().map(|e| e.as_str()).collect();
        assert_eq!(emails, ["lea@a.fr", "new@c.fr"]);
        assert_eq!(after.fields.address.city.as_ref().map(|c| c.as_str()), Some("Lyon"));
        assert_eq!(after.fields.tags.len(), 2);
        assert_eq!((after.kind, after.version), (ContactKind::Client, 4));
        assert_eq!(after.client_since, Some(DateTime::<Utc>::MAX_UTC));
        let (_, moved) = input(&[], Some("Paris"), &[]).parse(FR).unwrap();
        let after = update_from_row(&c, None, &moved, DateTime::<Utc>::MAX_UTC).unwrap();
        assert_eq!(after.fields.address.city.as_ref().map(|c| c.as_str()), Some("Paris"));
        assert_eq!(after.fields.emails, c.fields.emails);
    }
}
