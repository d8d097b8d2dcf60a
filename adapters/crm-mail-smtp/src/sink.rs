//! A real SMTP server on loopback for tests and benchmarks: `scripts/smtp-sink.py`
//! (Python's aiosmtpd) started on a free port, writing every accepted message to a
//! directory; recipients starting with `bounce` get 550, with `later` 451. Stopped (killed)
//! when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A running sink.
#[derive(Debug)]
pub struct SmtpSink {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl SmtpSink {
    /// Starts the sink of the workspace at `root` (the directory holding `scripts/`),
    /// writing to `dir`.
    ///
    /// # Errors
    /// Python or aiosmtpd missing, or the server not ready.
    pub fn start(root: &Path, dir: &Path) -> std::io::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        Self::start_on(root, dir, port)
    }

    /// Starts it on `port` (a restart on the same port).
    ///
    /// # Errors
    /// As [`Self::start`].
    pub fn start_on(root: &Path, dir: &Path, port: u16) -> std::io::Result<Self> {
        let mut child = Command::new("python3")
            .arg(root.join("scripts/smtp-sink.py"))
            .arg(port.to_string())
            .arg(dir)
            .stdout(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()?;
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            BufReader::new(out).read_line(&mut line)?;
        }
        if line.trim() != "ready" {
            let _ = child.kill();
            return Err(std::io::Error::other("the SMTP sink did not start (is aiosmtpd installed?)"));
        }
        Ok(Self {
            child,
            port,
            dir: dir.to_owned(),
        })
    }

    /// Its port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its URL for [`crate::SmtpMailer`].
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The messages received so far, oldest first, as text.
    ///
    /// # Errors
    /// The directory cannot be read.
    pub fn messages(&self) -> std::io::Result<Vec<String>> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.dir)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|p| std::fs::read(p).map(|b| String::from_utf8_lossy(&b).into_owned()))
            .collect()
    }

    /// Stops it now.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}
