//! Explanations of failed attempts for `trace`, through `mailway_status::explain` (the same
//! knowledge as `mailway explain`).

use mailway_status::explain::Explanation;
pub use mailway_status::explain::Lang;

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
