//! Likely duplicates of contacts being made, for one contact or a piece of an import at
//! once, in three queries whatever the number of probes: the contacts sharing one of their
//! blind indexes, the name keys of the contacts whose names could be similar (read without
//! decrypting anything), then only the contacts that match, decrypted once each. A common
//! last name no longer means decrypting hundreds of contacts per probe.

use crate::SqlStore;
use crate::contact_sql::select_contacts;
use crate::db::{Mode, On};
use crate::scope::contact_in_scope;
use crm_domain::contact::Contact;
use crm_domain::duplicates::{name_keys, names_similar};
use crm_domain::visibility::RecordScope;
use crm_domain::{ContactId, TenantId};
use crm_ports::store::{CandidateRow, ProbeCandidates};
use crm_ports::{Cipher, StoreError};
use sea_query::{Expr, ExprTrait, Query, SelectStatement};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// What is done of the contacts whose names only are similar to a probe's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Names {
    /// Read whole with the others (a contact made by hand: the form shows them).
    Decrypted,
    /// Only their ids (an import: a close name is a reason, nothing more is needed).
    IdsOnly,
    /// Not looked for (an import that creates close names anyway).
    Skip,
}

/// Most candidates kept for one probe.
const MAX_PER_PROBE: usize = 500;

/// The blind-index column the lookups are matched on.
pub(crate) const HASH: (&str, &str) = ("contact_lookups", "hash");

/// The contacts holding a blind index of `field`, with the hash (narrowed to the probes'
/// hashes on [`HASH`]).
pub(crate) fn holders_of(tenant: TenantId, field: &str) -> SelectStatement {
    Query::select()
        .columns([("contact_lookups", "contact_id"), ("contact_lookups", "hash")])
        .from("contact_lookups")
        .and_where(Expr::col(("contact_lookups", "tenant_id")).eq(tenant.as_uuid()))
        .and_where(Expr::col(("contact_lookups", "field")).eq(field))
        .to_owned()
}

/// The name keys of the tenant's contacts (narrowed to the probes' names on
/// `contacts.last_fold` or `contacts.first_fold`).
pub(crate) fn name_keys_of(tenant: TenantId) -> SelectStatement {
    Query::select()
        .columns([("contacts", "id"), ("contacts", "first_fold"), ("contacts", "last_fold")])
        .from("contacts")
        .and_where(Expr::col(("contacts", "tenant_id")).eq(tenant.as_uuid()))
        .and_where(Expr::col(("contacts", "deleted_at")).is_null())
        .to_owned()
}

impl<C: Cipher> SqlStore<C> {
    /// For each probe, in order: the contacts of the tenant (all scopes, not deleted) that
    /// have its external id, share one of its blind indexes or whose names are similar to
    /// its own, each marked
    /// visible or not for `visibility`; at most 500 a probe.
    pub(crate) async fn candidates_of(
        &self,
        tenant: TenantId,
        visibility: RecordScope,
        probes: &[&Contact],
        names: Names,
    ) -> Result<Vec<ProbeCandidates>, StoreError> {
        let t = tenant.as_uuid();
        let hashes: Vec<Vec<(&str, Vec<u8>)>> = probes
            .iter()
            .map(|p| {
                let f = &p.fields;
                f.emails
                    .iter()
                    .map(|e| ("email", self.blind(tenant, "email", e.as_str())))
                    .chain(f.phones.iter().map(|n| ("phone", self.blind(tenant, "phone", n.as_str()))))
                    .collect()
            })
            .collect();
        let keys: Vec<(String, String)> = probes
            .iter()
            .map(|p| name_keys(p.fields.first_name.as_str(), p.fields.last_name.as_str()))
            .collect();
        let mut tx = self.pool.begin(On::Tenant(tenant), Mode::Read).await?;

        // Who holds each hash (by field and hash: the lookups' key, so each is one seek).
        let mut by_hash: HashMap<Vec<u8>, Vec<Uuid>> = HashMap::new();
        for field in ["email", "phone"] {
            let of_field: Vec<Vec<u8>> = hashes
                .iter()
                .flatten()
                .filter(|(f, _)| *f == field)
                .map(|(_, h)| h.clone())
                .collect();
            for r in tx.fetch_matching(&holders_of(tenant, field), HASH, &of_field).await? {
                by_hash
                    .entry(r.get::<Vec<u8>>("hash")?)
                    .or_default()
                    .push(r.get::<Uuid>("contact_id")?);
            }
        }

        // Who holds each external id.
        let externals: Vec<String> = probes
            .iter()
            .filter_map(|p| p.fields.external_id.as_ref().map(|x| x.as_str().to_owned()))
            .collect();
        let mut by_external: HashMap<String, Uuid> = HashMap::new();
        let q = Query::select()
            .columns([("contacts", "id"), ("contacts", "external_id")])
            .from("contacts")
            .and_where(Expr::col(("contacts", "tenant_id")).eq(t))
            .and_where(Expr::col(("contacts", "deleted_at")).is_null())
            .to_owned();
        for r in tx.fetch_matching(&q, ("contacts", "external_id"), &externals).await? {
            by_external.insert(r.get("external_id")?, r.get("id")?);
        }

        // The name keys of the contacts whose folded last name is one of the probes' first
        // or last names, or whose folded first name is one of their last names (read
        // without decrypting anything). `fetch_matching` takes each value once.
        let set = |v: Vec<&String>| -> Vec<String> { v.into_iter().filter(|s| !s.is_empty()).cloned().collect() };
        let (lasts, any) = if names == Names::Skip {
            (Vec::new(), Vec::new())
        } else {
            (
                set(keys.iter().map(|(_, l)| l).collect()),
                set(keys.iter().flat_map(|(f, l)| [f, l]).collect()),
            )
        };
        let mut named: Vec<(Uuid, String, String)> = Vec::new();
        let mut seen_named = HashSet::new();
        for (column, values) in [("last_fold", &any), ("first_fold", &lasts)] {
            for r in tx.fetch_matching(&name_keys_of(tenant), ("contacts", column), values).await? {
                let id: Uuid = r.get("id")?;
                if seen_named.insert(id) {
                    named.push((id, r.get("first_fold")?, r.get("last_fold")?));
                }
            }
        }
        let mut by_last: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut by_first: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, (_, first, last)) in named.iter().enumerate() {
            by_last.entry(last.as_str()).or_default().push(i);
            by_first.entry(first.as_str()).or_default().push(i);
        }

        // Each probe's candidates, by id (those that only have a similar name apart, when
        // they are not to be read whole).
        let mut wanted: Vec<Vec<Uuid>> = Vec::with_capacity(probes.len());
        let mut similar: Vec<Vec<Uuid>> = Vec::with_capacity(probes.len());
        for (i, (first, last)) in keys.iter().enumerate() {
            let external = probes[i].fields.external_id.as_ref().and_then(|x| by_external.get(x.as_str()));
            let mut ids: Vec<Uuid> = external.into_iter().copied().collect();
            ids.extend(hashes[i].iter().filter_map(|(_, h)| by_hash.get(h)).flatten().copied());
            let near = [by_last.get(last.as_str()), by_last.get(first.as_str()), by_first.get(last.as_str())]
                .into_iter()
                .flatten()
                .flatten()
                .map(|&j| &named[j])
                .filter(|(_, f, l)| names_similar(first, last, f, l))
                .map(|(id, _, _)| *id);
            let mut seen = HashSet::new();
            ids.retain(|id| seen.insert(*id));
            let mut near: Vec<Uuid> = near.filter(|id| seen.insert(*id)).collect();
            if names == Names::Decrypted {
                ids.append(&mut near);
            }
            ids.truncate(MAX_PER_PROBE);
            near.truncate(MAX_PER_PROBE);
            wanted.push(ids);
            similar.push(near);
        }

        // Those contacts, read and decrypted once each.
        let all: Vec<Uuid> = wanted.iter().flatten().copied().collect();
        let mut found: HashMap<Uuid, CandidateRow> = HashMap::new();
        let mut q = select_contacts(tenant);
        q.expr_as(contact_in_scope(tenant, visibility), "visible");
        for r in tx.fetch_matching(&q, ("contacts", "id"), &all).await? {
            let contact = self.contact_from_row(tenant, &r)?;
            found.insert(
                contact.id.as_uuid(),
                CandidateRow {
                    contact,
                    visible: r.get::<bool>("visible")?,
                },
            );
        }
        tx.commit().await?;
        Ok(wanted
            .into_iter()
            .zip(similar)
            .map(|(ids, near)| ProbeCandidates {
                rows: ids.iter().filter_map(|id| found.get(id).cloned()).collect(),
                similar: near.into_iter().map(ContactId::from_uuid).collect(),
            })
            .collect())
    }
}
