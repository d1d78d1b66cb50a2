//! The shared list contract (UA §8): parameters, opaque keyset page tokens, page execution.

mod page;
mod params;
mod token;

pub use page::*;
pub use params::*;
pub use token::*;
