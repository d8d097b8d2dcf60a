//! Where a delivery goes: the URL taken apart (scheme, host, port, path), and which IP
//! addresses a server on the Internet may be asked to reach.

use crm_ports::webhook::TransportError;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A receiver's address, taken apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// `https://` (else `http://`).
    pub https: bool,
    /// The host: a name, or an IP address (without the brackets of an IPv6 one).
    pub host: String,
    /// The port (443 or 80 unless given).
    pub port: u16,
    /// The path and query, `/` when empty.
    pub path_and_query: String,
    /// Whether the port was written.
    explicit_port: bool,
}

impl Target {
    /// The `Host` header.
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        if self.explicit_port {
            format!("{host}:{}", self.port)
        } else {
            host
        }
    }
}

/// Takes a receiver's URL apart.
///
/// # Errors
/// `Failed` with the reason: another scheme, no host, a bad port, credentials in it.
pub fn parse_url(url: &str) -> Result<Target, TransportError> {
    let bad = |why: &str| TransportError::Failed(format!("{why}: {url}"));
    let (https, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(bad("not an http(s) URL"));
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    if authority.contains('@') {
        return Err(bad("credentials in the URL"));
    }
    let tail = tail.split('#').next().unwrap_or_default();
    let path_and_query = match tail {
        "" => "/".to_owned(),
        t if t.starts_with('?') => format!("/{t}"),
        t => t.to_owned(),
    };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or_else(|| bad("bad IPv6 address"))?;
        (h.to_owned(), after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (authority.to_owned(), None),
        }
    };
    if host.is_empty() {
        return Err(bad("no host"));
    }
    let explicit_port = port.is_some();
    let port = match port {
        Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| bad("bad port"))?,
        None if https => 443,
        None => 80,
    };
    Ok(Target {
        https,
        host: host.to_ascii_lowercase(),
        port,
        path_and_query,
        explicit_port,
    })
}

/// Whether an address is on the public Internet: not loopback, private (RFC 1918),
/// shared (CGNAT), link-local (cloud metadata services live there), unique-local,
/// multicast, broadcast, unspecified, reserved or set aside for documentation.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => public_v4(v4),
            None => public_v6(v6),
        },
    }
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_unspecified()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || first == 0x2001 && ip.segments()[1] == 0x0db8
        || first == 0x0064 && ip.segments()[1] == 0xff9b)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_taken_apart() {
        let t = parse_url("https://Hooks.Exemple.fr/crm/in?x=1#frag").unwrap();
        assert_eq!(
            (t.https, t.host.as_str(), t.port, t.path_and_query.as_str()),
            (true, "hooks.exemple.fr", 443, "/crm/in?x=1")
        );
        assert_eq!(t.host_header(), "hooks.exemple.fr");
        let t = parse_url("http://127.0.0.1:9000").unwrap();
        assert_eq!(
            (t.port, t.path_and_query.as_str(), t.host_header().as_str()),
            (9000, "/", "127.0.0.1:9000")
        );
        let t = parse_url("http://[::1]:8080/h").unwrap();
        assert_eq!((t.host.as_str(), t.host_header().as_str()), ("::1", "[::1]:8080"));
        for bad in ["ftp://x", "https://", "https://u:p@x/", "http://x:0/", "http://x:99999/"] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }
}
