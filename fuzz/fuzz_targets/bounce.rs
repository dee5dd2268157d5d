//! Fuzz target for the bounce analyser: any bytes, as one message and as an mbox.
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run bounce -- -max_total_time=900`
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailway_bounce::{analyze_with, input, Options};

fuzz_target!(|data: &[u8]| {
    let opts = Options { max_size: 1 << 20 };
    if let Ok(a) = analyze_with(data, &opts) {
        for r in &a.records {
            // a status, when there is one, is a real class (2, 4 or 5)
            if let Some(s) = r.status {
                assert!(matches!(s.class, 2 | 4 | 5), "status class {}", s.class);
            }
            // a reply code is a three-digit SMTP code
            if let Some(c) = r.reply_code {
                assert!((200..600).contains(&c), "reply code {c}");
            }
        }
    }
    for m in input::split_mbox(data) {
        let _ = analyze_with(&input::unquote_from(m), &opts);
    }
    let _ = input::normalize_newlines(data);
});
