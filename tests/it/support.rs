//! Hermetic temporary repositories driven by the real `git`, and the real `git-release` binary.
//!
//! Every process gets the same environment: `HOME` inside the temp dir, no system or global
//! git config, fixed author and committer, dates that increase by one minute per commit, and
//! none of the `GIT_*` variables of the process running the tests. Commit ids are therefore
//! the same on every run. Nothing here changes the test process's current directory.

#![allow(dead_code, reason = "each test module uses a different subset of the helpers")]

use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use tempfile::TempDir;

/// The first commit's time; each commit, merge or annotated tag is one minute later.
const EPOCH: u64 = 1_700_000_000;

/// What a `git-release` run printed and how it exited.
#[derive(Debug)]
pub struct Output {
    /// Standard output, lossy UTF-8.
    pub stdout: String,
    /// Standard error, lossy UTF-8.
    pub stderr: String,
    /// The exit code (`-1` if killed by a signal).
    pub code: i32,
}

impl Output {
    /// Parses stdout as JSON, failing the test with both streams if it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON ({e})\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr)
        })
    }

    /// Fails the test unless the exit code is `code`, showing both streams.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "unexpected exit code\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// A temporary directory holding a git repository at `<tmp>/repo` and a `HOME` at
/// `<tmp>/home`. Dropped with the test.
pub struct TestRepo {
    tmp: TempDir,
    clock: Cell<u64>,
}

impl TestRepo {
    /// A new repository with no commits, on branch `main`.
    pub fn new() -> Self {
        let repo = Self::without_git();
        repo.git(["init", "--quiet"]);
        repo
    }

    /// The temp dir and an empty `repo` folder, without `git init`.
    pub fn without_git() -> Self {
        let tmp = tempfile::Builder::new().prefix("git-release-it").tempdir().expect("temp dir");
        std::fs::create_dir(tmp.path().join("repo")).expect("create repo dir");
        std::fs::create_dir(tmp.path().join("home")).expect("create home dir");
        Self { tmp, clock: Cell::new(0) }
    }

    /// A copy of the temp dir `template` (the work tree, `home`, the remotes and whatever
    /// else a builder put there) made with `cp -a`, its clock at `clock`: commits made next
    /// get the ids they would get in the template. Absolute paths inside (a remote's URL)
    /// still name the template: the caller points them at the copy.
    pub fn copy_of(template: &Path, clock: u64) -> Self {
        let tmp = tempfile::Builder::new().prefix("git-release-it").tempdir().expect("temp dir");
        let status = Command::new("cp")
            .arg("-a")
            .arg(template.join("."))
            .arg(tmp.path())
            .status()
            .expect("cp runs");
        assert!(status.success(), "cp -a {} {} failed", template.display(), tmp.path().display());
        Self { tmp, clock: Cell::new(clock) }
    }

    /// A copy ([`TestRepo::copy_of`]) of the repository `key`, which `make` makes the first
    /// time a test of this process asks for it (tests asking for the same key meanwhile wait
    /// for it). The copy is what `make` would make (same files, refs, commit ids and clock)
    /// for the price of one `cp`. `key` must name everything `make` depends on, and what
    /// `make` makes must not depend on where it is (a remote's URL is the caller's to fix).
    pub fn cached(key: &str, make: impl FnOnce() -> TestRepo) -> TestRepo {
        /// A built repository's folder and clock, by key, kept for the whole test process
        /// (statics are never dropped: [`template_dir`] removes those of finished runs).
        type Templates = Mutex<HashMap<String, Arc<OnceLock<(PathBuf, u64)>>>>;
        static TEMPLATES: OnceLock<Templates> = OnceLock::new();
        let slot = {
            let mut map = TEMPLATES.get_or_init(Templates::default).lock().expect("not poisoned");
            Arc::clone(map.entry(key.to_owned()).or_default())
        };
        let (dir, clock) = slot.get_or_init(|| {
            let built = make();
            let kept = template_dir();
            // Both are under the temp folder: a rename, not a copy.
            std::fs::rename(built.tmp.path(), &kept).expect("move the template aside");
            (kept, built.clock.get())
        });
        Self::copy_of(dir, *clock)
    }

    /// The work tree.
    pub fn path(&self) -> PathBuf {
        self.tmp.path().join("repo")
    }

    /// The temp dir root, outside the work tree: a place for scratch files.
    pub fn scratch(&self) -> &Path {
        self.tmp.path()
    }

    /// Applies the hermetic environment to `cmd` (and the work tree as its directory).
    pub fn hermetic(&self, cmd: &mut Command) {
        isolate(cmd, &self.tmp.path().join("home"));
        let date = format!("{} +0000", EPOCH + 60 * self.clock.get());
        cmd.env("GIT_CEILING_DIRECTORIES", self.tmp.path())
            .env("GIT_AUTHOR_NAME", "Test Author")
            .env("GIT_AUTHOR_EMAIL", "author@example.com")
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_NAME", "Test Committer")
            .env("GIT_COMMITTER_EMAIL", "committer@example.com")
            .env("GIT_COMMITTER_DATE", &date)
            .env("GIT_CONFIG_COUNT", "4")
            .env("GIT_CONFIG_KEY_0", "init.defaultBranch")
            .env("GIT_CONFIG_VALUE_0", "main")
            .env("GIT_CONFIG_KEY_1", "commit.gpgSign")
            .env("GIT_CONFIG_VALUE_1", "false")
            .env("GIT_CONFIG_KEY_2", "tag.gpgSign")
            .env("GIT_CONFIG_VALUE_2", "false")
            .env("GIT_CONFIG_KEY_3", "core.autocrlf")
            .env("GIT_CONFIG_VALUE_3", "false")
            .env_remove("NO_COLOR")
            .current_dir(self.path())
            .stdin(Stdio::null());
    }

    /// Sets the clock so the next commit is dated `minutes` minutes after the first one's
    /// epoch; a value below the current one makes commits that go back in time (clock skew).
    pub fn set_clock(&self, minutes: u64) {
        self.clock.set(minutes.saturating_sub(1));
    }

    /// Moves the clock one minute on, for the next commit, merge or annotated tag.
    fn tick(&self) {
        self.clock.set(self.clock.get() + 1);
    }

    /// Runs `git` in the work tree and returns its stdout, trimmed; fails the test if git fails.
    pub fn git<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new("git");
        cmd.args(args);
        self.hermetic(&mut cmd);
        let out = cmd.output().expect("git is installed and runs");
        assert!(
            out.status.success(),
            "{cmd:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Runs `git` in the work tree like [`TestRepo::git`], but lets it fail: returns whether
    /// it succeeded and its stdout and stderr together (for conflicts and other expected
    /// failures).
    pub fn try_git<I, S>(&self, args: I) -> (bool, String)
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new("git");
        cmd.args(args);
        self.hermetic(&mut cmd);
        let out = cmd.output().expect("git is installed and runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    /// Writes `text` to `path` (relative to the work tree), creating folders.
    pub fn write(&self, path: &str, text: &str) -> &Self {
        let full = self.path().join(path);
        if let Some(dir) = full.parent() {
            std::fs::create_dir_all(dir).expect("create parent folders");
        }
        std::fs::write(&full, text).expect("write file in the work tree");
        self
    }

    /// Stages everything and commits with `message` (empty commits allowed); returns the id.
    pub fn commit(&self, message: &str) -> String {
        self.tick();
        self.git(["add", "-A"]);
        self.git(["commit", "--quiet", "--allow-empty", "-m", message]);
        self.head()
    }

    /// Writes `path` with some unique text and commits with `message`: a commit touching `path`.
    pub fn change(&self, path: &str, message: &str) -> String {
        let stamp = self.clock.get() + 1;
        self.write(path, &format!("change {stamp}: {message}\n"));
        self.commit(message)
    }

    /// Commits with the raw bytes of `message` (which need not be UTF-8) through a file.
    pub fn commit_bytes(&self, message: &[u8]) -> String {
        self.commit_file(message, &[])
    }

    /// Like [`TestRepo::commit_bytes`], with `i18n.commitEncoding` set, so the commit has an
    /// `encoding` header.
    pub fn commit_encoded(&self, message: &[u8], encoding: &str) -> String {
        self.commit_file(message, &["-c", &format!("i18n.commitEncoding={encoding}")])
    }

    fn commit_file(&self, message: &[u8], config: &[&str]) -> String {
        self.tick();
        let file = self.tmp.path().join("message.txt");
        std::fs::write(&file, message).expect("write the message file");
        self.git(["add", "-A"]);
        let mut args: Vec<&OsStr> = config.iter().map(OsStr::new).collect();
        args.extend(["commit", "--quiet", "--allow-empty", "-F"].map(OsStr::new));
        args.push(file.as_os_str());
        self.git(args);
        self.head()
    }

    /// Creates the lightweight tag `name` at HEAD.
    pub fn tag(&self, name: &str) {
        self.git(["tag", name]);
    }

    /// Creates the annotated tag `name` at HEAD.
    pub fn tag_annotated(&self, name: &str) {
        self.tick();
        self.git(["tag", "-a", name, "-m", &format!("release {name}")]);
    }

    /// Creates branch `name` at HEAD without switching to it.
    pub fn branch(&self, name: &str) {
        self.git(["branch", name]);
    }

    /// Switches to branch `name`.
    pub fn checkout(&self, name: &str) {
        self.git(["checkout", "--quiet", name]);
    }

    /// Merges branch `name` into the current branch with a merge commit (`--no-ff`).
    pub fn merge(&self, name: &str) -> String {
        self.tick();
        self.git(["merge", "--quiet", "--no-ff", "-m", &format!("Merge branch '{name}'"), name]);
        self.head()
    }

    /// The full id of HEAD: read from the files when HEAD names a loose branch ref (what
    /// [`TestRepo::commit`] leaves), without starting `git`; `git rev-parse HEAD` otherwise.
    pub fn head(&self) -> String {
        let git_dir = self.path().join(".git");
        let read = |path: PathBuf| std::fs::read_to_string(path).ok();
        let loose = read(git_dir.join("HEAD"))
            .and_then(|head| head.trim().strip_prefix("ref: refs/heads/").map(str::to_owned))
            .and_then(|branch| read(git_dir.join("refs/heads").join(branch)))
            .map(|id| id.trim().to_owned())
            .filter(|id| id.len() == 40 && id.bytes().all(|b| b.is_ascii_hexdigit()));
        loose.unwrap_or_else(|| self.git(["rev-parse", "HEAD"]))
    }

    /// Runs `git-release ARGS` in the work tree.
    pub fn run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_env(args, &[])
    }

    /// Runs `git-release ARGS` in the work tree with extra environment variables.
    pub fn run_env<I, S>(&self, args: I, env: &[(&str, &str)]) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_git-release"));
        cmd.args(args);
        self.hermetic(&mut cmd);
        cmd.envs(env.iter().copied());
        let out = cmd.output().expect("the git-release binary runs");
        Output {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code().unwrap_or(-1),
        }
    }

    /// Runs `git-release plan ARGS --format json`, expects exit 0, and returns the JSON.
    pub fn plan_json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["plan", "--format", "json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        out.expect_code(0);
        out.json()
    }

    /// The one package row of a single-package plan (`plan --format json ARGS`).
    pub fn plan_single(&self, args: &[&str]) -> serde_json::Value {
        let json = self.plan_json(args);
        let rows = json["packages"].as_array().expect("`packages` is an array");
        assert_eq!(rows.len(), 1, "a single-package repository plans one package: {json:#}");
        rows[0].clone()
    }
}

// ---- remotes, clones, a git daemon, and `git release` on PATH (tag and hook tests) --------

/// `PATH` with the folder of the `git-release` binary first, so `git release …` and the hooks
/// `git release hook install` writes find the binary under test.
pub fn path_with_binary() -> std::ffi::OsString {
    let bin = Path::new(env!("CARGO_BIN_EXE_git-release"))
        .parent()
        .expect("the binary lives in a folder")
        .to_owned();
    let mut dirs = vec![bin];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).expect("PATH entries join")
}

/// The `file://` URL of a local path.
pub fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

impl TestRepo {
    /// Runs `program ARGS` in `dir` with the hermetic environment, `git-release` first on
    /// PATH, the extra `env`, and `stdin` (empty when `None`); lets it fail.
    pub fn exec_in<I, S>(
        &self,
        program: &OsStr,
        dir: &Path,
        args: I,
        env: &[(&str, &str)],
        stdin: Option<&[u8]>,
    ) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        use std::io::Write as _;
        let mut cmd = Command::new(program);
        cmd.args(args);
        self.hermetic(&mut cmd);
        cmd.current_dir(dir).env("PATH", path_with_binary()).envs(env.iter().copied());
        cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("the program starts");
        if let Some(bytes) = stdin {
            let mut pipe = child.stdin.take().expect("stdin is piped");
            // The child may exit before reading everything: a broken pipe is its answer.
            let _ = pipe.write_all(bytes);
        }
        let out = child.wait_with_output().expect("the program runs to the end");
        Output {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code().unwrap_or(-1),
        }
    }

    /// Runs `git ARGS` in `dir` (hermetic, `git-release` on PATH, extra `env`); lets it fail.
    pub fn git_out<I, S>(&self, dir: &Path, args: I, env: &[(&str, &str)]) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.exec_in(OsStr::new("git"), dir, args, env, None)
    }

    /// Runs `git ARGS` in `dir` with `git-release` on PATH and returns stdout, trimmed; fails
    /// the test if git fails.
    pub fn git_in<I, S>(&self, dir: &Path, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let args: Vec<std::ffi::OsString> =
            args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let out = self.git_out(dir, &args, &[]);
        assert_eq!(
            out.code,
            0,
            "git {args:?} in {} failed:\n{}{}",
            dir.display(),
            out.stdout,
            out.stderr
        );
        out.stdout.trim().to_owned()
    }

    /// Runs `git-release ARGS` in `dir` with `git-release` on PATH, extra `env` and `stdin`.
    pub fn run_in<I, S>(
        &self,
        dir: &Path,
        args: I,
        env: &[(&str, &str)],
        stdin: Option<&[u8]>,
    ) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.exec_in(OsStr::new(env!("CARGO_BIN_EXE_git-release")), dir, args, env, stdin)
    }

    /// Commits everything in the work tree `dir` (another clone) with `message`, one minute
    /// after the previous commit; returns the id.
    pub fn commit_in(&self, dir: &Path, message: &str) -> String {
        self.tick();
        self.git_in(dir, ["add", "-A"]);
        self.git_in(dir, ["commit", "--quiet", "--allow-empty", "-m", message]);
        self.git_in(dir, ["rev-parse", "HEAD"])
    }

    /// Creates the annotated tag `name` at `rev` in `dir` with `message`, one minute later.
    pub fn tag_in(&self, dir: &Path, name: &str, rev: &str, message: &str) {
        self.tick();
        self.git_in(dir, ["tag", "-a", "-m", message, name, rev]);
    }

    /// A new empty bare repository at `<tmp>/remotes/<name>`; returns its path.
    pub fn bare(&self, name: &str) -> PathBuf {
        let path = self.tmp.path().join("remotes").join(name);
        std::fs::create_dir_all(&path).expect("create the bare repository's folder");
        self.git_in(&path, ["init", "--quiet", "--bare"]);
        path
    }

    /// A bare repository `<tmp>/remotes/origin.git`, added as remote `origin` over `file://`,
    /// with the current branch pushed (when there is a commit); returns its path.
    pub fn with_origin(&self) -> PathBuf {
        let bare = self.bare("origin.git");
        self.git(["remote", "add", "origin", &file_url(&bare)]);
        if self.try_git(["rev-parse", "--verify", "--quiet", "HEAD"]).0 {
            self.git(["push", "--quiet", "origin", "HEAD:refs/heads/main"]);
        }
        bare
    }

    /// Clones `url` into `<tmp>/<name>` (a second user's clone); returns its work tree.
    pub fn clone_to(&self, url: &str, name: &str) -> PathBuf {
        let path = self.tmp.path().join(name);
        self.git_in(
            self.tmp.path(),
            [OsStr::new("clone"), OsStr::new("--quiet"), OsStr::new(url), path.as_os_str()],
        );
        path
    }

    /// Every ref and the object it names (`git for-each-ref`) in `dir`: compare before and
    /// after a command to show that it changed nothing.
    pub fn refs_in(&self, dir: &Path) -> String {
        self.git_in(dir, ["for-each-ref", "--format=%(objectname) %(refname)"])
    }

    /// Starts `git daemon` serving the bare repositories under `<tmp>/remotes` (push
    /// allowed) on a free port of 127.0.0.1; `None` when this git has no daemon.
    pub fn daemon(&self) -> Option<GitDaemon> {
        // A port freed just now can be taken by someone else before the daemon binds it.
        for _ in 0..3 {
            match self.daemon_on(free_port()) {
                Ok(daemon) => return Some(daemon),
                Err(DaemonMissing) => return None,
                Err(_) => {}
            }
        }
        panic!("git daemon did not start on 127.0.0.1 after three tries");
    }

    /// Starts `git daemon` as [`TestRepo::daemon`] does, on `port`: `Err(DaemonMissing)`
    /// when this git has no daemon, `Err(PortBusy)` when it did not answer there.
    pub fn daemon_on(&self, port: u16) -> Result<GitDaemon, DaemonError> {
        // `git daemon` would run `git-daemon` as its child, which killing `git` leaves
        // behind: start the daemon binary itself, so Drop stops the process that listens.
        let program = Path::new(&self.git(["--exec-path"])).join("git-daemon");
        if !program.is_file() {
            return Err(DaemonMissing);
        }
        let base = self.tmp.path().join("remotes");
        std::fs::create_dir_all(&base).expect("create the remotes folder");
        let mut cmd = Command::new(&program);
        cmd.arg("--reuseaddr")
            .arg(format!("--base-path={}", base.display()))
            .arg("--export-all")
            .arg("--enable=receive-pack")
            .arg("--informative-errors")
            .arg("--listen=127.0.0.1")
            .arg(format!("--port={port}"))
            .arg(&base);
        self.hermetic(&mut cmd);
        cmd.stdout(Stdio::null()).stderr(Stdio::null());
        let child = cmd.spawn().expect("git daemon starts");
        let mut daemon = GitDaemon { child, port };
        if daemon.wait_ready() { Ok(daemon) } else { Err(PortBusy) }
    }
}

/// A new path `<temp>/git-release-it-template-<pid>-<n>` for a template of this test
/// process; the first call removes the templates of test processes that are gone.
fn template_dir() -> PathBuf {
    static CLEANED: OnceLock<()> = OnceLock::new();
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let base = std::env::temp_dir();
    CLEANED.get_or_init(|| {
        for entry in std::fs::read_dir(&base).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let gone = name
                .strip_prefix("git-release-it-template-")
                .and_then(|rest| rest.split('-').next())
                .and_then(|pid| pid.parse::<u32>().ok())
                .is_some_and(|pid| !Path::new(&format!("/proc/{pid}")).exists());
            if gone {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    });
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    base.join(format!("git-release-it-template-{}-{n}", std::process::id()))
}

/// Why [`TestRepo::daemon_on`] has no daemon.
#[derive(Debug, PartialEq, Eq)]
pub enum DaemonError {
    /// This git has no `git-daemon`.
    DaemonMissing,
    /// It exited or did not answer on the port within five seconds.
    PortBusy,
}

use DaemonError::{DaemonMissing, PortBusy};

/// Removes the caller's git setup from `cmd` (every `GIT_*` variable, the system and global
/// configuration) and gives it `home` as HOME and the C locale: the one hermetic base every
/// test process starts from.
pub fn isolate(cmd: &mut Command, home: &Path) {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("GIT_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("LC_ALL", "C");
}

/// The Python interpreter itself (its `sys.executable`), asked once: `python3` on PATH may
/// be a wrapper that costs more than the script (pyenv's shim: about 150 ms a start).
/// Falls back to `python3` when it cannot be asked.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        Command::new("python3")
            .args(["-c", "import sys; print(sys.executable)"])
            .stdin(Stdio::null())
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
            .filter(|python| !python.is_empty())
            .map_or_else(|| PathBuf::from("python3"), PathBuf::from)
    })
}

/// A port of 127.0.0.1 that nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("a bound listener has an address").port()
}

/// A `git daemon` process (the `git-daemon` binary, our direct child), killed and reaped
/// when dropped.
pub struct GitDaemon {
    child: std::process::Child,
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
}

impl GitDaemon {
    /// The daemon's process id (a test may stop it to take the remote away).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the daemon has exited.
    pub fn has_exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// The `git://` URL of the bare repository `<tmp>/remotes/<name>`.
    pub fn url(&self, name: &str) -> String {
        format!("git://127.0.0.1:{}/{name}", self.port)
    }

    /// Waits, at most five seconds, until the port accepts connections; false when the
    /// daemon exited (the port was taken) or never answered.
    fn wait_ready(&mut self) -> bool {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return false;
            }
            let timeout = std::time::Duration::from_millis(200);
            if std::net::TcpStream::connect_timeout(&addr, timeout).is_ok() {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        false
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Says on stderr why a test returns early without checking anything (a missing tool).
#[allow(clippy::print_stderr, reason = "a skipped test must say so in the test output")]
pub fn skip(why: &str) {
    eprintln!("note: test skipped: {why}");
}
