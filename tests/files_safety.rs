//! Files on a shared machine: state and reports are private (files 0600, the folders confcopy
//! creates 0700) and replaced by rename, never rewritten in place or through a planted link;
//! attachment file names from a hostile site never become paths and arrive byte for byte, name
//! and data; an attachment whose size does not match what the source declares or what the
//! destination stored fails loudly; and report cells a spreadsheet would run as a formula are
//! neutralised in every CSV confcopy writes.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use confcopy::report::{ReferenceRow, write_private, write_references};
use confcopy_sandbox::seed::{SeedAttachment, SeedAttachmentVersion, SeedGroup, SeedPermission};
use confcopy_sandbox::{Sandbox, Seed, SiteHandle};

use crate::support::{Confcopy, Run};

/// Attachment names that would escape, overwrite or confuse a naive `dir.join(name)`.
const HOSTILE_NAMES: &[&str] = &[
    "../../etc/passwd",
    "../../../../../../../../tmp/confcopy-escaped.txt",
    "/abs-confcopy-escape",
    "con",
    "..",
];

/// Names with control characters, the characters a multipart header must encode (backslash,
/// quote, CR, LF, percent), separators and text beyond ASCII. They must never become paths
/// either, and must arrive byte for byte, name and data: the upload sends such a name as RFC 5987
/// `filename*`, and a download's `Content-Disposition` never breaks on it.
const ENCODED_NAMES: &[&str] = &[
    "tab\there\u{7}bell\u{1b}[31m.txt",
    "a\\..\\..\\windows.ini",
    "ends with a backslash\\",
    "quote\"d.txt",
    "\"quoted\"",
    "line\r\nContent-Type: text/html\r\n\r\nbreak.txt",
    "lf\nonly and cr\ronly.txt",
    "100%22 percent%.txt",
    "semi;colon; filename=\"x.txt\".txt",
    "caf\u{e9} r\u{e9}sum\u{e9}.txt",
    "\u{65e5}\u{672c}\u{8a9e}.txt",
    "\u{1f600} emoji \u{1f680}.png",
    ".hidden",
    "..leading dots.txt",
    "filename*=UTF-8''x.txt",
];

/// Cell texts a spreadsheet would run, one per leading character it reacts to.
const FORMULAS: &[&str] = &[
    "=HYPERLINK(\"https://attacker.test\",\"Marketing\")",
    "+SUM(1,1)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
];

fn attachment_bytes(name: &str) -> Vec<u8> {
    format!("the file called {name:?}").into_bytes()
}

/// The demo seed with hostile attachment names on the Marketing home page, and formula-like
/// text in a space name, user display names and a group name.
fn hostile_seed() -> Seed {
    let mut seed = Seed::demo();
    let renames = [
        ("alice", FORMULAS[1]),
        ("bob", FORMULAS[2]),
        ("xavier", FORMULAS[3]),
        ("dana", FORMULAS[4]),
        ("gina", FORMULAS[5]),
    ];
    for user in &mut seed.users {
        if let Some((_, name)) = renames.iter().find(|(handle, _)| *handle == user.handle) {
            user.display_name = (*name).to_string();
        }
    }
    let site = seed.sites.iter_mut().find(|s| s.name == "acme").unwrap();
    site.groups.push(SeedGroup {
        name: "=cmd|' /C calc'!A0".to_string(),
        members: vec!["alice".to_string(), "bob".to_string()],
        grants_access: false,
    });
    let space = site.spaces.iter_mut().find(|s| s.key == "MKT").unwrap();
    space.name = FORMULAS[0].to_string();
    space.permissions.push(SeedPermission {
        who: "group:=cmd|' /C calc'!A0".to_string(),
        can: vec!["read:space".to_string()],
    });
    let home = space.pages.iter_mut().find(|p| p.reference.as_deref() == Some("mkt-home")).unwrap();
    for name in HOSTILE_NAMES.iter().chain(ENCODED_NAMES) {
        home.attachments.push(SeedAttachment {
            title: (*name).to_string(),
            media_type: "text/plain".to_string(),
            versions: vec![SeedAttachmentVersion {
                author: "alice".to_string(),
                created_at: None,
                comment: String::new(),
                base64: Some(base64::engine::general_purpose::STANDARD.encode(attachment_bytes(name))),
                generated_size: None,
            }],
        });
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
    fn start(seed: Seed) -> Sites {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let sandbox = runtime.block_on(Sandbox::start(seed)).unwrap();
        let source = sandbox.site("acme").unwrap().clone();
        let destination = sandbox.site("acme-eu").unwrap().clone();
        Sites { sandbox, source, destination, runtime }
    }

    fn plan(&self, dir: &Path) -> String {
        let plan = dir.join("plan.toml");
        std::fs::write(
            &plan,
            format!(
                "name = \"files\"\nsource = \"{}\"\ndestination = \"{}\"\n[spaces]\nkeys = [\"MKT\"]\n\
                 [users]\nscope = \"related\"\nmemberships = \"separately\"\n\
                 [checks]\napps-missing = {{ severity = \"warning\", reason = \"test\" }}\n",
                self.source.base_url(),
                self.destination.base_url()
            ),
        )
        .unwrap();
        plan.display().to_string()
    }

    /// The plan of [`Sites::plan`] with one site reached through `proxy` instead.
    fn plan_through(&self, dir: &Path, site: &SiteHandle, proxy: &str) -> String {
        let plan = self.plan(dir);
        let text = std::fs::read_to_string(&plan).unwrap();
        std::fs::write(&plan, text.replace(site.base_url(), proxy)).unwrap();
        plan
    }

    /// `apply PLAN` with its state and reports under `dir`: the run, and its `summary.json`.
    fn apply(&self, plan: &str, dir: &Path) -> (Run, serde_json::Value) {
        let (state, reports) = (dir.join("state").display().to_string(), dir.join("reports"));
        let reports_arg = reports.display().to_string();
        let args = ["--state-dir", &state, "apply", "--no-progress", plan, "--report-dir", &reports_arg];
        let run = self.run(&args, dir);
        let summary = std::fs::read_to_string(reports.join("summary.json"))
            .unwrap_or_else(|error| panic!("no summary.json ({error}):\n{}\n{}", run.stdout, run.stderr));
        (run, serde_json::from_str(&summary).unwrap())
    }

    fn run(&self, args: &[&str], cwd: &Path) -> Run {
        Confcopy::new(args).with_sites(&self.source, &self.destination).current_dir(cwd).run()
    }

    fn shutdown(self) {
        self.runtime.block_on(self.sandbox.shutdown()).unwrap();
    }
}

/// The attachments of the page with this title: file name → every version's data.
fn attachments_of(state: &serde_json::Value, page: &str) -> BTreeMap<String, serde_json::Value> {
    let site = &state["site"];
    let page = site["contents"]
        .as_object()
        .unwrap()
        .values()
        .find(|c| c["kind"] == "page" && c["title"] == page)
        .unwrap_or_else(|| panic!("the page {page} exists"));
    site["attachments"]
        .as_object()
        .unwrap()
        .values()
        .filter(|a| a["container_id"] == page["id"])
        .map(|a| {
            let data: Vec<serde_json::Value> =
                a["versions"].as_array().unwrap().iter().map(|v| v["data"].clone()).collect();
            (a["title"].as_str().unwrap().to_string(), serde_json::Value::Array(data))
        })
        .collect()
}

/// Every file and folder under `dir` (not following links).
fn walk(dir: &Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (mut files, mut dirs) = (Vec::new(), Vec::new());
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                dirs.push(path.clone());
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    (files, dirs)
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
}

fn assert_private(root: &Path) {
    let (files, dirs) = walk(root);
    assert!(!files.is_empty(), "{} holds files", root.display());
    for dir in std::iter::once(root.to_path_buf()).chain(dirs) {
        assert_eq!(mode(&dir) & 0o077, 0, "folder {} is {:o}", dir.display(), mode(&dir));
    }
    for file in files {
        assert_eq!(mode(&file) & 0o077, 0, "file {} is {:o}", file.display(), mode(&file));
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !name.ends_with(".tmp") && !name.starts_with(".tmp"),
            "a temporary file was left: {}",
            file.display()
        );
    }
}

/// The leading characters a spreadsheet treats as the start of a formula.
fn dangerous(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// Every cell of a CSV file.
fn cells(path: &Path) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_path(path).unwrap();
    reader.records().flat_map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>()).collect()
}

fn assert_neutralised(path: &Path, expected: &[&str]) {
    let cells = cells(path);
    for cell in &cells {
        assert!(!dangerous(cell), "{}: the cell {cell:?} would run as a formula", path.display());
    }
    for text in expected {
        let quoted = format!("'{text}");
        assert!(cells.contains(&quoted), "{}: expected the cell {quoted:?} among {cells:?}", path.display());
    }
}

#[test]
fn hostile_attachment_names_never_become_paths_and_reports_are_private_and_safe() {
    let passwd_before = std::fs::read("/etc/passwd").ok();
    let absolute_before = Path::new("/abs-confcopy-escape").exists();
    let escaped_before = Path::new("/tmp/confcopy-escaped.txt").exists();
    let sites = Sites::start(hostile_seed());
    let top = tempfile::tempdir().unwrap();
    // Deep enough that "../../x" from the working, state or report folder stays inside `top`.
    let cwd = top.path().join("a/b/c/d/e/f/cwd");
    std::fs::create_dir_all(&cwd).unwrap();
    let state = cwd.join("state");
    let reports = cwd.join("reports/not/yet/there");
    let plan = sites.plan(top.path());
    let state_arg = state.display().to_string();
    let reports_arg = reports.display().to_string();

    let apply = sites.run(
        &["--state-dir", &state_arg, "apply", "--no-progress", &plan, "--report-dir", &reports_arg],
        &cwd,
    );
    assert_eq!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);

    // Nothing was written outside the state and report folders (the plan is ours).
    let (files, _) = walk(top.path());
    for file in &files {
        assert!(
            file.starts_with(&state) || file.starts_with(&reports) || file.ends_with("plan.toml"),
            "a file was written outside the state and report folders: {}",
            file.display()
        );
    }
    assert_eq!(std::fs::read("/etc/passwd").ok(), passwd_before, "/etc/passwd changed");
    assert_eq!(Path::new("/abs-confcopy-escape").exists(), absolute_before);
    assert_eq!(Path::new("/tmp/confcopy-escaped.txt").exists(), escaped_before);

    // Each attachment arrived under its own name with its own bytes.
    let source = attachments_of(&sites.source.export(), "Marketing Home");
    let copied = attachments_of(&sites.destination.export(), "Marketing Home");

    for name in HOSTILE_NAMES.iter().chain(ENCODED_NAMES) {
        let Some(data) = copied.get(*name) else {
            panic!("the attachment {name:?} was not uploaded under its name: {:?}", copied.keys());
        };
        assert_eq!(Some(data), source.get(*name), "{name:?} arrived with other bytes");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data[0]["stored"]["base64"].as_str().unwrap())
            .unwrap();
        assert_eq!(bytes, attachment_bytes(name), "{name:?} arrived with other bytes");
    }
    assert_eq!(copied.len(), source.len(), "every attachment was copied once: {:?}", copied.keys());
    // The run says what happened: every attachment copied, none failed.
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["status"], "Complete", "{summary}");
    let totals = &summary["totals"]["attachments"];
    assert_eq!(totals["failed"], 0, "{summary}");
    assert_eq!(totals["copied"], totals["total"], "{summary}");
    assert!(totals["total"].as_u64().unwrap() >= source.len() as u64, "{summary}");

    // Private files, private folders, no temporary file left behind.
    assert_private(&state);
    assert_private(&cwd.join("reports"));

    // Every CSV cell that a spreadsheet would run is neutralised.
    assert_neutralised(&reports.join("spaces.csv"), &[FORMULAS[0]]);
    assert_neutralised(&reports.join("users.csv"), &FORMULAS[1..]);
    assert_neutralised(&reports.join("groups.csv"), &["=cmd|' /C calc'!A0"]);
    for file in walk(&state).0.iter().filter(|f| f.extension().is_some_and(|e| e == "csv")) {
        assert_neutralised(file, &[]);
    }
    let verify_dir = cwd.join("verify");
    let verify_arg = verify_dir.display().to_string();
    let verify = sites.run(&["--state-dir", &state_arg, "verify", &plan, "--report-dir", &verify_arg], &cwd);
    // Exit 1 when it finds differences: the rows of verify.csv are checked either way.
    assert!(verify.code == 0 || verify.code == 1, "{}\n{}", verify.stdout, verify.stderr);
    assert!(verify_dir.join("verify.csv").is_file(), "{}", verify.stdout);
    for file in walk(&verify_dir).0 {
        assert_eq!(mode(&file) & 0o077, 0, "{}", file.display());
        if file.extension().is_some_and(|e| e == "csv") {
            assert_neutralised(&file, &[]);
        }
    }

    // Reports are replaced by rename: a hard link to the old summary keeps the old text, and a
    // link planted where a report goes is replaced, not written through.
    let summary = reports.join("summary.json");
    let kept = reports.join("kept-summary.json");
    std::fs::hard_link(&summary, &kept).unwrap();
    let old_text = std::fs::read(&summary).unwrap();
    let old_inode = std::fs::metadata(&summary).unwrap().ino();
    let victim = top.path().join("victim.txt");
    std::fs::write(&victim, "do not overwrite").unwrap();
    std::fs::remove_file(reports.join("users.csv")).unwrap();
    std::os::unix::fs::symlink(&victim, reports.join("users.csv")).unwrap();
    let again = sites.run(
        &["--state-dir", &state_arg, "apply", "--no-progress", &plan, "--report-dir", &reports_arg],
        &cwd,
    );
    assert_eq!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    assert_ne!(std::fs::metadata(&summary).unwrap().ino(), old_inode, "summary.json was rewritten in place");
    assert_eq!(std::fs::read(&kept).unwrap(), old_text, "the old summary's inode was written to");
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "do not overwrite",
        "a report was written through a link"
    );
    assert!(std::fs::symlink_metadata(reports.join("users.csv")).unwrap().is_file());
    assert_eq!(mode(&reports.join("users.csv")), 0o600);
    sites.shutdown();
}

/// A source whose download answers fewer bytes than the attachment's metadata declares (here: a
/// body cut in half, with a matching `Content-Length`) fails the attachment loudly; nothing
/// empty or short is uploaded and the run does not report success.
#[test]
fn a_short_download_fails_the_attachment_and_the_run_says_so() {
    let mut seed = hostile_seed();
    seed.sites[0].faults = Some(confcopy_sandbox::faults::FaultConfig {
        seed: 1,
        rules: vec![confcopy_sandbox::faults::FaultRule {
            route: "/__media/*".into(),
            method: "GET".into(),
            probability: 1.0,
            after: 0,
            times: None,
            fault: confcopy_sandbox::faults::Fault::TruncatedJson,
        }],
        rate_limit: None,
    });
    let sites = Sites::start(seed);
    let dir = tempfile::tempdir().unwrap();
    let plan = sites.plan(dir.path());
    let reports = dir.path().join("reports");
    let (apply, summary) = sites.apply(&plan, dir.path());
    assert_ne!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    assert!(!apply.stdout.contains("Complete"), "{}", apply.stdout);
    assert_ne!(summary["status"], "Complete", "{summary}");
    let totals = &summary["totals"]["attachments"];
    assert_eq!(totals["failed"], totals["total"], "{summary}");
    assert_eq!(totals["copied"], 0, "{summary}");
    let report = std::fs::read_to_string(reports.join("spaces.csv")).unwrap();
    assert!(report.contains("metadata declares"), "the reason is reported: {report}");
    let copied = attachments_of(&sites.destination.export(), "Marketing Home");
    assert!(copied.is_empty(), "nothing short was uploaded: {:?}", copied.keys());
    sites.shutdown();
}

/// Changes an answer's body, given the request's method and path (with the query).
type Tamper = fn(&hyper::Method, &str, &mut Vec<u8>);

/// A small HTTP proxy in front of a sandbox site: it passes every request on, points the
/// download redirect back at itself, and lets `tamper` change each answer's body (the
/// `Content-Length` follows): a site that answers other than it should.
async fn tampering_proxy(target: String, tamper: Tamper) -> (String, tokio::sync::oneshot::Sender<()>) {
    use http_body_util::BodyExt as _;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let own = base.clone();
    tokio::spawn(async move {
        loop {
            let stream = tokio::select! {
                accepted = listener.accept() => accepted.unwrap().0,
                _ = &mut stopped => return,
            };
            let (http, target, own) = (http.clone(), target.clone(), own.clone());
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                        let (http, target, own) = (http.clone(), target.clone(), own.clone());
                        async move {
                            let (parts, body) = req.into_parts();
                            let body = body.collect().await?.to_bytes();
                            let path = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_string();
                            let mut forward =
                                http.request(parts.method.clone(), format!("{target}{path}")).body(body);
                            for (name, value) in &parts.headers {
                                if name != hyper::header::HOST && name != hyper::header::CONTENT_LENGTH {
                                    forward = forward.header(name, value);
                                }
                            }
                            let answer = forward.send().await.expect("the sandbox answers");
                            let mut reply = hyper::Response::builder().status(answer.status());
                            for (name, value) in answer.headers() {
                                if name == hyper::header::LOCATION {
                                    let moved = value.to_str().unwrap().replace(&target, &own);
                                    reply = reply.header(name, moved);
                                } else if name != hyper::header::CONTENT_LENGTH
                                    && name != hyper::header::TRANSFER_ENCODING
                                {
                                    reply = reply.header(name, value);
                                }
                            }
                            let mut bytes = answer.bytes().await.unwrap().to_vec();
                            tamper(&parts.method, &path, &mut bytes);
                            Ok::<_, hyper::Error>(
                                reply.body(http_body_util::Full::new(bytes::Bytes::from(bytes))).unwrap(),
                            )
                        }
                    });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, service).await;
            });
        }
    });
    (base, stop)
}

/// A source that sends more bytes than an attachment's metadata declares is stopped at the
/// declared size: the attachment fails, nothing longer (nor anything at all) is uploaded.
#[test]
fn a_download_longer_than_declared_is_stopped_and_fails_the_attachment() {
    let sites = Sites::start(hostile_seed());
    let inflate: Tamper = |_, path, body| {
        if path.starts_with("/__media/") {
            body.extend_from_slice(b"<script>more</script>");
        }
    };
    let (proxy, stop) = sites.runtime.block_on(tampering_proxy(sites.source.base_url().to_string(), inflate));
    let dir = tempfile::tempdir().unwrap();
    let plan = sites.plan_through(dir.path(), &sites.source, &proxy);
    let reports = dir.path().join("reports");
    let (apply, summary) = sites.apply(&plan, dir.path());
    assert_ne!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    assert_eq!(summary["source"], proxy.as_str(), "the copy read through the proxy: {summary}");
    assert_ne!(summary["status"], "Complete", "{summary}");
    let totals = &summary["totals"]["attachments"];
    assert_eq!(totals["failed"], totals["total"], "{summary}");
    let report = std::fs::read_to_string(reports.join("spaces.csv")).unwrap();
    assert!(report.contains("(the size its metadata declares)"), "the reason is reported: {report}");
    let copied = attachments_of(&sites.destination.export(), "Marketing Home");
    assert!(copied.is_empty(), "nothing was uploaded: {:?}", copied.keys());
    let _ = stop.send(());
    sites.shutdown();
}

/// Whether the proxy of the next test changes upload answers.
static SHRINK_UPLOAD_ANSWERS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// A destination whose upload answer gives another size than the bytes sent (as a server that
/// stored a truncated file would) fails each attachment, and the run does not say Complete. The
/// next apply looks at what the failed one left: an attachment of the right size counts as
/// copied, one whose size changed since fails again rather than counting as present.
#[test]
fn an_upload_stored_with_another_size_fails_the_attachment() {
    use std::sync::atomic::Ordering;
    let sites = Sites::start(hostile_seed());
    let shrink: Tamper = |method, path, body| {
        if SHRINK_UPLOAD_ANSWERS.load(Ordering::SeqCst)
            && *method != hyper::Method::GET
            && path.ends_with("/child/attachment")
        {
            let mut answer: serde_json::Value = serde_json::from_slice(body).unwrap();
            for result in answer["results"].as_array_mut().unwrap() {
                result["extensions"]["fileSize"] = 0.into();
            }
            *body = serde_json::to_vec(&answer).unwrap();
        }
    };
    let (proxy, stop) =
        sites.runtime.block_on(tampering_proxy(sites.destination.base_url().to_string(), shrink));
    let dir = tempfile::tempdir().unwrap();
    let plan = sites.plan_through(dir.path(), &sites.destination, &proxy);
    let reports = dir.path().join("reports");
    let (apply, summary) = sites.apply(&plan, dir.path());
    assert_ne!(apply.code, 0, "{}\n{}", apply.stdout, apply.stderr);
    assert_eq!(summary["destination"], proxy.as_str(), "the copy wrote through the proxy: {summary}");
    assert_ne!(summary["status"], "Complete", "{summary}");
    let totals = &summary["totals"]["attachments"];
    assert_eq!(totals["failed"], totals["total"], "{summary}");
    let report = std::fs::read_to_string(reports.join("spaces.csv")).unwrap();
    assert!(report.contains("the destination stored 0 bytes of the"), "the reason is reported: {report}");

    // One of the uploads is changed on the destination (a second version, other bytes); the
    // proxy now answers as the site does.
    SHRINK_UPLOAD_ANSWERS.store(false, Ordering::SeqCst);
    let changed = "quote\"d.txt";
    let export = sites.destination.export();
    let page = export["site"]["contents"]
        .as_object()
        .unwrap()
        .values()
        .find(|c| c["kind"] == "page" && c["title"] == "Marketing Home")
        .unwrap()["id"]
        .clone();
    let page = page.as_str().map_or_else(|| page.to_string(), str::to_string);
    let client = confcopy::client::SiteClient::direct(
        confcopy::client::BaseUrl::parse(sites.destination.base_url()).unwrap(),
        confcopy::client::Credentials::basic(
            sites.destination.admin_email(),
            sites.destination.admin_token(),
        ),
        confcopy::client::ClientOptions::fast(),
    )
    .unwrap();
    let other = dir.path().join("other.bin");
    std::fs::write(&other, b"other, longer bytes than the source has").unwrap();
    let upload = confcopy::client::model::attachment::AttachmentUpload {
        file_name: changed.to_string(),
        media_type: None,
        comment: None,
        minor_edit: true,
    };
    let mode = confcopy::client::model::attachment::UploadMode::CreateOrNewVersion;
    sites.runtime.block_on(client.upload_attachment_file(&page, &upload, mode, &other)).unwrap();

    let (again, summary) = sites.apply(&plan, dir.path());
    assert_ne!(again.code, 0, "{}\n{}", again.stdout, again.stderr);
    let totals = &summary["totals"]["attachments"];
    assert_eq!(totals["failed"], 1, "{summary}");
    let report = std::fs::read_to_string(reports.join("spaces.csv")).unwrap();
    assert!(report.contains("an interrupted run left"), "the reason is reported: {report}");
    let source = attachments_of(&sites.source.export(), "Marketing Home");
    let copied = attachments_of(&sites.destination.export(), "Marketing Home");
    for (name, data) in &source {
        if name != changed {
            assert_eq!(copied.get(name), Some(data), "{name:?} is on the destination as on the source");
        }
    }
    let _ = stop.send(());
    sites.shutdown();
}

#[test]
fn references_csv_neutralises_every_column() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<ReferenceRow> = FORMULAS
        .iter()
        .map(|f| ReferenceRow {
            page: f.to_string(),
            kind: f.to_string(),
            original: f.to_string(),
            outcome: f.to_string(),
            replacement: f.to_string(),
            reason: f.to_string(),
        })
        .collect();
    let path = write_references(dir.path(), &rows).unwrap();
    assert_eq!(mode(&path), 0o600);
    assert_eq!(cells(&path).len(), 6 * (1 + FORMULAS.len()));
    assert_neutralised(&path, FORMULAS);
    // Text that only looks alarming further in is left as it is.
    let plain = [ReferenceRow {
        page: "MKT: a=b".into(),
        kind: "link".into(),
        original: "1+1".into(),
        outcome: "rewritten".into(),
        replacement: "x@y".into(),
        reason: String::new(),
    }];
    let path = write_references(dir.path(), &plain).unwrap();
    let written = cells(&path);
    assert!(written.iter().any(|c| c == "1+1") && written.iter().any(|c| c == "MKT: a=b"), "{written:?}");
}

#[test]
fn a_private_write_replaces_a_planted_link_and_leaves_its_target_alone() {
    let dir = tempfile::tempdir().unwrap();
    let victim = dir.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
    let report = dir.path().join("summary.json");
    std::os::unix::fs::symlink(&victim, &report).unwrap();
    write_private(&report, b"{}").unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(mode(&victim), 0o644);
    assert!(std::fs::symlink_metadata(&report).unwrap().is_file());
    assert_eq!(std::fs::read(&report).unwrap(), b"{}");
    assert_eq!(mode(&report), 0o600);
    let (files, _) = walk(dir.path());
    assert_eq!(files.len(), 2, "no temporary file is left: {files:?}");
}
