//! Insights and the semantic layer of Visivo 1.0.76: `insights`, `metrics`, `dimensions` and
//! `relations`. They are read and checked (names, references, expressions' shape) so projects
//! written for 1.0.76+ load; nothing computes them yet: charts and tables that show an insight
//! say so in the viewer.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A visualisation computed from models (1.0.76): plotly `props` whose `?{…}` read model fields
/// as `${ref(model).column}`, and `interactions` applied in the browser.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Insight {
    /// Unique name (required).
    pub name: String,
    /// What it shows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// plotly trace attributes (`type` required); `?{ ${ref(model).column} }` values read data.
    #[serde(default)]
    pub props: Map<String, Value>,
    /// Filters, splits and sorts applied to its data in the browser.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interactions: Vec<Interaction>,
}

/// One client-side step of an [`Insight`]: each field is a `?{…}` expression.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Interaction {
    /// Keeps the rows where this holds, e.g. `?{ ${ref(orders).amount} > 100 }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// One series per value, like a trace's `cohort_on`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<String>,
    /// Ordering of the rows, e.g. `?{ ${ref(orders).day} desc }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
}

impl Interaction {
    /// `(field, expression)` of the fields that are set.
    pub fn fields(&self) -> Vec<(&'static str, &str)> {
        [
            ("filter", &self.filter),
            ("split", &self.split),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter_map(|(field, value)| Some((field, value.as_deref()?)))
        .collect()
    }
}

/// A named aggregate (1.0.76): on a model (`SUM(amount)`), or at the top level combining
/// other fields (`${ref(orders).total_revenue} / ${ref(users).total_users}`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Metric {
    /// Unique name: letters, digits and `_`, not starting with a digit (required).
    pub name: String,
    /// The SQL aggregate; `${ref(…)}` only at the top level.
    pub expression: String,
    /// What it measures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A named row-level expression (1.0.76), on a model or at the top level.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    /// Unique name: letters, digits and `_`, not starting with a digit (required).
    pub name: String,
    /// The SQL expression computed for each row; `${ref(…)}` only at the top level.
    pub expression: String,
    /// SQL type of the value (`VARCHAR`, `DATE`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    /// What it means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// How two models join (1.0.76).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Relation {
    /// Unique name.
    #[serde(default)]
    pub name: Option<String>,
    /// `inner` (default), `left`, `right` or `full`.
    #[serde(default)]
    pub join_type: JoinType,
    /// The join condition over two or more models: `${ref(orders).user_id} = ${ref(users).id}`.
    pub condition: String,
    /// The relation used when several join the same models.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
}

/// The SQL join of a [`Relation`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum JoinType {
    /// `INNER JOIN` (the default).
    #[default]
    Inner,
    /// `LEFT JOIN`.
    Left,
    /// `RIGHT JOIN`.
    Right,
    /// `FULL JOIN`.
    Full,
}

/// Whether `name` can name a metric or dimension (1.0.82's rule: an SQL identifier).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
