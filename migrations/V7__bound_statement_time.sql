-- A statement the service gave up on (its client-side timeout is 10 s) must not keep
-- running on the server, holding a pooled connection and its locks. Set per database, so
-- every new session has it whatever pooler sits in between: PgBouncer 1.18 refuses these
-- as startup options, and a session `set` would leak to other clients in transaction mode.
-- `migrate` lifts the limit for its own session (an index build may take longer).
do $$
begin
    execute format('alter database %I set statement_timeout = %L', current_database(), '10s');
    execute format(
        'alter database %I set idle_in_transaction_session_timeout = %L',
        current_database(),
        '15s'
    );
end
$$;
