//! `visivo test`'s runner: every test of the selected traces checked against the trace's
//! `data.json`, with where each test is written, as [`TraceResults`]; and those results as
//! JUnit suites ([`junit_suites`]) and as alert failures ([`alert_failures`]).
//!
//! ```no_run
//! use visivo_check::suite;
//! use visivo_project::layout::OutputLayout;
//! # fn example(loaded: visivo_project::Loaded) -> Option<()> {
//! let project = loaded.project?;
//! let traces: Vec<String> = project.traces.keys().cloned().collect();
//! let results = suite::run(&suite::Run {
//!     project: &project,
//!     files: &loaded.files,
//!     traces: &traces,
//!     output: &OutputLayout::new("target"),
//!     options: Default::default(),
//! }, |case| print!("{}", if case.passed() { "." } else { "F" }));
//! let failed = results.iter().flat_map(|r| &r.cases).filter(|c| !c.passed()).count();
//! println!("\n{failed} failed");
//! # Some(())
//! # }
//! ```

use crate::junit;
use crate::EvalOptions;
use std::time::{Duration, Instant};
use visivo_project::layout::OutputLayout;
use visivo_project::{Files, Kind, Project};

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
}

impl TestCase {
    /// Whether the test passed.
    pub fn passed(&self) -> bool {
        self.problem.is_none()
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

/// Runs the tests of `run.traces`, calling `on_case` after each one.
pub fn run(run: &Run, mut on_case: impl FnMut(&TestCase)) -> Vec<TraceResults> {
    let mut results = Vec::new();
    for name in run.traces {
        let Some(tests) = run.project.traces.get(name).and_then(|t| t.tests.as_ref()) else {
            continue;
        };
        if tests.is_empty() {
            continue;
        }
        let data = read_data(run.output, name);
        let mut cases = Vec::with_capacity(tests.len());
        for (i, test) in tests.iter().enumerate() {
            let started = Instant::now();
            let location =
                run.project
                    .field_location(Kind::Trace, name, &format!("tests.{i}.logic"));
            let problem = match &data {
                Err(message) => Some(Problem::failed(message.clone())),
                Ok(data) => check_one(&test.logic, data, &run.options),
            };
            let case = TestCase {
                id: format!("{name}.test[{i}]"),
                file: location.map(|l| run.files.display_name(l.file)),
                line: location.map(|l| l.pos.line),
                time: started.elapsed(),
                problem,
            };
            on_case(&case);
            cases.push(case);
        }
        results.push(TraceResults {
            trace: name.clone(),
            cases,
        });
    }
    results
}

fn check_one(logic: &str, data: &serde_json::Value, options: &EvalOptions) -> Option<Problem> {
    match crate::parse(logic, data) {
        Err(e) => Some(Problem {
            message: format!("invalid test logic: {}", e.message),
            excerpt: Some(caret_excerpt(logic, e.offset)),
            invalid: true,
        }),
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
pub fn junit_suites(results: &[TraceResults]) -> Vec<junit::Suite> {
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

/// The tests that did not pass, as alerts report them.
#[cfg(feature = "alerts")]
pub fn alert_failures(results: &[TraceResults]) -> Vec<crate::alerts::Failure> {
    results
        .iter()
        .flat_map(|r| &r.cases)
        .filter_map(|case| {
            let problem = case.problem.as_ref()?;
            let failure = crate::alerts::Failure::new(&case.id, &problem.message);
            Some(match case.location() {
                Some(location) => failure.at(location),
                None => failure,
            })
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
