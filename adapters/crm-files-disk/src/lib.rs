//! The file port on local disk: each tenant's files in a directory of their own, every file
//! sealed in chunks under the tenant's key, streamed in and out without ever being held whole.
//!
//! Layout: `<root>/<tenant uuid>/<file uuid>`, directories 0700 and files 0600 on unix.
//! A file is the magic header `CRMF\x01`, then chunks `[length: u32, big endian][ciphertext]`,
//! each the [`Cipher::encrypt`] of 64 KiB of content ([`CHUNK_BYTES`]; the last one shorter,
//! an empty file one empty chunk) bound to the context `file:<tenant>:<id>:<index>:<last>`,
//! `last` being 1 for the final chunk and 0 otherwise. A chunk thus opens only in its own
//! place, in its own file, for its own tenant: truncating the file (even at a chunk
//! boundary), reordering or appending chunks, or moving the file to another id or tenant
//! makes it unreadable.
//!
//! A write goes to `<id>.part-<random>` in the tenant's directory, is synced, then linked
//! to its name without replacing an existing file; the partial file is removed on every
//! failure (and when the write is dropped halfway).
#![forbid(unsafe_code)]

use crm_domain::TenantId;
use crm_ports::Cipher;
use crm_ports::files::{Chunks, FileError, FileStorage, Source, Written};
use crm_ports::runtime::BoxFuture;
use ring::digest;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use uuid::Uuid;

/// Bytes of content in each chunk but the last.
pub const CHUNK_BYTES: usize = 64 * 1024;
/// What every stored file starts with (format version 1).
const MAGIC: &[u8; 5] = b"CRMF\x01";
/// Largest chunk a reader accepts: a chunk plus the cipher's overhead is far below; a length
/// above is damage, not a reason to allocate.
const MAX_FRAME_BYTES: usize = 1024 * 1024;

/// Tenant files on local disk, sealed by a [`Cipher`]. Cheap to clone.
pub struct DiskFiles<C: Cipher> {
    root: PathBuf,
    cipher: Arc<C>,
}

impl<C: Cipher> Clone for DiskFiles<C> {
    fn clone(&self) -> Self {
        Self {
            root: self.root.clone(),
            cipher: Arc::clone(&self.cipher),
        }
    }
}

impl<C: Cipher> std::fmt::Debug for DiskFiles<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiskFiles").field("root", &self.root).finish_non_exhaustive()
    }
}

impl<C: Cipher> DiskFiles<C> {
    /// Files under `root`, created (mode 0700 on unix) when absent; an existing `root` that
    /// grants group or others anything is made private.
    ///
    /// # Errors
    /// When `root` cannot be created.
    pub fn open(root: &Path, cipher: Arc<C>) -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new().recursive(true).mode(0o700).create(root)?;
            restrict(root, 0o700);
        }
        #[cfg(not(unix))]
        std::fs::create_dir_all(root)?;
        Ok(Self {
            root: root.to_owned(),
            cipher,
        })
    }

    /// The directory the files are under.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn tenant_dir(&self, tenant: TenantId) -> PathBuf {
        self.root.join(tenant.to_string())
    }

    fn path(&self, tenant: TenantId, id: Uuid) -> PathBuf {
        self.tenant_dir(tenant).join(id.to_string())
    }

    async fn write_file(&self, tenant: TenantId, id: Uuid, mut source: Source<'_>, max: u64) -> Result<Written, FileError> {
        let dir = self.tenant_dir(tenant);
        private_dir(&dir).await.map_err(io("creating the tenant directory"))?;
        let path = dir.join(id.to_string());
        if tokio::fs::try_exists(&path).await.map_err(io("looking for the file"))? {
            return Err(exists());
        }
        let part = PartFile {
            path: dir.join(format!("{id}.part-{}", Uuid::new_v4().simple())),
            armed: true,
        };
        let sealed = match part.create().await {
            Ok(file) => self.seal(tenant, id, &mut source, max, file).await,
            Err(e) => Err(e),
        };
        let result = match sealed {
            Ok(written) => publish(&part.path, &path).await.map(|()| written),
            Err(e) => Err(e),
        };
        // Linked (or renamed) or failed: the partial name goes either way.
        part.discard().await;
        if result.is_ok() {
            sync_dir(&dir).await;
        }
        result
    }

    /// Writes the header and the chunks of `source` to `out`, then syncs it.
    async fn seal(
        &self,
        tenant: TenantId,
        id: Uuid,
        source: &mut Source<'_>,
        max: u64,
        mut out: tokio::fs::File,
    ) -> Result<Written, FileError> {
        out.write_all(MAGIC).await.map_err(io("writing the file"))?;
        let mut input = Input {
            size: 0,
            max,
            digest: digest::Context::new(&digest::SHA256),
        };
        let mut current = Vec::with_capacity(CHUNK_BYTES);
        let mut next = Vec::with_capacity(CHUNK_BYTES);
        input.fill(source, &mut current).await?;
        let mut index: u64 = 0;
        loop {
            // A short piece means the source ended; a full one needs the next to tell.
            if current.len() == CHUNK_BYTES {
                input.fill(source, &mut next).await?;
            }
            let last = next.is_empty();
            let sealed = self
                .cipher
                .encrypt(tenant, context(tenant, id, index, last).as_bytes(), &current)
                .map_err(|e| FileError::Io(format!("sealing chunk {index}: {e}")))?;
            let len = u32::try_from(sealed.len()).map_err(|_| FileError::Io(format!("chunk {index} too large")))?;
            let mut frame = Vec::with_capacity(4 + sealed.len());
            frame.extend_from_slice(&len.to_be_bytes());
            frame.extend_from_slice(&sealed);
            out.write_all(&frame).await.map_err(io("writing the file"))?;
            if last {
                break;
            }
            std::mem::swap(&mut current, &mut next);
            next.clear();
            index += 1;
        }
        out.flush().await.map_err(io("writing the file"))?;
        out.sync_all().await.map_err(io("syncing the file"))?;
        let mut sha256 = [0u8; 32];
        sha256.copy_from_slice(input.digest.finish().as_ref());
        Ok(Written { size: input.size, sha256 })
    }

    async fn open_file(&self, tenant: TenantId, id: Uuid) -> Result<Chunks, FileError> {
        let file = match tokio::fs::File::open(self.path(tenant, id)).await {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(FileError::NotFound),
            Err(e) => return Err(FileError::Io(format!("opening the file: {e}"))),
        };
        let mut file = BufReader::new(file);
        let mut magic = [0u8; MAGIC.len()];
        match file.read_exact(&mut magic).await {
            Ok(_) if &magic == MAGIC => {}
            Ok(_) => return Err(FileError::Corrupt("not a sealed file".into())),
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Err(FileError::Corrupt("no header".into())),
            Err(e) => return Err(FileError::Io(format!("reading the file: {e}"))),
        }
        let reading = Reading {
            file,
            cipher: Arc::clone(&self.cipher),
            tenant,
            id,
            index: 0,
        };
        let pieces = futures::stream::unfold(Some(reading), |state| async move {
            let mut reading = state?;
            loop {
                match reading.next_chunk().await {
                    // Empty pieces (an empty file's one chunk) are not worth yielding.
                    Ok((piece, false)) if piece.is_empty() => {}
                    Ok((piece, false)) => return Some((Ok(piece), Some(reading))),
                    Ok((piece, true)) if piece.is_empty() => return None,
                    Ok((piece, true)) => return Some((Ok(piece), None)),
                    Err(e) => return Some((Err(e), None)),
                }
            }
        });
        Ok(Box::pin(pieces))
    }

    async fn delete_file(&self, tenant: TenantId, id: Uuid) -> Result<(), FileError> {
        match tokio::fs::remove_file(self.path(tenant, id)).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(FileError::Io(format!("removing the file: {e}"))),
        }
    }
}

impl<C: Cipher> FileStorage for DiskFiles<C> {
    fn write<'a>(&'a self, tenant: TenantId, id: Uuid, source: Source<'a>, max: u64) -> BoxFuture<'a, Result<Written, FileError>> {
        Box::pin(self.write_file(tenant, id, source, max))
    }

    fn read(&self, tenant: TenantId, id: Uuid) -> BoxFuture<'_, Result<Chunks, FileError>> {
        Box::pin(self.open_file(tenant, id))
    }

    fn delete(&self, tenant: TenantId, id: Uuid) -> BoxFuture<'_, Result<(), FileError>> {
        Box::pin(self.delete_file(tenant, id))
    }
}

/// The associated data a chunk is sealed with.
fn context(tenant: TenantId, id: Uuid, index: u64, last: bool) -> String {
    format!("file:{tenant}:{id}:{index}:{}", u8::from(last))
}

fn io(what: &'static str) -> impl Fn(std::io::Error) -> FileError {
    move |e| FileError::Io(format!("{what}: {e}"))
}

fn exists() -> FileError {
    FileError::Io("exists".into())
}

/// The content read so far: its size, checked against the limit, and its hash.
struct Input {
    size: u64,
    max: u64,
    digest: digest::Context,
}

impl Input {
    /// Fills `buf` (empty) with up to [`CHUNK_BYTES`] of `source`: fewer only at its end.
    async fn fill(&mut self, source: &mut Source<'_>, buf: &mut Vec<u8>) -> Result<(), FileError> {
        buf.resize(CHUNK_BYTES, 0);
        let mut filled = 0;
        while filled < CHUNK_BYTES {
            let n = source
                .read(&mut buf[filled..])
                .await
                .map_err(|e| FileError::Io(format!("reading the upload: {e}")))?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        buf.truncate(filled);
        self.size += filled as u64;
        if self.size > self.max {
            return Err(FileError::TooLarge { max: self.max });
        }
        self.digest.update(buf);
        Ok(())
    }
}

/// A file being read.
struct Reading<C> {
    file: BufReader<tokio::fs::File>,
    cipher: Arc<C>,
    tenant: TenantId,
    id: Uuid,
    index: u64,
}

impl<C: Cipher> Reading<C> {
    /// The next chunk's content, and whether it is the last. A chunk is the last exactly
    /// when the file ends after it: the context it opens with says whether it was written so.
    async fn next_chunk(&mut self) -> Result<(Vec<u8>, bool), FileError> {
        let index = self.index;
        let corrupt = |what: &str| FileError::Corrupt(format!("chunk {index}: {what}"));
        let mut len = [0u8; 4];
        match read_full(&mut self.file, &mut len).await? {
            0 => return Err(corrupt("missing (the file is truncated)")),
            4 => {}
            _ => return Err(corrupt("truncated length")),
        }
        let len = u32::from_be_bytes(len) as usize;
        if len > MAX_FRAME_BYTES {
            return Err(corrupt("length out of bounds"));
        }
        let mut sealed = vec![0u8; len];
        if read_full(&mut self.file, &mut sealed).await? < len {
            return Err(corrupt("truncated"));
        }
        let last = self
            .file
            .fill_buf()
            .await
            .map_err(|e| FileError::Io(format!("reading the file: {e}")))?
            .is_empty();
        let piece = self
            .cipher
            .decrypt(self.tenant, context(self.tenant, self.id, index, last).as_bytes(), &sealed)
            .map_err(|_| corrupt("does not open"))?;
        self.index += 1;
        Ok((piece, last))
    }
}

/// Reads until `buf` is full or the file ends; the bytes read.
async fn read_full(file: &mut BufReader<tokio::fs::File>, buf: &mut [u8]) -> Result<usize, FileError> {
    let mut filled = 0;
    while filled < buf.len() {
        let n = file
            .read(&mut buf[filled..])
            .await
            .map_err(|e| FileError::Io(format!("reading the file: {e}")))?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

/// A partial file: removed when discarded, or when dropped before (a write cancelled
/// halfway).
struct PartFile {
    path: PathBuf,
    armed: bool,
}

impl PartFile {
    /// Creates it, empty, mode 0600, failing if the name is taken.
    async fn create(&self) -> Result<tokio::fs::File, FileError> {
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600);
        options.open(&self.path).await.map_err(io("creating the file"))
    }

    async fn discard(mut self) {
        self.armed = false;
        match tokio::fs::remove_file(&self.path).await {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => tracing::warn!(path = %self.path.display(), error = %e, "cannot remove a partial file"),
        }
    }
}

impl Drop for PartFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Gives `part` the name `path`, never replacing a file already there.
async fn publish(part: &Path, path: &Path) -> Result<(), FileError> {
    match tokio::fs::hard_link(part, path).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(exists()),
        // A file system without hard links: a rename, after a last look (a concurrent
        // write of the same id could still slip in between).
        Err(_) => {
            if tokio::fs::try_exists(path).await.map_err(io("looking for the file"))? {
                return Err(exists());
            }
            tokio::fs::rename(part, path).await.map_err(io("naming the file"))
        }
    }
}

/// Creates `dir` (mode 0700 on unix) if absent.
async fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = tokio::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    builder.mode(0o700);
    builder.create(dir).await
}

/// Makes the new name in `dir` durable; a failure is logged (the file is written).
async fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    {
        let synced = match tokio::fs::File::open(dir).await {
            Ok(d) => d.sync_all().await,
            Err(e) => Err(e),
        };
        if let Err(e) = synced {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot sync a file directory");
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Sets the mode of an existing `path` to `mode` when it grants group or others anything;
/// a failure is logged.
#[cfg(unix)]
fn restrict(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let current = match std::fs::metadata(path) {
        Ok(m) => m.permissions().mode(),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot read the permissions of the file directory");
            return;
        }
    };
    if current & 0o077 != 0
        && let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    {
        tracing::warn!(path = %path.display(), error = %e, "cannot make the file directory private to this user");
    }
}
