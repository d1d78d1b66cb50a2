//! One immutable generation of a plugin's entities, swapped atomically on change.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::bitset::Bitset;
use super::columns::Columns;
use super::order::{Order, Position, default_cmp};
use super::search::SearchIndex;
use crate::entity::{Entity, FieldValue};

/// A sorted, indexed, immutable set of entities.
pub struct Snapshot {
    /// In default order (lowercased name, name, uid), which also serves name lookups.
    entities: Vec<Arc<Entity>>,
    /// Entities per source id.
    per_source: HashMap<Box<str>, u64>,
    /// Orderings other than the default, built on first use.
    orders: RwLock<HashMap<Order, Arc<[u32]>>>,
    /// Searchable text in default order.
    search: SearchIndex,
    /// Declared-field columns, built on first use.
    columns: RwLock<HashMap<usize, Arc<[FieldValue]>>>,
}

impl Snapshot {
    /// Builds a snapshot; `search_text` appends an entity's lowercased searchable text.
    pub fn new(mut entities: Vec<Arc<Entity>>, search_text: impl Fn(&Entity, &mut String)) -> Self {
        entities.sort_unstable_by(|a, b| default_cmp(a, b));
        let mut per_source: HashMap<Box<str>, u64> = HashMap::new();
        for e in &entities {
            match per_source.get_mut(&*e.source_id) {
                Some(n) => *n += 1,
                None => {
                    per_source.insert(e.source_id.clone(), 1);
                }
            }
        }
        let search = SearchIndex::build(&entities, |e, out| search_text(e, out));
        Self {
            entities,
            per_source,
            orders: RwLock::default(),
            search,
            columns: RwLock::default(),
        }
    }

    /// The positions in [`Snapshot::entities`] of the entities whose text contains `q`.
    pub fn search(&self, q_lower: &str) -> Bitset {
        self.search.matching(q_lower)
    }

    /// All entities in default order.
    pub fn entities(&self) -> &[Arc<Entity>] {
        &self.entities
    }

    /// Number of entities.
    pub fn len(&self) -> usize {
        self.entities.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entities.is_empty()
    }

    /// Entities served from one source.
    pub fn source_count(&self, source_id: &str) -> u64 {
        self.per_source.get(source_id).copied().unwrap_or(0)
    }

    /// The entity named exactly `name`: from `source` when given, else from the source whose id
    /// sorts first (PM-16). Binary search on the default order: no per-entity name index.
    pub fn get(&self, name: &str, source: Option<&str>) -> Option<&Arc<Entity>> {
        let lower = name.to_lowercase();
        let start = self.entities.partition_point(|e| *e.sort_name < *lower);
        self.entities[start..]
            .iter()
            .take_while(|e| *e.sort_name == *lower)
            .filter(|e| &*e.name == name && source.is_none_or(|s| &*e.source_id == s))
            .min_by(|a, b| a.source_id.cmp(&b.source_id))
    }

    /// The columns of the given declared fields, in snapshot order.
    pub fn columns(&self, fields: &[usize]) -> Columns {
        Columns::new(fields.iter().map(|f| (*f, self.column(*f))).collect())
    }

    fn column(&self, field: usize) -> Arc<[FieldValue]> {
        if let Some(built) = self
            .columns
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&field)
        {
            return built.clone();
        }
        let built: Arc<[FieldValue]> = self
            .entities
            .iter()
            .map(|e| e.fields.get(field).cloned().unwrap_or(FieldValue::Missing))
            .collect();
        let mut columns = self.columns.write().unwrap_or_else(|e| e.into_inner());
        columns.entry(field).or_insert(built).clone()
    }

    /// Entity indices in `order`; `None` means the default order (identity).
    pub fn ordering(&self, order: Order) -> Option<Arc<[u32]>> {
        if order == Order::DEFAULT {
            return None;
        }
        if let Some(built) = self
            .orders
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&order)
        {
            return Some(built.clone());
        }
        let built: Arc<[u32]> = self.build_order(order).into();
        let mut orders = self.orders.write().unwrap_or_else(|e| e.into_inner());
        Some(orders.entry(order).or_insert(built).clone())
    }

    fn build_order(&self, order: Order) -> Box<[u32]> {
        let positions: Vec<Position> = self
            .entities
            .iter()
            .map(|e| Position::of(e, order.field))
            .collect();
        let mut idx: Vec<u32> = (0..self.entities.len() as u32).collect();
        idx.sort_unstable_by(|a, b| {
            positions[*a as usize].compare(&positions[*b as usize], order.desc)
        });
        idx.into_boxed_slice()
    }
}
