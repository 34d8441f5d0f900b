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
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub col: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) pos: Pos,
    pub(crate) kind: NodeKind,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NodeKind {
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
pub(crate) struct MapEntry {
    pub(crate) key: String,
    pub(crate) key_pos: Pos,
    pub(crate) value: Node,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct YamlError {
    pub(crate) pos: Pos,
    pub(crate) message: String,
}

/// How deep lists and mappings may nest. Real projects nest fewer than 15 levels; the limit keeps
/// every walk over the tree (conversion, validation, serialisation, dropping) far from the stack's
/// end whatever the file holds.
pub const MAX_DEPTH: usize = 64;

/// Aliases may repeat parts of a file, not blow it up: the expanded document (roughly the bytes of
/// YAML it stands for) may be at most this size, or [`EXPANSION_PER_BYTE`] times the file's.
pub const MIN_EXPANSION_LIMIT: usize = 1 << 20;
pub(crate) const EXPANSION_PER_BYTE: usize = 8;

/// Parses one YAML document. An empty document is `Null`.
pub(crate) fn parse(text: &str) -> Result<Node, YamlError> {
    let mut builder = Builder::new(text.len());
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|e| {
            let pos = Pos {
                line: e.marker().line(),
                col: e.marker().col() + 1,
            };
            match e.info() {
                // The parser's own limit on `[`/`{` nesting (255), met before the events reach ours.
                "recursion limit exceeded" => too_deep(pos),
                info => YamlError {
                    pos,
                    message: info.to_string(),
                },
            }
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

fn too_deep(pos: Pos) -> YamlError {
    YamlError {
        pos,
        message: format!(
            "lists and mappings nest more than {MAX_DEPTH} levels deep here, the most Visivo reads"
        ),
    }
}

/// What a finished value costs and how many levels of lists and mappings it holds.
#[derive(Clone, Copy)]
struct Extent {
    size: usize,
    levels: usize,
}

/// A list or mapping whose end hasn't been read yet.
struct Open {
    node: Node,
    anchor: usize,
    /// A mapping's key waiting for its value.
    pending_key: Option<(String, Pos)>,
    /// A mapping's entries by key, so long mappings are built in linear time.
    keys: HashMap<String, usize>,
    /// `Builder::size` when this value started.
    size_before: usize,
    /// The most levels any child holds.
    child_levels: usize,
}

struct Anchored {
    node: Node,
    extent: Extent,
}

struct Builder {
    stack: Vec<Open>,
    anchors: HashMap<usize, Anchored>,
    finished: Option<Node>,
    documents: usize,
    /// The size of everything built so far, alias copies included.
    size: usize,
    size_limit: usize,
}

impl Builder {
    fn new(text_len: usize) -> Self {
        Builder {
            stack: Vec::new(),
            anchors: HashMap::new(),
            finished: None,
            documents: 0,
            size: 0,
            size_limit: MIN_EXPANSION_LIMIT.max(text_len.saturating_mul(EXPANSION_PER_BYTE)),
        }
    }

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
                let extent = Extent {
                    size: value.len() + 1,
                    levels: 0,
                };
                self.grow(extent.size, pos)?;
                let kind = resolve_scalar(&value, style, tag.as_deref().map(|t| t.suffix.as_str()));
                self.push_value(Node { pos, kind }, anchor, extent, pos)?;
            }
            Event::Alias(id) => {
                let unknown = || YamlError {
                    pos,
                    message: "unknown alias".into(),
                };
                let extent = self.anchors.get(&id).ok_or_else(unknown)?.extent;
                self.check_depth(self.stack.len() + extent.levels, pos)?;
                self.grow(extent.size, pos)?;
                let mut node = self.anchors.get(&id).ok_or_else(unknown)?.node.clone();
                node.pos = pos;
                self.push_value(node, 0, extent, pos)?;
            }
            Event::SequenceStart(anchor, _) => self.open(NodeKind::Seq(Vec::new()), anchor, pos)?,
            Event::MappingStart(anchor, _) => self.open(NodeKind::Map(Vec::new()), anchor, pos)?,
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(open) = self.stack.pop() else {
                    return Ok(None);
                };
                let extent = Extent {
                    size: self.size - open.size_before,
                    levels: open.child_levels + 1,
                };
                self.push_value(open.node, open.anchor, extent, pos)?;
            }
            Event::StreamEnd => return Ok(self.finished.take()),
            _ => {}
        }
        Ok(None)
    }

    fn open(&mut self, kind: NodeKind, anchor: usize, pos: Pos) -> Result<(), YamlError> {
        self.check_depth(self.stack.len() + 1, pos)?;
        let size_before = self.size;
        self.grow(1, pos)?;
        self.stack.push(Open {
            node: Node { pos, kind },
            anchor,
            pending_key: None,
            keys: HashMap::new(),
            size_before,
            child_levels: 0,
        });
        Ok(())
    }

    fn check_depth(&self, levels: usize, pos: Pos) -> Result<(), YamlError> {
        if levels <= MAX_DEPTH {
            return Ok(());
        }
        Err(too_deep(pos))
    }

    /// Counts `size` more towards the limit on the expanded document.
    fn grow(&mut self, size: usize, pos: Pos) -> Result<(), YamlError> {
        self.size = self.size.saturating_add(size);
        if self.size <= self.size_limit {
            return Ok(());
        }
        Err(YamlError {
            pos,
            message: format!(
                "aliases expand this file beyond {} bytes of YAML, the most allowed for it (the larger of {MIN_EXPANSION_LIMIT} bytes and {EXPANSION_PER_BYTE} times the file's size)",
                self.size_limit
            ),
        })
    }

    fn push_value(
        &mut self,
        node: Node,
        anchor: usize,
        extent: Extent,
        pos: Pos,
    ) -> Result<(), YamlError> {
        if anchor > 0 {
            // The copy kept for later aliases costs as much as the value itself.
            self.grow(extent.size, pos)?;
            let anchored = Anchored {
                node: node.clone(),
                extent,
            };
            self.anchors.insert(anchor, anchored);
        }
        let Some(parent) = self.stack.last_mut() else {
            self.finished = Some(node);
            return Ok(());
        };
        parent.child_levels = parent.child_levels.max(extent.levels);
        match &mut parent.node.kind {
            NodeKind::Seq(items) => items.push(node),
            NodeKind::Map(entries) => match parent.pending_key.take() {
                None => parent.pending_key = Some((key_text(&node, pos)?, node.pos)),
                Some((key, key_pos)) => insert_entry(entries, &mut parent.keys, key, key_pos, node),
            },
            _ => {}
        }
        Ok(())
    }
}

/// Adds `key: value` to a mapping whose entries are indexed by key in `index`.
fn insert_entry(
    entries: &mut Vec<MapEntry>,
    index: &mut HashMap<String, usize>,
    key: String,
    key_pos: Pos,
    value: Node,
) {
    if key == "<<" {
        if let NodeKind::Map(merged) = value.kind {
            for entry in merged {
                if !index.contains_key(&entry.key) {
                    index.insert(entry.key.clone(), entries.len());
                    entries.push(entry);
                }
            }
            return;
        }
    }
    match index.get(&key) {
        Some(&existing) => entries[existing].value = value,
        None => {
            index.insert(key.clone(), entries.len());
            entries.push(MapEntry {
                key,
                key_pos,
                value,
            });
        }
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
    fn nesting_deeper_than_the_limit_is_a_located_error() {
        let deep = format!("layout:\n  a:\n    {}x\n", "- ".repeat(20_000));
        let err = parse(&deep).unwrap_err();
        assert!(err.message.contains("64 levels"), "{}", err.message);
        assert_eq!(err.pos.line, 3);
        let flow = format!("a: {}{}", "[".repeat(200), "]".repeat(200));
        assert!(parse(&flow).unwrap_err().message.contains("64 levels"));
        let at_the_limit = format!("{}x", "- ".repeat(MAX_DEPTH));
        assert!(parse(&at_the_limit).is_ok());
    }

    #[test]
    fn aliases_cannot_nest_deeper_than_the_limit() {
        let mut text = String::from("l0: &a0 x\n");
        for i in 1..=MAX_DEPTH {
            text.push_str(&format!("l{i}: &a{i} [*a{}]\n", i - 1));
        }
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("64 levels"), "{}", err.message);
        assert_eq!(err.pos.line, MAX_DEPTH + 1);
    }

    /// Nine levels of nine aliases: 602 bytes that would expand to 9^9 values.
    fn alias_bomb() -> String {
        let mut text = String::from("l0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let aliases = vec![format!("*a{}", i - 1); 9].join(", ");
            text.push_str(&format!("l{i}: &a{i} [{aliases}]\n"));
        }
        text
    }

    #[test]
    fn an_alias_bomb_is_a_located_error() {
        let bomb = alias_bomb();
        let started = std::time::Instant::now();
        let err = parse(&bomb).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert!(err.message.contains("aliases expand"), "{}", err.message);
        assert!(err.pos.line > 1 && err.pos.line <= 9, "{err:?}");
    }

    #[test]
    fn ordinary_reuse_of_anchors_is_accepted() {
        let mut text = String::from(
            "base: &base {type: bar, marker: {color: red, line: {width: 2}}}\nitems:\n",
        );
        for i in 0..2000 {
            text.push_str(&format!("  - {{name: t{i}, <<: *base}}\n"));
        }
        assert!(parse(&text).is_ok());
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.pos.line >= 1);
        assert!(!err.message.is_empty());
    }
}
