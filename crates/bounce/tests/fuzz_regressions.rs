//! Inputs found by `cargo fuzz run bounce` that once stopped the analyser, kept as regression
//! tests: the analysis must return (records or a typed error), never panic.

/// A returned message whose header block has two `Content-Type` fields (a multipart without a
/// boundary, then `message/rfc822`): mail-parser 0.11 reached an internal `debug_assert!`
/// ("Invalid part ID, could not find multipart") on it, so debug and fuzz builds panicked;
/// release builds recovered. Found by the `bounce` fuzz target (2026-11-28).
#[test]
fn returned_message_with_two_content_types_does_not_panic() {
    let raw = b"From: MAILER-DAEMON@relay.example.org\n\
To: sender@example.org\n\
Subject: Returned mail\n\
MIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"outer\"\n\
\n\
--outer\n\
Content-Type: text/plain\n\
\n\
Delivery failed.\n\
\n\
--outer\n\
Content-Type: message/delivery-status\n\
\n\
Reporting-MTA: dns; relay.example.org\n\
\n\
Final-Recipient: rfc822; bob@example.net\n\
Action: failed\n\
Status: 5.1.1\n\
\n\
--outer\n\
Content-Type: message/rfc822\n\
\n\
From: sender@example.org\n\
MIME-Version: 1.0\n\
Content-Type: multipart000000_b\n\
Content-Type: message/rfc822\n\
\n\
From: inner@example.org\n\
Subject: inner\n\
\n\
body\n\
\n\
--outer--\n";
    let a = mailway_bounce::analyze(raw).expect("a bounce");
    assert_eq!(a.records.len(), 1, "{a:#?}");
    assert_eq!(a.records[0].recipient, "bob@example.net");
    assert_eq!(a.records[0].status.unwrap().to_string(), "5.1.1");
}
