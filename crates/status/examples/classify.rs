//! Classifies each argument (or each stdin line) and prints code, status, command, reason, rule.
//! `cargo run -p mailway-status --example classify -- "550 5.1.1 user unknown"`
use std::io::BufRead;

fn show(text: &str) {
    let r = mailway_status::parse_reply(text);
    let c = mailway_status::classify(&r);
    println!(
        "{:?} {} {:?} -> {} {:?} hard={} rule={} topic={:?} provider={:?}",
        r.code,
        r.status.map(|s| s.to_string()).unwrap_or_default(),
        r.command,
        c.reason,
        c.temporality,
        c.hard_bounce,
        c.rule,
        c.topic,
        c.provider
    );
    println!(
        "    text rules matched: {:?}",
        mailway_status::Classifier::builtin().text_matches(&r)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            show(&line);
        }
    } else {
        for a in args {
            show(&a);
        }
    }
}
