-- Auth stores usernames in Unicode NFC, so "Zoë" typed composed or decomposed is one
-- name. Rows adopted from the FastAPI blog may be stored decomposed; this index makes
-- the lower-cased NFC form unique, so a new name cannot impersonate such a row. Rows that
-- already collide in that form (only possible in an adopted database) are left out of the
-- index and keep working; `migrate` reports them. Never a failed migration for old data.
-- normalize() needs a UTF-8 database (Neon's and Debian's default); elsewhere it is
-- skipped with a notice.
do $$
declare
    colliding bigint[];
begin
    if current_setting('server_encoding') <> 'UTF8' then
        raise notice 'usernames: not a UTF-8 database, NFC uniqueness not enforced';
        return;
    end if;
    select coalesce(array_agg(id order by id), '{}')
      into colliding
      from (
          select unnest(array_agg(id)) as id
            from users
           group by lower(normalize(username, nfc))
          having count(*) > 1
      ) as twins;
    execute format(
        'create unique index users_username_nfc_key on users (lower(normalize(username, nfc))) '
        'where id <> all (%L::bigint[])',
        colliding
    );
end
$$;
