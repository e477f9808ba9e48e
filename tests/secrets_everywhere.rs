//! Secrets never leave confcopy: the binary is run through every command, output format and log
//! level with recognisable credentials (API token, bearer token, organization API keys), against
//! sandbox sites that accept exactly those credentials, and then stdout, stderr and every file it
//! left (state directory, reports, working directory) are searched for each credential and for
//! its Basic-auth (base64) form. Failing runs (refused credentials, a broken site), a plan
//! that holds a credential, and settings files with credentials are covered too.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use confcopy_sandbox::{Fault, FaultConfig, FaultRule, Sandbox, Seed, SiteHandle};

use crate::support::{Confcopy, Run};

/// The site admin's API token (Basic auth with the admin's email).
const ADMIN_TOKEN: &str = "cnryApiTok3n-Qx7Lw2Vz9Rk4";
/// A second token of the admin, used as a bearer token through the gateway.
const BEARER_TOKEN: &str = "cnryB3arer-Hm5Tp8Ys1Jd6";
/// The organizations' admin API keys.
const ORG_KEY_ACME: &str = "cnry0rgKey-acme-Fw3Nc7Gb2";
const ORG_KEY_GLOBEX: &str = "cnry0rgKey-globex-Ue4Kd9Sa1";
/// A token the sites refuse.
const WRONG_TOKEN: &str = "cnryWr0ngTok-Pv6Xe2Lq8Zb3";

/// The demo sites, their credentials replaced by the ones above.
fn canary_seed() -> Seed {
    let mut seed = Seed::demo();
    for user in &mut seed.users {
        if user.api_tokens.iter().any(|t| t == "sandbox-token-admin") {
            user.api_tokens = vec![ADMIN_TOKEN.to_string(), BEARER_TOKEN.to_string()];
        }
    }
    for org in &mut seed.orgs {
        org.api_keys =
            vec![if org.id.contains("globex") { ORG_KEY_GLOBEX } else { ORG_KEY_ACME }.to_string()];
    }
    seed
}

struct Sites {
    sandbox: Sandbox,
    source: SiteHandle,
    destination: SiteHandle,
    runtime: tokio::runtime::Runtime,
}

impl Sites {
    fn start() -> Sites {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let sandbox = runtime.block_on(Sandbox::start(canary_seed())).unwrap();
        let source = sandbox.site("acme").unwrap().clone();
        let destination = sandbox.site("acme-eu").unwrap().clone();
        assert_eq!(source.admin_token(), ADMIN_TOKEN, "the seed's admin signs in with the canary token");
        Sites { sandbox, source, destination, runtime }
    }

    fn shutdown(self) {
        self.runtime.block_on(self.sandbox.shutdown()).unwrap();
    }
}

/// Every form a credential could leak in.
fn needles(email: &str) -> Vec<String> {
    let tokens = [ADMIN_TOKEN, BEARER_TOKEN, ORG_KEY_ACME, ORG_KEY_GLOBEX, WRONG_TOKEN];
    let mut needles: Vec<String> = tokens.map(String::from).to_vec();
    for token in tokens {
        // A fragment long enough to be unmistakable: a token cut in a log line is still a leak.
        needles.push(token[4..18].to_string());
        // The token inside any base64 text (a Basic header, whatever precedes it): at each of the
        // three alignments, the characters that only the token's bytes decide.
        for shift in 0..3 {
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{}{token}", "x".repeat(shift)));
            let start = if shift == 0 { 0 } else { 4 };
            let end = if (shift + token.len()) % 3 == 0 { encoded.len() } else { encoded.len() - 4 };
            needles.push(encoded[start..end].to_string());
        }
    }
    // And the exact header value confcopy sends.
    needles.push(base64::engine::general_purpose::STANDARD.encode(format!("{email}:{ADMIN_TOKEN}")));
    needles
}

/// Collects what runs printed and what files they left, and searches all of it.
#[derive(Default)]
struct Haystack {
    outputs: Vec<(String, String)>,
}

impl Haystack {
    fn run(&mut self, what: &str, run: Run) -> Run {
        self.outputs.push((format!("{what}: stdout"), run.stdout.clone()));
        self.outputs.push((format!("{what}: stderr"), run.stderr.clone()));
        run
    }

    /// Every file under `dir` except `written_by_the_test` (the plan or settings file it wrote).
    fn files_under(&mut self, dir: &Path, written_by_the_test: &[&Path]) -> usize {
        let mut count = 0;
        let mut stack = vec![dir.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if written_by_the_test.contains(&path.as_path()) {
                    continue;
                } else if let Ok(bytes) = std::fs::read(&path) {
                    self.outputs
                        .push((path.display().to_string(), String::from_utf8_lossy(&bytes).into_owned()));
                    count += 1;
                }
            }
        }
        count
    }

    fn assert_clean(&self, needles: &[String]) {
        for (place, text) in &self.outputs {
            for needle in needles {
                assert!(
                    !text.contains(needle.as_str()),
                    "a credential ({needle}) leaked into {place}:\n{text}"
                );
            }
        }
    }
}

fn plan_text(source: &str, destination: &str) -> String {
    format!(
        "name = \"secrets\"\nsource = \"{source}\"\ndestination = \"{destination}\"\n[spaces]\nkeys = [\"MKT\", \"DOCS\"]\n\
         rename = {{ DOCS = \"DOCSEU\" }}\n[checks]\napps-missing = {{ severity = \"warning\", reason = \"test\" }}\n"
    )
}

/// Signs in with the canary credentials through the environment, logging everything as JSON.
fn signed_in(args: &[&str], sites: &Sites, cwd: &Path) -> Confcopy {
    Confcopy::new(args)
        .with_sites(&sites.source, &sites.destination)
        .env("CONFCOPY_LOG", "trace")
        .current_dir(cwd)
}

#[test]
fn no_credential_shows_in_any_output_log_report_or_state_file() {
    let sites = Sites::start();
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path().join("cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    let state = work.path().join("state").display().to_string();
    let reports = work.path().join("reports").display().to_string();
    let verify_reports = work.path().join("verify").display().to_string();
    let plan = work.path().join("plan.toml");
    std::fs::write(&plan, plan_text(sites.source.base_url(), sites.destination.base_url())).unwrap();
    let plan = plan.display().to_string();
    let mut hay = Haystack::default();

    for format in ["human", "json", "github"] {
        for log in ["text", "json"] {
            let run = hay.run(
                "check",
                signed_in(
                    &["--state-dir", &state, "--log-format", log, "check", "--format", format, &plan],
                    &sites,
                    &cwd,
                )
                .run(),
            );
            assert_eq!(run.code, 0, "check --format {format}: {}\n{}", run.stdout, run.stderr);
        }
    }
    let apply = hay.run(
        "apply",
        signed_in(
            &[
                "--state-dir",
                &state,
                "--log-format",
                "json",
                "apply",
                "--no-progress",
                &plan,
                "--report-dir",
                &reports,
            ],
            &sites,
            &cwd,
        )
        .run(),
    );
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    // The logs really are at trace level: requests and answers are logged, so the search means something.
    let log_lines = apply.stderr.lines().filter(|l| l.starts_with('{')).count();
    assert!(log_lines > 50, "expected trace logs as JSON lines, got {log_lines}:\n{}", apply.stderr);
    assert!(apply.stderr.contains("\"level\":\"TRACE\"") || apply.stderr.contains("\"level\":\"DEBUG\""));

    let verify = hay.run(
        "verify",
        signed_in(&["--state-dir", &state, "verify", &plan, "--report-dir", &verify_reports], &sites, &cwd)
            .run(),
    );
    assert_eq!(verify.code, 0, "{}\n{}", verify.stdout, verify.stderr);
    for format in ["human", "json", "github"] {
        let status = hay.run(
            "status",
            signed_in(&["--state-dir", &state, "status", "--format", format], &sites, &cwd).run(),
        );
        assert_eq!(status.code, 0, "{}", status.stderr);
    }
    for format in ["human", "json"] {
        let show = hay.run(
            "show",
            signed_in(&["--state-dir", &state, "show", "secrets", "--format", format], &sites, &cwd).run(),
        );
        assert_eq!(show.code, 0, "{}", show.stderr);
        assert!(show.stdout.contains("secrets"), "{}", show.stdout);
    }

    // Bearer tokens through the gateway (the API gateway is the sandbox).
    let bearer = hay.run(
        "check with bearer tokens",
        Confcopy::new(["--state-dir", &state, "--log-format", "json", "check", "--format", "json", &plan])
            .env("CONFCOPY_SOURCE_BEARER_TOKEN", BEARER_TOKEN)
            .env("CONFCOPY_DESTINATION_BEARER_TOKEN", BEARER_TOKEN)
            .env("CONFCOPY_SOURCE_ORG_API_KEY", ORG_KEY_ACME)
            .env("CONFCOPY_DESTINATION_ORG_API_KEY", ORG_KEY_ACME)
            .env("CONFCOPY_API_GATEWAY", sites.destination.base_url())
            .env("CONFCOPY_LOG", "trace")
            .current_dir(&cwd)
            .run(),
    );
    assert!(bearer.code == 0 || bearer.code == 1, "{}\n{}", bearer.stdout, bearer.stderr);
    assert!(bearer.stdout.trim_start().starts_with('{'), "{}", bearer.stdout);

    // Refused credentials: the sites answer 401, confcopy says so without the token.
    let wrong_state = work.path().join("wrong-state").display().to_string();
    for command in [vec!["check", "--format", "json"], vec!["apply", "--no-progress"], vec!["verify"]] {
        let mut args = vec!["--state-dir", &wrong_state, "--log-format", "json"];
        args.extend(command.iter().copied());
        args.push(&plan);
        let refused = hay.run(
            "refused credentials",
            signed_in(&args, &sites, &cwd).env("CONFCOPY_SOURCE_TOKEN", WRONG_TOKEN).run(),
        );
        assert_ne!(refused.code, 0, "{command:?}: {}\n{}", refused.stdout, refused.stderr);
        let said = format!("{}{}", refused.stdout, refused.stderr);
        assert!(said.contains("401") || said.to_lowercase().contains("credential"), "{command:?}: {said}");
    }

    // A broken site: the source answers 404 to every request, as one behind a misconfigured
    // proxy would. (A site that refuses connections or answers 5xx is retried for minutes, too
    // slow for a test; its errors are reported by the same code as these.)
    let everything_missing = FaultRule {
        route: "*".into(),
        method: "*".into(),
        probability: 1.0,
        after: 0,
        times: None,
        fault: Fault::ServerError { status: 404, retry_after: None },
    };
    sites.source.set_faults(FaultConfig { rules: vec![everything_missing], ..FaultConfig::default() });
    let broken_state = work.path().join("broken-state").display().to_string();
    for command in [vec!["check"], vec!["apply", "--no-progress"], vec!["verify"]] {
        let mut args = vec!["--state-dir", &broken_state, "--log-format", "json"];
        args.extend(command.iter().copied());
        args.push(&plan);
        let failed = hay.run("broken site", signed_in(&args, &sites, &cwd).run());
        assert_ne!(failed.code, 0, "{command:?}: {}\n{}", failed.stdout, failed.stderr);
        let said = format!("{}{}", failed.stdout, failed.stderr).to_lowercase();
        assert!(said.contains("404"), "{command:?} names the problem: {said}");
    }
    sites.source.clear_faults();

    let files = hay.files_under(work.path(), &[]);
    assert!(files >= 8, "the runs left state, journal and report files to search ({files})");
    assert!(std::path::Path::new(&reports).join("summary.json").exists());
    hay.assert_clean(&needles(sites.source.admin_email()));
    sites.shutdown();
}

#[test]
fn a_plan_holding_a_credential_is_an_error_that_never_repeats_it() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("leaky.toml");
    std::fs::write(
        &plan,
        format!(
            "name = \"leaky\"\ndescription = \"ATATT{ADMIN_TOKEN}\"\nsource = \"https://a.atlassian.net\"\n\
             destination = \"https://b.atlassian.net\"\ntoken = \"{BEARER_TOKEN}\"\n\
             [spaces]\nkeys = [\"A\"]\nnote = \"Bearer {ORG_KEY_ACME}\"\n"
        ),
    )
    .unwrap();
    let plan = plan.display().to_string();
    let mut hay = Haystack::default();
    for format in ["human", "json", "github"] {
        let run = hay.run(format, Confcopy::new(["check", "--offline", "--format", format, &plan]).run());
        assert_eq!(run.code, 1, "{format}: {}\n{}", run.stdout, run.stderr);
        assert!(run.stdout.contains("plan-secret"), "{format}: {}", run.stdout);
    }
    // And the commands that read a plan before any site refuse it the same way.
    for command in ["apply", "verify", "graph"] {
        let state = dir.path().join("state").display().to_string();
        let run = hay.run(command, Confcopy::new(["--state-dir", &state, command, &plan]).run());
        assert_ne!(run.code, 0, "{command}: {}\n{}", run.stdout, run.stderr);
    }
    let json = &hay.outputs[2].1;
    let document: serde_json::Value = serde_json::from_str(json).unwrap();
    let secrets =
        document["diagnostics"].as_array().unwrap().iter().filter(|d| d["code"] == "plan-secret").count();
    assert!(secrets >= 2, "the token key and the token-like value are both flagged: {json}");
    hay.files_under(dir.path(), &[Path::new(&plan)]);
    let needles: Vec<String> =
        [ADMIN_TOKEN, BEARER_TOKEN, ORG_KEY_ACME].iter().map(|t| t[4..18].to_string()).collect();
    hay.assert_clean(&needles);
}

fn settings_file(dir: &Path, text: &str, mode: u32) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("confcopy.toml");
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

#[test]
fn a_settings_file_with_credentials_readable_by_others_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plan = crate::support::root().join("plans/marketing-to-eu.toml").display().to_string();
    let text = format!(
        "[source]\nemail = \"admin@acme.test\"\ntoken = \"{ADMIN_TOKEN}\"\n[destination]\norg_api_key = \"{ORG_KEY_ACME}\"\n"
    );
    let mut hay = Haystack::default();
    for mode in [0o644, 0o640, 0o604] {
        let config = settings_file(dir.path(), &text, mode);
        let run = hay.run(
            "exposed settings",
            Confcopy::new(["--config", &config.display().to_string(), "check", "--offline", &plan]).run(),
        );
        assert_eq!(run.code, 2, "mode {mode:o}: {}\n{}", run.stdout, run.stderr);
        assert!(run.stderr.contains("chmod 600"), "{}", run.stderr);
        // Through the environment variable too.
        let run = hay.run(
            "exposed settings (env)",
            Confcopy::new(["check", "--offline", &plan]).env("CONFCOPY_CONFIG", &config).run(),
        );
        assert_eq!(run.code, 2, "mode {mode:o}: {}\n{}", run.stdout, run.stderr);
    }
    let config = settings_file(dir.path(), &text, 0o600);
    let run = hay.run(
        "private settings",
        Confcopy::new(["--config", &config.display().to_string(), "check", "--offline", &plan]).run(),
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let needles: Vec<String> = [ADMIN_TOKEN, ORG_KEY_ACME].iter().map(|t| t[4..18].to_string()).collect();
    hay.assert_clean(&needles);
}
