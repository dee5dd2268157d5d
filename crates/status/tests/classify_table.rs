//! Table tests: real-world SMTP replies (as servers phrase them; texts written for these tests)
//! → reason, temporary/permanent, hard bounce, and the provider recognised.

use mailway_status::{
    Context, DsnAction, Reason, Temporality, classify_text, classify_with, parse_reply,
};

use Reason::*;
use Temporality::{Permanent as P, Transient as T, Unknown as U};

/// (reply text, reason, temporality, hard bounce)
const CASES: &[(&str, Reason, Temporality, bool)] = &[
    // --- recipient does not exist --------------------------------------------------------------
    (
        "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n550-5.1.1 double-checking the recipient's email address for typos or\r\n550 5.1.1 unnecessary spaces. For more information, go to\r\n550 5.1.1  https://support.google.com/mail/?p=NoSuchUser d2-20020a05 - gsmtp",
        UserUnknown,
        P,
        true,
    ),
    (
        "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
        UserUnknown,
        P,
        true,
    ),
    (
        "host mx.example.org[192.0.2.10] said: 550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command)",
        UserUnknown,
        P,
        true,
    ),
    (
        "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient nobody@contoso.example not found by SMTP address lookup",
        UserUnknown,
        P,
        true,
    ),
    (
        "SMTP error from remote mail server after RCPT TO:<ghost@example.net>: 550 No such user here",
        UserUnknown,
        P,
        true,
    ),
    (
        "554 delivery error: dd This user doesn't have a yahoo.com account (ghost@yahoo.com) [0] - mta1234.mail.gq1.yahoo.com",
        UserUnknown,
        P,
        true,
    ),
    (
        "550 5.1.1 <ghost@icloud.com>: user does not exist",
        UserUnknown,
        P,
        true,
    ),
    (
        "550 Requested action not taken: mailbox unavailable",
        UserUnknown,
        P,
        true,
    ),
    (
        "550 5.1.1 Usuario desconocido / unknown user",
        UserUnknown,
        P,
        true,
    ),
    ("User unknown", UserUnknown, U, true),
    (
        "Sorry, no mailbox here by that name. (#5.1.1)",
        UserUnknown,
        P,
        true,
    ),
    (
        "450 4.1.1 <ghost@example.org>: Recipient address rejected: unverified address: host mx.example.org said: 550 5.1.1 unknown user (in reply to RCPT TO command)",
        UserUnknown,
        T,
        true,
    ),
    // --- domain ----------------------------------------------------------------------------------
    (
        "Host or domain name not found. Name service error for name=exmaple.com type=MX: Host not found",
        HostUnknown,
        U,
        true,
    ),
    (
        "553 5.1.2 We weren't able to find the recipient domain. Please check for any spelling errors. gsmtp",
        HostUnknown,
        P,
        true,
    ),
    (
        "556 5.1.10 Recipient address has null MX",
        NotAccept,
        P,
        true,
    ),
    (
        "521 5.3.2 mail.example.org does not accept mail",
        NotAccept,
        P,
        true,
    ),
    // --- mailbox ---------------------------------------------------------------------------------
    (
        "452-4.2.2 The recipient's inbox is out of storage space. Please direct the recipient to\r\n452 4.2.2  https://support.google.com/mail/?p=OverQuotaTemp - gsmtp",
        MailboxFull,
        T,
        false,
    ),
    (
        "552 5.2.2 <ana@example.es>: user is over quota",
        MailboxFull,
        P,
        false,
    ),
    (
        "host mx.example.net[203.0.113.4] said: 552 5.2.2 Mailbox full (in reply to RCPT TO command)",
        MailboxFull,
        P,
        false,
    ),
    (
        "550 5.2.1 The email account that you tried to reach is disabled. https://support.google.com/mail/?p=DisabledUser - gsmtp",
        Suspend,
        P,
        false,
    ),
    (
        "554 30 Sorry, your message to luis@aol.com cannot be delivered. This mailbox is disabled (554.30)",
        Suspend,
        P,
        false,
    ),
    (
        "550 5.1.6 recipient no longer on server: pedro@icloud.com",
        HasMoved,
        P,
        true,
    ),
    // --- size --------------------------------------------------------------------------------------
    (
        "552-5.3.4 Your message exceeded Google's message size limits. Please visit\r\n552 5.3.4 https://support.google.com/mail/?p=MaxSizeError - gsmtp",
        MesgTooBig,
        P,
        false,
    ),
    (
        "552 5.2.3 Message length exceeds administrative limit",
        ExceedLimit,
        P,
        false,
    ),
    (
        "SMTP error from remote mail server after end of data: 552 Message size exceeds maximum permitted",
        MesgTooBig,
        P,
        false,
    ),
    // --- greylisting and rate limits -------------------------------------------------------------
    (
        "450 4.2.1 <bob@example.org>: Recipient address rejected: Greylisted, see https://postgrey.example/help/example.org.html",
        OnHold, // Sisimai has no greylisting reason; its pipeline says onhold (soft)
        T,
        false,
    ),
    (
        "451 4.7.1 Greylisting in action, please come back later",
        OnHold, // Sisimai has no greylisting reason; its pipeline says onhold (soft)
        T,
        false,
    ),
    (
        "450-4.2.1 The user you are trying to contact is receiving mail too quickly. Please resend\r\n450 4.2.1 your message at a later time. - gsmtp",
        Speeding,
        T,
        false,
    ),
    (
        "421-4.7.28 Gmail has detected an unusual rate of mail originating from your SPF domain\r\n421 4.7.28 [203.0.113.9] To protect our users from spam, mail has been temporarily rate limited. - gsmtp",
        Blocked,
        T,
        false,
    ),
    (
        "451 4.7.1 <mx.example.org[192.0.2.2]>: Client host rejected: Please try again slower",
        Speeding,
        T,
        false,
    ),
    (
        "421 4.7.0 [TSS04] Messages from 203.0.113.7 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
        Rejected,
        T,
        false,
    ),
    (
        "451 4.7.652 The mail server [203.0.113.7] has exceeded the maximum number of connections. (S3115) [BN1NAM02FT012.eop-nam02.prod.protection.outlook.com]",
        TooManyConn,
        T,
        false,
    ),
    (
        "421 4.7.0 Too many concurrent SMTP connections from this IP address; please try again later",
        TooManyConn,
        T,
        false,
    ),
    (
        "421 4.7.1 Messages to ana@icloud.com deferred due to excessive volume. Try again later - https://support.apple.com/en-us/HT204137",
        Speeding,
        T,
        false,
    ),
    (
        "550 5.4.5 Daily user sending limit exceeded. For more information on Gmail sending limits go to https://support.google.com/a/answer/166852 - gsmtp",
        Speeding,
        P,
        false,
    ),
    // --- blocklists, reputation, PTR -------------------------------------------------------------
    (
        "554 5.7.1 Service unavailable; Client host [203.0.113.7] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.7",
        Blocked,
        P,
        false,
    ),
    (
        "550 5.7.1 Unfortunately, messages from [203.0.113.7] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors.",
        Blocked,
        P,
        false,
    ),
    (
        "550 5.7.606 Access denied, banned sending IP [203.0.113.7]. To request removal from this list please visit https://sender.office.com/ and follow the directions.",
        Blocked,
        P,
        false,
    ),
    (
        "550-5.7.1 [203.0.113.7] Our system has detected that this message is likely suspicious due to the very low reputation of the sending IP address. - gsmtp",
        BadReputation,
        P,
        false,
    ),
    (
        "550-5.7.25 [2001:db8::25] The IP address sending this message does not have a PTR record setup, or the corresponding forward DNS entry does not point to the sending IP. - gsmtp",
        RequirePtr,
        P,
        false,
    ),
    (
        "450 4.7.25 Client host rejected: cannot find your hostname, [203.0.113.7]",
        RequirePtr,
        T,
        false,
    ),
    (
        "host mx.example.org[192.0.2.9] refused to talk to me: 554 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using bl.spamcop.net",
        Blocked,
        P,
        false,
    ),
    (
        "550 5.7.0 Blocked - see https://ipcheck.proofpoint.com/?ip=203.0.113.7",
        Blocked,
        P,
        false,
    ),
    // --- authentication ---------------------------------------------------------------------------
    (
        "550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires all senders to authenticate with either SPF or DKIM. - gsmtp",
        AuthFailure,
        P,
        false,
    ),
    (
        "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's\r\n550 5.7.26 DMARC policy. Please contact the administrator of example.com domain. - gsmtp",
        AuthFailure,
        P,
        false,
    ),
    (
        "550 5.7.509 Access denied, sending domain example.com does not pass DMARC verification and has a DMARC policy of reject.",
        AuthFailure,
        P,
        false,
    ),
    (
        "550 5.7.23 The message was rejected because of Sender Policy Framework violation",
        AuthFailure,
        P,
        false,
    ),
    (
        "550 5.7.1 Sender Policy Framework (SPF) fail: 203.0.113.7 is not allowed to send mail for example.com",
        AuthFailure,
        P,
        false,
    ),
    // --- spam / content / policy -------------------------------------------------------------------
    (
        "550-5.7.1 [203.0.113.7] Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked. - gsmtp",
        SpamDetected,
        P,
        false,
    ),
    (
        "host mx.example.net[203.0.113.4] said: 554 5.7.1 Message rejected as spam by Content Filtering (in reply to end of DATA command)",
        SpamDetected,
        P,
        false,
    ),
    (
        "554 5.7.1 This message has been identified as spam",
        SpamDetected,
        P,
        false,
    ),
    (
        "host mx.example.net[203.0.113.4] said: 550 5.7.1 Virus detected: Win.Trojan.Agent (in reply to end of DATA command)",
        VirusDetected,
        P,
        false,
    ),
    (
        "554 Message not allowed - [PH01] Email not accepted for policy reasons. Please visit https://postmaster.yahooinc.com/error-codes",
        PolicyViolation,
        P,
        false,
    ),
    (
        "550 5.7.1 Messages missing a valid Message-ID: header are not accepted. https://support.google.com/mail/?p=RfcMessageNonCompliant - gsmtp",
        NotCompliantRfc,
        P,
        false,
    ),
    (
        "554 5.6.0 Message contains invalid MIME headers",
        ContentError,
        P,
        false,
    ),
    // --- relay, sender, security, TLS ------------------------------------------------------------------
    (
        "554 5.7.1 <ana@example.net>: Relay access denied",
        NoRelaying,
        P,
        false,
    ),
    (
        "550 5.7.1 Unable to relay for ana@example.net",
        NoRelaying,
        P,
        false,
    ),
    (
        "553 5.1.8 <bounce@nonexistent.example>: Sender address rejected: Domain not found",
        Rejected,
        P,
        false,
    ),
    (
        "SMTP error from remote mail server after MAIL FROM:<news@example.com> SIZE=4096: 550 5.7.1 Sender rejected",
        Rejected,
        P,
        false,
    ),
    (
        "530 5.7.0 Must issue a STARTTLS command first. - gsmtp",
        FailedStartTls,
        P,
        false,
    ),
    (
        "535 5.7.8 Username and Password not accepted. For more information, go to https://support.google.com/mail/?p=BadCredentials - gsmtp",
        SecurityError,
        P,
        false,
    ),
    (
        "550 5.7.1 Delivery not authorized, message refused",
        Rejected,
        P,
        false,
    ),
    // --- network, expiry -----------------------------------------------------------------------------
    (
        "connect to mx.example.org[192.0.2.25]:25: Connection timed out",
        NetworkError, // a live reply; in a bounce (Action: failed) it is expired
        U,
        false,
    ),
    (
        "450 4.4.316 Connection refused [Message=Socket error code 10061] [LastAttemptedServerName=mx.example.org] [LastAttemptedIP=192.0.2.25:25] [DM6PR01MB1234.namprd01.prod.outlook.com]",
        NetworkError,
        T,
        false,
    ),
    (
        "550 4.4.7 QUEUE.Expired; message expired [Message=...] [LastAttemptedServerName=mx.example.org] [BN8PR12MB3456.namprd12.prod.outlook.com]",
        Expired,
        T,
        false,
    ),
    (
        "lost connection with mx.example.org[192.0.2.25] while sending end of data -- message may be sent more than once",
        NetworkError,
        U,
        false,
    ),
    (
        "Host or domain name not found. Name service error for name=mx.example.org type=A: Host not found, try again",
        NetworkError,
        U,
        false,
    ),
    ("retry timeout exceeded", Expired, U, false),
    (
        "421 4.3.0 Temporary System Problem. Try again later (10). - gsmtp",
        SystemError,
        T,
        false,
    ),
    (
        "452 4.3.1 Insufficient system storage",
        SystemFull,
        T,
        false,
    ),
    ("500 5.5.1 Unrecognized command", SyntaxError, P, false),
    (
        "250 2.0.0 OK 1700000000 a1-20020a170902 - gsmtp",
        Delivered,
        Temporality::Success,
        false,
    ),
];

#[test]
fn real_world_replies() {
    let mut failures = Vec::new();
    for (text, reason, temporality, hard) in CASES {
        let c = classify_text(text);
        if c.reason != *reason || c.temporality != *temporality || c.hard_bounce != *hard {
            failures.push(format!(
                "{text:?}\n   want {reason} {temporality:?} hard={hard}\n   got  {} {:?} hard={} (rule {})",
                c.reason, c.temporality, c.hard_bounce, c.rule
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases wrong:\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n")
    );
}

#[test]
fn providers_recognised() {
    for (text, provider) in [
        (
            "550-5.1.1 The email account that you tried to reach does not exist. - gsmtp",
            "google",
        ),
        (
            "550 5.7.606 Access denied, banned sending IP [203.0.113.7]. [AM4PEPF00027A5F.eurprd04.prod.outlook.com]",
            "microsoft",
        ),
        (
            "421 4.7.0 [TSS04] Messages from 203.0.113.7 temporarily deferred",
            "yahoo",
        ),
        (
            "550 5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137",
            "apple",
        ),
    ] {
        assert_eq!(
            classify_text(text).provider.as_deref(),
            Some(provider),
            "{text}"
        );
    }
    let r = parse_reply("550 5.7.1 Message rejected due to local policy");
    let c = classify_with(&r, &Context::new().with_remote_host("mx01.mail.icloud.com"));
    assert_eq!(c.provider.as_deref(), Some("apple"));
    assert_eq!(c.reason, PolicyViolation);
    assert_eq!(
        classify_text("550 5.7.1 Message rejected due to local policy").provider,
        None
    );
}

#[test]
fn context_changes_the_answer() {
    // A DSN that says "delayed" with nothing else decisive: still being retried.
    let r = parse_reply("");
    let c = classify_with(&r, &Context::new().with_action(DsnAction::Delayed));
    assert_eq!(c.reason, Expired);
    assert_eq!(c.temporality, T);
    // A code-less "user unknown" at MAIL FROM is about the sender.
    let mut r = parse_reply("550 user unknown");
    r.command = Some(mailway_status::SmtpCommand::Mail);
    assert_eq!(classify_with(&r, &Context::new()).reason, Rejected);
    // Presets from format recognisers win.
    let c = classify_with(
        &parse_reply("whatever"),
        &Context::new().with_preset(Feedback),
    );
    assert_eq!(
        (c.reason, c.hard_bounce, c.rule.as_str()),
        (Feedback, false, "preset")
    );
    // An answer at EHLO with no other clue: blocked.
    let mut r = parse_reply("554 go away");
    r.command = Some(mailway_status::SmtpCommand::Ehlo);
    assert_eq!(classify_with(&r, &Context::new()).reason, Blocked);
}

#[test]
fn notaccept_hard_only_when_permanent() {
    assert!(classify_text("556 5.1.10 Recipient address has null MX").hard_bounce);
    let c = classify_text("421 4.3.2 System not accepting network messages");
    assert_eq!(c.reason, NotAccept);
    assert!(!c.hard_bounce);
}

#[test]
fn extra_rules_are_additive() {
    let extra = r#"
[[primary]]
id = "site-specific"
reason = "policyviolation"
text = ["acme gateway says no"]
"#;
    let c = mailway_status::Classifier::with_rules(&[("site.toml", extra)]).unwrap();
    let r = parse_reply("550 5.7.1 ACME gateway says no");
    let got = c.classify(&r, &Context::new());
    assert_eq!(
        (got.reason, got.rule.as_str()),
        (PolicyViolation, "site-specific")
    );
    // built-in rules still come first
    let r = parse_reply("550 5.1.1 user unknown");
    assert_eq!(c.classify(&r, &Context::new()).reason, UserUnknown);
    let err = mailway_status::Classifier::with_rules(&[(
        "bad.toml",
        "[[primary]]\nid='x'\nreason='nope'\ntext=['a']",
    )])
    .unwrap_err();
    assert!(err.to_string().contains("bad.toml"), "{err}");
}
