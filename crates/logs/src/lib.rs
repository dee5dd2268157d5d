//! MTA log lines → delivery events → correlated messages → summaries, traces and live alerts.
//!
//! # Brief overview
//!
//! The crate is a pipeline of pure stages over bytes:
//!
//! 1. [`detect`] guesses an input's format from its first block: syslog RFC 3164 (with year
//!    inference across New Year, see [`time::YearHint`]), rsyslog ISO 8601, RFC 5424, Postfix's
//!    `maillog_file`, the Exim main log, Exchange message tracking CSV, `journalctl -o json` /
//!    `-o export` (transcoded by [`journal`] into an internal line framing).
//! 2. [`parse`] turns a block of whole lines into [`Event`]s: one per meaningful line, with text
//!    kept as byte [`Span`]s into the block (no allocation per line; memchr, no regex). Postfix,
//!    Exim, Sendmail and Exchange each have a module; failure texts get their SMTP stage, a
//!    normalised form (recipients out) and a reason from `mailway_status`.
//! 3. [`Correlator`] follows messages by (host, instance, queue id) through arrival, queueing,
//!    attempts, expiry, notifications and removal, surviving queue-id reuse and linking
//!    content-filter hops and bounce notifications to their origin. State exists only while a
//!    message is in flight.
//! 4. Consumers implement [`Sink`]: [`Summary`] (the `summary` report), [`trace::Tracer`]
//!    (timelines of matching messages), [`monitor::Monitor`] (live lines and alerts).
//!
//! [`pipeline::run`] drives 2-3 over many inputs: worker threads parse blocks in parallel, the
//! correlator consumes them in order, and a fixed pool of blocks bounds memory. It reads from
//! `Read` objects; [`input`] opens files (plain or gzip) and orders rotated sets
//! ([`rotation::order`]).
//!
//! One call traces a message through log files (what `mailway logs trace` and
//! `mailway doctor --log` use): [`trace::trace_files`] → [`trace::TraceReport`], each
//! [`trace::MessageTrace`] with its [`attempts`](trace::MessageTrace::attempts) and fate.
//!
//! ```
//! use mailway_logs::{Correlator, CorrelateOptions, Summary, SummaryOptions, parse_str};
//!
//! let log = "Nov 27 19:36:37 vm postfix/smtpd[1]: BE592BC709: client=localhost[127.0.0.1]\n\
//! Nov 27 19:36:37 vm postfix/qmgr[2]: BE592BC709: from=<alice@lab.test>, size=743, nrcpt=1 (queue active)\n\
//! Nov 27 19:36:37 vm postfix/smtp[3]: BE592BC709: to=<bob@ok.test>, relay=mx.ok.test[127.0.0.2]:25, delay=0.05, delays=0.02/0.02/0.01/0, dsn=2.0.0, status=sent (250 2.0.0 Ok)\n\
//! Nov 27 19:36:37 vm postfix/qmgr[2]: BE592BC709: removed\n";
//! let mut c = Correlator::new(CorrelateOptions::default(), Summary::new(SummaryOptions::default()));
//! for chunk in parse_str(log, 2026) {
//!     c.feed(&chunk);
//! }
//! let (summary, names, first, last) = c.finish();
//! let report = summary.report(&names, first, last, vec![]);
//! assert_eq!(report.totals.received, 1);
//! assert_eq!(report.totals.delivered, 1);
//! ```

/// `memchr::memmem::find` of a literal needle with a searcher built once per call site (building
/// one per call costs more than the search in a short log line).
macro_rules! find_lit {
    ($hay:expr, $needle:literal) => {{
        static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new($needle));
        FINDER.find($hay)
    }};
}

/// `memchr::memmem::rfind` of a literal needle (see `find_lit!`).
macro_rules! rfind_lit {
    ($hay:expr, $needle:literal) => {{
        static FINDER: std::sync::LazyLock<memchr::memmem::FinderRev<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::FinderRev::new($needle));
        FINDER.rfind($hay)
    }};
}

pub mod correlate;
pub mod detect;
pub mod event;
pub mod eventlog;
pub mod exchange;
pub mod exim;
pub mod frame;
pub mod hash;
pub mod input;
pub mod journal;
pub mod monitor;
pub mod parse;
pub mod pipeline;
pub mod postfix;
pub mod reply;
pub mod rotation;
pub mod scan;
pub mod sendmail;
pub mod summary;
pub mod time;
pub mod trace;

pub use correlate::{
    CorrelateOptions, Correlator, Fate, Link, Msg, Names, RcptState, ShortStr, Sink,
};
pub use event::{Attempt, Chunk, Event, Kind, LineStats, Mta, NoticeKind, Span, Stage, Status};
pub use summary::{Report, Summary, SummaryOptions, Totals};

/// Parses a whole log given as text (RFC 3164 stamps get `year`), for tests and examples.
pub fn parse_str(text: &str, year: i64) -> Vec<Chunk> {
    let opts = pipeline::PipelineOptions {
        year: Some(year),
        ..Default::default()
    };
    let head = text.as_bytes();
    let Some(format) = detect::detect(head) else {
        return Vec::new();
    };
    let (frame, fmt) = pipeline::setup_for(head, &format, 0, &opts);
    let mut ctx = parse::ParseCtx::new(frame, fmt);
    let mut chunk = Chunk::default();
    if matches!(format, detect::Format::JournalJson) {
        journal::transcode_json(head, &mut chunk.buf);
    } else {
        chunk.buf = head.to_vec();
    }
    parse::parse_chunk(&mut chunk, &mut ctx);
    vec![chunk]
}
