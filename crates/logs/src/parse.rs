//! The chunk parser: whole lines in, events out. Pure and allocation-free per line (derived
//! text goes to the chunk's auxiliary buffer); chunks are parsed in parallel and correlated in
//! order by [`crate::Correlator`].

use mailway_status::Reason;

use crate::correlate::LocalNames;
use crate::event::{Chunk, Dsn, Event, Kind, LineStats, Mta, Span, Stage, Status};
use crate::frame::{FrameCtx, Framing};
use crate::reply::{Classifier, normalize_into};
use crate::{exchange, exim, postfix, sendmail};

/// What a line turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineClass {
    /// At least one event.
    Event,
    /// An MTA line without effect on delivery.
    Info,
    /// A line from another program.
    Other,
    /// An MTA line whose text was not recognised.
    Unknown,
    /// Not a log line (no framing, binary, truncated); the reason.
    Skipped(&'static str),
}

/// The layout of an input as a whole.
#[derive(Debug, Clone)]
pub enum InputFormat {
    /// Syslog-style lines (and Exim's main log).
    Lines(Framing),
    /// Microsoft Exchange message tracking CSV with its `#Fields:` columns.
    Exchange(exchange::Columns),
    /// mailway's relay event log (JSON Lines).
    EventLog,
}

/// Parsing state for one input.
pub struct ParseCtx {
    /// Framing state.
    pub frame: FrameCtx,
    /// The input's layout.
    pub format: InputFormat,
    /// Reply classification cache.
    pub classifier: Classifier,
    /// How many skipped/unknown lines to keep as examples per chunk.
    pub max_examples: usize,
    /// Local ids of the names attempts intern (for the correlator; see [`LocalNames`]).
    pub names: LocalNames,
}

impl ParseCtx {
    /// A context.
    pub fn new(frame: FrameCtx, format: InputFormat) -> Self {
        Self {
            frame,
            format,
            classifier: Classifier::default(),
            max_examples: 5,
            names: LocalNames::default(),
        }
    }
}

/// Builder of events for one line: turns sub-slices of the chunk buffer into spans.
pub struct Out<'a> {
    base: usize,
    len: usize,
    /// The auxiliary buffer.
    pub aux: &'a mut Vec<u8>,
    /// Where events go.
    pub events: &'a mut Vec<Event>,
    /// Reply classification.
    pub classifier: &'a mut Classifier,
    /// Template for this line's events (everything but `qid` and `kind`).
    pub proto: Event,
}

impl<'a> Out<'a> {
    /// The span of `s`, a sub-slice of the chunk buffer (anything else is copied to aux).
    #[inline]
    pub fn span(&mut self, s: &[u8]) -> Span {
        // the offset from the buffer's start (wrapping below it to more than any length): one
        // subtraction and two comparisons for "inside the buffer"
        let off = (s.as_ptr() as usize).wrapping_sub(self.base);
        if off <= self.len && s.len() <= self.len - off {
            Span::new(off, off + s.len())
        } else if s.is_empty() {
            Span::EMPTY
        } else {
            self.aux_bytes(s)
        }
    }

    /// Copies bytes to the auxiliary buffer.
    pub fn aux_bytes(&mut self, s: &[u8]) -> Span {
        let st = self.aux.len();
        self.aux.extend_from_slice(s);
        Span::aux(st, self.aux.len())
    }

    /// Writes derived text to the auxiliary buffer through `f`.
    pub fn aux_with(&mut self, f: impl FnOnce(&mut Vec<u8>)) -> Span {
        let st = self.aux.len();
        f(self.aux);
        Span::aux(st, self.aux.len())
    }

    /// The spans of several sub-slices at once (see [`Out::span`]).
    #[inline]
    pub fn spans<const N: usize>(&mut self, s: [&[u8]; N]) -> [Span; N] {
        s.map(|b| self.span(b))
    }

    /// The normalised text (recipients out, the grouping key of failure texts) and the reason
    /// of an attempt: `Delivered` without text for successes; for failures, `known` when the MTA
    /// stated the reason itself (an expiry in its own words), else the classification of `text`.
    pub fn failure(
        &mut self,
        status: Status,
        dsn: Option<Dsn>,
        text: &[u8],
        stage: Stage,
        known: Option<Reason>,
    ) -> (Span, Reason) {
        if !matches!(status, Status::Deferred | Status::Bounced) {
            return (Span::EMPTY, Reason::Delivered);
        }
        let start = self.aux.len();
        let norm = self.aux_with(|a| normalize_into(text, a));
        let reason = match known {
            Some(r) => r,
            None => self
                .classifier
                .reason(status, dsn, text, &self.aux[start..], stage),
        };
        (norm, reason)
    }

    /// Pushes an SMTP-level rejection: `texts` are the reply, `from=`, `to=` and the client, as
    /// sub-slices of the line (empty when not logged).
    pub fn reject(&mut self, qid: Span, stage: Stage, warning: bool, texts: [&[u8]; 4]) {
        let norm = if warning {
            Span::EMPTY
        } else {
            self.aux_with(|a| normalize_into(texts[0], a))
        };
        let [reply, from, to, client] = self.spans(texts);
        self.push(
            qid,
            Kind::Reject {
                stage,
                reply,
                norm,
                from,
                to,
                client,
                warning,
            },
        );
    }

    /// Pushes a rejection of a message's content after it was given a queue id.
    pub fn content_rejected(&mut self, qid: Span, reply: &[u8]) {
        let norm = self.aux_with(|a| normalize_into(reply, a));
        let reply = self.span(reply);
        self.push(qid, Kind::ContentRejected { reply, norm });
    }

    /// Pushes an arrival with its envelope in one record (Exim `<=`, Sendmail `from=`, Exchange
    /// `RECEIVE`): `texts` are the sender, the Message-ID, the client and the parent message's
    /// id (empty when not logged); `nrcpt` 0 when not logged.
    pub fn arrival(&mut self, qid: Span, texts: [&[u8]; 4], size: u64, local: bool, nrcpt: u32) {
        let [from, message_id, client, parent] = self.spans(texts);
        self.push(
            qid,
            Kind::Arrival {
                from,
                size,
                message_id,
                client,
                parent,
                local,
                nrcpt,
            },
        );
    }

    /// Pushes an event for queue id `qid`.
    #[inline]
    pub fn push(&mut self, qid: Span, kind: Kind) {
        let mut e = self.proto;
        e.qid = qid;
        e.kind = kind;
        self.events.push(e);
    }
}

/// Which MTA (if any) a program name belongs to, and its instance/daemon parts.
#[inline]
pub fn program_family(prog: &[u8]) -> Option<(Mta, &[u8], &[u8])> {
    if prog.is_empty() {
        return None;
    }
    // the usual "postfix/daemon": what the general path below finds for it, without searches
    if let Some(d) = prog.strip_prefix(b"postfix/")
        && !d.contains(&b'/')
    {
        return Some((Mta::Postfix, &prog[..7], d));
    }
    // program names are short: eight bytes at a time, not memchr
    if let Some(first) = crate::scan::find_byte(b'/', prog) {
        let last = prog[first + 1..]
            .iter()
            .rposition(|&c| c == b'/')
            .map_or(first, |l| first + 1 + l);
        let daemon = &prog[last + 1..];
        let instance = &prog[..first];
        if instance.starts_with(b"postfix") || postfix::is_daemon(daemon) {
            return Some((Mta::Postfix, instance, daemon));
        }
        return None;
    }
    if prog == b"postfix" || prog.starts_with(b"postfix-") || prog.starts_with(b"postfix_") {
        return Some((Mta::Postfix, prog, &prog[..0]));
    }
    if prog == b"postlog" || prog == b"postsuper" || prog == b"postqueue" || prog == b"postdrop" {
        return Some((Mta::Postfix, b"postfix", prog));
    }
    if prog.starts_with(b"exim") {
        return Some((Mta::Exim, &prog[..0], prog));
    }
    if prog == b"sendmail" || prog.starts_with(b"sm-") || prog == b"smtpd-sendmail" {
        return Some((Mta::Sendmail, &prog[..0], prog));
    }
    None
}

/// Parses every line of `chunk.buf` into `chunk.events`, counting lines in `chunk.stats`.
pub fn parse_chunk(chunk: &mut Chunk, ctx: &mut ParseCtx) {
    let Chunk {
        buf,
        aux,
        events,
        stats,
        first_line,
        ..
    } = chunk;
    let buf: &[u8] = buf;
    let base = buf.as_ptr() as usize;
    // binary data is rare: one search of the block instead of one per line
    let has_nul = memchr::memchr(0, buf).is_some();
    let mut pos = 0usize;
    let mut line_no = *first_line;
    while pos < buf.len() {
        let end = memchr::memchr(b'\n', &buf[pos..]).map_or(buf.len(), |e| pos + e);
        let mut line = &buf[pos..end];
        pos = end + 1;
        if let Some(l) = line.strip_suffix(b"\r") {
            line = l;
        }
        let this_line = line_no;
        line_no += 1;
        stats.total += 1;
        if line.iter().all(|c| c.is_ascii_whitespace()) {
            stats.blank += 1;
            continue;
        }
        let mut out = Out {
            base,
            len: buf.len(),
            aux,
            events,
            classifier: &mut ctx.classifier,
            proto: Event {
                ts: 0,
                line: Span::EMPTY,
                line_no: this_line,
                host: Span::EMPTY,
                instance: Span::EMPTY,
                daemon: Span::EMPTY,
                mta: Mta::Postfix,
                qid: Span::EMPTY,
                kind: Kind::Removed,
            },
        };
        let class = classify_checked(line, &mut ctx.frame, &ctx.format, &mut out, has_nul);
        match class {
            LineClass::Event => stats.events += 1,
            LineClass::Info => stats.info += 1,
            LineClass::Other => stats.other_programs += 1,
            LineClass::Unknown => {
                stats.unknown_mta += 1;
                if stats.examples.len() < ctx.max_examples {
                    stats.examples.push((
                        this_line,
                        "unrecognised MTA line",
                        String::from_utf8_lossy(&line[..line.len().min(300)]).into_owned(),
                    ));
                }
            }
            LineClass::Skipped(why) => {
                stats.skipped += 1;
                if stats.examples.len() < ctx.max_examples {
                    stats.examples.push((
                        this_line,
                        why,
                        String::from_utf8_lossy(&line[..line.len().min(300)]).into_owned(),
                    ));
                }
            }
        }
    }
    ctx.names.fill(chunk);
}

/// Classifies one line, pushing its events.
pub fn classify_line(
    line: &[u8],
    frame: &mut FrameCtx,
    format: &InputFormat,
    out: &mut Out<'_>,
) -> LineClass {
    classify_checked(line, frame, format, out, true)
}

/// [`classify_line`]; `may_have_nul` false when the caller knows the line has no NUL byte.
#[inline]
fn classify_checked(
    line: &[u8],
    frame: &mut FrameCtx,
    format: &InputFormat,
    out: &mut Out<'_>,
    may_have_nul: bool,
) -> LineClass {
    if may_have_nul && memchr::memchr(0, line).is_some() {
        return LineClass::Skipped("binary data");
    }
    if let InputFormat::Exchange(cols) = format {
        return exchange::parse_row(line, cols, frame, out);
    }
    if let InputFormat::EventLog = format {
        return crate::eventlog::parse_row(line, frame, out);
    }
    let Some(f) = frame.frame(line) else {
        return LineClass::Skipped("no time stamp or unknown layout");
    };
    out.proto.ts = f.ts;
    out.proto.line = out.span(f.msg);
    out.proto.host = out.span(f.host);
    let Some((mta, instance, daemon)) = program_family(f.prog) else {
        return LineClass::Other;
    };
    out.proto.mta = mta;
    out.proto.instance = out.span(instance);
    out.proto.daemon = out.span(if daemon.is_empty() { f.prog } else { daemon });
    match mta {
        Mta::Postfix => postfix::parse(f.msg, daemon, out),
        Mta::Exim => exim::parse(f.msg, out),
        Mta::Sendmail => sendmail::parse(f.msg, out),
        Mta::Exchange | Mta::Mailway => LineClass::Other,
    }
}

/// Parses a standalone line (for `follow` and tests) into a fresh chunk.
pub fn parse_line(line: &[u8], ctx: &mut ParseCtx) -> (Chunk, LineClass) {
    let mut chunk = Chunk {
        buf: line.to_vec(),
        ..Chunk::default()
    };
    let before = LineStats::default();
    parse_chunk(&mut chunk, ctx);
    let s = &chunk.stats;
    let class = if s.events > before.events {
        LineClass::Event
    } else if s.info > 0 {
        LineClass::Info
    } else if s.other_programs > 0 {
        LineClass::Other
    } else if s.unknown_mta > 0 {
        LineClass::Unknown
    } else if s.blank > 0 {
        LineClass::Skipped("blank")
    } else {
        LineClass::Skipped(
            chunk
                .stats
                .examples
                .first()
                .map(|e| e.1)
                .unwrap_or("unreadable"),
        )
    };
    (chunk, class)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `program_family` as it was before its "postfix/daemon" shortcut.
    fn program_family_reference(prog: &[u8]) -> Option<(Mta, &[u8], &[u8])> {
        if prog.is_empty() {
            return None;
        }
        // program names are short: eight bytes at a time, not memchr
        if let Some(first) = crate::scan::find_byte(b'/', prog) {
            let last = prog[first + 1..]
                .iter()
                .rposition(|&c| c == b'/')
                .map_or(first, |l| first + 1 + l);
            let daemon = &prog[last + 1..];
            let instance = &prog[..first];
            if instance.starts_with(b"postfix") || postfix::is_daemon(daemon) {
                return Some((Mta::Postfix, instance, daemon));
            }
            return None;
        }
        if prog == b"postfix" || prog.starts_with(b"postfix-") || prog.starts_with(b"postfix_") {
            return Some((Mta::Postfix, prog, &prog[..0]));
        }
        if prog == b"postlog" || prog == b"postsuper" || prog == b"postqueue" || prog == b"postdrop"
        {
            return Some((Mta::Postfix, b"postfix", prog));
        }
        if prog.starts_with(b"exim") {
            return Some((Mta::Exim, &prog[..0], prog));
        }
        if prog == b"sendmail" || prog.starts_with(b"sm-") || prog == b"smtpd-sendmail" {
            return Some((Mta::Sendmail, &prog[..0], prog));
        }
        None
    }

    proptest::proptest! {
        #[test]
        fn program_family_same_as_reference(
            p in "(postfix|postfix-out|postfi|exim4|sm-mta|/)?/?[a-z/-]{0,10}",
        ) {
            let p = p.as_bytes();
            proptest::prop_assert_eq!(program_family(p), program_family_reference(p));
        }
    }

    #[test]
    fn program_family_shortcut_cases() {
        for p in [
            &b"postfix/smtpd"[..],
            b"postfix/",
            b"postfix/a/b",
            b"postfix//",
            b"postfix",
            b"postfix-out/smtp",
            b"x/postfix/smtp",
            b"dovecot",
        ] {
            assert_eq!(program_family(p), program_family_reference(p), "{p:?}");
        }
    }
}
