//! The pipeline behind `visivo compile`, `run`, `serve`, `dist` and `test`, in stages:
//!
//! 1. [`Pipeline::load`]: find, template, parse and validate the project (`visivo_project`);
//! 2. [`Pipeline::compile`]: select the traces (`--name-filter`), compile them to SQL
//!    (`visivo_query`) and write `project.json` and each `query.sql`;
//! 3. [`Pipeline::plan`]: the jobs and what each waits for ([`crate::plan`]);
//! 4. [`Pipeline::run`]: run them on a runtime of its own ([`crate::run`]), writing `data.json`,
//!    `error.json` and the run state.
//!
//! [`Pipeline::load_and_run`] is all four, as `visivo run`, `dist`, `serve` and `test --run` do
//! it; [`Pipeline::load_and_compile`] the first two (`visivo compile`).
//!
//! Every path is one of the [`OutputLayout`]'s. The stages return typed results and report
//! progress as [`Event`]s; printing is the caller's.
//!
//! ```no_run
//! use visivo_engine::pipeline::{Pipeline, Settings};
//!
//! let pipeline = Pipeline::new(Settings::new("my-project", "my-project/target"));
//! let ran = pipeline.load_and_run(|event| eprintln!("{event:?}"));
//! println!("{} job(s) failed or were skipped", ran.summary?.failed());
//! # Ok::<(), visivo_engine::pipeline::Error>(())
//! ```
//!
//! The same, a stage at a time:
//!
//! ```no_run
//! # use visivo_engine::pipeline::{Pipeline, Settings};
//! # let pipeline = Pipeline::new(Settings::new("my-project", "my-project/target"));
//! let loaded = pipeline.load();
//! eprint!("{}", loaded.report.render(&loaded.files));
//! let project = loaded.project.ok_or("the project has errors")?;
//! let compiled = pipeline.compile(&project)?;
//! let jobs = pipeline.plan(&project, &compiled)?;
//! let summary = pipeline.run(jobs, |event| println!("{event:?}"))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::cancel::Cancel;
use crate::output::write_atomic;
use crate::plan::Job;
use crate::run::{RunOptions, Summary};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use visivo_project::layout::OutputLayout;
use visivo_project::{load_project, LoadOptions, Loaded, Project};
use visivo_query::{compile_trace, CompiledTrace};

/// What a pipeline works on and how.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The folder holding `project.visivo.yml`; relative paths in the project start here.
    pub working_dir: PathBuf,
    /// Where outputs are written.
    pub output: OutputLayout,
    /// Replaces `defaults.source_name`.
    pub source: Option<String>,
    /// Only the traces connected to the object with this name.
    pub name_filter: Option<String>,
    /// How many jobs run at once (`--threads`); `None` takes the project's `defaults.threads`,
    /// else [`DEFAULT_THREADS`].
    pub threads: Option<usize>,
    /// Run every job even if its inputs did not change since the last run.
    pub full_refresh: bool,
    /// Cancel the run when SIGINT or SIGTERM arrives (reported as [`Event::Signal`]).
    pub cancel_on_signals: bool,
    /// The most input states one trace may have (`--max-input-states`; docs/interactivity.md).
    pub max_input_states: usize,
}

/// How many jobs run at once when neither [`Settings::threads`] nor the project says.
pub const DEFAULT_THREADS: usize = 8;

/// The default of [`Settings::max_input_states`].
pub const DEFAULT_MAX_INPUT_STATES: usize = 256;

impl Settings {
    /// The defaults of `visivo run` for the project in `working_dir`, writing to `output_dir`.
    pub fn new(working_dir: impl Into<PathBuf>, output_dir: impl Into<PathBuf>) -> Self {
        Settings {
            working_dir: working_dir.into(),
            output: OutputLayout::new(output_dir),
            source: None,
            name_filter: None,
            threads: None,
            full_refresh: false,
            cancel_on_signals: false,
            max_input_states: DEFAULT_MAX_INPUT_STATES,
        }
    }

    /// How many jobs of `project` run at once: [`Self::threads`], else its `defaults.threads`,
    /// else [`DEFAULT_THREADS`]; at least one.
    pub fn threads_for(&self, project: &Project) -> usize {
        let from_project = project
            .defaults
            .threads
            .and_then(|t| usize::try_from(t).ok());
        self.threads
            .or(from_project)
            .unwrap_or(DEFAULT_THREADS)
            .max(1)
    }
}

/// What went wrong in a stage.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The project did not load: its diagnostics, as [`Event::Loaded`] gave them.
    #[error("the project has errors")]
    Project {
        /// [`visivo_project::Report::render`]'s text, for a display other than the terminal
        /// (`serve`'s browser overlay).
        problems: String,
    },
    /// `--name-filter` names no object of the project.
    #[error("No item found with name: '{0}'.")]
    NoSuchItem(String),
    /// A trace could not be compiled to SQL.
    #[error("{message}")]
    Compile {
        /// The trace's name.
        trace: String,
        /// Why.
        message: String,
    },
    /// An output file could not be written.
    #[error("writing {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The jobs could not be planned.
    #[error("{0}")]
    Plan(String),
    /// The runtime the jobs run on could not start.
    #[error("starting the job runtime: {0}")]
    Runtime(std::io::Error),
}

/// Progress of [`Pipeline::run`] (and of [`Pipeline::load_and_run`], which also reports the
/// stages before it).
#[derive(Debug, Clone)]
pub enum Event {
    /// Loading the project begins.
    Loading,
    /// The project was read and checked.
    Loaded {
        /// Its diagnostics as [`visivo_project::Report::render`] gives them; empty when none.
        diagnostics: String,
    },
    /// The selected traces are compiled; `project.json` and their `query.sql` written.
    Compiled {
        /// `(trace, warning)`: what the compiler dropped or changed.
        warnings: Vec<(String, String)>,
    },
    /// The jobs are planned and start to run.
    Running {
        /// How many run at once ([`Settings::threads_for`]).
        threads: usize,
    },
    /// A job started or finished.
    Job(crate::run::Event),
    /// SIGINT or SIGTERM arrived (with [`Settings::cancel_on_signals`]): the first one cancels
    /// the run; what a `repeated` one does is the listener's choice.
    Signal {
        /// An earlier signal already cancelled the run.
        repeated: bool,
    },
}

/// The traces [`Pipeline::compile`] selected and their SQL.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// In the project's order; each with the warnings of its compilation.
    pub traces: Vec<CompiledTrace>,
}

/// What [`Pipeline::load_and_run`] did.
#[derive(Debug)]
pub struct Ran {
    /// The files the load read (what `serve` watches), also when the project has errors.
    pub inputs: Vec<PathBuf>,
    /// What became of each job; `Err` when a stage before the run failed.
    pub summary: Result<Summary, Error>,
}

/// The stages, with their settings.
#[derive(Debug, Clone)]
pub struct Pipeline {
    /// What the stages work on.
    pub settings: Settings,
}

impl Pipeline {
    /// A pipeline with these settings.
    pub fn new(settings: Settings) -> Self {
        Pipeline { settings }
    }

    /// Loads, compiles and writes the selected traces, reporting each stage to `listener`.
    pub fn load_and_compile(&self, listener: &dyn Fn(Event)) -> Result<(Project, Compiled), Error> {
        let project = self.load_reporting(listener).1?;
        let compiled = self.compile_reporting(&project, listener)?;
        Ok((project, compiled))
    }

    /// Loads, compiles, plans and runs on a runtime of its own, reporting each stage and job to
    /// `listener`.
    pub fn load_and_run(&self, listener: impl Fn(Event) + Send + Sync + 'static) -> Ran {
        let listener = Arc::new(listener);
        let (inputs, project) = self.load_reporting(&*listener);
        let summary = project.and_then(|project| {
            let compiled = self.compile_reporting(&project, &*listener)?;
            let jobs = self.plan(&project, &compiled)?;
            let threads = self.settings.threads_for(&project);
            listener(Event::Running { threads });
            self.run_on(jobs, threads, move |event| listener(event))
        });
        Ran { inputs, summary }
    }

    /// [`Self::load`], reported; the files it read, and the project unless it has errors.
    fn load_reporting(&self, listener: &dyn Fn(Event)) -> (Vec<PathBuf>, Result<Project, Error>) {
        listener(Event::Loading);
        let loaded = self.load();
        let diagnostics = loaded.report.render(&loaded.files);
        listener(Event::Loaded {
            diagnostics: diagnostics.clone(),
        });
        let inputs = loaded.input_paths(&self.settings.working_dir);
        let project = loaded.project.ok_or(Error::Project {
            problems: diagnostics,
        });
        (inputs, project)
    }

    /// [`Self::compile`], reported with its warnings.
    fn compile_reporting(
        &self,
        project: &Project,
        listener: &dyn Fn(Event),
    ) -> Result<Compiled, Error> {
        let compiled = self.compile(project)?;
        let warnings = compiled.traces.iter().flat_map(|trace| {
            let name = &trace.trace;
            trace.warnings.iter().map(|w| (name.clone(), w.clone()))
        });
        listener(Event::Compiled {
            warnings: warnings.collect(),
        });
        Ok(compiled)
    }

    /// Reads, templates, parses and validates the project (with the user's profile); the
    /// project is there only if the report has no errors.
    /// Traces whose inputs have more states than [`Settings::max_input_states`] are errors
    /// here, located like the others.
    pub fn load(&self) -> Loaded {
        let mut loaded = load_project(&LoadOptions {
            working_dir: &self.settings.working_dir,
            source_override: self.settings.source.as_deref(),
            profile: visivo_project::default_profile_path(),
        });
        if let Some(project) = &loaded.project {
            let traces: Vec<String> = project.traces.keys().cloned().collect();
            let max = self.settings.max_input_states;
            for diagnostic in visivo_project::input::state_budget(project, &traces, max) {
                loaded.report.push(diagnostic);
            }
            if loaded.report.has_errors() {
                loaded.project = None;
            }
        }
        loaded
    }

    /// The traces to work on: all of them, or those connected to [`Settings::name_filter`].
    pub fn select(&self, project: &Project) -> Result<Vec<String>, Error> {
        match &self.settings.name_filter {
            None => Ok(project.traces.keys().cloned().collect()),
            Some(name) => visivo_project::graph::traces_for_filter(project, name)
                .ok_or_else(|| Error::NoSuchItem(name.clone())),
        }
    }

    /// Compiles the selected traces and writes `project.json` and their `query.sql`.
    pub fn compile(&self, project: &Project) -> Result<Compiled, Error> {
        let output = &self.settings.output;
        // Every crate of the workspace shares the CLI's version.
        let json = visivo_project::export::project_json(project, env!("CARGO_PKG_VERSION"));
        write(&output.project_json(), json.to_string().as_bytes())?;
        let traces = self
            .select(project)?
            .iter()
            .map(|name| {
                compile_trace(project, &project.traces[name]).map_err(|message| Error::Compile {
                    trace: name.clone(),
                    message,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        write_queries(output, &traces)?;
        crate::states::write_inputs_json(project, output).map_err(|source| Error::Write {
            path: output.inputs_json(),
            source,
        })?;
        Ok(Compiled { traces })
    }

    /// The jobs that produce the compiled traces' data.
    pub fn plan(&self, project: &Project, compiled: &Compiled) -> Result<Vec<Job>, Error> {
        crate::plan::plan(
            project,
            &compiled.traces,
            &self.settings.output,
            &self.settings.working_dir,
            self.settings.max_input_states,
        )
        .map_err(Error::Plan)
    }

    /// Runs the jobs on a runtime of its own, [`Settings::threads`] (else [`DEFAULT_THREADS`]) at
    /// once, and returns what became of each.
    pub fn run(
        &self,
        jobs: Vec<Job>,
        listener: impl Fn(Event) + Send + Sync + 'static,
    ) -> Result<Summary, Error> {
        let threads = self.settings.threads.unwrap_or(DEFAULT_THREADS);
        self.run_on(jobs, threads, listener)
    }

    /// [`Self::run`] with `threads` jobs at once.
    fn run_on(
        &self,
        jobs: Vec<Job>,
        threads: usize,
        listener: impl Fn(Event) + Send + Sync + 'static,
    ) -> Result<Summary, Error> {
        let options = RunOptions {
            layout: self.settings.output.clone(),
            project_dir: self.settings.working_dir.clone(),
            threads: threads.max(1),
            full_refresh: self.settings.full_refresh,
            cancel: Cancel::default(),
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(Error::Runtime)?;
        let listener = Arc::new(listener);
        Ok(runtime.block_on(async {
            if self.settings.cancel_on_signals {
                let listener = listener.clone();
                let cancel = options.cancel.clone();
                tokio::spawn(cancel_on_signals(cancel, move |e| listener(e)));
            }
            let jobs_listener = listener.clone();
            crate::run::run(
                jobs,
                options,
                Arc::new(move |event| jobs_listener(Event::Job(event))),
            )
            .await
        }))
    }
}

/// Each SIGINT/SIGTERM cancels the run and is reported.
async fn cancel_on_signals(cancel: Cancel, report: impl Fn(Event)) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut interrupt), Ok(mut terminate)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    ) else {
        return;
    };
    loop {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        report(Event::Signal {
            repeated: cancel.is_cancelled(),
        });
        cancel.cancel();
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_atomic(path, bytes).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Writing files is most of a compile's time (directories, temp files, renames): spread it
/// over the cores.
fn write_queries(output: &OutputLayout, compiled: &[CompiledTrace]) -> Result<(), Error> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(8);
    let chunk = compiled.len().div_ceil(workers).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = compiled
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().try_for_each(|c| write_query(output, c))))
            .collect();
        handles.into_iter().try_for_each(|handle| {
            handle.join().unwrap_or_else(|_| {
                Err(Error::Write {
                    path: output.root().to_path_buf(),
                    source: std::io::Error::other("a writer thread panicked"),
                })
            })
        })
    })
}

fn write_query(output: &OutputLayout, compiled: &CompiledTrace) -> Result<(), Error> {
    let path = output.query_sql(&compiled.trace);
    // Unchanged text: no write, so `serve` reloads stay fast on big projects.
    if std::fs::read(&path).is_ok_and(|old| old == compiled.sql.as_bytes()) {
        return Ok(());
    }
    write(&path, compiled.sql.as_bytes())
}
