//! A stand-in for ClickHouse's HTTP interface, backed by a SQLite file: for running whole projects
//! whose trace SQL (common table expressions) the ClickHouse server Debian ships (18.16, before
//! CTEs) cannot run. It answers `POST /?…` with the SQL as the body the way ClickHouse does:
//! `TabSeparatedWithNamesAndTypes` (types from the values: `Int64`, `Float64`, `String`,
//! `Nullable(…)`), `401` for a wrong `X-ClickHouse-User`/`X-ClickHouse-Key`, `400` with a
//! `Code: …` message for SQL the database refuses.

use crate::http::{content_length, read_head};
use std::io::{BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::thread;

/// What the stand-in received: each request's line and headers (`\r\n`-separated), and body.
pub type Received = Arc<Mutex<Vec<(String, String)>>>;

/// Serves ClickHouse's HTTP interface on a free port of 127.0.0.1 until the test ends, querying
/// `database`, for `user` logging in with `password`. Returns the port and what it received.
pub fn clickhouse_server(database: PathBuf, user: &str, password: &str) -> (u16, Received) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = Received::default();
    let seen = received.clone();
    let login = (user.to_string(), password.to_string());
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (database, login, seen) = (database.clone(), login.clone(), seen.clone());
            thread::spawn(move || answer(stream, &database, &login, &seen));
        }
    });
    (port, received)
}

fn answer(stream: TcpStream, database: &PathBuf, login: &(String, String), seen: &Received) {
    let mut reader = BufReader::new(stream);
    let head = read_head(&mut reader);
    let mut body = vec![0; content_length(&head)];
    reader.read_exact(&mut body).unwrap();
    let sql = String::from_utf8(body).unwrap();
    seen.lock().unwrap().push((head.clone(), sql.clone()));
    let header = |name: &str| {
        head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    };
    let logged_in = header("X-ClickHouse-User").as_deref() == Some(&login.0)
        && header("X-ClickHouse-Key").as_deref() == Some(&login.1);
    let (status, text) = if !logged_in {
        (
            "401 Unauthorized",
            "Code: 516. DB::Exception: Authentication failed: password is incorrect.\n".into(),
        )
    } else {
        match run(database, &sql) {
            Ok(tsv) => ("200 OK", tsv),
            Err(e) => ("400 Bad Request", format!("Code: 62. DB::Exception: {e}\n")),
        }
    };
    let mut stream = reader.into_inner();
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\ncontent-type: text/tab-separated-values; charset=UTF-8\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{text}",
        text.len()
    );
}

/// The query's answer as `TabSeparatedWithNamesAndTypes`.
fn run(database: &PathBuf, sql: &str) -> Result<String, rusqlite::Error> {
    use rusqlite::types::ValueRef;
    let connection = rusqlite::Connection::open(database)?;
    let mut statement = connection.prepare(sql)?;
    let names: Vec<String> = statement.column_names().map(escape).collect();
    let width = names.len();
    let mut types = vec![("String", false); width];
    let mut seen_type = vec![false; width];
    let mut lines = Vec::new();
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let mut fields = Vec::with_capacity(width);
        for i in 0..width {
            let (kind, field) = match row.get_ref(i)? {
                ValueRef::Null => {
                    types[i].1 = true;
                    fields.push("\\N".to_string());
                    continue;
                }
                ValueRef::Integer(n) => ("Int64", n.to_string()),
                ValueRef::Real(f) => ("Float64", f.to_string()),
                ValueRef::Text(t) => ("String", escape(&String::from_utf8_lossy(t))),
                ValueRef::Blob(b) => ("String", escape(&String::from_utf8_lossy(b))),
            };
            if !seen_type[i] {
                types[i].0 = kind;
                seen_type[i] = true;
            }
            fields.push(field);
        }
        lines.push(fields.join("\t"));
    }
    let types: Vec<String> = types
        .iter()
        .map(|(kind, nullable)| match nullable {
            true => format!("Nullable({kind})"),
            false => kind.to_string(),
        })
        .collect();
    let mut out = format!("{}\n{}\n", names.join("\t"), types.join("\t"));
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

/// TabSeparated's escapes.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('\t', "\\t")
        .replace('\n', "\\n")
}
