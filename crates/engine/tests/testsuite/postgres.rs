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

use crate::server_common::{query, stream_counts, text, Server};
use serde_json::json;
use std::sync::Arc;
use visivo_engine::data_json::{group_by_cohort, NullCohort};
use visivo_engine::source::postgres::PostgresSource;
use visivo_engine::source::{Connector, RowSink, SinkError, SourceError};
use visivo_engine::value::Cell;

const SERVER: Server = Server {
    source_type: "postgresql",
    prefix: "pg",
    env_prefix: "VISIVO_PG",
    default_port: 5432,
    wrong_password_says: "password authentication failed",
    session_id: "select pg_backend_pid()",
    sleep_one_second: "pg_sleep(1)",
    sleep_five_seconds_tagged: "select pg_sleep(5) /* visivo timeout test */",
    count_tagged_running: "select count(*) from pg_stat_activity \
        where state = 'active' and query like '%visivo timeout test */'",
};

fn connector(name: &str, extra: serde_json::Value) -> Arc<dyn Connector> {
    SERVER.connector(name, extra)
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
        ("n_big", Cell::Float(12345678901234567890.123)),
        ("n_long", Cell::Float(0.1)),
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
    let data = group_by_cohort(&result, NullCohort::Dropped).unwrap().json;
    assert_eq!(
        data,
        concat!(
            r#"{"all":{"i2":[1],"i4":[2],"i8":[12345678901234567],"n_exact":[1.5],"n_int":[3.0],"#,
            r#""n_big":[1.2345678901234567e+19],"n_long":[0.1],"n_nan":[null],"#,
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

/// Averages and divisions are `numeric` with more digits than a double holds: still numbers, as
/// 1.0.30 wrote them (`[27.5384615385]`: data.json rounds floats to 10 decimals).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inexact_numerics_are_the_nearest_double() {
    let pg = connector("pg_numeric", json!({}));
    let sql = "select 'all' as cohort_on, avg(v) as mean, 1/3::numeric as third \
               from (values (358::numeric), (0), (0), (0), (0), (0), (0), (0), (0), (0), (0), (0), (0)) as t(v)";
    let result = query(&pg, sql).await;
    assert_eq!(
        result.rows[0][1..],
        [Cell::Float(358.0 / 13.0), Cell::Float(1.0 / 3.0)]
    );
    assert_eq!(
        group_by_cohort(&result, NullCohort::Dropped).unwrap().json,
        r#"{"all":{"mean":[27.5384615385],"third":[0.3333333333]}}"#
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

struct FailingSink;

impl RowSink for FailingSink {
    fn columns(&mut self, _: &[String]) -> Result<(), SinkError> {
        Ok(())
    }
    fn rows(&mut self, _: Vec<Vec<Cell>>) -> Result<(), SinkError> {
        Err(SinkError::Io("disk full (test)".into()))
    }
    fn finish(&mut self) -> Result<(), SinkError> {
        panic!("finish after a failed batch")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_big_results_in_batches() {
    let pg = connector("pg_stream", json!({}));
    let counts = stream_counts(
        &pg,
        "select g as n, md5(g::text) as h, g * 0.5 as half from generate_series(1, 50000) g",
    )
    .await;
    assert_eq!(counts.columns, ["n", "h", "half"]);
    let last = counts.last.as_ref().unwrap();
    assert_eq!(last[0], Cell::Int(50000));
    assert!(
        matches!(&last[1], Cell::Text(h) if h.len() == 32),
        "{last:?}"
    );
    assert_eq!(last[2], Cell::Float(25000.0));

    // A sink that fails stops the query with the sink's message; the source stays usable.
    let error = pg
        .stream(
            "select g from generate_series(1, 50000) g",
            Box::new(FailingSink),
        )
        .await
        .unwrap_err();
    // The sink's own error, as it was, not a query error.
    assert_eq!(
        error,
        SourceError::Output(SinkError::Io("disk full (test)".into()))
    );
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
    assert!(error.to_string().contains("schema_probe"), "{error}");
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
    let error = default_port
        .query("select 1")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.contains(&format!("{}:5439", SERVER.host())),
        "{error}"
    );
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
        let error = required.query("select 1").await.unwrap_err().to_string();
        assert!(error.contains("source 'pg_require'"), "{error}");
    }
    // `sslmode: "{{ env_var('X') }}"` with X unset names the variable.
    let marker = visivo_project::load::template::unset_marker("VISIVO_UNSET_SSLMODE");
    let error = PostgresSource::new(&SERVER.source("pg_unset_mode", json!({ "sslmode": marker })))
        .unwrap_err()
        .to_string();
    assert!(error.contains("VISIVO_UNSET_SSLMODE"), "{error}");
    assert!(
        PostgresSource::new(&SERVER.source("pg_bad_mode", json!({"sslmode": "sometimes"})))
            .is_err()
    );
}

crate::server_common::server_tests!(SERVER);
