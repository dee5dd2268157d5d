//! Helpers for the `mailway serve` tests: the daemon as a child process, a tiny synchronous
//! SMTP client, private Postfix instances, and tool checks that skip outside CI.

#![allow(dead_code)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// True under CI (`CI=true`), where a missing tool is a failure, not a skip.
pub fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Checks that `tool` is on PATH (or an absolute path exists). Outside CI a missing tool skips
/// the test (returns false after saying so); under CI it fails the test.
pub fn require(tool: &str) -> bool {
    let found = if tool.starts_with('/') {
        Path::new(tool).exists()
    } else {
        std::env::var_os("PATH")
            .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
            || ["/usr/sbin", "/sbin"]
                .iter()
                .any(|d| Path::new(d).join(tool).is_file())
    };
    if !found {
        if under_ci() {
            panic!("{tool} is required under CI=true (listed in .ci/apt-packages.txt)");
        }
        eprintln!("skipping: {tool} is not installed (apt-get install it; CI always has it)");
    }
    found
}

/// Checks that the tests run as root (private Postfix instances and tmpfs mounts need it).
/// Outside CI a non-root run skips the test; under CI (which runs as root) it fails.
pub fn require_root() -> bool {
    use std::os::unix::fs::MetadataExt as _;
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    if !root {
        assert!(!under_ci(), "CI runs the tests as root; this one needs it");
        eprintln!("skipping: needs root (private Postfix instance / tmpfs mount)");
    }
    root
}

/// A free TCP port on `ip` (bound and released; good enough for tests).
pub fn free_port(ip: Ipv4Addr) -> u16 {
    std::net::TcpListener::bind((ip, 0))
        .expect("bind an ephemeral port")
        .local_addr()
        .unwrap()
        .port()
}

/// A world-traversable temporary directory (Postfix's unprivileged processes must reach it).
pub fn tempdir() -> tempfile::TempDir {
    let d = tempfile::Builder::new()
        .prefix("mailway-serve-test-")
        .tempdir()
        .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    d
}

/// `mailway serve` as a child process.
pub struct Daemon {
    child: Option<Child>,
    args: Vec<String>,
    pub smtp: SocketAddr,
    pub api: SocketAddr,
    pub spool: PathBuf,
    dir: PathBuf,
    starts: usize,
}

impl Daemon {
    /// Starts `mailway serve --spool DIR/spool --smtp 127.0.0.1:P --api 127.0.0.1:Q ARGS…` and
    /// waits until it greets on SMTP.
    pub fn start(dir: &Path, extra: &[&str]) -> Daemon {
        Self::start_with_spool(dir, &dir.join("spool"), extra)
    }

    /// As [`Daemon::start`] with the spool elsewhere (logs stay in `dir`).
    pub fn start_with_spool(dir: &Path, spool: &Path, extra: &[&str]) -> Daemon {
        let ip = Ipv4Addr::LOCALHOST;
        let smtp = SocketAddr::from((ip, free_port(ip)));
        let api = SocketAddr::from((ip, free_port(ip)));
        let spool = spool.to_path_buf();
        let mut args: Vec<String> = vec![
            "serve".into(),
            "--spool".into(),
            spool.display().to_string(),
            "--smtp".into(),
            smtp.to_string(),
            "--api".into(),
            api.to_string(),
            "--hostname".into(),
            "mailway.test".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let mut d = Daemon {
            child: None,
            args,
            smtp,
            api,
            spool,
            dir: dir.to_path_buf(),
            starts: 0,
        };
        d.spawn();
        d
    }

    fn spawn(&mut self) {
        self.starts += 1;
        let log =
            std::fs::File::create(self.dir.join(format!("daemon-{}.log", self.starts))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_mailway"))
            .args(&self.args)
            .env("MAILWAY_LOG", "info")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("run mailway serve");
        self.child = Some(child);
        self.wait_ready();
    }

    /// Waits until the SMTP port greets with 220 (30 s at most).
    pub fn wait_ready(&mut self) {
        let start = Instant::now();
        loop {
            if let Some(c) = self.child.as_mut()
                && let Ok(Some(status)) = c.try_wait()
            {
                panic!("mailway serve exited with {status}:\n{}", self.log());
            }
            if let Ok(mut s) = TcpStream::connect_timeout(&self.smtp, Duration::from_millis(200)) {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let mut buf = [0u8; 3];
                if s.read_exact(&mut buf).is_ok() && &buf == b"220" {
                    let _ = s.write_all(b"QUIT\r\n");
                    return;
                }
            }
            if start.elapsed() > Duration::from_secs(30) {
                panic!("mailway serve not ready after 30 s:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL, no chance to clean up.
    pub fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM and wait for a clean exit; returns the exit status.
    pub fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let mut c = self.child.take()?;
        let _ = Command::new("kill")
            .args(["-TERM", &c.id().to_string()])
            .status();
        let start = Instant::now();
        loop {
            if let Ok(Some(s)) = c.try_wait() {
                return Some(s);
            }
            if start.elapsed() > Duration::from_secs(30) {
                let _ = c.kill();
                return c.wait().ok();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts it again with the same arguments (same ports, same spool).
    pub fn restart(&mut self) {
        self.kill9();
        self.spawn();
    }

    /// True while the process runs.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Number of times the daemon was started.
    pub fn starts(&self) -> usize {
        self.starts
    }

    /// All logs of all runs.
    pub fn log(&self) -> String {
        let mut all = String::new();
        for i in 1..=self.starts {
            let p = self.dir.join(format!("daemon-{i}.log"));
            all.push_str(&format!("--- run {i} ---\n"));
            all.push_str(&std::fs::read_to_string(p).unwrap_or_default());
        }
        all
    }

    /// The generated API token.
    pub fn token(&self) -> String {
        std::fs::read_to_string(self.spool.join("api-token"))
            .unwrap()
            .trim()
            .to_string()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// A minimal synchronous SMTP client.
pub struct Smtp {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Smtp {
    /// Connects and reads the greeting.
    pub fn connect(addr: SocketAddr) -> std::io::Result<(Smtp, String)> {
        let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        s.set_nodelay(true)?;
        let mut c = Smtp {
            r: BufReader::new(s.try_clone()?),
            w: s,
        };
        let g = c.reply()?;
        Ok((c, g))
    }

    /// Reads one (multi-line) reply.
    pub fn reply(&mut self) -> std::io::Result<String> {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            if self.r.read_line(&mut line)? == 0 {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("connection closed after {all:?}"),
                ));
            }
            all.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(all);
            }
        }
    }

    /// Sends raw bytes.
    pub fn raw(&mut self, b: &[u8]) -> std::io::Result<()> {
        self.w.write_all(b)
    }

    /// Sends a command line, returns the reply.
    pub fn cmd(&mut self, line: &str) -> std::io::Result<String> {
        self.w.write_all(format!("{line}\r\n").as_bytes())?;
        self.reply()
    }

    /// One transaction; returns the reply to the final dot (or the first refusal).
    pub fn send(&mut self, from: &str, to: &str, data: &str) -> std::io::Result<String> {
        let r = self.cmd(&format!("MAIL FROM:<{from}>"))?;
        if !r.starts_with("250") {
            return Ok(r);
        }
        let r = self.cmd(&format!("RCPT TO:<{to}>"))?;
        if !r.starts_with("250") {
            self.cmd("RSET")?;
            return Ok(r);
        }
        let r = self.cmd("DATA")?;
        if !r.starts_with("354") {
            return Ok(r);
        }
        let mut body = data.replace("\r\n", "\n").replace('\n', "\r\n");
        if !body.ends_with("\r\n") {
            body.push_str("\r\n");
        }
        let stuffed = body.replace("\r\n.", "\r\n..");
        self.w.write_all(stuffed.as_bytes())?;
        self.cmd(".")
    }
}

/// Polls `cond` every 100 ms for up to `secs` seconds.
pub fn wait_until(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(secs) {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    cond()
}

/// A private Postfix instance: its own config, queue and data directories under a temporary
/// directory, smtpd on `ip:port`, never touching the system-wide instance.
pub struct Postfix {
    pub dir: tempfile::TempDir,
    pub conf: PathBuf,
    pub addr: SocketAddr,
}

impl Postfix {
    /// Writes main.cf (base settings plus `extra` lines) and master.cf, and starts it.
    pub fn start(ip: Ipv4Addr, extra: &str) -> Postfix {
        let dir = tempdir();
        let root = dir.path().to_path_buf();
        let conf = root.join("etc");
        for d in ["etc", "queue", "data"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        let chown = Command::new("chown")
            .arg("postfix")
            .arg(root.join("data"))
            .status()
            .unwrap();
        assert!(
            chown.success(),
            "chown postfix (tests need root for Postfix)"
        );
        let port = free_port(ip);
        let addr = SocketAddr::from((ip, port));
        // Debian installs master.cf even with "No configuration"; the .dist copy is the fallback
        let master = std::fs::read_to_string("/etc/postfix/master.cf")
            .or_else(|_| std::fs::read_to_string("/usr/share/postfix/master.cf.dist"))
            .expect("/etc/postfix/master.cf (Debian postfix package)");
        let mut out = String::new();
        for line in master.lines() {
            if line.starts_with("smtp      inet") {
                out.push_str(&format!("{addr} inet n - n - - smtpd\n"));
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
        std::fs::write(conf.join("master.cf"), out).unwrap();
        let main = format!(
            "compatibility_level = 3.6\n\
             queue_directory = {q}\n\
             data_directory = {d}\n\
             mail_owner = postfix\n\
             setgid_group = postdrop\n\
             syslog_name = postfix-mailway-test\n\
             maillog_file = {root}/maillog\n\
             maillog_file_prefixes = {root}\n\
             inet_interfaces = 127.0.0.1\n\
             inet_protocols = ipv4\n\
             mynetworks = 127.0.0.0/8\n\
             mydestination =\n\
             smtp_dns_support_level = disabled\n\
             alias_maps =\n\
             alias_database =\n\
             local_transport = error:no local delivery in tests\n\
             biff = no\n\
             queue_run_delay = 2s\n\
             minimal_backoff_time = 2s\n\
             maximal_backoff_time = 4s\n\
             {extra}\n",
            q = root.join("queue").display(),
            d = root.join("data").display(),
            root = root.display(),
        );
        std::fs::write(conf.join("main.cf"), main).unwrap();
        let status = Command::new("postconf")
            .arg("-c")
            .arg(&conf)
            .args(["-F", "*/*/chroot = n"])
            .status()
            .unwrap();
        assert!(status.success());
        let pf = Postfix { dir, conf, addr };
        let out = Command::new("postfix")
            .arg("-c")
            .arg(&pf.conf)
            .arg("start")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "postfix start failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            pf.log()
        );
        assert!(
            wait_until(20, || TcpStream::connect_timeout(
                &addr,
                Duration::from_millis(200)
            )
            .is_ok()),
            "postfix smtpd not listening on {addr}:\n{}",
            pf.log()
        );
        pf
    }

    /// Postfix's log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("maillog")).unwrap_or_default()
    }

    /// `postqueue -p`.
    pub fn queue(&self) -> String {
        let out = Command::new("postqueue")
            .arg("-c")
            .arg(&self.conf)
            .arg("-p")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = Command::new("postfix")
            .arg("-c")
            .arg(&self.conf)
            .arg("stop")
            .output();
    }
}
