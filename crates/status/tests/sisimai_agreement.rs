//! Agreement of the classifier with Sisimai 5.3.0 on the shared bounce corpus
//! (`../shared/corpus/bounces/sisimai-5.3.0.jsonl`, read-only; skipped when absent outside CI).
//!
//! Each record gives what Sisimai extracted from a bounce (diagnostic code, status, reply code,
//! command, action, remote host, recipient domain); we classify those same facts and compare
//! the reason. This isolates classification from bounce parsing (which the bounce crate owns
//! and measures against `expected.jsonl`). `MAILWAY_VERBOSE=1` prints every disagreement.

use mailway_status::{Context, DsnAction, EnhancedStatus, Reason, classify_with, parse_reply};
use serde_json::Value;

/// Minimum share of records whose reason agrees with Sisimai's.
const MIN_AGREEMENT: f64 = 0.92;

#[test]
fn reason_agreement_with_sisimai() {
    let Some(path) = mailway_testkit::shared::shared_path("corpus/bounces/sisimai-5.3.0.jsonl")
    else {
        return;
    };
    let text = std::fs::read_to_string(&path).expect("read sisimai-5.3.0.jsonl");
    let verbose = std::env::var("MAILWAY_VERBOSE").is_ok_and(|v| v == "1");
    let (mut total, mut agree, mut hard_agree) = (0usize, 0usize, 0usize);
    let mut misses: std::collections::BTreeMap<String, usize> = Default::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line).expect("json line");
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let expected = s("reason");
        let diag = s("diagnosticcode");
        let dtype = s("diagnostictype");
        let raw = if dtype.eq_ignore_ascii_case("x-unix") {
            format!("X-Unix; {diag}")
        } else {
            diag.clone()
        };
        let mut reply = parse_reply(&raw);
        if let Ok(st) = s("deliverystatus").parse::<EnhancedStatus>() {
            // Sisimai's invented x.0.9NN codes are not real statuses.
            if !(st.subject == 0 && st.detail >= 900) {
                reply.status = Some(st);
            }
        }
        if let Ok(c) = s("replycode").parse::<u16>() {
            reply.code = Some(c);
        }
        if reply.command.is_none() {
            reply.command = match s("command").as_str() {
                "RCPT" => Some(mailway_status::SmtpCommand::Rcpt),
                "MAIL" => Some(mailway_status::SmtpCommand::Mail),
                "DATA" => Some(mailway_status::SmtpCommand::Data),
                "EHLO" => Some(mailway_status::SmtpCommand::Ehlo),
                "HELO" => Some(mailway_status::SmtpCommand::Helo),
                "CONN" => Some(mailway_status::SmtpCommand::Connect),
                "STARTTLS" => Some(mailway_status::SmtpCommand::Starttls),
                _ => None,
            };
        }
        let mut ctx = Context::new()
            .with_recipient(&s("destination"))
            .with_remote_host(s("rhost"));
        if let Ok(a) = s("action").parse::<DsnAction>() {
            ctx = ctx.with_action(a);
        }
        // What the bounce recognisers decide from the message format itself (not from a reply):
        // ARF feedback reports and RFC 3834 auto-replies.
        if !s("feedbacktype").is_empty() {
            ctx = ctx.with_preset(Reason::Feedback);
        }
        if s("file").contains("/rfc3834-") {
            ctx = ctx.with_preset(Reason::Vacation);
        }
        let c = classify_with(&reply, &ctx);
        total += 1;
        let hard = v.get("hardbounce").and_then(Value::as_i64).unwrap_or(0) == 1;
        if c.hard_bounce == hard {
            hard_agree += 1;
        }
        if c.reason.as_str() == expected {
            agree += 1;
        } else {
            *misses
                .entry(format!("{expected} -> {}", c.reason))
                .or_default() += 1;
            if verbose {
                eprintln!(
                    "{} #{}: sisimai={expected} ours={} rule={} status={:?} code={:?} cmd={:?} action={} diag={diag:?}",
                    s("file"),
                    v.get("idx").and_then(Value::as_i64).unwrap_or(0),
                    c.reason,
                    c.rule,
                    reply.status.map(|s| s.to_string()),
                    reply.code,
                    reply.command,
                    s("action"),
                );
            }
        }
    }
    assert!(total > 500, "corpus too small: {total}");
    let rate = agree as f64 / total as f64;
    eprintln!(
        "reason agreement with Sisimai 5.3.0: {agree}/{total} = {:.1}%  (hard/soft bounce: {:.1}%)",
        rate * 100.0,
        hard_agree as f64 * 100.0 / total as f64
    );
    let mut misses: Vec<_> = misses.into_iter().collect();
    misses.sort_by_key(|m| std::cmp::Reverse(m.1));
    for (k, n) in misses.iter().take(25) {
        eprintln!("  {n:3}  {k}");
    }
    assert!(
        rate >= MIN_AGREEMENT,
        "reason agreement {:.1}% below {:.1}%",
        rate * 100.0,
        MIN_AGREEMENT * 100.0
    );
}
