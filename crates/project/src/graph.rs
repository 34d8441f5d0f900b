//! Who depends on whom: traces (and insights, made traces) read models, local merges read models, SQL models read sources;
//! charts, tables and selectors show traces; dashboards show charts, tables and selectors.

use crate::build::Project;
use crate::model::Model;

/// The models a model reads, itself first, then every dependency depth-first (each once).
pub fn model_closure(project: &Project, model: &str) -> Vec<String> {
    let mut out = Vec::new();
    visit_model(project, model, &mut out);
    out
}

fn visit_model(project: &Project, model: &str, out: &mut Vec<String>) {
    if out.iter().any(|m| m == model) {
        return;
    }
    out.push(model.to_string());
    if let Some(Model::LocalMerge(m)) = project.models.get(model) {
        for child in &m.models {
            visit_model(project, child, out);
        }
    }
}

/// Sources a model reads, directly or through local merges.
pub fn model_sources(project: &Project, model: &str) -> Vec<String> {
    let mut sources = Vec::new();
    for m in model_closure(project, model) {
        if let Some(Model::Sql(sql)) = project.models.get(&m) {
            if let Some(source) = project.model_source(sql).and_then(|s| s.name.clone()) {
                if !sources.contains(&source) {
                    sources.push(source);
                }
            }
        }
    }
    sources
}

/// Every object name a trace is connected to: itself, its models and sources, and the charts,
/// tables, selectors and dashboards that show it.
fn related_names(project: &Project, trace: &str) -> Vec<String> {
    let mut names = vec![trace.to_string()];
    if let Some(t) = project.traces.get(trace) {
        let models = match &t.from_insight {
            Some(insight) => {
                names.extend(insight.uses.iter().cloned());
                insight.models.clone()
            }
            None => vec![t.model.clone()],
        };
        for model in models {
            names.extend(model_closure(project, &model));
            names.extend(model_sources(project, &model));
        }
    }
    let shows = |traces: &[String]| traces.iter().any(|t| t == trace);
    let charts: Vec<&String> = project
        .charts
        .iter()
        .filter(|(_, c)| shows(&c.traces) || shows(&c.insights))
        .map(|(n, _)| n)
        .collect();
    let tables: Vec<&String> = project
        .tables
        .iter()
        .filter(|(_, t)| shows(&t.traces) || shows(&t.insights) || t.data.as_deref() == Some(trace))
        .map(|(n, _)| n)
        .collect();
    let selectors: Vec<&String> = project
        .selectors
        .iter()
        .filter(|(_, s)| shows(&s.options))
        .map(|(n, _)| n)
        .collect();
    for (name, dashboard) in &project.dashboards {
        let on_dashboard = dashboard.rows.iter().flat_map(|r| &r.items).any(|i| {
            i.chart.as_ref().is_some_and(|c| charts.contains(&c))
                || i.table.as_ref().is_some_and(|t| tables.contains(&t))
                || i.selector.as_ref().is_some_and(|s| selectors.contains(&s))
        });
        if on_dashboard {
            names.push(name.clone());
        }
    }
    names.extend(charts.into_iter().cloned());
    names.extend(tables.into_iter().cloned());
    names.extend(selectors.into_iter().cloned());
    names
}

/// `--name-filter`: the traces connected to the object called `name`; `None` if no object has
/// that name.
pub fn traces_for_filter(project: &Project, name: &str) -> Option<Vec<String>> {
    let exists = project.paths.keys().any(|(_, n)| n == name);
    if !exists {
        return None;
    }
    Some(
        project
            .traces
            .keys()
            .filter(|t| related_names(project, t).iter().any(|n| n == name))
            .cloned()
            .collect(),
    )
}
