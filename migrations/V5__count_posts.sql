-- Post counts kept by triggers, so a feed page answers `total` in O(1) instead of
-- counting the whole table on every request (count(*) grows with the table; these rows
-- do not). Exact: updated in the same transaction as the posts, cascades included.
-- Inserts and deletes are counted per statement (one update however many rows, so bulk
-- imports stay fast); moving a post to another user, which the API never does, per row.
-- No post may be written between the backfill below and the triggers taking over.
lock table posts in share row exclusive mode;

create table post_totals (
    id    boolean primary key default true check (id),
    posts bigint  not null
);

create table post_counts (
    user_id bigint primary key references users (id) on delete cascade,
    posts   bigint not null
);

insert into post_totals (posts) select count(*) from posts;
insert into post_counts (user_id, posts) select user_id, count(*) from posts group by user_id;

create function count_inserted_posts() returns trigger language plpgsql as $$
begin
    -- Statement triggers fire for statements that changed nothing (a refused delete):
    -- leave the shared counter row alone then.
    if not exists (select 1 from inserted) then return null; end if;
    update post_totals set posts = posts + (select count(*) from inserted);
    insert into post_counts (user_id, posts)
        select user_id, count(*) from inserted group by user_id
        on conflict (user_id) do update set posts = post_counts.posts + excluded.posts;
    return null;
end;
$$;

create function count_deleted_posts() returns trigger language plpgsql as $$
begin
    if not exists (select 1 from deleted) then return null; end if;
    update post_totals set posts = posts - (select count(*) from deleted);
    update post_counts c set posts = c.posts - d.n
        from (select user_id, count(*) as n from deleted group by user_id) d
        where c.user_id = d.user_id;
    return null;
end;
$$;

create function count_moved_post() returns trigger language plpgsql as $$
begin
    update post_counts set posts = posts - 1 where user_id = old.user_id;
    insert into post_counts (user_id, posts) values (new.user_id, 1)
        on conflict (user_id) do update set posts = post_counts.posts + 1;
    return null;
end;
$$;

create function count_truncated_posts() returns trigger language plpgsql as $$
begin
    update post_totals set posts = 0;
    delete from post_counts;
    return null;
end;
$$;

create trigger posts_count_truncated after truncate on posts
    for each statement execute function count_truncated_posts();
create trigger posts_count_inserted after insert on posts
    referencing new table as inserted
    for each statement execute function count_inserted_posts();
create trigger posts_count_deleted after delete on posts
    referencing old table as deleted
    for each statement execute function count_deleted_posts();
create trigger posts_count_moved after update of user_id on posts
    for each row when (old.user_id is distinct from new.user_id)
    execute function count_moved_post();
