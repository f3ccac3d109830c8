//! Nothing at rest holds a usable reset link: jobs carry it sealed, a finished entry leaves
//! the stream, and a dead letter keeps no link.

use std::time::Duration;

use folio_shared::queue::{JobCipher, MailJob, MailKind};

use folio_mail::handling::Handled;

use crate::{
    helpers::{JOB_KEY, RESET_LINK, job_cipher, spawn_app},
    stepping::step_app,
};

fn reset_job(to: &str, cipher: &JobCipher) -> MailJob {
    MailJob::new(MailKind::PasswordReset, to, "Ann", "")
        .with_link(RESET_LINK, cipher)
        .unwrap()
}

#[tokio::test]
async fn a_sent_entry_is_deleted_from_the_stream() {
    let app = spawn_app(&[]).await;
    let (sink, stream) = (&app.sink, &app.stream);

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
    let rotated = format!("{},{}", JobCipher::generate_key(), *JOB_KEY);
    let app = spawn_app(&[("MAIL_JOB_KEY", &rotated)]).await;
    let (sink, stream) = (&app.sink, &app.stream);

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
    let mut app = step_app().await;
    let mut job = reset_job("ann@example.com", &job_cipher());
    // One character of the ciphertext changed, as someone with write access to Redis might
    // (not the last: its low bits are padding).
    let at = job.link.len() - 10;
    let swapped = if &job.link[at..=at] == "A" { "B" } else { "A" };
    job.link.replace_range(at..=at, swapped);

    app.stream.queue.enqueue(&job).await.unwrap();

    assert_eq!(
        app.worker.read_and_handle_one().await,
        Handled::DeadLettered
    );
    let dead = app.stream.dead_letters().await.remove(0);
    assert_eq!(dead.get::<String>("id"), Some(job.id.to_string()));
    assert_eq!(
        dead.get::<String>("reason").as_deref(),
        Some("reset link: sealed value does not authenticate")
    );
    assert_eq!(dead.get::<String>("attempts").as_deref(), Some("0"));
    assert_eq!(app.stream.entries().await, 0);
    assert!(app.sink.messages().is_empty());
}

#[tokio::test]
async fn a_dead_letter_keeps_who_what_and_why_but_no_link() {
    let mut app = step_app().await;

    let (job, dead) = app
        .dead_letter_of(MailKind::PasswordReset, "reject-me@example.com")
        .await;

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
    assert_eq!(
        app.stream.entries().await,
        0,
        "the original entry is gone too"
    );
}
