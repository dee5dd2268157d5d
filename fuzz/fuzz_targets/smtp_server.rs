//! The SMTP server session never panics and only ever writes well-formed replies, whatever
//! bytes arrive, however they are split into reads.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use mailway_smtp::server::{Action, Policy, Session, SessionConfig, TlsInfo};

struct Users;

impl Policy for Users {
    fn authenticate(&self, user: &str, password: &str) -> bool {
        user == "u" && password == "p"
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let mut config = SessionConfig::new("fuzz.test");
    config.starttls = true;
    config.auth = true;
    config.max_message_size = 4096;
    config.relay_domains = vec!["relay.test".into()];
    let peer = if split & 1 == 0 { "127.0.0.1:1" } else { "192.0.2.1:1" };
    let mut s = Session::with_policy(Arc::new(config), Arc::new(Users), peer.parse().unwrap());
    s.greet();
    let chunk = (split as usize >> 1).max(1);
    for piece in rest.chunks(chunk) {
        s.receive(piece);
        for _ in 0..100_000 {
            match s.poll() {
                Action::Message(_) => s.message_result(Ok("Q".into())),
                Action::StartTls => s.tls_established(TlsInfo {
                    version: "TLSv1.3".into(),
                    cipher: "X".into(),
                }),
                Action::NeedInput | Action::Close => break,
            }
        }
        let out = s.take_output();
        for line in out.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            assert!(line.len() >= 4 && line.ends_with(b"\r"), "{line:?}");
            assert!(line[..3].iter().all(u8::is_ascii_digit), "{line:?}");
        }
    }
});
