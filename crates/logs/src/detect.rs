//! Detecting an input's format from its first bytes.

use crate::exchange::Columns;
use crate::frame::{Framing, guess};

/// What an input is.
#[derive(Debug, Clone)]
pub enum Format {
    /// Line-based syslog or Exim main log.
    Lines(Framing),
    /// Exchange message tracking CSV.
    Exchange(Columns),
    /// `journalctl -o json`.
    JournalJson,
    /// `journalctl -o export`.
    JournalExport,
    /// mailway's own relay event log (JSON Lines).
    EventLog,
}

impl Format {
    /// Name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            Format::Lines(f) => f.as_str(),
            Format::Exchange(_) => "exchange-message-tracking",
            Format::JournalJson => "journal-json",
            Format::JournalExport => "journal-export",
            Format::EventLog => "mailway-event-log",
        }
    }
}

/// Detects the format from the first block of an input; `None` when no line is recognisable.
pub fn detect(head: &[u8]) -> Option<Format> {
    let mut votes: [(Framing, u32); 5] = [
        (Framing::Rfc3164, 0),
        (Framing::Iso, 0),
        (Framing::Rfc5424, 0),
        (Framing::Exim, 0),
        (Framing::Tai64n, 0),
    ];
    let mut seen = 0;
    for line in head.split(|&c| c == b'\n').take(400) {
        let l = line.strip_suffix(b"\r").unwrap_or(line);
        let l = l.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(l);
        if l.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if l.starts_with(b"#Software: Microsoft Exchange")
            || l.starts_with(b"#Fields: date-time")
            || l.starts_with(b"#Log-type: Message Tracking")
        {
            return Some(Format::Exchange(Columns::from_head(head)));
        }
        if l.starts_with(b"{") {
            if memchr::memmem::find(l, b"\"__REALTIME_TIMESTAMP\"").is_some()
                || memchr::memmem::find(l, b"\"__CURSOR\"").is_some()
            {
                return Some(Format::JournalJson);
            }
            if memchr::memmem::find(l, b"\"event\"").is_some()
                && memchr::memmem::find(l, b"\"ts\"").is_some()
                && memchr::memmem::find(l, b"\"id\"").is_some()
            {
                return Some(Format::EventLog);
            }
        }
        if l.starts_with(b"__CURSOR=") || l.starts_with(b"__REALTIME_TIMESTAMP=") {
            return Some(Format::JournalExport);
        }
        if let Some(f) = guess(l)
            && let Some(v) = votes.iter_mut().find(|v| v.0 == f)
        {
            v.1 += 1;
        }
        seen += 1;
        if seen >= 64 {
            break;
        }
    }
    votes
        .iter()
        .filter(|v| v.1 > 0)
        .max_by_key(|v| v.1)
        .map(|v| Format::Lines(v.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects() {
        assert!(matches!(
            detect(b"Nov 27 19:36:35 vm postfix/master[1]: x\n"),
            Some(Format::Lines(Framing::Rfc3164))
        ));
        assert!(matches!(
            detect(b"\n2026-11-27T19:36:35.3+00:00 vm postfix/master[1]: x\n"),
            Some(Format::Lines(Framing::Iso))
        ));
        assert!(matches!(
            detect(b"<22>1 2026-11-27T19:36:35.3+00:00 vm postfix 1 - -  x\n"),
            Some(Format::Lines(Framing::Rfc5424))
        ));
        assert!(matches!(
            detect(b"1999-03-02 09:44:33 10HmaX-0005vi-00 Completed\n"),
            Some(Format::Lines(Framing::Exim))
        ));
        assert!(matches!(
            detect(b"{\"__REALTIME_TIMESTAMP\":\"1\",\"MESSAGE\":\"x\"}\n"),
            Some(Format::JournalJson)
        ));
        assert!(matches!(
            detect(b"__CURSOR=s=1\nMESSAGE=x\n"),
            Some(Format::JournalExport)
        ));
        assert!(detect(b"hello world\nnot a log\n").is_none());
    }
}
