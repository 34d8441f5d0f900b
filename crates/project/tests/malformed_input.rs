//! Whatever the files contain, loading reports errors and never panics.

use proptest::prelude::*;
use visivo_project::{load_project, LoadOptions};

fn load(text: &str) -> visivo_project::Loaded {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("project.visivo.yml"), text).unwrap();
    load_project(&LoadOptions {
        working_dir: dir.path(),
        source_override: None,
        profile: None,
    })
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,400}") {
        let _ = load(&text);
    }

    #[test]
    fn random_mixes_of_project_fragments_never_panic(parts in prop::collection::vec(0..FRAGMENTS.len(), 0..40)) {
        let text: String = parts.iter().map(|i| FRAGMENTS[*i]).collect();
        let loaded = load(&text);
        // Either a valid project or at least one error; never both missing.
        prop_assert!(loaded.project.is_some() || loaded.report.has_errors());
    }
}

#[test]
fn deeply_nested_input_is_an_error_not_a_stack_overflow() {
    let text = format!("a: {}{}", "[".repeat(5000), "]".repeat(5000));
    let loaded = load(&text);
    assert!(loaded.project.is_none());
}
