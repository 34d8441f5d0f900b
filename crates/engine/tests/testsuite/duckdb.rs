//! DuckDB sources. The real tests need the `duckdb` feature (on in the `visivo` binary by default,
//! linking DuckDB's prebuilt library); without it, only the "not compiled in" error is checked.

use serde_json::json;
use visivo_engine::source::{connect, ConnectContext, Connector};

fn source(fields: serde_json::Value) -> visivo_project::Source {
    serde_json::from_value(fields).unwrap()
}

fn open(
    fields: serde_json::Value,
    dir: &std::path::Path,
) -> Result<std::sync::Arc<dyn Connector>, String> {
    connect(
        &source(fields),
        &ConnectContext {
            project_dir: dir,
            threads: 2,
            cancel: Default::default(),
        },
    )
    .map_err(|e| e.to_string())
}

#[cfg(not(feature = "duckdb"))]
#[test]
fn without_the_feature_the_source_says_how_to_get_it() {
    let dir = tempfile::tempdir().unwrap();
    let error = open(
        json!({"name": "ducks", "type": "duckdb", "database": "x.duckdb"}),
        dir.path(),
    )
    .err()
    .unwrap();
    assert_eq!(
        error,
        "source 'ducks': DuckDB support is not compiled into this build (it was built with \
         `--no-default-features`); rebuild without that flag (docs/cloud-sources.md)"
    );
}

#[cfg(feature = "duckdb")]
mod with_duckdb {
    use super::*;
    use visivo_engine::data_json::{group_by_cohort, NullCohort};
    use visivo_engine::source::{RowSink, SinkError};
    use visivo_engine::value::Cell;

    fn text(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }

    /// A project directory with `shop.duckdb`.
    fn project(sql: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let connection = duckdb::Connection::open(dir.path().join("shop.duckdb")).unwrap();
        connection.execute_batch(sql).unwrap();
        drop(connection);
        dir
    }

    fn ducks(extra: serde_json::Value) -> serde_json::Value {
        let mut fields = json!({"name": "ducks", "type": "duckdb", "database": "shop.duckdb"});
        for (k, v) in extra.as_object().unwrap() {
            fields[k] = v.clone();
        }
        fields
    }

    #[tokio::test]
    async fn values_become_cells() {
        let dir = project(
            "CREATE TYPE mood AS ENUM ('happy', 'sad');
             CREATE TABLE everything AS SELECT
                42::TINYINT AS ti, 1234::SMALLINT AS si, 123456::INTEGER AS i,
                12345678901234567::BIGINT AS bi,
                170141183460469231731687303715884105727::HUGEINT AS hi, 5::HUGEINT AS hs,
                18446744073709551615::UBIGINT AS ub, 7::UINTEGER AS ui,
                1.50::DECIMAL(10,2) AS dec, 12345678901234567.89::DECIMAL(38,2) AS bigdec,
                0.1::FLOAT AS fl, 0.1::DOUBLE AS db, 'nan'::DOUBLE AS dnan, true AS b,
                'héllo' AS s, 'sad'::mood AS e,
                'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID AS u,
                DATE '2024-02-29' AS d, TIME '13:14:15.25' AS t,
                TIMESTAMP '2024-02-29 13:14:15.123456' AS ts,
                '2024-02-29 13:14:15.123456789'::TIMESTAMP_NS AS tsn,
                '2024-02-29 13:14:15'::TIMESTAMP_S AS tss,
                TIMESTAMPTZ '2024-02-29 13:14:15+02' AS tstz,
                INTERVAL '1 month 2 days 3 hours' AS iv, '\\x01\\xFF'::BLOB AS bl,
                [1, 2, NULL] AS lst, {'a': 1, 'b': 'x'} AS st, MAP {'k': 1} AS mp,
                [1, 2]::INTEGER[2] AS arr, [{'x': DATE '2024-01-01'}] AS nested,
                NULL::INTEGER AS n;",
        );
        let connector = open(ducks(json!({})), dir.path()).unwrap();
        let result = connector.query("SELECT * FROM everything").await.unwrap();
        let expected = [
            ("ti", Cell::Int(42)),
            ("si", Cell::Int(1234)),
            ("i", Cell::Int(123456)),
            ("bi", Cell::Int(12345678901234567)),
            ("hi", Cell::Float(170141183460469231731687303715884105727.0)),
            ("hs", Cell::Int(5)),
            ("ub", Cell::Float(18446744073709551615.0)),
            ("ui", Cell::Int(7)),
            ("dec", Cell::Float(1.5)),
            ("bigdec", Cell::Float(12345678901234567.89)),
            ("fl", Cell::Float(0.1)),
            ("db", Cell::Float(0.1)),
            ("dnan", Cell::Null), // NaN, checked below
            ("b", Cell::Bool(true)),
            ("s", text("héllo")),
            ("e", text("sad")),
            ("u", text("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")),
            ("d", text("2024-02-29")),
            ("t", text("13:14:15.250000")),
            ("ts", text("2024-02-29T13:14:15.123456")),
            ("tsn", text("2024-02-29T13:14:15.123456789")),
            ("tss", text("2024-02-29T13:14:15")),
            ("tstz", text("2024-02-29T11:14:15+00:00")),
            ("iv", text("P1M2DT3H")),
            ("bl", text("\\x01ff")),
            ("lst", Cell::Json(json!([1, 2, null]))),
            ("st", Cell::Json(json!({"a": 1, "b": "x"}))),
            ("mp", Cell::Json(json!({"k": 1}))),
            ("arr", Cell::Json(json!([1, 2]))),
            ("nested", Cell::Json(json!([{"x": "2024-01-01"}]))),
            ("n", Cell::Null),
        ];
        let names: Vec<&str> = expected.iter().map(|(n, _)| *n).collect();
        assert_eq!(result.columns, names);
        for ((name, want), got) in expected.iter().zip(&result.rows[0]) {
            if *name == "dnan" {
                assert!(matches!(got, Cell::Float(f) if f.is_nan()), "{got:?}");
            } else {
                assert_eq!(got, want, "column {name}");
            }
        }
    }

    #[tokio::test]
    async fn cohorts_schema_and_batches() {
        let dir = project(
            "CREATE SCHEMA sales;
             CREATE TABLE sales.orders AS
                SELECT CASE WHEN i % 2 = 0 THEN 'even' ELSE 'odd' END AS cohort_on, i AS x
                FROM range(25000) t(i);",
        );
        let connector = open(ducks(json!({"db_schema": "sales"})), dir.path()).unwrap();
        let result = connector
            .query("SELECT * FROM orders WHERE x < 5 ORDER BY x")
            .await
            .unwrap();
        assert_eq!(
            group_by_cohort(&result, NullCohort::Dropped).unwrap().json,
            r#"{"even":{"x":[0,2,4]},"odd":{"x":[1,3]}}"#
        );

        #[derive(Default, Clone)]
        struct Sizes(std::sync::Arc<std::sync::Mutex<Vec<usize>>>);
        impl RowSink for Sizes {
            fn columns(&mut self, _: &[String]) -> Result<(), SinkError> {
                Ok(())
            }
            fn rows(&mut self, rows: Vec<Vec<Cell>>) -> Result<(), SinkError> {
                self.0.lock().unwrap().push(rows.len());
                Ok(())
            }
            fn finish(&mut self) -> Result<(), SinkError> {
                Ok(())
            }
        }
        let sizes = Sizes::default();
        connector
            .stream("SELECT * FROM orders", Box::new(sizes.clone()))
            .await
            .unwrap();
        assert_eq!(*sizes.0.lock().unwrap(), [10_000, 10_000, 5_000]);

        // Two queries on the same file at once (read-only connections share it).
        let (a, b) = tokio::join!(
            connector.query("SELECT count(*) AS n FROM orders"),
            connector.query("SELECT max(x) AS m FROM orders")
        );
        assert_eq!(a.unwrap().rows, vec![vec![Cell::Int(25000)]]);
        assert_eq!(b.unwrap().rows, vec![vec![Cell::Int(24999)]]);
    }

    #[tokio::test]
    async fn read_only_errors_and_timeouts() {
        let dir = project("CREATE TABLE t AS SELECT 1 AS one;");
        let connector = open(ducks(json!({})), dir.path()).unwrap();
        let error = connector
            .query("CREATE TABLE u (i INTEGER)")
            .await
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("Error running query on source 'ducks': "),
            "{error}"
        );
        assert!(error.to_lowercase().contains("read-only"), "{error}");

        let error = connector
            .query("SELECT nope FROM t")
            .await
            .unwrap_err()
            .to_string();
        assert!(error.contains("nope"), "{error}");

        let missing = open(ducks(json!({"database": "missing.duckdb"})), dir.path()).unwrap();
        let error = missing.query("SELECT 1").await.unwrap_err().to_string();
        assert!(
            error.contains("'ducks': the database file does not exist. Ensure"),
            "{error}"
        );
        assert!(
            error.ends_with("missing.duckdb"),
            "the terminal learns which file: {error}"
        );

        let slow = open(ducks(json!({"query_timeout": 1})), dir.path()).unwrap();
        let started = std::time::Instant::now();
        let error = slow
            .query("SELECT sum(a.range * b.range) FROM range(1000000) a, range(1000000) b")
            .await
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "Query on source 'ducks' timed out after 1 s (query_timeout) and was cancelled"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }
}
