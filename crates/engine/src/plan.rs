//! The jobs of a run and what each waits for: CSV-script models, copies of SQL models that
//! local merges read, local merges, and traces.

use crate::data_json::NullCohort;
use crate::source::resolve_path;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;
use visivo_project::layout::OutputLayout;
use visivo_project::{Input, Model, Project, Source, SourceType};
use visivo_query::{CompiledTrace, Target};

/// What a job produces, which decides its output file and how the terminal names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobKind {
    /// A CSV-script model: runs its command into `<model>.sqlite`.
    CsvScript,
    /// A SQL model copied into its [`OutputLayout::model_database`] for a local merge.
    Materialize,
    /// A local-merge model: joins other models' SQLite files into `<model>.sqlite`.
    LocalMerge,
    /// A trace: runs its query and writes `<trace>/data.json`.
    Trace,
    /// An insight, made a trace (docs/insights.md): the same, under the insight's name.
    Insight,
    /// An input's options query: writes `.inputs/<input>.json` and `inputs.json`.
    Options,
}

impl JobKind {
    /// Whether the job writes a trace's `data.json` (a trace's or an insight's).
    pub fn writes_trace_data(self) -> bool {
        matches!(self, JobKind::Trace | JobKind::Insight)
    }

    /// How the terminal names a job of this kind: `trace`, or `model` for every model job.
    pub fn label(self) -> &'static str {
        match self {
            JobKind::Trace => "trace",
            JobKind::Insight => "insight",
            JobKind::Options => "input",
            _ => "model",
        }
    }
}

/// Everything a job needs to run, owned, so jobs can run on any thread.
#[derive(Debug, Clone)]
pub(crate) enum Work {
    CsvScript {
        args: Vec<String>,
        table: String,
        timeout: Duration,
        allow_empty: bool,
    },
    Materialize {
        sql: String,
        source: Box<Source>,
    },
    LocalMerge {
        sql: String,
        children: Vec<(String, PathBuf)>,
    },
    Trace {
        sql: String,
        target: TraceTarget,
        /// The inputs its SQL references, whose every state it computes (docs/interactivity.md).
        inputs: Option<Box<TraceInputs>>,
        /// Rows of a NULL cohort: left out (a trace), or their own series (an insight's split).
        nulls: NullCohort,
    },
    Options {
        sql: String,
        target: TraceTarget,
    },
}

/// What a trace that references inputs needs to compute its states.
#[derive(Debug, Clone)]
pub(crate) struct TraceInputs {
    pub inputs: Vec<(String, Input)>,
    /// Inputs the query groups by instead of filtering on (input, result column):
    /// `visivo_query::inputs::Partition`.
    pub partition: Vec<(String, String)>,
    /// How the aggregate columns combine over a multi-select's values (`Partition::combine`).
    pub combine: Vec<(String, visivo_query::inputs::Combine)>,
    pub dialect: SourceType,
    pub max_states: usize,
}

#[derive(Debug, Clone)]
pub(crate) enum TraceTarget {
    Source(Box<Source>),
    /// A SQLite file written by this run, or an in-memory database with files attached.
    File {
        database: PathBuf,
        attachments: Vec<(String, PathBuf)>,
    },
}

/// One unit of a run: a model to build or a trace to query.
#[derive(Debug, Clone)]
pub struct Job {
    /// What it produces.
    pub kind: JobKind,
    /// The model's or trace's name.
    pub name: String,
    pub(crate) work: Work,
    /// Indices (into the plan) of the jobs it reads, which run before it.
    pub(crate) deps: Vec<usize>,
    /// Hash of this job's inputs and of everything upstream: equal hash, equal result.
    pub(crate) hash: String,
}

impl Job {
    /// Where the job's result lives.
    pub fn output(&self, layout: &OutputLayout) -> PathBuf {
        match self.kind {
            JobKind::Trace | JobKind::Insight => layout.data_json(&self.name),
            JobKind::Options => layout.input_options(&self.name),
            _ => layout.model_database(&self.name),
        }
    }
}

impl Job {
    /// The source the job queries, if it queries one.
    pub fn source(&self) -> Option<&Source> {
        match &self.work {
            Work::Materialize { source, .. }
            | Work::Trace {
                target: TraceTarget::Source(source),
                ..
            }
            | Work::Options {
                target: TraceTarget::Source(source),
                ..
            } => Some(source),
            _ => None,
        }
    }
}

pub(crate) struct Planner<'a> {
    project: &'a Project,
    layout: &'a OutputLayout,
    project_dir: &'a Path,
    max_input_states: usize,
    jobs: Vec<Job>,
    index: HashMap<(JobKind, String), usize>,
}

/// The jobs that produce the data of the `compiled` traces, each after the jobs it reads.
pub fn plan(
    project: &Project,
    compiled: &[CompiledTrace],
    layout: &OutputLayout,
    project_dir: &Path,
    max_input_states: usize,
) -> Result<Vec<Job>, String> {
    let mut planner = Planner {
        project,
        layout,
        project_dir,
        max_input_states,
        jobs: Vec::new(),
        index: HashMap::new(),
    };
    for trace in compiled {
        planner.trace(trace)?;
    }
    Ok(planner.jobs)
}

impl Planner<'_> {
    fn push(
        &mut self,
        kind: JobKind,
        name: &str,
        work: Work,
        deps: Vec<usize>,
        own: String,
    ) -> usize {
        let mut hasher = Sha256::new();
        hasher.update(format!("{kind:?}\0{name}\0{own}\0"));
        for d in &deps {
            hasher.update(&self.jobs[*d].hash);
        }
        let hash = hex::encode(hasher.finalize());
        self.jobs.push(Job {
            kind,
            name: name.to_string(),
            work,
            deps,
            hash,
        });
        let id = self.jobs.len() - 1;
        self.index.insert((kind, name.to_string()), id);
        id
    }

    fn trace(&mut self, compiled: &CompiledTrace) -> Result<usize, String> {
        let trace = &self.project.traces[&compiled.trace];
        let (target, mut deps, mut fingerprint) = self.query_target(&compiled.target)?;
        let input_names = visivo_project::input::trace_input_names(self.project, trace);
        for name in &input_names {
            if let Some(options) = self.options(name)? {
                deps.push(options);
            }
            let input = &self.project.inputs[name];
            fingerprint.push_str(&serde_json::to_string(input).unwrap_or_default());
        }
        let partition = visivo_query::inputs::partition(self.project, trace);
        let sql = match &partition {
            Some(p) => visivo_query::compile_trace(self.project, &p.trace)?.sql,
            None => compiled.sql.clone(),
        };
        let inputs = (!input_names.is_empty()).then(|| {
            Box::new(TraceInputs {
                combine: partition
                    .as_ref()
                    .map(|p| p.combine.clone())
                    .unwrap_or_default(),
                partition: partition.map(|p| p.columns).unwrap_or_default(),
                inputs: input_names
                    .iter()
                    .map(|n| (n.clone(), self.project.inputs[n].clone()))
                    .collect(),
                dialect: compiled.dialect,
                max_states: self.max_input_states,
            })
        });
        let own = format!("{}\0{fingerprint}\0{}", compiled.sql, trace.model);
        let (kind, nulls) = match trace.from_insight {
            Some(_) => (JobKind::Insight, NullCohort::Named),
            None => (JobKind::Trace, NullCohort::Dropped),
        };
        let work = Work::Trace {
            sql,
            target,
            inputs,
            nulls,
        };
        Ok(self.push(kind, &compiled.trace, work, deps, own))
    }

    /// The job that runs input `name`'s options query, if its options come from one.
    fn options(&mut self, name: &str) -> Result<Option<usize>, String> {
        if let Some(id) = self.index.get(&(JobKind::Options, name.to_string())) {
            return Ok(Some(*id));
        }
        let Some(compiled) = visivo_query::inputs::compile_options(self.project, name)? else {
            return Ok(None);
        };
        let (target, deps, fingerprint) = self.query_target(&compiled.target)?;
        let own = format!("{}\0{fingerprint}", compiled.sql);
        let work = Work::Options {
            sql: compiled.sql,
            target,
        };
        Ok(Some(self.push(JobKind::Options, name, work, deps, own)))
    }

    /// Where a query on a source, or on a model's SQLite file, runs; the jobs it waits for; and
    /// what identifies its data (the source's settings and files).
    fn query_target(
        &mut self,
        target: &Target,
    ) -> Result<(TraceTarget, Vec<usize>, String), String> {
        Ok(match target {
            Target::Source(name) => {
                let source = self
                    .project
                    .sources
                    .get(name)
                    .ok_or_else(|| format!("source '{name}' not found"))?;
                (
                    TraceTarget::Source(Box::new(source.clone())),
                    vec![],
                    source_fingerprint(source, self.project_dir),
                )
            }
            Target::CsvModel(model) => {
                let dep = self.model(model)?;
                let database = self.layout.model_database(model);
                (
                    TraceTarget::File {
                        database,
                        attachments: vec![],
                    },
                    vec![dep],
                    String::new(),
                )
            }
            Target::LocalMerge(model) => {
                let dep = self.model(model)?;
                let attachments = self.merge_children(model)?;
                let database = PathBuf::from(":memory:");
                (
                    TraceTarget::File {
                        database,
                        attachments,
                    },
                    vec![dep],
                    String::new(),
                )
            }
        })
    }

    /// The job that produces a model's SQLite file (not for SQL models read directly).
    fn model(&mut self, name: &str) -> Result<usize, String> {
        let model = self
            .project
            .models
            .get(name)
            .ok_or_else(|| format!("model '{name}' not found"))?;
        let kind = match model {
            Model::CsvScript(_) => JobKind::CsvScript,
            Model::LocalMerge(_) => JobKind::LocalMerge,
            Model::Sql(_) => JobKind::Materialize,
        };
        if let Some(id) = self.index.get(&(kind, name.to_string())) {
            return Ok(*id);
        }
        match model {
            Model::CsvScript(m) => {
                let timeout = Duration::from_secs(
                    m.timeout.unwrap_or(crate::csv_script::DEFAULT_TIMEOUT_SECS),
                );
                let own = format!(
                    "{:?}\0{}\0{}\0{}",
                    m.args,
                    m.table_name,
                    m.allow_empty,
                    files_fingerprint(&m.args, self.project_dir)
                );
                let work = Work::CsvScript {
                    args: m.args.clone(),
                    table: m.table_name.clone(),
                    timeout,
                    allow_empty: m.allow_empty,
                };
                Ok(self.push(kind, name, work, vec![], own))
            }
            Model::Sql(m) => {
                let source = self
                    .project
                    .model_source(m)
                    .ok_or_else(|| format!("model '{name}' has no source"))?;
                let own = format!(
                    "{}\0{}",
                    m.sql,
                    source_fingerprint(source, self.project_dir)
                );
                let work = Work::Materialize {
                    sql: m.sql.clone(),
                    source: Box::new(source.clone()),
                };
                Ok(self.push(kind, name, work, vec![], own))
            }
            Model::LocalMerge(m) => {
                let deps = m
                    .models
                    .iter()
                    .map(|c| self.model(c))
                    .collect::<Result<Vec<_>, _>>()?;
                let children = self.merge_children(name)?;
                let work = Work::LocalMerge {
                    sql: m.sql.clone(),
                    children,
                };
                Ok(self.push(kind, name, work, deps, m.sql.clone()))
            }
        }
    }

    /// The files a merge attaches: each direct child under its model name.
    fn merge_children(&self, merge: &str) -> Result<Vec<(String, PathBuf)>, String> {
        let Some(Model::LocalMerge(m)) = self.project.models.get(merge) else {
            return Err(format!("model '{merge}' is not a local merge"));
        };
        Ok(m.models
            .iter()
            .map(|c| (c.clone(), self.layout.model_database(c)))
            .collect())
    }
}

/// The connection settings and, for database files, their size and modification time: a
/// changed file means changed data.
fn source_fingerprint(source: &Source, project_dir: &Path) -> String {
    let mut text = serde_json::to_string(source).unwrap_or_default();
    if source.source_type.is_file() {
        let mut files: Vec<String> = source
            .database
            .iter()
            .chain(&source.file)
            .cloned()
            .collect();
        files.extend(
            source
                .attach
                .iter()
                .flatten()
                .filter_map(|a| a.database().map(str::to_string)),
        );
        for file in files {
            text.push_str(&file_fingerprint(&resolve_path(project_dir, &file)));
        }
    }
    text
}

/// Files named in a script's arguments (the script itself, data it reads) that exist.
fn files_fingerprint(args: &[String], project_dir: &Path) -> String {
    args.iter()
        .map(|a| resolve_path(project_dir, a))
        .filter(|p| p.is_file())
        .map(|p| file_fingerprint(&p))
        .collect()
}

fn file_fingerprint(path: &Path) -> String {
    match std::fs::metadata(path) {
        Ok(meta) => {
            let modified = meta
                .modified()
                .ok()
                .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{}:{}:{modified};", path.display(), meta.len())
        }
        Err(_) => format!("{}:missing;", path.display()),
    }
}
