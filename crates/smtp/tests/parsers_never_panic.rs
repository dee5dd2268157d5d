//! The pure parsers never panic, whatever bytes a peer or a user sends.

use mailway_smtp::{Address, Capabilities, DotStuffer, parse_reply_line, xtext_decode};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn reply_lines(b in proptest::collection::vec(any::<u8>(), 0..600)) {
        if let Ok(l) = parse_reply_line(&b) {
            prop_assert!((200..600).contains(&l.code));
        }
    }

    #[test]
    fn addresses_and_xtext(s in "\\PC{0,300}") {
        if let Ok(a) = Address::parse(&s) {
            prop_assert!(!a.to_string().contains(['\r', '\n']));
            prop_assert!(Address::parse(&a.to_string()).is_ok());
        }
        let _ = xtext_decode(&s);
    }

    #[test]
    fn capabilities(lines in proptest::collection::vec("\\PC{0,80}", 0..20)) {
        let c = Capabilities::parse(&lines);
        let _ = c.keywords();
    }

    #[test]
    fn dot_stuffing_any_bytes(b in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let out = DotStuffer::encode(&b);
        prop_assert!(out.ends_with(b"\r\n.\r\n") || out == b".\r\n");
    }
}
