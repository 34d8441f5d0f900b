//! Runs the planned jobs: in dependency order, concurrently (at most `threads` at once, and per
//! source at most what its pool allows), re-using results whose inputs did not change. A run
//! that is cancelled stops its jobs and leaves the previous outputs as they were.

use crate::data_json::group_by_cohort;
use crate::error::JobError;
use crate::materialize::SqliteTableWriter;
use crate::output::write_atomic;
use crate::plan::{Job, JobKind, TraceTarget, Work};
use crate::source::error::panic_message;
use crate::source::in_process::InProcess;
use crate::source::sqlite::{open_with_attachments, run_query, SqliteSource};
use crate::source::{connect, ConnectContext, Connector, SourceError};
use futures_util::FutureExt;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinSet;
use visivo_project::layout::OutputLayout;

#[derive(Debug, Clone)]
pub(crate) struct RunOptions {
    pub layout: OutputLayout,
    /// Relative paths in the project (SQLite files, script arguments) are relative to this.
    pub project_dir: PathBuf,
    pub threads: usize,
    pub full_refresh: bool,
    pub cancel: crate::cancel::Cancel,
}

/// How one job ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Done; `detail` is e.g. the file written.
    Succeeded {
        /// The file written, or a short description of what was done.
        detail: String,
        /// Something the user should hear about, e.g. rows left out for a NULL cohort.
        warning: Option<String>,
    },
    /// Inputs unchanged since the last run: the previous result was kept.
    Reused,
    /// It failed; its dependants are skipped.
    Failed(JobError),
    /// Not run because something it needs failed.
    Skipped(String),
}

/// Progress of a run, reported as jobs start and end.
#[derive(Debug, Clone)]
pub enum Event {
    /// A job began to run.
    Started {
        /// What it produces.
        kind: JobKind,
        /// The model's or trace's name.
        name: String,
    },
    /// A job ended, however it ended.
    Finished {
        /// What it produces.
        kind: JobKind,
        /// The model's or trace's name.
        name: String,
        /// How it ended.
        outcome: Outcome,
        /// How long it took, waiting for its source included.
        elapsed: Duration,
    },
}

/// What a run did: each job's outcome, in the order jobs finished.
#[derive(Debug, Default)]
pub struct Summary {
    /// `(kind, name, outcome)` of every planned job.
    pub results: Vec<(JobKind, String, Outcome)>,
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
    /// The run was cancelled before it finished.
    pub interrupted: bool,
}

impl Summary {
    /// How many jobs have an outcome that passes `f`.
    pub fn count(&self, f: impl Fn(&Outcome) -> bool) -> usize {
        self.results.iter().filter(|(_, _, o)| f(o)).count()
    }

    /// How many jobs failed or were skipped because something they need failed.
    pub fn failed(&self) -> usize {
        self.count(|o| matches!(o, Outcome::Failed(_) | Outcome::Skipped(_)))
    }

    /// The names of the traces whose outcome passes `keep`.
    pub fn traces(&self, keep: impl Fn(&Outcome) -> bool) -> Vec<String> {
        self.results
            .iter()
            .filter(|(kind, _, outcome)| kind.writes_trace_data() && keep(outcome))
            .map(|(_, name, _)| name.clone())
            .collect()
    }

    /// How the run ended, as the terminal shows it: the time and the count of each outcome,
    /// then the first line of why each job failed or was skipped.
    pub fn render(&self) -> String {
        let secs = self.elapsed.as_secs_f64();
        if self.interrupted {
            return format!("\nRun interrupted after {secs:.2}s; earlier outputs were kept\n");
        }
        let succeeded = self.count(|o| matches!(o, Outcome::Succeeded { .. }));
        let reused = self.count(|o| matches!(o, Outcome::Reused));
        let failed = self.count(|o| matches!(o, Outcome::Failed(_)));
        let skipped = self.count(|o| matches!(o, Outcome::Skipped(_)));
        let counts = format!(
            "{succeeded} succeeded, {reused} up to date (re-used), {failed} failed, {skipped} skipped"
        );
        if failed + skipped == 0 {
            return format!("\nRun finished in {secs:.2}s: {counts}\nDone\n");
        }
        let errors = failed + skipped;
        let mut text = format!("\nRun failed in {secs:.2}s with {errors} error(s): {counts}\n");
        for (kind, name, outcome) in &self.results {
            let message = match outcome {
                Outcome::Failed(error) => error.to_string(),
                Outcome::Skipped(reason) => reason.clone(),
                _ => continue,
            };
            let first_line = message.lines().next().unwrap_or_default();
            text.push_str(&format!("  ✖ {} {name}: {first_line}\n", kind.label()));
        }
        text
    }
}

type Listener = Arc<dyn Fn(Event) + Send + Sync>;
/// A connected source and the permits for its concurrent queries.
type Pooled = (Arc<dyn Connector>, Arc<Semaphore>);

struct Shared {
    options: RunOptions,
    connectors: Mutex<HashMap<String, Result<Pooled, SourceError>>>,
}

/// Runs `jobs` in dependency order, reporting progress to `listener`, and writes the run state for
/// the next run's re-use.
pub(crate) async fn run(jobs: Vec<Job>, options: RunOptions, listener: Listener) -> Summary {
    let started = Instant::now();
    let state_path = options.layout.state_file();
    let mut state = read_state(&state_path);
    let shared = Arc::new(Shared {
        options: options.clone(),
        connectors: Mutex::new(HashMap::new()),
    });
    let global = Arc::new(Semaphore::new(options.threads.max(1)));
    let mut waiting: Vec<usize> = jobs.iter().map(|j| j.deps.len()).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); jobs.len()];
    for (id, job) in jobs.iter().enumerate() {
        for d in &job.deps {
            dependents[*d].push(id);
        }
    }
    let mut outcomes: Vec<Option<Outcome>> = vec![None; jobs.len()];
    let mut set = JoinSet::new();
    // Which job each task runs: a task that panics outside the job's work still fails its job.
    let mut tasks: HashMap<tokio::task::Id, usize> = HashMap::new();
    let spawn = |set: &mut JoinSet<(usize, Outcome)>,
                 tasks: &mut HashMap<tokio::task::Id, usize>,
                 id: usize,
                 state: &HashMap<String, String>| {
        let job = jobs[id].clone();
        let reusable = !options.full_refresh
            && state.get(&state_key(&job)) == Some(&job.hash)
            && job.output(&options.layout).exists();
        let shared = shared.clone();
        let global = global.clone();
        let listener = listener.clone();
        let task = set.spawn(async move {
            if reusable {
                return (id, Outcome::Reused);
            }
            let mut t = Instant::now();
            let started = Event::Started {
                kind: job.kind,
                name: job.name.clone(),
            };
            let outcome = match wait_for_room(&job, &shared, global).await {
                Ok(_room) => match report(&listener, started) {
                    Ok(()) => {
                        t = Instant::now();
                        // A panicking job fails with its message, like any other failure.
                        let executing = std::panic::AssertUnwindSafe(execute(&job, &shared));
                        match executing.catch_unwind().await {
                            Ok(Ok(outcome)) => outcome,
                            Ok(Err(e)) => Outcome::Failed(e),
                            Err(panic) => {
                                Outcome::Failed(JobError::Panicked(panic_message(&*panic)))
                            }
                        }
                    }
                    Err(e) => Outcome::Failed(e),
                },
                Err(e) => Outcome::Failed(e),
            };
            let finished = Event::Finished {
                kind: job.kind,
                name: job.name.clone(),
                outcome: outcome.clone(),
                elapsed: t.elapsed(),
            };
            let outcome = report(&listener, finished).map_or_else(Outcome::Failed, |()| outcome);
            // A cancelled job leaves the trace's previous files (data and error) alone.
            if job.kind.writes_trace_data()
                && !matches!(&outcome, Outcome::Failed(e) if e.is_cancelled())
            {
                record_trace_error(&shared.options.layout, &job.name, &outcome);
            }
            (id, outcome)
        });
        tasks.insert(task.id(), id);
    };
    for (id, _) in waiting.iter().enumerate().filter(|(_, w)| **w == 0) {
        spawn(&mut set, &mut tasks, id, &state);
    }
    while let Some(joined) = set.join_next_with_id().await {
        let (id, outcome) = match joined {
            Ok((_, finished)) => finished,
            Err(error) => {
                let id = tasks[&error.id()];
                let outcome = Outcome::Failed(error.into());
                let _ = report(&listener, finished_at_once(&jobs[id], &outcome));
                (id, outcome)
            }
        };
        let ok = matches!(outcome, Outcome::Succeeded { .. } | Outcome::Reused);
        if ok {
            state.insert(state_key(&jobs[id]), jobs[id].hash.clone());
        } else {
            state.remove(&state_key(&jobs[id]));
        }
        outcomes[id] = Some(outcome);
        if ok {
            for &d in &dependents[id] {
                waiting[d] -= 1;
                if waiting[d] == 0 && outcomes[d].is_none() {
                    spawn(&mut set, &mut tasks, d, &state);
                }
            }
        } else {
            skip_dependents(id, &jobs, &dependents, &mut outcomes, &listener, &mut state);
        }
    }
    if let Ok(text) = serde_json::to_string(&state) {
        let _ = write_atomic(&state_path, text.as_bytes());
    }
    Summary {
        results: jobs
            .iter()
            .zip(outcomes)
            .map(|(j, o)| {
                (
                    j.kind,
                    j.name.clone(),
                    o.unwrap_or(Outcome::Skipped("not run".into())),
                )
            })
            .collect(),
        elapsed: started.elapsed(),
        interrupted: shared.options.cancel.is_cancelled(),
    }
}

/// Waits until the job may run: a slot of its source's pool (if it queries one), then one of the
/// run's `threads`. Waiting for the source first, holding no thread, keeps a slow or dead source
/// from taking the threads of the others. Gives up when the run is cancelled.
async fn wait_for_room(
    job: &Job,
    shared: &Shared,
    threads: Arc<Semaphore>,
) -> Result<(Option<OwnedSemaphorePermit>, OwnedSemaphorePermit), JobError> {
    let waiting = async {
        let source_slot = match job.source() {
            Some(source) => {
                let (_, pool) = shared.connector(source)?;
                Some(pool.acquire_owned().await.map_err(|e| e.to_string())?)
            }
            None => None,
        };
        let thread = threads.acquire_owned().await.map_err(|e| e.to_string())?;
        Ok((source_slot, thread))
    };
    shared
        .options
        .cancel
        .unless_cancelled(waiting)
        .await
        .unwrap_or(Err(JobError::Cancelled))
}

fn skip_dependents(
    failed: usize,
    jobs: &[Job],
    dependents: &[Vec<usize>],
    outcomes: &mut [Option<Outcome>],
    listener: &Listener,
    state: &mut HashMap<String, String>,
) {
    let mut queue = vec![failed];
    while let Some(id) = queue.pop() {
        for &d in &dependents[id] {
            if outcomes[d].is_some() {
                continue;
            }
            let reason = format!(
                "skipped because {} '{}' failed",
                jobs[id].kind.label(),
                jobs[id].name
            );
            let skipped = Outcome::Skipped(reason);
            state.remove(&state_key(&jobs[d]));
            let outcome = report(listener, finished_at_once(&jobs[d], &skipped))
                .map_or_else(Outcome::Failed, |()| skipped);
            outcomes[d] = Some(outcome);
            queue.push(d);
        }
    }
}

/// Hands `event` to the listener. A panic in it (a bug in the caller's progress display) fails
/// the job the event is about, with the panic's message, instead of being lost.
fn report(listener: &Listener, event: Event) -> Result<(), JobError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| listener(event))).map_err(|panic| {
        JobError::Panicked(format!(
            "reporting its progress: {}",
            panic_message(&*panic)
        ))
    })
}

/// The end of a job that did not run (or whose task died).
fn finished_at_once(job: &Job, outcome: &Outcome) -> Event {
    Event::Finished {
        kind: job.kind,
        name: job.name.clone(),
        outcome: outcome.clone(),
        elapsed: Duration::ZERO,
    }
}

fn state_key(job: &Job) -> String {
    format!("{:?}:{}", job.kind, job.name)
}

fn read_state(path: &Path) -> HashMap<String, String> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// `<trace>/error.json` tells the viewer why a trace has no (or stale) data: the database's
/// message, without where the source lives (the terminal shows that).
fn record_trace_error(layout: &OutputLayout, trace: &str, outcome: &Outcome) {
    let path = layout.error_json(trace);
    let message = match outcome {
        Outcome::Failed(error) => error.public_message(),
        Outcome::Skipped(reason) => reason.clone(),
        _ => {
            let _ = std::fs::remove_file(path);
            return;
        }
    };
    let json = serde_json::json!({ "message": message });
    let _ = write_atomic(&path, json.to_string().as_bytes());
}

async fn execute(job: &Job, shared: &Shared) -> Result<Outcome, JobError> {
    let layout = &shared.options.layout;
    let target = job.output(layout);
    match &job.work {
        Work::CsvScript {
            args,
            table,
            timeout,
            allow_empty,
        } => {
            let (args, table, timeout) = (args.clone(), table.clone(), *timeout);
            let allow_empty = *allow_empty;
            let cancel = shared.options.cancel.clone();
            let (name, cwd, file) = (
                job.name.clone(),
                shared.options.project_dir.clone(),
                target.clone(),
            );
            let rows = tokio::task::spawn_blocking(move || {
                let script = crate::csv_script::CsvScript {
                    model: &name,
                    args: &args,
                    table: &table,
                    cwd: &cwd,
                    timeout,
                    cancel: &cancel,
                    allow_empty,
                };
                crate::csv_script::run(&script, &file)
            })
            .await??;
            Ok(succeeded(format!("{rows} rows → {}", display(&target))))
        }
        Work::Materialize { sql, source } => {
            let (connector, _) = shared.connector(source)?;
            let writer = SqliteTableWriter::create(&target, "model")?;
            connector.stream(sql, Box::new(writer)).await?;
            Ok(succeeded(display(&target)))
        }
        Work::LocalMerge { sql, children } => {
            let (sql, children, file) = (sql.clone(), children.clone(), target.clone());
            tokio::task::spawn_blocking(move || merge(&sql, &children, &file)).await??;
            Ok(succeeded(display(&target)))
        }
        Work::Options {
            sql,
            target: query_target,
        } => {
            let result = query_on(job, shared, query_target, sql.clone()).await?;
            let options = crate::states::options_from(result)?;
            crate::states::write_options(layout, &job.name, &options)?;
            Ok(succeeded(format!("{} options", options.len())))
        }
        Work::Trace {
            sql,
            target: trace_target,
            inputs,
            nulls,
        } => {
            let query = |sql: String| query_on(job, shared, trace_target, sql);
            let grouped = match inputs {
                None => {
                    // A trace that no longer references inputs has no states.
                    let _ = std::fs::remove_file(layout.states_json(&job.name));
                    group_by_cohort(&query(sql.clone()).await?, *nulls)?
                }
                Some(inputs) => {
                    let states =
                        crate::states::run_states(inputs, sql, *nulls, layout, query).await?;
                    let path = layout.states_json(&job.name);
                    write_atomic(&path, states.states_json.as_bytes())
                        .map_err(|e| format!("writing {}: {e}", display(&path)))?;
                    states.default
                }
            };
            write_atomic(&target, grouped.json.as_bytes())
                .map_err(|e| format!("writing {}: {e}", display(&target)))?;
            let warning = (grouped.dropped_null_cohort_rows > 0).then(|| {
                format!(
                    "{} rows with a NULL cohort_on value were left out",
                    grouped.dropped_null_cohort_rows
                )
            });
            Ok(Outcome::Succeeded {
                detail: display(&layout.query_sql(&job.name)),
                warning,
            })
        }
    }
}

/// A trace's or options query's SQL on its source, or on the SQLite file of its model.
async fn query_on(
    job: &Job,
    shared: &Shared,
    target: &TraceTarget,
    sql: String,
) -> Result<crate::value::ResultSet, SourceError> {
    match target {
        TraceTarget::Source(source) => {
            let (connector, _) = shared.connector(source)?;
            connector.query(&sql).await
        }
        TraceTarget::File {
            database,
            attachments,
        } => {
            let name = format!("model_{}_generated_source", job.name);
            InProcess(SqliteSource::for_file(
                name,
                database.clone(),
                attachments.clone(),
                shared.options.cancel.clone(),
            ))
            .query(&sql)
            .await
        }
    }
}

fn succeeded(detail: String) -> Outcome {
    Outcome::Succeeded {
        detail,
        warning: None,
    }
}

fn display(path: &Path) -> String {
    visivo_project::load::discover::display_path(path)
}

/// Runs a merge's SQL with its children attached and stores the result as `<merge>.sqlite`.
fn merge(sql: &str, children: &[(String, PathBuf)], target: &Path) -> Result<(), JobError> {
    let connection = open_with_attachments(Path::new(":memory:"), children)?;
    let mut writer = SqliteTableWriter::create(target, "model")?;
    run_query(&connection, sql, &mut writer)?;
    Ok(writer.commit()?)
}

impl Shared {
    fn connector(&self, source: &visivo_project::Source) -> Result<Pooled, SourceError> {
        let name = source.name.clone().unwrap_or_default();
        let mut cache = self
            .connectors
            .lock()
            .map_err(|_| SourceError::Internal("connector cache poisoned".into()))?;
        cache
            .entry(name)
            .or_insert_with(|| {
                let ctx = ConnectContext {
                    project_dir: &self.options.project_dir,
                    threads: self.options.threads,
                    cancel: self.options.cancel.clone(),
                };
                connect(source, &ctx).map(|c| {
                    let pool = Arc::new(Semaphore::new(c.concurrency().max(1)));
                    (c, pool)
                })
            })
            .clone()
    }
}
