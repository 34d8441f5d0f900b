//! `visivo test`'s runner: every test of the selected traces checked against the trace's
//! `data.json`, with where each test is written, as [`TraceResults`] ([`Tested`]); and those
//! results as JUnit XML ([`Tested::junit_xml`]) and as alert failures ([`alert_failures`]).
//!
//! ```no_run
//! use visivo_check::suite;
//! use visivo_project::layout::OutputLayout;
//! # fn example(loaded: visivo_project::Loaded) -> Option<()> {
//! let project = loaded.project?;
//! let traces: Vec<String> = project.traces.keys().cloned().collect();
//! let tested = suite::run(&suite::Run {
//!     project: &project,
//!     files: &loaded.files,
//!     traces: &traces,
//!     output: &OutputLayout::new("target"),
//!     options: Default::default(),
//! }, |case| print!("{}", if case.passed() { "." } else { "F" }));
//! println!("\n{} of {} failed", tested.failures().len(), tested.total());
//! # Some(())
//! # }
//! ```

use crate::junit;
use crate::{Condition, ConditionScope, EvalOptions};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use visivo_project::layout::OutputLayout;
use visivo_project::{Files, Kind, OnFailure, Project, TraceTest};

/// What to test.
pub struct Run<'a> {
    /// The loaded project.
    pub project: &'a Project,
    /// Its files, to locate each test.
    pub files: &'a Files,
    /// The traces whose tests run, in this order (those without tests are left out).
    pub traces: &'a [String],
    /// Where the traces' `data.json` are.
    pub output: &'a OutputLayout,
    /// How tests are evaluated.
    pub options: EvalOptions,
}

/// One test's result.
#[derive(Debug, Clone)]
pub struct TestCase {
    /// `<trace>.test[<i>]`
    pub id: String,
    /// The file the test is written in, as shown to the user.
    pub file: Option<String>,
    /// Its line there.
    pub line: Option<usize>,
    /// How long it took.
    pub time: Duration,
    /// `None` when the test passed.
    pub problem: Option<Problem>,
    /// Whether a failure fails `visivo test` (false for a test with `on_failure: continue`).
    pub blocking: bool,
}

impl TestCase {
    /// Whether the test passed.
    pub fn passed(&self) -> bool {
        self.problem.is_none()
    }

    /// Whether the test failed in a way that fails `visivo test`.
    pub fn fails_the_run(&self) -> bool {
        self.blocking && !self.passed()
    }

    /// `project.visivo.yml:14`, when known.
    pub fn location(&self) -> Option<String> {
        let (file, line) = self.file.as_ref().zip(self.line)?;
        Some(format!("{file}:{line}"))
    }
}

/// Why a test did not pass.
#[derive(Debug, Clone)]
pub struct Problem {
    /// What went wrong.
    pub message: String,
    /// For logic that does not parse: the logic with a caret under the error.
    pub excerpt: Option<String>,
    /// The logic did not parse (a JUnit error rather than a failure).
    pub invalid: bool,
}

impl Problem {
    fn failed(message: String) -> Self {
        Problem {
            message,
            excerpt: None,
            invalid: false,
        }
    }
}

/// The results of one trace's tests.
#[derive(Debug, Clone)]
pub struct TraceResults {
    /// The trace's name.
    pub trace: String,
    /// Its tests, in the order written.
    pub cases: Vec<TestCase>,
}

/// What [`run`] found.
#[derive(Debug, Clone)]
pub struct Tested {
    /// Each trace's results, in the order run (traces without tests left out).
    pub traces: Vec<TraceResults>,
    /// How long testing took.
    pub elapsed: Duration,
}

impl Tested {
    /// How many tests ran.
    pub fn total(&self) -> usize {
        self.traces.iter().map(|t| t.cases.len()).sum()
    }

    /// The tests that did not pass, with why.
    pub fn failures(&self) -> Vec<(&TestCase, &Problem)> {
        self.cases()
            .filter_map(|case| Some((case, case.problem.as_ref()?)))
            .collect()
    }

    /// Whether a test failed in a way that fails `visivo test`.
    pub fn fails_the_run(&self) -> bool {
        self.cases().any(TestCase::fails_the_run)
    }

    /// The JUnit XML report of a project called `project`.
    pub fn junit_xml(&self, project: &str) -> String {
        junit::to_xml(project, &junit_suites(&self.traces), self.elapsed)
    }

    fn cases(&self) -> impl Iterator<Item = &TestCase> {
        self.traces.iter().flat_map(|t| &t.cases)
    }
}

/// Runs the tests of `run.traces`, calling `on_case` after each one.
pub fn run(run: &Run, mut on_case: impl FnMut(&TestCase)) -> Tested {
    let started = Instant::now();
    let mut data = DataCache::default();
    let mut any_failed = false;
    let mut results = Vec::new();
    for name in run.traces {
        let Some(tests) = run.project.traces.get(name).and_then(|t| t.tests.as_ref()) else {
            continue;
        };
        if tests.is_empty() {
            continue;
        }
        let mut cases = Vec::with_capacity(tests.len());
        for (i, test) in tests.iter().enumerate() {
            let test = TestRef {
                run,
                trace: name,
                index: i,
                test,
            };
            for case in test.cases(&mut data, any_failed) {
                any_failed |= !case.passed();
                on_case(&case);
                cases.push(case);
            }
        }
        results.push(TraceResults {
            trace: name.clone(),
            cases,
        });
    }
    Tested {
        traces: results,
        elapsed: started.elapsed(),
    }
}

/// The traces' `data.json`, each read once.
#[derive(Default)]
struct DataCache {
    read: HashMap<String, serde_json::Value>,
    unreadable: HashMap<String, String>,
}

impl DataCache {
    /// The data of `trace`, or the message its tests fail with.
    fn get(&mut self, output: &OutputLayout, trace: &str) -> Result<&serde_json::Value, String> {
        if !self.read.contains_key(trace) && !self.unreadable.contains_key(trace) {
            match read_data(output, trace) {
                Ok(data) => {
                    self.read.insert(trace.to_string(), data);
                }
                Err(message) => {
                    self.unreadable.insert(trace.to_string(), message);
                }
            }
        }
        match self.unreadable.get(trace) {
            Some(message) => Err(message.clone()),
            None => self
                .read
                .get(trace)
                .ok_or_else(|| format!("no data for trace '{trace}'")),
        }
    }

    /// Reads every trace `condition` references; the first that can't be read is the error.
    fn load_for(&mut self, output: &OutputLayout, condition: &Condition) -> Result<(), String> {
        condition
            .traces()
            .iter()
            .try_for_each(|trace| self.get(output, trace).map(|_| ()))
    }
}

/// One entry of a trace's `tests`.
struct TestRef<'a> {
    run: &'a Run<'a>,
    trace: &'a str,
    index: usize,
    test: &'a TraceTest,
}

impl TestRef<'_> {
    /// The test's cases: one for `logic`, one per assertion, none when its `if` does not hold
    /// (or one failed case when the `if` can't be judged).
    fn cases(&self, data: &mut DataCache, any_failed: bool) -> Vec<TestCase> {
        let started = Instant::now();
        let label = match &self.test.name {
            Some(name) => format!("{}.{name}", self.trace),
            None => format!("{}.test[{}]", self.trace, self.index),
        };
        if let Some(condition) = &self.test.condition {
            match self.holds(condition, data, any_failed) {
                Ok(true) => {}
                Ok(false) => return Vec::new(),
                Err(problem) => {
                    return vec![self.case(format!("{label}.if"), "if", started, Some(problem))]
                }
            }
        }
        if let Some(logic) = &self.test.logic {
            let problem = match data.get(self.run.output, self.trace) {
                Err(message) => Some(Problem::failed(message)),
                Ok(data) => check_one(logic, data, &self.run.options),
            };
            return vec![self.case(label, "logic", started, problem)];
        }
        let assertions = self.test.assertions.iter().flatten().enumerate();
        assertions
            .map(|(j, assertion)| {
                let started = Instant::now();
                let problem = self.assertion_problem(assertion, data, any_failed);
                let field = format!("assertions.{j}");
                self.case(format!("{label}.assertions[{j}]"), &field, started, problem)
            })
            .collect()
    }

    fn case(
        &self,
        id: String,
        field: &str,
        started: Instant,
        problem: Option<Problem>,
    ) -> TestCase {
        let field = format!("tests.{}.{field}", self.index);
        let location = self
            .run
            .project
            .field_location(Kind::Trace, self.trace, &field);
        TestCase {
            id,
            file: location.map(|l| self.run.files.display_name(l.file)),
            line: location.map(|l| l.pos.line),
            time: started.elapsed(),
            problem,
            blocking: self.test.on_failure == OnFailure::Exit,
        }
    }

    fn assertion_problem(
        &self,
        text: &str,
        data: &mut DataCache,
        any_failed: bool,
    ) -> Option<Problem> {
        let condition = match Condition::parse(text) {
            Ok(condition) => condition,
            Err(e) => return Some(invalid("test expression", text, &e)),
        };
        if let Err(message) = data.load_for(self.run.output, &condition) {
            return Some(Problem::failed(message));
        }
        let outcome = condition.evaluate(&scope(&data.read, any_failed));
        (!outcome.passed).then(|| Problem::failed(outcome.message.unwrap_or_default()))
    }

    /// Whether the test's `if` holds.
    fn holds(&self, text: &str, data: &mut DataCache, any_failed: bool) -> Result<bool, Problem> {
        let condition = Condition::parse(text).map_err(|e| invalid("test condition", text, &e))?;
        data.load_for(self.run.output, &condition)
            .map_err(Problem::failed)?;
        condition
            .holds(&scope(&data.read, any_failed))
            .map_err(Problem::failed)
    }
}

/// What a `>{ … }` of `visivo test` reads: the traces' data and the process's environment
/// (with the `.env` file loaded).
fn scope(data: &HashMap<String, serde_json::Value>, any_test_failed: bool) -> ConditionScope<'_> {
    ConditionScope {
        data,
        env: &|name| std::env::var(name).ok(),
        any_test_failed,
    }
}

/// A `>{ … }` that does not parse, with a caret under the problem.
fn invalid(what: &str, text: &str, e: &crate::ParseError) -> Problem {
    Problem {
        message: format!("invalid {what}: {}", e.message),
        excerpt: Some(caret_excerpt(text, e.offset)),
        invalid: true,
    }
}

fn check_one(logic: &str, data: &serde_json::Value, options: &EvalOptions) -> Option<Problem> {
    match crate::parse(logic, data) {
        Err(e) => Some(invalid("test logic", logic, &e)),
        Ok(expr) => {
            let outcome = crate::evaluate(&expr, data, options);
            (!outcome.passed).then(|| {
                Problem::failed(
                    outcome
                        .message
                        .unwrap_or_else(|| "the test failed".to_string()),
                )
            })
        }
    }
}

/// The trace's data.json, or the message its tests fail with.
fn read_data(output: &OutputLayout, trace: &str) -> Result<serde_json::Value, String> {
    let path = output.data_json(trace);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "no data for trace '{trace}': run `visivo run` first (or `visivo test --run`)"
            ))
        }
        Err(e) => return Err(format!("could not read {}: {e}", path.display())),
    };
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{} is not valid JSON ({e}): run `visivo run` again",
            path.display()
        )
    })
}

/// The line of `logic` holding byte `offset`, indented, with a caret under that byte.
fn caret_excerpt(logic: &str, offset: usize) -> String {
    let mut offset = offset.min(logic.len());
    while !logic.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = logic[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = logic[offset..]
        .find('\n')
        .map_or(logic.len(), |i| offset + i);
    let line = &logic[line_start..line_end];
    let column = logic[line_start..offset].chars().count();
    format!("    {line}\n    {}^", " ".repeat(column))
}

/// The results as JUnit suites (one per trace): logic that does not parse is an error, a test
/// that does not pass a failure.
fn junit_suites(results: &[TraceResults]) -> Vec<junit::Suite> {
    results
        .iter()
        .map(|r| junit::Suite {
            name: r.trace.clone(),
            cases: r.cases.iter().map(junit_case).collect(),
        })
        .collect()
}

fn junit_case(case: &TestCase) -> junit::Case {
    junit::Case {
        name: case.id.clone(),
        time: case.time,
        file: case.file.clone(),
        line: case.line,
        status: match &case.problem {
            None => junit::Status::Passed,
            Some(p) if p.invalid => junit::Status::Error {
                message: p.message.clone(),
                detail: p.excerpt.clone(),
            },
            Some(p) => junit::Status::Failed {
                message: p.message.clone(),
                detail: None,
            },
        },
    }
}

/// Located errors for the `if:` of alerts in the 1.0.44+ form that do not parse, checked before
/// any test runs.
pub fn alert_condition_errors(project: &Project) -> visivo_project::Report {
    let mut report = visivo_project::Report::default();
    for (name, alert) in &project.conditional_alerts {
        let Some(text) = &alert.condition else {
            continue;
        };
        if let Err(e) = Condition::parse(text) {
            report.push(
                visivo_project::Diagnostic::error(format!(
                    "invalid alert condition: {}",
                    e.message
                ))
                .at(project.field_location(Kind::Alert, name, "if"))
                .object(format!("{} .if", project.describe(Kind::Alert, name)))
                .help(caret_excerpt(text, e.offset).trim_start().to_string()),
            );
        }
    }
    report
}

/// An alert in the 1.0.44+ form whose condition held, with its destinations ready to send.
#[cfg(feature = "alerts")]
#[derive(Debug, Clone)]
pub struct Triggered {
    /// The alert's name.
    pub alert: String,
    /// Its destinations, by name.
    pub destinations: Vec<crate::alerts::Named>,
}

/// The alerts in the 1.0.44+ form to send after the tests: those whose `if` holds, or, without
/// `if`, when a test failed. An alert whose condition can't be judged or whose destination can't
/// be used is an error message naming it (it is not sent).
#[cfg(feature = "alerts")]
pub fn triggered_alerts(run: &Run, any_test_failed: bool) -> Vec<Result<Triggered, String>> {
    let mut data = DataCache::default();
    let mut judged = Vec::new();
    for (name, alert) in &run.project.conditional_alerts {
        let fires = match &alert.condition {
            None => Ok(any_test_failed),
            Some(text) => alert_holds(run, text, &mut data, any_test_failed),
        };
        let located = |message: String| {
            let location = run.project.field_location(Kind::Alert, name, "if");
            match location {
                Some(l) => format!(
                    "alert '{name}': {message} (at {}:{})",
                    run.files.display_name(l.file),
                    l.pos.line
                ),
                None => format!("alert '{name}': {message}"),
            }
        };
        match fires {
            Ok(false) => {}
            Ok(true) => judged.push(destinations(run.project, name, &alert.destinations)),
            Err(message) => judged.push(Err(located(message))),
        }
    }
    judged
}

#[cfg(feature = "alerts")]
fn alert_holds(
    run: &Run,
    text: &str,
    data: &mut DataCache,
    any_test_failed: bool,
) -> Result<bool, String> {
    let condition = Condition::parse(text).map_err(|e| e.message)?;
    data.load_for(run.output, &condition)?;
    condition.holds(&scope(&data.read, any_test_failed))
}

#[cfg(feature = "alerts")]
fn destinations(project: &Project, alert: &str, names: &[String]) -> Result<Triggered, String> {
    let destinations = names
        .iter()
        .map(|name| {
            let declared = project
                .destinations
                .get(name)
                .ok_or_else(|| format!("alert '{alert}': unknown destination '{name}'"))?;
            let destination = crate::alerts::Alert::from_project(declared)
                .map_err(|e| format!("alert '{alert}': destination '{name}' can't be used: {e}"))?;
            Ok(crate::alerts::Named {
                name: name.clone(),
                alert: destination,
            })
        })
        .collect::<Result<_, String>>()?;
    Ok(Triggered {
        alert: alert.to_string(),
        destinations,
    })
}

/// The tests that did not pass, as alerts report them.
#[cfg(feature = "alerts")]
pub fn alert_failures(tested: &Tested) -> Vec<crate::alerts::Failure> {
    tested
        .failures()
        .into_iter()
        .map(|(case, problem)| {
            let failure = crate::alerts::Failure::new(&case.id, &problem.message);
            match case.location() {
                Some(location) => failure.at(location),
                None => failure,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_caret_sits_under_the_offending_character() {
        assert_eq!(caret_excerpt("a +* b", 3), "    a +* b\n       ^");
        assert_eq!(caret_excerpt("x\nyé z", 5), "    yé z\n      ^");
    }
}
