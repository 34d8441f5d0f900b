//! Later 1.x layout features (issue 13 item 4): markdown objects and their alignment, dashboard
//! levels, tags, descriptions and external dashboards, row names and table page sizes. Each test
//! compiles a project and reads the `project.json` the viewer is given.

use crate::common::TestProject;
use serde_json::{json, Value};

pub(crate) fn compiled(yaml: &str) -> Value {
    let p = TestProject::new(yaml);
    let run = p.visivo(&["compile"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let text = std::fs::read_to_string(p.target().join("project.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Compiles a project that must fail, checks every `expected` text is in the messages and
/// returns them.
pub(crate) fn compile_fails(yaml: &str, expected: &[&str]) -> String {
    let run = TestProject::new(yaml).visivo(&["compile"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    for needle in expected {
        assert!(
            run.stderr.contains(needle),
            "expected {needle:?} in:\n{}",
            run.stderr
        );
    }
    run.stderr
}

pub(crate) fn items(project: &Value) -> &Vec<Value> {
    project["dashboards"][0]["rows"][0]["items"]
        .as_array()
        .expect("items")
}

#[test]
fn markdown_in_every_form_reaches_the_viewer_with_its_layout() {
    let project = compiled(
        r##"
markdowns:
  - name: welcome
    content: "# Welcome"
    align: center
    justify: evenly
dashboards:
  - name: Home
    rows:
      - name: intro
        items:
          - markdown: "plain *text*"
          - markdown: "right text"
            align: right
            justify: end
          - markdown: {content: "inline object", align: center}
          - markdown: ${ref(welcome)}
          - markdown: ref(welcome)
            align: left
"##,
    );
    let items = items(&project);
    assert_eq!(items[0], json!({"width": 1, "markdown": "plain *text*"}));
    assert_eq!(
        items[1],
        json!({"width": 1, "markdown": "right text", "align": "right", "justify": "end"})
    );
    assert_eq!(
        items[2],
        json!({"width": 1, "markdown": "inline object", "align": "center"})
    );
    assert_eq!(
        items[3],
        json!({"width": 1, "markdown": "# Welcome", "align": "center", "justify": "evenly"})
    );
    assert_eq!(
        items[4],
        json!({"width": 1, "markdown": "# Welcome", "justify": "evenly"}),
        "the item's align overrides the markdown's"
    );
}

#[test]
fn markdown_mistakes_are_located() {
    let messages = compile_fails(
        r#"
dashboards:
  - name: Home
    rows:
      - items:
          - markdown: ${ref(welcom)}
          - markdown: {content: x, align: middle}
          - width: 2
            justify: center
"#,
        &[
            "`ref(welcom)` does not point to any markdown",
            "project.visivo.yml:6:13",
            "`middle` is not one of left, center, right",
            "project.visivo.yml:7:36",
            "`justify` lays out markdown: it can only be set on an item with `markdown`",
            "project.visivo.yml:9:13",
        ],
    );
    assert_eq!(
        messages.matches("does not point to any markdown").count(),
        1,
        "an inline markdown that failed to load is not reported again as missing:\n{messages}"
    );
}

const LEVELS: &str = r#"
defaults:
  levels:
    - {title: Overview, description: What matters most}
    - {title: Team, description: For one team}
dashboards:
  - name: Sales
    level: team
    tags: [sales, weekly]
    description: "<b>Weekly</b> sales"
    rows:
      - items: [{markdown: "sales"}]
  - name: Company
    level: 0
    rows:
      - items: [{markdown: "company"}]
  - name: Wiki
    href: https://example.com/wiki?page=1
    level: Overview
    description: The company wiki
  - name: Loose
    rows: []
"#;

#[test]
fn dashboards_carry_level_tags_description_and_href() {
    let project = compiled(LEVELS);
    let dashboards = project["dashboards"].as_array().unwrap();
    let team = json!({"index": 1, "title": "Team", "description": "For one team"});
    let overview = json!({"index": 0, "title": "Overview", "description": "What matters most"});
    assert_eq!(dashboards[0]["level"], team);
    assert_eq!(dashboards[0]["tags"], json!(["sales", "weekly"]));
    assert_eq!(dashboards[0]["description"], "<b>Weekly</b> sales");
    assert_eq!(dashboards[1]["level"], overview);
    assert_eq!(
        dashboards[2],
        json!({"name": "Wiki", "href": "https://example.com/wiki?page=1", "description": "The company wiki", "level": overview})
    );
    assert_eq!(dashboards[3], json!({"name": "Loose", "rows": []}));
}

#[test]
fn a_project_without_levels_has_the_default_ones() {
    let project = compiled(
        r#"
dashboards:
  - name: Ops
    level: L4
    rows: []
"#,
    );
    assert_eq!(project["dashboards"][0]["level"]["title"], "Operational");
    assert_eq!(project["dashboards"][0]["level"]["index"], 4);
}

#[test]
fn unknown_levels_are_located() {
    compile_fails(
        &LEVELS
            .replace("level: team", "level: Teams")
            .replace("level: 0", "level: 2"),
        &[
            "level 'Teams' is not one of the project's levels",
            "project.visivo.yml:8:5",
            "level 2 is not one of the project's levels",
            "levels (by index from 0, or by title): Overview, Team",
        ],
    );
}

#[test]
fn external_dashboards_only_link_to_web_addresses() {
    compile_fails(
        r#"
dashboards:
  - name: Evil
    href: "javascript:alert(1)"
  - name: Data
    href: "data:text/html,<script>alert(1)</script>"
  - name: Both
    href: https://example.com
    rows: [{items: [{markdown: x}]}]
  - name: Nowhere
    type: external
"#,
        &[
            "`href` must be an http:// or https:// address, found `javascript:alert(1)`",
            "project.visivo.yml:4:5",
            "found `data:text/html",
            "an external dashboard (with `href`) has no rows",
            "an external dashboard needs `href`",
        ],
    );
}

#[test]
fn tables_take_the_page_sizes_1_0_82_lists_including_10() {
    let yaml = |size: &str| {
        format!(
            r#"
sources: [{{name: db, type: sqlite, database: shop.db}}]
models: [{{name: m, sql: select 1 as x, source: ref(db)}}]
traces: [{{name: t, model: ref(m), props: {{type: bar, x: query(x)}}}}]
tables:
  - name: T
    traces: [ref(t)]
    rows_per_page: {size}
dashboards:
  - name: D
    rows: [{{items: [{{table: ref(T)}}]}}]
"#
        )
    };
    for size in [3, 10, 15, 1000] {
        let project = compiled(&yaml(&size.to_string()));
        assert_eq!(items(&project)[0]["table"]["rows_per_page"], size);
    }
    compile_fails(
        &yaml("12"),
        &[
            "rows_per_page must be one of 3, 5, 10, 15, 25, 50, 100, 500, 1000, found 12",
            "project.visivo.yml:8:5",
        ],
    );
}
