//! `GET /metrics`: the relay's state and counters in the Prometheus text exposition format
//! (version 0.0.4).
//!
//! | metric | type | labels | what |
//! |---|---|---|---|
//! | `mailway_queue_recipients` | gauge | `state`, `domain` | recipients in the queue by state and domain (50 busiest domains, the rest as `other`) |
//! | `mailway_queue_messages` | gauge | | messages in the queue |
//! | `mailway_queue_oldest_message_age_seconds` | gauge | | age of the oldest queued message |
//! | `mailway_spool_bytes` | gauge | | message content stored in the spool |
//! | `mailway_messages_received_total` | counter | | messages accepted (DSNs we generate included) |
//! | `mailway_delivery_attempts_total` | counter | | delivery attempts (one per destination per try) |
//! | `mailway_recipients_delivered_total` | counter | | recipients accepted by the next hop |
//! | `mailway_recipients_failed_total` | counter | | recipients failed permanently (expired included) |
//! | `mailway_recipients_expired_total` | counter | | recipients whose queue lifetime ended |
//! | `mailway_deferrals_total` | counter | `reason` | temporary failures by reason (mailway-status vocabulary) |
//! | `mailway_dsn_sent_total` | counter | `action` | DSNs queued: `failed`, `delayed`, `relayed` |
//! | `mailway_delivery_latency_seconds` | histogram | | arrival → delivery |
//! | `mailway_attempt_duration_seconds` | histogram | | duration of one delivery attempt |
//! | `mailway_destination_concurrency_window` | gauge | `domain` | parallel connections allowed now (slow start / feedback) |
//! | `mailway_destination_active_connections` | gauge | `domain` | connections open now |
//! | `mailway_destination_queued` | gauge | `domain` | deliveries waiting for a connection |
//! | `mailway_destination_dead` | gauge | `domain` | 1 while the destination is suspended after connection failures |
//!
//! Counters start at zero when the daemon starts (Prometheus handles the reset).

use std::fmt::Write as _;

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mailway_relay::{Histogram, MetricsSnapshot, Relay};

/// `GET /metrics`, to be merged into the application router (no auth: scrapers).
pub fn routes<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Relay: FromRef<S>,
{
    Router::new().route("/metrics", get(metrics::<S>))
}

async fn metrics<S>(State(relay): State<Relay>) -> Response
where
    S: Clone + Send + Sync + 'static,
    Relay: FromRef<S>,
{
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        render(&relay.metrics()),
    )
        .into_response()
}

fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn head(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn num(v: f64) -> String {
    if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn histogram(out: &mut String, name: &str, help: &str, h: &Histogram) {
    head(out, name, "histogram", help);
    let cum = h.cumulative();
    for (b, c) in h.bounds.iter().zip(&cum) {
        let _ = writeln!(out, "{name}_bucket{{le=\"{}\"}} {c}", num(*b));
    }
    let _ = writeln!(
        out,
        "{name}_bucket{{le=\"+Inf\"}} {}",
        cum.last().copied().unwrap_or(0)
    );
    let _ = writeln!(out, "{name}_sum {}", num(h.sum));
    let _ = writeln!(out, "{name}_count {}", h.count);
}

/// Renders a snapshot in the Prometheus text format.
pub fn render(m: &MetricsSnapshot) -> String {
    let mut o = String::with_capacity(4096);
    head(
        &mut o,
        "mailway_queue_recipients",
        "gauge",
        "Recipients in the queue by state and recipient domain.",
    );
    for g in &m.queue {
        let _ = writeln!(
            o,
            "mailway_queue_recipients{{state=\"{}\",domain=\"{}\"}} {}",
            g.state.as_str(),
            label(&g.domain),
            g.recipients
        );
    }
    head(
        &mut o,
        "mailway_queue_messages",
        "gauge",
        "Messages in the queue.",
    );
    let _ = writeln!(o, "mailway_queue_messages {}", m.messages);
    head(
        &mut o,
        "mailway_queue_oldest_message_age_seconds",
        "gauge",
        "Age of the oldest message in the queue.",
    );
    let _ = writeln!(
        o,
        "mailway_queue_oldest_message_age_seconds {}",
        num(m.oldest_age_seconds)
    );
    head(
        &mut o,
        "mailway_spool_bytes",
        "gauge",
        "Message content stored in the spool.",
    );
    let _ = writeln!(o, "mailway_spool_bytes {}", m.spool_bytes);
    for (name, help, v) in [
        (
            "mailway_messages_received_total",
            "Messages accepted since start.",
            m.received_total,
        ),
        (
            "mailway_delivery_attempts_total",
            "Delivery attempts since start.",
            m.attempts_total,
        ),
        (
            "mailway_recipients_delivered_total",
            "Recipients delivered since start.",
            m.delivered_total,
        ),
        (
            "mailway_recipients_failed_total",
            "Recipients failed permanently since start (expired included).",
            m.failed_total,
        ),
        (
            "mailway_recipients_expired_total",
            "Recipients expired since start.",
            m.expired_total,
        ),
    ] {
        head(&mut o, name, "counter", help);
        let _ = writeln!(o, "{name} {v}");
    }
    head(
        &mut o,
        "mailway_deferrals_total",
        "counter",
        "Temporary delivery failures since start, by reason.",
    );
    for (reason, n) in &m.deferred_by_reason {
        let _ = writeln!(
            o,
            "mailway_deferrals_total{{reason=\"{}\"}} {n}",
            label(reason)
        );
    }
    head(
        &mut o,
        "mailway_dsn_sent_total",
        "counter",
        "Delivery status notifications queued since start, by action.",
    );
    for (action, n) in &m.dsn_by_action {
        let _ = writeln!(
            o,
            "mailway_dsn_sent_total{{action=\"{}\"}} {n}",
            label(action)
        );
    }
    histogram(
        &mut o,
        "mailway_delivery_latency_seconds",
        "Time from arrival to delivery.",
        &m.delivery_latency,
    );
    histogram(
        &mut o,
        "mailway_attempt_duration_seconds",
        "Duration of one delivery attempt.",
        &m.attempt_duration,
    );
    type Gauge = fn(&mailway_relay::DestinationStatus) -> String;
    let gauges: [(&str, &str, Gauge); 4] = [
        (
            "mailway_destination_concurrency_window",
            "Parallel connections allowed to the destination now.",
            |d| d.window.to_string(),
        ),
        (
            "mailway_destination_active_connections",
            "Connections open to the destination now.",
            |d| d.active.to_string(),
        ),
        (
            "mailway_destination_queued",
            "Deliveries waiting for a connection to the destination.",
            |d| d.queued.to_string(),
        ),
        (
            "mailway_destination_dead",
            "1 while the destination is suspended after connection failures.",
            |d| u8::from(d.dead_until.is_some()).to_string(),
        ),
    ];
    for (name, help, f) in gauges {
        head(&mut o, name, "gauge", help);
        for d in &m.destinations {
            let _ = writeln!(o, "{name}{{domain=\"{}\"}} {}", label(&d.domain), f(d));
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use mailway_relay::{EngineOptions, Envelope};
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn exposition_format() {
        let dir = tempfile::tempdir().unwrap();
        let opts = EngineOptions {
            spool: dir.path().join("spool"),
            hostname: "relay.test".into(),
            ..Default::default()
        };
        let relay = Relay::builder(opts).offline().start().await.unwrap();
        relay
            .accept(
                Envelope::new(
                    "a@example.org",
                    ["b@example.com", "c@example.com", "d@Other.test"],
                ),
                b"Subject: x\r\n\r\nbody\r\n".to_vec(),
            )
            .await
            .unwrap();
        let app: Router = routes::<Relay>().with_state(relay);
        let resp = app
            .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert!(
            resp.headers()[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        let text = String::from_utf8(
            resp.into_body()
                .collect()
                .await
                .unwrap()
                .to_bytes()
                .to_vec(),
        )
        .unwrap();
        assert!(
            text.contains("mailway_queue_recipients{state=\"pending\",domain=\"example.com\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("mailway_queue_recipients{state=\"pending\",domain=\"other.test\"} 1\n")
        );
        assert!(text.contains("mailway_queue_messages 1\n"));
        assert!(text.contains("mailway_messages_received_total 1\n"));
        assert!(text.contains("mailway_delivery_latency_seconds_bucket{le=\"+Inf\"} 0\n"));
        assert!(text.contains("# TYPE mailway_delivery_latency_seconds histogram\n"));
        // every sample line is NAME{labels} VALUE or NAME VALUE
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (name, value) = line.rsplit_once(' ').unwrap();
            assert!(name.starts_with("mailway_"), "{line}");
            assert!(value == "+Inf" || value.parse::<f64>().is_ok(), "{line}");
        }
    }

    #[test]
    fn labels_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(3.0), "3");
    }
}
