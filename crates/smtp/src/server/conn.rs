//! The socket loop around a [`Session`]: reads with timeouts, writes replies, upgrades to TLS
//! and hands complete messages to a [`MessageSink`].

use std::future::Future;
use std::io;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::TlsAcceptor;

use super::reply::Reply;
use super::session::{Action, Session, TlsInfo, Transaction};

#[cfg(test)]
mod tests;

/// Where accepted messages go. The relay's sink answers `Ok(queue id)` only after the message
/// is durable; the session then says `250`.
pub trait MessageSink: Send + Sync {
    /// Stores one message. `Err(reply)` is sent to the client instead of `250` (e.g.
    /// `452 4.3.1` when the disk is full).
    fn deliver(&self, txn: Transaction) -> impl Future<Output = Result<String, Reply>> + Send;
}

/// Timeouts of the server side of a connection.
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    /// Longest wait for the next command (RFC 5321 §4.5.3.2.7 suggests 5 minutes).
    pub command_timeout: Duration,
    /// Longest wait for the next chunk of message data while in DATA.
    pub data_timeout: Duration,
    /// Longest time a reply may take to be written (a client that does not read).
    pub write_timeout: Duration,
    /// Longest TLS handshake.
    pub tls_handshake_timeout: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            command_timeout: Duration::from_secs(300),
            data_timeout: Duration::from_secs(180),
            write_timeout: Duration::from_secs(300),
            tls_handshake_timeout: Duration::from_secs(60),
        }
    }
}

/// How a connection ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionSummary {
    /// Messages accepted with `250`.
    pub messages: u64,
    /// True when the session switched to TLS.
    pub tls: bool,
    /// `quit`, `closed` (the client hung up), `timeout`, `tls-failed`, `refused` (the session
    /// closed it: too many errors, bare LF, HTTP).
    pub end: &'static str,
}

enum Exit {
    Closed(&'static str),
    StartTls,
}

/// Runs one SMTP session on `stream` until it ends. The session must be fresh (its greeting is
/// sent here). `tls` is needed when the session offers STARTTLS. I/O errors end the
/// connection and are returned; a message not yet acknowledged is never acknowledged later.
pub async fn serve_connection<S: MessageSink>(
    mut stream: TcpStream,
    mut session: Session,
    tls: Option<TlsAcceptor>,
    limits: &ConnectionLimits,
    sink: &S,
) -> io::Result<ConnectionSummary> {
    session.greet();
    let exit = drive(&mut stream, &mut session, limits, sink).await?;
    let end = match exit {
        Exit::Closed(end) => end,
        Exit::StartTls => {
            let Some(acceptor) = tls else {
                return Err(io::Error::other("STARTTLS offered without a TLS acceptor"));
            };
            let mut tls_stream =
                match timeout(limits.tls_handshake_timeout, acceptor.accept(stream)).await {
                    Ok(Ok(s)) => s,
                    Ok(Err(_)) | Err(_) => {
                        return Ok(ConnectionSummary {
                            messages: 0,
                            tls: false,
                            end: "tls-failed",
                        });
                    }
                };
            let conn = tls_stream.get_ref().1;
            let info = TlsInfo {
                version: match conn.protocol_version() {
                    Some(rustls::ProtocolVersion::TLSv1_3) => "TLSv1.3".into(),
                    Some(rustls::ProtocolVersion::TLSv1_2) => "TLSv1.2".into(),
                    Some(v) => format!("{v:?}"),
                    None => "TLS".into(),
                },
                cipher: conn
                    .negotiated_cipher_suite()
                    .map(|c| format!("{:?}", c.suite()))
                    .unwrap_or_default(),
            };
            session.tls_established(info);
            match drive(&mut tls_stream, &mut session, limits, sink).await? {
                Exit::Closed(end) => end,
                Exit::StartTls => "refused",
            }
        }
    };
    Ok(ConnectionSummary {
        messages: session.messages_accepted(),
        tls: session.is_tls(),
        end,
    })
}

async fn flush<IO: AsyncWrite + Unpin>(
    io: &mut IO,
    s: &mut Session,
    limits: &ConnectionLimits,
) -> io::Result<()> {
    let out = s.take_output();
    if out.is_empty() {
        return Ok(());
    }
    match timeout(limits.write_timeout, async {
        io.write_all(&out).await?;
        io.flush().await
    })
    .await
    {
        Ok(r) => r,
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            "client does not read its replies",
        )),
    }
}

async fn drive<IO: AsyncRead + AsyncWrite + Unpin, S: MessageSink>(
    io: &mut IO,
    s: &mut Session,
    limits: &ConnectionLimits,
    sink: &S,
) -> io::Result<Exit> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match s.poll() {
            Action::NeedInput => {
                flush(io, s, limits).await?;
                let wait = if s.in_data() {
                    limits.data_timeout
                } else {
                    limits.command_timeout
                };
                match timeout(wait, io.read(&mut buf)).await {
                    Err(_) => {
                        s.timeout();
                        let _ = flush(io, s, limits).await;
                        let _ = io.shutdown().await;
                        return Ok(Exit::Closed("timeout"));
                    }
                    Ok(Ok(0)) => return Ok(Exit::Closed("closed")),
                    Ok(Ok(n)) => s.receive(&buf[..n]),
                    Ok(Err(e)) => return Err(e),
                }
            }
            Action::StartTls => {
                flush(io, s, limits).await?;
                return Ok(Exit::StartTls);
            }
            Action::Message(txn) => {
                flush(io, s, limits).await?;
                let result = sink.deliver(*txn).await;
                s.message_result(result);
            }
            Action::Close => {
                let quit = s.take_output();
                let polite = s.quit_received();
                let _ = timeout(limits.write_timeout, async {
                    io.write_all(&quit).await?;
                    io.flush().await?;
                    io.shutdown().await
                })
                .await;
                return Ok(Exit::Closed(if polite { "quit" } else { "refused" }));
            }
        }
    }
}
