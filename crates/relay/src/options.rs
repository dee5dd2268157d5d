//! Engine settings: spool, retry policy, DSN timing, SMTP timeouts, concurrency, routes.
//!
//! Every struct here deserializes from TOML/JSON with unknown keys rejected and every field
//! optional (missing fields take the documented default), so the daemon's config file can
//! embed them as sections. Durations are written the `humantime` way: `"30s"`, `"5m"`, `"4h"`,
//! `"5d"`, `"1h 30m"`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// All settings of the relay engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineOptions {
    /// Spool directory (created when missing). Default `./mailway-spool`.
    pub spool: PathBuf,
    /// Our host name: sent in EHLO, written in `Received:` and as the DSN `Reporting-MTA`.
    /// Default: the system host name.
    pub hostname: String,
    /// Largest message accepted, in bytes (`SIZE` advertised by the listener). Default
    /// 10240000, as Postfix's `message_size_limit`.
    pub max_message_size: u64,
    /// Refuse new mail (452 4.3.1) once the spool holds this many bytes of content. Default: no
    /// limit besides the disk itself.
    pub spool_max_bytes: Option<u64>,
    /// fsync spool writes. Default `true`; `false` trades durability for speed (tests only).
    pub fsync: bool,
    /// JSON Lines event log (see docs/event-log.md). Default `<spool>/events.jsonl`; the
    /// string `"off"` disables it.
    pub event_log: Option<PathBuf>,
    /// Retry schedule and queue lifetime.
    pub retry: RetryPolicy,
    /// Delivery status notifications.
    pub dsn: DsnOptions,
    /// SMTP client timeouts per phase (RFC 5321 section 4.5.3.2).
    pub timeouts: Timeouts,
    /// Per-destination concurrency (Postfix's feedback model) and rate limits.
    pub concurrency: ConcurrencyOptions,
    /// How to connect to the next hop.
    pub delivery: DeliveryOptions,
    /// Route map: recipient domain → `host:port` (the MX lookup is skipped). The key `"*"`
    /// routes every other domain (a smarthost). A host name is resolved with A/AAAA; an IPv6
    /// address is written `[::1]:25`.
    pub routes: BTreeMap<String, Route>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        Self {
            spool: PathBuf::from("./mailway-spool"),
            hostname: system_hostname(),
            max_message_size: 10_240_000,
            spool_max_bytes: None,
            fsync: true,
            event_log: None,
            retry: RetryPolicy::default(),
            dsn: DsnOptions::default(),
            timeouts: Timeouts::default(),
            concurrency: ConcurrencyOptions::default(),
            delivery: DeliveryOptions::default(),
            routes: BTreeMap::new(),
        }
    }
}

impl EngineOptions {
    /// The event log path in effect (`None` when disabled).
    pub fn event_log_path(&self) -> Option<PathBuf> {
        match &self.event_log {
            Some(p) if p.as_os_str() == "off" => None,
            Some(p) => Some(p.clone()),
            None => Some(self.spool.join("events.jsonl")),
        }
    }

    /// Checks values that would make the engine misbehave; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        let r = &self.retry;
        if r.initial.is_zero() {
            return Err("retry.initial must be greater than zero".into());
        }
        if r.max_interval < r.initial {
            return Err("retry.max_interval must be at least retry.initial".into());
        }
        if !(r.multiplier >= 1.0 && r.multiplier.is_finite()) {
            return Err("retry.multiplier must be a number >= 1".into());
        }
        if !(0.0..1.0).contains(&r.jitter) {
            return Err("retry.jitter must be in [0, 1)".into());
        }
        if r.lifetime.is_zero() {
            return Err("retry.lifetime must be greater than zero".into());
        }
        let c = &self.concurrency;
        if c.destination_limit == 0 || c.initial == 0 || c.total_limit == 0 {
            return Err("concurrency limits must be at least 1".into());
        }
        if self.hostname.trim().is_empty() {
            return Err("hostname must not be empty".into());
        }
        Ok(())
    }
}

/// The retry schedule (exponential backoff with jitter and a maximum interval) and the queue
/// lifetime. The arithmetic lives in [`crate::policy`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetryPolicy {
    /// Wait after the first failed attempt. Default `5m` (Postfix `minimal_backoff_time`).
    #[serde(with = "duration_serde")]
    pub initial: Duration,
    /// Each further wait is the previous one times this. Default `2`.
    pub multiplier: f64,
    /// Longest wait between two attempts. Default `4000s` (Postfix `maximal_backoff_time`).
    #[serde(with = "duration_serde")]
    pub max_interval: Duration,
    /// Spread each wait by ± this fraction (0 ≤ jitter < 1), deterministic per message so it
    /// can be tested. Default `0.1`.
    pub jitter: f64,
    /// How long a message may stay in the queue: the last attempt is made exactly at arrival +
    /// lifetime, and a message still undelivered then fails with 5.4.7. Default `5d` (Postfix
    /// `maximal_queue_lifetime`).
    #[serde(with = "duration_serde")]
    pub lifetime: Duration,
    /// Lifetime of our own DSNs (null sender). Default `5d` (Postfix `bounce_queue_lifetime`).
    #[serde(with = "duration_serde")]
    pub bounce_lifetime: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(300),
            multiplier: 2.0,
            max_interval: Duration::from_secs(4000),
            jitter: 0.1,
            lifetime: Duration::from_secs(5 * 86400),
            bounce_lifetime: Duration::from_secs(5 * 86400),
        }
    }
}

/// Delivery status notifications (RFC 3464) the relay sends to senders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DsnOptions {
    /// Send a delay warning (`Action: delayed`, `Status: 4.4.7`) once a message has waited this
    /// long (only for recipients whose NOTIFY allows it). `0s` disables warnings. Default `4h`.
    #[serde(with = "duration_serde")]
    pub delay_warning: Duration,
    /// With no `RET=`, return the full message in a failure DSN when it is at most this many
    /// bytes, else only its headers. Default 50000 (Postfix `bounce_size_limit`).
    pub return_full_limit: u64,
}

impl Default for DsnOptions {
    fn default() -> Self {
        Self {
            delay_warning: Duration::from_secs(4 * 3600),
            return_full_limit: 50_000,
        }
    }
}

/// SMTP client timeouts per phase. Defaults are RFC 5321 section 4.5.3.2's minimums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Timeouts {
    /// TCP connect. Default `30s` (Postfix `smtp_connect_timeout`).
    #[serde(with = "duration_serde")]
    pub connect: Duration,
    /// Waiting for the 220 greeting ("initial 220 message"). Default `5m`.
    #[serde(with = "duration_serde")]
    pub greeting: Duration,
    /// EHLO/HELO reply. Default `5m`.
    #[serde(with = "duration_serde")]
    pub ehlo: Duration,
    /// STARTTLS reply and TLS handshake. Default `5m`.
    #[serde(with = "duration_serde")]
    pub starttls: Duration,
    /// MAIL FROM reply. Default `5m`.
    #[serde(with = "duration_serde")]
    pub mail: Duration,
    /// RCPT TO reply, each. Default `5m`.
    #[serde(with = "duration_serde")]
    pub rcpt: Duration,
    /// DATA initiation (the 354). Default `2m`.
    #[serde(with = "duration_serde")]
    pub data_init: Duration,
    /// Each block of data sent. Default `3m`.
    #[serde(with = "duration_serde")]
    pub data_block: Duration,
    /// DATA termination (the reply to the final dot). Default `10m`.
    #[serde(with = "duration_serde")]
    pub data_term: Duration,
    /// RSET and QUIT replies. Default `5m`.
    #[serde(with = "duration_serde")]
    pub rset_quit: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        let m = |n: u64| Duration::from_secs(n * 60);
        Self {
            connect: Duration::from_secs(30),
            greeting: m(5),
            ehlo: m(5),
            starttls: m(5),
            mail: m(5),
            rcpt: m(5),
            data_init: m(2),
            data_block: m(3),
            data_term: m(10),
            rset_quit: m(5),
        }
    }
}

/// Per-destination concurrency and rate limits (Postfix's destination concurrency feedback:
/// start at `initial` connections, add 1/window per success up to `destination_limit`, remove
/// 1/window per connection-level failure, the first one at once; after `failed_cohort_limit`
/// failed cohorts without a success the destination is "dead" and its mail waits
/// `dead_backoff`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConcurrencyOptions {
    /// Connections opened at first to a new destination (slow start). Default 5 (Postfix
    /// `initial_destination_concurrency`).
    pub initial: u32,
    /// Most parallel connections to one destination. Default 20 (Postfix
    /// `default_destination_concurrency_limit`).
    pub destination_limit: u32,
    /// Most parallel connections overall. Default 100 (Postfix `default_process_limit`).
    pub total_limit: u32,
    /// Failed cohorts (a window's worth of consecutive connection failures) before a
    /// destination is declared dead. `0` never declares it dead. Default 1 (Postfix `destination_concurrency_failed_cohort_limit`).
    pub failed_cohort_limit: u32,
    /// How long a dead destination's mail waits before it is tried again. Default `5m`.
    #[serde(with = "duration_serde")]
    pub dead_backoff: Duration,
    /// Pause between two deliveries to the same destination (Postfix
    /// `default_destination_rate_delay`); non-zero means one connection at a time. Default `0s`.
    #[serde(with = "duration_serde")]
    pub rate_delay: Duration,
    /// Messages sent over one connection before it is closed (connection reuse). Default 100.
    pub messages_per_connection: u32,
    /// How long an idle connection waits for more mail for its destination. Default `2s`.
    #[serde(with = "duration_serde")]
    pub idle_timeout: Duration,
}

impl Default for ConcurrencyOptions {
    fn default() -> Self {
        Self {
            initial: 5,
            destination_limit: 20,
            total_limit: 100,
            failed_cohort_limit: 1,
            dead_backoff: Duration::from_secs(300),
            rate_delay: Duration::ZERO,
            messages_per_connection: 100,
            idle_timeout: Duration::from_secs(2),
        }
    }
}

/// How the relay connects to next hops.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryOptions {
    /// TCP port of MX hosts. Default 25.
    pub port: u16,
    /// STARTTLS use. Default `opportunistic`.
    pub starttls: TlsPolicy,
    /// Address families to connect over. Default `both` (IPv6 first, then IPv4, per MX).
    pub ip_version: IpVersion,
    /// Most MX hosts tried in one attempt. Default 5 (Postfix `smtp_mx_address_limit` spirit).
    pub max_mx_hosts: u32,
    /// Most addresses tried in one attempt over all MX hosts. Default 10.
    pub max_addresses: u32,
    /// Most recipients in one SMTP transaction. Default 50 (Postfix
    /// `smtp_destination_recipient_limit`).
    pub max_recipients_per_transaction: u32,
    /// DNS servers (`ip:port`) used for MX/A/AAAA; empty means the system resolver.
    pub dns_servers: Vec<String>,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        Self {
            port: 25,
            starttls: TlsPolicy::Opportunistic,
            ip_version: IpVersion::Both,
            max_mx_hosts: 5,
            max_addresses: 10,
            max_recipients_per_transaction: 50,
            dns_servers: Vec::new(),
        }
    }
}

/// STARTTLS policy toward next hops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsPolicy {
    /// Never use STARTTLS.
    Disabled,
    /// Use it when offered, without verifying the certificate (Postfix `may`); fall back to
    /// plain text if the handshake fails.
    Opportunistic,
    /// Refuse to deliver without STARTTLS (the attempt fails temporarily).
    Required,
}

/// Which address families to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IpVersion {
    /// IPv6 and IPv4 (IPv6 first for each host).
    Both,
    /// IPv4 only.
    Ipv4,
    /// IPv6 only.
    Ipv6,
}

/// A route map target: `host:port` (host is a name, an IPv4 address or `[IPv6]`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Route {
    /// Host name or IP address literal (without brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl FromStr for Route {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (h, p) = rest
                .split_once("]:")
                .ok_or_else(|| format!("route {s:?}: expected [IPv6]:PORT"))?;
            (h.to_string(), p)
        } else {
            let (h, p) = s
                .rsplit_once(':')
                .ok_or_else(|| format!("route {s:?}: expected HOST:PORT"))?;
            if h.contains(':') {
                return Err(format!("route {s:?}: write IPv6 addresses as [ADDR]:PORT"));
            }
            (h.to_string(), p)
        };
        if host.is_empty() {
            return Err(format!("route {s:?}: empty host"));
        }
        let port: u16 = port
            .parse()
            .map_err(|_| format!("route {s:?}: bad port {port:?}"))?;
        if port == 0 {
            return Err(format!("route {s:?}: port 0"));
        }
        Ok(Route { host, port })
    }
}

impl Serialize for Route {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Route {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// Parses `DOMAIN=HOST:PORT` (the `--route` flag).
pub fn parse_route_flag(s: &str) -> Result<(String, Route), String> {
    let (d, r) = s
        .split_once('=')
        .ok_or_else(|| format!("route {s:?}: expected DOMAIN=HOST:PORT"))?;
    let d = d.trim().trim_end_matches('.').to_ascii_lowercase();
    if d.is_empty() {
        return Err(format!("route {s:?}: empty domain"));
    }
    Ok((d, r.parse()?))
}

/// Durations as humantime strings (`"5m"`, `"4h"`, `"5d"`) in serde.
pub mod duration_serde {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    /// serde serialize.
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&humantime::format_duration(*d))
    }

    /// serde deserialize.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let s = String::deserialize(d)?;
        humantime::parse_duration(s.trim())
            .map_err(|e| serde::de::Error::custom(format!("bad duration {s:?}: {e}")))
    }
}

/// The system host name (`/proc/sys/kernel/hostname`, `/etc/hostname`), else `localhost`.
pub fn system_hostname() -> String {
    for p in ["/proc/sys/kernel/hostname", "/etc/hostname"] {
        if let Ok(s) = std::fs::read_to_string(p) {
            let s = s.trim();
            if !s.is_empty() {
                return s.to_string();
            }
        }
    }
    "localhost".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_parse() {
        assert_eq!(
            "127.0.40.1:2525".parse::<Route>().unwrap(),
            Route {
                host: "127.0.40.1".into(),
                port: 2525
            }
        );
        let r: Route = "[::1]:25".parse().unwrap();
        assert_eq!(r.host, "::1");
        assert_eq!(r.to_string(), "[::1]:25");
        assert!("::1:25".parse::<Route>().is_err());
        assert!("host".parse::<Route>().is_err());
        assert!("host:0".parse::<Route>().is_err());
        let (d, r) = parse_route_flag("Example.COM.=mx.test:2525").unwrap();
        assert_eq!(d, "example.com");
        assert_eq!(r.port, 2525);
    }

    #[test]
    fn unknown_keys_rejected_and_defaults_filled() {
        let o: EngineOptions = serde_json::from_str(
            r#"{"retry":{"lifetime":"2d"},"routes":{"example.com":"127.0.0.1:2525"}}"#,
        )
        .unwrap();
        assert_eq!(o.retry.lifetime, Duration::from_secs(2 * 86400));
        assert_eq!(o.retry.initial, Duration::from_secs(300));
        assert_eq!(o.routes["example.com"].port, 2525);
        assert!(serde_json::from_str::<EngineOptions>(r#"{"retry":{"lifetim":"2d"}}"#).is_err());
        assert!(serde_json::from_str::<EngineOptions>(r#"{"retyr":{}}"#).is_err());
        assert!(o.validate().is_ok());
        let mut bad = o.clone();
        bad.retry.max_interval = Duration::from_secs(1);
        assert!(bad.validate().unwrap_err().contains("max_interval"));
    }
}
