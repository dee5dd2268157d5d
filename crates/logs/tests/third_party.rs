//! The third-party log samples in `../shared/logs/third-party/` (real lines from fail2ban,
//! postfix_exporter, postfix-grok-patterns, logwatch and Exim's test suite) parse without
//! unrecognised-line errors on mail lines, and the delivery lines give the right structure.
//!
//! Skips when the shared folder is absent (fails under `CI=true`).

use std::path::PathBuf;

use mailway_logs::event::{Kind, Status};
use mailway_logs::frame::{FrameCtx, Framing};
use mailway_logs::parse::{InputFormat, LineClass, ParseCtx, parse_line};
use mailway_logs::time::{Zone, ZoneCache, days_from_civil};
use mailway_testkit::shared::shared_path;

fn dir() -> Option<PathBuf> {
    shared_path("logs/third-party")
}

fn ctx(f: Framing) -> ParseCtx {
    let reference = days_from_civil(2026, 1, 1) * 86_400;
    ParseCtx::new(
        FrameCtx::new(f, ZoneCache::new(Zone::utc()), None, reference),
        InputFormat::Lines(f),
    )
}

/// Parses every non-comment line of a sample; returns (unknown MTA lines, skipped lines, events).
fn check_file(name: &str, framing: Framing) -> (Vec<String>, Vec<String>, usize) {
    let Some(d) = dir() else {
        return (vec![], vec![], 0);
    };
    let text = std::fs::read_to_string(d.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut c = ctx(framing);
    let (mut unknown, mut skipped, mut events) = (Vec::new(), Vec::new(), 0);
    for l in text.lines() {
        if l.starts_with('#') || l.trim().is_empty() {
            continue;
        }
        let (chunk, class) = parse_line(l.as_bytes(), &mut c);
        match class {
            LineClass::Unknown => unknown.push(l.to_string()),
            LineClass::Skipped(_) => skipped.push(l.to_string()),
            LineClass::Event => events += chunk.events.len(),
            _ => {}
        }
    }
    (unknown, skipped, events)
}

#[test]
fn fail2ban_postfix_sample() {
    let (unknown, skipped, events) = check_file("fail2ban/postfix.log", Framing::Rfc3164);
    assert!(unknown.is_empty(), "unrecognised: {unknown:#?}");
    assert!(skipped.is_empty(), "skipped: {skipped:#?}");
    if let Some(d) = dir() {
        // every rejection line is an event (counted independently with a substring search)
        let text = std::fs::read_to_string(d.join("fail2ban/postfix.log")).unwrap();
        let rejects = text
            .lines()
            .filter(|l| {
                !l.starts_with('#') && (l.contains(" reject: ") || l.contains("milter-reject: "))
            })
            .count();
        assert!(rejects > 10);
        assert!(
            events >= rejects,
            "{events} events for {rejects} rejections"
        );
    }
}

#[test]
fn fail2ban_exim_samples() {
    for f in ["fail2ban/exim.log", "fail2ban/exim-spam.log"] {
        let (unknown, skipped, _) = check_file(f, Framing::Exim);
        assert!(unknown.is_empty(), "{f}: unrecognised: {unknown:#?}");
        assert!(skipped.is_empty(), "{f}: skipped: {skipped:#?}");
    }
}

#[test]
fn fail2ban_sendmail_samples() {
    for f in ["fail2ban/sendmail-reject.log", "fail2ban/sendmail-auth.log"] {
        let (unknown, skipped, events) = check_file(f, Framing::Rfc3164);
        assert!(unknown.is_empty(), "{f}: unrecognised: {unknown:#?}");
        assert!(skipped.is_empty(), "{f}: skipped: {skipped:#?}");
        if f.contains("reject") && dir().is_some() {
            assert!(
                events >= 10,
                "{f}: the check_rcpt rejections are events ({events})"
            );
        }
    }
}

#[test]
fn dovecot_lines_are_other_programs_not_errors() {
    let (unknown, skipped, events) = check_file("fail2ban/dovecot.log", Framing::Rfc3164);
    assert!(unknown.is_empty(), "unrecognised: {unknown:#?}");
    assert_eq!(events, 0);
    // TAI64N-stamped lines (daemontools) are framed too
    assert!(skipped.iter().all(|l| !l.starts_with('@')), "{skipped:#?}");
}

#[test]
fn postfix_exporter_lines() {
    let (unknown, skipped, _) = check_file("postfix_exporter/test-lines.log", Framing::Rfc3164);
    assert!(unknown.is_empty(), "unrecognised: {unknown:#?}");
    assert!(skipped.is_empty(), "skipped: {skipped:#?}");
}

#[test]
fn exim_test_suite_main_logs() {
    let Some(d) = dir() else { return };
    let text = std::fs::read_to_string(d.join("exim-testsuite/test-log-all.txt")).unwrap();
    let mut c = ctx(Framing::Exim);
    let mut unknown = Vec::new();
    let mut skipped = Vec::new();
    let (mut flags, mut attempts, mut arrivals) = (0usize, 0usize, 0usize);
    for l in text.lines() {
        if l.starts_with("###") || l.trim().is_empty() {
            continue;
        }
        // the file also holds the scripted servers' output ("******** SERVER ********",
        // "250 OK"): Exim log lines start with a date
        let b = l.as_bytes();
        if !(b.len() > 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-')
        {
            continue;
        }
        let f: Vec<&str> = l
            .split(' ')
            .skip(2)
            .filter(|t| {
                !(t.starts_with('[')
                    && t.ends_with(']')
                    && t[1..t.len() - 1].bytes().all(|b| b.is_ascii_digit()))
            })
            .filter(|t| {
                !(t.len() == 5
                    && t.starts_with(['+', '-'])
                    && t[1..].bytes().all(|b| b.is_ascii_digit()))
            })
            .take(2)
            .collect();
        let is_flag = f.len() == 2
            && mailway_logs::exim::is_id(f[0].as_bytes())
            && ["<=", "=>", "->", ">>", "**", "=="].contains(&f[1]);
        if is_flag {
            flags += 1;
        }
        let (chunk, class) = parse_line(l.as_bytes(), &mut c);
        match class {
            LineClass::Unknown => unknown.push(l.to_string()),
            LineClass::Skipped(w) => skipped.push(format!("{w}: {l}")),
            _ => {}
        }
        for e in &chunk.events {
            match e.kind {
                Kind::Attempt(_) => attempts += 1,
                Kind::Arrival { .. } => arrivals += 1,
                _ => {}
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "{} unrecognised, e.g. {:#?}",
        unknown.len(),
        &unknown[..unknown.len().min(10)]
    );
    assert!(
        skipped.is_empty(),
        "{} skipped, e.g. {:#?}",
        skipped.len(),
        &skipped[..skipped.len().min(10)]
    );
    // every flag line is an arrival or an attempt
    assert_eq!(arrivals + attempts, flags);
    assert!(flags > 6000, "{flags}");
}

/// The message parts of postfix-grok-patterns' tests, framed as syslog lines of their daemon.
#[test]
fn postfix_grok_pattern_messages() {
    let Some(d) = dir() else { return };
    let tdir = d.join("postfix-grok-patterns/test");
    let mut checked = 0;
    let mut unknown = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(&tdir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        let y = std::fs::read_to_string(&p).unwrap();
        let pattern = y
            .lines()
            .find_map(|l| l.strip_prefix("pattern: "))
            .unwrap_or("")
            .trim_matches('"');
        // whole-message patterns are named after the daemon: ^%{POSTFIX_SMTPD}$
        let Some(daemon) = pattern
            .strip_prefix("^%{POSTFIX_")
            .and_then(|x| x.strip_suffix("}$"))
        else {
            continue;
        };
        let daemon = match daemon {
            "TRIVIAL_REWRITE" => "trivial-rewrite".to_string(),
            "SCRIPT" => "postfix-script".to_string(),
            "RELAY" | "DELAYS" | "TLS_FEATURES" | "COMMAND_COUNTER_DATA" => continue, // field patterns, not messages
            x => x.to_ascii_lowercase(),
        };
        let data = y
            .lines()
            .find_map(|l| l.strip_prefix("data: "))
            .unwrap_or("")
            .trim()
            .trim_matches('"')
            .replace("\\r\\n", "")
            .replace("\\\"", "\"");
        let data = data.split("\\n").next().unwrap_or("").to_string();
        if data.is_empty() {
            continue;
        }
        let line = format!("Jan  1 00:00:00 mail postfix/{daemon}[1]: {data}");
        let mut c = ctx(Framing::Rfc3164);
        let (chunk, class) = parse_line(line.as_bytes(), &mut c);
        if matches!(class, LineClass::Unknown | LineClass::Skipped(_)) {
            unknown.push(format!(
                "{}: {line}",
                p.file_name().unwrap().to_string_lossy()
            ));
            continue;
        }
        // the expected field split, where the test gives one
        let expect_qid = y
            .lines()
            .find_map(|l| l.trim().strip_prefix("postfix_queueid: "))
            .map(|v| v.trim_matches('"').to_string());
        let expect_status = y
            .lines()
            .find_map(|l| l.trim().strip_prefix("postfix_status: "))
            .map(|v| v.trim_matches('"').to_string());
        if let Some(q) = expect_qid
            && let Some(e) = chunk.events.first()
        {
            // NOQUEUE is "no queue id"
            let q = if q == "NOQUEUE" { String::new() } else { q };
            assert_eq!(chunk.text(e.qid), q, "{}", p.display());
        }
        if let Some(s) = expect_status
            && let Some(e) = chunk.events.first()
            && let Kind::Attempt(a) = e.kind
        {
            let ours = match a.status {
                Status::Sent => "sent",
                Status::Deferred => "deferred",
                Status::Bounced => "bounced",
                Status::Probe => s.as_str(),
            };
            assert_eq!(ours, s, "{}", p.display());
        }
        checked += 1;
    }
    assert!(unknown.is_empty(), "unrecognised: {unknown:#?}");
    assert!(checked > 150, "{checked}");
}

/// Logwatch's `#TD` test data: message parts with `Q` (queue id) and `N` (NOQUEUE) placeholders.
#[test]
fn logwatch_postfix_td_lines() {
    let Some(d) = dir() else { return };
    let text = std::fs::read_to_string(d.join("logwatch-postfix-TD-lines.txt")).unwrap();
    let mut unknown = Vec::new();
    let mut checked = 0;
    for raw in text.lines().skip(1) {
        // lines written by policy servers that share Postfix's log (postgrey, policyd-spf,
        // postfix-policyd-weight) are not Postfix messages
        const NOT_POSTFIX: &[&str] = &[
            "SPF ",
            "testing:",
            "Mail From",
            "HELO check",
            "Policy action",
            ": SPF",
            ": : SPF",
            "[STATS]",
            "[LOGS",
            "[DNSBL]",
            "[RULES]",
            "[CACHE]",
            "cleaning ",
            "delayed ",
            "Setting ",
            "Process Backgrounded",
            "20",
            "Binding ",
            "Couldn't unlink",
            "ignoring garbage",
            "unrecognized request",
            "rm /var",
            "Resolved ",
            " action=",
            "Q action=",
            ": whitelisted",
            ": tarpit",
            "39053DC: SPF",
        ];
        if raw.trim().is_empty() || NOT_POSTFIX.iter().any(|p| raw.starts_with(p)) {
            continue;
        }
        // Q, Q2, Q(12): a queue id; N: NOQUEUE; a bare "client=" line lost its queue id
        let msg = if let Some(r) = raw
            .strip_prefix("Q(12) ")
            .or_else(|| raw.strip_prefix("Q2 "))
            .or_else(|| raw.strip_prefix("Q "))
        {
            format!("ABCDE12345: {}", r.trim_start())
        } else if let Some(r) = raw.strip_prefix("N ") {
            format!("NOQUEUE: {}", r.trim_start())
        } else if raw.starts_with("client=") {
            format!("ABCDE12345: {raw}")
        } else {
            raw.to_string()
        };
        let msg = msg
            .strip_prefix("postfix/smtpd[24928]: ")
            .unwrap_or(&msg)
            .to_string();
        let line = format!("Jan  1 00:00:00 mail postfix/smtpd[1]: {msg}");
        let mut c = ctx(Framing::Rfc3164);
        let (_, class) = parse_line(line.as_bytes(), &mut c);
        if matches!(class, LineClass::Unknown | LineClass::Skipped(_)) {
            unknown.push(raw.to_string());
        }
        checked += 1;
    }
    assert!(
        unknown.is_empty(),
        "{} unrecognised: {unknown:#?}",
        unknown.len()
    );
    assert!(checked > 250, "{checked}");
}
