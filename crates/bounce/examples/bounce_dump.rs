//! Developer aid for speed work: every file of a directory (sorted by name) analysed as
//! `mailway bounce` does (an mbox split into its messages), one line per message: the file name
//! and the records, detector, subject and warnings as JSON, or the error. Diff its output before
//! and after a change to see that nothing moved; run it under callgrind to count instructions.
//!
//!     cargo run --release -p mailway-bounce --example bounce_dump -- DIR > out.txt

use std::io::Write;

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: bounce_dump DIR");
        std::process::exit(2);
    };
    let mut names: Vec<_> = match std::fs::read_dir(&dir) {
        Ok(rd) => rd.flatten().map(|e| e.path()).collect(),
        Err(e) => {
            eprintln!("bounce_dump: {dir}: {e}");
            std::process::exit(2);
        }
    };
    names.sort();
    let opts = mailway_bounce::Options::default();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for p in names {
        let Ok(buf) = std::fs::read(&p) else {
            continue;
        };
        let msgs: Vec<Vec<u8>> = if mailway_bounce::input::is_mbox(&buf) {
            mailway_bounce::input::split_mbox(&buf)
                .into_iter()
                .map(|m| mailway_bounce::input::unquote_from(m).into_owned())
                .collect()
        } else {
            vec![buf]
        };
        let name = p.file_name().unwrap_or_default().to_string_lossy();
        for m in msgs {
            let line = match mailway_bounce::analyze_with(&m, &opts) {
                Ok(a) => serde_json::to_string(&(&a.records, &a.detector, &a.subject, &a.warnings))
                    .unwrap_or_else(|e| format!("JSON error {e}")),
                Err(e) => format!("ERR {e:?}"),
            };
            if writeln!(out, "{name} {line}").is_err() {
                return;
            }
        }
    }
}
