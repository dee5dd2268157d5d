//! Localised texts of the doctor (Fluent, like the probe's and `mailway check`'s): causes with
//! their advice, evidence labels and report labels in `src/doctor/locales/{en,es}/doctor.ftl`,
//! embedded at compile time. A cause `code` is the message `doctor-cause-<code>` (`_` → `-`):
//! its value is the title, `.sender` and `.admin` the advice. Missing Spanish texts fall back
//! to English.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

use super::Lang;
use crate::check::i18n::bundle;

const EN: &str = include_str!("locales/en/doctor.ftl");
const ES: &str = include_str!("locales/es/doctor.ftl");

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

fn format(
    b: &FluentBundle<FluentResource>,
    id: &str,
    attr: Option<&str>,
    args: &FluentArgs,
) -> Option<String> {
    let msg = b.get_message(id)?;
    let pattern = match attr {
        None => msg.value()?,
        Some(a) => msg.get_attribute(a)?.value(),
    };
    let mut errors = Vec::new();
    Some(
        b.format_pattern(pattern, Some(args), &mut errors)
            .into_owned(),
    )
}

fn lookup(lang: Lang, name: &str, attr: Option<&str>, args: &[(&str, String)]) -> String {
    let mut fargs = FluentArgs::new();
    for (k, v) in args {
        fargs.set(*k, FluentValue::from(v.as_str()));
    }
    let id = format!("doctor-{name}");
    let bs = bundles();
    let primary = match lang {
        Lang::En => &bs.en,
        Lang::Es => &bs.es,
    };
    format(primary, &id, attr, &fargs)
        .or_else(|| format(&bs.en, &id, attr, &fargs))
        .unwrap_or(id)
}

/// The text `doctor-<name>` in `lang` with `args`.
pub fn tr(lang: Lang, name: &str, args: &[(&str, String)]) -> String {
    lookup(lang, name, None, args)
}

/// A report label (`doctor-ui-<name>`).
pub fn ui(lang: Lang, name: &str) -> String {
    lookup(lang, &format!("ui-{name}"), None, &[])
}

/// Title, sender advice and admin advice of the cause `code`.
pub struct CauseTexts {
    /// Title.
    pub title: String,
    /// What the sender can do.
    pub sender: String,
    /// What the mail administrator can do.
    pub admin: String,
}

/// The texts of the cause `code` (unknown codes get the generic `rejected` texts).
pub fn cause(lang: Lang, code: &str, args: &[(&str, String)]) -> CauseTexts {
    let id = format!("cause-{}", code.replace('_', "-"));
    let known = bundles().en.has_message(&format!("doctor-{id}"));
    let id = if known { id } else { "cause-rejected".into() };
    CauseTexts {
        title: lookup(lang, &id, None, args),
        sender: lookup(lang, &id, Some("sender"), args),
        admin: lookup(lang, &id, Some("admin"), args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(id, attributes)` of every message, in file order.
    fn messages(text: &str) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        for l in text.lines() {
            if l.starts_with("doctor-") && l.contains(" =") {
                out.push((l.split(" =").next().unwrap().trim().to_string(), Vec::new()));
            } else if let Some(a) = l.trim_start().strip_prefix('.')
                && l.starts_with(' ')
                && let Some(last) = out.last_mut()
            {
                last.1
                    .push(a.split(" =").next().unwrap().trim().to_string());
            }
        }
        out.sort();
        out
    }

    fn vars(text: &str, id: &str) -> Vec<String> {
        let mut v: Vec<String> = text
            .lines()
            .skip_while(|l| !l.starts_with(&format!("{id} =")))
            .take_while(|l| l.starts_with(&format!("{id} =")) || l.starts_with(' '))
            .flat_map(|l| {
                l.split("{ $")
                    .skip(1)
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .filter_map(|s| s.split(' ').next().map(str::to_string))
            .collect();
        v.sort();
        v.dedup();
        v
    }

    #[test]
    fn ftl_files_parse_and_match() {
        for (name, text) in [("en", EN), ("es", ES)] {
            if let Err((_, errs)) = FluentResource::try_new(text.to_string()) {
                panic!("{name}/doctor.ftl has errors: {errs:?}");
            }
        }
        assert_eq!(
            messages(EN),
            messages(ES),
            "en and es define different texts"
        );
        for (id, _) in messages(EN) {
            assert_eq!(vars(EN, &id), vars(ES, &id), "{id}: variables differ");
        }
    }

    #[test]
    fn causes_in_both_languages_with_arguments() {
        let a = [
            ("ip", "192.0.2.25".to_string()),
            ("domain", "sender.test".to_string()),
        ];
        let en = cause(Lang::En, "sending_ip_listed", &a);
        assert_eq!(en.title, "Your sending IP 192.0.2.25 is on a DNS blocklist");
        assert!(
            en.admin
                .contains("`mailway check --ip 192.0.2.25 sender.test`")
        );
        let es = cause(Lang::Es, "sending_ip_listed", &a);
        assert_eq!(
            es.title,
            "Tu IP de envío 192.0.2.25 figura en una lista de bloqueo DNS"
        );
        assert!(es.sender.starts_with("Reenvía este diagnóstico"));
        // Unknown codes get the generic texts.
        assert_eq!(
            cause(Lang::Es, "no_such_cause", &[]).title,
            "El destino rechazó el mensaje"
        );
        assert_eq!(ui(Lang::Es, "likelihood-high"), "alta");
    }
}
