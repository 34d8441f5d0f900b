//! PostgreSQL (and Redshift-type) sources against a real server.
//!
//! `.ci/services.sh` starts the server and creates the test role and database. The tests read:
//!
//! | variable | default |
//! |---|---|
//! | `VISIVO_PG_HOST` | `127.0.0.1` |
//! | `VISIVO_PG_PORT` | `5432` |
//! | `VISIVO_PG_USER` | `visivo` |
//! | `VISIVO_PG_PASSWORD` | `visivo_pw` |
//! | `VISIVO_PG_DATABASE` | `visivo_test` |
//!
//! The server must ask `visivo` for its password over TCP (the wrong-password test relies on
//! it); `.ci/services.sh` adds that pg_hba.conf rule. Tables and schemas carry the test's name
//! and are dropped/created by the test, so runs are repeatable.

use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use visivo_engine::data_json::group_by_cohort;
use visivo_engine::source::postgres::PostgresSource;
use visivo_engine::source::{Connector, RowSink};
use visivo_engine::value::{Cell, ResultSet};
use visivo_project::model::Source;

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

fn host() -> String {
    env("VISIVO_PG_HOST", "127.0.0.1")
}

fn port() -> u16 {
    env("VISIVO_PG_PORT", "5432")
        .parse()
        .expect("VISIVO_PG_PORT is a port number")
}

/// A source definition as a project would write it, with `extra` fields merged in.
fn source(name: &str, extra: serde_json::Value) -> Source {
    let mut value = json!({
        "name": name,
        "type": "postgresql",
        "host": host(),
        "port": port(),
        "username": env("VISIVO_PG_USER", "visivo"),
        "password": env("VISIVO_PG_PASSWORD", "visivo_pw"),
        "database": env("VISIVO_PG_DATABASE", "visivo_test"),
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

fn connector(name: &str, extra: serde_json::Value) -> PostgresSource {
    PostgresSource::new(&source(name, extra)).expect("the source is configured")
}

async fn query(source: &PostgresSource, sql: &str) -> ResultSet {
    source
        .query(sql)
        .await
        .unwrap_or_else(|e| panic!("{e}\n(is the server up? run `sudo bash .ci/services.sh`)"))
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_decodes_exactly() {
    let pg = connector("pg_types", json!({}));
    let sql = r#"
        select 'all' as cohort_on,
            1::int2 as i2, 2::int4 as i4, 12345678901234567::int8 as i8,
            1.50::numeric as n_exact, 3::numeric(10,2) as n_int,
            12345678901234567890.123::numeric as n_big, 0.1000000000000000055511::numeric as n_long,
            'NaN'::numeric as n_nan,
            1.25::float4 as f4, 0.1::float8 as f8, 'Infinity'::float8 as f_inf,
            true as b_true, false as b_false,
            'txt'::text as t, 'vc'::varchar(5) as vc, 'c'::char(3) as ch, 'nm'::name as nm,
            '2024-02-29'::date as d,
            '2024-02-29 13:14:15.5'::timestamp as ts, '2024-02-29 13:14:15'::timestamp as ts0,
            '2024-02-29 13:14:15.123456+02'::timestamptz as tstz,
            '13:14:15.25'::time as tm, '13:14:15'::time as tm0,
            '1 year 2 months 3 days 04:05:06.5'::interval as iv, '-90 minutes'::interval as iv_neg,
            'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid as u,
            '{"a": [1, 2.5, null], "b": "x"}'::json as j, '{"k": true}'::jsonb as jb,
            array[1, null, 3] as a_int, array['a b', 'c"d', null]::text[] as a_text,
            array[1.5, 2.25]::numeric[] as a_num, '{{1,2},{3,4}}'::int[] as a_2d,
            array['2024-01-02 03:04:05'::timestamp] as a_ts,
            '\x01ff'::bytea as by, null::int as nul, '192.168.0.1/32'::inet as ip,
            'infinity'::date as d_inf
    "#;
    let result = query(&pg, sql).await;
    let expected: Vec<(&str, Cell)> = vec![
        ("cohort_on", text("all")),
        ("i2", Cell::Int(1)),
        ("i4", Cell::Int(2)),
        ("i8", Cell::Int(12345678901234567)),
        ("n_exact", Cell::Float(1.5)),
        ("n_int", Cell::Float(3.0)),
        ("n_big", text("12345678901234567890.123")),
        ("n_long", text("0.1000000000000000055511")),
        ("n_nan", Cell::Float(f64::NAN)),
        ("f4", Cell::Float(1.25)),
        ("f8", Cell::Float(0.1)),
        ("f_inf", Cell::Float(f64::INFINITY)),
        ("b_true", Cell::Bool(true)),
        ("b_false", Cell::Bool(false)),
        ("t", text("txt")),
        ("vc", text("vc")),
        ("ch", text("c  ")),
        ("nm", text("nm")),
        ("d", text("2024-02-29")),
        ("ts", text("2024-02-29T13:14:15.500000")),
        ("ts0", text("2024-02-29T13:14:15")),
        ("tstz", text("2024-02-29T11:14:15.123456+00:00")),
        ("tm", text("13:14:15.250000")),
        ("tm0", text("13:14:15")),
        ("iv", text("P1Y2M3DT4H5M6.5S")),
        ("iv_neg", text("PT-1H-30M")),
        ("u", text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")),
        ("j", Cell::Json(json!({"a": [1, 2.5, null], "b": "x"}))),
        ("jb", Cell::Json(json!({"k": true}))),
        ("a_int", Cell::Json(json!([1, null, 3]))),
        ("a_text", Cell::Json(json!(["a b", "c\"d", null]))),
        ("a_num", Cell::Json(json!([1.5, 2.25]))),
        ("a_2d", Cell::Json(json!([[1, 2], [3, 4]]))),
        ("a_ts", Cell::Json(json!(["2024-01-02T03:04:05"]))),
        ("by", text("\\x01ff")),
        ("nul", Cell::Null),
        ("ip", text("192.168.0.1")),
        ("d_inf", text("infinity")),
    ];
    let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    assert_eq!(result.columns, names);
    assert_eq!(result.rows.len(), 1);
    for ((name, want), got) in expected.iter().zip(&result.rows[0]) {
        match (want, got) {
            (Cell::Float(w), Cell::Float(g)) if w.is_nan() => {
                assert!(g.is_nan(), "{name}: {got:?}")
            }
            _ => assert_eq!(got, want, "column {name}"),
        }
    }
    let data = group_by_cohort(&result).unwrap().json;
    assert_eq!(
        data,
        concat!(
            r#"{"all":{"i2":[1],"i4":[2],"i8":[12345678901234567],"n_exact":[1.5],"n_int":[3.0],"#,
            r#""n_big":["12345678901234567890.123"],"n_long":["0.1000000000000000055511"],"n_nan":[null],"#,
            r#""f4":[1.25],"f8":[0.1],"f_inf":[null],"b_true":[true],"b_false":[false],"#,
            r#""t":["txt"],"vc":["vc"],"ch":["c  "],"nm":["nm"],"d":["2024-02-29"],"#,
            r#""ts":["2024-02-29T13:14:15.500000"],"ts0":["2024-02-29T13:14:15"],"#,
            r#""tstz":["2024-02-29T11:14:15.123456+00:00"],"tm":["13:14:15.250000"],"tm0":["13:14:15"],"#,
            r#""iv":["P1Y2M3DT4H5M6.5S"],"iv_neg":["PT-1H-30M"],"u":["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"],"#,
            r#""j":[{"a":[1,2.5,null],"b":"x"}],"jb":[{"k":true}],"a_int":[[1,null,3]],"#,
            r#""a_text":[["a b","c\"d",null]],"a_num":[[1.5,2.25]],"a_2d":[[[1,2],[3,4]]],"#,
            r#""a_ts":[["2024-01-02T03:04:05"]],"by":["\\x01ff"],"nul":[null],"ip":["192.168.0.1"],"#,
            r#""d_inf":["infinity"]}}"#
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timestamptz_is_utc_whatever_the_session_zone() {
    // One connection, reused: the zone set by the first query applies to the second.
    let pg = connector("pg_zone", json!({"connection_pool_size": 1}));
    query(&pg, "select set_config('TimeZone', 'Asia/Kolkata', false)").await;
    let result = query(
        &pg,
        "select '2024-01-01 12:00:00.25+00'::timestamptz as t, '2024-01-01 12:00:00+00'::timestamptz::text as raw",
    )
    .await;
    assert_eq!(result.rows[0][0], text("2024-01-01T12:00:00.250000+00:00"));
    assert_eq!(result.rows[0][1], text("2024-01-01 17:30:00+05:30"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pool_runs_queries_concurrently_and_reuses_connections() {
    let pg = Arc::new(connector("pg_pool", json!({"connection_pool_size": 2})));
    assert_eq!(pg.concurrency(), 2);
    // Warm both connections up, so the timing below is about the queries.
    let (a, b) = tokio::join!(
        pg.query("select pg_backend_pid()"),
        pg.query("select pg_backend_pid()")
    );
    let warm_pids = [a.unwrap().rows[0][0].clone(), b.unwrap().rows[0][0].clone()];
    let start = Instant::now();
    let (a, b) = tokio::join!(
        pg.query("select pg_sleep(1), pg_backend_pid()"),
        pg.query("select pg_sleep(1), pg_backend_pid()")
    );
    let elapsed = start.elapsed();
    let pids = [a.unwrap().rows[0][1].clone(), b.unwrap().rows[0][1].clone()];
    assert!(
        elapsed < Duration::from_millis(1800),
        "two 1 s sleeps took {elapsed:?} with a pool of 2"
    );
    assert_ne!(pids[0], pids[1], "two connections");
    for pid in &pids {
        assert!(
            warm_pids.contains(pid),
            "connections are reused: {pids:?} vs {warm_pids:?}"
        );
    }

    let single = connector("pg_single", json!({"connection_pool_size": 1}));
    let first = query(&single, "select pg_backend_pid()").await.rows[0][0].clone();
    let second = query(&single, "select pg_backend_pid()").await.rows[0][0].clone();
    assert_eq!(first, second, "a pool of one keeps its connection");
}

/// Counts what a stream delivers.
#[derive(Default)]
struct Counts {
    columns: Vec<String>,
    batches: Vec<usize>,
    rows: usize,
    last: Option<Vec<Cell>>,
    finished: bool,
}

struct CountingSink(Arc<Mutex<Counts>>);

impl RowSink for CountingSink {
    fn columns(&mut self, columns: &[String]) -> Result<(), String> {
        self.0.lock().unwrap().columns = columns.to_vec();
        Ok(())
    }
    fn rows(&mut self, rows: Vec<Vec<Cell>>) -> Result<(), String> {
        let mut counts = self.0.lock().unwrap();
        counts.batches.push(rows.len());
        counts.rows += rows.len();
        counts.last = rows.last().cloned();
        Ok(())
    }
    fn finish(&mut self) -> Result<(), String> {
        self.0.lock().unwrap().finished = true;
        Ok(())
    }
}

struct FailingSink;

impl RowSink for FailingSink {
    fn columns(&mut self, _: &[String]) -> Result<(), String> {
        Ok(())
    }
    fn rows(&mut self, _: Vec<Vec<Cell>>) -> Result<(), String> {
        Err("disk full (test)".into())
    }
    fn finish(&mut self) -> Result<(), String> {
        panic!("finish after a failed batch")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_big_results_in_batches() {
    let pg = connector("pg_stream", json!({}));
    let counts = Arc::new(Mutex::new(Counts::default()));
    pg.stream(
        "select g as n, md5(g::text) as h, g * 0.5 as half from generate_series(1, 50000) g",
        Box::new(CountingSink(counts.clone())),
    )
    .await
    .unwrap();
    let counts = std::mem::take(&mut *counts.lock().unwrap());
    assert_eq!(counts.columns, ["n", "h", "half"]);
    assert_eq!(counts.rows, 50_000);
    assert!(counts.batches.len() >= 5, "batches: {:?}", counts.batches);
    assert!(
        counts.batches.iter().all(|b| *b <= 10_000),
        "batches: {:?}",
        counts.batches
    );
    let last = counts.last.as_ref().unwrap();
    assert_eq!(last[0], Cell::Int(50000));
    assert!(
        matches!(&last[1], Cell::Text(h) if h.len() == 32),
        "{last:?}"
    );
    assert_eq!(last[2], Cell::Float(25000.0));
    assert!(counts.finished);

    // A sink that fails stops the query with the sink's message; the source stays usable.
    let error = pg
        .stream(
            "select g from generate_series(1, 50000) g",
            Box::new(FailingSink),
        )
        .await
        .unwrap_err();
    assert!(error.0.contains("disk full (test)"), "{error}");
    assert_eq!(
        query(&pg, "select 1 as one").await.rows,
        vec![vec![Cell::Int(1)]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_schema_sets_the_search_path() {
    let setup = connector("pg_schema_setup", json!({}));
    query(&setup, "create schema if not exists visivo_schema_test").await;
    query(
        &setup,
        "drop table if exists visivo_schema_test.schema_probe",
    )
    .await;
    query(
        &setup,
        "create table visivo_schema_test.schema_probe (x int)",
    )
    .await;
    query(
        &setup,
        "insert into visivo_schema_test.schema_probe values (7)",
    )
    .await;

    let pg = connector("pg_schema", json!({"db_schema": "visivo_schema_test"}));
    let result = query(&pg, "select x, current_schema() as s from schema_probe").await;
    assert_eq!(
        result.rows,
        vec![vec![Cell::Int(7), text("visivo_schema_test")]]
    );

    // Without db_schema the table is not found by its bare name.
    let error = setup.query("select x from schema_probe").await.unwrap_err();
    assert!(error.0.contains("schema_probe"), "{error}");
}

fn assert_connection_error(message: &str, name: &str, host: &str, port: u16, password: &str) {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_reported_without_the_password() {
    let secret = "Wr0ng-Secret-4711";
    let pg = connector("pg_wrong_pw", json!({"password": secret}));
    let error = pg.query("select 1").await.unwrap_err().0;
    assert_connection_error(&error, "pg_wrong_pw", &host(), port(), secret);
    assert!(
        error.contains("password authentication failed"),
        "the server's message: {error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_servers_are_reported() {
    let secret = "Unreach-Secret-4711";
    // Nothing listens on port 1.
    let closed = connector(
        "pg_closed",
        json!({"port": 1, "password": secret, "connect_timeout": 3}),
    );
    let error = closed.query("select 1").await.unwrap_err().0;
    assert_connection_error(&error, "pg_closed", &host(), 1, secret);
    assert!(error.to_lowercase().contains("refused"), "{error}");

    let start = Instant::now();
    let unknown = connector(
        "pg_unknown",
        json!({"host": "no-such-host.invalid", "password": secret, "connect_timeout": 3}),
    );
    let error = unknown.query("select 1").await.unwrap_err().0;
    assert_connection_error(&error, "pg_unknown", "no-such-host.invalid", port(), secret);
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "bounded by connect_timeout"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_errors_name_the_source() {
    let pg = connector("pg_bad_sql", json!({}));
    let error = pg
        .query("select * from visivo_no_such_table")
        .await
        .unwrap_err()
        .0;
    eprintln!("{error}");
    assert!(error.contains("source 'pg_bad_sql'"), "{error}");
    assert!(error.contains("visivo_no_such_table"), "{error}");
    assert!(!error.contains("visivo_pw"), "{error}");
    // The connection survives a failed statement.
    assert_eq!(
        query(&pg, "select 2 as two").await.rows,
        vec![vec![Cell::Int(2)]]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_timeout_cancels_the_query() {
    let pg = connector("pg_timeout", json!({"query_timeout": 1}));
    let start = Instant::now();
    let error = pg
        .query("select pg_sleep(5) /* visivo timeout test */")
        .await
        .unwrap_err()
        .0;
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "took {:?}",
        start.elapsed()
    );
    eprintln!("{error}");
    assert!(
        error.contains("source 'pg_timeout'") && error.contains("timed out"),
        "{error}"
    );
    // The server stopped it, and the source still works.
    let running = query(
        &pg,
        "select count(*) from pg_stat_activity where state = 'active' and query like '%visivo timeout test */'",
    )
    .await;
    assert_eq!(running.rows, vec![vec![Cell::Int(0)]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_failing_source_does_not_affect_another() {
    let bad = connector("pg_bad", json!({"password": "nope-nope"}));
    let good = connector("pg_good", json!({}));
    let (bad, good) = tokio::join!(bad.query("select 1"), good.query("select 1 as one"));
    assert!(bad.is_err());
    assert_eq!(good.unwrap().rows, vec![vec![Cell::Int(1)]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redshift_type_speaks_the_postgresql_protocol() {
    let redshift = connector("rs_local", json!({"type": "redshift"}));
    let result = query(&redshift, "select 1 as one, 'x'::varchar as s").await;
    assert_eq!(result.rows, vec![vec![Cell::Int(1), text("x")]]);

    // Without a port it goes to Redshift's 5439.
    let default_port = connector(
        "rs_default",
        json!({"type": "redshift", "port": null, "connect_timeout": 3}),
    );
    let error = default_port.query("select 1").await.unwrap_err().0;
    assert!(error.contains(&format!("{}:5439", host())), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_modes() {
    let ssl_in_use = "select ssl from pg_stat_ssl where pid = pg_backend_pid()";
    let server_has_tls = {
        let plain = connector("pg_plain", json!({"sslmode": "disable"}));
        assert_eq!(
            query(&plain, ssl_in_use).await.rows,
            vec![vec![Cell::Bool(false)]]
        );
        query(&plain, "select current_setting('ssl') = 'on'")
            .await
            .rows[0][0]
            == Cell::Bool(true)
    };
    let preferred = connector("pg_prefer", json!({"sslmode": "prefer"}));
    assert_eq!(
        query(&preferred, ssl_in_use).await.rows,
        vec![vec![Cell::Bool(server_has_tls)]]
    );
    let required = connector("pg_require", json!({"sslmode": "require"}));
    if server_has_tls {
        assert_eq!(
            query(&required, ssl_in_use).await.rows,
            vec![vec![Cell::Bool(true)]]
        );
    } else {
        let error = required.query("select 1").await.unwrap_err().0;
        assert!(error.contains("source 'pg_require'"), "{error}");
    }
    // `sslmode: "{{ env_var('X') }}"` with X unset names the variable.
    let marker = visivo_project::load::template::unset_marker("VISIVO_UNSET_SSLMODE");
    let error = PostgresSource::new(&source("pg_unset_mode", json!({ "sslmode": marker })))
        .unwrap_err()
        .0;
    assert!(error.contains("VISIVO_UNSET_SSLMODE"), "{error}");
    assert!(PostgresSource::new(&source("pg_bad_mode", json!({"sslmode": "sometimes"}))).is_err());
}
