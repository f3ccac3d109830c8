//! The active window: the worker reads the stream, sweeps the outbox and reclaims stale
//! entries only while someone needs it, so that nothing queries Neon (and Neon suspends)
//! while nobody uses the site.
//!
//! A window opens when the process starts (an instance starts because of a wake or the
//! scheduler), and each wake or mail handled pushes its end to `MAIL_ACTIVE_SECONDS`
//! from then. Once it ends the worker is *quiet*: no database statement, no Redis
//! command, until the next wake. On Cloud Run the idle instance is then retired; locally
//! the process lives on, quiet. `MAIL_ALWAYS_ON` keeps the window open for ever.

use std::{sync::Arc, time::Duration};

use crate::config::WindowSettings;
use tokio::{sync::watch, time::Instant};

/// The worker's active window, shared by its consumer loops, the sweep and the wake
/// endpoint.
#[derive(Clone)]
pub struct Activity {
    window: Duration,
    always_on: bool,
    /// When the window ends; waiting tasks see every change.
    ends_at: Arc<watch::Sender<Instant>>,
}

impl Activity {
    /// A window of `window` that opens now; `always_on` never closes it.
    pub fn new(window: Duration, always_on: bool) -> Self {
        Self {
            window,
            always_on,
            ends_at: Arc::new(watch::Sender::new(Instant::now() + window)),
        }
    }

    /// A window of `window` that stays closed until the first [`Activity::extend`]: a
    /// worker that starts quiet (driven step by step in tests).
    pub fn closed_until_woken(window: Duration) -> Self {
        let activity = Self::new(window, false);
        activity.ends_at.send_replace(Instant::now());
        activity
    }

    /// `MAIL_ACTIVE_SECONDS` and `MAIL_ALWAYS_ON`.
    pub fn from_settings(settings: &WindowSettings) -> Self {
        Self::new(settings.active_window(), settings.always_on)
    }

    /// Opens the window, or pushes its end to a full window from now (a wake, a mail
    /// handled). Tasks waiting for it to open resume at once.
    pub fn extend(&self) {
        let ends_at = Instant::now() + self.window;
        self.ends_at.send_if_modified(|current| {
            let later = ends_at > *current;
            if later {
                *current = ends_at;
            }
            later
        });
    }

    /// True while the worker may work.
    pub fn is_open(&self) -> bool {
        self.always_on || Instant::now() < *self.ends_at.borrow()
    }

    /// How long the window lasts from now: zero once closed, `None` when always on.
    pub fn remaining(&self) -> Option<Duration> {
        (!self.always_on).then(|| {
            self.ends_at
                .borrow()
                .saturating_duration_since(Instant::now())
        })
    }

    /// Resolves once the window is open (at once if it is).
    pub async fn opened(&self) {
        let mut changes = self.ends_at.subscribe();
        while !self.is_open() {
            // The sender lives in `self`, so the channel never closes.
            let _ = changes.changed().await;
        }
    }

    /// Resolves once the window has closed (never when always on); an end pushed back
    /// meanwhile is waited for.
    pub async fn closed(&self) {
        if self.always_on {
            return std::future::pending().await;
        }
        let mut changes = self.ends_at.subscribe();
        loop {
            let ends_at = *changes.borrow_and_update();
            if Instant::now() >= ends_at {
                return;
            }
            tokio::select! {
                () = tokio::time::sleep_until(ends_at) => {}
                _ = changes.changed() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_window_closes_after_its_length_and_a_wake_reopens_it() {
        let activity = Activity::new(Duration::from_secs(10), false);
        assert!(activity.is_open(), "a start opens a window");

        activity.closed().await;
        assert!(!activity.is_open());
        assert_eq!(activity.remaining(), Some(Duration::ZERO));

        let waiting = tokio::spawn({
            let activity = activity.clone();
            async move { activity.opened().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "a quiet worker waits for a wake");
        activity.extend();
        waiting.await.unwrap();
        assert_eq!(activity.remaining(), Some(Duration::from_secs(10)));
    }

    #[tokio::test(start_paused = true)]
    async fn each_extension_pushes_the_end_to_a_full_window_from_then() {
        let activity = Activity::new(Duration::from_secs(10), false);
        tokio::time::advance(Duration::from_secs(8)).await;
        activity.extend();

        tokio::time::advance(Duration::from_secs(8)).await;

        assert!(
            activity.is_open(),
            "16 s after the start, 8 s after the extension"
        );
        let start = Instant::now();
        activity.closed().await;
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn an_always_on_worker_never_goes_quiet() {
        let activity = Activity::new(Duration::from_secs(1), true);
        tokio::time::advance(Duration::from_secs(3600)).await;
        assert!(activity.is_open());
        assert_eq!(activity.remaining(), None);
        let closed = tokio::time::timeout(Duration::from_secs(60), activity.closed()).await;
        assert!(closed.is_err(), "its window never closes");
    }
}
