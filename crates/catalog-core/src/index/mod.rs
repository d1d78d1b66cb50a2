//! In-memory, immutable, indexed snapshots of a plugin's entities (DESIGN principle 4).

mod bitset;
mod columns;
mod order;
mod search;
mod snapshot;

pub use bitset::*;
pub use columns::*;
pub use order::*;
pub use search::*;
pub use snapshot::*;
