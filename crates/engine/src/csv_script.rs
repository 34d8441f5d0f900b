//! CSV-script models: run a command (no shell), stream its stdout CSV into a SQLite table (typed
//! as `text_table` infers).

use crate::cancel::Cancel;
use crate::error::JobError;
use crate::materialize::{quote, SqliteTableWriter};
use crate::text_table::{load_csv, CsvLayout};
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

pub const DEFAULT_TIMEOUT_SECS: u64 = 300;
/// The one column of the table an `allow_empty` model that printed nothing gets.
pub const EMPTY_COLUMN: &str = "_empty";
/// The end of the script's stderr shown in an error: at most this many lines and bytes.
const STDERR_TAIL_LINES: usize = 20;
const STDERR_TAIL_BYTES: usize = 4096;
/// How often the watchdog looks whether the run was cancelled.
const CANCEL_POLL: Duration = Duration::from_millis(50);
/// How long stderr may stay open after the script's processes are gone (held by a process that
/// left the script's process group).
const STDERR_GRACE: Duration = Duration::from_secs(1);

pub struct CsvScript<'a> {
    pub model: &'a str,
    pub args: &'a [String],
    pub table: &'a str,
    pub cwd: &'a Path,
    pub timeout: Duration,
    pub cancel: &'a Cancel,
    /// Whether printing nothing at all is a result (an empty table) rather than an error.
    pub allow_empty: bool,
}

/// Why the watchdog let the script go.
#[derive(Clone, Copy, PartialEq)]
enum Ending {
    Exited,
    TimedOut,
    Cancelled,
}

/// Runs the script and writes `target` (a SQLite file); returns the number of rows.
///
/// The script runs in its own process group, and the whole group is killed when it times out,
/// when the run is cancelled, when its output can't be loaded, and when it exits (what it left
/// running in the background): no path leaves a process behind or waits on one forever.
pub fn run(script: &CsvScript, target: &Path) -> Result<usize, JobError> {
    let mut child = spawn(script)?;
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        kill_group(child.id());
        let _ = child.wait();
        return Err(JobError::Job(
            "the command's output could not be read".into(),
        ));
    };
    let stderr_tail = read_tail_in_background(stderr);
    let pid = child.id();
    let (exited, exit_seen) = mpsc::channel::<()>();
    let (timeout, cancel) = (script.timeout, script.cancel.clone());
    let watchdog = std::thread::spawn(move || watch(pid, timeout, &cancel, &exit_seen));
    let mut output = Watched {
        inner: stdout,
        printed: false,
    };
    let loaded = load_csv(&mut output, CsvLayout::default(), target, script.table);
    // Only white space (1.0.82 strips the output before looking) is nothing too.
    let loaded = if output.printed {
        loaded
    } else {
        drop(loaded);
        nothing_printed(script, target)
    };
    // Output that can't be loaded stops the script: nothing will read what it prints next.
    if loaded.is_err() {
        kill_group(pid);
    }
    wait_for_exit(pid);
    let _ = exited.send(());
    let ending = watchdog.join().unwrap_or(Ending::Exited);
    kill_group(pid);
    let status = child.wait().map_err(|e| e.to_string())?;
    let stderr_text = stderr_tail.recv_timeout(STDERR_GRACE).unwrap_or_default();
    match ending {
        Ending::TimedOut => {
            return Err(JobError::Job(format!(
                "the command timed out after {}s and was stopped{stderr_text}",
                timeout.as_secs(),
            )))
        }
        Ending::Cancelled => return Err(JobError::Cancelled),
        Ending::Exited => {}
    }
    use std::os::unix::process::ExitStatusExt;
    let stopped_for_bad_output = loaded.is_err() && status.signal() == Some(libc::SIGKILL);
    if !status.success() && !stopped_for_bad_output {
        return Err(JobError::Job(format!(
            "the command exited with {status}{stderr_text}"
        )));
    }
    let (mut writer, rows) = loaded.map_err(|e| {
        format!(
            "Error parsing csv output of {} model's command: {e}. Verify command's output and try again.",
            script.model
        )
    })?;
    // Only a script that ran to a successful end replaces the previous output.
    writer.commit()?;
    Ok(rows)
}

/// The command's output, noting whether it printed anything but white space.
struct Watched<R> {
    inner: R,
    printed: bool,
}

impl<R: Read> Read for Watched<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.printed = self.printed || buf[..n].iter().any(|b| !b.is_ascii_whitespace());
        Ok(n)
    }
}

/// What a command that printed nothing (not even a header, at most white space) made: with
/// `allow_empty` (1.0.61),
/// an empty table; as there is no header, its only column is [`EMPTY_COLUMN`].
fn nothing_printed(
    script: &CsvScript,
    target: &Path,
) -> Result<(SqliteTableWriter, usize), String> {
    if !script.allow_empty {
        return Err(
            "the command printed nothing (no CSV header); print the header line even \
                    when there are no rows, or set `allow_empty: true` on the model"
                .into(),
        );
    }
    let mut writer = SqliteTableWriter::create(target, script.table)?;
    writer.create_table(script.table, &[format!("{} TEXT", quote(EMPTY_COLUMN))])?;
    Ok((writer, 0))
}

fn spawn(script: &CsvScript) -> Result<Child, String> {
    let (program, rest) = script.args.split_first().ok_or("`args` is empty")?;
    use std::os::unix::process::CommandExt;
    Command::new(program)
        .args(rest)
        // Its own process group, so stopping it stops the children it started too.
        .process_group(0)
        .current_dir(script.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start `{program}`: {e}"))
}

/// Waits until the script exits, its time runs out or the run is cancelled; kills the group in
/// the last two cases.
fn watch(group: u32, timeout: Duration, cancel: &Cancel, exited: &Receiver<()>) -> Ending {
    let deadline = Instant::now() + timeout;
    loop {
        let now = Instant::now();
        let ending = if cancel.is_cancelled() {
            Ending::Cancelled
        } else if now >= deadline {
            Ending::TimedOut
        } else {
            match exited.recv_timeout((deadline - now).min(CANCEL_POLL)) {
                Err(RecvTimeoutError::Timeout) => continue,
                _ => return Ending::Exited,
            }
        };
        kill_group(group);
        return ending;
    }
}

fn kill_group(group: u32) {
    let Ok(group) = libc::pid_t::try_from(group) else {
        return;
    };
    // SAFETY: killpg only sends a signal; `group` is the group of a child not yet reaped, so
    // the id can't belong to anyone else.
    unsafe {
        libc::killpg(group, libc::SIGKILL);
    }
}

/// Blocks until the child `pid` has exited, without reaping it: until `Child::wait`, its id
/// (which is also its process group's id) stays reserved, so killing the group is safe.
fn wait_for_exit(pid: u32) {
    loop {
        // SAFETY: waitid writes only into `info`, a plain struct for which zeroes are valid.
        let result = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            let flags = libc::WEXITED | libc::WNOWAIT;
            libc::waitid(libc::P_PID, pid as libc::id_t, &mut info, flags)
        };
        let interrupted = std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted;
        if result == 0 || !interrupted {
            return;
        }
    }
}

/// Reads stderr to its end on a thread, keeping only its tail; the formatted tail arrives on
/// the returned channel.
fn read_tail_in_background(stderr: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(format_tail(&read_tail(stderr)));
    });
    receiver
}

/// The last [`STDERR_TAIL_BYTES`] bytes of a stream, and whether anything came before them.
fn read_tail(mut stream: impl Read) -> (Vec<u8>, bool) {
    let mut tail = Vec::new();
    let mut cut = false;
    let mut chunk = [0u8; 8192];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => tail.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
        if tail.len() > 2 * STDERR_TAIL_BYTES {
            tail.drain(..tail.len() - STDERR_TAIL_BYTES);
            cut = true;
        }
    }
    if tail.len() > STDERR_TAIL_BYTES {
        tail.drain(..tail.len() - STDERR_TAIL_BYTES);
        cut = true;
    }
    (tail, cut)
}

/// `; stderr:` and the last lines of the tail (`…` where the start was cut off), or nothing.
fn format_tail((bytes, cut): &(Vec<u8>, bool)) -> String {
    let text = String::from_utf8_lossy(bytes);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return String::new();
    }
    let lines: Vec<&str> = trimmed.lines().collect();
    let start = lines.len().saturating_sub(STDERR_TAIL_LINES);
    let ellipsis = if *cut || start > 0 { "…" } else { "" };
    format!("; stderr:\n{ellipsis}{}", lines[start..].join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    static NOT_CANCELLED: std::sync::LazyLock<Cancel> = std::sync::LazyLock::new(Cancel::default);

    /// Why `script` failed, as the terminal shows it.
    fn failure(script: &CsvScript, target: &Path) -> String {
        run(script, target).unwrap_err().to_string()
    }

    fn script<'a>(args: &'a [String], cwd: &'a Path) -> CsvScript<'a> {
        CsvScript {
            model: "m",
            args,
            table: "model",
            cwd,
            timeout: Duration::from_secs(10),
            cancel: &NOT_CANCELLED,
            allow_empty: false,
        }
    }

    #[test]
    fn infers_types_like_pandas() {
        let dir = tempfile::tempdir().unwrap();
        let args: Vec<String> = ["printf", "a,b,c,d\n1,1.5,x,\n2,,3,\n"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let target = dir.path().join("m.sqlite");
        assert_eq!(run(&script(&args, dir.path()), &target).unwrap(), 2);
        let c = rusqlite::Connection::open(&target).unwrap();
        let types: Vec<String> = c
            .prepare("select typeof(a)||','||coalesce(typeof(b),'')||','||typeof(c)||','||typeof(d) from model")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(
            types,
            vec!["integer,real,text,null", "integer,null,text,null"]
        );
    }

    #[test]
    fn failures_name_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("m.sqlite");
        let exit1: Vec<String> = ["sh", "-c", "echo boom >&2; exit 1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let err = failure(&script(&exit1, dir.path()), &target);
        assert!(err.contains("exited") && err.contains("boom"), "{err}");
        let broken: Vec<String> = ["printf", "a,b\n1,2,3\n"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let err = failure(&script(&broken, dir.path()), &target);
        assert!(err.contains("Error parsing csv output of m model"), "{err}");
        let missing: Vec<String> = vec!["no-such-command-visivo".into()];
        assert!(failure(&script(&missing, dir.path()), &target).contains("cannot start"));
        assert!(!target.exists());
    }

    #[test]
    fn hanging_scripts_time_out() {
        let dir = tempfile::tempdir().unwrap();
        let args: Vec<String> = ["sleep", "30"].iter().map(|s| s.to_string()).collect();
        let mut s = script(&args, dir.path());
        s.timeout = Duration::from_millis(300);
        let err = failure(&s, &dir.path().join("m.sqlite"));
        assert!(err.contains("timed out"), "{err}");
    }

    fn sh(script: &str) -> Vec<String> {
        vec!["sh".into(), "-c".into(), script.into()]
    }

    /// Whether a process is gone (or a zombie nobody reaped: it runs no more).
    fn gone(pid: &str) -> bool {
        let dead = || {
            std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).map_or(true, |stat| {
                stat.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('Z')
            })
        };
        // A killed process takes a moment to die.
        let deadline = Instant::now() + Duration::from_secs(5);
        while !dead() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        dead()
    }

    #[test]
    fn a_parse_error_stops_the_script_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let args = sh("printf 'a,b\\n1,2,3\\n'; sleep 41");
        let mut s = script(&args, dir.path());
        s.timeout = Duration::from_secs(3);
        let started = Instant::now();
        let err = failure(&s, &dir.path().join("m.sqlite"));
        assert!(err.contains("Error parsing csv output"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn a_script_ignoring_sigpipe_is_killed_with_its_children() {
        let dir = tempfile::tempdir().unwrap();
        let args = sh(
            "trap '' PIPE; sleep 60 & echo $! > child.pid; echo $$ > main.pid; \
                       printf 'a,b\\n1,2,3\\n'; while :; do echo 1,2; done 2>/dev/null",
        );
        let started = Instant::now();
        let err = failure(&script(&args, dir.path()), &dir.path().join("m.sqlite"));
        assert!(err.contains("Error parsing csv output"), "{err}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        for pid_file in ["main.pid", "child.pid"] {
            let pid = std::fs::read_to_string(dir.path().join(pid_file)).unwrap();
            assert!(gone(&pid), "{pid_file} {pid} still runs");
        }
    }

    #[test]
    fn background_children_are_stopped_when_the_script_exits() {
        let dir = tempfile::tempdir().unwrap();
        let args = sh("sleep 60 >/dev/null 2>&1 & echo $! > child.pid; printf 'a\\n1\\n'");
        assert_eq!(
            run(&script(&args, dir.path()), &dir.path().join("m.sqlite")).unwrap(),
            1
        );
        let pid = std::fs::read_to_string(dir.path().join("child.pid")).unwrap();
        assert!(gone(&pid), "the background child {pid} still runs");
    }

    #[test]
    fn the_stderr_tail_is_capped_in_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let args = sh("head -c 20000000 /dev/zero | tr '\\0' x >&2; echo last line >&2; exit 1");
        let err = failure(&script(&args, dir.path()), &dir.path().join("m.sqlite"));
        assert!(err.len() < 2 * STDERR_TAIL_BYTES, "{} bytes", err.len());
        assert!(
            err.contains("exited") && err.ends_with("last line"),
            "{}",
            &err[err.len() - 100..]
        );
    }

    #[test]
    fn a_cancelled_run_kills_the_script_and_keeps_the_previous_output() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("m.sqlite");
        std::fs::write(&target, "previous").unwrap();
        let args = sh("printf 'a\\n1\\n'; sleep 60 & echo $! > child.pid; wait");
        let cancel = Cancel::default();
        let mut s = script(&args, dir.path());
        s.cancel = &cancel;
        let started = Instant::now();
        std::thread::scope(|scope| {
            scope.spawn(|| {
                std::thread::sleep(Duration::from_millis(300));
                cancel.cancel();
            });
            assert_eq!(run(&s, &target).unwrap_err(), JobError::Cancelled);
        });
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "previous");
        let files = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(files, 2, "m.sqlite and child.pid, no temporary file");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        let pid = std::fs::read_to_string(dir.path().join("child.pid")).unwrap();
        assert!(gone(&pid), "{pid} still runs");
    }

    #[test]
    fn printing_nothing_is_an_empty_table_only_when_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("m.sqlite");
        let silent = sh("echo '   '");
        let err = failure(&script(&silent, dir.path()), &target);
        assert!(err.contains("set `allow_empty: true`"), "{err}");
        assert!(!target.exists());
        let mut allowed = script(&silent, dir.path());
        allowed.allow_empty = true;
        assert_eq!(run(&allowed, &target).unwrap(), 0);
        let c = rusqlite::Connection::open(&target).unwrap();
        let count: i64 = c
            .query_row("select count(*) from model", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 0);
        // A failing command still fails, and a header without rows was always fine.
        let failing = sh("exit 3");
        allowed.args = &failing;
        assert!(failure(&allowed, &target).contains("exited"));
        let header = sh("echo a,b");
        assert_eq!(run(&script(&header, dir.path()), &target).unwrap(), 0);
    }
}
