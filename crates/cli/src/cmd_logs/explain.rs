//! Explanations of failed attempts for `trace`, through `mailway_status::explain` (the same
//! knowledge as `mailway explain`).

use std::collections::HashMap;

use mailway_logs::trace::{MessageTrace, TraceEvent};
pub use mailway_status::explain::Lang;
use mailway_status::explain::{ExplainInput, Explanation, explain};

/// `--lang`, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`).
pub fn lang(s: Option<&str>) -> anyhow::Result<Lang> {
    match s {
        Some(v) => v
            .parse::<Lang>()
            .map_err(|e| anyhow::anyhow!("--lang: {e}")),
        None => {
            let env = |k: &str| std::env::var(k).ok();
            Ok(Lang::from_env_values(
                env("LC_ALL").as_deref(),
                env("LC_MESSAGES").as_deref(),
                env("LANG").as_deref(),
            ))
        }
    }
}

/// Explains one failed attempt.
pub fn explain_event(e: &TraceEvent, m: &MessageTrace, lang: Lang) -> Explanation {
    let reply = e.reply.as_deref().unwrap_or("");
    let (code, rest) = mailway_logs::reply::remote_reply(reply.as_bytes());
    let mut r = mailway_status::parse_reply(&String::from_utf8_lossy(rest));
    r.code = code.or(r.code);
    if let Some(d) = &e.dsn {
        r.status = d.parse().ok().or(r.status);
    }
    r.command = e.stage.and_then(|s| s.command());
    let mut input = ExplainInput::new(&r);
    input.raw = Some(reply);
    input.mta = Some(m.mta);
    input.recipient = e.recipient.as_deref();
    input.queue_id = Some(&m.queue_id);
    let sender_domain = m
        .sender
        .as_deref()
        .and_then(|s| s.rsplit_once('@'))
        .map(|x| x.1);
    input.sender_domain = sender_domain;
    explain(&input, lang)
}

/// Fills `explanation` of every failed attempt (once per distinct reply and recipient domain).
pub fn fill(stories: &mut [Vec<MessageTrace>], lang: Lang) {
    let mut cache: HashMap<(String, Option<String>, String), Explanation> = HashMap::new();
    for family in stories.iter_mut() {
        for m in family.iter_mut() {
            let snapshot = m.clone();
            for e in m.events.iter_mut() {
                if !matches!(e.kind, "deferred" | "bounced" | "expired") || e.reply.is_none() {
                    continue;
                }
                let dom = e
                    .recipient
                    .as_deref()
                    .and_then(|r| r.rsplit_once('@'))
                    .map(|x| x.1.to_ascii_lowercase())
                    .unwrap_or_default();
                let key = (e.reply.clone().unwrap_or_default(), e.dsn.clone(), dom);
                let x = cache
                    .entry(key)
                    .or_insert_with(|| explain_event(e, &snapshot, lang))
                    .clone();
                e.explanation = Some(x);
            }
        }
    }
}

/// Lines for people: what it is, whether it fixes itself, the likeliest cause, what to do.
pub fn lines(x: &Explanation, lang: Lang) -> Vec<String> {
    let mut v = Vec::new();
    let what = x.summary.first().cloned().unwrap_or_default();
    v.push(format!(
        "{} ({}): {}",
        x.reason_title,
        x.reason.as_str(),
        what
    ));
    if let Some(r) = &x.retry {
        v.push(r.clone());
    } else {
        v.push(x.temporality_text.clone());
    }
    if let Some(c) = x.causes.first() {
        v.push(match lang {
            Lang::Es => format!("causa probable: {}", c.text),
            _ => format!("likely cause: {}", c.text),
        });
    }
    if let Some(a) = x.admin_actions.first() {
        let cmd = a
            .command
            .as_deref()
            .map(|c| format!(" ({c})"))
            .unwrap_or_default();
        v.push(match lang {
            Lang::Es => format!("administrador: {}{cmd}", a.text),
            _ => format!("admin: {}{cmd}", a.text),
        });
    }
    v
}
