//! A one-session SMTP server: EHLO/HELO, AUTH PLAIN and LOGIN, MAIL, RCPT, DATA, QUIT.

use crate::serve_one_connection;
use base64::Engine as _;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::mpsc;

/// What one session delivered.
#[derive(Debug, Default)]
pub struct Mail {
    /// Every line the client sent, in order (AUTH LOGIN's answers included).
    pub commands: Vec<String>,
    /// (mechanism, username, password)
    pub auth: Option<(String, String, String)>,
    pub from: String,
    pub to: Vec<String>,
    /// The message, dot-unstuffed, lines ending in `\n`.
    pub data: String,
}

impl Mail {
    /// The message with quoted-printable soft line breaks and `=3D` undone.
    pub fn unfolded(&self) -> String {
        self.data.replace("=\n", "").replace("=3D", "=")
    }
}

/// Listens on 127.0.0.1 and serves one session, advertising the `auth` mechanisms
/// (`"PLAIN LOGIN"`; empty: none). Returns the port and where the mail arrives.
pub fn one_session_server(auth: &'static str) -> (u16, mpsc::Receiver<Mail>) {
    let (address, received) = serve_one_connection(move |stream| Session::new(stream).serve(auth));
    (address.port(), received)
}

struct Session {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    mail: Mail,
}

impl Session {
    fn new(stream: TcpStream) -> Self {
        Session {
            writer: stream.try_clone().unwrap(),
            reader: BufReader::new(stream),
            mail: Mail::default(),
        }
    }

    fn send(&mut self, text: &str) {
        self.writer
            .write_all(format!("{text}\r\n").as_bytes())
            .unwrap();
    }

    fn read(&mut self) -> String {
        let mut line = String::new();
        self.reader.read_line(&mut line).unwrap();
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        self.mail.commands.push(line.clone());
        line
    }

    fn serve(mut self, auth: &str) -> Mail {
        self.send("220 localhost ESMTP test");
        loop {
            let line = self.read();
            let upper = line.to_ascii_uppercase();
            if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                self.send("250-localhost");
                if !auth.is_empty() {
                    self.send(&format!("250-AUTH {auth}"));
                }
                self.send("250 8BITMIME");
            } else if let Some(rest) = upper.strip_prefix("AUTH PLAIN") {
                let encoded = if rest.trim().is_empty() {
                    self.send("334 ");
                    self.read()
                } else {
                    line["AUTH PLAIN".len()..].trim().to_string()
                };
                let decoded = decode(&encoded);
                let parts: Vec<&str> = decoded.split('\0').collect();
                self.authenticated("PLAIN", parts[1].into(), parts[2].into());
            } else if upper.starts_with("AUTH LOGIN") {
                self.send("334 VXNlcm5hbWU6");
                let user = decode(&self.read());
                self.send("334 UGFzc3dvcmQ6");
                let password = decode(&self.read());
                self.authenticated("LOGIN", user, password);
            } else if upper.starts_with("MAIL FROM:") {
                self.mail.from = line["MAIL FROM:".len()..].trim().to_string();
                self.send("250 2.1.0 Ok");
            } else if upper.starts_with("RCPT TO:") {
                let to = line["RCPT TO:".len()..].trim().to_string();
                self.mail.to.push(to);
                self.send("250 2.1.5 Ok");
            } else if upper == "DATA" {
                self.send("354 End data with <CR><LF>.<CR><LF>");
                self.read_data();
                self.send("250 2.0.0 Ok: queued");
            } else if upper == "QUIT" || upper.is_empty() {
                self.send("221 2.0.0 Bye");
                return self.mail;
            } else {
                self.send("250 2.0.0 Ok");
            }
        }
    }

    fn authenticated(&mut self, mechanism: &str, user: String, password: String) {
        self.mail.auth = Some((mechanism.into(), user, password));
        self.send("235 2.7.0 Authentication successful");
    }

    fn read_data(&mut self) {
        loop {
            let mut line = String::new();
            self.reader.read_line(&mut line).unwrap();
            let line = line.trim_end_matches(['\r', '\n']);
            if line == "." {
                return;
            }
            self.mail
                .data
                .push_str(line.strip_prefix('.').unwrap_or(line));
            self.mail.data.push('\n');
        }
    }
}

fn decode(text: &str) -> String {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .unwrap();
    String::from_utf8(bytes).unwrap()
}
