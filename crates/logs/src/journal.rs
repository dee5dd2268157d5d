//! systemd journal exports (`journalctl -o json` and `-o export`) transcoded into mailway's
//! internal line framing (`@<micros> host tag[pid]: message`), so they go through the same line
//! parsers as syslog files.

use std::io::BufRead;

use serde::Deserialize;

/// A journal field value: a string, or an array of bytes for non-UTF-8 data (as `journalctl -o
/// json` writes them), or null.
#[derive(Deserialize)]
#[serde(untagged)]
enum Value<'a> {
    Str(#[serde(borrow)] std::borrow::Cow<'a, str>),
    Bytes(Vec<u8>),
    Other(serde::de::IgnoredAny),
}

impl Value<'_> {
    fn bytes(&self) -> Option<std::borrow::Cow<'_, [u8]>> {
        match self {
            Value::Str(s) => Some(std::borrow::Cow::Borrowed(s.as_bytes())),
            Value::Bytes(b) => Some(std::borrow::Cow::Borrowed(b)),
            Value::Other(_) => None,
        }
    }
}

#[derive(Deserialize)]
struct JsonRecord<'a> {
    #[serde(rename = "MESSAGE", borrow)]
    message: Option<Value<'a>>,
    #[serde(rename = "SYSLOG_IDENTIFIER", borrow)]
    ident: Option<Value<'a>>,
    #[serde(rename = "_COMM", borrow)]
    comm: Option<Value<'a>>,
    #[serde(rename = "SYSLOG_PID", borrow)]
    syslog_pid: Option<Value<'a>>,
    #[serde(rename = "_PID", borrow)]
    pid: Option<Value<'a>>,
    #[serde(rename = "_HOSTNAME", borrow)]
    host: Option<Value<'a>>,
    #[serde(rename = "__REALTIME_TIMESTAMP", borrow)]
    realtime: Option<Value<'a>>,
    #[serde(rename = "_SOURCE_REALTIME_TIMESTAMP", borrow)]
    source_realtime: Option<Value<'a>>,
}

/// The fields mailway needs from one journal record.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Record {
    /// `_SOURCE_REALTIME_TIMESTAMP`, else `__REALTIME_TIMESTAMP` (µs since the epoch).
    pub micros: Option<i64>,
    /// `_HOSTNAME`.
    pub host: Vec<u8>,
    /// `SYSLOG_IDENTIFIER`, else `_COMM`.
    pub ident: Vec<u8>,
    /// `SYSLOG_PID`, else `_PID`.
    pub pid: Vec<u8>,
    /// `MESSAGE`.
    pub message: Vec<u8>,
}

fn micros(v: &[u8]) -> Option<i64> {
    std::str::from_utf8(v).ok()?.trim().parse().ok()
}

impl Record {
    /// Appends this record as one internal-framing line. Returns false (writing nothing) when
    /// the record has no time or no message.
    pub fn write_line(&self, out: &mut Vec<u8>) -> bool {
        let Some(ts) = self.micros else {
            return false;
        };
        if self.message.is_empty() {
            return false;
        }
        out.push(b'@');
        out.extend_from_slice(ts.to_string().as_bytes());
        out.push(b' ');
        push_token(out, &self.host, b"localhost");
        out.push(b' ');
        push_token(out, &self.ident, b"unknown");
        if !self.pid.is_empty() {
            out.push(b'[');
            push_token(out, &self.pid, b"0");
            out.push(b']');
        }
        out.extend_from_slice(b": ");
        for &c in &self.message {
            out.push(if c == b'\n' || c == b'\r' || c == 0 {
                b' '
            } else {
                c
            });
        }
        out.push(b'\n');
        true
    }
}

fn push_token(out: &mut Vec<u8>, v: &[u8], default: &[u8]) {
    let v = if v.is_empty() { default } else { v };
    for &c in v {
        out.push(
            if c.is_ascii_whitespace() || c == b':' || c == b'[' || c == b']' {
                b'_'
            } else {
                c
            },
        );
    }
}

/// Parses one `journalctl -o json` line.
pub fn parse_json_line(line: &[u8]) -> Option<Record> {
    let r: JsonRecord<'_> = serde_json::from_slice(line).ok()?;
    let b = |v: &Option<Value<'_>>| {
        v.as_ref()
            .and_then(|v| v.bytes().map(|c| c.into_owned()))
            .unwrap_or_default()
    };
    let realtime = b(&r.source_realtime);
    let realtime = if realtime.is_empty() {
        b(&r.realtime)
    } else {
        realtime
    };
    let mut ident = b(&r.ident);
    if ident.is_empty() {
        ident = b(&r.comm);
    }
    let mut pid = b(&r.syslog_pid);
    if pid.is_empty() {
        pid = b(&r.pid);
    }
    Some(Record {
        micros: micros(&realtime),
        host: b(&r.host),
        ident,
        pid,
        message: b(&r.message),
    })
}

/// Transcodes a block of `journalctl -o json` lines into internal-framing lines. Lines that are
/// not JSON records are kept as they are (they will be counted as skipped).
pub fn transcode_json(block: &[u8], out: &mut Vec<u8>) {
    for line in block.split(|&c| c == b'\n') {
        let l = line.strip_suffix(b"\r").unwrap_or(line);
        if l.is_empty() {
            continue;
        }
        match parse_json_line(l) {
            Some(r) if r.write_line(out) => {}
            _ => {
                out.extend_from_slice(b"!unreadable journal record: ");
                out.extend_from_slice(&l[..l.len().min(200)]);
                out.push(b'\n');
            }
        }
    }
}

/// Reads `journalctl -o export` records (text fields `KEY=value`, binary fields `KEY\n<u64 LE
/// length><bytes>\n`, records separated by an empty line).
pub struct ExportReader<R: BufRead> {
    r: R,
    line: Vec<u8>,
}

impl<R: BufRead> ExportReader<R> {
    /// Wraps a reader.
    pub fn new(r: R) -> Self {
        Self {
            r,
            line: Vec::new(),
        }
    }

    /// The next record, `None` at the end.
    pub fn next_record(&mut self) -> std::io::Result<Option<Record>> {
        let mut rec = Record::default();
        let mut any = false;
        let mut realtime = None;
        let mut source_realtime = None;
        let mut pid = Vec::new();
        let mut comm = Vec::new();
        loop {
            self.line.clear();
            let n = self.r.read_until(b'\n', &mut self.line)?;
            if n == 0 {
                break;
            }
            if self.line.last() == Some(&b'\n') {
                self.line.pop();
            }
            if self.line.is_empty() {
                if any {
                    break;
                }
                continue;
            }
            any = true;
            let (key, value): (Vec<u8>, Vec<u8>) = match memchr::memchr(b'=', &self.line) {
                Some(eq) => (self.line[..eq].to_vec(), self.line[eq + 1..].to_vec()),
                None => {
                    // binary field
                    let key = self.line.clone();
                    let mut len = [0u8; 8];
                    self.r.read_exact(&mut len)?;
                    let len = u64::from_le_bytes(len);
                    if len > 64 << 20 {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::InvalidData,
                            "journal export: binary field longer than 64 MiB",
                        ));
                    }
                    let mut v = vec![0u8; len as usize];
                    self.r.read_exact(&mut v)?;
                    let mut nl = [0u8; 1];
                    let _ = self.r.read_exact(&mut nl);
                    (key, v)
                }
            };
            match key.as_slice() {
                b"MESSAGE" => rec.message = value,
                b"SYSLOG_IDENTIFIER" => rec.ident = value,
                b"_COMM" => comm = value,
                b"SYSLOG_PID" => rec.pid = value,
                b"_PID" => pid = value,
                b"_HOSTNAME" => rec.host = value,
                b"__REALTIME_TIMESTAMP" => realtime = micros(&value),
                b"_SOURCE_REALTIME_TIMESTAMP" => source_realtime = micros(&value),
                _ => {}
            }
        }
        if !any {
            return Ok(None);
        }
        if rec.ident.is_empty() {
            rec.ident = comm;
        }
        if rec.pid.is_empty() {
            rec.pid = pid;
        }
        rec.micros = source_realtime.or(realtime);
        Ok(Some(rec))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_record_to_line() {
        let l = br#"{"__REALTIME_TIMESTAMP":"1795809223752331","SYSLOG_PID":"19636","MESSAGE":"D2974BC70A: from=<alice@lab.test>, size=791, nrcpt=1 (queue active)","SYSLOG_IDENTIFIER":"postfix/qmgr","_HOSTNAME":"vm","_SOURCE_REALTIME_TIMESTAMP":"1795809223752314"}"#;
        let r = parse_json_line(l).unwrap();
        let mut out = Vec::new();
        assert!(r.write_line(&mut out));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "@1795809223752314 vm postfix/qmgr[19636]: D2974BC70A: from=<alice@lab.test>, size=791, nrcpt=1 (queue active)\n"
        );
        // non-UTF-8 message as a byte array
        let l =
            br#"{"__REALTIME_TIMESTAMP":"1","MESSAGE":[104,105,10,255],"SYSLOG_IDENTIFIER":"x"}"#;
        let r = parse_json_line(l).unwrap();
        assert_eq!(r.message, vec![104, 105, 10, 255]);
    }

    #[test]
    fn export_with_binary_field() {
        let mut data = Vec::new();
        data.extend_from_slice(b"__CURSOR=s=1\n__REALTIME_TIMESTAMP=1000000\n_HOSTNAME=vm\nSYSLOG_IDENTIFIER=postfix/qmgr\nSYSLOG_PID=7\n");
        data.extend_from_slice(b"MESSAGE\n");
        let msg = b"ABCDE12345: removed\nsecond";
        data.extend_from_slice(&(msg.len() as u64).to_le_bytes());
        data.extend_from_slice(msg);
        data.extend_from_slice(b"\n\n__REALTIME_TIMESTAMP=2000000\nMESSAGE=hello\n\n");
        let mut r = ExportReader::new(&data[..]);
        let a = r.next_record().unwrap().unwrap();
        assert_eq!(a.micros, Some(1_000_000));
        assert_eq!(a.message, msg.to_vec());
        let b = r.next_record().unwrap().unwrap();
        assert_eq!(b.message, b"hello".to_vec());
        assert!(r.next_record().unwrap().is_none());
    }
}
