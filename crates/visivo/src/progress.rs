//! The pipeline's progress on the terminal: the stages, a live spinner per running job on a
//! terminal (plain lines otherwise, or when `CI=true`), and the run's summary.

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;
use visivo_engine::pipeline::{self, Settings};
use visivo_engine::plan::JobKind;
use visivo_engine::run::{Event, Outcome, Summary};

pub struct Progress {
    settings: Settings,
    live: Option<MultiProgress>,
    bars: Mutex<HashMap<String, ProgressBar>>,
}

const WIDTH: usize = 82;

impl Progress {
    pub fn new(settings: &Settings) -> Self {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        let live = (std::io::stdout().is_terminal() && !ci).then(MultiProgress::new);
        Progress {
            settings: settings.clone(),
            live,
            bars: Mutex::new(HashMap::new()),
        }
    }

    pub fn event(&self, event: pipeline::Event) {
        match event {
            pipeline::Event::Loading => println!("Compiling project"),
            pipeline::Event::Loaded { diagnostics } => eprint!("{diagnostics}"),
            pipeline::Event::Compiled { warnings } => {
                for (trace, warning) in warnings {
                    eprintln!("warning: trace '{trace}': {warning}");
                }
                println!("Project compiled");
            }
            pipeline::Event::Running { threads } => match &self.settings.source {
                Some(source) => {
                    println!("Running project across {threads} threads and default source {source}")
                }
                None => println!("Running project across {threads} threads"),
            },
            pipeline::Event::Job(event) => self.job(event),
            pipeline::Event::Signal { repeated: true } => {
                std::process::exit(crate::cmd::INTERRUPTED.into())
            }
            pipeline::Event::Signal { repeated: false } => {
                eprintln!("\nInterrupted: stopping the run (interrupt again to quit at once)")
            }
        }
    }

    fn job(&self, event: Event) {
        match event {
            Event::Started { kind, name } => self.started(kind, &name),
            Event::Finished {
                kind,
                name,
                outcome,
                elapsed,
            } => {
                let query = visivo_project::load::discover::display_path(
                    &self.settings.output.query_sql(&name),
                );
                let lines = finished_lines(kind, &name, &outcome, elapsed, &query);
                self.finished(&name, &lines);
            }
        }
    }

    fn started(&self, kind: JobKind, name: &str) {
        let text = format!("Running {} {name}", kind.label());
        match &self.live {
            Some(multi) => {
                let bar = multi.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg} {elapsed}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_message(text);
                bar.enable_steady_tick(Duration::from_millis(100));
                if let Ok(mut bars) = self.bars.lock() {
                    bars.insert(name.to_string(), bar);
                }
            }
            None => println!("{}", dotted(&text, "[RUNNING]")),
        }
    }

    fn finished(&self, name: &str, lines: &[String]) {
        match &self.live {
            Some(multi) => {
                if let Some(bar) = self.bars.lock().ok().and_then(|mut b| b.remove(name)) {
                    bar.finish_and_clear();
                    multi.remove(&bar);
                }
                for line in lines {
                    let _ = multi.println(line);
                }
            }
            None => {
                for line in lines {
                    println!("{line}");
                }
            }
        }
    }

    /// Ends the live display and prints the run's summary.
    pub fn finish(&self, summary: Option<&Summary>) {
        if let Some(multi) = &self.live {
            let _ = multi.clear();
        }
        if let Some(summary) = summary {
            print!("{}", summary.render());
        }
    }
}

fn dotted(text: &str, status: &str) -> String {
    let dots = WIDTH.saturating_sub(text.chars().count() + 1).max(3);
    format!("{text} {}{status}", ".".repeat(dots))
}

fn finished_lines(
    kind: JobKind,
    name: &str,
    outcome: &Outcome,
    elapsed: Duration,
    query: &str,
) -> Vec<String> {
    let secs = format!("{:.2}s", elapsed.as_secs_f64());
    let label = kind.label();
    match outcome {
        Outcome::Succeeded { detail, warning } => {
            let mut lines = vec![dotted(
                &format!("Updated data for {label} {name}"),
                &format!("[SUCCESS {secs}]"),
            )];
            let what = if kind.writes_trace_data() {
                "query"
            } else {
                "database file"
            };
            lines.push(format!("\t{what}: {detail}"));
            if let Some(w) = warning {
                lines.push(format!("\twarning: {w}"));
            }
            lines
        }
        Outcome::Reused => vec![dotted(&format!("Up to date {label} {name}"), "[REUSED]")],
        Outcome::Failed(error) => {
            let mut lines = vec![dotted(
                &format!("Failed query for {label} {name}"),
                &format!("[FAILURE {secs}]"),
            )];
            if kind.writes_trace_data() {
                lines.push(format!("\tquery: {query}"));
            }
            lines.extend(error.to_string().lines().map(|l| format!("\terror: {l}")));
            lines
        }
        Outcome::Skipped(reason) => vec![
            dotted(&format!("Skipped {label} {name}"), "[SKIPPED]"),
            format!("\t{reason}"),
        ],
    }
}
