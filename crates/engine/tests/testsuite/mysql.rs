//! MySQL/MariaDB sources against a real server.
//!
//! `.ci/services.sh` starts MariaDB and creates the test user and database. The tests read:
//!
//! | variable | default |
//! |---|---|
//! | `VISIVO_MYSQL_HOST` | `127.0.0.1` |
//! | `VISIVO_MYSQL_PORT` | `3306` |
//! | `VISIVO_MYSQL_USER` | `visivo` |
//! | `VISIVO_MYSQL_PASSWORD` | `visivo_pw` |
//! | `VISIVO_MYSQL_DATABASE` | `visivo_test` |
//!
//! Tables carry the test's name and are dropped and re-created by the test, so runs repeat.

use crate::server_common::{assert_connection_error, query, stream_counts, text, Server};
use serde_json::json;
use std::sync::Arc;
use visivo_engine::data_json::{group_by_cohort, NullCohort};
use visivo_engine::source::mysql::MysqlSource;
use visivo_engine::source::Connector;
use visivo_engine::value::Cell;

const SERVER: Server = Server {
    source_type: "mysql",
    prefix: "my",
    env_prefix: "VISIVO_MYSQL",
    default_port: 3306,
    wrong_password_says: "Access denied",
    session_id: "select connection_id()",
    sleep_one_second: "sleep(1)",
    sleep_five_seconds_tagged: "select sleep(5) /* visivo timeout test */",
    count_tagged_running: "select count(*) from information_schema.processlist \
        where info like '%visivo timeout test */' and command = 'Query' and id <> connection_id()",
};

fn connector(name: &str, extra: serde_json::Value) -> Arc<dyn Connector> {
    SERVER.connector(name, extra)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_decodes_exactly() {
    let my = connector("my_types", json!({}));
    query(&my, "drop table if exists visivo_types").await;
    query(
        &my,
        "create table visivo_types (
            flag tinyint(1), si smallint, mi mediumint, bi bigint, ubi bigint unsigned,
            dec_exact decimal(10,2), dec_big decimal(30,3), fl float, db double,
            d date, dt datetime(6), dt0 datetime, tsp timestamp null, tm time(3), tm_neg time, yr year,
            j json, bits bit(4), blb blob, vb varbinary(4), e enum('x','y'), t text, c char(3),
            nul int
        )",
    )
    .await;
    query(
        &my,
        "insert into visivo_types values (
            1, -2, 3, 12345678901234567, 18446744073709551615,
            1.50, 12345678901234567890.123, 1.25, 0.1,
            '2024-02-29', '2024-02-29 13:14:15.5', '2024-02-29 13:14:15', '2024-02-29 13:14:15',
            '13:14:15.25', '-01:02:03', 2024,
            '{\"a\": [1, 2.5]}', b'0101', x'01ff', 'ab', 'y', 'héllo', 'c',
            null
        )",
    )
    .await;
    let mariadb = matches!(&query(&my, "select version()").await.rows[0][0], Cell::Text(v) if v.contains("MariaDB"));
    let result = query(
        &my,
        "select 'all' as cohort_on, t.*, 1.5 as lit, 7 as lit_int from visivo_types t",
    )
    .await;
    let json_cell = if mariadb {
        // MariaDB's JSON is LONGTEXT on the wire.
        text("{\"a\": [1, 2.5]}")
    } else {
        Cell::Json(json!({"a": [1, 2.5]}))
    };
    let expected: Vec<(&str, Cell)> = vec![
        ("cohort_on", text("all")),
        ("flag", Cell::Int(1)),
        ("si", Cell::Int(-2)),
        ("mi", Cell::Int(3)),
        ("bi", Cell::Int(12345678901234567)),
        ("ubi", Cell::Float(18446744073709551615.0)),
        ("dec_exact", Cell::Float(1.5)),
        ("dec_big", Cell::Float(12345678901234567890.123)),
        ("fl", Cell::Float(1.25)),
        ("db", Cell::Float(0.1)),
        ("d", text("2024-02-29")),
        ("dt", text("2024-02-29T13:14:15.500000")),
        ("dt0", text("2024-02-29T13:14:15")),
        ("tsp", text("2024-02-29T13:14:15")),
        ("tm", text("13:14:15.250000")),
        ("tm_neg", text("-01:02:03")),
        ("yr", Cell::Int(2024)),
        ("j", json_cell),
        ("bits", text("0101")),
        ("blb", text("\\x01ff")),
        ("vb", text("\\x6162")),
        ("e", text("y")),
        ("t", text("héllo")),
        ("c", text("c")),
        ("nul", Cell::Null),
        ("lit", Cell::Float(1.5)),
        ("lit_int", Cell::Int(7)),
    ];
    let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
    assert_eq!(result.columns, names);
    assert_eq!(result.rows.len(), 1);
    for ((name, want), got) in expected.iter().zip(&result.rows[0]) {
        assert_eq!(got, want, "column {name}");
    }
    let data = group_by_cohort(&result, NullCohort::Dropped).unwrap().json;
    let json_text = if mariadb {
        r#""{\"a\": [1, 2.5]}""#
    } else {
        r#"{"a":[1,2.5]}"#
    };
    assert_eq!(
        data,
        [
            r#"{"all":{"flag":[1],"si":[-2],"mi":[3],"bi":[12345678901234567],"ubi":[1.8446744073709552e+19],"#,
            r#""dec_exact":[1.5],"dec_big":[1.2345678901234567e+19],"fl":[1.25],"db":[0.1],"#,
            r#""d":["2024-02-29"],"dt":["2024-02-29T13:14:15.500000"],"dt0":["2024-02-29T13:14:15"],"#,
            r#""tsp":["2024-02-29T13:14:15"],"tm":["13:14:15.250000"],"tm_neg":["-01:02:03"],"yr":[2024],"#,
            &format!(r#""j":[{json_text}],"#),
            r#""bits":["0101"],"blb":["\\x01ff"],"vb":["\\x6162"],"e":["y"],"t":["héllo"],"c":["c"],"#,
            r#""nul":[null],"lit":[1.5],"lit_int":[7]}}"#,
        ]
        .concat()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_big_results_in_batches() {
    let my = connector("my_stream", json!({}));
    // 50 000 rows from a cross join of digits.
    let digits = "(select 0 d union all select 1 union all select 2 union all select 3 union all select 4 \
                  union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)";
    let sql = format!(
        "select a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 1 as n, md5(a.d) as h \
         from {digits} a, {digits} b, {digits} c, {digits} e, (select 0 d union all select 1 union all select 2 \
         union all select 3 union all select 4) f order by n"
    );
    let counts = stream_counts(&my, &sql).await;
    assert_eq!(counts.columns, ["n", "h"]);
    assert_eq!(counts.last.as_ref().unwrap()[0], Cell::Int(50_000));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn db_schema_is_the_default_database_when_database_is_absent() {
    let my = connector(
        "my_schema",
        json!({"database": null, "db_schema": SERVER.database()}),
    );
    let result = query(&my, "select database() as db").await;
    assert_eq!(result.rows, vec![vec![text(&SERVER.database())]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_modes() {
    let have_ssl = query(&connector("my_plain", json!({})), "select @@have_ssl")
        .await
        .rows[0][0]
        .clone();
    let preferred = connector("my_prefer", json!({"sslmode": "prefer"}));
    assert_eq!(
        query(&preferred, "select 1 as one").await.rows,
        vec![vec![Cell::Int(1)]]
    );
    if have_ssl != text("YES") {
        let required = connector(
            "my_require",
            json!({"sslmode": "require", "connect_timeout": 3}),
        );
        let error = required.query("select 1").await.unwrap_err().to_string();
        assert_connection_error(
            &error,
            "my_require",
            &SERVER.host(),
            SERVER.port(),
            "visivo_pw",
        );
    }
    assert!(
        MysqlSource::new(&SERVER.source("my_bad_mode", json!({"sslmode": "sometimes"}))).is_err()
    );
}

crate::server_common::server_tests!(SERVER);
