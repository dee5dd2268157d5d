//! IP networks in CIDR notation (`127.0.0.0/8`, `::1/128`, or a bare address) for relay control.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An IPv4 or IPv6 network. IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`) match IPv4 networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

/// Why a network string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid network {input:?}: {reason} (expected e.g. 192.0.2.0/24, 2001:db8::/32 or 127.0.0.1)"
)]
pub struct IpNetParseError {
    input: String,
    reason: &'static str,
}

impl IpNet {
    /// A network from an address and prefix length; host bits are cleared.
    pub fn new(addr: IpAddr, prefix: u8) -> Option<Self> {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return None;
        }
        Some(IpNet {
            addr: mask(addr, prefix),
            prefix,
        })
    }

    /// True when `ip` is inside this network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        if ip.is_ipv4() != self.addr.is_ipv4() {
            return false;
        }
        mask(ip, self.prefix) == self.addr
    }

    /// Loopback networks (`127.0.0.0/8`, `::1/128`): the default relay networks.
    pub fn loopback() -> Vec<IpNet> {
        vec![
            IpNet::new(IpAddr::from([127, 0, 0, 0]), 8).expect("valid"),
            IpNet::new(IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]), 128).expect("valid"),
        ]
    }
}

fn mask(addr: IpAddr, prefix: u8) -> IpAddr {
    match addr {
        IpAddr::V4(a) => {
            let bits = u32::from(a);
            let m = if prefix == 0 {
                0
            } else {
                u32::MAX << (32 - prefix)
            };
            IpAddr::from((bits & m).to_be_bytes())
        }
        IpAddr::V6(a) => {
            let bits = u128::from(a);
            let m = if prefix == 0 {
                0
            } else {
                u128::MAX << (128 - prefix)
            };
            IpAddr::from((bits & m).to_be_bytes())
        }
    }
}

impl FromStr for IpNet {
    type Err = IpNetParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = |reason| IpNetParseError {
            input: s.to_string(),
            reason,
        };
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr.trim().parse().map_err(|_| err("not an IP address"))?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .trim()
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| err("bad prefix length"))?,
        };
        IpNet::new(addr, prefix).ok_or_else(|| err("bad prefix length"))
    }
}

impl fmt::Display for IpNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

impl serde::Serialize for IpNet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for IpNet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_contains() {
        let n: IpNet = "192.0.2.77/24".parse().unwrap();
        assert_eq!(n.to_string(), "192.0.2.0/24");
        assert!(n.contains("192.0.2.1".parse().unwrap()));
        assert!(!n.contains("192.0.3.1".parse().unwrap()));
        assert!(n.contains("::ffff:192.0.2.9".parse().unwrap()));
        let h: IpNet = "10.1.2.3".parse().unwrap();
        assert_eq!(h.to_string(), "10.1.2.3/32");
        let v6: IpNet = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains("2001:db8:1::5".parse().unwrap()));
        assert!(!v6.contains("10.0.0.1".parse().unwrap()));
        let all: IpNet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("8.8.8.8".parse().unwrap()));
    }

    #[test]
    fn errors_name_the_input() {
        let e = "10.0.0.0/33".parse::<IpNet>().unwrap_err();
        assert!(e.to_string().contains("10.0.0.0/33"));
        assert!("bogus".parse::<IpNet>().is_err());
        assert!("::1/129".parse::<IpNet>().is_err());
    }
}
