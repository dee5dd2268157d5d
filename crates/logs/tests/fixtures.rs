//! Golden summaries of the hand-composed fixtures in `tests/fixtures/` (one per scenario and MTA),
//! plus explicit checks of the numbers each scenario is about. `MAILWAY_BLESS=1` rewrites the
//! expected JSON files.

use std::path::{Path, PathBuf};

use mailway_logs::pipeline::{PipelineOptions, Source, run};
use mailway_logs::time::{Zone, days_from_civil};
use mailway_logs::trace::{Query, Tracer};
use mailway_logs::{CorrelateOptions, Correlator, Report, Summary, SummaryOptions};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn source(p: &Path) -> Source {
    Source {
        name: p.file_name().unwrap().to_string_lossy().into_owned(),
        reader: Box::new(std::fs::File::open(p).unwrap()),
        reference_naive: days_from_civil(2025, 3, 10) * 86_400,
    }
}

fn opts() -> PipelineOptions {
    PipelineOptions {
        zone: Zone::utc(),
        threads: 2,
        ..PipelineOptions::default()
    }
}

fn summary(name: &str) -> Report {
    let mut c = Correlator::new(
        CorrelateOptions::default(),
        Summary::new(SummaryOptions {
            zone: Zone::utc(),
            ..SummaryOptions::default()
        }),
    );
    let inputs = run(vec![source(&fixtures().join(name))], &opts(), &mut c).unwrap();
    let (s, names, first, last) = c.finish();
    s.report(&names, first, last, inputs)
}

fn trace(name: &str, q: &str) -> Vec<Vec<mailway_logs::trace::MessageTrace>> {
    let mut c = Correlator::new(CorrelateOptions::default(), Tracer::new(Query::new(q)));
    run(vec![source(&fixtures().join(name))], &opts(), &mut c).unwrap();
    let (t, ..) = c.finish();
    t.finish(&Zone::utc())
}

fn strip_reasons(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(o) => {
            o.remove("by_reason");
            for (k, x) in o.iter_mut() {
                if (k == "reason" || k == "last_reason") && x.is_string() {
                    *x = serde_json::Value::String("(mailway_status)".into());
                } else {
                    strip_reasons(x);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(strip_reasons),
        _ => {}
    }
}

#[test]
fn reasons_come_from_the_status_crate() {
    // robust expectations only: a 550 5.1.1 user-unknown bounce is userunknown, an expiry is
    // expired, and every failure gets some reason
    for (f, rcpt) in [
        ("postfix-qid-reuse.log", "r3@f.example"),
        ("sendmail.log", "nouser@example.com"),
        ("exim-mainlog.log", "nobody@example.com"),
    ] {
        let t = trace(f, rcpt);
        let ev = t[0][0]
            .events
            .iter()
            .find(|e| e.kind == "bounced")
            .unwrap_or_else(|| panic!("{f}"));
        assert_eq!(ev.reason.map(|r| r.as_str()), Some("userunknown"), "{f}");
    }
    let r = summary("exim-mainlog.log");
    assert!(r.expired_messages.iter().all(|e| e.last_reason.is_some()));
    let total: u64 = r
        .by_reason
        .iter()
        .map(|x| x.deferred_attempts + x.bounced)
        .sum();
    assert_eq!(total, r.totals.deferred_attempts + r.totals.bounced);
}

#[test]
fn golden_summaries() {
    let mut n = 0;
    let mut names: Vec<_> = std::fs::read_dir(fixtures())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".log") || n.ends_with(".jsonl"))
        .collect();
    names.sort();
    let mut failures = Vec::new();
    for name in names {
        let r = summary(&name);
        assert_eq!(
            r.lines.unknown_mta + r.lines.skipped,
            0,
            "{name}: {:?}",
            r.lines.examples
        );
        // reasons come from mailway_status, whose rules evolve on their own: they are checked by
        // targeted tests, not frozen in the golden files
        let mut v = serde_json::to_value(&r).unwrap();
        strip_reasons(&mut v);
        let json = serde_json::to_string_pretty(&v).unwrap() + "\n";
        let expected =
            fixtures().join(format!("{}.summary.json", name.rsplit_once(".").unwrap().0));
        if let Err(e) = mailway_testkit::golden::check(&expected, &json) {
            failures.push(e);
        }
        n += 1;
    }
    assert!(n >= 5, "no fixtures ran");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn content_filter_hops_count_once() {
    let r = summary("postfix-content-filter.log");
    // two messages from outside, each through amavis: received 2, not 4; three final
    // deliveries (the hand-offs to 127.0.0.1:10024 are not deliveries)
    assert_eq!(r.totals.received, 2);
    assert_eq!(r.totals.delivered, 3);
    assert_eq!(
        (r.totals.deferred_attempts, r.totals.deferred_messages),
        (1, 1)
    );
    assert!(
        r.by_relay.iter().all(|x| x.relay != "127.0.0.1"),
        "{:?}",
        r.by_relay
    );
    // the trace of the first message continues through the hop
    let t = trace("postfix-content-filter.log", "4A1B2C3D4E");
    assert_eq!(t.len(), 1);
    let qids: Vec<&str> = t[0].iter().map(|m| m.queue_id.as_str()).collect();
    assert_eq!(qids, vec!["4A1B2C3D4E", "5B2C3D4E5F"]);
    assert_eq!(t[0][1].parent_relation, Some("hop"));
}

#[test]
fn reused_queue_ids_are_separate_messages() {
    let r = summary("postfix-qid-reuse.log");
    assert_eq!(r.totals.received, 3);
    assert_eq!(r.totals.delivered, 4); // r1, r2 (after a deferral), the bounce to three@, r9 via postfix-out
    assert_eq!(r.totals.bounced, 1);
    // the second message had no "removed" line before the id came back: closed as replaced
    assert_eq!(r.messages.get("replaced"), Some(&1));
    let t = trace("postfix-qid-reuse.log", "3F2A1BC70A");
    let ids: Vec<Option<&str>> = t.iter().map(|f| f[0].message_id.as_deref()).collect();
    assert_eq!(
        ids.len(),
        4,
        "three postfix messages and one postfix-out message: {ids:?}"
    );
    assert!(
        ids.contains(&Some("first@a.example"))
            && ids.contains(&Some("second@c.example"))
            && ids.contains(&Some("third@e.example"))
    );
    // the bounce notification hangs off the third message
    let third = t
        .iter()
        .find(|f| f[0].message_id.as_deref() == Some("third@e.example"))
        .unwrap();
    assert_eq!(third.len(), 2);
    assert_eq!(third[1].parent_relation, Some("non_delivery"));
    // the self-resolution of d.example: one deferral, resolved after 5 minutes
    let d = r
        .self_resolution
        .iter()
        .find(|s| s.domain == "d.example")
        .unwrap();
    assert_eq!((d.delivered, d.extra_delay_p50_s), (1, Some(301)));
}

#[test]
fn exim_main_log() {
    let r = summary("exim-mainlog.log");
    assert_eq!(r.inputs[0].format, "exim-mainlog");
    // 5 arrivals, of which one is the bounce message (still a received message in Exim's log)
    assert_eq!(r.totals.received, 6);
    assert_eq!(r.totals.delivered, 4);
    assert_eq!(r.totals.bounced, 1);
    assert_eq!(r.totals.expired, 1, "retry timeout exceeded");
    assert_eq!(r.totals.deferred_attempts, 4);
    assert_eq!(r.rejections.rejected, 1);
    // the frozen message is still in the queue, on hold
    assert_eq!(r.pending.len(), 1);
    assert!(r.pending[0].held);
    let t = trace("exim-mainlog.log", "nobody@example.com");
    assert_eq!(t[0].len(), 2, "the bounce message (R=) is linked");
    let g = r
        .self_resolution
        .iter()
        .find(|s| s.domain == "greylist.example")
        .unwrap();
    assert_eq!((g.delivered, g.extra_delay_p50_s), (1, Some(901)));
}

#[test]
fn sendmail_log() {
    let r = summary("sendmail.log");
    assert_eq!(r.totals.received, 3);
    // bob, carol (after a deferral), the two DSNs delivered locally
    assert_eq!(r.totals.delivered, 4);
    assert_eq!(r.totals.bounced, 1);
    assert_eq!(r.totals.expired, 1, "Cannot send message for 5 days");
    assert_eq!(r.totals.deferred_attempts, 3);
    assert_eq!(r.rejections.rejected, 1);
    assert!(r.pending.is_empty(), "{:?}", r.pending);
    assert_eq!(r.notifications.non_delivery, 2);
}

#[test]
fn exchange_message_tracking() {
    let r = summary("exchange-msgtrk.log");
    assert_eq!(r.inputs[0].format, "exchange-message-tracking");
    // q1 (RECEIVE logged twice: STOREDRIVER then SMTP) and in1; the NDR has no RECEIVE
    assert_eq!(r.totals.received, 2);
    assert_eq!(
        r.totals.delivered, 3,
        "bob via SEND, the NDR and alice via DELIVER"
    );
    assert_eq!(r.totals.deferred_attempts, 2);
    assert_eq!(r.totals.expired, 1, "QUEUE.Expired");
    assert_eq!(r.totals.bounced, 1, "RecipNotFound");
    assert_eq!(r.notifications.non_delivery, 1);
    let t = trace("exchange-msgtrk.log", "carol@tailspin.example");
    assert_eq!(t.len(), 1);
    assert_eq!(
        t[0].len(),
        2,
        "the NDR is linked through its reference field"
    );
}

#[test]
fn mailway_relay_event_log() {
    let r = summary("mailway-events.jsonl");
    assert_eq!(r.inputs[0].format, "mailway-event-log");
    assert_eq!(
        r.totals.received, 3,
        "two messages and the DSN the relay generated"
    );
    assert_eq!(r.totals.delivered, 2);
    assert_eq!(
        (r.totals.deferred_attempts, r.totals.deferred_messages),
        (2, 2)
    );
    assert_eq!(r.totals.bounced, 1);
    assert_eq!(r.totals.expired, 1);
    assert_eq!(r.notifications.non_delivery, 2);
    // reasons come from the log itself
    assert!(
        r.by_reason
            .iter()
            .any(|x| x.reason == "userunknown" && x.bounced == 1)
    );
    let t = trace("mailway-events.jsonl", "carol@example.net");
    assert_eq!(t[0].len(), 2, "the DSN is linked through dsn_id");
}

#[test]
fn rejection_texts_are_normalised_by_the_parser() {
    // two rejections of different recipients with the same reply are one row; the warning is
    // counted apart and not grouped
    let log = "Nov 27 19:36:37 vm postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 550 5.1.1 <a@ex.test>: Recipient address rejected: User unknown; from=<s@o.test> to=<a@ex.test> proto=ESMTP helo=<x>\n\
Nov 27 19:36:38 vm postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]: 550 5.1.1 <b@ex.test>: Recipient address rejected: User unknown; from=<s@o.test> to=<b@ex.test> proto=ESMTP helo=<x>\n\
Nov 27 19:36:39 vm postfix/smtpd[1]: NOQUEUE: reject_warning: RCPT from x[192.0.2.1]: 450 4.7.1 <c@ex.test>: Helo command rejected: Host not found; from=<s@o.test> to=<c@ex.test> proto=ESMTP helo=<x>\n";
    let chunks = mailway_logs::parse_str(log, 2026);
    let mut norms = Vec::new();
    for c in &chunks {
        for e in &c.events {
            if let mailway_logs::Kind::Reject { norm, warning, .. } = e.kind {
                norms.push((c.text(norm).into_owned(), warning));
            }
        }
    }
    assert_eq!(norms.len(), 3);
    assert_eq!(norms[0], norms[1]);
    assert!(!norms[0].0.contains("a@ex.test"), "{norms:?}");
    assert_eq!(norms[2], (String::new(), true));
    let mut c = mailway_logs::Correlator::new(
        mailway_logs::CorrelateOptions::default(),
        mailway_logs::Summary::new(mailway_logs::SummaryOptions::default()),
    );
    for ch in &chunks {
        c.feed(ch);
    }
    let (s, names, first, last) = c.finish();
    let r = s.report(&names, first, last, vec![]);
    assert_eq!(r.rejections.rejected, 2);
    assert_eq!(r.rejections.warnings, 1);
    assert_eq!(r.rejections.top.len(), 1, "{:?}", r.rejections.top);
    assert_eq!(r.rejections.top[0].count, 2);
}
