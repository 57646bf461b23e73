//! Outbound requests to URLs that users set (partner webhooks): only to public addresses.
//!
//! A URL is checked when it is set (its host resolved, every address public) and again at send
//! time, where the HTTP client's own resolver drops every non-public address after DNS
//! resolution, so a host that is re-pointed at an internal address later (DNS rebinding) reaches
//! nothing. The client never follows redirects and ignores proxy settings from the environment.
//!
//! Refused: loopback, private (RFC 1918), carrier-grade NAT, link-local (cloud metadata at
//! 169.254.169.254), unique-local, multicast, broadcast, unspecified, documentation and other
//! reserved ranges, and IPv6 forms that embed one of those IPv4 addresses. Outside production,
//! loopback stays allowed so a developer (or a test) can run a receiver on the same machine.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Which destinations a deployment may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboundPolicy {
    /// Loopback addresses and plain `http://` (development only).
    pub allow_loopback: bool,
}

impl OutboundPolicy {
    pub fn for_production(production: bool) -> Self {
        OutboundPolicy { allow_loopback: !production }
    }

    /// Whether a request may go to this address.
    pub fn allows(&self, ip: IpAddr) -> bool {
        if self.allow_loopback && canonical(ip).is_loopback() {
            return true;
        }
        is_public(ip)
    }

    /// Parses and checks a URL without resolving it: scheme, credentials, port and, when the host
    /// is an address, the address. The message says what is wrong, for the person who set it.
    pub fn check_syntax(&self, raw: &str) -> Result<Url, String> {
        let url = Url::parse(raw.trim()).map_err(|_| "not a valid URL".to_string())?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_loopback => {}
            "http" => return Err("must use https://".into()),
            _ => return Err("must be an https:// URL".into()),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not contain a user name or password".into());
        }
        if url.port() == Some(0) {
            return Err("port 0 is not a port".into());
        }
        match url.host() {
            None => return Err("needs a host".into()),
            Some(url::Host::Ipv4(v4)) if !self.allows(IpAddr::V4(v4)) => return Err(refused(IpAddr::V4(v4))),
            Some(url::Host::Ipv6(v6)) if !self.allows(IpAddr::V6(v6)) => return Err(refused(IpAddr::V6(v6))),
            Some(url::Host::Domain(d)) if d.trim_end_matches('.').eq_ignore_ascii_case("localhost") => {
                if !self.allow_loopback {
                    return Err("must not point at this server's own network (localhost)".into());
                }
            }
            Some(_) => {}
        }
        if self.allow_loopback && url.scheme() == "http" && !self.is_loopback_host(&url) {
            return Err("must use https:// (plain http:// is only for localhost in development)".into());
        }
        Ok(url)
    }

    /// [`check_syntax`](Self::check_syntax), then resolves the host and checks every address.
    pub async fn check(&self, raw: &str) -> Result<Url, String> {
        let url = self.check_syntax(raw)?;
        if let Some(url::Host::Domain(host)) = url.host() {
            let port = url.port_or_known_default().unwrap_or(443);
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
                .await
                .map_err(|_| format!("the host {host} does not resolve"))?
                .collect();
            if addrs.is_empty() {
                return Err(format!("the host {host} does not resolve"));
            }
            if let Some(bad) = addrs.iter().find(|a| !self.allows(a.ip())) {
                // The same message whether the host is written as an address or resolves to one.
                return Err(refused(bad.ip()));
            }
        }
        Ok(url)
    }

    fn is_loopback_host(&self, url: &Url) -> bool {
        match url.host() {
            Some(url::Host::Ipv4(v4)) => v4.is_loopback(),
            Some(url::Host::Ipv6(v6)) => canonical(IpAddr::V6(v6)).is_loopback(),
            Some(url::Host::Domain(d)) => d.trim_end_matches('.').eq_ignore_ascii_case("localhost"),
            None => false,
        }
    }

    /// An HTTP client for user-set URLs: the guarded resolver, no redirects, no proxies. An
    /// error here is never papered over with a default (unguarded) client.
    pub fn client(&self, user_agent: &str, timeout: Duration) -> reqwest::Result<reqwest::Client> {
        reqwest::Client::builder()
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver { policy: *self }))
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .timeout(timeout)
            .build()
    }
}

/// Says what is wrong without naming the address a host resolved to, so the check cannot be
/// used to look up NRP's internal names.
fn refused(_ip: IpAddr) -> String {
    "must point at a public address (loopback, private, link-local and reserved ranges are refused)".into()
}

/// The IPv4 address inside an IPv4-mapped or NAT64 IPv6 address; otherwise the address itself.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return IpAddr::V4(v4);
            }
            let s = v6.segments();
            // 64:ff9b::/96, the well-known NAT64 prefix, carries an IPv4 address in its last 32 bits.
            if s[0] == 0x64 && s[1] == 0xff9b && s[2..6].iter().all(|x| *x == 0) {
                let [.., a, b, c, d] = v6.octets();
                return IpAddr::V4(Ipv4Addr::new(a, b, c, d));
            }
            IpAddr::V6(v6)
        }
        v4 => v4,
    }
}

/// Globally routable unicast (what a partner's webhook receiver on the internet has).
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        || a == 0                                   // "this network"
        || (a == 100 && (64..128).contains(&b))     // carrier-grade NAT, 100.64.0.0/10
        || (a == 192 && b == 0 && c == 0)           // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19))       // benchmarking, 198.18.0.0/15
        || a >= 240) // reserved, 240.0.0.0/4
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    // 6to4 (2002::/16) carries an IPv4 address in bits 16..48: public only if that one is.
    if s[0] == 0x2002 {
        let [_, _, a, b, c, d, ..] = ip.octets();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || ip.is_unique_local()
        || ip.is_unicast_link_local()
        || (s[0] & 0xffc0) == 0xfec0                       // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8)              // documentation
        || (s[0] == 0x0100 && s[1..4].iter().all(|x| *x == 0)) // discard-only, 100::/64
        || (s[0] == 0x2001 && s[1] == 0)                   // Teredo, 2001::/32 (tunnels to anywhere)
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1)   // local-use NAT64, 64:ff9b:1::/48
        || (s[0..4].iter().all(|x| *x == 0))) // ::/64: IPv4-compatible, SIIT (::ffff:0:a.b.c.d) and the like
}

/// Resolves through the system, then keeps only the addresses the policy allows.
struct GuardedResolver {
    policy: OutboundPolicy,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = all.iter().copied().filter(|a| policy.allows(a.ip())).collect();
            if allowed.is_empty() {
                let msg = if all.is_empty() {
                    format!("{host} does not resolve")
                } else {
                    format!("{host} does not resolve to a public address")
                };
                return Err(msg.into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// Checks a URL's literal address at send time (the resolver is not asked for literal ones).
pub fn check_literal(policy: &OutboundPolicy, url: &Url) -> Result<(), String> {
    match url.host() {
        Some(url::Host::Ipv4(v4)) if !policy.allows(IpAddr::V4(v4)) => Err(refused(IpAddr::V4(v4))),
        Some(url::Host::Ipv6(v6)) if !policy.allows(IpAddr::V6(v6)) => Err(refused(IpAddr::V6(v6))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROD: OutboundPolicy = OutboundPolicy { allow_loopback: false };
    const DEV: OutboundPolicy = OutboundPolicy { allow_loopback: true };

    #[test]
    fn internal_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "127.1.2.3",
            "10.0.0.1",
            "172.16.5.4",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "198.18.0.1",
            "192.0.2.10",
            "::",
            "::1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::10.0.0.1",
            "::127.0.0.1",
            "2001:db8::1",
            "fec0::1",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            assert!(!is_public(ip), "{ip} must not be public");
            assert!(!PROD.allows(ip), "{ip} must be refused in production");
        }
        for ip in ["2002:7f00:1::1", "2002:a00:1::1", "2001:0:4136:e378::1", "64:ff9b:1::a00:1", "::ffff:0:a00:1"] {
            assert!(!is_public(ip.parse().unwrap()), "{ip} embeds or tunnels to an internal address");
        }
        for ip in [
            "1.1.1.1",
            "203.2.218.214",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
            "2002:808:808::1",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip} is public");
        }
    }

    #[test]
    fn loopback_is_allowed_only_outside_production() {
        assert!(DEV.allows("127.0.0.1".parse().unwrap()));
        assert!(DEV.allows("::1".parse().unwrap()));
        assert!(!DEV.allows("10.0.0.1".parse().unwrap()));
        assert!(DEV.check_syntax("http://127.0.0.1:9000/hook").is_ok());
        assert!(DEV.check_syntax("http://localhost:9000/hook").is_ok());
        assert!(DEV.check_syntax("http://example.com/hook").unwrap_err().contains("https"));
        assert!(PROD.check_syntax("http://127.0.0.1:9000/hook").unwrap_err().contains("https"));
        assert!(PROD.check_syntax("https://127.0.0.1/hook").is_err());
        assert!(PROD.check_syntax("https://[::1]/hook").is_err());
        assert!(PROD.check_syntax("https://localhost/hook").is_err());
        assert!(PROD.check_syntax("https://LOCALHOST./hook").is_err());
        assert!(PROD.check_syntax("https://hooks.example.com/nrp").is_ok());
    }

    #[test]
    fn odd_urls_are_refused() {
        assert!(PROD.check_syntax("ftp://example.com/").is_err());
        assert!(PROD.check_syntax("https://user:pw@example.com/").is_err());
        assert!(PROD.check_syntax("not a url").is_err());
        assert!(PROD.check_syntax("https://0x7f.1/").is_err(), "hex IPv4 forms are parsed as addresses");
        assert!(PROD.check_syntax("https://2130706433/").is_err(), "decimal IPv4 forms too");
        assert!(PROD.check_syntax("https://169.254.169.254/latest/meta-data").is_err());
    }
}
