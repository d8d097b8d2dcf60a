//! The file port: bytes of uploaded and generated files (imports, exports, reports),
//! streamed in and out, never held whole in memory, sealed at rest under the tenant's key.
//! What a file is (name, size, owner) lives in the store ([`crate::store::FileRecordStore`]).

use crate::runtime::BoxFuture;
use crm_domain::TenantId;
use std::pin::Pin;
use uuid::Uuid;

/// Why a file could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// More bytes than allowed arrived; nothing was kept.
    #[error("file larger than {max} bytes")]
    TooLarge {
        /// The limit.
        max: u64,
    },
    /// No such file for the tenant.
    #[error("no such file")]
    NotFound,
    /// The stored bytes do not open (tampered with, truncated, or another key).
    #[error("file unreadable: {0}")]
    Corrupt(String),
    /// Reading the upload or the disk failed.
    #[error("file input/output: {0}")]
    Io(String),
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Bytes of the content (not of what is stored).
    pub size: u64,
    /// SHA-256 of the content.
    pub sha256: [u8; 32],
}

/// A readable source of bytes (an upload's body, a generated export).
pub type Source<'a> = Pin<Box<dyn tokio::io::AsyncRead + Send + 'a>>;
/// The content of a stored file, read piece by piece.
pub type Chunks = Pin<Box<dyn futures_core::Stream<Item = Result<Vec<u8>, FileError>> + Send>>;

/// Where file contents live.
pub trait FileStorage: Send + Sync + 'static {
    /// Writes `source` as the tenant's file `id`, refusing more than `max` bytes (then
    /// nothing stays). The file exists only once this returns `Ok`.
    fn write<'a>(&'a self, tenant: TenantId, id: Uuid, source: Source<'a>, max: u64) -> BoxFuture<'a, Result<Written, FileError>>;
    /// Reads the tenant's file `id`, piece by piece; a piece that does not open ends the
    /// stream with `Corrupt` (a truncated file too).
    fn read(&self, tenant: TenantId, id: Uuid) -> BoxFuture<'_, Result<Chunks, FileError>>;
    /// Removes the tenant's file `id` (no error when it is already gone).
    fn delete(&self, tenant: TenantId, id: Uuid) -> BoxFuture<'_, Result<(), FileError>>;
}
