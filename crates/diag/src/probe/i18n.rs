//! Localised texts of the probe (Fluent, like `mailway check` and `mailway-status`): finding
//! messages and report labels in `src/probe/locales/{en,es}/probe.ftl`, embedded at compile
//! time. Message ids are `probe-<name>`; a missing Spanish message falls back to English.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

pub use crate::check::Lang;
use crate::check::i18n::bundle;

const EN: &str = include_str!("locales/en/probe.ftl");
const ES: &str = include_str!("locales/es/probe.ftl");

struct Bundles {
    en: FluentBundle<FluentResource>,
    es: FluentBundle<FluentResource>,
}

fn bundles() -> &'static Bundles {
    static B: OnceLock<Bundles> = OnceLock::new();
    B.get_or_init(|| Bundles {
        en: bundle("en", EN),
        es: bundle("es", ES),
    })
}

fn format(b: &FluentBundle<FluentResource>, id: &str, args: &FluentArgs) -> Option<String> {
    let pattern = b.get_message(id)?.value()?;
    let mut errors = Vec::new();
    Some(
        b.format_pattern(pattern, Some(args), &mut errors)
            .into_owned(),
    )
}

/// The text `probe-<name>` in `lang` with `args` (English fallback, then the id itself).
pub fn tr(lang: Lang, name: &str, args: &[(&str, String)]) -> String {
    let mut fargs = FluentArgs::new();
    for (k, v) in args {
        fargs.set(*k, FluentValue::from(v.as_str()));
    }
    let id = format!("probe-{name}");
    let bs = bundles();
    let primary = match lang {
        Lang::En => &bs.en,
        Lang::Es => &bs.es,
    };
    format(primary, &id, &fargs)
        .or_else(|| format(&bs.en, &id, &fargs))
        .unwrap_or(id)
}

/// A label without arguments.
pub fn ui(lang: Lang, name: &str) -> String {
    tr(lang, &format!("ui-{name}"), &[])
}

/// The name of an SMTP phase (`greeting` / `saludo`, `mail` / `MAIL FROM`).
pub fn phase(lang: Lang, p: mailway_smtp::Phase) -> String {
    tr(
        lang,
        &format!("phase-{}", p.as_str().replace('_', "-")),
        &[],
    )
}

/// The text `probe-<prefix>-<key>` (`_` in `key` written as `-`), or `fallback()` when no
/// language has one: the labels of stable short names (outcomes, verdicts, problems).
fn keyed(lang: Lang, prefix: &str, key: &str, fallback: impl FnOnce() -> String) -> String {
    let id = format!("{prefix}-{}", key.replace('_', "-"));
    let t = tr(lang, &id, &[]);
    if t == format!("probe-{id}") {
        fallback()
    } else {
        t
    }
}

/// The label of a failed step's outcome (an error kind such as `timed_out`), upper case.
pub fn outcome(lang: Lang, kind: &str) -> String {
    keyed(lang, "outcome", kind, || kind.to_uppercase())
}

/// A web-PKI validation problem (`unknown_issuer`, `expired`, …; see
/// [`mailway_smtp::CertValidation`]) in words; `message` is the validator's own (English)
/// text, shown only for problems without a name of their own.
pub fn pki_problem(lang: Lang, problem: &str, message: &str) -> String {
    keyed(lang, "pki", problem, || {
        tr(lang, "pki-other", &[("error", message.to_string())])
    })
}

/// The label of a port-25 check attempt's outcome (`ok` = TCP connected).
pub fn alt_outcome(lang: Lang, kind: &str) -> String {
    keyed(lang, "alt", kind, || kind.to_string())
}

/// The label of a DANE verdict (`match`, `no_match`, ...).
pub fn dane_verdict(lang: Lang, verdict: &str) -> String {
    keyed(lang, "dane-verdict", verdict, || verdict.to_string())
}

/// An SMTP client error in words, in `lang` (the technical detail — the operating system's or
/// the TLS library's message, the offending bytes — is quoted as is).
pub fn smtp_error(lang: Lang, e: &mailway_smtp::SmtpError) -> String {
    use mailway_smtp::SmtpError as E;
    let ph = |p: &mailway_smtp::Phase| ("phase", phase(lang, *p));
    match e {
        E::Refused { addr } => tr(lang, "error-refused", &[("addr", addr.to_string())]),
        E::Unreachable { addr, source } => tr(
            lang,
            "error-unreachable",
            &[("addr", addr.to_string()), ("error", source.to_string())],
        ),
        E::TimedOut { phase: p, after } => tr(
            lang,
            "detail-timeout",
            &[("after", super::human_duration(*after)), ph(p)],
        ),
        E::Reset { phase: p } => tr(lang, "error-reset", &[ph(p)]),
        E::Closed { phase: p, partial } if partial.is_empty() => tr(lang, "error-closed", &[ph(p)]),
        E::Closed { phase: p, partial } => tr(
            lang,
            "error-closed-partial",
            &[
                ph(p),
                ("partial", format!("{:?}", String::from_utf8_lossy(partial))),
            ],
        ),
        E::Tls { phase: p, message } => tr(lang, "error-tls", &[ph(p), ("error", message.clone())]),
        E::Protocol {
            phase: p,
            message,
            bytes,
        } => tr(
            lang,
            "error-protocol",
            &[
                ph(p),
                ("error", message.clone()),
                ("bytes", format!("{:?}", String::from_utf8_lossy(bytes))),
            ],
        ),
        E::Io { phase: p, source } => tr(lang, "error-io", &[ph(p), ("error", source.to_string())]),
        E::Rejected { reply } => tr(
            lang,
            "error-rejected",
            &[
                (
                    "command",
                    reply
                        .command()
                        .map(|c| c.as_str().to_string())
                        .unwrap_or_else(|| "command".into()),
                ),
                ("reply", reply.to_string()),
            ],
        ),
        E::NotSupported { extension } => tr(
            lang,
            "error-not-supported",
            &[("extension", extension.to_string())],
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str) -> Vec<String> {
        let mut v: Vec<String> = text
            .lines()
            .filter(|l| l.starts_with("probe-") && l.contains(" ="))
            .filter_map(|l| l.split(" =").next())
            .map(|s| s.trim().to_string())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn pki_problems_have_words_in_both_languages() {
        for p in [
            "unknown_issuer",
            "expired",
            "not_valid_yet",
            "not_valid_for_name",
            "bad_signature",
            "revoked",
            "bad_encoding",
            "invalid_purpose",
            "ca_used_as_end_entity",
        ] {
            let en = pki_problem(Lang::En, p, "rustls text");
            let es = pki_problem(Lang::Es, p, "rustls text");
            assert!(!en.contains("probe-") && !es.contains("probe-"), "{p}");
            assert!(
                !en.contains("rustls text") && !es.contains("rustls text"),
                "{p}"
            );
            assert_ne!(en, es, "{p} has no Spanish text");
        }
        assert_eq!(
            pki_problem(Lang::Es, "something_new", "boom"),
            "error del validador: boom"
        );
    }

    #[test]
    fn ftl_files_parse_and_match() {
        for (name, text) in [("en", EN), ("es", ES)] {
            if let Err((_, errs)) = FluentResource::try_new(text.to_string()) {
                panic!("{name}/probe.ftl has errors: {errs:?}");
            }
        }
        assert_eq!(ids(EN), ids(ES), "en and es define different messages");
        // every variable used in English is used in Spanish too
        for id in ids(EN) {
            let vars = |t: &str| -> Vec<String> {
                let line = t
                    .lines()
                    .find(|l| l.starts_with(&format!("{id} =")))
                    .unwrap_or("");
                let mut v: Vec<String> = line
                    .split("{ $")
                    .skip(1)
                    .filter_map(|s| s.split(' ').next())
                    .map(str::to_string)
                    .collect();
                v.sort();
                v.dedup();
                v
            };
            assert_eq!(vars(EN), vars(ES), "{id}: variables differ");
        }
    }

    #[test]
    fn formats_with_arguments_and_falls_back() {
        let a = [
            ("label", "mx1 [192.0.2.1:25]".to_string()),
            ("port", "25".into()),
        ];
        assert_eq!(
            tr(Lang::Es, "refused", &a),
            "mx1 [192.0.2.1:25] rechaza la conexión: nada escucha en el puerto 25 (el servidor de correo está caído, o no es un servidor de correo)"
        );
        assert!(tr(Lang::En, "refused", &a).starts_with("mx1 [192.0.2.1:25] refuses"));
        assert_eq!(
            tr(Lang::Es, "no-such-message", &[]),
            "probe-no-such-message"
        );
        assert_eq!(ui(Lang::Es, "findings"), "Hallazgos:");
    }
}
