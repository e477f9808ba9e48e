//! Request counts per route pattern, method and status, for tests and benchmarks.

use std::collections::BTreeMap;

use serde::Serialize;

/// Counts of served requests (the `/__sandbox` routes are never counted).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Stats {
    pub total: u64,
    /// Requests with a method other than GET/HEAD/OPTIONS.
    pub writes: u64,
    /// `"METHOD ROUTE"` → status → count.
    pub routes: BTreeMap<String, BTreeMap<u16, u64>>,
}

impl Stats {
    pub fn record(&mut self, method: &str, route: &str, status: u16) {
        self.total += 1;
        if !matches!(method, "GET" | "HEAD" | "OPTIONS") {
            self.writes += 1;
        }
        *self.routes.entry(format!("{method} {route}")).or_default().entry(status).or_default() += 1;
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
