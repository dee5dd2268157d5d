//! `mailway queue` against a stopped daemon's spool (files directly) and against a running
//! engine (its HTTP API, found through the spool's lock and daemon.json).

use std::time::Duration;

use assert_cmd::Command;
use mailway_relay::{EngineOptions, Envelope, Relay};

const MSG: &[u8] = b"From: alice@example.org\r\nSubject: hello queue\r\nMessage-ID: <q1@example.org>\r\n\r\nHi.\r\n";

fn mailway() -> Command {
    let mut c = Command::cargo_bin("mailway").unwrap();
    c.env_remove("MAILWAY_SPOOL")
        .env_remove("MAILWAY_API_TOKEN")
        .env("LANG", "C");
    c
}

fn stdout(c: &mut Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{:?} failed: {}",
        c,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn opts(dir: &std::path::Path) -> EngineOptions {
    let mut o = EngineOptions {
        spool: dir.join("spool"),
        hostname: "relay.test".into(),
        ..EngineOptions::default()
    };
    // a port where nothing listens: messages stay deferred
    o.routes
        .insert("dest.test".into(), "127.0.40.9:9".parse().unwrap());
    // the senders' domain too (notices), so nothing is ever looked up in the DNS
    o.routes
        .insert("example.org".into(), "127.0.40.9:9".parse().unwrap());
    o.timeouts.connect = Duration::from_millis(500);
    o
}

#[test]
fn offline_spool() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (a, b) = rt.block_on(async {
        let relay = Relay::builder(opts(dir.path()))
            .offline()
            .start()
            .await
            .unwrap();
        let a = relay
            .accept(
                Envelope::new("alice@example.org", ["bob@dest.test"]),
                MSG.to_vec(),
            )
            .await
            .unwrap();
        let b = relay
            .accept(
                Envelope::new("alice@example.org", ["carol@dest.test"]),
                MSG.to_vec(),
            )
            .await
            .unwrap();
        (a, b)
    });
    let spool = dir.path().join("spool");
    let ls = stdout(mailway().args(["queue", "ls", "--spool"]).arg(&spool));
    assert!(
        ls.contains(&a.to_string()) && ls.contains(&b.to_string()),
        "{ls}"
    );
    assert!(ls.contains("bob@dest.test  pending (0 attempts"), "{ls}");
    assert!(ls.contains("2 messages"), "{ls}");
    let js = stdout(
        mailway()
            .args(["queue", "ls", "--json", "--spool"])
            .arg(&spool),
    );
    let v: serde_json::Value = serde_json::from_str(&js).unwrap();
    assert_eq!(v["messages"].as_array().unwrap().len(), 2);
    let ls = stdout(
        mailway()
            .args(["queue", "ls", "--domain", "nowhere.test", "--spool"])
            .arg(&spool),
    );
    assert!(ls.contains("empty"), "{ls}");

    // ls in Spanish
    let ls = stdout(
        mailway()
            .args(["queue", "ls", "--lang", "es", "--spool"])
            .arg(&spool),
    );
    for es in [
        "ID EN COLA",
        "REMITENTE / DESTINATARIOS",
        "bob@dest.test  pendiente (0 intentos, próximo ",
        "caduca dentro de 4 días",
        "en 2 mensajes; destinatarios: 2 pendiente",
    ] {
        assert!(ls.contains(es), "no {es:?} in:\n{ls}");
    }
    for en in [
        "QUEUE ID", "pending", "attempts", "next", "expires", "messages",
    ] {
        assert!(!ls.contains(en), "English {en:?} in:\n{ls}");
    }

    let show = stdout(
        mailway()
            .args(["queue", "show"])
            .arg(a.to_string())
            .arg("--spool")
            .arg(&spool),
    );
    assert!(show.contains("Message-ID:   <q1@example.org>"), "{show}");
    assert!(show.contains("Subject: hello queue"), "{show}");
    assert!(show.contains("Sender:       alice@example.org"), "{show}");
    assert!(
        show.contains("bob@dest.test  pending, 0 attempts"),
        "{show}"
    );
    let show = stdout(
        mailway()
            .args(["queue", "show", "--lang", "es"])
            .arg(a.to_string())
            .arg("--spool")
            .arg(&spool),
    );
    let flat = show.split_whitespace().collect::<Vec<_>>().join(" ");
    for es in [
        "Remitente: alice@example.org",
        "Aviso de retraso: ",
        "Caduca: ",
        "Destinatarios:",
        "bob@dest.test pendiente, 0 intentos",
        "próximo intento ",
        "Cabeceras:",
        "Subject: hello queue",
    ] {
        assert!(flat.contains(es), "no {es:?} in:\n{show}");
    }
    for en in [
        "Sender:",
        "Recipients:",
        "Headers:",
        "Expires:",
        "attempts",
        "next attempt",
    ] {
        assert!(!show.contains(en), "English {en:?} in:\n{show}");
    }
    let why = stdout(
        mailway()
            .args(["queue", "why"])
            .arg(a.to_string())
            .arg("--spool")
            .arg(&spool),
    );
    assert!(why.contains("Not tried yet"), "{why}");
    assert!(why.contains("not running"), "{why}");
    let why = stdout(
        mailway()
            .args(["queue", "why", "--lang", "es"])
            .arg(a.to_string())
            .arg("--spool")
            .arg(&spool),
    );
    let flat = why.split_whitespace().collect::<Vec<_>>().join(" ");
    for es in [
        "En la cola desde hace",
        "queda 1 de 1 destinatario por entregar",
        "caduca dentro de 4 días",
        "el relay no está en marcha",
        "bob@dest.test — pendiente",
        "Todavía no se ha intentado.",
        "Si sigue fallando, el mensaje caduca dentro de",
    ] {
        assert!(flat.contains(es), "no {es:?} in:\n{why}");
    }
    for en in [
        "Queued",
        "still to deliver",
        "Next attempt",
        "expires",
        "not running",
        "pending",
        "Not tried yet",
        " days",
        " ago",
    ] {
        assert!(!why.contains(en), "English {en:?} in:\n{why}");
    }

    let r = stdout(
        mailway()
            .args(["queue", "retry", "--all", "--spool"])
            .arg(&spool),
    );
    assert!(r.contains("when `mailway serve` starts"), "{r}");
    let out = stdout(
        mailway()
            .args(["queue", "bounce"])
            .arg(a.to_string())
            .arg("--spool")
            .arg(&spool),
    );
    assert!(out.contains("failed (5.0.0)"), "{out}");
    let out = stdout(
        mailway()
            .args(["queue", "delete"])
            .arg(b.to_string())
            .arg("--spool")
            .arg(&spool),
    );
    assert!(out.contains("deleted"), "{out}");
    // only the failure notice for a's sender remains
    let js = stdout(
        mailway()
            .args(["queue", "ls", "--json", "--spool"])
            .arg(&spool),
    );
    let v: serde_json::Value = serde_json::from_str(&js).unwrap();
    let msgs = v["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 1, "{js}");
    assert_eq!(msgs[0]["sender"], "");
    assert_eq!(msgs[0]["recipients"][0]["address"], "alice@example.org");

    // errors: unknown id, bad id, no spool
    let out = mailway()
        .args(["queue", "why", "0000000000000001", "--spool"])
        .arg(&spool)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no message 0000000000000001"));
    let out = mailway()
        .args(["queue", "why", "xyz", "--spool"])
        .arg(&spool)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a queue id"));
    let out = mailway()
        .args(["queue", "ls", "--spool"])
        .arg(dir.path().join("nope"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no mailway spool"));
    assert!(
        !dir.path().join("nope").exists(),
        "ls must not create a spool"
    );
}

#[test]
fn running_daemon_over_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let spool = dir.path().join("spool");
    let (relay, id) = rt.block_on(async {
        let relay = Relay::builder(opts(dir.path())).start().await.unwrap();
        let mut events = relay.subscribe();
        let id = relay
            .accept(
                Envelope::new("alice@example.org", ["bob@dest.test"]),
                MSG.to_vec(),
            )
            .await
            .unwrap();
        // wait for the first (failed) attempt
        loop {
            let ev = tokio::time::timeout(Duration::from_secs(10), events.recv())
                .await
                .unwrap()
                .unwrap();
            if ev.kind.name() == "deferred" {
                break;
            }
        }
        let app = axum::Router::new()
            .merge(mailway_web::queue_api::routes::<Relay>())
            .with_state(relay.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        relay.advertise_api(listener.local_addr().unwrap()).unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        (relay, id)
    });
    let ls = stdout(mailway().args(["queue", "ls", "--spool"]).arg(&spool));
    assert!(ls.contains(&id.to_string()), "{ls}");
    assert!(
        ls.contains("deferred (1 attempt, next in 4 minutes")
            || ls.contains("deferred (1 attempt, next in 5 minutes"),
        "{ls}"
    );
    assert!(ls.contains("Connection refused"), "{ls}");
    let why = stdout(
        mailway()
            .args(["queue", "why", "--lang", "es"])
            .arg(id.to_string())
            .arg("--spool")
            .arg(&spool),
    );
    let flat = why.split_whitespace().collect::<Vec<_>>().join(" ");
    for es in [
        "bob@dest.test — aplazado",
        "Sigue en la cola porque el último intento, hace ",
        "falló de forma temporal (intentos hasta ahora: 1)",
        "Connection refused",
        "Próximo intento: dentro de ",
        "Si sigue fallando, el mensaje caduca dentro de 4 días",
        // the facts behind the relay's English words, over the API too
        "y el remitente recibe un aviso de fallo (5.4.7).",
        "El remitente recibirá un aviso de retraso dentro de 3 horas",
        "Clasificación: networkerror (temporal)",
    ] {
        assert!(flat.contains(es), "no {es:?} in:\n{why}");
    }
    for en in [
        "failed temporarily",
        "Still in the queue",
        "Next attempt",
        "expires",
        "Queued",
        "deferred",
        "Likely causes",
        "What the admin can do",
        "Classification",
        "temporary",
        "failure notice",
        "delay warning",
        "not running",
    ] {
        assert!(!why.contains(en), "English {en:?} in:\n{why}");
    }
    let why_en = stdout(
        mailway()
            .args(["queue", "why", "--lang", "en"])
            .arg(id.to_string())
            .arg("--spool")
            .arg(&spool),
    );
    assert!(
        why_en.contains("failed temporarily") && why_en.contains("Connection refused"),
        "{why_en}"
    );
    let flat_en = why_en.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        "(reason: networkerror, temporary)",
        "Classification: networkerror (temporary)",
        "and the sender gets a failure notice (5.4.7).",
        "A delay warning goes to the sender in 3 hours",
    ] {
        assert!(flat_en.contains(want), "no {want:?} in:\n{why_en}");
    }
    let js = stdout(
        mailway()
            .args(["queue", "why", "--json"])
            .arg(id.to_string())
            .arg("--spool")
            .arg(&spool),
    );
    let v: serde_json::Value = serde_json::from_str(&js).unwrap();
    assert_eq!(v["recipients"][0]["state"], "deferred");
    assert_eq!(v["offline"], false, "{js}");
    assert_eq!(
        v["recipients"][0]["classification"]["reason"], "networkerror",
        "{js}"
    );
    assert!(v["recipients"][0]["delay_warning_at"].is_string(), "{js}");
    let out = stdout(
        mailway()
            .args(["queue", "retry"])
            .arg(id.to_string())
            .arg("--spool")
            .arg(&spool),
    );
    assert!(out.contains("1 message(s) scheduled"), "{out}");
    let show = stdout(
        mailway()
            .args(["queue", "show"])
            .arg(id.to_string())
            .arg("--spool")
            .arg(&spool),
    );
    assert!(show.contains("Message-ID:   <q1@example.org>"), "{show}");
    assert!(show.contains("bob@dest.test"), "{show}");
    assert!(show.contains("Subject: hello queue"), "{show}");
    let js = stdout(
        mailway()
            .args(["queue", "show", "--json"])
            .arg(id.to_string())
            .arg("--spool")
            .arg(&spool),
    );
    let v: serde_json::Value = serde_json::from_str(&js).unwrap();
    assert_eq!(
        v["record"]["recipients"][0]["address"], "bob@dest.test",
        "{js}"
    );
    // retry --all over the API: the daemon answers how many it rescheduled
    let js = stdout(
        mailway()
            .args(["queue", "retry", "--all", "--json", "--spool"])
            .arg(&spool),
    );
    let v: serde_json::Value = serde_json::from_str(&js).unwrap();
    assert!(v["retried"].as_u64().is_some(), "{js}");
    // bounce over the API: a second message fails now, its sender gets a notice
    let id2 = rt.block_on(async {
        relay
            .accept(
                Envelope::new("carol@example.org", ["dan@dest.test"]),
                MSG.to_vec(),
            )
            .await
            .unwrap()
    });
    let out = stdout(
        mailway()
            .args(["queue", "bounce"])
            .arg(id2.to_string())
            .arg("--spool")
            .arg(&spool),
    );
    assert!(out.contains("failed (5.0.0)"), "{out}");
    let ls = relay.list(&Default::default());
    assert!(
        !ls.iter().any(|m| m.id == id2),
        "bounced message still queued"
    );
    assert!(
        ls.iter()
            .any(|m| m.sender.is_empty() && m.recipients[0].address == "carol@example.org"),
        "no failure notice for carol: {ls:?}"
    );
    let out = stdout(
        mailway()
            .args(["queue", "delete"])
            .arg(id.to_string())
            .arg("--spool")
            .arg(&spool),
    );
    assert!(out.contains("deleted"), "{out}");
    let ls = relay.list(&Default::default());
    assert!(
        !ls.iter().any(|m| m.id == id),
        "deleted message still queued"
    );
    // a wrong --api address is a clear error
    let out = mailway()
        .args(["queue", "ls", "--api", "127.0.40.9:9", "--spool"])
        .arg(&spool)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach the mailway API"));
    rt.block_on(relay.shutdown());
}

/// `queue why` for a deferred message on a stopped daemon's spool says every fact the issue
/// asks for, in English (the relay's words) and in Spanish (rendered from the report's fields):
/// why it is still there, the last reply and its classification (a server's reply and a local
/// error), when the next attempt is, when it expires and what happens then, the delay warning.
#[test]
fn why_a_deferred_message_on_a_stopped_spool() {
    use mailway_spool::{LastReply, MessageRecord, RcptState, Spool, SpoolOptions};
    use std::time::SystemTime;

    let dir = tempfile::tempdir().unwrap();
    let spool_dir = dir.path().join("spool");
    let now = SystemTime::now();
    let min = |m: u64| Duration::from_secs(60 * m);
    let id = {
        let spool = Spool::open(&spool_dir, SpoolOptions::default()).unwrap();
        let arrival = now - min(120);
        let id = spool.new_id(arrival);
        let mut rec = MessageRecord::new(
            id,
            arrival,
            Envelope::new("alice@example.org", ["bob@dest.test", "carol@dest.test"]),
            MSG.len() as u64,
        );
        spool.store(&rec, MSG).unwrap();
        let mta = Some("mx.dest.test [127.0.40.9]".to_string());
        let bob = &mut rec.recipients[0];
        bob.state = RcptState::Deferred;
        bob.attempts = 3;
        bob.last_attempt = Some(now - min(10));
        bob.next_attempt = Some(now - min(1) - Duration::from_secs(30));
        bob.last_reply = Some(LastReply {
            at: now - min(10),
            text: "452 4.2.2 <bob@dest.test>: Mailbox full".into(),
            smtp: true,
            remote_mta: mta.clone(),
            command: Some("RCPT".into()),
        });
        bob.last_smtp_reply = bob.last_reply.clone();
        let carol = &mut rec.recipients[1];
        carol.state = RcptState::Deferred;
        carol.attempts = 2;
        carol.last_attempt = Some(now - min(10));
        carol.next_attempt = Some(now + min(20));
        carol.last_reply = Some(LastReply {
            at: now - min(10),
            text: "connect to mx.dest.test[127.0.40.9]:25: Connection timed out".into(),
            smtp: false,
            remote_mta: None,
            command: Some("CONNECT".into()),
        });
        carol.last_smtp_reply = Some(LastReply {
            at: now - min(40),
            text: "451 4.3.0 Try again later".into(),
            smtp: true,
            remote_mta: mta,
            command: Some("RCPT".into()),
        });
        spool.update(&rec).unwrap();
        id
    };
    let why = |lang: &str| {
        let out = stdout(
            mailway()
                .args(["queue", "why", "--lang", lang])
                .arg(id.to_string())
                .arg("--spool")
                .arg(&spool_dir),
        );
        (out.split_whitespace().collect::<Vec<_>>().join(" "), out)
    };
    let (en, raw) = why("en");
    for want in [
        "Queued 2 hours ago; 2 of 2 recipients still to deliver.",
        "not running",
        // bob: a server's reply, classified; the overdue attempt waits for the daemon
        "failed temporarily: mx.dest.test [127.0.40.9] answered \"452 4.2.2 <bob@dest.test>: Mailbox full\" (reason: mailboxfull, temporary).",
        "Classification: mailboxfull (temporary)",
        "The next attempt was due 1 minute ago",
        "it is made as soon as `mailway serve` runs.",
        "If it still fails, the message expires in 4 days 21 hours",
        "and the sender gets a failure notice (5.4.7).",
        "A delay warning goes to the sender in 1 hour 59 minutes",
        // carol: a local error, classified too, and the last words of a server
        "Connection timed out (reason: networkerror, temporary).",
        "Classification: networkerror (temporary)",
        "The last answer from a server was \"451 4.3.0 Try again later\" from mx.dest.test [127.0.40.9].",
        "Next attempt in 19 minutes",
    ] {
        assert!(en.contains(want), "no {want:?} in:\n{raw}");
    }
    let (es, raw) = why("es");
    for want in [
        "En la cola desde hace 2 horas; quedan 2 de 2 destinatarios por entregar.",
        "el relay no está en marcha",
        "bob@dest.test — aplazado",
        "Sigue en la cola porque el último intento, hace 10 minutos",
        "falló de forma temporal (intentos hasta ahora: 3)",
        "mx.dest.test [127.0.40.9] respondió «452 4.2.2 <bob@dest.test>: Mailbox full».",
        "Clasificación: mailboxfull (temporal)",
        "El próximo intento tocaba hace 1 minuto",
        "se hará en cuanto arranque `mailway serve`.",
        "Si sigue fallando, el mensaje caduca dentro de 4 días 21 horas",
        "y el remitente recibe un aviso de fallo (5.4.7).",
        "El remitente recibirá un aviso de retraso dentro de 1 hora 59 minutos",
        "connect to mx.dest.test[127.0.40.9]:25: Connection timed out.",
        "Clasificación: networkerror (temporal)",
        "La última respuesta de un servidor fue «451 4.3.0 Try again later», de mx.dest.test [127.0.40.9].",
        "Próximo intento: dentro de 19 minutos",
    ] {
        assert!(es.contains(want), "no {want:?} in:\n{raw}");
    }
    for english in [
        "Queued",
        "Next attempt",
        "next attempt",
        "expires",
        "failure notice",
        "delay warning",
        "as soon as",
        "answered",
        "Classification",
        "temporary",
        "not running",
        " ago",
    ] {
        assert!(!es.contains(english), "English {english:?} in:\n{raw}");
    }
    let js = stdout(
        mailway()
            .args(["queue", "why", "--json"])
            .arg(id.to_string())
            .arg("--spool")
            .arg(&spool_dir),
    );
    let v: serde_json::Value = serde_json::from_str(&js).unwrap();
    assert_eq!(v["offline"], true, "{js}");
    assert_eq!(v["held"], false, "{js}");
    assert!(v["delay_warning_at"].is_string(), "{js}");
    let (bob, carol) = (&v["recipients"][0], &v["recipients"][1]);
    assert_eq!(bob["classification"]["reason"], "mailboxfull", "{js}");
    assert_eq!(bob["classification"]["temporality"], "transient", "{js}");
    assert_eq!(bob["last_reply_smtp"], true, "{js}");
    assert_eq!(bob["failure_notice"], true, "{js}");
    assert!(bob["next_attempt"].is_string(), "{js}");
    assert_eq!(carol["classification"]["reason"], "networkerror", "{js}");
    assert_eq!(carol["classification"]["rule"], "local-error", "{js}");
    assert_eq!(carol["last_reply_smtp"], false, "{js}");
    assert_eq!(
        carol["last_server_reply"], "451 4.3.0 Try again later",
        "{js}"
    );
    assert_eq!(
        carol["last_server_reply_from"], "mx.dest.test [127.0.40.9]",
        "{js}"
    );
}
