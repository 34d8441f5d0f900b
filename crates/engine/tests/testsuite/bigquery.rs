//! The BigQuery source against a local server that speaks Google's OAuth token endpoint and the
//! BigQuery REST API v2 as documented (no Google project is reachable from the tests): the
//! service-account JWT is verified against the test key, results come in several pages, a job
//! that isn't complete is polled, and SQL errors (400), rejected credentials (400 from the token
//! endpoint, 401 from the API) and `query_timeout` are covered.

use crate::cloud_common::*;
use axum::response::Response;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use visivo_engine::data_json::{group_by_cohort, NullCohort};
use visivo_engine::value::Cell;

const EMAIL: &str = "visivo@my-proj.iam.gserviceaccount.com";
const REVOKED: &str = "revoked@my-proj.iam.gserviceaccount.com";
const GOOD_TOKEN: &str = "ya29.good-token";
const SCOPE: &str = "https://www.googleapis.com/auth/bigquery";

fn google_error(status: u16, message: &str, reason: &str, code: &str) -> Response {
    json_response(
        status,
        json!({"error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
            "status": code,
        }}),
    )
}

fn form(body: &[u8]) -> std::collections::HashMap<String, String> {
    std::str::from_utf8(body)
        .unwrap()
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (percent_decode(k), percent_decode(v)))
        .collect()
}

/// Google's token endpoint: a JWT-bearer grant signed by the service account's key.
fn token_endpoint(seen: &Seen) -> Response {
    let form = form(&seen.body);
    assert_eq!(
        seen.header("content-type").as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        form.get("grant_type").map(String::as_str),
        Some("urn:ietf:params:oauth:grant-type:jwt-bearer")
    );
    let invalid = || {
        json_response(
            400,
            json!({"error": "invalid_grant", "error_description": "Invalid JWT Signature."}),
        )
    };
    let Ok((header, claims)) = verify_jwt(form.get("assertion").map_or("", String::as_str)) else {
        return invalid();
    };
    let audience = format!("http://{}/token", seen.header("host").unwrap());
    if header["kid"] != "kid-123" || claims["aud"] != audience.as_str() || claims["scope"] != SCOPE
    {
        return invalid();
    }
    let token = match claims["iss"].as_str() {
        Some(EMAIL) => GOOD_TOKEN,
        Some(REVOKED) => "ya29.revoked",
        _ => return invalid(),
    };
    json_response(
        200,
        json!({"access_token": token, "expires_in": 3599, "token_type": "Bearer"}),
    )
}

fn schema(fields: Value) -> Value {
    json!({ "fields": fields })
}

fn orders_schema() -> Value {
    schema(json!([
        {"name": "cohort_on", "type": "STRING", "mode": "NULLABLE"},
        {"name": "x", "type": "INTEGER", "mode": "NULLABLE"},
        {"name": "y", "type": "NUMERIC", "mode": "NULLABLE"},
    ]))
}

fn rows(values: &[[Value; 3]]) -> Value {
    Value::Array(
        values
            .iter()
            .map(|r| json!({"f": r.iter().map(|v| json!({"v": v})).collect::<Vec<_>>()}))
            .collect(),
    )
}

fn job(id: &str) -> Value {
    json!({"projectId": "my-proj", "jobId": id, "location": "EU"})
}

fn types_response() -> Value {
    json!({
        "kind": "bigquery#queryResponse",
        "schema": schema(json!([
            {"name": "i", "type": "INTEGER"},
            {"name": "n", "type": "NUMERIC"},
            {"name": "bn", "type": "BIGNUMERIC"},
            {"name": "f", "type": "FLOAT"},
            {"name": "b", "type": "BOOLEAN"},
            {"name": "s", "type": "STRING"},
            {"name": "by", "type": "BYTES"},
            {"name": "d", "type": "DATE"},
            {"name": "dt", "type": "DATETIME"},
            {"name": "t", "type": "TIME"},
            {"name": "ts", "type": "TIMESTAMP"},
            {"name": "j", "type": "JSON"},
            {"name": "rec", "type": "RECORD", "fields": [
                {"name": "a", "type": "INTEGER"},
                {"name": "tags", "type": "STRING", "mode": "REPEATED"},
            ]},
            {"name": "rep", "type": "INTEGER", "mode": "REPEATED"},
            {"name": "g", "type": "GEOGRAPHY"},
            {"name": "nul", "type": "STRING"},
        ])),
        "jobReference": job("job_types"),
        "totalRows": "1",
        "rows": [{"f": [
            {"v": "7"},
            {"v": "1.50"},
            {"v": "0.1000000000000000055511"},
            {"v": "Infinity"},
            {"v": "true"},
            {"v": "x"},
            {"v": "aGk="},
            {"v": "2024-02-29"},
            {"v": "2024-02-29T13:14:15.250000"},
            {"v": "13:14:15"},
            {"v": "1709212455250000"},
            {"v": "{\"k\":[1,null]}"},
            {"v": {"f": [{"v": "1"}, {"v": [{"v": "p"}, {"v": "q"}]}]}},
            {"v": [{"v": "1"}, {"v": "2"}]},
            {"v": "POINT(1 2)"},
            {"v": null},
        ]}],
        "jobComplete": true,
    })
}

struct Server {
    url: String,
    log: Arc<std::sync::Mutex<Vec<Seen>>>,
}

async fn bigquery_server() -> Server {
    let polls = Arc::new(AtomicUsize::new(0));
    let (url, log) = serve(move |seen: Seen| {
        let polls = polls.clone();
        async move {
            let path = seen.uri.path().to_string();
            if path == "/token" {
                return token_endpoint(&seen);
            }
            if seen.header("authorization").as_deref() != Some(&format!("Bearer {GOOD_TOKEN}")) {
                return google_error(
                    401,
                    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
                    "authError",
                    "UNAUTHENTICATED",
                );
            }
            if seen.method == "POST" && path == "/bigquery/v2/projects/my-proj/queries" {
                let body = seen.json();
                assert_eq!(body["useLegacySql"], false);
                assert_eq!(body["formatOptions"]["useInt64Timestamp"], true);
                assert_eq!(
                    body["defaultDataset"],
                    json!({"projectId": "my-proj", "datasetId": "shop"})
                );
                assert!(body["requestId"].is_string());
                let query = body["query"].as_str().unwrap().to_string();
                if query.contains("orders") {
                    return json_response(200, json!({
                        "kind": "bigquery#queryResponse",
                        "schema": orders_schema(),
                        "jobReference": job("job_orders"),
                        "totalRows": "5",
                        "pageToken": "tok/1+=",
                        "rows": rows(&[
                            [json!("a"), json!("1"), json!("1.5")],
                            [json!("b"), json!("2"), json!("2.25")],
                        ]),
                        "jobComplete": true,
                    }));
                }
                if query.contains("types") {
                    return json_response(200, types_response());
                }
                if query.contains("nope") {
                    return google_error(
                        400,
                        "Unrecognized name: nope at [1:8]",
                        "invalidQuery",
                        "INVALID_ARGUMENT",
                    );
                }
                let id = if query.contains("slow") { "job_slow" } else { "job_forever" };
                return json_response(
                    200,
                    json!({"kind": "bigquery#queryResponse", "jobReference": job(id), "jobComplete": false}),
                );
            }
            if seen.method == "GET" && path == "/bigquery/v2/projects/my-proj/queries/job_orders" {
                assert_eq!(seen.query_param("location").as_deref(), Some("EU"));
                assert_eq!(
                    seen.query_param("formatOptions.useInt64Timestamp").as_deref(),
                    Some("true")
                );
                return match seen.query_param("pageToken").as_deref() {
                    Some("tok/1+=") => json_response(200, json!({
                        "schema": orders_schema(),
                        "jobReference": job("job_orders"),
                        "pageToken": "tok2",
                        "rows": rows(&[
                            [json!("a"), json!("3"), json!("0.1")],
                            [json!("b"), json!("4"), Value::Null],
                        ]),
                        "jobComplete": true,
                    })),
                    Some("tok2") => json_response(200, json!({
                        "schema": orders_schema(),
                        "jobReference": job("job_orders"),
                        "rows": rows(&[[json!("a"), json!("5"), json!("12345678901234567.89")]]),
                        "jobComplete": true,
                    })),
                    other => google_error(400, &format!("bad page token {other:?}"), "invalid", "INVALID_ARGUMENT"),
                };
            }
            if seen.method == "GET" && path == "/bigquery/v2/projects/my-proj/queries/job_slow" {
                if polls.fetch_add(1, Ordering::SeqCst) < 1 {
                    return json_response(200, json!({"jobReference": job("job_slow"), "jobComplete": false}));
                }
                return json_response(200, json!({
                    "schema": orders_schema(),
                    "jobReference": job("job_slow"),
                    "rows": rows(&[[json!("late"), json!("7"), json!("7")]]),
                    "jobComplete": true,
                }));
            }
            if seen.method == "GET" && path == "/bigquery/v2/projects/my-proj/queries/job_forever" {
                return json_response(200, json!({"jobReference": job("job_forever"), "jobComplete": false}));
            }
            if seen.method == "POST" && path == "/bigquery/v2/projects/my-proj/jobs/job_forever/cancel" {
                return json_response(200, json!({"kind": "bigquery#jobCancelResponse", "job": {"jobReference": job("job_forever")}}));
            }
            google_error(404, &format!("Not found: {} {}", seen.method, seen.uri), "notFound", "NOT_FOUND")
        }
    })
    .await;
    Server { url, log }
}

fn key_json(url: &str, email: &str) -> String {
    json!({
        "type": "service_account",
        "project_id": "project-from-key",
        "private_key_id": "kid-123",
        "private_key": test_key().private_pem,
        "client_email": email,
        "client_id": "1234567890",
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": format!("{url}/token"),
    })
    .to_string()
}

fn bq_source(url: &str, extra: Value) -> visivo_project::Source {
    source_with(
        json!({
            "name": "bq",
            "type": "bigquery",
            "project": "my-proj",
            "dataset": "shop",
            "credentials_json": key_json(url, EMAIL),
            "api_url": url,
        }),
        extra,
    )
}

#[tokio::test]
async fn pages_are_followed_with_a_service_account_token() {
    let server = bigquery_server().await;
    let dir = tempfile::tempdir().unwrap();
    let connector = connector(&bq_source(&server.url, json!({})), dir.path()).unwrap();
    let result = connector.query("select * from orders").await.unwrap();
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
    assert_eq!(
        group_by_cohort(&result, NullCohort::Dropped).unwrap().json,
        r#"{"a":{"x":[1,3,5],"y":[1.5,0.1,1.2345678901234568e+16]},"b":{"x":[2,4],"y":[2.25,null]}}"#
    );
    // The token is fetched once and reused by the next query.
    connector.query("select * from orders").await.unwrap();
    let log = server.log.lock().unwrap();
    let token_requests = log.iter().filter(|s| s.uri.path() == "/token").count();
    assert_eq!(token_requests, 1);
    assert_eq!(log.len(), 1 + 3 + 3);
}

#[tokio::test]
async fn stream_hands_over_one_batch_per_page() {
    let server = bigquery_server().await;
    let dir = tempfile::tempdir().unwrap();
    let connector = connector(&bq_source(&server.url, json!({})), dir.path()).unwrap();
    let recorder = Recorder::stream(&connector, "select * from orders").await;
    assert_eq!(recorder.batch_sizes(), [2, 2, 1]);
}

#[tokio::test]
async fn values_are_decoded_by_schema() {
    let server = bigquery_server().await;
    let dir = tempfile::tempdir().unwrap();
    let connector = connector(&bq_source(&server.url, json!({})), dir.path()).unwrap();
    let result = connector.query("select types").await.unwrap();
    assert_eq!(
        result.rows[0],
        vec![
            Cell::Int(7),
            Cell::Float(1.5),
            Cell::Float(0.1),
            Cell::Float(f64::INFINITY),
            Cell::Bool(true),
            text("x"),
            text("aGk="),
            text("2024-02-29"),
            text("2024-02-29T13:14:15.250000"),
            text("13:14:15"),
            text("2024-02-29T13:14:15.250000+00:00"),
            Cell::Json(json!({"k": [1, null]})),
            Cell::Json(json!({"a": 1, "tags": ["p", "q"]})),
            Cell::Json(json!([1, 2])),
            text("POINT(1 2)"),
            Cell::Null,
        ]
    );
}

#[tokio::test]
async fn unfinished_jobs_are_polled() {
    let server = bigquery_server().await;
    let dir = tempfile::tempdir().unwrap();
    let connector = connector(&bq_source(&server.url, json!({})), dir.path()).unwrap();
    let result = connector.query("select slow").await.unwrap();
    assert_eq!(
        result.rows,
        vec![vec![text("late"), Cell::Int(7), Cell::Float(7.0)]]
    );
    let polls = server
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.uri.path().ends_with("/queries/job_slow"))
        .count();
    assert_eq!(polls, 2);
}

#[tokio::test]
async fn sql_errors_carry_googles_message() {
    let server = bigquery_server().await;
    let dir = tempfile::tempdir().unwrap();
    let connector = connector(&bq_source(&server.url, json!({})), dir.path()).unwrap();
    let error = connector
        .query("select nope")
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "Error running query on source 'bq': HTTP 400 Bad Request: \
         Unrecognized name: nope at [1:8] (reason invalidQuery)\n\
         connection: bigquery project 'my-proj'"
    );
}

#[tokio::test]
async fn rejected_credentials_are_connection_errors_without_the_key() {
    let server = bigquery_server().await;
    let dir = tempfile::tempdir().unwrap();
    let unknown = bq_source(
        &server.url,
        json!({"credentials_json": key_json(&server.url, "intruder@elsewhere.iam.gserviceaccount.com")}),
    );
    let error = orders_query_error(&unknown, dir.path()).await;
    assert!(
        error.starts_with("Error connecting to source 'bq': the token endpoint"),
        "{error}"
    );
    assert!(
        error.ends_with("connection: bigquery project 'my-proj', service account 'intruder@elsewhere.iam.gserviceaccount.com'"),
        "{error}"
    );
    assert!(
        error.contains("HTTP 400 Bad Request: invalid_grant: Invalid JWT Signature."),
        "{error}"
    );
    assert!(!error.contains("PRIVATE KEY"), "{error}");

    // A token the API refuses (401): renewed once, then reported.
    let revoked = bq_source(
        &server.url,
        json!({"credentials_json": key_json(&server.url, REVOKED)}),
    );
    let error = orders_query_error(&revoked, dir.path()).await;
    assert!(
        error.starts_with("Error connecting to source 'bq'"),
        "{error}"
    );
    assert!(
        error.contains("HTTP 401 Unauthorized: Request had invalid authentication credentials."),
        "{error}"
    );
    assert!(!error.contains("ya29"), "{error}");
    let token_requests = server
        .log
        .lock()
        .unwrap()
        .iter()
        .filter(|s| s.uri.path() == "/token")
        .count();
    assert_eq!(token_requests, 1 + 2);
}

#[tokio::test]
async fn query_timeout_cancels_the_job() {
    let server = bigquery_server().await;
    let dir = tempfile::tempdir().unwrap();
    let source = bq_source(&server.url, json!({"query_timeout": 1}));
    let connector = connector(&source, dir.path()).unwrap();
    let error = connector
        .query("select forever")
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(
        error,
        "Query on source 'bq' timed out after 1 s (query_timeout) and was cancelled"
    );
    let log = server.log.lock().unwrap();
    let submit = log
        .iter()
        .find(|s| s.method == "POST" && s.uri.path().ends_with("/queries"))
        .unwrap();
    assert_eq!(submit.json()["jobTimeoutMs"], "1000");
    let cancel = log.last().unwrap();
    assert_eq!(
        cancel.uri.to_string(),
        "/bigquery/v2/projects/my-proj/jobs/job_forever/cancel?location=EU"
    );
}

#[tokio::test]
async fn key_file_and_configuration_errors() {
    let server = bigquery_server().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("key.json"), key_json(&server.url, EMAIL)).unwrap();
    // credentials_path (relative to the project), dataset from `database`.
    let from_file = source(json!({
        "name": "bq", "type": "bigquery", "project": "my-proj", "database": "shop",
        "credentials_path": "key.json", "api_url": server.url,
    }));
    let result = connector(&from_file, dir.path())
        .unwrap()
        .query("select * from orders")
        .await
        .unwrap();
    assert_eq!(result.rows.len(), 5);

    let missing = source(json!({"name": "bq", "type": "bigquery", "project": "p",
                                "credentials_path": "nope.json"}));
    let error = connector(&missing, dir.path()).err().unwrap();
    assert!(
        error.contains("cannot read the service-account key"),
        "{error}"
    );

    let user_creds = source(json!({"name": "bq", "type": "bigquery", "project": "p",
        "credentials_json": r#"{"type": "authorized_user", "client_id": "x"}"#}));
    let error = connector(&user_creds, dir.path()).err().unwrap();
    assert!(error.contains("only service-account keys"), "{error}");
}

#[tokio::test]
async fn credentials_base64_is_the_key_file_base64_encoded() {
    use base64::Engine as _;
    let server = bigquery_server().await;
    let dir = tempfile::tempdir().unwrap();
    let encoded = base64::engine::general_purpose::STANDARD.encode(key_json(&server.url, EMAIL));
    // As `python -m base64 < key.json` writes it: lines of 76 characters.
    let wrapped: Vec<String> = encoded
        .as_bytes()
        .chunks(76)
        .map(|line| String::from_utf8(line.to_vec()).unwrap())
        .collect();
    let with_key = |key: &str| {
        source(json!({
            "name": "bq", "type": "bigquery", "project": "my-proj", "dataset": "shop",
            "credentials_base64": key, "api_url": server.url,
        }))
    };
    let result = connector(&with_key(&wrapped.join("\n")), dir.path())
        .unwrap()
        .query("select * from orders")
        .await
        .unwrap();
    assert_eq!(result.rows.len(), 5);

    let not_base64 = "{\"type\": \"service_account\", \"secret-ish\": 1}";
    let error = connector(&with_key(not_base64), dir.path()).err().unwrap();
    assert!(
        error.contains("`credentials_base64` is not base64"),
        "{error}"
    );
    assert!(!error.contains("secret-ish"), "{error}");
    let not_json = base64::engine::general_purpose::STANDARD.encode("hunter2 is my key");
    let error = connector(&with_key(&not_json), dir.path()).err().unwrap();
    assert!(
        error.contains("credentials_base64 is not a JSON service-account key"),
        "{error}"
    );
    assert!(!error.contains("hunter2"), "{error}");
}
