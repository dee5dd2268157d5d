//! Prints the agreement of `mailway bounce` with the shared corpus's expected results.
//!
//! `cargo run --release -p mailway-bounce --example bounce_accuracy -- [CORPUS_DIR] [-v]`
//! (CORPUS_DIR defaults to `$MAILWAY_SHARED/corpus/bounces`, else `../shared/corpus/bounces`).
//! `scripts/bounce-accuracy.sh` runs this.

#[path = "../tests/support/accuracy.rs"]
mod accuracy;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut verbose = false;
    let mut corpus: Option<PathBuf> = None;
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "-v" | "--verbose" => verbose = true,
            "-h" | "--help" => {
                println!("usage: bounce_accuracy [CORPUS_DIR] [-v]");
                return ExitCode::SUCCESS;
            }
            _ => corpus = Some(PathBuf::from(a)),
        }
    }
    let corpus = corpus.unwrap_or_else(|| {
        std::env::var_os("MAILWAY_SHARED")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"))
            .join("corpus/bounces")
    });
    if !corpus.join("expected.jsonl").is_file() {
        eprintln!(
            "bounce_accuracy: no corpus at {} (expected.jsonl missing)",
            corpus.display()
        );
        return ExitCode::from(2);
    }
    let (text, _, _) = accuracy::report(&corpus, verbose);
    print!("{text}");
    ExitCode::SUCCESS
}
