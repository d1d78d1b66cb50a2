//! The server binary's library half: flags and the set of linked plugins, shared with its tests.

pub mod cli;
pub mod enterprise_flags;
mod plugins;

pub use plugins::registry;
