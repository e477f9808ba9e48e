//! A destination that refuses some writes: the run goes on, ends Incomplete, and the reports
//! say exactly which rows failed and why.

use confcopy::client::ClientOptions;
use confcopy::run::Mode;
use confcopy::state::RunOutcome;
use confcopy_sandbox::{Fault, FaultConfig, FaultRule, Sandbox, Seed};

fn refuse(route: &str) -> FaultRule {
    FaultRule {
        route: route.into(),
        method: "POST".into(),
        probability: 1.0,
        after: 0,
        times: None,
        fault: Fault::ServerError { status: 500, retry_after: None },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_writes_end_incomplete_with_reasons() {
    let sandbox = Sandbox::start(Seed::demo()).await.unwrap();
    let source = sandbox.site("acme").unwrap().clone();
    let destination = sandbox.site("acme-eu").unwrap().clone();
    destination.set_faults(FaultConfig {
        seed: 7,
        rules: vec![
            refuse("/wiki/rest/api/content/*/child/attachment"),
            refuse("/wiki/api/v2/footer-comments"),
        ],
        rate_limit: None,
    });
    let text = format!(
        "name = \"faults\"\nsource = \"{}\"\ndestination = \"{}\"\n[spaces]\nkeys = [\"MKT\"]\n\
         [checks]\napps-missing = {{ severity = \"warning\", reason = \"test\" }}\n",
        source.base_url(),
        destination.base_url()
    );
    let plan = crate::support_sandbox::plan("faults.toml", text);
    let settings = crate::support_sandbox::admin_settings(&source, &destination, &destination);
    let work = tempfile::tempdir().unwrap();
    let prepared = confcopy::apply::prepare(&plan, &settings, ClientOptions::fast(), work.path(), None, None)
        .await
        .unwrap();
    assert!(prepared.outline.is_some(), "{:?}", prepared.findings);
    let reports = work.path().join("reports");
    let recorder = confcopy::run::Recorder::none();
    let applied =
        confcopy::apply::walk(&plan, &prepared, Mode::Apply, work.path(), Some(&reports), false, recorder)
            .await
            .unwrap();
    prepared.sites.close().await.unwrap();
    sandbox.shutdown().await.unwrap();

    assert_eq!(applied.status, RunOutcome::Incomplete);
    assert_eq!(confcopy::exit::Exit::from(applied.status) as i32, 3);
    let mkt = &applied.rows.spaces[0];
    assert_eq!(mkt.status.as_str(), "incomplete");
    assert_eq!((mkt.attachments.total, mkt.attachments.failed), (2, 2));
    assert_eq!(mkt.pages.failed, 0, "pages were not refused");
    assert_eq!(mkt.pages.copied, mkt.pages.total);
    // Footer comments were refused; their replies were not tried; inline threads went through.
    assert!(mkt.comments.failed > 0 && mkt.comments.copied > 0, "{:?}", mkt.comments);
    assert_eq!(mkt.comments.total, mkt.comments.copied + mkt.comments.skipped + mkt.comments.failed);
    assert!(mkt.detail.contains("HTTP 500"), "{}", mkt.detail);
    assert!(mkt.detail.contains("was not copied"), "replies name what they needed: {}", mkt.detail);
    let spaces = std::fs::read_to_string(reports.join("spaces.csv")).unwrap();
    assert!(spaces.contains(",incomplete,"), "{spaces}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["status"], "Incomplete");
    let attachments = &summary["totals"]["attachments"];
    assert_eq!(attachments["failed"], 2);
}
