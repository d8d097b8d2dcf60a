//! Exporting contacts: the contacts a list shows (its filters, segment and the actor's
//! visibility), page by page so that a large export never holds every contact, as rows of
//! typed cells an adapter writes as CSV or XLSX. The columns are those an import reads
//! back (`crm_domain::import` guesses them from the headers), so exporting then
//! importing the file changes nothing.

use crate::app::{App, scope, tenant_of};
use crate::error::ServiceError;
use crate::query::{ContactFilter, MAX_PAGE_SIZE, PageRequest, SortKey};
use crate::store::{ContactStore, OrganizationStore, UserStore};
use crate::tables::Cell;
use crm_domain::contact::{Contact, ContactKind};
use crm_domain::visibility::Owned;
use crm_domain::{Actor, OrganizationId, UserId};
use std::collections::HashMap;

/// The columns of a contact export, by code (the headers are their translations).
pub const CONTACT_COLUMNS: [&str; 20] = [
    "id",
    "external_id",
    "kind",
    "first_name",
    "last_name",
    "email",
    "phone",
    "job_title",
    "organization",
    "website",
    "street",
    "postal_code",
    "city",
    "country",
    "tags",
    "source",
    "notes",
    "owner",
    "created_at",
    "updated_at",
];

/// How lists of values (emails, phones, tags) are joined in one cell; the import splits
/// them on commas and semicolons.
const LIST_SEPARATOR: &str = ", ";

/// An export under way: its filter, where it stands, and the names it writes in place of
/// ids (organizations, owners), loaded once.
pub struct ContactExport {
    filter: ContactFilter,
    page: PageRequest,
    organizations: HashMap<OrganizationId, (String, Option<String>)>,
    owners: HashMap<UserId, String>,
    kind_label: Box<dyn Fn(ContactKind) -> String + Send + Sync>,
    done: bool,
    /// Rows given so far.
    pub rows: u64,
}

impl std::fmt::Debug for ContactExport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContactExport")
            .field("rows", &self.rows)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl ContactExport {
    fn row(&self, c: &Contact) -> Vec<Cell> {
        let f = &c.fields;
        let join = |items: Vec<&str>| Cell::text(items.join(LIST_SEPARATOR));
        let org = f.organization_id.and_then(|id| self.organizations.get(&id));
        vec![
            Cell::Text(c.id.to_string()),
            Cell::opt(f.external_id.as_ref().map(|x| x.as_str())),
            Cell::Text((self.kind_label)(c.kind)),
            Cell::text(f.first_name.as_str()),
            Cell::text(f.last_name.as_str()),
            join(f.emails.iter().map(|e| e.as_str()).collect()),
            join(f.phones.iter().map(|p| p.as_str()).collect()),
            Cell::opt(f.job_title.as_ref().map(|t| t.as_str())),
            Cell::opt(org.map(|(name, _)| name)),
            Cell::opt(org.and_then(|(_, site)| site.as_ref())),
            Cell::opt(f.address.street.as_ref().map(|s| s.as_str())),
            Cell::opt(f.address.postal_code.as_ref().map(|s| s.as_str())),
            Cell::opt(f.address.city.as_ref().map(|s| s.as_str())),
            Cell::opt(f.address.country.as_ref().map(|s| s.as_str())),
            join(f.tags.iter().map(|t| t.as_str()).collect()),
            Cell::opt(f.source.as_ref().map(|s| s.as_str())),
            Cell::opt(f.notes.as_ref().map(|s| s.as_str())),
            Cell::opt(self.owners.get(&c.owner_id)),
            Cell::Instant(c.created_at),
            Cell::Instant(c.updated_at),
        ]
    }
}

/// Exporting contacts.
impl<S: ContactStore + OrganizationStore + UserStore, K, C, I> App<S, K, C, I> {
    /// Starts exporting the contacts the actor may see that pass `filter`, oldest first,
    /// the kind written by `kind_label` (in the reader's language).
    ///
    /// # Errors
    /// `Forbidden` for the platform operator; `Invalid` for a bad filter.
    pub async fn contact_export(
        &self,
        actor: &Actor,
        filter: ContactFilter,
        kind_label: Box<dyn Fn(ContactKind) -> String + Send + Sync>,
    ) -> Result<ContactExport, ServiceError> {
        scope(actor, Owned::Contact)?;
        filter.check()?;
        let tenant = tenant_of(actor)?;
        let mut organizations = HashMap::new();
        let mut page = PageRequest {
            limit: Some(MAX_PAGE_SIZE),
            ..PageRequest::default()
        };
        loop {
            let p = self.store.list_organizations(tenant, &page).await?;
            for o in p.items {
                organizations.insert(o.id, (o.name.as_str().to_owned(), o.domain.map(|d| d.as_str().to_owned())));
            }
            match p.next_cursor {
                Some(c) => page.cursor = Some(c),
                None => break,
            }
        }
        let owners = self
            .store
            .list_users(tenant)
            .await?
            .into_iter()
            .map(|u| (u.id, u.email.as_str().to_owned()))
            .collect();
        Ok(ContactExport {
            filter,
            page: PageRequest {
                sort: SortKey::CreatedAt,
                limit: Some(MAX_PAGE_SIZE),
                ..PageRequest::default()
            },
            organizations,
            owners,
            kind_label,
            done: false,
            rows: 0,
        })
    }

    /// The next rows of an export, `None` once every contact was given.
    ///
    /// # Errors
    /// Store failures.
    pub async fn next_contact_rows(&self, actor: &Actor, export: &mut ContactExport) -> Result<Option<Vec<Vec<Cell>>>, ServiceError> {
        if export.done {
            return Ok(None);
        }
        let p = self
            .store
            .list_contacts(scope(actor, Owned::Contact)?, &export.filter, &export.page)
            .await?;
        match p.next_cursor {
            Some(c) => export.page.cursor = Some(c),
            None => export.done = true,
        }
        let rows: Vec<Vec<Cell>> = p.items.iter().map(|c| export.row(c)).collect();
        export.rows += rows.len() as u64;
        if rows.is_empty() && export.done {
            return Ok(None);
        }
        Ok(Some(rows))
    }
}
