//! `visivo dist` end to end on a copy of examples/quickstart: what the static site holds, and
//! what it must never hold (SQL, database files, connection details, stale traces).

use crate::common::quickstart_copy;

use std::path::{Path, PathBuf};
use std::process::Command;

fn visivo(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_visivo"))
        .args(args)
        .current_dir(dir)
        .env("CI", "true")
        .env("HOME", dir)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

const TRACES: [&str; 5] = [
    "revenue_by_region",
    "total_units",
    "revenue_line",
    "target_line",
    "product_mix",
];

#[test]
fn writes_a_static_site_with_only_the_current_data() {
    let dir = quickstart_copy();
    // A folder of a trace that no longer exists: must not be published.
    let stale = dir.path().join("target/old_trace");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join("data.json"), r#"{"old_trace":{"props.x":[1]}}"#).unwrap();

    let (code, out) = visivo(dir.path(), &["dist"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Creating Dist"), "{out}");
    assert!(out.contains("Created dist folder"), "{out}");
    let dist = dir.path().join("dist");
    let rel: Vec<String> = files(&dist)
        .iter()
        .map(|p| {
            p.strip_prefix(&dist)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();

    for expected in [
        "index.html",
        "404.html",
        "assets/app.js",
        "assets/app.css",
        "assets/plotly.min.js",
        "assets/plotly.min.js.gz",
        "data/project.json",
    ] {
        assert!(
            rel.iter().any(|r| r == expected),
            "{expected} missing from {rel:?}"
        );
    }
    for trace in TRACES {
        assert!(
            rel.contains(&format!("data/{trace}/data.json")),
            "{trace} missing from {rel:?}"
        );
    }
    assert!(
        !rel.iter().any(|r| r.contains("old_trace")),
        "stale trace published: {rel:?}"
    );
    for r in &rel {
        assert!(
            !(r.ends_with(".sql")
                || r.ends_with(".sqlite")
                || r.ends_with(".map")
                || r.ends_with(".db")
                || r.ends_with(".yml")
                || r.ends_with(".csv")
                || r.contains("visivo-state")),
            "{r} must not be published"
        );
    }
    // Data files are the run's, byte for byte.
    for trace in TRACES {
        assert_eq!(
            std::fs::read(dist.join("data").join(trace).join("data.json")).unwrap(),
            std::fs::read(dir.path().join("target").join(trace).join("data.json")).unwrap()
        );
    }
    // The precompressed copy is the same file.
    let gz = std::fs::read(dist.join("assets/plotly.min.js.gz")).unwrap();
    assert_eq!(&gz[..2], &[0x1f, 0x8b]);

    // The wrapper, with only what the viewer reads.
    let wrapper: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dist.join("data/project.json")).unwrap()).unwrap();
    assert!(wrapper["created_at"].is_string());
    assert_eq!(wrapper["project_json"]["name"], "quickstart");
    assert_eq!(
        wrapper["project_json"]["dashboards"][0]["name"],
        "Sales overview"
    );

    // Relative URLs only: works under any sub-path.
    let index = std::fs::read_to_string(dist.join("index.html")).unwrap();
    assert!(index.contains("src=\"./assets/app.js\""), "{index}");
    assert!(!index.contains("<base"), "{index}");
    assert_eq!(
        std::fs::read(dist.join("404.html")).unwrap(),
        index.as_bytes()
    );

    // No SQL, no connection details, no paths of the machine in any file.
    let home = dir.path().to_string_lossy().into_owned();
    for file in files(&dist) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes).to_lowercase();
        for secret in [
            "select * from orders",
            "from orders",
            "join monthly_targets",
            "group by o.month",
            "shop.db",
            "shop_db",
            ".sqlite",
            "query.sql",
            "\"cat\"",
            home.to_lowercase().as_str(),
        ] {
            assert!(
                !text.contains(secret),
                "{} contains {secret:?}",
                file.display()
            );
        }
    }
}

#[test]
fn a_failed_trace_fails_the_command_and_writes_nothing() {
    let dir = quickstart_copy();
    let yaml = dir.path().join("project.visivo.yml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(
        &yaml,
        text.replacen("y: query(revenue)", "y: query(no_such_column)", 1),
    )
    .unwrap();
    let (code, out) = visivo(dir.path(), &["dist", "-d", "site"]);
    assert_eq!(code, 1, "{out}");
    assert!(!dir.path().join("site").exists());
}

#[test]
fn replaces_its_own_site_but_never_a_foreign_folder() {
    let dir = quickstart_copy();
    let (code, out) = visivo(dir.path(), &["dist", "-d", "public/site"]);
    assert_eq!(code, 0, "{out}");
    let extra = dir.path().join("public/site/data/leftover.json");
    std::fs::write(&extra, "{}").unwrap();
    let (code, out) = visivo(dir.path(), &["dist", "-d", "public/site"]);
    assert_eq!(code, 0, "{out}");
    assert!(!extra.exists(), "the previous site is replaced");

    // The project folder itself is not a site: refused, nothing deleted.
    let (code, out) = visivo(dir.path(), &["dist", "-d", "data"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("refusing"), "{out}");
    assert!(dir.path().join("data/targets.csv").exists());
}

#[test]
fn name_filter_publishes_one_dashboard() {
    let dir = quickstart_copy();
    let (code, out) = visivo(dir.path(), &["dist", "--name-filter", "Sales overview"]);
    assert_eq!(code, 0, "{out}");
    let wrapper: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("dist/data/project.json")).unwrap())
            .unwrap();
    assert_eq!(
        wrapper["project_json"]["dashboards"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// Issue 12: the site of a project with inputs holds trace results, one per input state, and
/// never a model row: a column that no trace selects is in no file of the site.
#[test]
fn a_site_with_inputs_holds_trace_results_and_no_model_row() {
    let project = crate::common::TestProject::new(
        r#"
name: inputs
defaults: {source_name: db}
sources:
  - name: db
    type: sqlite
    database: shop.db
models:
  - name: sales
    sql: select * from sales
inputs:
  - name: region
    type: single-select
    options: ?{ SELECT DISTINCT region FROM ${ref(sales)} ORDER BY 1 }
    display: {type: dropdown, default: {value: north}}
  - name: products
    type: multi-select
    options: ["a", "b"]
    display: {type: checkboxes, default: {values: all}}
traces:
  - name: by_product
    model: ref(sales)
    props:
      type: bar
      x: ?{product}
      y: ?{sum(amount)}
    filters:
      - ?{region = ${ref(region).value}}
      - ?{product IN (${ref(products).values})}
charts:
  - name: By product
    traces: [ref(by_product)]
    on_click: {set: {products: x}}
dashboards:
  - name: Sales
    rows:
      - items:
          - input: ref(region)
          - input: ref(products)
          - chart: ref(By product)
"#,
    );
    let db = rusqlite::Connection::open(project.path().join("shop.db")).unwrap();
    db.execute_batch(
        "create table sales (region text, product text, amount real, note text);
         insert into sales values ('north','a',1,'ROW-MARKER-1'),('north','b',2,'ROW-MARKER-2'),
           ('south','a',10,'ROW-MARKER-3'),('south','b',20,'ROW-MARKER-4');",
    )
    .unwrap();
    drop(db);
    let run = project.visivo(&["dist"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    let dist = project.path().join("dist");
    let read = |rel: &str| -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dist.join(rel)).unwrap()).unwrap()
    };
    assert_eq!(
        read("data/inputs.json")["region"]["options"],
        serde_json::json!(["north", "south"])
    );
    let states = read("data/by_product/states.json");
    assert_eq!(states["inputs"], serde_json::json!(["region", "products"]));
    // Two regions × the four subsets of two products.
    assert_eq!(states["states"].as_array().unwrap().len(), 8);
    let project_json = read("data/project.json")["project_json"].clone();
    assert_eq!(
        project_json["inputs"][1]["options"],
        serde_json::json!(["a", "b"])
    );
    for file in files(&dist) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for secret in ["ROW-MARKER", "SELECT DISTINCT", "shop.db"] {
            assert!(
                !text.contains(secret),
                "{} contains {secret:?}",
                file.display()
            );
        }
    }
}
