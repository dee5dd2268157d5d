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

/// An Amazon SES report whose diagnostic quotes the remote reply after "100-'" (a mutated
/// "550-'"): the three digits before `-'` were taken as the reply code whatever they were, and
/// the record carried reply code 100. Codes outside 200..599 are not taken. Found by the
/// `bounce` fuzz target (2026-11-29).
#[test]
fn amazonses_quoted_reply_outside_smtp_codes_is_not_a_reply_code() {
    let raw = b"From: MAILER-DAEMON@amazonses.com\n\
To: sender@example.org\n\
Subject: Delivery Status Notification (Failure)\n\
X-SES-Outgoing: 2016.09.01-54.240.27.10\n\
MIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\
\n\
--b\n\
Content-Type: text/plain; charset=utf-8\n\
\n\
An error occurred while trying to deliver the mail to the following recipients:\n\
kijitora@example.jp\n\
\n\
--b\n\
Content-Type: message/delivery-status\n\
\n\
Reporting-MTA: dns; a27-10.smtp-out.us-west-2.amazonses.com\n\
\n\
Final-Recipient: rfc822; kijitora@example.jp\n\
Action: failed\n\
Status: 5.1.0\n\
Diagnostic-Code: smtp; 5.1.0 - Unknown address error 100-'5.2.2 <kijitora@example.jp>... Mailbox Full' (delivery attempts: 0)\n\
\n\
--b--\n";
    let a = mailway_bounce::analyze(raw).expect("a report");
    for r in &a.records {
        if let Some(c) = r.reply_code {
            assert!((200..600).contains(&c), "reply code {c}");
        }
    }
    // the fuzzer's input itself
    let found = include_bytes!("fuzz_inputs/amazonses-reply-100.eml");
    for r in mailway_bounce::analyze(found)
        .map(|a| a.records)
        .unwrap_or_default()
    {
        if let Some(c) = r.reply_code {
            assert!((200..600).contains(&c), "reply code {c}");
        }
    }
}
