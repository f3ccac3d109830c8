-- Mail jobs written in the same transaction as the change that causes them, so a Redis
-- outage loses no mail: auth queues each row after commit and marks it; the mail worker
-- re-queues rows left unqueued. The partial index keeps that sweep cheap.
create table mail_outbox (
    id         uuid        primary key,
    payload    jsonb       not null,
    created_at timestamptz not null default now(),
    queued_at  timestamptz
);

create index mail_outbox_unqueued_idx on mail_outbox (created_at) where queued_at is null;
