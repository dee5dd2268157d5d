//! Correctness against the real Postfix 3.7 run in `../shared/logs/postfix-lab/` (one run
//! captured in every framing). Expected numbers are derived independently of our parser: from
//! pflogsumm's report of the same log, from plain substring counts over the raw lines, and from
//! the `postqueue -j` snapshots taken during the run.
//!
//! Skips when the shared folder is absent (fails under `CI=true`, where it is always present).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};

use mailway_logs::pipeline::{PipelineOptions, Source, run};
use mailway_logs::time::{Zone, days_from_civil};
use mailway_logs::{CorrelateOptions, Correlator, Report, Summary, SummaryOptions};
use mailway_testkit::shared::shared_path;

fn lab() -> Option<PathBuf> {
    shared_path("logs/postfix-lab")
}

/// Reference time for year-less stamps: the day after the run (as a file's mtime would be).
fn reference() -> i64 {
    days_from_civil(2026, 11, 28) * 86_400
}

fn summarize_sources(sources: Vec<Source>) -> Report {
    let opts = PipelineOptions {
        zone: Zone::utc(),
        threads: 2,
        block_size: 4096, // many small blocks: exercises ordering across worker threads
        ..PipelineOptions::default()
    };
    let mut c = Correlator::new(
        CorrelateOptions::default(),
        Summary::new(SummaryOptions {
            zone: Zone::utc(),
            ..SummaryOptions::default()
        }),
    );
    let inputs = run(sources, &opts, &mut c).expect("read");
    let (s, names, first, last) = c.finish();
    s.report(&names, first, last, inputs)
}

fn source(p: &Path) -> Source {
    Source {
        name: p.display().to_string(),
        reader: Box::new(std::fs::File::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))),
        reference_naive: reference(),
    }
}

fn summarize(paths: &[PathBuf]) -> Report {
    summarize_sources(paths.iter().map(|p| source(p)).collect())
}

fn summarize_bytes(name: &str, data: Vec<u8>) -> Report {
    summarize_sources(vec![Source {
        name: name.into(),
        reader: Box::new(std::io::Cursor::new(data)),
        reference_naive: reference(),
    }])
}

/// The report without what legitimately differs between framings (input names, formats, line
/// counts).
fn comparable(r: &Report) -> serde_json::Value {
    let mut v = serde_json::to_value(r).unwrap();
    let o = v.as_object_mut().unwrap();
    o.remove("inputs");
    o.remove("lines");
    v
}

#[test]
fn syslog_framings_give_identical_summaries() {
    let Some(dir) = lab() else { return };
    let base = summarize(&[dir.join("syslog-traditional.log")]);
    for f in ["syslog-rfc3339.log", "syslog-rfc5424.log"] {
        let r = summarize(&[dir.join(f)]);
        assert_eq!(
            comparable(&r),
            comparable(&base),
            "{f} differs from syslog-traditional.log"
        );
        assert_eq!(
            r.lines.skipped + r.lines.unknown_mta,
            0,
            "{f}: {:?}",
            r.lines.examples
        );
    }
    assert_eq!(base.lines.skipped + base.lines.unknown_mta, 0);
}

#[test]
fn journal_forms_give_identical_summaries() {
    let Some(dir) = lab() else { return };
    let j = dir.join("journal");
    let base = summarize(&[j.join("postfix-journal.json")]);
    assert_eq!(base.inputs[0].format, "journal-json");
    for f in [
        "export",
        "short",
        "short-iso",
        "short-precise",
        "short-iso-precise",
    ] {
        let r = summarize(&[j.join(format!("postfix-journal.{f}"))]);
        assert_eq!(
            comparable(&r),
            comparable(&base),
            "postfix-journal.{f} differs from the JSON export"
        );
    }
    assert!(base.totals.deferred_attempts > 0);
}

fn count_lines(text: &str, needle: &str) -> u64 {
    text.lines().filter(|l| l.contains(needle)).count() as u64
}

/// `     38   received` → 38, from pflogsumm's "Grand Totals".
fn pflogsumm_total(report: &str, label: &str) -> u64 {
    report
        .lines()
        .find_map(|l| {
            let t = l.trim();
            let (n, rest) = t.split_once(' ')?;
            rest.trim_start()
                .starts_with(label)
                .then(|| n.parse().ok())?
        })
        .unwrap_or_else(|| panic!("pflogsumm report has no {label:?} line"))
}

#[test]
fn totals_match_pflogsumm_and_raw_line_counts() {
    let Some(dir) = lab() else { return };
    let log = std::fs::read_to_string(dir.join("syslog-traditional.log")).unwrap();
    let pfl = std::fs::read_to_string(dir.join("pflogsumm-report.txt")).unwrap();
    let r = summarize(&[dir.join("syslog-traditional.log")]);
    let t = &r.totals;

    // pflogsumm: received = smtpd "client=" + pickup lines; this run has no content filter, so
    // that is exactly our "received"
    assert_eq!(t.received, pflogsumm_total(&pfl, "received"));
    assert_eq!(
        t.received,
        count_lines(&log, ": client=") + count_lines(&log, "postfix/pickup[")
    );
    assert_eq!(t.delivered, pflogsumm_total(&pfl, "delivered"));
    assert_eq!(t.delivered, count_lines(&log, "status=sent"));
    assert_eq!(t.bounced, pflogsumm_total(&pfl, "bounced"));
    assert_eq!(t.bounced, count_lines(&log, "status=bounced"));
    // "16   deferred  (108  deferrals)"
    let deferred_line = pfl.lines().find(|l| l.contains("deferrals)")).unwrap();
    let nums: Vec<u64> = deferred_line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|s| s.parse().ok())
        .collect();
    assert_eq!(
        (t.deferred_messages, t.deferred_attempts),
        (nums[0], nums[1])
    );
    assert_eq!(t.deferred_attempts, count_lines(&log, "status=deferred"));
    let deferred_ids: BTreeSet<&str> = log
        .lines()
        .filter(|l| l.contains("status=deferred"))
        .filter_map(|l| l.split(": ").nth(1))
        .collect();
    assert_eq!(t.deferred_messages, deferred_ids.len() as u64);
    // pflogsumm does not count expiries; the shared README says 11, and so does grep
    assert_eq!(
        t.expired,
        count_lines(&log, "status=expired, returned to sender")
    );
    assert_eq!(t.expired, 11);
    assert_eq!(r.rejections.rejected, pflogsumm_total(&pfl, "rejected"));
    assert_eq!(
        r.rejections.warnings,
        pflogsumm_total(&pfl, "reject warnings")
    );
    assert_eq!(
        r.notifications.non_delivery,
        count_lines(&log, "sender non-delivery notification")
    );
    assert_eq!(
        r.notifications.delay,
        count_lines(&log, "sender delay notification")
    );
    // every message accounted for: one close per Message-ID line; the postsuper -d shows up
    let mids = count_lines(&log, ": message-id=");
    assert_eq!(r.messages.values().sum::<u64>(), mids);
    assert_eq!(r.messages.get("deleted"), Some(&1));
    assert_eq!(r.messages.get("expired"), Some(&11));
    assert!(
        r.pending.is_empty(),
        "the queue was empty at the end of the run"
    );
}

/// pflogsumm's "Host/Domain Summary: Message Delivery": (sent, defers) per domain.
fn pflogsumm_domains(report: &str) -> BTreeMap<String, (u64, u64)> {
    let mut out = BTreeMap::new();
    let mut on = false;
    for l in report.lines() {
        if l.starts_with("Host/Domain Summary: Message Delivery") {
            on = true;
            continue;
        }
        if on {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.is_empty() && !out.is_empty() {
                break;
            }
            if f.len() >= 8 && f[0].parse::<u64>().is_ok() {
                out.insert(
                    f[f.len() - 1].to_string(),
                    (f[0].parse().unwrap(), f[2].parse().unwrap()),
                );
            }
        }
    }
    out
}

#[test]
fn per_domain_counts_match_pflogsumm() {
    let Some(dir) = lab() else { return };
    let pfl = std::fs::read_to_string(dir.join("pflogsumm-report.txt")).unwrap();
    let expected = pflogsumm_domains(&pfl);
    assert!(expected.len() >= 9, "{expected:?}");
    let r = summarize(&[dir.join("syslog-traditional.log")]);
    for (dom, (sent, defers)) in &expected {
        let row = r
            .by_domain
            .iter()
            .find(|d| &d.domain == dom)
            .unwrap_or_else(|| panic!("no row for {dom}"));
        assert_eq!(
            (row.delivered, row.deferred_attempts),
            (*sent, *defers),
            "{dom}"
        );
    }
    // greylisting resolves by itself: every greylisted recipient was delivered on a retry
    let g = r
        .self_resolution
        .iter()
        .find(|s| s.domain == "greylist.test")
        .unwrap();
    assert_eq!(
        (g.deferred, g.delivered, g.resolved_share),
        (4, 4, Some(1.0))
    );
    // the extra delay, derived from the raw lines: first deferral → delivery per recipient
    let log = std::fs::read_to_string(dir.join("syslog-traditional.log")).unwrap();
    let mut first_defer: BTreeMap<String, i64> = BTreeMap::new();
    let mut extra = Vec::new();
    for l in log.lines().filter(|l| l.contains("@greylist.test>")) {
        let hms: Vec<i64> = l[7..15].split(':').map(|x| x.parse().unwrap()).collect();
        let secs = hms[0] * 3600 + hms[1] * 60 + hms[2];
        let rcpt = l
            .split("to=<")
            .nth(1)
            .unwrap()
            .split('>')
            .next()
            .unwrap()
            .to_string();
        if l.contains("status=deferred") {
            first_defer.entry(rcpt).or_insert(secs);
        } else if l.contains("status=sent") {
            extra.push(secs - first_defer[&rcpt]);
        }
    }
    extra.sort();
    assert_eq!(extra.len(), 4);
    // nearest-rank p50 of 4 values is the 2nd, p90 the 4th
    assert_eq!(g.extra_delay_p50_s, Some(extra[1] as u64));
    assert_eq!(g.extra_delay_p90_s, Some(extra[3] as u64));
    // tempfail never resolved: all 8 recipients expired
    let tf = r
        .self_resolution
        .iter()
        .find(|s| s.domain == "tempfail.test")
        .unwrap();
    assert_eq!((tf.deferred, tf.delivered, tf.expired), (8, 0, 8));
}

#[test]
fn deferral_texts_group_recipients() {
    let Some(dir) = lab() else { return };
    let r = summarize(&[dir.join("syslog-traditional.log")]);
    // D0727BC70D's five tempfail.test recipients (and r9, r10, ops) got the same reply: one row
    let row = r
        .deferral_texts
        .iter()
        .find(|t| {
            t.text
                .contains("<*@tempfail.test>: Temporary lookup failure")
        })
        .expect("grouped tempfail row");
    assert_eq!((row.attempts, row.recipients), (56, 8));
    assert_eq!(row.stage, "rcpt");
    assert!(!r.deferral_texts.iter().any(|t| t.text.contains("user1@")));
}

/// The log cut at a snapshot time, as bytes.
fn cut(log: &str, hhmmss: &str) -> Vec<u8> {
    let t = format!("{}:{}:{}", &hhmmss[0..2], &hhmmss[2..4], &hhmmss[4..6]);
    let mut out = String::new();
    for l in log.lines() {
        if l[7..15] <= *t {
            out.push_str(l);
            out.push('\n');
        }
    }
    out.into_bytes()
}

#[test]
fn pending_messages_match_the_queue_snapshots() {
    let Some(dir) = lab() else { return };
    let log = std::fs::read_to_string(dir.join("syslog-traditional.log")).unwrap();
    let snaps = dir.join("queue-snapshots");
    let mut checked = 0;
    let mut names: Vec<_> = std::fs::read_dir(&snaps)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        let Some(hhmmss) = name
            .strip_prefix("postqueue-")
            .and_then(|n| n.strip_suffix(".json"))
        else {
            continue;
        };
        if hhmmss.len() != 6 || !hhmmss.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let mut text = String::new();
        std::fs::File::open(snaps.join(&name))
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        let queue: Vec<serde_json::Value> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let r = summarize_bytes(&name, cut(&log, hhmmss));
        let ours: BTreeMap<&str, &mailway_logs::summary::PendingRow> =
            r.pending.iter().map(|p| (p.queue_id.as_str(), p)).collect();
        let theirs: BTreeSet<&str> = queue
            .iter()
            .map(|q| q["queue_id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ours.keys().copied().collect::<BTreeSet<_>>(),
            theirs,
            "pending at {hhmmss}"
        );
        for q in &queue {
            let p = ours[q["queue_id"].as_str().unwrap()];
            // arrival time and sender as the queue has them
            let arrival = q["arrival_time"].as_i64().unwrap();
            let ours_arrival = p.arrival.clone();
            let secs = days_from_civil(2026, 11, 27) * 86_400;
            let expect = arrival - secs;
            let hms = format!(
                "{:02}:{:02}:{:02}",
                expect / 3600,
                expect / 60 % 60,
                expect % 60
            );
            assert!(
                ours_arrival.contains(&hms),
                "{}: arrival {ours_arrival} vs {hms}",
                p.queue_id
            );
            let sender = q["sender"].as_str().unwrap();
            let ours_sender = p.sender.as_deref().unwrap_or("");
            assert!(
                ours_sender == sender || (ours_sender.is_empty() && sender == "MAILER-DAEMON"),
                "{}",
                p.queue_id
            );
            assert_eq!(p.held, q["queue_name"] == "hold", "{} held", p.queue_id);
            // the last deferral reason, normalised the same way
            if let Some(reason) = q["recipients"][0]["delay_reason"].as_str() {
                let mut n = Vec::new();
                mailway_logs::reply::normalize_into(reason.as_bytes(), &mut n);
                assert_eq!(
                    p.last_text.as_deref(),
                    Some(String::from_utf8(n).unwrap().as_str()),
                    "{}",
                    p.queue_id
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 7, "only {checked} snapshots checked");
}

#[test]
fn maillog_file_then_journal_tell_one_story() {
    let Some(dir) = lab() else { return };
    // the maillog_file run ends with D2974BC70A deferred, as postqueue -j showed
    let r = summarize(&[dir.join("maillog_file.log")]);
    let probe: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(dir.join("queue-snapshots/postqueue-probe.json"))
            .unwrap()
            .trim(),
    )
    .unwrap();
    assert_eq!(r.pending.len(), 1);
    assert_eq!(r.pending[0].queue_id, probe["queue_id"].as_str().unwrap());
    assert_eq!(
        r.pending[0].recipients,
        vec![
            probe["recipients"][0]["address"]
                .as_str()
                .unwrap()
                .to_string()
        ]
    );
    // Postfix restarted with journald logging: the same message is retried there (under another
    // host name: maillog_file logs myhostname, the journal the system's)
    let both = summarize(&[
        dir.join("maillog_file.log"),
        dir.join("journal/postfix-journal.json"),
    ]);
    let p = both
        .pending
        .iter()
        .find(|p| p.queue_id == "D2974BC70A")
        .expect("still pending");
    assert_eq!(p.deferrals, 3);
    assert_eq!(both.totals.received, 4);
    assert_eq!(both.pending.len(), 2);
}
