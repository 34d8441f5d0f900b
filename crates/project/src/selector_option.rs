//! What a selector's option names: a trace, whose cohorts it picks, or a part of a dashboard
//! (1.0.34), which it shows or hides.

/// What a selector's option is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    /// A trace: the selector picks among its cohorts.
    Trace,
    /// A dashboard row, by its `name`.
    Row,
    /// A dashboard item, by its `name`.
    Item,
    /// A chart, shown by the items that show it.
    Chart,
    /// A table, shown by the items that show it.
    Table,
}

impl OptionKind {
    /// How `project.json` and messages name it.
    pub fn label(self) -> &'static str {
        match self {
            OptionKind::Trace => "trace",
            OptionKind::Row => "row",
            OptionKind::Item => "item",
            OptionKind::Chart => "chart",
            OptionKind::Table => "table",
        }
    }
}

impl crate::build::Project {
    /// What a (resolved) selector option names; `None` if nothing of that name is shown.
    pub fn option_kind(&self, option: &str) -> Option<OptionKind> {
        if self.traces.contains_key(option) {
            return Some(OptionKind::Trace);
        }
        if self.charts.contains_key(option) {
            return Some(OptionKind::Chart);
        }
        if self.tables.contains_key(option) {
            return Some(OptionKind::Table);
        }
        let rows = self.dashboards.values().flat_map(|d| &d.rows);
        if rows.clone().any(|r| r.name.as_deref() == Some(option)) {
            return Some(OptionKind::Row);
        }
        rows.flat_map(|r| &r.items)
            .any(|i| i.name.as_deref() == Some(option))
            .then_some(OptionKind::Item)
    }
}
