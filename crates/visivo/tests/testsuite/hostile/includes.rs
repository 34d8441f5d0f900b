//! Hostile input: see main.rs. Templates and includes: Jinja that never ends, secrets from
//! `env_var()` in messages, git includes that try to escape their clone or hang.

use crate::common::{git, Run, TestProject};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `visivo <args>` in the project with extra environment variables, killed (and the test
/// failed) when it runs longer than `limit`.
fn visivo_within(p: &TestProject, args: &[&str], env: &[(&str, &str)], limit: Duration) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_visivo"))
        .args(args)
        .current_dir(p.path())
        .env("CI", "true")
        .env("HOME", p.path())
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run visivo");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("visivo {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

const LIMIT: Duration = Duration::from_secs(120);

fn compile(p: &TestProject, env: &[(&str, &str)]) -> Run {
    visivo_within(p, &["compile"], env, LIMIT)
}

#[test]
fn nested_jinja_loops_stop_with_the_file_and_line() {
    let p = TestProject::new("name: x\nincludes:\n  - path: loops.yml\n");
    p.write(
        "loops.yml",
        "traces: []\n{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}\n",
    );
    let run = compile(&p, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has("more work than allowed");
    run.assert_stderr_has("loops.yml:2");
}

#[test]
fn a_string_doubled_forty_times_is_an_error_not_an_abort() {
    let p = TestProject::new(
        "name: x\n{% set ns = namespace(s='xxxxxxxx') %}\n{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}\nbig: {{ ns.s }}\n",
    );
    let run = compile(&p, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has("more work than allowed");
    run.assert_stderr_has("project.visivo.yml:3");
}

const SECRET: &str = "hunter2-s3cret";

#[test]
fn env_var_values_never_appear_in_messages() {
    // An error on the line of the password: the excerpt shows the template, not the value.
    let p = TestProject::new(
        "name: x\nsources:\n  - {name: db, type: postgresql, bogus: 1, password: \"{{ env_var('HOSTILE_PW') }}\"}\n",
    );
    let run = compile(&p, &[("HOSTILE_PW", SECRET)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has("bogus");
    run.assert_stderr_has("env_var('HOSTILE_PW')");
    assert!(!run.stderr.contains(SECRET), "{}", run.stderr);

    // A message that would quote the value itself.
    let p = TestProject::new(
        "name: x\nsources:\n  - name: db\n    type: \"{{ env_var('HOSTILE_PW') }}\"\n",
    );
    let run = compile(&p, &[("HOSTILE_PW", SECRET)]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains(SECRET), "{}", run.stderr);
    run.assert_stderr_has("env_var('HOSTILE_PW')");
}

/// The caret under `needle`: the excerpt line holding it and the caret line below must agree.
fn caret_is_under(stderr: &str, needle: &str) -> bool {
    let lines: Vec<&str> = stderr.lines().collect();
    lines.windows(2).any(|pair| {
        let (Some(at), Some(caret)) = (pair[0].find(needle), pair[1].find('^')) else {
            return false;
        };
        pair[0].contains('│') && at == caret
    })
}

#[test]
fn carets_point_into_the_template_after_an_unset_env_var() {
    let p = TestProject::new(
        "name: x\nsources:\n  - {name: db, type: postgresql, password: \"{{ env_var('HOSTILE_UNSET_PW') }}\", bogus: 1}\n",
    );
    let run = compile(&p, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(caret_is_under(&run.stderr, "bogus"), "{}", run.stderr);
    assert!(!run.stderr.contains('\u{2063}'), "{}", run.stderr);
}

#[test]
fn an_unset_variable_inside_ref_says_which_variable() {
    let p = TestProject::new(
        "name: x\nsources: [{name: db, type: sqlite, database: x.db}]\nmodels:\n  - name: m\n    sql: select 1 as a\n    source: ref({{ env_var('VISIVO_HOSTILE_TARGET') }})\n",
    );
    let run = compile(&p, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stderr.contains('\u{2063}'), "{}", run.stderr);
    run.assert_stderr_has("error: environment variable VISIVO_HOSTILE_TARGET is not set");
    run.assert_stderr_has("project.visivo.yml:6");
}

#[test]
fn include_paths_starting_with_a_slash_are_relative_to_the_including_file() {
    let p = TestProject::new(&format!(
        "{WITH_SOURCE}includes:\n  - path: /big-numbers/includes.visivo.yml\n"
    ));
    p.write(
        "big-numbers/includes.visivo.yml",
        "models:\n  - {name: m, sql: select 1 as a}\n",
    );
    let run = compile(&p, &[]);
    assert!(!run.stderr.contains("does not exist"), "{}", run.stderr);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A folder of bare repositories (`acme/shared.git`) made from `files`, for VISIVO_GIT_BASE_URL.
fn git_server(files: &[(&str, &str)], links: &[(&str, &str)]) -> tempfile::TempDir {
    let repos = tempfile::tempdir().unwrap();
    let work = repos.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "-q"]);
    for (name, text) in files {
        let path = work.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    for (name, target) in links {
        std::os::unix::fs::symlink(target, work.join(name)).unwrap();
    }
    git(&work, &["add", "."]);
    git(&work, &["commit", "-qm", "x"]);
    std::fs::create_dir_all(repos.path().join("acme")).unwrap();
    git(
        repos.path(),
        &["clone", "-q", "--bare", "work", "acme/shared.git"],
    );
    repos
}

fn compile_with_git(p: &TestProject, repos: &Path) -> Run {
    compile(p, &[("VISIVO_GIT_BASE_URL", repos.to_str().unwrap())])
}

/// A project file's first lines: a source every model can use.
const WITH_SOURCE: &str =
    "name: x\ndefaults: {source_name: db}\nsources: [{name: db, type: sqlite, database: x.db}]\n";

const SHARED: &str =
    "traces:\n  - {name: t, model: {sql: select 1 as a}, props: {type: bar, x: query(a)}}\n";

#[test]
fn git_refs_that_look_like_options_or_paths_are_rejected() {
    let repos = git_server(&[("shared.visivo.yml", SHARED)], &[]);
    for reference in [
        "--pathspec-from-file=/etc/passwd",
        "--orphan=pwned",
        "../../../../tmp/visivo-hostile-escape",
    ] {
        let p = TestProject::new(&format!(
            "name: x\nincludes:\n  - path: acme/shared.git@{reference} -- shared.visivo.yml\n"
        ));
        let run = compile_with_git(&p, repos.path());
        assert_eq!(run.code, 1, "{reference}: {}", run.stderr);
        assert!(
            run.stderr
                .contains("is not a valid branch, tag or commit name"),
            "{reference}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("root:"), "{}", run.stderr);
        assert!(!p.path().join(".visivo_cache").exists(), "{reference}");
    }
    assert!(!Path::new("/tmp/visivo-hostile-escape").exists());
    // Commits and ordinary branch names still work.
    let p = TestProject::new(&format!(
        "{WITH_SOURCE}includes:\n  - path: acme/shared.git@main -- shared.visivo.yml\n"
    ));
    let run = compile_with_git(&p, repos.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn git_included_files_cannot_read_outside_their_clone() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.yml");
    std::fs::write(&secret, "leaked_secret_line: 1\n").unwrap();
    let json = outside.path().join("secret.json");
    std::fs::write(&json, "{\"leaked\": \"leaked_secret_json\"}").unwrap();
    let repos = git_server(
        &[
            ("shared.visivo.yml", SHARED),
            (
                "includer.visivo.yml",
                &format!("includes:\n  - path: {}\n", secret.display()),
            ),
            (
                "dotdot.visivo.yml",
                "includes:\n  - path: ../../../../../../../../etc/hostname\n",
            ),
            (
                "json.visivo.yml",
                &format!("name: \"{{{{ read_json_file('{}') }}}}\"\n", json.display()),
            ),
            // Directory includes (1.0.64): a linked file inside, or the folder above the clone.
            ("linked_dir.visivo.yml", "includes:\n  - path: linked/\n"),
            ("linked/fine.yml", "name: fine\n"),
            (
                "parent_dir.visivo.yml",
                "includes:\n  - path: ../\n    depth: 0\n",
            ),
        ],
        &[
            ("link.visivo.yml", secret.to_str().unwrap()),
            ("linked/secret.yml", secret.to_str().unwrap()),
        ],
    );
    for file in [
        "../../../../../../../../etc/hostname",
        "link.visivo.yml",
        "includer.visivo.yml",
        "dotdot.visivo.yml",
        "json.visivo.yml",
        "linked_dir.visivo.yml",
        "parent_dir.visivo.yml",
    ] {
        let p = TestProject::new(&format!(
            "name: x\nincludes:\n  - path: acme/shared.git@main -- {file}\n"
        ));
        let run = compile_with_git(&p, repos.path());
        assert_eq!(run.code, 1, "{file}: {}", run.stderr);
        let refused = ["outside the git repository", "does not exist"];
        assert!(
            refused.iter().any(|r| run.stderr.contains(r)),
            "{file}: {}",
            run.stderr
        );
        assert!(
            !run.stderr.contains("leaked_secret"),
            "{file}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_git_server_that_never_answers_times_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    // Accept connections and hold them open without a word.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let p = TestProject::new("name: x\nincludes:\n  - path: acme/shared.git@main\n");
    let started = Instant::now();
    let run = compile(
        &p,
        &[
            ("VISIVO_GIT_BASE_URL", url.as_str()),
            ("VISIVO_GIT_TIMEOUT", "2"),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_stderr_has("did not finish within 2 s");
    assert!(started.elapsed() < Duration::from_secs(60));
}
