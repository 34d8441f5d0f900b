//! `visivo test` end to end: results and messages, missing data, malformed logic, `--run`,
//! `--junit`, and alerts delivered to servers on this machine (an HTTP server for Slack, an SMTP
//! server for email) or failing without changing the result.

use crate::common::{orders_db, Run, TestProject};
use std::time::Duration;
use visivo_testkit::closed_port;
use visivo_testkit::http::one_request_server;
use visivo_testkit::smtp::one_session_server;

/// A project whose `revenue` trace has `revenue_tests` (one `logic` per entry) and whose
/// `units` trace has one passing test; `extra` is appended (alerts, defaults…).
fn project(revenue_tests: &[&str], extra: &str) -> String {
    let mut yaml = String::from(
        "name: shop\n\
         defaults: {source_name: db}\n\
         sources:\n  - {name: db, type: sqlite, database: shop.db}\n\
         models:\n  - {name: orders, sql: select * from orders}\n\
         traces:\n\
         \x20 - name: revenue\n\
         \x20   model: ref(orders)\n\
         \x20   cohort_on: region\n\
         \x20   props: {type: bar, x: query(month), y: query(sum(amount))}\n\
         \x20   order_by: [\"query(month asc)\"]\n",
    );
    if !revenue_tests.is_empty() {
        yaml.push_str("    tests:\n");
        for logic in revenue_tests {
            yaml.push_str(&format!("      - logic: {}\n", yaml_quote(logic)));
        }
    }
    yaml.push_str(
        "  - name: units\n\
         \x20   model: ref(orders)\n\
         \x20   columns: {total: sum(units)}\n\
         \x20   props: {type: indicator, value: \"column(total)[0]\"}\n\
         \x20   tests:\n\
         \x20     - logic: assert_that(units.columns.total[0]).is_equal_to(10)\n",
    );
    yaml.push_str(extra);
    yaml
}

fn yaml_quote(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

/// The 1-based line of the project file holding `logic`.
fn line_of(yaml: &str, logic: &str) -> usize {
    let quoted = yaml_quote(logic);
    yaml.lines()
        .position(|l| l.contains(&quoted) || l.ends_with(logic))
        .expect("logic in the project")
        + 1
}

const REVENUE_DATA: &str = r#"{"north":{"props.x":["2024-01","2024-02"],"props.y":[30.0,7.5]},"south":{"props.x":["2024-01","2024-02","2024-03"],"props.y":[5.0,12.0,8.0]}}"#;
const UNITS_DATA: &str = r#"{"units":{"columns.total":[10]}}"#;

/// A project with both traces' data.json already in place (as `visivo run` would write it).
fn with_data(yaml: &str) -> TestProject {
    let p = TestProject::new(yaml);
    p.write("target/revenue/data.json", REVENUE_DATA);
    p.write("target/units/data.json", UNITS_DATA);
    p
}

fn output(run: &Run) -> String {
    format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        run.code, run.stdout, run.stderr
    )
}

/// The line printed after the test characters.
fn summary_line(run: &Run) -> &str {
    run.stdout
        .lines()
        .find(|l| l.starts_with("Testing complete."))
        .unwrap_or_else(|| panic!("no summary\n{}", output(run)))
}

fn assert_summary(run: &Run, tests: usize) {
    let line = summary_line(run);
    let prefix = format!("Testing complete. {tests} tests run in ");
    let rest = line
        .strip_prefix(&prefix)
        .unwrap_or_else(|| panic!("{line}"));
    let seconds = rest.strip_suffix("s.").unwrap_or_else(|| panic!("{line}"));
    let (whole, fraction) = seconds.split_once('.').unwrap();
    assert!(
        whole.parse::<u64>().is_ok() && fraction.len() == 2,
        "{line}"
    );
}

#[test]
fn passing_tests_print_dots_and_done() {
    let yaml = project(
        &[
            "assert_that(north.props.y[0]).is_equal_to(30)",
            "assert_that(numpy.sum(south.props.y)).is_equal_to(25)",
        ],
        "",
    );
    let p = with_data(&yaml);
    let run = p.visivo(&["test"]);
    assert_eq!(run.code, 0, "{}", output(&run));
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "...", "{}", output(&run));
    assert_summary(&run, 3);
    assert_eq!(lines.last(), Some(&"Done"));
    assert!(!run.stdout.contains("Failures:"));
}

#[test]
fn failing_tests_show_expected_and_actual_with_their_location() {
    let failing = "assert_that(north.props.y[1]).is_equal_to(8)";
    let out_of_range = "assert_that(south.props.y[5]).is_equal_to(1)";
    let yaml = project(
        &[
            "assert_that(north.props.y[0]).is_equal_to(30)",
            failing,
            out_of_range,
        ],
        "",
    );
    let p = with_data(&yaml);
    let run = p.visivo(&["test"]);
    assert_eq!(run.code, 1, "{}", output(&run));
    // project order of traces, then test order
    assert!(run.stdout.starts_with(".FF.\n"), "{}", output(&run));
    assert_summary(&run, 4);
    let expected = format!(
        "Failures:\n\
         > revenue.test[1]: Expected <7.5> to be equal to <8>, but was not.\n\
         \x20 at project.visivo.yml:{}\n\
         > revenue.test[2]: list index out of range\n\
         \x20 at project.visivo.yml:{}\n",
        line_of(&yaml, failing),
        line_of(&yaml, out_of_range)
    );
    assert!(run.stdout.contains(&expected), "{}", output(&run));
    assert!(!run.stdout.contains("Done"), "{}", output(&run));
}

#[test]
fn malformed_logic_points_at_its_file_and_line_and_the_rest_still_runs() {
    let malformed = "assert_that(north.props.y[0].is_equal_to(30)";
    let yaml = project(
        &[malformed, "assert_that(north.props.y[0]).is_equal_to(30)"],
        "",
    );
    let p = with_data(&yaml);
    let run = p.visivo(&["test"]);
    assert_eq!(run.code, 1, "{}", output(&run));
    assert!(run.stdout.starts_with("F..\n"), "{}", output(&run));
    let expected = format!(
        "> revenue.test[0]: invalid test logic: expected ')' but found end of expression\n\
         \x20   {malformed}\n\
         \x20   {}^\n\
         \x20 at project.visivo.yml:{}\n",
        " ".repeat(malformed.len()),
        line_of(&yaml, malformed)
    );
    assert!(run.stdout.contains(&expected), "{}", output(&run));
}

#[test]
fn a_misspelt_reference_lists_the_cohorts() {
    let yaml = project(&["assert_that(nort.props.y[0]).is_equal_to(30)"], "");
    let p = with_data(&yaml);
    let run = p.visivo(&["test"]);
    assert_eq!(run.code, 1, "{}", output(&run));
    assert!(
        run.stdout.contains("Available cohorts: north, south"),
        "{}",
        output(&run)
    );
}

#[test]
fn missing_data_fails_that_traces_tests_and_the_others_still_run() {
    let yaml = project(
        &[
            "assert_that(north.props.y[0]).is_equal_to(30)",
            "assert_that(south.props.y[0]).is_equal_to(5)",
        ],
        "",
    );
    let p = TestProject::new(&yaml);
    p.write("target/units/data.json", UNITS_DATA);
    let run = p.visivo(&["test"]);
    assert_eq!(run.code, 1, "{}", output(&run));
    assert!(run.stdout.starts_with("FF.\n"), "{}", output(&run));
    for i in 0..2 {
        assert!(
            run.stdout.contains(&format!(
                "> revenue.test[{i}]: no data for trace 'revenue': run `visivo run` first (or `visivo test --run`)"
            )),
            "{}",
            output(&run)
        );
    }
}

#[test]
fn run_flag_runs_the_project_first() {
    let yaml = project(
        &[
            "assert_that(north.props.y).is_equal_to([30, 7.5])",
            "assert_that(south.props.x[-1]).is_equal_to('2024-03')",
        ],
        "",
    );
    let p = TestProject::new(&yaml);
    orders_db(&p.path().join("shop.db"));
    let before = p.visivo(&["test"]);
    assert_eq!(before.code, 1, "{}", output(&before));
    let run = p.visivo(&["test", "--run"]);
    assert_eq!(run.code, 0, "{}", output(&run));
    assert!(run.stdout.contains("Run finished"), "{}", output(&run));
    assert!(run.stdout.contains("...\nTesting complete. 3 tests run in"));
    assert!(run.stdout.ends_with("Done\n"), "{}", output(&run));
}

#[test]
fn run_flag_tests_what_exists_when_the_run_fails() {
    // No database file: the run fails, the tests still run against the data already there.
    let yaml = project(&["assert_that(north.props.y[0]).is_equal_to(30)"], "");
    let p = with_data(&yaml);
    let run = p.visivo(&["test", "--run"]);
    assert!(
        run.stdout.contains("testing the data that exists"),
        "{}",
        output(&run)
    );
    assert!(
        run.stdout.contains("Testing complete. 2 tests run in"),
        "{}",
        output(&run)
    );
}

#[test]
fn junit_report_has_a_suite_per_trace_and_a_case_per_test() {
    let failing = "assert_that(north.props.y[1]).is_equal_to(8)";
    let yaml = project(
        &[
            "assert_that(north.props.y[0]).is_equal_to(30)",
            failing,
            "1 +",
        ],
        "",
    );
    let p = with_data(&yaml);
    let run = p.visivo(&["test", "--junit", "reports/junit.xml"]);
    assert_eq!(run.code, 1, "{}", output(&run));
    let xml = std::fs::read_to_string(p.path().join("reports/junit.xml")).unwrap();
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"shop\" tests=\"4\" failures=\"1\" errors=\"1\""), "{xml}");
    assert!(
        xml.contains("<testsuite name=\"revenue\" tests=\"3\" failures=\"1\" errors=\"1\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testsuite name=\"units\" tests=\"1\" failures=\"0\" errors=\"0\""),
        "{xml}"
    );
    let line = line_of(&yaml, failing);
    let case = xml
        .split("<testcase ")
        .find(|c| c.starts_with("name=\"revenue.test[1]\""))
        .unwrap_or_else(|| panic!("{xml}"));
    assert!(case.contains(" classname=\"revenue\" time=\""), "{case}");
    assert!(
        case.contains(&format!(" file=\"project.visivo.yml\" line=\"{line}\">\n")),
        "{case}"
    );
    assert!(
        case.contains(
            "<failure message=\"Expected &lt;7.5&gt; to be equal to &lt;8&gt;, but was not.\" type=\"AssertionError\">"
        ),
        "{case}"
    );
    assert!(xml.contains("<testcase name=\"revenue.test[0]\" classname=\"revenue\""));
    assert!(
        xml.contains("<error message=\"invalid test logic: "),
        "{xml}"
    );
    assert!(xml.contains("<testcase name=\"units.test[0]\" classname=\"units\""));
    assert!(xml.trim_end().ends_with("</testsuites>"));
    // Written atomically: no temporary file left beside it.
    assert_eq!(
        std::fs::read_dir(p.path().join("reports")).unwrap().count(),
        1
    );
}

#[test]
fn bare_false_expression_fails_unless_legacy_mode() {
    let yaml = project(&["north.props.y[0] == 31"], "");
    let p = with_data(&yaml);
    let run = p.visivo(&["test"]);
    assert_eq!(run.code, 1, "{}", output(&run));
    assert!(
        run.stdout.contains(
            "> revenue.test[0]: Expected <north.props.y[0] == 31> to be true, but was <False>."
        ),
        "{}",
        output(&run)
    );
    let legacy = p.visivo(&["test", "--legacy-pass-on-false"]);
    assert_eq!(legacy.code, 0, "{}", output(&legacy));
    assert!(legacy.stdout.starts_with("..\n"));
}

// ----- alerts -------------------------------------------------------------------------------

const CONSOLE_ALERTS: &str = "alerts:\n\
  - {name: team, type: console, message: Team console alert}\n\
  - {name: ops, type: console, message: Ops console alert}\n";

#[test]
fn unknown_alert_is_an_error_listing_the_alerts() {
    let p = with_data(&project(&[], CONSOLE_ALERTS));
    let run = p.visivo(&["test", "-a", "teem"]);
    assert_eq!(run.code, 1, "{}", output(&run));
    assert!(
        run.stderr.contains("unknown alert 'teem'") && run.stderr.contains("did you mean `team`?"),
        "{}",
        output(&run)
    );
    assert!(
        run.stderr.contains("alerts in this project: 'team', 'ops'"),
        "{}",
        output(&run)
    );
    assert!(!run.stdout.contains("Testing complete"), "{}", output(&run));
}

#[test]
fn default_alert_is_used_only_when_tests_fail() {
    let extra = CONSOLE_ALERTS;
    let passing = project(&["assert_that(north.props.y[0]).is_equal_to(30)"], extra).replace(
        "defaults: {source_name: db}",
        "defaults: {source_name: db, alert_name: team}",
    );
    let p = with_data(&passing);
    let run = p.visivo(&["test"]);
    assert_eq!(run.code, 0, "{}", output(&run));
    assert!(!run.stdout.contains("console alert"), "{}", output(&run));

    let failing = project(&["assert_that(north.props.y[0]).is_equal_to(31)"], extra).replace(
        "defaults: {source_name: db}",
        "defaults: {source_name: db, alert_name: team}",
    );
    let p = with_data(&failing);
    let run = p.visivo(&["test"]);
    assert_eq!(run.code, 1, "{}", output(&run));
    assert!(
        run.stdout.contains(
            "Team console alert\n\
             There were test failures: 1 of 2 tests failed in project 'shop'.\n\
             \x20 * revenue.test[0] - Expected <30.0> to be equal to <31>, but was not."
        ),
        "{}",
        output(&run)
    );
    assert!(!run.stdout.contains("Ops console alert"));

    // -a replaces the default.
    let run = p.visivo(&["test", "-a", "ops"]);
    assert!(run.stdout.contains("Ops console alert"), "{}", output(&run));
    assert!(
        !run.stdout.contains("Team console alert"),
        "{}",
        output(&run)
    );
}

#[test]
fn slack_and_email_alerts_are_delivered_and_a_failing_alert_changes_nothing() {
    let (slack_base, slack) = one_request_server("200 OK");
    let webhook = format!("{slack_base}/services/T0/B0/XSECRETX");
    let (smtp_port, smtp) = one_session_server("PLAIN LOGIN");
    let dead_port = closed_port();
    let alerts = format!(
        "alerts:\n\
         \x20 - name: team-slack\n\
         \x20   type: slack\n\
         \x20   webhook_url: \"{{{{ env_var('SLACK_WEBHOOK') }}}}\"\n\
         \x20 - name: team-email\n\
         \x20   type: email\n\
         \x20   host: 127.0.0.1\n\
         \x20   port: {smtp_port}\n\
         \x20   security: none\n\
         \x20   username: alerts-bot\n\
         \x20   password: \"{{{{ env_var('SMTP_PASSWORD') }}}}\"\n\
         \x20   to: data-team@example.com\n\
         \x20   subject: Visivo tests failed\n\
         \x20 - name: dead-slack\n\
         \x20   type: slack\n\
         \x20   webhook_url: \"http://127.0.0.1:{dead_port}/services/T0/B0/DEADSECRET\"\n"
    );
    let failing = "assert_that(north.props.y[1]).is_equal_to(8)";
    let yaml = project(&[failing], &alerts);
    let p = with_data(&yaml);
    p.write(
        ".env",
        &format!("SLACK_WEBHOOK={webhook}\nSMTP_PASSWORD=hunter2-secret\n"),
    );

    let plain = p.visivo(&["test"]);
    let run = p.visivo(&[
        "test",
        "-a",
        "dead-slack",
        "-a",
        "team-slack",
        "-a",
        "team-email",
    ]);
    // Same result as without alerts.
    assert_eq!(run.code, 1, "{}", output(&run));
    assert_eq!(plain.code, 1);
    assert!(run
        .stdout
        .starts_with(&plain.stdout[..plain.stdout.find("Testing complete").unwrap()]));
    assert!(
        run.stdout.contains("Alert 'team-slack' sent"),
        "{}",
        output(&run)
    );
    assert!(
        run.stdout.contains("Alert 'team-email' sent"),
        "{}",
        output(&run)
    );
    assert!(
        run.stderr
            .contains("warning: alert 'dead-slack' (slack) could not be sent: "),
        "{}",
        output(&run)
    );
    assert!(!run.stderr.contains("DEADSECRET") && !run.stdout.contains("DEADSECRET"));
    assert!(!run.stdout.contains("hunter2") && !run.stderr.contains("hunter2"));

    let request = slack.recv_timeout(Duration::from_secs(20)).unwrap();
    assert_eq!(
        request.request_line(),
        "POST /services/T0/B0/XSECRETX HTTP/1.1"
    );
    let json: serde_json::Value = serde_json::from_str(&request.body).unwrap();
    assert_eq!(
        json["blocks"],
        serde_json::json!([
            {"type": "section", "text": {"type": "mrkdwn",
                "text": "*There were test failures*\n1 of 2 tests failed in project 'shop'."}},
            {"type": "section", "text": {"type": "mrkdwn",
                "text": "* revenue.test[0] - Expected &lt;7.5&gt; to be equal to &lt;8&gt;, but was not."}}
        ])
    );

    let mail = smtp.recv_timeout(Duration::from_secs(20)).unwrap();
    let commands = &mail.commands;
    assert!(
        commands.iter().any(|c| c.starts_with("AUTH PLAIN ")),
        "{commands:?}"
    );
    assert!(
        commands.contains(&"MAIL FROM:<alerts@visivo.local>".to_string()),
        "{commands:?}"
    );
    assert!(
        commands.contains(&"RCPT TO:<data-team@example.com>".to_string()),
        "{commands:?}"
    );
    let message = mail.unfolded();
    assert!(
        message.contains("Subject: Visivo tests failed"),
        "{message}"
    );
    assert!(message.contains("There were test failures"), "{message}");
    assert!(
        message.contains(&format!(
            "* revenue.test[0] - Expected <7.5> to be equal to <8>, but was not. (project.visivo.yml:{})",
            line_of(&yaml, failing)
        )),
        "{message}"
    );
    assert!(message.contains("text/html"), "{message}");
}

#[test]
fn alerts_are_not_sent_when_everything_passes() {
    let dead_port = closed_port();
    let alerts = format!(
        "alerts:\n  - {{name: s, type: slack, webhook_url: \"http://127.0.0.1:{dead_port}/x\"}}\n  - {{name: c, type: console, message: CONSOLE}}\n"
    );
    let p = with_data(&project(
        &["assert_that(north.props.y[0]).is_equal_to(30)"],
        &alerts,
    ));
    let run = p.visivo(&["test", "-a", "s", "-a", "c"]);
    assert_eq!(run.code, 0, "{}", output(&run));
    assert!(!run.stdout.contains("CONSOLE") && !run.stdout.contains("Sending alert"));
    assert!(
        run.stderr.lines().all(|l| !l.contains("warning")),
        "{}",
        output(&run)
    );
}
