//! A private Debian Postfix instance for tests: its own `config_directory`, queue and data
//! directories under a temporary directory, started with `postfix -c DIR start` (never the
//! system-wide instance, so tests and helpers do not collide) and stopped when dropped.
//!
//! ```no_run
//! use mailway_testkit::postfix::PostfixConfig;
//! let pf = PostfixConfig::new("probe")
//!     .smtpd("127.0.20.25:2525")
//!     .main("myhostname = postfix.probe.test\ninet_interfaces = 127.0.0.1\n")
//!     .start()
//!     .expect("postfix starts");
//! println!("config in {}", pf.etc().display());
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

/// True when Debian's Postfix is installed here.
pub fn installed() -> bool {
    Path::new("/usr/sbin/postfix").exists()
}

/// How to set a private instance up.
#[derive(Debug, Clone)]
pub struct PostfixConfig {
    name: String,
    smtpd: Option<String>,
    main: String,
    files: Vec<(String, Vec<u8>)>,
}

impl PostfixConfig {
    /// An instance named `name` (in its temporary directory's name and its `syslog_name`),
    /// without smtpd: it only queues and delivers.
    pub fn new(name: &str) -> Self {
        PostfixConfig {
            name: name.to_string(),
            smtpd: None,
            main: String::new(),
            files: Vec::new(),
        }
    }

    /// Runs smtpd on `addr` (`IP:PORT`), the master.cf `smtp inet` service.
    pub fn smtpd(mut self, addr: &str) -> Self {
        self.smtpd = Some(addr.to_string());
        self
    }

    /// Adds `main.cf` lines (after the instance's directories and logging settings; `{etc}`
    /// in them is replaced by the config directory).
    pub fn main(mut self, lines: &str) -> Self {
        self.main.push_str(lines);
        if !self.main.ends_with('\n') {
            self.main.push('\n');
        }
        self
    }

    /// Writes `bytes` to `name` in the config directory (certificates, maps).
    pub fn file(mut self, name: &str, bytes: impl Into<Vec<u8>>) -> Self {
        self.files.push((name.to_string(), bytes.into()));
        self
    }

    /// Creates the directories and configuration, checks it and starts Postfix. The error
    /// names the step that failed (and Postfix's words).
    pub fn start(self) -> Result<PrivatePostfix, String> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("mailway-{}-postfix", self.name))
            .tempdir()
            .map_err(|e| format!("temporary directory: {e}"))?;
        let p = dir.path();
        let io = |what: &str, e: std::io::Error| format!("{what}: {e}");
        std::fs::set_permissions(p, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .map_err(|e| io("chmod", e))?;
        for d in ["etc", "queue", "data"] {
            std::fs::create_dir_all(p.join(d)).map_err(|e| io(d, e))?;
        }
        run(Command::new("chown").arg("postfix").arg(p.join("data")))?;
        let etc = p.join("etc");
        for (name, bytes) in &self.files {
            std::fs::write(etc.join(name), bytes).map_err(|e| io(name, e))?;
        }
        let master = std::fs::read_to_string("/etc/postfix/master.cf")
            .map_err(|e| io("/etc/postfix/master.cf", e))?;
        let master: String = master
            .lines()
            .filter_map(|l| {
                if l.starts_with("smtp      inet") {
                    self.smtpd
                        .as_ref()
                        .map(|a| format!("{a} inet n - n - - smtpd\n"))
                } else {
                    Some(format!("{l}\n"))
                }
            })
            .collect();
        std::fs::write(etc.join("master.cf"), master).map_err(|e| io("master.cf", e))?;
        let d = p.display();
        let main = format!(
            "compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/data
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-mailway-{name}-test
maillog_file = {d}/maillog
maillog_file_prefixes = {d}
alias_maps =
alias_database =
biff = no
{extra}",
            name = self.name,
            extra = self.main.replace("{etc}", &etc.to_string_lossy()),
        );
        std::fs::write(etc.join("main.cf"), main).map_err(|e| io("main.cf", e))?;
        run(Command::new("postconf")
            .arg("-c")
            .arg(&etc)
            .args(["-F", "*/*/chroot = n"]))?;
        run(Command::new("postfix").arg("-c").arg(&etc).arg("check"))?;
        let pf = PrivatePostfix { dir };
        run(Command::new("postfix").arg("-c").arg(&etc).arg("start"))?;
        Ok(pf)
    }
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A running private Postfix; `postfix stop` when dropped.
#[derive(Debug)]
pub struct PrivatePostfix {
    dir: tempfile::TempDir,
}

impl PrivatePostfix {
    /// The config directory (`postfix -c`, `sendmail -C`, `postqueue -c`).
    pub fn etc(&self) -> PathBuf {
        self.dir.path().join("etc")
    }

    /// The instance's directory (queue, data, maillog).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for PrivatePostfix {
    fn drop(&mut self) {
        let _ = Command::new("postfix")
            .arg("-c")
            .arg(self.etc())
            .arg("stop")
            .output();
    }
}
