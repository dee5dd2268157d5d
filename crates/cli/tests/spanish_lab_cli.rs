//! `--lang es` leaves no English in the human output of `mailway check`, `probe` and `doctor`
//! against the DNS lab (`../shared/labs/dns`, NSD on 127.0.10.53, the SMTP fixture on
//! 127.0.10.25-28; started in CI by `.ci/setup.d/10-dns-lab.sh`): trust-anchor evidence, DNSSEC
//! reasons and statuses, SPF syntax details and permerror reasons, the SPF tree, DNS errors.
//!
//! Skips when the lab is not running, except under CI=true where that is a failure.

mod lab;

use lab::{LAB, lab};

/// English labels and sentences that used to leak into Spanish output (each was seen in a run
/// against the lab before it moved to the Fluent files).
const ENGLISH: &[&str] = &[
    "trust anchor",
    "IANA root",
    "is not an IPv4 address",
    "unknown mechanism",
    "syntax error in SPF record",
    "SPF include/redirect tree",
    "DNS-querying terms",
    "worst case",
    " lookups]",
    "result: ",
    "reason: ",
    "decided by",
    "no such domain",
    "NXDOMAIN from",
    "Connection refused",
    "connection refused",
    "(documentation)",
    "verified by mailway",
    "validated by the resolver",
    "serves no DNSKEY",
    "DNSSEC-validated",
    "DNSSEC-secure",
    "HTTP 200 from",
    " at each server",
];

/// Exit code and standard output of `mailway ARGS`.
fn mailway(args: &[&str]) -> (Option<i32>, String) {
    let out = lab::mailway(args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The text with its line wrapping undone (phrases may span lines).
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn assert_spanish(what: &str, text: &str) {
    let text = &flat(text);
    for en in ENGLISH {
        assert!(
            !text.contains(en),
            "English {en:?} in `{what}` --lang es:\n{text}"
        );
    }
}

#[test]
fn check_probe_and_doctor_in_spanish_have_no_english_labels() {
    let Some(anchor) = lab() else { return };
    let check = |zone: &str, extra: &[&str]| {
        let mut args = vec![
            "check",
            zone,
            "--resolver",
            LAB,
            "--lang",
            "es",
            "-v",
            "--timeout",
            "2",
            "--blocklist",
            "bl.test",
        ];
        args.extend(extra);
        let (_, text) = mailway(&args);
        assert_spanish(&args.join(" "), &text);
        flat(&text)
    };
    // the built-in root anchors against the lab's own root: trust-anchor evidence and the
    // broken chain's reason; SPF syntax errors, the permerror of an evaluation, the SPF tree
    let t = check("spf-syntax.test", &["--ip", "127.0.0.2"]);
    for es in [
        "ancla de confianza .: claves raíz de IANA incorporadas KSK-2017, KSK-2024",
        "no sirve ningún DNSKEY",
        "Detalle: \"192.0.2.300\" no es una dirección IPv4.",
        "Detalle: mecanismo desconocido \"ip\".",
        "motivo: error de sintaxis en el registro SPF de spf-syntax.test: ip4:192.0.2.300",
        "árbol include/redirect del SPF de spf-syntax.test: 0 términos que consultan DNS (peor caso)",
        "[0 consultas]",
    ] {
        assert!(t.contains(es), "no {es:?} in:\n{t}");
    }
    // the lab's anchor: the anchor file as evidence; MTA-STS fetch refused; DANE verified;
    // the SPF evaluation
    let t = check(
        "good.test",
        &["--trust-anchor", &anchor, "--ip", "192.0.2.10"],
    );
    for es in [
        "ancla de confianza good.test: ",
        "conexión rechazada",
        "Cadena DNSSEC verificada para good.test",
        "registro(s) TLSA para mx1.good.test, validados con DNSSEC",
        "resultado: pass decidido por: ip4:192.0.2.0/24 (good.test)",
        "no es una dirección pública (documentación)",
    ] {
        assert!(t.contains(es), "no {es:?} in:\n{t}");
    }
    check("soa-drift.test", &[]);
    check("spf-toomany.test", &["--ip", "192.0.2.11"]);
    check("spf-badinclude.test", &["--ip", "192.0.2.13"]);
    // probe and doctor, with and without the anchor (loopback MX hosts only)
    for target in ["good.test", "smtp-lab.test"] {
        for anchor_args in [vec![], vec!["--trust-anchor", anchor.as_str()]] {
            let mut args = vec![
                "probe",
                target,
                "--resolver",
                LAB,
                "--lang",
                "es",
                "--timeout",
                "2",
                "--greylist-wait",
                "0",
                "--fallback-ports",
                "",
            ];
            args.extend(anchor_args.iter().copied());
            let (_, text) = mailway(&args);
            assert_spanish(&args.join(" "), &text);
            assert!(
                flat(&text).contains("el dominio no existe (NXDOMAIN de"),
                "{text}"
            );
            let mut args = vec![
                "doctor",
                target,
                "--resolver",
                LAB,
                "--lang",
                "es",
                "--timeout",
                "2",
                "--fallback-ports",
                "",
            ];
            args.extend(anchor_args.iter().copied());
            let (_, text) = mailway(&args);
            assert_spanish(&args.join(" "), &text);
        }
    }
}
