//! The Snowflake source against a local server that speaks the SQL API v2 as Snowflake documents
//! it (no Snowflake account is reachable from the tests): key-pair JWTs checked against the test
//! key, results in several partitions (one gzip-compressed), asynchronous execution (202 and
//! polling), SQL errors (422), authentication failures (401) and `query_timeout`.

use crate::cloud_common::*;
use axum::response::Response;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use visivo_engine::data_json::{group_by_cohort, NullCohort};
use visivo_engine::value::Cell;

const ACCOUNT: &str = "myorg-acct";
const USER: &str = "visivo_test";
const PAT: &str = "pat-secret-123";

fn failure(status: u16, code: &str, message: &str) -> Response {
    json_response(
        status,
        json!({"code": code, "message": message, "sqlState": "08001"}),
    )
}

/// The documented key-pair checks: a valid RS256 signature by the registered key, `iss` =
/// `ACCOUNT.USER.SHA256:<fingerprint>`, `sub` = `ACCOUNT.USER`, at most one hour of validity.
fn check_auth(seen: &Seen) -> Result<(), Box<Response>> {
    let token_type = seen.header("x-snowflake-authorization-token-type");
    let bearer = seen
        .header("authorization")
        .and_then(|a| a.strip_prefix("Bearer ").map(str::to_string));
    if seen.header("accept").as_deref() != Some("application/json") {
        return Err(Box::new(failure(
            406,
            "390000",
            "Accept must be application/json",
        )));
    }
    let Some(bearer) = bearer else {
        return Err(Box::new(failure(
            401,
            "390101",
            "Authorization header is missing",
        )));
    };
    match token_type.as_deref() {
        Some("PROGRAMMATIC_ACCESS_TOKEN") if bearer == PAT => Ok(()),
        Some("PROGRAMMATIC_ACCESS_TOKEN") => Err(Box::new(failure(
            401,
            "390303",
            "Invalid programmatic access token.",
        ))),
        Some("KEYPAIR_JWT") => {
            let (_, claims) = verify_jwt(&bearer)
                .map_err(|_| Box::new(failure(401, "390144", "JWT token is invalid.")))?;
            let subject = format!("{}.{}", ACCOUNT.to_uppercase(), USER.to_uppercase());
            if claims["sub"] != subject.as_str()
                || claims["iss"] != format!("{subject}.{}", fingerprint()).as_str()
            {
                return Err(Box::new(failure(401, "390144", "JWT token is invalid.")));
            }
            Ok(())
        }
        _ => Err(Box::new(failure(401, "390101", "Unsupported token type"))),
    }
}

fn row_type(columns: &[(&str, &str, i64)]) -> Value {
    Value::Array(
        columns
            .iter()
            .map(|(name, kind, scale)| {
                json!({"name": name, "type": kind, "scale": scale, "precision": 38,
                       "nullable": true, "database": "ANALYTICS", "schema": "PUBLIC", "table": "T"})
            })
            .collect(),
    )
}

fn result_set(handle: &str, columns: Value, partitions: usize, data: Value) -> Value {
    json!({
        "resultSetMetaData": {
            "numRows": 5,
            "format": "jsonv2",
            "rowType": columns,
            "partitionInfo": (0..partitions)
                .map(|_| json!({"rowCount": 2, "uncompressedSize": 100}))
                .collect::<Vec<_>>(),
        },
        "data": data,
        "code": "090001",
        "statementStatusUrl": format!("/api/v2/statements/{handle}"),
        "sqlState": "00000",
        "statementHandle": handle,
        "message": "Statement executed successfully.",
        "createdOn": 1_709_212_455_000u64,
    })
}

fn orders_columns() -> Value {
    row_type(&[
        ("cohort_on", "TEXT", 0),
        ("x", "FIXED", 0),
        ("y", "FIXED", 2),
    ])
}

fn types_result() -> Value {
    let columns = row_type(&[
        ("i", "FIXED", 0),
        ("big", "FIXED", 0),
        ("d", "FIXED", 2),
        ("r", "REAL", 0),
        ("nan", "REAL", 0),
        ("b", "BOOLEAN", 0),
        ("dt", "DATE", 0),
        ("t", "TIME", 9),
        ("ntz", "TIMESTAMP_NTZ", 9),
        ("ltz", "TIMESTAMP_LTZ", 9),
        ("tz", "TIMESTAMP_TZ", 9),
        ("v", "VARIANT", 0),
        ("arr", "ARRAY", 0),
        ("bin", "BINARY", 0),
        ("s", "TEXT", 0),
        ("n", "TEXT", 0),
    ]);
    result_set(
        "h-types",
        columns,
        1,
        json!([[
            "42",
            "123456789012345678901234567890",
            "-0.50",
            "1.0E+3",
            "NaN",
            "false",
            "19782",
            "47655.250000000",
            "1709212455.123456789",
            "1709212455.000000000",
            "1709212455.500000000 1860",
            "{\n  \"a\": [\n    1,\n    2\n  ]\n}",
            "[\n  1,\n  \"x\"\n]",
            "48656C6C6F",
            "héllo",
            null
        ]]),
    )
}

struct Server {
    url: String,
    log: Arc<std::sync::Mutex<Vec<Seen>>>,
}

async fn snowflake_server() -> Server {
    let polls = Arc::new(AtomicUsize::new(0));
    let (url, log) = serve(move |seen: Seen| {
        let polls = polls.clone();
        async move {
            if let Err(response) = check_auth(&seen) {
                return *response;
            }
            let path = seen.uri.path().to_string();
            if seen.method == "POST" && path == "/api/v2/statements" {
                assert!(seen.query_param("requestId").is_some());
                let body = seen.json();
                let statement = body["statement"].as_str().unwrap_or_default().to_string();
                if statement.contains("orders") {
                    return json_response(
                        200,
                        result_set(
                            "h-orders",
                            orders_columns(),
                            3,
                            json!([["a", "1", "1.50"], ["b", "2", "2.25"]]),
                        ),
                    );
                }
                if statement.contains("types") {
                    return json_response(200, types_result());
                }
                if statement.contains("NO_SUCH_TABLE") {
                    return json_response(
                        422,
                        json!({
                            "code": "002003",
                            "sqlState": "42S02",
                            "message": "SQL compilation error:\nObject 'NO_SUCH_TABLE' does not exist or not authorized.",
                            "statementHandle": "h-bad",
                            "statementStatusUrl": "/api/v2/statements/h-bad",
                        }),
                    );
                }
                let handle = if statement.contains("slow") {
                    "h-slow"
                } else {
                    "h-forever"
                };
                return json_response(
                    202,
                    json!({
                        "code": "333334",
                        "message": "Asynchronous execution in progress. Use provided query id to perform query monitoring and management.",
                        "statementHandle": handle,
                        "statementStatusUrl": format!("/api/v2/statements/{handle}"),
                    }),
                );
            }
            if seen.method == "GET" && path == "/api/v2/statements/h-orders" {
                return match seen.query_param("partition").as_deref() {
                    Some("1") => json_response(200, json!({"data": [["a", "3", "0.10"], ["b", "4", null]]})),
                    // Snowflake compresses partitions; this one arrives gzip-encoded.
                    Some("2") => gzip_json_response(
                        200,
                        json!({"data": [["a", "5", "12345678901234567.89"]]}),
                    ),
                    _ => failure(404, "000000", "no such partition"),
                };
            }
            if seen.method == "GET" && path == "/api/v2/statements/h-slow" {
                if polls.fetch_add(1, Ordering::SeqCst) < 2 {
                    return json_response(
                        202,
                        json!({"code": "333334", "message": "Asynchronous execution in progress.", "statementHandle": "h-slow"}),
                    );
                }
                return json_response(
                    200,
                    result_set(
                        "h-slow",
                        orders_columns(),
                        1,
                        json!([["late", "7", "7.00"]]),
                    ),
                );
            }
            if seen.method == "GET" && path == "/api/v2/statements/h-forever" {
                return json_response(
                    202,
                    json!({"code": "333334", "message": "Asynchronous execution in progress.", "statementHandle": "h-forever"}),
                );
            }
            if seen.method == "POST" && path.ends_with("/cancel") {
                return json_response(
                    200,
                    json!({"code": "000604", "sqlState": "57014", "message": "SQL execution canceled"}),
                );
            }
            failure(404, "000000", &format!("unexpected {} {}", seen.method, seen.uri))
        }
    })
    .await;
    Server { url, log }
}

struct Project {
    dir: tempfile::TempDir,
}

fn project() -> Project {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("rsa_key.p8"), &test_key().private_pem).unwrap();
    Project { dir }
}

fn key_pair_source(url: &str, extra: Value) -> visivo_project::Source {
    source_with(
        json!({
            "name": "warehouse",
            "type": "snowflake",
            "account": ACCOUNT,
            "username": USER,
            "private_key_path": "rsa_key.p8",
            "database": "ANALYTICS",
            "db_schema": "PUBLIC",
            "warehouse": "WH",
            "role": "REPORTER",
            "api_url": url,
        }),
        extra,
    )
}

#[tokio::test]
async fn partitions_are_read_in_order_with_key_pair_auth() {
    let server = snowflake_server().await;
    let project = project();
    let connector =
        connector(&key_pair_source(&server.url, json!({})), project.dir.path()).unwrap();
    let result = connector
        .query("select cohort_on, x, y from orders")
        .await
        .unwrap();
    assert_eq!(result.columns, ["cohort_on", "x", "y"]);
    assert_eq!(
        result.rows,
        vec![
            vec![text("a"), Cell::Int(1), Cell::Float(1.5)],
            vec![text("b"), Cell::Int(2), Cell::Float(2.25)],
            vec![text("a"), Cell::Int(3), Cell::Float(0.1)],
            vec![text("b"), Cell::Int(4), Cell::Null],
            vec![text("a"), Cell::Int(5), Cell::Float(12345678901234567.89)],
        ]
    );
    let grouped = group_by_cohort(&result, NullCohort::Dropped).unwrap();
    assert_eq!(
        grouped.json,
        r#"{"a":{"x":[1,3,5],"y":[1.5,0.1,1.2345678901234568e+16]},"b":{"x":[2,4],"y":[2.25,null]}}"#
    );

    let log = server.log.lock().unwrap();
    let post = &log[0];
    assert_eq!(post.method, "POST");
    let body = post.json();
    assert_eq!(body["statement"], "select cohort_on, x, y from orders");
    assert_eq!(body["database"], "ANALYTICS");
    assert_eq!(body["schema"], "PUBLIC");
    assert_eq!(body["warehouse"], "WH");
    assert_eq!(body["role"], "REPORTER");
    assert!(body.get("timeout").is_none());
    assert_eq!(
        post.header("x-snowflake-authorization-token-type")
            .as_deref(),
        Some("KEYPAIR_JWT")
    );
    let partitions: Vec<String> = log[1..].iter().map(|s| s.uri.to_string()).collect();
    assert_eq!(
        partitions,
        [
            "/api/v2/statements/h-orders?partition=1",
            "/api/v2/statements/h-orders?partition=2"
        ]
    );
}

#[tokio::test]
async fn stream_hands_over_one_batch_per_partition() {
    let server = snowflake_server().await;
    let project = project();
    let connector =
        connector(&key_pair_source(&server.url, json!({})), project.dir.path()).unwrap();
    let recorder = Recorder::stream(&connector, "select * from orders").await;
    assert_eq!(*recorder.columns.lock().unwrap(), ["cohort_on", "x", "y"]);
    assert_eq!(recorder.batch_sizes(), [2, 2, 1]);
}

#[tokio::test]
async fn values_are_decoded_by_row_type() {
    let server = snowflake_server().await;
    let project = project();
    let connector =
        connector(&key_pair_source(&server.url, json!({})), project.dir.path()).unwrap();
    let result = connector.query("select types").await.unwrap();
    let row = &result.rows[0];
    let expected = [
        Cell::Int(42),
        Cell::Float(123456789012345678901234567890.0),
        Cell::Float(-0.5),
        Cell::Float(1000.0),
        Cell::Null, // NaN, checked below
        Cell::Bool(false),
        text("2024-02-29"),
        text("13:14:15.250000"),
        text("2024-02-29T13:14:15.123456789"),
        text("2024-02-29T13:14:15+00:00"),
        text("2024-02-29T13:14:15.500000+00:00"),
        Cell::Json(json!({"a": [1, 2]})),
        Cell::Json(json!([1, "x"])),
        text("48656C6C6F"),
        text("héllo"),
        Cell::Null,
    ];
    for (i, (got, want)) in row.iter().zip(&expected).enumerate() {
        if i == 4 {
            assert!(matches!(got, Cell::Float(f) if f.is_nan()), "{got:?}");
        } else {
            assert_eq!(got, want, "column {}", result.columns[i]);
        }
    }
}

#[tokio::test]
async fn asynchronous_statements_are_polled_until_done() {
    let server = snowflake_server().await;
    let project = project();
    let connector =
        connector(&key_pair_source(&server.url, json!({})), project.dir.path()).unwrap();
    let result = connector.query("select slow").await.unwrap();
    assert_eq!(
        result.rows,
        vec![vec![text("late"), Cell::Int(7), Cell::Float(7.0)]]
    );
    let log = server.log.lock().unwrap();
    let polls = log
        .iter()
        .filter(|s| s.method == "GET" && s.uri.path() == "/api/v2/statements/h-slow")
        .count();
    assert_eq!(polls, 3);
    // Every request carries its own valid JWT.
    assert!(log.iter().all(|s| check_auth(s).is_ok()));
}

#[tokio::test]
async fn sql_errors_carry_snowflakes_message_and_code() {
    let server = snowflake_server().await;
    let project = project();
    let connector =
        connector(&key_pair_source(&server.url, json!({})), project.dir.path()).unwrap();
    let error = connector
        .query("select * from NO_SUCH_TABLE")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with("Error running query on source 'warehouse': HTTP 422"),
        "{error}"
    );
    assert!(
        error.ends_with("\nconnection: snowflake account 'myorg-acct'"),
        "{error}"
    );
    assert!(error.contains("Object 'NO_SUCH_TABLE' does not exist or not authorized."));
    assert!(error.contains("(code 002003, SQL state 42S02)"), "{error}");
}

#[tokio::test]
async fn a_rejected_jwt_is_a_connection_error_without_secrets() {
    let server = snowflake_server().await;
    let project = project();
    // The server knows the key for VISIVO_TEST only.
    let source = key_pair_source(&server.url, json!({"username": "someone_else"}));
    let connector = connector(&source, project.dir.path()).unwrap();
    let error = connector
        .query("select * from orders")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with(
            "Error connecting to source 'warehouse': HTTP 401 Unauthorized: JWT token is invalid. (code 390144"
        ),
        "{error}"
    );
    assert!(error.ends_with(
        "Ensure the database is running and the connection properties are correct.\n\
         connection: snowflake account 'myorg-acct', user 'someone_else'"
    ));
    assert!(!error.contains("PRIVATE KEY"));
    assert!(!error.contains("eyJ"), "no JWT in messages: {error}");
}

#[tokio::test]
async fn password_is_sent_as_a_programmatic_access_token() {
    let server = snowflake_server().await;
    let project = project();
    let good = key_pair_source(
        &server.url,
        json!({"private_key_path": null, "password": PAT}),
    );
    let result = connector(&good, project.dir.path())
        .unwrap()
        .query("select * from orders")
        .await
        .unwrap();
    assert_eq!(result.rows.len(), 5);
    assert_eq!(
        server.log.lock().unwrap()[0]
            .header("x-snowflake-authorization-token-type")
            .as_deref(),
        Some("PROGRAMMATIC_ACCESS_TOKEN")
    );

    let plain = key_pair_source(
        &server.url,
        json!({"private_key_path": null, "password": "hunter2"}),
    );
    let error = orders_query_error(&plain, project.dir.path()).await;
    assert!(error.contains("HTTP 401"), "{error}");
    assert!(
        error.contains("the SQL API does not accept passwords"),
        "{error}"
    );
    assert!(!error.contains("hunter2"), "{error}");
}

#[tokio::test]
async fn query_timeout_stops_and_cancels_the_statement() {
    let server = snowflake_server().await;
    let project = project();
    let source = key_pair_source(&server.url, json!({"query_timeout": 1}));
    let connector = connector(&source, project.dir.path()).unwrap();
    let started = std::time::Instant::now();
    let error = connector
        .query("select forever")
        .await
        .unwrap_err()
        .to_string();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    assert_eq!(
        error,
        "Query on source 'warehouse' timed out after 1 s (query_timeout) and was cancelled"
    );
    let log = server.log.lock().unwrap();
    assert_eq!(log[0].json()["timeout"], 1);
    let cancel = log.last().unwrap();
    assert_eq!(cancel.method, "POST");
    assert_eq!(cancel.uri.path(), "/api/v2/statements/h-forever/cancel");
}

#[tokio::test]
async fn configuration_errors_name_the_source() {
    let project = project();
    let missing =
        source(json!({"name": "sf", "type": "snowflake", "account": ACCOUNT, "username": USER}));
    let error = connector(&missing, project.dir.path()).err().unwrap();
    assert!(error.contains("source 'sf'"), "{error}");
    assert!(error.contains("does not accept passwords"), "{error}");

    std::fs::write(project.dir.path().join("bad.p8"), "not a key").unwrap();
    let bad = source(
        json!({"name": "sf", "type": "snowflake", "account": ACCOUNT,
                            "username": USER, "private_key_path": "bad.p8"}),
    );
    let error = connector(&bad, project.dir.path()).err().unwrap();
    assert!(error.contains("bad.p8 is not usable"), "{error}");

    let encrypted =
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n";
    std::fs::write(project.dir.path().join("enc.p8"), encrypted).unwrap();
    let enc = source(
        json!({"name": "sf", "type": "snowflake", "account": ACCOUNT,
                            "username": USER, "private_key_path": "enc.p8"}),
    );
    let error = connector(&enc, project.dir.path()).err().unwrap();
    assert!(
        error.contains("give its passphrase in `private_key_passphrase`"),
        "{error}"
    );
}

/// The test key encrypted by `openssl pkcs8 -topk8` with `cipher` (what Snowflake's key-pair
/// guide has users run), written to `enc.p8`.
fn encrypt_key(dir: &std::path::Path, cipher: &str, passphrase: &str) {
    let status = std::process::Command::new("openssl")
        .args([
            "pkcs8",
            "-topk8",
            "-v2",
            cipher,
            "-in",
            "rsa_key.p8",
            "-out",
            "enc.p8",
        ])
        .arg("-passout")
        .arg(format!("pass:{passphrase}"))
        .current_dir(dir)
        .status()
        .expect("openssl");
    assert!(status.success());
}

#[tokio::test]
async fn encrypted_keys_are_read_with_private_key_passphrase() {
    let server = snowflake_server().await;
    let project = project();
    for cipher in ["aes-256-cbc", "des3"] {
        encrypt_key(project.dir.path(), cipher, "correct horse");
        let with = |passphrase: &str| {
            key_pair_source(
                &server.url,
                json!({"private_key_path": "enc.p8", "private_key_passphrase": passphrase}),
            )
        };
        let result = connector(&with("correct horse"), project.dir.path())
            .unwrap()
            .query("select cohort_on, x, y from orders")
            .await
            .unwrap();
        assert_eq!(result.columns, ["cohort_on", "x", "y"], "{cipher}");
        let error = connector(&with("battery staple"), project.dir.path())
            .err()
            .unwrap();
        assert!(
            error.contains("could not be decrypted: wrong passphrase?"),
            "{cipher}: {error}"
        );
        assert!(!error.contains("battery"), "{error}");
    }
}
