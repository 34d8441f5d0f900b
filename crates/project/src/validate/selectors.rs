//! Selectors over dashboard parts (1.0.34): a selector whose options are rows, items, charts or
//! tables shows the chosen ones and hides the others; one whose options are traces picks cohorts.

use super::Validator;
use crate::model::*;
use crate::selector_option::OptionKind;
use std::collections::HashMap;

impl Validator<'_> {
    pub(super) fn selectors(&mut self) {
        self.part_names();
        for (name, selector) in &self.project.selectors {
            let kinds: Vec<Option<OptionKind>> = selector
                .options
                .iter()
                .map(|o| self.project.option_kind(o))
                .collect();
            let picks_cohorts = kinds.first() == Some(&Some(OptionKind::Trace));
            let mixed = kinds
                .iter()
                .position(|k| (*k == Some(OptionKind::Trace)) != picks_cohorts);
            if let Some(i) = mixed {
                self.error(Kind::Selector, name, Some(&format!("options.{i}")), "a selector's options are all traces (it picks their cohorts) or all dashboard rows, items, charts and tables (it shows the chosen ones)");
            }
        }
        let owners = self
            .project
            .charts
            .iter()
            .map(|(n, c)| (Kind::Chart, n, &c.selector))
            .chain(
                self.project
                    .tables
                    .iter()
                    .map(|(n, t)| (Kind::Table, n, &t.selector)),
            );
        let mut wrong = Vec::new();
        for (kind, name, selector) in owners {
            let Some(selector) = selector else { continue };
            let Some(selector_object) = self.project.selectors.get(selector) else {
                continue;
            };
            let shows_parts = selector_object
                .options
                .iter()
                .any(|o| self.project.option_kind(o) != Some(OptionKind::Trace));
            if shows_parts {
                wrong.push((kind, name.clone(), selector.clone()));
            }
        }
        for (kind, name, selector) in wrong {
            self.error(kind, &name, Some("selector"), format!("selector '{selector}' shows and hides dashboard parts; the selector of a {} picks cohorts of traces", kind.label()))
                .help = Some(format!("show '{selector}' as a dashboard item instead"));
        }
    }

    /// Row and item names are unique: among themselves and with every other object's name.
    fn part_names(&mut self) {
        let mut seen: HashMap<String, String> = HashMap::new();
        let mut problems = Vec::new();
        for (dashboard, d) in &self.project.dashboards {
            for (r, row) in d.rows.iter().enumerate() {
                let items = row
                    .items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| (format!("rows.{r}.items.{i}.name"), &item.name, "item"));
                let parts = std::iter::once((format!("rows.{r}.name"), &row.name, "row"));
                for (field, part, what) in parts.chain(items) {
                    let Some(part) = part else { continue };
                    let object = self.project.kind_of(part);
                    let clash = match (seen.get(part), object) {
                        (Some(first), _) => Some(format!(
                            "the {what} name '{part}' is already used by {first}"
                        )),
                        (None, Some(kind)) => Some(format!(
                            "the {what} name '{part}' is already the name of a {}",
                            kind.label()
                        )),
                        (None, None) => None,
                    };
                    match clash {
                        Some(message) => problems.push((dashboard.clone(), field, message)),
                        None => {
                            seen.insert(
                                part.clone(),
                                format!("a {what} of dashboard '{dashboard}'"),
                            );
                        }
                    }
                }
            }
        }
        for (dashboard, field, message) in problems {
            self.error(Kind::Dashboard, &dashboard, Some(&field), message)
                .help = Some(
                "names are unique across the project: selectors show and hide parts by name".into(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::selector_option::OptionKind;
    use crate::validate::semantic::tests::{errors, load};

    const PROJECT: &str = "
sources: [{name: db, type: sqlite, database: x.db}]
models: [{name: m, sql: select 1 as x, source: ref(db)}]
traces: [{name: t, model: ref(m), props: {type: bar, y: '?{x}'}}]
charts: [{name: c, traces: [ref(t)]}]
selectors:
  - {name: view, type: single, options: ['${ref(summary)}', ref(detail), ref(note), ref(c)]}
dashboards:
  - name: d
    rows:
      - items: [{selector: ref(view)}]
      - name: summary
        items: [{chart: ref(c)}]
      - name: detail
        items: [{name: note, markdown: hello}, {markdown: always}]
";

    #[test]
    fn a_selector_over_rows_items_and_charts() {
        let loaded = load(PROJECT);
        assert!(
            !loaded.report.has_errors(),
            "{}",
            loaded.report.render(&loaded.files)
        );
        let project = loaded.project.unwrap();
        let options = &project.selectors["view"].options;
        assert_eq!(options, &["summary", "detail", "note", "c"]);
        let kinds: Vec<_> = options.iter().map(|o| project.option_kind(o)).collect();
        use OptionKind::*;
        assert_eq!(kinds, [Some(Row), Some(Row), Some(Item), Some(Chart)]);
    }

    #[test]
    fn mistakes_with_named_parts_are_located() {
        let mixed = PROJECT.replace("ref(note), ref(c)", "ref(t), ref(nope)");
        assert_eq!(
            errors(&mixed),
            [
                "7:82 `ref(nope)` does not point to any trace, chart, table, dashboard row or item",
                "7:74 a selector's options are all traces (it picks their cohorts) or all dashboard rows, items, charts and tables (it shows the chosen ones)",
            ]
        );
        let clashes = PROJECT
            .replace("ref(detail), ref(note), ", "")
            .replace("name: detail", "name: summary")
            .replace("name: note", "name: t");
        assert_eq!(
            errors(&clashes),
            [
                "14:9 the row name 'summary' is already used by a row of dashboard 'd'",
                "15:18 the item name 't' is already the name of a trace",
            ]
        );
        let owned = PROJECT.replace(
            "traces: [ref(t)]}",
            "traces: [ref(t)], selector: ref(view)}",
        );
        assert_eq!(
            errors(&owned),
            ["5:38 selector 'view' shows and hides dashboard parts; the selector of a chart picks cohorts of traces"]
        );
    }
}
