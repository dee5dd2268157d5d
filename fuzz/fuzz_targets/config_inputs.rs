//! Fuzzes what the relay and the monitor read from files, flags and other programs: the relay's
//! TOML configuration (parsed and validated), `--route` flags, Postfix's `postqueue -j` output
//! and `postconf` lifetimes, the relay API's queue listing, RFC 3339 times and durations, and
//! the spool's NOTIFY and time fields. Never panics; a few properties.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailway_monitor::{mailway as mw_api, postfix, time};
use mailway_relay::config::Config;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();

    if let Ok(c) = Config::from_toml_str(text, "fuzz.toml") {
        // a configuration that validates writes back to TOML that parses and validates again
        if c.validate().is_ok() {
            let again = Config::from_toml_str(&c.to_toml(), "again.toml").expect("own TOML parses");
            assert!(again.validate().is_ok());
        }
    }
    let _ = mailway_relay::parse_route_flag(text);

    let parsed = postfix::parse_postqueue_json(text);
    assert!(parsed.entries.len() + parsed.errors.len() <= text.lines().count());
    let _ = postfix::parse_lifetimes(text);
    let _ = mw_api::parse_api_list(data);
    if let Some((_, offset)) = time::parse_rfc3339(text) {
        assert!(offset.abs() < 24 * 3600, "{offset}");
    }
    let _ = time::parse_duration(text);

    let _ = mailway_relay::Notify::parse(text);
    let _ = mailway_spool::time_serde::parse(text);
});
