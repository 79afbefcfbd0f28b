//! What happens to an actor's timers when it lands on another version (a deployment's timer
//! policy). A host keeps a timer for every delayed transition of the active states (`after`),
//! due at a time in milliseconds; the stepper's effects start and cancel them as states are
//! entered and exited. A migration replaces the whole configuration without a step, so the
//! timers of the landing configuration are decided here.

/// A deployment's timer policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerPolicy {
    /// A delayed transition that exists in the landing configuration too (the same event:
    /// same state id, same delay) keeps its due time; the others start at the landing.
    Keep,
    /// Every timer of the landing configuration starts at the landing.
    Restart,
}

/// The timers an actor has after landing: one for each delayed transition of the landing
/// configuration (`landing`: event and duration in milliseconds), due as `policy` says given
/// the timers it had (`before`: event and due time); those of states it left are gone.
pub fn after_landing(before: &[(String, u64)], landing: &[(String, u64)], policy: TimerPolicy, now: u64) -> Vec<(String, u64)> {
    landing
        .iter()
        .map(|(event, duration)| {
            let kept = match policy {
                TimerPolicy::Keep => before.iter().find(|(e, _)| e == event).map(|&(_, due)| due),
                TimerPolicy::Restart => None,
            };
            (event.clone(), kept.unwrap_or_else(|| now.saturating_add(*duration)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timers(list: &[(&str, u64)]) -> Vec<(String, u64)> {
        list.iter().map(|&(e, t)| (e.to_string(), t)).collect()
    }

    #[test]
    fn keep_keeps_the_due_time_of_a_timer_the_landing_still_has() {
        let before = timers(&[("xstate.after.1000.m.a", 5_000), ("xstate.after.500.m.gone", 2_000)]);
        let landing = timers(&[("xstate.after.1000.m.a", 1_000), ("xstate.after.200.m.new", 200)]);
        assert_eq!(
            after_landing(&before, &landing, TimerPolicy::Keep, 3_000),
            timers(&[("xstate.after.1000.m.a", 5_000), ("xstate.after.200.m.new", 3_200)])
        );
        assert_eq!(
            after_landing(&before, &landing, TimerPolicy::Restart, 3_000),
            timers(&[("xstate.after.1000.m.a", 4_000), ("xstate.after.200.m.new", 3_200)])
        );
    }

    #[test]
    fn a_due_time_past_the_end_of_time_stays_at_the_end() {
        assert_eq!(after_landing(&[], &timers(&[("e", u64::MAX)]), TimerPolicy::Restart, 10), timers(&[("e", u64::MAX)]));
    }
}
