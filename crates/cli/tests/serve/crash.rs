//! Crash safety: while 2,000 messages are injected over SMTP, the real `mailway serve` is
//! killed with SIGKILL again and again and restarted on the same spool. Every message that got
//! `250` must reach the loopback sink at least once; duplicates are counted and reported.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mailway_testkit::smtp::PeerScript;

use crate::support::{Daemon, Smtp, tempdir, wait_until};

const MESSAGES: usize = 2000;
const CLIENTS: usize = 8;

fn test_id(data: &[u8]) -> Option<usize> {
    let text = String::from_utf8_lossy(data);
    text.lines()
        .find_map(|l| l.strip_prefix("X-Test-Id: "))
        .and_then(|v| v.trim().parse().ok())
}

#[test]
fn kill_9_during_injection_loses_no_acknowledged_message() {
    let sink = PeerScript::accept().start();
    let dir = tempdir();
    let cfg = dir.path().join("mailway.toml");
    std::fs::write(
        &cfg,
        "[relay.retry]\ninitial = \"1s\"\nmax_interval = \"2s\"\njitter = 0.0\n",
    )
    .unwrap();
    let route = format!("crash.test={}", sink.addr());
    let daemon = Arc::new(Mutex::new(Daemon::start(
        dir.path(),
        &["--config", cfg.to_str().unwrap(), "--route", &route],
    )));
    let smtp = daemon.lock().unwrap().smtp;

    let todo: Arc<Mutex<VecDeque<usize>>> = Arc::new(Mutex::new((0..MESSAGES).collect()));
    let acked: Arc<Mutex<BTreeSet<usize>>> = Arc::new(Mutex::new(BTreeSet::new()));
    let done = Arc::new(AtomicBool::new(false));
    let resent = Arc::new(AtomicUsize::new(0));

    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (todo, acked, resent) = (todo.clone(), acked.clone(), resent.clone());
        clients.push(std::thread::spawn(move || {
            let mut conn: Option<Smtp> = None;
            let deadline = Instant::now() + Duration::from_secs(300);
            loop {
                let Some(id) = todo.lock().unwrap().pop_front() else {
                    return;
                };
                assert!(
                    Instant::now() < deadline,
                    "injection did not finish in 300 s"
                );
                if conn.is_none() {
                    conn = match Smtp::connect(smtp) {
                        Ok((mut c, g)) if g.starts_with("220") => {
                            c.cmd("EHLO crash-client.test").ok().map(|_| c)
                        }
                        _ => None,
                    };
                }
                let result = match conn.as_mut() {
                    Some(c) => c.send(
                        "sender@crash.test",
                        &format!("rcpt{id}@crash.test"),
                        &format!("X-Test-Id: {id}\nSubject: crash test {id}\n\nmessage {id}\n"),
                    ),
                    None => Err(std::io::Error::other("not connected")),
                };
                match result {
                    Ok(r) if r.starts_with("250") => {
                        acked.lock().unwrap().insert(id);
                    }
                    other => {
                        // not acknowledged: the sender keeps it and tries again later
                        if other.is_err() {
                            conn = None;
                            std::thread::sleep(Duration::from_millis(20));
                        }
                        resent.fetch_add(1, Ordering::Relaxed);
                        todo.lock().unwrap().push_back(id);
                    }
                }
            }
        }));
    }

    // the killer: SIGKILL at pseudo-random intervals while the clients inject
    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    eprintln!("crash test seed {seed}");
    let killer = {
        let (daemon, done, acked) = (daemon.clone(), done.clone(), acked.clone());
        std::thread::spawn(move || {
            let mut rng = seed | 1;
            let mut kills = Vec::new();
            while !done.load(Ordering::SeqCst) {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                std::thread::sleep(Duration::from_millis(150 + rng % 450));
                if done.load(Ordering::SeqCst) {
                    break;
                }
                let at = acked.lock().unwrap().len();
                daemon.lock().unwrap().restart(); // kill -9, start again, wait for 220
                kills.push(at);
            }
            kills
        })
    };
    for c in clients {
        c.join().expect("client thread");
    }
    done.store(true, Ordering::SeqCst);
    let kills = killer.join().unwrap();
    let acked = acked.lock().unwrap().clone();
    eprintln!(
        "crash test: {} kills at {:?} acknowledged messages; {} sends not acknowledged and retried",
        kills.len(),
        kills,
        resent.load(Ordering::Relaxed)
    );
    assert_eq!(
        acked.len(),
        MESSAGES,
        "every message was eventually acknowledged"
    );
    assert!(
        kills.len() >= 3 && kills.iter().any(|&k| k > 0 && k < MESSAGES),
        "the daemon must be killed repeatedly during the injection (kills at {kills:?})"
    );

    // make sure a daemon runs, then wait for every acknowledged message at the sink
    {
        let mut d = daemon.lock().unwrap();
        if !d.is_running() {
            d.restart();
        }
    }
    let delivered = || {
        let mut counts: HashMap<usize, usize> = HashMap::new();
        for m in sink.messages() {
            if let Some(id) = test_id(&m.data) {
                *counts.entry(id).or_default() += 1;
            }
        }
        counts
    };
    let complete = wait_until(180, || {
        let c = delivered();
        acked.iter().all(|id| c.contains_key(id))
    });
    let counts = delivered();
    let missing: Vec<usize> = acked
        .iter()
        .copied()
        .filter(|id| !counts.contains_key(id))
        .collect();
    let duplicates: usize = counts.values().map(|n| n - 1).sum();
    eprintln!(
        "crash test: {} acknowledged, {} delivered, {} missing, {} duplicate deliveries",
        acked.len(),
        counts.len(),
        missing.len(),
        duplicates
    );
    assert!(
        complete && missing.is_empty(),
        "acknowledged but never delivered: {} messages, first {:?}\n{}",
        missing.len(),
        &missing[..missing.len().min(20)],
        daemon
            .lock()
            .unwrap()
            .log()
            .lines()
            .rev()
            .take(60)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        counts.keys().all(|id| *id < MESSAGES),
        "unknown messages delivered"
    );
    // each message went to its own recipient
    for m in sink.messages() {
        if let Some(id) = test_id(&m.data) {
            assert_eq!(m.rcpts, vec![format!("rcpt{id}@crash.test")]);
        }
    }
}
