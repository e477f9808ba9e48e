//! `source-no-confluence`, `destination-no-confluence`, `access-not-org-admin` and `content-unreadable` against sandbox
//! sites over HTTP: each fires where the site data calls for it, on the plan line that causes it,
//! with the catalogue's severity — and not on the other site, the other keys, or healthy data.
//! The forecast leaves out what the credentials cannot read.

use std::collections::BTreeSet;

use confcopy::checks::Forecast;
use confcopy::client::ClientOptions;
use confcopy::diagnostic::{Code, Diagnostic};
use confcopy::inventory::SpaceCounts;
use confcopy::settings::{Secret, Settings, SiteCredentials};
use confcopy::site::PlanSites;
use confcopy_sandbox::{Sandbox, Seed, SiteHandle};

use crate::support::Confcopy;

const SOURCE_LINE: usize = 2;
const DESTINATION_LINE: usize = 3;
/// `keys = [` is line 5; the selected keys follow, one a line.
const FIRST_KEY_LINE: usize = 6;
const GLOBEX_KEY: &str = "sandbox-orgkey-globex";

/// Which organization API key a site is checked with.
#[derive(Clone, Copy)]
enum OrgKey<'a> {
    /// The key of the site's own organization.
    Own,
    /// No key at all.
    Absent,
    /// This key (another organization's).
    Other(&'a str),
}

fn credentials(site: &SiteHandle, key: OrgKey) -> SiteCredentials {
    SiteCredentials {
        email: Some(site.admin_email().to_string()),
        token: Some(Secret::new(site.admin_token())),
        bearer_token: None,
        org_api_key: match key {
            OrgKey::Own => Some(Secret::new(site.org_api_key())),
            OrgKey::Absent => None,
            OrgKey::Other(key) => Some(Secret::new(key)),
        },
    }
}

/// A plan between two URL sites with each selected key on its own line.
fn plan_text(source: &SiteHandle, destination: &SiteHandle, keys: &[&str]) -> String {
    let keys: String = keys.iter().map(|k| format!("  \"{k}\",\n")).collect();
    format!(
        "name = \"access\"\nsource = \"{}\"\ndestination = \"{}\"\n[spaces]\nkeys = [\n{keys}]\n",
        source.base_url(),
        destination.base_url()
    )
}

struct Checked {
    findings: Vec<Diagnostic>,
    forecast: Option<Forecast>,
    text: String,
}

impl Checked {
    fn line_of(&self, d: &Diagnostic) -> usize {
        let start = d.primary_span().map_or(0, |s| s.start).min(self.text.len());
        self.text[..start].matches('\n').count() + 1
    }

    /// (code, severity, line) of every finding.
    fn found(&self) -> BTreeSet<(&'static str, &'static str, usize)> {
        self.findings.iter().map(|d| (d.code.as_str(), d.severity.as_str(), self.line_of(d))).collect()
    }

    fn with_code(&self, code: Code) -> Vec<&Diagnostic> {
        self.findings.iter().filter(|d| d.code == code).collect()
    }

    fn counts(&self, key: &str) -> SpaceCounts {
        let forecast = self.forecast.as_ref().unwrap_or_else(|| panic!("no forecast: {:#?}", self.findings));
        let space = forecast.spaces.iter().find(|s| s.key == key);
        space.unwrap_or_else(|| panic!("{key} not in the forecast {forecast:#?}")).counts.clone()
    }
}

/// Runs the check as `confcopy check` does (src/commands/check.rs `site_checks`), with short retries; the
/// organization API goes to the sandbox.
async fn check(
    source: (&SiteHandle, OrgKey<'_>),
    destination: (&SiteHandle, OrgKey<'_>),
    keys: &[&str],
) -> Checked {
    let settings = Settings {
        source: credentials(source.0, source.1),
        destination: credentials(destination.0, destination.1),
        api_gateway: Some(source.0.base_url().to_string()),
        ..Settings::default()
    };
    check_with(plan_text(source.0, destination.0, keys), &settings).await
}

async fn check_with(text: String, settings: &Settings) -> Checked {
    let loaded = confcopy::plan::load_text("check.toml", text.clone());
    let plan = loaded.plan.unwrap_or_else(|| panic!("{:?}", loaded.diagnostics));
    let sites = PlanSites::connect(&plan, settings, ClientOptions::fast()).await.expect("connect");
    let inventory = confcopy::inventory::read(&plan, &sites).await.expect("both sites answer");
    let findings = confcopy::checks::run(&plan, &inventory);
    let forecast = (inventory.source.usable() && inventory.destination.usable())
        .then(|| Forecast::new(&plan, &inventory));
    sites.close().await.expect("close");
    Checked { findings, forecast, text }
}

/// The findings with this code, as (code, severity, line).
fn only(checked: &Checked, code: &str) -> BTreeSet<(&'static str, &'static str, usize)> {
    checked.found().into_iter().filter(|(c, _, _)| *c == code).collect()
}

fn has(checked: &Checked, code: Code) -> bool {
    !checked.with_code(code).is_empty()
}

async fn demo() -> (Sandbox, SiteHandle, SiteHandle, SiteHandle) {
    let sandbox = Sandbox::start(Seed::demo()).await.unwrap();
    let site = |name: &str| sandbox.site(name).unwrap().clone();
    let (acme, eu, globex) = (site("acme"), site("acme-eu"), site("globex"));
    (sandbox, acme, eu, globex)
}

// ------------------------------------------------------------------ destination-no-confluence

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_seeded_without_confluence_is_labelled_on_the_destination_line() {
    let mut seed = Seed::demo();
    seed.sites.iter_mut().find(|s| s.name == "acme-eu").unwrap().confluence = false;
    let sandbox = Sandbox::start(seed).await.unwrap();
    let acme = sandbox.site("acme").unwrap().clone();
    let eu = sandbox.site("acme-eu").unwrap().clone();

    let checked = check((&acme, OrgKey::Own), (&eu, OrgKey::Own), &["DOCS"]).await;
    assert_eq!(
        only(&checked, "destination-no-confluence"),
        BTreeSet::from([("destination-no-confluence", "error", DESTINATION_LINE)]),
        "{:#?}",
        checked.findings
    );
    // The other checks wait for a destination they can read: nothing on the source or the keys.
    assert!(checked.found().iter().all(|(_, _, line)| *line == DESTINATION_LINE), "{:#?}", checked.findings);
    let finding = checked.with_code(Code::DestinationNoConfluence)[0];
    assert!(finding.message.contains(eu.base_url()), "names the site: {}", finding.message);
    assert!(finding.help.as_deref().is_some_and(|h| h.contains("add Confluence")), "{finding:#?}");
    assert!(checked.forecast.is_none(), "no forecast for a destination without Confluence");
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluence_removed_from_the_destination_fires_and_restored_it_does_not() {
    let (sandbox, acme, eu, _) = demo().await;
    let before = check((&acme, OrgKey::Own), (&eu, OrgKey::Own), &["DOCS"]).await;
    assert!(!has(&before, Code::DestinationNoConfluence), "{:#?}", before.findings);
    assert!(before.forecast.is_some());

    eu.with_world(|world, index| world.sites[index].confluence = false);
    let without = check((&acme, OrgKey::Own), (&eu, OrgKey::Own), &["DOCS"]).await;
    assert_eq!(
        only(&without, "destination-no-confluence"),
        BTreeSet::from([("destination-no-confluence", "error", DESTINATION_LINE)]),
        "{:#?}",
        without.findings
    );

    eu.with_world(|world, index| world.sites[index].confluence = true);
    let restored = check((&acme, OrgKey::Own), (&eu, OrgKey::Own), &["DOCS"]).await;
    assert_eq!(restored.found(), before.found(), "the same findings as before the change");
    sandbox.shutdown().await.unwrap();
}

// ------------------------------------------------------------------ source-no-confluence

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_seeded_without_confluence_is_labelled_on_the_source_line() {
    let mut seed = Seed::demo();
    seed.sites.iter_mut().find(|s| s.name == "acme").unwrap().confluence = false;
    let sandbox = Sandbox::start(seed).await.unwrap();
    let acme = sandbox.site("acme").unwrap().clone();
    let eu = sandbox.site("acme-eu").unwrap().clone();

    let checked = check((&acme, OrgKey::Own), (&eu, OrgKey::Own), &["DOCS"]).await;
    assert_eq!(
        checked.found(),
        BTreeSet::from([("source-no-confluence", "error", SOURCE_LINE)]),
        "only source-no-confluence, on the source line: {:#?}",
        checked.findings
    );
    let finding = checked.with_code(Code::SourceNoConfluence)[0];
    assert!(finding.message.contains(acme.base_url()), "names the site: {}", finding.message);
    assert!(
        finding.help.as_deref().is_some_and(|h| h.contains("add Confluence to the source")),
        "{finding:#?}"
    );
    assert!(checked.forecast.is_none(), "no forecast for a source without Confluence");
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluence_removed_from_the_source_fires_there_and_not_as_a_destination_finding() {
    let (sandbox, acme, eu, _) = demo().await;
    let before = check((&acme, OrgKey::Own), (&eu, OrgKey::Own), &["DOCS"]).await;
    assert!(!has(&before, Code::SourceNoConfluence), "{:#?}", before.findings);

    acme.with_world(|world, index| world.sites[index].confluence = false);
    let checked = check((&acme, OrgKey::Own), (&eu, OrgKey::Own), &["DOCS"]).await;
    assert_eq!(
        only(&checked, "source-no-confluence"),
        BTreeSet::from([("source-no-confluence", "error", SOURCE_LINE)]),
        "{:#?}",
        checked.findings
    );
    assert!(!has(&checked, Code::DestinationNoConfluence), "{:#?}", checked.findings);
    assert!(
        checked.found().iter().all(|(_, _, line)| *line != DESTINATION_LINE),
        "nothing on the destination line: {:#?}",
        checked.findings
    );
    // Both sites without Confluence: one finding each, on its own line.
    eu.with_world(|world, index| world.sites[index].confluence = false);
    let neither = check((&acme, OrgKey::Own), (&eu, OrgKey::Own), &["DOCS"]).await;
    assert_eq!(
        neither.found(),
        BTreeSet::from([
            ("source-no-confluence", "error", SOURCE_LINE),
            ("destination-no-confluence", "error", DESTINATION_LINE)
        ]),
        "{:#?}",
        neither.findings
    );
    sandbox.shutdown().await.unwrap();
}

// ------------------------------------------------------------------ access-not-org-admin

fn not_org_admin(checked: &Checked) -> BTreeSet<(&'static str, &'static str, usize)> {
    only(checked, "access-not-org-admin")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_organization_keys_on_both_sites_raise_no_org_admin_finding() {
    let (sandbox, acme, eu, globex) = demo().await;
    let same_org = check((&acme, OrgKey::Own), (&eu, OrgKey::Own), &["DOCS"]).await;
    assert!(not_org_admin(&same_org).is_empty(), "{:#?}", same_org.findings);
    // Two organizations, each site with its own organization's key: admin of both.
    let two_orgs = check((&acme, OrgKey::Own), (&globex, OrgKey::Own), &["DOCS"]).await;
    assert!(not_org_admin(&two_orgs).is_empty(), "{:#?}", two_orgs.findings);
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_organizations_key_for_the_destination_is_labelled_on_the_destination_line() {
    let (sandbox, acme, eu, globex) = demo().await;
    let checked = check((&acme, OrgKey::Own), (&eu, OrgKey::Other(GLOBEX_KEY)), &["DOCS"]).await;
    assert_eq!(
        not_org_admin(&checked),
        BTreeSet::from([("access-not-org-admin", "error", DESTINATION_LINE)]),
        "{:#?}",
        checked.findings
    );
    let finding = checked.with_code(Code::AccessNotOrgAdmin)[0];
    assert!(finding.message.contains("globex-org"), "names the key's organization: {}", finding.message);
    assert!(finding.message.contains("does not own this site"), "{}", finding.message);
    assert!(
        finding.help.as_deref().is_some_and(|h| h.contains("CONFCOPY_DESTINATION_ORG_API_KEY")),
        "{finding:#?}"
    );
    assert!(!format!("{:?}", checked.findings).contains(GLOBEX_KEY), "the key is never shown");

    // The acme key for the globex destination (two organizations): the same, the other way.
    let key = acme.org_api_key().to_string();
    let checked = check((&acme, OrgKey::Own), (&globex, OrgKey::Other(&key)), &["DOCS"]).await;
    assert_eq!(
        not_org_admin(&checked),
        BTreeSet::from([("access-not-org-admin", "error", DESTINATION_LINE)]),
        "{:#?}",
        checked.findings
    );
    assert!(checked.with_code(Code::AccessNotOrgAdmin)[0].message.contains("acme-org"));

    // And on the source's line when the source holds the wrong key.
    let checked = check((&acme, OrgKey::Other(GLOBEX_KEY)), (&eu, OrgKey::Own), &["DOCS"]).await;
    assert_eq!(
        not_org_admin(&checked),
        BTreeSet::from([("access-not-org-admin", "error", SOURCE_LINE)]),
        "{:#?}",
        checked.findings
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_org_key_for_a_url_site_is_labelled_on_that_sites_line() {
    let (sandbox, acme, eu, _) = demo().await;
    for (source_key, destination_key, line) in
        [(OrgKey::Own, OrgKey::Absent, DESTINATION_LINE), (OrgKey::Absent, OrgKey::Own, SOURCE_LINE)]
    {
        let checked = check((&acme, source_key), (&eu, destination_key), &["DOCS"]).await;
        assert_eq!(
            not_org_admin(&checked),
            BTreeSet::from([("access-not-org-admin", "error", line)]),
            "{:#?}",
            checked.findings
        );
        let finding = checked.with_code(Code::AccessNotOrgAdmin)[0];
        assert!(finding.message.starts_with("no organization API key"), "{}", finding.message);
        let role = if line == SOURCE_LINE { "SOURCE" } else { "DESTINATION" };
        assert!(
            finding.help.as_deref().is_some_and(|h| h.contains(&format!("CONFCOPY_{role}_ORG_API_KEY"))),
            "{finding:#?}"
        );
    }
    let neither = check((&acme, OrgKey::Absent), (&eu, OrgKey::Absent), &["DOCS"]).await;
    assert_eq!(
        not_org_admin(&neither),
        BTreeSet::from([
            ("access-not-org-admin", "error", SOURCE_LINE),
            ("access-not-org-admin", "error", DESTINATION_LINE),
        ]),
        "{:#?}",
        neither.findings
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_org_key_is_never_reported_missing() {
    let (sandbox, acme, eu, _) = demo().await;
    // The destination has no Confluence: destination-no-confluence says it all.
    eu.with_world(|world, index| world.sites[index].confluence = false);
    let checked = check((&acme, OrgKey::Own), (&eu, OrgKey::Own), &["DOCS"]).await;
    assert!(not_org_admin(&checked).is_empty(), "{:#?}", checked.findings);
    eu.with_world(|world, index| world.sites[index].confluence = true);

    // Not a product admin on the destination: access-not-product-admin says it all.
    let settings = Settings {
        source: credentials(&acme, OrgKey::Own),
        destination: SiteCredentials {
            email: Some("viewer@acme.test".into()),
            token: Some(Secret::new("sandbox-token-viewer")),
            bearer_token: None,
            org_api_key: Some(Secret::new(eu.org_api_key())),
        },
        api_gateway: Some(acme.base_url().to_string()),
        ..Settings::default()
    };
    let checked = check_with(plan_text(&acme, &eu, &["DOCS"]), &settings).await;
    assert_eq!(
        only(&checked, "access-not-product-admin"),
        BTreeSet::from([("access-not-product-admin", "error", DESTINATION_LINE)])
    );
    assert!(not_org_admin(&checked).is_empty(), "{:#?}", checked.findings);
    sandbox.shutdown().await.unwrap();
}

#[test]
fn the_binary_labels_a_foreign_destination_org_key_on_the_destination_line() {
    let state = tempfile::tempdir().unwrap();
    let plan = tempfile::tempdir().unwrap();
    let path = plan.path().join("docs.toml");
    std::fs::write(
        &path,
        "name = \"docs\"\nsource = \"sandbox:acme\"\ndestination = \"sandbox:acme-eu\"\n[spaces]\nkeys = [\"DOCS\"]\n",
    )
    .unwrap();
    let args = ["--state-dir", &state.path().display().to_string(), "check", "--format", "json"]
        .map(str::to_string)
        .into_iter()
        .chain([path.display().to_string()]);
    let run = Confcopy::new(args).env("CONFCOPY_DESTINATION_ORG_API_KEY", GLOBEX_KEY).run();
    assert_eq!(run.code, 1, "an error finding: {}\n{}", run.stdout, run.stderr);
    let doc: serde_json::Value =
        serde_json::from_str(&run.stdout).unwrap_or_else(|_| panic!("JSON: {}\n{}", run.stdout, run.stderr));
    let org: Vec<(&str, u64)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "access-not-org-admin")
        .map(|d| (d["severity"].as_str().unwrap(), d["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(org, [("error", DESTINATION_LINE as u64)], "{doc:#}");
    assert!(!run.stdout.contains(GLOBEX_KEY) && !run.stderr.contains(GLOBEX_KEY), "the key is never shown");
}

// ------------------------------------------------------------------ content-unreadable

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_restricted_away_from_the_admin_is_unreadable_and_left_out_of_the_forecast() {
    let (sandbox, acme, eu, _) = demo().await;
    // The admin is a product admin, so the HR space reads; "Salaries 2024" is restricted to hank.
    // MKT's "Budget 2024" is restricted too, but names the admin: readable, no finding.
    let checked = check((&acme, OrgKey::Own), (&eu, OrgKey::Own), &["MKT", "HR"]).await;
    let unreadable: Vec<_> =
        checked.found().into_iter().filter(|(code, _, _)| *code == "content-unreadable").collect();
    assert_eq!(
        unreadable,
        [("content-unreadable", "warning", FIRST_KEY_LINE + 1)],
        "{:#?}",
        checked.findings
    );
    let finding = checked.with_code(Code::ContentUnreadable)[0];
    assert!(finding.message.contains("\"HR\""), "{}", finding.message);
    assert!(finding.message.contains("1 page cannot be read"), "{}", finding.message);

    // The forecast counts what will be copied: "People Home" only.
    let hr = checked.counts("HR");
    assert_eq!((hr.pages, hr.blog_posts, hr.attachments, hr.comments), (1, 0, 0, 0), "{hr:?}");
    // "Budget 2024" is counted in MKT (the admin is named in its restriction).
    let mkt = checked.counts("MKT");
    let budget_counted = mkt.pages;
    acme.with_world(|world, index| {
        let budget = world.sites[index].contents.values_mut().find(|c| c.title == "Budget 2024").unwrap();
        budget.restrictions.read.users.retain(|u| *u != confcopy_sandbox::seed::account_id_for("admin"));
    });
    let without_admin = check((&acme, OrgKey::Own), (&eu, OrgKey::Own), &["MKT", "HR"]).await;
    assert_eq!(without_admin.counts("MKT").pages, budget_counted - 1, "Budget 2024 now stays behind");
    let unreadable: Vec<_> =
        without_admin.found().into_iter().filter(|(code, _, _)| *code == "content-unreadable").collect();
    assert_eq!(
        unreadable,
        [
            ("content-unreadable", "warning", FIRST_KEY_LINE),
            ("content-unreadable", "warning", FIRST_KEY_LINE + 1)
        ],
        "{:#?}",
        without_admin.findings
    );
    sandbox.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restricting_a_docs_page_to_hank_hides_it_its_children_and_their_attachments() {
    let (sandbox, acme, eu, _) = demo().await;
    let keys = ["MKT", "DOCS", "OPS"];
    let before = check((&acme, OrgKey::Own), (&eu, OrgKey::Own), &keys).await;
    assert!(!has(&before, Code::ContentUnreadable), "{:#?}", before.findings);
    let docs = before.counts("DOCS");
    // Home, User Guide, API Reference, FAQ; diagram.png and the inline comment on the guide.
    assert_eq!((docs.pages, docs.blog_posts, docs.attachments, docs.comments), (4, 0, 1, 1), "{docs:?}");

    acme.with_world(|world, index| {
        let guide = world.sites[index].contents.values_mut().find(|c| c.title == "User Guide").unwrap();
        guide.restrictions.read.users = vec![confcopy_sandbox::seed::account_id_for("hank")];
    });
    let after = check((&acme, OrgKey::Own), (&eu, OrgKey::Own), &keys).await;
    let unreadable: Vec<_> =
        after.found().into_iter().filter(|(code, _, _)| *code == "content-unreadable").collect();
    assert_eq!(unreadable, [("content-unreadable", "warning", FIRST_KEY_LINE + 1)], "{:#?}", after.findings);
    let finding = after.with_code(Code::ContentUnreadable)[0];
    // The guide and, through inheritance, API Reference; the guide's attachment.
    assert!(finding.message.contains("\"DOCS\""), "{}", finding.message);
    assert!(finding.message.contains("2 pages and 1 attachment cannot be read"), "{}", finding.message);
    let docs = after.counts("DOCS");
    assert_eq!((docs.pages, docs.blog_posts, docs.attachments, docs.comments), (2, 0, 0, 0), "{docs:?}");
    assert_eq!(after.counts("MKT"), before.counts("MKT"), "other spaces keep their numbers");
    assert_eq!(after.counts("OPS"), before.counts("OPS"));
    // Everything else is unchanged.
    let others = |c: &Checked| {
        c.found().into_iter().filter(|(code, _, _)| *code != "content-unreadable").collect::<BTreeSet<_>>()
    };
    assert_eq!(others(&after), others(&before));
    sandbox.shutdown().await.unwrap();
}
