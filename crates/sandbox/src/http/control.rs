//! The `/__sandbox/...` control routes: statistics, state export, faults, reset. No
//! authentication, never counted.

use bytes::Bytes;
use serde_json::json;

use super::reply::{ApiError, Flavor, Reply};
use super::server::Shared;
use crate::faults::{FaultConfig, FaultState};
use crate::stats::Stats;

pub fn handle(
    shared: &Shared,
    site: usize,
    method: &hyper::Method,
    path: &str,
    _query: &[(String, String)],
    body: Bytes,
) -> Reply {
    let runtime = &shared.sites[site];
    let result = match (method.as_str(), path.trim_end_matches('/')) {
        ("GET", "/__sandbox/stats") => {
            runtime.stats.lock().map(|s| Reply::ok(json!(*s))).map_err(|_| ApiError::new(500, "poisoned"))
        }
        ("DELETE", "/__sandbox/stats") => runtime
            .stats
            .lock()
            .map(|mut s| {
                *s = Stats::default();
                Reply::empty(204)
            })
            .map_err(|_| ApiError::new(500, "poisoned")),
        ("GET", "/__sandbox/state") => shared
            .world
            .lock()
            .map(|w| Reply::ok(crate::export_site(&w, site)))
            .map_err(|_| ApiError::new(500, "poisoned")),
        ("GET", "/__sandbox/info") => shared
            .world
            .lock()
            .map(|w| {
                let s = &w.sites[site];
                Reply::ok(json!({"name": s.name, "cloudId": s.cloud_id, "orgId": s.org_id,
                                 "baseUrl": runtime.base_url.get(), "plan": s.plan.as_str()}))
            })
            .map_err(|_| ApiError::new(500, "poisoned")),
        ("GET", "/__sandbox/faults") => runtime
            .faults
            .lock()
            .map(|f| Reply::ok(json!(f.config())))
            .map_err(|_| ApiError::new(500, "poisoned")),
        ("PUT", "/__sandbox/faults") => match serde_json::from_slice::<FaultConfig>(&body) {
            Ok(config) => runtime
                .faults
                .lock()
                .map(|mut f| {
                    *f = FaultState::new(config);
                    Reply::empty(204)
                })
                .map_err(|_| ApiError::new(500, "poisoned")),
            Err(e) => Err(ApiError::bad_request(format!("Invalid fault configuration: {e}"))),
        },
        ("DELETE", "/__sandbox/faults") => runtime
            .faults
            .lock()
            .map(|mut f| {
                *f = FaultState::new(FaultConfig::default());
                Reply::empty(204)
            })
            .map_err(|_| ApiError::new(500, "poisoned")),
        ("POST", "/__sandbox/reset") => crate::reset_site(shared, site)
            .map(|_| Reply::empty(204))
            .map_err(|e| ApiError::new(500, e.to_string())),
        _ => Err(ApiError::not_found()),
    };
    result.unwrap_or_else(|e| e.render(Flavor::Other))
}
