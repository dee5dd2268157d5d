//! HTTP API of the relay: message injection, queue operations and metrics, as one
//! [`axum::Router`] built by [`router`], so tests drive it with `tower::ServiceExt::oneshot`
//! and `mailway serve` serves it on a socket.
//!
//! # Routes
//!
//! | route | auth | what |
//! |---|---|---|
//! | `GET /api/v1/health` | none | `{"status":"ok"}` while the engine runs |
//! | `POST /api/v1/messages` | token | inject a message: envelope + raw RFC 5322 message; `202` with its queue id once the message is durable |
//! | `/api/v1/queue…` | token | queue inspection and operations ([`queue_api`]) |
//! | `GET /metrics` | none | Prometheus metrics ([`metrics`]) |
//!
//! Token auth: `Authorization: Bearer TOKEN` with a token from `[[api.tokens]]` (or the
//! generated `<spool>/api-token`). Every error is a JSON body
//! `{"error":{"code":"…","message":"…"}}` with a fitting status ([`ApiError`]).
//!
//! # Injecting a message
//!
//! As JSON (`Content-Type: application/json`):
//!
//! ```json
//! {"from": "app@example.org",
//!  "to": ["user@example.com", {"address": "boss@example.com", "notify": ["failure", "delay"]}],
//!  "message": "From: app@example.org\r\nTo: user@example.com\r\nSubject: hi\r\n\r\nhello\r\n",
//!  "ret": "hdrs", "envid": "order-42"}
//! ```
//!
//! `message_base64` may replace `message` for 8-bit content. Or as the raw message
//! (`Content-Type: message/rfc822`) with the envelope in the query string:
//! `POST /api/v1/messages?from=app@example.org&to=user@example.com&to=boss@example.com`.
//! Bare LF line ends are converted to CRLF; addresses obey the same rules as the SMTP
//! listener (no source routes, no `%`/`!` routing).

mod api;
mod auth;
mod error;

// Owned by the relay engine: queue inspection routes and Prometheus metrics.
pub mod metrics;
pub mod queue_api;

// Owned by the dashboard: `mailway monitor` (static page + /api/monitor/... JSON).
pub mod dashboard;
pub mod dashboard_sources;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use mailway_relay::Relay;

pub use error::ApiError;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The running engine.
    pub relay: Relay,
    /// Accepted API tokens (name, secret).
    pub tokens: Arc<Vec<(String, String)>>,
    /// Our host name, for `Received:` headers.
    pub hostname: String,
    /// Largest message accepted, in bytes.
    pub max_message_size: u64,
}

impl AppState {
    /// State for `relay` accepting the given `(name, token)` pairs.
    pub fn new(relay: Relay, tokens: Vec<(String, String)>) -> Self {
        let hostname = relay.options().hostname.clone();
        let max_message_size = relay.options().max_message_size;
        AppState {
            relay,
            tokens: Arc::new(tokens),
            hostname,
            max_message_size,
        }
    }
}

impl axum::extract::FromRef<AppState> for Relay {
    fn from_ref(state: &AppState) -> Relay {
        state.relay.clone()
    }
}

/// The whole HTTP API.
pub fn router(state: AppState) -> Router {
    // JSON carries the message base64-encoded or escaped: allow for the expansion
    let body_limit = (state.max_message_size as usize)
        .saturating_mul(2)
        .saturating_add(64 * 1024);
    let protected = Router::new()
        .route("/api/v1/messages", post(api::post_message))
        .merge(queue_api::routes())
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ));
    Router::new()
        .route("/api/v1/health", get(api::health))
        .merge(protected)
        .merge(metrics::routes())
        .fallback(api::not_found)
        .layer(axum::extract::DefaultBodyLimit::max(body_limit))
        .with_state(state)
}

/// Serves [`router`] on `listener` (with client addresses for `Received:` headers) until
/// `shutdown` completes; open requests are finished first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

#[cfg(test)]
mod tests;
