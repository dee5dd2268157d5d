//! One delivery session to a destination: route map or MX resolution (priorities, failover,
//! null MX), addresses (IPv6 then IPv4), connection with the `mailway-smtp` client
//! (opportunistic STARTTLS, per-phase timeouts), then SMTP transactions on that connection.
//!
//! Errors are described the way Postfix words them (`connect to mx.example.com[192.0.2.1]:25:
//! Connection refused`, `conversation with … timed out while receiving the initial server
//! greeting`), so `mailway explain`, `mailway logs` and people recognise them.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::SystemTime;

use mailway_smtp::{
    Body, ClientConfig, MailParams, Phase, RcptParams, SmtpClient, SmtpError, SmtpReply,
    TlsClientConfig, TlsVerify,
};
use mailway_spool::{BodyType, LastReply, Recipient, Ret, domain_of};
use mailway_status::EnhancedStatus;

use crate::engine::{Inner, Outcome};
use crate::options::{IpVersion, TlsPolicy};
use crate::resolve::MxAnswer;

/// What one transaction sends.
pub(crate) struct Txn {
    pub(crate) sender: String,
    pub(crate) ret: Option<Ret>,
    pub(crate) envid: Option<String>,
    pub(crate) body: Option<BodyType>,
    pub(crate) smtputf8: bool,
    /// (index in the record, recipient)
    pub(crate) rcpts: Vec<(usize, Recipient)>,
    pub(crate) content: Arc<Vec<u8>>,
}

/// Per-recipient result of a transaction.
pub(crate) enum RcptOutcome {
    Delivered {
        reply: String,
    },
    Transient {
        reply: LastReply,
    },
    Permanent {
        reply: LastReply,
        status: EnhancedStatus,
    },
}

/// The result of one transaction.
pub(crate) struct TxnResult {
    pub(crate) outcomes: Vec<Outcome>,
    /// A connection-level failure (negative concurrency feedback).
    pub(crate) site_failure: bool,
    /// The connection cannot be used any more.
    pub(crate) broken: bool,
    /// Description of the site failure.
    pub(crate) error: Option<String>,
}

/// Why no session could be opened.
pub(crate) struct ConnectFailure {
    pub(crate) site_failure: bool,
    pub(crate) permanent: Option<EnhancedStatus>,
    pub(crate) reply: LastReply,
}

impl ConnectFailure {
    pub(crate) fn describe(&self) -> String {
        self.reply.text.clone()
    }

    /// The same outcome for every recipient of `rcpts` (indices into the message's recipients).
    pub(crate) fn outcomes_for(&self, rcpts: &[usize]) -> Vec<Outcome> {
        rcpts
            .iter()
            .map(|&idx| Outcome {
                idx,
                result: self.outcome(),
            })
            .collect()
    }

    pub(crate) fn outcome(&self) -> RcptOutcome {
        match self.permanent {
            Some(status) => RcptOutcome::Permanent {
                reply: self.reply.clone(),
                status,
            },
            None => RcptOutcome::Transient {
                reply: self.reply.clone(),
            },
        }
    }

    pub(crate) fn dead_destination(reason: &str, now: SystemTime) -> Self {
        Self {
            site_failure: false,
            permanent: None,
            reply: local(
                now,
                format!("delivery temporarily suspended: {reason}"),
                None,
            ),
        }
    }
}

fn local(now: SystemTime, text: String, remote: Option<String>) -> LastReply {
    LastReply {
        at: now,
        text,
        smtp: false,
        remote_mta: remote,
        command: None,
    }
}

/// One candidate server.
struct Target {
    host: String,
    addr: SocketAddr,
}

impl Target {
    /// `mx.example.com [192.0.2.1]:25`
    fn name(&self) -> String {
        name_of(&self.host, self.addr)
    }
    /// `mx.example.com[192.0.2.1]:25` (Postfix's form in messages)
    fn pf(&self) -> String {
        format!("{}[{}]:{}", self.host, self.addr.ip(), self.addr.port())
    }
}

fn name_of(host: &str, addr: SocketAddr) -> String {
    format!("{host} [{}]:{}", addr.ip(), addr.port())
}

/// An open SMTP session.
pub(crate) struct Session {
    client: SmtpClient,
    relay: String,
    pf: String,
    inner: Arc<Inner>,
}

impl Session {
    /// The server this session talks to: `mx.example.com [192.0.2.1]:25`.
    pub(crate) fn relay_name(&self) -> String {
        self.relay.clone()
    }

    /// Whether TLS is up.
    pub(crate) fn tls(&self) -> bool {
        self.client.tls_info().is_some()
    }

    /// Whether the server advertised DSN (then NOTIFY/ORCPT/RET/ENVID are passed on).
    pub(crate) fn dsn(&self) -> bool {
        self.client.capabilities().is_some_and(|c| c.dsn)
    }

    fn now(&self) -> SystemTime {
        self.inner.clock.now()
    }

    fn smtp_reply(&self, r: &SmtpReply) -> LastReply {
        LastReply {
            at: self.now(),
            text: reply_text(r),
            smtp: true,
            remote_mta: Some(self.relay.clone()),
            command: r.command().map(|c| c.as_str().to_string()),
        }
    }

    fn error_reply(&self, e: &SmtpError) -> LastReply {
        let mut l = local(
            self.now(),
            describe_error(&self.pf, e),
            Some(self.relay.clone()),
        );
        l.command = e.phase().map(|p| p.as_str().to_ascii_uppercase());
        if let SmtpError::Rejected { reply } = e {
            l = self.smtp_reply(reply);
        }
        l
    }

    /// Runs one transaction (MAIL, RCPT for each recipient, DATA).
    pub(crate) async fn send(&mut self, txn: &Txn) -> TxnResult {
        let mut res = TxnResult {
            outcomes: Vec::new(),
            site_failure: false,
            broken: false,
            error: None,
        };
        let params = MailParams {
            size: Some(txn.content.len() as u64),
            body: match txn.body {
                Some(BodyType::EightBitMime) | Some(BodyType::BinaryMime) => {
                    Some(Body::EightBitMime)
                }
                Some(BodyType::SevenBit) => Some(Body::SevenBit),
                None => None,
            },
            smtputf8: txn.smtputf8,
            ret: txn.ret.map(|r| match r {
                Ret::Full => mailway_smtp::Ret::Full,
                Ret::Hdrs => mailway_smtp::Ret::Hdrs,
            }),
            envid: txn.envid.clone(),
            requiretls: false,
        };
        let all = |res: &mut TxnResult, o: &dyn Fn() -> RcptOutcome| {
            for (i, _) in &txn.rcpts {
                res.outcomes.push(Outcome {
                    idx: *i,
                    result: o(),
                });
            }
        };
        match self.client.mail_from(&txn.sender, &params).await {
            Ok(r) if r.is_positive() => {}
            Ok(r) => {
                let l = self.smtp_reply(&r);
                if r.code == 421 {
                    res.site_failure = true;
                    res.broken = true;
                    res.error = Some(l.text.clone());
                }
                let o = reply_outcome(&r, l, EnhancedStatus::new(5, 0, 0));
                all(&mut res, &|| o.clone_outcome());
                return res;
            }
            Err(SmtpError::NotSupported { extension }) => {
                let l = local(
                    self.now(),
                    format!(
                        "{extension} is required, but was not offered by host {}",
                        self.pf
                    ),
                    Some(self.relay.clone()),
                );
                let status = if extension == "SMTPUTF8" {
                    EnhancedStatus::new(5, 6, 7)
                } else {
                    EnhancedStatus::new(5, 7, 10)
                };
                all(&mut res, &|| RcptOutcome::Permanent {
                    reply: l.clone(),
                    status,
                });
                return res;
            }
            Err(e) => {
                self.fail_all(&mut res, &e, txn);
                return res;
            }
        }
        let dsn = self.dsn();
        let mut accepted = Vec::new();
        for (i, r) in &txn.rcpts {
            let mut p = RcptParams::default();
            if dsn {
                if let Some(n) = r.notify {
                    if n == mailway_spool::Notify::NEVER {
                        p.notify.push(mailway_smtp::Notify::Never);
                    } else {
                        if n.success {
                            p.notify.push(mailway_smtp::Notify::Success);
                        }
                        if n.failure {
                            p.notify.push(mailway_smtp::Notify::Failure);
                        }
                        if n.delay {
                            p.notify.push(mailway_smtp::Notify::Delay);
                        }
                    }
                }
                p.orcpt = r.orcpt.as_deref().and_then(|o| {
                    o.split_once(';')
                        .filter(|(t, _)| t.trim().eq_ignore_ascii_case("rfc822"))
                        .map(|(_, a)| a.trim().to_string())
                });
            }
            match self.client.rcpt_to(&r.address, &p).await {
                Ok(rep) if rep.is_positive() => accepted.push(*i),
                Ok(rep) => {
                    let l = self.smtp_reply(&rep);
                    if rep.code == 421 {
                        res.site_failure = true;
                        res.broken = true;
                        res.error = Some(l.text.clone());
                    }
                    res.outcomes.push(Outcome {
                        idx: *i,
                        result: reply_outcome(&rep, l, EnhancedStatus::new(5, 1, 1)),
                    });
                    if rep.code == 421 {
                        // The server is closing: the rest waits for the next attempt.
                        let l = self.smtp_reply(&rep);
                        for (j, _) in txn.rcpts.iter().skip_while(|(j, _)| j != i).skip(1) {
                            res.outcomes.push(Outcome {
                                idx: *j,
                                result: RcptOutcome::Transient { reply: l.clone() },
                            });
                        }
                        for j in accepted {
                            res.outcomes.push(Outcome {
                                idx: j,
                                result: RcptOutcome::Transient { reply: l.clone() },
                            });
                        }
                        return res;
                    }
                }
                Err(SmtpError::InvalidInput { message, .. }) => {
                    let l = local(
                        self.now(),
                        format!("bad recipient address syntax: {message}"),
                        None,
                    );
                    res.outcomes.push(Outcome {
                        idx: *i,
                        result: RcptOutcome::Permanent {
                            reply: l,
                            status: EnhancedStatus::new(5, 1, 3),
                        },
                    });
                }
                Err(e) => {
                    // Connection trouble mid-RCPT: everyone not yet decided is retried.
                    let l = self.error_reply(&e);
                    res.site_failure = is_site_failure(&e);
                    res.broken = true;
                    res.error = Some(l.text.clone());
                    let decided: Vec<usize> = res.outcomes.iter().map(|o| o.idx).collect();
                    for (j, _) in &txn.rcpts {
                        if !decided.contains(j) {
                            res.outcomes.push(Outcome {
                                idx: *j,
                                result: RcptOutcome::Transient { reply: l.clone() },
                            });
                        }
                    }
                    return res;
                }
            }
        }
        if accepted.is_empty() {
            return res;
        }
        match self.client.data(&txn.content).await {
            Ok(r) if r.is_positive() => {
                let text = reply_text(&r);
                for i in accepted {
                    res.outcomes.push(Outcome {
                        idx: i,
                        result: RcptOutcome::Delivered {
                            reply: text.clone(),
                        },
                    });
                }
            }
            Ok(r) => {
                let l = self.smtp_reply(&r);
                if r.code == 421 {
                    res.site_failure = true;
                    res.broken = true;
                    res.error = Some(l.text.clone());
                }
                for i in accepted {
                    res.outcomes.push(Outcome {
                        idx: i,
                        result: reply_outcome(&r, l.clone(), EnhancedStatus::new(5, 0, 0)),
                    });
                }
            }
            Err(e) => {
                let l = self.error_reply(&e);
                res.site_failure = is_site_failure(&e);
                res.broken = true;
                res.error = Some(l.text.clone());
                for i in accepted {
                    res.outcomes.push(Outcome {
                        idx: i,
                        result: RcptOutcome::Transient { reply: l.clone() },
                    });
                }
            }
        }
        res
    }

    fn fail_all(&self, res: &mut TxnResult, e: &SmtpError, txn: &Txn) {
        let l = self.error_reply(e);
        res.site_failure = is_site_failure(e);
        res.broken = !matches!(e, SmtpError::InvalidInput { .. });
        res.error = Some(l.text.clone());
        let permanent = match e {
            SmtpError::InvalidInput { .. } => Some(EnhancedStatus::new(5, 1, 7)),
            _ => None,
        };
        for (i, _) in &txn.rcpts {
            res.outcomes.push(Outcome {
                idx: *i,
                result: match permanent {
                    Some(status) => RcptOutcome::Permanent {
                        reply: l.clone(),
                        status,
                    },
                    None => RcptOutcome::Transient { reply: l.clone() },
                },
            });
        }
    }

    /// RSET before the next transaction; false when the connection is no longer usable.
    pub(crate) async fn reset(&mut self) -> bool {
        matches!(self.client.rset().await, Ok(r) if r.is_positive())
    }

    /// QUIT and close.
    pub(crate) async fn quit(mut self) {
        let _ = self.client.quit().await;
    }
}

impl RcptOutcome {
    fn clone_outcome(&self) -> RcptOutcome {
        match self {
            RcptOutcome::Delivered { reply } => RcptOutcome::Delivered {
                reply: reply.clone(),
            },
            RcptOutcome::Transient { reply } => RcptOutcome::Transient {
                reply: reply.clone(),
            },
            RcptOutcome::Permanent { reply, status } => RcptOutcome::Permanent {
                reply: reply.clone(),
                status: *status,
            },
        }
    }
}

/// 4xx → transient, 5xx → permanent (status from the reply, else `default5`).
fn reply_outcome(r: &SmtpReply, l: LastReply, default5: EnhancedStatus) -> RcptOutcome {
    if r.is_permanent() {
        RcptOutcome::Permanent {
            reply: l,
            status: r.status().filter(|s| s.class == 5).unwrap_or(default5),
        }
    } else {
        RcptOutcome::Transient { reply: l }
    }
}

/// The reply as one line, as Postfix quotes it: `550-5.1.1 first line 550 5.1.1 second line`.
pub(crate) fn reply_text(r: &SmtpReply) -> String {
    r.raw().replace("\r\n", " ")
}

fn is_site_failure(e: &SmtpError) -> bool {
    !matches!(
        e,
        SmtpError::Rejected { .. }
            | SmtpError::NotSupported { .. }
            | SmtpError::InvalidInput { .. }
    )
}

fn phase_words(p: Phase) -> &'static str {
    match p {
        Phase::Connect => "connecting",
        Phase::Greeting => "receiving the initial server greeting",
        Phase::Ehlo | Phase::Helo => "performing the EHLO handshake",
        Phase::Starttls | Phase::TlsHandshake => "performing the TLS handshake",
        Phase::Auth => "authenticating",
        Phase::Mail => "sending MAIL FROM",
        Phase::Rcpt => "sending RCPT TO",
        Phase::DataInit => "sending the DATA command",
        Phase::DataBlock => "sending message content",
        Phase::DataTerm => "sending end of data -- message may be sent more than once",
        Phase::Rset => "sending RSET",
        Phase::Noop => "sending NOOP",
        Phase::Quit => "sending QUIT",
        _ => "talking to it",
    }
}

/// A local error in Postfix's words. `pf` is `host[ip]:port`.
pub(crate) fn describe_error(pf: &str, e: &SmtpError) -> String {
    match e {
        SmtpError::Refused { .. } => format!("connect to {pf}: Connection refused"),
        SmtpError::Unreachable { source, .. } => format!("connect to {pf}: {source}"),
        SmtpError::TimedOut {
            phase: Phase::Connect,
            ..
        } => format!("connect to {pf}: Connection timed out"),
        SmtpError::TimedOut { phase, after } => format!(
            "conversation with {pf} timed out while {} (after {} s)",
            phase_words(*phase),
            after.as_secs_f64()
        ),
        SmtpError::Reset { phase } => format!(
            "lost connection with {pf} while {} (connection reset by peer)",
            phase_words(*phase)
        ),
        SmtpError::Closed { phase, .. } => {
            format!("lost connection with {pf} while {}", phase_words(*phase))
        }
        SmtpError::Tls { message, .. } => format!("TLS failure with {pf}: {message}"),
        SmtpError::Protocol { phase, message, .. } => format!(
            "protocol error from {pf} while {}: {message}",
            phase_words(*phase)
        ),
        SmtpError::Io { phase, source } => {
            format!(
                "I/O error with {pf} while {}: {source}",
                phase_words(*phase)
            )
        }
        SmtpError::Rejected { reply } => format!("host {pf} said: {}", reply_text(reply)),
        other => format!("{pf}: {other}"),
    }
}

fn client_config(inner: &Inner) -> ClientConfig {
    let t = &inner.opts.timeouts;
    ClientConfig {
        helo_name: inner.opts.hostname.clone(),
        timeouts: mailway_smtp::Timeouts {
            connect: t.connect,
            greeting: t.greeting,
            ehlo: t.ehlo,
            starttls: t.starttls,
            auth: t.ehlo,
            mail: t.mail,
            rcpt: t.rcpt,
            data_init: t.data_init,
            data_block: t.data_block,
            data_term: t.data_term,
            rset: t.rset_quit,
            quit: t.rset_quit,
        },
        limits: mailway_smtp::Limits {
            max_transcript: 32,
            ..Default::default()
        },
        source_ip: None,
        tls: TlsClientConfig {
            verify: TlsVerify::Opportunistic,
            ..Default::default()
        },
    }
}

/// Finds the servers for a domain: the route map, else MX (by preference, failing over),
/// else the domain itself (implicit MX). Null MX and non-existent domains fail permanently.
async fn targets(
    inner: &Inner,
    domain: &str,
) -> Result<(Vec<Target>, Vec<String>), ConnectFailure> {
    let now = || inner.clock.now();
    let opts = &inner.opts;
    let (want4, want6) = match opts.delivery.ip_version {
        IpVersion::Both => (true, true),
        IpVersion::Ipv4 => (true, false),
        IpVersion::Ipv6 => (false, true),
    };
    let route = opts
        .routes
        .get(domain)
        .or_else(|| opts.routes.get("*"))
        .cloned();
    let hosts: Vec<(String, u16)> = match route {
        Some(r) => vec![(r.host, r.port)],
        None => match inner.resolver.mx(domain).await {
            Ok(MxAnswer::NullMx) => {
                return Err(ConnectFailure {
                    site_failure: false,
                    permanent: Some(EnhancedStatus::new(5, 1, 10)),
                    reply: local(
                        now(),
                        format!(
                            "recipient domain {domain} does not accept mail (null MX, RFC 7505)"
                        ),
                        None,
                    ),
                });
            }
            Ok(MxAnswer::NoMx) => vec![(domain.to_string(), opts.delivery.port)],
            Ok(MxAnswer::Hosts(mut list)) => {
                list.sort_by_key(|(p, _)| *p);
                list.into_iter()
                    .take(opts.delivery.max_mx_hosts.max(1) as usize)
                    .map(|(_, h)| (h.trim_end_matches('.').to_string(), opts.delivery.port))
                    .collect()
            }
            Err(e) if e.is_permanent() => {
                return Err(ConnectFailure {
                    site_failure: false,
                    permanent: Some(EnhancedStatus::new(5, 4, 4)),
                    reply: local(now(), e.to_string(), None),
                });
            }
            Err(e) => {
                return Err(ConnectFailure {
                    site_failure: false,
                    permanent: None,
                    reply: local(now(), e.to_string(), None),
                });
            }
        },
    };
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let mut all_nx = true;
    for (host, port) in hosts {
        let lit = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .ok();
        let ips = match lit {
            Some(ip) => {
                all_nx = false;
                vec![ip]
            }
            None => match inner.resolver.ips(&host, want4, want6).await {
                Ok(v) => {
                    all_nx = false;
                    if v.is_empty() {
                        problems.push(format!("{host}: no address records"));
                    }
                    v
                }
                Err(e) => {
                    if !e.is_permanent() {
                        all_nx = false;
                    }
                    problems.push(e.to_string());
                    Vec::new()
                }
            },
        };
        for ip in ips {
            if (ip.is_ipv4() && !want4) || (ip.is_ipv6() && !want6) {
                continue;
            }
            out.push(Target {
                host: host.clone(),
                addr: SocketAddr::new(ip, port),
            });
        }
    }
    out.truncate(opts.delivery.max_addresses.max(1) as usize);
    if out.is_empty() {
        let text = if problems.is_empty() {
            format!("no usable address for {domain}")
        } else {
            problems.join("; ")
        };
        return Err(ConnectFailure {
            site_failure: false,
            permanent: if all_nx {
                Some(EnhancedStatus::new(5, 4, 4))
            } else {
                None
            },
            reply: local(now(), text, None),
        });
    }
    Ok((out, problems))
}

/// Opens a session to the best reachable server for `domain`, failing over across MX hosts
/// and addresses on connection errors and 4xx/5xx greetings.
pub(crate) async fn open_session(
    inner: &Arc<Inner>,
    domain: &str,
) -> Result<Session, ConnectFailure> {
    let domain = domain_of(&format!("x@{domain}"));
    let (targets, _) = targets(inner, &domain).await?;
    let config = client_config(inner);
    let policy = inner.opts.delivery.starttls;
    let mut last: Option<LastReply> = None;
    let mut site = false;
    for t in &targets {
        match connect_one(inner, t, &config, policy).await {
            Ok(client) => {
                return Ok(Session {
                    client,
                    relay: t.name(),
                    pf: t.pf(),
                    inner: inner.clone(),
                });
            }
            Err((l, site_failure)) => {
                tracing::debug!(server = %t.name(), "cannot use server: {}", l.text);
                site |= site_failure;
                last = Some(l);
            }
        }
    }
    Err(ConnectFailure {
        site_failure: site,
        permanent: None,
        reply: last.unwrap_or_else(|| local(inner.clock.now(), "no server to try".into(), None)),
    })
}

/// Connect, greeting, EHLO, STARTTLS per policy. Err: (what happened, is it a site failure).
async fn connect_one(
    inner: &Inner,
    t: &Target,
    config: &ClientConfig,
    policy: TlsPolicy,
) -> Result<SmtpClient, (LastReply, bool)> {
    let now = || inner.clock.now();
    let err = |e: &SmtpError| {
        let mut l = local(now(), describe_error(&t.pf(), e), Some(t.name()));
        l.command = e.phase().map(|p| p.as_str().to_ascii_uppercase());
        (l, is_site_failure(e))
    };
    let smtp = |r: &SmtpReply| LastReply {
        at: now(),
        text: reply_text(r),
        smtp: true,
        remote_mta: Some(t.name()),
        command: r.command().map(|c| c.as_str().to_string()),
    };
    let mut try_tls = policy != TlsPolicy::Disabled;
    loop {
        let mut c = SmtpClient::connect(t.addr, config.clone())
            .await
            .map_err(|e| err(&e))?;
        let g = c.greeting().await.map_err(|e| err(&e))?;
        if !g.is_positive() {
            // 421/554 at greeting: a site-level refusal; try the next server.
            c.close().await;
            return Err((smtp(&g), true));
        }
        let e = c.ehlo().await.map_err(|e| err(&e))?;
        if !e.is_positive() {
            let _ = c.quit().await;
            return Err((smtp(&e), e.code == 421));
        }
        let offers = c.capabilities().is_some_and(|k| k.starttls);
        if !try_tls || !offers {
            if policy == TlsPolicy::Required {
                let _ = c.quit().await;
                return Err((
                    local(
                        now(),
                        format!("TLS is required, but was not offered by host {}", t.pf()),
                        Some(t.name()),
                    ),
                    false,
                ));
            }
            return Ok(c);
        }
        let server_name = t.host.trim_start_matches('[').trim_end_matches(']');
        match c.starttls(server_name).await {
            Ok(r) if r.code == 220 => match c.ehlo().await {
                Ok(e) if e.is_positive() => return Ok(c),
                Ok(e) => {
                    let _ = c.quit().await;
                    return Err((smtp(&e), false));
                }
                Err(e) => return Err(err(&e)),
            },
            Ok(r) => {
                if policy == TlsPolicy::Required {
                    let _ = c.quit().await;
                    return Err((smtp(&r), false));
                }
                // STARTTLS refused: continue in clear text on this connection.
                return Ok(c);
            }
            Err(e) => {
                c.close().await;
                if policy == TlsPolicy::Required {
                    return Err(err(&e));
                }
                // A failed handshake leaves the connection unusable: reconnect without TLS,
                // as Postfix does with `smtp_tls_security_level = may`.
                tracing::debug!(server = %t.name(), "TLS failed ({e}); retrying in clear text");
                try_tls = false;
            }
        }
    }
}
