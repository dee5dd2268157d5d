//! The sending IP: reverse DNS (PTR), forward-confirmed reverse DNS, generic-looking names.

use std::net::IpAddr;

use mailway_dns::reverse_name;

use super::Ctx;
use super::addr::{AddrClass, classify};
use super::finding::{Evidence, Finding, Severity};

/// True when a PTR name looks like an ISP's generic name for a dynamic or pool address (receivers
/// often reject or score mail from those).
pub fn looks_generic(name: &str, ip: IpAddr) -> bool {
    let n = name.to_ascii_lowercase();
    let first = n.split('.').next().unwrap_or("");
    let words = [
        "dyn",
        "dynamic",
        "dhcp",
        "pool",
        "ppp",
        "dsl",
        "adsl",
        "cable",
        "broadband",
        "dialup",
        "client",
        "customer",
        "cpe",
        "unassigned",
        "static",
        "host-",
    ];
    if words.iter().any(|w| first.contains(w)) {
        return true;
    }
    if let IpAddr::V4(v4) = ip {
        let o = v4.octets();
        let dashed = format!("{}-{}-{}-{}", o[0], o[1], o[2], o[3]);
        let rdashed = format!("{}-{}-{}-{}", o[3], o[2], o[1], o[0]);
        let dotted = format!("{}.{}.{}.{}", o[0], o[1], o[2], o[3]);
        if first.contains(&dashed) || first.contains(&rdashed) || n.starts_with(&dotted) {
            return true;
        }
    }
    false
}

/// Runs the sending-IP checks.
pub async fn check(cx: &Ctx, ip: IpAddr) -> Vec<Finding> {
    let mut out = Vec::new();
    let class = classify(ip);
    if class != AddrClass::Public {
        out.push(
            Finding::new("ip.address-special", Severity::Warning)
                .subject(ip.to_string())
                .arg("ip", ip)
                .arg("class", class.as_str()),
        );
    }
    let q = format!("{} PTR", reverse_name(ip));
    let ptr = match cx.resolver.ptr(ip).await {
        Ok(a) => a,
        Err(e) if e.is_temporary() => {
            out.push(
                Finding::new("ip.lookup-failed", Severity::Warning)
                    .subject(ip.to_string())
                    .arg("ip", ip)
                    .dns_error("error", &e)
                    .evidence(Evidence::error(&q, &e)),
            );
            return out;
        }
        Err(e) => {
            out.push(
                Finding::new("ip.ptr-missing", Severity::Error)
                    .subject(ip.to_string())
                    .arg("ip", ip)
                    .evidence(Evidence::error(&q, &e)),
            );
            return out;
        }
    };
    let ev = Evidence::answer(&q, &ptr);
    if ptr.records.len() > 1 {
        out.push(
            Finding::new("ip.ptr-multiple", Severity::Warning)
                .subject(ip.to_string())
                .arg("ip", ip)
                .arg("names", ptr.records.join(", "))
                .evidence(ev.clone()),
        );
    }
    let mut confirmed = Vec::new();
    for name in &ptr.records {
        let fwd = cx.resolver.ip(name).await;
        let fq = format!("{name} A/AAAA");
        match &fwd {
            Ok(a) if a.records.contains(&ip) => confirmed.push(name.clone()),
            _ => out.push(
                Finding::new("ip.fcrdns-mismatch", Severity::Error)
                    .subject(name.clone())
                    .arg("ip", ip)
                    .arg("name", name)
                    .arg(
                        "forward",
                        match &fwd {
                            Ok(a) => a
                                .records
                                .iter()
                                .map(ToString::to_string)
                                .collect::<Vec<_>>()
                                .join(", "),
                            Err(e) => e.code().to_string(),
                        },
                    )
                    .evidence(ev.clone())
                    .evidence(Evidence::lookup(&fq, &fwd)),
            ),
        }
        if looks_generic(name, ip) {
            out.push(
                Finding::new("ip.ptr-generic", Severity::Warning)
                    .subject(name.clone())
                    .arg("ip", ip)
                    .arg("name", name)
                    .evidence(ev.clone()),
            );
        }
    }
    if !confirmed.is_empty() {
        out.push(
            Finding::new("ip.fcrdns-ok", Severity::Ok)
                .subject(ip.to_string())
                .arg("ip", ip)
                .arg("name", confirmed.join(", "))
                .evidence(ev),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_names() {
        let ip: IpAddr = "192.0.2.13".parse().unwrap();
        assert!(looks_generic("192-0-2-13.dyn.isp.test", ip));
        assert!(looks_generic("dhcp-77.isp.example", ip));
        assert!(!looks_generic("mail.example.com", ip));
        assert!(!looks_generic("good.test", ip));
    }
}
