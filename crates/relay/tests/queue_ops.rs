//! Accepting and queue operations on an engine that does not deliver (offline mode), with an
//! injected clock.

use std::time::{Duration, SystemTime};

use mailway_relay::{
    AcceptError, EngineOptions, Envelope, EventKind, ListFilter, ManualClock, Notify, QueueError,
    RcptState, Relay, Ret,
};

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn opts(dir: &std::path::Path) -> EngineOptions {
    EngineOptions {
        spool: dir.join("spool"),
        hostname: "relay.test".into(),
        ..EngineOptions::default()
    }
}

const MSG: &[u8] = b"From: a@example.org\r\nTo: b@example.com\r\nSubject: hello\r\nMessage-ID: <m1@example.org>\r\n\r\nHello.\r\n";

#[tokio::test]
async fn accept_list_show_why_delete_and_recover() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(t0());
    let relay = Relay::builder(opts(dir.path()))
        .clock(clock.clone())
        .offline()
        .start()
        .await
        .unwrap();
    let mut events = relay.subscribe();
    let mut env = Envelope::new("a@example.org", ["b@example.com", "c@example.net"]);
    env.ret = Some(Ret::Hdrs);
    env.recipients[1].notify = Some(Notify::NEVER);
    let id = relay.accept(env, MSG.to_vec()).await.unwrap();
    let ev = events.recv().await.unwrap();
    assert_eq!(ev.id, id);
    assert!(matches!(ev.kind, EventKind::Received { ref rcpts, .. } if rcpts.len() == 2));

    let ls = relay.list(&ListFilter::default());
    assert_eq!(ls.len(), 1);
    assert_eq!(ls[0].id, id);
    assert_eq!(ls[0].recipients[0].state, RcptState::Pending);
    assert_eq!(ls[0].expires, t0() + Duration::from_secs(5 * 86400));
    let filtered = relay.list(&ListFilter {
        domain: Some("example.net".into()),
        ..Default::default()
    });
    assert_eq!(filtered.len(), 1);
    assert!(
        relay
            .list(&ListFilter {
                domain: Some("nowhere.test".into()),
                ..Default::default()
            })
            .is_empty()
    );

    let d = relay.show(id).await.unwrap();
    assert_eq!(d.record.message_id.as_deref(), Some("<m1@example.org>"));
    assert!(d.headers.contains("Subject: hello"));
    assert_eq!(
        d.delay_warning_at,
        Some(t0() + Duration::from_secs(4 * 3600))
    );

    clock.advance(Duration::from_secs(90));
    let w = relay.why(id).await.unwrap();
    assert!(w.summary.contains("2 of 2 recipients"), "{}", w.summary);
    assert!(
        w.recipients[0].explanation.contains("Not tried yet"),
        "{}",
        w.recipients[0].explanation
    );
    assert!(
        w.recipients[0]
            .explanation
            .contains("expires in 4 days 23 hours"),
        "{}",
        w.recipients[0].explanation
    );
    // offline (a stopped daemon's spool): the overdue attempt waits for the daemon
    assert!(w.offline);
    assert!(
        w.recipients[0].explanation.contains("was due 1 minute ago")
            && w.recipients[0]
                .explanation
                .contains("as soon as `mailway serve` runs"),
        "{}",
        w.recipients[0].explanation
    );
    assert_eq!(w.recipients[0].classification, None);
    assert!(w.recipients[0].failure_notice);

    // restart: the message is still there
    drop(events);
    drop(relay);
    let relay = Relay::builder(opts(dir.path()))
        .clock(clock.clone())
        .offline()
        .start()
        .await
        .unwrap();
    assert_eq!(relay.recovery_report().recovered, 1);
    assert_eq!(relay.list(&ListFilter::default())[0].id, id);
    relay.delete(id).await.unwrap();
    assert!(relay.list(&ListFilter::default()).is_empty());
    assert!(matches!(relay.show(id).await, Err(QueueError::NotFound(_))));
    assert!(matches!(
        relay.delete(id).await,
        Err(QueueError::NotFound(_))
    ));
}

#[tokio::test]
async fn bounce_queues_a_failure_dsn_to_the_sender_only_for_those_who_want_it() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(t0());
    let relay = Relay::builder(opts(dir.path()))
        .clock(clock.clone())
        .offline()
        .start()
        .await
        .unwrap();
    let mut env = Envelope::new("a@example.org", ["b@example.com", "c@example.net"]);
    env.recipients[1].notify = Some(Notify::NEVER);
    env.envid = Some("ENV-42".into());
    let id = relay.accept(env, MSG.to_vec()).await.unwrap();
    clock.advance(Duration::from_secs(60));
    relay.bounce(id).await.unwrap();
    let ls = relay.list(&ListFilter::default());
    assert_eq!(ls.len(), 1, "only the DSN remains");
    let dsn = &ls[0];
    assert_eq!(dsn.sender, "");
    assert_eq!(dsn.recipients[0].address, "a@example.org");
    let d = relay.show(dsn.id).await.unwrap();
    assert!(
        d.headers
            .contains("Subject: Undelivered Mail Returned to Sender"),
        "{}",
        d.headers
    );
    let raw = String::from_utf8(relay.content(dsn.id).await.unwrap()).unwrap();
    assert!(raw.contains("Final-Recipient: rfc822; b@example.com\r\n"));
    assert!(
        !raw.contains("c@example.net"),
        "NOTIFY=NEVER recipient reported"
    );
    assert!(raw.contains("Status: 5.0.0\r\n"));
    assert!(raw.contains("Original-Envelope-Id: ENV-42\r\n"));
    assert!(raw.contains("X-Mailway-Queue-ID: "));
    // Our own bounce parser reads the notice back.
    let a = mailway_bounce::analyze(raw.as_bytes()).unwrap();
    assert_eq!(a.records.len(), 1, "{a:#?}");
    let r = &a.records[0];
    assert_eq!(r.recipient, "b@example.com");
    assert_eq!(r.action, Some(mailway_bounce::Action::Failed));
    assert_eq!(r.status.unwrap().to_string(), "5.0.0");
    assert_eq!(r.reporting_mta.as_deref(), Some("relay.test"));
    assert_eq!(r.original_message_id.as_deref(), Some("m1@example.org"));

    // A DSN (null sender) bounced by the administrator produces no further DSN.
    relay.bounce(dsn.id).await.unwrap();
    assert!(relay.list(&ListFilter::default()).is_empty());
}

#[tokio::test]
async fn accept_errors_are_typed() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(dir.path());
    o.max_message_size = 50;
    o.spool_max_bytes = Some(150);
    let relay = Relay::builder(o).offline().start().await.unwrap();
    let e = relay
        .accept(Envelope::new("a@x.org", ["b@y.org"]), vec![b'x'; 51])
        .await
        .unwrap_err();
    assert!(matches!(
        e,
        AcceptError::TooBig {
            size: 51,
            limit: 50
        }
    ));
    assert!(e.smtp_reply().starts_with("552 5.3.4"));
    let e = relay
        .accept(
            Envelope::new("a@x.org", Vec::<String>::new()),
            b"x".to_vec(),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, AcceptError::NoRecipients));
    let e = relay
        .accept(Envelope::new("a@x.org", ["nodomain"]), b"x".to_vec())
        .await
        .unwrap_err();
    assert!(matches!(e, AcceptError::BadEnvelope(_)), "{e}");
    for _ in 0..3 {
        relay
            .accept(Envelope::new("a@x.org", ["b@y.org"]), vec![b'x'; 50])
            .await
            .unwrap();
    }
    let e = relay
        .accept(Envelope::new("a@x.org", ["b@y.org"]), vec![b'x'; 50])
        .await
        .unwrap_err();
    assert!(matches!(e, AcceptError::StorageFull(_)), "{e}");
    assert_eq!(
        e.smtp_reply(),
        "452 4.3.1 Insufficient system storage, try again later"
    );
    assert_eq!(relay.queue_len(), 3);
}
