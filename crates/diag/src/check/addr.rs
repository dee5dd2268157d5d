//! Special-purpose address ranges (IANA IPv4/IPv6 special-purpose registries) and special-use
//! domain names (RFC 6761). Pure.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What kind of address this is, for a mail server address on the Internet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddrClass {
    /// Globally routable.
    Public,
    /// `0.0.0.0/8`, `::`: not a host.
    Unspecified,
    /// `127.0.0.0/8`, `::1`: the sender itself.
    Loopback,
    /// RFC 1918 / ULA `fc00::/7`: unreachable from the Internet.
    Private,
    /// `169.254.0.0/16`, `fe80::/10`.
    LinkLocal,
    /// Shared address space `100.64.0.0/10` (carrier-grade NAT).
    SharedCgn,
    /// Documentation (`192.0.2.0/24`, `198.51.100.0/24`, `203.0.113.0/24`, `2001:db8::/32`,
    /// `3fff::/20`).
    Documentation,
    /// Benchmarking `198.18.0.0/15`.
    Benchmark,
    /// Multicast.
    Multicast,
    /// Reserved / future use / broadcast / protocol assignments / discard.
    Reserved,
}

impl AddrClass {
    /// Stable keyword used in finding arguments.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Unspecified => "unspecified",
            Self::Loopback => "loopback",
            Self::Private => "private",
            Self::LinkLocal => "link-local",
            Self::SharedCgn => "cgn",
            Self::Documentation => "documentation",
            Self::Benchmark => "benchmark",
            Self::Multicast => "multicast",
            Self::Reserved => "reserved",
        }
    }
}

fn in4(ip: Ipv4Addr, net: [u8; 4], len: u32) -> bool {
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn in6(ip: Ipv6Addr, net: Ipv6Addr, len: u32) -> bool {
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    };
    u128::from(ip) & mask == u128::from(net) & mask
}

/// Classifies an address.
pub fn classify(ip: IpAddr) -> AddrClass {
    match ip {
        IpAddr::V4(v4) => classify4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return classify4(v4);
            }
            let seg = |s: &str| s.parse::<Ipv6Addr>().unwrap_or(Ipv6Addr::UNSPECIFIED);
            if v6.is_unspecified() {
                AddrClass::Unspecified
            } else if v6.is_loopback() {
                AddrClass::Loopback
            } else if in6(v6, seg("2001:db8::"), 32) || in6(v6, seg("3fff::"), 20) {
                AddrClass::Documentation
            } else if in6(v6, seg("fc00::"), 7) {
                AddrClass::Private
            } else if in6(v6, seg("fe80::"), 10) {
                AddrClass::LinkLocal
            } else if in6(v6, seg("ff00::"), 8) {
                AddrClass::Multicast
            } else if in6(v6, seg("100::"), 64)
                || in6(v6, seg("2001::"), 23) && !in6(v6, seg("2001::"), 32)
            {
                AddrClass::Reserved
            } else {
                AddrClass::Public
            }
        }
    }
}

fn classify4(ip: Ipv4Addr) -> AddrClass {
    if in4(ip, [0, 0, 0, 0], 8) {
        AddrClass::Unspecified
    } else if in4(ip, [127, 0, 0, 0], 8) {
        AddrClass::Loopback
    } else if in4(ip, [10, 0, 0, 0], 8)
        || in4(ip, [172, 16, 0, 0], 12)
        || in4(ip, [192, 168, 0, 0], 16)
    {
        AddrClass::Private
    } else if in4(ip, [169, 254, 0, 0], 16) {
        AddrClass::LinkLocal
    } else if in4(ip, [100, 64, 0, 0], 10) {
        AddrClass::SharedCgn
    } else if in4(ip, [192, 0, 2, 0], 24)
        || in4(ip, [198, 51, 100, 0], 24)
        || in4(ip, [203, 0, 113, 0], 24)
    {
        AddrClass::Documentation
    } else if in4(ip, [198, 18, 0, 0], 15) {
        AddrClass::Benchmark
    } else if in4(ip, [224, 0, 0, 0], 4) {
        AddrClass::Multicast
    } else if in4(ip, [240, 0, 0, 0], 4)
        || in4(ip, [192, 0, 0, 0], 24)
        || in4(ip, [192, 88, 99, 0], 24)
    {
        AddrClass::Reserved
    } else {
        AddrClass::Public
    }
}

/// True for names under a special-use TLD (RFC 6761 `.test`, `.example`, `.invalid`,
/// `.localhost`; also `.local`, `.internal`, `.home.arpa`): such a domain can only exist in a
/// private or test setup, so addresses that would be errors on the Internet are reported one
/// severity lower there.
pub fn is_special_use_domain(domain: &str) -> bool {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    let tld = d.rsplit('.').next().unwrap_or("");
    matches!(
        tld,
        "test" | "example" | "invalid" | "localhost" | "local" | "internal"
    ) || d.ends_with(".home.arpa")
        || d == "home.arpa"
}

/// True when `s` is written like an IP address (an MX or NS target that should be a name).
pub fn looks_like_ip(s: &str) -> bool {
    let t = s.trim_end_matches('.');
    t.parse::<IpAddr>().is_ok()
        || (t.split('.').count() == 4
            && t.split('.')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> AddrClass {
        classify(s.parse().unwrap())
    }

    #[test]
    fn classes() {
        assert_eq!(c("8.8.8.8"), AddrClass::Public);
        assert_eq!(c("0.0.0.0"), AddrClass::Unspecified);
        assert_eq!(c("127.0.10.25"), AddrClass::Loopback);
        assert_eq!(c("10.0.0.5"), AddrClass::Private);
        assert_eq!(c("172.31.1.1"), AddrClass::Private);
        assert_eq!(c("172.32.1.1"), AddrClass::Public);
        assert_eq!(c("192.0.2.43"), AddrClass::Documentation);
        assert_eq!(c("100.64.1.1"), AddrClass::SharedCgn);
        assert_eq!(c("255.255.255.255"), AddrClass::Reserved);
        assert_eq!(c("::1"), AddrClass::Loopback);
        assert_eq!(c("2001:db8::44"), AddrClass::Documentation);
        assert_eq!(c("fd00::1"), AddrClass::Private);
        assert_eq!(c("::ffff:10.1.1.1"), AddrClass::Private);
        assert_eq!(c("2a00:1450::1"), AddrClass::Public);
    }

    #[test]
    fn special_use() {
        assert!(is_special_use_domain("good.test"));
        assert!(is_special_use_domain("x.example."));
        assert!(!is_special_use_domain("example.com"));
        assert!(looks_like_ip("192.0.2.43"));
        assert!(looks_like_ip("192.0.2.43."));
        assert!(!looks_like_ip("mx1.good.test"));
    }
}
