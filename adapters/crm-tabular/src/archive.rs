//! ZIP archives of a company's export: written as a stream (no seeking back: each file's
//! sizes follow its data), so the archive goes out while it is made; read back part by
//! part within the limits (the sizes the parts declare summed first, then each part
//! unpacked into a bounded buffer: a part lying about its size is caught).

use crate::{Limits, ReadError};
use std::io::{Cursor, Read, Write};
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipWriter};

/// Most files an archive of ours holds.
const MAX_FILES: usize = 64;

/// An archive being written file after file into `W`.
pub struct ZipStream<W: Write> {
    zip: ZipWriter<StreamWriter<W>>,
    modified: Option<zip::DateTime>,
}

impl<W: Write> std::fmt::Debug for ZipStream<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZipStream").finish_non_exhaustive()
    }
}

impl<W: Write> ZipStream<W> {
    /// An empty archive written into `out`, its files dated `at` (as the archive format
    /// keeps it, without a time zone; none outside 1980-2107).
    pub fn new(out: W, at: chrono::NaiveDateTime) -> Self {
        use chrono::{Datelike, Timelike};
        let n = |x: u32| u8::try_from(x).unwrap_or(0);
        let modified = u16::try_from(at.year()).ok().and_then(|y| {
            zip::DateTime::from_date_and_time(y, n(at.month()), n(at.day()), n(at.hour()), n(at.minute()), n(at.second())).ok()
        });
        Self {
            zip: ZipWriter::new_stream(out),
            modified,
        }
    }

    /// Starts the next file (deflated; the previous one ends).
    ///
    /// # Errors
    /// Writing failed.
    pub fn start(&mut self, name: &str) -> std::io::Result<()> {
        let mut options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .large_file(true);
        if let Some(at) = self.modified {
            options = options.last_modified_time(at);
        }
        self.zip.start_file(name, options).map_err(std::io::Error::other)
    }

    /// Bytes of the current file.
    ///
    /// # Errors
    /// Writing failed.
    pub fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.zip.write_all(bytes)
    }

    /// Ends the archive (its directory written) and gives back the writer.
    ///
    /// # Errors
    /// Writing failed.
    pub fn finish(self) -> std::io::Result<W> {
        self.zip.finish().map(StreamWriter::into_inner).map_err(std::io::Error::other)
    }
}

/// The files of an archive, by name, each unpacked: refused when the archive holds more
/// than 64 files or would unpack to more than `limits.max_unpacked_bytes`, or one file to
/// more than `limits.max_bytes`.
///
/// # Errors
/// [`ReadError`]: not an archive, over a limit.
pub fn read_archive(bytes: &[u8], limits: &Limits) -> Result<Vec<(String, Vec<u8>)>, ReadError> {
    let not = |e: &dyn std::fmt::Display| ReadError::NotAWorkbook { reason: e.to_string() };
    let too_large = || ReadError::TooLargeUnpacked {
        max: limits.max_unpacked_bytes,
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| not(&e))?;
    if archive.len() > MAX_FILES {
        return Err(not(&format!("more than {MAX_FILES} files")));
    }
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        let part = archive.by_index_raw(i).map_err(|e| not(&e))?;
        declared = declared.saturating_add(part.size());
        if declared > limits.max_unpacked_bytes {
            return Err(too_large());
        }
    }
    let mut out = Vec::with_capacity(archive.len());
    let mut total: u64 = 0;
    let per_file = limits.max_bytes as u64;
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).map_err(|e| not(&e))?;
        if part.is_dir() {
            continue;
        }
        let name = part.name().map_err(|e| not(&e))?.into_owned();
        let mut buf = Vec::with_capacity(usize::try_from(part.size().min(per_file)).unwrap_or(0));
        (&mut part)
            .take(per_file.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(|e| not(&e))?;
        if buf.len() as u64 > per_file {
            return Err(ReadError::TooLarge { max: limits.max_bytes });
        }
        total = total.saturating_add(buf.len() as u64);
        if total > limits.max_unpacked_bytes {
            return Err(too_large());
        }
        out.push((name, buf));
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_streamed_archive_reads_back() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap().and_hms_opt(9, 30, 0).unwrap();
        let mut z = ZipStream::new(Vec::new(), at);
        z.start("contacts.csv").unwrap();
        z.write(b"a,b\n").unwrap();
        z.write(b"1,2\n").unwrap();
        z.start("events.jsonl").unwrap();
        z.write(b"{}\n").unwrap();
        let bytes = z.finish().unwrap();
        let files = read_archive(&bytes, &Limits::default()).unwrap();
        assert_eq!(
            files,
            vec![
                ("contacts.csv".to_owned(), b"a,b\n1,2\n".to_vec()),
                ("events.jsonl".to_owned(), b"{}\n".to_vec())
            ]
        );
    }

    #[test]
    fn a_file_unpacking_past_the_limits_is_refused() {
        let mut z = ZipStream::new(Vec::new(), chrono::NaiveDateTime::default());
        z.start("big.csv").unwrap();
        z.write(&vec![b'a'; 100_000]).unwrap();
        let bytes = z.finish().unwrap();
        assert!(bytes.len() < 2_000, "deflated");
        let small = Limits {
            max_bytes: 10_000,
            ..Limits::default()
        };
        assert_eq!(read_archive(&bytes, &small), Err(ReadError::TooLarge { max: 10_000 }));
        let unpacked = Limits {
            max_unpacked_bytes: 50_000,
            ..Limits::default()
        };
        assert!(matches!(read_archive(&bytes, &unpacked), Err(ReadError::TooLargeUnpacked { .. })));
        assert!(read_archive(b"PK not really", &Limits::default()).is_err());
    }
}
