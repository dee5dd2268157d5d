//! End-to-end engine scenarios: real SMTP peers on loopback (`mailway_testkit::smtp`), a real
//! DNS server in-process (`mailway_testkit::dns`), and an injected clock that the test moves.
//!
//! | test | scenario |
//! |---|---|
//! | `delivers_and_passes_dsn_parameters` | deliver; NOTIFY/ORCPT/RET/ENVID passed on |
//! | `defers_while_down_then_delivers` | connection refused → deferred → delivered on retry |
//! | `greylisting_is_retried` | 451 4.7.1 greylisted → retried after the backoff → delivered |
//! | `tarpit_times_out_then_retries` | server never greets → greeting timeout → retry |
//! | `busy_421_lowers_concurrency_then_suspends` | 421 at greeting → window shrinks → dead |
//! | `rejection_sends_failure_dsn_with_partial_delivery` | 550 5.1.1 → failure DSN, partial delivery |
//! | `expiry_sends_delay_then_failure_dsn_on_time` | delay DSN (4.4.7) then failure DSN (5.4.7) at exactly the lifetime |
//! | `mx_priorities_failover_and_ipv6` | MX by preference, failover, IPv6 first |
//! | `null_mx_fails_at_once` | null MX → 5.1.10, DSN |
//! | `null_sender_never_bounces` | a DSN that fails is dropped, never bounced |
//! | `connection_reuse` | several messages over one connection |

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use mailway_relay::{
    Clock, EngineOptions, Envelope, Event, EventKind, ListFilter, ManualClock, Notify, QueueId,
    RcptState, Relay, Ret, SystemResolver,
};
use mailway_testkit::dns::TestDns;
use mailway_testkit::smtp::{PeerScript, RunningPeer};
use tokio::sync::broadcast;

fn t0() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

const MSG: &[u8] =
    b"From: alice@example.org\r\nTo: bob@dest.test\r\nSubject: test\r\nMessage-ID: <t1@example.org>\r\n\r\nHello.\r\n";

struct H {
    relay: Relay,
    clock: ManualClock,
    rx: broadcast::Receiver<Event>,
    _dir: tempfile::TempDir,
}

impl H {
    /// Accepts `MSG` from alice@example.org for `rcpts`; returns once it is durable.
    async fn send(&self, rcpts: impl IntoIterator<Item = impl Into<String>>) -> QueueId {
        self.relay
            .accept(Envelope::new("alice@example.org", rcpts), MSG.to_vec())
            .await
            .unwrap()
    }

    /// Waits for the next `deferred` event and returns its reply text.
    async fn deferred_reply(&mut self) -> String {
        match wait(&mut self.rx, "deferred", is("deferred")).await.kind {
            EventKind::Deferred { reply, .. } => reply,
            _ => unreachable!(),
        }
    }
}

fn base_opts(dir: &std::path::Path) -> EngineOptions {
    let mut o = EngineOptions {
        spool: dir.join("spool"),
        hostname: "relay.test".into(),
        ..EngineOptions::default()
    };
    o.retry.jitter = 0.0;
    o.timeouts.connect = Duration::from_secs(2);
    o.timeouts.greeting = Duration::from_millis(700);
    o.concurrency.idle_timeout = Duration::from_millis(100);
    o.delivery.dns_servers = vec!["127.0.0.1:1".into()]; // never asked: tests route or inject
    o
}

async fn start(f: impl FnOnce(&mut EngineOptions)) -> H {
    start_with(f, None).await
}

async fn start_with(f: impl FnOnce(&mut EngineOptions), dns: Option<&TestDns>) -> H {
    let dir = tempfile::tempdir().unwrap();
    let mut o = base_opts(dir.path());
    f(&mut o);
    let clock = ManualClock::new(t0());
    let mut b = Relay::builder(o).clock(clock.clone());
    if let Some(dns) = dns {
        let cfg = mailway_dns::ResolverConfig::new([dns.addr()])
            .with_timeout(Duration::from_secs(2))
            .with_cache(false);
        b = b.resolver(SystemResolver::from_dns(
            mailway_dns::Resolver::new(cfg).unwrap(),
        ));
    }
    let relay = b.start().await.unwrap();
    let rx = relay.subscribe();
    H {
        relay,
        clock,
        rx,
        _dir: dir,
    }
}

/// Waits (real time, 10 s) for the first event matching `pred`.
async fn wait(
    rx: &mut broadcast::Receiver<Event>,
    what: &str,
    pred: impl Fn(&Event) -> bool,
) -> Event {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Ok(ev)) if pred(&ev) => return ev,
            Ok(Ok(_)) => continue,
            Ok(Err(e)) => panic!("event stream: {e}"),
            Err(_) => panic!("timed out waiting for {what}"),
        }
    }
}

fn is(name: &'static str) -> impl Fn(&Event) -> bool {
    move |e| e.kind.name() == name
}

/// Waits until the queue holds `n` messages (real time, 10 s).
async fn queue_len(relay: &Relay, n: usize) {
    for _ in 0..200 {
        if relay.queue_len() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("queue has {} messages, expected {n}", relay.queue_len());
}

/// A free port on an address (bound then released).
async fn free_addr(ip: &str) -> SocketAddr {
    let l = tokio::net::TcpListener::bind(format!("{ip}:0"))
        .await
        .unwrap();
    l.local_addr().unwrap()
}

fn route(o: &mut EngineOptions, domain: &str, addr: SocketAddr) {
    o.routes
        .insert(domain.into(), addr.to_string().parse().unwrap());
}

/// Starts `script` on `addr`, retrying while a just-dropped peer still holds the port.
async fn respawn(script: PeerScript, addr: SocketAddr) -> RunningPeer {
    for _ in 0..100 {
        if let Ok(p) = script.clone().on(addr).try_spawn().await {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("cannot bind {addr} again");
}

async fn sink() -> RunningPeer {
    PeerScript::accept().spawn().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivers_and_passes_dsn_parameters() {
    let peer = sink().await;
    let mut h = start(|o| route(o, "dest.test", peer.addr())).await;
    let mut env = Envelope::new("alice@example.org", ["bob@dest.test"]);
    env.ret = Some(Ret::Hdrs);
    env.envid = Some("ENV 1".into());
    env.recipients[0].notify = Some(Notify::parse("SUCCESS,FAILURE").unwrap());
    env.recipients[0].orcpt = Some("rfc822;Bob@Dest.test".into());
    let id = h.relay.accept(env, MSG.to_vec()).await.unwrap();
    let ev = wait(&mut h.rx, "delivered", is("delivered")).await;
    assert_eq!(ev.id, id);
    match ev.kind {
        EventKind::Delivered {
            rcpt,
            reply,
            attempts,
            relay,
            ..
        } => {
            assert_eq!(rcpt, "bob@dest.test");
            assert_eq!(attempts, 1);
            assert!(reply.starts_with("250 2.0.0"), "{reply}");
            assert!(relay.unwrap().contains(&peer.addr().port().to_string()));
        }
        _ => unreachable!(),
    }
    queue_len(&h.relay, 0).await;
    let msgs = peer.messages();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].from, "alice@example.org");
    assert_eq!(msgs[0].rcpts, ["bob@dest.test"]);
    assert_eq!(msgs[0].data, MSG);
    let cmds = peer.commands();
    let mail = cmds.iter().find(|c| c.starts_with("MAIL FROM")).unwrap();
    assert!(
        mail.contains("RET=HDRS") && mail.contains("ENVID=ENV+201"),
        "{mail}"
    );
    let rcpt = cmds.iter().find(|c| c.starts_with("RCPT TO")).unwrap();
    assert!(rcpt.contains("NOTIFY=SUCCESS,FAILURE"), "{rcpt}");
    assert!(rcpt.contains("ORCPT=rfc822;Bob@Dest.test"), "{rcpt}");
    // The next hop supports DSN, so it reports success itself: no DSN from us.
    let m = h.relay.metrics();
    assert_eq!(m.delivered_total, 1);
    assert_eq!(m.dsn_by_action.get("relayed"), None);
    assert_eq!(m.delivery_latency.count, 1);
    h.relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defers_while_down_then_delivers() {
    let addr = free_addr("127.0.40.1").await;
    let mut h = start(|o| route(o, "dest.test", addr)).await;
    let id = h.send(["bob@dest.test"]).await;
    let ev = wait(&mut h.rx, "deferred", is("deferred")).await;
    match &ev.kind {
        EventKind::Deferred {
            reply,
            reason,
            next_attempt,
            attempts,
            ..
        } => {
            assert!(reply.contains("Connection refused"), "{reply}");
            assert_eq!(reason, "networkerror");
            assert_eq!(*attempts, 1);
            assert_eq!(*next_attempt, Some(t0() + Duration::from_secs(300)));
        }
        _ => unreachable!(),
    }
    let why = h.relay.why(id).await.unwrap();
    let text = &why.recipients[0].explanation;
    assert!(
        text.contains("failed temporarily") && text.contains("Connection refused"),
        "{text}"
    );
    assert!(text.contains("Next attempt in 5 minutes"), "{text}");
    assert!(text.contains("(reason: networkerror, temporary)"), "{text}");
    // the facts behind the words, for other languages and JSON readers
    let r = &why.recipients[0];
    let c = r
        .classification
        .as_ref()
        .expect("a local error is classified");
    assert_eq!(c.reason.as_str(), "networkerror");
    assert_eq!(c.temporality, mailway_status::Temporality::Transient);
    assert_eq!(c.rule, "local-error");
    assert!(!r.last_reply_smtp);
    assert_eq!(r.next_attempt, Some(t0() + Duration::from_secs(300)));
    assert!(r.failure_notice);
    assert!(!r.delay_warned);
    assert_eq!(r.final_status, None);
    assert_eq!(
        why.delay_warning_at,
        Some(t0() + Duration::from_secs(4 * 3600))
    );
    assert_eq!(why.expires, t0() + Duration::from_secs(5 * 86400));
    assert!(!why.held && !why.offline && !why.null_sender);
    // The server comes back; nothing happens before the retry time.
    let peer = PeerScript::accept().on(addr).spawn().await;
    h.clock.advance(Duration::from_secs(299));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(peer.messages().is_empty(), "retried before its time");
    h.clock.advance(Duration::from_secs(1));
    let ev = wait(&mut h.rx, "delivered", is("delivered")).await;
    assert!(matches!(ev.kind, EventKind::Delivered { attempts: 2, .. }));
    assert_eq!(ev.ts, t0() + Duration::from_secs(300));
    queue_len(&h.relay, 0).await;
    assert_eq!(peer.messages().len(), 1);
    h.relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn greylisting_is_retried() {
    let peer = PeerScript::greylist().spawn().await;
    let mut h = start(|o| route(o, "dest.test", peer.addr())).await;
    h.send(["bob@dest.test"]).await;
    let reply = h.deferred_reply().await;
    assert!(reply.starts_with("451"), "{reply}");
    h.clock.advance(Duration::from_secs(300));
    wait(&mut h.rx, "delivered", is("delivered")).await;
    queue_len(&h.relay, 0).await;
    assert_eq!(peer.messages().len(), 1);
    assert_eq!(h.relay.metrics().attempts_total, 2);
    h.relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tarpit_times_out_then_retries() {
    let tarpit = PeerScript::tarpit()
        .on(free_addr("127.0.40.2").await)
        .spawn()
        .await;
    let addr = tarpit.addr();
    let mut h = start(|o| route(o, "dest.test", addr)).await;
    let id = h.send(["bob@dest.test"]).await;
    let reply = h.deferred_reply().await;
    assert!(
        reply.contains("timed out while receiving the initial server greeting"),
        "{reply}"
    );
    let show = h.relay.show(id).await.unwrap();
    assert_eq!(show.record.recipients[0].state, RcptState::Deferred);
    assert_eq!(
        show.record.recipients[0]
            .last_reply
            .as_ref()
            .unwrap()
            .command
            .as_deref(),
        Some("GREETING")
    );
    drop(tarpit);
    let peer = respawn(PeerScript::accept(), addr).await;
    h.clock.advance(Duration::from_secs(300));
    wait(&mut h.rx, "delivered", is("delivered")).await;
    assert_eq!(peer.messages().len(), 1);
    h.relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_421_lowers_concurrency_then_suspends() {
    // Each refusal comes after 800 ms, so that all 12 messages are queued while the first
    // connections wait: were they refused at once, a loaded machine could accept the messages
    // one by one, each finding the destination idle and forgotten (as Postfix forgets an empty
    // queue, with its feedback), and connect for every one of them.
    let busy = PeerScript::busy_421_after(Duration::from_millis(800))
        .on(free_addr("127.0.40.3").await)
        .spawn()
        .await;
    let addr = busy.addr();
    let mut h = start(|o| {
        route(o, "dest.test", addr);
        o.timeouts.greeting = Duration::from_secs(5);
        o.concurrency.initial = 4;
        o.concurrency.failed_cohort_limit = 2;
        o.concurrency.dead_backoff = Duration::from_secs(600);
    })
    .await;
    for i in 0..12 {
        h.send([format!("u{i}@dest.test")]).await;
    }
    // Every connection is refused with 421: the window shrinks, then the destination dies
    // and its remaining mail is deferred without connecting.
    let mut deferred = 0;
    while deferred < 12 {
        let ev = wait(&mut h.rx, "deferrals", is("deferred")).await;
        if let EventKind::Deferred { reply, .. } = &ev.kind {
            assert!(reply.contains("421 4.3.2"), "{reply}");
        }
        deferred += 1;
    }
    let d = h
        .relay
        .destinations()
        .into_iter()
        .find(|d| d.domain == "dest.test")
        .expect("destination known");
    assert!(d.window < 4, "window {} did not shrink", d.window);
    assert!(d.dead_until.is_some(), "destination not suspended: {d:?}");
    assert!(d.last_error.as_deref().unwrap().contains("421"), "{d:?}");
    let conns = busy.connections();
    assert!(
        conns < 12,
        "{conns} connections: the dead destination was still hammered"
    );
    assert!(busy.peak_connections() <= 4);
    // why says so
    let id = h.relay.list(&ListFilter::default())[0].id;
    let why = h.relay.why(id).await.unwrap();
    assert!(
        why.recipients[0].explanation.contains("suspended"),
        "{}",
        why.recipients[0].explanation
    );
    assert!(why.recipients[0].destination_suspended_until.is_some());
    assert!(
        why.recipients[0]
            .destination_error
            .as_deref()
            .is_some_and(|e| e.contains("421")),
        "{:?}",
        why.recipients[0]
    );
    // The server recovers; after the dead period and the retry time everything goes out.
    drop(busy);
    let peer = respawn(PeerScript::accept(), addr).await;
    h.clock.advance(Duration::from_secs(600));
    for _ in 0..12 {
        wait(&mut h.rx, "deliveries", is("delivered")).await;
    }
    queue_len(&h.relay, 0).await;
    assert_eq!(peer.messages().len(), 12);
    h.relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejection_sends_failure_dsn_with_partial_delivery() {
    let mut script = PeerScript::accept();
    script.rcpt_rules.push((
        "nobody@".into(),
        "550 5.1.1 <nobody@dest.test>: Recipient address rejected: User unknown".into(),
    ));
    let peer = script.spawn().await;
    let back = sink().await; // the sender's domain receives the DSN
    let mut h = start(|o| {
        route(o, "dest.test", peer.addr());
        route(o, "example.org", back.addr());
    })
    .await;
    let mut env = Envelope::new("alice@example.org", ["bob@dest.test", "nobody@dest.test"]);
    env.recipients[0].notify = Some(Notify::parse("SUCCESS,FAILURE").unwrap());
    let id = h.relay.accept(env, MSG.to_vec()).await.unwrap();
    let failed = wait(&mut h.rx, "failed", is("failed")).await;
    match &failed.kind {
        EventKind::Failed {
            rcpt,
            status,
            reason,
            ..
        } => {
            assert_eq!(rcpt, "nobody@dest.test");
            assert_eq!(status, "5.1.1");
            assert_eq!(reason, "userunknown");
        }
        _ => unreachable!(),
    }
    let sent = wait(&mut h.rx, "dsn-sent", is("dsn-sent")).await;
    assert_eq!(sent.id, id);
    // the DSN is delivered to the sender's domain with a null sender
    wait(&mut h.rx, "DSN delivered", |e| {
        e.kind.name() == "delivered" && e.id != id
    })
    .await;
    queue_len(&h.relay, 0).await;
    let dsns = back.messages();
    assert_eq!(dsns.len(), 1);
    assert_eq!(dsns[0].from, "");
    assert_eq!(dsns[0].rcpts, ["alice@example.org"]);
    let a = mailway_bounce::analyze(&dsns[0].data).unwrap();
    let by = |r: &str| {
        a.records
            .iter()
            .find(|x| x.recipient == r)
            .unwrap_or_else(|| {
                panic!(
                    "{r} not in {a:#?}\n{}",
                    String::from_utf8_lossy(&dsns[0].data)
                )
            })
            .clone()
    };
    let nobody = by("nobody@dest.test");
    assert_eq!(nobody.action, Some(mailway_bounce::Action::Failed));
    assert_eq!(nobody.status.unwrap().to_string(), "5.1.1");
    assert_eq!(nobody.reply_code, Some(550));
    assert!(nobody.diagnostic_code.unwrap().contains("User unknown"));
    // bob was delivered to a next hop that supports DSN: it was given NOTIFY=SUCCESS and
    // reports success itself, so our notice lists only the failure.
    assert_eq!(a.records.len(), 1);
    let bob_rcpt = peer
        .commands()
        .into_iter()
        .find(|c| c.contains("bob@"))
        .unwrap();
    assert!(bob_rcpt.contains("NOTIFY=SUCCESS,FAILURE"), "{bob_rcpt}");
    let text = String::from_utf8_lossy(&dsns[0].data);
    assert!(
        text.contains("Content-Type: message/rfc822"),
        "small message returned whole"
    );
    h.relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expiry_sends_delay_then_failure_dsn_on_time() {
    let mut script = PeerScript::accept();
    script.rcpt_rules.push((
        "bob@".into(),
        "450 4.2.1 <bob@dest.test>: mailbox busy, try later".into(),
    ));
    let peer = script.spawn().await;
    let back = sink().await;
    let mut h = start(|o| {
        route(o, "dest.test", peer.addr());
        route(o, "example.org", back.addr());
        o.retry.initial = Duration::from_secs(600);
        o.retry.max_interval = Duration::from_secs(1800);
        // Not on the schedule: without clamping the last attempt would be at 7200 s.
        o.retry.lifetime = Duration::from_secs(7000);
        o.dsn.delay_warning = Duration::from_secs(3600);
    })
    .await;
    let id = h.send(["bob@dest.test"]).await;
    // attempts at 0, 10m, 30m, 60m (+ delay warning at 60m), 90m, then exactly at the
    // lifetime (7000 s, not 90m + 30m = 7200 s) → expired
    let mut attempts_at = Vec::new();
    let mut delay_dsn_at = None;
    loop {
        let ev = wait(&mut h.rx, "progress", |e| e.id == id).await;
        match &ev.kind {
            EventKind::Attempt { .. } => attempts_at.push(ev.ts),
            EventKind::Deferred { next_attempt, .. } => {
                let next = next_attempt.unwrap();
                let now = h.clock.now();
                h.clock.advance(next.duration_since(now).unwrap());
            }
            EventKind::DsnSent { action, .. } if action == "delayed" => delay_dsn_at = Some(ev.ts),
            EventKind::Expired {
                last_reply,
                attempts,
                ..
            } => {
                assert!(last_reply.as_deref().unwrap().contains("450 4.2.1"));
                assert_eq!(*attempts, 6);
                break;
            }
            _ => {}
        }
    }
    let secs: Vec<u64> = attempts_at
        .iter()
        .map(|t| t.duration_since(t0()).unwrap().as_secs())
        .collect();
    assert_eq!(
        secs,
        [0, 600, 1800, 3600, 5400, 7000],
        "last attempt exactly at the lifetime"
    );
    assert_eq!(delay_dsn_at, Some(t0() + Duration::from_secs(3600)));
    let failure = wait(
        &mut h.rx,
        "failure dsn",
        |e| matches!(&e.kind, EventKind::DsnSent { action, .. } if action == "failed"),
    )
    .await;
    assert_eq!(failure.ts, t0() + Duration::from_secs(7000));
    // both notices get delivered to the sender
    let mut got = Vec::new();
    for _ in 0..100 {
        got = back.messages();
        if got.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(got.len(), 2, "delay and failure notices");
    let delay = String::from_utf8_lossy(&got[0].data).into_owned();
    assert!(delay.contains("Action: delayed\r\n"), "{delay}");
    assert!(delay.contains("Status: 4.4.7\r\n"));
    assert!(delay.contains("Will-Retry-Until: "));
    assert!(delay.contains("Diagnostic-Code: smtp; 450 4.2.1"));
    let fail = String::from_utf8_lossy(&got[1].data).into_owned();
    assert!(fail.contains("Action: failed\r\n"), "{fail}");
    assert!(fail.contains("Status: 5.4.7\r\n"));
    assert!(
        fail.contains("Diagnostic-Code: smtp; 450 4.2.1 <bob@dest.test>: mailbox busy"),
        "{fail}"
    );
    assert!(
        fail.contains("Remote-MTA: dns; 127.0.0.1\r\n")
            || fail.contains("Remote-MTA: dns; [127.0.0.1]\r\n"),
        "{fail}"
    );
    // Our bounce parser reads both notices back: the recipient, the action, the last real
    // reply and who gave it. The failure keeps its 5.4.7 (the 4.2.1 quoted in the diagnostic
    // is only the last temporary reply) and its reason is "expired".
    let a = mailway_bounce::analyze(&got[1].data).unwrap();
    assert_eq!(a.records.len(), 1, "{a:#?}");
    let r = &a.records[0];
    assert_eq!(r.recipient, "bob@dest.test");
    assert_eq!(r.action, Some(mailway_bounce::Action::Failed));
    assert_eq!(r.status.unwrap().to_string(), "5.4.7", "{r:#?}");
    assert_eq!(r.reason.as_str(), "expired", "{r:#?}");
    assert!(
        r.diagnostic_code
            .as_deref()
            .unwrap()
            .contains("450 4.2.1 <bob@dest.test>: mailbox busy"),
        "{r:#?}"
    );
    assert!(
        r.remote_mta.as_deref().unwrap().contains("127.0.0.1"),
        "{r:#?}"
    );
    assert_eq!(r.original_message_id.as_deref(), Some("t1@example.org"));
    let a = mailway_bounce::analyze(&got[0].data).unwrap();
    assert_eq!(a.records.len(), 1, "{a:#?}");
    assert_eq!(a.records[0].action, Some(mailway_bounce::Action::Delayed));
    assert_eq!(a.records[0].recipient, "bob@dest.test");
    // The delay notice keeps its own 4.4.7 (the 4.2.1 quoted in the diagnostic is the last
    // attempt's reply, kept in diagnostic_code) and reads as a transient expiry.
    assert_eq!(
        a.records[0].status.unwrap().to_string(),
        "4.4.7",
        "{:#?}",
        a.records[0]
    );
    assert_eq!(
        a.records[0].reason.as_str(),
        "expired",
        "{:#?}",
        a.records[0]
    );
    assert!(!a.records[0].hard_bounce, "{:#?}", a.records[0]);
    assert!(
        a.records[0]
            .diagnostic_code
            .as_deref()
            .is_some_and(|d| d.contains("450 4.2.1")),
        "{:#?}",
        a.records[0]
    );
    assert!(
        a.records[0].will_retry_until.is_some(),
        "{:#?}",
        a.records[0]
    );
    queue_len(&h.relay, 0).await;
    h.relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mx_priorities_failover_and_ipv6() {
    // mx1 (preference 10) has an address where nothing listens; mx2 (20) listens on ::1 and
    // 127.0.40.5 on the same port. IPv6 is tried first.
    let v6 = PeerScript::accept()
        .on("[::1]:0".parse().unwrap())
        .spawn()
        .await;
    let port = v6.addr().port();
    let v4 = PeerScript::accept()
        .on(format!("127.0.40.5:{port}").parse().unwrap())
        .try_spawn()
        .await
        .expect("127.0.40.5 with the same port");
    let dns = TestDns::builder()
        .zone(
            "dest.test",
            "@ 300 IN SOA ns.dest.test. h.dest.test. 1 60 60 600 60\n\
             @ 300 IN NS ns.dest.test.\n\
             @ 300 IN MX 20 mx2.dest.test.\n\
             @ 300 IN MX 10 mx1.dest.test.\n\
             mx1 300 IN A 127.0.40.4\n\
             mx2 300 IN AAAA ::1\n\
             mx2 300 IN A 127.0.40.5\n",
        )
        .start()
        .await
        .unwrap();
    let mut h = start_with(|o| o.delivery.port = port, Some(&dns)).await;
    h.send(["bob@dest.test"]).await;
    let ev = wait(&mut h.rx, "delivered", is("delivered")).await;
    match &ev.kind {
        EventKind::Delivered { relay, .. } => {
            assert_eq!(
                relay.as_deref(),
                Some(format!("mx2.dest.test [::1]:{port}").as_str())
            )
        }
        _ => unreachable!(),
    }
    assert_eq!(v6.messages().len(), 1);
    assert!(v4.messages().is_empty());
    // IPv4 only: the same MX over IPv4
    drop(h);
    let mut h = start_with(
        |o| {
            o.delivery.port = port;
            o.delivery.ip_version = mailway_relay::IpVersion::Ipv4;
        },
        Some(&dns),
    )
    .await;
    h.send(["bob@dest.test"]).await;
    wait(&mut h.rx, "delivered", is("delivered")).await;
    assert_eq!(v4.messages().len(), 1);
    assert!(dns.queries_for("dest.test") >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_mx_fails_at_once() {
    let dns = TestDns::builder()
        .zone(
            "nomail.test",
            "@ 300 IN SOA ns.nomail.test. h.nomail.test. 1 60 60 600 60\n\
             @ 300 IN NS ns.nomail.test.\n\
             @ 300 IN MX 0 .\n",
        )
        .zone(
            "gone.test",
            "@ 300 IN SOA ns.gone.test. h.gone.test. 1 60 60 600 60\n@ 300 IN NS ns.gone.test.\n",
        )
        .start()
        .await
        .unwrap();
    let back = sink().await;
    let mut h = start_with(|o| route(o, "example.org", back.addr()), Some(&dns)).await;
    h.send(["bob@nomail.test", "x@nx.gone.test"]).await;
    let mut statuses = Vec::new();
    for _ in 0..2 {
        let ev = wait(&mut h.rx, "failed", is("failed")).await;
        if let EventKind::Failed { rcpt, status, .. } = ev.kind {
            statuses.push((rcpt, status));
        }
    }
    statuses.sort();
    assert_eq!(
        statuses,
        [
            ("bob@nomail.test".to_string(), "5.1.10".to_string()),
            ("x@nx.gone.test".to_string(), "5.4.4".to_string())
        ]
    );
    // One notice per destination that failed (the two fail in separate attempts).
    let mut dsn = String::new();
    for _ in 0..200 {
        dsn = back
            .messages()
            .iter()
            .map(|m| String::from_utf8_lossy(&m.data).into_owned())
            .collect();
        if dsn.contains("Status: 5.1.10\r\n") && dsn.contains("Status: 5.4.4\r\n") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(dsn.contains("Status: 5.1.10\r\n"), "{dsn}");
    assert!(dsn.contains("Status: 5.4.4\r\n"), "{dsn}");
    assert!(dsn.contains("null MX"), "{dsn}");
    h.relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn null_sender_never_bounces() {
    let mut script = PeerScript::accept();
    script
        .rcpt_rules
        .push(("".into(), "550 5.1.1 no such user".into()));
    let peer = script.spawn().await;
    let mut h = start(|o| route(o, "dest.test", peer.addr())).await;
    h.relay
        .accept(Envelope::new("", ["bob@dest.test"]), MSG.to_vec())
        .await
        .unwrap();
    wait(&mut h.rx, "failed", is("failed")).await;
    queue_len(&h.relay, 0).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(h.relay.metrics().dsn_by_action.len(), 0);
    assert_eq!(h.relay.metrics().received_total, 1);
    h.relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_reuse() {
    let peer = PeerScript::accept().spawn().await;
    let mut h = start(|o| {
        route(o, "dest.test", peer.addr());
        o.concurrency.initial = 1;
        o.concurrency.destination_limit = 1;
        o.concurrency.idle_timeout = Duration::from_millis(500);
    })
    .await;
    for i in 0..5 {
        h.send([format!("u{i}@dest.test")]).await;
    }
    for _ in 0..5 {
        wait(&mut h.rx, "delivered", is("delivered")).await;
    }
    assert_eq!(peer.messages().len(), 5);
    assert!(
        peer.connections() < 5,
        "{} connections for 5 messages",
        peer.connections()
    );
    assert_eq!(peer.peak_connections(), 1);
    h.relay.shutdown().await;
}

/// Waits until `peer` has recorded `n` messages (real time, 10 s).
async fn peer_messages(peer: &RunningPeer, n: usize) -> Vec<mailway_testkit::smtp::Message> {
    for _ in 0..200 {
        let m = peer.messages();
        if m.len() >= n {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("peer has {} messages, expected {n}", peer.messages().len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opportunistic_starttls() {
    use mailway_relay::TlsPolicy;
    use mailway_testkit::smtp::TestCert;
    // An expired self-signed certificate: opportunistic TLS encrypts without verifying it
    // (Postfix `smtp_tls_security_level = may`).
    let tls = PeerScript::starttls(TestCert::expired(&["mx.test.invalid"]))
        .spawn()
        .await;
    let plain = sink().await;
    let mut h = start(|o| {
        route(o, "tls.test", tls.addr());
        route(o, "plain.test", plain.addr());
    })
    .await;
    h.send(["bob@tls.test", "carol@plain.test"]).await;
    let mut seen = std::collections::BTreeMap::new();
    while seen.len() < 2 {
        let ev = wait(&mut h.rx, "attempts", is("attempt")).await;
        if let EventKind::Attempt { domain, tls, .. } = ev.kind {
            seen.insert(domain, tls);
        }
    }
    assert!(seen["tls.test"], "STARTTLS offered but not used");
    assert!(!seen["plain.test"]);
    queue_len(&h.relay, 0).await;
    let s = tls.sessions();
    assert!(s.iter().any(|s| s.tls && s.messages.len() == 1), "{s:?}");
    assert!(plain.sessions().iter().all(|s| !s.tls));
    assert!(!plain.commands().iter().any(|c| c == "STARTTLS"));
    h.relay.shutdown().await;

    // starttls = disabled: the same server, in clear text.
    let mut h = start(|o| {
        route(o, "tls.test", tls.addr());
        o.delivery.starttls = TlsPolicy::Disabled;
    })
    .await;
    h.send(["dave@tls.test"]).await;
    let ev = wait(&mut h.rx, "attempt", is("attempt")).await;
    assert!(matches!(ev.kind, EventKind::Attempt { tls: false, .. }));
    let last = tls.sessions().into_iter().last().unwrap();
    assert!(!last.tls && !last.commands.iter().any(|c| c == "STARTTLS"));
    assert_eq!(last.messages.len(), 1);
    h.relay.shutdown().await;

    // starttls = required: a server without STARTTLS gets nothing; the mail waits.
    let mut h = start(|o| {
        route(o, "plain.test", plain.addr());
        o.delivery.starttls = TlsPolicy::Required;
    })
    .await;
    let before = plain.messages().len();
    h.send(["erin@plain.test"]).await;
    let reply = h.deferred_reply().await;
    assert!(
        reply.contains("TLS is required, but was not offered"),
        "{reply}"
    );
    assert_eq!(plain.messages().len(), before);
    h.relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_phase_has_its_own_timeout_then_retry() {
    // The server stalls at one phase; only that phase's timeout is short (all others are a
    // minute, longer than `wait`'s 10 s): the deferral says which phase timed out, and the
    // retry delivers.
    let cases: [(&str, &str); 4] = [
        ("MAIL", "timed out while sending MAIL FROM"),
        ("RCPT", "timed out while sending RCPT TO"),
        ("DATA", "timed out while sending the DATA command"),
        (".", "timed out while sending end of data"),
    ];
    for (stall, words) in cases {
        let mut script = PeerScript::accept();
        script.stall_at = Some(stall.into());
        let stalled = script.on(free_addr("127.0.40.6").await).spawn().await;
        let addr = stalled.addr();
        let mut h = start(|o| {
            route(o, "dest.test", addr);
            let long = Duration::from_secs(60);
            let t = &mut o.timeouts;
            (t.mail, t.rcpt, t.data_init, t.data_block, t.data_term) =
                (long, long, long, long, long);
            let short = Duration::from_millis(400);
            match stall {
                "MAIL" => t.mail = short,
                "RCPT" => t.rcpt = short,
                "DATA" => t.data_init = short,
                _ => t.data_term = short,
            }
        })
        .await;
        let id = h.send(["bob@dest.test"]).await;
        let ev = wait(&mut h.rx, "deferred", is("deferred")).await;
        match &ev.kind {
            EventKind::Deferred { reply, reason, .. } => {
                assert!(reply.contains(words), "{stall}: {reply}");
                assert_eq!(reason, "networkerror", "{stall}: {reply}");
            }
            _ => unreachable!(),
        }
        let why = h.relay.why(id).await.unwrap();
        assert!(
            why.recipients[0].explanation.contains("timed out"),
            "{}",
            why.recipients[0].explanation
        );
        drop(stalled);
        let peer = respawn(PeerScript::accept(), addr).await;
        h.clock.advance(Duration::from_secs(300));
        wait(&mut h.rx, "delivered", is("delivered")).await;
        assert_eq!(peer.messages().len(), 1, "{stall}");
        h.relay.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_start_opens_more_connections_as_deliveries_succeed() {
    // A slow server: each delivery takes 150 ms. The destination starts at 2 connections and
    // may grow to 5 after windows of successful deliveries. All 40 deliveries are queued at
    // once (one message, one recipient per transaction), so only the feedback can open the
    // extra connections.
    let peer = PeerScript::slow_data(Duration::from_millis(150))
        .spawn()
        .await;
    let mut h = start(|o| {
        route(o, "dest.test", peer.addr());
        o.concurrency.initial = 2;
        o.concurrency.destination_limit = 5;
        o.delivery.max_recipients_per_transaction = 1;
    })
    .await;
    let rcpts: Vec<String> = (0..40).map(|i| format!("u{i}@dest.test")).collect();
    h.send(rcpts).await;
    let mut windows = Vec::new();
    for _ in 0..40 {
        wait(&mut h.rx, "deliveries", is("delivered")).await;
        if let Some(d) = h.relay.destinations().first() {
            windows.push(d.window);
        }
    }
    queue_len(&h.relay, 0).await;
    assert_eq!(peer.messages().len(), 40);
    let peak = peer.peak_connections();
    assert!(
        peak > 2,
        "never more than {peak} connections: the window did not grow (windows {windows:?})"
    );
    assert!(peak <= 5, "{peak} connections over the limit of 5");
    assert!(windows.iter().any(|&w| w > 2), "{windows:?}");
    assert!(windows.iter().all(|&w| w <= 5), "{windows:?}");
    h.relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_success_to_a_hop_without_dsn_gets_a_relayed_notice() {
    use mailway_testkit::smtp::EhloScript;
    // An old server: HELO only, so no DSN extension. A smarthost route ("*") takes every
    // domain except the sender's, which has its own route.
    let mut script = PeerScript::accept();
    script.ehlo = EhloScript::Refuse;
    let peer = script.spawn().await;
    let back = sink().await;
    let mut h = start(|o| {
        route(o, "*", peer.addr());
        route(o, "example.org", back.addr());
    })
    .await;
    let mut env = Envelope::new("alice@example.org", ["bob@dest.test", "carol@other.test"]);
    env.recipients[0].notify = Some(Notify::parse("SUCCESS").unwrap());
    env.ret = Some(Ret::Hdrs);
    env.envid = Some("E-7".into());
    let id = h.relay.accept(env, MSG.to_vec()).await.unwrap();
    let sent = wait(&mut h.rx, "dsn-sent", is("dsn-sent")).await;
    match &sent.kind {
        EventKind::DsnSent { action, rcpts, .. } => {
            assert_eq!(action, "relayed");
            assert_eq!(rcpts, &["bob@dest.test"]);
        }
        _ => unreachable!(),
    }
    assert_eq!(sent.id, id);
    let got = peer_messages(&back, 1).await;
    queue_len(&h.relay, 0).await;
    // both recipients went through the smarthost route, without DSN parameters
    let m = peer.messages();
    let rcpts: Vec<&String> = m.iter().flat_map(|m| &m.rcpts).collect();
    assert_eq!(rcpts.len(), 2, "{rcpts:?}");
    assert!(
        peer.commands()
            .iter()
            .all(|c| !c.contains("NOTIFY=") && !c.contains("RET="))
    );
    let dsn = String::from_utf8_lossy(&got[0].data).into_owned();
    assert_eq!(got[0].from, "");
    assert!(dsn.contains("Action: relayed\r\n"), "{dsn}");
    assert!(dsn.contains("Status: 2."), "{dsn}");
    assert!(dsn.contains("Original-Envelope-Id: E-7\r\n"), "{dsn}");
    assert!(!dsn.contains("carol@other.test"), "{dsn}");
    // RET=HDRS: the headers come back, not the body.
    assert!(dsn.contains("text/rfc822-headers"), "{dsn}");
    assert!(dsn.contains("Subject: test"), "{dsn}");
    assert!(!dsn.contains("Hello."), "{dsn}");
    let a = mailway_bounce::analyze(&got[0].data).unwrap();
    assert_eq!(a.records.len(), 1, "{a:#?}");
    assert_eq!(a.records[0].recipient, "bob@dest.test");
    assert_eq!(a.records[0].action, Some(mailway_bounce::Action::Relayed));
    h.relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notify_decides_delay_and_failure_notices() {
    let mut script = PeerScript::accept();
    script
        .rcpt_rules
        .push(("".into(), "452 4.2.2 mailbox full, try later".into()));
    let peer = script.spawn().await;
    let back = sink().await;
    let mut h = start(|o| {
        route(o, "dest.test", peer.addr());
        route(o, "example.org", back.addr());
        o.retry.initial = Duration::from_secs(600);
        o.retry.max_interval = Duration::from_secs(600);
        o.retry.lifetime = Duration::from_secs(1000);
        o.dsn.delay_warning = Duration::from_secs(300);
    })
    .await;
    let mut env = Envelope::new(
        "alice@example.org",
        ["a@dest.test", "b@dest.test", "c@dest.test", "d@dest.test"],
    );
    env.recipients[0].notify = Some(Notify::parse("FAILURE").unwrap());
    env.recipients[1].notify = Some(Notify::NEVER);
    env.recipients[2].notify = Some(Notify::parse("DELAY,FAILURE").unwrap());
    // d: no NOTIFY (defaults to FAILURE,DELAY)
    let id = h.relay.accept(env, MSG.to_vec()).await.unwrap();
    let mut notices: Vec<(u64, String, Vec<String>)> = Vec::new();
    // Collects events of this message until `n` events of `kind` have been seen.
    async fn until(
        rx: &mut broadcast::Receiver<Event>,
        id: mailway_relay::QueueId,
        kind: &str,
        n: usize,
        notices: &mut Vec<(u64, String, Vec<String>)>,
    ) {
        let mut seen = 0;
        while seen < n {
            let ev = wait(rx, kind, |e| e.id == id).await;
            if let EventKind::DsnSent { action, rcpts, .. } = &ev.kind {
                let at = ev.ts.duration_since(t0()).unwrap().as_secs();
                notices.push((at, action.clone(), rcpts.clone()));
            }
            if ev.kind.name() == kind {
                seen += 1;
            }
        }
    }
    until(&mut h.rx, id, "deferred", 4, &mut notices).await; // attempt at 0 s
    h.clock.advance(Duration::from_secs(300)); // the delay warning is due
    until(&mut h.rx, id, "dsn-sent", 1, &mut notices).await;
    h.clock.advance(Duration::from_secs(300)); // second attempt at 600 s
    until(&mut h.rx, id, "deferred", 4, &mut notices).await;
    h.clock.advance(Duration::from_secs(399));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let still = h.relay.list(&ListFilter::default());
    let m = still
        .iter()
        .find(|m| m.id == id)
        .expect("expired before its time");
    assert!(
        m.recipients.iter().all(|r| r.state == RcptState::Deferred),
        "{m:?}"
    );
    h.clock.advance(Duration::from_secs(1)); // last attempt exactly at the lifetime
    until(&mut h.rx, id, "expired", 4, &mut notices).await;
    until(&mut h.rx, id, "dsn-sent", 1, &mut notices).await;
    assert_eq!(
        notices,
        [
            (
                300,
                "delayed".to_string(),
                vec!["c@dest.test".to_string(), "d@dest.test".to_string()]
            ),
            (
                1000,
                "failed".to_string(),
                vec![
                    "a@dest.test".to_string(),
                    "c@dest.test".to_string(),
                    "d@dest.test".to_string()
                ]
            ),
        ]
    );
    let got = peer_messages(&back, 2).await;
    for m in &got {
        let text = String::from_utf8_lossy(&m.data);
        assert!(
            !text.contains("<b@dest.test>") && !text.contains("rfc822; b@dest.test"),
            "NOTIFY=NEVER reported: {text}"
        );
    }
    queue_len(&h.relay, 0).await;
    h.relay.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn address_failover_v6_to_v4_and_dns_trouble_defers() {
    use mailway_testkit::dns::Behavior;
    // mx.dest.test has AAAA ::1 (nothing listens there on that port) and A 127.0.40.8 (the
    // server): the IPv6 address is tried first, refused, and the IPv4 one takes the mail.
    let peer = PeerScript::accept()
        .on(free_addr("127.0.40.8").await)
        .spawn()
        .await;
    let port = peer.addr().port();
    assert!(
        std::net::TcpStream::connect(("::1", port)).is_err(),
        "something listens on [::1]:{port}"
    );
    let dns = TestDns::builder()
        .zone(
            "dest.test",
            "@ 300 IN SOA ns.dest.test. h.dest.test. 1 60 60 600 60\n\
             @ 300 IN NS ns.dest.test.\n\
             @ 300 IN MX 10 mx.dest.test.\n\
             mx 300 IN AAAA ::1\n\
             mx 300 IN A 127.0.40.8\n",
        )
        .zone(
            "flaky.test",
            "@ 300 IN SOA ns.flaky.test. h.flaky.test. 1 60 60 600 60\n\
             @ 300 IN NS ns.flaky.test.\n\
             @ 300 IN MX 10 mx.flaky.test.\n",
        )
        .behavior("flaky.test", None, Behavior::ServFail)
        .start()
        .await
        .unwrap();
    let mut h = start_with(|o| o.delivery.port = port, Some(&dns)).await;
    h.send(["bob@dest.test", "carol@flaky.test"]).await;
    // The two destinations progress independently: collect both outcomes.
    let (mut delivered, mut deferred) = (None, None);
    while delivered.is_none() || deferred.is_none() {
        let ev = wait(&mut h.rx, "outcomes", |e| {
            matches!(e.kind.name(), "delivered" | "deferred" | "failed")
        })
        .await;
        match ev.kind {
            EventKind::Delivered { relay, rcpt, .. } => delivered = Some((rcpt, relay)),
            EventKind::Deferred { rcpt, reply, .. } => deferred = Some((rcpt, reply)),
            other => panic!("{other:?}"),
        }
    }
    let (rcpt, relay) = delivered.unwrap();
    assert_eq!(rcpt, "bob@dest.test");
    assert_eq!(
        relay.as_deref(),
        Some(format!("mx.dest.test [127.0.40.8]:{port}").as_str())
    );
    assert_eq!(peer.messages().len(), 1);
    // SERVFAIL on the MX lookup: a temporary failure, retried, never a bounce.
    let (rcpt, reply) = deferred.unwrap();
    assert_eq!(rcpt, "carol@flaky.test");
    assert!(
        reply.contains("Name service error for name=flaky.test type=MX"),
        "{reply}"
    );
    assert_eq!(h.relay.metrics().failed_total, 0);
    h.relay.shutdown().await;
}

/// A server that allows `limit` sessions at a time and answers the others
/// `421 4.7.0 Too many concurrent SMTP connections` at the greeting (as many MTAs do per
/// client IP); the allowed sessions are passed through to `to`. Returns its address and the
/// number of connections it refused.
async fn connection_limiter(
    limit: usize,
    to: SocketAddr,
) -> (SocketAddr, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use tokio::io::AsyncWriteExt;
    let l = tokio::net::TcpListener::bind("127.0.40.10:0")
        .await
        .unwrap();
    let addr = l.local_addr().unwrap();
    let active = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let r = refused.clone();
    tokio::spawn(async move {
        while let Ok((mut c, _)) = l.accept().await {
            if active.load(SeqCst) >= limit {
                r.fetch_add(1, SeqCst);
                let _ = c
                    .write_all(b"421 4.7.0 mx.test.invalid Too many concurrent SMTP connections; try again later\r\n")
                    .await;
                let _ = c.shutdown().await;
                continue;
            }
            active.fetch_add(1, SeqCst);
            let active = active.clone();
            tokio::spawn(async move {
                if let Ok(mut up) = tokio::net::TcpStream::connect(to).await {
                    let _ = tokio::io::copy_bidirectional(&mut c, &mut up).await;
                }
                active.fetch_sub(1, SeqCst);
            });
        }
    });
    (addr, refused)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_421_lowers_concurrency_and_mail_still_flows() {
    // The server takes 2 sessions at a time and answers 421 to the rest. The destination
    // starts at 5 connections: the 421s lower the window (the first at once), the two
    // sessions keep delivering, the refused deliveries are retried, and everything arrives.
    let peer = PeerScript::slow_data(Duration::from_millis(100))
        .spawn()
        .await;
    let (addr, refused) = connection_limiter(2, peer.addr()).await;
    let mut h = start(|o| {
        route(o, "dest.test", addr);
        o.concurrency.initial = 5;
        o.concurrency.destination_limit = 10;
        o.concurrency.failed_cohort_limit = 0; // watch the window, not the dead-site logic
        o.delivery.max_recipients_per_transaction = 1;
    })
    .await;
    let rcpts: Vec<String> = (0..20).map(|i| format!("u{i}@dest.test")).collect();
    h.send(rcpts).await;
    let mut windows = Vec::new();
    let mut delivered = 0;
    let mut deferred = 0;
    while delivered + deferred < 20 {
        let ev = wait(&mut h.rx, "outcomes", |e| {
            matches!(e.kind.name(), "delivered" | "deferred")
        })
        .await;
        if let Some(d) = h.relay.destinations().first() {
            windows.push(d.window);
        }
        match &ev.kind {
            EventKind::Delivered { .. } => delivered += 1,
            EventKind::Deferred { reply, reason, .. } => {
                assert!(reply.starts_with("421 4.7.0"), "{reply}");
                assert_eq!(reason, "toomanyconn", "{reply}");
                deferred += 1;
            }
            _ => unreachable!(),
        }
    }
    assert!(refused.load(std::sync::atomic::Ordering::SeqCst) > 0);
    assert!(deferred > 0, "no 421 deferral");
    assert!(delivered > 0, "the allowed sessions delivered nothing");
    assert!(
        windows.iter().any(|&w| w < 5),
        "the window never went below the initial 5: {windows:?}"
    );
    // The deferred ones go out on retry (at most 2 at a time get through).
    let mut rounds = 0;
    while h.relay.queue_len() > 0 {
        rounds += 1;
        assert!(rounds < 20, "still queued after {rounds} retry rounds");
        h.clock.advance(Duration::from_secs(4000));
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    assert_eq!(peer.messages().len(), 20);
    assert!(peer.peak_connections() <= 2);
    h.relay.shutdown().await;
}

/// Starts a relay with `setup`, sends one message, waits for its deferral and stops the relay
/// (its handle dropped); returns the message, the clock, the spool's directory and the options
/// to start a relay on it again.
async fn stopped_after_one_deferral(
    setup: impl Fn(&mut EngineOptions),
) -> (QueueId, ManualClock, tempfile::TempDir, EngineOptions) {
    let mut h = start(&setup).await;
    let id = h.send(["bob@dest.test"]).await;
    wait(&mut h.rx, "deferred", is("deferred")).await;
    h.relay.shutdown().await;
    let H {
        relay,
        clock,
        _dir: dir,
        ..
    } = h;
    drop(relay);
    let mut o = base_opts(dir.path());
    setup(&mut o);
    (id, clock, dir, o)
}

/// A message file damaged after its state was written, keeping its length (so recovery's
/// length check by `stat` passes), is quarantined when delivery reads it: not sent, not retried
/// in silence at every restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_file_damaged_in_place_is_quarantined_at_delivery() {
    let addr = free_addr("127.0.40.1").await;
    let (id, clock, dir, o) = stopped_after_one_deferral(|o| route(o, "dest.test", addr)).await;

    let msg = dir
        .path()
        .join("spool/queue")
        .join(id.bucket())
        .join(format!("{id}.msg"));
    let st = msg.with_extension("st");
    assert!(std::fs::read(&st).unwrap().starts_with(b"MWSTATE1 "));
    let mut bytes = std::fs::read(&msg).unwrap();
    bytes[0] = b'X';
    std::fs::write(&msg, &bytes).unwrap();

    let peer = PeerScript::accept().on(addr).spawn().await;
    // `shutdown` has awaited the old relay's background tasks: with its handle dropped, the
    // spool's lock is free at once
    let relay = Relay::builder(o.clone())
        .clock(clock.clone())
        .start()
        .await
        .unwrap();
    assert_eq!(
        relay.queue_len(),
        1,
        "recovered: state and length are intact"
    );
    clock.advance(Duration::from_secs(300));
    queue_len(&relay, 0).await;
    assert!(peer.messages().is_empty(), "a damaged message was sent");
    let q = dir.path().join("spool/quarantine");
    let names: Vec<String> = std::fs::read_dir(&q)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for f in [format!("{id}.msg"), format!("{id}.st")] {
        assert!(names.contains(&f), "{f} not in quarantine: {names:?}");
    }
    assert!(!msg.exists() && !st.exists());
    relay.shutdown().await;
}

/// `shutdown` awaits the engine's background tasks (scheduler, workers, notices): once it has
/// returned and the handle is dropped, a new engine starts on the same spool at once, every
/// time, with a message being deferred in between.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarts_on_the_same_spool_right_after_shutdown() {
    let addr = free_addr("127.0.40.1").await;
    let no_warning = |o: &mut EngineOptions| {
        route(o, "dest.test", addr);
        o.dsn.delay_warning = Duration::ZERO; // one message in the queue throughout
    };
    let (_, clock, _dir, o) = stopped_after_one_deferral(no_warning).await;
    for round in 0..10 {
        let relay = match Relay::builder(o.clone()).clock(clock.clone()).start().await {
            Ok(r) => r,
            Err(e) => panic!("round {round}: the spool is still held: {e}"),
        };
        assert_eq!(relay.queue_len(), 1, "round {round}");
        let mut rx = relay.subscribe();
        // the message is due again (the longest backoff is 4000 s): a worker connects, fails
        // and defers it
        clock.advance(Duration::from_secs(4001));
        wait(&mut rx, "deferred", is("deferred")).await;
        relay.shutdown().await;
    }
}
