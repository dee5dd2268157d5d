//! Throughput of reply parsing and classification (what logs and bounce analysis pay per
//! line / per recipient), and of a full explanation.
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

const REPLIES: &[&str] = &[
    "host mx.example.org[192.0.2.10] said: 550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command)",
    "450-4.2.1 The user you are trying to contact is receiving mail too quickly. Please resend\r\n450 4.2.1 your message at a later time. - gsmtp",
    "connect to mx.example.org[192.0.2.25]:25: Connection timed out",
    "421 4.7.0 [TSS04] Messages from 203.0.113.7 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
    "554 5.7.1 Service unavailable; Client host [203.0.113.7] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.7",
    "450 4.2.1 <bob@example.org>: Recipient address rejected: Greylisted, see https://postgrey.example/help/example.org.html",
];

fn bench(c: &mut Criterion) {
    // warm the lazily built tables
    let _ = mailway_status::classify_text("550 5.1.1 x");
    let _ = mailway_status::explain::explain_text("4.4.7", mailway_status::explain::Lang::En);
    c.bench_function("parse_reply", |b| {
        b.iter(|| {
            for r in REPLIES {
                black_box(mailway_status::parse_reply(black_box(r)));
            }
        })
    });
    c.bench_function("parse+classify", |b| {
        b.iter(|| {
            for r in REPLIES {
                black_box(mailway_status::classify_text(black_box(r)));
            }
        })
    });
    c.bench_function("explain_text (es)", |b| {
        b.iter(|| {
            black_box(mailway_status::explain::explain_text(
                black_box(REPLIES[0]),
                mailway_status::explain::Lang::Es,
            ))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
