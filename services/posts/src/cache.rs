//! Ready response bytes of public reads, so an anonymous read of a post or of a feed page
//! skips the database. Never wrong for the writer: a request with a bearer token reads
//! through (and refreshes the entry), and this instance forgets everything when a post is
//! written through it. Anyone else sees any change within [`TTL`], counted from the moment
//! the read that filled the entry began: edits and deletes on other instances, renames
//! (auth) and pictures (media) included, with no signal between services (LISTEN/NOTIFY
//! would need a session connection the pooler cannot give, and would keep Neon awake).
//!
//! Only the body and its `ETag` are kept; CORS and every other header are set per request.
//! Errors are never kept. Concurrent misses of one key share one database read.

use std::{
    future::Future,
    sync::Arc,
    time::{Duration, Instant},
};

use folio_shared::http::Representation;
use moka::{Expiry, future::Cache};
use poem::{FromRequest, Request, RequestBody, http::header};

use crate::error::PostsError;

/// The longest an anonymous reader sees a page that has since changed.
pub const TTL: Duration = Duration::from_secs(1);

/// Bytes of bodies kept at most, counting [`ENTRY_OVERHEAD`] per entry (so it caps the
/// number of entries too: 64k at most). A feed page of ten ordinary posts is 5-30 kB.
pub const MAX_BYTES: u64 = 32 * 1024 * 1024;

/// A body longer than this is served but not kept: a page of long posts (up to a few MB)
/// would push out hundreds of ordinary ones, and is rarely read twice within a second.
pub const MAX_ENTRY_BYTES: usize = 512 * 1024;

/// What an entry costs besides its body: key, tag, bookkeeping (rounded up).
const ENTRY_OVERHEAD: usize = 512;

/// A public read, normalised: the defaults applied and the query parsed, so
/// `?limit=10&skip=0`, `?skip=0` and no query at all share one entry. Pages asked for by
/// `cursor` are not cached (their key space is every post).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReadKey {
    /// `GET /api/posts/{id}`.
    Post(i64),
    /// `GET /api/posts?skip&limit`.
    Feed { skip: i64, limit: i64 },
    /// `GET /api/users/{id}/posts?skip&limit`.
    UserFeed { user: i64, skip: i64, limit: i64 },
}

/// Who asks: a request carrying `Authorization` (valid or not: checking it would cost a
/// database read) is taken to be a writer and reads through the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// No `Authorization` header: may be served from the cache.
    Anonymous,
    /// Sent a token: always read from the database.
    WithToken,
}

impl Reader {
    /// Who sent `req`.
    pub fn of(req: &Request) -> Self {
        if req.headers().contains_key(header::AUTHORIZATION) {
            Reader::WithToken
        } else {
            Reader::Anonymous
        }
    }
}

impl<'a> FromRequest<'a> for Reader {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        Ok(Self::of(req))
    }
}

#[derive(Clone)]
struct Entry {
    representation: Representation,
    read_at: Instant,
}

/// Entries expire [`TTL`] after their read began, not after they were stored: a slow read
/// must not stretch the promise.
struct FromReadStart;

impl FromReadStart {
    fn left(entry: &Entry, now: Instant) -> Duration {
        TTL.saturating_sub(now.saturating_duration_since(entry.read_at))
    }
}

impl Expiry<ReadKey, Entry> for FromReadStart {
    fn expire_after_create(&self, _: &ReadKey, entry: &Entry, now: Instant) -> Option<Duration> {
        Some(Self::left(entry, now))
    }

    fn expire_after_update(
        &self,
        _: &ReadKey,
        entry: &Entry,
        now: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(Self::left(entry, now))
    }
}

/// Why a shared load gave nothing to keep.
enum Unkept {
    /// Too long to keep ([`MAX_ENTRY_BYTES`]), served anyway.
    TooLong(Representation),
    /// The read failed: every waiter answers with it.
    Failed(Arc<PostsError>),
}

/// The cache of public reads (cheap to clone: clones share it).
#[derive(Clone)]
pub struct ReadCache {
    entries: Cache<ReadKey, Entry>,
}

impl Default for ReadCache {
    fn default() -> Self {
        Self::new()
    }
}

impl ReadCache {
    /// An empty cache bounded by [`MAX_BYTES`].
    pub fn new() -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(MAX_BYTES)
                .weigher(|_, entry: &Entry| {
                    let bytes = entry.representation.body().len() + ENTRY_OVERHEAD;
                    u32::try_from(bytes).unwrap_or(u32::MAX)
                })
                .expire_after(FromReadStart)
                .build(),
        }
    }

    /// The answer to `key`: kept bytes for an anonymous reader when fresh, else `load`'s
    /// (then kept, when short enough, for the next anonymous reader).
    pub async fn read<F>(
        &self,
        key: ReadKey,
        reader: Reader,
        load: F,
    ) -> Result<Representation, PostsError>
    where
        F: Future<Output = Result<Representation, PostsError>>,
    {
        if reader == Reader::WithToken {
            let read_at = Instant::now();
            let representation = load.await?;
            if keepable(&representation) {
                let entry = Entry {
                    representation: representation.clone(),
                    read_at,
                };
                self.entries.insert(key, entry).await;
            }
            return Ok(representation);
        }
        let found = self
            .entries
            .try_get_with(key, async {
                let read_at = Instant::now();
                let representation = load.await.map_err(|err| Unkept::Failed(Arc::new(err)))?;
                if !keepable(&representation) {
                    return Err(Unkept::TooLong(representation));
                }
                Ok(Entry {
                    representation,
                    read_at,
                })
            })
            .await;
        match found {
            Ok(entry) => Ok(entry.representation),
            // Every waiter that shared the load gets the same answer (`Shared` answers as
            // the error it wraps; a representation is cheap to clone: it holds `Bytes`).
            Err(unkept) => match &*unkept {
                Unkept::Failed(err) => Err(PostsError::Shared(err.clone())),
                Unkept::TooLong(representation) => Ok(representation.clone()),
            },
        }
    }

    /// The kept answer to `key` while it is fresh, loading nothing (hits answered before
    /// routing, [`crate::cache_hits`]).
    pub async fn fresh(&self, key: &ReadKey) -> Option<Representation> {
        self.entries
            .get(key)
            .await
            .map(|entry| entry.representation)
    }

    /// Drops every entry: a post was written through this instance, and whoever reads
    /// here next sees it at once (other instances within [`TTL`]).
    pub fn forget_all(&self) {
        self.entries.invalidate_all();
    }
}

fn keepable(representation: &Representation) -> bool {
    representation.body().len() <= MAX_ENTRY_BYTES
}
