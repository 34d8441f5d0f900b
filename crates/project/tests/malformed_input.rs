//! Whatever the files contain, loading never panics: a project loads, or every error is reported
//! at a line of a file and renders. Random text, random mixes of real fragments, and generated
//! YAML (anchors, aliases, merges, deep nesting, odd scalars, Jinja) are thrown at the loader.

use proptest::prelude::*;
use visivo_project::{load_project, LoadOptions, Loaded};

fn load(text: &str) -> Loaded {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("project.visivo.yml"), text).unwrap();
    load_project(&LoadOptions {
        working_dir: dir.path(),
        source_override: None,
        profile: None,
    })
}

/// What must hold for any input: a project and no errors, or errors each located inside a file
/// the loader read; the report renders either way.
fn check(loaded: &Loaded) -> Result<(), TestCaseError> {
    let rendered = loaded.report.render(&loaded.files);
    match &loaded.project {
        Some(project) => {
            prop_assert!(!loaded.report.has_errors(), "{rendered}");
            visivo_project::export::project_json(project, "test");
        }
        None => prop_assert!(loaded.report.has_errors(), "no project and no error"),
    }
    for error in loaded.report.items.iter().filter(|d| d.is_error()) {
        let location = error.location;
        prop_assert!(location.is_some(), "unlocated: {error}\n{rendered}");
        let location = location.unwrap();
        prop_assert!(location.file < loaded.files.paths().len(), "{error}");
        prop_assert!(location.pos.line >= 1, "{error}");
    }
    prop_assert!(rendered.contains("error") || !loaded.report.has_errors());
    Ok(())
}

/// Fragments of real project files, so random mixes reach deep into the loader.
const FRAGMENTS: &[&str] = &[
    "name: x\n",
    "sources:\n",
    "  - name: db\n",
    "    type: sqlite\n",
    "    database: a.db\n",
    "models:\n",
    "  - name: m\n",
    "    sql: select 1\n",
    "    args: [cat]\n",
    "    models: [ref(m)]\n",
    "traces:\n",
    "  - name: t\n",
    "    model: ref(m)\n",
    "    props: {type: bar, x: query(a)}\n",
    "    columns: {c: x}\n",
    "    y: column(c)[0]\n",
    "charts:\n",
    "  - traces: [ref(t)]\n",
    "    selector: {name: s, options: [ref(t)]}\n",
    "dashboards:\n",
    "  - name: d\n",
    "    rows:\n",
    "      - items:\n",
    "          - chart: ref(c)\n",
    "{{ env_var('X') }}",
    "{% for i in [1,2] %}",
    "{% endfor %}",
    "{{",
    "}}",
    "{%",
    "&a ",
    "*a",
    "<<: *a\n",
    "- ",
    ": ",
    "[",
    "]",
    "{",
    "}",
    "'",
    "\"",
    "\t",
    "\n",
    "includes:\n  - path: project.visivo.yml\n",
    "defaults: {source_name: db}\n",
    "height: huge\n",
    "width: -1\n",
    "---\n",
    "...\n",
    "!!binary x\n",
    "? complex\n",
    "ref()\n",
];

/// A YAML value to write out: block or flow collections, anchors and aliases among them.
#[derive(Debug, Clone)]
enum Yaml {
    Scalar(&'static str),
    Alias(u8),
    Anchored(u8, Box<Yaml>),
    Seq(Vec<Yaml>),
    Map(Vec<(&'static str, Yaml)>),
    /// Written inline: `[…]` / `{…}`.
    Flow(Box<Yaml>),
    /// A `<<: *a` merge inside a mapping.
    Merge(u8, Vec<(&'static str, Yaml)>),
}

const SCALARS: &[&str] = &[
    "x",
    "",
    "~",
    "yes",
    "Off",
    "0x1F",
    "0o17",
    "017",
    "1:30",
    "1_000",
    "-.inf",
    ".NaN",
    "1e3",
    "1.5e+300",
    "99999999999999999999999",
    "2024-01-01",
    "'single ''quoted'''",
    "\"double \\\" \\u00e9 \\n\"",
    "\"\\x\"",
    "!!str 12",
    "!!int twelve",
    "!!float x",
    "!!binary aGk=",
    "!custom x",
    "ref(t)",
    "ref(All Time Trace)",
    "${ref(m)}",
    "${ ref('m').x }",
    "query(a)",
    "column(c)[0]",
    "?(x > 1)",
    "bar",
    "select 1",
    "é ü 中",
    "a: b",
    "- x",
    "#comment",
    "{{ 1 + 1 }}",
    "\"{{ env_var('NO_SUCH_VAR_XYZ') }}\"",
    "{{ env_var('HOME') }}",
    "\"{% if true %}a{% else %}b{% endif %}\"",
    "{# note #}",
    "{{",
    "{%",
    "\"{{ range(3) | list }}\"",
];

const KEYS: &[&str] = &[
    "name",
    "type",
    "model",
    "models",
    "source",
    "sql",
    "args",
    "props",
    "x",
    "y",
    "columns",
    "traces",
    "charts",
    "rows",
    "items",
    "chart",
    "table",
    "selector",
    "options",
    "layout",
    "height",
    "width",
    "markdown",
    "database",
    "cohort_on",
    "filters",
    "order_by",
    "bogus",
    "with space",
    "dotted.key",
    "1",
    "true",
    "~",
];

fn yaml() -> impl Strategy<Value = Yaml> {
    let leaf = prop_oneof![
        4 => prop::sample::select(SCALARS).prop_map(Yaml::Scalar),
        1 => (0u8..4).prop_map(Yaml::Alias),
    ];
    leaf.prop_recursive(8, 64, 6, |inner| {
        let entries = prop::collection::vec((prop::sample::select(KEYS), inner.clone()), 0..6);
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Yaml::Seq),
            entries.clone().prop_map(Yaml::Map),
            inner.clone().prop_map(|y| Yaml::Flow(Box::new(y))),
            ((0u8..4), inner.clone()).prop_map(|(a, y)| Yaml::Anchored(a, Box::new(y))),
            ((0u8..4), entries).prop_map(|(a, e)| Yaml::Merge(a, e)),
        ]
    })
}

/// Writes `value` in block style at `indent`, as the value following `key: ` or `- `.
fn write_block(value: &Yaml, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Yaml::Scalar(s) => out.push_str(&format!(" {s}\n")),
        Yaml::Alias(a) => out.push_str(&format!(" *a{a}\n")),
        Yaml::Flow(inner) => {
            out.push(' ');
            write_flow(inner, out);
            out.push('\n');
        }
        Yaml::Anchored(a, inner) => {
            out.push_str(&format!(" &a{a}"));
            write_block(inner, indent, out);
        }
        Yaml::Seq(items) if items.is_empty() => out.push_str(" []\n"),
        Yaml::Seq(items) => {
            out.push('\n');
            for item in items {
                out.push_str(&format!("{pad}-"));
                write_block(item, indent + 2, out);
            }
        }
        Yaml::Map(entries) if entries.is_empty() => out.push_str(" {}\n"),
        Yaml::Map(entries) | Yaml::Merge(_, entries) => {
            out.push('\n');
            if let Yaml::Merge(a, _) = value {
                out.push_str(&format!("{pad}<<: *a{a}\n"));
            }
            for (key, item) in entries {
                out.push_str(&format!("{pad}{key}:"));
                write_block(item, indent + 2, out);
            }
        }
    }
}

fn write_flow(value: &Yaml, out: &mut String) {
    match value {
        Yaml::Scalar(s) => out.push_str(s),
        Yaml::Alias(a) => out.push_str(&format!("*a{a}")),
        Yaml::Anchored(a, inner) => {
            out.push_str(&format!("&a{a} "));
            write_flow(inner, out);
        }
        Yaml::Flow(inner) => write_flow(inner, out),
        Yaml::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_flow(item, out);
            }
            out.push(']');
        }
        Yaml::Map(entries) | Yaml::Merge(_, entries) => {
            out.push('{');
            if let Yaml::Merge(a, _) = value {
                out.push_str(&format!("<<: *a{a}, "));
            }
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&format!("{key}: "));
                write_flow(item, out);
            }
            out.push('}');
        }
    }
}

const SECTIONS: &[&str] = &[
    "sources",
    "models",
    "traces",
    "charts",
    "tables",
    "selectors",
    "dashboards",
    "alerts",
    "defaults",
    "name",
    "layout",
];

/// A project file: sections holding generated values, sometimes nested deeper than allowed.
fn project_text() -> impl Strategy<Value = String> {
    let section = (prop::sample::select(SECTIONS), yaml());
    let nesting = prop_oneof![Just(0usize), 1usize..20, 60usize..70, 200usize..300];
    (prop::collection::vec(section, 0..5), nesting, any::<bool>()).prop_map(
        |(sections, depth, flow)| {
            let mut text = String::new();
            for (key, value) in sections {
                text.push_str(key);
                text.push(':');
                write_block(&value, 2, &mut text);
            }
            if depth > 0 {
                let nested = if flow {
                    format!("{}x{}", "[".repeat(depth), "]".repeat(depth))
                } else {
                    format!("{}x", "- ".repeat(depth))
                };
                text.push_str(&format!("layout:\n  deep:\n    {nested}\n"));
            }
            text
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,400}") {
        check(&load(&text))?;
    }

    #[test]
    fn random_mixes_of_project_fragments_never_panic(parts in prop::collection::vec(0..FRAGMENTS.len(), 0..40)) {
        let text: String = parts.iter().map(|i| FRAGMENTS[*i]).collect();
        check(&load(&text))?;
    }

    #[test]
    fn generated_yaml_with_anchors_nesting_and_jinja_never_panics(text in project_text()) {
        check(&load(&text))?;
    }
}

fn only_error(text: &str) -> visivo_project::Diagnostic {
    let loaded = load(text);
    let errors: Vec<_> = loaded
        .report
        .items
        .into_iter()
        .filter(|d| d.is_error())
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    errors.into_iter().next().unwrap()
}

#[test]
fn deep_nesting_is_a_located_error_not_a_stack_overflow() {
    for text in [
        format!("a: {}{}", "[".repeat(5000), "]".repeat(5000)),
        format!("layout:\n  a:\n    {}x\n", "- ".repeat(20_000)),
    ] {
        let error = only_error(&text);
        assert!(error.message.contains("64 levels"), "{error}");
        assert!(error.location.is_some_and(|l| l.pos.line >= 1));
    }
}

#[test]
fn a_syntax_error_is_located_at_its_line() {
    let error = only_error("name: x\ntraces: [\n  - a\n");
    assert!(error.message.starts_with("invalid YAML"), "{error}");
    assert!(error.location.is_some_and(|l| l.pos.line >= 2), "{error:?}");
}

/// Found by the generator: `defaults` and `includes` were typed before their locations were known.
#[test]
fn a_bad_defaults_or_include_is_located() {
    for (text, line) in [("name: p\ndefaults: x\n", 2), ("includes:\n  - 5\n", 2)] {
        let loaded = load(text);
        assert!(loaded.report.has_errors());
        for error in &loaded.report.items {
            assert_eq!(error.location.map(|l| l.pos.line), Some(line), "{error}");
        }
    }
}
