//! Argon2id hashing and verifying on the calling thread, for the pool of
//! [`crate::passwords`].
//!
//! Each thread keeps one Argon2 matrix (19 MiB; 64 MiB once a legacy hash was checked)
//! and reuses it. Allocating a matrix per hash, as `Argon2::hash_password` does, let glibc
//! keep freed matrices in one arena per thread that ever hashed: measured under a login
//! flood, 500 MiB of RSS for two hashes at a time.

use std::cell::RefCell;

use anyhow::Context;
use argon2::{
    Algorithm, Argon2, Block, Params, PasswordHash, Version,
    password_hash::phc::{Output, ParamsString, Salt},
};
use aws_lc_rs::{
    constant_time::verify_slices_are_equal,
    rand::{SecureRandom, SystemRandom},
};

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
pub fn hash_now(password: &str) -> anyhow::Result<String> {
    let params = Params::default();
    let mut salt = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .context("no system randomness")?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    argon2_into(&argon2, &params, password.as_bytes(), &salt, &mut out).context("argon2")?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).context("argon2 params")?,
        salt: Some(Salt::new(&salt).context("salt")?),
        hash: Some(Output::new(&out).context("output")?),
    };
    Ok(phc.to_string())
}

/// True when `password` produces `stored`'s hash under `stored`'s own parameters.
pub fn matches(password: &str, stored: &PasswordHash) -> bool {
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

/// True when `hash` is Argon2id with the parameters new hashes get (no re-hash needed).
pub fn uses_current_params(hash: &PasswordHash) -> bool {
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
}
