//! Project-level settings of later Visivo 1.x releases (issue 13 items 6–8): include
//! directories, include paths starting with `/`, `cli_version` of another release.

use crate::common::{Run, TestProject};

const SOURCE: &str = "sources:\n  - {name: db, type: sqlite, database: shop.db}\ndefaults: {source_name: db}\nmodels:\n  - {name: m, sql: select 1 as x}\n";

/// An included file holding one trace named `name`.
fn trace_file(name: &str) -> String {
    format!("traces:\n  - name: {name}\n    model: ${{ref(m)}}\n    props: {{type: bar, x: \"?{{x}}\"}}\n")
}

fn compile(p: &TestProject) -> Run {
    let run = p.visivo(&["compile"]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

fn compiled_traces(p: &TestProject) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(p.target())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("query.sql").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn include_directories_read_their_yaml_files_down_to_depth_leaving_out_exclusions() {
    let p = TestProject::new(&format!(
        "{SOURCE}includes:\n  - path: dashboards/\n    depth: 1\n    exclusions: [\"*.draft.yml\", \"*/archive/*\"]\n"
    ));
    for (file, trace) in [
        ("dashboards/top.yml", "top"),
        ("dashboards/sales/one.yaml", "one"),
        ("dashboards/sales/two.draft.yml", "draft"),
        ("dashboards/sales/deeper/three.yml", "three"),
        ("dashboards/archive/old.yml", "old"),
    ] {
        p.write(file, &trace_file(trace));
    }
    p.write("dashboards/readme.md", "not yaml");
    let run = compile(&p);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(compiled_traces(&p), ["one", "top"]);
}

#[test]
fn a_directory_without_yaml_files_is_a_warning() {
    let p = TestProject::new(&format!("{SOURCE}includes:\n  - path: empty\n"));
    p.write("empty/notes.txt", "nothing");
    let run = compile(&p);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stderr_has("warning: no YAML files found in the included directory");
    run.assert_stderr_has("project.visivo.yml:7:5");
}

#[test]
fn mistakes_in_include_entries_are_located() {
    for (entry, message, at) in [
        (
            "{path: d, depth: -1}",
            "`depth` must be a whole number",
            ":7:22",
        ),
        (
            "{path: d, depth: all}",
            "`depth` must be a whole number",
            ":7:22",
        ),
        (
            "{path: d, exclusions: \"*.yml\"}",
            "`exclusions` must be a list",
            ":7:27",
        ),
        (
            "{path: d, exclusions: [1]}",
            "each exclusion must be a text",
            ":7:28",
        ),
        (
            "{path: d, deep: 1}",
            "unknown field `deep` on an include",
            ":7:15",
        ),
    ] {
        let p = TestProject::new(&format!("{SOURCE}includes:\n  - {entry}\n"));
        p.write("d/a.yml", &trace_file("a"));
        let run = compile(&p);
        assert_eq!(run.code, 1, "{entry}: {}", run.stderr);
        run.assert_stderr_has(message);
        run.assert_stderr_has(&format!("project.visivo.yml{at}"));
        assert!(
            run.stderr.contains("1 error in the project"),
            "{}",
            run.stderr
        );
    }
    let p = TestProject::new(&format!(
        "{SOURCE}includes:\n  - {{path: a.yml, depth: 0}}\n"
    ));
    p.write("a.yml", &trace_file("a"));
    let run = compile(&p);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_stderr_has("warning: `depth` and `exclusions` apply only to directories");
}

#[test]
fn an_include_starting_with_a_slash_never_reads_the_absolute_path() {
    let elsewhere = tempfile::tempdir().unwrap();
    let absolute = elsewhere.path().join("other.yml");
    std::fs::write(&absolute, trace_file("other")).unwrap();
    let p = TestProject::new(&format!(
        "{SOURCE}includes:\n  - path: {}\n",
        absolute.display()
    ));
    let run = compile(&p);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // Messages show paths relative to the project folder: the joined one, not the absolute one.
    let joined = absolute.strip_prefix("/").unwrap();
    run.assert_stderr_has(&format!("\"{}\" does not exist", joined.display()));
}

#[test]
fn cli_version_of_another_release_is_only_a_warning() {
    for (version, warning) in [
        ("1.0.82", None),
        ("1.0.30", None),
        ("2.1.0", Some("the project was saved by Visivo 2.1.0")),
        ("latest", Some("is not a Visivo release number")),
    ] {
        let p = TestProject::new(&format!("name: p\ncli_version: \"{version}\"\n{SOURCE}"));
        let run = compile(&p);
        assert_eq!(run.code, 0, "{version}: {}", run.stderr);
        match warning {
            Some(text) => {
                run.assert_stderr_has(text);
                run.assert_stderr_has("project.visivo.yml:2:14");
            }
            None => assert!(!run.stderr.contains("warning"), "{}", run.stderr),
        }
    }
}
