-- Password reset tokens. Only the SHA-256 hex of the token is stored, so a leaked table
-- cannot be used to reset passwords. Tokens go with their user.
create table password_reset_tokens (
    id         bigint generated always as identity primary key,
    user_id    bigint      not null references users (id) on delete cascade,
    token_hash char(64)    not null unique,
    expires_at timestamptz not null,
    created_at timestamptz not null default now()
);

create index password_reset_tokens_user_id_idx on password_reset_tokens (user_id);
