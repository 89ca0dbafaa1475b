//! The store test suite, written once and run against both backends: every
//! case below becomes `store_suite::sqlite::<case>` (a temporary SQLite
//! file) and `store_suite::postgres::<case>` (a fresh database on the
//! PostgreSQL server `SSHKEYD_TEST_POSTGRES` names; see `pg`).
//!
//! The cases talk to the `KeyStore` trait only, and check rows and counter
//! columns straight in the database, so a backend that passes here behaves
//! exactly like the other.

mod audit;
mod by_id;
mod counters;
pub mod fixture;
mod keys;
mod listing;
mod lookups;
pub mod pg;
mod tokens;

use fixture::Fixture;

/// Generates one test per backend for each `module::case`.
macro_rules! store_suite {
    ($($module:ident :: $case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let fixture = super::Fixture::sqlite().await;
                    super::$module::$case(&fixture).await;
                }
            )*
        }

        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $case() {
                    let Some(fixture) = super::Fixture::postgres(stringify!($case)).await else { return };
                    super::$module::$case(&fixture).await;
                }
            )*
        }
    };
}

store_suite! {
    keys::a_created_key_reads_back_exactly_as_returned,
    keys::an_unshared_key_is_visible_only_to_its_owner,
    keys::an_unshared_name_is_still_taken_for_everyone_else,
    keys::a_duplicate_name_in_one_project_is_a_conflict_but_not_across_projects,
    keys::names_that_differ_only_in_case_are_different_names,
    keys::a_full_project_refuses_new_keys_until_one_is_deleted,
    keys::concurrent_creates_never_exceed_the_quota,
    keys::concurrent_creates_of_one_name_store_exactly_one_key,
    keys::changes_by_users_who_cannot_see_the_key_are_not_found,
    keys::changes_by_users_who_see_but_did_not_create_the_key_are_not_the_owners,
    keys::a_deleted_key_is_gone_and_its_name_is_free_again,
    keys::bulk_insert_stores_every_key_and_counts_it_against_the_quota,
    keys::the_store_answers_pings,
    listing::every_order_sorts_bytewise_with_ties_broken_by_id,
    listing::pages_join_up_to_the_whole_list_in_every_order,
    listing::the_count_is_the_total_match_not_the_page_size,
    listing::the_name_filter_is_a_case_sensitive_literal_substring,
    listing::each_viewer_counts_the_shared_keys_and_their_own,
    counters::counters_match_the_rows_after_creates_shares_unshares_and_deletes,
    counters::concurrent_shares_and_unshares_of_one_key_keep_the_counters_right,
    tokens::a_created_token_is_found_with_its_user_and_sorted_projects,
    tokens::unknown_tokens_are_not_found_and_cannot_be_revoked,
    tokens::revoking_twice_keeps_the_first_revocation_time,
    tokens::touching_a_token_records_its_last_use,
    tokens::tokens_are_listed_newest_first_with_ties_broken_by_id,
    tokens::has_tokens_is_false_until_the_first_token,
    tokens::ensure_user_gives_one_id_per_name_even_when_racing,
    audit::every_write_records_one_event_in_order_and_failed_writes_none,
    by_id::a_key_is_found_by_id_only_when_visible_and_in_a_granted_project,
    by_id::the_owner_filter_lists_and_counts_that_users_keys_the_viewer_may_see,
    lookups::authorized_keys_are_the_visible_keys_by_owner_and_fingerprint_in_name_order,
    lookups::the_fingerprint_filter_of_the_list_counts_and_pages_only_visible_keys_with_the_other_filters,
    lookups::a_read_only_token_is_found_and_listed_as_read_only,
}
