//! Why a job failed ([`JobError`]): its source, its own work, the run being interrupted, or a
//! panic. `Display` is what the terminal shows; [`JobError::public_message`] is what `error.json`
//! gets (no line naming where a source lives).

use crate::cancel::CANCELLED;
use crate::data_json::GroupError;
use crate::source::error::panic_message;
use crate::source::in_process::RunError;
use crate::source::{SinkError, SourceError};

/// Why a job failed; `Display` is the terminal's text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JobError {
    /// The source could not give the rows.
    #[error(transparent)]
    Source(SourceError),
    /// The job's own work failed: a model's script or merge, reading its rows, writing its file.
    #[error("{0}")]
    Job(String),
    /// The rows could not be stored in the model's SQLite file.
    #[error(transparent)]
    Output(SinkError),
    /// The trace's rows could not be grouped into `data.json`.
    #[error(transparent)]
    Data(GroupError),
    /// The run was interrupted.
    #[error("{CANCELLED}")]
    Cancelled,
    /// The job panicked (a bug); the run goes on without it.
    #[error("the job panicked: {0}")]
    Panicked(String),
}

impl JobError {
    /// Whether the job stopped because the run was interrupted (not a failure of its own).
    pub fn is_cancelled(&self) -> bool {
        matches!(self, JobError::Cancelled)
    }

    /// The message without the line naming where the source lives: what the browser may see.
    pub fn public_message(&self) -> String {
        match self {
            JobError::Source(error) => error.public_message(),
            other => other.to_string(),
        }
    }
}

impl From<SourceError> for JobError {
    fn from(error: SourceError) -> Self {
        match error {
            SourceError::Cancelled => JobError::Cancelled,
            other => JobError::Source(other),
        }
    }
}

/// The message of a job's own step (a script, a merge, a file).
impl From<String> for JobError {
    fn from(message: String) -> Self {
        JobError::Job(message)
    }
}

/// A local merge's statement: the merge's own step, or its rows not stored.
impl From<RunError> for JobError {
    fn from(error: RunError) -> Self {
        match error {
            RunError::Database(message) => JobError::Job(message),
            RunError::Output(error) => JobError::Output(error),
        }
    }
}

impl From<SinkError> for JobError {
    fn from(error: SinkError) -> Self {
        JobError::Output(error)
    }
}

impl From<GroupError> for JobError {
    fn from(error: GroupError) -> Self {
        JobError::Data(error)
    }
}

/// A job's blocking step that did not finish: it panicked (or its runtime is shutting down).
impl From<tokio::task::JoinError> for JobError {
    fn from(error: tokio::task::JoinError) -> Self {
        match error.try_into_panic() {
            Ok(panic) => JobError::Panicked(panic_message(&*panic)),
            Err(error) => JobError::Job(error.to_string()),
        }
    }
}
