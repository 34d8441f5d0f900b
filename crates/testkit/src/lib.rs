//! Stand-ins for the services alerts talk to, shared by the tests of `visivo-check` and the
//! `visivo` CLI: a one-request HTTP server (a Slack webhook) and a one-session SMTP server. Each
//! runs on its own thread, answers one connection on 127.0.0.1 and hands what it received back
//! through a channel.

pub mod http;
pub mod smtp;

use std::net::TcpListener;

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
