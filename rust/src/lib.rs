//! statekeep's pure core: an XState v5 statechart stepper, the routing law's history
//! fingerprints, and (behind the `python` feature) the bindings of `statekeep._core`.
//!
//! Nothing here does I/O. A step is a function of the compiled machine, a snapshot, an event
//! type and a table of guard outcomes; it reports the actions to run instead of running them.

mod codec;
pub mod compile;
pub mod error;
pub mod fingerprint;
pub mod model;
pub mod parallelism;
pub mod replay;
pub mod routing;
pub mod snapshot;
pub mod stepper;
pub mod value;

#[cfg(feature = "python")]
mod python;

pub use compile::{compile, compile_str};
pub use error::{CoreError, DefinitionError, SnapshotError, StepError};
pub use model::Machine;
pub use snapshot::{Snapshot, Status};
pub use stepper::{initial, transition, Effect, GuardTable, Placed, StepOutput};

impl Machine {
    /// A guard table from `(name, outcome)` pairs; names the machine does not use are ignored.
    pub fn guard_table<'a, I>(&self, outcomes: I) -> Vec<Option<bool>>
    where
        I: IntoIterator<Item = (&'a str, bool)>,
    {
        let mut table = vec![None; self.guard_names.len()];
        for (name, outcome) in outcomes {
            if let Some(&ix) = self.guard_index.get(name) {
                table[ix as usize] = Some(outcome);
            }
        }
        table
    }
}
