//! The shape pass: the TOML tree checked against the plan [`FORMAT`](super::FORMAT).
//!
//! Reports unknown keys (with "did you mean"), wrong types, values outside their choices and
//! missing required keys — all of them, not the first — and keeps only the values that fit, in
//! a tree of its own ([`Node`]) that the meaning pass can read without checking types again.

use std::ops::Range;

use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue};

use super::format::{FORMAT, Field, Kind};
use super::model::At;
use super::secrets::key_looks_secret;
use crate::diagnostic::{Code, Diagnostic};
use crate::suggest::closest;

/// A value that has the shape the format asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Str(String),
    Bool(bool),
    Int(i64),
    List(Vec<At<String>>),
    Table(Table),
}

/// A table's entries in file order, with the span of the table itself.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub span: Range<usize>,
    pub entries: Vec<(At<String>, At<Node>)>,
}

impl Table {
    pub fn get(&self, key: &str) -> Option<&At<Node>> {
        self.entries.iter().find(|(k, _)| k.value == key).map(|(_, v)| v)
    }

    pub fn str(&self, key: &str) -> Option<At<&str>> {
        match self.get(key) {
            Some(At { value: Node::Str(s), span }) => Some(At::new(s.as_str(), span.clone())),
            _ => None,
        }
    }

    pub fn bool(&self, key: &str) -> Option<At<bool>> {
        match self.get(key) {
            Some(At { value: Node::Bool(b), span }) => Some(At::new(*b, span.clone())),
            _ => None,
        }
    }

    pub fn int(&self, key: &str) -> Option<At<i64>> {
        match self.get(key) {
            Some(At { value: Node::Int(i), span }) => Some(At::new(*i, span.clone())),
            _ => None,
        }
    }

    pub fn list(&self, key: &str) -> Option<At<&[At<String>]>> {
        match self.get(key) {
            Some(At { value: Node::List(items), span }) => Some(At::new(items.as_slice(), span.clone())),
            _ => None,
        }
    }

    pub fn table(&self, key: &str) -> Option<&Table> {
        match self.get(key) {
            Some(At { value: Node::Table(t), .. }) => Some(t),
            _ => None,
        }
    }
}

/// Checks the document against the format; returns the fitting part and the problems.
pub fn check(root: &Spanned<DeTable<'_>>) -> (Table, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let table = check_table(root.get_ref(), root_span(root), FORMAT, "", &mut problems);
    (table, problems)
}

/// The root table's span covers the whole file; missing root keys point at its first line.
fn root_span(root: &Spanned<DeTable<'_>>) -> Range<usize> {
    let span = root.span();
    span.start..span.start
}

fn path_of(parent: &str, key: &str) -> String {
    if parent.is_empty() { key.to_string() } else { format!("{parent}.{key}") }
}

fn check_table(
    table: &DeTable<'_>,
    span: Range<usize>,
    fields: &'static [Field],
    path: &str,
    problems: &mut Vec<Diagnostic>,
) -> Table {
    let mut out = Table { span: span.clone(), entries: Vec::new() };
    let mut entries: Vec<_> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);
    for (key, value) in entries {
        let name = key.get_ref().as_ref();
        let key_at = At::new(name.to_string(), key.span());
        match fields.iter().find(|f| f.name == name) {
            Some(field) => {
                if let Some(node) = check_value(value, &field.kind, &path_of(path, name), problems) {
                    out.entries.push((key_at, node));
                }
            }
            None if key_looks_secret(name) => {} // the secrets pass reports it
            None => problems.push(unknown_key(name, key.span(), fields, path)),
        }
    }
    for field in fields.iter().filter(|f| f.required) {
        if out.get(field.name).is_none() && !table.contains_key(field.name) {
            let full = path_of(path, field.name);
            let place = if path.is_empty() { "the plan".to_string() } else { format!("[{path}]") };
            problems.push(
                Diagnostic::new(field.missing, format!("{place} has no `{}`", field.name))
                    .label(span.clone(), format!("`{full}` is required"))
                    .help(format!("add `{full}`: {}", field.doc)),
            );
        }
    }
    out
}

fn unknown_key(name: &str, span: Range<usize>, fields: &'static [Field], path: &str) -> Diagnostic {
    let full = path_of(path, name);
    let mut diagnostic = Diagnostic::new(Code::PlanUnknownKey, format!("unknown key `{full}`"));
    if let Some(suggestion) = closest(name, fields.iter().map(|f| f.name)) {
        diagnostic = diagnostic
            .label(span, format!("did you mean `{suggestion}`?"))
            .help(format!("rename it to `{}`", path_of(path, suggestion)));
    } else if let Some(home) = home_of(name, FORMAT, "") {
        diagnostic = diagnostic
            .label(span, format!("`{name}` belongs in [{home}]"))
            .help(format!("move it under [{home}]"));
    } else {
        let known: Vec<_> = fields.iter().map(|f| format!("`{}`", f.name)).collect();
        let place = if path.is_empty() { "at the top of a plan".to_string() } else { format!("in [{path}]") };
        diagnostic = diagnostic
            .label(span, "not part of the plan format")
            .help(format!("remove it; the keys allowed {place} are {}", known.join(", ")));
    }
    diagnostic
}

/// The table path where a key of this name is allowed, for keys written in the wrong table.
fn home_of(name: &str, fields: &'static [Field], path: &str) -> Option<String> {
    for field in fields {
        if let Kind::Table(inner) = &field.kind {
            let here = path_of(path, field.name);
            if inner.iter().any(|f| f.name == name) {
                return Some(here);
            }
            if let Some(found) = home_of(name, inner, &here) {
                return Some(found);
            }
        }
    }
    None
}

fn found_type(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

fn wrong_type(path: &str, expected: &Kind, value: &Spanned<DeValue<'_>>) -> Diagnostic {
    let found = found_type(value.get_ref());
    let mut help = format!("write `{path}` as {}", expected.type_name());
    if let (Kind::Choice(choices), DeValue::Boolean(_) | DeValue::Integer(_)) = (expected, value.get_ref()) {
        help = format!("write one of {} in quotes", quoted(choices));
    }
    Diagnostic::new(Code::PlanWrongType, format!("`{path}` must be {}, not {found}", expected.type_name()))
        .label(value.span(), format!("this is {found}"))
        .help(help)
}

fn quoted(choices: &[&str]) -> String {
    choices.iter().map(|c| format!("\"{c}\"")).collect::<Vec<_>>().join(", ")
}

fn check_value(
    value: &Spanned<DeValue<'_>>,
    kind: &'static Kind,
    path: &str,
    problems: &mut Vec<Diagnostic>,
) -> Option<At<Node>> {
    let span = value.span();
    let node = match (kind, value.get_ref()) {
        (Kind::String, DeValue::String(s)) => Node::Str(s.to_string()),
        (Kind::Bool, DeValue::Boolean(b)) => Node::Bool(*b),
        (Kind::Integer { .. }, DeValue::Integer(i)) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(number) => Node::Int(number),
            Err(_) => {
                problems.push(
                    Diagnostic::new(Code::PlanWrongType, format!("`{path}` is too large a number"))
                        .label(span, "out of range")
                        .help("write a small whole number"),
                );
                return None;
            }
        },
        (Kind::Choice(choices), DeValue::String(s)) => {
            if !choices.contains(&s.as_ref()) {
                let mut help = format!("use one of {}", quoted(choices));
                if let Some(near) = closest(s, choices.iter().copied()) {
                    help = format!("did you mean \"{near}\"? The choices are {}", quoted(choices));
                }
                problems.push(
                    Diagnostic::new(Code::PlanInvalidValue, format!("`{path}` cannot be \"{s}\""))
                        .label(span, format!("expected one of {}", quoted(choices)))
                        .help(help),
                );
                return None;
            }
            Node::Str(s.to_string())
        }
        (Kind::StringList, DeValue::Array(items)) => {
            let mut strings = Vec::with_capacity(items.len());
            for item in items.iter() {
                match item.get_ref() {
                    DeValue::String(s) => strings.push(At::new(s.to_string(), item.span())),
                    _ => problems.push(wrong_type(&format!("{path}[]"), &Kind::String, item)),
                }
            }
            Node::List(strings)
        }
        (Kind::Table(fields), DeValue::Table(table)) => {
            Node::Table(check_table(table, span.clone(), fields, path, problems))
        }
        (Kind::Map { value: inner, .. }, DeValue::Table(table)) => {
            let mut out = Table { span: span.clone(), entries: Vec::new() };
            let mut entries: Vec<_> = table.iter().collect();
            entries.sort_by_key(|(key, _)| key.span().start);
            for (key, item) in entries {
                let name = key.get_ref().as_ref();
                if let Some(node) = check_value(item, inner, &path_of(path, name), problems) {
                    out.entries.push((At::new(name.to_string(), key.span()), node));
                }
            }
            Node::Table(out)
        }
        _ => {
            problems.push(wrong_type(path, kind, value));
            return None;
        }
    };
    Some(At::new(node, span))
}
