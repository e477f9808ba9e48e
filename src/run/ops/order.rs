//! Sibling order, the space's order node. Pages may be created side by side (Confluence puts
//! each new child last under its parent, so concurrent creations land in the order they arrive;
//! `lane_gate` makes them arrive in order as far as it can); once a space's pages are all
//! written, each parent's children are put in the source's order with as few v1 moves as the
//! positions allow: the longest run already in order stays, every other child moves next to a
//! sibling already in place. Moves that follow one another go in order, the rest side by side
//! (see [`chains`]).

use std::collections::HashMap;

use futures_util::{StreamExt, TryStreamExt};

use crate::client::model::page::MovePosition;
use crate::run::CopyError;
use crate::run::context::Copy;
use crate::run::outcome::Outcome;
use crate::snapshot::{Content, ContentType};

/// What ordering one space did: moves made, and what could not be ordered.
#[derive(Debug, Default)]
struct Ordered {
    moves: usize,
    failures: Vec<String>,
}

/// One move: put `id` before or after `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move<T> {
    pub id: T,
    pub position: MovePosition,
    pub target: T,
}

/// The moves that turn `placed` (each item's position now, in the wanted order) into that
/// order: the longest increasing run stays, the rest move, in wanted order, each right after its
/// wanted predecessor (the first one before the first item that stays).
pub fn moves_for<T: Clone>(wanted: &[(T, i64)]) -> Vec<Move<T>> {
    let keep = longest_increasing(&wanted.iter().map(|(_, p)| *p).collect::<Vec<_>>());
    let Some(&first_kept) = keep.first() else { return Vec::new() };
    let mut kept = vec![false; wanted.len()];
    for &i in &keep {
        kept[i] = true;
    }
    let mut out = Vec::new();
    for (i, (id, _)) in wanted.iter().enumerate() {
        if kept[i] {
            continue;
        }
        let (position, target) = if i == 0 {
            (MovePosition::Before, wanted[first_kept].0.clone())
        } else {
            (MovePosition::After, wanted[i - 1].0.clone())
        };
        out.push(Move { id: id.clone(), position, target });
    }
    out
}

/// `moves` (as [`moves_for`] gives them) in chains: a chain starts next to a child that stays
/// (or before the first one) and goes on with each child moved right after the one moved before
/// it. A chain's moves must go in order; chains touch each other's targets nowhere, so they may
/// go side by side.
pub fn chains<T: Clone + PartialEq>(moves: Vec<Move<T>>) -> Vec<Vec<Move<T>>> {
    let mut out: Vec<Vec<Move<T>>> = Vec::new();
    for m in moves {
        match out.last_mut() {
            Some(chain) if chain.last().is_some_and(|before| before.id == m.target) => chain.push(m),
            _ => out.push(vec![m]),
        }
    }
    out
}

/// Chains of one parent's moves sent at once (the site's own concurrency bound still applies).
const MOVE_CHAINS: usize = 8;

/// Indices of a longest strictly increasing subsequence (patience sorting, O(n log n)).
fn longest_increasing(values: &[i64]) -> Vec<usize> {
    // tails[k]: index of the smallest tail of an increasing run of length k + 1.
    let mut tails: Vec<usize> = Vec::new();
    let mut previous: Vec<Option<usize>> = vec![None; values.len()];
    for (i, &v) in values.iter().enumerate() {
        let at = tails.partition_point(|&t| values[t] < v);
        previous[i] = at.checked_sub(1).map(|k| tails[k]);
        if at == tails.len() {
            tails.push(i);
        } else {
            tails[at] = i;
        }
    }
    let mut out = Vec::with_capacity(tails.len());
    let mut cursor = tails.last().copied();
    while let Some(i) = cursor {
        out.push(i);
        cursor = previous[i];
    }
    out.reverse();
    out
}

/// The copied children of one parent, in the source's order: destination ids.
struct Family<'a> {
    /// Source parent, or `None` for the space's root level.
    parent: Option<&'a Content>,
    children: Vec<(&'a Content, String)>,
}

/// The space's order node: its siblings put in the source's order, side by side up to the
/// destination's concurrency.
pub async fn order(copy: &Copy, space: usize) -> Outcome {
    if !copy.writes() {
        return Outcome::copied_with("siblings that land out of the source's order would be moved into it");
    }
    let ordered = order_space(copy, space, copy.destination.concurrency()).await;
    if ordered.failures.is_empty() {
        return Outcome::copied_with(if ordered.moves > 0 {
            format!("{} page(s) moved into the source's sibling order", ordered.moves)
        } else {
            "siblings already in the source's order".to_string()
        });
    }
    let mut reason =
        format!("{} parent(s) not put in order: {}", ordered.failures.len(), ordered.failures.join("; "));
    if ordered.moves > 0 {
        reason.push_str(&format!(" ({} page(s) moved)", ordered.moves));
    }
    Outcome::failed(reason)
}

/// Puts the children of every parent of the space in the source's order on the destination.
async fn order_space(copy: &Copy, space: usize, concurrency: usize) -> Ordered {
    let snapshot = &copy.snapshot.spaces[space];
    let by_id: HashMap<&str, &Content> = snapshot.pages.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut families: Vec<Family<'_>> = Vec::new();
    let mut index: HashMap<Option<&str>, usize> = HashMap::new();
    {
        let mapping = copy.mapping.read().unwrap_or_else(|e| e.into_inner());
        // `pages` is in tree order, siblings by source position: each family comes out ordered.
        for page in &snapshot.pages {
            let Some((id, _)) = mapping.content(&page.id) else { continue };
            let parent = page.parent_id.as_deref();
            let at = *index.entry(parent).or_insert_with(|| {
                families.push(Family {
                    parent: parent.and_then(|p| by_id.get(p).copied()),
                    children: Vec::new(),
                });
                families.len() - 1
            });
            families[at].children.push((page, id.clone()));
        }
    }
    families.retain(|f| f.children.len() > 1);
    let work: Vec<_> = families.into_iter().map(|family| order_family(copy, space, family)).collect();
    let results: Vec<Result<usize, CopyError>> =
        futures_util::stream::iter(work).buffer_unordered(concurrency.max(1)).collect().await;
    let mut ordered = Ordered::default();
    for result in results {
        match result {
            Ok(moves) => ordered.moves += moves,
            Err(reason) => ordered.failures.push(reason.to_string()),
        }
    }
    ordered
}

fn parent_label(parent: Option<&Content>) -> String {
    match parent {
        Some(p) if p.kind == ContentType::Folder => format!("folder \"{}\"", p.title),
        Some(p) => format!("page \"{}\"", p.title),
        None => "the space's top level".into(),
    }
}

async fn order_family(copy: &Copy, space: usize, family: Family<'_>) -> Result<usize, CopyError> {
    let known: Option<Vec<(String, i64)>> = {
        let mapping = copy.mapping.read().unwrap_or_else(|e| e.into_inner());
        family.children.iter().map(|(page, id)| mapping.position(&page.id).map(|p| (id.clone(), p))).collect()
    };
    let wanted = match known {
        Some(wanted) => wanted,
        // Some child was written by an earlier run (or found already there): ask the destination
        // where the children are.
        None => {
            let listed = destination_children(copy, space, family.parent)
                .await
                .map_err(|error| CopyError::OrderRead { parent: parent_label(family.parent), error })?;
            let at: HashMap<&str, i64> =
                listed.iter().enumerate().map(|(i, id)| (id.as_str(), i as i64)).collect();
            family
                .children
                .iter()
                .filter_map(|(_, id)| at.get(id.as_str()).map(|p| (id.clone(), *p)))
                .collect()
        }
    };
    let moves = moves_for(&wanted);
    let count = moves.len();
    tracing::debug!(parent = %parent_label(family.parent), children = wanted.len(), moves = count, "ordering siblings");
    let parent = family.parent;
    futures_util::stream::iter(chains(moves))
        .map(|chain| async move {
            for m in &chain {
                copy.destination
                    .move_page(&m.id, m.position, &m.target)
                    .await
                    .map_err(|error| CopyError::OrderMove { parent: parent_label(parent), error })?;
            }
            Ok::<(), CopyError>(())
        })
        .buffer_unordered(MOVE_CHAINS)
        .try_collect::<()>()
        .await?;
    Ok(count)
}

/// Destination ids of a parent's children, in the destination's order.
async fn destination_children(
    copy: &Copy,
    space: usize,
    parent: Option<&Content>,
) -> Result<Vec<String>, crate::client::ClientError> {
    let mapped = |source: &str| copy.content_id(source);
    match parent {
        Some(p) => {
            let Some(id) = mapped(&p.id) else { return Ok(Vec::new()) };
            let listed = if p.kind == ContentType::Folder {
                copy.destination.folder_children(&id)
            } else {
                copy.destination.page_children(&id)
            };
            let mut nodes: Vec<_> = listed.try_collect().await?;
            nodes.sort_by_key(|n| n.child_position.unwrap_or(i64::MAX));
            Ok(nodes.into_iter().map(|n| n.id).collect())
        }
        None => {
            let Some(target) = copy.space(space) else { return Ok(Vec::new()) };
            let mut pages: Vec<_> = copy.destination.root_pages_in_space(&target.id).try_collect().await?;
            pages.sort_by_key(|p| p.position.unwrap_or(i64::MAX));
            Ok(pages.into_iter().map(|p| p.id).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies the moves to a list ordered by position and returns the resulting order.
    fn apply(wanted: &[(&'static str, i64)]) -> (Vec<&'static str>, usize) {
        let mut now: Vec<(&str, i64)> = wanted.to_vec();
        now.sort_by_key(|(_, p)| *p);
        let mut order: Vec<&str> = now.into_iter().map(|(id, _)| id).collect();
        let moves = moves_for(wanted);
        for m in &moves {
            order.retain(|x| *x != m.id);
            let at = order.iter().position(|x| *x == m.target).expect("target present");
            let at = if m.position == MovePosition::After { at + 1 } else { at };
            order.insert(at, m.id);
        }
        (order, moves.len())
    }

    /// Applies the moves one move of each chain in turn (each chain's own moves in order), the
    /// chains reversed when `reverse`, and returns the resulting order.
    fn apply_chains(wanted: &[(&'static str, i64)], reverse: bool) -> Vec<&'static str> {
        let mut now: Vec<(&str, i64)> = wanted.to_vec();
        now.sort_by_key(|(_, p)| *p);
        let mut order: Vec<&str> = now.into_iter().map(|(id, _)| id).collect();
        let mut chained = chains(moves_for(wanted));
        if reverse {
            chained.reverse();
        }
        // As chains going side by side may interleave.
        let mut cursors = vec![0usize; chained.len()];
        loop {
            let mut moved = false;
            for (chain, at) in chained.iter().zip(cursors.iter_mut()) {
                let Some(m) = chain.get(*at) else { continue };
                *at += 1;
                moved = true;
                order.retain(|x| *x != m.id);
                let i = order.iter().position(|x| *x == m.target).expect("target present");
                order.insert(if m.position == MovePosition::After { i + 1 } else { i }, m.id);
            }
            if !moved {
                return order;
            }
        }
    }

    #[test]
    fn chains_of_moves_side_by_side_give_the_same_order() {
        let ids: [&'static str; 10] = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
        for positions in [
            [5, 1, 8, 2, 3, 7, 4, 6, 10, 9],
            [10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
            [2, 1, 4, 3, 6, 5, 8, 7, 10, 9],
            [9, 10, 1, 2, 3, 4, 5, 6, 8, 7],
        ] {
            let wanted: Vec<(&'static str, i64)> = ids.iter().copied().zip(positions).collect();
            assert_eq!(apply_chains(&wanted, false), ids, "{positions:?}");
            assert_eq!(apply_chains(&wanted, true), ids, "{positions:?} (chains reversed)");
        }
        // Lone children out of place are one chain each: all may go at once.
        let wanted: Vec<(&'static str, i64)> =
            ids.iter().copied().zip([2, 1, 4, 3, 6, 5, 8, 7, 10, 9]).collect();
        let chained = chains(moves_for(&wanted));
        assert_eq!(chained.len(), 5);
        assert!(chained.iter().all(|c| c.len() == 1));
        // Children moved one after another (d, e, f after c) form one chain.
        let wanted: Vec<(&'static str, i64)> =
            ids.iter().copied().zip([1, 2, 3, 10, 9, 8, 4, 5, 6, 7]).collect();
        assert_eq!(chains(moves_for(&wanted)).iter().map(Vec::len).collect::<Vec<_>>(), [3]);
    }

    #[test]
    fn children_in_order_need_no_move() {
        let (order, moves) = apply(&[("a", 3), ("b", 7), ("c", 9)]);
        assert_eq!(order, ["a", "b", "c"]);
        assert_eq!(moves, 0);
    }

    #[test]
    fn only_the_children_out_of_place_move() {
        // Created c, a, b, e, d (arrival order): a, b, e stay; c and d move.
        let (order, moves) = apply(&[("a", 2), ("b", 3), ("c", 1), ("d", 5), ("e", 4)]);
        assert_eq!(order, ["a", "b", "c", "d", "e"]);
        assert_eq!(moves, 2);
        // The first child moves before the first that stays.
        let (order, moves) = apply(&[("a", 9), ("b", 1), ("c", 2)]);
        assert_eq!(order, ["a", "b", "c"]);
        assert_eq!(moves, 1);
    }

    #[test]
    fn reversed_and_shuffled_lists_come_out_in_order() {
        let reversed: Vec<(&'static str, i64)> =
            ["a", "b", "c", "d", "e", "f"].iter().enumerate().map(|(i, id)| (*id, 10 - i as i64)).collect();
        let (order, moves) = apply(&reversed);
        assert_eq!(order, ["a", "b", "c", "d", "e", "f"]);
        assert_eq!(moves, 5);
        let ids: [&'static str; 8] = ["p", "q", "r", "s", "t", "u", "v", "w"];
        let positions = [5, 1, 8, 2, 3, 7, 4, 6];
        let shuffled: Vec<(&'static str, i64)> = ids.iter().copied().zip(positions).collect();
        let (order, moves) = apply(&shuffled);
        assert_eq!(order, ids);
        // Longest increasing run of 5 1 8 2 3 7 4 6 is 1 2 3 4 6 (five long): three moves.
        assert_eq!(moves, 3);
    }
}
