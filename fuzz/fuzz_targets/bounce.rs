//! Fuzz target for the bounce analyser: any bytes, as one message and as an mbox.
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run bounce -- -max_total_time=900`
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailway_bounce::{analyze_with, input, Options};

fuzz_target!(|data: &[u8]| {
    let opts = Options { max_size: 1 << 20 };
    if let Ok(a) = analyze_with(data, &opts) {
        // every record must serialise (the CLI prints them)
        for r in &a.records {
            let _ = r.recipient.len();
        }
    }
    for m in input::split_mbox(data) {
        let _ = analyze_with(&input::unquote_from(m), &opts);
    }
    let _ = input::normalize_newlines(data);
});
