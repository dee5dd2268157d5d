//! Deferral texts as `mailway logs` sees them (Postfix `status=deferred (...)` with its `dsn=`),
//! classified as live replies (no DSN action), and the same words inside a bounce (Action:
//! failed), where Sisimai's vocabulary calls a connection failure at the end of the queue
//! lifetime `expired`. Texts written for these tests in the shape Postfix logs them.

use mailway_status::{Context, DsnAction, Reason, Reply, Temporality, classify_with, parse_reply};

/// A log deferral: the text after `status=deferred (`, with the `dsn=` status of the log line.
fn live(dsn: &str, text: &str) -> mailway_status::Classification {
    let parsed = parse_reply(text);
    let reply = Reply {
        status: Some(dsn.parse().unwrap()),
        ..parsed
    };
    classify_with(&reply, &Context::new())
}

/// The same words in a bounce record (DSN `Action: failed`).
fn bounced(dsn: &str, text: &str) -> mailway_status::Classification {
    let parsed = parse_reply(text);
    let reply = Reply {
        status: Some(dsn.parse().unwrap()),
        ..parsed
    };
    classify_with(&reply, &Context::new().with_action(DsnAction::Failed))
}

#[track_caller]
fn check(c: &mailway_status::Classification, reason: Reason, topic: Option<&str>) {
    assert_eq!(c.reason, reason, "rule {}", c.rule);
    assert_eq!(c.topic.as_deref(), topic, "rule {}", c.rule);
    assert_eq!(c.temporality, Temporality::Transient, "rule {}", c.rule);
    assert!(!c.hard_bounce, "a deferral is never a hard bounce");
}

#[test]
fn connection_refused_deferral_is_a_network_error() {
    let t = "connect to mx.example.org[192.0.2.25]:25: Connection refused";
    check(&live("4.4.1", t), Reason::NetworkError, Some("connection"));
    // at the end of the queue lifetime, in a bounce: Sisimai's "expired"
    assert_eq!(bounced("4.4.1", t).reason, Reason::Expired);
    // a bare 4.4.1 (no answer from host) as a live reply
    check(&live("4.4.1", ""), Reason::NetworkError, Some("connection"));
}

#[test]
fn timeouts_and_lost_connections_are_network_errors() {
    for (dsn, t) in [
        (
            "4.4.2",
            "conversation with mx.example.org[192.0.2.25] timed out while receiving the initial server greeting",
        ),
        (
            "4.4.2",
            "conversation with mx.example.org[192.0.2.25] timed out while sending end of data -- message may be sent more than once",
        ),
        (
            "4.4.2",
            "lost connection with mx.example.org[192.0.2.25] while sending MAIL FROM",
        ),
        (
            "4.4.2",
            "delivery temporarily suspended: lost connection with mx.example.org[192.0.2.25] while sending RCPT TO",
        ),
        (
            "4.4.1",
            "connect to mx.example.org[192.0.2.25]:25: Connection timed out",
        ),
        (
            "4.4.1",
            "connect to mx.example.org[2001:db8::25]:25: Network is unreachable",
        ),
    ] {
        check(&live(dsn, t), Reason::NetworkError, Some("connection"));
    }
}

#[test]
fn real_expiry_texts_stay_expired() {
    for (dsn, t) in [
        ("4.4.7", "Delivery time expired"),
        ("4.4.7", "retry timeout exceeded"),
        (
            "4.4.7",
            "message expired, connection refused [LastAttemptedServerName=mx.example.org]",
        ),
    ] {
        let c = live(dsn, t);
        assert_eq!(c.reason, Reason::Expired, "{t}: rule {}", c.rule);
    }
}

#[test]
fn greylisting_is_soft_and_named() {
    for (dsn, t) in [
        (
            "4.2.0",
            "host mx.example.org[192.0.2.25] said: 450 4.2.0 <r3@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html (in reply to RCPT TO command)",
        ),
        (
            "4.2.0",
            "host mx.example.org[192.0.2.25] said: 451 4.2.0 try again later (in reply to RCPT TO command)",
        ),
        (
            "4.7.1",
            "host mx.example.org[192.0.2.25] said: 451 4.7.1 Greylisting in action, please come back later (in reply to RCPT TO command)",
        ),
        (
            "4.2.0",
            "host mx.example.org[192.0.2.25] said: 450 4.2.0 greylisting in action (in reply to RCPT TO command)",
        ),
    ] {
        let c = live(dsn, t);
        // Sisimai has no greylisting reason; its full pipeline calls it "onhold" (soft).
        check(&c, Reason::OnHold, Some("greylisting"));
        assert_ne!(c.reason, Reason::Blocked);
    }
}

#[test]
fn dns_failures_follow_sisimai() {
    // temporary DNS failure: networkerror (Sisimai), not hostunknown
    let c = live(
        "4.4.3",
        "Host or domain name not found. Name service error for name=example.org type=MX: Host not found, try again",
    );
    check(&c, Reason::NetworkError, Some("dns"));
    // a permanent one (NXDOMAIN) is hostunknown
    let c = classify_with(
        &Reply {
            status: Some("5.4.4".parse().unwrap()),
            ..parse_reply(
                "Host or domain name not found. Name service error for name=nxdomain.example type=A: Host not found",
            )
        },
        &Context::new(),
    );
    assert_eq!(c.reason, Reason::HostUnknown, "rule {}", c.rule);
}

#[test]
fn temporary_lookup_failure_is_a_system_error() {
    let c = live(
        "4.3.0",
        "host mx.example.org[192.0.2.25] said: 451 4.3.0 <ops@example.org>: Temporary lookup failure (in reply to RCPT TO command)",
    );
    check(&c, Reason::SystemError, None);
    let c = live(
        "4.2.0",
        "host mail.example.org[private/dovecot-lmtp] said: 451 4.2.0 <a@example.org> Temporary internal error (in reply to end of DATA command)",
    );
    check(&c, Reason::SystemError, None);
}
