//! Router tests with `.oneshot()` against a real engine in offline mode (accepts and stores,
//! never delivers) on a temporary spool.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt as _;
use mailway_relay::{EngineOptions, ListFilter, Relay, Ret};
use serde_json::{Value, json};
use tower::ServiceExt as _;

use super::*;

const TOKEN: &str = "test-token-0123456789";

async fn relay(dir: &std::path::Path, opts: impl FnOnce(&mut EngineOptions)) -> Relay {
    let mut o = EngineOptions {
        spool: dir.join("spool"),
        hostname: "relay.test".into(),
        ..EngineOptions::default()
    };
    opts(&mut o);
    Relay::builder(o).offline().start().await.unwrap()
}

fn app(relay: &Relay) -> Router {
    router(AppState::new(
        relay.clone(),
        vec![("billing-app".into(), TOKEN.into())],
    ))
}

async fn call(app: Router, req: Request<Body>) -> (StatusCode, Value, axum::http::HeaderMap) {
    let resp = app.oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, v, headers)
}

fn post_json(body: Value) -> Request<Body> {
    Request::post("/api/v1/messages")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

const MSG: &str = "From: app@example.org\nTo: user@example.com\nSubject: invoice\nMessage-ID: <inv-1@example.org>\n\nYour invoice.\n";

#[tokio::test]
async fn inject_json_is_acknowledged_once_stored() {
    let dir = tempfile::tempdir().unwrap();
    let relay = relay(dir.path(), |_| {}).await;
    let (status, v, _) = call(
        app(&relay),
        post_json(json!({
            "from": "app@example.org",
            "to": ["user@example.com", {"address": "boss@example.net", "notify": ["failure", "delay"], "orcpt": "boss@example.net"}],
            "message": MSG,
            "ret": "hdrs",
            "envid": "order-42"
        })),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{v}");
    assert_eq!(v["recipients"], 2);
    let id: mailway_relay::QueueId = v["id"].as_str().unwrap().parse().unwrap();
    // it is in the queue, with the envelope as given and CRLF line ends
    let d = relay.show(id).await.unwrap();
    let env = d.record.envelope();
    assert_eq!(env.sender, "app@example.org");
    assert_eq!(env.ret, Some(Ret::Hdrs));
    assert_eq!(env.envid.as_deref(), Some("order-42"));
    assert_eq!(
        env.recipients[1].orcpt.as_deref(),
        Some("rfc822;boss@example.net")
    );
    assert!(env.recipients[1].notify.unwrap().delay);
    assert_eq!(env.origin.protocol, "HTTP");
    assert_eq!(env.origin.auth.as_deref(), Some("billing-app"));
    assert!(d.headers.contains("Subject: invoice\r\n"), "{}", d.headers);
    assert!(
        d.headers.starts_with("Received: from api-client"),
        "{}",
        d.headers
    );
    assert!(d.headers.contains("with HTTP"), "{}", d.headers);
    relay.shutdown().await;
}

#[tokio::test]
async fn inject_raw_message_with_query_envelope() {
    let dir = tempfile::tempdir().unwrap();
    let relay = relay(dir.path(), |_| {}).await;
    let req = Request::post(
        "/api/v1/messages?from=app%40example.org&to=a@example.com,b@example.com&to=c@example.net",
    )
    .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
    .header(header::CONTENT_TYPE, "message/rfc822")
    .body(Body::from("Subject: raw\r\n\r\nbody\r\n"))
    .unwrap();
    let (status, v, _) = call(app(&relay), req).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{v}");
    assert_eq!(v["recipients"], 3);
    assert_eq!(relay.list(&ListFilter::default()).len(), 1);
    relay.shutdown().await;
}

#[tokio::test]
async fn null_sender_and_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let relay = relay(dir.path(), |_| {}).await;
    let (status, v, _) = call(
        app(&relay),
        post_json(
            json!({"from": "", "to": ["josé@ejemplo.es"], "message": "Subject: ñ\n\ncuerpo\n"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{v}");
    let id = v["id"].as_str().unwrap().parse().unwrap();
    let env = relay.show(id).await.unwrap().record.envelope();
    assert!(env.is_null_sender());
    assert!(env.smtputf8);
    assert_eq!(env.body, Some(mailway_relay::BodyType::EightBitMime));
    relay.shutdown().await;
}

#[tokio::test]
async fn token_auth() {
    let dir = tempfile::tempdir().unwrap();
    let relay = relay(dir.path(), |_| {}).await;
    let body = json!({"from": "a@example.org", "to": ["b@example.com"], "message": MSG});
    // no header
    let req = Request::post("/api/v1/messages")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let (status, v, headers) = call(app(&relay), req).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"]["code"], "unauthorized");
    assert_eq!(
        headers[header::WWW_AUTHENTICATE],
        "Bearer realm=\"mailway\""
    );
    // wrong token, and a token that is a prefix of the real one
    for bad in [
        "Bearer nope",
        "Bearer test-token-012345678",
        "Basic dXNlcjpwYXNz",
    ] {
        let req = Request::post("/api/v1/messages")
            .header(header::AUTHORIZATION, bad)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let (status, _, _) = call(app(&relay), req).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{bad}");
    }
    assert!(
        relay.list(&ListFilter::default()).is_empty(),
        "nothing stored"
    );
    // health needs no token
    let (status, v, _) = call(
        app(&relay),
        Request::get("/api/v1/health").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!((status, v), (StatusCode::OK, json!({"status": "ok"})));
    relay.shutdown().await;
}

#[tokio::test]
async fn bad_input_gets_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let relay = relay(dir.path(), |o| o.max_message_size = 2000).await;
    let cases = [
        (
            json!({"from": "a@example.org", "to": [], "message": MSG}),
            400,
            "bad_address",
            "at least one recipient",
        ),
        (
            json!({"from": "a@example.org", "to": ["user%other@example.com"], "message": MSG}),
            400,
            "bad_address",
            "to[0]",
        ),
        (
            json!({"from": "a@example.org", "to": ["\"a@b\"@example.com"], "message": MSG}),
            400,
            "bad_address",
            "quoted",
        ),
        (
            json!({"from": "@x.test:a@example.org", "to": ["b@example.com"], "message": MSG}),
            400,
            "bad_address",
            "source route",
        ),
        (
            json!({"from": "a@example.org", "to": ["nodomain"], "message": MSG}),
            400,
            "bad_address",
            "no domain",
        ),
        (
            json!({"from": "a@example.org", "to": ["b@example.com"]}),
            400,
            "bad_message",
            "missing message",
        ),
        (
            json!({"from": "a@example.org", "to": ["b@example.com"], "message": "just text"}),
            400,
            "bad_message",
            "header",
        ),
        (
            json!({"from": "a@example.org", "to": ["b@example.com"], "message_base64": "!!"}),
            400,
            "bad_message",
            "base64",
        ),
        (
            json!({"from": "a@example.org", "to": ["b@example.com"], "message": MSG, "ret": "all"}),
            400,
            "bad_request",
            "ret",
        ),
        (
            json!({"from": "a@example.org", "to": [{"address": "b@example.com", "notify": ["never", "delay"]}], "message": MSG}),
            400,
            "bad_address",
            "notify",
        ),
        (
            json!({"from": "a@example.org", "to": ["b@example.com"], "message": MSG, "cc": ["x@y.z"]}),
            400,
            "bad_request",
            "unknown field",
        ),
        (
            json!({"from": "a@example.org", "to": ["b@example.com"], "message": format!("Subject: big\n\n{}", "x".repeat(3000))}),
            413,
            "too_large",
            "limit is 2000",
        ),
    ];
    for (body, status, code, needle) in cases {
        let (s, v, _) = call(app(&relay), post_json(body.clone())).await;
        assert_eq!(s.as_u16(), status, "{body} -> {v}");
        assert_eq!(v["error"]["code"], code, "{body} -> {v}");
        let msg = v["error"]["message"].as_str().unwrap().to_lowercase();
        assert!(msg.contains(needle), "{body}: {msg:?} lacks {needle:?}");
    }
    // malformed JSON and wrong content type
    let req = Request::post("/api/v1/messages")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"from\": "))
        .unwrap();
    let (s, v, _) = call(app(&relay), req).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    let req = Request::post("/api/v1/messages")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .header(header::CONTENT_TYPE, "text/html")
        .body(Body::from("<p>"))
        .unwrap();
    let (s, v, _) = call(app(&relay), req).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{v}");
    assert!(
        relay.list(&ListFilter::default()).is_empty(),
        "nothing stored"
    );
    // unknown route: JSON 404
    let (s, v, _) = call(
        app(&relay),
        Request::get("/api/v2/nothing").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].clone()),
        (StatusCode::NOT_FOUND, json!("not_found"))
    );
    relay.shutdown().await;
}

#[tokio::test]
async fn full_spool_is_507_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let relay = relay(dir.path(), |o| o.spool_max_bytes = Some(3000)).await;
    let msg = format!("Subject: s\n\n{}\n", "y".repeat(1000));
    let mut accepted = Vec::new();
    let mut full = None;
    for _ in 0..10 {
        let (s, v, headers) = call(
            app(&relay),
            post_json(json!({"from": "a@example.org", "to": ["b@example.com"], "message": msg})),
        )
        .await;
        match s.as_u16() {
            202 => accepted.push(v["id"].as_str().unwrap().to_string()),
            507 => {
                assert_eq!(v["error"]["code"], "storage_full");
                assert!(
                    v["error"]["message"]
                        .as_str()
                        .unwrap()
                        .starts_with("452 4.3.1")
                );
                assert_eq!(headers[header::RETRY_AFTER], "60");
                full = Some(v);
                break;
            }
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert!(full.is_some(), "the quota was never hit");
    assert!(!accepted.is_empty());
    // everything acknowledged is still there
    let queued: Vec<String> = relay
        .list(&ListFilter::default())
        .iter()
        .map(|m| m.id.to_string())
        .collect();
    for id in &accepted {
        assert!(queued.contains(id), "{id} lost");
    }
    relay.shutdown().await;
}

#[tokio::test]
async fn queue_routes_need_the_token_and_metrics_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let relay = relay(dir.path(), |_| {}).await;
    let (status, v, _) = call(
        app(&relay),
        post_json(json!({"from": "a@example.org", "to": ["b@example.com"], "message": MSG})),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    // without a token: 401 JSON, nothing revealed
    let (status, v, _) = call(
        app(&relay),
        Request::get("/api/v1/queue").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"]["code"], "unauthorized");
    let req = Request::delete(format!("/api/v1/queue/{id}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(call(app(&relay), req).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(relay.list(&ListFilter::default()).len(), 1, "not deleted");
    // with the token: the injected message is listed
    let req = Request::get("/api/v1/queue")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .unwrap();
    let (status, v, _) = call(app(&relay), req).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(v.to_string().contains(&id), "{v}");
    // /metrics: Prometheus text, no token
    let resp = app(&relay)
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&text);
    assert!(text.contains("# TYPE"), "{text}");
    relay.shutdown().await;
}
