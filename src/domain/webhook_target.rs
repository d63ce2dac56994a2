//! Where a webhook may send: an http(s) URL whose address is public, unless the operator
//! allows more. Checked when a subscription is written and again, on the resolved address,
//! at every delivery.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What the operator allows beyond https to public addresses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    /// Plain `http://` (POLICYTRACK_WEBHOOK_ALLOW_HTTP).
    pub allow_http: bool,
    /// Loopback, private, link-local and metadata addresses (POLICYTRACK_WEBHOOK_ALLOW_PRIVATE).
    pub allow_private: bool,
}

/// The parts of a webhook URL a delivery needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    /// A name, or an IP address (without brackets).
    pub host: String,
    pub port: u16,
}

impl Target {
    /// Parses `url` and applies `policy` to its scheme and, when the host is an address, to
    /// the address. The message says what is wrong.
    pub fn parse(url: &str, policy: TargetPolicy) -> Result<Self, String> {
        if !url.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(
                "must be printable ASCII without spaces: percent-encode other \
                 characters, and write an international host name in punycode"
                    .into(),
            );
        }
        let (https, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err("must be an https URL".into());
        };
        if !https && !policy.allow_http {
            return Err(
                "must be an https URL (plain http needs POLICYTRACK_WEBHOOK_ALLOW_HTTP)".into(),
            );
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err("must not carry a user name or password".into());
        }
        let (host, port) = split_host_port(authority)?;
        let port = port.unwrap_or(if https { 443 } else { 80 });
        if host.is_empty() {
            return Err("has no host".into());
        }
        if let Ok(ip) = host.parse::<IpAddr>() {
            refuse(ip, policy)?;
        } else if !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        {
            return Err("has a host name that is not a DNS name".into());
        }
        Ok(Self {
            https,
            host: host.to_ascii_lowercase(),
            port,
        })
    }
}

fn split_host_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .ok_or("has an unclosed [ in its host")?;
        host.parse::<Ipv6Addr>()
            .map_err(|_| "has a bracketed host that is no IPv6 address")?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) => Some(
            // No leading zero: the documented pattern has none, and "0080" hides the port.
            p.parse::<u16>()
                .ok()
                .filter(|n| *n > 0 && !p.starts_with('0'))
                .ok_or("has a port that is not a number from 1 to 65535")?,
        ),
    };
    Ok((host, port))
}

/// `Err` with the reason when `policy` refuses to send to `ip`.
pub fn refuse(ip: IpAddr, policy: TargetPolicy) -> Result<(), String> {
    if policy.allow_private {
        return Ok(());
    }
    match non_public(ip) {
        Some(kind) => Err(format!(
            "points at a {kind} address ({ip}); only public addresses are allowed \
             (POLICYTRACK_WEBHOOK_ALLOW_PRIVATE)"
        )),
        None => Ok(()),
    }
}

/// What kind of non-public address `ip` is, if it is one.
fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return non_public_v4(v4);
            }
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if first & 0xfe00 == 0xfc00 {
                Some("private (unique local)")
            } else if first & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if first & 0xff00 == 0xff00 {
                Some("multicast")
            } else if v6.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                // NAT64 reaches IPv4 addresses: judge the one it embeds.
                let [.., a, b] = v6.segments();
                non_public_v4(Ipv4Addr::from((u32::from(a) << 16) | u32::from(b)))
            } else if first == 0x2001 && v6.segments()[1] == 0x0db8 {
                Some("documentation")
            } else {
                None
            }
        }
    }
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_private() {
        Some("private")
    } else if ip.is_link_local() {
        // 169.254.169.254 is where clouds serve instance metadata and credentials.
        Some("link-local (cloud metadata)")
    } else if ip.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (carrier-grade NAT)")
    } else if a >= 224 {
        Some("multicast or reserved")
    } else if (a == 192 && b == 0 && ip.octets()[2] == 0) || (a == 198 && (b & 0xfe) == 18) {
        Some("reserved")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: TargetPolicy = TargetPolicy {
        allow_http: false,
        allow_private: false,
    };

    #[test]
    fn https_names_and_public_addresses_pass() {
        let t = Target::parse("https://hooks.example.org/in?x=1", STRICT).expect("ok");
        assert_eq!(
            (t.https, t.host.as_str(), t.port),
            (true, "hooks.example.org", 443)
        );
        let t = Target::parse("https://8.8.8.8:8443/", STRICT).expect("ok");
        assert_eq!((t.host.as_str(), t.port), ("8.8.8.8", 8443));
        let t = Target::parse("https://[2606:4700::1111]/x", STRICT).expect("ok");
        assert_eq!(t.host, "2606:4700::1111");
    }

    #[test]
    fn http_needs_the_setting() {
        assert!(Target::parse("http://hooks.example.org/", STRICT).is_err());
        let policy = TargetPolicy {
            allow_http: true,
            allow_private: false,
        };
        assert_eq!(
            Target::parse("http://hooks.example.org/", policy).map(|t| t.port),
            Ok(80)
        );
    }

    #[test]
    fn non_public_addresses_are_refused_unless_allowed() {
        for url in [
            "https://127.0.0.1/",
            "https://10.1.2.3/",
            "https://172.16.0.1/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data/",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[fd00::1]/",
            "https://[fe80::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[64:ff9b::a9fe:a9fe]/",
        ] {
            assert!(Target::parse(url, STRICT).is_err(), "{url} was allowed");
            let open = TargetPolicy {
                allow_http: false,
                allow_private: true,
            };
            assert!(
                Target::parse(url, open).is_ok(),
                "{url} refused when allowed"
            );
        }
    }

    #[test]
    fn malformed_authorities_are_refused() {
        for url in [
            "https://user:pw@example.org/",
            "https://example.org:0/",
            "https://example.org:99999/",
            "https://example.org:0080/",
            "https://bücher.example/",
            "https://example.org/ä",
            "https:///path",
            "https://exa mple.org/",
            "https://[::1/",
            "ftp://example.org/",
        ] {
            assert!(Target::parse(url, STRICT).is_err(), "{url} was allowed");
        }
    }
}
