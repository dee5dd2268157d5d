//! Session tests: bytes in, replies out. Each security rule of the module docs has a test here.

use super::*;

struct Users;

impl Policy for Users {
    fn authenticate(&self, user: &str, password: &str) -> bool {
        user == "alice" && password == "s3cret"
    }
}

struct Full;

impl Policy for Full {
    fn authenticate(&self, _: &str, _: &str) -> bool {
        false
    }
    fn has_room(&self, _: u64) -> bool {
        false
    }
}

const LOOPBACK: &str = "127.0.0.1:40000";
const REMOTE: &str = "192.0.2.10:40000";

fn config() -> SessionConfig {
    let mut c = SessionConfig::new("mx.test");
    c.auth = true;
    c.starttls = true;
    c
}

fn session_with(c: SessionConfig, peer: &str) -> Session {
    let mut s = Session::with_policy(Arc::new(c), Arc::new(Users), peer.parse().unwrap());
    s.greet();
    s.take_output();
    s
}

fn session(peer: &str) -> Session {
    session_with(config(), peer)
}

/// Feeds `input`, polls until the session needs the loop, returns (output, action).
fn talk(s: &mut Session, input: &str) -> (String, Action) {
    talk_bytes(s, input.as_bytes())
}

fn talk_bytes(s: &mut Session, input: &[u8]) -> (String, Action) {
    s.receive(input);
    let a = s.poll();
    (String::from_utf8(s.take_output()).unwrap(), a)
}

/// Sends one command, expects NeedInput, returns the reply text.
fn cmd(s: &mut Session, line: &str) -> String {
    let (out, a) = talk(s, &format!("{line}\r\n"));
    assert_eq!(a, Action::NeedInput, "after {line:?}: {out}");
    out
}

fn code(reply: &str) -> &str {
    &reply[..reply.len().min(3)]
}

fn message(a: Action) -> Transaction {
    match a {
        Action::Message(t) => *t,
        other => panic!("expected a message, got {other:?}"),
    }
}

#[test]
fn greeting_and_ehlo_capabilities() {
    let mut s = Session::new(
        Arc::new(SessionConfig::new("mx.test")),
        LOOPBACK.parse().unwrap(),
    );
    s.greet();
    assert_eq!(s.take_output(), b"220 mx.test ESMTP mailway\r\n");
    let out = cmd(&mut s, "EHLO client.test");
    assert_eq!(
        out,
        "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 26214400\r\n250-ENHANCEDSTATUSCODES\r\n\
         250-8BITMIME\r\n250-SMTPUTF8\r\n250 DSN\r\n"
    );
    // TLS and AUTH offered when configured; AUTH only over TLS or from loopback
    let mut s = session(LOOPBACK);
    let out = cmd(&mut s, "EHLO client.test");
    assert!(out.contains("250-STARTTLS\r\n"), "{out}");
    assert!(out.contains("250-AUTH PLAIN LOGIN\r\n"), "{out}");
    let mut s = session(REMOTE);
    let out = cmd(&mut s, "EHLO client.test");
    assert!(out.contains("250-STARTTLS\r\n"), "{out}");
    assert!(!out.contains("AUTH"), "{out}");
    assert_eq!(cmd(&mut s, "HELO client.test"), "250 mx.test\r\n");
}

#[test]
fn one_transaction() {
    let mut s = session(LOOPBACK);
    cmd(&mut s, "EHLO client.test");
    assert_eq!(cmd(&mut s, "MAIL FROM:<a@example.org>"), "250 2.1.0 Ok\r\n");
    assert_eq!(cmd(&mut s, "RCPT TO:<b@example.net>"), "250 2.1.5 Ok\r\n");
    assert_eq!(
        cmd(&mut s, "DATA"),
        "354 End data with <CR><LF>.<CR><LF>\r\n"
    );
    assert!(s.in_data());
    let (out, a) = talk(&mut s, "Subject: hi\r\n\r\n..body\r\n.\r\n");
    assert_eq!(out, "");
    let t = message(a);
    assert_eq!(t.data, b"Subject: hi\r\n\r\n.body\r\n");
    assert_eq!(t.mail_from.to_string(), "a@example.org");
    assert_eq!(t.recipients.len(), 1);
    assert_eq!(t.client.helo, "client.test");
    assert_eq!(t.client.protocol(), "ESMTP");
    // nothing is acknowledged until the sink answers
    assert_eq!(s.poll(), Action::NeedInput);
    assert!(s.take_output().is_empty());
    s.message_result(Ok("Q123".into()));
    assert_eq!(s.take_output(), b"250 2.0.0 Ok: queued as Q123\r\n");
    assert_eq!(s.messages_accepted(), 1);
    // the transaction is over: a new one can start
    assert_eq!(cmd(&mut s, "MAIL FROM:<>"), "250 2.1.0 Ok\r\n");
    let (out, a) = talk(&mut s, "QUIT\r\n");
    assert_eq!((out.as_str(), a), ("221 2.0.0 Bye\r\n", Action::Close));
    assert!(s.quit_received());
}

#[test]
fn pipelining_a_whole_transaction() {
    let mut s = session(LOOPBACK);
    let (out, a) = talk(
        &mut s,
        "EHLO c.test\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\n\
         RCPT TO:<nobody%x@example.net>\r\nRCPT TO:<c@example.net>\r\nDATA\r\n\
         hello\r\n.\r\nQUIT\r\n",
    );
    let t = message(a);
    assert_eq!(t.recipients.len(), 2);
    assert_eq!(t.data, b"hello\r\n");
    let replies: Vec<&str> = out.lines().filter(|l| !l.starts_with("250-")).collect();
    assert_eq!(
        replies,
        [
            "250 DSN",
            "250 2.1.0 Ok",
            "250 2.1.5 Ok",
            "553 5.1.3 Recipient address rejected: sender-specified routing (`%` or `!` in the local part) is not accepted",
            "250 2.1.5 Ok",
            "354 End data with <CR><LF>.<CR><LF>"
        ]
    );
    s.message_result(Ok("Q1".into()));
    let (out, a) = talk(&mut s, "");
    assert_eq!(out, "250 2.0.0 Ok: queued as Q1\r\n221 2.0.0 Bye\r\n");
    assert_eq!(a, Action::Close);
}

#[test]
fn command_sequence_errors() {
    let mut s = session(LOOPBACK);
    assert_eq!(
        cmd(&mut s, "MAIL FROM:<a@example.org>"),
        "503 5.5.1 Error: send HELO/EHLO first\r\n"
    );
    cmd(&mut s, "EHLO c.test");
    assert_eq!(
        cmd(&mut s, "RCPT TO:<b@example.net>"),
        "503 5.5.1 Error: need MAIL command\r\n"
    );
    assert_eq!(
        cmd(&mut s, "DATA"),
        "503 5.5.1 Error: need MAIL command\r\n"
    );
    cmd(&mut s, "MAIL FROM:<a@example.org>");
    assert_eq!(
        cmd(&mut s, "MAIL FROM:<a@example.org>"),
        "503 5.5.1 Error: nested MAIL command\r\n"
    );
    assert_eq!(
        cmd(&mut s, "DATA"),
        "554 5.5.1 Error: no valid recipients\r\n"
    );
    assert_eq!(cmd(&mut s, "RSET"), "250 2.0.0 Ok\r\n");
    assert_eq!(cmd(&mut s, "MAIL FROM:<a@example.org>"), "250 2.1.0 Ok\r\n");
    assert_eq!(code(&cmd(&mut s, "NOOP")), "250");
    assert_eq!(code(&cmd(&mut s, "VRFY bob")), "252");
    assert_eq!(code(&cmd(&mut s, "EXPN list")), "502");
    assert_eq!(code(&cmd(&mut s, "HELP")), "214");
    assert_eq!(code(&cmd(&mut s, "BDAT 10 LAST")), "502");
    assert_eq!(code(&cmd(&mut s, "XYZZY")), "500");
}

#[test]
fn no_open_relay_for_strangers() {
    let mut s = session(REMOTE);
    cmd(&mut s, "EHLO c.test");
    cmd(&mut s, "MAIL FROM:<a@example.org>");
    assert_eq!(
        cmd(&mut s, "RCPT TO:<b@example.net>"),
        "554 5.7.1 <b@example.net>: Relay access denied\r\n"
    );
    assert_eq!(
        code(&cmd(&mut s, "RCPT TO:<b@[192.0.2.99]>")),
        "554",
        "address literals are not relay domains"
    );
    assert_eq!(
        cmd(&mut s, "DATA"),
        "554 5.5.1 Error: no valid recipients\r\n"
    );
}

#[test]
fn relay_domains_accept_mail_for_them_from_anyone() {
    let mut c = config();
    c.relay_domains = vec!["example.net".into(), ".example.org".into()];
    let mut s = session_with(c, REMOTE);
    cmd(&mut s, "EHLO c.test");
    cmd(&mut s, "MAIL FROM:<a@elsewhere.test>");
    assert_eq!(code(&cmd(&mut s, "RCPT TO:<b@Example.NET>")), "250");
    assert_eq!(code(&cmd(&mut s, "RCPT TO:<b@sub.example.org>")), "250");
    assert_eq!(code(&cmd(&mut s, "RCPT TO:<b@example.org>")), "554");
    assert_eq!(code(&cmd(&mut s, "RCPT TO:<b@sub.example.net>")), "554");
    assert_eq!(code(&cmd(&mut s, "RCPT TO:<b@badexample.net>")), "554");
}

#[test]
fn configured_networks_may_relay() {
    let mut c = config();
    c.relay_networks = vec!["192.0.2.0/24".parse().unwrap()];
    let mut s = session_with(c.clone(), REMOTE);
    cmd(&mut s, "EHLO c.test");
    cmd(&mut s, "MAIL FROM:<a@example.org>");
    assert_eq!(code(&cmd(&mut s, "RCPT TO:<b@example.net>")), "250");
    // and loopback is then no longer trusted
    let mut s = session_with(c, LOOPBACK);
    cmd(&mut s, "EHLO c.test");
    cmd(&mut s, "MAIL FROM:<a@example.org>");
    assert_eq!(code(&cmd(&mut s, "RCPT TO:<b@example.net>")), "554");
}

#[test]
fn routing_tricks_are_refused_even_for_trusted_clients() {
    let mut s = session(LOOPBACK);
    cmd(&mut s, "EHLO c.test");
    cmd(&mut s, "MAIL FROM:<a@example.org>");
    for (rcpt, want) in [
        ("<user%other.test@example.net>", "553 5.1.3"),
        ("<other.test!user@example.net>", "553 5.1.3"),
        ("<\"user@other.test\"@example.net>", "553 5.1.3"),
        ("<@example.net:user@other.test>", "553 5.1.3"),
        ("<@a.test,@example.net:user@other.test>", "553 5.1.3"),
        ("<user@other.test@example.net>", "553 5.1.3"),
    ] {
        let out = cmd(&mut s, &format!("RCPT TO:{rcpt}"));
        assert!(out.starts_with(want), "{rcpt}: {out}");
    }
    assert_eq!(
        cmd(&mut s, "DATA"),
        "554 5.5.1 Error: no valid recipients\r\n"
    );
    cmd(&mut s, "RSET");
    let out = cmd(&mut s, "MAIL FROM:<@relay.test:a@example.org>");
    assert!(out.starts_with("553 5.1.7"), "{out}");
}

#[test]
fn bare_lf_in_a_command_closes_the_session() {
    let mut s = session(LOOPBACK);
    let (out, a) = talk(&mut s, "EHLO c.test\nMAIL FROM:<a@example.org>\r\n");
    assert_eq!(
        out,
        "521 5.5.2 mx.test Error: bare <LF> received; lines must end with <CR><LF>\r\n"
    );
    assert_eq!(a, Action::Close);
    assert!(s.is_closed());
    // nothing after it is processed
    let (out, a) = talk(&mut s, "NOOP\r\n");
    assert_eq!((out.as_str(), a), ("", Action::Close));
}

#[test]
fn bare_cr_and_nul_in_commands() {
    let mut s = session(LOOPBACK);
    assert_eq!(code(&cmd(&mut s, "EHLO c\rtest")), "500");
    assert_eq!(code(&cmd(&mut s, "EHLO c\0test")), "500");
    assert_eq!(code(&talk_bytes(&mut s, b"EHLO \xff\xfe\r\n").0), "500");
    assert_eq!(code(&cmd(&mut s, "EHLO c.test")), "250");
}

/// Runs a transaction whose data is `data` (which must end the DATA phase with the real
/// terminator) and returns the reply to the end of data plus whatever followed.
fn smuggle(data: &[u8]) -> (String, Vec<Transaction>) {
    let mut s = session(LOOPBACK);
    cmd(&mut s, "EHLO c.test");
    cmd(&mut s, "MAIL FROM:<a@example.org>");
    cmd(&mut s, "RCPT TO:<b@example.net>");
    cmd(&mut s, "DATA");
    s.receive(data);
    let mut out = String::new();
    let mut messages = Vec::new();
    loop {
        match s.poll() {
            Action::Message(t) => {
                messages.push(*t);
                s.message_result(Ok("Q".into()));
            }
            Action::NeedInput | Action::Close => break,
            Action::StartTls => panic!("unexpected STARTTLS"),
        }
    }
    out.push_str(&String::from_utf8(s.take_output()).unwrap());
    (out, messages)
}

#[test]
fn smtp_smuggling_forms_are_rejected() {
    let smuggled = "MAIL FROM:<ceo@victim.test>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n\
                    From: ceo@victim.test\r\n\r\nspoofed\r\n";
    for fake_end in ["\n.\n", "\r.\r", "\r\n.\n", "\n.\r\n", "\r.\r\n", "\r\n.\r"] {
        let data = format!("Subject: legit\r\n\r\nhello{fake_end}{smuggled}.\r\n");
        let (out, messages) = smuggle(data.as_bytes());
        assert!(
            messages.is_empty(),
            "{fake_end:?}: a message was accepted: {messages:?}"
        );
        assert_eq!(
            out,
            "550 5.5.2 Error: bare <CR> or <LF> in message data; lines must end with <CR><LF> \
             (SMTP smuggling protection)\r\n",
            "{fake_end:?}"
        );
    }
    // the same bytes with proper line ends are two separate, legitimate things
    let (out, messages) = smuggle(b"hello\r\n.\r\nRSET\r\n");
    assert_eq!(messages.len(), 1);
    assert_eq!(out, "250 2.0.0 Ok: queued as Q\r\n250 2.0.0 Ok\r\n");
}

#[test]
fn one_megabyte_command_line() {
    let mut s = session(LOOPBACK);
    let chunk = vec![b'A'; 64 * 1024];
    for _ in 0..16 {
        let (out, a) = talk_bytes(&mut s, &chunk);
        assert_eq!((out.as_str(), a), ("", Action::NeedInput));
        assert!(
            s.inbuf.len() <= MAX_COMMAND_LINE + chunk.len(),
            "memory stays bounded"
        );
    }
    let (out, a) = talk(&mut s, "\r\nNOOP\r\n");
    assert_eq!(out, "500 5.5.2 Error: line too long\r\n250 2.0.0 Ok\r\n");
    assert_eq!(a, Action::NeedInput);
    // a line just under the limit is parsed normally
    let long = format!("NOOP {}\r\n", "x".repeat(MAX_COMMAND_LINE - 10));
    assert_eq!(talk(&mut s, &long).0, "250 2.0.0 Ok\r\n");
}

#[test]
fn too_many_errors_close_the_session() {
    let mut s = session(LOOPBACK);
    let mut out = String::new();
    let mut action = Action::NeedInput;
    for _ in 0..25 {
        let (o, a) = talk(&mut s, "BOGUS\r\n");
        out.push_str(&o);
        action = a;
        if action == Action::Close {
            break;
        }
    }
    assert_eq!(action, Action::Close);
    assert_eq!(out.matches("500 5.5.2").count(), 20);
    assert!(
        out.ends_with("421 4.7.0 mx.test Error: too many errors\r\n"),
        "{out}"
    );
}

#[test]
fn size_limits() {
    let mut c = config();
    c.max_message_size = 100;
    let mut s = session_with(c, LOOPBACK);
    cmd(&mut s, "EHLO c.test");
    assert!(cmd(&mut s, "MAIL FROM:<a@example.org> SIZE=101").starts_with("552 5.3.4"));
    cmd(&mut s, "MAIL FROM:<a@example.org> SIZE=100");
    cmd(&mut s, "RCPT TO:<b@example.net>");
    cmd(&mut s, "DATA");
    let big = format!("{}\r\n.\r\n", "x".repeat(200));
    let (out, a) = talk(&mut s, &big);
    assert_eq!(a, Action::NeedInput);
    assert!(out.starts_with("552 5.3.4"), "{out}");
    // the session goes on
    assert_eq!(code(&cmd(&mut s, "MAIL FROM:<a@example.org>")), "250");
}

#[test]
fn no_room_is_a_temporary_failure() {
    let mut s = Session::with_policy(
        Arc::new(config()),
        Arc::new(Full),
        LOOPBACK.parse().unwrap(),
    );
    cmd(&mut s, "EHLO c.test");
    assert_eq!(
        cmd(&mut s, "MAIL FROM:<a@example.org>"),
        "452 4.3.1 Error: insufficient system storage; try again later\r\n"
    );
}

#[test]
fn a_refused_message_is_not_acknowledged() {
    let mut s = session(LOOPBACK);
    let (_, a) = talk(
        &mut s,
        "EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\nx\r\n.\r\n",
    );
    message(a);
    s.message_result(Err(Reply::new(452, "4.3.1", "Insufficient system storage")));
    assert_eq!(
        s.take_output(),
        b"452 4.3.1 Insufficient system storage\r\n"
    );
    assert_eq!(s.messages_accepted(), 0);
    assert_eq!(code(&cmd(&mut s, "MAIL FROM:<a@example.org>")), "250");
}

#[test]
fn dsn_parameters_reach_the_transaction() {
    let mut s = session(LOOPBACK);
    let (_, a) = talk(
        &mut s,
        "EHLO c\r\nMAIL FROM:<a@example.org> RET=HDRS ENVID=abc+2B1 BODY=8BITMIME\r\n\
         RCPT TO:<b@example.net> NOTIFY=FAILURE,DELAY ORCPT=rfc822;B+40example.net\r\n\
         RCPT TO:<c@example.net> NOTIFY=NEVER\r\nRCPT TO:<b@EXAMPLE.net>\r\nDATA\r\nx\r\n.\r\n",
    );
    let t = message(a);
    assert_eq!(t.ret, Some(DsnRet::Headers));
    assert_eq!(t.envid.as_deref(), Some("abc+1"));
    assert_eq!(t.body, Body::EightBitMime);
    assert_eq!(t.recipients.len(), 2, "duplicate recipient folded");
    assert_eq!(
        t.recipients[0].notify,
        Some(DsnNotify {
            success: false,
            failure: true,
            delay: true
        })
    );
    assert_eq!(
        t.recipients[0].orcpt,
        Some(("rfc822".into(), "B@example.net".into()))
    );
    assert_eq!(t.recipients[1].notify, Some(DsnNotify::NEVER));
}

#[test]
fn smtputf8() {
    let mut s = session(LOOPBACK);
    cmd(&mut s, "EHLO c");
    assert!(cmd(&mut s, "MAIL FROM:<josé@example.org>").starts_with("553 5.6.7"));
    cmd(&mut s, "MAIL FROM:<a@example.org>");
    assert!(cmd(&mut s, "RCPT TO:<josé@example.net>").starts_with("553 5.6.7"));
    cmd(&mut s, "RSET");
    cmd(&mut s, "MAIL FROM:<josé@example.org> SMTPUTF8");
    assert_eq!(code(&cmd(&mut s, "RCPT TO:<用户@例子.test>")), "250");
    let (_, a) = talk(&mut s, "DATA\r\nx\r\n.\r\n");
    assert!(message(a).smtputf8);
}

#[test]
fn recipient_limit() {
    let mut c = config();
    c.max_recipients = 2;
    let mut s = session_with(c, LOOPBACK);
    cmd(&mut s, "EHLO c");
    cmd(&mut s, "MAIL FROM:<a@example.org>");
    cmd(&mut s, "RCPT TO:<b1@example.net>");
    cmd(&mut s, "RCPT TO:<b2@example.net>");
    assert_eq!(
        cmd(&mut s, "RCPT TO:<b3@example.net>"),
        "452 4.5.3 Error: too many recipients\r\n"
    );
}

#[test]
fn auth_requires_tls_unless_loopback() {
    let mut s = session(REMOTE);
    cmd(&mut s, "EHLO c");
    assert_eq!(
        cmd(&mut s, "AUTH PLAIN AGFsaWNlAHMzY3JldA=="),
        "538 5.7.11 Error: encryption required for authentication; use STARTTLS first\r\n"
    );
    // after STARTTLS it works and the client may relay
    let (out, a) = talk(&mut s, "STARTTLS\r\n");
    assert_eq!(
        (out.as_str(), a),
        ("220 2.0.0 Ready to start TLS\r\n", Action::StartTls)
    );
    s.tls_established(TlsInfo {
        version: "TLSv1.3".into(),
        cipher: "X".into(),
    });
    let out = cmd(&mut s, "EHLO c");
    assert!(out.contains("AUTH PLAIN LOGIN"), "{out}");
    assert!(!out.contains("STARTTLS"), "{out}");
    assert_eq!(
        cmd(&mut s, "AUTH PLAIN AGFsaWNlAHMzY3JldA=="),
        "235 2.7.0 Authentication successful\r\n"
    );
    assert_eq!(code(&cmd(&mut s, "AUTH PLAIN AGFsaWNlAHMzY3JldA==")), "503");
    cmd(&mut s, "MAIL FROM:<alice@example.org>");
    assert_eq!(code(&cmd(&mut s, "RCPT TO:<b@example.net>")), "250");
    let (_, a) = talk(&mut s, "DATA\r\nx\r\n.\r\n");
    let t = message(a);
    assert_eq!(t.client.auth_user.as_deref(), Some("alice"));
    assert_eq!(t.client.protocol(), "ESMTPSA");
}

#[test]
fn auth_mechanisms() {
    // PLAIN with a continuation
    let mut s = session(LOOPBACK);
    cmd(&mut s, "EHLO c");
    assert_eq!(cmd(&mut s, "AUTH PLAIN"), "334 \r\n");
    assert_eq!(code(&cmd(&mut s, "AGFsaWNlAHMzY3JldA==")), "235");
    // LOGIN step by step
    let mut s = session(LOOPBACK);
    cmd(&mut s, "EHLO c");
    assert_eq!(cmd(&mut s, "AUTH LOGIN"), "334 VXNlcm5hbWU6\r\n");
    assert_eq!(cmd(&mut s, "YWxpY2U="), "334 UGFzc3dvcmQ6\r\n");
    assert_eq!(code(&cmd(&mut s, "czNjcmV0")), "235");
    // LOGIN with the user name up front, wrong password
    let mut s = session(LOOPBACK);
    cmd(&mut s, "EHLO c");
    assert_eq!(cmd(&mut s, "AUTH LOGIN YWxpY2U="), "334 UGFzc3dvcmQ6\r\n");
    assert_eq!(
        cmd(&mut s, "d3Jvbmc="),
        "535 5.7.8 Error: authentication credentials invalid\r\n"
    );
    // aborted, bad base64, unknown mechanism, authzid for someone else
    assert_eq!(cmd(&mut s, "AUTH PLAIN"), "334 \r\n");
    assert_eq!(code(&cmd(&mut s, "*")), "501");
    assert_eq!(code(&cmd(&mut s, "AUTH PLAIN !!!")), "501");
    assert_eq!(code(&cmd(&mut s, "AUTH CRAM-MD5")), "504");
    // "bob\0alice\0s3cret"
    assert_eq!(
        code(&cmd(&mut s, "AUTH PLAIN Ym9iAGFsaWNlAHMzY3JldA==")),
        "535"
    );
    // relaying still refused without auth from a stranger
    let mut s = session(REMOTE);
    cmd(&mut s, "EHLO c");
    assert_eq!(code(&cmd(&mut s, "AUTH LOGIN")), "538");
}

#[test]
fn auth_not_enabled() {
    let mut s = Session::new(
        Arc::new(SessionConfig::new("mx.test")),
        LOOPBACK.parse().unwrap(),
    );
    cmd(&mut s, "EHLO c");
    assert_eq!(
        cmd(&mut s, "AUTH PLAIN AGFsaWNlAHMzY3JldA=="),
        "503 5.5.1 Error: authentication not enabled\r\n"
    );
}

#[test]
fn starttls_discards_pipelined_plaintext_and_resets() {
    let mut s = session(LOOPBACK);
    cmd(&mut s, "EHLO c");
    let (out, a) = talk(&mut s, "STARTTLS\r\nMAIL FROM:<injected@evil.test>\r\n");
    assert_eq!(out, "220 2.0.0 Ready to start TLS\r\n");
    assert_eq!(a, Action::StartTls);
    s.tls_established(TlsInfo {
        version: "TLSv1.3".into(),
        cipher: "X".into(),
    });
    assert!(s.is_tls());
    // the injected MAIL was dropped, and EHLO is needed again
    assert_eq!(s.poll(), Action::NeedInput);
    assert!(s.take_output().is_empty());
    assert_eq!(
        cmd(&mut s, "MAIL FROM:<a@example.org>"),
        "503 5.5.1 Error: send HELO/EHLO first\r\n"
    );
    cmd(&mut s, "EHLO c");
    assert_eq!(
        cmd(&mut s, "STARTTLS"),
        "554 5.5.1 Error: TLS already active\r\n"
    );
    let (_, a) = talk(
        &mut s,
        "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\nx\r\n.\r\n",
    );
    assert_eq!(message(a).client.protocol(), "ESMTPS");
}

#[test]
fn starttls_unavailable() {
    let mut s = Session::new(
        Arc::new(SessionConfig::new("mx.test")),
        LOOPBACK.parse().unwrap(),
    );
    cmd(&mut s, "EHLO c");
    assert_eq!(
        cmd(&mut s, "STARTTLS"),
        "502 5.5.1 Error: STARTTLS is not available\r\n"
    );
}

#[test]
fn http_to_the_smtp_port() {
    let mut s = session(LOOPBACK);
    let (out, a) = talk(&mut s, "POST /api HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(
        out,
        "221 2.7.0 Error: this is an SMTP server, not HTTP; goodbye\r\n"
    );
    assert_eq!(a, Action::Close);
}

#[test]
fn timeout_closes() {
    let mut s = session(LOOPBACK);
    cmd(&mut s, "EHLO c");
    s.timeout();
    assert_eq!(
        s.take_output(),
        b"421 4.4.2 mx.test Error: timeout exceeded\r\n"
    );
    assert_eq!(s.poll(), Action::Close);
}

#[test]
fn ehlo_resets_the_transaction() {
    let mut s = session(LOOPBACK);
    cmd(&mut s, "EHLO c");
    cmd(&mut s, "MAIL FROM:<a@example.org>");
    cmd(&mut s, "EHLO c");
    assert_eq!(code(&cmd(&mut s, "RCPT TO:<b@example.net>")), "503");
}

mod fuzzish {
    use super::*;
    use proptest::prelude::*;

    fn drive(s: &mut Session) {
        for _ in 0..10_000 {
            match s.poll() {
                Action::Message(_) => s.message_result(Ok("Q".into())),
                Action::StartTls => s.tls_established(TlsInfo {
                    version: "v".into(),
                    cipher: "c".into(),
                }),
                Action::NeedInput | Action::Close => return,
            }
        }
        panic!("session did not settle");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Arbitrary bytes never panic and never produce a malformed reply.
        #[test]
        fn never_panics(chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..20)) {
            let mut s = session(REMOTE);
            for c in &chunks {
                s.receive(c);
                drive(&mut s);
                let out = s.take_output();
                for line in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                    prop_assert!(line.len() >= 4 && line.ends_with(b"\r"));
                    prop_assert!(line[..3].iter().all(u8::is_ascii_digit));
                }
            }
        }

        /// Command-shaped input: random lines built from SMTP words.
        #[test]
        fn smtp_shaped_input(lines in prop::collection::vec(
            prop::sample::select(vec![
                "EHLO x", "HELO x", "MAIL FROM:<a@b.c>", "MAIL FROM:<>", "RCPT TO:<d@e.f>",
                "RCPT TO:<d@e.f> NOTIFY=NEVER", "DATA", "RSET", "NOOP", "STARTTLS",
                "AUTH PLAIN", "AUTH LOGIN", "*", "AGFsaWNlAHMzY3JldA==", ".", "..", "x",
                "MAIL FROM:<a@b.c> SIZE=99999999999", "QUIT",
            ]), 0..60)) {
            let mut s = session(LOOPBACK);
            for l in &lines {
                s.receive(format!("{l}\r\n").as_bytes());
                drive(&mut s);
            }
        }
    }
}
