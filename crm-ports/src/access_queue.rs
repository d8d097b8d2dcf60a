//! The queue between the requests that log accesses to personal data and the access
//! log's writer (see `services/access_log.rs`): a channel's sending side, set while the
//! writer runs.

use crm_domain::access_log::AccessEntry;
use std::sync::RwLock;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

/// Where accesses wait for the writer, once it runs.
#[derive(Debug, Default)]
pub struct AccessQueue {
    sender: RwLock<Option<mpsc::Sender<AccessEntry>>>,
}

impl AccessQueue {
    /// Queues an access; gives it back when no writer takes it now.
    pub(crate) fn offer(&self, entry: AccessEntry) -> Result<(), AccessEntry> {
        let Ok(guard) = self.sender.read() else { return Err(entry) };
        match guard.as_ref() {
            Some(tx) => match tx.try_send(entry) {
                Ok(()) => Ok(()),
                Err(TrySendError::Full(e) | TrySendError::Closed(e)) => Err(e),
            },
            None => Err(entry),
        }
    }

    pub(crate) fn set(&self, sender: Option<mpsc::Sender<AccessEntry>>) {
        if let Ok(mut guard) = self.sender.write() {
            *guard = sender;
        }
    }
}
