//! Checking a webhook delivery on the receiving side: the `Crm-Signature` header is
//! `t=<Unix seconds>,v1=<hex>`, where `v1` is the HMAC-SHA256, keyed with the
//! subscription's whole secret (`whsec_…`), of `"<t>.<raw body>"` (Stripe's scheme).
//!
//! ```
//! # fn demo(headers: &std::collections::HashMap<String, String>, body: &[u8]) {
//! use crm_sdk::webhook;
//! let now = std::time::SystemTime::now()
//!     .duration_since(std::time::UNIX_EPOCH)
//!     .map_or(0, |d| d.as_secs() as i64);
//! let header = headers.get(webhook::SIGNATURE_HEADER).map_or("", String::as_str);
//! match webhook::verify("whsec_…", header, body, now) {
//!     Ok(()) => { /* parse the body; deduplicate on the `Crm-Event-Id` header */ }
//!     Err(e) => eprintln!("refused: {e}"), // answer 400: nothing is retried
//! }
//! # }
//! ```

/// The signature header.
pub const SIGNATURE_HEADER: &str = "Crm-Signature";
/// The event id header: the same at every attempt of a delivery (deduplicate on it).
pub const EVENT_ID_HEADER: &str = "Crm-Event-Id";
/// The event type header (`contact.created`, `opportunity.won`…).
pub const EVENT_TYPE_HEADER: &str = "Crm-Event-Type";
/// How far from the receiver's clock a signing time is accepted, in seconds (a replayed
/// old delivery is refused past it).
pub const TOLERANCE_SECONDS: i64 = 300;

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The header has no `t=` time or no `v1=` signature.
    #[error("the signature header is malformed")]
    Malformed,
    /// Signed more than [`TOLERANCE_SECONDS`] away from `now`.
    #[error("signed at {signed}, too far from now ({now})")]
    TooOld {
        /// The signing time, Unix seconds.
        signed: i64,
        /// The receiver's time, Unix seconds.
        now: i64,
    },
    /// No signature of the header matches the body under this secret.
    #[error("the signature does not match the body")]
    Mismatch,
}

/// Checks that `header` (the `Crm-Signature` value) signs `body` (the raw bytes received,
/// before any parsing) with `secret`, at a time within [`TOLERANCE_SECONDS`] of `now`
/// (Unix seconds). The comparison takes the same time whatever the bytes.
///
/// # Errors
/// [`SignatureError`], saying which check failed.
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64) -> Result<(), SignatureError> {
    let mut signed = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => signed = v.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.extend(hex::decode(v).ok()),
            _ => {}
        }
    }
    let Some(signed) = signed else {
        return Err(SignatureError::Malformed);
    };
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if now.abs_diff(signed) > TOLERANCE_SECONDS.unsigned_abs() {
        return Err(SignatureError::TooOld { signed, now });
    }
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let message = [signed.to_string().as_bytes(), b".", body].concat();
    if signatures.iter().any(|s| ring::hmac::verify(&key, &message, s).is_ok()) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Computed apart, with Python's hmac:
    // hmac.new(b"whsec_test", b"1700000000." + b'{"id":"evt_1"}', hashlib.sha256).hexdigest()
    const HEADER: &str = "t=1700000000,v1=c89214b5b5da833daed6f0b8c5bb6bd58cea9022bd80ccc78230f3942d632925";
    const BODY: &[u8] = br#"{"id":"evt_1"}"#;

    #[test]
    fn a_signature_made_elsewhere_verifies() {
        assert_eq!(verify("whsec_test", HEADER, BODY, 1_700_000_100), Ok(()));
    }

    #[test]
    fn each_check_fails_on_its_own() {
        assert_eq!(verify("whsec_other", HEADER, BODY, 1_700_000_100), Err(SignatureError::Mismatch));
        assert_eq!(
            verify("whsec_test", HEADER, br#"{"id":"evt_2"}"#, 1_700_000_100),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify("whsec_test", HEADER, BODY, 1_700_000_301),
            Err(SignatureError::TooOld {
                signed: 1_700_000_000,
                now: 1_700_000_301
            })
        );
        assert_eq!(verify("whsec_test", "v1=00", BODY, 0), Err(SignatureError::Malformed));
        assert_eq!(verify("whsec_test", "t=1", BODY, 1), Err(SignatureError::Malformed));
        // A time at the end of the range is only too old, never an overflow.
        let extreme = HEADER.replace("t=1700000000", &format!("t={}", i64::MIN));
        assert!(matches!(
            verify("whsec_test", &extreme, BODY, i64::MAX),
            Err(SignatureError::TooOld { .. })
        ));
        // The time is signed too: moving it breaks the signature.
        let moved = HEADER.replace("t=1700000000", "t=1700000001");
        assert_eq!(verify("whsec_test", &moved, BODY, 1_700_000_100), Err(SignatureError::Mismatch));
    }

    #[test]
    fn the_servers_own_signatures_verify() {
        let body = br#"{"type":"contact.created"}"#;
        let header = crm_webhooks::signature("whsec_abc", 42, body);
        assert_eq!(verify("whsec_abc", &header, body, 42), Ok(()));
        assert_eq!(verify("whsec_abd", &header, body, 42), Err(SignatureError::Mismatch));
    }
}
