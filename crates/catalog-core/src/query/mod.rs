//! The shared list contract (UA §8): parameters, opaque keyset page tokens, page execution.

pub mod filter;
mod page;
mod params;
mod token;

pub use filter::{Filter, FilterError, compile_query, compile_query_nested};
pub use page::*;
pub use params::*;
pub use token::*;
