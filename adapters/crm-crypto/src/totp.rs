//! Time-based one-time passwords (RFC 6238, the codes of an authenticator app): six digits
//! from HMAC-SHA1 over the 30-second step since the Unix epoch, with the secret shown to
//! the person in base32 (RFC 4648, no padding) and as an `otpauth://` address.
//!
//! Written here over `ring`'s HMAC rather than with a TOTP crate: the algorithm is a
//! dozen lines, `ring` already carries the one primitive it needs, and the crates made for
//! it bring a second HMAC and SHA-1 implementation with them. RFC 6238's own test vectors
//! and an independent implementation (Python's `pyotp`, in the end-to-end tests) check it.

use ring::hmac;

pub use crm_domain::second_factor::{DIGITS, SECRET_BYTES, STEP_SECONDS, base32, otpauth_uri, step_at};

/// The code of `secret` for a step, with `digits` digits (RFC 4226's truncation).
pub fn code_for_step(secret: &[u8], step: u64, digits: u32) -> u32 {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let mac = hmac::sign(&key, &step.to_be_bytes());
    let h = mac.as_ref();
    let offset = usize::from(h[h.len() - 1] & 0x0f);
    let bin =
        (u32::from(h[offset] & 0x7f) << 24) | (u32::from(h[offset + 1]) << 16) | (u32::from(h[offset + 2]) << 8) | u32::from(h[offset + 3]);
    bin % 10u32.pow(digits)
}

/// The step whose six-digit code `code` is, within a step of `unix_seconds`
/// ([`crm_domain::second_factor::matching_step`] over this HMAC); `None` otherwise.
pub fn matching_step(secret: &[u8], code: &str, unix_seconds: i64) -> Option<u64> {
    let wanted = crm_domain::second_factor::typed_code(code)?;
    crm_domain::second_factor::matching_step(wanted, unix_seconds, |step| code_for_step(secret, step, DIGITS))
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc_6238_vectors() {
        // Appendix B, SHA-1, 8 digits.
        for (t, code) in [
            (59, 94_287_082),
            (1_111_111_109, 7_081_804),
            (1_111_111_111, 14_050_471),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
            (20_000_000_000, 65_353_130),
        ] {
            let step = step_at(t).unwrap_or_default();
            assert_eq!(code_for_step(RFC_SECRET, step, 8), code, "T = {t}");
            assert_eq!(code_for_step(RFC_SECRET, step, 6), code % 1_000_000, "T = {t}, six digits");
        }
    }

    #[test]
    fn a_code_matches_its_step_and_the_neighbours_only() {
        let t = 1_234_567_890;
        let step = step_at(t).unwrap_or_default();
        let code = |s| format!("{:06}", code_for_step(RFC_SECRET, s, 6));
        assert_eq!(matching_step(RFC_SECRET, &code(step), t), Some(step));
        assert_eq!(matching_step(RFC_SECRET, &code(step - 1), t), Some(step - 1));
        assert_eq!(matching_step(RFC_SECRET, &code(step + 1), t), Some(step + 1));
        assert_eq!(matching_step(RFC_SECRET, &code(step - 2), t), None, "a minute old");
        assert_eq!(matching_step(RFC_SECRET, "005 924", t), Some(step), "spaces as apps show them");
        for bad in ["", "12345", "1234567", "abcdef", "00592a"] {
            assert_eq!(matching_step(RFC_SECRET, bad, t), None, "{bad:?}");
        }
    }
}
