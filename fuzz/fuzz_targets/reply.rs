//! Fuzzes the SMTP reply parser, the classifier and the explanation builder with arbitrary
//! bytes (turned into text lossily, as every caller does). Besides "never panics", it checks a
//! few properties of the result.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailway_status::explain::{self, Lang};
use mailway_status::{Context, DsnAction, Temporality};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let reply = mailway_status::parse_reply(&text);
    if let Some(code) = reply.code {
        assert!(mailway_status::is_reply_code(code), "bad code {code}");
    }
    if let Some(st) = reply.status {
        assert!(matches!(st.class, 2 | 4 | 5) && st.subject <= 999 && st.detail <= 999);
        // the Display form parses back to the same code
        assert_eq!(st.to_string().parse::<mailway_status::EnhancedStatus>().ok(), Some(st));
    }
    let _ = mailway_status::find_enhanced_status(&text);
    let _ = mailway_status::find_command(&text);
    let c = mailway_status::classify(&reply);
    // temporality follows the codes
    match (reply.status.map(|s| s.class), reply.code.map(|c| c / 100)) {
        (Some(5), _) | (None, Some(5)) => assert_eq!(c.temporality, Temporality::Permanent),
        (Some(4), _) | (None, Some(4)) => assert_eq!(c.temporality, Temporality::Transient),
        _ => {}
    }
    let ctx = Context::new()
        .with_action(if data.first().is_some_and(|b| b & 1 == 1) { DsnAction::Failed } else { DsnAction::Delayed })
        .with_recipient("someone@example.org");
    let _ = mailway_status::classify_with(&reply, &ctx);
    if data.len() < 2048 {
        let e = explain::explain_text(&text, Lang::Es);
        assert!(!e.summary.is_empty());
        let _ = explain::explain_code(&text, Lang::En);
    }
});
