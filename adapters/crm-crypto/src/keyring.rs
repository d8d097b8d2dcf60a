//! Master keys: parsed from configuration or kept in a file of the data directory
//! (created with mode 0600 on first start), never printed.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// Why keys could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key specification is malformed.
    #[error("malformed master key specification: {0}")]
    Malformed(&'static str),
    /// The key file cannot be read or written.
    #[error("key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// No random bytes.
    #[error("random generator failure")]
    Random,
}

/// Master keys by id. The highest id encrypts. The lowest is the blind-index root of a new
/// installation, which then keeps that root sealed in its store (see `Cipher::seal_index_root`).
#[derive(Clone)]
pub struct Keyring {
    keys: BTreeMap<u32, [u8; 32]>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("key_ids", &self.keys.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// Parses `ID:HEX[,ID:HEX...]` (64 hex digits per key), or a bare `HEX` for key id 1.
    ///
    /// # Errors
    /// `Malformed` with what is wrong (never the key itself).
    pub fn from_spec(spec: &str) -> Result<Self, KeyError> {
        let mut keys = BTreeMap::new();
        for part in spec.split([',', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
            let (id, hex_key) = match part.split_once(':') {
                Some((id, k)) => (
                    id.trim()
                        .parse::<u32>()
                        .map_err(|_| KeyError::Malformed("key id is not a number"))?,
                    k.trim(),
                ),
                None => (1, part),
            };
            let bytes = hex::decode(hex_key).map_err(|_| KeyError::Malformed("key is not hexadecimal"))?;
            let key: [u8; 32] = bytes.try_into().map_err(|_| KeyError::Malformed("key is not 32 bytes"))?;
            if keys.insert(id, key).is_some() {
                return Err(KeyError::Malformed("key id given twice"));
            }
        }
        if keys.is_empty() {
            return Err(KeyError::Malformed("no key"));
        }
        Ok(Self { keys })
    }

    /// Reads the key file, or creates it with one fresh key (mode 0600) when absent.
    ///
    /// # Errors
    /// `Io` or `Malformed`.
    pub fn load_or_create(path: &Path) -> Result<Self, KeyError> {
        let io = |source| KeyError::Io {
            path: path.display().to_string(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Self::from_spec(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut key).map_err(|_| KeyError::Random)?;
                let text = format!("1:{}\n", hex::encode(key));
                write_private(path, text.as_bytes()).map_err(io)?;
                Self::from_spec(&text)
            }
            Err(e) => Err(io(e)),
        }
    }

    /// Id of the key new ciphertexts use.
    pub fn current_id(&self) -> u32 {
        self.keys.keys().next_back().copied().unwrap_or(1)
    }

    /// The key ids, lowest first.
    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.keys.keys().copied()
    }

    /// A key by id.
    pub fn get(&self, id: u32) -> Option<&[u8; 32]> {
        self.keys.get(&id)
    }

    /// These keys and a new random one, whose id is one more than the highest: the key in
    /// charge of new ciphertexts from then on. Returns the new id.
    ///
    /// # Errors
    /// `Random`; `Malformed` when the ids are exhausted.
    pub fn with_new_key(&self) -> Result<(Self, u32), KeyError> {
        let id = self.current_id().checked_add(1).ok_or(KeyError::Malformed("no key id left"))?;
        let mut key = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut key).map_err(|_| KeyError::Random)?;
        let mut keys = self.keys.clone();
        keys.insert(id, key);
        Ok((Self { keys }, id))
    }

    /// These keys without `id` (`None` when none would be left).
    pub fn without(&self, id: u32) -> Option<Self> {
        let mut keys = self.keys.clone();
        keys.remove(&id);
        (!keys.is_empty()).then_some(Self { keys })
    }

    /// Replaces the key file with these keys (mode 0600; written aside, then renamed over
    /// it, so that a crash leaves the old file or the new one, never half of one).
    ///
    /// # Errors
    /// `Io`.
    pub fn write_file(&self, path: &Path) -> Result<(), KeyError> {
        let io = |source| KeyError::Io {
            path: path.display().to_string(),
            source,
        };
        let text: String = self.keys.iter().map(|(id, k)| format!("{id}:{}\n", hex::encode(k))).collect();
        let aside = path.with_extension("key.new");
        let _ = std::fs::remove_file(&aside);
        write_private(&aside, text.as_bytes()).map_err(io)?;
        std::fs::rename(&aside, path).map_err(io)
    }

    /// The blind-index root of an installation that has none stored yet.
    pub fn initial_index_root(&self) -> &[u8; 32] {
        static ZERO: [u8; 32] = [0; 32];
        self.keys.values().next().unwrap_or(&ZERO)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn file_is_created_private_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let a = Keyring::load_or_create(&path).unwrap();
        let b = Keyring::load_or_create(&path).unwrap();
        assert_eq!(a.get(1), b.get(1));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn debug_never_prints_keys() {
        let k = Keyring::from_spec("7:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff").unwrap();
        let s = format!("{k:?}");
        assert!(!s.contains("ffff"));
        assert!(s.contains('7'));
    }

    #[test]
    fn malformed_specs() {
        assert!(Keyring::from_spec("").is_err());
        assert!(Keyring::from_spec("zz").is_err());
        assert!(Keyring::from_spec("1:00").is_err());
        assert!(Keyring::from_spec("x:0101010101010101010101010101010101010101010101010101010101010101").is_err());
    }

    #[test]
    fn a_new_key_takes_charge_and_the_file_keeps_them_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let one = Keyring::load_or_create(&path).unwrap();
        let (both, id) = one.with_new_key().unwrap();
        assert_eq!((id, both.current_id()), (2, 2));
        assert_eq!(both.get(1), one.get(1));
        both.write_file(&path).unwrap();
        let read = Keyring::load_or_create(&path).unwrap();
        assert_eq!((read.get(1), read.get(2)), (both.get(1), both.get(2)));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let two = read.without(1).unwrap();
        assert_eq!(two.ids().collect::<Vec<_>>(), vec![2]);
        assert!(two.without(2).is_none(), "never no key at all");
    }
}
