//! Text output of `mailway logs summary`.

use std::io::Write;

use mailway_logs::summary::Report;
use mailway_logs::time::{Zone, fmt_duration};

/// A simple left/right aligned table.
pub struct Table {
    head: Vec<String>,
    right: Vec<bool>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Columns: name, right-aligned?
    pub fn new(cols: &[(&str, bool)]) -> Self {
        Self {
            head: cols.iter().map(|c| c.0.to_string()).collect(),
            right: cols.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, r: Vec<String>) {
        self.rows.push(r);
    }

    /// Writes with two-space indentation; the last column may be cut to `max_last` characters.
    pub fn write(&self, w: &mut dyn Write, max_last: usize) -> std::io::Result<()> {
        let n = self.head.len();
        let mut width = vec![0usize; n];
        for r in std::iter::once(&self.head).chain(self.rows.iter()) {
            for (i, c) in r.iter().enumerate().take(n) {
                let len = if i == n - 1 {
                    c.chars().count().min(max_last)
                } else {
                    c.chars().count()
                };
                width[i] = width[i].max(len);
            }
        }
        let head = self.head.iter().any(|h| !h.is_empty());
        for r in std::iter::once(&self.head)
            .skip(usize::from(!head))
            .chain(self.rows.iter())
        {
            let mut line = String::from("  ");
            for (i, c) in r.iter().enumerate().take(n) {
                let c: String = if i == n - 1 && c.chars().count() > max_last {
                    let mut s: String = c.chars().take(max_last.saturating_sub(1)).collect();
                    s.push('…');
                    s
                } else {
                    c.clone()
                };
                if i == n - 1 && !self.right[i] {
                    line.push_str(&c);
                } else if self.right[i] {
                    line.push_str(&format!("{:>w$}", c, w = width[i]));
                } else {
                    line.push_str(&format!("{:<w$}", c, w = width[i]));
                }
                if i + 1 < n {
                    line.push_str("  ");
                }
            }
            writeln!(w, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

fn opt_secs(v: Option<f64>) -> String {
    v.map_or("-".into(), |s| {
        if s < 60.0 {
            format!("{s:.1}s")
        } else {
            fmt_duration(s as i64)
        }
    })
}

fn opt_dur(v: Option<u64>) -> String {
    v.map_or("-".into(), |s| fmt_duration(s as i64))
}

fn term_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(120)
        .max(60)
}

fn short_time(s: &str) -> String {
    // "2026-11-27T19:36:37+00:00" → "2026-11-27 19:36:37"
    s.get(..19)
        .map(|x| x.replace('T', " "))
        .unwrap_or_else(|| s.to_string())
}

/// Writes the summary for people.
pub fn summary(
    w: &mut dyn Write,
    r: &Report,
    zone: &Zone,
    top: usize,
    verbose: bool,
) -> std::io::Result<()> {
    let width = term_width();
    let t = &r.totals;
    let files = r.inputs.len();
    match (&r.period.first, &r.period.last) {
        (Some(f), Some(l)) => writeln!(
            w,
            "Mail log summary: {} → {} ({}, times in {}), {} lines from {} input{}",
            short_time(f),
            short_time(l),
            fmt_duration(r.period.seconds),
            zone.name(),
            r.lines.total,
            files,
            if files == 1 { "" } else { "s" }
        )?,
        _ => writeln!(
            w,
            "Mail log summary: no mail events found ({} lines read)",
            r.lines.total
        )?,
    }
    writeln!(w)?;
    writeln!(w, "Totals")?;
    let mut tt = Table::new(&[("", false), ("", true), ("", false)]);
    tt.row(vec![
        "received".into(),
        t.received.to_string(),
        "messages entered the queue".into(),
    ]);
    tt.row(vec![
        "delivered".into(),
        t.delivered.to_string(),
        "recipient deliveries".into(),
    ]);
    tt.row(vec![
        "deferred".into(),
        t.deferred_attempts.to_string(),
        format!(
            "temporary failures (attempts), affecting {} message{}; the server retries these",
            t.deferred_messages,
            if t.deferred_messages == 1 { "" } else { "s" }
        ),
    ]);
    tt.row(vec![
        "bounced".into(),
        t.bounced.to_string(),
        "recipients failed permanently (sender notified)".into(),
    ]);
    tt.row(vec![
        "expired".into(),
        t.expired.to_string(),
        "messages given up after the queue lifetime and returned to the sender".into(),
    ]);
    tt.row(vec![
        "rejected".into(),
        r.rejections.rejected.to_string(),
        format!(
            "refused during the SMTP conversation{}",
            if r.rejections.warnings > 0 {
                format!(" (plus {} warning-only)", r.rejections.warnings)
            } else {
                String::new()
            }
        ),
    ]);
    let n = &r.notifications;
    tt.row(vec![
        "notifications".into(),
        (n.non_delivery + n.delay + n.success + n.postmaster).to_string(),
        format!(
            "{} non-delivery, {} delay warnings, {} success",
            n.non_delivery, n.delay, n.success
        ),
    ]);
    if !r.pending.is_empty() {
        tt.row(vec![
            "pending".into(),
            r.pending.len().to_string(),
            "messages still in the queue at the end of the log".into(),
        ]);
    }
    tt.write(w, width)?;

    section(
        w,
        "By destination domain",
        &[
            ("domain", false),
            ("delivered", true),
            ("deferred", true),
            ("(rcpts)", true),
            ("bounced", true),
            ("expired", true),
            ("avg delay", true),
            ("max delay", true),
        ],
        &r.by_domain,
        Some(top),
        width,
        |d| {
            vec![
                d.domain.clone(),
                d.delivered.to_string(),
                d.deferred_attempts.to_string(),
                d.deferred_recipients.to_string(),
                d.bounced.to_string(),
                d.expired.to_string(),
                opt_secs(d.avg_delay_s),
                opt_secs(d.max_delay_s),
            ]
        },
    )?;
    section(
        w,
        "By relay host",
        &[
            ("relay", false),
            ("delivered", true),
            ("deferred", true),
            ("bounced", true),
            ("avg delay", true),
        ],
        &r.by_relay,
        Some(top),
        width,
        |d| {
            vec![
                d.relay.clone(),
                d.delivered.to_string(),
                d.deferred_attempts.to_string(),
                d.bounced.to_string(),
                opt_secs(d.avg_delay_s),
            ]
        },
    )?;
    section(
        w,
        "Why (reason of failed attempts)",
        &[
            ("reason", false),
            ("deferred", true),
            ("bounced", true),
            ("expired", true),
        ],
        &r.by_reason,
        Some(top),
        width,
        |d| {
            vec![
                d.reason.clone(),
                d.deferred_attempts.to_string(),
                d.bounced.to_string(),
                d.expired.to_string(),
            ]
        },
    )?;
    section(
        w,
        "Where (SMTP stage of failed attempts)",
        &[("stage", false), ("deferred", true), ("bounced", true)],
        &r.by_stage,
        None,
        width,
        |d| {
            vec![
                d.stage.clone(),
                d.deferred_attempts.to_string(),
                d.bounced.to_string(),
            ]
        },
    )?;
    for (title, rows) in [
        ("Deferral texts (recipients normalised)", &r.deferral_texts),
        ("Bounce texts (recipients normalised)", &r.bounce_texts),
    ] {
        section(
            w,
            title,
            &[
                ("attempts", true),
                ("rcpts", true),
                ("reason", false),
                ("text", false),
            ],
            rows,
            Some(top),
            width.saturating_sub(40).max(40),
            |d| {
                vec![
                    d.attempts.to_string(),
                    d.recipients.to_string(),
                    d.reason.clone(),
                    d.text.clone(),
                ]
            },
        )?;
    }
    // the "(all)" row comes first and does not count against --top
    section(
        w,
        "Do deferrals fix themselves? (recipients deferred at least once)",
        &[
            ("domain", false),
            ("deferred", true),
            ("then delivered", true),
            ("bounced", true),
            ("expired", true),
            ("pending", true),
            ("resolved", true),
            ("extra delay p50", true),
            ("p90", true),
        ],
        &r.self_resolution[..r.self_resolution.len().min(top + 1)],
        None,
        width,
        |d| {
            vec![
                if d.domain == "*" {
                    "(all)".into()
                } else {
                    d.domain.clone()
                },
                d.deferred.to_string(),
                d.delivered.to_string(),
                d.bounced.to_string(),
                d.expired.to_string(),
                d.pending.to_string(),
                d.resolved_share
                    .map_or("-".into(), |s| format!("{:.0}%", s * 100.0)),
                opt_dur(d.extra_delay_p50_s),
                opt_dur(d.extra_delay_p90_s),
            ]
        },
    )?;
    section(
        w,
        &format!(
            "Still in the queue at the end of the log (queue lifetime {}), closest to expiry first",
            fmt_duration(r.queue_lifetime_s)
        ),
        &[
            ("queue id", false),
            ("age", true),
            ("time left", true),
            ("deferrals", true),
            ("recipients", false),
            ("last reason", false),
        ],
        &r.pending,
        Some(top),
        width,
        |p| {
            let left = if p.time_left_s < 0 {
                format!("overdue {}", fmt_duration(-p.time_left_s))
            } else {
                fmt_duration(p.time_left_s)
            };
            let mut rc = p.recipients.join(", ");
            if rc.is_empty() {
                rc = "-".into();
            }
            let mark = if p.held {
                " (held)"
            } else if p.expiring_soon {
                " !"
            } else {
                ""
            };
            vec![
                format!("{}{mark}", p.queue_id),
                fmt_duration(p.age_s),
                left,
                p.deferrals.to_string(),
                rc,
                p.last_reason.clone().unwrap_or_else(|| "-".into()),
            ]
        },
    )?;
    section(
        w,
        "Expired (returned to sender)",
        &[
            ("queue id", false),
            ("in queue", true),
            ("deferrals", true),
            ("recipients", false),
            ("last text", false),
        ],
        &r.expired_messages,
        Some(top),
        width.saturating_sub(50).max(40),
        |e| {
            vec![
                e.queue_id.clone(),
                fmt_duration(e.in_queue_s),
                e.deferrals.to_string(),
                e.recipients.join(", "),
                e.last_text.clone().unwrap_or_else(|| "-".into()),
            ]
        },
    )?;
    if !r.hourly.is_empty() {
        writeln!(w)?;
        let many = r.hourly.len() > 48;
        if many {
            writeln!(w, "By hour of day (over {} hours)", r.hourly.len())?;
        } else {
            writeln!(w, "By hour")?;
        }
        let mut rows: Vec<(String, [u64; 6])> = Vec::new();
        if many {
            let mut agg = [[0u64; 6]; 24];
            for h in &r.hourly {
                let hh: usize = h.hour.get(11..13).and_then(|x| x.parse().ok()).unwrap_or(0);
                let a = &mut agg[hh % 24];
                for (i, v) in [
                    h.received,
                    h.delivered,
                    h.deferred,
                    h.bounced,
                    h.expired,
                    h.rejected,
                ]
                .into_iter()
                .enumerate()
                {
                    a[i] += v;
                }
            }
            for (i, a) in agg.iter().enumerate() {
                rows.push((format!("{i:02}:00"), *a));
            }
        } else {
            for h in &r.hourly {
                rows.push((
                    short_time(&h.hour)[..16].to_string(),
                    [
                        h.received,
                        h.delivered,
                        h.deferred,
                        h.bounced,
                        h.expired,
                        h.rejected,
                    ],
                ));
            }
        }
        let max = rows
            .iter()
            .map(|r| r.1[1] + r.1[2] + r.1[3])
            .max()
            .unwrap_or(1)
            .max(1);
        let mut tb = Table::new(&[
            ("hour", false),
            ("received", true),
            ("delivered", true),
            ("deferred", true),
            ("bounced", true),
            ("expired", true),
            ("rejected", true),
            ("", false),
        ]);
        for (h, a) in rows {
            let bar_len = ((a[1] + a[2] + a[3]) * 30).div_ceil(max) as usize;
            let d = (a[1] * 30).div_ceil(max) as usize;
            let bar: String = "#".repeat(d.min(bar_len)) + &"-".repeat(bar_len.saturating_sub(d));
            tb.row(vec![
                h,
                a[0].to_string(),
                a[1].to_string(),
                a[2].to_string(),
                a[3].to_string(),
                a[4].to_string(),
                a[5].to_string(),
                bar,
            ]);
        }
        tb.write(w, 40)?;
        writeln!(w, "  (# delivered, - deferred or bounced)")?;
    }
    writeln!(w)?;
    let l = &r.lines;
    writeln!(
        w,
        "Lines: {} read, {} with delivery events, {} other MTA lines, {} from other programs, {} skipped, {} unrecognised MTA lines",
        l.total, l.events, l.info, l.other_programs, l.skipped, l.unknown_mta
    )?;
    if verbose {
        for i in &r.inputs {
            writeln!(
                w,
                "  {} ({}, {} bytes): {} lines, {} skipped, {} unrecognised",
                i.name, i.format, i.bytes, i.lines.total, i.lines.skipped, i.lines.unknown_mta
            )?;
            for (n, why, text) in &i.lines.examples {
                writeln!(w, "    line {}: {}: {}", n + 1, why, text)?;
            }
        }
    } else if l.skipped + l.unknown_mta > 0 {
        writeln!(w, "  (--verbose shows examples)")?;
    }
    Ok(())
}

/// A titled table of `items` (nothing when there are none), preceded by a blank line. With
/// `top`, at most that many rows and a line saying how many more there are; `max_last` cuts the
/// last column (see [`Table::write`]).
fn section<T>(
    w: &mut dyn Write,
    title: &str,
    cols: &[(&str, bool)],
    items: &[T],
    top: Option<usize>,
    max_last: usize,
    row: impl Fn(&T) -> Vec<String>,
) -> std::io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(w)?;
    writeln!(w, "{title}")?;
    let shown = top.unwrap_or(items.len()).min(items.len());
    let mut tb = Table::new(cols);
    for it in &items[..shown] {
        tb.row(row(it));
    }
    tb.write(w, max_last)?;
    if items.len() > shown {
        writeln!(
            w,
            "  … {} more (--top N, or --json for all)",
            items.len() - shown
        )?;
    }
    Ok(())
}
