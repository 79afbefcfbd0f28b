//! Replaying a history through a machine in one call: the batch path that landings by replay
//! and compliance checks use. Actions and effects are computed and dropped: a replay has no
//! side effects.

use crate::error::StepError;
use crate::model::Machine;
use crate::snapshot::Snapshot;
use crate::stepper::{GuardTable, Run};

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
    machine: &'a Machine,
    start: Option<&Snapshot>,
    initial_guards: &'a GuardTable,
    events: I,
    stop_at_unhandled: bool,
) -> Result<ReplayOutcome, StepError>
where
    I: IntoIterator<Item = (&'a str, &'a GuardTable)>,
{
    // One run for the whole history: the snapshot is stepped in place and the buffers are
    // reused, which is what makes a landing by replay cheap.
    let mut run = match start {
        Some(s) => Run::new(machine, initial_guards, s.clone()),
        None => {
            let mut run = Run::new(machine, initial_guards, Snapshot::pre_initial(machine));
            run.start()?;
            run
        }
    };
    let iter = events.into_iter();
    let mut handled = Vec::with_capacity(iter.size_hint().0);
    let mut first_unhandled = None;
    let mut unhandled_in = None;
    for (event, guards) in iter {
        if event.is_empty() {
            return Err(StepError::InvalidEvent("the event type is empty".into()));
        }
        run.guards = guards;
        let selected = run.select_event(event);
        if selected.is_empty() && first_unhandled.is_none() {
            first_unhandled = Some(handled.len());
            unhandled_in = Some(run.snapshot.clone());
            if stop_at_unhandled {
                handled.push(false);
                break;
            }
        }
        handled.push(run.apply_event(event, selected)?);
    }
    Ok(ReplayOutcome { snapshot: run.snapshot, handled, first_unhandled, unhandled_in })
}
