//! Plan state in an S3-compatible store, against a real server on loopback (moto, started by
//! `.ci/run` through `.ci/s3_test_server.py`, which checks request signatures). Each test works
//! under a prefix of its own in the test bucket.
//!
//! Without `TEST_S3_ENDPOINT` these tests fail, saying how to start the server; with
//! `TEST_S3_OPTIONAL=1` they pass after saying loudly that they were skipped.
//! (The variables are not named `CONFCOPY_*`: the settings refuse `CONFCOPY_` variables they do
//! not know, which would break every test that runs the binary.)

use std::io::Write;
use std::time::{Duration, Instant};

use bytes::Bytes;
use confcopy::state::remote::{
    LeaseError, LeaseState, RemoteError, RemoteLockStatus, RemoteOptions, RemoteState,
};
use confcopy::state::{LockRecord, Operator, StateDir};

const PLAN: &str = "marketing-to-eu";

/// How to reach the test server, from the variables `.ci/s3_test_server.py` writes.
pub(crate) struct Server {
    pub(crate) endpoint: String,
    bucket: String,
    pub(crate) key_id: String,
    pub(crate) secret: String,
}

impl Server {
    /// The server, or `None` (after saying so) when the tests were allowed to skip.
    pub(crate) fn find(test: &str) -> Option<Server> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        match var("TEST_S3_ENDPOINT") {
            Some(endpoint) => Some(Server {
                endpoint,
                bucket: var("TEST_S3_BUCKET").unwrap_or_else(|| "confcopy-test".to_string()),
                key_id: var("TEST_S3_ACCESS_KEY_ID").expect("TEST_S3_ACCESS_KEY_ID"),
                secret: var("TEST_S3_SECRET_ACCESS_KEY").expect("TEST_S3_SECRET_ACCESS_KEY"),
            }),
            None if var("TEST_S3_OPTIONAL").as_deref() == Some("1") => {
                // Straight to stderr, past the test harness's capture, so the skip is seen.
                let _ = writeln!(
                    std::io::stderr(),
                    "SKIPPED state_remote::{test}: no S3-compatible test server \
                     (TEST_S3_ENDPOINT is not set, and TEST_S3_OPTIONAL=1)"
                );
                None
            }
            None => panic!(
                "state_remote::{test} needs the S3-compatible test server (TEST_S3_ENDPOINT is not \
                 set): start it with `target/s3-test-server/venv/bin/python .ci/s3_test_server.py \
                 /tmp/s3.env &` (.ci/run installs moto 5.2.5 there), then `. /tmp/s3.env` \
                 and run the tests again; or set TEST_S3_OPTIONAL=1 to skip them"
            ),
        }
    }

    fn options_with_secret(&self, secret: &str) -> RemoteOptions {
        RemoteOptions::from_vars([
            ("AWS_ACCESS_KEY_ID", self.key_id.as_str()),
            ("AWS_SECRET_ACCESS_KEY", secret),
            ("AWS_REGION", "us-east-1"),
        ])
        .with_endpoint(&self.endpoint)
        .with_retries(1, Duration::from_secs(5))
    }

    fn options(&self) -> RemoteOptions {
        self.options_with_secret(&self.secret)
    }

    /// A state URL under a fresh prefix.
    pub(crate) fn fresh_url(&self, test: &str) -> String {
        format!("s3://{}/{test}-{:08x}", self.bucket, rand::random::<u32>())
    }

    async fn open(&self, url: &str) -> RemoteState {
        RemoteState::open(url, self.options()).await.unwrap()
    }
}

/// The server and an opened state under a fresh prefix; returns from the test when skipping.
macro_rules! remote {
    ($test:literal) => {{
        let Some(server) = Server::find($test) else { return };
        let url = server.fresh_url($test);
        let state = server.open(&url).await;
        (server, url, state)
    }};
}

fn holder(operation: &str) -> LockRecord {
    let me = Operator::current();
    LockRecord {
        plan: PLAN.to_string(),
        user: me.user,
        host: me.host,
        pid: me.pid,
        since: jiff::Timestamp::now(),
        operation: operation.to_string(),
        token: 0,
    }
}

/// A lock record as a holder that stopped at once would have left it: renewed now, never again.
fn abandoned_lock(lease: Duration) -> Bytes {
    let now = jiff::Timestamp::now();
    let record = serde_json::json!({
        "plan": PLAN, "user": "night-job", "host": "ci-runner-7", "pid": 4242,
        "since": now.to_string(), "operation": "apply", "token": 7,
        "renewed_at": now.to_string(), "lease_ms": lease.as_millis() as u64,
    });
    Bytes::from(serde_json::to_vec(&record).unwrap())
}

async fn wait_until_lost(lease: &confcopy::state::remote::RemoteLease, within: Duration) -> String {
    let mut watch = lease.watch();
    let lost = tokio::time::timeout(within, watch.wait_for(|s| matches!(s, LeaseState::Lost(_))))
        .await
        .expect("the lease was not reported lost in time")
        .expect("the lease's watch ended");
    match &*lost {
        LeaseState::Lost(reason) => reason.clone(),
        LeaseState::Held => unreachable!(),
    }
}

#[tokio::test]
async fn the_lock_is_created_only_where_none_exists() {
    let (server, url, state) = remote!("lock_create");
    assert_eq!(state.lock_status(PLAN).await.unwrap(), RemoteLockStatus::Free);
    let lease = state.acquire(PLAN, &holder("apply"), Duration::from_secs(30)).await.unwrap();
    assert!(lease.taken_over().is_none());
    let stored: serde_json::Value =
        serde_json::from_slice(&state.get(PLAN, "lock.json").await.unwrap().expect("lock.json")).unwrap();
    assert_eq!(stored["token"], lease.record().token);
    assert_eq!(stored["pid"], std::process::id());

    // Several processes' worth of states racing for a free plan: exactly one gets it.
    lease.release().await.unwrap();
    assert_eq!(state.lock_status(PLAN).await.unwrap(), RemoteLockStatus::Free);
    let mut racers = Vec::new();
    for _ in 0..4 {
        let state = server.open(&url).await;
        racers.push(tokio::spawn(async move {
            let outcome = state.acquire(PLAN, &holder("apply"), Duration::from_secs(30)).await;
            (state, outcome)
        }));
    }
    let mut won = Vec::new();
    for racer in racers {
        let (_state, outcome) = racer.await.unwrap();
        match outcome {
            Ok(lease) => won.push(lease),
            Err(LeaseError::Held { .. }) => {}
            Err(other) => panic!("unexpected: {other}"),
        }
    }
    assert_eq!(won.len(), 1, "exactly one acquirer holds the plan");
}

#[tokio::test]
async fn a_second_acquirer_is_refused_with_the_holder_named() {
    let (server, url, first) = remote!("lock_held");
    let lease = first.acquire(PLAN, &holder("apply"), Duration::from_secs(30)).await.unwrap();
    let second = server.open(&url).await;
    let error = second.acquire(PLAN, &holder("apply"), Duration::from_secs(30)).await.unwrap_err();
    let LeaseError::Held { holder, .. } = &error else { panic!("expected Held, got {error}") };
    let me = Operator::current();
    assert_eq!(
        (&holder.user, &holder.host, holder.pid, holder.operation.as_str()),
        (&me.user, &me.host, me.pid, "apply")
    );
    assert_eq!(holder.token, lease.record().token);
    let message = error.to_string();
    for part in
        [&url, &me.user, &me.host, &format!("pid {}", me.pid), "apply", "confcopy unlock marketing-to-eu"]
    {
        assert!(message.contains(part), "{part:?} missing from: {message}");
    }
    assert!(
        matches!(second.lock_status(PLAN).await.unwrap(), RemoteLockStatus::Held(r) if r.token == lease.record().token)
    );
    assert!(!lease.is_lost());
}

#[tokio::test]
async fn a_lock_is_taken_over_only_after_its_lease_lapsed_and_by_one_taker() {
    let (server, url, state) = remote!("lock_takeover");
    let lease = Duration::from_secs(2);
    state.put(PLAN, "lock.json", abandoned_lock(lease)).await.unwrap();
    let placed = Instant::now();

    let early = state.acquire(PLAN, &holder("apply"), lease).await.unwrap_err();
    assert!(
        matches!(&early, LeaseError::Held { holder, .. } if holder.user == "night-job" && holder.host == "ci-runner-7"),
        "{early}"
    );
    assert!(placed.elapsed() < lease, "the first attempt came too late to test anything");

    tokio::time::sleep(lease + Duration::from_millis(1200)).await;
    assert!(
        matches!(state.lock_status(PLAN).await.unwrap(), RemoteLockStatus::Lapsed(r) if r.user == "night-job")
    );
    let mut takers = Vec::new();
    for _ in 0..3 {
        let state = server.open(&url).await;
        takers.push(tokio::spawn(async move {
            let outcome = state.acquire(PLAN, &holder("apply"), Duration::from_secs(30)).await;
            (state, outcome)
        }));
    }
    let mut won = Vec::new();
    for taker in takers {
        let (_state, outcome) = taker.await.unwrap();
        match outcome {
            Ok(lease) => won.push(lease),
            Err(LeaseError::Held { holder, .. }) => {
                assert_ne!(holder.user, "night-job", "a loser saw the lapsed lock")
            }
            Err(other) => panic!("unexpected: {other}"),
        }
    }
    assert_eq!(won.len(), 1, "exactly one taker wins a lapsed lock");
    let previous = won[0].taken_over().expect("the winner says whose lock it took over");
    assert_eq!((previous.user.as_str(), previous.pid), ("night-job", 4242));
}

#[tokio::test]
async fn renewal_keeps_the_lease_past_its_length() {
    let (server, url, state) = remote!("lock_renewal");
    let lease = state.acquire(PLAN, &holder("apply"), Duration::from_secs(2)).await.unwrap();
    let first_renewal = lease.record().renewed_at;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(!lease.is_lost());
    let other = server.open(&url).await;
    let refused = other.acquire(PLAN, &holder("apply"), Duration::from_secs(2)).await.unwrap_err();
    assert!(matches!(refused, LeaseError::Held { .. }), "{refused}");
    let RemoteLockStatus::Held(now) = other.lock_status(PLAN).await.unwrap() else { panic!("not held") };
    assert_eq!(now.token, lease.record().token);
    assert!(
        now.renewed_at.duration_since(first_renewal) >= jiff::SignedDuration::from_secs(3),
        "renewed at {}",
        now.renewed_at
    );
    lease.release().await.unwrap();
    assert_eq!(other.lock_status(PLAN).await.unwrap(), RemoteLockStatus::Free);
}

#[tokio::test]
async fn a_forced_unlock_makes_the_holders_lease_lost() {
    let (server, url, state) = remote!("lock_forced");
    let lease = state.acquire(PLAN, &holder("apply"), Duration::from_secs(2)).await.unwrap();
    let operator = server.open(&url).await;
    let removed = operator.force_unlock(PLAN).await.unwrap().expect("the removed record");
    assert_eq!(removed.token, lease.record().token);
    let reason = wait_until_lost(&lease, Duration::from_secs(5)).await;
    assert!(lease.is_lost());
    assert!(reason.contains("removed"), "{reason}");

    // The next run takes the plan; the old holder's release leaves the new lock alone.
    let next = operator.acquire(PLAN, &holder("apply"), Duration::from_secs(30)).await.unwrap();
    lease.release().await.unwrap();
    assert!(
        matches!(operator.lock_status(PLAN).await.unwrap(), RemoteLockStatus::Held(r) if r.token == next.record().token)
    );
}

#[tokio::test]
async fn a_takeover_makes_the_old_holders_lease_lost() {
    let (server, url, state) = remote!("lock_lost_takeover");
    let lease = state.acquire(PLAN, &holder("apply"), Duration::from_secs(2)).await.unwrap();
    // Someone else overwrites the lock (as a takeover would after failed renewals).
    let other = server.open(&url).await;
    other.put(PLAN, "lock.json", abandoned_lock(Duration::from_secs(60))).await.unwrap();
    let reason = wait_until_lost(&lease, Duration::from_secs(5)).await;
    assert!(reason.contains("taken over by night-job on ci-runner-7"), "{reason}");
}

#[tokio::test]
async fn journal_segments_round_trip_in_order_and_are_never_overwritten() {
    let (_server, _url, state) = remote!("segments");
    let lines = [&b"{\"header\":1}\n"[..], b"{\"intent\":2}\n{\"result\":2}\n", b"{\"run\":\"end\"}\n"];
    let mut offsets = Vec::new();
    let mut at = 0u64;
    for line in lines {
        offsets.push(at);
        at += line.len() as u64;
    }
    // Uploaded out of order; read back in offset order.
    for i in [2, 0, 1] {
        state.upload_segment(PLAN, offsets[i], Bytes::from_static(lines[i])).await.unwrap();
    }
    let whole = lines.concat();
    assert_eq!(state.download_journal(PLAN).await.unwrap(), whole);

    // The same bytes again (a retry) are fine; other bytes under a taken offset are refused.
    state.upload_segment(PLAN, offsets[1], Bytes::from_static(lines[1])).await.unwrap();
    let conflict =
        state.upload_segment(PLAN, offsets[1], Bytes::from_static(b"{\"other\":1}\n")).await.unwrap_err();
    assert!(matches!(conflict, RemoteError::SegmentConflict { .. }), "{conflict}");
    assert!(conflict.to_string().contains("only one apply"), "{conflict}");
    assert_eq!(state.download_journal(PLAN).await.unwrap(), whole, "the segment was not overwritten");

    // Not whole lines: refused before anything is sent. Nothing new: nothing sent.
    assert!(state.upload_segment(PLAN, at, Bytes::from_static(b"{\"half\":")).await.is_err());
    state.upload_segment(PLAN, at, Bytes::new()).await.unwrap();

    // Compaction merges them into one object; later segments follow it.
    let compacted = state.compact_journal(PLAN).await.unwrap().expect("something to merge");
    assert_eq!(compacted.objects, 3);
    assert_eq!(compacted.bytes, at);
    assert_eq!(state.compact_journal(PLAN).await.unwrap(), None);
    state.upload_segment(PLAN, at, Bytes::from_static(b"{\"next\":3}\n")).await.unwrap();
    assert_eq!(state.download_journal(PLAN).await.unwrap(), [&whole[..], b"{\"next\":3}\n"].concat());
    assert!(state.download_journal("no-such-plan").await.unwrap().is_empty());
}

#[tokio::test]
async fn a_gap_or_overlap_in_the_journal_is_damage() {
    let (_server, _url, state) = remote!("segments_gap");
    state.upload_segment(PLAN, 0, Bytes::from_static(b"{\"a\":1}\n")).await.unwrap();
    // Bytes 8..20 never arrived.
    state.upload_segment(PLAN, 20, Bytes::from_static(b"{\"c\":3}\n")).await.unwrap();
    let error = state.download_journal(PLAN).await.unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, RemoteError::Damaged { .. }), "{message}");
    assert!(message.contains("bytes 8..20 are missing") && message.contains("damaged"), "{message}");

    let (_server, _url, state) = remote!("segments_overlap");
    state.upload_segment(PLAN, 0, Bytes::from_static(b"{\"a\":1}\n")).await.unwrap();
    state.upload_segment(PLAN, 4, Bytes::from_static(b"{\"b\":2}\n")).await.unwrap();
    let message = state.download_journal(PLAN).await.unwrap_err().to_string();
    assert!(message.contains("overlaps") && message.contains("damaged"), "{message}");
}

#[tokio::test]
async fn credentials_never_appear_in_errors() {
    let Some(server) = Server::find("credentials") else { return };
    let wrong = "wrong-secret-Zq8vPz3Lr5Kx";
    let url = server.fresh_url("credentials");
    let error = RemoteState::open(&url, server.options_with_secret(wrong)).await.unwrap_err();
    let message = error.to_string();
    let debug = format!("{error:?}");
    assert!(matches!(error, RemoteError::Denied { .. }), "{message}");
    for text in [&message, &debug] {
        assert!(!text.contains(wrong), "the secret leaked: {text}");
        assert!(!text.contains(&server.key_id), "the key id leaked: {text}");
        assert!(!text.contains(&server.secret), "the real secret leaked: {text}");
    }
    assert!(message.contains(&url) && message.contains("AWS_SECRET_ACCESS_KEY"), "{message}");

    let options = server.options_with_secret(wrong);
    assert!(!format!("{options:?}").contains(wrong));
    let state = server.open(&url).await;
    assert!(!format!("{state:?}").contains(&server.secret));
}

#[tokio::test]
async fn a_newer_state_format_is_refused() {
    let (server, url, state) = remote!("format");
    // `<prefix>/plans/newer/state-format` is the format file of the prefix `<prefix>/plans/newer`.
    state.put("newer", "state-format", Bytes::from_static(b"2\n")).await.unwrap();
    let error = RemoteState::open(&format!("{url}/plans/newer"), server.options()).await.unwrap_err();
    assert!(matches!(error, RemoteError::NewerFormat { found: 2, .. }), "{error}");
    assert!(error.to_string().contains("upgrade confcopy"), "{error}");
}

#[tokio::test]
async fn a_plan_is_mirrored_listed_and_expired() {
    let (_server, _url, state) = remote!("files");
    let record = Bytes::from_static(b"{\"name\":\"marketing-to-eu\"}");
    state.put(PLAN, "record.json", record.clone()).await.unwrap();
    state.upload_segment(PLAN, 0, Bytes::from_static(b"{\"a\":1}\n")).await.unwrap();
    state.upload_segment(PLAN, 8, Bytes::from_static(b"{\"b\":2}\n")).await.unwrap();
    state.put("other-plan", "record.json", record.clone()).await.unwrap();
    assert_eq!(state.list_plans().await.unwrap(), ["marketing-to-eu", "other-plan"]);

    // The run's reports go up at its end and come back for `show`.
    let temp = tempfile::tempdir().unwrap();
    let reports = temp.path().join("reports");
    std::fs::create_dir_all(reports.join("details")).unwrap();
    std::fs::write(reports.join("users.csv"), "email,status\n").unwrap();
    std::fs::write(reports.join("details").join("summary.json"), "{}").unwrap();
    let run_dir = "runs/20260501T093000Z-3f9a1c";
    assert_eq!(state.upload_dir(PLAN, run_dir, &reports).await.unwrap(), 2);
    let back = temp.path().join("back");
    assert_eq!(state.download_dir(PLAN, run_dir, &back).await.unwrap(), 2);
    assert_eq!(std::fs::read_to_string(back.join("details/summary.json")).unwrap(), "{}");

    // Before a run: the record and the journal come down into the private mirror.
    let local = StateDir::open(temp.path().join("mirror")).unwrap().plan(PLAN).unwrap();
    let pulled = state.pull_plan(&local).await.unwrap();
    assert!(pulled.record);
    assert_eq!(pulled.journal_bytes, 16);
    assert_eq!(std::fs::read(local.record_path()).unwrap(), record);
    assert_eq!(std::fs::read(local.journal_path()).unwrap(), b"{\"a\":1}\n{\"b\":2}\n");

    // Expiry: run data goes, the record and the lock stay.
    let lease = state.acquire(PLAN, &holder("expire"), Duration::from_secs(30)).await.unwrap();
    assert_eq!(state.delete_run_data(PLAN).await.unwrap(), 4);
    assert!(state.download_journal(PLAN).await.unwrap().is_empty());
    assert_eq!(state.get(PLAN, "record.json").await.unwrap(), Some(record));
    assert!(state.get(PLAN, "lock.json").await.unwrap().is_some());
    lease.release().await.unwrap();
    assert_eq!(state.delete_plan(PLAN).await.unwrap(), 1);
    assert_eq!(state.list_plans().await.unwrap(), ["other-plan"]);
}

/// The journal's group commit uploads from the blocking-pool thread that ran the fsync.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_blocking_face_works_from_the_blocking_pool() {
    let (_server, _url, state) = remote!("blocking");
    let blocking = state.blocking();
    let uploaded = tokio::task::spawn_blocking(move || {
        blocking.upload_segment(PLAN, 0, Bytes::from_static(b"{\"a\":1}\n"))?;
        blocking.upload_segment(PLAN, 8, Bytes::from_static(b"{\"b\":2}\n"))?;
        let lease =
            blocking.acquire(PLAN, &holder("apply"), Duration::from_secs(30)).map_err(|e| match e {
                LeaseError::Remote(e) => e,
                other => RemoteError::Invalid(other.to_string()),
            })?;
        let journal = blocking.download_journal(PLAN)?;
        lease.release_blocking()?;
        Ok::<_, RemoteError>(journal)
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(uploaded, b"{\"a\":1}\n{\"b\":2}\n");
    assert_eq!(state.lock_status(PLAN).await.unwrap(), RemoteLockStatus::Free);
}

/// Plain synchronous code, outside any runtime, as `status` and `unlock` are.
#[test]
fn the_blocking_face_works_outside_a_runtime() {
    let Some(server) = Server::find("outside_runtime") else { return };
    let url = server.fresh_url("outside");
    let state = RemoteState::open_blocking(&url, server.options()).unwrap().blocking();
    state.put(PLAN, "record.json", Bytes::from_static(b"{}")).unwrap();
    assert_eq!(state.list_plans().unwrap(), [PLAN]);
    assert_eq!(state.force_unlock(PLAN).unwrap(), None);
    assert_eq!(state.lock_status(PLAN).unwrap(), RemoteLockStatus::Free);
}

#[tokio::test]
async fn an_unreachable_store_or_a_missing_bucket_says_what_to_check() {
    let Some(server) = Server::find("unreachable") else { return };
    // A loopback port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let options = server.options().with_endpoint(format!("http://127.0.0.1:{port}"));
    let message = RemoteState::open("s3://confcopy-test/unreachable", options).await.unwrap_err().to_string();
    assert!(message.contains("s3://confcopy-test/unreachable"), "{message}");
    assert!(message.contains("check that the store can be reached"), "{message}");

    let missing = format!("s3://no-such-bucket-{:08x}/p", rand::random::<u32>());
    let message = RemoteState::open(&missing, server.options()).await.unwrap_err().to_string();
    assert!(message.contains("does not exist: create it, or fix the state URL"), "{message}");
}
