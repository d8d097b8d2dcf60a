//! Reads of one record by its key on SQLite, made on the request's own thread.
//!
//! sqlx runs each SQLite connection on a thread of its own: a read sends the statement to
//! that thread and waits to be woken with the row, two wake-ups across threads for a
//! b-tree probe that takes microseconds — and those wake-ups were most of a `GET`'s
//! time (see `docs/performance.md`). A read of one record by its key is made here
//! instead on a connection of the calling thread (one per thread and store, opened on
//! first use, opened again after the store's connection lifetime), by rusqlite over the
//! same bundled SQLite. Only such reads come here: a statement that may scan (a count, a
//! list) would hold the thread that serves other requests.
//!
//! The statement is the same text the pool would run, with the same values, so what it
//! finds (the company, the visibility written in SQL) is the same; the connection only
//! reads (`query_only`). Whatever this path cannot do — a value it does not bind, a
//! locked file (it never waits for one), any error of SQLite — sends the read to the
//! pool, which takes it as before.

use sea_query::Value;
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// A SQLite store's file, for the connections its callers' threads open on it.
#[derive(Debug)]
pub(crate) struct Here {
    path: PathBuf,
    lifetime: Duration,
    /// Pragmas set on each connection, as the pool's readers have them.
    cache_size: &'static str,
    mmap_size: &'static str,
}

/// A thread's connection to one store's file.
struct Opened {
    /// Tells this store's connection from other stores' on a thread (tests open many).
    store: Weak<Here>,
    since: Instant,
    conn: rusqlite::Connection,
    /// The column names of each statement read on it, found once.
    names: HashMap<String, Arc<[String]>>,
}

thread_local! {
    /// This thread's connections, one a store (usually one in all).
    static OPENED: RefCell<Vec<Opened>> = const { RefCell::new(Vec::new()) };
}

/// A row read here: its values, owned, and its statement's column names.
#[derive(Debug)]
pub(crate) struct LiteRow {
    pub(crate) names: Arc<[String]>,
    pub(crate) values: Vec<rusqlite::types::Value>,
}

impl LiteRow {
    /// The value at `index`, decoded.
    pub(crate) fn at<'r, T: FromLite<'r>>(&'r self, index: usize) -> Result<T, String> {
        let v = self.values.get(index).ok_or_else(|| format!("no column {index}"))?;
        T::from_lite(v)
    }

    /// The value of the column named `col`, decoded.
    pub(crate) fn get<'r, T: FromLite<'r>>(&'r self, col: &str) -> Result<T, String> {
        let index = self.names.iter().position(|n| n == col).ok_or_else(|| format!("no column {col}"))?;
        self.at(index)
    }
}

impl Here {
    pub(crate) fn new(path: PathBuf, lifetime: Duration, cache_size: &'static str, mmap_size: &'static str) -> Arc<Self> {
        Arc::new(Self {
            path,
            lifetime,
            cache_size,
            mmap_size,
        })
    }

    /// The first row of `sql` with `values`, read on this thread; `None` when the read is
    /// to be made by the pool instead (see the module's comment).
    pub(crate) fn first(self: &Arc<Self>, sql: &str, values: &sea_query::Values) -> Option<Option<LiteRow>> {
        let params = values.0.iter().map(bound).collect::<Option<Vec<_>>>()?;
        OPENED.with(|opened| {
            let mut opened = opened.try_borrow_mut().ok()?;
            // Connections of stores dropped since are closed; the stores left alive are
            // told apart by their address.
            opened.retain(|o| o.store.strong_count() > 0);
            let at = match opened.iter().position(|o| std::ptr::eq(o.store.as_ptr(), Arc::as_ptr(self))) {
                Some(at) if opened[at].since.elapsed() < self.lifetime => at,
                found => {
                    if let Some(at) = found {
                        opened.swap_remove(at);
                    }
                    opened.push(
                        self.open()
                            .map_err(|e| tracing::debug!(error = %e, "a connection of this thread"))
                            .ok()?,
                    );
                    opened.len() - 1
                }
            };
            let Opened { conn, names, .. } = &mut opened[at];
            match read_first(conn, names, sql, &params) {
                Ok(row) => Some(row),
                Err(e) => {
                    // The pool takes the read, and reports its error if there is one;
                    // this connection is not kept in whatever state it is in.
                    tracing::debug!(error = %e, "a read on the request's thread, made by the pool instead");
                    opened.swap_remove(at);
                    None
                }
            }
        })
    }

    fn open(self: &Arc<Self>) -> rusqlite::Result<Opened> {
        use rusqlite::OpenFlags;
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
        )?;
        conn.pragma_update(None, "query_only", "ON")?;
        conn.pragma_update(None, "cache_size", self.cache_size)?;
        conn.pragma_update(None, "mmap_size", self.mmap_size)?;
        // A locked file is not waited for on this thread: the pool's connection waits.
        conn.busy_timeout(Duration::ZERO)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(Opened {
            store: Arc::downgrade(self),
            since: Instant::now(),
            conn,
            names: HashMap::new(),
        })
    }
}

/// The first row of `sql`, its values copied out of SQLite.
fn read_first(
    conn: &rusqlite::Connection,
    known: &mut HashMap<String, Arc<[String]>>,
    sql: &str,
    params: &[rusqlite::types::Value],
) -> rusqlite::Result<Option<LiteRow>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let names = match known.get(sql) {
        Some(names) => Arc::clone(names),
        None => {
            let names: Arc<[String]> = stmt.column_names().into_iter().map(str::to_owned).collect();
            known.insert(sql.to_owned(), Arc::clone(&names));
            names
        }
    };
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    let values = (0..names.len())
        .map(|i| {
            rusqlite::types::Value::try_from(row.get_ref(i)?)
                .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
        })
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Some(LiteRow { names, values }))
}

/// A value as SQLite stores what sqlx binds for it (`sea_query_sqlx`'s binding): `None`
/// for a kind this path does not bind, which the pool then takes.
fn bound(v: &Value) -> Option<rusqlite::types::Value> {
    use rusqlite::types::Value as L;
    let int = |i: Option<i64>| Some(i.map_or(L::Null, L::Integer));
    match v {
        Value::Bool(b) => int(b.map(i64::from)),
        Value::TinyInt(i) => int(i.map(i64::from)),
        Value::SmallInt(i) => int(i.map(i64::from)),
        Value::Int(i) => int(i.map(i64::from)),
        Value::BigInt(i) => int(*i),
        Value::TinyUnsigned(i) => int(i.map(i64::from)),
        Value::SmallUnsigned(i) => int(i.map(i64::from)),
        Value::Unsigned(i) => int(i.map(i64::from)),
        Value::BigUnsigned(i) => match i {
            Some(i) => int(Some(i64::try_from(*i).ok()?)),
            None => int(None),
        },
        Value::String(s) => Some(s.as_ref().map_or(L::Null, |s| L::Text(s.clone()))),
        Value::Bytes(b) => Some(b.as_ref().map_or(L::Null, |b| L::Blob(b.clone()))),
        Value::Uuid(u) => Some(u.map_or(L::Null, |u| L::Blob(u.as_bytes().to_vec()))),
        Value::ChronoDate(d) => Some(d.map_or(L::Null, |d| L::Text(d.format("%F").to_string()))),
        _ => None,
    }
}

/// A column of a [`LiteRow`] decoded as sqlx decodes the same SQLite value (what the
/// store's rows are read as: `Row::at`, `Row::get`).
pub(crate) trait FromLite<'r>: Sized {
    /// The value, or why it is not one of `Self`.
    fn from_lite(v: &'r LiteValue) -> Result<Self, String>;
}

pub(crate) use rusqlite::types::Value as LiteValue;

fn mismatch<T>(v: &LiteValue) -> Result<T, String> {
    Err(format!("{} where {} was expected", v.data_type(), std::any::type_name::<T>()))
}

impl<'r, T: FromLite<'r>> FromLite<'r> for Option<T> {
    fn from_lite(v: &'r LiteValue) -> Result<Self, String> {
        match v {
            LiteValue::Null => Ok(None),
            v => T::from_lite(v).map(Some),
        }
    }
}

impl FromLite<'_> for i64 {
    fn from_lite(v: &LiteValue) -> Result<Self, String> {
        match v {
            LiteValue::Integer(i) => Ok(*i),
            v => mismatch(v),
        }
    }
}

impl FromLite<'_> for i32 {
    fn from_lite(v: &LiteValue) -> Result<Self, String> {
        i32::try_from(i64::from_lite(v)?).map_err(|e| e.to_string())
    }
}

impl FromLite<'_> for bool {
    fn from_lite(v: &LiteValue) -> Result<Self, String> {
        Ok(i64::from_lite(v)? != 0)
    }
}

impl FromLite<'_> for f64 {
    fn from_lite(v: &LiteValue) -> Result<Self, String> {
        match v {
            LiteValue::Real(f) => Ok(*f),
            LiteValue::Integer(i) => Ok(*i as f64),
            v => mismatch(v),
        }
    }
}

impl<'r> FromLite<'r> for &'r [u8] {
    fn from_lite(v: &'r LiteValue) -> Result<Self, String> {
        match v {
            LiteValue::Blob(b) => Ok(b),
            LiteValue::Text(s) => Ok(s.as_bytes()),
            v => mismatch(v),
        }
    }
}

impl FromLite<'_> for Vec<u8> {
    fn from_lite(v: &LiteValue) -> Result<Self, String> {
        <&[u8]>::from_lite(v).map(<[u8]>::to_vec)
    }
}

impl<'r> FromLite<'r> for &'r str {
    fn from_lite(v: &'r LiteValue) -> Result<Self, String> {
        match v {
            LiteValue::Text(s) => Ok(s),
            LiteValue::Blob(b) => std::str::from_utf8(b).map_err(|e| e.to_string()),
            v => mismatch(v),
        }
    }
}

impl FromLite<'_> for String {
    fn from_lite(v: &LiteValue) -> Result<Self, String> {
        <&str>::from_lite(v).map(str::to_owned)
    }
}

impl FromLite<'_> for uuid::Uuid {
    fn from_lite(v: &LiteValue) -> Result<Self, String> {
        match v {
            LiteValue::Blob(b) => uuid::Uuid::from_slice(b).map_err(|e| e.to_string()),
            v => mismatch(v),
        }
    }
}

impl<T: serde::de::DeserializeOwned> FromLite<'_> for sqlx::types::Json<T> {
    fn from_lite(v: &LiteValue) -> Result<Self, String> {
        serde_json::from_slice(<&[u8]>::from_lite(v)?)
            .map(sqlx::types::Json)
            .map_err(|e| e.to_string())
    }
}

impl FromLite<'_> for chrono::NaiveDate {
    fn from_lite(v: &LiteValue) -> Result<Self, String> {
        chrono::NaiveDate::parse_from_str(<&str>::from_lite(v)?, "%F").map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests;
