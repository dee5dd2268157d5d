//! Ordering a rotated set of log files chronologically from their names (pure; no file access).
//!
//! logrotate and friends name older files `mail.log.1`, `mail.log.2.gz`, … (higher = older) or
//! `mail.log-20250301[.gz]` (dateext, older = smaller date); the live file has no suffix. Files
//! of one set are read oldest first; sets keep the order in which they were first named.

use std::path::{Path, PathBuf};

const COMPRESSED: &[&str] = &[".gz", ".bz2", ".xz", ".zst", ".lz4", ".z", ".Z"];

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Age {
    /// `.N`: older when N is higher.
    Numbered(std::cmp::Reverse<u64>),
    /// dateext: older when the date is smaller.
    Dated(u64),
    /// The live file.
    Current,
}

fn split(name: &str) -> (String, Age) {
    let mut n = name;
    for c in COMPRESSED {
        if let Some(s) = n.strip_suffix(c) {
            n = s;
            break;
        }
    }
    // base.N
    if let Some((base, num)) = n.rsplit_once('.')
        && !num.is_empty()
        && num.len() <= 4
        && num.bytes().all(|b| b.is_ascii_digit())
        && !base.is_empty()
    {
        return (
            base.to_string(),
            Age::Numbered(std::cmp::Reverse(num.parse().unwrap_or(0))),
        );
    }
    // base-YYYYMMDD[HH] or base.YYYYMMDD or base-YYYY-MM-DD
    for sep in ['-', '.', '_'] {
        if let Some((base, d)) = n.rsplit_once(sep) {
            let digits: String = d.chars().filter(|c| c.is_ascii_digit()).collect();
            if (8..=14).contains(&digits.len())
                && d.chars().all(|c| c.is_ascii_digit() || c == '-')
                && d.starts_with(['1', '2'])
                && !base.is_empty()
            {
                return (base.to_string(), Age::Dated(digits.parse().unwrap_or(0)));
            }
        }
        // base-YYYY-MM-DD: the split above only sees DD
        if sep == '-' && n.len() > 11 {
            let (base, tail) = n.split_at(n.len() - 11);
            let t = tail.as_bytes();
            if t[0] == b'-'
                && t[5] == b'-'
                && t[8] == b'-'
                && tail[1..].bytes().all(|b| b.is_ascii_digit() || b == b'-')
            {
                let digits: String = tail.chars().filter(|c| c.is_ascii_digit()).collect();
                return (base.to_string(), Age::Dated(digits.parse().unwrap_or(0)));
            }
        }
    }
    (n.to_string(), Age::Current)
}

/// Orders paths: each rotated set oldest first; sets in order of first appearance; anything that
/// is not part of a rotation scheme keeps its place relative to its set.
pub fn order(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut groups: Vec<(PathBuf, Vec<(Age, usize)>)> = Vec::new();
    for (i, p) in paths.iter().enumerate() {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (base, age) = split(&name);
        let key = p.parent().unwrap_or(Path::new("")).join(&base);
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) => g.1.push((age, i)),
            None => groups.push((key, vec![(age, i)])),
        }
    }
    let mut out = Vec::with_capacity(paths.len());
    for (_, mut members) in groups {
        members.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        out.extend(members.into_iter().map(|(_, i)| paths[i].clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        let p: Vec<PathBuf> = v.iter().map(PathBuf::from).collect();
        order(&p)
            .into_iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn numbered_sets_oldest_first() {
        assert_eq!(
            names(&[
                "/var/log/mail.log",
                "/var/log/mail.log.1",
                "/var/log/mail.log.10.gz",
                "/var/log/mail.log.2.gz"
            ]),
            vec![
                "/var/log/mail.log.10.gz",
                "/var/log/mail.log.2.gz",
                "/var/log/mail.log.1",
                "/var/log/mail.log"
            ]
        );
    }

    #[test]
    fn dateext_sets() {
        assert_eq!(
            names(&["maillog", "maillog-20250302.gz", "maillog-20250301"]),
            vec!["maillog-20250301", "maillog-20250302.gz", "maillog"]
        );
        assert_eq!(
            names(&["mail.log-2025-03-02", "mail.log-2025-03-01"]),
            vec!["mail.log-2025-03-01", "mail.log-2025-03-02"]
        );
    }

    #[test]
    fn separate_sets_keep_their_order() {
        assert_eq!(
            names(&["b.log", "a.log.1", "a.log", "b.log.1"]),
            vec!["b.log.1", "b.log", "a.log.1", "a.log"]
        );
    }
}
