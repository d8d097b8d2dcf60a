//! The file of an import: its stored record and its bytes (sealed on disk) read as a
//! table, refused past the size an import takes.

use super::progress::MAX_IMPORT_BYTES;
use crate::error::{ServiceError, StoreError};
use crate::files::FileStorage;
use crate::store::{FileRecord, FileRecordStore};
use crate::tables::{TableReader, TableRows};
use crm_domain::{TenantId, ValidationError, ViolationKind};
use uuid::Uuid;

/// The file of an import read as a table.
pub(super) async fn read_file<S: FileRecordStore, F: FileStorage + ?Sized, T: TableReader + ?Sized>(
    store: &S,
    files: &F,
    tables: &T,
    tenant: TenantId,
    id: Uuid,
) -> Result<TableRows, ServiceError> {
    let record = store.file(tenant, id, None).await.map_err(|e| match e {
        StoreError::NotFound => ValidationError::field("file_id", ViolationKind::Unknown).into(),
        other => ServiceError::from(other),
    })?;
    read_table(files, tables, &record).await
}

/// A stored file read as a table.
pub(super) async fn read_table<F: FileStorage + ?Sized, T: TableReader + ?Sized>(
    files: &F,
    tables: &T,
    record: &FileRecord,
) -> Result<TableRows, ServiceError> {
    if record.size > MAX_IMPORT_BYTES {
        return Err(ValidationError::field("file", ViolationKind::TooLarge).into());
    }
    let mut chunks = files
        .read(record.tenant_id, record.id)
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?;
    let mut bytes = Vec::with_capacity(usize::try_from(record.size).unwrap_or(0));
    while let Some(chunk) = std::future::poll_fn(|cx| futures_core::Stream::poll_next(chunks.as_mut(), cx)).await {
        bytes.extend(chunk.map_err(|e| ServiceError::Internal(e.to_string()))?);
    }
    tables
        .read_table(&record.name, &bytes)
        .map_err(|_| ValidationError::field("file", ViolationKind::Malformed).into())
}
