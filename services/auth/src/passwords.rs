//! Argon2id password hashing on a small pool of dedicated threads, one per CPU: off the
//! async runtime, at most one hash per CPU at a time, so a login flood queues hashes
//! instead of starving every other request. Queued hashes whose request has gone away
//! are skipped.
//!
//! Each thread keeps one Argon2 matrix (19 MiB; 64 MiB once a legacy hash was checked)
//! and reuses it. Allocating a matrix per hash, as `Argon2::hash_password` does, let glibc
//! keep freed matrices in one arena per thread that ever hashed: measured under a login
//! flood, 500 MiB of RSS for two hashes at a time.
//!
//! New hashes use the `argon2` defaults (m=19456, t=2, p=1). Hashes with other parameters,
//! such as the FastAPI blog's (m=65536, t=3, p=4), verify and are flagged for re-hashing.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicBool, AtomicU64, Ordering},
    mpsc,
};

use std::cell::RefCell;

use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
    password_hash::phc::{Output, ParamsString, Salt},
};
use aws_lc_rs::{
    constant_time::verify_slices_are_equal,
    rand::{SecureRandom, SystemRandom},
};
use tokio::sync::oneshot;

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
        self.run(move || hash_now(&password)).await?
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
        self.run(move || {
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

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (done, result) = oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                // The request went away while queued (client gone, timed out): skip it.
                if done.is_closed() {
                    return;
                }
                let _ = done.send(work());
            }))
            .map_err(|_| anyhow::anyhow!("the hashing threads are gone"))?;
        Ok(result.await?)
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

thread_local! {
    /// This thread's Argon2 matrix, reused by every hash it computes.
    static MATRIX: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Argon2 over `password` and `salt` into `out`, in this thread's reused matrix.
fn argon2_into(
    argon2: &Argon2<'_>,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    MATRIX.with_borrow_mut(|matrix| {
        if matrix.len() < params.block_count() {
            matrix.resize(params.block_count(), Block::default());
        }
        argon2.hash_password_into_with_memory(
            password,
            salt,
            out,
            &mut matrix[..params.block_count()],
        )
    })
}

/// A new PHC string for `password` with the current parameters and a random salt.
fn hash_now(password: &str) -> anyhow::Result<String> {
    let params = Params::default();
    let mut salt = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| anyhow::anyhow!("no system randomness"))?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    argon2_into(&argon2, &params, password.as_bytes(), &salt, &mut out)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)
            .map_err(|e| anyhow::anyhow!("argon2 params: {e}"))?,
        salt: Some(Salt::new(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?),
        hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("output: {e}"))?),
    };
    Ok(phc.to_string())
}

/// True when `password` produces `stored`'s hash under `stored`'s own parameters.
fn matches(password: &str, stored: &PasswordHash) -> bool {
    let (Some(salt), Some(expected)) = (&stored.salt, &stored.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(stored.algorithm.as_str()) else {
        return false;
    };
    let version = match stored.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(version)) => version,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(stored) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let argon2 = Argon2::new(algorithm, version, params.clone());
    argon2_into(
        &argon2,
        &params,
        password.as_bytes(),
        salt.as_ref(),
        &mut out,
    )
    .is_ok()
        && verify_slices_are_equal(&out, expected.as_bytes()).is_ok()
}

fn uses_current_params(hash: &PasswordHash) -> bool {
    let current = Params::default();
    hash.algorithm == Algorithm::Argon2id.ident()
        && Params::try_from(hash).is_ok_and(|p| {
            p.m_cost() == current.m_cost()
                && p.t_cost() == current.t_cost()
                && p.p_cost() == current.p_cost()
        })
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn our_hashes_verify_with_the_argon2_crate_and_its_hashes_with_ours() {
        use argon2::{PasswordHasher, PasswordVerifier};
        let ours = hash_now("s3cret words").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"s3cret words", &parsed)
                .is_ok()
        );
        let theirs = Argon2::default().hash_password(b"s3cret words").unwrap();
        assert!(matches("s3cret words", &theirs));
        assert!(!matches("other words", &theirs));
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
