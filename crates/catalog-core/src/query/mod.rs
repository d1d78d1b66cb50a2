//! The shared list contract (UA §8): parameters, opaque keyset page tokens, page execution.

pub mod filter;
mod list;
mod page;
mod params;
mod token;

pub use filter::{Filter, FilterError, compile_query};
pub use list::list_page;
pub use page::*;
pub use params::*;
pub use token::*;
