//! Runs that survive: an apply killed (SIGKILL) at many points and run again ends with the same
//! destination as one uninterrupted copy; a second apply of a completed plan writes nothing;
//! two concurrent applies of one plan: exactly one runs.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

use confcopy_sandbox::{Fault, FaultConfig, FaultRule, Sandbox, Seed, SiteHandle};

use crate::apply_sandbox::view;
use crate::support::Confcopy;

pub(crate) struct Sites {
    sandbox: Sandbox,
    pub(crate) source: SiteHandle,
    pub(crate) destination: SiteHandle,
    runtime: tokio::runtime::Runtime,
    /// TOML appended to the plan (e.g. a `[content]` table).
    pub(crate) plan_extra: String,
}

pub(crate) fn sites() -> Sites {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let sandbox = runtime.block_on(Sandbox::start(Seed::demo())).unwrap();
    let source = sandbox.site("acme").unwrap().clone();
    let destination = sandbox.site("acme-eu").unwrap().clone();
    Sites { sandbox, source, destination, runtime, plan_extra: String::new() }
}

impl Sites {
    pub(crate) fn plan(&self, dir: &std::path::Path) -> std::path::PathBuf {
        let plan = dir.join("plan.toml");
        std::fs::write(
            &plan,
            format!(
                "name = \"durable\"\nsource = \"{}\"\ndestination = \"{}\"\n[spaces]\nkeys = [\"MKT\", \"DOCS\"]\n\
                 rename = {{ DOCS = \"DOCSEU\" }}\n[checks]\napps-missing = {{ severity = \"warning\", reason = \"test\" }}\n\
                 [run]\nconcurrency = 4\n{}",
                self.source.base_url(),
                self.destination.base_url(),
                self.plan_extra
            ),
        )
        .unwrap();
        plan
    }

    pub(crate) fn apply(&self, dir: &std::path::Path) -> Child {
        let plan = self.plan(dir).display().to_string();
        let state = dir.join("state").display().to_string();
        Confcopy::new(["--state-dir", &state, "apply", "--no-progress", &plan])
            .with_sites(&self.source, &self.destination)
            .spawn()
    }

    pub(crate) fn apply_to_end(&self, dir: &std::path::Path) -> (i32, String) {
        let output = self.apply(dir).wait_with_output().unwrap();
        let text =
            format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        (output.status.code().unwrap_or(-1), text)
    }

    pub(crate) fn destination_views(&self) -> Vec<crate::apply_sandbox::SpaceView> {
        let state = self.destination.export();
        vec![view(&state, "MKT", None), view(&state, "DOCSEU", None)]
    }

    /// `confcopy verify` of the plan in `dir`: its exit code and output.
    pub(crate) fn verify(&self, dir: &std::path::Path) -> (i32, String) {
        let plan = self.plan(dir).display().to_string();
        let state = dir.join("state").display().to_string();
        let output = Confcopy::new(["--state-dir", &state, "verify", &plan])
            .with_sites(&self.source, &self.destination)
            .spawn()
            .wait_with_output()
            .unwrap();
        let text =
            format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        (output.status.code().unwrap_or(-1), text)
    }

    /// Sends `method` `path` (with a JSON body) to the source as its admin; the answer's JSON.
    pub(crate) fn on_source(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let url = format!("{}{path}", self.source.base_url().trim_end_matches('/'));
        self.runtime.block_on(async {
            let mut request = crate::support_sandbox::http()
                .request(method, &url)
                .basic_auth(self.source.admin_email(), Some(self.source.admin_token()));
            if let Some(body) = body {
                request = request.json(&body);
            }
            let answer = request.send().await.unwrap();
            assert!(answer.status().is_success(), "{path}: {}", answer.status());
            answer.json().await.unwrap_or_default()
        })
    }

    /// Sends DELETE `path` to the destination as its admin; panics unless it succeeds.
    pub(crate) fn delete_on_destination(&self, path: &str) {
        let url = format!("{}{path}", self.destination.base_url().trim_end_matches('/'));
        let answer = self.runtime.block_on(async {
            crate::support_sandbox::http()
                .delete(&url)
                .basic_auth(self.destination.admin_email(), Some(self.destination.admin_token()))
                .send()
                .await
                .unwrap()
        });
        assert!(answer.status().is_success(), "DELETE {path}: {}", answer.status());
    }

    pub(crate) fn shutdown(self) {
        self.runtime.block_on(self.sandbox.shutdown()).unwrap();
    }
}

pub(crate) fn slow_uploads() -> FaultConfig {
    FaultRule {
        route: "/wiki/rest/api/content/*/child/attachment".into(),
        method: "POST".into(),
        probability: 1.0,
        after: 0,
        times: None,
        fault: Fault::Latency { fixed_ms: 150, jitter_ms: 0 },
    }
    .into_config()
}

trait IntoConfig {
    fn into_config(self) -> FaultConfig;
}

impl IntoConfig for FaultRule {
    fn into_config(self) -> FaultConfig {
        FaultConfig { seed: 3, rules: vec![self], rate_limit: None }
    }
}

#[test]
fn an_apply_killed_anywhere_and_run_again_copies_exactly_once() {
    // The reference: one uninterrupted copy.
    let reference = sites();
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = reference.apply_to_end(dir.path());
    assert_eq!(code, 0, "{out}");
    let expected = reference.destination_views();
    let total_writes = reference.destination.stats().writes;
    reference.shutdown();
    assert!(total_writes > 20);

    // Kill after k writes have reached the destination, for k spread over the whole copy;
    // uploads are slow, so some kills land while an attachment is being sent.
    let points: Vec<u64> =
        vec![1, 2, 4, 7, 11, 16, 22, 29, 37, 46, 56].into_iter().filter(|k| *k < total_writes).collect();
    for k in points {
        let sites = sites();
        sites.destination.set_faults(slow_uploads());
        let dir = tempfile::tempdir().unwrap();
        let mut child = sites.apply(dir.path());
        let started = Instant::now();
        while sites.destination.stats().writes < k && started.elapsed() < Duration::from_secs(30) {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        sites.destination.clear_faults();
        // The lock of the killed process is released with it; apply again until it completes.
        let (code, out) = sites.apply_to_end(dir.path());
        assert_eq!(code, 0, "after a kill at {k} writes: {out}");
        assert!(out.contains("Complete"), "{out}");
        assert_eq!(
            sites.destination_views(),
            expected,
            "after a kill at {k} writes: no duplicate, nothing missing"
        );
        sites.shutdown();
    }
}

#[test]
fn a_second_apply_of_a_completed_plan_writes_nothing() {
    let sites = sites();
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = sites.apply_to_end(dir.path());
    assert_eq!(code, 0, "{out}");
    sites.destination.reset_stats();
    let (code, out) = sites.apply_to_end(dir.path());
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Complete: 2 spaces; pages 0/12 copied"), "{out}");
    assert_eq!(sites.destination.stats().writes, 0, "{:?}", sites.destination.stats().routes);
    sites.shutdown();
}

#[test]
fn two_concurrent_applies_of_one_plan_exactly_one_runs() {
    let sites = sites();
    sites.destination.set_faults(
        FaultRule {
            route: "*".into(),
            method: "*".into(),
            probability: 1.0,
            after: 0,
            times: None,
            fault: Fault::Latency { fixed_ms: 30, jitter_ms: 0 },
        }
        .into_config(),
    );
    let dir = tempfile::tempdir().unwrap();
    let first = sites.apply(dir.path());
    std::thread::sleep(Duration::from_millis(300));
    let second = sites.apply(dir.path()).wait_with_output().unwrap();
    let first = first.wait_with_output().unwrap();
    let second_text = String::from_utf8_lossy(&second.stderr).to_string();
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    assert_eq!(second.status.code(), Some(2), "{second_text}");
    assert!(second_text.contains("is locked") && second_text.contains("pid"), "{second_text}");
    sites.shutdown();
}

#[test]
fn a_plan_changed_against_its_journal_is_refused() {
    let sites = sites();
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = sites.apply_to_end(dir.path());
    assert_eq!(code, 0, "{out}");
    // The plan now sends DOCS elsewhere than its earlier run did.
    sites.destination.reset_stats();
    let plan = dir.path().join("plan.toml");
    let changed = std::fs::read_to_string(&plan).unwrap().replace("DOCS = \"DOCSEU\"", "DOCS = \"DOCSNEW\"");
    let output = Command::new(env!("CARGO_BIN_EXE_confcopy"))
        .args(["--state-dir", &dir.path().join("state").display().to_string(), "apply", "--no-progress"])
        .arg({
            let changed_plan = dir.path().join("changed.toml");
            std::fs::write(&changed_plan, changed).unwrap();
            changed_plan
        })
        .env("CONFCOPY_SOURCE_EMAIL", sites.source.admin_email())
        .env("CONFCOPY_SOURCE_TOKEN", sites.source.admin_token())
        .env("CONFCOPY_DESTINATION_EMAIL", sites.destination.admin_email())
        .env("CONFCOPY_DESTINATION_TOKEN", sites.destination.admin_token())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("plan-state-conflict") && text.contains("DOCSEU") && text.contains("DOCSNEW"),
        "{text}"
    );
    assert_eq!(sites.destination.stats().writes, 0, "nothing is written for a refused plan");
    sites.shutdown();
}
