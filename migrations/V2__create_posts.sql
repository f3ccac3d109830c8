-- Posts. The feed reads newest first with id as tie-break, and per-user feeds read one
-- author's posts newest first: one index for each, so neither sorts at query time.
create table posts (
    id          bigint generated always as identity primary key,
    title       varchar(100) not null,
    content     text         not null,
    user_id     bigint       not null references users (id) on delete cascade,
    date_posted timestamptz  not null default now()
);

create index posts_date_posted_id_idx on posts (date_posted desc, id desc);
create index posts_user_id_date_posted_idx on posts (user_id, date_posted desc, id desc);
