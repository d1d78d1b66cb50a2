//! The catalog-of-catalogs framework: plugin contract and registry, server lifecycle, storage,
//! in-memory read path, list contract, and the declarative plugin most catalogs are built from.

pub mod assets;
pub mod audit;
pub mod authz;
pub mod catalog;
pub mod entity;
pub mod error;
pub mod ha;
pub mod identity;
pub mod index;
pub mod jobs;
pub mod management;
pub mod plugin;
pub mod provider;
pub mod query;
pub mod registry;
pub mod schema;
pub mod server;
pub mod store;
pub mod tenancy;
pub mod time;

#[doc(hidden)]
pub use inventory;
