//! `visivo init` without a terminal: the scaffold runs and its tests pass right away, an existing
//! project is only replaced with `--force`, secrets stay in `.env`, and missing answers name the
//! flags to pass.

use std::path::Path;
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn output(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// `visivo <args>` in `dir`, standard input not a terminal, no DB_PASSWORD inherited.
fn visivo(dir: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_visivo"))
        .args(args)
        .current_dir(dir)
        .env("CI", "true")
        .env("HOME", dir)
        .env_remove("DB_PASSWORD")
        .output()
        .expect("run visivo");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn sqlite_scaffold_runs_and_its_tests_pass() {
    let temp = tempfile::tempdir().unwrap();
    let init = visivo(temp.path(), &["init", "--project-name", "my_project"]);
    assert_eq!(init.code, 0, "{}", init.output());
    assert!(init.stdout.contains("> Created project in 'my_project'"));
    let dir = temp.path().join("my_project");
    for file in ["project.visivo.yml", "local.db", ".env", ".gitignore"] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    assert_eq!(
        read(&dir.join(".gitignore")),
        ".env\ntarget/\n.visivo_cache/\ndist/\n"
    );

    // The example tables.
    let db = rusqlite::Connection::open(dir.join("local.db")).unwrap();
    let rows = |table: &str| -> Vec<(i64, i64)> {
        db.prepare(&format!("select x, y from {table} order by x"))
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(
        rows("test_table"),
        vec![(1, 1), (2, 1), (3, 2), (4, 3), (5, 5), (6, 8)]
    );
    assert_eq!(
        rows("second_test_table"),
        vec![(1, 2), (2, 2), (3, 4), (4, 6), (5, 10), (6, 16)]
    );
    drop(db);

    let run = visivo(&dir, &["run"]);
    assert_eq!(run.code, 0, "{}", run.output());
    let data: serde_json::Value =
        serde_json::from_str(&read(&dir.join("target/Example Trace/data.json"))).unwrap();
    assert_eq!(
        data,
        serde_json::json!({"Example Trace": {"props.x": [1, 2, 3, 4, 5, 6], "props.y": [1, 1, 2, 3, 5, 8]}})
    );
    // The template's input: one state per x, each the bars up to it.
    let states: serde_json::Value =
        serde_json::from_str(&read(&dir.join("target/Example Trace Up To/states.json"))).unwrap();
    let states = states["states"].as_array().unwrap();
    assert_eq!(states.len(), 6);
    let three = states.iter().find(|s| s["values"]["up_to"] == 3).unwrap();
    assert_eq!(
        three["data"]["Example Trace Up To"]["props.x"],
        serde_json::json!([1, 2, 3])
    );

    let test = visivo(&dir, &["test"]);
    assert_eq!(test.code, 0, "{}", test.output());
    assert!(
        test.stdout
            .starts_with("..\nTesting complete. 2 tests run in"),
        "{}",
        test.output()
    );

    // A test of our own on the scaffold's trace.
    let yaml = read(&dir.join("project.visivo.yml")).replace(
        "    tests:\n",
        "    tests:\n      - logic: assert_that(Example Trace.props.x[-1]).is_equal_to(6)\n",
    );
    std::fs::write(dir.join("project.visivo.yml"), yaml).unwrap();
    let test = visivo(&dir, &["test"]);
    assert_eq!(test.code, 0, "{}", test.output());
    assert!(test.stdout.starts_with("...\n"), "{}", test.output());

    // The dashboard references resolve: compile sees the whole project.
    let compile = visivo(&dir, &["compile"]);
    assert_eq!(compile.code, 0, "{}", compile.output());
}

#[test]
fn existing_project_is_kept_without_force() {
    let temp = tempfile::tempdir().unwrap();
    assert_eq!(
        visivo(temp.path(), &["init", "--project-name", "p"]).code,
        0
    );
    let file = temp.path().join("p/project.visivo.yml");
    std::fs::write(&file, "name: mine\n").unwrap();

    let again = visivo(temp.path(), &["init", "--project-name", "p"]);
    assert_eq!(again.code, 1, "{}", again.output());
    assert!(
        again.stderr.contains("already exists") && again.stderr.contains("--force"),
        "{}",
        again.output()
    );
    assert_eq!(read(&file), "name: mine\n");

    let forced = visivo(temp.path(), &["init", "--project-name", "p", "--force"]);
    assert_eq!(forced.code, 0, "{}", forced.output());
    assert!(read(&file).contains("Example Dashboard"));
}

#[test]
fn existing_env_and_gitignore_are_merged() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("p");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join(".env"), "OTHER=1\nDB_PASSWORD=old\n").unwrap();
    std::fs::write(dir.join(".gitignore"), "node_modules\ntarget\n").unwrap();
    let init = visivo(
        temp.path(),
        &[
            "init",
            "--project-name",
            "p",
            "--source-type",
            "postgresql",
            "--database",
            "d",
            "--username",
            "u",
            "--password",
            "new",
        ],
    );
    assert_eq!(init.code, 0, "{}", init.output());
    assert_eq!(read(&dir.join(".env")), "OTHER=1\nDB_PASSWORD='new'\n");
    assert_eq!(
        read(&dir.join(".gitignore")),
        "node_modules\ntarget\n.env\n.visivo_cache/\ndist/\n"
    );
}

#[test]
fn secrets_are_only_in_env() {
    let password = "s3cr3t 'pa$$' \"word\"";
    for source_type in ["postgresql", "mysql", "redshift", "snowflake"] {
        let temp = tempfile::tempdir().unwrap();
        let init = visivo(
            temp.path(),
            &[
                "init",
                "--project-name",
                "p",
                "--source-type",
                source_type,
                "--host",
                "db.example.com",
                "--database",
                "analytics",
                "--username",
                "reader",
                "--password",
                password,
                "--account",
                "xy12345",
                "--warehouse",
                "compute_wh",
            ],
        );
        assert_eq!(init.code, 0, "{source_type}: {}", init.output());
        let dir = temp.path().join("p");
        let yaml = read(&dir.join("project.visivo.yml"));
        assert!(!yaml.contains("s3cr3t"), "{source_type}: {yaml}");
        assert!(
            yaml.contains("password: \"{{ env_var('DB_PASSWORD') }}\""),
            "{source_type}: {yaml}"
        );
        assert!(yaml.contains(&format!("type: {source_type}")));
        assert!(!init.stdout.contains("s3cr3t") && !init.stderr.contains("s3cr3t"));

        let env = dir.join(".env");
        let values: Vec<(String, String)> = dotenv_pairs(&env);
        assert_eq!(
            values,
            vec![("DB_PASSWORD".to_string(), password.to_string())]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&env).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{source_type}: .env readable by others");
        }
        // The scaffold is a valid project once .env provides the password.
        let compile = visivo(&dir, &["compile"]);
        assert_eq!(compile.code, 0, "{source_type}: {}", compile.output());
    }
}

/// `KEY=value` pairs of a dotenv file, unquoted the way `visivo -e` reads them.
fn dotenv_pairs(path: &Path) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for line in read(path).lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').unwrap();
        // Single-quoted, `'` written as `'\''` (the only quoting init uses).
        let value = value
            .strip_prefix('\'')
            .and_then(|v| v.strip_suffix('\''))
            .map(|v| v.replace("'\\''", "'"))
            .unwrap_or_else(|| value.to_string());
        pairs.push((key.to_string(), value));
    }
    pairs
}

#[test]
fn missing_answers_name_the_flags() {
    let temp = tempfile::tempdir().unwrap();
    let run = visivo(
        temp.path(),
        &["init", "--source-type", "postgresql", "--no-input"],
    );
    assert_eq!(run.code, 1, "{}", run.output());
    for flag in ["--project-name", "--database", "--username", "--password"] {
        assert!(run.stderr.contains(flag), "{flag}: {}", run.output());
    }
    assert!(
        run.stderr.contains("--no-input was given"),
        "{}",
        run.output()
    );

    // Standard input that is not a terminal counts as --no-input.
    let run = visivo(
        temp.path(),
        &["init", "--source-type", "snowflake", "--project-name", "s"],
    );
    assert_eq!(run.code, 1, "{}", run.output());
    for flag in [
        "--account",
        "--warehouse",
        "--database",
        "--username",
        "--password",
    ] {
        assert!(run.stderr.contains(flag), "{flag}: {}", run.output());
    }
    assert!(!temp.path().join("s").exists());

    let run = visivo(
        temp.path(),
        &["init", "--project-name", "x", "--source-type", "oracle"],
    );
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("unknown source type 'oracle'"),
        "{}",
        run.output()
    );

    let run = visivo(temp.path(), &["init", "--project-name", "../x"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("can't contain '/'"), "{}", run.output());
}

fn env(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_string())
}

/// The network scaffolds against the servers `.ci/services.sh` starts (same variables as the
/// engine's tests): run and test pass with the password only in `.env`.
#[test]
fn postgresql_and_mysql_scaffolds_run_against_real_servers() {
    for (source_type, prefix, port) in [("postgresql", "PG", "5432"), ("mysql", "MYSQL", "3306")] {
        let temp = tempfile::tempdir().unwrap();
        let var = |name: &str, default: &str| env(&format!("VISIVO_{prefix}_{name}"), default);
        let (host, port, user, password, database) = (
            var("HOST", "127.0.0.1"),
            var("PORT", port),
            var("USER", "visivo"),
            var("PASSWORD", "visivo_pw"),
            var("DATABASE", "visivo_test"),
        );
        let init = visivo(
            temp.path(),
            &[
                "init",
                "--project-name",
                "p",
                "--source-type",
                source_type,
                "--host",
                &host,
                "--port",
                &port,
                "--database",
                &database,
                "--username",
                &user,
                "--password",
                &password,
            ],
        );
        assert_eq!(init.code, 0, "{source_type}: {}", init.output());
        let dir = temp.path().join("p");
        let test = visivo(&dir, &["test", "--run"]);
        assert_eq!(test.code, 0, "{source_type}: {}", test.output());
        assert!(
            test.stdout.contains("..\nTesting complete. 2 tests run in"),
            "{source_type}: {}",
            test.output()
        );
    }
}
