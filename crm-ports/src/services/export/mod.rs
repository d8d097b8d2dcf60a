//! Exporting records: the contacts a list shows (its filters, segment and the actor's
//! visibility), organizations, opportunities and activities (`records.rs`), page by page so
//! that a large export never holds every record, as rows of typed cells an adapter writes
//! as CSV or XLSX. The contacts' columns are those an import reads back
//! (`crm_domain::import` guesses them from the headers), so exporting then importing the
//! file changes nothing.

use crate::app::{App, scope, tenant_of};
use crate::error::ServiceError;
use crate::query::{ContactFilter, OpportunityFilter, PageRequest};
use crate::store::{ActivityStore, ContactStore, OpportunityStore, OrganizationStore, PipelineStore, UserStore};
use crate::tables::Cell;
use crm_domain::contact::Contact;
use crm_domain::visibility::Owned;
use crm_domain::{Actor, OrganizationId, UserId};
use std::collections::HashMap;

mod records;

pub use records::{ACTIVITY_COLUMNS, OPPORTUNITY_COLUMNS, ORGANIZATION_COLUMNS};
use records::{Lookup, Source, first_page};

/// The columns of a contact export, by code (the headers are their translations).
pub const CONTACT_COLUMNS: [&str; 22] = [
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
    "email_opt_out",
    "phone_opt_out",
    "owner",
    "created_at",
    "updated_at",
];

/// How lists of values (emails, phones, tags) are joined in one cell; the import splits
/// them on commas and semicolons.
pub(super) const LIST_SEPARATOR: &str = ", ";

/// Writes the label of a code in the reader's language (`kind_prospect`, `status_won`,
/// `activity_task`, `priority_high`, `size_small`, `yes`...).
pub type Labels = Box<dyn Fn(&str) -> String + Send + Sync>;

/// What is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// Contacts.
    Contacts,
    /// Organizations.
    Organizations,
    /// Opportunities.
    Opportunities,
    /// Activities.
    Activities,
}

impl ExportKind {
    /// Every kind, in the order a company's export writes them.
    pub const ALL: [Self; 4] = [Self::Organizations, Self::Contacts, Self::Opportunities, Self::Activities];

    /// Stable code (`contacts`...), also the name of its file in a company's export.
    pub const fn code(self) -> &'static str {
        match self {
            Self::Contacts => "contacts",
            Self::Organizations => "organizations",
            Self::Opportunities => "opportunities",
            Self::Activities => "activities",
        }
    }

    /// The columns of its export, by code (the headers are their translations).
    pub const fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Contacts => &CONTACT_COLUMNS,
            Self::Organizations => &ORGANIZATION_COLUMNS,
            Self::Opportunities => &OPPORTUNITY_COLUMNS,
            Self::Activities => &ACTIVITY_COLUMNS,
        }
    }
}

enum Inner {
    Contacts {
        filter: ContactFilter,
        organizations: HashMap<OrganizationId, (String, Option<String>)>,
        owners: HashMap<UserId, String>,
    },
    Records {
        source: Source,
        lookup: Lookup,
    },
}

/// An export under way: what it reads, where it stands, and the names it writes in place
/// of ids (organizations, owners, stages), loaded once.
pub struct Export {
    kind: ExportKind,
    inner: Inner,
    page: PageRequest,
    labels: Labels,
    done: bool,
    /// Rows given so far.
    pub rows: u64,
}

impl std::fmt::Debug for Export {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Export")
            .field("kind", &self.kind)
            .field("rows", &self.rows)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl Export {
    /// What it exports.
    pub const fn kind(&self) -> ExportKind {
        self.kind
    }
}

fn contact_row(
    c: &Contact,
    organizations: &HashMap<OrganizationId, (String, Option<String>)>,
    owners: &HashMap<UserId, String>,
    labels: &Labels,
) -> Vec<Cell> {
    let f = &c.fields;
    let join = |items: Vec<&str>| Cell::text(items.join(LIST_SEPARATOR));
    let org = f.organization_id.and_then(|id| organizations.get(&id));
    vec![
        Cell::Text(c.id.to_string()),
        Cell::opt(f.external_id.as_ref().map(|x| x.as_str())),
        Cell::Text(labels(&format!("kind_{}", c.kind.code()))),
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
        Cell::Text(labels(if f.email_opt_out { "yes" } else { "no" })),
        Cell::Text(labels(if f.phone_opt_out { "yes" } else { "no" })),
        Cell::opt(owners.get(&c.owner_id)),
        Cell::Instant(c.created_at),
        Cell::Instant(c.updated_at),
    ]
}

/// Exporting records.
impl<S, K, C, I> App<S, K, C, I>
where
    S: ActivityStore + ContactStore + OpportunityStore + OrganizationStore + PipelineStore + UserStore + crate::store::PrivacyStore,
    C: crate::env::Clock,
    I: crate::env::IdGenerator,
{
    /// Starts exporting the contacts the actor may see that pass `filter`, oldest first,
    /// codes written by `labels` (in the reader's language).
    ///
    /// # Errors
    /// `Forbidden` for the platform operator; `Invalid` for a bad filter.
    pub async fn contact_export(&self, actor: &Actor, filter: ContactFilter, labels: Labels) -> Result<Export, ServiceError> {
        scope(actor, Owned::Contact)?;
        filter.check()?;
        let tenant = tenant_of(actor)?;
        let mut organizations = HashMap::new();
        for o in self.all_organizations(tenant).await? {
            organizations.insert(o.id, (o.name.as_str().to_owned(), o.domain.map(|d| d.as_str().to_owned())));
        }
        let owners = self
            .store
            .list_users(tenant)
            .await?
            .into_iter()
            .map(|u| (u.id, u.email.as_str().to_owned()))
            .collect();
        Ok(Export {
            kind: ExportKind::Contacts,
            inner: Inner::Contacts {
                filter,
                organizations,
                owners,
            },
            page: first_page(),
            labels,
            done: false,
            rows: 0,
        })
    }

    /// Starts exporting organizations (every role sees them all), opportunities (those
    /// the actor may see that pass `filter`) or activities (those concerning a record the
    /// actor may see, or assigned to them), oldest first.
    ///
    /// # Errors
    /// `Forbidden` for the platform operator, and for opportunities to a role that sees
    /// none (Marketing); `Invalid` for a bad filter; `Invalid` on `kind` for contacts
    /// (see [`App::contact_export`]).
    pub async fn record_export(
        &self,
        actor: &Actor,
        kind: ExportKind,
        filter: OpportunityFilter,
        labels: Labels,
    ) -> Result<Export, ServiceError> {
        let source = match kind {
            ExportKind::Organizations => Source::Organizations,
            ExportKind::Opportunities => Source::Opportunities(filter),
            ExportKind::Activities => Source::Activities(crate::services::activities::activity_scope(actor)?),
            ExportKind::Contacts => {
                return Err(crm_domain::ValidationError::field("kind", crm_domain::ViolationKind::Unknown).into());
            }
        };
        let source = records::export_source(actor, source)?;
        let lookup = self.export_lookup(actor).await?;
        Ok(Export {
            kind,
            inner: Inner::Records { source, lookup },
            page: first_page(),
            labels,
            done: false,
            rows: 0,
        })
    }

    /// The next rows of an export, `None` once every record was given.
    ///
    /// # Errors
    /// Store failures.
    pub async fn next_export_rows(&self, actor: &Actor, export: &mut Export) -> Result<Option<Vec<Vec<Cell>>>, ServiceError> {
        if export.done {
            return Ok(None);
        }
        let (rows, next) = match &export.inner {
            Inner::Contacts {
                filter,
                organizations,
                owners,
            } => {
                let p = self
                    .store
                    .list_contacts(scope(actor, Owned::Contact)?, filter, &export.page)
                    .await?;
                let rows = p
                    .items
                    .iter()
                    .map(|c| contact_row(c, organizations, owners, &export.labels))
                    .collect();
                (rows, p.next_cursor)
            }
            Inner::Records { source, lookup } => self.next_record_rows(actor, source, &export.page, &export.labels, lookup).await?,
        };
        match next {
            Some(c) => export.page.cursor = Some(c),
            None => export.done = true,
        }
        let rows: Vec<Vec<Cell>> = rows;
        export.rows += rows.len() as u64;
        // A list of contacts given out: the access log says who and how many.
        if export.done && export.kind == ExportKind::Contacts {
            let n = u32::try_from(export.rows).unwrap_or(u32::MAX);
            self.record_access(actor, crm_domain::access_log::AccessKind::Export, None, n)
                .await?;
        }
        if rows.is_empty() && export.done {
            return Ok(None);
        }
        Ok(Some(rows))
    }
}
