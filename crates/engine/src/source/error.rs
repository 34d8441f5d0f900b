//! What goes wrong with a source ([`SourceError`]), and the text of an error with its causes.
//!
//! An error's `Display` is what the terminal shows: for connection and query errors it may end
//! with a `connection:` line naming where the source lives (host, port, database, user).
//! [`SourceError::public_message`] leaves that line out; it is what `error.json`, read by the
//! browser, gets.

use crate::cancel::CANCELLED;
use std::time::Duration;

/// Why a source could not give a query's rows. Every variant but [`SourceError::Cancelled`] and
/// [`SourceError::Output`] names the source.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SourceError {
    /// The source's definition cannot be used: a field missing or invalid, an unset environment
    /// variable, an unreadable key file, an engine this build lacks.
    #[error("source '{source_name}': {message}")]
    Config {
        /// The source's name.
        source_name: String,
        /// What is wrong with it.
        message: String,
    },
    /// Connecting or logging in failed. `connection` says where the source lives.
    #[error(
        "Error connecting to source '{source_name}': {message}. Ensure the database is running \
         and the connection properties are correct.{}",
        connection_line(connection)
    )]
    Connect {
        /// The source's name.
        source_name: String,
        /// The driver's or server's message, with its causes.
        message: String,
        /// Where the source lives (host, port, database, user), for the terminal only.
        connection: Option<String>,
    },
    /// The statement failed (or its result could not be read).
    #[error(
        "Error running query on source '{source_name}': {message}{}",
        connection_line(connection)
    )]
    Query {
        /// The source's name.
        source_name: String,
        /// The database's message, with its causes.
        message: String,
        /// Where the source lives (host, port, database, user), for the terminal only.
        connection: Option<String>,
    },
    /// The statement ran past `query_timeout` and was stopped.
    #[error(
        "Query on source '{source_name}' timed out after {} s (query_timeout) and was cancelled",
        limit.as_secs()
    )]
    Timeout {
        /// The source's name.
        source_name: String,
        /// The source's `query_timeout`.
        limit: Duration,
    },
    /// The run was interrupted.
    #[error("{CANCELLED}")]
    Cancelled,
    /// The rows could not be stored.
    #[error(transparent)]
    Output(SinkError),
    /// The engine failed in a way no statement explains (a worker thread died, permits closed).
    #[error("{0}")]
    Internal(String),
}

impl SourceError {
    pub(crate) fn config(source_name: &str, message: impl Into<String>) -> Self {
        SourceError::Config {
            source_name: source_name.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn query(source_name: &str, message: impl Into<String>) -> Self {
        SourceError::Query {
            source_name: source_name.to_string(),
            message: message.into(),
            connection: None,
        }
    }

    /// The message without the line naming where the source lives: what the browser may see.
    pub fn public_message(&self) -> String {
        let mut public = self.clone();
        if let SourceError::Connect { connection, .. } | SourceError::Query { connection, .. } =
            &mut public
        {
            *connection = None;
        }
        public.to_string()
    }
}

/// Why a [`RowSink`](super::RowSink) could not store rows (a model's SQLite file); `Display`
/// is the message of what refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SinkError {
    /// SQLite could not write the file.
    #[error("{0}")]
    Sqlite(String),
    /// The file system refused: creating the folder, renaming the finished file into place.
    #[error("{0}")]
    Io(String),
    /// The rows stopped before the query finished, or came after the sink was finished.
    #[error("{0}")]
    Incomplete(&'static str),
}

impl From<rusqlite::Error> for SinkError {
    fn from(error: rusqlite::Error) -> Self {
        SinkError::Sqlite(error.to_string())
    }
}

impl From<std::io::Error> for SinkError {
    fn from(error: std::io::Error) -> Self {
        SinkError::Io(error.to_string())
    }
}

/// A CSV script's job speaks in messages (`csv_script.rs`).
impl From<SinkError> for String {
    fn from(error: SinkError) -> Self {
        error.to_string()
    }
}

/// Where an error message names where its source lives: a last line of its own.
fn connection_line(connection: &Option<String>) -> String {
    connection
        .as_ref()
        .map(|c| format!("\nconnection: {c}"))
        .unwrap_or_default()
}

/// The message of a panic's payload (`panic!` with a literal or with a format).
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_string())
}

/// An error followed by its `source()` chain, joined with `: `.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    with_causes(error.to_string(), error.source())
}

/// `text` followed by `cause` and its own causes, each once, joined with `: `.
pub(crate) fn with_causes(mut text: String, mut cause: Option<&dyn std::error::Error>) -> String {
    while let Some(c) = cause {
        let next = c.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_line_is_for_the_terminal_only() {
        let error = SourceError::Connect {
            source_name: "db".into(),
            message: "refused".into(),
            connection: Some("postgresql at h:5432".into()),
        };
        assert_eq!(
            error.to_string(),
            "Error connecting to source 'db': refused. Ensure the database is running and the \
             connection properties are correct.\nconnection: postgresql at h:5432"
        );
        assert_eq!(
            error.public_message(),
            "Error connecting to source 'db': refused. Ensure the database is running and the \
             connection properties are correct."
        );
        let timeout = SourceError::Timeout {
            source_name: "db".into(),
            limit: Duration::from_secs(3),
        };
        assert_eq!(
            timeout.public_message(),
            "Query on source 'db' timed out after 3 s (query_timeout) and was cancelled"
        );
    }
}
