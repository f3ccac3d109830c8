-- The course's second Alembic revision, "add likes to posts", run on a database at the
-- first one (fastapi_blog.sql): what `alembic upgrade head` leaves, and so what most
-- course databases look like. The API never reads or writes the column, so every post
-- keeps the server default. Used by the adoption tests (migrate/tests/infra/adopt.rs).

alter table posts add column likes integer not null default 0;
update alembic_version set version_num = 'd41f7b2c0e95';
