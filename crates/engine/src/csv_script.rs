//! CSV-script models: run a command (no shell), stream its stdout CSV into a SQLite table.
//!
//! Column types follow pandas' inference, as 1.0.30 did: a column whose non-empty values are
//! all integers is BIGINT, all numbers FLOAT, anything else TEXT; empty fields are NULL.

use crate::materialize::{quote, unique_names, SqliteTableWriter};
use crate::value::Cell;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub const DEFAULT_TIMEOUT_SECS: u64 = 300;
const BATCH_ROWS: usize = 10_000;
const STAGING: &str = "__visivo_staging";

pub struct CsvScript<'a> {
    pub model: &'a str,
    pub args: &'a [String],
    pub table: &'a str,
    pub cwd: &'a Path,
    pub timeout: Duration,
}

/// Runs the script and writes `target` (a SQLite file); returns the number of rows.
pub fn run(script: &CsvScript, target: &Path) -> Result<usize, String> {
    let (program, rest) = script.args.split_first().ok_or("`args` is empty")?;
    use std::os::unix::process::CommandExt;
    let mut child = Command::new(program)
        .args(rest)
        // Its own process group, so a timeout stops the children it started too.
        .process_group(0)
        .current_dir(script.cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start `{program}`: {e}"))?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut stderr = child.stderr.take().ok_or("no stderr")?;
    let stderr_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let pid = child.id();
    let (done, finished) = mpsc::channel::<()>();
    let timeout = script.timeout;
    let watchdog = std::thread::spawn(move || {
        let timed_out = finished.recv_timeout(timeout).is_err();
        if timed_out {
            kill(pid);
        }
        timed_out
    });
    let loaded = load_csv(script, stdout, target);
    let _ = done.send(());
    let timed_out = watchdog.join().unwrap_or(false);
    let status = child.wait().map_err(|e| e.to_string())?;
    let stderr_text = stderr_reader.join().unwrap_or_default();
    if timed_out {
        return Err(format!(
            "the command timed out after {}s and was stopped{}",
            timeout.as_secs(),
            tail(&stderr_text)
        ));
    }
    if !status.success() {
        return Err(format!(
            "the command exited with {status}{}",
            tail(&stderr_text)
        ));
    }
    loaded.map_err(|e| {
        format!(
            "Error parsing csv output of {} model's command: {e}. Verify command's output and try again.",
            script.model
        )
    })
}

fn kill(pid: u32) {
    let _ = Command::new("kill")
        .args(["-9", "--", &format!("-{pid}")])
        .status();
}

fn tail(stderr: &str) -> String {
    let trimmed = stderr.trim();
    if trimmed.is_empty() {
        return String::new();
    }
    let lines: Vec<&str> = trimmed.lines().collect();
    let start = lines.len().saturating_sub(20);
    format!("; stderr:\n{}", lines[start..].join("\n"))
}

#[derive(Clone, Copy)]
struct ColumnKind {
    all_int: bool,
    all_float: bool,
}

impl ColumnKind {
    fn observe(&mut self, field: &str) {
        if self.all_int && field.parse::<i64>().is_err() {
            self.all_int = false;
        }
        if self.all_float && !is_float(field) {
            self.all_float = false;
        }
    }

    fn sql_type(self) -> &'static str {
        if self.all_int {
            "BIGINT"
        } else if self.all_float {
            "FLOAT"
        } else {
            "TEXT"
        }
    }
}

fn is_float(field: &str) -> bool {
    let lower = field.trim().to_ascii_lowercase();
    matches!(lower.as_str(), "nan" | "inf" | "-inf" | "+inf") || lower.parse::<f64>().is_ok()
}

fn load_csv(script: &CsvScript, stdout: impl Read, target: &Path) -> Result<usize, String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(stdout);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| e.to_string())?
        .iter()
        .map(str::to_string)
        .collect();
    if header.is_empty() || header.iter().all(String::is_empty) {
        return Err("the command printed no CSV header".into());
    }
    let columns = unique_names(&header);
    let mut writer = SqliteTableWriter::create(target, script.table)?;
    let staging: Vec<String> = columns.iter().map(|c| quote(c)).collect();
    let insert = writer.create_table(STAGING, &staging)?;
    let mut kinds = vec![
        ColumnKind {
            all_int: true,
            all_float: true
        };
        columns.len()
    ];
    let mut batch = Vec::with_capacity(1024);
    let mut count = 0;
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        let mut row = Vec::with_capacity(columns.len());
        for (i, field) in record.iter().enumerate() {
            if field.is_empty() {
                row.push(Cell::Null);
            } else {
                kinds[i].observe(field);
                row.push(Cell::Text(field.to_string()));
            }
        }
        batch.push(row);
        count += 1;
        if batch.len() >= BATCH_ROWS {
            writer.insert(&insert, &std::mem::take(&mut batch))?;
        }
    }
    writer.insert(&insert, &batch)?;
    let typed: Vec<String> = columns
        .iter()
        .zip(&kinds)
        .map(|(c, k)| format!("{} {}", quote(c), k.sql_type()))
        .collect();
    writer.create_table(script.table, &typed)?;
    writer
        .connection()?
        .execute_batch(&format!(
            "INSERT INTO {} SELECT * FROM {STAGING}; DROP TABLE {STAGING};",
            quote(script.table)
        ))
        .map_err(|e| e.to_string())?;
    writer.commit()?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script<'a>(args: &'a [String], cwd: &'a Path) -> CsvScript<'a> {
        CsvScript {
            model: "m",
            args,
            table: "model",
            cwd,
            timeout: Duration::from_secs(10),
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
        let err = run(&script(&exit1, dir.path()), &target).unwrap_err();
        assert!(err.contains("exited") && err.contains("boom"), "{err}");
        let broken: Vec<String> = ["printf", "a,b\n1,2,3\n"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let err = run(&script(&broken, dir.path()), &target).unwrap_err();
        assert!(err.contains("Error parsing csv output of m model"), "{err}");
        let missing: Vec<String> = vec!["no-such-command-visivo".into()];
        assert!(run(&script(&missing, dir.path()), &target)
            .unwrap_err()
            .contains("cannot start"));
        assert!(!target.exists());
    }

    #[test]
    fn hanging_scripts_time_out() {
        let dir = tempfile::tempdir().unwrap();
        let args: Vec<String> = ["sleep", "30"].iter().map(|s| s.to_string()).collect();
        let mut s = script(&args, dir.path());
        s.timeout = Duration::from_millis(300);
        let err = run(&s, &dir.path().join("m.sqlite")).unwrap_err();
        assert!(err.contains("timed out"), "{err}");
    }
}
