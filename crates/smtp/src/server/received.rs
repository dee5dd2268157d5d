//! The `Received:` trace header (RFC 5321 §4.4) and RFC 5322 dates, computed from a Unix time
//! passed in (no clock here).

use super::session::Transaction;

/// Formats `unix_seconds` as an RFC 5322 date in UTC, e.g. `Tue, 1 Dec 2026 09:05:03 +0000`.
pub fn format_rfc5322_date(unix_seconds: i64) -> String {
    let days = unix_seconds.div_euclid(86_400);
    let secs = unix_seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    // 1970-01-01 was a Thursday
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(m - 1) as usize];
    format!(
        "{weekday}, {d} {month} {y} {:02}:{:02}:{:02} +0000",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Days since 1970-01-01 → (year, month 1-12, day 1-31). Howard Hinnant's algorithm.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The `Received:` header line (folded, ending in `<CR><LF>`) that this server prepends to a
/// message it accepted, e.g.
///
/// ```text
/// Received: from client.example ([192.0.2.1])
///         by mx.example.test (mailway) with ESMTPS (TLSv1.3 TLS13_AES_256_GCM_SHA384)
///         id 0190ABCDEF
///         for <rcpt@example.net>; Tue, 1 Dec 2026 09:05:03 +0000
/// ```
///
/// `for` is only written for single-recipient messages (not to disclose Bcc recipients).
pub fn received_header(txn: &Transaction, by: &str, id: &str, unix_seconds: i64) -> String {
    let c = &txn.client;
    let helo = sanitize(&c.helo);
    let mut h = format!(
        "Received: from {} ([{}])\r\n\tby {} (mailway) with {}",
        if helo.is_empty() { "unknown" } else { &helo },
        c.peer.ip().to_canonical(),
        sanitize(by),
        c.protocol()
    );
    if let Some(tls) = &c.tls {
        h.push_str(&format!(
            " ({} {})",
            sanitize(&tls.version),
            sanitize(&tls.cipher)
        ));
    }
    if !id.is_empty() {
        h.push_str(&format!("\r\n\tid {}", sanitize(id)));
    }
    if let [only] = txn.recipients.as_slice() {
        h.push_str(&format!(
            "\r\n\tfor <{}>",
            sanitize(&only.mailbox.to_string())
        ));
    }
    h.push_str(&format!("; {}\r\n", format_rfc5322_date(unix_seconds)));
    h
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || c == '(' || c == ')' {
                '_'
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{Body, ClientInfo, Mailbox, Recipient, ReversePath, TlsInfo};

    #[test]
    fn dates() {
        assert_eq!(format_rfc5322_date(0), "Thu, 1 Jan 1970 00:00:00 +0000");
        assert_eq!(
            format_rfc5322_date(951_782_400),
            "Tue, 29 Feb 2000 00:00:00 +0000"
        );
        assert_eq!(
            format_rfc5322_date(1_796_101_503),
            "Tue, 1 Dec 2026 05:05:03 +0000"
        );
    }

    #[test]
    fn received() {
        let txn = Transaction {
            client: ClientInfo {
                peer: "[::ffff:192.0.2.1]:2525".parse().unwrap(),
                helo: "client(evil)\r\nX: y".into(),
                esmtp: true,
                tls: Some(TlsInfo {
                    version: "TLSv1.3".into(),
                    cipher: "TLS13_AES_128_GCM_SHA256".into(),
                }),
                auth_user: Some("bob".into()),
            },
            mail_from: ReversePath::Null,
            recipients: vec![Recipient {
                mailbox: Mailbox {
                    local_part: "a".into(),
                    domain: "b.example".into(),
                },
                notify: None,
                orcpt: None,
            }],
            body: Body::SevenBit,
            smtputf8: false,
            ret: None,
            envid: None,
            data: Vec::new(),
        };
        let h = received_header(&txn, "mx.test", "Q1", 0);
        assert_eq!(
            h,
            "Received: from client_evil___X: y ([192.0.2.1])\r\n\tby mx.test (mailway) with ESMTPSA (TLSv1.3 TLS13_AES_128_GCM_SHA256)\r\n\tid Q1\r\n\tfor <a@b.example>; Thu, 1 Jan 1970 00:00:00 +0000\r\n"
        );
    }
}
