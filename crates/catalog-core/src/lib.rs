//! The catalog-of-catalogs framework: plugin contract and registry, server lifecycle, storage,
//! in-memory read path, list contract, and the declarative plugin most catalogs are built from.

pub mod catalog;
pub mod entity;
pub mod error;
pub mod index;
pub mod plugin;
pub mod provider;
pub mod query;
pub mod references;
pub mod registry;
pub mod schema;
pub mod server;
pub mod store;
pub mod time;
pub mod validation;

#[doc(hidden)]
pub use inventory;
