//! Tests and alerts in the 1.0.44+ form (issue 13 item 5): top-level `destinations:`, alerts
//! `{name, if: ">{…}", destinations}` and trace tests `{name, if, on_failure, assertions}` whose
//! `>{ … }` read `${ref(trace).props.y[0]}`, beside the 1.0.30 `logic:` and typed alerts.

use crate::common::{Run, TestProject};

const REVENUE_DATA: &str = r#"{"north":{"props.x":["2024-01","2024-02"],"props.y":[30.0,7.5]},"south":{"props.x":["2024-01","2024-02","2024-03"],"props.y":[5.0,12.0,8.0]}}"#;

/// A project whose `revenue` trace has `tests` (YAML list entries, indented for the trace) and
/// the alerts and destinations given; its data.json is in place.
fn project(tests: &str, alerts: &str) -> TestProject {
    let yaml = format!(
        "name: shop\n\
         defaults: {{source_name: db}}\n\
         sources:\n  - {{name: db, type: sqlite, database: shop.db}}\n\
         models:\n  - {{name: orders, sql: select * from orders}}\n\
         destinations:\n\
         \x20 - {{name: ci-log, type: console, message: Tests need attention}}\n\
         \x20 - {{name: prod-log, type: console, message: Production check}}\n\
         {alerts}\
         traces:\n\
         \x20 - name: revenue\n\
         \x20   model: ref(orders)\n\
         \x20   cohort_on: region\n\
         \x20   props: {{type: bar, x: \"?{{month}}\", y: \"?{{sum(amount)}}\"}}\n\
         \x20   order_by: [\"?{{month asc}}\"]\n\
         \x20   tests:\n{tests}"
    );
    let p = TestProject::new(&yaml);
    p.write("target/revenue/data.json", REVENUE_DATA);
    p
}

const ALERTS: &str = "alerts:\n\
  - name: on-failure\n\
  \x20 if: \">{ any_test_failed() }\"\n\
  \x20 destinations: [\"${ref(ci-log)}\"]\n\
  - name: prod\n\
  \x20 if: \">{ env.STAGE == 'prod' }\"\n\
  \x20 destinations: [ref(prod-log), {type: console, message: Inline destination}]\n\
  - {name: old-log, type: console, message: Old alert}\n";

const PASSING: &str = "      - name: first month\n\
  \x20       path: project.traces[0].tests[0]\n\
  \x20       assertions:\n\
  \x20         - \">{ ${ref(revenue).props.y[0]} == 30 }\"\n\
  \x20         - \">{ sum(${ ref(revenue).props.y }) == 62.5 and mean(${ref(revenue).props.y}) > 12 }\"\n\
  \x20     - logic: assert_that(north.props.y[0]).is_equal_to(30)\n\
  \x20     - if: \">{ ${ref(revenue).props.y[0]} > 1000 }\"\n\
  \x20       assertions: [\">{ False }\"]\n";

fn output(run: &Run) -> String {
    format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        run.code, run.stdout, run.stderr
    )
}

fn line_of(p: &TestProject, needle: &str) -> usize {
    let yaml = std::fs::read_to_string(p.path().join("project.visivo.yml")).unwrap();
    yaml.lines().position(|l| l.contains(needle)).expect(needle) + 1
}

#[test]
fn passing_assertions_and_logic_pass_and_only_alerts_whose_condition_holds_are_sent() {
    let p = project(PASSING, ALERTS);
    let run = p.visivo(&["test", "-a", "old-log"]);
    assert_eq!(run.code, 0, "{}", output(&run));
    // Two assertions and one logic; the test whose `if` does not hold is not run.
    assert!(
        run.stdout.starts_with("...\nTesting complete. 3 tests run"),
        "{}",
        output(&run)
    );
    for unsent in ["Tests need attention", "Production check", "Old alert"] {
        assert!(!run.stdout.contains(unsent), "{}", output(&run));
    }

    p.write(".env", "STAGE=prod\n");
    let run = p.visivo(&["test"]);
    assert_eq!(run.code, 0, "{}", output(&run));
    assert!(
        run.stdout
            .contains("Production check\n0 of 3 tests failed in project 'shop'."),
        "{}",
        output(&run)
    );
    assert!(
        run.stdout.contains("Inline destination"),
        "{}",
        output(&run)
    );
    assert!(
        !run.stdout.contains("Tests need attention"),
        "{}",
        output(&run)
    );
}

#[test]
fn a_false_assertion_fails_located_and_alerts_its_destinations() {
    let tests =
        format!("{PASSING}      - assertions: [\">{{ ${{ref(revenue).props.y[1]}} == 8 }}\"]\n");
    let p = project(&tests, ALERTS);
    let run = p.visivo(&["test", "-a", "old-log"]);
    assert_eq!(run.code, 1, "{}", output(&run));
    let line = line_of(&p, "props.y[1]");
    assert!(
        run.stdout.contains(&format!(
            "> revenue.test[3].assertions[0]: Expected <${{ref(revenue).props.y[1]}} == 8> to be true, but was <False>.\n  at project.visivo.yml:{line}"
        )),
        "{}",
        output(&run)
    );
    // The destination of the `any_test_failed()` alert and the `-a` alert of the old form.
    assert!(
        run.stdout
            .contains("Tests need attention\nThere were test failures: 1 of 4 tests failed"),
        "{}",
        output(&run)
    );
    assert!(run.stdout.contains("Old alert"), "{}", output(&run));
    assert!(!run.stdout.contains("Production check"), "{}", output(&run));
}

#[test]
fn on_failure_continue_reports_without_failing_the_run() {
    let tests = "      - on_failure: continue\n\
      \x20       assertions: [\">{ ${ref(revenue).props.x[-1]} == '2024-04' }\"]\n";
    let p = project(tests, ALERTS);
    let run = p.visivo(&["test"]);
    assert_eq!(run.code, 0, "{}", output(&run));
    assert!(run.stdout.contains("> revenue.test[0].assertions[0]: Expected <${ref(revenue).props.x[-1]} == '2024-04'> to be true"), "{}", output(&run));
    assert!(
        run.stdout.contains("Tests need attention"),
        "{}",
        output(&run)
    );
}

#[test]
fn an_expression_that_does_not_parse_fails_its_test_with_a_caret() {
    let p = project(
        "      - assertions: [\">{ ${ref(revenue).props.y[0]} === 30 }\"]\n",
        "",
    );
    let run = p.visivo(&["test"]);
    assert_eq!(run.code, 1, "{}", output(&run));
    let line = line_of(&p, "=== 30");
    let text = ">{ ${ref(revenue).props.y[0]} === 30 }";
    let caret = " ".repeat(text.find("===").unwrap() + 2);
    let expected = format!(
        "> revenue.test[0].assertions[0]: invalid test expression: unexpected character '='\n    {text}\n    {caret}^\n  at project.visivo.yml:{line}"
    );
    assert!(run.stdout.contains(&expected), "{}", output(&run));
}

#[test]
fn dangling_references_unknown_destinations_and_bad_forms_are_located_errors() {
    let alerts = "alerts:\n\
      - name: prod\n\
      \x20 if: \">{ any_test_failed() }\"\n\
      \x20 destinations: [ref(nowhere)]\n";
    let tests = "      - assertions: [\">{ ${ref(revnue).props.y[1]} == 8 }\"]\n\
      \x20     - assertions: [\"${ref(revenue).props.y[1]} == 8\"]\n\
      \x20     - logic: assert_that(north.props.y[0]).is_equal_to(30)\n\
      \x20       assertions: [\">{ True }\"]\n";
    let p = project(tests, alerts);
    let run = p.visivo(&["test"]);
    assert_eq!(run.code, 1, "{}", output(&run));
    let expected = [
        (
            "error: `ref(nowhere)` does not point to any destination",
            line_of(&p, "ref(nowhere)"),
        ),
        (
            "error: `ref(revnue)` does not point to any trace",
            line_of(&p, "ref(revnue)"),
        ),
        (
            "error: expected `>{ <expression> }`, found `${ref(revenue).props.y[1]} == 8`",
            line_of(&p, "[\"${ref(revenue)"),
        ),
        (
            "error: a test has either `logic` or `assertions`, not both",
            line_of(&p, "- logic:"),
        ),
    ];
    for (message, line) in expected {
        let at = run
            .stderr
            .find(message)
            .unwrap_or_else(|| panic!("{message}\n{}", output(&run)));
        assert!(
            run.stderr[at..].contains(&format!("project.visivo.yml:{line}:")),
            "{message} at line {line}\n{}",
            output(&run)
        );
    }
    assert!(
        run.stderr.contains("did you mean `revenue`?"),
        "{}",
        output(&run)
    );
}

#[test]
fn an_alert_condition_that_does_not_parse_stops_before_the_tests() {
    let alerts = "alerts:\n\
      - name: prod\n\
      \x20 if: \">{ env.STAGE = 'prod' }\"\n\
      \x20 destinations: [ref(prod-log)]\n";
    let p = project(PASSING, alerts);
    let run = p.visivo(&["test"]);
    assert_eq!(run.code, 1, "{}", output(&run));
    assert!(
        run.stderr
            .contains("error: invalid alert condition: unexpected character '='"),
        "{}",
        output(&run)
    );
    assert!(
        run.stderr.contains(&format!(
            "project.visivo.yml:{}:",
            line_of(&p, "if: \">{ env")
        )),
        "{}",
        output(&run)
    );
    assert!(!run.stdout.contains("Testing complete"), "{}", output(&run));
}
