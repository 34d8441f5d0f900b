//! Stand-ins for the services alerts talk to, shared by the tests of `visivo-check` and the
//! `visivo` CLI: a one-request HTTP server (a Slack webhook) and a one-session SMTP server. Each
//! runs on its own thread, answers one connection on 127.0.0.1 and hands what it received back
//! through a channel. Also a ClickHouse HTTP interface backed by SQLite ([`clickhouse`]).

pub mod clickhouse;
pub mod http;
pub mod smtp;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// Listens on a free port of 127.0.0.1 and hands the first connection (reads time out after 20 s)
/// to `handle` on its own thread; what `handle` returns arrives on the receiver.
pub fn serve_one_connection<T: Send + 'static>(
    handle: impl FnOnce(TcpStream) -> T + Send + 'static,
) -> (SocketAddr, mpsc::Receiver<T>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        tx.send(handle(stream)).unwrap();
    });
    (address, rx)
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
