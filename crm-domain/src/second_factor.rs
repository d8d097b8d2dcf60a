//! The second factor of a login (TOTP, RFC 6238): the codes an authenticator app shows,
//! matched within one step of the clock; the secret as apps take it (base32 and an
//! `otpauth://` address); the recovery codes a person keeps on paper.
//!
//! The code of a step is an HMAC-SHA1, computed by the credentials adapter; everything
//! here is the arithmetic and the formats around it.

/// Seconds in a step.
pub const STEP_SECONDS: i64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Bytes of a secret (160 bits, as RFC 4226 recommends).
pub const SECRET_BYTES: usize = 20;
/// Recovery codes given at a time.
pub const RECOVERY_CODES: usize = 10;
/// Bytes of a recovery code (80 bits: sixteen base32 characters).
pub const RECOVERY_BYTES: usize = 10;

/// The step a Unix time falls in (`None` before the epoch).
pub fn step_at(unix_seconds: i64) -> Option<u64> {
    u64::try_from(unix_seconds).ok().map(|s| s / STEP_SECONDS.unsigned_abs())
}

/// A code as typed: six digits once spaces are dropped (apps show « 123 456 »); `None`
/// for anything else.
pub fn typed_code(code: &str) -> Option<u32> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() != DIGITS as usize || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The step whose code `wanted` is, among the step of `unix_seconds` and the one before
/// and after it (a clock a little off, a code typed as it changed); `code_at` gives the
/// code of a step. Every step is computed: the time taken does not say which one matched.
pub fn matching_step(wanted: u32, unix_seconds: i64, code_at: impl Fn(u64) -> u32) -> Option<u64> {
    let now = step_at(unix_seconds)?;
    let mut found = None;
    for step in [now.checked_sub(1), Some(now), now.checked_add(1)].into_iter().flatten() {
        let same = (code_at(step) ^ wanted) == 0;
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
        buffer &= 0xff;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 0x1f) as usize]));
    }
    out
}

/// The base32 secret in groups of four, as a person types it into an app.
pub fn grouped(secret_base32: &str) -> String {
    in_fours(secret_base32, " ")
}

/// `text` in groups of four characters, joined by `sep`.
fn in_fours(text: &str, sep: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(sep)
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

/// A recovery code as shown: sixteen base32 characters in four groups (`ABCD-EFGH-…`).
pub fn recovery_code(bytes: &[u8]) -> String {
    in_fours(&base32(bytes), "-")
}

/// A recovery code as typed, in the form it is hashed in: upper case, without dashes or
/// spaces; `None` when it cannot be one.
pub fn typed_recovery_code(typed: &str) -> Option<String> {
    let plain: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let len = (RECOVERY_BYTES * 8).div_ceil(5);
    (plain.len() == len && plain.bytes().all(|b| ALPHABET.contains(&b))).then_some(plain)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_matches_its_step_and_the_neighbours_only() {
        let t = 1_234_567_890;
        let step = step_at(t).unwrap_or_default();
        // A stand-in for the HMAC: a different code per step.
        let code_at = |s: u64| u32::try_from(s % 1_000_000).unwrap_or_default();
        assert_eq!(matching_step(code_at(step), t, code_at), Some(step));
        assert_eq!(matching_step(code_at(step - 1), t, code_at), Some(step - 1));
        assert_eq!(matching_step(code_at(step + 1), t, code_at), Some(step + 1));
        assert_eq!(matching_step(code_at(step - 2), t, code_at), None, "a minute old");
        assert_eq!(step_at(-1), None);
    }

    #[test]
    fn codes_are_read_as_typed() {
        assert_eq!(typed_code("005 924"), Some(5924));
        assert_eq!(typed_code(" 123456 "), Some(123_456));
        for bad in ["", "12345", "1234567", "abcdef", "00592a", "１２３４５６"] {
            assert_eq!(typed_code(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn secrets_read_as_apps_expect() {
        let rfc = b"12345678901234567890";
        assert_eq!(base32(rfc), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(grouped("GEZDGNBVGY"), "GEZD GNBV GY");
        assert_eq!(
            otpauth_uri("CRM Duval & Fils", "claire@duval.fr", rfc),
            "otpauth://totp/CRM%20Duval%20%26%20Fils:claire@duval.fr?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=CRM%20Duval%20%26%20Fils&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn recovery_codes_survive_the_way_people_type_them() {
        let shown = recovery_code(b"0123456789");
        assert_eq!(shown, "GAYT-EMZU-GU3D-OOBZ");
        let stored = typed_recovery_code(&shown);
        assert_eq!(stored.as_deref(), Some("GAYTEMZUGU3DOOBZ"));
        assert_eq!(typed_recovery_code("gayt emzu gu3d oobz"), stored);
        assert_eq!(typed_recovery_code("GAYT-EMZU-GU3D"), None);
        assert_eq!(typed_recovery_code("GAYT-EMZU-GU3D-OOB1"), None, "1 is not base32");
    }
}
