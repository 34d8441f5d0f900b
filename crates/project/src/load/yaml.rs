//! YAML text → a tree of nodes that remember where they were written.
//!
//! Scalars are resolved with YAML 1.1 rules (as PyYAML's safe loader does, which is what
//! existing Visivo projects were written against): `yes`/`no`/`on`/`off` are booleans, `1:30`
//! is a base-60 integer, `1e3` without a dot stays a string. Dates stay strings.

use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;

/// A position in a rendered file: 1-based line, 1-based column (in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in file order; a duplicated key keeps its first position and its last value.
    Map(Vec<MapEntry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct MapEntry {
    pub key: String,
    pub key_pos: Pos,
    pub value: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
}

/// Parses one YAML document. An empty document is `Null`.
pub fn parse(text: &str) -> Result<Node, YamlError> {
    let mut builder = Builder::default();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| YamlError {
            pos: Pos {
                line: e.marker().line(),
                col: e.marker().col() + 1,
            },
            message: e.info().to_string(),
        })?;
        let pos = Pos {
            line: span.start.line(),
            col: span.start.col() + 1,
        };
        if let Some(done) = builder.on_event(event, pos)? {
            return Ok(done);
        }
    }
    Ok(builder.finished.unwrap_or(Node {
        pos: Pos { line: 1, col: 1 },
        kind: NodeKind::Null,
    }))
}

enum Open {
    Seq(Node, usize),
    Map {
        node: Node,
        anchor: usize,
        pending_key: Option<(String, Pos)>,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    anchors: HashMap<usize, Node>,
    finished: Option<Node>,
    documents: usize,
}

impl Builder {
    fn on_event(&mut self, event: Event, pos: Pos) -> Result<Option<Node>, YamlError> {
        match event {
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(YamlError {
                        pos,
                        message: "a project file must hold a single YAML document (found `---` starting a second one)".into(),
                    });
                }
            }
            Event::Scalar(value, style, anchor, tag) => {
                let kind = resolve_scalar(&value, style, tag.as_deref().map(|t| t.suffix.as_str()));
                self.push_value(Node { pos, kind }, anchor, pos)?;
            }
            Event::Alias(id) => {
                let mut node = self.anchors.get(&id).cloned().ok_or_else(|| YamlError {
                    pos,
                    message: "unknown alias".into(),
                })?;
                node.pos = pos;
                self.push_value(node, 0, pos)?;
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Open::Seq(
                Node {
                    pos,
                    kind: NodeKind::Seq(Vec::new()),
                },
                anchor,
            )),
            Event::MappingStart(anchor, _) => self.stack.push(Open::Map {
                node: Node {
                    pos,
                    kind: NodeKind::Map(Vec::new()),
                },
                anchor,
                pending_key: None,
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Open::Seq(node, anchor)) | Some(Open::Map { node, anchor, .. }) => {
                        (node, anchor)
                    }
                    None => return Ok(None),
                };
                self.push_value(node, anchor, pos)?;
            }
            Event::StreamEnd => return Ok(self.finished.take()),
            _ => {}
        }
        Ok(None)
    }

    fn push_value(&mut self, node: Node, anchor: usize, pos: Pos) -> Result<(), YamlError> {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.finished = Some(node),
            Some(Open::Seq(seq, _)) => {
                if let NodeKind::Seq(items) = &mut seq.kind {
                    items.push(node);
                }
            }
            Some(Open::Map {
                node: map,
                pending_key,
                ..
            }) => match pending_key.take() {
                None => *pending_key = Some((key_text(&node, pos)?, node.pos)),
                Some((key, key_pos)) => {
                    if let NodeKind::Map(entries) = &mut map.kind {
                        insert_entry(entries, key, key_pos, node);
                    }
                }
            },
        }
        Ok(())
    }
}

fn insert_entry(entries: &mut Vec<MapEntry>, key: String, key_pos: Pos, value: Node) {
    if key == "<<" {
        if let NodeKind::Map(merged) = value.kind {
            for entry in merged {
                if !entries.iter().any(|e| e.key == entry.key) {
                    entries.push(entry);
                }
            }
            return;
        }
    }
    match entries.iter_mut().find(|e| e.key == key) {
        Some(existing) => existing.value = value,
        None => entries.push(MapEntry {
            key,
            key_pos,
            value,
        }),
    }
}

fn key_text(node: &Node, pos: Pos) -> Result<String, YamlError> {
    Ok(match &node.kind {
        NodeKind::Str(s) => s.clone(),
        NodeKind::Int(i) => i.to_string(),
        NodeKind::Float(f) => f.to_string(),
        NodeKind::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        NodeKind::Null => "None".to_string(),
        NodeKind::Seq(_) | NodeKind::Map(_) => {
            return Err(YamlError {
                pos,
                message: "a mapping key must be a plain value, not a list or mapping".into(),
            })
        }
    })
}

fn resolve_scalar(value: &str, style: ScalarStyle, tag: Option<&str>) -> NodeKind {
    if let Some(tag) = tag {
        match tag {
            "str" => return NodeKind::Str(value.to_string()),
            "int" => {
                if let Some(i) = parse_int(value) {
                    return NodeKind::Int(i);
                }
            }
            "float" => {
                if let Ok(f) = value.parse::<f64>() {
                    return NodeKind::Float(f);
                }
            }
            _ => {}
        }
    }
    if style != ScalarStyle::Plain {
        return NodeKind::Str(value.to_string());
    }
    match value {
        "" | "~" | "null" | "Null" | "NULL" => return NodeKind::Null,
        "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            return NodeKind::Bool(true)
        }
        "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            return NodeKind::Bool(false)
        }
        _ => {}
    }
    if let Some(i) = parse_int(value) {
        return NodeKind::Int(i);
    }
    if let Some(f) = parse_float(value) {
        return NodeKind::Float(f);
    }
    NodeKind::Str(value.to_string())
}

/// YAML 1.1 integers: decimal, `0x`, `0o`/leading-zero octal, `0b`, underscores, base 60.
fn parse_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() || digits.starts_with('_') {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let magnitude = if let Some(hex) = clean.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(bin) = clean.strip_prefix("0b") {
        i64::from_str_radix(bin, 2).ok()?
    } else if let Some(oct) = clean.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if clean.contains(':') {
        parse_sexagesimal(&clean)?
    } else if clean.len() > 1 && clean.starts_with('0') {
        i64::from_str_radix(&clean[1..], 8).ok()?
    } else if clean.bytes().all(|b| b.is_ascii_digit()) {
        clean.parse().ok()?
    } else {
        return None;
    };
    Some(if negative { -magnitude } else { magnitude })
}

fn parse_sexagesimal(text: &str) -> Option<i64> {
    let mut parts = text.split(':');
    let first = parts.next()?;
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) || first.starts_with('0') {
        return None;
    }
    let mut total: i64 = first.parse().ok()?;
    for part in parts {
        let valid = !part.is_empty() && part.len() <= 2 && part.bytes().all(|b| b.is_ascii_digit());
        let n: i64 = if valid {
            part.parse().ok()?
        } else {
            return None;
        };
        if n >= 60 {
            return None;
        }
        total = total.checked_mul(60)?.checked_add(n)?;
    }
    Some(total)
}

/// YAML 1.1 floats need a dot (`1.5`, `.5`, `1.e3`, `6.8523015e+5`) or are `.inf`/`.nan`.
fn parse_float(text: &str) -> Option<f64> {
    let unsigned = text.trim_start_matches(['-', '+']);
    match unsigned {
        ".inf" | ".Inf" | ".INF" => {
            return Some(if text.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            })
        }
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let looks_numeric = clean.contains('.')
        && clean
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        && clean.chars().any(|c| c.is_ascii_digit());
    if looks_numeric {
        clean.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar(text: &str) -> NodeKind {
        match parse(&format!("v: {text}")).unwrap().kind {
            NodeKind::Map(mut entries) => entries.remove(0).value.kind,
            other => panic!("not a map: {other:?}"),
        }
    }

    #[test]
    fn yaml_11_scalars() {
        assert_eq!(scalar("yes"), NodeKind::Bool(true));
        assert_eq!(scalar("off"), NodeKind::Bool(false));
        assert_eq!(scalar("1:30"), NodeKind::Int(90));
        assert_eq!(scalar("0x1F"), NodeKind::Int(31));
        assert_eq!(scalar("1_000"), NodeKind::Int(1000));
        assert_eq!(scalar("1.5"), NodeKind::Float(1.5));
        assert_eq!(scalar("1e3"), NodeKind::Str("1e3".into()));
        assert_eq!(scalar("2024-01-01"), NodeKind::Str("2024-01-01".into()));
        assert_eq!(scalar("'yes'"), NodeKind::Str("yes".into()));
        assert_eq!(scalar("~"), NodeKind::Null);
        assert_eq!(scalar(""), NodeKind::Null);
    }

    #[test]
    fn positions_are_one_based() {
        let node = parse("a: 1\nlist:\n  - x: 2\n").unwrap();
        let NodeKind::Map(entries) = node.kind else {
            panic!()
        };
        assert_eq!(entries[1].key_pos, Pos { line: 2, col: 1 });
        let NodeKind::Seq(items) = &entries[1].value.kind else {
            panic!()
        };
        assert_eq!(items[0].pos, Pos { line: 3, col: 5 });
    }

    #[test]
    fn duplicate_keys_last_wins_and_anchors_resolve() {
        let node = parse("a: 1\na: 2\nb: &x {k: v}\nc: *x\n").unwrap();
        let NodeKind::Map(entries) = node.kind else {
            panic!()
        };
        assert_eq!(entries.len(), 3);
        assert_eq!(entries[0].value.kind, NodeKind::Int(2));
        assert_eq!(entries[2].value.kind, entries[1].value.kind);
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.pos.line >= 1);
        assert!(!err.message.is_empty());
    }
}
