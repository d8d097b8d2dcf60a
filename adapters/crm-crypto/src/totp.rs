//! Time-based one-time passwords (RFC 6238, the codes of an authenticator app): six digits
//! from HMAC-SHA1 over the 30-second step since the Unix epoch, with the secret shown to
//! the person in base32 (RFC 4648, no padding) and as an `otpauth://` address.
//!
//! Written here over `ring`'s HMAC rather than with a TOTP crate: the algorithm is a
//! dozen lines, `ring` already carries the one primitive it needs, and the crates made for
//! it bring a second HMAC and SHA-1 implementation with them. RFC 6238's own test vectors
//! and an independent implementation (Python's `pyotp`, in the end-to-end tests) check it.

use ring::hmac;

/// Seconds in a step.
pub const STEP_SECONDS: i64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Bytes of a secret (160 bits, as RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;

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

/// The step a Unix time falls in (`None` before the epoch).
pub fn step_at(unix_seconds: i64) -> Option<u64> {
    u64::try_from(unix_seconds.checked_div(STEP_SECONDS)?).ok()
}

/// The step whose code `code` is, among the step of `unix_seconds` and the one before and
/// after it (a clock a little off, a code typed as it changed); `None` when none matches
/// or the code is not six digits. Every step is computed: the time taken does not say
/// which one matched.
pub fn matching_step(secret: &[u8], code: &str, unix_seconds: i64) -> Option<u64> {
    let code = code.trim().replace(' ', "");
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let wanted: u32 = code.parse().ok()?;
    let now = step_at(unix_seconds)?;
    let mut found = None;
    for step in [now.checked_sub(1), Some(now), now.checked_add(1)].into_iter().flatten() {
        // Compared bit by bit without an early exit.
        let same = (code_for_step(secret, step, DIGITS) ^ wanted) == 0;
        if same && found.is_none() {
            found = Some(step);
        }
    }
    found
}

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Base32 (RFC 4648), without padding: how authenticator apps take a secret typed in.
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for b in bytes {
        buffer = (buffer << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 0x1f) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 0x1f) as usize]));
    }
    out
}

/// Percent-encodes a label part of an `otpauth://` address.
fn escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `otpauth://totp/` address an authenticator app reads (typed or from a QR code).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        escape(issuer),
        escape(account),
        base32(secret),
        escape(issuer)
    )
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

    #[test]
    fn secrets_read_as_apps_expect() {
        assert_eq!(base32(RFC_SECRET), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(
            otpauth_uri("CRM Duval & Fils", "claire@duval.fr", RFC_SECRET),
            "otpauth://totp/CRM%20Duval%20%26%20Fils:claire@duval.fr?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=CRM%20Duval%20%26%20Fils&algorithm=SHA1&digits=6&period=30"
        );
    }
}
