//! Listener tests: a real engine on a temporary spool, real TCP on loopback, a scripted sink
//! as the next hop.

use std::sync::Mutex;

use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;

use super::*;
use crate::{EngineOptions, ListFilter};

/// A next hop that accepts everything and records (envelope sender, message).
async fn sink() -> (SocketAddr, Arc<Mutex<Vec<(String, Vec<u8>)>>>) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let got = Arc::new(Mutex::new(Vec::new()));
    let store = got.clone();
    tokio::spawn(async move {
        loop {
            let Ok((s, _)) = l.accept().await else { return };
            let store = store.clone();
            tokio::spawn(async move {
                let (r, mut w) = s.into_split();
                let mut r = BufReader::new(r);
                w.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut from = String::new();
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let up = line.to_ascii_uppercase();
                    let reply: &[u8] = if up.starts_with("EHLO") {
                        b"250-sink\r\n250 8BITMIME\r\n"
                    } else if up.starts_with("MAIL FROM:") {
                        from = line[10..].trim().to_string();
                        b"250 ok\r\n"
                    } else if up.starts_with("DATA") {
                        w.write_all(b"354 go\r\n").await.unwrap();
                        let mut msg = Vec::new();
                        loop {
                            let mut l = Vec::new();
                            r.read_until(b'\n', &mut l).await.unwrap();
                            if l == b".\r\n" || l.is_empty() {
                                break;
                            }
                            msg.extend_from_slice(l.strip_prefix(b".").unwrap_or(&l));
                        }
                        store.lock().unwrap().push((from.clone(), msg));
                        b"250 stored\r\n"
                    } else if up.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    if w.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (addr, got)
}

async fn relay(dir: &std::path::Path, next_hop: SocketAddr, quota: Option<u64>) -> Relay {
    let mut o = EngineOptions {
        spool: dir.join("spool"),
        hostname: "relay.test".into(),
        spool_max_bytes: quota,
        ..EngineOptions::default()
    };
    o.routes
        .insert("*".into(), next_hop.to_string().parse().unwrap());
    o.retry.initial = Duration::from_millis(200);
    o.retry.max_interval = Duration::from_millis(400);
    Relay::builder(o).start().await.unwrap()
}

async fn listen(relay: &Relay, config: &Config) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let settings = ListenerSettings::new(config, relay, None);
    let l = SmtpListener::bind("127.0.0.1:0".parse().unwrap(), settings)
        .await
        .unwrap();
    let addr = l.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let relay = relay.clone();
    tokio::spawn(async move {
        l.run(relay, async {
            let _ = rx.await;
        })
        .await
    });
    (addr, tx)
}

struct Client {
    r: BufReader<tokio::net::tcp::OwnedReadHalf>,
    w: tokio::net::tcp::OwnedWriteHalf,
}

impl Client {
    async fn connect(addr: SocketAddr) -> (Client, String) {
        let s = TcpStream::connect(addr).await.unwrap();
        let (r, w) = s.into_split();
        let mut c = Client {
            r: BufReader::new(r),
            w,
        };
        let greeting = c.reply().await;
        (c, greeting)
    }

    async fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(Duration::from_secs(10), self.r.read_line(&mut line))
                .await
                .expect("reply in time")
                .unwrap();
            all.push_str(&line);
            if n == 0 || line.as_bytes().get(3) != Some(&b'-') {
                return all;
            }
        }
    }

    async fn cmd(&mut self, s: &str) -> String {
        self.w
            .write_all(format!("{s}\r\n").as_bytes())
            .await
            .unwrap();
        self.reply().await
    }

    async fn send(&mut self, from: &str, to: &str, body: &str) -> String {
        assert!(
            self.cmd(&format!("MAIL FROM:<{from}>"))
                .await
                .starts_with("250")
        );
        assert!(
            self.cmd(&format!("RCPT TO:<{to}>"))
                .await
                .starts_with("250")
        );
        assert!(self.cmd("DATA").await.starts_with("354"));
        self.cmd(&format!("{body}\r\n.")).await
    }
}

async fn wait_for(cond: impl Fn() -> bool) {
    for _ in 0..200 {
        if cond() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("condition not reached in 10 s");
}

#[tokio::test]
async fn accepted_means_queued_then_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let (hop, got) = sink().await;
    let relay = relay(dir.path(), hop, None).await;
    let (addr, stop) = listen(&relay, &Config::default()).await;
    let (mut c, greeting) = Client::connect(addr).await;
    assert!(greeting.starts_with("220 relay.test ESMTP"), "{greeting}");
    let ehlo = c.cmd("EHLO client.test").await;
    assert!(ehlo.contains("250-SIZE 10240000"), "{ehlo}");
    assert!(ehlo.contains("DSN"), "{ehlo}");
    let reply = c
        .send(
            "app@example.org",
            "user@example.com",
            "Subject: hello\r\n\r\nbody",
        )
        .await;
    assert!(reply.starts_with("250 2.0.0 Ok: queued as "), "{reply}");
    let id = reply.trim().rsplit(' ').next().unwrap().to_string();
    c.cmd("QUIT").await;
    wait_for(|| !got.lock().unwrap().is_empty()).await;
    let (from, msg) = got.lock().unwrap()[0].clone();
    assert_eq!(from, "<app@example.org>");
    let text = String::from_utf8(msg).unwrap();
    assert!(text.starts_with("Received: from client.test ([127.0.0.1])\r\n\tby relay.test (mailway) with ESMTP\r\n\tfor <user@example.com>; "), "{text}");
    assert!(text.ends_with("Subject: hello\r\n\r\nbody\r\n"), "{text}");
    assert!(!id.is_empty());
    let _ = stop.send(());
    relay.shutdown().await;
}

#[tokio::test]
async fn dsn_parameters_and_origin_are_stored() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = EngineOptions {
        spool: dir.path().join("spool"),
        hostname: "relay.test".into(),
        ..EngineOptions::default()
    };
    o.routes.insert("*".into(), "127.0.0.1:1".parse().unwrap());
    let relay = Relay::builder(o).offline().start().await.unwrap();
    let (addr, stop) = listen(&relay, &Config::default()).await;
    let (mut c, _) = Client::connect(addr).await;
    c.cmd("EHLO client.test").await;
    c.cmd("MAIL FROM:<a@example.org> RET=HDRS ENVID=e+2B1")
        .await;
    c.cmd("RCPT TO:<b@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b@example.com")
        .await;
    c.cmd("RCPT TO:<c@example.com> NOTIFY=NEVER").await;
    c.cmd("DATA").await;
    let reply = c.cmd("Subject: x\r\n\r\ny\r\n.").await;
    assert!(reply.starts_with("250 2.0.0"), "{reply}");
    let ls = relay.list(&ListFilter::default());
    let d = relay.show(ls[0].id).await.unwrap();
    let env = d.record.envelope();
    assert_eq!(env.ret, Some(Ret::Hdrs));
    assert_eq!(env.envid.as_deref(), Some("e+1"));
    assert_eq!(env.recipients.len(), 2);
    assert_eq!(
        env.recipients[0].orcpt.as_deref(),
        Some("rfc822;b@example.com")
    );
    assert_eq!(env.recipients[1].notify, Some(Notify::NEVER));
    assert_eq!(env.origin.protocol, "ESMTP");
    assert_eq!(env.origin.helo.as_deref(), Some("client.test"));
    assert!(
        env.origin
            .client
            .as_deref()
            .unwrap()
            .starts_with("127.0.0.1:")
    );
    let _ = stop.send(());
    relay.shutdown().await;
}

#[tokio::test]
async fn full_spool_refuses_with_452_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (hop, got) = sink().await;
    // a quota the first messages fit into, then full
    let relay = {
        let mut o = EngineOptions {
            spool: dir.path().join("spool"),
            hostname: "relay.test".into(),
            spool_max_bytes: Some(4000),
            ..EngineOptions::default()
        };
        o.routes
            .insert("*".into(), hop.to_string().parse().unwrap());
        Relay::builder(o).offline().start().await.unwrap()
    };
    let (addr, stop) = listen(&relay, &Config::default()).await;
    let (mut c, _) = Client::connect(addr).await;
    c.cmd("EHLO c").await;
    let body = format!("Subject: s\r\n\r\n{}", "z".repeat(1000));
    let mut accepted = 0;
    let mut refused = None;
    for _ in 0..10 {
        let r = c.send("a@example.org", "b@example.com", &body).await;
        if r.starts_with("250") {
            accepted += 1;
        } else {
            refused = Some(r);
            break;
        }
    }
    let refused = refused.expect("the quota was never hit");
    assert!(
        refused.starts_with("452 4.3.1 Insufficient system storage"),
        "{refused}"
    );
    assert!(accepted >= 1);
    // the session goes on after the refusal
    assert!(c.cmd("NOOP").await.starts_with("250"));
    c.cmd("QUIT").await;
    assert_eq!(relay.list(&ListFilter::default()).len(), accepted);
    let _ = stop.send(());
    relay.shutdown().await;
    drop(got);
}

#[tokio::test]
async fn connection_limit() {
    let dir = tempfile::tempdir().unwrap();
    let (hop, _got) = sink().await;
    let relay = relay(dir.path(), hop, None).await;
    let mut config = Config::default();
    config.smtp.max_connections = 1;
    let (addr, stop) = listen(&relay, &config).await;
    let (mut first, g1) = Client::connect(addr).await;
    assert!(g1.starts_with("220"));
    let (_second, g2) = Client::connect(addr).await;
    assert_eq!(
        g2,
        "421 4.7.0 relay.test Error: too many connections, try again later\r\n"
    );
    first.cmd("QUIT").await;
    let _ = stop.send(());
    relay.shutdown().await;
}

#[tokio::test]
async fn auth_users_from_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let (hop, _got) = sink().await;
    let relay = relay(dir.path(), hop, None).await;
    let mut config = Config::default();
    config.smtp.relay_networks = Vec::new(); // loopback is not trusted: relaying needs AUTH
    config.smtp.users.push(SmtpUser {
        name: "alice".into(),
        password: "s3cret".into(),
    });
    let (addr, stop) = listen(&relay, &config).await;
    let (mut c, _) = Client::connect(addr).await;
    let ehlo = c.cmd("EHLO c").await;
    assert!(ehlo.contains("AUTH PLAIN LOGIN"), "{ehlo}");
    c.cmd("MAIL FROM:<a@example.org>").await;
    assert!(
        c.cmd("RCPT TO:<b@example.com>")
            .await
            .starts_with("554 5.7.1")
    );
    c.cmd("RSET").await;
    // wrong password, then the right one ("\0alice\0wrong", "\0alice\0s3cret")
    assert!(
        c.cmd("AUTH PLAIN AGFsaWNlAHdyb25n")
            .await
            .starts_with("535 5.7.8")
    );
    assert!(
        c.cmd("AUTH PLAIN AGFsaWNlAHMzY3JldA==")
            .await
            .starts_with("235 2.7.0")
    );
    let r = c
        .send("a@example.org", "b@example.com", "Subject: s\r\n\r\nx")
        .await;
    assert!(r.starts_with("250"), "{r}");
    let _ = stop.send(());
    relay.shutdown().await;
}

#[test]
fn users_compare_in_constant_time_and_correctly() {
    let u = Users::new(&[
        SmtpUser {
            name: "a".into(),
            password: "pw".into(),
        },
        SmtpUser {
            name: "b".into(),
            password: "other".into(),
        },
    ]);
    assert!(u.authenticate("a", "pw"));
    assert!(u.authenticate("b", "other"));
    assert!(!u.authenticate("a", "other"));
    assert!(!u.authenticate("a", "pw2"));
    assert!(!u.authenticate("a", "p"));
    assert!(!u.authenticate("c", "pw"));
    assert!(!Users::default().authenticate("", ""));
}
