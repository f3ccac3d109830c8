//! What the worker writes back to `mail_outbox`: that a job was settled (sent or
//! dead-lettered), so the sweep can tell a job Redis lost from one it delivered.

use folio_shared::db::{Db, Queryable, Sql};
use tokio_postgres::types::Type;
use uuid::Uuid;

const MARK_SETTLED: Sql = Sql::new(
    "update mail_outbox set settled_at = now() where id = $1 and settled_at is null",
    &[Type::UUID],
);

/// The outbox rows of sent jobs.
#[derive(Clone)]
pub struct Outbox {
    db: Db,
}

impl Outbox {
    /// The outbox in `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Records that job `id` was settled. Jobs that never had a row change nothing. A
    /// failure is only logged: the job is done, and the worst it can cause is one more
    /// copy of the mail should Redis also lose the stream.
    pub async fn settle(&self, id: Uuid) {
        let result = async { self.db.conn().await?.execute(&MARK_SETTLED, &[&id]).await }.await;
        if let Err(err) = result {
            tracing::warn!(job_id = %id, error = %err, "could not record the mail as settled");
        }
    }
}
