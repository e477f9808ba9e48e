//! What a new user meets, told through the binary against sandbox sites on loopback: a site admin
//! without an organization key copies spaces with `users.scope = "none"`; an unreachable API
//! gateway fails in seconds and is named; the plan's creator is the source account; `show` finds
//! reports written elsewhere; `summary.json` lists every file; `--quiet` prints one line; `init`,
//! `completions`, `man`; and the documented path from `sandbox generate` to a verified copy.

use std::io::BufRead;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{Confcopy, Run};
use confcopy_sandbox::{Sandbox, Seed, SiteHandle};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

/// Signs in to both sites as their admin, without an organization key or gateway.
fn site_admin(command: Confcopy, source: &SiteHandle, destination: &SiteHandle) -> Confcopy {
    command
        .env("CONFCOPY_SOURCE_EMAIL", source.admin_email())
        .env("CONFCOPY_SOURCE_TOKEN", source.admin_token())
        .env("CONFCOPY_DESTINATION_EMAIL", destination.admin_email())
        .env("CONFCOPY_DESTINATION_TOKEN", destination.admin_token())
}

fn csv_rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers.iter().zip(r.iter()).map(|(h, v)| (h.to_string(), v.to_string())).collect()
        })
        .collect()
}

fn row<'r>(
    rows: &'r [std::collections::HashMap<String, String>],
    column: &str,
    value: &str,
) -> &'r std::collections::HashMap<String, String> {
    rows.iter()
        .find(|r| r[column] == value)
        .unwrap_or_else(|| panic!("no row with {column} = {value}: {rows:#?}"))
}

fn expect(run: &Run, code: i32, what: &str) {
    assert_eq!(run.code, code, "{what}: exit {}\nstdout:\n{}\nstderr:\n{}", run.code, run.stdout, run.stderr);
}

const NONE_PLAN: &str = r#"name = "site-admin"
source = "SOURCE"
destination = "DESTINATION"
[spaces]
keys = ["MKT", "DOCS"]
[users]
scope = "none"
[checks]
apps-missing = { severity = "warning", reason = "Gliffy is installed next week" }
"#;

/// The demo sandbox on its own runtime, its two sites, and a folder for the test's files.
struct Demo {
    runtime: tokio::runtime::Runtime,
    sandbox: Sandbox,
    acme: SiteHandle,
    eu: SiteHandle,
    dir: tempfile::TempDir,
}

fn demo() -> Demo {
    let runtime = runtime();
    let sandbox = runtime.block_on(Sandbox::start(Seed::demo())).unwrap();
    let (acme, eu) = (sandbox.site("acme").unwrap().clone(), sandbox.site("acme-eu").unwrap().clone());
    Demo { runtime, sandbox, acme, eu, dir: tempfile::tempdir().unwrap() }
}

/// `NONE_PLAN` between the two sites, written as `plan.toml` in `dir`.
fn scope_none_plan(
    dir: &tempfile::TempDir,
    source: &SiteHandle,
    destination: &SiteHandle,
) -> std::path::PathBuf {
    let plan = dir.path().join("plan.toml");
    let text = NONE_PLAN.replace("SOURCE", source.base_url()).replace("DESTINATION", destination.base_url());
    std::fs::write(&plan, text).unwrap();
    plan
}

#[test]
fn a_site_admin_copies_spaces_with_scope_none_and_no_org_key() {
    let Demo { runtime, sandbox, acme, eu, dir } = demo();
    let plan = scope_none_plan(&dir, &acme, &eu);
    // The FAQ may be edited only by engineering, a group the destination lacks: its copy must not
    // become editable by everyone.
    acme.with_world(|world, index| {
        let site = &mut world.sites[index];
        let engineering = site.groups.iter().find(|g| g.name == "engineering").unwrap().id.clone();
        let faq = site.contents.values_mut().find(|c| c.title == "FAQ").unwrap();
        faq.restrictions.update.groups = vec![engineering];
    });
    let state = dir.path().join("state");
    let reports = dir.path().join("reports");
    let args = |rest: &[&str]| {
        let mut all = vec!["--state-dir".to_string(), state.display().to_string()];
        all.extend(rest.iter().map(|s| s.to_string()));
        all
    };
    let plan_arg = plan.display().to_string();

    // The check: no access-not-org-admin; what cannot be carried is found on the scope line.
    let checked =
        site_admin(Confcopy::new(args(&["check", "--format", "json", &plan_arg])), &acme, &eu).run();
    expect(&checked, 0, "check");
    let document: Value = serde_json::from_str(&checked.stdout).unwrap();
    let diagnostics = document["diagnostics"].as_array().unwrap();
    assert!(
        diagnostics.iter().all(|d| d["code"] != "access-not-org-admin"),
        "no org key is needed with scope none: {diagnostics:#?}"
    );
    let carried: Vec<&Value> =
        diagnostics.iter().filter(|d| d["code"] == "people-not-on-destination").collect();
    assert_eq!(carried.len(), 3, "groups, named users and mentioned users: {carried:#?}");
    for finding in &carried {
        assert_eq!(finding["line"], 7, "labelled on `scope`: {finding:#?}");
        assert_eq!(finding["severity"], "warning");
        assert!(!finding["help"].as_str().unwrap().is_empty());
    }
    let messages: Vec<&str> = carried.iter().map(|d| d["message"].as_str().unwrap()).collect();
    assert!(messages[0].contains("\"engineering\""), "{messages:?}");
    assert!(messages[1].contains("Kim Kowalski"), "{messages:?}");
    assert!(messages[2].contains("Xavier Xu"), "{messages:?}");
    assert_eq!(acme.stats().routes.keys().filter(|r| r.contains("/admin/")).count(), 0);
    // --quiet: the warnings and the forecast are left out; the status line stays.
    let quiet = site_admin(Confcopy::new(args(&["--quiet", "check", &plan_arg])), &acme, &eu).run();
    expect(&quiet, 0, "check --quiet");
    assert_eq!(
        quiet.stdout.lines().collect::<Vec<_>>(),
        ["warnings: 1 plan checked, 5 warnings"],
        "{}",
        quiet.stdout
    );

    // The apply copies the spaces and reports each user and group it did not copy.
    let applied = site_admin(
        Confcopy::new(args(&["apply", &plan_arg, "--report-dir", &reports.display().to_string()])),
        &acme,
        &eu,
    )
    .run();
    expect(&applied, 0, "apply");
    assert!(applied.stdout.contains("Complete: 2 spaces"), "{}", applied.stdout);
    for site in [&acme, &eu] {
        let stats = site.stats();
        let admin_calls: Vec<&String> = stats.routes.keys().filter(|r| r.contains("/admin/")).collect();
        assert!(admin_calls.is_empty(), "the organization admin API was asked: {admin_calls:?}");
    }
    let users = csv_rows(&reports.join("users.csv"));
    let kim = row(&users, "display_name", "Kim Kowalski");
    assert_eq!(kim["status"], "skipped");
    assert!(kim["detail"].contains("does not have this account"), "{kim:?}");
    let alice = row(&users, "display_name", "Alice Anders");
    assert_eq!(alice["status"], "already-present", "{alice:?}");
    let groups = csv_rows(&reports.join("groups.csv"));
    assert_eq!(row(&groups, "group_name", "engineering")["status"], "skipped");
    assert_eq!(row(&groups, "group_name", "marketing")["status"], "already-present");
    let spaces = csv_rows(&reports.join("spaces.csv"));
    let docs = row(&spaces, "space_key", "DOCS");
    assert!(docs["detail"].contains("group \"engineering\""), "{docs:?}");
    let references = std::fs::read_to_string(reports.join("references.csv")).unwrap();
    assert!(references.contains("users.scope = \"\"none\"\" copies no user"), "{references}");

    // On the destination: no group was made, DOCS grants nothing to a group it lacks, and the
    // budget page is still read-restricted to marketing (the destination's own group) and admin.
    let after = eu.export();
    let names: Vec<&str> =
        after["site"]["groups"].as_array().unwrap().iter().filter_map(|g| g["name"].as_str()).collect();
    assert!(!names.contains(&"engineering"), "{names:?}");
    let budget = after["site"]["contents"]
        .as_object()
        .unwrap()
        .values()
        .find(|c| c["title"] == "Budget 2024")
        .expect("the budget page was copied");
    let marketing = after["site"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "marketing")
        .map(|g| g["id"].as_str().unwrap().to_string())
        .unwrap();
    let read = serde_json::to_string(&budget["restrictions"]["read"]).unwrap();
    assert!(read.contains(&marketing), "the budget page stays restricted to marketing: {read}");
    let faq = after["site"]["contents"].as_object().unwrap().values().find(|c| c["title"] == "FAQ").unwrap();
    let admin = eu.with_world(|world, _| {
        world
            .accounts
            .values()
            .find(|a| a.email.as_deref() == Some("admin@acme.test"))
            .unwrap()
            .account_id
            .clone()
    });
    assert_eq!(
        faq["restrictions"]["update"]["users"],
        serde_json::json!([admin]),
        "kept to the copying account"
    );
    assert_eq!(faq["restrictions"]["update"]["groups"], serde_json::json!([]));
    let settings = docs["detail"].as_str();
    assert!(settings.contains("kept to the copying account"), "{settings}");
    runtime.block_on(sandbox.shutdown()).unwrap();
}

/// A port on loopback that nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn an_unreachable_gateway_is_named_within_seconds() {
    let Demo { runtime, sandbox, acme, eu, dir } = demo();
    let plan = dir.path().join("plan.toml");
    let text = NONE_PLAN
        .replace("SOURCE", acme.base_url())
        .replace("DESTINATION", eu.base_url())
        .replace("scope = \"none\"", "scope = \"related\"");
    std::fs::write(&plan, text).unwrap();
    let refused = format!("http://127.0.0.1:{}", closed_port());
    // A refused port, and a name that never resolves (.invalid is reserved).
    for gateway in [refused.as_str(), "https://confcopy-gateway.invalid"] {
        let started = Instant::now();
        let run = site_admin(
            Confcopy::new(["--state-dir", &dir.path().join("state").display().to_string(), "check"])
                .env("CONFCOPY_SOURCE_ORG_API_KEY", acme.org_api_key())
                .env("CONFCOPY_DESTINATION_ORG_API_KEY", eu.org_api_key())
                .env("CONFCOPY_API_GATEWAY", gateway),
            &acme,
            &eu,
        )
        .into_command()
        .arg(&plan)
        .output()
        .unwrap();
        let elapsed = started.elapsed();
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert_eq!(run.status.code(), Some(2), "{stdout}");
        assert!(elapsed < Duration::from_secs(20), "took {elapsed:?} for {gateway}");
        assert!(stdout.contains("site-unreachable"), "{stdout}");
        assert!(stdout.contains(&format!("the API gateway {gateway}")), "the gateway is named: {stdout}");
        assert!(stdout.contains("CONFCOPY_API_GATEWAY"), "the setting is named: {stdout}");
    }
    runtime.block_on(sandbox.shutdown()).unwrap();
}

#[test]
fn the_record_status_show_and_summary_tell_who_where_and_what() {
    let Demo { runtime, sandbox, acme, eu, dir } = demo();
    let plan = scope_none_plan(&dir, &acme, &eu);
    let state = dir.path().join("state").display().to_string();
    let reports = dir.path().join("reports");
    let report_arg = reports.display().to_string();
    let plan_arg = plan.display().to_string();
    let applied = site_admin(
        Confcopy::new(["--state-dir", &state, "apply", &plan_arg, "--report-dir", &report_arg]),
        &acme,
        &eu,
    )
    .run();
    expect(&applied, 0, "apply");

    // summary.json lists every file the run wrote, and each is there.
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("summary.json")).unwrap()).unwrap();
    let files: Vec<&str> = summary["files"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
    assert_eq!(files, ["users.csv", "groups.csv", "spaces.csv", "references.csv", "summary.json"]);
    let mut on_disk: Vec<String> = std::fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = files.iter().map(|f| f.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);

    // The creator and the runner are the source account, by name and email.
    let who = "Ada Admin <admin@acme.test>";
    let status = Confcopy::new(["--state-dir", &state, "status"]).run();
    expect(&status, 0, "status");
    assert!(status.stdout.contains(who), "{}", status.stdout);
    let show = Confcopy::new(["--state-dir", &state, "show", "site-admin"]).run();
    expect(&show, 0, "show");
    assert!(show.stdout.contains(&format!("Created by:     {who}")), "{}", show.stdout);
    assert!(show.stdout.contains(&format!("by {who}")), "{}", show.stdout);
    // show says where the reports went, and reads them there.
    let absolute = std::path::absolute(&reports).unwrap().display().to_string();
    assert!(show.stdout.contains(&format!("reports in  {absolute}")), "{}", show.stdout);
    assert!(!show.stdout.contains("not written"), "{}", show.stdout);
    assert!(show.stdout.contains("users.csv   12 rows"), "{}", show.stdout);
    let json = Confcopy::new(["--state-dir", &state, "show", "site-admin", "--format", "json"]).run();
    let json: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["created_by"], who);
    assert_eq!(json["latest_run"]["report_dir"], absolute.as_str());
    let record: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("state/plans/site-admin/record.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(record["created_by"], who);

    // --quiet: one line, for cron mail (the re-apply copies nothing new).
    let quiet = site_admin(
        Confcopy::new(["--state-dir", &state, "--quiet", "apply", &plan_arg, "--report-dir", &report_arg]),
        &acme,
        &eu,
    )
    .run();
    expect(&quiet, 0, "quiet apply");
    let lines: Vec<&str> = quiet.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one line: {:?}", quiet.stdout);
    assert!(lines[0].starts_with("site-admin: Complete: 2 spaces;"), "{}", lines[0]);
    assert!(lines[0].ends_with(&format!("reports: {report_arg}")), "{}", lines[0]);
    runtime.block_on(sandbox.shutdown()).unwrap();
}

#[test]
fn completions_and_man_pages_come_from_the_command_definitions() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = Confcopy::new(["completions", shell]).run();
        expect(&run, 0, shell);
        assert!(run.stdout.contains("confcopy"), "{shell}");
        for command in ["init", "apply", "completions", "report-dir", "quiet"] {
            assert!(run.stdout.contains(command), "{shell} completes {command}");
        }
    }
    let wrong = Confcopy::new(["completions", "tcsh"]).run();
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);

    let man = Confcopy::new(["man"]).run();
    expect(&man, 0, "man");
    assert!(man.stdout.starts_with(".ie") || man.stdout.contains(".TH confcopy 1"), "{}", &man.stdout[..200]);
    assert!(man.stdout.contains(".TH confcopy 1"));
    assert!(man.stdout.contains("init"));
    let dir = tempfile::tempdir().unwrap();
    let pages = dir.path().join("man1");
    let written = Confcopy::new(["man", "--out-dir", &pages.display().to_string()]).run();
    expect(&written, 0, "man --out-dir");
    for page in ["confcopy.1", "confcopy-apply.1", "confcopy-init.1", "confcopy-sandbox-generate.1"] {
        let text = std::fs::read_to_string(pages.join(page)).unwrap_or_else(|_| panic!("{page} written"));
        assert!(text.contains(".TH"), "{page}");
    }
}

#[test]
fn init_writes_a_plan_that_passes_the_offline_check() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plans").join("eu.toml");
    std::fs::create_dir_all(plan.parent().unwrap()).unwrap();
    let plan_arg = plan.display().to_string();
    // From --spaces, without asking any site.
    let run = Confcopy::new([
        "init",
        "--source",
        "https://acme.atlassian.net",
        "--destination",
        "https://acme-eu.atlassian.net",
        "--spaces",
        "MKT,DOCS",
        "--out",
        &plan_arg,
    ])
    .current_dir(dir.path())
    .run();
    expect(&run, 0, "init --spaces");
    let text = std::fs::read_to_string(&plan).unwrap();
    assert!(text.starts_with("#:schema plan.schema.json\n"), "{text}");
    assert!(dir.path().join("plans/plan.schema.json").is_file(), "the schema is written next to the plan");
    assert!(text.contains("name = \"acme-to-acme-eu\""), "{text}");
    assert!(text.contains("keys = [\"MKT\", \"DOCS\"]"), "{text}");
    assert!(text.lines().filter(|l| l.trim_start().starts_with('#')).count() >= 8, "commented: {text}");
    let checked = Confcopy::new(["check", "--offline", &plan_arg]).run();
    expect(&checked, 0, "check --offline");
    assert!(checked.stdout.contains("no problems"), "{}", checked.stdout);
    // The schema line names a schema the plan validates against.
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("plans/plan.schema.json")).unwrap())
            .unwrap();
    let as_json: Value = serde_json::to_value(toml::from_str::<toml::Value>(&text).unwrap()).unwrap();
    assert!(jsonschema::is_valid(&schema, &as_json));

    // An existing plan is not replaced without --force.
    let again = Confcopy::new([
        "init",
        "--source",
        "https://acme.atlassian.net",
        "--destination",
        "https://acme-eu.atlassian.net",
        "--spaces",
        "OPS",
        "--out",
        &plan_arg,
    ])
    .run();
    expect(&again, 1, "init over an existing plan");
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    assert!(std::fs::read_to_string(&plan).unwrap().contains("\"MKT\""));

    // A bad key is refused before anything is written.
    let bad = dir.path().join("bad.toml");
    let refused = Confcopy::new([
        "init",
        "--source",
        "https://acme.atlassian.net",
        "--destination",
        "https://acme-eu.atlassian.net",
        "--spaces",
        "MKT-EU",
        "--out",
        &bad.display().to_string(),
    ])
    .run();
    expect(&refused, 1, "init with a bad key");
    assert!(refused.stderr.contains("plan-space-key-invalid"), "{}", refused.stderr);
    assert!(!bad.exists());
}

#[test]
fn init_asks_the_source_site_for_its_spaces() {
    let Demo { runtime, sandbox, acme, eu, dir } = demo();
    let plan = dir.path().join("copy.toml");
    let run = site_admin(
        Confcopy::new(["init", "--source", acme.base_url(), "--destination", eu.base_url(), "--out"])
            .current_dir(dir.path()),
        &acme,
        &eu,
    )
    .into_command()
    .arg(&plan)
    .output()
    .unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let text = std::fs::read_to_string(&plan).unwrap();
    assert!(text.contains("keys = [\"DOCS\", \"ENG\", \"HR\", \"MKT\", \"OPS\"]"), "{text}");
    assert!(text.contains("# left out by init: ~alice (personal)"), "{text}");
    assert!(text.contains("name = \"copy\""), "{text}");
    let checked = Confcopy::new(["check", "--offline", &plan.display().to_string()]).run();
    expect(&checked, 0, "check --offline");
    // Without credentials it says what to set (and asks nothing).
    let bare = Confcopy::new(["init", "--source", acme.base_url(), "--destination", eu.base_url(), "--out"])
        .into_command()
        .arg(dir.path().join("other.toml"))
        .output()
        .unwrap();
    assert_eq!(bare.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bare.stderr).contains("CONFCOPY_SOURCE_EMAIL"));
    runtime.block_on(sandbox.shutdown()).unwrap();
}

/// What `sandbox serve` printed before "serving": each site's URL, and the gateway line.
struct Served {
    child: std::process::Child,
    urls: Vec<String>,
    gateway: String,
    text: String,
}

fn serve(seed: &Path, state: &Path) -> Served {
    let mut child = Confcopy::new([
        "--state-dir",
        &state.display().to_string(),
        "sandbox",
        "serve",
        "--seed",
        &seed.display().to_string(),
    ])
    .spawn();
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let mut text = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        text.push_str(&line);
        text.push('\n');
        if line.starts_with("serving") {
            break;
        }
    }
    // Keep reading in the background so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let urls = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("url:"))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    let gateway = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("export CONFCOPY_API_GATEWAY="))
        .unwrap_or_else(|| panic!("serve prints the gateway to use: {text}"))
        .to_string();
    Served { child, urls, gateway, text }
}

#[test]
fn from_sandbox_generate_to_a_verified_copy_as_the_docs_say() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("gen.toml");
    let state = dir.path().join(".confcopy");
    let generated = Confcopy::new([
        "sandbox",
        "generate",
        "--spaces",
        "3",
        "--pages",
        "90",
        "--users",
        "20",
        "--seed",
        "1",
        "--with-destination",
        "--out",
        &seed.display().to_string(),
    ])
    .run();
    expect(&generated, 0, "sandbox generate --with-destination");
    let loaded = Seed::from_path(&seed).unwrap();
    let names: Vec<&str> = loaded.sites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["generated", "generated-dest"]);
    assert_eq!(loaded.sites[0].org, loaded.sites[1].org, "one organization");
    assert!(loaded.sites[1].generate.is_none() && loaded.sites[1].spaces.is_empty(), "an empty destination");

    let mut served = serve(&seed, &state);
    assert_eq!(served.urls.len(), 2, "{}", served.text);
    for line in ["api_gateway: http://127.0.0.1:", "admin API key (Bearer): sandbox-orgkey-generated"] {
        assert!(served.text.contains(line), "serve prints {line:?}: {}", served.text);
    }
    let (source, destination) = (served.urls[0].clone(), served.urls[1].clone());
    let user = |command: Confcopy| {
        command
            .current_dir(dir.path())
            .env("CONFCOPY_SOURCE_EMAIL", "admin@generated.test")
            .env("CONFCOPY_SOURCE_TOKEN", "sandbox-token-admin")
            .env("CONFCOPY_DESTINATION_EMAIL", "admin@generated.test")
            .env("CONFCOPY_DESTINATION_TOKEN", "sandbox-token-admin")
            .env("CONFCOPY_SOURCE_ORG_API_KEY", "sandbox-orgkey-generated")
            .env("CONFCOPY_DESTINATION_ORG_API_KEY", "sandbox-orgkey-generated")
            .env("CONFCOPY_API_GATEWAY", &served.gateway)
    };
    let steps: Vec<(Vec<&str>, i32)> = vec![
        (vec!["init", "--source", &source, "--destination", &destination, "--out", "copy.toml"], 0),
        (vec!["check", "copy.toml"], 0),
        (vec!["apply", "copy.toml"], 0),
        (vec!["verify", "copy.toml"], 0),
        (vec!["status"], 0),
        (vec!["show", "copy"], 0),
    ];
    let mut outputs = Vec::new();
    for (args, code) in steps {
        let run = user(Confcopy::new(args.clone())).run();
        if run.code != code {
            let _ = served.child.kill();
            let _ = served.child.wait();
        }
        expect(&run, code, &args.join(" "));
        outputs.push(run.stdout);
    }
    let _ = served.child.kill();
    let _ = served.child.wait();
    assert!(outputs[2].contains("Complete:"), "{}", outputs[2]);
    assert!(outputs[3].contains("verify: no differences"), "{}", outputs[3]);
    assert!(outputs[4].contains("Ada Admin <admin@generated.test>"), "{}", outputs[4]);
}
