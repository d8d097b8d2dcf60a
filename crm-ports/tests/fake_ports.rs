//! A use case run on fakes of just the ports it needs: the stored files' use cases
//! (`services/files.rs`) ask the store for [`FileRecordStore`] alone and take the bytes'
//! port ([`FileStorage`]) as an argument, so an in-memory fake of those two, a fixed clock,
//! counted ids and no credentials at all (`()`) are enough to check their rules — no
//! database, no adapter implementing the whole [`crm_ports::store::Store`].
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use crm_domain::event::{EntityType, EventKind, NewEvent, Sensitivity};
use crm_domain::user::Role;
use crm_domain::{Actor, TenantId, UserId, ViolationKind};
use crm_ports::files::{Chunks, FileError, FileStorage, Source, Written};
use crm_ports::runtime::BoxFuture;
use crm_ports::store::{FileRecord, FileRecordStore, StoreResult};
use crm_ports::{App, Clock, IdGenerator, ServiceError, StoreError};
use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use tokio::io::AsyncReadExt;
use uuid::Uuid;

// ---- The fakes -------------------------------------------------------------------------

/// The files' records, in memory, with the events their writes carried. Implements the one
/// store port the files' use cases need, as the contract describes it.
#[derive(Default)]
struct FakeRecords {
    files: Mutex<Vec<FileRecord>>,
    events: Mutex<Vec<NewEvent>>,
    /// When set, every write fails (a store that went away between the bytes and the record).
    down: bool,
}

impl FakeRecords {
    fn events(&self) -> Vec<NewEvent> {
        self.events.lock().unwrap().clone()
    }

    fn count(&self) -> usize {
        self.files.lock().unwrap().len()
    }
}

fn visible(f: &FileRecord, tenant: TenantId, owner: Option<UserId>) -> bool {
    f.tenant_id == tenant && owner.is_none_or(|o| f.created_by == Some(o))
}

impl FileRecordStore for FakeRecords {
    async fn create_file(&self, file: &FileRecord, event: &NewEvent) -> StoreResult<()> {
        if self.down {
            return Err(StoreError::Unavailable("fake store down".into()));
        }
        self.files.lock().unwrap().push(file.clone());
        self.events.lock().unwrap().push(event.clone());
        Ok(())
    }

    async fn file(&self, tenant: TenantId, id: Uuid, owner: Option<UserId>) -> StoreResult<FileRecord> {
        let files = self.files.lock().unwrap();
        files
            .iter()
            .find(|f| f.id == id && visible(f, tenant, owner))
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    async fn files(&self, tenant: TenantId, owner: Option<UserId>, limit: u32) -> StoreResult<Vec<FileRecord>> {
        let mut out: Vec<FileRecord> = self
            .files
            .lock()
            .unwrap()
            .iter()
            .filter(|f| visible(f, tenant, owner))
            .cloned()
            .collect();
        out.sort_by_key(|f| std::cmp::Reverse((f.created_at, f.id)));
        out.truncate(limit as usize);
        Ok(out)
    }

    async fn delete_file(&self, tenant: TenantId, id: Uuid, event: &NewEvent) -> StoreResult<()> {
        if self.down {
            return Err(StoreError::Unavailable("fake store down".into()));
        }
        let mut files = self.files.lock().unwrap();
        let before = files.len();
        files.retain(|f| !(f.id == id && f.tenant_id == tenant));
        if files.len() == before {
            return Err(StoreError::NotFound);
        }
        self.events.lock().unwrap().push(event.clone());
        Ok(())
    }
}

/// File contents, in memory, by tenant and id.
#[derive(Default)]
struct FakeBytes(Mutex<HashMap<(TenantId, Uuid), Vec<u8>>>);

impl FakeBytes {
    fn get(&self, tenant: TenantId, id: Uuid) -> Option<Vec<u8>> {
        self.0.lock().unwrap().get(&(tenant, id)).cloned()
    }

    fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

/// The digest the fake reports: not SHA-256, only something the record must carry on.
const FAKE_DIGEST: [u8; 32] = [0xab; 32];

/// One stored content, given whole as a single piece.
struct OnePiece(Option<Vec<u8>>);

impl futures_core::Stream for OnePiece {
    type Item = Result<Vec<u8>, FileError>;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.take().map(Ok))
    }
}

impl FileStorage for FakeBytes {
    fn write<'a>(&'a self, tenant: TenantId, id: Uuid, source: Source<'a>, max: u64) -> BoxFuture<'a, Result<Written, FileError>> {
        Box::pin(async move {
            let mut bytes = Vec::new();
            source
                .take(max + 1)
                .read_to_end(&mut bytes)
                .await
                .map_err(|e| FileError::Io(e.to_string()))?;
            if bytes.len() as u64 > max {
                return Err(FileError::TooLarge { max });
            }
            let size = bytes.len() as u64;
            self.0.lock().unwrap().insert((tenant, id), bytes);
            Ok(Written { size, sha256: FAKE_DIGEST })
        })
    }

    fn read(&self, tenant: TenantId, id: Uuid) -> BoxFuture<'_, Result<Chunks, FileError>> {
        Box::pin(async move {
            let bytes = self.get(tenant, id).ok_or(FileError::NotFound)?;
            let chunks: Chunks = Box::pin(OnePiece(Some(bytes)));
            Ok(chunks)
        })
    }

    fn delete(&self, tenant: TenantId, id: Uuid) -> BoxFuture<'_, Result<(), FileError>> {
        Box::pin(async move {
            self.0.lock().unwrap().remove(&(tenant, id));
            Ok(())
        })
    }
}

/// A clock stopped at one instant.
#[derive(Debug, Clone, Copy)]
struct Stopped(DateTime<Utc>);

impl Clock for Stopped {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

/// Ids 1, 2, 3...
#[derive(Debug, Default)]
struct Counted(AtomicU64);

impl IdGenerator for Counted {
    fn new_uuid(&self) -> Uuid {
        Uuid::from_u128(u128::from(self.0.fetch_add(1, Ordering::Relaxed)) + 1)
    }
}

// ---- The scene -------------------------------------------------------------------------

/// The files' use cases on the fakes: no `Credentials` (the bound is not asked for), no
/// other store port.
type FilesApp = App<FakeRecords, (), Stopped, Counted>;

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2031, 3, 4, 5, 6, 7).unwrap()
}

fn app_on(records: FakeRecords) -> FilesApp {
    App::with_env(records, (), Stopped(at()), Counted::default())
}

fn app() -> FilesApp {
    app_on(FakeRecords::default())
}

const ACME: TenantId = TenantId::from_uuid(Uuid::from_u128(0xac3e_0001));
const GLOBEX: TenantId = TenantId::from_uuid(Uuid::from_u128(0x61_0be5));

fn user(tenant: TenantId, n: u128, role: Role) -> Actor {
    Actor::User {
        tenant_id: tenant,
        user_id: UserId::from_uuid(Uuid::from_u128(0x1000 + n)),
        role,
    }
}

fn source(bytes: &'static [u8]) -> Source<'static> {
    Box::pin(bytes)
}

async fn upload(app: &FilesApp, bytes: &FakeBytes, actor: &Actor, name: &str, content: &'static [u8]) -> Result<FileRecord, ServiceError> {
    app.upload_file(actor, bytes, name, source(content), 1024).await
}

async fn content(app: &FilesApp, bytes: &FakeBytes, actor: &Actor, id: Uuid) -> Result<Vec<u8>, ServiceError> {
    let (_, mut chunks) = app.file_content(actor, bytes, id).await?;
    let mut out = Vec::new();
    while let Some(piece) = std::future::poll_fn(|cx| chunks.as_mut().poll_next(cx)).await {
        out.extend(piece?);
    }
    Ok(out)
}

fn invalid_field(e: &ServiceError) -> Option<(&str, ViolationKind)> {
    match e {
        ServiceError::Invalid(v) => v.errors().first().map(|f| (f.field.as_str(), f.kind)),
        _ => None,
    }
}

// ---- The rules -------------------------------------------------------------------------

#[tokio::test]
async fn an_upload_keeps_the_bytes_and_a_record_with_its_event() {
    let (app, bytes) = (app(), FakeBytes::default());
    let sales = user(ACME, 1, Role::Sales);
    let f = upload(&app, &bytes, &sales, "C:\\exports\\Clients été.CSV", b"a,b\n1,2\n")
        .await
        .unwrap();

    assert_eq!(f.name, "Clients été.CSV", "the path is dropped");
    assert_eq!(f.content_type, "text/csv");
    assert_eq!(f.size, 8);
    assert_eq!(f.sha256, "ab".repeat(32), "the digest is the file port's, in hexadecimal");
    assert_eq!((f.tenant_id, f.created_by, f.created_at), (ACME, sales.user_id(), at()));
    assert_eq!(bytes.get(ACME, f.id).as_deref(), Some(&b"a,b\n1,2\n"[..]));

    let events = app.store().events();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(
        (e.entity_type, e.entity_id, e.kind, e.at),
        (EntityType::File, f.id, EventKind::Created, at())
    );
    assert_eq!(e.owner_id, sales.user_id().map(|u| u.as_uuid()));
    let name = e.changes.iter().find(|c| c.field == "name").unwrap();
    assert_eq!(name.sensitivity, Sensitivity::Sensitive, "a file name often carries a person's");

    assert_eq!(app.file(&sales, f.id).await.unwrap(), f);
    assert_eq!(content(&app, &bytes, &sales, f.id).await.unwrap(), b"a,b\n1,2\n");
}

#[tokio::test]
async fn every_role_but_the_observer_keeps_files() {
    for role in [Role::Admin, Role::Manager, Role::Sales, Role::Marketing] {
        let (app, bytes) = (app(), FakeBytes::default());
        let someone = user(ACME, 1, role);
        let f = upload(&app, &bytes, &someone, "list.xlsx", b"x").await.unwrap();
        assert_eq!(app.files(&someone, 50).await.unwrap(), vec![f], "{role:?}");
    }
}

#[tokio::test]
async fn the_observer_and_the_operator_keep_no_files() {
    let (app, bytes) = (app(), FakeBytes::default());
    let sales = user(ACME, 1, Role::Sales);
    let f = upload(&app, &bytes, &sales, "a.csv", b"a").await.unwrap();
    for actor in [user(ACME, 2, Role::Observer), Actor::Operator] {
        assert!(matches!(
            upload(&app, &bytes, &actor, "b.csv", b"b").await,
            Err(ServiceError::Forbidden)
        ));
        assert!(matches!(app.files(&actor, 50).await, Err(ServiceError::Forbidden)));
        assert!(matches!(app.file(&actor, f.id).await, Err(ServiceError::Forbidden)));
        assert!(matches!(content(&app, &bytes, &actor, f.id).await, Err(ServiceError::Forbidden)));
        assert!(matches!(app.delete_file(&actor, &bytes, f.id).await, Err(ServiceError::Forbidden)));
    }
    assert_eq!((app.store().count(), bytes.count()), (1, 1), "nothing written, nothing removed");
}

#[tokio::test]
async fn a_file_is_its_owners_and_the_admins_only() {
    let (app, bytes) = (app(), FakeBytes::default());
    let (ann, bob) = (user(ACME, 1, Role::Sales), user(ACME, 2, Role::Sales));
    let manager = user(ACME, 3, Role::Manager);
    let admin = user(ACME, 4, Role::Admin);
    let anns = upload(&app, &bytes, &ann, "ann.csv", b"ann").await.unwrap();
    let bobs = upload(&app, &bytes, &bob, "bob.csv", b"bob").await.unwrap();

    assert_eq!(app.files(&ann, 50).await.unwrap(), vec![anns.clone()]);
    assert!(
        app.files(&manager, 50).await.unwrap().is_empty(),
        "a Manager reads only their own files"
    );
    assert_eq!(app.files(&admin, 50).await.unwrap().len(), 2);
    for other in [&bob, &manager] {
        assert!(matches!(app.file(other, anns.id).await, Err(ServiceError::NotFound)));
        assert!(matches!(content(&app, &bytes, other, anns.id).await, Err(ServiceError::NotFound)));
        assert!(matches!(app.delete_file(other, &bytes, anns.id).await, Err(ServiceError::NotFound)));
    }
    assert!(bytes.get(ACME, anns.id).is_some(), "a refused delete removes nothing");
    assert_eq!(content(&app, &bytes, &admin, bobs.id).await.unwrap(), b"bob");
}

#[tokio::test]
async fn another_company_sees_nothing_even_its_admin() {
    let (app, bytes) = (app(), FakeBytes::default());
    let f = upload(&app, &bytes, &user(ACME, 1, Role::Sales), "a.csv", b"a").await.unwrap();
    for outsider in [user(GLOBEX, 1, Role::Sales), user(GLOBEX, 9, Role::Admin)] {
        assert!(matches!(app.file(&outsider, f.id).await, Err(ServiceError::NotFound)));
        assert!(app.files(&outsider, 50).await.unwrap().is_empty());
        assert!(matches!(
            app.delete_file(&outsider, &bytes, f.id).await,
            Err(ServiceError::NotFound)
        ));
    }
    assert_eq!(bytes.count(), 1);
}

#[tokio::test]
async fn deleting_removes_record_and_bytes_with_an_event_for_the_owner() {
    let (app, bytes) = (app(), FakeBytes::default());
    let (ann, admin) = (user(ACME, 1, Role::Sales), user(ACME, 4, Role::Admin));
    let f = upload(&app, &bytes, &ann, "a.csv", b"a").await.unwrap();
    app.delete_file(&admin, &bytes, f.id).await.unwrap();

    assert_eq!((app.store().count(), bytes.count()), (0, 0));
    let e = app.store().events().pop().unwrap();
    assert_eq!((e.kind, e.entity_id, e.actor), (EventKind::Deleted, f.id, admin));
    assert_eq!(e.owner_id, ann.user_id().map(|u| u.as_uuid()), "the owner's, not the deleter's");
    assert!(matches!(app.file(&ann, f.id).await, Err(ServiceError::NotFound)));
}

#[tokio::test]
async fn bad_names_and_oversized_files_are_refused_and_leave_nothing() {
    let (app, bytes) = (app(), FakeBytes::default());
    let sales = user(ACME, 1, Role::Sales);
    let e = upload(&app, &bytes, &sales, " ../ ", b"a").await.unwrap_err();
    assert_eq!(invalid_field(&e), Some(("name", ViolationKind::Required)));
    let big = app
        .upload_file(&sales, &bytes, "big.csv", source(&[7; 2000]), 1024)
        .await
        .unwrap_err();
    assert_eq!(invalid_field(&big), Some(("file", ViolationKind::TooLarge)));
    assert_eq!((app.store().count(), bytes.count()), (0, 0));
    assert!(app.store().events().is_empty());
}

#[tokio::test]
async fn bytes_whose_record_cannot_be_written_are_removed() {
    let app = app_on(FakeRecords {
        down: true,
        ..FakeRecords::default()
    });
    let bytes = FakeBytes::default();
    let e = upload(&app, &bytes, &user(ACME, 1, Role::Sales), "a.csv", b"a").await.unwrap_err();
    assert!(matches!(e, ServiceError::Unavailable), "{e:?}");
    assert_eq!(bytes.count(), 0, "no file without a record");
}

#[tokio::test]
async fn a_list_holds_at_least_one_file_and_at_most_five_hundred() {
    let (app, bytes) = (app(), FakeBytes::default());
    let sales = user(ACME, 1, Role::Sales);
    for _ in 0..3 {
        upload(&app, &bytes, &sales, "a.csv", b"a").await.unwrap();
    }
    assert_eq!(app.files(&sales, 0).await.unwrap().len(), 1, "a limit below 1 reads as 1");
    assert_eq!(app.files(&sales, 2).await.unwrap().len(), 2);
    assert_eq!(app.files(&sales, u32::MAX).await.unwrap().len(), 3);
}
