//! Total, stable orderings of entities (UA-52): sort key, then lowercased name, name, uid;
//! missing values last in both directions.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::entity::{Entity, FieldValue};

/// What a list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortField {
    /// The entity name (default).
    Name,
    /// The uid (legacy `ID`).
    Id,
    /// First insertion time.
    CreateTime,
    /// Last change time.
    UpdateTime,
    /// A declared field, by index.
    Field(usize),
}

/// A sort field and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Order {
    /// Sort field.
    pub field: SortField,
    /// Descending.
    pub desc: bool,
}

impl Order {
    /// The default: name ascending.
    pub const DEFAULT: Order = Order {
        field: SortField::Name,
        desc: false,
    };
}

/// A comparable sort value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SortKey {
    /// Absent: sorts last.
    Missing,
    /// Booleans.
    Bool(bool),
    /// Numbers.
    Num(f64),
    /// Strings, lowercased.
    Str(String),
}

impl SortKey {
    fn rank(&self) -> u8 {
        match self {
            Self::Missing => 3,
            Self::Bool(_) => 0,
            Self::Num(_) => 1,
            Self::Str(_) => 2,
        }
    }

    fn cmp_present(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Bool(a), Self::Bool(b)) => a.cmp(b),
            (Self::Num(a), Self::Num(b)) => a.total_cmp(b),
            (Self::Str(a), Self::Str(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// An entity's place in an ordering; also the keyset cursor stored in page tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Position {
    /// Sort value.
    pub key: SortKey,
    /// Lowercased name.
    pub sort_name: String,
    /// Name.
    pub name: String,
    /// Uid.
    pub uid: String,
}

impl Position {
    /// The position of `e` under `field`.
    pub fn of(e: &Entity, field: SortField) -> Self {
        let key = match field {
            SortField::Name => SortKey::Str(e.sort_name.to_string()),
            SortField::Id => SortKey::Str(e.uid.to_string()),
            SortField::CreateTime => SortKey::Num(e.created_at as f64),
            SortField::UpdateTime => SortKey::Num(e.updated_at as f64),
            SortField::Field(i) => match e.fields.get(i).unwrap_or(&FieldValue::Missing) {
                FieldValue::Missing => SortKey::Missing,
                FieldValue::Bool(b) => SortKey::Bool(*b),
                FieldValue::Int(n) => SortKey::Num(*n as f64),
                FieldValue::Float(f) => SortKey::Num(*f),
                FieldValue::Str(s) | FieldValue::Json(s) => SortKey::Str(s.to_lowercase()),
                FieldValue::List(items) => match items.first() {
                    Some(s) => SortKey::Str(s.to_lowercase()),
                    None => SortKey::Missing,
                },
            },
        };
        Self {
            key,
            sort_name: e.sort_name.to_string(),
            name: e.name.to_string(),
            uid: e.uid.to_string(),
        }
    }

    /// The position of `e` with an explicitly computed sort value.
    pub fn keyed(e: &Entity, key: SortKey) -> Self {
        Self {
            key,
            sort_name: e.sort_name.to_string(),
            name: e.name.to_string(),
            uid: e.uid.to_string(),
        }
    }

    /// Compares two positions under a direction; missing keys last either way.
    pub fn compare(&self, other: &Self, desc: bool) -> Ordering {
        let key = match (&self.key, &other.key) {
            (SortKey::Missing, SortKey::Missing) => Ordering::Equal,
            (SortKey::Missing, _) => Ordering::Greater,
            (_, SortKey::Missing) => Ordering::Less,
            (a, b) if desc => b.cmp_present(a),
            (a, b) => a.cmp_present(b),
        };
        key.then_with(|| self.sort_name.cmp(&other.sort_name))
            .then_with(|| self.name.cmp(&other.name))
            .then_with(|| self.uid.cmp(&other.uid))
    }
}

/// Compares entities in the default order (name ascending) without allocating.
pub fn default_cmp(a: &Entity, b: &Entity) -> Ordering {
    a.sort_name
        .cmp(&b.sort_name)
        .then_with(|| a.name.cmp(&b.name))
        .then_with(|| a.uid.cmp(&b.uid))
}
