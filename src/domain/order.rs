//! The orders a key list can be sorted in. How a client spells them is the
//! HTTP layer's business, how a database sorts by them the store's.

/// Sort orders of the list operation. Each breaks ties by id so that pages
/// never overlap or skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KeyOrder {
    CreatedAsc,
    /// The default: newest first.
    #[default]
    CreatedDesc,
    NameAsc,
    NameDesc,
}

impl KeyOrder {
    pub const ALL: [KeyOrder; 4] = [KeyOrder::CreatedAsc, KeyOrder::CreatedDesc, KeyOrder::NameAsc, KeyOrder::NameDesc];
}
