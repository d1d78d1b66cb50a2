//! Declared-field columns of a snapshot: one contiguous array per field, built on first use, so
//! filters scan values sequentially instead of dereferencing every entity.

use std::sync::Arc;

use crate::entity::FieldValue;

/// The columns a query needs, by declared-field index.
#[derive(Default)]
pub struct Columns(Vec<(usize, Arc<[FieldValue]>)>);

impl Columns {
    /// Columns from `(field index, values in snapshot order)` pairs.
    pub fn new(columns: Vec<(usize, Arc<[FieldValue]>)>) -> Self {
        Self(columns)
    }

    /// The values of declared field `field`, in snapshot order, when present.
    pub fn get(&self, field: usize) -> Option<&[FieldValue]> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| &c[..])
    }
}
