//! SQL pieces both backends share, built without a `format!` per request.

use crate::domain::{KeyFingerprint, KeyOrder};

/// Columns of `ssh_keys` in the order each backend's `key_from_row` reads
/// them. A macro, so that queries are whole `&'static str`s built by
/// `concat!` at compile time.
macro_rules! key_columns {
    () => {
        "id, project_id, owner_id, name, public_key, fingerprint, shared, created_at, fingerprint_sha256"
    };
}
pub(crate) use key_columns;

/// The columns a fingerprint is looked up in, each with its own index
/// `(project_id, column)`; queries built per column are kept in this order.
pub const FINGERPRINT_COLUMNS: [&str; 2] = ["fingerprint", "fingerprint_sha256"];

/// The index into [`FINGERPRINT_COLUMNS`] of the column `fingerprint` is in.
pub fn fingerprint_column(fingerprint: &KeyFingerprint) -> usize {
    match fingerprint {
        KeyFingerprint::Md5(_) => 0,
        KeyFingerprint::Sha256(_) => 1,
    }
}

/// The `ORDER BY` clause of an order, identical on both backends (names use
/// binary collation on both).
pub fn order_by(order: KeyOrder) -> &'static str {
    match order {
        KeyOrder::CreatedAsc => "created_at ASC, id ASC",
        KeyOrder::CreatedDesc => "created_at DESC, id DESC",
        KeyOrder::NameAsc => "name ASC, id ASC",
        KeyOrder::NameDesc => "name DESC, id DESC",
    }
}

/// The list page query for every order, with and without the name filter,
/// built once (the order is not a bind parameter, so the text varies).
pub struct PageQueries(Vec<(KeyOrder, [String; 2])>);

impl PageQueries {
    /// Builds `build(order_by, filtered)` for every order.
    pub fn new(build: impl Fn(&str, bool) -> String) -> Self {
        let queries = KeyOrder::ALL.map(|o| (o, [build(order_by(o), false), build(order_by(o), true)]));
        Self(queries.into())
    }

    /// The query for `order`, with the name filter when `filtered`.
    pub fn get(&self, order: KeyOrder, filtered: bool) -> &str {
        let (_, sql) = self.0.iter().find(|(o, _)| *o == order).expect("every order is in KeyOrder::ALL");
        &sql[usize::from(filtered)]
    }
}
