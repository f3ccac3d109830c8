-- Post counts kept by triggers, so a feed page answers `total` in O(1) instead of
-- counting the whole table on every request (count(*) grows with the table; these rows
-- do not). Exact: updated in the same transaction as the post, cascades included.
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

create function count_posts() returns trigger language plpgsql as $$
begin
    if tg_op in ('DELETE', 'UPDATE') then
        update post_totals set posts = posts - 1;
        update post_counts set posts = posts - 1 where user_id = old.user_id;
    end if;
    if tg_op in ('INSERT', 'UPDATE') then
        update post_totals set posts = posts + 1;
        insert into post_counts (user_id, posts) values (new.user_id, 1)
            on conflict (user_id) do update set posts = post_counts.posts + 1;
    end if;
    return null;
end;
$$;

create trigger posts_count_insert_delete after insert or delete on posts
    for each row execute function count_posts();
create trigger posts_count_move after update of user_id on posts
    for each row when (old.user_id is distinct from new.user_id) execute function count_posts();
