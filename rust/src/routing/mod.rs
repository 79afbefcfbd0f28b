//! The routing law (docs/routing-law.md) as pure functions: which running actors a
//! deployment moves, decided once per (actor, deployment), commit by commit.
//!
//! - [`registry`]: the committed versions, their rules and their commit order;
//! - [`actor`]: what the law needs of an actor (version, history, chain, snapshot, mark);
//! - [`decide`]: the four due moments, the ordering of deployments due together, the cascade
//!   and the catch-up of an actor that missed commits;
//! - [`landing`]: where a migrated actor lands (replay, or its state renamed);
//! - [`scan`]: one deployment against many actors in packed form;
//! - [`records`]: the decision records a store writes, in their one stored form;
//! - [`timers`]: what a deployment's timer policy does to a landing actor's timers.

pub mod actor;
pub mod decide;
pub mod landing;
pub mod records;
pub mod registry;
pub mod scan;
pub mod timers;

pub use actor::{Actor, HistoryEntry, NeedHistory};
pub use decide::{Decision, Kind, Reason};
pub use records::{CaughtUp, StoredRecord};
pub use registry::{Definition, Deploy, LandingMode, MatchMode, Registry, RegistryError, StoredDefinition, VersionIx, INLINE_HISTORY};
