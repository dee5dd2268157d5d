//! A real `postqueue -j` snapshot from the Postfix lab (/work/shared/labs/postfix), kept as a
//! fixture: 15 deferred messages to the lab's misbehaving MX hosts.

use mailway_monitor::postfix::parse_postqueue_json;
use mailway_monitor::{QueueSnapshot, StatsOptions};

const LAB: &str = include_str!("fixtures/postqueue-lab.jsonl");

#[test]
fn lab_snapshot() {
    let p = parse_postqueue_json(LAB);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.entries.len(), 15);
    let newest = p.entries.iter().map(|e| e.arrival).max().unwrap();
    let s = QueueSnapshot::new("postfix", newest + 60, p.entries).stats(&StatsOptions::default());
    assert_eq!(s.messages, 15);
    assert_eq!(s.recipients, 19);
    assert_eq!(s.deferred, 19);
    assert_eq!(s.by_queue.len(), 1);
    assert_eq!(s.by_queue[0].label, "deferred");
    let doms: Vec<(&str, u64)> = s
        .by_domain
        .iter()
        .map(|d| (d.domain.as_str(), d.recipients))
        .collect();
    assert_eq!(doms[0], ("tempfail.test", 8));
    assert_eq!(doms[1], ("tarpit.test", 4));
    assert_eq!(doms[2], ("greylist.test", 3));
    assert_eq!(doms.len(), 7);
    // every recipient has a delay reason, so every one is classified
    assert_eq!(s.by_reason.iter().map(|r| r.recipients).sum::<u64>(), 19);
    // ages: 60 s to 81 s: all in the first bucket
    assert_eq!(s.age.values, vec![15, 0, 0, 0, 0, 0]);
    // the bounce (MAILER-DAEMON) is shown as such and nothing is close to expiry
    assert!(s.table.iter().any(|m| m.sender == "MAILER-DAEMON"));
    assert!(s.expiring.is_empty());
    // five days later, all of them are
    let later = QueueSnapshot::new(
        "postfix",
        newest + 4 * 86_400 + 3600,
        parse_postqueue_json(LAB).entries,
    )
    .stats(&StatsOptions::default());
    assert_eq!(later.expiring.len(), 15);
    assert_eq!(later.age.values, vec![0, 0, 0, 0, 0, 15]);
}
