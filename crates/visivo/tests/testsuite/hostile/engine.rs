//! Running jobs under faults: scripts that misbehave, sources that never answer, a run that is
//! interrupted, databases whose messages or values must pass through unchanged.

use crate::common::TestProject;
use std::time::{Duration, Instant};

fn csv_project(args: &str, timeout: u64) -> TestProject {
    TestProject::new(&format!(
        r#"
models:
  - name: script
    args: {args}
    timeout: {timeout}
traces:
  - name: t
    model: ref(script)
    props: {{type: bar, x: query(a), y: query(b)}}
"#
    ))
}

#[test]
fn a_script_with_broken_csv_does_not_outlive_its_timeout() {
    let p = csv_project(r#"["sh", "-c", "printf 'a,b\n1,2,3\n'; sleep 41"]"#, 3);
    let started = Instant::now();
    let run = p.visivo(&["run"]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("Error parsing csv output of script"),
        "{}",
        run.stdout
    );
}

/// A TCP server that accepts connections and never says a word; its connections stay open.
fn silent_server() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut open = Vec::new();
        for stream in listener.incoming() {
            open.extend(stream.ok());
        }
    });
    port
}

#[test]
fn a_dead_source_holds_back_neither_other_sources_nor_the_run() {
    let port = silent_server();
    let dead_traces: String = (0..12)
        .map(|i| format!("  - {{name: dead_{i}, model: ref(dead_rows), props: {{type: bar, x: query(x)}}}}\n"))
        .collect();
    let p = TestProject::new(&format!(
        r#"
sources:
  - {{name: dead, type: postgresql, host: 127.0.0.1, port: {port}, username: u, database: d, connect_timeout: 2}}
  - {{name: local, type: sqlite, database: local.db}}
models:
  - {{name: dead_rows, sql: select 1 as x, source: ref(dead)}}
  - {{name: local_rows, sql: select 1 as x, source: ref(local)}}
traces:
  - {{name: local_trace, model: ref(local_rows), props: {{type: bar, x: query(x)}}}}
{dead_traces}"#
    ));
    rusqlite::Connection::open(p.path().join("local.db")).unwrap();
    let started = std::time::SystemTime::now();
    let run = p.visivo(&["run", "-th", "4"]);
    let elapsed = started.elapsed().unwrap();
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let written = std::fs::metadata(p.target().join("local_trace/data.json"))
        .and_then(|m| m.modified())
        .expect("the SQLite trace's data.json");
    let waited = written.duration_since(started).unwrap();
    assert!(
        // Generous for a loaded CI machine; before the fix it waited ~10 s.
        waited < Duration::from_secs(5),
        "the SQLite trace waited {waited:?}"
    );
    // One connection attempt (connect_timeout 2 s), then every dead trace fails at once
    // (before the fix the run took ~24 s).
    assert!(
        elapsed < Duration::from_secs(12),
        "the run took {elapsed:?}"
    );
    let failures = run
        .stdout
        .lines()
        .filter(|l| l.contains("error: Error connecting to source 'dead'"));
    assert_eq!(failures.count(), 12, "{}", run.stdout);
}

fn pg_env(key: &str, default: &str) -> String {
    std::env::var(format!("VISIVO_PG_{key}")).unwrap_or_else(|_| default.to_string())
}

/// The test server of `.ci/services.sh`, through the variables of crates/engine/tests/postgres.rs.
fn pg_source_yaml(name: &str, password: &str, database: &str) -> String {
    format!(
        "{{name: {name}, type: postgresql, host: {}, port: {}, username: {}, password: \"{password}\", \
         database: {database}, connection_pool_size: 2}}",
        pg_env("HOST", "127.0.0.1"),
        pg_env("PORT", "5432"),
        pg_env("USER", "visivo"),
    )
}

/// How many statements tagged `tag` the test server is running.
fn pg_running(tag: &str) -> i64 {
    let source: visivo_project::Source = serde_json::from_value(serde_json::json!({
        "name": "watcher", "type": "postgresql", "host": pg_env("HOST", "127.0.0.1"),
        "port": pg_env("PORT", "5432").parse::<u16>().unwrap(), "username": pg_env("USER", "visivo"),
        "password": pg_env("PASSWORD", "visivo_pw"), "database": pg_env("DATABASE", "visivo_test"),
    }))
    .unwrap();
    let sql = format!(
        "select count(*) from pg_stat_activity where state = 'active' and query like '%{tag}%' \
         and pid <> pg_backend_pid()"
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = runtime.block_on(async {
        use visivo_engine::source::Connector;
        let connector = visivo_engine::source::postgres::PostgresSource::new(&source).unwrap();
        connector.query(&sql).await
    });
    match result
        .unwrap_or_else(|e| panic!("{e} (is PostgreSQL up? run .ci/services.sh)"))
        .rows[0][0]
    {
        visivo_engine::value::Cell::Int(n) => n,
        ref other => panic!("count(*) gave {other:?}"),
    }
}

fn wait_until(what: &str, limit: Duration, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !ready() {
        assert!(Instant::now() < deadline, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn files_ending_with(dir: &std::path::Path, suffix: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_ending_with(&path, suffix));
        } else if path.to_string_lossy().ends_with(suffix) {
            found.push(path);
        }
    }
    found
}

#[test]
fn an_interrupted_run_stops_scripts_and_queries_and_keeps_previous_outputs() {
    let tag = format!("visivo sigint test {}", std::process::id());
    let password = pg_env("PASSWORD", "visivo_pw");
    let p = TestProject::new(&format!(
        r#"
sources:
  - {}
models:
  - {{name: slow, sql: "select 1 as x, pg_sleep(60) /* {tag} */", source: ref(pg)}}
  - {{name: script, args: ["sh", "-c", "echo $$ > script.pid; printf 'a\n1\n'; sleep 60"]}}
  - {{name: merged, models: [ref(slow), ref(script)], sql: select * from slow.model}}
traces:
  - {{name: slow_trace, model: ref(slow), props: {{type: bar, x: query(x)}}}}
  - {{name: script_trace, model: ref(script), props: {{type: bar, x: query(a)}}}}
  - {{name: merged_trace, model: ref(merged), props: {{type: bar, x: query(x)}}}}
"#,
        pg_source_yaml("pg", &password, &pg_env("DATABASE", "visivo_test"))
    ));
    let previous = r#"{"slow_trace":{"props.x":[1]}}"#;
    p.write("target/slow_trace/data.json", previous);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_visivo"))
        .arg("run")
        .current_dir(p.path())
        .env("HOME", p.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let script_pid = p.path().join("script.pid");
    let started = || {
        script_pid.exists()
            && pg_running(&tag) == 2
            && !files_ending_with(&p.target(), ".tmp").is_empty()
    };
    let waited = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_until(
            "the script, both queries and a temporary file",
            Duration::from_secs(30),
            started,
        )
    }));
    let status = crate::common::interrupt(&mut child, Duration::from_secs(10));
    if let Err(panic) = waited {
        std::panic::resume_unwind(panic);
    }
    assert_eq!(
        status.and_then(|s| s.code()),
        Some(130),
        "exit status {status:?}"
    );
    let pid = std::fs::read_to_string(&script_pid).unwrap();
    assert!(
        !std::path::Path::new(&format!("/proc/{}", pid.trim())).exists(),
        "the script {pid} still runs"
    );
    assert_eq!(
        files_ending_with(&p.target(), ".tmp"),
        Vec::<std::path::PathBuf>::new()
    );
    assert_eq!(
        std::fs::read_to_string(p.target().join("slow_trace/data.json")).unwrap(),
        previous
    );
    assert!(!p.target().join("slow_trace/error.json").exists());
    wait_until(
        "the server to drop the queries",
        Duration::from_secs(5),
        || pg_running(&tag) == 0,
    );
}

fn files_below(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    files_ending_with(dir, "")
}

#[test]
fn database_messages_reach_the_user_unmangled_and_without_secrets() {
    let long_password = "Sup3r-S3cret-Pw-4711";
    let p = TestProject::new(&format!(
        r#"
sources:
  - {}
  - {}
models:
  - {{name: short_rows, sql: select 1 as x, source: ref(short)}}
  - {{name: long_rows, sql: select 1 as x, source: ref(long)}}
traces:
  - {{name: short_trace, model: ref(short_rows), props: {{type: bar, x: query(x)}}}}
  - {{name: long_trace, model: ref(long_rows), props: {{type: bar, x: query(x)}}}}
"#,
        pg_source_yaml("short", "e", "visivo_no_such_db"),
        pg_source_yaml("long", long_password, "visivo_no_such_db"),
    ));
    let run = p.visivo(&["run"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    // The server's words as it wrote them (which one depends on whether it checks passwords).
    let servers_message = [
        r#"password authentication failed for user "visivo""#,
        r#"database "visivo_no_such_db" does not exist"#,
    ];
    assert!(
        servers_message.iter().any(|m| run.stdout.contains(m)) && !run.stdout.contains("**"),
        "{}",
        run.stdout
    );
    // The terminal says where the source lives; the browser doesn't learn it.
    assert!(
        run.stdout.contains("connection: postgresql at "),
        "{}",
        run.stdout
    );
    let error: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(p.target().join("short_trace/error.json")).unwrap(),
    )
    .unwrap();
    let message = error["message"].as_str().unwrap();
    assert!(
        message.starts_with("Error connecting to source 'short': "),
        "{message}"
    );
    assert!(
        servers_message.iter().any(|m| message.contains(m)),
        "{message}"
    );
    for detail in ["connection:", "postgresql at", ":5432", "user 'visivo'"] {
        assert!(
            !message.contains(detail),
            "error.json has `{detail}`: {message}"
        );
    }
    assert!(!format!("{}{}", run.stdout, run.stderr).contains(long_password));
    for file in files_below(&p.target()) {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(
            !text.contains(long_password),
            "{} holds the password",
            file.display()
        );
    }
}
