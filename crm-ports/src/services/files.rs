//! Stored files: uploads (the first step of an import) and, later, generated exports. The
//! bytes stream through the file port ([`FileStorage`]) to disk, sealed, never whole in
//! memory; the store keeps what each file is. A file is its owner's; an Admin sees every
//! file of the company.

use crate::app::{App, require, tenant_of};
use crate::env::{Clock, IdGenerator};
use crate::error::{ServiceError, StoreError};
use crate::files::{Chunks, FileError, FileStorage, Source};
use crate::store::{FileRecord, FileRecordStore};
use crm_domain::event::{EntityType, EventKind, FieldChange, Sensitivity};
use crm_domain::user::Role;
use crm_domain::visibility::Capability;
use crm_domain::{Actor, UserId, ValidationError, ViolationKind};
use uuid::Uuid;

/// Longest file name kept.
pub const MAX_NAME_CHARS: usize = 255;

/// The media type of a file, from its name's extension.
pub fn content_type_of(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "csv" => "text/csv",
        "tsv" => "text/tab-separated-values",
        "txt" => "text/plain",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "xls" => "application/vnd.ms-excel",
        "ods" => "application/vnd.oasis.opendocument.spreadsheet",
        "pdf" => "application/pdf",
        "json" => "application/json",
        "vcf" => "text/vcard",
        _ => "application/octet-stream",
    }
}

/// A file name as kept: trimmed, no path, no control characters, at most
/// [`MAX_NAME_CHARS`] characters.
///
/// # Errors
/// `name: required` when nothing is left, `name: too_long`.
pub fn clean_name(name: &str) -> Result<String, ValidationError> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        return Err(ValidationError::field("name", ViolationKind::Required));
    }
    if cleaned.chars().count() > MAX_NAME_CHARS {
        return Err(ValidationError::field("name", ViolationKind::TooLong));
    }
    Ok(cleaned.to_owned())
}

impl From<FileError> for ServiceError {
    fn from(e: FileError) -> Self {
        match e {
            FileError::TooLarge { .. } => ValidationError::field("file", ViolationKind::TooLarge).into(),
            FileError::NotFound => ServiceError::NotFound,
            other => ServiceError::Internal(other.to_string()),
        }
    }
}

/// Whose files the actor reads: their own, or (Admin) everyone's.
fn owner_filter(actor: &Actor) -> Option<UserId> {
    match actor {
        Actor::User { role: Role::Admin, .. } | Actor::System { .. } => None,
        other => other.user_id(),
    }
}

impl<S: FileRecordStore, K, C: Clock, I: IdGenerator> App<S, K, C, I> {
    /// Stores an uploaded file: its bytes streamed to `files` (at most `max` bytes), then
    /// its record with an event. A failure leaves neither.
    ///
    /// # Errors
    /// `Forbidden` (Observer), `Invalid` (`name`, or `file: too_large`).
    pub async fn upload_file<F: FileStorage + ?Sized>(
        &self,
        actor: &Actor,
        files: &F,
        name: &str,
        source: Source<'_>,
        max: u64,
    ) -> Result<FileRecord, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::UploadFiles)?;
        let name = clean_name(name)?;
        let id = self.new_id();
        let written = files.write(tenant, id, source, max).await?;
        let record = FileRecord {
            id,
            tenant_id: tenant,
            content_type: content_type_of(&name).to_owned(),
            size: written.size,
            sha256: written.sha256.iter().map(|b| format!("{b:02x}")).collect(),
            created_by: actor.user_id(),
            created_at: self.clock.now(),
            name,
        };
        let ev = self.event(
            actor,
            EntityType::File,
            id,
            EventKind::Created,
            actor.user_id().map(|u| u.as_uuid()),
            vec![
                FieldChange {
                    field: "name",
                    before: None,
                    after: Some(serde_json::Value::String(record.name.clone())),
                    sensitivity: Sensitivity::Sensitive,
                },
                FieldChange {
                    field: "size",
                    before: None,
                    after: Some(serde_json::Value::from(record.size)),
                    sensitivity: Sensitivity::Clear,
                },
            ],
        );
        if let Err(e) = self.store.create_file(&record, &ev).await {
            if let Err(d) = files.delete(tenant, id).await {
                tracing::warn!(%tenant, %id, error = %d, "file without record left behind");
            }
            return Err(e.into());
        }
        Ok(record)
    }

    /// One of the actor's files (an Admin: any of the company's).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden` (Observer).
    pub async fn file(&self, actor: &Actor, id: Uuid) -> Result<FileRecord, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::UploadFiles)?;
        Ok(self.store.file(tenant, id, owner_filter(actor)).await?)
    }

    /// The actor's files, newest first (an Admin: the company's).
    ///
    /// # Errors
    /// `Forbidden` (Observer).
    pub async fn files(&self, actor: &Actor, limit: u32) -> Result<Vec<FileRecord>, ServiceError> {
        let tenant = tenant_of(actor)?;
        require(actor, Capability::UploadFiles)?;
        Ok(self.store.files(tenant, owner_filter(actor), limit.clamp(1, 500)).await?)
    }

    /// A file and its content, read piece by piece.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn file_content<F: FileStorage + ?Sized>(
        &self,
        actor: &Actor,
        files: &F,
        id: Uuid,
    ) -> Result<(FileRecord, Chunks), ServiceError> {
        let record = self.file(actor, id).await?;
        let chunks = files.read(record.tenant_id, id).await?;
        Ok((record, chunks))
    }

    /// Deletes one of the actor's files (an Admin: any), record and bytes.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn delete_file<F: FileStorage + ?Sized>(&self, actor: &Actor, files: &F, id: Uuid) -> Result<(), ServiceError> {
        let record = self.file(actor, id).await?;
        let ev = self.event(
            actor,
            EntityType::File,
            id,
            EventKind::Deleted,
            record.created_by.map(|u| u.as_uuid()),
            Vec::new(),
        );
        match self.store.delete_file(record.tenant_id, id, &ev).await {
            Ok(()) | Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        files.delete(record.tenant_id, id).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_control_characters() {
        assert_eq!(clean_name("C:\\Users\\léa\\Contacts été.csv").as_deref(), Ok("Contacts été.csv"));
        assert_eq!(clean_name("../../etc/passwd").as_deref(), Ok("passwd"));
        assert_eq!(clean_name(" a\u{0}b\n.xlsx ").as_deref(), Ok("ab.xlsx"));
        assert!(clean_name("  ").is_err());
        assert!(clean_name("dir/").is_err());
        assert!(clean_name(&"x".repeat(256)).is_err());
        assert!(clean_name(&"é".repeat(255)).is_ok());
    }

    #[test]
    fn types_come_from_the_extension() {
        assert_eq!(content_type_of("Export.CSV"), "text/csv");
        assert_eq!(
            content_type_of("a.b.xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(content_type_of("noext"), "application/octet-stream");
    }
}
