//! Timestamps: civil-date arithmetic, log timestamp parsing, year inference for year-less
//! syslog stamps, and time-zone resolution.
//!
//! Internally every instant is an `i64` count of microseconds since the Unix epoch (UTC).
//! Summaries work in whole seconds so that a log written with second resolution (RFC 3164) and
//! the same log with microseconds (RFC 3339) give identical results.

use std::fmt::Write as _;

/// Microseconds since the Unix epoch, UTC.
pub type Micros = i64;

/// Microseconds per second.
pub const MICROS_PER_SEC: i64 = 1_000_000;

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Month number (1-12) of an English three-letter abbreviation (`Jan`..`Dec`, any case).
pub fn month_from_abbr(b: &[u8]) -> Option<u32> {
    if b.len() < 3 {
        return None;
    }
    let k = [
        b[0].to_ascii_lowercase(),
        b[1].to_ascii_lowercase(),
        b[2].to_ascii_lowercase(),
    ];
    Some(match &k {
        b"jan" => 1,
        b"feb" => 2,
        b"mar" => 3,
        b"apr" => 4,
        b"may" => 5,
        b"jun" => 6,
        b"jul" => 7,
        b"aug" => 8,
        b"sep" => 9,
        b"oct" => 10,
        b"nov" => 11,
        b"dec" => 12,
        _ => return None,
    })
}

#[inline]
fn digit(b: u8) -> Option<u32> {
    if b.is_ascii_digit() {
        Some((b - b'0') as u32)
    } else {
        None
    }
}

#[inline]
fn two(b: &[u8], i: usize) -> Option<u32> {
    Some(digit(*b.get(i)?)? * 10 + digit(*b.get(i + 1)?)?)
}

/// `HH:MM:SS` at `i` → seconds of day.
#[inline]
fn hms(b: &[u8], i: usize) -> Option<u32> {
    let h = two(b, i)?;
    let m = two(b, i + 3)?;
    let s = two(b, i + 6)?;
    if b.get(i + 2) != Some(&b':') || b.get(i + 5) != Some(&b':') || h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(h * 3600 + m * 60 + s.min(59))
}

/// Optional `.ffffff` fraction at `i`: returns (microseconds, bytes consumed).
#[inline]
fn fraction(b: &[u8], i: usize) -> (u32, usize) {
    if b.get(i) != Some(&b'.') && b.get(i) != Some(&b',') {
        return (0, 0);
    }
    let mut n = 0usize;
    let mut us = 0u32;
    while let Some(d) = b.get(i + 1 + n).and_then(|&c| digit(c)) {
        if n < 6 {
            us = us * 10 + d;
        }
        n += 1;
    }
    if n == 0 {
        return (0, 0);
    }
    for _ in n..6 {
        us *= 10;
    }
    (us, n + 1)
}

/// A year-less RFC 3164 stamp (`Nov 27 19:36:35`, optionally with a fraction).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthDayTime {
    /// 1-12.
    pub month: u32,
    /// 1-31.
    pub day: u32,
    /// Seconds of the day.
    pub sod: u32,
    /// Microseconds.
    pub frac: u32,
}

/// Parses `Mmm dd hh:mm:ss[.ffffff]` (day space- or zero-padded) at the start of `b`.
/// Returns the stamp and its length in bytes.
pub fn parse_rfc3164(b: &[u8]) -> Option<(MonthDayTime, usize)> {
    let month = month_from_abbr(b.get(..3)?)?;
    if b.get(3) != Some(&b' ') {
        return None;
    }
    // day: " 1", "01", "1 " (single digit followed by space, seen in some relays)
    let (day, mut i) = match (b.get(4), b.get(5)) {
        (Some(b' '), Some(&d)) => (digit(d)?, 6),
        (Some(&a), Some(&c)) if c.is_ascii_digit() => (digit(a)? * 10 + digit(c)?, 6),
        (Some(&a), Some(b' ')) => (digit(a)?, 5),
        _ => return None,
    };
    if i == 5 {
        // "Mar 1 10:00:00": day already consumed, space at 5
    } else if b.get(i) != Some(&b' ') {
        return None;
    }
    i += 1;
    if !(1..=31).contains(&day) {
        return None;
    }
    let sod = hms(b, i)?;
    i += 8;
    let (frac, n) = fraction(b, i);
    i += n;
    Some((
        MonthDayTime {
            month,
            day,
            sod,
            frac,
        },
        i,
    ))
}

/// A stamp with a full date; `offset` is `None` when the stamp carries no zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTimeStamp {
    /// Seconds since the epoch as if the wall-clock time were UTC.
    pub naive: i64,
    /// Microseconds.
    pub frac: u32,
    /// UTC offset in seconds, when given.
    pub offset: Option<i32>,
}

impl DateTimeStamp {
    /// Resolves to UTC micros, with `zone` for stamps without an offset.
    pub fn resolve(&self, zone: &mut ZoneCache) -> Micros {
        let secs = match self.offset {
            Some(o) => self.naive - o as i64,
            None => zone.local_to_utc(self.naive),
        };
        secs * MICROS_PER_SEC + self.frac as i64
    }
}

fn date(b: &[u8], i: usize) -> Option<i64> {
    let y = two(b, i)? * 100 + two(b, i + 2)?;
    if b.get(i + 4) != Some(&b'-') || b.get(i + 7) != Some(&b'-') {
        return None;
    }
    let m = two(b, i + 5)?;
    let d = two(b, i + 8)?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y as i64, m, d))
}

/// Parses `Z`, `+HH:MM`, `+HHMM` or `+HH` at `i`: (offset seconds, bytes consumed).
fn zone_suffix(b: &[u8], i: usize) -> Option<(i32, usize)> {
    match b.get(i)? {
        b'Z' | b'z' => Some((0, 1)),
        s @ (b'+' | b'-') => {
            let sign = if *s == b'-' { -1 } else { 1 };
            let h = two(b, i + 1)? as i32;
            let (m, n) = if b.get(i + 3) == Some(&b':') {
                (two(b, i + 4)? as i32, 6)
            } else if let Some(m) = two(b, i + 3) {
                (m as i32, 5)
            } else {
                (0, 3)
            };
            if h > 14 || m > 59 {
                return None;
            }
            Some((sign * (h * 3600 + m * 60), n))
        }
        _ => None,
    }
}

/// Parses an ISO 8601 / RFC 3339 stamp `YYYY-MM-DDTHH:MM:SS[.f][Z|±HH:MM|±HHMM]` at the start of
/// `b`. With `sep_space`, a space may separate date and time (Exim style; then a zone, if any, is
/// separated by a space: `2024-01-01 10:00:00 +0100`).
pub fn parse_iso(b: &[u8], sep_space: bool) -> Option<(DateTimeStamp, usize)> {
    let days = date(b, 0)?;
    match b.get(10)? {
        b'T' | b't' => {}
        b' ' if sep_space => {}
        _ => return None,
    }
    let sod = hms(b, 11)?;
    let mut i = 19;
    let (frac, n) = fraction(b, i);
    i += n;
    let mut offset = None;
    if let Some((o, n)) = zone_suffix(b, i) {
        offset = Some(o);
        i += n;
    } else if sep_space
        && b.get(i) == Some(&b' ')
        && let Some((o, n)) = zone_suffix(b, i + 1)
        && n >= 5
        && b.get(i + 1 + n).is_none_or(|c| *c == b' ')
    {
        offset = Some(o);
        i += 1 + n;
    }
    Some((
        DateTimeStamp {
            naive: days * 86_400 + sod as i64,
            frac,
            offset,
        },
        i,
    ))
}

/// Where wall-clock times without an offset are interpreted.
#[derive(Debug, Clone)]
pub enum Zone {
    /// A fixed offset from UTC, in seconds (0 = UTC).
    Fixed(i32),
    /// A named or system time zone, with daylight-saving rules.
    Tz(jiff::tz::TimeZone),
}

impl Zone {
    /// UTC.
    pub fn utc() -> Self {
        Zone::Fixed(0)
    }

    /// The system's local time zone (`TZ`, `/etc/localtime`), UTC when it cannot be found.
    pub fn system() -> Self {
        Zone::Tz(jiff::tz::TimeZone::system())
    }

    /// Parses `UTC`, `local`, `+01:00` / `-0500`, or an IANA name (`Europe/Madrid`).
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("utc") || t == "Z" {
            return Ok(Zone::utc());
        }
        if t.eq_ignore_ascii_case("local") || t.eq_ignore_ascii_case("system") {
            return Ok(Zone::system());
        }
        if t.starts_with(['+', '-'])
            && let Some((o, n)) = zone_suffix(t.as_bytes(), 0)
            && n == t.len()
        {
            return Ok(Zone::Fixed(o));
        }
        jiff::tz::TimeZone::get(t)
            .map(Zone::Tz)
            .map_err(|e| format!("unknown time zone {t:?}: {e}"))
    }

    /// The offset (seconds) in force for a wall-clock time (`naive` = seconds as if UTC).
    pub fn offset_for_local(&self, naive: i64) -> i64 {
        match self {
            Zone::Fixed(o) => *o as i64,
            Zone::Tz(tz) => {
                let days = naive.div_euclid(86_400);
                let sod = naive.rem_euclid(86_400);
                let (y, m, d) = civil_from_days(days);
                let dt = jiff::civil::DateTime::new(
                    y as i16,
                    m as i8,
                    d as i8,
                    (sod / 3600) as i8,
                    (sod / 60 % 60) as i8,
                    (sod % 60) as i8,
                    0,
                );
                match dt
                    .ok()
                    .and_then(|dt| tz.to_ambiguous_timestamp(dt).compatible().ok())
                {
                    Some(ts) => naive - ts.as_second(),
                    None => 0,
                }
            }
        }
    }

    /// The offset (seconds) in force at a UTC instant.
    pub fn offset_at(&self, utc_secs: i64) -> i64 {
        match self {
            Zone::Fixed(o) => *o as i64,
            Zone::Tz(tz) => jiff::Timestamp::from_second(utc_secs)
                .map(|ts| tz.to_offset(ts).seconds() as i64)
                .unwrap_or(0),
        }
    }

    /// A short name for reports (`UTC`, `+01:00`, `Europe/Madrid`).
    pub fn name(&self) -> String {
        match self {
            Zone::Fixed(0) => "UTC".into(),
            Zone::Fixed(o) => fmt_offset(*o as i64, true),
            Zone::Tz(tz) => tz.iana_name().unwrap_or("local").to_string(),
        }
    }
}

/// A [`Zone`] with a per-hour cache (offsets change at most on hour boundaries in practice; a
/// half-hour transition is resolved on the first stamp of each hour, which is exact for every
/// zone in the tz database except during the transition hour itself).
#[derive(Debug, Clone)]
pub struct ZoneCache {
    zone: Zone,
    hour: i64,
    offset: i64,
}

impl ZoneCache {
    /// Wraps a zone.
    pub fn new(zone: Zone) -> Self {
        Self {
            zone,
            hour: i64::MIN,
            offset: 0,
        }
    }

    /// The zone.
    pub fn zone(&self) -> &Zone {
        &self.zone
    }

    /// Converts a wall-clock time (seconds as if UTC) to UTC seconds.
    #[inline]
    pub fn local_to_utc(&mut self, naive: i64) -> i64 {
        if let Zone::Fixed(o) = self.zone {
            return naive - o as i64;
        }
        let h = naive.div_euclid(3600);
        if h != self.hour {
            self.hour = h;
            self.offset = self.zone.offset_for_local(naive);
        }
        naive - self.offset
    }
}

/// How to give a year to year-less stamps of one input: the first stamp gets the year that puts
/// it at or before the reference time (file modification time, or now); every later stamp gets
/// the smallest year that keeps it no earlier than two days before the first stamp. So a log that
/// runs from December into January is read in order, and a stamp a little out of order stays in
/// its year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearHint {
    /// The year of the first stamp.
    pub base_year: i64,
    /// Wall-clock seconds (as if UTC) below which a stamp moves to the next year.
    pub floor: i64,
}

const TWO_DAYS: i64 = 2 * 86_400;

impl YearHint {
    /// From the first stamp of an input and a reference wall-clock time (seconds as if UTC).
    pub fn from_first(first: MonthDayTime, reference_naive: i64) -> Self {
        let (ry, _, _) = civil_from_days(reference_naive.div_euclid(86_400));
        let mut y = ry;
        if naive_of(y, first) > reference_naive + TWO_DAYS {
            y -= 1;
        }
        Self {
            base_year: y,
            floor: naive_of(y, first) - TWO_DAYS,
        }
    }

    /// With an explicit year for the first stamp.
    pub fn with_year(year: i64, first: MonthDayTime) -> Self {
        Self {
            base_year: year,
            floor: naive_of(year, first) - TWO_DAYS,
        }
    }

    /// Wall-clock seconds (as if UTC) of a stamp.
    #[inline]
    pub fn naive(&self, t: MonthDayTime) -> i64 {
        let n = naive_of(self.base_year, t);
        if n < self.floor {
            naive_of(self.base_year + 1, t)
        } else {
            n
        }
    }

    /// Moves the floor forward (for endless inputs such as `follow`), keeping two days of slack.
    pub fn advance(&mut self, naive: i64) {
        let f = naive - TWO_DAYS;
        if f > self.floor {
            let (y, _, _) = civil_from_days(naive.div_euclid(86_400));
            // keep base_year consistent with the floor: the year of the floor
            let (fy, _, _) = civil_from_days(f.div_euclid(86_400));
            self.base_year = fy.min(y);
            self.floor = f;
        }
    }
}

#[inline]
fn naive_of(year: i64, t: MonthDayTime) -> i64 {
    // Feb 29 in a non-leap year: days_from_civil rolls it to Mar 1, good enough for bad input
    days_from_civil(year, t.month, t.day) * 86_400 + t.sod as i64
}

fn fmt_offset(o: i64, colon: bool) -> String {
    let sign = if o < 0 { '-' } else { '+' };
    let a = o.abs();
    if colon {
        format!("{sign}{:02}:{:02}", a / 3600, a / 60 % 60)
    } else {
        format!("{sign}{:02}{:02}", a / 3600, a / 60 % 60)
    }
}

/// Formats whole seconds of an instant in `zone` as `YYYY-MM-DD HH:MM:SS`.
pub fn fmt_local(t: Micros, zone: &Zone) -> String {
    let secs = t.div_euclid(MICROS_PER_SEC);
    let local = secs + zone.offset_at(secs);
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let sod = local.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        sod / 3600,
        sod / 60 % 60,
        sod % 60
    )
}

/// Formats whole seconds of an instant in `zone` as RFC 3339 (`2026-11-27T19:36:37+00:00`).
pub fn fmt_rfc3339(t: Micros, zone: &Zone) -> String {
    let secs = t.div_euclid(MICROS_PER_SEC);
    let off = zone.offset_at(secs);
    let local = secs + off;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let sod = local.rem_euclid(86_400);
    let mut s = String::with_capacity(25);
    let _ = write!(
        s,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{}",
        sod / 3600,
        sod / 60 % 60,
        sod % 60,
        fmt_offset(off, true)
    );
    s
}

/// Formats a duration in seconds for people: `45s`, `12m 5s`, `3h 4m`, `4d 2h`, negatives with `-`.
pub fn fmt_duration(secs: i64) -> String {
    if secs < 0 {
        return format!("-{}", fmt_duration(-secs));
    }
    let (d, h, m, s) = (secs / 86_400, secs / 3600 % 24, secs / 60 % 60, secs % 60);
    if d > 0 {
        if h > 0 {
            format!("{d}d {h}h")
        } else {
            format!("{d}d")
        }
    } else if h > 0 {
        if m > 0 {
            format!("{h}h {m}m")
        } else {
            format!("{h}h")
        }
    } else if m > 0 {
        if s > 0 {
            format!("{m}m {s}s")
        } else {
            format!("{m}m")
        }
    } else {
        format!("{s}s")
    }
}

/// Parses a duration such as `5d`, `12h`, `90m`, `3600s`, `1d12h`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    let mut total = 0i64;
    let mut num = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        if c == ' ' {
            continue;
        }
        let n: i64 = num.parse().ok()?;
        num.clear();
        total += n * match c {
            'w' => 7 * 86_400,
            'd' => 86_400,
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
    }
    if !num.is_empty() {
        return None;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_roundtrip() {
        for z in [-800_000i64, -1, 0, 1, 365, 10_957, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2026, 11, 27), 20_784);
    }

    #[test]
    fn parses_rfc3164_variants() {
        let (t, n) = parse_rfc3164(b"Nov 27 19:36:35 vm postfix").unwrap();
        assert_eq!(
            (t.month, t.day, t.sod, n),
            (11, 27, 19 * 3600 + 36 * 60 + 35, 15)
        );
        let (t, n) = parse_rfc3164(b"Mar  1 00:00:01 mx1").unwrap();
        assert_eq!((t.month, t.day, t.sod, n), (3, 1, 1, 15));
        let (t, n) = parse_rfc3164(b"Nov 27 19:53:43.733626 vm").unwrap();
        assert_eq!((t.frac, n), (733_626, 22));
        assert!(parse_rfc3164(b"Foo 27 19:53:43").is_none());
        assert!(parse_rfc3164(b"Nov 27 25:53:43").is_none());
        assert!(parse_rfc3164(b"Nov").is_none());
    }

    #[test]
    fn parses_iso_variants() {
        let (t, n) = parse_iso(b"2026-11-27T19:36:35.303585+00:00 vm", false).unwrap();
        assert_eq!(t.offset, Some(0));
        assert_eq!(t.frac, 303_585);
        assert_eq!(n, 32);
        let (t, _) = parse_iso(b"2026-11-27T19:53:43+0000 vm", false).unwrap();
        assert_eq!(t.offset, Some(0));
        let (t, n) = parse_iso(b"2024-01-01 10:00:00 +0100 1abc", true).unwrap();
        assert_eq!((t.offset, n), (Some(3600), 25));
        let (t, n) = parse_iso(b"1999-03-02 09:44:33 10HmaX", true).unwrap();
        assert_eq!((t.offset, n), (None, 19));
        assert!(parse_iso(b"1999-03-02 09:44:33", false).is_none());
    }

    #[test]
    fn year_inference_across_new_year() {
        let dec30 = parse_rfc3164(b"Dec 30 23:00:00").unwrap().0;
        let jan2 = parse_rfc3164(b"Jan  2 01:00:00").unwrap().0;
        // file modified on 2026-01-02 12:00
        let reference = days_from_civil(2026, 1, 2) * 86_400 + 12 * 3600;
        let h = YearHint::from_first(dec30, reference);
        assert_eq!(h.base_year, 2025);
        assert_eq!(
            h.naive(dec30),
            days_from_civil(2025, 12, 30) * 86_400 + 23 * 3600
        );
        assert_eq!(h.naive(jan2), days_from_civil(2026, 1, 2) * 86_400 + 3600);
        // a stamp slightly out of order stays in the first year
        let dec29 = parse_rfc3164(b"Dec 29 23:59:00").unwrap().0;
        assert_eq!(h.naive(dec29) / 86_400, days_from_civil(2025, 12, 29));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("5d"), Some(432_000));
        assert_eq!(parse_duration("1d12h"), Some(129_600));
        assert_eq!(parse_duration("90"), Some(90));
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(fmt_duration(333), "5m 33s");
        assert_eq!(fmt_duration(432_000), "5d");
        assert_eq!(fmt_duration(-3600), "-1h");
    }

    #[test]
    fn zones() {
        assert_eq!(Zone::parse("+01:00").unwrap().offset_at(0), 3600);
        assert_eq!(Zone::parse("-0500").unwrap().offset_at(0), -18_000);
        let z = Zone::parse("Europe/Madrid").unwrap();
        // 2026-07-01 12:00 local is CEST (+2)
        let naive = days_from_civil(2026, 7, 1) * 86_400 + 12 * 3600;
        assert_eq!(z.offset_for_local(naive), 7200);
        assert_eq!(fmt_rfc3339(0, &Zone::utc()), "1970-01-01T00:00:00+00:00");
    }
}
