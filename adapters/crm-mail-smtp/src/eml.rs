//! The embedded mailer: each message written as `<dir>/<tenant>/<message-id>.eml`, to a
//! temporary name first, then renamed (a reader never sees half a message; the same
//! message written twice is one file).

use crate::mime;
use crm_domain::TenantId;
use crm_ports::mail::{MailError, Mailer, OutgoingMessage};
use crm_ports::runtime::BoxFuture;
use std::path::PathBuf;

/// Writes messages as `.eml` files.
#[derive(Debug, Clone)]
pub struct EmlMailer {
    dir: PathBuf,
}

impl EmlMailer {
    /// Messages written under `dir` (made when needed).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }
}

/// A file name from a Message-ID: what is not a letter, digit, `-`, `.` or `@` becomes `_`.
fn file_name(message_id: &str) -> String {
    let safe: String = message_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.eml")
}

impl Mailer for EmlMailer {
    fn send<'a>(&'a self, tenant: TenantId, message: &'a OutgoingMessage) -> BoxFuture<'a, Result<(), MailError>> {
        Box::pin(async move {
            let bytes = mime::build(message)?.formatted();
            let dir = self.dir.join(tenant.as_uuid().to_string());
            let io = |e: std::io::Error| MailError::Transient(format!("writing {}: {e}", dir.display()));
            tokio::fs::create_dir_all(&dir).await.map_err(io)?;
            let name = file_name(&message.message_id);
            let tmp = dir.join(format!(".{name}.tmp"));
            tokio::fs::write(&tmp, &bytes).await.map_err(io)?;
            tokio::fs::rename(&tmp, dir.join(&name)).await.map_err(io)?;
            Ok(())
        })
    }

    fn forget<'a>(&'a self, tenant: TenantId, message_ids: &'a [String]) -> BoxFuture<'a, Result<(), MailError>> {
        Box::pin(async move {
            let dir = self.dir.join(tenant.as_uuid().to_string());
            for id in message_ids {
                let path = dir.join(file_name(id));
                match tokio::fs::remove_file(&path).await {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(MailError::Transient(format!("removing {}: {e}", path.display()))),
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn names_are_safe() {
        assert_eq!(file_name("01/..\\x@crm.fr"), "01_.._x@crm.fr.eml");
    }
}
