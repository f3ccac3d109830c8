-- The mail worker records when a queued job was settled (sent, or dead-lettered). A row
-- queued but never settled whose stream entry is gone (a Redis that keeps nothing on disk
-- restarted) is queued again by the outbox sweep; the partial index keeps that look cheap.
alter table mail_outbox add column settled_at timestamptz;

create index mail_outbox_unsettled_idx on mail_outbox (queued_at)
    where queued_at is not null and settled_at is null;
