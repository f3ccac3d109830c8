-- When a post's text last changed, so Atom entries (`updated`) and the sitemap (`lastmod`)
-- follow edits. Null until the first edit: readers take coalesce(updated_at, date_posted).
-- Expand only: a nullable column without a default is a catalog change (no table
-- rewrite), and every statement names its columns, so the code of the previous release
-- keeps working. A trigger sets it, not the services, so every writer of posts (this
-- release, the previous one, a FastAPI-era client or a hand-written update) records edits
-- the same way, and no write path had to change.
-- Both statements below wait for a lock on posts behind any running transaction; give up
-- rather than queue every pooled query behind the wait (migrate then fails, changing
-- nothing, and is simply run again).
set local lock_timeout = '5s';

alter table posts add column updated_at timestamptz;

create function stamp_post_edit() returns trigger language plpgsql as $$
begin
    new.updated_at := now();
    return new;
end;
$$;

-- Only when the title or the content really changes: a replace with the same text, or
-- an update of another column (a post moved to another user), is no edit. Writing
-- updated_at alone (a correction, or a test) is left as written.
create trigger posts_stamp_edit before update of title, content on posts
    for each row
    when (old.title is distinct from new.title or old.content is distinct from new.content)
    execute function stamp_post_edit();
