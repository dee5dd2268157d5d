//! DATA content: CRLF normalisation and dot-stuffing (RFC 5321 §4.5.2), streaming.

/// Streaming encoder for the DATA phase: normalises line endings to CRLF (bare LF and bare CR
/// become CRLF), doubles a leading `.` on every line, and ends with `CRLF . CRLF`.
///
/// Feed it chunks of any size with [`DotStuffer::push`]; chunk boundaries never change the
/// output. Pure; never panics.
///
/// ```
/// use mailway_smtp::DotStuffer;
/// let mut out = Vec::new();
/// let mut s = DotStuffer::new();
/// s.push(b"Subject: x\n\n.hidden\r\nlast line", &mut out);
/// s.finish(&mut out);
/// assert_eq!(out, b"Subject: x\r\n\r\n..hidden\r\nlast line\r\n.\r\n");
/// ```
#[derive(Debug, Clone)]
pub struct DotStuffer {
    at_line_start: bool,
    prev_cr: bool,
}

impl Default for DotStuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl DotStuffer {
    /// A new encoder, at the start of the message.
    pub fn new() -> Self {
        Self {
            at_line_start: true,
            prev_cr: false,
        }
    }

    /// Appends the encoding of `input` to `out`.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) {
        out.reserve(input.len() + input.len() / 32 + 4);
        for &b in input {
            if self.prev_cr {
                self.prev_cr = false;
                out.push(b'\n');
                self.at_line_start = true;
                if b == b'\n' {
                    continue;
                }
            }
            match b {
                b'\n' => {
                    out.extend_from_slice(b"\r\n");
                    self.at_line_start = true;
                }
                b'\r' => {
                    out.push(b'\r');
                    self.prev_cr = true;
                    self.at_line_start = false;
                }
                _ => {
                    if self.at_line_start && b == b'.' {
                        out.push(b'.');
                    }
                    out.push(b);
                    self.at_line_start = false;
                }
            }
        }
    }

    /// Terminates the message: completes an unfinished last line and appends `.CRLF`.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if self.prev_cr {
            out.push(b'\n');
            self.prev_cr = false;
            self.at_line_start = true;
        }
        if !self.at_line_start {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
        self.at_line_start = true;
    }

    /// Encodes a whole message at once.
    pub fn encode(message: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(message.len() + 16);
        let mut s = DotStuffer::new();
        s.push(message, &mut out);
        s.finish(&mut out);
        out
    }
}

/// Reverses dot-stuffing of one received line (without its CRLF): `..x` → `.x`. For servers and
/// test peers.
pub fn unstuff_line(line: &[u8]) -> &[u8] {
    match line {
        [b'.', rest @ ..] => rest,
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cases() {
        assert_eq!(DotStuffer::encode(b""), b".\r\n");
        assert_eq!(DotStuffer::encode(b"."), b"..\r\n.\r\n");
        assert_eq!(DotStuffer::encode(b"a\r\n"), b"a\r\n.\r\n");
        assert_eq!(DotStuffer::encode(b"a\rb"), b"a\r\nb\r\n.\r\n");
        assert_eq!(DotStuffer::encode(b"a\r"), b"a\r\n.\r\n");
        assert_eq!(DotStuffer::encode(b"\r.\n."), b"\r\n..\r\n..\r\n.\r\n");
        assert_eq!(DotStuffer::encode(b"a\n.\nb"), b"a\r\n..\r\nb\r\n.\r\n");
    }

    proptest! {
        #[test]
        fn chunking_does_not_matter(msg in proptest::collection::vec(prop_oneof![Just(b'\r'), Just(b'\n'), Just(b'.'), Just(b'a')], 0..200), cut in 0usize..200) {
            let whole = DotStuffer::encode(&msg);
            let cut = cut.min(msg.len());
            let mut out = Vec::new();
            let mut s = DotStuffer::new();
            s.push(&msg[..cut], &mut out);
            s.push(&msg[cut..], &mut out);
            s.finish(&mut out);
            prop_assert_eq!(&whole, &out);
            // Every line ends with CRLF, no bare CR/LF, and the only "." line is the last.
            let lines: Vec<&[u8]> = whole.split(|&b| b == b'\n').collect();
            prop_assert_eq!(lines.last().unwrap().len(), 0);
            for (i, l) in lines[..lines.len() - 1].iter().enumerate() {
                prop_assert_eq!(l.last(), Some(&b'\r'));
                let body = &l[..l.len() - 1];
                prop_assert!(!body.contains(&b'\r'));
                if i + 2 < lines.len() { prop_assert!(body != b"."); }
            }
        }
    }
}
