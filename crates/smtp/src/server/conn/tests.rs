//! Socket-loop tests over real loopback TCP (and TLS).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncWrite, AsyncWriteExt as _, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use super::*;
use crate::server::{SessionConfig, tls};

/// Collects messages; optionally waits for a permit before answering (to prove that `250`
/// waits for the sink).
#[derive(Default)]
struct Collect {
    messages: Mutex<Vec<Transaction>>,
    gate: Option<Arc<Semaphore>>,
}

impl MessageSink for Collect {
    async fn deliver(&self, txn: Transaction) -> Result<String, Reply> {
        if let Some(g) = &self.gate {
            g.acquire().await.expect("open").forget();
        }
        let mut m = self.messages.lock().unwrap();
        m.push(txn);
        Ok(format!("Q{}", m.len()))
    }
}

fn limits() -> ConnectionLimits {
    ConnectionLimits {
        command_timeout: Duration::from_secs(10),
        data_timeout: Duration::from_millis(300),
        write_timeout: Duration::from_secs(10),
        tls_handshake_timeout: Duration::from_secs(10),
    }
}

/// Starts one server connection on an ephemeral loopback port; returns the client stream and
/// the server task.
async fn start(
    config: SessionConfig,
    tls: Option<TlsAcceptor>,
    limits: ConnectionLimits,
    sink: Arc<Collect>,
) -> (
    TcpStream,
    tokio::task::JoinHandle<io::Result<ConnectionSummary>>,
) {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let config = Arc::new(config);
    let server = tokio::spawn(async move {
        let (stream, peer) = l.accept().await.unwrap();
        let session = Session::new(config, peer);
        serve_connection(stream, session, tls, &limits, sink.as_ref()).await
    });
    (TcpStream::connect(addr).await.unwrap(), server)
}

struct Client<S> {
    io: BufReader<S>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    /// Reads one whole (possibly multi-line) reply.
    async fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(Duration::from_secs(10), self.io.read_line(&mut line))
                .await
                .expect("reply in time")
                .unwrap();
            if n == 0 {
                return all;
            }
            all.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return all;
            }
        }
    }

    async fn send(&mut self, s: &str) {
        self.io.get_mut().write_all(s.as_bytes()).await.unwrap();
    }

    async fn cmd(&mut self, s: &str) -> String {
        self.send(&format!("{s}\r\n")).await;
        self.reply().await
    }
}

#[tokio::test]
async fn two_fifty_waits_for_the_sink() {
    let gate = Arc::new(Semaphore::new(0));
    let sink = Arc::new(Collect {
        gate: Some(gate.clone()),
        ..Default::default()
    });
    let (stream, server) = start(SessionConfig::new("mx.test"), None, limits(), sink.clone()).await;
    let mut c = Client {
        io: BufReader::new(stream),
    };
    assert!(c.reply().await.starts_with("220 mx.test"));
    assert!(c.cmd("EHLO c.test").await.contains("PIPELINING"));
    c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n")
        .await;
    assert_eq!(c.reply().await, "250 2.1.0 Ok\r\n");
    assert_eq!(c.reply().await, "250 2.1.5 Ok\r\n");
    assert!(c.reply().await.starts_with("354"));
    c.send("Subject: t\r\n\r\nbody\r\n.\r\n").await;
    // the sink has not answered: no reply may arrive
    let mut line = String::new();
    let early = tokio::time::timeout(Duration::from_millis(300), c.io.read_line(&mut line)).await;
    assert!(early.is_err(), "got {line:?} before the sink answered");
    gate.add_permits(1);
    assert_eq!(c.reply().await, "250 2.0.0 Ok: queued as Q1\r\n");
    assert_eq!(c.cmd("QUIT").await, "221 2.0.0 Bye\r\n");
    let summary = server.await.unwrap().unwrap();
    assert_eq!(summary.end, "quit");
    assert_eq!(summary.messages, 1);
    let m = sink.messages.lock().unwrap();
    assert_eq!(m[0].data, b"Subject: t\r\n\r\nbody\r\n");
}

#[tokio::test]
async fn client_stalling_mid_data_times_out_and_nothing_is_accepted() {
    let sink = Arc::new(Collect::default());
    let (stream, server) = start(SessionConfig::new("mx.test"), None, limits(), sink.clone()).await;
    let mut c = Client {
        io: BufReader::new(stream),
    };
    c.reply().await;
    c.cmd("EHLO c.test").await;
    c.cmd("MAIL FROM:<a@example.org>").await;
    c.cmd("RCPT TO:<b@example.net>").await;
    assert!(c.cmd("DATA").await.starts_with("354"));
    c.send("Subject: half a message\r\n\r\nthen the client stalls")
        .await;
    assert_eq!(
        c.reply().await,
        "421 4.4.2 mx.test Error: timeout exceeded\r\n"
    );
    // then the server closes
    assert_eq!(c.reply().await, "");
    let summary = server.await.unwrap().unwrap();
    assert_eq!(summary.end, "timeout");
    assert_eq!(summary.messages, 0);
    assert!(sink.messages.lock().unwrap().is_empty());
}

#[tokio::test]
async fn idle_client_times_out() {
    let sink = Arc::new(Collect::default());
    let mut l = limits();
    l.command_timeout = Duration::from_millis(200);
    let (stream, server) = start(SessionConfig::new("mx.test"), None, l, sink).await;
    let mut c = Client {
        io: BufReader::new(stream),
    };
    c.reply().await;
    assert!(c.reply().await.starts_with("421 4.4.2"));
    assert_eq!(server.await.unwrap().unwrap().end, "timeout");
}

#[tokio::test]
async fn one_megabyte_line_over_tcp() {
    let sink = Arc::new(Collect::default());
    let (stream, server) = start(SessionConfig::new("mx.test"), None, limits(), sink).await;
    let mut c = Client {
        io: BufReader::new(stream),
    };
    c.reply().await;
    let line = format!("EHLO {}\r\n", "a".repeat(1 << 20));
    c.send(&line).await;
    assert_eq!(c.reply().await, "500 5.5.2 Error: line too long\r\n");
    assert_eq!(c.cmd("NOOP").await, "250 2.0.0 Ok\r\n");
    c.cmd("QUIT").await;
    assert_eq!(server.await.unwrap().unwrap().end, "quit");
}

#[tokio::test]
async fn client_disconnecting_mid_data_loses_nothing_acknowledged() {
    let sink = Arc::new(Collect::default());
    let (stream, server) = start(SessionConfig::new("mx.test"), None, limits(), sink.clone()).await;
    let mut c = Client {
        io: BufReader::new(stream),
    };
    c.reply().await;
    c.send("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\npartial")
        .await;
    for _ in 0..4 {
        c.reply().await;
    }
    drop(c);
    let summary = server.await.unwrap().unwrap();
    assert_eq!(summary.end, "closed");
    assert!(sink.messages.lock().unwrap().is_empty());
}

#[tokio::test]
async fn starttls_with_a_generated_certificate() {
    let dir = std::env::temp_dir().join(format!("mailway-conn-tls-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (cert, key) = tls::ensure_self_signed(&dir, "localhost").unwrap();
    let server_cfg = tls::load_server_config(&cert, &key).unwrap();
    let mut config = SessionConfig::new("mx.test");
    config.starttls = true;
    let sink = Arc::new(Collect::default());
    let (stream, server) = start(
        config,
        Some(TlsAcceptor::from(server_cfg)),
        limits(),
        sink.clone(),
    )
    .await;
    let mut c = Client {
        io: BufReader::new(stream),
    };
    c.reply().await;
    assert!(c.cmd("EHLO c.test").await.contains("250-STARTTLS"));
    assert_eq!(c.cmd("STARTTLS").await, "220 2.0.0 Ready to start TLS\r\n");

    // trust exactly the generated certificate
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(&cert).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let client_cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(client_cfg));
    let plain = c.io.into_inner();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let tls_stream = connector.connect(name, plain).await.unwrap();
    let mut c = Client {
        io: BufReader::new(tls_stream),
    };
    let ehlo = c.cmd("EHLO c.test").await;
    assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
    c.cmd("MAIL FROM:<a@example.org>").await;
    c.cmd("RCPT TO:<b@example.net>").await;
    c.cmd("DATA").await;
    assert!(c.cmd("x\r\n.").await.starts_with("250 2.0.0"));
    c.cmd("QUIT").await;
    let summary = server.await.unwrap().unwrap();
    assert!(summary.tls);
    let m = sink.messages.lock().unwrap();
    assert_eq!(m[0].client.protocol(), "ESMTPS");
    assert_eq!(m[0].client.tls.as_ref().unwrap().version, "TLSv1.3");
    std::fs::remove_dir_all(&dir).unwrap();
}

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
