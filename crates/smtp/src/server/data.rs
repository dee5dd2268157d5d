//! The DATA phase: dot-unstuffing, end-of-data detection and SMTP smuggling protection.
//!
//! Only `<CR><LF>.<CR><LF>` ends a message (or `.<CR><LF>` as the very first line). A bare
//! `<LF>` or a bare `<CR>` anywhere in the data taints the message: it is still read up to the
//! real end-of-data (so nothing after a fake terminator such as `<LF>.<LF>` or `<CR>.<CR>` is
//! ever read as a command), then rejected as a whole. That closes SMTP smuggling
//! (CVE-2023-51764 and relatives) regardless of what the next hop would make of the bytes.

use memchr::memchr2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// At the start of a line that followed `<CR><LF>` (or at the start of the data).
    LineStart,
    /// Saw `.` at a line start (the dot is not stored: dot-unstuffing).
    Dot,
    /// Saw `.<CR>` at a line start.
    DotCr,
    /// Inside a line.
    Mid,
    /// Saw `<CR>` inside a line.
    Cr,
}

/// Outcome of the DATA phase once the end of data has been seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DataOutcome {
    /// A well-formed message (dot-unstuffed, `<CR><LF>` line ends).
    Complete(Vec<u8>),
    /// The message exceeded the size limit (its bytes were not kept).
    TooBig,
    /// Bare `<CR>` or `<LF>` was present (its bytes were not kept).
    BareLineEnding,
}

/// Incremental DATA reader. Memory use is bounded by the size limit.
#[derive(Debug)]
pub(crate) struct DataReceiver {
    state: State,
    body: Vec<u8>,
    max: u64,
    too_big: bool,
    bare: bool,
}

impl DataReceiver {
    pub(crate) fn new(max_size: u64) -> Self {
        DataReceiver {
            state: State::LineStart,
            body: Vec::with_capacity(16 * 1024),
            max: max_size,
            too_big: false,
            bare: false,
        }
    }

    fn keeping(&self) -> bool {
        !self.too_big && !self.bare
    }

    fn push(&mut self, bytes: &[u8]) {
        if !self.keeping() {
            return;
        }
        if self.body.len() as u64 + bytes.len() as u64 > self.max {
            self.too_big = true;
            self.body = Vec::new();
            return;
        }
        self.body.extend_from_slice(bytes);
    }

    fn taint(&mut self) {
        self.bare = true;
        self.body = Vec::new();
    }

    /// Feeds bytes; returns how many were consumed and, when the end of data was reached, the
    /// outcome. Bytes after the end-of-data marker are not consumed (pipelined commands).
    pub(crate) fn feed(&mut self, input: &[u8]) -> (usize, Option<DataOutcome>) {
        let mut i = 0;
        while i < input.len() {
            match self.state {
                State::Mid => {
                    // fast path: copy the run up to the next CR or LF
                    match memchr2(b'\r', b'\n', &input[i..]) {
                        None => {
                            self.push(&input[i..]);
                            return (input.len(), None);
                        }
                        Some(off) => {
                            self.push(&input[i..i + off]);
                            i += off;
                            let b = input[i];
                            i += 1;
                            if b == b'\r' {
                                self.state = State::Cr;
                            } else {
                                self.taint(); // bare LF
                                self.state = State::Mid;
                            }
                            self.push(&[b]);
                        }
                    }
                }
                State::Cr => {
                    let b = input[i];
                    i += 1;
                    match b {
                        b'\n' => {
                            self.push(b"\n");
                            self.state = State::LineStart;
                        }
                        b'\r' => {
                            self.taint(); // the previous CR was bare
                            self.push(b"\r");
                        }
                        _ => {
                            self.taint();
                            self.push(&[b]);
                            self.state = State::Mid;
                        }
                    }
                }
                State::LineStart => {
                    let b = input[i];
                    if b == b'.' {
                        i += 1;
                        self.state = State::Dot;
                    } else {
                        self.state = State::Mid;
                    }
                }
                State::Dot => {
                    let b = input[i];
                    i += 1;
                    match b {
                        b'\r' => self.state = State::DotCr,
                        b'\n' => {
                            // `<LF>.<LF>` or `<CR><LF>.<LF>`: never an end of data
                            self.taint();
                            self.state = State::Mid;
                        }
                        _ => {
                            self.push(&[b]);
                            self.state = State::Mid;
                        }
                    }
                }
                State::DotCr => {
                    let b = input[i];
                    if b == b'\n' {
                        i += 1;
                        let outcome = if self.bare {
                            DataOutcome::BareLineEnding
                        } else if self.too_big {
                            DataOutcome::TooBig
                        } else {
                            DataOutcome::Complete(std::mem::take(&mut self.body))
                        };
                        return (i, Some(outcome));
                    }
                    // `.<CR>x`: bare CR; reprocess `b` inside the line
                    self.taint();
                    self.state = State::Mid;
                }
            }
        }
        (input.len(), None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(chunks: &[&[u8]]) -> (Option<DataOutcome>, Vec<u8>) {
        let mut r = DataReceiver::new(1 << 20);
        let mut rest = Vec::new();
        for (n, c) in chunks.iter().enumerate() {
            let (used, out) = r.feed(c);
            if out.is_some() {
                rest.extend_from_slice(&c[used..]);
                for later in &chunks[n + 1..] {
                    rest.extend_from_slice(later);
                }
                return (out, rest);
            }
            assert_eq!(used, c.len());
        }
        (None, rest)
    }

    fn complete(s: &[u8]) -> Vec<u8> {
        match run(&[s]).0 {
            Some(DataOutcome::Complete(b)) => b,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn plain_message_and_dot_unstuffing() {
        assert_eq!(
            complete(b"Subject: x\r\n\r\nhello\r\n..dot\r\n.\r\n"),
            b"Subject: x\r\n\r\nhello\r\n.dot\r\n"
        );
        assert_eq!(complete(b".\r\n"), b"");
        assert_eq!(complete(b"a\r\n.\r\n"), b"a\r\n");
        assert_eq!(complete(b"...\r\n.\r\n"), b"..\r\n");
    }

    #[test]
    fn pipelined_bytes_after_the_end_are_left() {
        let (out, rest) = run(&[b"a\r\n.\r\nQUIT\r\n"]);
        assert_eq!(out, Some(DataOutcome::Complete(b"a\r\n".to_vec())));
        assert_eq!(rest, b"QUIT\r\n");
    }

    #[test]
    fn split_at_every_position() {
        let msg: &[u8] = b"Subject: s\r\n\r\n.x\r\nline\r\n.\r\nNOOP\r\n";
        for cut in 0..msg.len() {
            let (out, rest) = run(&[&msg[..cut], &msg[cut..]]);
            assert_eq!(
                out,
                Some(DataOutcome::Complete(
                    b"Subject: s\r\n\r\nx\r\nline\r\n".to_vec()
                )),
                "cut at {cut}"
            );
            assert_eq!(rest, b"NOOP\r\n");
        }
        // byte by byte
        let chunks: Vec<&[u8]> = msg.chunks(1).collect();
        assert_eq!(
            run(&chunks).0,
            Some(DataOutcome::Complete(
                b"Subject: s\r\n\r\nx\r\nline\r\n".to_vec()
            ))
        );
    }

    #[test]
    fn smuggling_forms_never_end_the_data() {
        for fake in [
            &b"a\n.\nMAIL FROM:<x@y>\r\n"[..],
            b"a\r\n.\nMAIL FROM:<x@y>\r\n",
            b"a\n.\r\nMAIL FROM:<x@y>\r\n",
            b"a\r.\rMAIL FROM:<x@y>\r\n",
            b"a\r\n.\rMAIL FROM:<x@y>\r\n",
            b"a\r.\r\nMAIL FROM:<x@y>\r\n",
        ] {
            let mut r = DataReceiver::new(1 << 20);
            let (used, out) = r.feed(fake);
            assert_eq!(out, None, "{fake:?} ended the data");
            assert_eq!(used, fake.len());
            // the real end still ends it, and the whole message is rejected
            let (_, out) = r.feed(b"\r\n.\r\n");
            assert_eq!(out, Some(DataOutcome::BareLineEnding), "{fake:?}");
        }
    }

    #[test]
    fn bare_line_endings_taint() {
        assert_eq!(
            run(&[b"a\nb\r\n.\r\n"]).0,
            Some(DataOutcome::BareLineEnding)
        );
        assert_eq!(
            run(&[b"a\rb\r\n.\r\n"]).0,
            Some(DataOutcome::BareLineEnding)
        );
        assert_eq!(run(&[b"a\r\r\n.\r\n"]).0, Some(DataOutcome::BareLineEnding));
        assert_eq!(run(&[b".\n.\r\n"]).0, None);
    }

    #[test]
    fn size_limit() {
        let mut r = DataReceiver::new(10);
        let (_, out) = r.feed(b"0123456789\r\n.\r\n");
        assert_eq!(out, Some(DataOutcome::TooBig));
        let mut r = DataReceiver::new(12);
        let (_, out) = r.feed(b"0123456789\r\n.\r\n");
        assert_eq!(out, Some(DataOutcome::Complete(b"0123456789\r\n".to_vec())));
    }
}
