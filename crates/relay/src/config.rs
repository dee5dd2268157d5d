//! The daemon's configuration file (`mailway serve --config FILE`), TOML.
//!
//! Three tables: `[smtp]` (the SMTP listener: addresses, relay control, TLS, users, limits),
//! `[api]` (the HTTP injection and queue API: address, tokens) and `[relay]` (the engine:
//! [`EngineOptions`] — spool, retry schedule, DSNs, client timeouts, concurrency, delivery,
//! routes). Every field is optional and documented; missing fields take the defaults below,
//! which are also what `mailway serve` runs with when given no file at all. Unknown keys are
//! rejected (a typo is an error, not a silently ignored setting). `examples/mailway.toml` lists
//! every field with its default.
//!
//! ```
//! use mailway_relay::config::Config;
//!
//! let c = Config::from_toml_str(r#"
//!     [smtp]
//!     listen = ["127.0.0.1:2525"]
//!     relay_networks = ["127.0.0.0/8", "192.0.2.0/24"]
//!     [relay.routes]
//!     "example.com" = "127.0.0.1:2526"
//! "#, "inline").unwrap();
//! assert_eq!(c.smtp.relay_networks.len(), 2);
//! assert!(Config::from_toml_str("[smtp]\nlisen = []", "inline").is_err());
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mailway_smtp::server::IpNet;
use serde::{Deserialize, Serialize};

use crate::{EngineOptions, duration_serde};

/// The whole configuration file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The SMTP listener (submission and relay from trusted clients).
    pub smtp: SmtpConfig,
    /// The HTTP API (message injection, queue operations, `/metrics`).
    pub api: ApiConfig,
    /// The relay engine: spool, retry schedule, DSNs, client timeouts, concurrency, delivery,
    /// routes (see [`EngineOptions`]).
    pub relay: EngineOptions,
}

/// `[smtp]`: the SMTP listener.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    /// Addresses to listen on. Default `["127.0.0.1:2525"]`; an empty list disables SMTP.
    pub listen: Vec<SocketAddr>,
    /// Clients in these networks may relay to any domain without authentication. Default
    /// `["127.0.0.0/8", "::1/128"]`. Never put `0.0.0.0/0` here on a public address: that is
    /// an open relay.
    pub relay_networks: Vec<IpNet>,
    /// Mail *for* these domains is accepted from anyone and relayed onward (like Postfix's
    /// `relay_domains`, for a backup MX or a gateway). `.example.com` also matches every
    /// subdomain. Default: none.
    pub relay_domains: Vec<String>,
    /// Most recipients per message; more get `452 4.5.3` (clients send them in another
    /// transaction). Default 1000.
    pub max_recipients: usize,
    /// Errors tolerated in one session before it is closed with `421 4.7.0`. Default 20.
    pub max_errors: u32,
    /// Most simultaneous SMTP connections; more are answered `421 4.7.0` and closed. Default
    /// 200.
    pub max_connections: usize,
    /// Longest wait for the next command. Default `5m` (RFC 5321 section 4.5.3.2.7).
    #[serde(with = "duration_serde")]
    pub command_timeout: Duration,
    /// Longest wait for the next chunk of message data during DATA (a client that stalls
    /// mid-message gets `421 4.4.2` and nothing is queued). Default `3m`.
    #[serde(with = "duration_serde")]
    pub data_timeout: Duration,
    /// STARTTLS.
    pub tls: SmtpTlsConfig,
    /// Users allowed to authenticate (AUTH PLAIN / LOGIN, offered only over TLS or to loopback
    /// clients). Authenticated users may relay to any domain. Default: none (AUTH not offered).
    pub users: Vec<SmtpUser>,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            listen: vec![SocketAddr::from(([127, 0, 0, 1], 2525))],
            relay_networks: IpNet::loopback(),
            relay_domains: Vec::new(),
            max_recipients: 1000,
            max_errors: 20,
            max_connections: 200,
            command_timeout: Duration::from_secs(300),
            data_timeout: Duration::from_secs(180),
            tls: SmtpTlsConfig::default(),
            users: Vec::new(),
        }
    }
}

/// `[smtp.tls]`: STARTTLS on the listener.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpTlsConfig {
    /// Offer STARTTLS. Default `true`.
    pub enabled: bool,
    /// PEM certificate chain. Default: none, and then a self-signed certificate for the
    /// relay's host name is generated on first start and kept in the spool directory
    /// (`tls-selfsigned-cert.pem`, `tls-selfsigned-key.pem`).
    pub cert: Option<PathBuf>,
    /// PEM private key for `cert` (both or neither must be set).
    pub key: Option<PathBuf>,
}

impl Default for SmtpTlsConfig {
    fn default() -> Self {
        SmtpTlsConfig {
            enabled: true,
            cert: None,
            key: None,
        }
    }
}

/// `[[smtp.users]]`: one SMTP AUTH user.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpUser {
    /// User name (the SASL authentication identity).
    pub name: String,
    /// Password, in clear: keep the configuration file readable by the mailway user only.
    pub password: String,
}

impl std::fmt::Debug for SmtpUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpUser")
            .field("name", &self.name)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// `[api]`: the HTTP API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    /// Address of the HTTP API (`POST /api/v1/messages`, the queue API, `/metrics`). Default
    /// `127.0.0.1:8025`; the string `"off"` disables the API.
    #[serde(with = "optional_addr")]
    pub listen: Option<SocketAddr>,
    /// Bearer tokens accepted by the API (`Authorization: Bearer TOKEN`). Default: none, and
    /// then a random token is generated on first start and kept in `<spool>/api-token`
    /// (mode 0600); its path is printed at startup.
    pub tokens: Vec<ApiToken>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            listen: Some(SocketAddr::from(([127, 0, 0, 1], 8025))),
            tokens: Vec::new(),
        }
    }
}

/// `[[api.tokens]]`: one API client.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiToken {
    /// A name for the client, recorded as the message's origin in the queue and event log.
    pub name: String,
    /// The secret (at least 16 characters).
    pub token: String,
}

impl std::fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiToken")
            .field("name", &self.name)
            .field("token", &"<redacted>")
            .finish()
    }
}

/// Why a configuration could not be used. Messages name the file and the problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// TOML syntax error, unknown key or wrong type (the message has line and column).
    #[error("invalid configuration {origin}: {message}")]
    Parse {
        /// File name or description of the source.
        origin: String,
        /// toml's message, with the offending line.
        message: String,
    },
    /// A value is out of range or inconsistent (the message names the field).
    #[error("invalid configuration {origin}: {message}")]
    Invalid {
        /// File name or description of the source.
        origin: String,
        /// What is wrong, naming the field.
        message: String,
    },
}

impl Config {
    /// Reads and validates a configuration file.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_path_buf(),
            source: e,
        })?;
        Config::from_toml_str(&text, &path.display().to_string())
    }

    /// Parses and validates configuration text; `origin` names it in errors.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| ConfigError::Parse {
            origin: origin.to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        config.validate().map_err(|message| ConfigError::Invalid {
            origin: origin.to_string(),
            message,
        })?;
        Ok(config)
    }

    /// The configuration as TOML (secrets included: it is what would be loaded).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot serialize: {e}\n"))
    }

    /// Checks values serde cannot: consistency, ranges. The message names the field.
    pub fn validate(&self) -> Result<(), String> {
        self.relay.validate().map_err(|e| format!("[relay] {e}"))?;
        let s = &self.smtp;
        if s.max_recipients == 0 {
            return Err("smtp.max_recipients must be at least 1".into());
        }
        if s.max_errors == 0 {
            return Err("smtp.max_errors must be at least 1".into());
        }
        if s.max_connections == 0 {
            return Err("smtp.max_connections must be at least 1".into());
        }
        if s.command_timeout.is_zero() || s.data_timeout.is_zero() {
            return Err("smtp.command_timeout and smtp.data_timeout must be greater than 0".into());
        }
        for d in &s.relay_domains {
            let bare = d.strip_prefix('.').unwrap_or(d);
            if bare.is_empty() || bare.contains(['@', ' ', '/', ':']) {
                return Err(format!(
                    "smtp.relay_domains: {d:?} is not a domain (write example.com or .example.com)"
                ));
            }
        }
        if s.tls.cert.is_some() != s.tls.key.is_some() {
            return Err("smtp.tls.cert and smtp.tls.key must be set together".into());
        }
        let mut names = std::collections::HashSet::new();
        for u in &s.users {
            if u.name.is_empty() || u.password.is_empty() {
                return Err("smtp.users: name and password must not be empty".into());
            }
            if !names.insert(&u.name) {
                return Err(format!("smtp.users: user {:?} is listed twice", u.name));
            }
        }
        let mut names = std::collections::HashSet::new();
        for t in &self.api.tokens {
            if t.name.is_empty() {
                return Err("api.tokens: every token needs a name".into());
            }
            if t.token.chars().count() < 16 {
                return Err(format!(
                    "api.tokens: token {:?} is shorter than 16 characters",
                    t.name
                ));
            }
            if !names.insert(&t.name) {
                return Err(format!("api.tokens: name {:?} is listed twice", t.name));
            }
        }
        if let Some(api) = self.api.listen
            && s.listen.contains(&api)
        {
            return Err(format!(
                "api.listen and smtp.listen both use {api}; give them different ports"
            ));
        }
        Ok(())
    }
}

/// `Option<SocketAddr>` as `"ADDR:PORT"` or `"off"`.
mod optional_addr {
    use std::net::SocketAddr;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<SocketAddr>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(a) => s.collect_str(a),
            None => s.serialize_str("off"),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SocketAddr>, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim() == "off" {
            return Ok(None);
        }
        s.trim().parse().map(Some).map_err(|_| {
            serde::de::Error::custom(format!("bad address {s:?}: expected ADDR:PORT or \"off\""))
        })
    }
}

/// Reads the API token file in `dir` (`api-token`), creating it with a random token (mode
/// 0600) when missing. Returns the token and the file's path.
pub fn ensure_api_token(dir: &Path) -> std::io::Result<(String, PathBuf)> {
    let path = dir.join("api-token");
    match std::fs::read_to_string(&path) {
        Ok(t) if t.trim().len() >= 16 => return Ok((t.trim().to_string(), path)),
        Ok(_) => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{} holds no usable token (16+ characters)", path.display()),
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    std::fs::create_dir_all(dir)?;
    let mut raw = [0u8; 24];
    {
        use std::io::Read as _;
        std::fs::File::open("/dev/urandom")?.read_exact(&mut raw)?;
    }
    let token: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    let tmp = dir.join("api-token.tmp");
    {
        use std::io::Write as _;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        writeln!(f, "{token}")?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, &path)?;
    Ok((token, path))
}

#[cfg(test)]
mod tests;
