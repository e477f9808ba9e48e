//! Request counts per route pattern, method and status, for tests and benchmarks.

use std::collections::BTreeMap;

use serde::Serialize;

/// Counts of served requests (the `/__sandbox` routes are never counted).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub total: u64,
    /// Requests that may change the site: any method but GET/HEAD/OPTIONS, except the POSTs
    /// that only read ([`READ_ONLY_POSTS`]).
    pub writes: u64,
    /// `"METHOD ROUTE"` → status → count.
    pub routes: BTreeMap<String, BTreeMap<u16, u64>>,
    /// `"METHOD ROUTE"` → answers that were lists, and the entries they held.
    pub lists: BTreeMap<String, ListCount>,
}

/// List answers of one route.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ListCount {
    pub requests: u64,
    pub items: u64,
}

/// Routes that take a POST but change nothing: a bulk user lookup, the organization's
/// workspace search, and enabling the caller's admin key (a session setting, not site data).
pub const READ_ONLY_POSTS: &[&str] =
    &["/wiki/api/v2/users-bulk", "/admin/v2/orgs/{orgId}/workspaces", "/wiki/api/v2/admin-key"];

impl Stats {
    /// Counts one answer; `items` is the number of entries when the answer was a list.
    pub fn record(&mut self, method: &str, route: &str, status: u16, items: Option<usize>) {
        self.total += 1;
        let read = matches!(method, "GET" | "HEAD" | "OPTIONS")
            || (method == "POST" && READ_ONLY_POSTS.contains(&route));
        if !read {
            self.writes += 1;
        }
        let key = format!("{method} {route}");
        if let Some(items) = items {
            let list = self.lists.entry(key.clone()).or_default();
            list.requests += 1;
            list.items += items as u64;
        }
        *self.routes.entry(key).or_default().entry(status).or_default() += 1;
    }

    /// List answers over every route.
    pub fn list_requests(&self) -> u64 {
        self.lists.values().map(|l| l.requests).sum()
    }

    /// Entries in every list answer.
    pub fn list_items(&self) -> u64 {
        self.lists.values().map(|l| l.items).sum()
    }

    /// Requests to `"METHOD ROUTE"` with any status.
    pub fn count(&self, method_route: &str) -> u64 {
        self.routes.get(method_route).map_or(0, |by_status| by_status.values().sum())
    }

    /// Requests to `"METHOD ROUTE"` answered with `status`.
    pub fn count_status(&self, method_route: &str, status: u16) -> u64 {
        self.routes.get(method_route).and_then(|s| s.get(&status)).copied().unwrap_or(0)
    }
}

/// The route pattern of a concrete path: ids and keys become `{placeholders}`.
pub fn route_pattern(path: &str) -> String {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut out = String::with_capacity(path.len());
    for (i, seg) in segs.iter().enumerate() {
        let prev = if i > 0 { segs[i - 1] } else { "" };
        let placeholder = if seg.chars().all(|c| c.is_ascii_digit())
            || (seg.starts_with("att") && seg[3..].chars().all(|c| c.is_ascii_digit()) && seg.len() > 3)
        {
            Some("{id}")
        } else {
            match prev {
                "space" if i >= 3 && segs[1] == "rest" => Some("{key}"),
                "group" if !matches!(*seg, "userByGroupId" | "by-id" | "by-name" | "picker" | "member") => {
                    Some("{groupId}")
                }
                "orgs" => Some("{orgId}"),
                "users" if segs.first() == Some(&"admin") => Some("{accountId}"),
                "groups" if segs.first() == Some(&"admin") => Some("{groupId}"),
                "move" => Some("{position}"),
                _ => None,
            }
        };
        out.push('/');
        out.push_str(placeholder.unwrap_or(seg));
    }
    if out.is_empty() {
        out.push('/');
    }
    if path.ends_with('/') && out.len() > 1 {
        out.push('/');
    }
    out
}
