//! Running sandboxes: start every site of a seed on loopback, reach their URLs, credentials,
//! statistics, state and faults, persist state between runs, shut down.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::faults::{FaultConfig, FaultState};
use super::http::server::{self, Shared, SiteRuntime};
use super::model::World;
use super::persist;
use super::seed::Seed;
use super::stats::Stats;
use crate::SandboxError;

/// How to start a sandbox.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// Site `i` listens on `port_base + i`; ephemeral ports when `None`.
    pub port_base: Option<u16>,
    /// Keep the state in this file: loaded if present, saved after writes and at shutdown.
    pub state_file: Option<PathBuf>,
}

/// A running sandbox: every site of one seed, each on its own loopback listener.
pub struct Sandbox {
    shared: Arc<Shared>,
    sites: Vec<SiteHandle>,
    shutdown: tokio::sync::watch::Sender<bool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    state_file: Option<PathBuf>,
}

/// One running site. Cheap to clone; all methods work while the sandbox runs.
#[derive(Clone)]
pub struct SiteHandle {
    shared: Arc<Shared>,
    index: usize,
    name: String,
    base_url: String,
    cloud_id: String,
    org_id: String,
    admin_email: String,
    admin_token: String,
    org_api_key: String,
}

impl Sandbox {
    /// Starts every site of `seed` on ephemeral loopback ports.
    pub async fn start(seed: Seed) -> Result<Sandbox, SandboxError> {
        Sandbox::start_with(seed, StartOptions::default()).await
    }

    /// Starts the demo sites with their state kept in `<state_dir>/sandbox/` (what
    /// `sandbox:NAME` sites in plans use): saved state if present, else the demo seed.
    pub async fn start_persistent(state_dir: &Path) -> Result<Sandbox, SandboxError> {
        Sandbox::start_with(
            Seed::demo(),
            StartOptions { port_base: None, state_file: Some(persist::state_file(state_dir)) },
        )
        .await
    }

    pub async fn start_with(seed: Seed, options: StartOptions) -> Result<Sandbox, SandboxError> {
        let world = match &options.state_file {
            Some(file) if file.exists() => persist::load(file)?,
            _ => seed.build()?,
        };
        let faults = seed.faults();
        let runtimes = world
            .sites
            .iter()
            .map(|s| SiteRuntime {
                faults: Mutex::new(FaultState::new(faults.get(&s.name).cloned().unwrap_or_default())),
                stats: Mutex::new(Stats::default()),
                base_url: OnceLock::new(),
            })
            .collect();
        let shared = Arc::new(Shared {
            world: Mutex::new(world),
            initial: seed,
            dirty: Default::default(),
            sites: runtimes,
        });
        let (shutdown, rx) = tokio::sync::watch::channel(false);
        let mut sites = Vec::new();
        let mut tasks = Vec::new();
        // Only what the handles need, not a copy of the (possibly large) world.
        let (site_meta, world) = {
            let w = shared.world.lock().map_err(|_| SandboxError::Poisoned)?;
            let meta: Vec<super::model::Site> =
                w.sites.iter().map(super::model::Site::clone_shallow).collect();
            let accounts = World { orgs: w.orgs.clone(), accounts: w.accounts.clone(), ..World::default() };
            (meta, accounts)
        };
        for (index, site) in site_meta.iter().enumerate() {
            let port = options.port_base.map_or(0, |b| b + index as u16);
            let listener = TcpListener::bind(("127.0.0.1", port))
                .await
                .map_err(|source| SandboxError::Listen { port, source })?;
            let addr = listener.local_addr().map_err(|source| SandboxError::Listen { port, source })?;
            let base_url = format!("http://{addr}");
            let _ = shared.sites[index].base_url.set(base_url.clone());
            let admin = world.accounts.values().find(|a| {
                site.site_admins.contains(&a.account_id) && a.email.is_some() && !a.api_tokens.is_empty()
            });
            let org_api_key = world
                .orgs
                .iter()
                .find(|o| o.id == site.org_id)
                .and_then(|o| o.api_keys.first().cloned())
                .unwrap_or_default();
            sites.push(SiteHandle {
                shared: shared.clone(),
                index,
                name: site.name.clone(),
                base_url,
                cloud_id: site.cloud_id.clone(),
                org_id: site.org_id.clone(),
                admin_email: admin.and_then(|a| a.email.clone()).unwrap_or_default(),
                admin_token: admin.and_then(|a| a.api_tokens.first().cloned()).unwrap_or_default(),
                org_api_key,
            });
            tasks.push(tokio::spawn(server::serve(listener, shared.clone(), index, rx.clone())));
        }
        let mut released = rx.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(crate::memory::RELEASE_EVERY) => {
                        let _ = tokio::task::spawn_blocking(crate::memory::release_freed).await;
                    }
                    _ = released.changed() => break,
                }
            }
        }));
        if let Some(file) = options.state_file.clone() {
            let shared = shared.clone();
            let mut rx = rx.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_millis(300)) => {
                            if shared.dirty.swap(false, Ordering::AcqRel) {
                                let shared = shared.clone();
                                let file = file.clone();
                                let _ = tokio::task::spawn_blocking(move || save(&shared, &file)).await;
                            }
                        }
                        _ = rx.changed() => break,
                    }
                }
            }));
        }
        Ok(Sandbox { shared, sites, shutdown, tasks, state_file: options.state_file })
    }

    pub fn sites(&self) -> &[SiteHandle] {
        &self.sites
    }

    /// The site with this name.
    pub fn site(&self, name: &str) -> Option<&SiteHandle> {
        self.sites.iter().find(|s| s.name == name)
    }

    /// Saves the state now (only for persistent sandboxes).
    pub fn save(&self) -> Result<(), SandboxError> {
        match &self.state_file {
            Some(file) => save(&self.shared, file),
            None => Ok(()),
        }
    }

    /// Stops every listener, saves persistent state, and waits for the tasks to end.
    pub async fn shutdown(self) -> Result<(), SandboxError> {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
        match &self.state_file {
            Some(file) => save(&self.shared, file),
            None => Ok(()),
        }
    }
}

fn save(shared: &Shared, file: &Path) -> Result<(), SandboxError> {
    let world = shared.world.lock().map_err(|_| SandboxError::Poisoned)?.clone();
    persist::save(file, &world)
}

impl SiteHandle {
    pub fn name(&self) -> &str {
        &self.name
    }
    /// `http://127.0.0.1:PORT`; the API lives under `/wiki/...`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }
    /// The API gateway form for bearer tokens: `BASE/ex/confluence/{cloudId}`.
    pub fn gateway_url(&self) -> String {
        format!("{}/ex/confluence/{}", self.base_url, self.cloud_id)
    }
    pub fn cloud_id(&self) -> &str {
        &self.cloud_id
    }
    pub fn org_id(&self) -> &str {
        &self.org_id
    }
    /// Email of the site admin (Basic auth user).
    pub fn admin_email(&self) -> &str {
        &self.admin_email
    }
    /// API token of the site admin (Basic auth password).
    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }
    /// Bearer key for the organization admin API.
    pub fn org_api_key(&self) -> &str {
        &self.org_api_key
    }
    /// The environment that signs confcopy in to `source` and `destination` as their admins, as
    /// a scheduled job would, with the organization admin API served by the destination.
    pub fn signed_in_env(source: &SiteHandle, destination: &SiteHandle) -> [(&'static str, String); 7] {
        [
            ("CONFCOPY_SOURCE_EMAIL", source.admin_email().to_string()),
            ("CONFCOPY_SOURCE_TOKEN", source.admin_token().to_string()),
            ("CONFCOPY_SOURCE_ORG_API_KEY", source.org_api_key().to_string()),
            ("CONFCOPY_DESTINATION_EMAIL", destination.admin_email().to_string()),
            ("CONFCOPY_DESTINATION_TOKEN", destination.admin_token().to_string()),
            ("CONFCOPY_DESTINATION_ORG_API_KEY", destination.org_api_key().to_string()),
            ("CONFCOPY_API_GATEWAY", destination.base_url().to_string()),
        ]
    }
    /// Request counts so far.
    pub fn stats(&self) -> Stats {
        self.shared.sites[self.index].stats.lock().map(|s| s.clone()).unwrap_or_default()
    }
    pub fn reset_stats(&self) {
        if let Ok(mut s) = self.shared.sites[self.index].stats.lock() {
            *s = Stats::default();
        }
    }
    /// The site's full state as JSON (what `GET /__sandbox/state` answers).
    pub fn export(&self) -> Value {
        self.shared.world.lock().map(|w| export_site(&w, self.index)).unwrap_or(Value::Null)
    }
    /// Replaces the site's faults (and restarts their deterministic draws).
    pub fn set_faults(&self, config: FaultConfig) {
        if let Ok(mut f) = self.shared.sites[self.index].faults.lock() {
            *f = FaultState::new(config);
        }
    }
    pub fn clear_faults(&self) {
        self.set_faults(FaultConfig::default());
    }
    /// How many requests each fault rule hit since the faults were set, in rule order.
    pub fn fault_hits(&self) -> Vec<u64> {
        self.shared.sites[self.index].faults.lock().map(|f| f.hits().to_vec()).unwrap_or_default()
    }
    /// Reads or changes the state directly (tests that need a setup the API cannot make).
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World, usize) -> R) -> R {
        let mut w = self.shared.world.lock().unwrap_or_else(|e| e.into_inner());
        let r = f(&mut w, self.index);
        // `f` may have changed contents behind the index's back.
        for site in &mut w.sites {
            site.invalidate_index();
        }
        w.list_positions.forget();
        self.shared.dirty.store(true, Ordering::Release);
        r
    }
    /// Restores the site to its seed state.
    pub fn reset(&self) -> Result<(), SandboxError> {
        reset_site(&self.shared, self.index)
    }
}

/// The state of one site as JSON: the site and every account.
pub fn export_site(world: &World, index: usize) -> Value {
    json!({"site": world.sites[index], "accounts": world.accounts})
}

/// Puts one site back to its seed state (accounts the seed knows are restored too).
pub fn reset_site(shared: &Shared, index: usize) -> Result<(), SandboxError> {
    let mut initial = shared.initial.build()?;
    if index >= initial.sites.len() {
        return Err(SandboxError::NoSuchSite);
    }
    let site = initial.sites.swap_remove(index);
    let mut world = shared.world.lock().map_err(|_| SandboxError::Poisoned)?;
    world.sites[index] = site;
    world.sites[index].invalidate_index();
    world.list_positions.forget();
    for (id, a) in &initial.accounts {
        world.accounts.insert(id.clone(), a.clone());
    }
    shared.dirty.store(true, Ordering::Release);
    if let Ok(mut s) = shared.sites[index].stats.lock() {
        *s = Stats::default();
    }
    Ok(())
}
