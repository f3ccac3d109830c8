//! The feeds' plans on a table of 100k posts by 10k users: each must walk its index in feed order
//! (no sequential scan of posts, no sort of the table), reading only index entries until
//! the page is found, and then the page's posts by primary key.

use folio_posts::{
    readers::sitemap::{SITEMAP_POSTS, SITEMAP_TOTALS},
    repo::{FEED_FIRST_PAGE, FEED_PAGE, FEED_PAGE_AFTER, USER_FEED_PAGE, USER_FEED_PAGE_AFTER},
};
use serde_json::Value;

use crate::helpers::spawn_app;

/// Every (node type, relation, index) of a JSON plan.
fn nodes(plan: &Value, out: &mut Vec<(String, String, String)>) {
    let text = |key: &str| plan[key].as_str().unwrap_or_default().to_owned();
    out.push((text("Node Type"), text("Relation Name"), text("Index Name")));
    for child in plan["Plans"].as_array().into_iter().flatten() {
        nodes(child, out);
    }
}

/// Every `Index Cond` of a JSON plan on `index` (index scans and bitmap index scans).
fn index_conditions(plan: &Value, index: &str, out: &mut Vec<String>) {
    if plan["Index Name"] == index
        && let Some(cond) = plan["Index Cond"].as_str()
    {
        out.push(cond.to_owned());
    }
    for child in plan["Plans"].as_array().into_iter().flatten() {
        index_conditions(child, index, out);
    }
}

async fn plan_json(client: &tokio_postgres::Client, sql: &str) -> Value {
    let row = client
        .query_one(&format!("explain (format json) {sql}"), &[])
        .await
        .unwrap();
    let plan: Value = row.get(0);
    plan[0]["Plan"].clone()
}

async fn plan_of(client: &tokio_postgres::Client, sql: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    nodes(&plan_json(client, sql).await, &mut out);
    out
}

/// 10k users with 10 posts each, a minute apart; returns the first user's id. Vacuumed,
/// as autovacuum leaves a table that is mostly read, so index-only scans need no heap.
async fn seed_100k_posts(pg: &tokio_postgres::Client) -> i64 {
    pg.batch_execute(
        "insert into users (username, email, password_hash) \
           select 'user' || g, 'user' || g || '@example.com', 'x' from generate_series(1, 10000) g; \
         insert into posts (title, content, user_id, date_posted) \
           select 'post ' || g, 'content', (select min(id) from users) + g % 10000, now() - g * interval '1 minute' \
           from generate_series(1, 100000) g;",
    )
    .await
    .unwrap();
    // One statement per call: VACUUM cannot run in a batch's implicit transaction.
    for table in ["users", "posts"] {
        pg.batch_execute(&format!("vacuum analyze {table}"))
            .await
            .unwrap();
    }
    pg.query_one("select min(id) from users", &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn feeds_walk_their_indexes_on_a_table_of_100k_posts() {
    let app = spawn_app().await;
    let pg = app.pg().await;
    let user_id = seed_100k_posts(&pg).await;

    let first = plan_of(&pg, &FEED_FIRST_PAGE.text().replace("$1", "10")).await;
    let feed = plan_of(
        &pg,
        &FEED_PAGE.text().replace("$1", "5000").replace("$2", "10"),
    )
    .await;
    let user_feed = plan_of(
        &pg,
        &USER_FEED_PAGE
            .text()
            .replace("$1", &user_id.to_string())
            .replace("$2", "0")
            .replace("$3", "10"),
    )
    .await;

    let on_posts = |plan: &[(String, String, String)]| -> Vec<(String, String)> {
        let mut scans: Vec<_> = plan
            .iter()
            .filter(|(_, rel, _)| rel == "posts")
            .map(|(node, _, index)| (node.clone(), index.clone()))
            .collect();
        scans.sort();
        scans
    };
    let on = |node: &str| (node.to_owned(), "posts_date_posted_id_idx".to_owned());
    assert_eq!(on_posts(&first), [on("Index Scan")], "{first:?}");
    // The skipped entries walked index-only, then the page read from where they end.
    assert_eq!(
        on_posts(&feed),
        [on("Index Only Scan"), on("Index Scan")],
        "{feed:?}"
    );

    for plan in [&first, &feed] {
        let users_scans: Vec<_> = plan.iter().filter(|(_, rel, _)| rel == "users").collect();
        assert!(
            users_scans
                .iter()
                .all(|(node, _, index)| node == "Index Scan" && index == "users_pkey"),
            "authors by primary key: {plan:?}"
        );
    }
    // One author's posts: an index scan, or a bitmap scan of the same index when the
    // planner expects few rows; never a scan of the whole table.
    assert!(
        user_feed
            .iter()
            .any(|(_, _, index)| index == "posts_user_id_date_posted_idx"),
        "{user_feed:?}"
    );
    assert!(
        !user_feed
            .iter()
            .any(|(node, rel, _)| node == "Seq Scan" && rel == "posts"),
        "{user_feed:?}"
    );
    let total: i64 = pg
        .query_one("select posts from post_totals", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(total, 100_000, "the trigger-kept total matches");
}

/// Every node of a JSON plan, flattened.
fn all_nodes<'a>(plan: &'a Value, out: &mut Vec<&'a Value>) {
    out.push(plan);
    for child in plan["Plans"].as_array().into_iter().flatten() {
        all_nodes(child, out);
    }
}

#[tokio::test]
async fn a_deep_skip_reads_index_entries_and_only_the_page_s_posts() {
    let app = spawn_app().await;
    let pg = app.pg().await;
    let user_id = seed_100k_posts(&pg).await;
    let deep = FEED_PAGE.text().replace("$1", "90000").replace("$2", "10");
    // The last of user `user_id`'s 10 posts.
    let deep_in_user = USER_FEED_PAGE
        .text()
        .replace("$1", &user_id.to_string())
        .replace("$2", "9")
        .replace("$3", "10");

    // (query, feed index, index entries walked, posts read: the page's, and for the public
    // feed the one after it and the one where its scan stops, both left undetoasted)
    for (sql, feed_index, entries, posts) in [
        (deep, "posts_date_posted_id_idx", 90_001, 12),
        (deep_in_user, "posts_user_id_date_posted_idx", 10, 1),
    ] {
        let row = pg
            .query_one(&format!("explain (analyze, format json) {sql}"), &[])
            .await
            .unwrap();
        let plan: Value = row.get(0);
        let plan = &plan[0]["Plan"];
        let mut nodes = Vec::new();
        all_nodes(plan, &mut nodes);
        let of = |node: &str| -> Vec<&Value> {
            nodes
                .iter()
                .copied()
                .filter(|scan| scan["Index Name"] == feed_index && scan["Node Type"] == node)
                .collect()
        };
        // The page: an index scan, or a bitmap scan when the planner expects few rows.
        let (walks, mut bodies) = (of("Index Only Scan"), of("Index Scan"));
        bodies.extend(of("Bitmap Index Scan"));

        let rows = |scan: &Value| scan["Actual Rows"].as_i64().unwrap();
        assert_eq!((walks.len(), bodies.len()), (1, 1), "{plan}");
        assert_eq!(rows(walks[0]), entries, "{plan}");
        assert_eq!(
            bodies[0]["Actual Loops"].as_i64().unwrap() * rows(bodies[0]),
            posts,
            "posts read: the page's only. {plan}"
        );
    }
}

#[tokio::test]
async fn a_named_public_feed_statement_keeps_one_plan_for_every_page() {
    let app = spawn_app().await;
    let pg = app.pg().await;
    seed_100k_posts(&pg).await;
    for (name, types, sql) in [
        ("first_page", "int8", FEED_FIRST_PAGE),
        ("after", "timestamptz, int8, int8", FEED_PAGE_AFTER),
    ] {
        pg.batch_execute(&format!("prepare {name}({types}) as {}", sql.text()))
            .await
            .unwrap();
    }
    // Postgres weighs a generic plan against the custom ones after five executions.
    for depth in 1..=6 {
        pg.batch_execute(&format!(
            "execute first_page({depth}); \
             execute after(now() - interval '{depth}0000 minutes', {depth}0000, 11)"
        ))
        .await
        .unwrap();
    }

    for execute in [
        "first_page(11)",
        "after(now() - interval '5 minutes', 5, 11)",
    ] {
        let plan = plan_json(&pg, &format!("execute {execute}")).await;
        let mut nodes = Vec::new();
        all_nodes(&plan, &mut nodes);
        let run_conditions: Vec<_> = nodes
            .iter()
            .filter_map(|node| node["Run Condition"].as_str())
            .collect();
        // A generic plan shows the page size as a parameter; a custom one, its value.
        assert_eq!(run_conditions.len(), 1, "{plan}");
        assert!(
            run_conditions[0].ends_with("<= $1)") || run_conditions[0].ends_with("<= $3)"),
            "{execute}: {run_conditions:?}"
        );
    }
}

#[tokio::test]
async fn cursor_pages_enter_the_feed_indexes_at_the_cursor() {
    let app = spawn_app().await;
    let pg = app.pg().await;
    let user_id = seed_100k_posts(&pg).await;
    // Half-way down the feed (posts are a minute apart, newest now).
    let cursor = "now() - interval '50000 minutes'";

    let mut feed = Vec::new();
    let plan = plan_json(
        &pg,
        &FEED_PAGE_AFTER
            .text()
            .replace("$1", cursor)
            .replace("$2", "50000")
            .replace("$3", "10"),
    )
    .await;
    index_conditions(&plan, "posts_date_posted_id_idx", &mut feed);
    let mut user_feed = Vec::new();
    let plan = plan_json(
        &pg,
        &USER_FEED_PAGE_AFTER
            .text()
            .replace("$1", &user_id.to_string())
            .replace("$2", cursor)
            .replace("$3", "50000")
            .replace("$4", "10"),
    )
    .await;
    index_conditions(&plan, "posts_user_id_date_posted_idx", &mut user_feed);

    // The row comparison is a condition of the index scan (entered at the cursor), not a
    // filter applied to every row read from the top of the feed.
    assert!(
        feed.iter()
            .any(|c| c.starts_with("(ROW(date_posted, id) <")),
        "{feed:?}"
    );
    assert!(
        user_feed
            .iter()
            .any(|c| c.contains("user_id =") && c.contains("ROW(date_posted, id) <")),
        "{user_feed:?}"
    );
}

/// `explain analyze` of a prepared statement's execution: the plan, and whether Postgres
/// compiled it (JIT).
async fn run_plan(client: &tokio_postgres::Client, execute: &str) -> (Value, bool) {
    let row = client
        .query_one(
            &format!("explain (analyze, format json) execute {execute}"),
            &[],
        )
        .await
        .unwrap();
    let out: Value = row.get(0);
    (out[0]["Plan"].clone(), out[0].get("JIT").is_some())
}

/// Rows read from `posts` by every node of a plan.
fn posts_rows_read(plan: &Value) -> f64 {
    let mut nodes = Vec::new();
    all_nodes(plan, &mut nodes);
    nodes
        .iter()
        .filter(|node| node["Relation Name"] == "posts")
        .map(|node| node["Actual Rows"].as_f64().unwrap_or_default())
        .sum()
}

#[tokio::test]
async fn the_sitemap_index_reads_the_totals_and_the_twenty_newest_posts_of_100k_uncompiled() {
    let app = spawn_app().await;
    let pg = app.pg().await;
    seed_100k_posts(&pg).await;
    pg.batch_execute(&format!("prepare totals as {}", SITEMAP_TOTALS.text()))
        .await
        .unwrap();
    // Postgres weighs a generic plan against the custom ones after five executions.
    for _ in 0..6 {
        pg.batch_execute("execute totals").await.unwrap();
    }

    let (plan, compiled) = run_plan(&pg, "totals").await;

    assert_eq!(posts_rows_read(&plan), 20.0, "{plan}");
    // An estimate past `jit_above_cost` once had every index request spend ~100 ms
    // compiling a plan that then read 20 rows.
    assert!(!compiled, "{plan}");
}

#[tokio::test]
async fn a_sitemap_page_walks_the_feed_index_to_its_posts_without_a_sort() {
    let app = spawn_app().await;
    let pg = app.pg().await;
    seed_100k_posts(&pg).await;
    pg.batch_execute(&format!(
        "prepare sitemap_page(int8, int8) as {}",
        SITEMAP_POSTS.text()
    ))
    .await
    .unwrap();
    for skip in [0, 49_999, 99_999, 0, 49_999, 10] {
        pg.batch_execute(&format!("execute sitemap_page({skip}, 50000)"))
            .await
            .unwrap();
    }

    let (plan, compiled) = run_plan(&pg, "sitemap_page(49999, 50000)").await;

    let mut nodes = Vec::new();
    all_nodes(&plan, &mut nodes);
    let kinds: Vec<_> = nodes
        .iter()
        .filter_map(|n| n["Node Type"].as_str())
        .collect();
    assert_eq!(kinds, ["Limit", "Index Scan"], "{plan}");
    assert_eq!(nodes[1]["Index Name"], "posts_date_posted_id_idx", "{plan}");
    assert_eq!(
        posts_rows_read(&plan),
        99_999.0,
        "skipped entries and the page: {plan}"
    );
    assert!(!compiled, "{plan}");
}
