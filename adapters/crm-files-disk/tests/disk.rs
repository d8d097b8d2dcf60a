//! The file port on disk, with the real cipher in a temporary directory: round trips around
//! the chunk size, sealed at rest, size limits, tenant and id binding, truncation,
//! reordering and tampering, deletion, permissions, failing and cancelled uploads, and
//! concurrent writes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crm_crypto::{Keyring, RingCipher};
use crm_domain::TenantId;
use crm_files_disk::{CHUNK_BYTES, DiskFiles};
use crm_ports::files::{Chunks, FileError, FileStorage, Source, Written};
use futures::StreamExt;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, ReadBuf};
use uuid::Uuid;

const KEY: &str = "1:5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e";
const MAX: u64 = 64 * 1024 * 1024;

fn tenant(n: u128) -> TenantId {
    TenantId::from_uuid(Uuid::from_u128(n))
}

fn storage(root: &Path) -> DiskFiles<RingCipher> {
    DiskFiles::open(root, Arc::new(RingCipher::new(Keyring::from_spec(KEY).unwrap()))).unwrap()
}

fn file_path(root: &Path, tenant: TenantId, id: Uuid) -> PathBuf {
    root.join(tenant.to_string()).join(id.to_string())
}

/// Deterministic bytes that do not compress (xorshift).
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

fn sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(ring::digest::digest(&ring::digest::SHA256, data).as_ref());
    out
}

/// How a scripted source ends once its data is out.
#[derive(Clone, Copy)]
enum End {
    Eof,
    Fail,
    Hang,
}

/// An upload that trickles `step` bytes per read, then ends as told.
struct Scripted {
    data: Vec<u8>,
    pos: usize,
    step: usize,
    end: End,
}

impl AsyncRead for Scripted {
    fn poll_read(mut self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.pos < this.data.len() {
            let n = this.step.min(this.data.len() - this.pos).min(buf.remaining());
            buf.put_slice(&this.data[this.pos..this.pos + n]);
            this.pos += n;
            return Poll::Ready(Ok(()));
        }
        match this.end {
            End::Eof => Poll::Ready(Ok(())),
            End::Fail => Poll::Ready(Err(io::Error::new(io::ErrorKind::ConnectionReset, "connection reset"))),
            End::Hang => Poll::Pending,
        }
    }
}

fn source(data: &[u8]) -> Source<'static> {
    Box::pin(io::Cursor::new(data.to_vec()))
}

fn scripted(data: &[u8], step: usize, end: End) -> Source<'static> {
    Box::pin(Scripted {
        data: data.to_vec(),
        pos: 0,
        step,
        end,
    })
}

/// Everything a stream yields until it ends: the bytes, and the error it ended with.
async fn drain(mut chunks: Chunks) -> (Vec<u8>, Option<FileError>) {
    let mut out = Vec::new();
    while let Some(piece) = chunks.next().await {
        match piece {
            Ok(p) => out.extend_from_slice(&p),
            Err(e) => {
                assert!(chunks.next().await.is_none(), "the stream ends after an error");
                return (out, Some(e));
            }
        }
    }
    (out, None)
}

async fn read_all(files: &DiskFiles<RingCipher>, t: TenantId, id: Uuid) -> Vec<u8> {
    let (data, err) = drain(files.read(t, id).await.unwrap()).await;
    assert!(err.is_none(), "{err:?}");
    data
}

async fn assert_corrupt(files: &DiskFiles<RingCipher>, t: TenantId, id: Uuid, what: &str) {
    match files.read(t, id).await {
        Err(FileError::Corrupt(_)) => {}
        Err(e) => panic!("{what}: {e:?}"),
        Ok(chunks) => {
            let (_, err) = drain(chunks).await;
            assert!(matches!(err, Some(FileError::Corrupt(_))), "{what}: {err:?}");
        }
    }
}

/// Names in a directory (none when it does not exist).
fn entries(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| rd.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default()
}

/// The chunks of a stored file: (offset, length of the frame with its length prefix).
fn frames(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut at = 5;
    let mut out = Vec::new();
    while at < bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        out.push((at, 4 + len));
        at += 4 + len;
    }
    assert_eq!(at, bytes.len());
    out
}

#[tokio::test]
async fn round_trips_around_the_chunk_size() {
    let dir = tempfile::tempdir().unwrap();
    let files = storage(dir.path());
    let t = tenant(1);
    for (n, len) in [
        0,
        1,
        CHUNK_BYTES - 1,
        CHUNK_BYTES,
        CHUNK_BYTES + 1,
        2 * CHUNK_BYTES,
        5 * 1024 * 1024 + 123,
    ]
    .into_iter()
    .enumerate()
    {
        let data = noise(len, n as u64 + 7);
        let id = Uuid::new_v4();
        let written = files.write(t, id, source(&data), MAX).await.unwrap();
        assert_eq!(
            written,
            Written {
                size: len as u64,
                sha256: sha256(&data)
            },
            "{len} bytes"
        );
        let back = read_all(&files, t, id).await;
        assert!(back == data, "{len} bytes read back differ");
        let stored = std::fs::metadata(file_path(dir.path(), t, id)).unwrap().len();
        let chunks = len.div_ceil(CHUNK_BYTES).max(1) as u64;
        assert!(stored > len as u64 + chunks * 4, "{len} bytes stored in {stored}");
    }
    assert!(entries(&dir.path().join(t.to_string())).iter().all(|n| !n.contains(".part")));
}

#[tokio::test]
async fn pieces_are_at_most_a_chunk_and_trickled_uploads_chunk_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let files = storage(dir.path());
    let t = tenant(1);
    let data = noise(3 * CHUNK_BYTES + 10, 3);
    let id = Uuid::new_v4();
    let w = files.write(t, id, scripted(&data, 1000, End::Eof), MAX).await.unwrap();
    assert_eq!(w.size, data.len() as u64);
    let bytes = std::fs::read(file_path(dir.path(), t, id)).unwrap();
    assert_eq!(frames(&bytes).len(), 4);
    let mut chunks = files.read(t, id).await.unwrap();
    let mut sizes = Vec::new();
    while let Some(p) = chunks.next().await {
        sizes.push(p.unwrap().len());
    }
    assert_eq!(sizes, [CHUNK_BYTES, CHUNK_BYTES, CHUNK_BYTES, 10]);
}

#[tokio::test]
async fn an_empty_file_is_one_empty_chunk() {
    let dir = tempfile::tempdir().unwrap();
    let files = storage(dir.path());
    let t = tenant(1);
    let id = Uuid::new_v4();
    files.write(t, id, source(b""), MAX).await.unwrap();
    let bytes = std::fs::read(file_path(dir.path(), t, id)).unwrap();
    assert!(bytes.starts_with(b"CRMF\x01"));
    assert_eq!(frames(&bytes).len(), 1);
    assert!(read_all(&files, t, id).await.is_empty());
}

#[tokio::test]
async fn content_is_sealed_at_rest() {
    let dir = tempfile::tempdir().unwrap();
    let files = storage(dir.path());
    let t = tenant(1);
    let id = Uuid::new_v4();
    let data = b"Marie Curie, IBAN FR76 3000 6000 0112 3456 7890 189\n".repeat(5000);
    files.write(t, id, source(&data), MAX).await.unwrap();
    let bytes = std::fs::read(file_path(dir.path(), t, id)).unwrap();
    assert!(!bytes.windows(11).any(|w| w == b"Marie Curie"));
    assert!(!bytes.windows(9).any(|w| w == b"FR76 3000"));
    assert_eq!(read_all(&files, t, id).await, data);
}

#[tokio::test]
async fn too_large_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let files = storage(dir.path());
    let t = tenant(1);
    let tenant_dir = dir.path().join(t.to_string());
    let data = noise(200 * 1024, 1);

    let id = Uuid::new_v4();
    let err = files.write(t, id, source(&data), 100 * 1024).await.unwrap_err();
    assert!(matches!(err, FileError::TooLarge { max: 102_400 }), "{err:?}");
    assert!(entries(&tenant_dir).is_empty(), "{:?}", entries(&tenant_dir));
    assert!(matches!(files.read(t, id).await, Err(FileError::NotFound)));

    // One byte over, at the end of a trickled upload.
    let err = files
        .write(t, id, scripted(&data, 777, End::Eof), data.len() as u64 - 1)
        .await
        .unwrap_err();
    assert!(matches!(err, FileError::TooLarge { .. }), "{err:?}");
    assert!(entries(&tenant_dir).is_empty(), "{:?}", entries(&tenant_dir));

    // Exactly the limit is fine.
    let w = files.write(t, id, source(&data), data.len() as u64).await.unwrap();
    assert_eq!(w.size, data.len() as u64);
    let err = files.write(t, Uuid::new_v4(), source(b"x"), 0).await.unwrap_err();
    assert!(matches!(err, FileError::TooLarge { max: 0 }), "{err:?}");
    assert_eq!(entries(&tenant_dir), [id.to_string()]);
}

#[tokio::test]
async fn a_file_opens_only_for_its_tenant_and_id() {
    let dir = tempfile::tempdir().unwrap();
    let files = storage(dir.path());
    let (a, b) = (tenant(1), tenant(2));
    let id = Uuid::new_v4();
    let data = noise(100_000, 5);
    files.write(a, id, source(&data), MAX).await.unwrap();
    assert!(matches!(files.read(b, id).await, Err(FileError::NotFound)));

    let original = file_path(dir.path(), a, id);
    std::fs::create_dir_all(dir.path().join(b.to_string())).unwrap();
    std::fs::copy(&original, file_path(dir.path(), b, id)).unwrap();
    assert_corrupt(&files, b, id, "moved to another tenant").await;

    let other = Uuid::new_v4();
    std::fs::copy(&original, file_path(dir.path(), a, other)).unwrap();
    assert_corrupt(&files, a, other, "moved to another id").await;

    // Another key cannot open it either.
    let other_key = DiskFiles::open(
        dir.path(),
        Arc::new(RingCipher::new(
            Keyring::from_spec("1:6161616161616161616161616161616161616161616161616161616161616161").unwrap(),
        )),
    )
    .unwrap();
    assert_corrupt(&other_key, a, id, "another key").await;

    assert_eq!(read_all(&files, a, id).await, data);
}

#[tokio::test]
async fn damage_ends_the_stream_with_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let files = storage(dir.path());
    let t = tenant(1);
    let id = Uuid::new_v4();
    let data = noise(3 * CHUNK_BYTES + 500, 9);
    files.write(t, id, source(&data), MAX).await.unwrap();
    let path = file_path(dir.path(), t, id);
    let good = std::fs::read(&path).unwrap();
    let parts = frames(&good);
    assert_eq!(parts.len(), 4);

    let damaged = |bytes: Vec<u8>| std::fs::write(&path, bytes).unwrap();

    damaged(good[..good.len() - 3].to_vec());
    assert_corrupt(&files, t, id, "truncated by a few bytes").await;

    let (at, _) = parts[3];
    damaged(good[..at].to_vec());
    let (read, err) = drain(files.read(t, id).await.unwrap()).await;
    assert!(matches!(err, Some(FileError::Corrupt(_))), "cut at a chunk boundary: {err:?}");
    assert!(read.len() <= 2 * CHUNK_BYTES, "the chunk before the cut is not given as the last");

    damaged(good[..at + 2].to_vec());
    assert_corrupt(&files, t, id, "cut inside a length").await;

    damaged(good[..5].to_vec());
    assert_corrupt(&files, t, id, "header only").await;

    damaged(good[..3].to_vec());
    assert_corrupt(&files, t, id, "short header").await;

    damaged(Vec::new());
    assert_corrupt(&files, t, id, "empty").await;

    let mut appended = good.clone();
    appended.extend_from_slice(b"garbage after the end");
    damaged(appended);
    assert_corrupt(&files, t, id, "appended garbage").await;

    let mut doubled = good.clone();
    let (at, len) = parts[3];
    doubled.extend_from_slice(&good[at..at + len]);
    damaged(doubled);
    assert_corrupt(&files, t, id, "last chunk repeated").await;

    let mut swapped = good[..parts[1].0].to_vec();
    swapped.extend_from_slice(&good[parts[2].0..parts[3].0]);
    swapped.extend_from_slice(&good[parts[1].0..parts[2].0]);
    swapped.extend_from_slice(&good[parts[3].0..]);
    damaged(swapped);
    let (read, err) = drain(files.read(t, id).await.unwrap()).await;
    assert!(matches!(err, Some(FileError::Corrupt(_))), "reordered: {err:?}");
    assert_eq!(read, data[..CHUNK_BYTES], "the chunks before the damage are given");

    for offset in [2, 6, parts[1].0 + 100, good.len() - 1] {
        let mut flipped = good.clone();
        flipped[offset] ^= 0x20;
        damaged(flipped);
        assert_corrupt(&files, t, id, &format!("byte {offset} flipped")).await;
    }

    let mut huge = good.clone();
    huge[parts[0].0..parts[0].0 + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    damaged(huge);
    assert_corrupt(&files, t, id, "absurd length").await;

    damaged(good);
    assert_eq!(read_all(&files, t, id).await, data);
}

#[tokio::test]
async fn delete_then_read_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let files = storage(dir.path());
    let t = tenant(1);
    let id = Uuid::new_v4();
    assert!(matches!(files.read(t, id).await, Err(FileError::NotFound)));
    files.delete(t, id).await.unwrap();
    files.write(t, id, source(b"hello"), MAX).await.unwrap();
    files.delete(t, id).await.unwrap();
    assert!(matches!(files.read(t, id).await, Err(FileError::NotFound)));
    files.delete(t, id).await.unwrap();
    // The id can be written again once deleted.
    files.write(t, id, source(b"again"), MAX).await.unwrap();
    assert_eq!(read_all(&files, t, id).await, b"again");
}

#[tokio::test]
async fn an_existing_file_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let files = storage(dir.path());
    let t = tenant(1);
    let id = Uuid::new_v4();
    files.write(t, id, source(b"first"), MAX).await.unwrap();
    let err = files.write(t, id, source(b"second"), MAX).await.unwrap_err();
    assert!(matches!(&err, FileError::Io(m) if m == "exists"), "{err:?}");
    assert_eq!(read_all(&files, t, id).await, b"first");
    assert_eq!(entries(&dir.path().join(t.to_string())), [id.to_string()]);
}

#[cfg(unix)]
#[tokio::test]
async fn directories_and_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("files");
    let files = storage(&root);
    assert_eq!(mode(&root), 0o700);
    let t = tenant(1);
    let id = Uuid::new_v4();
    files.write(t, id, source(b"private"), MAX).await.unwrap();
    assert_eq!(mode(&root.join(t.to_string())), 0o700);
    assert_eq!(mode(&file_path(&root, t, id)), 0o600);

    // An existing root open to others is closed.
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    let _again = storage(&root);
    assert_eq!(mode(&root), 0o700);
}

#[tokio::test]
async fn a_failing_upload_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let files = storage(dir.path());
    let t = tenant(1);
    let id = Uuid::new_v4();
    let data = noise(3 * CHUNK_BYTES / 2, 4);
    let err = files.write(t, id, scripted(&data, 4096, End::Fail), MAX).await.unwrap_err();
    assert!(matches!(&err, FileError::Io(m) if m.contains("connection reset")), "{err:?}");
    assert!(entries(&dir.path().join(t.to_string())).is_empty());
    assert!(matches!(files.read(t, id).await, Err(FileError::NotFound)));
}

#[tokio::test]
async fn a_cancelled_upload_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let files = storage(dir.path());
    let t = tenant(1);
    let id = Uuid::new_v4();
    let data = noise(3 * CHUNK_BYTES, 4);
    let write = files.write(t, id, scripted(&data, 8192, End::Hang), MAX);
    let timed_out = tokio::time::timeout(std::time::Duration::from_millis(300), write).await;
    assert!(timed_out.is_err(), "the upload hangs");
    assert!(entries(&dir.path().join(t.to_string())).is_empty());
    assert!(matches!(files.read(t, id).await, Err(FileError::NotFound)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes() {
    let dir = tempfile::tempdir().unwrap();
    let files = Arc::new(storage(dir.path()));
    let t = tenant(1);
    let tasks: Vec<_> = (0..10u64)
        .map(|n| {
            let files = Arc::clone(&files);
            tokio::spawn(async move {
                let id = Uuid::new_v4();
                let data = noise(CHUNK_BYTES * 2 + usize::try_from(n).unwrap() * 1000, n + 100);
                let w = files.write(t, id, source(&data), MAX).await.unwrap();
                assert_eq!(w.sha256, sha256(&data));
                (id, data)
            })
        })
        .collect();
    let mut written = Vec::new();
    for task in tasks {
        written.push(task.await.unwrap());
    }
    let reads = futures::future::join_all(written.iter().map(|(id, _)| read_all(&files, t, *id))).await;
    for ((_, data), back) in written.iter().zip(reads) {
        assert!(back == *data);
    }
    assert_eq!(entries(&dir.path().join(t.to_string())).len(), 10);
}
