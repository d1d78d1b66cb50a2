//! The server: lifecycle (FW §4), routing and middleware, health, discovery and metrics.

mod background;
mod bundled;
mod config_setup;
mod discovery;
mod discovery_cache;
mod enterprise;
mod health;
mod job_runner;
mod lifecycle;
mod management;
mod metrics;
mod middleware;
mod router;
mod serve;
mod settings;
mod state;

pub use bundled::materialize_bundled;
pub use enterprise::{Enterprise, EnterpriseSettings};
pub(crate) use lifecycle::bounded;
pub use lifecycle::{RunningServer, StartupError, start};
pub use settings::{ConfigStoreMode, SecretsMode, Settings};
pub use state::{AppState, Failure, PluginEntry};
