//! `confcopy graph`: the execution graph as a readable tree, or as Graphviz `dot`.

use std::fmt::Write;

use super::build::Graph;
use super::node::{ContentAt, NodeKind};
use crate::snapshot::Snapshot;

/// A short human label for a node.
pub fn label(kind: &NodeKind, snapshot: &Snapshot) -> String {
    let space = |s: usize| &snapshot.spaces[s];
    let content = |s: usize, at: ContentAt| match at {
        ContentAt::Page(i) if space(s).pages[i].kind == crate::snapshot::ContentType::Folder => {
            format!("folder \"{}\"", space(s).pages[i].title)
        }
        ContentAt::Page(i) => format!("page \"{}\"", space(s).pages[i].title),
        ContentAt::BlogPost(i) => format!("blog post \"{}\"", space(s).blog_posts[i].title),
    };
    match kind {
        NodeKind::Group { name } => format!("group \"{name}\""),
        NodeKind::User { account_id } => format!("user {account_id}"),
        NodeKind::Membership { group, account_id } => format!("membership {account_id} in \"{group}\""),
        NodeKind::Space { space: s } => format!("space {} → {}", space(*s).key, space(*s).destination_key),
        NodeKind::SpacePermissions { space: s } => {
            format!("permissions of {} ({})", space(*s).key, space(*s).permissions.len())
        }
        NodeKind::Page { space: s, page } => content(*s, ContentAt::Page(*page)),
        NodeKind::BlogPost { space: s, post } => content(*s, ContentAt::BlogPost(*post)),
        NodeKind::Labels { space: s, content: at } => format!("labels of {}", content(*s, *at)),
        NodeKind::Restrictions { space: s, content: at } => format!("restrictions of {}", content(*s, *at)),
        NodeKind::Attachment { space: s, attachment } => {
            format!("attachment \"{}\"", space(*s).attachments[*attachment].file_name)
        }
        NodeKind::Comment { space: s, comment } => {
            let c = &space(*s).comments[*comment];
            let kind =
                if c.kind == crate::snapshot::CommentType::Inline { "inline comment" } else { "comment" };
            if c.parent_id.is_some() { format!("reply {}", c.id) } else { format!("{kind} {}", c.id) }
        }
        NodeKind::Order { space: s } => format!("put pages in order in {}", space(*s).destination_key),
        NodeKind::FixUp { space: s } => format!("fix up references in {}", space(*s).destination_key),
    }
}

/// A tree: each node under the first node it needs, so the tree reads as the copy's outline.
pub fn text(graph: &Graph, snapshot: &Snapshot) -> String {
    let mut children = vec![Vec::new(); graph.nodes.len()];
    let mut roots = Vec::new();
    for (id, node) in graph.nodes.iter().enumerate() {
        // Show a node under its closest need (a page's parent page; otherwise the first, its
        // space or container). Fix-ups need everything: show them at the top.
        let parent = match node.kind {
            NodeKind::FixUp { .. } | NodeKind::Order { .. } => None,
            NodeKind::Page { space, page } => {
                let parent = snapshot.spaces[space].pages[page].parent_id.as_ref();
                node.needs
                    .iter()
                    .copied()
                    .find(|&n| match &graph.nodes[n].kind {
                        NodeKind::Page { space: s, page: p } => {
                            parent == Some(&snapshot.spaces[*s].pages[*p].id)
                        }
                        _ => false,
                    })
                    .or(node.needs.first().copied())
            }
            _ => node.needs.first().copied(),
        };
        match parent {
            Some(p) => children[p].push(id),
            None => roots.push(id),
        }
    }
    let mut out = format!(
        "{} nodes, {} needs\n",
        graph.nodes.len(),
        graph.nodes.iter().map(|n| n.needs.len()).sum::<usize>()
    );
    let mut stack: Vec<(usize, usize)> = roots.iter().rev().map(|&r| (r, 0)).collect();
    while let Some((id, depth)) = stack.pop() {
        let _ = writeln!(out, "{}{}", "  ".repeat(depth), label(&graph.nodes[id].kind, snapshot));
        stack.extend(children[id].iter().rev().map(|&c| (c, depth + 1)));
    }
    out
}

/// Graphviz: `confcopy graph PLAN --dot | dot -Tsvg > graph.svg`.
pub fn dot(graph: &Graph, snapshot: &Snapshot) -> String {
    let mut out = String::from("digraph confcopy {\n  rankdir=LR;\n  node [shape=box, fontsize=10];\n");
    for (id, node) in graph.nodes.iter().enumerate() {
        let text = label(&node.kind, snapshot).replace('\\', "\\\\").replace('"', "\\\"");
        let _ = writeln!(out, "  n{id} [label=\"{text}\"];");
    }
    for (id, node) in graph.nodes.iter().enumerate() {
        for need in node.needs.iter() {
            let _ = writeln!(out, "  n{need} -> n{id};");
        }
    }
    out.push_str("}\n");
    out
}
