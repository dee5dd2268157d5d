//! Explanations of failed attempts for `trace` and `follow`, through `mailway_status`.

use mailway_logs::trace::{MessageTrace, TraceEvent};
use mailway_status::Temporality;

/// Language of explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Spanish.
    Es,
}

/// Parses `en` / `es`.
pub fn lang(s: &str) -> anyhow::Result<Lang> {
    match s.to_ascii_lowercase().as_str() {
        "en" | "english" => Ok(Lang::En),
        "es" | "spanish" | "español" => Ok(Lang::Es),
        _ => anyhow::bail!("--lang: {s:?} is not a supported language (en, es)"),
    }
}

/// Lines explaining a failed attempt.
pub fn attempt(e: &TraceEvent, _m: &MessageTrace, lang: Lang) -> Vec<String> {
    let reply = e.reply.as_deref().unwrap_or("");
    let (code, rest) = mailway_logs::reply::remote_reply(reply.as_bytes());
    let mut r = mailway_status::parse_reply(&String::from_utf8_lossy(rest));
    r.code = code.or(r.code);
    if let Some(d) = &e.dsn {
        r.status = d.parse().ok().or(r.status);
    }
    r.command = e.stage.and_then(|s| s.command());
    let c = mailway_status::classify(&r);
    let temp = match (c.temporality, lang) {
        (Temporality::Transient, Lang::En) => {
            "temporary: the server keeps retrying until the queue lifetime ends"
        }
        (Temporality::Transient, Lang::Es) => {
            "temporal: el servidor sigue reintentando hasta que vence el tiempo en cola"
        }
        (Temporality::Permanent, Lang::En) => {
            "permanent: no more retries; the sender gets a bounce"
        }
        (Temporality::Permanent, Lang::Es) => {
            "permanente: no hay más reintentos; el remitente recibe un rebote"
        }
        (_, Lang::En) => {
            "no SMTP code: a connection or local problem, retried like a temporary error"
        }
        (_, Lang::Es) => {
            "sin código SMTP: un problema de conexión o local, se reintenta como un error temporal"
        }
    };
    let stage = e.stage.map(|s| s.as_str()).unwrap_or("unknown");
    let what = match lang {
        Lang::En => format!("reason {}, at {} stage; {}", c.reason.as_str(), stage, temp),
        Lang::Es => format!(
            "motivo {}, en la etapa {}; {}",
            c.reason.as_str(),
            stage,
            temp
        ),
    };
    vec![what]
}
