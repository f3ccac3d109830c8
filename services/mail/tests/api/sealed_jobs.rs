//! Nothing at rest holds a usable reset link: jobs carry it sealed, a finished entry leaves
//! the stream, and a dead letter keeps no link.

use std::time::Duration;

use folio_shared::queue::{JobCipher, MailJob, MailKind};

use crate::helpers::{JOB_KEY, RESET_LINK, SmtpSink, Stream, job_cipher, spawn_worker};

async fn wait_for_dead_letter(stream: &Stream) -> redis::streams::StreamId {
    for _ in 0..200 {
        if let Some(dead) = stream.dead_letters().await.pop() {
            return dead;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no dead letter arrived");
}

fn reset_job(to: &str, cipher: &JobCipher) -> MailJob {
    MailJob::new(MailKind::PasswordReset, to, "Ann", "")
        .with_link(RESET_LINK, cipher)
        .unwrap()
}

#[tokio::test]
async fn a_sent_entry_is_deleted_from_the_stream() {
    let sink = SmtpSink::start();
    let worker = spawn_worker(&sink, &[]).await;
    let stream = Stream::of(&worker);

    stream
        .enqueue(MailKind::PasswordReset, "ann@example.com")
        .await;

    let mail = &sink.wait_for(1, Duration::from_secs(10)).await[0];
    assert!(mail.contains(RESET_LINK), "{mail}");
    stream.wait_until_settled(Duration::from_secs(5)).await;
    assert_eq!(stream.entries().await, 0, "acknowledged and deleted");
}

#[tokio::test]
async fn a_job_sealed_with_the_previous_key_is_still_sent_after_a_rotation() {
    let sink = SmtpSink::start();
    let rotated = format!("{},{}", JobCipher::generate_key(), *JOB_KEY);
    let worker = spawn_worker(&sink, &[("MAIL_JOB_KEY", &rotated)]).await;
    let stream = Stream::of(&worker);

    stream
        .queue
        .enqueue(&reset_job("ann@example.com", &job_cipher()))
        .await
        .unwrap();

    let mail = &sink.wait_for(1, Duration::from_secs(10)).await[0];
    assert!(mail.contains(RESET_LINK), "{mail}");
}

#[tokio::test]
async fn a_tampered_link_is_dead_lettered_at_once_and_nothing_is_sent() {
    let sink = SmtpSink::start();
    let worker = spawn_worker(&sink, &[]).await;
    let stream = Stream::of(&worker);
    let mut job = reset_job("ann@example.com", &job_cipher());
    // One character of the ciphertext changed, as someone with write access to Redis might
    // (not the last: its low bits are padding).
    let at = job.link.len() - 10;
    let swapped = if &job.link[at..=at] == "A" { "B" } else { "A" };
    job.link.replace_range(at..=at, swapped);

    stream.queue.enqueue(&job).await.unwrap();

    let dead = wait_for_dead_letter(&stream).await;
    assert_eq!(dead.get::<String>("id"), Some(job.id.to_string()));
    assert_eq!(
        dead.get::<String>("reason").as_deref(),
        Some("reset link: sealed value does not authenticate")
    );
    assert_eq!(dead.get::<String>("attempts").as_deref(), Some("0"));
    stream.wait_until_settled(Duration::from_secs(5)).await;
    assert_eq!(stream.entries().await, 0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(sink.messages().is_empty());
}

#[tokio::test]
async fn a_dead_letter_keeps_who_what_and_why_but_no_link() {
    let sink = SmtpSink::start();
    let worker = spawn_worker(&sink, &[]).await;
    let stream = Stream::of(&worker);

    let job = stream
        .enqueue(MailKind::PasswordReset, "reject-me@example.com")
        .await;

    let dead = wait_for_dead_letter(&stream).await;
    let fields: Vec<&str> = dead.map.keys().map(String::as_str).collect();
    assert!(!fields.contains(&"link"), "{fields:?}");
    assert!(!fields.contains(&"username"), "{fields:?}");
    assert_eq!(dead.get::<String>("id"), Some(job.id.to_string()));
    assert_eq!(
        dead.get::<String>("kind").as_deref(),
        Some("password_reset")
    );
    assert_eq!(
        dead.get::<String>("to").as_deref(),
        Some("reject-me@example.com")
    );
    assert!(dead.get::<String>("reason").unwrap().contains("550"));
    stream.wait_until_settled(Duration::from_secs(5)).await;
    assert_eq!(stream.entries().await, 0, "the original entry is gone too");
}
