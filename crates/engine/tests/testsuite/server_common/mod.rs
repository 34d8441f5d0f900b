//! What the PostgreSQL and MySQL tests share: the server they reach through `VISIVO_<X>_HOST`,
//! `_PORT`, `_USER`, `_PASSWORD` and `_DATABASE`, source definitions built from those, a sink that
//! counts what a stream delivers, and the checks every server engine must pass alike (pooling,
//! failures, timeouts).

use serde_json::json;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use visivo_engine::source::{connect, ConnectContext, Connector, RowSink, SinkError};
use visivo_engine::value::{Cell, ResultSet};
use visivo_project::model::Source;

pub struct Server {
    /// The source `type`.
    pub source_type: &'static str,
    /// Prefix of the test's source names (`pg_wrong_pw`).
    pub prefix: &'static str,
    /// `VISIVO_PG` reads `VISIVO_PG_HOST`, …
    pub env_prefix: &'static str,
    pub default_port: u16,
    /// Part of the server's own message for a wrong password.
    pub wrong_password_says: &'static str,
    /// Selects the connection's id.
    pub session_id: &'static str,
    /// An expression that sleeps one second.
    pub sleep_one_second: &'static str,
    /// Sleeps five seconds, tagged `/* visivo timeout test */`.
    pub sleep_five_seconds_tagged: &'static str,
    /// Counts the statements with that tag the server is still running.
    pub count_tagged_running: &'static str,
}

impl Server {
    fn env(&self, key: &str, default: &str) -> String {
        std::env::var(format!("{}_{key}", self.env_prefix)).unwrap_or_else(|_| default.to_string())
    }

    pub fn host(&self) -> String {
        self.env("HOST", "127.0.0.1")
    }

    pub fn port(&self) -> u16 {
        self.env("PORT", &self.default_port.to_string())
            .parse()
            .expect("the port variable is a port number")
    }

    pub fn database(&self) -> String {
        self.env("DATABASE", "visivo_test")
    }

    /// A source definition as a project would write it, with `extra` fields merged in (null
    /// removes one).
    pub fn source(&self, name: &str, extra: serde_json::Value) -> Source {
        let mut value = json!({
            "name": name,
            "type": self.source_type,
            "host": self.host(),
            "port": self.port(),
            "username": self.env("USER", "visivo"),
            "password": self.env("PASSWORD", "visivo_pw"),
            "database": self.database(),
        });
        for (key, field) in extra.as_object().expect("extra fields are an object") {
            if field.is_null() {
                value.as_object_mut().unwrap().remove(key);
            } else {
                value[key] = field.clone();
            }
        }
        serde_json::from_value(value).expect("a valid source")
    }

    pub fn connector(&self, name: &str, extra: serde_json::Value) -> Arc<dyn Connector> {
        let context = ConnectContext {
            project_dir: Path::new("."),
            threads: 2,
            cancel: Default::default(),
        };
        connect(&self.source(name, extra), &context)
            .unwrap_or_else(|e| panic!("the source is configured: {e}"))
    }

    fn name(&self, suffix: &str) -> String {
        format!("{}_{suffix}", self.prefix)
    }
}

pub async fn query(source: &Arc<dyn Connector>, sql: &str) -> ResultSet {
    source
        .query(sql)
        .await
        .unwrap_or_else(|e| panic!("{e}\n(is the server up? run `sudo bash .ci/services.sh`)"))
}

pub fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

/// Counts what a stream delivers.
#[derive(Default)]
pub struct Counts {
    pub columns: Vec<String>,
    pub batches: Vec<usize>,
    pub rows: usize,
    pub last: Option<Vec<Cell>>,
    pub finished: bool,
}

pub struct CountingSink(pub Arc<Mutex<Counts>>);

impl RowSink for CountingSink {
    fn columns(&mut self, columns: &[String]) -> Result<(), SinkError> {
        self.0.lock().unwrap().columns = columns.to_vec();
        Ok(())
    }
    fn rows(&mut self, rows: Vec<Vec<Cell>>) -> Result<(), SinkError> {
        let mut counts = self.0.lock().unwrap();
        counts.batches.push(rows.len());
        counts.rows += rows.len();
        counts.last = rows.last().cloned();
        Ok(())
    }
    fn finish(&mut self) -> Result<(), SinkError> {
        self.0.lock().unwrap().finished = true;
        Ok(())
    }
}

/// Streams `sql` (50 000 rows) and checks it arrived in batches of at most 10 000.
pub async fn stream_counts(source: &Arc<dyn Connector>, sql: &str) -> Counts {
    let counts = Arc::new(Mutex::new(Counts::default()));
    source
        .stream(sql, Box::new(CountingSink(counts.clone())))
        .await
        .unwrap();
    let counts = std::mem::take(&mut *counts.lock().unwrap());
    assert_eq!(counts.rows, 50_000);
    assert!(counts.batches.len() >= 5, "batches: {:?}", counts.batches);
    assert!(
        counts.batches.iter().all(|b| *b <= 10_000),
        "batches: {:?}",
        counts.batches
    );
    assert!(counts.finished);
    counts
}

pub fn assert_connection_error(message: &str, name: &str, host: &str, port: u16, password: &str) {
    eprintln!("{message}");
    assert!(
        message.contains(&format!("source '{name}'")),
        "names the source: {message}"
    );
    assert!(
        message.contains(&format!("{host}:{port}")),
        "names host and port: {message}"
    );
    assert!(!message.contains(password), "leaks the password: {message}");
}

/// Two queries at once run on two pooled connections, which the next queries reuse.
pub async fn pool_runs_queries_concurrently_and_reuses_connections(server: &Server) {
    let session_id = server.session_id;
    let source = server.connector(&server.name("pool"), json!({"connection_pool_size": 2}));
    assert_eq!(source.concurrency(), 2);
    // Warm both connections up, so the timing below is about the queries. The warm-up queries
    // sleep too: a quick first one could hand its connection to the second before a second
    // connection is opened.
    let sleeping = format!("select {}, ({session_id})", server.sleep_one_second);
    let (a, b) = tokio::join!(source.query(&sleeping), source.query(&sleeping));
    let warm_ids = [a.unwrap().rows[0][1].clone(), b.unwrap().rows[0][1].clone()];
    let start = Instant::now();
    let (a, b) = tokio::join!(source.query(&sleeping), source.query(&sleeping));
    let elapsed = start.elapsed();
    let ids = [a.unwrap().rows[0][1].clone(), b.unwrap().rows[0][1].clone()];
    assert!(
        elapsed < Duration::from_millis(1800),
        "two 1 s sleeps took {elapsed:?} with a pool of 2"
    );
    assert_ne!(ids[0], ids[1], "two connections");
    for id in &ids {
        assert!(
            warm_ids.contains(id),
            "connections are reused: {ids:?} vs {warm_ids:?}"
        );
    }

    let single = server.connector(&server.name("single"), json!({"connection_pool_size": 1}));
    let first = query(&single, session_id).await.rows[0][0].clone();
    let second = query(&single, session_id).await.rows[0][0].clone();
    assert_eq!(first, second, "a pool of one keeps its connection");
}

pub async fn wrong_password_is_reported_without_the_password(server: &Server) {
    let secret = "Wr0ng-Secret-4711";
    let name = server.name("wrong_pw");
    let source = server.connector(&name, json!({"password": secret}));
    let error = source.query("select 1").await.unwrap_err().to_string();
    assert_connection_error(&error, &name, &server.host(), server.port(), secret);
    assert!(
        error.contains(server.wrong_password_says),
        "the server's message: {error}"
    );
}

pub async fn unreachable_servers_are_reported(server: &Server) {
    let secret = "Unreach-Secret-4711";
    // Nothing listens on port 1.
    let name = server.name("closed");
    let closed = server.connector(
        &name,
        json!({"port": 1, "password": secret, "connect_timeout": 3}),
    );
    let error = closed.query("select 1").await.unwrap_err().to_string();
    assert_connection_error(&error, &name, &server.host(), 1, secret);
    assert!(error.to_lowercase().contains("refused"), "{error}");

    let start = Instant::now();
    let name = server.name("unknown");
    let unknown = server.connector(
        &name,
        json!({"host": "no-such-host.invalid", "password": secret, "connect_timeout": 3}),
    );
    let error = unknown.query("select 1").await.unwrap_err().to_string();
    assert_connection_error(&error, &name, "no-such-host.invalid", server.port(), secret);
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "bounded by connect_timeout"
    );
}

pub async fn query_errors_name_the_source(server: &Server) {
    let name = server.name("bad_sql");
    let source = server.connector(&name, json!({}));
    let error = source
        .query("select * from visivo_no_such_table")
        .await
        .unwrap_err()
        .to_string();
    eprintln!("{error}");
    assert!(error.contains(&format!("source '{name}'")), "{error}");
    assert!(error.contains("visivo_no_such_table"), "{error}");
    assert!(!error.contains("visivo_pw"), "{error}");
    // The connection survives a failed statement.
    assert_eq!(
        query(&source, "select 2 as two").await.rows,
        vec![vec![Cell::Int(2)]]
    );
}

pub async fn query_timeout_cancels_the_query(server: &Server) {
    let name = server.name("timeout");
    let source = server.connector(&name, json!({"query_timeout": 1}));
    let start = Instant::now();
    let error = source
        .query(server.sleep_five_seconds_tagged)
        .await
        .unwrap_err()
        .to_string();
    eprintln!("{error}");
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "took {:?}",
        start.elapsed()
    );
    assert!(
        error.contains(&format!("source '{name}'")) && error.contains("timed out"),
        "{error}"
    );
    // The server stopped it, and the source still works.
    let running = query(&source, server.count_tagged_running).await;
    assert_eq!(running.rows, vec![vec![Cell::Int(0)]]);
}

pub async fn one_failing_source_does_not_affect_another(server: &Server) {
    let bad = server.connector(&server.name("bad"), json!({"password": "nope-nope"}));
    let good = server.connector(&server.name("good"), json!({}));
    let (bad, good) = tokio::join!(bad.query("select 1"), good.query("select 1 as one"));
    assert!(bad.is_err());
    assert_eq!(good.unwrap().rows, vec![vec![Cell::Int(1)]]);
}

/// The checks above as `#[tokio::test]`s of the test file that calls it with its `Server`.
macro_rules! server_tests {
    ($server:expr) => {
        crate::server_common::server_tests!(
            $server,
            pool_runs_queries_concurrently_and_reuses_connections,
            wrong_password_is_reported_without_the_password,
            unreachable_servers_are_reported,
            query_errors_name_the_source,
            query_timeout_cancels_the_query,
            one_failing_source_does_not_affect_another
        );
    };
    ($server:expr, $($check:ident),+) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                crate::server_common::$check(&$server).await;
            }
        )+
    };
}
pub(crate) use server_tests;
