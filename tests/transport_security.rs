//! Transport: https only (plain http only on loopback), certificates always verified with no way
//! to turn that off, and credentials never follow a redirect to another host. Each is shown over
//! real connections: a TLS server with a self-signed certificate, and fake sites that redirect.

use std::io::Read as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use confcopy::client::{BaseUrl, ClientOptions, Credentials, Secret, SiteClient};
use serde_json::json;

use crate::client_fake::{Answer, FakeSite};
use crate::support::{Confcopy, root};

const TOKEN: &str = "transport-token-4b1e";

fn basic() -> Credentials {
    Credentials::basic("admin@acme.test", TOKEN)
}

fn port_of(url: &str) -> String {
    url.rsplit(':').next().unwrap().to_string()
}

#[test]
fn site_addresses_are_https_or_plain_http_on_loopback_only() {
    for accepted in [
        "https://acme.atlassian.net",
        "https://acme.atlassian.net/wiki",
        "https://127.0.0.1:8443",
        "http://127.0.0.1:8080",
        "http://127.0.0.2:8080",
        "http://localhost:8080",
        "http://LOCALHOST:8080",
        "http://[::1]:8080",
    ] {
        assert!(BaseUrl::parse(accepted).is_ok(), "{accepted} is refused: {:?}", BaseUrl::parse(accepted));
    }
    for refused in [
        "http://acme.atlassian.net",
        "http://10.0.0.5:8080",
        "http://192.168.1.10",
        "http://0.0.0.0:8080",
        "http://[::]:8080",
        "http://localhost.attacker.test",
        "http://127.0.0.1.nip.io",
        "http://[::ffff:10.0.0.1]",
        "ftp://acme.atlassian.net",
        "ws://127.0.0.1:8080",
    ] {
        let error = BaseUrl::parse(refused).err().unwrap_or_else(|| panic!("{refused} is accepted"));
        let text = error.to_string();
        assert!(text.contains("https"), "{refused}: the error should say to use https: {text}");
    }
    assert!(BaseUrl::parse("file:///etc/passwd").is_err());
    // Credentials in the address are refused, and the password is not repeated.
    let error = BaseUrl::parse("https://admin:hunter2-pw@acme.atlassian.net").unwrap_err().to_string();
    assert!(!error.contains("hunter2-pw"), "{error}");
}

#[test]
fn a_plan_naming_a_remote_plain_http_site_is_refused_and_a_loopback_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let plan = |source: &str| {
        let path = dir.path().join("plan.toml");
        std::fs::write(
            &path,
            format!(
                "name = \"t\"\nsource = \"{source}\"\ndestination = \"https://b.atlassian.net\"\n[spaces]\nkeys = [\"A\"]\n"
            ),
        )
        .unwrap();
        path.display().to_string()
    };
    let remote =
        Confcopy::new(["check", "--offline", "--format", "json", &plan("http://a.example.test")]).run();
    assert_eq!(remote.code, 1, "{}", remote.stdout);
    assert!(remote.stdout.contains("plan-site-insecure"), "{}", remote.stdout);
    let local =
        Confcopy::new(["check", "--offline", "--format", "json", &plan("http://127.0.0.1:8080")]).run();
    assert_eq!(local.code, 0, "{}", local.stdout);
    assert!(!local.stdout.contains("plan-site-insecure"), "{}", local.stdout);
}

#[test]
fn the_api_gateway_setting_must_be_https_too() {
    let dir = tempfile::tempdir().unwrap();
    let plan = root().join("plans/marketing-to-eu.toml").display().to_string();
    let run = Confcopy::new(["--state-dir", &dir.path().display().to_string(), "check", &plan])
        .env("CONFCOPY_API_GATEWAY", "http://gateway.example.test")
        .env("CONFCOPY_SOURCE_BEARER_TOKEN", TOKEN)
        .run();
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    let said = format!("{}{}", run.stdout, run.stderr);
    assert!(said.contains("api_gateway") && said.contains("https"), "{said}");
    assert!(!said.contains(TOKEN), "{said}");
}

// ------------------------------------------------------------------ certificates

/// A self-signed certificate for `localhost` and 127.0.0.1 (P-256), made for this test only
/// with `openssl req -x509 -newkey ec ...`: no client trusts it.
const SELF_SIGNED_CERT: &[&str] = &[
    "MIIBmjCCAUGgAwIBAgIUFTOzKIWdW6cZjXmGGYawQY2teYIwCgYIKoZIzj0EAwIwFDESMBAGA1UEAwwJbG9jYWxob3N0MCAX",
    "DTI2MTEyNDA5NTc1OFoYDzIxMjYxMDMxMDk1NzU4WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO",
    "PQMBBwNCAASby4waNJtG1H9pHahwd9MTm02F2SqShRLKreNuJUQF1iNvGU9YKyR2l2OEAJ14FvJlhZs6ge0/mAYlj/Zp+i5l",
    "o28wbTAdBgNVHQ4EFgQUXNc0V+ScsrbMHg5pvZuM4hMC6ukwHwYDVR0jBBgwFoAUXNc0V+ScsrbMHg5pvZuM4hMC6ukwDwYD",
    "VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZIzj0EAwIDRwAwRAIgQm1lmkCkWzv5xTde",
    "9JFaOCLqgfVi9ouG0tCUjVZdCFoCIFLyiR442uaobQvdq2ADDGLzhFRt6215c7fgAlxilfFH",
];
const SELF_SIGNED_KEY: &[&str] = &[
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg/pjf4WwY1ckLBh6PoKn6tXH8TgUS8KQSY1MhaDeaANKhRANC",
    "AASby4waNJtG1H9pHahwd9MTm02F2SqShRLKreNuJUQF1iNvGU9YKyR2l2OEAJ14FvJlhZs6ge0/mAYlj/Zp+i5l",
];

fn der(lines: &[&str]) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(lines.concat()).unwrap()
}

/// A TLS server on loopback presenting the self-signed certificate. Counts the connections that
/// got as far as sending a request.
fn self_signed_server() -> (u16, Arc<AtomicUsize>) {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(der(SELF_SIGNED_CERT))],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der(SELF_SIGNED_KEY))),
        )
        .unwrap();
    let config = Arc::new(config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(AtomicUsize::new(0));
    let seen = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let connection = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut tls = rustls::StreamOwned::new(connection, stream);
            let mut buffer = [0u8; 1024];
            if matches!(tls.read(&mut buffer), Ok(n) if n > 0) {
                seen.fetch_add(1, Ordering::SeqCst);
            }
        }
    });
    (port, requests)
}

#[tokio::test]
async fn a_certificate_no_authority_vouches_for_is_refused_before_any_request() {
    let (port, requests) = self_signed_server();
    for host in ["127.0.0.1", "localhost"] {
        let base = BaseUrl::parse(&format!("https://{host}:{port}")).unwrap();
        let client = SiteClient::direct(base, basic(), ClientOptions::fast()).unwrap();
        let error = client.current_user().await.unwrap_err();
        let text = format!("{error} {error:?}").to_lowercase();
        assert!(text.contains("certificate"), "{host}: the error should name the certificate: {text}");
        assert!(!text.contains(TOKEN), "{text}");
    }
    assert_eq!(
        requests.load(Ordering::SeqCst),
        0,
        "a request (with credentials) went over an unverified connection"
    );
}

#[test]
fn no_setting_flag_or_code_path_turns_certificate_checks_off() {
    // The code: none of the switches reqwest and rustls offer for skipping verification is used.
    // The product and every crate of the workspace (the client is where TLS is set up).
    let mut files = 0;
    for tree in ["src", "crates"] {
        for (path, text) in crate::support::rust_sources(&root().join(tree)) {
            files += 1;
            for switch in [
                "danger_accept_invalid_certs",
                "danger_accept_invalid_hostnames",
                "tls_built_in_root_certs(false)",
                ".dangerous()",
                "ServerCertVerifier",
                "tls_danger",
            ] {
                assert!(!text.contains(switch), "{} uses {switch}", path.display());
            }
        }
    }
    assert!(files > 50, "the source tree was searched ({files} files)");
    // The command line: no flag of any command mentions such a thing.
    for command in ["check", "apply", "verify", "graph"] {
        let help = Confcopy::new([command, "--help"]).run();
        assert_eq!(help.code, 0, "{}", help.stderr);
        let text = help.stdout.to_lowercase();
        for word in ["insecure", "no-verify", "accept-invalid", "skip-tls", "certificate"] {
            assert!(!text.contains(word), "`confcopy {command} --help` offers {word}:\n{text}");
        }
    }
    // Settings: unknown keys, such as a switch someone hopes exists, are refused.
    let plan = root().join("plans/marketing-to-eu.toml").display().to_string();
    for (key, value) in [("CONFCOPY_INSECURE", "true"), ("CONFCOPY_DANGER_ACCEPT_INVALID_CERTS", "true")] {
        let run = Confcopy::new(["check", "--offline", &plan]).env(key, value).run();
        assert_eq!(run.code, 2, "{key}: {}\n{}", run.stdout, run.stderr);
    }
}

// ------------------------------------------------------------------ redirects

#[tokio::test]
async fn an_api_redirect_to_another_host_does_not_carry_the_credentials() {
    let other = FakeSite::start(|_, _| {
        Answer::json(200, json!({"accountId": "acc-x", "accountType": "atlassian", "publicName": "X"}))
    })
    .await;
    let other_port = port_of(&other.url);
    for (credentials, target_host) in [
        (basic(), "localhost"),
        // Same address, another port: another origin, so no credentials either.
        (basic(), "127.0.0.1"),
        (Credentials::bearer(Secret::new(TOKEN)), "localhost"),
    ] {
        let location = format!("http://{target_host}:{other_port}/wiki/rest/api/user/current");
        let site = FakeSite::start(move |_, _| {
            Answer::raw(307, "text/plain", "").header("location", location.clone())
        })
        .await;
        let client = SiteClient::direct(site.base(), credentials, ClientOptions::fast()).unwrap();
        let _ = client.current_user().await;
        assert!(site.hits()[0].header("authorization").is_some(), "the site itself gets the credentials");
    }
    let hits = other.hits();
    assert!(hits.len() >= 3, "each redirect was followed to the other host ({})", hits.len());
    for hit in hits {
        assert!(hit.header("authorization").is_none(), "credentials followed a redirect to {}", hit.path);
        assert!(hit.header("cookie").is_none());
    }
}

#[tokio::test]
async fn a_redirect_off_this_machine_must_be_https_even_from_a_loopback_site() {
    // 192.0.2.1 is a documentation address: the redirect is refused before any connection.
    for location in ["http://192.0.2.1:9/wiki/rest/api/user/current", "ftp://192.0.2.1/file"] {
        let site =
            FakeSite::start(move |_, _| Answer::raw(302, "text/plain", "").header("location", location))
                .await;
        let client = SiteClient::direct(site.base(), basic(), ClientOptions::fast()).unwrap();
        let result = tokio::time::timeout(Duration::from_secs(30), client.current_user()).await;
        let Err(error) = result.expect("refused at once") else { panic!("{location} was followed") };
        assert!(error.to_string().contains("redirect"), "{error}");
        assert!(!error.to_string().contains(TOKEN));
    }
}

#[tokio::test]
async fn a_redirect_chain_that_comes_back_to_the_site_is_bounded() {
    // A 302 loop on an attachment download ends with an error, not a hang.
    let site = FakeSite::start(|hit, _| {
        let next = if hit.path.ends_with("/a") { "/wiki/b" } else { "/wiki/a" };
        Answer::raw(302, "text/plain", "").header("location", next)
    })
    .await;
    let client = SiteClient::direct(site.base(), basic(), ClientOptions::fast()).unwrap();
    let result =
        tokio::time::timeout(Duration::from_secs(30), client.download_attachment("123", "att9")).await;
    let Err(error) = result.expect("the loop ends") else { panic!("a redirect loop is an error") };
    assert!(error.to_string().contains("redirect"), "{error}");
}

#[tokio::test]
async fn a_retry_after_too_long_to_represent_ends_in_an_error_not_a_panic() {
    // A hostile or broken site may ask for any wait; the largest number is still just a refusal.
    let site =
        FakeSite::start(|_, _| Answer::json(429, json!({})).header("retry-after", u64::MAX.to_string()))
            .await;
    let client = SiteClient::direct(site.base(), basic(), ClientOptions::fast()).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(30), client.current_user()).await;
    let error = result.expect("the client gives up at once").unwrap_err();
    let text = error.to_string();
    assert!(text.contains("wait") && text.contains("current user"), "{text}");
    assert_eq!(site.hits().len(), 1, "a wait past the retry budget is not waited");
}
