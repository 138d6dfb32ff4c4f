//! Client IP addresses: finding the client's address (connection or trusted `X-Forwarded-For`)
//! and matching it against CIDR lists. Never yields an address that an untrusted party chose.

use crate::config::{ClientIpConfig, ClientIpSource, ConfigError};
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A set of CIDRs, stored as sorted, merged ranges of 128-bit numbers (IPv4 in the IPv4-mapped
/// IPv6 space), looked up by binary search: O(log n) per address whatever the list size.
#[derive(Debug, Clone, Default)]
pub struct IpSet {
    ranges: Vec<(u128, u128)>,
}

fn to_u128(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// Parses `10.0.0.0/8`, `2001:db8::/32` or a single address (`192.0.2.7`, `::1`).
pub fn parse_cidr(text: &str) -> Result<IpNet, String> {
    let t = text.trim();
    if let Ok(net) = t.parse::<IpNet>() {
        if net.network() != net.addr() {
            return Err(format!("\"{text}\" has host bits set; write the network address {}", net.trunc()));
        }
        return Ok(net);
    }
    if let Ok(addr) = t.parse::<IpAddr>() {
        return Ok(IpNet::from(addr));
    }
    Err(format!("\"{text}\" is not a valid CIDR or IP address"))
}

impl IpSet {
    /// Compiles a list of CIDR strings; `path` is the JSON path of the list for errors.
    pub fn compile(list: &[String], path: &str, errors: &mut Vec<ConfigError>) -> IpSet {
        let mut ranges = Vec::with_capacity(list.len());
        for (i, text) in list.iter().enumerate() {
            match parse_cidr(text) {
                Ok(net) => {
                    let (lo, hi) = match net {
                        IpNet::V4(n) => (to_u128(IpAddr::V4(n.network())), to_u128(IpAddr::V4(n.broadcast()))),
                        IpNet::V6(n) => (to_u128(IpAddr::V6(n.network())), to_u128(IpAddr::V6(n.broadcast()))),
                    };
                    ranges.push((lo, hi));
                }
                Err(msg) => errors.push(ConfigError::new(format!("{path}[{i}]"), msg)),
            }
        }
        ranges.sort_unstable();
        let mut merged: Vec<(u128, u128)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            match merged.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => merged.push((lo, hi)),
            }
        }
        IpSet { ranges: merged }
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn contains(&self, addr: IpAddr) -> bool {
        let x = to_u128(addr);
        let idx = self.ranges.partition_point(|(lo, _)| *lo <= x);
        idx > 0 && self.ranges[idx - 1].1 >= x
    }
}

/// Parses Envoy's `source.address`: `1.2.3.4:5678`, `[::1]:5678`, or a bare address.
pub fn parse_socket_address(bytes: &[u8]) -> Option<IpAddr> {
    let text = std::str::from_utf8(bytes).ok()?.trim();
    if let Some(rest) = text.strip_prefix('[') {
        let end = rest.find(']')?;
        return rest[..end].parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    if let Ok(addr) = text.parse::<IpAddr>() {
        return Some(addr);
    }
    let (host, port) = text.rsplit_once(':')?;
    if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    host.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

/// Parses one `X-Forwarded-For` element: an address, optionally `IPv4:port` or `[IPv6]:port`.
fn parse_xff_element(text: &str) -> Option<IpAddr> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    parse_socket_address(t.as_bytes()).map(canonical)
}

/// IPv4-mapped IPv6 addresses (`::ffff:1.2.3.4`) are treated as the IPv4 address.
pub fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// How the client address was found; goes into audit records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientIpOrigin {
    /// The TCP peer.
    Connection,
    /// `X-Forwarded-For`, from a trusted hop.
    ForwardedFor,
    /// `X-Forwarded-For` was expected but too short or malformed: the connection's peer is used.
    ForwardedForFallback,
    /// The address Envoy determined (its own `X-Forwarded-For` handling).
    Envoy,
}

impl ClientIpOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            ClientIpOrigin::Connection => "connection",
            ClientIpOrigin::ForwardedFor => "x_forwarded_for",
            ClientIpOrigin::ForwardedForFallback => "connection_fallback",
            ClientIpOrigin::Envoy => "envoy",
        }
    }
}

/// The compiled client-IP rule.
#[derive(Debug, Clone, Default)]
pub struct ClientIpRule {
    source: ClientIpSource,
    trusted_hops: Option<u32>,
    trusted_proxies: IpSet,
}

/// Upper bound on `X-Forwarded-For` elements examined; longer headers are treated as malformed.
pub const MAX_XFF_ELEMENTS: usize = 64;

impl ClientIpRule {
    /// The client address is the connection's peer whatever the request says (`connection` or
    /// `envoy` source): nothing in the request is needed to find it.
    pub fn is_peer(&self) -> bool {
        matches!(self.source, ClientIpSource::Connection | ClientIpSource::Envoy)
    }

    pub fn compile(cfg: &ClientIpConfig, errors: &mut Vec<ConfigError>) -> ClientIpRule {
        let trusted_proxies = IpSet::compile(&cfg.trusted_proxies, "client_ip.trusted_proxies", errors);
        if cfg.source == ClientIpSource::XForwardedFor {
            if cfg.trusted_hops.is_none() && cfg.trusted_proxies.is_empty() {
                errors.push(ConfigError::new(
                    "client_ip",
                    "source \"x_forwarded_for\" needs trusted_hops, trusted_proxies or both",
                ));
            }
            if let Some(h) = cfg.trusted_hops {
                if h == 0 || h as usize > MAX_XFF_ELEMENTS {
                    errors.push(ConfigError::new(
                        "client_ip.trusted_hops",
                        format!("must be between 1 and {MAX_XFF_ELEMENTS}"),
                    ));
                }
            }
        } else if cfg.trusted_hops.is_some() || !cfg.trusted_proxies.is_empty() {
            let hint = if cfg.source == ClientIpSource::Envoy {
                "with source \"envoy\", set the trusted hops in Envoy (xff_num_trusted_hops) instead"
            } else {
                "trusted_hops and trusted_proxies only apply with source \"x_forwarded_for\""
            };
            errors.push(ConfigError::new("client_ip.source", hint));
        }
        ClientIpRule { source: cfg.source, trusted_hops: cfg.trusted_hops, trusted_proxies }
    }

    /// True when the connection's peer is a trusted proxy, i.e. when headers it set
    /// (`X-Forwarded-For`, `X-Forwarded-Proto`) may be believed.
    pub fn peer_is_trusted(&self, peer: Option<IpAddr>) -> bool {
        match self.source {
            ClientIpSource::Connection => return false,
            // Envoy overwrites X-Forwarded-Proto unless its own trusted hops set it.
            ClientIpSource::Envoy => return true,
            ClientIpSource::XForwardedFor => {}
        }
        if self.trusted_proxies.is_empty() {
            return self.trusted_hops.is_some();
        }
        peer.map(|p| self.trusted_proxies.contains(canonical(p))).unwrap_or(false)
    }

    /// Finds the client address.
    ///
    /// - `connection`: the peer.
    /// - `x_forwarded_for` with `trusted_hops = N` (and no proxies): the N-th element from the
    ///   right of `X-Forwarded-For` (all headers joined in order).
    /// - with `trusted_proxies`: only when the peer is a trusted proxy; then elements are walked
    ///   from the right while they are trusted proxies, and the first untrusted one is the client.
    ///   With `trusted_hops` as well, the N-th element from the right is taken instead of walking.
    ///
    /// When the header is missing, too short, too long or the chosen element is malformed, the
    /// nearest address set by a trusted party is used (the peer when nothing else qualifies), so an
    /// attacker's leftmost entries are never chosen.
    pub fn resolve(&self, peer: Option<IpAddr>, xff: &[&[u8]]) -> (Option<IpAddr>, ClientIpOrigin) {
        let peer = peer.map(canonical);
        if self.source == ClientIpSource::Envoy {
            return (peer, ClientIpOrigin::Envoy);
        }
        if self.source == ClientIpSource::Connection || !self.peer_is_trusted(peer) {
            return (peer, ClientIpOrigin::Connection);
        }
        let mut elements: Vec<&str> = Vec::new();
        for value in xff {
            let Ok(text) = std::str::from_utf8(value) else {
                return (peer, ClientIpOrigin::ForwardedForFallback);
            };
            elements.extend(text.split(','));
            if elements.len() > MAX_XFF_ELEMENTS {
                return (peer, ClientIpOrigin::ForwardedForFallback);
            }
        }
        if let Some(n) = self.trusted_hops {
            let n = n as usize;
            if n == 0 || elements.len() < n {
                return (peer, ClientIpOrigin::ForwardedForFallback);
            }
            return match parse_xff_element(elements[elements.len() - n]) {
                Some(addr) => (Some(addr), ClientIpOrigin::ForwardedFor),
                None => (peer, ClientIpOrigin::ForwardedForFallback),
            };
        }
        // Walk from the right over trusted proxies.
        let mut nearest_trusted = peer;
        for element in elements.iter().rev() {
            match parse_xff_element(element) {
                Some(addr) if self.trusted_proxies.contains(addr) => nearest_trusted = Some(addr),
                Some(addr) => return (Some(addr), ClientIpOrigin::ForwardedFor),
                None => return (nearest_trusted, ClientIpOrigin::ForwardedForFallback),
            }
        }
        // Every element is a trusted proxy (or there is none): the leftmost trusted one.
        if elements.is_empty() {
            (peer, ClientIpOrigin::ForwardedForFallback)
        } else {
            (nearest_trusted, ClientIpOrigin::ForwardedFor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(list: &[&str]) -> IpSet {
        let mut errors = Vec::new();
        let s = IpSet::compile(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "x", &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        s
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv4_and_ipv6_cidrs_match_their_members_only() {
        let s = set(&["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"]);
        assert!(s.contains(ip("10.1.2.3")));
        assert!(!s.contains(ip("11.0.0.0")));
        assert!(s.contains(ip("192.0.2.7")));
        assert!(!s.contains(ip("192.0.2.8")));
        assert!(s.contains(ip("2001:db8:ffff::1")));
        assert!(!s.contains(ip("2001:db9::1")));
    }

    #[test]
    fn ipv4_list_does_not_match_unrelated_ipv6() {
        let s = set(&["0.0.0.0/0"]);
        assert!(s.contains(ip("8.8.8.8")));
        assert!(!s.contains(ip("2001:db8::1")));
        let all6 = set(&["::/0"]);
        assert!(all6.contains(ip("2001:db8::1")));
    }

    #[test]
    fn overlapping_ranges_are_merged() {
        let s = set(&["10.0.0.0/24", "10.0.0.128/25", "10.0.1.0/24"]);
        assert_eq!(s.ranges.len(), 1);
        assert!(s.contains(ip("10.0.1.255")));
    }

    #[test]
    fn invalid_cidrs_are_reported_with_their_index() {
        let mut errors = Vec::new();
        IpSet::compile(
            &["10.0.0.0/8".into(), "10.0.0.0/33".into(), "nonsense".into(), "10.0.0.1/8".into()],
            "ip.deny",
            &mut errors,
        );
        let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, vec!["ip.deny[1]", "ip.deny[2]", "ip.deny[3]"]);
        assert!(errors[0].message.contains("10.0.0.0/33"));
        assert!(errors[2].message.contains("host bits"));
    }

    #[test]
    fn socket_addresses_parse_in_envoy_forms() {
        assert_eq!(parse_socket_address(b"127.0.0.1:5000"), Some(ip("127.0.0.1")));
        assert_eq!(parse_socket_address(b"[::1]:5000"), Some(ip("::1")));
        assert_eq!(parse_socket_address(b"2001:db8::1"), Some(ip("2001:db8::1")));
        assert_eq!(parse_socket_address(b"[::1"), None);
        assert_eq!(parse_socket_address(b"\xff\xfe"), None);
        assert_eq!(parse_socket_address(b"1.2.3.4:"), None);
    }

    fn rule(hops: Option<u32>, proxies: &[&str]) -> ClientIpRule {
        let mut errors = Vec::new();
        let r = ClientIpRule::compile(
            &ClientIpConfig {
                source: ClientIpSource::XForwardedFor,
                trusted_hops: hops,
                trusted_proxies: proxies.iter().map(|s| s.to_string()).collect(),
            },
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
        r
    }

    #[test]
    fn trusted_hops_take_the_nth_address_from_the_right() {
        let r = rule(Some(1), &[]);
        let peer = Some(ip("10.0.0.1"));
        assert_eq!(
            r.resolve(peer, &[b"6.6.6.6, 203.0.113.9"]),
            (Some(ip("203.0.113.9")), ClientIpOrigin::ForwardedFor)
        );
        let r2 = rule(Some(2), &[]);
        assert_eq!(r2.resolve(peer, &[b"6.6.6.6", b"203.0.113.9, 10.0.0.2"]).0, Some(ip("203.0.113.9")));
    }

    #[test]
    fn too_short_or_malformed_xff_falls_back_to_the_peer() {
        let r = rule(Some(2), &[]);
        let peer = Some(ip("10.0.0.1"));
        assert_eq!(r.resolve(peer, &[b"6.6.6.6"]), (peer, ClientIpOrigin::ForwardedForFallback));
        assert_eq!(r.resolve(peer, &[]), (peer, ClientIpOrigin::ForwardedForFallback));
        assert_eq!(r.resolve(peer, &[b"garbage, 10.0.0.2"]), (peer, ClientIpOrigin::ForwardedForFallback));
        assert_eq!(r.resolve(peer, &[b"\xff, 1.2.3.4"]), (peer, ClientIpOrigin::ForwardedForFallback));
        let long = "1.1.1.1,".repeat(100);
        assert_eq!(r.resolve(peer, &[long.as_bytes()]).1, ClientIpOrigin::ForwardedForFallback);
    }

    #[test]
    fn trusted_proxies_are_walked_from_the_right() {
        let r = rule(None, &["10.0.0.0/8"]);
        let peer = Some(ip("10.0.0.1"));
        assert_eq!(r.resolve(peer, &[b"6.6.6.6, 203.0.113.9, 10.1.1.1"]).0, Some(ip("203.0.113.9")));
        // A peer that is not a trusted proxy: XFF is ignored entirely.
        assert_eq!(
            r.resolve(Some(ip("198.51.100.1")), &[b"203.0.113.9"]),
            (Some(ip("198.51.100.1")), ClientIpOrigin::Connection)
        );
        // Malformed element behind a trusted proxy: the nearest trusted address.
        assert_eq!(r.resolve(peer, &[b"x, 10.2.2.2"]), (Some(ip("10.2.2.2")), ClientIpOrigin::ForwardedForFallback));
    }

    #[test]
    fn ipv6_and_bracketed_xff_elements_are_understood() {
        let r = rule(Some(1), &[]);
        assert_eq!(r.resolve(Some(ip("::1")), &[b"[2001:db8::5]:443"]).0, Some(ip("2001:db8::5")));
        assert_eq!(r.resolve(Some(ip("::1")), &[b"::ffff:192.0.2.1"]).0, Some(ip("192.0.2.1")));
    }

    #[test]
    fn envoy_source_takes_envoys_address_and_trusts_its_forwarded_proto() {
        let mut errors = Vec::new();
        let r = ClientIpRule::compile(
            &ClientIpConfig { source: ClientIpSource::Envoy, trusted_hops: None, trusted_proxies: vec![] },
            &mut errors,
        );
        assert!(errors.is_empty());
        let peer = Some(ip("203.0.113.7"));
        assert_eq!(r.resolve(peer, &[b"6.6.6.6"]), (peer, ClientIpOrigin::Envoy));
        assert!(r.peer_is_trusted(peer));
    }

    #[test]
    fn connection_source_ignores_xff() {
        let r = ClientIpRule::default();
        let peer = Some(ip("192.0.2.1"));
        assert_eq!(r.resolve(peer, &[b"1.2.3.4"]), (peer, ClientIpOrigin::Connection));
    }
}
