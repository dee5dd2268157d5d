//! DNS blocklists (RFC 5782): IP lists for the sending IP, domain lists for the domain, return
//! codes decoded, `127.255.255.x` treated as query errors, and a self-test per list (the test
//! entry must be listed, the "never listed" entry must not) so a broken list is reported as
//! broken rather than as a listing.

use std::net::{IpAddr, Ipv4Addr};

use super::Ctx;
use super::finding::{Evidence, Finding, Severity};
use super::mx::futures_join_all;

/// Default IP lists (SORBS is gone since 2024 and is not used).
pub const DEFAULT_IP_LISTS: &[&str] = &[
    "zen.spamhaus.org",
    "bl.spamcop.net",
    "b.barracudacentral.org",
    "psbl.surriel.com",
    "dnsbl-1.uceprotect.net",
    "bl.mailspike.net",
];

/// Default domain lists.
pub const DEFAULT_DOMAIN_LISTS: &[&str] = &["dbl.spamhaus.org", "multi.surbl.org"];

/// IP list or domain list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Queried with the reversed IP.
    Ip,
    /// Queried with the domain.
    Domain,
}

/// A list to query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    /// Zone (`zen.spamhaus.org`).
    pub zone: String,
    /// Kind.
    pub kind: Kind,
}

/// Parses `--blocklist` values: `ip:ZONE`, `domain:ZONE`, or a zone (domain lists recognised by
/// name: `dbl.*`, `*surbl*`, `multi.*`, `*uribl*`).
pub fn parse_list(s: &str) -> List {
    let s = s.trim().trim_end_matches('.');
    if let Some(z) = s.strip_prefix("domain:") {
        return List {
            zone: z.to_ascii_lowercase(),
            kind: Kind::Domain,
        };
    }
    if let Some(z) = s.strip_prefix("ip:") {
        return List {
            zone: z.to_ascii_lowercase(),
            kind: Kind::Ip,
        };
    }
    let z = s.to_ascii_lowercase();
    let domainish = z.starts_with("dbl.")
        || z.contains(".dbl.")
        || z.contains("surbl")
        || z.starts_with("multi.")
        || z.contains("uribl");
    List {
        zone: z,
        kind: if domainish { Kind::Domain } else { Kind::Ip },
    }
}

/// The lists to use.
pub fn lists(cx: &Ctx) -> Vec<List> {
    match &cx.opts.blocklists {
        Some(v) => v.iter().map(|s| parse_list(s)).collect(),
        None => DEFAULT_IP_LISTS
            .iter()
            .map(|z| List {
                zone: (*z).into(),
                kind: Kind::Ip,
            })
            .chain(DEFAULT_DOMAIN_LISTS.iter().map(|z| List {
                zone: (*z).into(),
                kind: Kind::Domain,
            }))
            .collect(),
    }
}

/// What a list answered for one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// NXDOMAIN / NODATA.
    NotListed,
    /// Listed with these return codes (127.0.0.0/8 except 127.255.255.0/24).
    Listed(Vec<Ipv4Addr>),
    /// 127.255.255.x: the list refused the query (public resolver, over limit, typo).
    QueryError(Ipv4Addr),
    /// Answers outside 127.0.0.0/8: the list (or the resolver) is broken / wildcarded.
    Invalid(Vec<Ipv4Addr>),
    /// DNS failure.
    Failed(mailway_dns::DnsError),
}

/// Classifies the A records of a blocklist answer.
pub fn classify_codes(codes: &[Ipv4Addr]) -> Answer {
    if let Some(e) = codes.iter().find(|c| c.octets()[..3] == [127, 255, 255]) {
        return Answer::QueryError(*e);
    }
    if codes.iter().any(|c| c.octets()[0] != 127) {
        return Answer::Invalid(codes.to_vec());
    }
    if codes.is_empty() {
        Answer::NotListed
    } else {
        Answer::Listed(codes.to_vec())
    }
}

/// Meaning of a 127.255.255.x error code (Spamhaus conventions, used by others too).
pub fn error_meaning(code: Ipv4Addr) -> &'static str {
    match code.octets()[3] {
        252 => "typo-in-zone",
        254 => "public-resolver",
        255 => "over-limit",
        _ => "refused",
    }
}

/// Human meaning of return codes of well-known lists.
pub fn decode(zone: &str, codes: &[Ipv4Addr]) -> Vec<String> {
    let z = zone.to_ascii_lowercase();
    let mut out = Vec::new();
    for c in codes {
        let o = c.octets();
        let d = if z.contains("zen") || (z.contains("spamhaus") && !z.contains("dbl")) {
            match o[3] {
                2 => "SBL (Spamhaus Block List: spam source)".to_string(),
                3 => "SBL CSS (snowshoe / low-reputation spam)".to_string(),
                4..=7 => "XBL (exploited / infected host, botnet)".to_string(),
                9 => "SBL DROP (hijacked / criminal network)".to_string(),
                10 => "PBL (ISP: end-user range, should not send directly)".to_string(),
                11 => "PBL (Spamhaus: end-user range, should not send directly)".to_string(),
                _ => format!("code {c}"),
            }
        } else if z.contains("dbl") {
            match (o[2], o[3]) {
                (1, 2) => "DBL: spam domain".to_string(),
                (1, 4) => "DBL: phishing domain".to_string(),
                (1, 5) => "DBL: malware domain".to_string(),
                (1, 6) => "DBL: botnet C&C domain".to_string(),
                (1, 102) => "DBL: abused legitimate domain (spam)".to_string(),
                (1, 103) => "DBL: abused legitimate domain (redirector)".to_string(),
                (1, 104) => "DBL: abused legitimate domain (phishing)".to_string(),
                (1, 105) => "DBL: abused legitimate domain (malware)".to_string(),
                (1, 106) => "DBL: abused legitimate domain (botnet C&C)".to_string(),
                _ => format!("code {c}"),
            }
        } else if z.contains("surbl") || z.starts_with("multi.") {
            let bits = o[3];
            let mut names = Vec::new();
            for (bit, name) in [
                (2, "SC"),
                (4, "WS"),
                (8, "PH (phishing)"),
                (16, "MW (malware)"),
                (32, "AB"),
                (64, "ABUSE (spam)"),
                (128, "CR (cracked site)"),
            ] {
                if bits & bit != 0 {
                    names.push(name);
                }
            }
            format!("SURBL {}", names.join(", "))
        } else {
            format!("listed ({c})")
        };
        out.push(d);
    }
    out
}

async fn query(cx: &Ctx, name: &str) -> (Answer, Evidence) {
    let q = format!("{name} A");
    match cx.resolver.a(name).await {
        Ok(a) => (classify_codes(&a.records), Evidence::answer(&q, &a)),
        Err(e) if e.is_not_found() => (Answer::NotListed, Evidence::error(&q, &e)),
        Err(e) => (Answer::Failed(e.clone()), Evidence::error(&q, &e)),
    }
}

fn reversed(ip: IpAddr) -> String {
    let r = mailway_dns::reverse_name(ip);
    r.trim_end_matches(".in-addr.arpa")
        .trim_end_matches(".ip6.arpa")
        .to_string()
}

/// Self-test names: (must be listed, must not be listed).
fn test_names(list: &List) -> (String, String) {
    match list.kind {
        Kind::Ip => (
            format!("2.0.0.127.{}", list.zone),
            format!("1.0.0.127.{}", list.zone),
        ),
        Kind::Domain => {
            let listed = if list.zone.contains("dbl") {
                "dbltest.com"
            } else if list.zone.contains("surbl") || list.zone.starts_with("multi.") {
                "test.surbl.org"
            } else {
                "test"
            };
            (
                format!("{listed}.{}", list.zone),
                format!("invalid.{}", list.zone),
            )
        }
    }
}

async fn check_list(cx: &Ctx, list: &List, target: &str, subject: &str) -> Vec<Finding> {
    let (pos, neg) = test_names(list);
    let qname = format!("{target}.{}", list.zone);
    let ((pa, pev), (na, nev), (ta, tev)) =
        tokio::join!(query(cx, &pos), query(cx, &neg), query(cx, &qname));
    let base = |id: &'static str, sev: Severity| {
        Finding::new(id, sev)
            .subject(format!("{} ({subject})", list.zone))
            .arg("zone", &list.zone)
            .arg("target", subject)
    };
    // a list that refuses us, or fails its own self-test, says nothing about our IP/domain
    for a in [&ta, &pa] {
        if let Answer::QueryError(code) = a {
            return vec![
                base("blocklist.query-error", Severity::Warning)
                    .arg("code", code)
                    .arg("meaning", error_meaning(*code))
                    .evidence(tev.clone())
                    .evidence(pev.clone()),
            ];
        }
    }
    if let Answer::Failed(e) = &ta {
        return vec![
            base("blocklist.lookup-failed", Severity::Warning)
                .dns_error("error", e)
                .evidence(tev),
        ];
    }
    let broken = match (&pa, &na) {
        (Answer::Listed(_), Answer::NotListed) => None,
        (Answer::NotListed, _) => Some("test-not-listed"),
        (_, Answer::Listed(_)) => Some("lists-everything"),
        (Answer::Invalid(_), _) | (_, Answer::Invalid(_)) => Some("invalid-answer"),
        _ => Some("self-test-failed"),
    };
    if let Some(why) = broken {
        return vec![
            base("blocklist.list-broken", Severity::Warning)
                .arg("why", why)
                .evidence(pev)
                .evidence(nev),
        ];
    }
    match ta {
        Answer::NotListed => vec![base("blocklist.not-listed", Severity::Ok).evidence(tev)],
        Answer::Listed(codes) => {
            let id = if list.kind == Kind::Ip {
                "blocklist.listed"
            } else {
                "blocklist.domain-listed"
            };
            vec![
                base(id, Severity::Error)
                    .arg(
                        "codes",
                        codes
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", "),
                    )
                    .arg("meaning", decode(&list.zone, &codes).join("; "))
                    .evidence(tev),
            ]
        }
        Answer::Invalid(codes) => vec![
            base("blocklist.list-broken", Severity::Warning)
                .arg("why", "invalid-answer")
                .arg(
                    "codes",
                    codes
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                )
                .evidence(tev),
        ],
        _ => Vec::new(),
    }
}

/// Runs the blocklist checks (IP lists only with a sending IP).
pub async fn check(cx: &Ctx) -> Vec<Finding> {
    let ls = lists(cx);
    let ip = cx.opts.ip;
    let jobs = ls.iter().filter_map(|l| match (l.kind, ip) {
        (Kind::Ip, Some(ip)) => Some((l.clone(), reversed(ip), ip.to_string())),
        (Kind::Ip, None) => None,
        (Kind::Domain, _) => Some((l.clone(), cx.domain.clone(), cx.domain.clone())),
    });
    let futs =
        jobs.map(|(l, target, subject)| async move { check_list(cx, &l, &target, &subject).await });
    futures_join_all(futs).await.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn codes() {
        assert_eq!(
            classify_codes(&[ip("127.0.0.2")]),
            Answer::Listed(vec![ip("127.0.0.2")])
        );
        assert_eq!(
            classify_codes(&[ip("127.255.255.254")]),
            Answer::QueryError(ip("127.255.255.254"))
        );
        assert!(matches!(
            classify_codes(&[ip("192.0.2.1")]),
            Answer::Invalid(_)
        ));
        assert_eq!(error_meaning(ip("127.255.255.254")), "public-resolver");
        let d = decode(
            "zen.spamhaus.org",
            &[ip("127.0.0.2"), ip("127.0.0.10"), ip("127.0.0.4")],
        );
        assert!(d[0].starts_with("SBL") && d[1].starts_with("PBL") && d[2].starts_with("XBL"));
        assert!(decode("dbl.spamhaus.org", &[ip("127.0.1.4")])[0].contains("phishing"));
        assert!(decode("multi.surbl.org", &[ip("127.0.0.24")])[0].contains("PH"));
    }

    #[test]
    fn list_kinds() {
        assert_eq!(parse_list("zen.bl.test").kind, Kind::Ip);
        assert_eq!(parse_list("dbl.bl.test").kind, Kind::Domain);
        assert_eq!(parse_list("domain:uri.example").kind, Kind::Domain);
        assert_eq!(parse_list("multi.surbl.org").kind, Kind::Domain);
    }
}
