//! Which relations join the models an insight reaches (docs/insights.md, "Relations").
//!
//! The first model the insight mentions is the FROM; every other one is reached by the shortest
//! chain of relations, which must be the only shortest one. Models on that chain that the insight
//! doesn't name are joined too. Between two models, the relation used is the only one, or the one
//! marked `is_default`.

use crate::build::Project;
use crate::expr::context_reference_names;
use crate::model::JoinType;
use std::collections::{HashMap, VecDeque};

/// One `JOIN` of the plan: `model` joined to the models before it on `condition`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Join {
    pub(super) model: String,
    /// The relation's name.
    pub(super) relation: String,
    pub(super) join_type: JoinType,
    /// The relation's condition as written (`${ref(a).x} = ${ref(b).y}`).
    pub(super) condition: String,
}

/// A relation between two models, seen from one of them.
#[derive(Debug, Clone)]
struct Edge {
    /// The relation, or why none can be chosen (several and no default).
    relation: Result<String, String>,
    /// Whether the relation names the model it is seen from first (its LEFT side).
    written_from_here: bool,
}

/// The joins that bring `models[1..]` to `models[0]`, in an order where each join's condition
/// only names models already joined; `Err` says which models no relation connects, or which
/// have two equally short ways.
pub(super) fn plan(project: &Project, models: &[String]) -> Result<Vec<Join>, String> {
    let graph = graph(project);
    let Some(from) = models.first() else {
        return Ok(Vec::new());
    };
    let parents = shortest_paths(&graph, from, models)?;
    let mut order: Vec<&String> = Vec::new();
    for model in &models[1..] {
        let mut chain = vec![model];
        let mut current = model;
        while let Some((parent, _)) = parents.get(current) {
            if parent == from || order.contains(&parent) {
                break;
            }
            chain.push(parent);
            current = parent;
        }
        for m in chain.into_iter().rev() {
            if !order.contains(&m) {
                order.push(m);
            }
        }
    }
    order
        .into_iter()
        .map(|model| {
            let (_, edge) = &parents[model];
            let relation = &project.relations[edge.relation.as_ref()?];
            // A `left` relation keeps every row of the model it names first; the edge is seen
            // from the model joined to.
            let join_type = match (relation.join_type, edge.written_from_here) {
                (JoinType::Left, false) => JoinType::Right,
                (JoinType::Right, false) => JoinType::Left,
                (t, _) => t,
            };
            Ok(Join {
                model: model.clone(),
                relation: edge.relation.clone()?,
                join_type,
                condition: relation.condition.clone(),
            })
        })
        .collect()
}

/// For every model, its neighbours and the relation used to reach each.
type Graph = HashMap<String, Vec<(String, Edge)>>;

fn graph(project: &Project) -> Graph {
    let mut by_pair: HashMap<(String, String), Vec<&String>> = HashMap::new();
    for (name, relation) in &project.relations {
        let models = models_of(&relation.condition);
        if let [a, b] = models.as_slice() {
            let pair = match a < b {
                true => (a.clone(), b.clone()),
                false => (b.clone(), a.clone()),
            };
            by_pair.entry(pair).or_default().push(name);
        }
    }
    let mut graph = Graph::new();
    let mut pairs: Vec<_> = by_pair.into_iter().collect();
    pairs.sort();
    for ((a, b), relations) in pairs {
        let relation = chosen(project, &a, &b, &relations);
        let a_first = relation
            .as_ref()
            .is_ok_and(|r| models_of(&project.relations[r].condition)[0] == a);
        let edge = |written_from_here| Edge {
            relation: relation.clone(),
            written_from_here,
        };
        graph
            .entry(a.clone())
            .or_default()
            .push((b.clone(), edge(a_first)));
        graph.entry(b).or_default().push((a, edge(!a_first)));
    }
    graph
}

/// The models a condition names, each once, in order of first mention.
fn models_of(condition: &str) -> Vec<String> {
    let mut models: Vec<String> = Vec::new();
    for name in context_reference_names(condition) {
        if !models.contains(&name) {
            models.push(name);
        }
    }
    models
}

/// The relation joining `a` and `b`: the only one, or the only one marked `is_default`.
fn chosen(project: &Project, a: &str, b: &str, relations: &[&String]) -> Result<String, String> {
    let defaults: Vec<&String> = relations
        .iter()
        .copied()
        .filter(|r| project.relations[r.as_str()].is_default == Some(true))
        .collect();
    match (relations, defaults.as_slice()) {
        ([only], _) | (_, [only]) => Ok(only.to_string()),
        _ => Err(format!(
            "relations {} all join '{a}' and '{b}'; mark the one to use with `is_default: true`",
            quoted_list(relations)
        )),
    }
}

/// BFS from `from`: for each model reached, the model it is reached from and by which relation.
/// Every model of `wanted` must be reached by exactly one shortest chain.
fn shortest_paths(
    graph: &Graph,
    from: &str,
    wanted: &[String],
) -> Result<HashMap<String, (String, Edge)>, String> {
    let mut depth: HashMap<&str, usize> = HashMap::from([(from, 0)]);
    let mut ways: HashMap<&str, usize> = HashMap::from([(from, 1)]);
    let mut parents: HashMap<String, (String, Edge)> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    while let Some(current) = queue.pop_front() {
        let d = depth[current];
        for (next, edge) in graph.get(current).into_iter().flatten() {
            match depth.get(next.as_str()) {
                None => {
                    depth.insert(next, d + 1);
                    ways.insert(next, ways[current]);
                    parents.insert(next.clone(), (current.to_string(), edge.clone()));
                    queue.push_back(next);
                }
                Some(&nd) if nd == d + 1 => {
                    // Saturating: the number of chains grows exponentially with a dense graph's
                    // depth; only "one or more than one" matters.
                    let total = ways[next.as_str()].saturating_add(ways[current]);
                    ways.insert(next, total);
                }
                Some(_) => {}
            }
        }
    }
    for model in &wanted[1..] {
        match ways.get(model.as_str()) {
            None => {
                return Err(format!(
                    "no relation connects '{from}' and '{model}', so their fields can't be combined"
                ))
            }
            Some(&n) if n > 1 => {
                return Err(format!(
                    "'{from}' and '{model}' are joined by {n} equally short chains of relations; the join would be ambiguous"
                ))
            }
            _ => {}
        }
    }
    Ok(parents)
}

fn quoted_list(names: &[&String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    quoted.join(", ")
}
