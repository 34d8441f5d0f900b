//! ClickHouse sources against a real server, over its HTTP interface.
//!
//! `.ci/services.sh` installs Debian's clickhouse-server when it is missing and starts it with
//! `.ci/clickhouse/`'s configuration. The tests read:
//!
//! | variable | default |
//! |---|---|
//! | `VISIVO_CLICKHOUSE_HOST` | `127.0.0.1` |
//! | `VISIVO_CLICKHOUSE_PORT` | `8123` |
//! | `VISIVO_CLICKHOUSE_USER` | `visivo` |
//! | `VISIVO_CLICKHOUSE_PASSWORD` | `visivo_pw` |
//! | `VISIVO_CLICKHOUSE_DATABASE` | `visivo_test` |
//!
//! Tables carry the test's name and are dropped and re-created by the test, so runs repeat. Only
//! types every release since Debian's 18.16 has are used.

use crate::server_common::{query, stream_counts, text, Server};
use serde_json::json;
use std::sync::Arc;
use visivo_engine::data_json::{group_by_cohort, NullCohort};
use visivo_engine::source::Connector;
use visivo_engine::value::Cell;

const SERVER: Server = Server {
    source_type: "clickhouse",
    prefix: "ch",
    env_prefix: "VISIVO_CLICKHOUSE",
    default_port: 8123,
    wrong_password_says: "password",
    // Not used: HTTP has no sessions, so the pooling check is not among this file's tests.
    session_id: "select 1",
    sleep_one_second: "sleep(1)",
    sleep_five_seconds_tagged: "select sleepEachRow(1) from system.numbers limit 5 \
        settings max_block_size = 1 /* visivo timeout test */",
    count_tagged_running: "select count() from system.processes \
        where query like '%visivo timeout test */' and query not like '%system.processes%'",
};

fn connector(name: &str, extra: serde_json::Value) -> Arc<dyn Connector> {
    SERVER.connector(name, extra)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_decodes_exactly() {
    let ch = connector("ch_types", json!({}));
    query(&ch, "drop table if exists visivo_types").await;
    query(
        &ch,
        "create table visivo_types (
            i8 Int8, u8 UInt8, i64 Int64, u64 UInt64, f32 Float32, f64 Float64,
            dec Decimal(10, 2), s String, fs FixedString(2), d Date, dt DateTime,
            n Nullable(Int32), e Enum8('x' = 1, 'y' = 2), arr Array(Int32)
        ) engine = Memory",
    )
    .await;
    query(
        &ch,
        "insert into visivo_types values (
            -8, 255, 12345678901234567, 18446744073709551615, 1.25, 0.1,
            1.50, 'tab\there\nnew ''line''', 'ab', '2024-02-29', '2024-02-29 13:14:15',
            null, 'y', [1, 2]
        )",
    )
    .await;
    let result = query(
        &ch,
        "select 'all' as cohort_on, t.*, 1.5 as lit, inf as infinite from visivo_types t",
    )
    .await;
    let expected: Vec<(&str, Cell)> = vec![
        ("cohort_on", text("all")),
        ("i8", Cell::Int(-8)),
        ("u8", Cell::Int(255)),
        ("i64", Cell::Int(12345678901234567)),
        ("u64", Cell::Float(18446744073709551615.0)),
        ("f32", Cell::Float(1.25)),
        ("f64", Cell::Float(0.1)),
        ("dec", Cell::Float(1.5)),
        ("s", text("tab\there\nnew 'line'")),
        ("fs", text("ab")),
        ("d", text("2024-02-29")),
        ("dt", text("2024-02-29T13:14:15")),
        ("n", Cell::Null),
        ("e", text("y")),
        ("arr", text("[1,2]")),
        ("lit", Cell::Float(1.5)),
        ("infinite", Cell::Float(f64::INFINITY)),
    ];
    let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    assert_eq!(result.columns, names);
    assert_eq!(result.rows.len(), 1);
    for ((name, want), got) in expected.iter().zip(&result.rows[0]) {
        assert_eq!(got, want, "column {name}");
    }
    let data = group_by_cohort(&result, NullCohort::Dropped).unwrap().json;
    assert!(
        data.starts_with(r#"{"all":{"i8":[-8],"u8":[255],"i64":[12345678901234567],"#),
        "{data}"
    );
    assert!(
        data.ends_with(r#""lit":[1.5],"infinite":[null]}}"#),
        "{data}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_big_results_in_batches() {
    let ch = connector("ch_stream", json!({}));
    let counts = stream_counts(
        &ch,
        "select number + 1 as n, hex(MD5(toString(number))) as h from system.numbers limit 50000",
    )
    .await;
    assert_eq!(counts.columns, ["n", "h"]);
    assert_eq!(counts.last.as_ref().unwrap()[0], Cell::Int(50_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_is_database_or_else_db_schema() {
    let named = connector("ch_database", json!({}));
    let result = query(&named, "select currentDatabase() as db").await;
    assert_eq!(result.rows, vec![vec![text(&SERVER.database())]]);
    let schema = connector(
        "ch_schema",
        json!({"database": null, "db_schema": SERVER.database()}),
    );
    let result = query(&schema, "select currentDatabase() as db").await;
    assert_eq!(result.rows, vec![vec![text(&SERVER.database())]]);
}

crate::server_common::server_tests!(
    SERVER,
    wrong_password_is_reported_without_the_password,
    unreachable_servers_are_reported,
    query_errors_name_the_source,
    query_timeout_cancels_the_query,
    one_failing_source_does_not_affect_another
);
