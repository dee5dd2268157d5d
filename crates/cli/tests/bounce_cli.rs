//! `mailway bounce` end to end: inputs (files, mbox, Maildir, directories, stdin), JSON Lines
//! fields, the table, exit codes and bad input.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../bounce/tests/fixtures")
        .join(name)
}

fn mailway() -> Command {
    Command::cargo_bin("mailway").expect("binary")
}

fn json_lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

const FIELDS: &[&str] = &[
    "file",
    "recipient",
    "original_recipient",
    "action",
    "status",
    "reply_code",
    "diagnostic_code",
    "reason",
    "hard_bounce",
    "remote_mta",
    "reporting_mta",
    "smtp_command",
    "last_attempt",
    "will_retry_until",
    "original_message_id",
    "original_subject",
    "original_from",
    "detector",
];

#[test]
fn json_lines_have_the_documented_fields() {
    let out = mailway()
        .args(["bounce", "--json"])
        .arg(fixture("postfix-two-recipients.eml"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let rows = json_lines(&out);
    assert_eq!(rows.len(), 2);
    for f in FIELDS {
        assert!(rows[0].get(f).is_some(), "field {f} missing: {}", rows[0]);
    }
    assert_eq!(rows[0]["recipient"], "luis@example.org");
    assert_eq!(rows[0]["status"], "5.1.1");
    assert_eq!(rows[0]["reply_code"], 550);
    assert_eq!(rows[0]["reason"], "userunknown");
    assert_eq!(rows[0]["hard_bounce"], true);
    assert_eq!(rows[0]["smtp_command"], "RCPT");
    assert_eq!(
        rows[0]["original_subject"],
        "Minutes of the Tuesday meeting"
    );
    assert_eq!(rows[1]["reason"], "mailboxfull");
    assert_eq!(rows[1]["hard_bounce"], false);
    assert!(
        rows[0]["file"]
            .as_str()
            .unwrap()
            .ends_with("postfix-two-recipients.eml")
    );
}

#[test]
fn table_is_aligned_and_exit_zero() {
    let out = mailway()
        .arg("bounce")
        .arg(fixture("exim-two-recipients.eml"))
        .arg(fixture("qmail-failure.eml"))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("FILE"), "{text}");
    assert_eq!(lines.len(), 5, "header + 4 records:\n{text}");
    // every column starts at the same offset on every line
    let col = lines[0].find("RECIPIENT").unwrap();
    for l in &lines[1..] {
        assert_eq!(&l[col - 2..col], "  ", "misaligned: {l}");
        assert_ne!(&l[col..col + 1], " ", "misaligned: {l}");
    }
}

#[test]
fn nothing_recognised_exits_one() {
    let a = mailway()
        .args(["bounce", "--json"])
        .arg(fixture("not-a-bounce.eml"))
        .assert()
        .code(1)
        .stdout("");
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(
        err.contains("not-a-bounce.eml: no bounce recognised"),
        "{err}"
    );
}

#[test]
fn stdin_and_mbox_with_from_quoting() {
    let mbox = std::fs::read(fixture("two-bounces.mbox")).unwrap();
    let out = mailway()
        .args(["bounce", "--json", "-"])
        .write_stdin(mbox)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let rows = json_lines(&out);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["file"], "<stdin>");
    assert_eq!(rows[0]["msg"], 1);
    assert_eq!(rows[1]["msg"], 2);
    assert_eq!(rows[1]["recipient"], "full@example.org");
    assert_eq!(rows[1]["reason"], "mailboxfull");
}

/// Runs `mailway bounce --json` with `args` (paths, stdin) on one thread and on two; asserts
/// exit code 0 and the same stdout and stderr, and returns them.
fn same_on_one_and_two_threads(args: impl Fn(&mut Command)) -> (Vec<u8>, Vec<u8>) {
    let run = |j: &str| {
        let mut c = mailway();
        c.args(["bounce", "--json", "-j", j]);
        args(&mut c);
        let out = c.assert().code(0).get_output().clone();
        (out.stdout, out.stderr)
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    one
}

#[test]
fn one_thread_and_several_give_the_same_output() {
    // `-j 1` runs on the calling thread without a pool: same records, same message numbers
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("two-bounces.mbox"), dir.path().join("a.mbox")).unwrap();
    std::fs::copy(fixture("exim-two-recipients.eml"), dir.path().join("b.eml")).unwrap();
    std::fs::copy(fixture("not-a-bounce.eml"), dir.path().join("c.eml")).unwrap();
    let one = same_on_one_and_two_threads(|c| {
        c.arg(dir.path());
    });
    let rows = json_lines(&one.0);
    let msgs: Vec<i64> = rows.iter().map(|r| r["msg"].as_i64().unwrap()).collect();
    assert_eq!(msgs, [1, 2, 1, 1], "{rows:?}");
}

/// Results are written file by file as they are analysed (in parallel a chunk of files at a
/// time): the output keeps argument order, stdin where `-` stands, over more files than one
/// chunk holds, on one thread and on several.
#[test]
fn output_keeps_argument_order_across_chunks_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let names = [
        "exim-two-recipients.eml",
        "not-a-bounce.eml",
        "two-bounces.mbox",
    ];
    for i in 0..700 {
        let name = names[i % names.len()];
        std::fs::copy(fixture(name), dir.path().join(format!("{i:04}-{name}"))).unwrap();
    }
    let single = fixture("exim-two-recipients.eml");
    let mbox = std::fs::read(fixture("two-bounces.mbox")).unwrap();
    let one = same_on_one_and_two_threads(|c| {
        c.arg(&single)
            .arg("-")
            .arg(dir.path())
            .write_stdin(mbox.clone());
    });
    let rows = json_lines(&one.0);
    let files: Vec<String> = rows
        .iter()
        .map(|r| r["file"].as_str().unwrap().to_string())
        .collect();
    // the single file's two recipients, then stdin's two messages, then the directory sorted
    assert_eq!(files[0], single.display().to_string());
    assert_eq!(files[1], single.display().to_string());
    assert_eq!(files[2], "<stdin>");
    assert_eq!(files[3], "<stdin>");
    let in_dir: Vec<&String> = files[4..].iter().collect();
    let mut sorted = in_dir.clone();
    sorted.sort();
    assert_eq!(in_dir, sorted);
    // 700 files: two thirds of them hold two records each, the rest none
    assert_eq!(rows.len(), 4 + 2 * (700 - 700 / 3));
    let not_bounce = String::from_utf8_lossy(&one.1)
        .lines()
        .filter(|l| l.contains("not-a-bounce"))
        .count();
    assert_eq!(not_bounce, 700 / 3);
}

#[test]
fn maildir_and_directories_are_walked() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(md.join(sub)).unwrap();
    }
    std::fs::copy(fixture("qmail-failure.eml"), md.join("cur/1.host:2,S")).unwrap();
    std::fs::copy(fixture("exim-two-recipients.eml"), md.join("new/2.host")).unwrap();
    // a message being written (tmp/) and Dovecot's index files are not read
    std::fs::write(md.join("tmp/3.host"), b"half a message").unwrap();
    std::fs::write(md.join("dovecot-uidlist"), b"3 V1 N2\n").unwrap();
    let nested = dir.path().join("archive/2026");
    std::fs::create_dir_all(&nested).unwrap();
    std::fs::copy(fixture("postfix-two-recipients.eml"), nested.join("b.eml")).unwrap();
    std::fs::write(dir.path().join(".hidden"), b"ignored").unwrap();

    let out = mailway()
        .args(["bounce", "--json", "-j", "2"])
        .arg(dir.path())
        .assert()
        .success()
        .get_output()
        .clone();
    let rows = json_lines(&out.stdout);
    assert_eq!(rows.len(), 6, "{}", String::from_utf8_lossy(&out.stderr));
    let detectors: Vec<&str> = rows
        .iter()
        .map(|r| r["detector"].as_str().unwrap())
        .collect();
    assert_eq!(
        detectors,
        ["qmail", "qmail", "exim", "exim", "postfix", "postfix"]
    );
}

#[test]
fn line_endings_do_not_matter() {
    let lf = std::fs::read(fixture("sendmail-transcript.eml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let crlf: Vec<u8> = String::from_utf8(lf.clone())
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes();
    let cr: Vec<u8> = String::from_utf8(lf.clone())
        .unwrap()
        .replace('\n', "\r")
        .into_bytes();
    let mut outs = Vec::new();
    for (name, bytes) in [("lf.eml", &lf), ("crlf.eml", &crlf), ("cr.eml", &cr)] {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let out = mailway()
            .args(["bounce", "--json"])
            .arg(&p)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let mut rows = json_lines(&out);
        for r in &mut rows {
            r.as_object_mut().unwrap().remove("file");
        }
        outs.push(rows);
    }
    assert_eq!(outs[0], outs[1]);
    assert_eq!(outs[0], outs[2]);
}

#[test]
fn bad_inputs_are_named_and_others_still_processed() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("photo.eml");
    std::fs::write(&binary, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap();
    let big = dir.path().join("huge.eml");
    // a 100 MB file (sparse: costs no disk); refused before it is read
    std::fs::File::create(&big)
        .unwrap()
        .set_len(100 * 1024 * 1024)
        .unwrap();
    let missing = dir.path().join("no-such-file.eml");
    let assert = mailway()
        .args(["bounce", "--json"])
        .arg(&binary)
        .arg(&big)
        .arg(&missing)
        .arg(fixture("truncated-mime.eml"))
        .arg(fixture("unknown-charset.eml"))
        .assert()
        .code(2);
    let out = assert.get_output();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("photo.eml: binary data, not a mail message (PNG image)"),
        "{err}"
    );
    assert!(
        err.contains("huge.eml: file is 104857600 bytes, over the limit"),
        "{err}"
    );
    assert!(
        err.contains("no-such-file.eml: no such file or directory"),
        "{err}"
    );
    assert!(err.contains("truncated-mime.eml: truncated MIME"), "{err}");
    assert!(
        err.contains("unknown-charset.eml: unknown charset \"x-klingon-8\""),
        "{err}"
    );
    let rows = json_lines(&out.stdout);
    assert_eq!(rows.len(), 2, "the two readable bounces still give records");
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_an_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("secret.eml");
    std::fs::copy(fixture("qmail-failure.eml"), &p).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&p).is_ok() {
        return; // running as root: permissions are not enforced
    }
    let a = mailway()
        .args(["bounce", "--json"])
        .arg(&p)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("secret.eml: permission denied"), "{err}");
}

#[test]
fn max_size_option() {
    let a = mailway()
        .args(["bounce", "--max-size", "100"])
        .arg(fixture("qmail-failure.eml"))
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("over the limit of 100 bytes"), "{err}");
    let size = std::fs::metadata(fixture("qmail-failure.eml"))
        .unwrap()
        .len();
    assert!(err.contains(&format!("file is {size} bytes")), "{err}");

    // a file larger than the read buffer: its real size is named, and it is refused unread
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.eml");
    let mut bytes = std::fs::read(fixture("qmail-failure.eml")).unwrap();
    bytes.resize(300_000, b'x');
    std::fs::write(&big, &bytes).unwrap();
    let a = mailway()
        .args(["bounce", "--max-size", "1000"])
        .arg(&big)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(
        err.contains("file is 300000 bytes, over the limit of 1000 bytes"),
        "{err}"
    );
}
