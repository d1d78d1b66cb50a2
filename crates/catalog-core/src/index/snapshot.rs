//! One immutable generation of a plugin's entities, swapped atomically on change.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::order::{Order, Position, default_cmp};
use crate::entity::Entity;

/// A sorted, indexed, immutable set of entities.
pub struct Snapshot {
    /// In default order (name ascending).
    entities: Vec<Arc<Entity>>,
    /// Name → positions in `entities`, in source-id order.
    by_name: HashMap<Box<str>, Vec<u32>>,
    /// Entities per source id.
    per_source: HashMap<Box<str>, u64>,
    /// Orderings other than the default, built on first use.
    orders: RwLock<HashMap<Order, Arc<[u32]>>>,
}

impl Snapshot {
    /// Builds a snapshot.
    pub fn new(mut entities: Vec<Arc<Entity>>) -> Self {
        entities.sort_by(|a, b| default_cmp(a, b));
        let mut by_name: HashMap<Box<str>, Vec<u32>> = HashMap::with_capacity(entities.len());
        let mut per_source: HashMap<Box<str>, u64> = HashMap::new();
        for (i, e) in entities.iter().enumerate() {
            by_name.entry(e.name.clone()).or_default().push(i as u32);
            *per_source.entry(e.source_id.clone()).or_default() += 1;
        }
        for positions in by_name.values_mut() {
            positions.sort_by(|a, b| {
                entities[*a as usize]
                    .source_id
                    .cmp(&entities[*b as usize].source_id)
            });
        }
        Self {
            entities,
            by_name,
            per_source,
            orders: RwLock::default(),
        }
    }

    /// An empty snapshot.
    pub fn empty() -> Self {
        Self::new(Vec::new())
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

    /// The entity named `name`: from `source` when given, else from the first source by id.
    pub fn get(&self, name: &str, source: Option<&str>) -> Option<&Arc<Entity>> {
        let positions = self.by_name.get(name)?;
        positions
            .iter()
            .map(|i| &self.entities[*i as usize])
            .find(|e| source.is_none_or(|s| &*e.source_id == s))
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
        idx.sort_by(|a, b| positions[*a as usize].compare(&positions[*b as usize], order.desc));
        idx.into_boxed_slice()
    }
}
