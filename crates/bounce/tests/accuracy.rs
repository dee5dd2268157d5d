//! Accuracy thresholds on the shared corpus (reads `../shared`; skipped when absent, fails when
//! absent under `CI=true`). The numbers themselves: `scripts/bounce-accuracy.sh`.

mod support;

use support::accuracy;

#[test]
fn corpus_accuracy_meets_targets() {
    let Some(shared) = mailway_testkit::shared::shared_dir() else {
        return;
    };
    let corpus = shared.join("corpus/bounces");
    let (text, bsd, twins) = accuracy::report(&corpus, true);
    let fail = bsd.reason.pct() < 98.0
        || bsd.status.pct() < 99.0
        || bsd.recipients_verifiable.pct() < 99.0
        || twins.score.ok != twins.score.total;
    assert!(!fail, "accuracy below target:\n{text}");
}
