//! Insights, metrics, dimensions and relations (1.0.76), a table's `data`, and `${ref(x).field}`
//! outside tests: where such a reference may stand and what it may name. What can only be known
//! while making an insight's query (a cycle of metrics, models no relation joins) is reported
//! by `crate::insights`.

use super::inputs::is_input_accessor;
use super::{walk_strings, walk_trace_queries, Validator};
use crate::build::with_article;
use crate::diagnostics::did_you_mean;
use crate::expr::{context_references, extract_query, selected_query};
use crate::input::input_references;
use crate::model::*;
use crate::semantic::is_identifier;
use serde_json::Value;

/// What `${ref(x).field}` may name in metrics and dimensions.
const FIELD_OWNERS: [Kind; 3] = [Kind::Model, Kind::Metric, Kind::Dimension];
/// What `${ref(x)…}` may name in an insight: fields, and inputs (`${ref(region).value}`).
const INSIGHT_REFERENCES: [Kind; 4] = [Kind::Model, Kind::Metric, Kind::Dimension, Kind::Input];

impl Validator<'_> {
    /// 1.0.80 shows either a model's or insight's `data` or a selection/pivot of fields.
    pub(super) fn table_data(&mut self) {
        for (name, table) in &self.project.tables {
            if table.data.is_none() {
                continue;
            }
            let fields = [
                ("columns", table.columns.is_some()),
                ("rows", table.rows.is_some()),
                ("values", table.values.is_some()),
                ("value", table.value.is_some()),
            ];
            if let Some((field, _)) = fields.iter().find(|(_, set)| *set) {
                self.error(Kind::Table, name, Some(field), "`data` can't be combined with `columns`, `rows` or `values`: `data` shows every column of a model, a selection or pivot reads its fields from `traces`");
            }
        }
    }

    /// A trace's SQL is sent as written: a `${ref(x).field}` in it would reach the database.
    pub(super) fn trace_references(&mut self, name: &str, trace: &Trace) {
        let mut found = Vec::new();
        let inputs = &self.project.inputs;
        walk_trace_queries(trace, &mut |path: &str, text: &str| {
            let not_an_input = |r: &crate::expr::Reference| {
                !inputs.contains_key(&r.name) && !is_input_accessor(r.field.as_deref())
            };
            if let Some(reference) = context_references(text).into_iter().find(not_an_input) {
                found.push((path.to_string(), reference));
            }
        });
        for (path, reference) in found {
            let help = match (&reference.field, reference.name == trace.model) {
                (Some(column), true) => format!("this trace reads model '{}': write the column itself, `{column}`", trace.model),
                _ => "a trace reads its own model's columns by name; `${ref(model).column}` is for insights, metrics, dimensions and relations".into(),
            };
            let message = format!("`${{ref({})…}}` can't be used in a trace: its SQL would reach the database as written", reference.name);
            self.error(Kind::Trace, name, Some(&path), message).help = Some(help);
        }
    }

    /// Names are SQL identifiers; a model's own metrics and dimensions use its columns directly,
    /// top-level ones name models, metrics and dimensions with `${ref(…)}`.
    pub(super) fn metrics_and_dimensions(&mut self) {
        let on_models: Vec<&String> = self
            .project
            .models
            .values()
            .filter_map(|m| match m {
                Model::Sql(m) => Some(m.metrics.iter().chain(&m.dimensions)),
                _ => None,
            })
            .flatten()
            .collect();
        let metrics = self
            .project
            .metrics
            .iter()
            .map(|(n, m)| (Kind::Metric, n, &m.expression));
        let dimensions = self
            .project
            .dimensions
            .iter()
            .map(|(n, d)| (Kind::Dimension, n, &d.expression));
        let all: Vec<(Kind, String, String)> = metrics
            .chain(dimensions)
            .map(|(k, n, e)| (k, n.clone(), e.clone()))
            .collect();
        for (kind, name, expression) in all {
            if !is_identifier(&name) {
                self.error(kind, &name, Some("name"), format!("{} name '{name}' may only contain letters, digits and `_`, and may not start with a digit", kind.label()));
            }
            if !on_models.contains(&&name) {
                self.references(kind, &name, "expression", &expression, &FIELD_OWNERS);
                continue;
            }
            if let Some(reference) = context_references(&expression).first() {
                self.error(kind, &name, Some("expression"), format!("a model's own {} can't use `${{ref({})…}}`: it reads its model's columns by name", kind.label(), reference.name))
                    .help = Some(format!("move it to the top-level `{}` to combine models", kind.section()));
            }
        }
    }

    /// A relation's condition joins two or more models by their fields.
    pub(super) fn relations(&mut self) {
        let relations: Vec<(String, String)> = self
            .project
            .relations
            .iter()
            .map(|(n, r)| (n.clone(), r.condition.clone()))
            .collect();
        for (name, condition) in relations {
            self.references(
                Kind::Relation,
                &name,
                "condition",
                &condition,
                &[Kind::Model],
            );
            let mut models: Vec<String> = context_references(&condition)
                .into_iter()
                .map(|r| r.name)
                .collect();
            models.sort();
            models.dedup();
            if models.len() < 2 {
                self.error(
                    Kind::Relation,
                    &name,
                    Some("condition"),
                    format!(
                        "a relation's condition joins at least two models, found {}",
                        match models.as_slice() {
                            [] => "none".to_string(),
                            [one] => format!("only '{one}'"),
                            _ => unreachable!(),
                        }
                    ),
                )
                .help = Some("e.g. `${ref(orders).user_id} = ${ref(users).id}`".into());
            }
        }
    }

    /// An insight's props are plotly's; its `?{…}` read fields of models, metrics and dimensions.
    pub(super) fn insights(&mut self) {
        for (name, insight) in &self.project.insights {
            let mut templated = Vec::new();
            let mut texts = Vec::new();
            walk_strings(
                &Value::Object(insight.props.clone()),
                "props",
                &mut |path, text| {
                    if !context_references(text).is_empty() {
                        templated.push(path.to_string());
                    }
                    texts.push((path.to_string(), text.to_string()));
                },
            );
            self.plotly_props(Kind::Insight, name, &insight.props, &templated);
            for (path, text) in texts {
                self.references(Kind::Insight, name, &path, &text, &INSIGHT_REFERENCES);
                self.insight_inputs(name, &path, &text);
            }
            for (i, interaction) in insight.interactions.iter().enumerate() {
                let field = format!("interactions.{i}");
                if interaction.fields().is_empty() {
                    self.error(
                        Kind::Insight,
                        name,
                        Some(&field),
                        "an interaction needs `filter`, `split` or `sort`",
                    );
                }
                for (key, text) in interaction.fields() {
                    let path = format!("{field}.{key}");
                    if extract_query(text).is_none() {
                        self.error(
                            Kind::Insight,
                            name,
                            Some(&path),
                            format!("expected `?{{ <expression> }}`, found `{}`", text.trim()),
                        );
                    }
                    self.references(Kind::Insight, name, &path, text, &INSIGHT_REFERENCES);
                    self.insight_inputs(name, &path, text);
                }
            }
        }
    }

    /// `${ref(x).value}` and friends in an insight: the accessor fits the input.
    /// An input is read where its value becomes SQL data: not in a plain prop (plotly would get
    /// the text) nor as a sort direction (a value, not SQL).
    fn insight_inputs(&mut self, name: &str, path: &str, text: &str) {
        let is_query = extract_query(text).is_some() || selected_query(text).is_some();
        for reference in input_references(text) {
            if !self.project.inputs.contains_key(&reference.name) {
                continue;
            }
            let input = &reference.name;
            if path.starts_with("props") && !is_query {
                self.error(Kind::Insight, name, Some(path), format!("input '{input}' is read in a prop that is not a `?{{…}}` query: its value would reach plotly as the text `${{ref({input})…}}`"))
                    .help = Some(format!("compute the prop from the value, e.g. `?{{ CASE WHEN ${{ref({input}).value}} = 'x' THEN … END }}`"));
                continue;
            }
            let before = text[..reference.range.start].trim_end();
            let after_an_operand = before.ends_with(|c: char| {
                c.is_alphanumeric() || matches!(c, '_' | ')' | '}' | '"' | '`')
            });
            let direction =
                after_an_operand && text[reference.range.end..].trim_start().starts_with('}');
            if path.ends_with(".sort") && direction {
                self.error(Kind::Insight, name, Some(path), format!("input '{input}' can't choose the sort direction: an input's value is data, never SQL"))
                    .help = Some(format!("sort by a value instead, e.g. `?{{ CASE WHEN ${{ref({input}).value}} = 'desc' THEN -x ELSE x END }}`"));
                continue;
            }
            if let Some((message, help)) =
                self.input_reference_problem(&reference.name, &reference.field)
            {
                self.error(Kind::Insight, name, Some(path), message).help = help;
            }
        }
    }

    /// Each `${ref(x)…}` in `text` names an object of one of the `allowed` kinds; `${…}` holds a
    /// reference.
    fn references(&mut self, kind: Kind, name: &str, field: &str, text: &str, allowed: &[Kind]) {
        let labels: Vec<&str> = allowed.iter().map(|k| k.label()).collect();
        let what = match labels.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };
        let stray = text.match_indices("${").count() > context_references(text).len();
        if stray && !text.contains("${env.") {
            self.error(
                kind,
                name,
                Some(field),
                format!(
                    "`${{…}}` in `{}` holds no reference: write `${{ref(<name>).<field>}}`",
                    text.trim()
                ),
            );
        }
        for reference in context_references(text) {
            let target = reference.name;
            if allowed
                .iter()
                .any(|k| self.project.paths.contains_key(&(*k, target.clone())))
            {
                continue;
            }
            let other = self.project.kind_of(&target);
            let message = match other {
                Some(other) => format!(
                    "`ref({target})` points to {}, but here `${{ref(…)}}` names {}",
                    with_article(other.label()),
                    with_article(&what)
                ),
                None => format!("`ref({target})` does not point to any {what}"),
            };
            let candidates: Vec<&str> = self
                .project
                .paths
                .keys()
                .filter(|(k, _)| allowed.contains(k))
                .map(|(_, n)| n.as_str())
                .collect();
            let hint = did_you_mean(&target, candidates);
            self.error(kind, name, Some(field), message).help = hint;
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use crate::{load_project, LoadOptions, Loaded};

    pub(in crate::validate) fn load(yaml: &str) -> Loaded {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("project.visivo.yml"), yaml).unwrap();
        load_project(&LoadOptions {
            working_dir: dir.path(),
            source_override: None,
            profile: None,
        })
    }

    /// `line:col message` of each error.
    pub(in crate::validate) fn errors(yaml: &str) -> Vec<String> {
        let loaded = load(yaml);
        loaded
            .report
            .items
            .iter()
            .filter(|d| d.is_error())
            .map(|d| {
                let pos = d.location.expect("located").pos;
                format!("{}:{} {}", pos.line, pos.col, d.message)
            })
            .collect()
    }

    const MODELS: &str = "
sources: [{name: db, type: sqlite, database: x.db}]
models:
  - name: orders
    sql: select * from orders
    source: ref(db)
    metrics:
      - {name: total_revenue, expression: SUM(amount)}
    dimensions:
      - {name: order_month, expression: \"DATE_TRUNC('month', day)\"}
  - {name: users, sql: select * from users, source: ref(db)}
";

    #[test]
    fn insights_become_traces_with_metrics_and_dimensions_expanded() {
        let loaded = load(&format!(
            "{MODELS}
metrics:
  - name: revenue_per_user
    expression: ${{ref(orders).total_revenue}} / ${{ref(users).id}}
dimensions:
  - {{name: is_big, expression: \"${{ref(orders).amount}} > 100\", data_type: BOOLEAN}}
relations:
  - name: orders_to_users
    join_type: left
    condition: ${{ref(orders).user_id}} = ${{ref(users).id}}
    is_default: true
insights:
  - name: revenue
    description: Monthly revenue
    props:
      type: bar
      x: ?{{ ${{ref(orders).order_month}} }}
      y: ?{{ ${{ref(total_revenue)}} }}
    interactions:
      - filter: ?{{ ${{ref(orders).amount}} > 10 and ${{ref(orders).region}} = ${{ref(region).value}} }}
      - split: ?{{ ${{ref(orders).region}} }}
        sort: ?{{ ${{ref(orders).day}} desc }}
charts:
  - {{name: c, insights: [ref(revenue), {{name: inline, props: {{type: pie, values: '?{{ ${{ref(orders).amount}} }}'}}}}]}}
tables:
  - {{name: t, data: ref(revenue), insights: ['${{ref(revenue)}}']}}
inputs:
  - {{name: region, type: single-select, options: [north, south]}}
"
        ));
        let report = loaded.report.render(&loaded.files);
        assert!(loaded.report.items.is_empty(), "{report}");
        let project = loaded.project.unwrap();
        assert_eq!(project.charts["c"].insights, ["revenue", "inline"]);
        assert_eq!(project.tables["t"].data.as_deref(), Some("revenue"));
        let revenue = &project.traces["revenue"];
        assert_eq!(revenue.model, "orders");
        assert_eq!(revenue.props["x"], "?{(DATE_TRUNC('month', day))}");
        assert_eq!(revenue.props["y"], "?{(SUM(amount))}");
        assert_eq!(revenue.cohort_on.as_deref(), Some("?{region}"));
        assert_eq!(
            revenue.filters.as_deref(),
            Some(&["?{amount > 10 and region = ${ref(region).value}}".to_string()][..])
        );
        assert_eq!(
            revenue.order_by.as_deref(),
            Some(&["?{day desc}".to_string()][..])
        );
        assert_eq!(project.traces["inline"].props["values"], "?{amount}");
        let crate::Model::Sql(orders) = &project.models["orders"] else {
            panic!("a SQL model")
        };
        assert_eq!(orders.metrics, ["total_revenue"]);
    }

    #[test]
    fn mistakes_in_the_semantic_layer_are_located() {
        let yaml = format!(
            "{MODELS}
metrics:
  - name: per user
    expression: ${{ref(orderz).x}} / ${{nothing}}
  - name: nested_ref
    expression: SUM(amount)
relations:
  - condition: ${{ref(orders).user_id}} = 1
  - {{condition: '${{ref(orders).a}} = ${{ref(users).b}}', join_type: outer}}
insights:
  - name: i
    props: {{type: barr, x: '?{{ ${{ref(db).x}} }}'}}
    interactions:
      - {{filter: amount > 1}}
      - {{}}
  - props: {{type: bar}}
"
        );
        let found = errors(&yaml);
        let expected = [
            "14:5 metric name 'per user' may only contain letters, digits and `_`, and may not start with a digit",
            "15:5 `${…}` in `${ref(orderz).x} / ${nothing}` holds no reference: write `${ref(<name>).<field>}`",
            "15:5 `ref(orderz)` does not point to any model, metric or dimension",
            "19:5 a relation's condition joins at least two models, found only 'orders'",
            "20:55 `outer` is not one of inner, left, right, full",
            "23:13 barr is not a valid trace_props type.",
            "23:25 `ref(db)` points to a source, but here `${ref(…)}` names a model, metric, dimension or input",
            "25:10 expected `?{ <expression> }`, found `amount > 1`",
            "26:9 an interaction needs `filter`, `split` or `sort`",
            "27:5 missing field `name`",
        ];
        for e in &expected {
            assert!(found.contains(&e.to_string()), "{e}\nnot in\n{found:#?}");
        }
        assert_eq!(found.len(), expected.len(), "{found:#?}");
        let nested = errors(&MODELS.replace("SUM(amount)", "'SUM(${ref(users).id})'"));
        assert_eq!(nested, ["8:31 a model's own metric can't use `${ref(users)…}`: it reads its model's columns by name"]);
    }

    #[test]
    fn references_to_insights_and_table_data_are_checked() {
        let errors = errors(&format!(
            "{MODELS}
traces:
  - {{name: tr, model: ref(orders), props: {{type: bar, x: '?{{ ${{ref(orders).day}} }}'}}, filters: ['?{{ ${{ref(users).id}} > 1 }}']}}
charts:
  - {{name: c, insights: [ref(tr)]}}
tables:
  - {{name: t, data: ref(db)}}
  - {{name: u, data: '${{ref(orders).amount}}'}}
  - {{name: v, data: ref(orders), columns: ['${{ref(tr).props.x}}']}}
"
        ));
        assert_eq!(
            errors,
            [
                "16:26 `ref(tr)` points to a trace, but this field needs an insight",
                "18:15 `ref(db)` points to a source, but this field needs a model or insight",
                "19:15 `${ref(orders).amount}` picks `amount` of `orders`, but this field takes a whole model or insight",
                "14:55 `${ref(orders)…}` can't be used in a trace: its SQL would reach the database as written",
                "14:96 `${ref(users)…}` can't be used in a trace: its SQL would reach the database as written",
                "20:34 `data` can't be combined with `columns`, `rows` or `values`: `data` shows every column of a model, a selection or pivot reads its fields from `traces`",
            ]
        );
    }

    #[test]
    fn an_input_in_a_plain_prop_or_as_a_sort_direction_is_refused() {
        let errors = errors(&format!(
            "{MODELS}
inputs:
  - {{name: dir, type: single-select, options: [asc, desc]}}
insights:
  - name: i
    props: {{type: scatter, mode: '${{ref(dir).value}}', y: '?{{ ${{ref(orders).amount}} - ${{ref(dir).value}} }}'}}
    interactions:
      - sort: '?{{ ${{ref(orders).day}} ${{ref(dir).value}} }}'
      - sort: '?{{ ${{ref(orders).day}} = ${{ref(dir).value}} }}'
"
        ));
        assert_eq!(
            errors,
            [
                "17:28 input 'dir' is read in a prop that is not a `?{…}` query: its value would reach plotly as the text `${ref(dir)…}`",
                "19:9 input 'dir' can't choose the sort direction: an input's value is data, never SQL",
            ]
        );
    }
}
