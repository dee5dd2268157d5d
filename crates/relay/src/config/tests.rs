//! Configuration tests: defaults, the example files, unknown keys, field documentation.

use std::path::PathBuf;

use super::*;

fn examples() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("examples/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("mailway") && n.ends_with(".toml"))
        })
        .collect();
    v.sort();
    assert!(
        v.len() >= 2,
        "example configs not found in {}",
        dir.display()
    );
    v
}

#[test]
fn embedded_defaults_are_the_documented_ones() {
    let c = Config::default();
    assert_eq!(c.smtp.listen, vec!["127.0.0.1:2525".parse().unwrap()]);
    assert_eq!(c.api.listen, Some("127.0.0.1:8025".parse().unwrap()));
    assert_eq!(c.relay.spool, PathBuf::from("./mailway-spool"));
    assert_eq!(c.relay.retry.lifetime, Duration::from_secs(5 * 86400));
    assert!(c.relay.fsync);
    assert!(c.smtp.tls.enabled);
    assert!(c.smtp.users.is_empty());
    assert_eq!(c.smtp.relay_networks, IpNet::loopback());
    c.validate().unwrap();
    // an empty file is the defaults
    assert_eq!(Config::from_toml_str("", "empty").unwrap(), c);
}

#[test]
fn every_example_config_loads() {
    for path in examples() {
        let c = Config::from_file(&path).unwrap_or_else(|e| panic!("{e}"));
        c.validate().unwrap();
    }
    let full = Config::from_file(&examples_full()).unwrap();
    let mut expected = Config::default();
    expected.relay.hostname = full.relay.hostname.clone();
    assert_eq!(full, expected, "examples/mailway.toml shows the defaults");
}

fn examples_full() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/mailway.toml")
}

/// All table paths of a TOML value (`smtp`, `smtp.tls`, `smtp.users[0]`, …) except maps whose
/// keys are data (the route map).
fn tables(v: &toml::Value, path: String, out: &mut Vec<String>) {
    match v {
        toml::Value::Table(t) => {
            if path != "relay.routes" {
                out.push(path.clone());
            }
            for (k, v) in t {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                tables(v, p, out);
            }
        }
        toml::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                if v.is_table() {
                    tables(v, format!("{path}[{i}]"), out);
                }
            }
        }
        _ => {}
    }
}

fn table_at<'a>(root: &'a mut toml::Value, path: &str) -> &'a mut toml::Table {
    let mut cur = root;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (name, index) = match part.split_once('[') {
            Some((n, i)) => (n, Some(i.trim_end_matches(']').parse::<usize>().unwrap())),
            None => (part, None),
        };
        cur = cur.as_table_mut().unwrap().get_mut(name).unwrap();
        if let Some(i) = index {
            cur = &mut cur.as_array_mut().unwrap()[i];
        }
    }
    cur.as_table_mut().unwrap()
}

/// hickory's trick: inject an unknown key into every table of every example config and expect
/// the whole file to be rejected, naming the key.
#[test]
fn unknown_keys_are_rejected_everywhere() {
    let mut checked = 0;
    for path in examples() {
        let text = std::fs::read_to_string(&path).unwrap();
        let value: toml::Value = toml::from_str(&text).unwrap();
        let mut paths = Vec::new();
        tables(&value, String::new(), &mut paths);
        assert!(paths.len() > 3, "{}: too few tables", path.display());
        for table in paths {
            let mut v = value.clone();
            table_at(&mut v, &table).insert("mispelled_option".into(), toml::Value::Integer(1));
            let text = toml::to_string(&v).unwrap();
            let err = Config::from_toml_str(&text, "test")
                .err()
                .unwrap_or_else(|| panic!("{}: unknown key in [{table}] accepted", path.display()));
            let msg = err.to_string();
            assert!(
                msg.contains("unknown field") && msg.contains("mispelled_option"),
                "{}: [{table}]: {msg}",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 12, "only {checked} tables checked");
}

/// Every field (with optional ones filled in) appears in examples/mailway.toml, in its table,
/// commented out or not: the example documents the whole file format.
#[test]
fn the_full_example_lists_every_field() {
    let mut c = Config::default();
    c.smtp.tls.cert = Some("c.pem".into());
    c.smtp.tls.key = Some("k.pem".into());
    c.smtp.users.push(SmtpUser {
        name: "u".into(),
        password: "p".into(),
    });
    c.api.tokens.push(ApiToken {
        name: "n".into(),
        token: "t".into(),
    });
    c.relay.spool_max_bytes = Some(1);
    c.relay.event_log = Some("e".into());
    let value = toml::Value::try_from(&c).unwrap();
    let text = std::fs::read_to_string(examples_full()).unwrap();
    let mut missing = Vec::new();
    fn walk(v: &toml::Value, table: &str, text: &str, missing: &mut Vec<String>) {
        let toml::Value::Table(t) = v else { return };
        for (k, v) in t {
            let sub = if table.is_empty() {
                k.clone()
            } else {
                format!("{table}.{k}")
            };
            match v {
                toml::Value::Table(_) if sub == "relay.routes" => {
                    if !text.contains("[relay.routes]") {
                        missing.push(sub);
                    }
                }
                toml::Value::Table(_) => walk(v, &sub, text, missing),
                toml::Value::Array(a) if a.first().is_some_and(|x| x.is_table()) => {
                    // an array of tables: `[[sub]]` and its keys
                    if !text.contains(&format!("[[{sub}]]")) {
                        missing.push(format!("[[{sub}]]"));
                    }
                    walk(&a[0], &sub, text, missing);
                }
                _ => {
                    let section = section_text(text, table);
                    let found = section.lines().any(|l| {
                        let l = l.trim_start_matches(['#', ' ']);
                        l.strip_prefix(k.as_str())
                            .is_some_and(|rest| rest.trim_start().starts_with('='))
                    });
                    if !found {
                        missing.push(sub);
                    }
                }
            }
        }
    }
    walk(&value, "", &text, &mut missing);
    assert!(
        missing.is_empty(),
        "examples/mailway.toml does not document: {missing:?}"
    );
}

/// The text of `[table]` (or `[[table]]`) up to the next table header, commented headers
/// included (optional tables are shown commented out).
fn section_text(text: &str, table: &str) -> String {
    let mut out = String::new();
    let mut inside = table.is_empty();
    for line in text.lines() {
        let bare = line.trim_start_matches(['#', ' ']);
        if bare.starts_with('[') {
            let name = bare.trim_matches(|c| c == '[' || c == ']');
            inside = name == table;
            continue;
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn errors_name_the_problem() {
    let cases = [
        ("[smtp]\nlisten = [\"nonsense\"]", "listen"),
        ("[smtp]\nrelay_networks = [\"10.0.0.0/33\"]", "10.0.0.0/33"),
        ("[smtp]\ncommand_timeout = \"soon\"", "soon"),
        ("[smtp]\nrelay_domains = [\"a@b\"]", "relay_domains"),
        ("[smtp]\nmax_recipients = 0", "max_recipients"),
        (
            "[smtp.tls]\ncert = \"c.pem\"",
            "smtp.tls.cert and smtp.tls.key",
        ),
        (
            "[[api.tokens]]\nname = \"x\"\ntoken = \"short\"",
            "shorter than 16",
        ),
        ("[api]\nlisten = \"127.0.0.1:2525\"", "different ports"),
        ("[relay.retry]\nmultiplier = 0.5", "multiplier"),
        ("[relay]\nspool = 5", "spool"),
        ("smtp = 1", "smtp"),
    ];
    for (text, needle) in cases {
        let err = Config::from_toml_str(text, "t.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("t.toml"), "{err}");
        assert!(err.contains(needle), "{text:?}: {err}");
    }
    let err = Config::from_file(Path::new("/nonexistent/mailway.toml"))
        .unwrap_err()
        .to_string();
    assert!(err.contains("/nonexistent/mailway.toml"), "{err}");
}

#[test]
fn api_can_be_turned_off() {
    let c = Config::from_toml_str("[api]\nlisten = \"off\"", "t").unwrap();
    assert_eq!(c.api.listen, None);
    assert!(c.to_toml().contains("listen = \"off\""));
}

#[test]
fn secrets_are_not_debug_printed() {
    let c = Config::from_file(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/mailway-smarthost.toml"),
    )
    .unwrap();
    let dbg = format!("{c:?}");
    assert!(!dbg.contains("battery staple"), "{dbg}");
    assert!(!dbg.contains("0123456789abcdef"), "{dbg}");
}

#[test]
fn api_token_file_is_created_once() {
    let dir = tempfile::tempdir().unwrap();
    let (t1, path) = ensure_api_token(dir.path()).unwrap();
    assert_eq!(t1.len(), 48);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let (t2, _) = ensure_api_token(dir.path()).unwrap();
    assert_eq!(t1, t2);
    std::fs::write(&path, "short\n").unwrap();
    assert!(ensure_api_token(dir.path()).is_err());
}
