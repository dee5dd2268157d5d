//! Queue inspection and actions over HTTP (what `mailway queue` uses against a running daemon).
//!
//! | route | what |
//! |---|---|
//! | `GET /api/v1/queue[?state=deferred&domain=example.com&limit=100]` | `{"messages":[MessageSummary…]}`, oldest first |
//! | `GET /api/v1/queue/destinations` | `{"destinations":[DestinationStatus…]}` (concurrency windows, dead destinations) |
//! | `GET /api/v1/queue/{id}` | `MessageDetail`: record, per-recipient state and last replies, headers |
//! | `GET /api/v1/queue/{id}/why` | `WhyReport`: plain-words explanation, classification, next attempt, expiry |
//! | `POST /api/v1/queue/{id}/retry` | schedule now: `{"retried":1}` |
//! | `POST /api/v1/queue/retry` | schedule every deferred message now: `{"retried":N}` |
//! | `POST /api/v1/queue/{id}/bounce` | fail the undelivered recipients now (5.0.0) and send the DSN: `{"bounced":"ID"}` |
//! | `DELETE /api/v1/queue/{id}` | remove without notice: `{"deleted":"ID"}` |
//!
//! Errors are `{"error":{"code":"…","message":"…"}}` with 400 (bad id or query), 404 (no such
//! message), 500 (spool error) or 503 (shutting down). The router is generic over the
//! application state: any state from which a [`Relay`] can be taken (`FromRef`).

use axum::Json;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRef, FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use mailway_relay::{ListFilter, ParseQueueIdError, QueueError, QueueId, RcptState, Relay};
use mailway_status::explain::Lang;
use serde::Deserialize;
use serde_json::json;

/// The queue routes, to be merged into the application router (behind its token auth).
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Relay: FromRef<S>,
{
    Router::new()
        .route("/api/v1/queue", get(list))
        .route("/api/v1/queue/destinations", get(destinations))
        .route("/api/v1/queue/retry", post(retry_all))
        .route("/api/v1/queue/{id}", get(show).delete(delete))
        .route("/api/v1/queue/{id}/why", get(why))
        .route("/api/v1/queue/{id}/retry", post(retry))
        .route("/api/v1/queue/{id}/bounce", post(bounce))
}

fn error(status: StatusCode, code: &str, message: String) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

fn bad_query(message: String) -> Response {
    error(StatusCode::BAD_REQUEST, "bad_query", message)
}

fn queue_error(e: QueueError) -> Response {
    let status = StatusCode::from_u16(e.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let code = match &e {
        QueueError::NotFound(_) => "not_found",
        QueueError::ShuttingDown => "shutting_down",
        _ => "spool_error",
    };
    error(status, code, e.to_string())
}

/// The answer to a queue operation: its value as JSON, or the error.
fn respond<T: serde::Serialize>(r: Result<T, QueueError>) -> Response {
    match r {
        Ok(v) => Json(v).into_response(),
        Err(e) => queue_error(e),
    }
}

/// The queue id of the path (`/api/v1/queue/{id}…`); a malformed one is answered with 400
/// `bad_id` before the handler runs.
struct IdPath(QueueId);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        id.parse()
            .map(IdPath)
            .map_err(|e: ParseQueueIdError| error(StatusCode::BAD_REQUEST, "bad_id", e.to_string()))
    }
}

/// Query of `GET /api/v1/queue`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    state: Option<String>,
    domain: Option<String>,
    limit: Option<usize>,
}

async fn list(State(relay): State<Relay>, q: Result<Query<ListQuery>, QueryRejection>) -> Response {
    let Query(q) = match q {
        Ok(q) => q,
        Err(e) => return bad_query(e.body_text()),
    };
    let state = match q.state.as_deref() {
        None | Some("") => None,
        Some(s) => match serde_json::from_value::<RcptState>(json!(s.to_ascii_lowercase())) {
            Ok(s) => Some(s),
            Err(_) => {
                return bad_query(format!(
                    "state must be pending, deferred, delivered or failed, not {s:?}"
                ));
            }
        },
    };
    let filter = ListFilter {
        state,
        domain: q.domain,
        limit: q.limit,
    };
    Json(json!({"messages": relay.list(&filter)})).into_response()
}

async fn destinations(State(relay): State<Relay>) -> Response {
    Json(json!({"destinations": relay.destinations()})).into_response()
}

async fn show(State(relay): State<Relay>, IdPath(id): IdPath) -> Response {
    respond(relay.show(id).await)
}

/// Query of `GET /api/v1/queue/{id}/why`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct WhyQuery {
    lang: Option<String>,
}

async fn why(
    State(relay): State<Relay>,
    IdPath(id): IdPath,
    q: Result<Query<WhyQuery>, QueryRejection>,
) -> Response {
    let lang = match q.map(|Query(q)| q.lang) {
        Ok(None) => Lang::En,
        Ok(Some(l)) => match l.to_ascii_lowercase().as_str() {
            "en" => Lang::En,
            "es" => Lang::Es,
            _ => return bad_query(format!("lang must be en or es, not {l:?}")),
        },
        Err(e) => return bad_query(e.body_text()),
    };
    respond(relay.why_in(id, lang).await)
}

async fn retry(State(relay): State<Relay>, IdPath(id): IdPath) -> Response {
    respond(relay.retry(id).await.map(|()| json!({"retried": 1})))
}

async fn retry_all(State(relay): State<Relay>) -> Response {
    respond(relay.retry_all().await.map(|n| json!({"retried": n})))
}

async fn bounce(State(relay): State<Relay>, IdPath(id): IdPath) -> Response {
    respond(relay.bounce(id).await.map(|()| json!({"bounced": id})))
}

async fn delete(State(relay): State<Relay>, IdPath(id): IdPath) -> Response {
    respond(relay.delete(id).await.map(|()| json!({"deleted": id})))
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::{Method, Request};
    use http_body_util::BodyExt;
    use mailway_relay::{EngineOptions, Envelope, Relay};
    use tower::ServiceExt;

    use super::*;

    async fn call(app: &Router, method: Method, uri: &str) -> (StatusCode, serde_json::Value) {
        let resp = app
            .clone()
            .oneshot(
                Request::builder()
                    .method(method)
                    .uri(uri)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        let status = resp.status();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&body).unwrap())
    }

    #[tokio::test]
    async fn queue_routes_roundtrip() {
        let dir = tempfile::tempdir().unwrap();
        let opts = EngineOptions {
            spool: dir.path().join("spool"),
            hostname: "relay.test".into(),
            ..Default::default()
        };
        let relay = Relay::builder(opts).offline().start().await.unwrap();
        let id = relay
            .accept(
                Envelope::new("a@example.org", ["b@example.com"]),
                b"Subject: x\r\n\r\nbody\r\n".to_vec(),
            )
            .await
            .unwrap();
        let app: Router = routes::<Relay>().with_state(relay.clone());

        let (s, v) = call(&app, Method::GET, "/api/v1/queue").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["messages"][0]["id"], id.to_string());
        assert_eq!(v["messages"][0]["recipients"][0]["state"], "pending");
        let (_, v) = call(&app, Method::GET, "/api/v1/queue?state=deferred").await;
        assert_eq!(v["messages"].as_array().unwrap().len(), 0);
        let (s, v) = call(&app, Method::GET, "/api/v1/queue?state=stuck").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(v["error"]["code"], "bad_query");
        let (s, v) = call(&app, Method::GET, "/api/v1/queue?color=red").await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");

        let (s, v) = call(&app, Method::GET, &format!("/api/v1/queue/{id}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["record"]["envelope"]["sender"], "a@example.org");
        assert!(v["headers"].as_str().unwrap().contains("Subject: x"));
        let (s, v) = call(
            &app,
            Method::GET,
            &format!("/api/v1/queue/{id}/why?lang=es"),
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert!(
            v["recipients"][0]["explanation"]
                .as_str()
                .unwrap()
                .contains("Not tried yet")
        );
        let (s, v) = call(&app, Method::POST, &format!("/api/v1/queue/{id}/retry")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = call(&app, Method::POST, "/api/v1/queue/retry").await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert!(v["retried"].is_number());
        let (s, v) = call(&app, Method::GET, "/api/v1/queue/nothex").await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_eq!(v["error"]["code"], "bad_id");
        let (s, v) = call(&app, Method::GET, "/api/v1/queue/0000000000000001").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(v["error"]["code"], "not_found");
        let (s, _) = call(&app, Method::GET, "/api/v1/queue/destinations").await;
        assert_eq!(s, StatusCode::OK);

        let (s, v) = call(&app, Method::POST, &format!("/api/v1/queue/{id}/bounce")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        // the DSN to a@example.org is now queued
        let (_, v) = call(&app, Method::GET, "/api/v1/queue").await;
        let msgs = v["messages"].as_array().unwrap();
        assert_eq!(msgs.len(), 1);
        assert_eq!(msgs[0]["sender"], "");
        let dsn = msgs[0]["id"].as_str().unwrap().to_string();
        let (s, v) = call(&app, Method::DELETE, &format!("/api/v1/queue/{dsn}")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        assert_eq!(v["deleted"], dsn);
        let (_, v) = call(&app, Method::GET, "/api/v1/queue").await;
        assert!(v["messages"].as_array().unwrap().is_empty());
    }
}
