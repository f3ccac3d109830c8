//! Production Redis speaks TLS and wants a password. Rate limits and the mail queue are
//! run here against Debian's redis-server serving TLS only, with a password, behind a
//! certificate of a CA made for the test (as Memorystore's in-transit encryption is).

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::Duration,
};

use folio_shared::{
    queue::{MailJob, MailKind, MailQueue},
    rate_limit::{Decision, RateLimiter},
    redis::{client, manage},
    test_utils::RedisPrefix,
};
use secrecy::SecretString;

const PASSWORD: &str = "tls-test-password";

/// A redis-server with only a TLS port; stopped when dropped.
struct TlsRedis {
    server: Child,
    port: u16,
    ca_pem: String,
    dir: PathBuf,
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("openssl runs");
    assert!(status.success(), "openssl {args:?}");
}

fn start_tls_redis() -> TlsRedis {
    let dir = std::env::temp_dir().join(format!("folio-redis-tls-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.as_path();
    openssl(
        path,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-subj",
            "/CN=Folio test CA",
        ],
    );
    openssl(
        path,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    std::fs::write(
        path.join("san.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
    )
    .unwrap();
    openssl(
        path,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "1",
            "-extfile",
            "san.ext",
            "-out",
            "server.pem",
        ],
    );
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Command::new("redis-server")
        .args([
            "--port",
            "0",
            "--tls-port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .args([
            "--tls-cert-file",
            "server.pem",
            "--tls-key-file",
            "server.key",
        ])
        .args(["--tls-ca-cert-file", "ca.pem", "--tls-auth-clients", "no"])
        .args([
            "--requirepass",
            PASSWORD,
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .current_dir(path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server runs");
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    TlsRedis {
        server,
        port,
        ca_pem: std::fs::read_to_string(path.join("ca.pem")).unwrap(),
        dir,
    }
}

impl TlsRedis {
    fn url(&self, password: &str) -> SecretString {
        format!("rediss://:{password}@127.0.0.1:{}", self.port).into()
    }
}

#[tokio::test]
async fn rate_limits_and_the_mail_queue_work_over_tls_with_a_password() {
    let redis = start_tls_redis();
    let prefix = RedisPrefix::new();
    let client = client(&redis.url(PASSWORD), Some(&redis.ca_pem)).unwrap();
    let manager = manage(client.clone()).unwrap();

    // A limit of one: the second hit is refused only if the first was counted in Redis.
    let limiter = RateLimiter::new(manager.clone(), prefix.name());
    let minute = Duration::from_secs(60);
    assert_eq!(limiter.hit("tls", "k", 1, minute).await, Decision::Allowed);
    assert!(matches!(
        limiter.hit("tls", "k", 1, minute).await,
        Decision::Limited { .. }
    ));

    let queue = MailQueue::new(manager, prefix.name());
    let job = MailJob::new(
        MailKind::PasswordReset,
        "ann@example.com",
        "ann",
        "https://x/r",
    );
    queue.enqueue(&job).await.unwrap();
    // Read back on a TLS connection of its own, as the mail worker's consumer reads (its
    // group and reclaiming are folio-mail's, tested there).
    let on_stream = crate::queue::jobs_on_stream(&client, prefix.name()).await;
    assert_eq!(on_stream.len(), 1);
    assert_eq!(on_stream[0].id, job.id);
}

#[tokio::test]
async fn a_wrong_password_or_an_untrusted_certificate_is_refused() {
    let redis = start_tls_redis();
    let ping = async |client: redis::Client| -> redis::RedisResult<String> {
        let mut conn = client.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async(&mut conn).await
    };

    let wrong_password = client(&redis.url("nope"), Some(&redis.ca_pem)).unwrap();
    assert!(ping(wrong_password).await.is_err());
    let public_roots_only = client(&redis.url(PASSWORD), None).unwrap();
    assert!(
        ping(public_roots_only).await.is_err(),
        "a private CA must be named"
    );
    let right = client(&redis.url(PASSWORD), Some(&redis.ca_pem)).unwrap();
    assert_eq!(ping(right).await.unwrap(), "PONG");
}

#[test]
fn a_ca_certificate_without_tls_in_the_url_is_a_configuration_mistake() {
    let err = client(&"redis://127.0.0.1:6379".to_owned().into(), Some("PEM")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "REDIS_CA_CERT is set but REDIS_URL is not rediss:// (TLS)"
    );
}
