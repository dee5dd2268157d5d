//! Fuzzes the pure parsers of `mailway check` with arbitrary text, as a TXT record or a fetched
//! file would bring it: SPF (records, macro strings, macro expansion), DMARC, DKIM keys,
//! MTA-STS (TXT record, policy file, MX patterns), TLS-RPT, BIMI, DANE parameters, blocklist
//! specs, and DNSSEC trust-anchor files. Besides "never panics", a few properties.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use mailway_diag::check::spf::macros::{MacroContext, expand, truncate_domain};
use mailway_diag::check::spf::parse::{parse_domain_spec, parse_macro_string};
use mailway_diag::check::{addr, blocklist, bimi, dane, dkim, dmarc, mtasts, spf, tlsrpt};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();

    // SPF
    let _ = spf::is_spf_record(data);
    let rec = spf::parse_record(text);
    assert_eq!(rec.text, text);
    let ip = if data.first().is_some_and(|b| b & 1 == 1) {
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1))
    } else {
        IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1))
    };
    let cx = MacroContext {
        sender: "local@example.org",
        local: "local",
        sender_domain: "example.org",
        domain: "example.org",
        ip,
        helo: "mx.example.org",
        ptr: "unknown",
        receiver: "unknown",
        now: 1_800_000_000,
    };
    for exp in [false, true] {
        if let Ok(ms) = parse_macro_string(text, exp) {
            let out = expand(&ms, &cx);
            // at most 253 characters, or one label left; always a suffix of the expansion
            let t = truncate_domain(&out);
            assert!(t.len() <= 253 || !t.contains('.'), "{t}");
            assert!(out.strip_suffix('.').unwrap_or(&out).ends_with(t.as_str()));
        }
    }
    if let Ok(ms) = parse_domain_spec(text) {
        let _ = expand(&ms, &cx);
    }

    // DMARC, DKIM, MTA-STS, TLS-RPT, BIMI
    let _ = dmarc::is_dmarc_record(text);
    let _ = dmarc::mentions_dmarc(text);
    let _ = dmarc::parse(text);
    let _ = dmarc::tree_walk(text);
    let _ = dkim::parse_key(text);
    let _ = dkim::rsa_bits(data);
    let _ = mtasts::txt_problems(text);
    let _ = mtasts::parse_policy(text);
    if let Some((pattern, host)) = text.split_once('\n') {
        let _ = mtasts::mx_matches(pattern, host);
    }
    let _ = tlsrpt::problems(text);
    let _ = bimi::problems(text);

    // DANE parameters, blocklist specs, address classes
    if data.len() >= 3 {
        let hex = String::from_utf8_lossy(&data[3..]);
        let _ = dane::problems(data[0], data[1], data[2], &hex);
    }
    let _ = blocklist::parse_list(text);
    let _ = addr::looks_like_ip(text);
    let _ = addr::is_special_use_domain(text);
    if let Ok(ip) = text.trim().parse::<IpAddr>() {
        let _ = addr::classify(ip);
    }

    // DNSSEC trust anchors (a user's --trust-anchor file)
    let _ = mailway_dns::dnssec::TrustAnchors::parse(text, "fuzz");
});
