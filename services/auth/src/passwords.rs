//! Argon2id password hashing on a small pool of dedicated threads, one per CPU: off the
//! async runtime, at most one hash per CPU at a time, so a login flood queues hashes
//! instead of starving every other request. Queued hashes whose request has gone away
//! are skipped.
//!
//! The hashing itself, in matrices each thread reuses, is [`crate::argon2id`]. New hashes
//! use the `argon2` defaults (m=19456, t=2, p=1). Hashes with other parameters, such as
//! the FastAPI blog's (m=65536, t=3, p=4), verify and are flagged for re-hashing.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
        mpsc,
    },
    time::Instant,
};

use anyhow::Context;
use argon2::PasswordHash;

use crate::argon2id::{hash_now, matches, uses_current_params};

use tokio::sync::oneshot;
use tracing::Instrument;

type Job = Box<dyn FnOnce() + Send>;

/// The outcome of checking a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Wrong password, or no such account.
    Mismatch,
    /// Correct; the stored hash already uses the current parameters.
    Match,
    /// Correct; this fresh hash with current parameters should replace the stored one.
    MatchRehashed(String),
}

/// Hashes and verifies passwords on the blocking pool, a few at a time.
#[derive(Clone)]
pub struct Passwords {
    jobs: mpsc::Sender<Job>,
    /// Argon2 verifications performed, known account or not (a cheap operational metric,
    /// and how the tests prove the unknown-email path does the same work).
    verifications: Arc<AtomicU64>,
    /// Whether some account still has a FastAPI blog hash: then an unknown email costs a
    /// legacy verification (about 5x a current one, measured), as a wrong password on
    /// such an account does, so the time does not tell which emails exist.
    legacy_hashes_remain: Arc<AtomicBool>,
}

impl Passwords {
    /// Starts one hashing thread per CPU.
    pub fn new() -> Self {
        let cpus = std::thread::available_parallelism().map_or(2, usize::from);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..cpus {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    lower_thread_priority();
                    loop {
                        // The lock is held only while waiting for the next job.
                        let job = match queue.lock() {
                            Ok(receiver) => receiver.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return, // every sender dropped: shut down
                        }
                    }
                })
                .expect("spawn a hashing thread");
        }
        Self {
            jobs,
            verifications: Arc::new(AtomicU64::new(0)),
            legacy_hashes_remain: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Says whether accounts with legacy hashes remain (see `legacy_hashes_remain`).
    pub fn set_legacy_hashes_remain(&self, remain: bool) {
        self.legacy_hashes_remain.store(remain, Ordering::Relaxed);
    }

    /// The hash an unknown account is checked against.
    fn dummy_hash(&self) -> &'static str {
        if self.legacy_hashes_remain.load(Ordering::Relaxed) {
            LEGACY_DUMMY_HASH
        } else {
            DUMMY_HASH
        }
    }

    /// A new PHC string for `password`.
    pub async fn hash(&self, password: String) -> anyhow::Result<String> {
        self.run("hash", move || hash_now(&password)).await?
    }

    /// Checks `password` against `stored`, or against the dummy hash when `stored` is
    /// `None` (unknown account) so both paths take the same time.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
    ) -> anyhow::Result<Verdict> {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| self.dummy_hash().to_owned());
        let verifications = self.verifications.clone();
        self.run("verify", move || {
            let Ok(parsed) = PasswordHash::new(&stored) else {
                // An unreadable stored hash can never match; say so rather than fail.
                return Ok(Verdict::Mismatch);
            };
            let matched = matches(&password, &parsed);
            verifications.fetch_add(1, Ordering::Relaxed);
            if !matched || !known {
                return Ok(Verdict::Mismatch);
            }
            if uses_current_params(&parsed) {
                Ok(Verdict::Match)
            } else {
                Ok(Verdict::MatchRehashed(hash_now(&password)?))
            }
        })
        .await?
    }

    /// How many Argon2 verifications have run.
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// Runs `work` on a hashing thread. Traced as an `argon2` span (`op`, and
    /// `queue_wait_ms`: how long the job waited for a thread) with the work itself as its
    /// child `argon2.compute`, so a slow login shows whether it queued or hashed. `DEBUG`,
    /// like the other choke-point spans (docs/operations.md): unless `RUST_LOG` enables
    /// them they cost a cached check each and nothing is recorded.
    async fn run<T: Send + 'static>(
        &self,
        op: &'static str,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let span = tracing::debug_span!("argon2", op, queue_wait_ms = tracing::field::Empty);
        let on_thread = span.clone();
        let queued_at = Instant::now();
        let (done, result) = oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                on_thread.record("queue_wait_ms", queued_at.elapsed().as_millis() as u64);
                // The request went away while queued (client gone, timed out): skip it.
                if done.is_closed() {
                    return;
                }
                let hashing = tracing::debug_span!(parent: &on_thread, "argon2.compute");
                let _ = done.send(hashing.in_scope(work));
            }))
            .ok()
            .context("the hashing threads are gone")?;
        Ok(result.instrument(span).await?)
    }
}

impl Default for Passwords {
    fn default() -> Self {
        Self::new()
    }
}

/// Verified when the account does not exist, so an unknown email costs what a wrong
/// password costs and response times do not reveal which emails are registered. A
/// constant (not a secret) with the current parameters: nothing to compute at start-up.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$JSdnUDFhUn65aE3Ex47WFw$AnzxcMTtY75zVsVtssuL+Bj7va+NZqL1u5L4FzFjYjI";

/// The same for the FastAPI blog's parameters (pwdlib's defaults), while such hashes remain.
const LEGACY_DUMMY_HASH: &str = "$argon2id$v=19$m=65536,t=3,p=4$LpeL0BTSiJoc7nEyKxTUsg$0M0rRO9KzmkmjzkP2r7kDNBs983yU3pHzrT3wQM7u7A";

/// Hashing threads yield to request handling: under a login flood every other endpoint
/// (and `/health`) keeps answering promptly, and idle CPU still goes to hashing.
fn lower_thread_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority with `who = 0` changes only the calling thread's nice value.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, 0, 10);
    }
}

#[cfg(test)]
mod tests {
    use argon2::{Algorithm, Argon2, Params};

    use super::*;

    /// A hash made the way the FastAPI blog made them (pwdlib's Argon2 defaults).
    pub(crate) fn legacy_hash(password: &str) -> String {
        use argon2::PasswordHasher;
        let params = Params::new(65536, 3, 4, None).unwrap();
        Argon2::new(Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password(password.as_bytes())
            .unwrap()
            .to_string()
    }

    #[tokio::test]
    async fn a_fresh_hash_matches_without_rehash() {
        let passwords = Passwords::new();
        let hash = passwords.hash("correct horse".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        let verdict = passwords
            .verify("correct horse".into(), Some(hash))
            .await
            .unwrap();
        assert_eq!(verdict, Verdict::Match);
    }

    #[tokio::test]
    async fn a_legacy_hash_matches_and_is_rehashed_with_current_params() {
        let passwords = Passwords::new();
        let verdict = passwords
            .verify("old password".into(), Some(legacy_hash("old password")))
            .await
            .unwrap();
        let Verdict::MatchRehashed(new_hash) = verdict else {
            panic!("expected a rehash, got {verdict:?}");
        };
        assert!(new_hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }

    #[test]
    fn the_dummy_hash_uses_the_current_parameters_so_it_costs_the_same() {
        let parsed = PasswordHash::new(DUMMY_HASH).unwrap();
        assert!(uses_current_params(&parsed));
        assert!(matches("folio-timing-equaliser", &parsed));
    }

    #[test]
    fn while_legacy_hashes_remain_an_unknown_account_costs_a_legacy_verification() {
        let passwords = Passwords::new();
        assert_eq!(passwords.dummy_hash(), DUMMY_HASH);

        passwords.set_legacy_hashes_remain(true);

        let parsed = PasswordHash::new(passwords.dummy_hash()).unwrap();
        let legacy = PasswordHash::new(&legacy_hash("x")).unwrap();
        assert_eq!(
            Params::try_from(&parsed).unwrap(),
            Params::try_from(&legacy).unwrap(),
            "the same cost as the FastAPI blog's hashes"
        );
        assert!(matches("folio-timing-equaliser", &parsed));
    }

    #[tokio::test]
    async fn an_unknown_account_costs_a_full_verification_like_a_wrong_password() {
        let passwords = Passwords::new();
        let hash = passwords.hash("right".into()).await.unwrap();
        passwords.verify("wrong".into(), Some(hash)).await.unwrap();
        assert_eq!(passwords.verifications(), 1);
        passwords.verify("wrong".into(), None).await.unwrap();
        assert_eq!(passwords.verifications(), 2);
    }

    #[tokio::test]
    async fn wrong_password_unknown_account_and_garbage_hash_all_mismatch() {
        let passwords = Passwords::new();
        let hash = passwords.hash("right".into()).await.unwrap();
        assert_eq!(
            passwords.verify("wrong".into(), Some(hash)).await.unwrap(),
            Verdict::Mismatch
        );
        assert_eq!(
            passwords
                .verify("folio-timing-equaliser".into(), None)
                .await
                .unwrap(),
            Verdict::Mismatch
        );
        assert_eq!(
            passwords
                .verify("x".into(), Some("not a hash".into()))
                .await
                .unwrap(),
            Verdict::Mismatch
        );
    }
}
