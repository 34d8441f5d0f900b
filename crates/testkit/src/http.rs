//! A one-request HTTP server.

use crate::serve_one_connection;
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::mpsc;

pub struct Request {
    /// The request line and the headers, each ending in `\r\n`.
    pub head: String,
    pub body: String,
}

impl Request {
    pub fn request_line(&self) -> &str {
        self.head.lines().next().unwrap_or("")
    }
}

/// Listens on 127.0.0.1, accepts one request to any path and answers `status` (`"200 OK"`) with
/// Slack's bodies (`ok`, or `invalid_payload` for an error status). Returns the server's base
/// URL (`http://127.0.0.1:port`) and where the request arrives.
pub fn one_request_server(status: &'static str) -> (String, mpsc::Receiver<Request>) {
    let (address, received) = serve_one_connection(move |stream| {
        let mut reader = BufReader::new(stream);
        let head = read_head(&mut reader);
        let mut body = vec![0; content_length(&head)];
        reader.read_exact(&mut body).unwrap();
        let answer = if status.starts_with('2') {
            "ok"
        } else {
            "invalid_payload"
        };
        write!(
            reader.into_inner(),
            "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{answer}",
            answer.len()
        )
        .unwrap();
        let body = String::from_utf8(body).unwrap();
        Request { head, body }
    });
    (format!("http://{address}"), received)
}

pub(crate) fn read_head(reader: &mut impl BufRead) -> String {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
            return head;
        }
        head.push_str(&line);
    }
}

pub(crate) fn content_length(head: &str) -> usize {
    head.lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().unwrap())
        })
        .unwrap_or(0)
}
