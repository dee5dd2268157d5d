//! Arbitrary bytes through every log layout, the MTA parsers, the correlator and the sinks.
//! Nothing may panic; every line must be accounted for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailway_logs::event::Chunk;
use mailway_logs::exchange::Columns;
use mailway_logs::frame::{FrameCtx, Framing};
use mailway_logs::parse::{InputFormat, ParseCtx, parse_chunk};
use mailway_logs::time::{Zone, ZoneCache};
use mailway_logs::trace::{Query, Tracer};
use mailway_logs::{CorrelateOptions, Correlator, Summary, SummaryOptions};

const FRAMINGS: [Framing; 6] = [
    Framing::Rfc3164,
    Framing::Iso,
    Framing::Rfc5424,
    Framing::Exim,
    Framing::Internal,
    Framing::Tai64n,
];

fn run(data: &[u8], format: InputFormat, framing: Framing) {
    let zone = Zone::Fixed(3600);
    let mut ctx = ParseCtx::new(FrameCtx::new(framing, ZoneCache::new(zone.clone()), None, 1_700_000_000), format);
    let mut chunk = Chunk {
        buf: data.to_vec(),
        ..Chunk::default()
    };
    parse_chunk(&mut chunk, &mut ctx);
    let s = &chunk.stats;
    assert_eq!(s.total, s.events + s.info + s.other_programs + s.blank + s.skipped + s.unknown_mta);
    for e in &chunk.events {
        let _ = chunk.bytes(e.qid);
        let _ = chunk.bytes(e.line);
    }
    let mut c = Correlator::new(CorrelateOptions::default(), Summary::new(SummaryOptions::default()));
    c.feed(&chunk);
    let (sum, names, first, last) = c.finish();
    let r = sum.report(&names, first, last, vec![]);
    let _ = serde_json_len(&r);
    let mut t = Correlator::new(CorrelateOptions::default(), Tracer::new(Query::new("a@b")));
    t.feed(&chunk);
    let (tr, ..) = t.finish();
    let _ = tr.finish(&zone);
}

fn serde_json_len(r: &mailway_logs::Report) -> usize {
    r.totals.received as usize + r.by_domain.len()
}

fuzz_target!(|data: &[u8]| {
    if data.len() > 64 * 1024 {
        return;
    }
    for f in FRAMINGS {
        run(data, InputFormat::Lines(f), f);
    }
    run(data, InputFormat::Exchange(Columns::default()), Framing::Internal);
    let mut out = Vec::new();
    mailway_logs::journal::transcode_json(data, &mut out);
    run(&out, InputFormat::Lines(Framing::Internal), Framing::Internal);
    let mut er = mailway_logs::journal::ExportReader::new(data);
    for _ in 0..1000 {
        match er.next_record() {
            Ok(Some(r)) => {
                let mut l = Vec::new();
                r.write_line(&mut l);
            }
            _ => break,
        }
    }
    let _ = mailway_logs::detect::detect(data);
});
