//! Store port of the files' records: what each stored file is (name, type, size, digest,
//! who put it there); the bytes are the file port's ([`crate::files::FileStorage`]).

use super::StoreResult;
use chrono::{DateTime, Utc};
use crm_domain::event::NewEvent;
use crm_domain::{TenantId, UserId};
use std::future::Future;
use uuid::Uuid;

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRecord {
    /// Id (also its name in the file storage).
    pub id: Uuid,
    /// Tenant.
    pub tenant_id: TenantId,
    /// The name it was given (sealed at rest: names often carry a person's).
    pub name: String,
    /// Its media type, from its name.
    pub content_type: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the content, hexadecimal.
    pub sha256: String,
    /// Who put it there (`None`: the system, for generated files).
    pub created_by: Option<UserId>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Records of stored files.
pub trait FileRecordStore: Send + Sync {
    /// Records a file whose bytes are stored, with its event.
    fn create_file(&self, file: &FileRecord, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
    /// One file of the tenant (those of `owner` only, when given). `NotFound` otherwise.
    fn file(&self, tenant: TenantId, id: Uuid, owner: Option<UserId>) -> impl Future<Output = StoreResult<FileRecord>> + Send;
    /// The tenant's files, newest first (those of `owner` only, when given), at most `limit`.
    fn files(&self, tenant: TenantId, owner: Option<UserId>, limit: u32) -> impl Future<Output = StoreResult<Vec<FileRecord>>> + Send;
    /// Forgets a file (the caller removes its bytes), with its event. `NotFound` when the
    /// tenant has no such file.
    fn delete_file(&self, tenant: TenantId, id: Uuid, event: &NewEvent) -> impl Future<Output = StoreResult<()>> + Send;
}
