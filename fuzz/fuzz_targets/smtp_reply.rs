//! The SMTP client's reply reading (`ReplyReader`, which `SmtpClient` reads every reply with)
//! never panics and stays bounded, whatever a server sends and however it is split into reads;
//! every reply that comes out parses back, and EHLO capability parsing of it never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailway_smtp::{Capabilities, Limits, ReplyReader, SmtpReply, parse_reply_line};

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let limits = Limits {
        max_line_len: 64 + (split as usize & 0x3f) * 8,
        max_reply_lines: 1 + (split as usize >> 6) * 3,
        ..Default::default()
    };
    let chunk = (split as usize % 7) + 1;
    let mut r = ReplyReader::new(&limits);
    for piece in rest.chunks(chunk) {
        r.feed(piece);
        loop {
            match r.next_line() {
                Ok(Some(line)) => {
                    assert!(line.len() <= limits.max_line_len);
                    assert_eq!(line.last(), Some(&b'\n'));
                    match r.push_line(&line) {
                        Ok(Some(reply)) => {
                            assert!((200..600).contains(&reply.code));
                            assert!(!reply.lines.is_empty());
                            assert!(reply.lines.len() <= limits.max_reply_lines);
                            let rep = SmtpReply::new(reply.code, reply.lines.clone(), None);
                            let _ = rep.status();
                            let _ = (rep.is_positive(), rep.is_transient(), rep.text());
                            // The raw form reads back as the same reply.
                            let raw = rep.raw();
                            for l in raw.split("\r\n") {
                                let p = parse_reply_line(l.as_bytes()).expect("raw line parses");
                                assert_eq!(p.code, reply.code);
                            }
                            let _ = Capabilities::parse(&reply.lines);
                        }
                        Ok(None) => assert!(r.pending_lines() <= limits.max_reply_lines),
                        Err(e) => assert!(e.bytes.len() <= 512),
                    }
                }
                Ok(None) => break,
                Err(e) => {
                    assert!(e.bytes.len() <= 512);
                    return;
                }
            }
        }
        // Never more than one line's worth buffered.
        assert!(r.buffered().len() <= limits.max_line_len + chunk);
    }
});
