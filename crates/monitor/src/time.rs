//! RFC 3339 times to Unix seconds and back, and human durations (pure, no clock).

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn num(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses an RFC 3339 time (`2026-11-27T19:00:00+01:00`, `...Z`, fractions ignored) into Unix
/// seconds and the UTC offset in seconds. `None` when it is not one.
pub fn parse_rfc3339(s: &str) -> Option<(i64, i64)> {
    let s = s.trim();
    let b = s.as_bytes();
    // the date and time are ASCII digits at fixed places (checked before slicing: a
    // non-ASCII character there would put a slice boundary inside it)
    if b.len() < 20
        || !b[..19].is_ascii()
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
    {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (y, mo, d) = (num(&s[0..4])?, num(&s[5..7])?, num(&s[8..10])?);
    let (h, mi, se) = (num(&s[11..13])?, num(&s[14..16])?, num(&s[17..19])?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(r) = rest.strip_prefix('.') {
        let n = r.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &r[n..];
    }
    let off = match rest {
        "Z" | "z" => 0,
        r if r.len() == 6
            && r.is_ascii()
            && (r.starts_with('+') || r.starts_with('-'))
            && &r[3..4] == ":" =>
        {
            let (oh, om) = (num(&r[1..3])?, num(&r[4..6])?);
            if oh > 23 || om > 59 {
                return None;
            }
            let v = oh * 3600 + om * 60;
            if r.starts_with('-') { -v } else { v }
        }
        _ => return None,
    };
    let local = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se;
    Some((local - off, off))
}

/// Formats Unix seconds as RFC 3339 at a UTC offset (`Z` for 0).
pub fn format_rfc3339(t: i64, offset: i64) -> String {
    let local = t + offset;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let sod = local.rem_euclid(86_400);
    let off = if offset == 0 {
        "Z".to_string()
    } else {
        let a = offset.abs();
        format!(
            "{}{:02}:{:02}",
            if offset < 0 { '-' } else { '+' },
            a / 3600,
            a / 60 % 60
        )
    };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{off}",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// Parses a duration: plain seconds or a number with a unit, Postfix style (`300s`, `90m`, `12h`,
/// `5d`, `1w`), also combined (`1d12h`). `None` when it is not one.
pub fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Some(n) = num(s) {
        return Some(n);
    }
    let mut total = 0i64;
    let mut cur = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            cur.push(c);
            continue;
        }
        let mult = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            ' ' if cur.is_empty() => continue,
            _ => return None,
        };
        total = total.checked_add(num(&cur)?.checked_mul(mult)?)?;
        cur.clear();
    }
    if !cur.is_empty() {
        return None;
    }
    Some(total)
}

/// A duration for people: `45s`, `12m`, `3h 4m`, `4d 2h`; negatives with `-`.
pub fn human_duration(secs: i64) -> String {
    if secs < 0 {
        return format!("-{}", human_duration(-secs));
    }
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m"),
        (0, _, 0) => format!("{h}h"),
        (0, _, _) => format!("{h}h {m}m"),
        (_, 0, _) => format!("{d}d"),
        _ => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_roundtrip() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some((0, 0)));
        // a non-ASCII character where the seconds end is not a time (it panicked slicing it)
        assert_eq!(parse_rfc3339("2026-11-27T19:36:3é+00:00"), None);
        assert_eq!(parse_rfc3339("2026-11-2é19:36:37+00:00"), None);
        assert_eq!(parse_rfc3339("2026-11-27T19:36:37+0é00"), None);
        assert_eq!(parse_rfc3339("2026-11-27T19:36:37+24:00"), None);
        assert_eq!(
            parse_rfc3339("2026-11-27T19:36:37-23:59").map(|x| x.1),
            Some(-86_340)
        );
        assert_eq!(
            parse_rfc3339("2026-11-27T19:00:00+01:00"),
            Some((1_795_802_400, 3600))
        );
        let (t, o) = parse_rfc3339("2026-11-28T00:56:22.123Z").unwrap();
        assert_eq!(format_rfc3339(t, o), "2026-11-28T00:56:22Z");
        let (t, o) = parse_rfc3339("2026-03-01T00:30:00-05:30").unwrap();
        assert_eq!(format_rfc3339(t, o), "2026-03-01T00:30:00-05:30");
        assert_eq!(format_rfc3339(t, 0), "2026-03-01T06:00:00Z");
        for bad in [
            "",
            "2026-11-27",
            "2026-13-01T00:00:00Z",
            "2026-11-27T19:00:00",
            "x",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("300"), Some(300));
        assert_eq!(parse_duration("5d"), Some(432_000));
        assert_eq!(parse_duration("1d12h"), Some(129_600));
        assert_eq!(parse_duration("90m"), Some(5400));
        assert_eq!(parse_duration("1w"), Some(604_800));
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration("d"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(human_duration(45), "45s");
        assert_eq!(human_duration(3 * 3600 + 240), "3h 4m");
        assert_eq!(human_duration(-86_400 * 4 - 7200), "-4d 2h");
    }
}
