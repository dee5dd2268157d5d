//! Byte-level input handling: line endings, binary detection, mbox splitting. Pure.

use std::borrow::Cow;

use memchr::{memchr, memchr_iter};

/// Normalises line endings to LF: CRLF becomes LF and a lone CR (old Mac files) becomes LF.
/// Borrows when the input has no CR at all.
pub fn normalize_newlines(raw: &[u8]) -> Cow<'_, [u8]> {
    if memchr(b'\r', raw).is_none() {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(raw.len());
    let mut start = 0;
    for i in memchr_iter(b'\r', raw) {
        out.extend_from_slice(&raw[start..i]);
        out.push(b'\n');
        start = if raw.get(i + 1) == Some(&b'\n') {
            i + 2
        } else {
            i + 1
        };
    }
    out.extend_from_slice(&raw[start..]);
    Cow::Owned(out)
}

/// Returns a short description when `raw` looks like binary data rather than a mail message:
/// NUL bytes or known binary signatures in the first kilobytes.
pub fn binary_reason(raw: &[u8]) -> Option<String> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x1f\x8b", "gzip data"),
        (b"PK\x03\x04", "zip archive"),
        (b"%PDF", "PDF document"),
        (b"\x89PNG", "PNG image"),
        (b"\xff\xd8\xff", "JPEG image"),
        (b"GIF8", "GIF image"),
        (b"\x7fELF", "ELF executable"),
        (b"BZh", "bzip2 data"),
        (b"\xfd7zXZ", "xz data"),
        (b"\x28\xb5\x2f\xfd", "zstd data"),
    ];
    for (sig, what) in SIGNATURES {
        if raw.starts_with(sig) {
            return Some((*what).to_string());
        }
    }
    let head = &raw[..raw.len().min(8192)];
    if head.first() == Some(&0) {
        return Some("starts with a NUL byte".into());
    }
    // A stray NUL or control byte happens in real bounces; many of them do not.
    let bad = head
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c | 0x1b))
        .count();
    if bad > 0 && bad * 20 > head.len() {
        return Some(format!(
            "{bad} control or NUL bytes in the first {} bytes",
            head.len()
        ));
    }
    None
}

/// True when `raw` starts like an mbox file (`From ` separator line).
pub fn is_mbox(raw: &[u8]) -> bool {
    raw.starts_with(b"From ")
}

/// Splits an mbox file into its messages (mboxo / mboxrd): a message starts at a line beginning
/// with `From ` at the start of the file or after an empty line. The separator line itself is
/// dropped; `>From ` quoting is undone by [`unquote_from`]. Accepts LF, CRLF and CR line endings.
pub fn split_mbox(raw: &[u8]) -> Vec<&[u8]> {
    let mut starts = Vec::new();
    let mut i = 0;
    let len = raw.len();
    while i < len {
        let line_start = i;
        let is_sep = raw[line_start..].starts_with(b"From ")
            && (line_start == 0 || preceded_by_blank_line(raw, line_start));
        // advance to next line
        let next = match raw[i..].iter().position(|&b| b == b'\n' || b == b'\r') {
            Some(p) => {
                let e = i + p;
                if raw[e] == b'\r' && raw.get(e + 1) == Some(&b'\n') {
                    e + 2
                } else {
                    e + 1
                }
            }
            None => len,
        };
        if is_sep {
            starts.push((line_start, next));
        }
        i = next;
    }
    let mut out = Vec::with_capacity(starts.len());
    for (k, &(_, body_start)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map(|&(s, _)| s).unwrap_or(len);
        let msg = &raw[body_start.min(end)..end];
        if !msg.iter().all(|b| b.is_ascii_whitespace()) {
            out.push(msg);
        }
    }
    out
}

fn preceded_by_blank_line(raw: &[u8], pos: usize) -> bool {
    // pos is the start of a line: the previous line must be empty.
    let before = &raw[..pos];
    before.ends_with(b"\n\n")
        || before.ends_with(b"\r\n\r\n")
        || before.ends_with(b"\r\r")
        || before.ends_with(b"\n\r\n")
}

/// Undoes mbox `>From ` quoting (mboxrd: one `>` is removed from lines matching `^>+From `).
/// Borrows when nothing is quoted.
pub fn unquote_from(msg: &[u8]) -> Cow<'_, [u8]> {
    let needs = memchr::memmem::find(msg, b">From ").is_some();
    if !needs {
        return Cow::Borrowed(msg);
    }
    let mut out = Vec::with_capacity(msg.len());
    let mut at_line_start = true;
    let mut i = 0;
    while i < msg.len() {
        if at_line_start && msg[i] == b'>' {
            let gt = msg[i..].iter().take_while(|&&b| b == b'>').count();
            if msg[i + gt..].starts_with(b"From ") {
                out.extend_from_slice(&msg[i + 1..i + gt]);
                i += gt;
                at_line_start = false;
                continue;
            }
        }
        let b = msg[i];
        out.push(b);
        at_line_start = b == b'\n' || b == b'\r';
        i += 1;
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newlines() {
        assert_eq!(&*normalize_newlines(b"a\r\nb\rc\n\r\r\n"), b"a\nb\nc\n\n\n");
        assert!(matches!(normalize_newlines(b"a\nb"), Cow::Borrowed(_)));
    }

    #[test]
    fn mbox_split_and_unquote() {
        let mbox = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: one\n\nbody\n>From the start\n\nFrom c@d Tue Jan  2 00:00:00 2024\nSubject: two\n\nx\n";
        let msgs = split_mbox(mbox);
        assert_eq!(msgs.len(), 2);
        assert!(msgs[0].starts_with(b"Subject: one"));
        assert!(msgs[1].starts_with(b"Subject: two"));
        assert!(
            unquote_from(msgs[0])
                .windows(15)
                .any(|w| w == b"\nFrom the start")
        );
        assert_eq!(&*unquote_from(b">>From x\n"), b">From x\n");
    }

    #[test]
    fn mbox_split_cr_only() {
        let mbox = b"From a@b x\rSubject: one\r\rbody\r\rFrom c@d y\rSubject: two\r\rx\r";
        let msgs = split_mbox(mbox);
        assert_eq!(msgs.len(), 2);
    }

    #[test]
    fn binary() {
        assert!(binary_reason(b"\x1f\x8b\x08\x00").is_some());
        assert!(binary_reason(b"Subject: x\n\n\0\0\0\0\0\x01\x02").is_some());
        assert!(
            binary_reason(b"Subject: x\n\nhello \0 world, a stray NUL in a long enough text")
                .is_none()
        );
        assert!(binary_reason(b"Subject: x\n\nhello").is_none());
    }
}
