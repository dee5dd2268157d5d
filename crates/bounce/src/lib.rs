//! Bounce messages to per-recipient records.
//!
//! Pure: bytes in, records out. No file system, network or clock in the analysis API; the
//! `mailway bounce` command does the reading (files, mbox, Maildir, directories, stdin).
//!
//! ```
//! let raw = b"From: MAILER-DAEMON@mx.example.org\nTo: sender@example.org\n\
//! Subject: Undelivered Mail Returned to Sender\nContent-Type: multipart/report; \
//! report-type=delivery-status; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n\
//! <rcpt@example.net>: host mx.example.net[192.0.2.1] said: 550 5.1.1 <rcpt@example.net>: \
//! Recipient address rejected: User unknown (in reply to RCPT TO command)\n\n--b\n\
//! Content-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n\
//! Final-Recipient: rfc822; rcpt@example.net\nAction: failed\nStatus: 5.1.1\n\
//! Diagnostic-Code: smtp; 550 5.1.1 <rcpt@example.net>: Recipient address rejected: \
//! User unknown\n\n--b--\n";
//! let analysis = mailway_bounce::analyze(raw).unwrap();
//! let r = &analysis.records[0];
//! assert_eq!(r.recipient, "rcpt@example.net");
//! assert_eq!(r.status.unwrap().to_string(), "5.1.1");
//! assert_eq!(r.reply_code, Some(550));
//! ```
//!
//! # What is recognised
//! RFC 3464 delivery status notifications (and RFC 6533 `message/global-delivery-status`),
//! RFC 5965 feedback reports, RFC 3834 auto-replies and the non-standard bounces of the common
//! MTAs and providers, each by its own recogniser (see [`detectors`]); the recogniser that
//! decided is named in every record's `detector`.
//!
//! # Codes are never invented
//! `status` is the enhanced status code written in the message (report field or text), and
//! `reply_code` the SMTP reply code written in it. When the message carries none, they are
//! `None`; the reason still comes from the words.

mod dsn;
mod fields;
mod finish;
mod html;
pub mod input;
mod mail;
mod mime;
mod recognise;
mod record;
#[cfg(test)]
mod testgen;
mod text;

pub use finish::remote_host_in;
pub use record::{Action, Analysis, BounceError, BounceRecord};

/// Options of [`analyze_with`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Messages larger than this are refused with [`BounceError::TooLarge`] (default 64 MiB).
    pub max_size: usize,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            max_size: 64 * 1024 * 1024,
        }
    }
}

/// The names of every recogniser, in the order they are tried.
pub fn detectors() -> Vec<&'static str> {
    recognise::ORDER
        .iter()
        .chain(std::iter::once(&recognise::LAST))
        .map(|r| r.name)
        .collect()
}

/// Analyses one message (LF, CRLF or CR line endings) with default [`Options`].
pub fn analyze(raw: &[u8]) -> Result<Analysis, BounceError> {
    analyze_with(raw, &Options::default())
}

/// Analyses one message with the given options. Never panics.
pub fn analyze_with(raw: &[u8], opts: &Options) -> Result<Analysis, BounceError> {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(BounceError::Empty);
    }
    if raw.len() > opts.max_size {
        return Err(BounceError::TooLarge {
            size: raw.len(),
            limit: opts.max_size,
        });
    }
    if let Some(why) = input::binary_reason(raw) {
        return Err(BounceError::Binary(why));
    }
    // the prepared copy goes into a buffer kept for the next message (a fresh allocation of
    // the message's size cost more than filling it)
    let mut buf = PrepareBuf::take();
    let norm = prepare_into(raw, &mut buf.0);
    // A message saved from an mbox keeps its "From " separator line: skip it.
    let mut body: &[u8] = norm;
    if body.starts_with(b"From ")
        && let Some(nl) = memchr::memchr(b'\n', body)
    {
        body = &body[nl + 1..];
    }
    let mut mail = mail::Mail::parse(body).ok_or(BounceError::NotMail)?;
    if mail.original.is_none() {
        // non-MIME bounces quote the returned message inline
        mail.original = finish::inline_original(&mail.body);
    }
    let mut found = recognise::recognise(&mail);
    if found.is_none()
        && let Some(inner) = unquote_forwarded(&mail.body)
    {
        // a bounce forwarded by a person ("> " quoted): read the quoted report
        mail.body = inner;
        if mail.original.is_none() {
            mail.original = finish::inline_original(&mail.body);
        }
        found = recognise::recognise(&mail);
    }
    if found.is_none() {
        found = recognise::recognise_last(&mail);
    }
    let Some((detector, deliveries)) = found else {
        return Err(BounceError::NotRecognised {
            hint: mail.warnings.first().cloned(),
        });
    };
    let records = finish::finish(&mail, detector, deliveries);
    Ok(Analysis {
        records,
        detector: detector.to_string(),
        subject: (!mail.subject.is_empty()).then(|| mail.subject.clone()),
        warnings: mail.warnings,
    })
}

// DSN building (owned by the relay engine: src/dsn_build.rs).
mod dsn_build;
pub use dsn_build::{DsnAction, DsnRecipient, DsnSpec, ReturnContent, build_dsn, rfc5322_date};

/// A buffer for [`prepare_into`], taken from the thread's spare one and given back when
/// dropped (kept when no larger than 1 MiB).
struct PrepareBuf(Vec<u8>);

thread_local! {
    static SPARE: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

impl PrepareBuf {
    fn take() -> Self {
        Self(SPARE.try_with(|s| s.take()).unwrap_or_default())
    }
}

impl Drop for PrepareBuf {
    fn drop(&mut self) {
        if self.0.capacity() <= 1 << 20 {
            let v = std::mem::take(&mut self.0);
            let _ = SPARE.try_with(|s| s.set(v));
        }
    }
}

/// [`prepare`] with the copy (when one is needed) made in `buf`.
fn prepare_into<'a>(raw: &'a [u8], buf: &'a mut Vec<u8>) -> &'a [u8] {
    if memchr::memchr(b'\n', raw).is_none() {
        // CR-only (old Mac) input: as prepare does
        *buf = prepare(raw).into_owned();
        return buf;
    }
    // A message no larger than LARGE_BODY has no large body to skip, and the returned
    // message's body, which the skipper would also drop, costs the MIME reader less than
    // the skipper's own pass over the message (identical output on the corpora).
    if raw.len() > input::LARGE_BODY && input::skip_large_bodies_into(raw, buf) {
        input::normalize_newlines_in_place(buf);
        return buf;
    }
    if memchr::memchr(b'\r', raw).is_none() {
        return raw;
    }
    input::normalize_newlines_into(raw, buf);
    buf
}

/// LF line endings, and the bodies bounce analysis never reads (a large attachment, the body
/// of a large returned message) skipped before any MIME decoding.
fn prepare(raw: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    use std::borrow::Cow;
    if memchr::memchr(b'\n', raw).is_none() {
        // CR-only (old Mac) input: normalise first, the skipper works on lines
        let norm = input::normalize_newlines(raw).into_owned();
        return match input::skip_large_bodies(&norm) {
            Cow::Borrowed(_) => Cow::Owned(norm),
            Cow::Owned(small) => Cow::Owned(small),
        };
    }
    match input::skip_large_bodies(raw) {
        Cow::Borrowed(b) => input::normalize_newlines(b),
        Cow::Owned(small) => match input::normalize_newlines(&small) {
            Cow::Borrowed(_) => Cow::Owned(small),
            Cow::Owned(n) => Cow::Owned(n),
        },
    }
}

/// The text of a bounce quoted with `> ` inside a forwarded message, when there is one.
fn unquote_forwarded(body: &str) -> Option<String> {
    let quoted = body
        .lines()
        .filter(|l| l.starts_with('>'))
        .map(|l| l.trim_start_matches('>').trim_start_matches(' '))
        .collect::<Vec<_>>();
    let text = quoted.join("\n");
    let lower = text.to_ascii_lowercase();
    let looks = [
        "final-recipient:",
        "transcript of session follows",
        "could not be delivered",
    ]
    .iter()
    .any(|m| lower.contains(m));
    (quoted.len() >= 5 && looks).then_some(text)
}

/// Developer aid: the view the recognisers see (headers, body, report parts), as text.
#[doc(hidden)]
pub fn debug_view(raw: &[u8]) -> String {
    let norm = input::normalize_newlines(raw);
    match mail::Mail::parse(&norm) {
        Some(m) => format!(
            "content_type: {}\nreport_type: {:?}\nsubject: {}\nfrom: {}\nwarnings: {:?}\n--- body\n{}\n--- dsn\n{}\n--- feedback\n{}\n--- original\n{:?}\n",
            m.content_type,
            m.report_type,
            m.subject,
            m.from,
            m.warnings,
            m.body,
            m.dsn.as_deref().unwrap_or("-"),
            m.feedback.as_deref().unwrap_or("-"),
            m.original.as_ref().map(|o| o.headers.list()),
        ),
        None => "not mail".into(),
    }
}
