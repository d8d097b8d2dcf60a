//! Writing the index: applying changes, committing them with the tenants' cursors in the
//! payload, the writer and its merge policy, and wiping an index of another layout.

use crate::document::to_document;
use crate::layout::{LAYOUT_VERSION, Payload};
use crate::query::term;
use crate::{Inner, OpenError, index_error, unusable};
use crm_domain::TenantId;
use crm_ports::search::{IndexChanges, SearchError};
use std::collections::HashMap;
use std::path::Path;
use tantivy::query::{BooleanQuery, Occur};
use tantivy::{Index, IndexWriter, Term};

/// Commits what the writer holds with `payload`; rolls back on failure.
pub(crate) fn commit_with(w: &mut IndexWriter, payload: &str) -> Result<(), SearchError> {
    let mut prepared = match w.prepare_commit() {
        Ok(p) => p,
        Err(e) => {
            let _ = w.rollback();
            return Err(index_error(e));
        }
    };
    prepared.set_payload(payload);
    if let Err(e) = prepared.commit() {
        let _ = w.rollback();
        return Err(index_error(e));
    }
    Ok(())
}

fn payload_json(cursors: &HashMap<TenantId, i64>) -> Result<String, SearchError> {
    let payload = Payload {
        version: LAYOUT_VERSION,
        cursors: cursors.iter().map(|(t, s)| (t.as_uuid(), *s)).collect(),
    };
    serde_json::to_string(&payload).map_err(index_error)
}

/// Segments of one size merged together: fewer than tantivy's eight, because every
/// search walks each segment (its term dictionaries for typos, its postings for every
/// term) and a rebuild commits every few thousand documents.
const SEGMENTS_PER_MERGE: usize = 4;

pub(crate) fn writer(index: &Index, bytes: usize, dir: &Path) -> Result<IndexWriter, OpenError> {
    let w = index.writer_with_num_threads(1, bytes).map_err(|e| match e {
        tantivy::TantivyError::LockFailure(..) => OpenError::Busy(dir.to_owned()),
        other => unusable(dir, other),
    })?;
    let mut policy = tantivy::merge_policy::LogMergePolicy::default();
    policy.set_min_num_segments(SEGMENTS_PER_MERGE);
    w.set_merge_policy(Box::new(policy));
    Ok(w)
}

pub(crate) fn read_payload(index: &Index) -> Option<Payload> {
    let metas = index.load_metas().ok()?;
    serde_json::from_str(metas.payload.as_deref()?).ok()
}

/// Removes the index files (not the directory, not foreign files).
pub(crate) fn wipe(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = name == "meta.json"
            || name == ".managed.json"
            || name.ends_with(".idx")
            || name.ends_with(".pos")
            || name.ends_with(".term")
            || name.ends_with(".store")
            || name.ends_with(".fast")
            || name.ends_with(".fieldnorm")
            || name.ends_with(".del");
        if ours && entry.file_type()?.is_file() {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

impl Inner {
    /// The commit payload for the cursors as they stand.
    pub(crate) fn payload(&self) -> Result<String, SearchError> {
        let cursors = self.cursors.read().map_err(|_| SearchError::Index("cursor lock poisoned".into()))?;
        payload_json(&cursors)
    }

    pub(crate) fn apply(&self, changes: IndexChanges) -> Result<(), SearchError> {
        let f = &self.fields;
        let mut cursors = self
            .cursors
            .read()
            .map_err(|_| SearchError::Index("cursor lock poisoned".into()))?
            .clone();
        let mut w = self.writer.lock().map_err(|_| SearchError::Index("writer lock poisoned".into()))?;
        for id in &changes.deletes {
            w.delete_term(Term::from_field_text(f.id, &id.to_string()));
        }
        let build = changes.rebuild.map(|r| r.id.to_string());
        for d in &changes.upserts {
            w.delete_term(Term::from_field_text(f.id, &d.id.to_string()));
            let mut doc = to_document(f, d);
            if let Some(b) = &build {
                doc.add_text(f.build, b);
            }
            if let Err(e) = w.add_document(doc) {
                let _ = w.rollback();
                return Err(index_error(e));
            }
        }
        if let Some(r) = changes.rebuild {
            // Until its last step, a rebuild leaves the tenant without a cursor: cut
            // short, it starts again. The last step drops what it did not write.
            cursors.remove(&r.tenant_id);
            if r.last {
                let stale = BooleanQuery::new(vec![
                    (Occur::Must, term(f.tenant, &r.tenant_id.to_string())),
                    (Occur::MustNot, term(f.build, &r.id.to_string())),
                ]);
                if let Err(e) = w.delete_query(Box::new(stale)) {
                    let _ = w.rollback();
                    return Err(index_error(e));
                }
            }
        }
        for (t, seq) in &changes.cursors {
            cursors.insert(*t, *seq);
        }
        commit_with(&mut w, &payload_json(&cursors)?)?;
        drop(w);
        self.reader.reload().map_err(index_error)?;
        *self
            .cursors
            .write()
            .map_err(|_| SearchError::Index("cursor lock poisoned".into()))? = cursors;
        Ok(())
    }
}
