-- Accounts. Username and email are unique regardless of letter case (the FastAPI blog
-- compared them case-insensitively), enforced by unique indexes on lower(...) so two
-- concurrent registrations cannot both win; auth stores emails lowercased.
-- token_version invalidates issued access tokens when the password changes.
create table users (
    id            bigint generated always as identity primary key,
    username      varchar(50)  not null,
    email         varchar(120) not null,
    password_hash text         not null,
    image_file    varchar(200),
    token_version integer      not null default 0,
    created_at    timestamptz  not null default now(),
    updated_at    timestamptz  not null default now()
);

create unique index users_username_lower_key on users (lower(username));
create unique index users_email_lower_key on users (lower(email));
