//! Money as integer minor units with an ISO 4217 currency, and probabilities in whole percent.

use crate::error::{ValidationError, ViolationKind};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The circulating currencies of ISO 4217 (list of 2025), sorted: funds, precious metals
/// and testing codes (`XAU`, `XTS`, `XXX`...) are not money a company sells in.
const ISO_4217: [[u8; 3]; 159] = [
    *b"AED", *b"AFN", *b"ALL", *b"AMD", *b"ANG", *b"AOA", *b"ARS", *b"AUD", *b"AWG", *b"AZN", *b"BAM", *b"BBD", *b"BDT", *b"BGN", *b"BHD",
    *b"BIF", *b"BMD", *b"BND", *b"BOB", *b"BRL", *b"BSD", *b"BTN", *b"BWP", *b"BYN", *b"BZD", *b"CAD", *b"CDF", *b"CHF", *b"CLP", *b"CNY",
    *b"COP", *b"CRC", *b"CUC", *b"CUP", *b"CVE", *b"CZK", *b"DJF", *b"DKK", *b"DOP", *b"DZD", *b"EGP", *b"ERN", *b"ETB", *b"EUR", *b"FJD",
    *b"FKP", *b"GBP", *b"GEL", *b"GHS", *b"GIP", *b"GMD", *b"GNF", *b"GTQ", *b"GYD", *b"HKD", *b"HNL", *b"HTG", *b"HUF", *b"IDR", *b"ILS",
    *b"INR", *b"IQD", *b"IRR", *b"ISK", *b"JMD", *b"JOD", *b"JPY", *b"KES", *b"KGS", *b"KHR", *b"KMF", *b"KPW", *b"KRW", *b"KWD", *b"KYD",
    *b"KZT", *b"LAK", *b"LBP", *b"LKR", *b"LRD", *b"LSL", *b"LYD", *b"MAD", *b"MDL", *b"MGA", *b"MKD", *b"MMK", *b"MNT", *b"MOP", *b"MRU",
    *b"MUR", *b"MVR", *b"MWK", *b"MXN", *b"MYR", *b"MZN", *b"NAD", *b"NGN", *b"NIO", *b"NOK", *b"NPR", *b"NZD", *b"OMR", *b"PAB", *b"PEN",
    *b"PGK", *b"PHP", *b"PKR", *b"PLN", *b"PYG", *b"QAR", *b"RON", *b"RSD", *b"RUB", *b"RWF", *b"SAR", *b"SBD", *b"SCR", *b"SDG", *b"SEK",
    *b"SGD", *b"SHP", *b"SLE", *b"SLL", *b"SOS", *b"SRD", *b"SSP", *b"STN", *b"SVC", *b"SYP", *b"SZL", *b"THB", *b"TJS", *b"TMT", *b"TND",
    *b"TOP", *b"TRY", *b"TTD", *b"TWD", *b"TZS", *b"UAH", *b"UGX", *b"USD", *b"UYU", *b"UZS", *b"VED", *b"VES", *b"VND", *b"VUV", *b"WST",
    *b"XAF", *b"XCD", *b"XCG", *b"XOF", *b"XPF", *b"YER", *b"ZAR", *b"ZMW", *b"ZWG",
];

/// An ISO 4217 currency code: three upper-case ASCII letters ("EUR"), one of the
/// circulating currencies.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    /// The euro, default currency of a tenant.
    pub const EUR: Currency = Currency(*b"EUR");

    /// Parses a code, accepting lower case.
    ///
    /// # Errors
    /// `malformed` unless three ASCII letters, `unknown` for a code that is not a
    /// circulating ISO 4217 currency (`ZZZ`).
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let up = raw.trim().to_ascii_uppercase();
        let bytes = up.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(ValidationError::field("", ViolationKind::Malformed));
        }
        let code = [bytes[0], bytes[1], bytes[2]];
        if ISO_4217.binary_search(&code).is_err() {
            return Err(ValidationError::field("", ViolationKind::Unknown));
        }
        Ok(Self(code))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Currency {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_owned()
    }
}

/// A non-negative amount in minor units (cents) of a currency. Never a float.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// Largest accepted amount: 10^15 minor units (ten thousand billion euros), far below
    /// `i64::MAX`, so that sums over millions of deals stay exact in `i128`.
    pub const MAX_MINOR: i64 = 1_000_000_000_000_000;

    /// Checks an amount.
    ///
    /// # Errors
    /// `too_small` when negative, `too_large` above [`Money::MAX_MINOR`].
    pub fn new(minor: i64, currency: Currency) -> Result<Self, ValidationError> {
        if minor < 0 {
            return Err(ValidationError::field("amount", ViolationKind::TooSmall));
        }
        if minor > Self::MAX_MINOR {
            return Err(ValidationError::field("amount", ViolationKind::TooLarge));
        }
        Ok(Self { minor, currency })
    }

    /// Amount in minor units.
    pub const fn minor(&self) -> i64 {
        self.minor
    }

    /// Currency.
    pub const fn currency(&self) -> Currency {
        self.currency
    }
}

/// A probability in whole percent, 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Probability(u8);

impl Probability {
    /// Certain loss.
    pub const ZERO: Probability = Probability(0);
    /// Certain win.
    pub const HUNDRED: Probability = Probability(100);

    /// Checks a percentage.
    ///
    /// # Errors
    /// `too_small` below 0, `too_large` above 100.
    pub fn new(percent: i64) -> Result<Self, ValidationError> {
        if percent < 0 {
            return Err(ValidationError::field("", ViolationKind::TooSmall));
        }
        if percent > 100 {
            return Err(ValidationError::field("", ViolationKind::TooLarge));
        }
        Ok(Self(u8::try_from(percent).unwrap_or(100)))
    }

    /// The percentage.
    pub const fn percent(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for Probability {
    type Error = ValidationError;
    fn try_from(v: i64) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}

impl From<Probability> for i64 {
    fn from(p: Probability) -> i64 {
        i64::from(p.0)
    }
}

/// An amount in minor units (cents), as people write it: `1 234,50 €` / `€1,234.50`;
/// whole amounts without their cents (`12 500 €`). Other currencies keep their code
/// (`1 234 CHF`).
pub fn written(minor: i128, currency: &str, language: crate::tenant::Language) -> String {
    use crate::tenant::Language;
    let negative = minor < 0;
    let minor = minor.unsigned_abs();
    let (units, cents) = (minor / 100, minor % 100);
    let digits = units.to_string();
    let sep = match language {
        Language::Fr => '\u{202f}',
        Language::En => ',',
    };
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(sep);
        }
        grouped.push(d);
    }
    if cents != 0 {
        grouped.push(if language == Language::Fr { ',' } else { '.' });
        grouped.push_str(&format!("{cents:02}"));
    }
    let sign = if negative { "-" } else { "" };
    let symbol = match currency {
        "EUR" => Some("€"),
        "USD" => Some("$"),
        "GBP" => Some("£"),
        _ => None,
    };
    match (language, symbol) {
        (Language::Fr, Some(s)) => format!("{sign}{grouped}\u{a0}{s}"),
        (Language::En, Some(s)) => format!("{sign}{s}{grouped}"),
        (_, None) => format!("{sign}{grouped}\u{a0}{currency}"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn currency_parsing() {
        assert_eq!(Currency::parse("eur").unwrap(), Currency::EUR);
        assert!(Currency::parse("EURO").is_err());
        assert!(Currency::parse("E1R").is_err());
        assert!(Currency::parse("").is_err());
        assert_eq!(Currency::parse("ZZZ").unwrap_err().errors()[0].kind, ViolationKind::Unknown);
        assert!(Currency::parse("XXX").is_err(), "testing code");
        for c in ["USD", "GBP", "CHF", "JPY", "XOF", "XPF", "MAD"] {
            assert!(Currency::parse(c).is_ok(), "{c}");
        }
    }

    #[test]
    fn money_bounds() {
        assert!(Money::new(-1, Currency::EUR).is_err());
        assert!(Money::new(Money::MAX_MINOR + 1, Currency::EUR).is_err());
        assert!(Money::new(i64::MAX, Currency::EUR).is_err());
        assert_eq!(Money::new(0, Currency::EUR).unwrap().minor(), 0);
    }

    #[test]
    fn probability_bounds() {
        assert!(Probability::new(-1).is_err());
        assert!(Probability::new(101).is_err());
        assert_eq!(Probability::new(55).unwrap().percent(), 55);
    }
}
