//! The scheduler's handling of jobs that go wrong in ways no real source can be made to.

use crate::cancel::Cancel;
use crate::data_json::NullCohort;
use crate::error::JobError;
use crate::plan::{Job, JobKind, TraceTarget, Work};
use crate::run::{run, Event, Outcome, RunOptions, Summary};
use crate::source::test_support::PANICKING;
use std::sync::{Arc, Mutex};
use visivo_project::layout::OutputLayout;
use visivo_project::Source;

fn trace(name: &str, source: &Source, deps: Vec<usize>) -> Job {
    Job {
        kind: JobKind::Trace,
        name: name.into(),
        work: Work::Trace {
            sql: "select 1".into(),
            target: TraceTarget::Source(Box::new(source.clone())),
            inputs: None,
            nulls: NullCohort::Dropped,
        },
        deps,
        hash: name.into(),
    }
}

#[tokio::test]
async fn a_panicking_job_fails_with_its_message_and_an_error_json() {
    let dir = tempfile::tempdir().unwrap();
    let source: Source =
        serde_json::from_value(serde_json::json!({"name": PANICKING, "type": "postgresql"}))
            .unwrap();
    let options = RunOptions {
        layout: OutputLayout::new(dir.path()),
        project_dir: dir.path().to_path_buf(),
        threads: 2,
        full_refresh: true,
        cancel: Cancel::default(),
    };
    let finished = Arc::new(Mutex::new(Vec::new()));
    let listener = {
        let finished = finished.clone();
        Arc::new(move |event| {
            if let Event::Finished { name, outcome, .. } = event {
                finished.lock().unwrap().push((name, outcome));
            }
        })
    };
    // `after` depends on the panicking trace: it is skipped, saying why.
    let jobs = vec![
        trace("boom", &source, vec![]),
        trace("after", &source, vec![0]),
    ];
    let summary = run(jobs, options.clone(), listener).await;

    let panicked = JobError::Panicked("the engine tripped over row 7".into());
    assert_eq!(summary.results[0].2, Outcome::Failed(panicked.clone()));
    assert_eq!(
        summary.results[1].2,
        Outcome::Skipped("skipped because trace 'boom' failed".into())
    );
    assert!(finished
        .lock()
        .unwrap()
        .contains(&("boom".to_string(), Outcome::Failed(panicked))));
    let error_json = std::fs::read_to_string(options.layout.error_json("boom")).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&error_json).unwrap(),
        serde_json::json!({"message": "the job panicked: the engine tripped over row 7"})
    );
}

#[tokio::test]
async fn a_panicking_listener_fails_the_job_it_was_told_about() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("db.sqlite");
    rusqlite::Connection::open(&database).unwrap();
    let sqlite: Source = serde_json::from_value(serde_json::json!(
        {"name": "db", "type": "sqlite", "database": database}
    ))
    .unwrap();
    let options = RunOptions {
        layout: OutputLayout::new(dir.path()),
        project_dir: dir.path().to_path_buf(),
        threads: 2,
        full_refresh: true,
        cancel: Cancel::default(),
    };
    // The display breaks when `early` starts and when `late` (which runs fine) finishes.
    let listener = Arc::new(|event| match event {
        Event::Started { name, .. } if name == "early" => panic!("no terminal"),
        Event::Finished { name, .. } if name == "late" => panic!("no terminal either"),
        _ => {}
    });
    let mut late = trace("late", &sqlite, vec![]);
    late.work = Work::Trace {
        sql: "select 1 as x, 'a' as cohort_on".into(),
        target: TraceTarget::Source(Box::new(sqlite.clone())),
        inputs: None,
        nulls: NullCohort::Dropped,
    };
    let jobs = vec![
        trace("early", &sqlite, vec![]),
        trace("after", &sqlite, vec![0]),
        late,
    ];
    let summary = run(jobs, options.clone(), listener).await;

    let failed = |message: &str| {
        Outcome::Failed(JobError::Panicked(format!(
            "reporting its progress: {message}"
        )))
    };
    assert_eq!(summary.results[0].2, failed("no terminal"));
    assert_eq!(
        summary.results[1].2,
        Outcome::Skipped("skipped because trace 'early' failed".into())
    );
    assert_eq!(summary.results[2].2, failed("no terminal either"));
    assert_eq!(summary.failed(), 3);
    let error_json = std::fs::read_to_string(options.layout.error_json("late")).unwrap();
    assert!(error_json.contains("no terminal either"), "{error_json}");
}

#[test]
fn the_summary_says_how_each_job_ended() {
    let skipped = Outcome::Skipped("skipped because trace 'a' failed".into());
    let failed = Outcome::Failed(JobError::Job("no such table: x\nat line 1".into()));
    let mut summary = Summary {
        results: vec![
            (JobKind::Trace, "a".into(), failed),
            (JobKind::Trace, "b".into(), skipped),
            (JobKind::Trace, "c".into(), Outcome::Reused),
        ],
        elapsed: std::time::Duration::from_millis(1500),
        interrupted: false,
    };
    assert_eq!(
        summary.render(),
        "\nRun failed in 1.50s with 2 error(s): 0 succeeded, 1 up to date (re-used), 1 failed, \
         1 skipped\n  ✖ trace a: no such table: x\n  ✖ trace b: skipped because trace 'a' failed\n"
    );
    summary.results.truncate(0);
    assert!(summary.render().ends_with("0 skipped\nDone\n"));
    summary.interrupted = true;
    assert_eq!(
        summary.render(),
        "\nRun interrupted after 1.50s; earlier outputs were kept\n"
    );
}
