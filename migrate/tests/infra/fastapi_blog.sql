-- A database as the FastAPI blog of the course leaves it at its first Alembic revision (the
-- initial schema): the tables its SQLAlchemy models create, with a few rows. The second
-- revision is fastapi_blog_add_likes.sql. Used by the adoption tests
-- (migrate/tests/infra/adopt.rs) and by scripts/container-smoke.sh, which logs in to the
-- real auth binary with the old password after `migrate` adopted it.
-- Ada's hash is what the blog's pwdlib (Argon2id, m=65536 t=3 p=4) made of
-- "course password 1"; Bob's of "Another-Old-Secret".

create table alembic_version (
    version_num varchar(32) not null,
    constraint alembic_version_pkc primary key (version_num)
);
insert into alembic_version (version_num) values ('8c3f2a1b9d4e');

create table users (
    id            serial       not null,
    username      varchar(50)  not null,
    email         varchar(120) not null,
    password_hash varchar(200) not null,
    image_file    varchar(200),
    primary key (id),
    unique (username),
    unique (email)
);
create index ix_users_id on users (id);

create table posts (
    id          serial       not null,
    title       varchar(100) not null,
    content     text         not null,
    user_id     integer      not null,
    date_posted timestamp with time zone not null,
    primary key (id),
    foreign key (user_id) references users (id)
);
create index ix_posts_user_id on posts (user_id);

create table password_reset_tokens (
    id         serial      not null,
    user_id    integer     not null,
    token_hash varchar(64) not null,
    expires_at timestamp with time zone not null,
    created_at timestamp with time zone not null,
    primary key (id),
    foreign key (user_id) references users (id) on delete cascade,
    unique (token_hash)
);

-- Ids with gaps, as deletions leave them; Carol registered with capitals in her email.
insert into users (id, username, email, password_hash, image_file) values
    (1, 'ada', 'ada@example.com',
     '$argon2id$v=19$m=65536,t=3,p=4$hiLwR305I0tFRz5ekgdwwg$bXgIJ8+Iq4hlMm50Zmi5Ph3tOvFBTDSlFEAEcc+Raw0',
     '3f2a9c0d1e4b5a6978800112233445566.jpg'),
    (2, 'Bob', 'bob@example.com',
     '$argon2id$v=19$m=65536,t=3,p=4$UGvL/8HKu1IsBs7BAJ6F9g$LCXIxmWlVlMLECDZUd/eX8RFvLNg7SOhjZjOVtdOBRU',
     null),
    (5, 'carol', 'Carol@Example.COM',
     '$argon2id$v=19$m=65536,t=3,p=4$hiLwR305I0tFRz5ekgdwwg$bXgIJ8+Iq4hlMm50Zmi5Ph3tOvFBTDSlFEAEcc+Raw0',
     null);
select setval('users_id_seq', 6);

insert into posts (id, title, content, user_id, date_posted) values
    (1, 'Hello', 'The first post.', 1, '2025-01-02 10:00:00+00'),
    (2, 'Second', 'Text with ''quotes'' and a newline
in it.', 1, '2025-01-03 11:30:00.123456+00'),
    (4, 'From Bob', 'Bob writes too.', 2, '2025-02-01 08:00:00+00'),
    (7, 'Carol', 'Newest.', 5, '2025-03-01 09:15:00+00');
select setval('posts_id_seq', 9);

insert into password_reset_tokens (id, user_id, token_hash, expires_at, created_at) values
    (3, 2, 'a3f5c1d2e4b6a7980c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b',
     '2099-01-01 00:00:00+00', '2098-12-31 23:00:00+00');
select setval('password_reset_tokens_id_seq', 3);
