//! Handlers: health and message injection.

use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::{Extension, extract::OriginalUri};
use base64::Engine as _;
use mailway_relay::{BodyType, Envelope, Notify, Origin, Recipient, Ret};
use mailway_smtp::server::{
    ReversePath, format_rfc5322_date, parse_forward_path, parse_reverse_path,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::ApiClient;
use crate::{ApiError, AppState};

/// Most recipients per injected message (as the SMTP listener's default).
const MAX_RECIPIENTS: usize = 1000;

/// `GET /api/v1/health`.
pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// Unknown routes: a JSON 404 like every other error.
pub async fn not_found(OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no such API route: {}", uri.path()),
    )
}

/// A recipient in the JSON body: a plain address or an object with DSN parameters.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RcptSpec {
    Plain(String),
    Full(RcptObject),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RcptObject {
    address: String,
    #[serde(default)]
    notify: Option<Vec<String>>,
    #[serde(default)]
    orcpt: Option<String>,
}

/// The JSON body of `POST /api/v1/messages`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InjectRequest {
    from: String,
    to: Vec<RcptSpec>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    message_base64: Option<String>,
    #[serde(default)]
    ret: Option<String>,
    #[serde(default)]
    envid: Option<String>,
}

/// `POST /api/v1/messages`: answers `202 {"id": …}` once the message is durable.
pub async fn post_message(
    State(state): State<AppState>,
    Extension(client): Extension<ApiClient>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let req = match ctype.as_str() {
        "application/json" => serde_json::from_slice::<InjectRequest>(&body)
            .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))?,
        "message/rfc822" | "text/plain" | "application/octet-stream" => {
            raw_request(query.as_deref().unwrap_or(""), body.to_vec())?
        }
        "" => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "missing Content-Type: send application/json, or message/rfc822 with the envelope in the query string",
            ));
        }
        other => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!(
                    "Content-Type {other} is not supported: send application/json, or message/rfc822 with the envelope in the query string"
                ),
            ));
        }
    };
    let peer = peer.map(|Extension(ConnectInfo(a))| a);
    let (envelope, message) = validate(&state, &client, peer, req)?;
    let recipients = envelope.recipients.len();
    let id = state.relay.accept(envelope, message).await.map_err(|e| {
        tracing::warn!(error = %e, "API message not accepted");
        ApiError::from(e)
    })?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "id": id.to_string(), "recipients": recipients })),
    ))
}

/// The raw-message form: envelope from `?from=…&to=…&to=…[&ret=…&envid=…]`.
fn raw_request(query: &str, body: Vec<u8>) -> Result<InjectRequest, ApiError> {
    let mut from = None;
    let mut to = Vec::new();
    let mut ret = None;
    let mut envid = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let v = percent_decode(v)
            .ok_or_else(|| ApiError::bad_request(format!("bad percent-encoding in {k:?}")))?;
        match k {
            "from" => from = Some(v),
            "to" => to.extend(
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| RcptSpec::Plain(s.to_string())),
            ),
            "ret" => ret = Some(v),
            "envid" => envid = Some(v),
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown query parameter {other:?} (expected from, to, ret, envid)"
                )));
            }
        }
    }
    let from = from.ok_or_else(|| {
        ApiError::bad_request("missing query parameter from (use from= for the null sender)")
    })?;
    Ok(InjectRequest {
        from,
        to,
        message: None,
        message_base64: Some(base64::engine::general_purpose::STANDARD.encode(&body)),
        ret,
        envid,
    })
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn bad_address(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_address", message)
}

fn bad_message(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "bad_message", message)
}

/// Checks the request and builds the envelope and the message (CRLF line ends, our
/// `Received:` header prepended).
fn validate(
    state: &AppState,
    client: &ApiClient,
    peer: Option<SocketAddr>,
    req: InjectRequest,
) -> Result<(Envelope, Vec<u8>), ApiError> {
    let sender = if req.from.is_empty() || req.from == "<>" {
        String::new()
    } else {
        match parse_reverse_path(&format!("<{}>", req.from), true) {
            Ok((ReversePath::Mailbox(m), "")) => m.to_string(),
            Ok(_) => return Err(bad_address(format!("from {:?}: not one address", req.from))),
            Err(e) => return Err(bad_address(format!("from {:?}: {e}", req.from))),
        }
    };
    if req.to.is_empty() {
        return Err(bad_address("to: at least one recipient is needed".into()));
    }
    if req.to.len() > MAX_RECIPIENTS {
        return Err(bad_address(format!(
            "to: {} recipients, at most {MAX_RECIPIENTS} per message",
            req.to.len()
        )));
    }
    let mut recipients: Vec<Recipient> = Vec::with_capacity(req.to.len());
    let mut utf8 = !sender.is_ascii();
    for (i, spec) in req.to.into_iter().enumerate() {
        let (address, notify, orcpt) = match spec {
            RcptSpec::Plain(a) => (a, None, None),
            RcptSpec::Full(o) => (o.address, o.notify, o.orcpt),
        };
        let mailbox = match parse_forward_path(&format!("<{address}>"), true) {
            Ok((m, "")) => m,
            Ok(_) => return Err(bad_address(format!("to[{i}] {address:?}: not one address"))),
            Err(e) => return Err(bad_address(format!("to[{i}] {address:?}: {e}"))),
        };
        utf8 |= mailbox.is_utf8();
        let notify = match notify {
            None => None,
            Some(list) => Some(parse_notify(&list).ok_or_else(|| {
                bad_address(format!(
                    "to[{i}].notify: use [\"never\"] or any of \"success\", \"failure\", \"delay\""
                ))
            })?),
        };
        let orcpt = match orcpt {
            None => None,
            Some(o) if o.trim().is_empty() => None,
            Some(o) if o.contains(';') => Some(o),
            Some(o) => Some(format!("rfc822;{o}")),
        };
        let address = mailbox.to_string();
        if recipients
            .iter()
            .any(|r| r.address.eq_ignore_ascii_case(&address))
        {
            continue;
        }
        recipients.push(Recipient {
            address,
            notify,
            orcpt,
        });
    }
    let ret = match req.ret.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("") => None,
        Some("full") => Some(Ret::Full),
        Some("hdrs") | Some("headers") => Some(Ret::Hdrs),
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "ret {other:?}: use \"full\" or \"hdrs\""
            )));
        }
    };
    if let Some(e) = &req.envid
        && (e.is_empty() || e.len() > 100 || e.chars().any(|c| c.is_control()))
    {
        return Err(ApiError::bad_request(
            "envid: 1 to 100 printable characters",
        ));
    }
    let raw = match (req.message, req.message_base64) {
        (Some(m), None) => m.into_bytes(),
        (None, Some(b)) => base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .map_err(|e| bad_message(format!("message_base64: not valid base64: {e}")))?,
        (Some(_), Some(_)) => {
            return Err(bad_message(
                "give either message or message_base64, not both",
            ));
        }
        (None, None) => return Err(bad_message("missing message (or message_base64)")),
    };
    let message = normalize_message(&raw)?;
    if message.len() as u64 > state.max_message_size {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!(
                "message is {} bytes; the limit is {} bytes",
                message.len(),
                state.max_message_size
            ),
        ));
    }
    let eight_bit = message.iter().any(|&b| b >= 0x80);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let from_ip = peer
        .map(|p| format!("[{}]", p.ip().to_canonical()))
        .unwrap_or_else(|| "[unknown]".into());
    let received = format!(
        "Received: from api-client {from_ip}\r\n\tby {} (mailway) with HTTP\r\n\t(token {}); {}\r\n",
        state.hostname.replace(['\r', '\n', '(', ')'], "_"),
        client.name.replace(['\r', '\n', '(', ')'], "_"),
        format_rfc5322_date(now)
    );
    let mut data = Vec::with_capacity(received.len() + message.len());
    data.extend_from_slice(received.as_bytes());
    data.extend_from_slice(&message);
    let envelope = Envelope {
        sender,
        ret,
        envid: req.envid,
        size: None,
        body: eight_bit.then_some(BodyType::EightBitMime),
        smtputf8: utf8,
        recipients,
        origin: Origin {
            protocol: "HTTP".into(),
            client: peer.map(|p| p.to_string()),
            helo: None,
            auth: Some(client.name.clone()),
        },
    };
    Ok((envelope, data))
}

fn parse_notify(list: &[String]) -> Option<Notify> {
    let mut n = Notify {
        success: false,
        failure: false,
        delay: false,
    };
    let mut never = false;
    for item in list {
        match item.to_ascii_lowercase().as_str() {
            "never" => never = true,
            "success" => n.success = true,
            "failure" => n.failure = true,
            "delay" => n.delay = true,
            _ => return None,
        }
    }
    if list.is_empty() || (never && (n.success || n.failure || n.delay)) {
        return None;
    }
    Some(n)
}

/// Checks that the message starts with a header section and converts line ends to CRLF.
fn normalize_message(raw: &[u8]) -> Result<Vec<u8>, ApiError> {
    if raw.is_empty() {
        return Err(bad_message("the message is empty"));
    }
    if raw.contains(&0) {
        return Err(bad_message("the message contains NUL bytes"));
    }
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 40 + 2);
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'\r' if raw.get(i + 1) == Some(&b'\n') => {
                out.extend_from_slice(b"\r\n");
                i += 2;
            }
            b'\r' | b'\n' => {
                out.extend_from_slice(b"\r\n");
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    if !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    // the first line must be a header field: `Name: value` (RFC 5322 section 2.2)
    let first = out.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let colon = first.iter().position(|&b| b == b':');
    let valid = colon.is_some_and(|c| {
        c > 0
            && first[..c]
                .iter()
                .all(|&b| (33..=126).contains(&b) && b != b':')
    });
    if !valid {
        return Err(bad_message(
            "the message must start with RFC 5322 header fields (e.g. \"From: …\"), then a blank line and the body",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    #[test]
    fn normalizes_line_ends() {
        assert_eq!(
            normalize_message(b"Subject: a\nX: b\r\n\nbody\rmore").unwrap(),
            b"Subject: a\r\nX: b\r\n\r\nbody\r\nmore\r\n"
        );
        assert!(normalize_message(b"").is_err());
        assert!(normalize_message(b"no header here\n\nbody").is_err());
        assert!(normalize_message(b": empty name\n").is_err());
        assert!(normalize_message(b"Subject: a\0b\n").is_err());
    }

    #[test]
    fn notify_lists() {
        assert_eq!(
            parse_notify(&["never".into()]),
            Some(Notify {
                success: false,
                failure: false,
                delay: false
            })
        );
        assert!(parse_notify(&["never".into(), "delay".into()]).is_none());
        assert!(parse_notify(&[]).is_none());
        assert!(parse_notify(&["sometimes".into()]).is_none());
        assert_eq!(
            parse_notify(&["FAILURE".into()]).map(|n| n.failure),
            Some(true)
        );
    }

    #[test]
    fn query_decoding() {
        assert_eq!(
            percent_decode("a%40b.example").as_deref(),
            Some("a@b.example")
        );
        assert_eq!(percent_decode("a+b").as_deref(), Some("a b"));
        assert_eq!(percent_decode("%4"), None);
        let r = raw_request(
            "from=a%40b.example&to=c@d.example,e@f.example&to=g@h.example",
            b"X: y\n".to_vec(),
        )
        .unwrap();
        assert_eq!(r.from, "a@b.example");
        assert_eq!(r.to.len(), 3);
        assert!(raw_request("to=c@d.example", Vec::new()).is_err());
        assert!(raw_request("from=&bogus=1", Vec::new()).is_err());
    }
}
