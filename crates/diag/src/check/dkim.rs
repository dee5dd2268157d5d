//! DKIM keys (RFC 6376 §3.6.1, RFC 8301, RFC 8463) for the given selectors plus common ones:
//! present, syntax, key type and size, revoked, testing mode, CNAME delegation.

use super::Ctx;
use super::base64_decode;
use super::finding::{Evidence, Finding, Severity};
use super::mx::futures_join_all;

/// Selectors tried when none is given (common provider and software defaults).
pub const COMMON_SELECTORS: &[&str] = &[
    "default",
    "dkim",
    "mail",
    "selector1",
    "selector2",
    "google",
    "k1",
    "k2",
    "k3",
    "s1",
    "s2",
    "smtp",
    "key1",
    "key2",
    "sig1",
    "mx",
    "email",
    "dk",
    "mandrill",
    "mailjet",
    "sendgrid",
    "everlytickey1",
    "everlytickey2",
    "zoho",
    "protonmail",
    "protonmail2",
    "protonmail3",
    "fm1",
    "fm2",
    "fm3",
    "mxvault",
    "cm",
    "pm",
];

/// A problem in a DKIM key record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyProblem {
    /// Kind keyword (`v-not-first`, `bad-version`, `no-p`, `bad-base64`, `bad-key`,
    /// `unknown-key-type`, `duplicate`, `not-a-tag`).
    pub kind: &'static str,
    /// The tag or text concerned.
    pub what: String,
}

/// What a DKIM key record says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyRecord {
    /// Tags in order.
    pub tags: Vec<(String, String)>,
    /// Problems.
    pub problems: Vec<KeyProblem>,
    /// Key type (`rsa` default, `ed25519`).
    pub key_type: String,
    /// Key size in bits (RSA modulus; 256 for Ed25519), when the key parsed.
    pub bits: Option<usize>,
    /// `p=` is empty: the key is revoked.
    pub revoked: bool,
    /// `t=y`.
    pub testing: bool,
    /// `h=` allows only SHA-1.
    pub sha1_only: bool,
}

struct Der<'a>(&'a [u8]);

impl<'a> Der<'a> {
    /// Reads one TLV: (tag, content), advancing.
    fn tlv(&mut self) -> Option<(u8, &'a [u8])> {
        let b = self.0;
        if b.len() < 2 {
            return None;
        }
        let tag = b[0];
        let (len, hdr) = if b[1] < 0x80 {
            (usize::from(b[1]), 2)
        } else {
            let n = usize::from(b[1] & 0x7f);
            if n == 0 || n > 4 || b.len() < 2 + n {
                return None;
            }
            let len = b[2..2 + n]
                .iter()
                .fold(0usize, |a, x| (a << 8) | usize::from(*x));
            (len, 2 + n)
        };
        if b.len() < hdr + len {
            return None;
        }
        self.0 = &b[hdr + len..];
        Some((tag, &b[hdr..hdr + len]))
    }
}

/// RSA modulus size of a SubjectPublicKeyInfo or PKCS#1 RSAPublicKey.
pub fn rsa_bits(der: &[u8]) -> Option<usize> {
    let (tag, seq) = Der(der).tlv()?;
    if tag != 0x30 {
        return None;
    }
    let mut inner = Der(seq);
    let (t1, c1) = inner.tlv()?;
    let modulus = if t1 == 0x30 {
        // SPKI: AlgorithmIdentifier, then BIT STRING holding RSAPublicKey
        let (t2, bits) = inner.tlv()?;
        if t2 != 0x03 || bits.is_empty() {
            return None;
        }
        let (t3, rsa) = Der(&bits[1..]).tlv()?;
        if t3 != 0x30 {
            return None;
        }
        let (t4, m) = Der(rsa).tlv()?;
        (t4 == 0x02).then_some(m)?
    } else if t1 == 0x02 {
        c1
    } else {
        return None;
    };
    let m: Vec<u8> = modulus.iter().copied().skip_while(|b| *b == 0).collect();
    let first = *m.first()?;
    Some((m.len() - 1) * 8 + (8 - first.leading_zeros() as usize))
}

/// Parses a DKIM key record (RFC 6376 §3.6.1).
pub fn parse_key(text: &str) -> KeyRecord {
    let mut k = KeyRecord {
        key_type: "rsa".into(),
        ..Default::default()
    };
    let mut seen = std::collections::BTreeSet::new();
    for (i, part) in text
        .split(';')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .enumerate()
    {
        let Some((tag, val)) = part.split_once('=') else {
            k.problems.push(KeyProblem {
                kind: "not-a-tag",
                what: part.into(),
            });
            continue;
        };
        let tag = tag.trim().to_string();
        let val: String = val.split_whitespace().collect();
        if !seen.insert(tag.clone()) {
            k.problems.push(KeyProblem {
                kind: "duplicate",
                what: tag.clone(),
            });
        }
        if tag == "v" {
            if i != 0 {
                k.problems.push(KeyProblem {
                    kind: "v-not-first",
                    what: part.into(),
                });
            }
            if val != "DKIM1" {
                k.problems.push(KeyProblem {
                    kind: "bad-version",
                    what: val.clone(),
                });
            }
        }
        k.tags.push((tag, val));
    }
    let get = |t: &str| k.tags.iter().find(|(x, _)| x == t).map(|(_, v)| v.clone());
    if let Some(kt) = get("k") {
        k.key_type = kt.to_ascii_lowercase();
    }
    k.testing = get("t").is_some_and(|t| t.split(':').any(|f| f.trim() == "y"));
    k.sha1_only =
        get("h").is_some_and(|h| h.split(':').all(|x| x.trim().eq_ignore_ascii_case("sha1")));
    match get("p") {
        None => k.problems.push(KeyProblem {
            kind: "no-p",
            what: String::new(),
        }),
        Some(p) if p.is_empty() => k.revoked = true,
        Some(p) => match base64_decode(&p) {
            None => k.problems.push(KeyProblem {
                kind: "bad-base64",
                what: p.chars().take(40).collect(),
            }),
            Some(bytes) => match k.key_type.as_str() {
                "rsa" => match rsa_bits(&bytes) {
                    Some(b) => k.bits = Some(b),
                    None => k.problems.push(KeyProblem {
                        kind: "bad-key",
                        what: "rsa".into(),
                    }),
                },
                "ed25519" => {
                    if bytes.len() == 32 {
                        k.bits = Some(256);
                    } else {
                        k.problems.push(KeyProblem {
                            kind: "bad-key",
                            what: "ed25519".into(),
                        });
                    }
                }
                other => k.problems.push(KeyProblem {
                    kind: "unknown-key-type",
                    what: other.into(),
                }),
            },
        },
    }
    k
}

/// Runs the DKIM checks.
pub async fn check(cx: &Ctx) -> Vec<Finding> {
    let mut selectors: Vec<(String, bool)> = cx
        .opts
        .dkim_selectors
        .iter()
        .map(|s| (s.trim().to_string(), true))
        .collect();
    for s in COMMON_SELECTORS {
        if !selectors.iter().any(|(x, _)| x == s) {
            selectors.push(((*s).to_string(), false));
        }
    }
    let lookups = selectors.iter().map(|(sel, explicit)| async move {
        let name = format!("{sel}._domainkey.{}", cx.domain);
        let (txt, cname) = tokio::join!(cx.resolver.txt(&name), cx.resolver.cname(&name));
        (sel.clone(), *explicit, name, txt, cname)
    });
    let mut out = Vec::new();
    let mut found = 0;
    for (sel, explicit, name, txt, cname) in futures_join_all(lookups).await {
        let q = format!("{name} TXT");
        if let Ok(c) = &cname {
            out.push(
                Finding::new("dkim.cname", Severity::Info)
                    .subject(sel.clone())
                    .arg("selector", &sel)
                    .arg("target", c.records.first().cloned().unwrap_or_default())
                    .evidence(Evidence::answer(format!("{name} CNAME"), c)),
            );
        }
        let a = match txt {
            Ok(a) => a,
            Err(e) if e.is_not_found() => {
                if explicit {
                    out.push(
                        Finding::new("dkim.selector-missing", Severity::Error)
                            .subject(sel.clone())
                            .arg("selector", &sel)
                            .evidence(Evidence::error(&q, &e)),
                    );
                }
                continue;
            }
            Err(e) => {
                if explicit {
                    out.push(
                        Finding::new("dkim.lookup-failed", Severity::Warning)
                            .subject(sel.clone())
                            .arg("selector", &sel)
                            .dns_error("error", &e)
                            .evidence(Evidence::error(&q, &e)),
                    );
                }
                continue;
            }
        };
        let ev = Evidence::answer(&q, &a);
        let keys: Vec<&mailway_dns::Txt> =
            a.records.iter().filter(|t| t.text.contains("p=")).collect();
        if keys.is_empty() {
            if explicit {
                out.push(
                    Finding::new("dkim.not-a-key", Severity::Error)
                        .subject(sel.clone())
                        .arg("selector", &sel)
                        .evidence(ev),
                );
            }
            continue;
        }
        found += 1;
        if keys.len() > 1 {
            out.push(
                Finding::new("dkim.multiple", Severity::Error)
                    .subject(sel.clone())
                    .arg("selector", &sel)
                    .arg("count", keys.len())
                    .evidence(ev.clone()),
            );
        }
        let k = parse_key(&keys[0].text);
        let base = |id: &'static str, sev: Severity| {
            Finding::new(id, sev)
                .subject(sel.clone())
                .arg("selector", &sel)
                .evidence(ev.clone())
        };
        for p in &k.problems {
            out.push(
                base("dkim.syntax", Severity::Error)
                    .arg("kind", p.kind)
                    .arg("what", &p.what),
            );
        }
        if k.revoked {
            out.push(base("dkim.revoked", Severity::Warning));
            continue;
        }
        if k.testing {
            out.push(base("dkim.testing", Severity::Warning));
        }
        if k.sha1_only {
            out.push(base("dkim.sha1", Severity::Warning));
        }
        if !k.problems.is_empty() {
            continue;
        }
        match (k.key_type.as_str(), k.bits) {
            ("rsa", Some(b)) if b < 1024 => {
                out.push(base("dkim.rsa-weak", Severity::Error).arg("bits", b))
            }
            ("rsa", Some(b)) if b < 2048 => {
                out.push(base("dkim.rsa-1024", Severity::Warning).arg("bits", b))
            }
            (t, Some(b)) => out.push(
                base("dkim.key-ok", Severity::Ok)
                    .arg("type", t)
                    .arg("bits", b),
            ),
            _ => {}
        }
        if k.key_type == "ed25519" {
            out.push(base("dkim.ed25519-only", Severity::Info));
        }
    }
    if found == 0 && cx.opts.dkim_selectors.is_empty() {
        out.push(
            Finding::new("dkim.none-found", Severity::Info).arg("count", COMMON_SELECTORS.len()),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_records() {
        let k = parse_key("v=DKIM1; k=rsa; p=");
        assert!(k.revoked);
        let k = parse_key("v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0B!!notbase64");
        assert_eq!(k.problems[0].kind, "bad-base64");
        let k = parse_key("v=DKIM2; k=rsa; p=AAAA");
        assert!(k.problems.iter().any(|p| p.kind == "bad-version"));
        let k = parse_key("k=rsa; v=DKIM1; p=AAAA");
        assert!(k.problems.iter().any(|p| p.kind == "v-not-first"));
        let k =
            parse_key("v=DKIM1; t=y; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
        assert!(k.testing);
        assert_eq!(k.bits, Some(256));
        assert!(
            parse_key("v=DKIM1; k=dsa; p=AAAA")
                .problems
                .iter()
                .any(|p| p.kind == "unknown-key-type")
        );
    }

    #[test]
    fn rsa_sizes() {
        // SPKI of a 1024-bit key: modulus INTEGER of 129 bytes (leading 0x00)
        let mut modulus = vec![0x00, 0xc3];
        modulus.extend(std::iter::repeat_n(0x11, 127));
        let mut rsa = vec![0x02, 0x81, 129];
        rsa.extend(&modulus);
        rsa.extend([0x02, 0x03, 0x01, 0x00, 0x01]);
        let mut rsa_seq = vec![0x30, 0x81, rsa.len() as u8];
        rsa_seq.extend(&rsa);
        assert_eq!(rsa_bits(&rsa_seq), Some(1024));
        let mut bitstr = vec![0x03, 0x81, (rsa_seq.len() + 1) as u8, 0x00];
        bitstr.extend(&rsa_seq);
        let alg = [
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05,
            0x00,
        ];
        let mut body = alg.to_vec();
        body.extend(&bitstr);
        let mut spki = vec![0x30, 0x81, body.len() as u8];
        spki.extend(&body);
        assert_eq!(rsa_bits(&spki), Some(1024));
        assert_eq!(rsa_bits(b"garbage"), None);
    }
}
