//! Reading what a recipient did with an email: whether an open was a person's or a
//! machine's (privacy proxies and security scanners fetch every image and follow links as
//! the message arrives), and how an address is shown back on an unsubscribe page.

use chrono::Duration;

/// Opens this soon after the relay accepted the message are a machine's (a mail provider's
/// proxy fetching images at delivery, a scanner), not a reader's.
pub const MACHINE_WINDOW_SECONDS: i64 = 60;

/// Words of the user agents of known fetchers (proxies, scanners, link checkers).
const MACHINE_AGENTS: [&str; 12] = [
    "bot",
    "crawler",
    "spider",
    "preview",
    "yahoomailproxy",
    "barracuda",
    "mimecast",
    "proofpoint",
    "symantec",
    "microsoft office protection",
    "safelinks",
    "python-requests",
];

/// Whether an open (or a click) is a machine's: a known fetcher's user agent, no user
/// agent at all, or sooner than [`MACHINE_WINDOW_SECONDS`] after sending.
pub fn machine(user_agent: Option<&str>, since_sent: Option<Duration>) -> bool {
    let agent = user_agent.map(str::trim).unwrap_or_default().to_lowercase();
    if agent.is_empty() || MACHINE_AGENTS.iter().any(|m| agent.contains(m)) {
        return true;
    }
    since_sent.is_some_and(|d| d < Duration::seconds(MACHINE_WINDOW_SECONDS))
}

/// An address shown without giving it away: `l***@client.fr`.
pub fn masked(address: &str) -> String {
    match address.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machines_are_told_from_readers() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert!(!machine(Some(firefox), Some(Duration::minutes(5))));
        assert!(!machine(Some(firefox), None));
        assert!(machine(Some(firefox), Some(Duration::seconds(3))), "at delivery");
        assert!(machine(None, Some(Duration::hours(1))));
        assert!(machine(Some("Mozilla/5.0 (compatible; YahooMailProxy)"), Some(Duration::hours(1))));
    }

    #[test]
    fn addresses_are_masked() {
        assert_eq!(masked("lea.martin@client.fr"), "l***@client.fr");
        assert_eq!(masked("nothing"), "***");
    }
}
