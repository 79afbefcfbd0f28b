//! Replaying a history through a machine in one call: the batch path that landings by replay
//! and compliance checks use. Actions and effects are computed and dropped: a replay has no
//! side effects.

use crate::error::StepError;
use crate::model::Machine;
use crate::snapshot::Snapshot;
use crate::stepper::{initial, transition, GuardTable};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplayOutcome {
    /// The state after the last event applied.
    pub snapshot: Snapshot,
    /// Whether each applied event was handled, in order.
    pub handled: Vec<bool>,
    /// The index of the first event that was not handled, if any.
    pub first_unhandled: Option<usize>,
    /// The state in which that event was not handled.
    pub unhandled_in: Option<Snapshot>,
}

/// Replay `events` (each with its guard table) from `start`, or from the machine's initial
/// state entered with `initial_guards`. With `stop_at_unhandled`, the replay ends at the first
/// event that is not handled (a compliance check needs no more).
pub fn replay<'a, I>(
    machine: &Machine,
    start: Option<&Snapshot>,
    initial_guards: &GuardTable,
    events: I,
    stop_at_unhandled: bool,
) -> Result<ReplayOutcome, StepError>
where
    I: IntoIterator<Item = (&'a str, &'a GuardTable)>,
{
    let mut snapshot = match start {
        Some(s) => s.clone(),
        None => initial(machine, initial_guards)?.snapshot,
    };
    let iter = events.into_iter();
    let mut handled = Vec::with_capacity(iter.size_hint().0);
    let mut first_unhandled = None;
    let mut unhandled_in = None;
    for (event, guards) in iter {
        let step = transition(machine, &snapshot, event, guards)?;
        handled.push(step.handled);
        if !step.handled && first_unhandled.is_none() {
            first_unhandled = Some(handled.len() - 1);
            unhandled_in = Some(snapshot.clone());
            if stop_at_unhandled {
                break;
            }
        }
        snapshot = step.snapshot;
    }
    Ok(ReplayOutcome { snapshot, handled, first_unhandled, unhandled_in })
}
