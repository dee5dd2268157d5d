//! The monitoring dashboard (`mailway monitor`): a static page (HTML, CSS and JS embedded in the
//! binary, no external resource) and the JSON it draws from.
//!
//! | route | what |
//! |---|---|
//! | `GET /` | the dashboard page (`?lang=es` for Spanish labels) |
//! | `GET /assets/app.js`, `/assets/style.css` | its script and style |
//! | `GET /api/monitor/config` | sources, refresh interval, default language |
//! | `GET /api/monitor/all` | everything below in one document (what the page fetches) |
//! | `GET /api/monitor/queue/mailway` | mailway's queue: `{configured, source, updated, error, stats, history}` |
//! | `GET /api/monitor/queue/postfix` | Postfix's queue, same shape |
//! | `GET /api/monitor/logs` | log summary plots: `{configured, files, updated, error, view}` |
//!
//! A source that is not configured answers 404 `{"error":{"code":"not_configured",…}}`. A
//! source that fails keeps its last good data and reports the failure in `error`. The data is
//! refreshed by [`Dashboard::spawn_refresher`] every interval (sources are read on a blocking
//! thread); requests only read the last refresh. See `docs/monitor-api.md`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use mailway_monitor::logview::{LogView, LogViewOptions};
use mailway_monitor::time::format_rfc3339;
use mailway_monitor::{History, QueueSnapshot, QueueStats, Sample, StatsOptions};
use serde::Serialize;
use serde_json::{Value, json};

pub use crate::dashboard_sources::QueueSource;
use crate::dashboard_sources::unix;

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const STYLE_CSS: &str = include_str!("../assets/style.css");

/// Builds the log summary report (the JSON of `mailway logs summary --json`) from the files.
pub type LogLoader = Box<dyn Fn(&[PathBuf]) -> Result<Value, String> + Send + Sync>;

/// Log files and how to summarise them.
pub struct LogSource {
    /// The files (re-read when one changes).
    pub files: Vec<PathBuf>,
    /// The summariser.
    pub load: LogLoader,
}

/// What the dashboard shows and how often it refreshes.
pub struct DashboardConfig {
    /// mailway's own queue (API or spool).
    pub mailway: Option<Box<dyn QueueSource>>,
    /// Postfix's queue.
    pub postfix: Option<Box<dyn QueueSource>>,
    /// Logs.
    pub logs: Option<LogSource>,
    /// Refresh interval (sources are read this often; the page refetches this often).
    pub interval: Duration,
    /// Statistics options (queue lifetimes, expiry warning, table sizes).
    pub stats: StatsOptions,
    /// Log plot options.
    pub log_view: LogViewOptions,
    /// Samples kept for the "queue over time" plots.
    pub history: usize,
    /// Default language of the page (`en` or `es`).
    pub lang: String,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        Self {
            mailway: None,
            postfix: None,
            logs: None,
            interval: Duration::from_secs(10),
            stats: StatsOptions::default(),
            log_view: LogViewOptions::default(),
            history: 360,
            lang: "en".into(),
        }
    }
}

/// One queue panel.
#[derive(Debug, Clone, Serialize)]
struct QueuePanel {
    configured: bool,
    source: String,
    updated: Option<String>,
    error: Option<String>,
    stats: Option<QueueStats>,
    history: Vec<Sample>,
}

struct QueueState {
    updated: Option<String>,
    error: Option<String>,
    stats: Option<QueueStats>,
    history: History,
}

/// The log panel.
#[derive(Debug, Clone, Serialize)]
struct LogPanel {
    configured: bool,
    files: Vec<String>,
    updated: Option<String>,
    error: Option<String>,
    view: Option<LogView>,
}

struct LogState {
    fingerprint: Vec<(u64, Option<SystemTime>)>,
    updated: Option<String>,
    error: Option<String>,
    view: Option<LogView>,
}

struct Inner {
    cfg: DashboardConfig,
    mailway: Mutex<QueueState>,
    postfix: Mutex<QueueState>,
    logs: Mutex<LogState>,
}

/// The dashboard: configuration plus the data of the last refresh. Cheap to clone.
#[derive(Clone)]
pub struct Dashboard {
    inner: Arc<Inner>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Dashboard {
    /// A dashboard with no data yet (call [`Dashboard::refresh_blocking`] or
    /// [`Dashboard::spawn_refresher`]).
    pub fn new(cfg: DashboardConfig) -> Self {
        let q = || {
            Mutex::new(QueueState {
                updated: None,
                error: None,
                stats: None,
                history: History::new(cfg.history),
            })
        };
        let (mailway, postfix) = (q(), q());
        Self {
            inner: Arc::new(Inner {
                mailway,
                postfix,
                logs: Mutex::new(LogState {
                    fingerprint: Vec::new(),
                    updated: None,
                    error: None,
                    view: None,
                }),
                cfg,
            }),
        }
    }

    /// Reads every source now (blocking I/O), as of `now` (Unix seconds).
    pub fn refresh_blocking(&self, now: i64) {
        let cfg = &self.inner.cfg;
        for (src, state) in [
            (&cfg.mailway, &self.inner.mailway),
            (&cfg.postfix, &self.inner.postfix),
        ] {
            let Some(src) = src else { continue };
            let result = src.fetch();
            let mut st = lock(state);
            st.updated = Some(format_rfc3339(now, 0));
            match result {
                Ok(entries) => {
                    let mut opts = cfg.stats.clone();
                    if let Some((l, b)) = src.lifetimes() {
                        opts.queue_lifetime = l;
                        opts.bounce_queue_lifetime = b;
                    }
                    let stats = QueueSnapshot::new(src.describe(), now, entries).stats(&opts);
                    st.history.push(Sample::of(now, &stats));
                    st.stats = Some(stats);
                    st.error = None;
                }
                Err(e) => st.error = Some(e),
            }
        }
        if let Some(logs) = &cfg.logs {
            let fp: Vec<(u64, Option<SystemTime>)> = logs
                .files
                .iter()
                .map(|f| match std::fs::metadata(f) {
                    Ok(m) => (m.len(), m.modified().ok()),
                    Err(_) => (u64::MAX, None),
                })
                .collect();
            {
                let st = lock(&self.inner.logs);
                if st.updated.is_some() && st.fingerprint == fp {
                    return;
                }
            }
            let result = (logs.load)(&logs.files)
                .and_then(|v| LogView::from_report(&v, &cfg.log_view).map_err(|e| e.to_string()));
            let mut st = lock(&self.inner.logs);
            st.updated = Some(format_rfc3339(now, 0));
            st.fingerprint = fp;
            match result {
                Ok(v) => {
                    st.view = Some(v);
                    st.error = None;
                }
                Err(e) => st.error = Some(e),
            }
        }
    }

    /// Reads every source now on a blocking thread.
    pub async fn refresh(&self) {
        let d = self.clone();
        let now = unix(SystemTime::now());
        let _ = tokio::task::spawn_blocking(move || d.refresh_blocking(now)).await;
    }

    /// Refreshes every interval until the returned task is aborted.
    pub fn spawn_refresher(&self) -> tokio::task::JoinHandle<()> {
        let d = self.clone();
        tokio::spawn(async move {
            let mut tick =
                tokio::time::interval(d.inner.cfg.interval.max(Duration::from_millis(100)));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                d.refresh().await;
            }
        })
    }

    fn queue_panel(&self, which: &str) -> QueuePanel {
        let (src, state) = match which {
            "mailway" => (&self.inner.cfg.mailway, &self.inner.mailway),
            _ => (&self.inner.cfg.postfix, &self.inner.postfix),
        };
        let st = lock(state);
        QueuePanel {
            configured: src.is_some(),
            source: src.as_ref().map(|s| s.describe()).unwrap_or_default(),
            updated: st.updated.clone(),
            error: st.error.clone(),
            stats: st.stats.clone(),
            history: st.history.samples(),
        }
    }

    fn log_panel(&self) -> LogPanel {
        let st = lock(&self.inner.logs);
        let cfg = &self.inner.cfg.logs;
        LogPanel {
            configured: cfg.is_some(),
            files: cfg
                .as_ref()
                .map(|l| l.files.iter().map(|f| f.display().to_string()).collect())
                .unwrap_or_default(),
            updated: st.updated.clone(),
            error: st.error.clone(),
            view: st.view.clone(),
        }
    }

    /// `GET /api/monitor/config`.
    pub fn config_json(&self) -> Value {
        let c = &self.inner.cfg;
        json!({
            "version": env!("CARGO_PKG_VERSION"),
            "interval_s": c.interval.as_secs_f64(),
            "lang": c.lang,
            "sources": {
                "mailway": c.mailway.as_ref().map(|s| s.describe()),
                "postfix": c.postfix.as_ref().map(|s| s.describe()),
                "logs": c.logs.as_ref().map(|l| l.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>()),
            },
            "queue_lifetime_s": c.stats.queue_lifetime,
            "warn_within_s": c.stats.warn_within,
        })
    }

    /// `GET /api/monitor/all`: configuration and every panel (`null` when not configured).
    pub fn all_json(&self) -> Value {
        let c = &self.inner.cfg;
        json!({
            "config": self.config_json(),
            "mailway": c.mailway.as_ref().map(|_| self.queue_panel("mailway")),
            "postfix": c.postfix.as_ref().map(|_| self.queue_panel("postfix")),
            "logs": c.logs.as_ref().map(|_| self.log_panel()),
        })
    }

    /// Serves the dashboard on `listener`, refreshing in the background, until `shutdown`
    /// completes.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let refresher = self.spawn_refresher();
        let r = axum::serve(listener, self.router())
            .with_graceful_shutdown(shutdown)
            .await;
        refresher.abort();
        r
    }

    /// The routes of the dashboard (no authentication: bind it to loopback, the default).
    pub fn router(&self) -> Router {
        Router::new()
            .route("/", get(index))
            .route("/index.html", get(index))
            .route("/assets/app.js", get(app_js))
            .route("/assets/style.css", get(style_css))
            .route("/api/monitor/config", get(config))
            .route("/api/monitor/all", get(all))
            .route("/api/monitor/queue/mailway", get(queue_mailway))
            .route("/api/monitor/queue/postfix", get(queue_postfix))
            .route("/api/monitor/logs", get(logs))
            .fallback(not_found)
            .with_state(self.clone())
    }
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

async fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

async fn app_js() -> Response {
    asset("text/javascript; charset=utf-8", APP_JS)
}

async fn style_css() -> Response {
    asset("text/css; charset=utf-8", STYLE_CSS)
}

fn api_error(status: StatusCode, code: &str, message: String) -> Response {
    (
        status,
        Json(json!({"error": {"code": code, "message": message}})),
    )
        .into_response()
}

fn no_store(v: Value) -> Response {
    let mut r = Json(v).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn config(State(d): State<Dashboard>) -> Response {
    no_store(d.config_json())
}

async fn all(State(d): State<Dashboard>) -> Response {
    no_store(d.all_json())
}

fn queue(d: &Dashboard, which: &str, flag: &str) -> Response {
    let configured = match which {
        "mailway" => d.inner.cfg.mailway.is_some(),
        _ => d.inner.cfg.postfix.is_some(),
    };
    if !configured {
        return api_error(
            StatusCode::NOT_FOUND,
            "not_configured",
            format!("no {which} queue is monitored (start `mailway monitor` with {flag})"),
        );
    }
    no_store(serde_json::to_value(d.queue_panel(which)).unwrap_or(Value::Null))
}

async fn queue_mailway(State(d): State<Dashboard>) -> Response {
    queue(&d, "mailway", "--spool DIR or --api URL")
}

async fn queue_postfix(State(d): State<Dashboard>) -> Response {
    queue(&d, "postfix", "--postfix")
}

async fn logs(State(d): State<Dashboard>) -> Response {
    if d.inner.cfg.logs.is_none() {
        return api_error(
            StatusCode::NOT_FOUND,
            "not_configured",
            "no logs are monitored (start `mailway monitor` with --log FILE)".into(),
        );
    }
    no_store(serde_json::to_value(d.log_panel()).unwrap_or(Value::Null))
}

async fn not_found(uri: axum::http::Uri) -> Response {
    api_error(
        StatusCode::NOT_FOUND,
        "not_found",
        format!("no such page: {}", uri.path()),
    )
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use mailway_monitor::{QueueEntry, QueueRcpt};
    use tower::ServiceExt;

    use super::*;

    struct Fake(Mutex<Result<Vec<QueueEntry>, String>>);

    impl QueueSource for Fake {
        fn describe(&self) -> String {
            "fake".into()
        }
        fn fetch(&self) -> Result<Vec<QueueEntry>, String> {
            lock(&self.0).clone()
        }
        fn lifetimes(&self) -> Option<(i64, i64)> {
            Some((1000, 1000))
        }
    }

    fn msg(id: &str, arrival: i64, to: &str, reason: Option<&str>) -> QueueEntry {
        QueueEntry {
            id: id.into(),
            queue: "deferred".into(),
            arrival,
            size: 10,
            sender: "s@x".into(),
            recipients: vec![QueueRcpt {
                reason_text: reason.map(str::to_string),
                ..QueueRcpt::new(to, "deferred")
            }],
            next_attempt: None,
            expires: None,
            last_reply: None,
        }
    }

    async fn get(app: &Router, uri: &str) -> (StatusCode, String, String) {
        let resp = app
            .clone()
            .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let ct = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        (status, ct, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn endpoints() {
        let fake = Arc::new(Mutex::new(Ok(vec![
            msg(
                "A",
                100,
                "a@one.test",
                Some("connect to mx.one.test[192.0.2.1]:25: Connection refused"),
            ),
            msg("B", 900, "b@two.test", None),
        ])));
        struct Shared(Arc<Mutex<Result<Vec<QueueEntry>, String>>>);
        impl QueueSource for Shared {
            fn describe(&self) -> String {
                "shared".into()
            }
            fn fetch(&self) -> Result<Vec<QueueEntry>, String> {
                lock(&self.0).clone()
            }
        }
        let calls = Arc::new(Mutex::new(0u32));
        let c2 = Arc::clone(&calls);
        let d = Dashboard::new(DashboardConfig {
            mailway: Some(Box::new(Shared(Arc::clone(&fake)))),
            postfix: Some(Box::new(Fake(Mutex::new(Err("postqueue failed".into()))))),
            logs: Some(LogSource {
                files: vec![PathBuf::from("/nonexistent/mail.log")],
                load: Box::new(move |_| {
                    *lock(&c2) += 1;
                    Ok(json!({"hourly": [
                        {"hour": "2026-11-27T19:00:00+00:00", "deferred": 3},
                        {"hour": "2026-11-27T21:00:00+00:00", "deferred": 1}]}))
                }),
            }),
            ..Default::default()
        });
        d.refresh_blocking(1000);
        let app = d.router();

        let (s, ct, body) = get(&app, "/").await;
        assert_eq!(s, StatusCode::OK);
        assert!(ct.starts_with("text/html"));
        assert!(body.contains("/assets/app.js"));
        let (s, ct, body) = get(&app, "/assets/app.js").await;
        assert_eq!(s, StatusCode::OK);
        assert!(ct.starts_with("text/javascript"));
        assert!(body.contains("/api/monitor/all"));
        let (s, ct, _) = get(&app, "/assets/style.css").await;
        assert_eq!(
            (s, ct.as_str()),
            (StatusCode::OK, "text/css; charset=utf-8")
        );

        let (s, ct, body) = get(&app, "/api/monitor/queue/mailway").await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(ct, "application/json");
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["stats"]["messages"], 2);
        assert_eq!(v["stats"]["table"][0]["id"], "A");
        assert_eq!(v["stats"]["age"]["values"].as_array().unwrap().len(), 6);
        assert_eq!(v["history"].as_array().unwrap().len(), 1);
        assert_eq!(v["error"], Value::Null);

        let (s, _, body) = get(&app, "/api/monitor/queue/postfix").await;
        assert_eq!(s, StatusCode::OK);
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["error"], "postqueue failed");
        assert_eq!(v["stats"], Value::Null);

        let (s, _, body) = get(&app, "/api/monitor/logs").await;
        assert_eq!(s, StatusCode::OK);
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["view"]["deferrals_per_hour"]["values"], json!([3, 0, 1]));

        // a failing source keeps the last good data and says why
        *lock(&fake) = Err("daemon down".into());
        d.refresh_blocking(1010);
        let (_, _, body) = get(&app, "/api/monitor/all").await;
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["mailway"]["error"], "daemon down");
        assert_eq!(v["mailway"]["stats"]["messages"], 2);
        assert_eq!(v["config"]["sources"]["postfix"], "fake");
        // logs unchanged (same fingerprint): not summarised again
        assert_eq!(*lock(&calls), 1);
        *lock(&fake) = Ok(vec![]);
        d.refresh_blocking(1020);
        let (_, _, body) = get(&app, "/api/monitor/queue/mailway").await;
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["stats"]["messages"], 0);
        assert_eq!(v["history"].as_array().unwrap().len(), 2);

        let (s, _, body) = get(&app, "/api/monitor/nothing").await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert!(body.contains("not_found"));
    }

    #[tokio::test]
    async fn unconfigured_sources() {
        let d = Dashboard::new(DashboardConfig::default());
        d.refresh_blocking(0);
        let app = d.router();
        for uri in [
            "/api/monitor/queue/mailway",
            "/api/monitor/queue/postfix",
            "/api/monitor/logs",
        ] {
            let (s, _, body) = get(&app, uri).await;
            assert_eq!(s, StatusCode::NOT_FOUND, "{uri}");
            assert!(body.contains("not_configured"), "{body}");
        }
        let (s, _, body) = get(&app, "/api/monitor/all").await;
        assert_eq!(s, StatusCode::OK);
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["mailway"], Value::Null);
        assert_eq!(v["config"]["sources"]["logs"], Value::Null);
    }
}
