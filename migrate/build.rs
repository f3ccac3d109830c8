//! The crate embeds `migrations/*.sql` at compile time (refinery's `embed_migrations!`),
//! which cargo cannot see: without this, a new or changed migration file left a stale
//! binary and test databases without it.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
