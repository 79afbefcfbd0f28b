//! The stepper: XState v5 (5.33.3) semantics for starting a machine and sending it an event.
//!
//! The functions mirror XState's `stateUtils` (selection, conflict removal, transition domain,
//! exit and entry sets, microstep, macrostep) over the index arena of [`Machine`]. The engine
//! evaluates no guards (the caller gives their outcomes) and runs no actions (it reports them),
//! so a step is a pure function of the machine, the snapshot, the event and the guard table.

use crate::error::StepError;
use crate::model::*;
use crate::snapshot::{Snapshot, Status};
use std::collections::VecDeque;

/// The most microsteps one macrostep may take before it is declared a loop.
pub const MICROSTEP_LIMIT: u32 = 10_000;

/// Something the application must do for the machine; the engine runs no timers and no services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Entering `node` starts the timer of its delayed transition `delay` (index into `node.delays`).
    Schedule { node: NodeIx, delay: u32 },
    /// Exiting `node` cancels that timer.
    Cancel { node: NodeIx, delay: u32 },
    /// Entering `node` starts its invocation `invoke` (index into `node.invokes`).
    Start { node: NodeIx, invoke: u32 },
    /// Exiting `node`, or the machine stopping, stops that invocation.
    Stop { node: NodeIx, invoke: u32 },
}

/// An effect and its place among the step's actions: `at` actions ran before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placed {
    pub at: u32,
    pub effect: Effect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepOutput {
    pub snapshot: Snapshot,
    /// The actions XState would run, in its order.
    pub actions: Vec<ActionIx>,
    pub effects: Vec<Placed>,
    /// Whether the event selected at least one transition (the routing law's "handled").
    pub handled: bool,
}

/// Guard outcomes by guard index; a missing or `None` entry takes the machine's guard default.
pub type GuardTable = [Option<bool>];

/// Start the machine: enter its initial configuration and settle.
pub fn initial(machine: &Machine, guards: &GuardTable) -> Result<StepOutput, StepError> {
    let mut run = Run::new(machine, guards, Snapshot::pre_initial(machine));
    run.start()?;
    // Starting is not an event: nothing is handled, nothing enters a history.
    Ok(run.finish(false))
}

/// Send one event. A machine that is no longer active ignores every event.
pub fn transition(machine: &Machine, snapshot: &Snapshot, event: &str, guards: &GuardTable) -> Result<StepOutput, StepError> {
    if event.is_empty() {
        return Err(StepError::InvalidEvent("the event type is empty".into()));
    }
    if snapshot.status != Status::Active {
        return Ok(StepOutput { snapshot: snapshot.clone(), actions: Vec::new(), effects: Vec::new(), handled: false });
    }
    let mut run = Run::new(machine, guards, snapshot.clone());
    let selected = run.select_event(event);
    let handled = run.apply_event(event, selected)?;
    Ok(run.finish(handled))
}

#[derive(Clone, Copy)]
struct EventRef<'e> {
    ix: Option<EventIx>,
    name: &'e str,
}

/// An ordered set of nodes with O(1) membership, reused across microsteps.
struct NodeSet {
    items: Vec<NodeIx>,
    member: Vec<bool>,
}

impl NodeSet {
    fn new(len: usize) -> Self {
        NodeSet { items: Vec::new(), member: vec![false; len] }
    }
    #[inline]
    fn insert(&mut self, n: NodeIx) -> bool {
        let slot = &mut self.member[n as usize];
        if *slot {
            return false;
        }
        *slot = true;
        self.items.push(n);
        true
    }
    #[inline]
    fn contains(&self, n: NodeIx) -> bool {
        self.member[n as usize]
    }
    fn clear(&mut self) {
        for &n in &self.items {
            self.member[n as usize] = false;
        }
        self.items.clear();
    }
}

/// A machine being stepped. One `Run` can take many events in place (a replay), reusing its
/// buffers; `actions` and `effects` hold what the last step reported.
pub(crate) struct Run<'m> {
    m: &'m Machine,
    pub(crate) guards: &'m GuardTable,
    pub(crate) snapshot: Snapshot,
    /// Membership of `snapshot.config`.
    active: Vec<bool>,
    actions: Vec<ActionIx>,
    effects: Vec<Placed>,
    queue: VecDeque<EventIx>,
    to_enter: NodeSet,
    default_entry: NodeSet,
    /// The states exited in the current microstep, deepest and last first.
    exited: Vec<NodeIx>,
    /// The configuration in activation order as the current microstep found it.
    config_before: Vec<NodeIx>,
    /// While an entry set is computed with correction 2 of `choose_entry_set`: the domain of
    /// the transition, below which a history state's entries get their ancestors.
    history_ancestors_below: Option<Option<NodeIx>>,
}

/// The corrections `Run::choose_entry_set` applies, each with those before it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Correction {
    None,
    DomainOfTheExit,
    HistoryAncestorsInDomain,
    LeftSourceEntersNothing,
}

impl<'m> Run<'m> {
    pub(crate) fn new(m: &'m Machine, guards: &'m GuardTable, snapshot: Snapshot) -> Self {
        let mut active = vec![false; m.len()];
        for &n in &snapshot.config {
            active[n as usize] = true;
        }
        Run {
            m,
            guards,
            snapshot,
            active,
            actions: Vec::new(),
            effects: Vec::new(),
            queue: VecDeque::new(),
            to_enter: NodeSet::new(m.len()),
            default_entry: NodeSet::new(m.len()),
            exited: Vec::new(),
            config_before: Vec::new(),
            history_ancestors_below: None,
        }
    }

    fn finish(self, handled: bool) -> StepOutput {
        StepOutput { snapshot: self.snapshot, actions: self.actions, effects: self.effects, handled }
    }

    /// XState's initial microstep and macrostep, from the pre-initial snapshot.
    pub(crate) fn start(&mut self) -> Result<(), StepError> {
        self.microstep(vec![self.m.initial_transition], true);
        self.settle("xstate.init")
    }

    /// The transitions an event selects in the current state (nothing changes yet).
    pub(crate) fn select_event(&self, event: &str) -> Vec<TransIx> {
        if self.snapshot.status != Status::Active {
            return Vec::new();
        }
        self.select(EventRef { ix: self.m.event_index.get(event).copied(), name: event })
    }

    /// Take the selected transitions and settle; returns whether the event was handled.
    pub(crate) fn apply_event(&mut self, event: &str, selected: Vec<TransIx>) -> Result<bool, StepError> {
        self.actions.clear();
        self.effects.clear();
        if self.snapshot.status != Status::Active {
            return Ok(false);
        }
        let handled = !selected.is_empty();
        if !handled && event.starts_with("xstate.error.actor") {
            // XState: an actor error that no state handles puts the machine in its error status.
            self.snapshot.status = Status::Error;
            self.stop_children();
            return Ok(false);
        }
        self.microstep(selected, false);
        self.settle(event)?;
        Ok(handled)
    }

    fn effect(&mut self, effect: Effect) {
        self.effects.push(Placed { at: self.actions.len() as u32, effect });
    }

    #[inline]
    fn guard_passes(&self, guard: Option<GuardIx>) -> bool {
        match guard {
            None => true,
            Some(g) => self.guards.get(g as usize).copied().flatten().unwrap_or(self.m.guard_default),
        }
    }

    // ----- selection --------------------------------------------------------------------------

    /// XState's `transitionNode` from the root: deepest states first, regions in order.
    fn select(&self, ev: EventRef) -> Vec<TransIx> {
        let mut out = Vec::new();
        self.select_node(ROOT, ev, &mut out);
        out
    }

    fn select_node(&self, n: NodeIx, ev: EventRef, out: &mut Vec<TransIx>) -> bool {
        let node = self.m.node(n);
        let found = match node.kind {
            NodeKind::Compound => match node.children.iter().copied().find(|&c| self.active[c as usize]) {
                Some(child) => self.select_node(child, ev, out),
                None => false,
            },
            NodeKind::Parallel => {
                let mut any = false;
                for &region in &node.children {
                    if self.active[region as usize] {
                        any |= self.select_node(region, ev, out);
                    }
                }
                any
            }
            _ => false,
        };
        found || self.next(n, ev, out)
    }

    /// XState's `StateNode.next`: exact candidates, then matching wildcards longest first; the
    /// first whose guard passes is selected.
    fn next(&self, n: NodeIx, ev: EventRef, out: &mut Vec<TransIx>) -> bool {
        let node = self.m.node(n);
        if let Some(ix) = ev.ix {
            if let Some((_, list)) = node.exact.iter().find(|(e, _)| *e == ix) {
                for &t in list {
                    if self.guard_passes(self.m.transition(t).guard) {
                        out.push(t);
                        return true;
                    }
                }
            }
        }
        for wildcard in &node.wildcards {
            if wildcard.descriptor == ev.name || !matches_prefix(&wildcard.prefix, ev.name) {
                continue;
            }
            for &t in &wildcard.transitions {
                if self.guard_passes(self.m.transition(t).guard) {
                    out.push(t);
                    return true;
                }
            }
        }
        false
    }

    /// XState's `selectEventlessTransitions`: for each active atomic state in activation order,
    /// the first enabled `always` candidate on it or its nearest ancestor.
    fn select_eventless(&self) -> Vec<TransIx> {
        let mut enabled: Vec<TransIx> = Vec::new();
        for &s in &self.snapshot.config {
            if !self.m.node(s).kind.is_atomic() {
                continue;
            }
            let mut cursor = Some(s);
            'walk: while let Some(c) = cursor {
                for &t in &self.m.node(c).always {
                    if self.guard_passes(self.m.transition(t).guard) {
                        if !enabled.contains(&t) {
                            enabled.push(t);
                        }
                        break 'walk;
                    }
                }
                cursor = self.m.node(c).parent;
            }
        }
        self.remove_conflicts(enabled)
    }

    // ----- transition geometry ----------------------------------------------------------------

    /// XState's `getEffectiveTargetStates`: targets with history nodes resolved.
    fn effective_targets(&self, targets: &[NodeIx], out: &mut Vec<NodeIx>) {
        for &t in targets {
            let node = self.m.node(t);
            if let NodeKind::History { .. } = node.kind {
                let slot = node.history_slot.expect("history slot") as usize;
                if let Some(recorded) = &self.snapshot.history[slot] {
                    for &r in recorded {
                        if !out.contains(&r) {
                            out.push(r);
                        }
                    }
                } else {
                    let parent = node.parent.expect("history parent");
                    match node.history_default.as_ref().expect("history default") {
                        HistoryDefault::ParentInitial => {
                            let initial = self.m.node(parent).initial.expect("compound initial");
                            self.effective_targets(&[initial], out)
                        }
                        HistoryDefault::Parent => self.effective_targets(&[parent], out),
                        HistoryDefault::Targets(list) => self.effective_targets(list, out),
                    }
                }
            } else if !out.contains(&t) {
                out.push(t);
            }
        }
    }

    /// XState's `getTransitionDomain`. `None` stands for XState's `undefined` domain (a
    /// re-entering transition of the root), which every state is below.
    fn domain(&self, t: &Transition) -> Option<NodeIx> {
        let mut targets = Vec::new();
        if let Some(list) = &t.targets {
            self.effective_targets(list, &mut targets);
        }
        if !t.reenter && targets.iter().all(|&x| x == t.source || self.m.is_descendant(x, t.source)) {
            return Some(t.source);
        }
        let (head, tail): (NodeIx, &[NodeIx]) = match targets.split_first() {
            Some((&h, rest)) => (h, rest),
            None => (t.source, &[]),
        };
        let mut ancestor = self.m.node(head).parent;
        while let Some(a) = ancestor {
            let contains_source = head == t.source || self.m.is_descendant(t.source, a);
            if contains_source && tail.iter().all(|&x| self.m.is_descendant(x, a)) {
                return Some(a);
            }
            ancestor = self.m.node(a).parent;
        }
        if t.reenter {
            None
        } else {
            Some(ROOT)
        }
    }

    /// XState's `computeExitSet` for one transition with its domain, unordered.
    fn exit_set(&self, t: &Transition, domain: Option<NodeIx>, out: &mut Vec<NodeIx>) {
        if t.targets.as_ref().is_none_or(|v| v.is_empty()) {
            return;
        }
        if t.reenter && domain == Some(t.source) {
            out.push(t.source);
        }
        for &n in &self.snapshot.config {
            if self.m.is_descendant_of_domain(n, domain) && !out.contains(&n) {
                out.push(n);
            }
        }
    }

    /// XState's `removeConflictingTransitions`.
    fn remove_conflicts(&self, enabled: Vec<TransIx>) -> Vec<TransIx> {
        if enabled.len() <= 1 {
            return enabled;
        }
        let exits: Vec<Vec<NodeIx>> = enabled
            .iter()
            .map(|&t| {
                let mut set = Vec::new();
                let transition = self.m.transition(t);
                self.exit_set(transition, self.domain(transition), &mut set);
                set
            })
            .collect();
        let mut kept: Vec<usize> = Vec::new();
        for i in 0..enabled.len() {
            let mut preempted = false;
            let mut remove: Vec<usize> = Vec::new();
            for &j in &kept {
                if exits[i].iter().any(|n| exits[j].contains(n)) {
                    let source_i = self.m.transition(enabled[i]).source;
                    let source_j = self.m.transition(enabled[j]).source;
                    if self.m.is_descendant(source_i, source_j) {
                        remove.push(j);
                    } else {
                        preempted = true;
                        break;
                    }
                }
            }
            if !preempted {
                kept.retain(|j| !remove.contains(j));
                kept.push(i);
            }
        }
        kept.into_iter().map(|i| enabled[i]).collect()
    }

    // ----- microstep --------------------------------------------------------------------------

    /// One microstep over the selected transitions; returns whether the snapshot changed (its
    /// set of active states or its history), which drives XState's eventless stop rule.
    fn microstep(&mut self, selected: Vec<TransIx>, is_initial: bool) -> bool {
        if selected.is_empty() {
            return false;
        }
        let filtered = self.remove_conflicts(selected);
        // The domains of the exit. XState computes them again for the entry set, after the exit
        // has recorded history (`choose_entry_set`).
        let domains: Vec<Option<NodeIx>> = filtered.iter().map(|&t| self.domain(self.m.transition(t))).collect();
        let mut history_changed = false;
        self.exited.clear();
        self.config_before.clone_from(&self.snapshot.config);
        if !is_initial {
            history_changed = self.exit_states(&filtered, &domains);
        }
        for &t in &filtered {
            self.actions.extend_from_slice(&self.m.transition(t).actions);
        }
        let (entered_new, all_reentered) = self.enter_states(&filtered, &domains, is_initial);
        if self.snapshot.status == Status::Done {
            let mut all = self.snapshot.config.clone();
            all.sort_unstable_by(|a, b| b.cmp(a));
            for n in all {
                self.run_exit(n, false);
            }
        }
        let same_set = all_reentered && entered_new == self.exited.len();
        let changed = history_changed || !same_set;
        if !changed {
            // XState keeps the snapshot's node list when a microstep leaves the set and the
            // history as they were, so the states it exited and entered again keep their places
            // in the activation order (conformance rule 8): that order decides which eventless
            // transitions are selected first and which wins a conflict.
            std::mem::swap(&mut self.snapshot.config, &mut self.config_before);
        }
        changed
    }

    /// XState's `exitStates`. Returns whether any history was recorded; fills `self.exited`.
    fn exit_states(&mut self, filtered: &[TransIx], domains: &[Option<NodeIx>]) -> bool {
        let mut exited = std::mem::take(&mut self.exited);
        for (&t, &domain) in filtered.iter().zip(domains) {
            self.exit_set(self.m.transition(t), domain, &mut exited);
        }
        let recorded = self.exit_in_order(&mut exited);
        self.exited = exited;
        recorded
    }

    /// Record history for the exited states, then run their exits deepest and last first.
    fn exit_in_order(&mut self, exited: &mut [NodeIx]) -> bool {
        if exited.is_empty() {
            return false;
        }
        exited.sort_unstable_by(|a, b| b.cmp(a));
        let mut recorded = false;
        for &n in exited.iter() {
            for &h in &self.m.node(n).history_children {
                let deep = matches!(self.m.node(h).kind, NodeKind::History { deep: true });
                let nodes: Vec<NodeIx> = self
                    .snapshot
                    .config
                    .iter()
                    .copied()
                    .filter(|&s| {
                        if deep {
                            self.m.node(s).kind.is_atomic() && self.m.is_descendant(s, n)
                        } else {
                            self.m.node(s).parent == Some(n)
                        }
                    })
                    .collect();
                let slot = self.m.node(h).history_slot.expect("history slot") as usize;
                self.snapshot.history[slot] = Some(nodes);
                recorded = true;
            }
        }
        for &n in exited.iter() {
            self.run_exit(n, true);
            self.active[n as usize] = false;
        }
        let active = &self.active;
        self.snapshot.config.retain(|&n| active[n as usize]);
        recorded
    }

    /// A state's exit actions and timer cancels; its invocations stop when it is exited by a
    /// transition (on completion XState stops them with the other children afterwards).
    fn run_exit(&mut self, n: NodeIx, stop_invocations: bool) {
        let node = self.m.node(n);
        self.actions.extend_from_slice(&node.exit);
        for d in 0..node.delays.len() {
            self.effect(Effect::Cancel { node: n, delay: d as u32 });
        }
        if stop_invocations {
            for i in 0..node.invokes.len() {
                self.effect(Effect::Stop { node: n, invoke: i as u32 });
            }
        }
    }

    /// XState's `enterStates`. Returns how many states were not active before, and whether
    /// each of them was exited in this microstep (then the set of active states is unchanged).
    fn enter_states(&mut self, filtered: &[TransIx], domains: &[Option<NodeIx>], is_initial: bool) -> (usize, bool) {
        self.choose_entry_set(filtered, domains);
        if is_initial {
            self.default_entry.insert(ROOT);
        }
        // Sorting in place keeps membership; the set is cleared at the next microstep.
        self.to_enter.items.sort_unstable();
        let (mut entered_new, mut all_reentered) = (0, true);
        let mut completed: Vec<NodeIx> = Vec::new();
        for k in 0..self.to_enter.items.len() {
            let s = self.to_enter.items[k];
            if !self.active[s as usize] {
                self.active[s as usize] = true;
                self.snapshot.config.push(s);
                entered_new += 1;
                all_reentered &= self.exited.contains(&s);
            }
            let node = self.m.node(s);
            self.actions.extend_from_slice(&node.entry);
            for d in 0..node.delays.len() {
                self.effect(Effect::Schedule { node: s, delay: d as u32 });
            }
            for i in 0..node.invokes.len() {
                self.effect(Effect::Start { node: s, invoke: i as u32 });
            }
            if self.default_entry.contains(s) {
                self.actions.extend_from_slice(&node.initial_actions);
            }
            if node.kind != NodeKind::Final {
                continue;
            }
            let parent = node.parent;
            let mut marker = match parent {
                Some(p) if self.m.node(p).kind == NodeKind::Parallel => Some(p),
                Some(p) => self.m.node(p).parent,
                None => None,
            };
            if let Some(p) = parent {
                if self.m.node(p).kind == NodeKind::Compound {
                    self.queue.push_back(self.m.node(p).done_event.expect("done event"));
                }
            }
            while let Some(mk) = marker {
                if self.m.node(mk).kind != NodeKind::Parallel || completed.contains(&mk) || !self.in_final_state(mk) {
                    break;
                }
                completed.push(mk);
                self.queue.push_back(self.m.node(mk).done_event.expect("done event"));
                marker = self.m.node(mk).parent;
            }
            if marker.is_none() {
                self.snapshot.status = Status::Done;
            }
        }
        (entered_new, all_reentered)
    }

    /// The states the microstep enters: XState's entry set, except where that would leave a
    /// configuration no machine can be in (a state active without its parent, a compound state
    /// with two active children or none, a parallel state missing a region). It is checked only
    /// when a transition targets a history state: every illegal entry set the differential
    /// fuzzer (tools/xstate-fuzz) has met needs one, and the fuzzer checks statekeep's
    /// configuration after every step. Where it is illegal, the entry set is computed again
    /// with one more correction at a time until the configuration is legal:
    /// 1. each transition's domain as computed for the exit (XState computes it again after the
    ///    exit has recorded history, and can then leave a parent out);
    /// 2. the states a history state enters get their ancestors only below the transition's
    ///    domain (XState enters them up to the history state's parent, re-entering active states
    ///    above the domain and their regions' initial states beside the active ones);
    /// 3. an internal transition whose source another transition of the microstep has exited
    ///    enters nothing (its actions still run).
    fn choose_entry_set(&mut self, filtered: &[TransIx], domains: &[Option<NodeIx>]) {
        let through_history = filtered.iter().any(|&t| {
            let targets = self.m.transition(t).targets.as_deref().unwrap_or_default();
            targets.iter().any(|&x| self.m.node(x).kind.is_history())
        });
        if !through_history {
            self.compute_entry(filtered, domains, Correction::None);
            return;
        }
        let recomputed: Vec<Option<NodeIx>> = filtered.iter().map(|&t| self.domain(self.m.transition(t))).collect();
        self.compute_entry(filtered, &recomputed, Correction::None);
        for correction in [Correction::DomainOfTheExit, Correction::HistoryAncestorsInDomain, Correction::LeftSourceEntersNothing] {
            if self.entry_keeps_configuration_legal() {
                return;
            }
            self.compute_entry(filtered, domains, correction);
        }
    }

    /// The entry set of `filtered` with `domains`, with the corrections up to `correction`.
    fn compute_entry(&mut self, filtered: &[TransIx], domains: &[Option<NodeIx>], correction: Correction) {
        self.to_enter.clear();
        self.default_entry.clear();
        for (&t, &domain) in filtered.iter().zip(domains) {
            if correction >= Correction::LeftSourceEntersNothing && self.source_left_by_another(t, domain) {
                continue;
            }
            self.history_ancestors_below = (correction >= Correction::HistoryAncestorsInDomain).then_some(domain);
            self.compute_entry_set(self.m.transition(t), domain);
        }
        self.history_ancestors_below = None;
    }

    /// Whether `t` is an internal transition (its domain is its source, which it does not exit)
    /// whose source is no longer active: another transition of the microstep exited it. Its
    /// exit set is empty (the source is atomic: a self-target, possibly through a history state
    /// that restores it), so no conflict removed it.
    fn source_left_by_another(&self, t: TransIx, domain: Option<NodeIx>) -> bool {
        let t = self.m.transition(t);
        domain == Some(t.source) && !t.reenter && !self.active[t.source as usize]
    }

    /// Whether the states still active after the exits, with the entry set, form a legal
    /// configuration: every state's parent is in it, a compound state has one child in it and
    /// a parallel state all of its regions.
    fn entry_keeps_configuration_legal(&self) -> bool {
        let present = |n: NodeIx| self.active[n as usize] || self.to_enter.contains(n);
        self.snapshot.config.iter().chain(&self.to_enter.items).all(|&n| {
            let node = self.m.node(n);
            let children = node.children.iter().filter(|&&c| present(c)).count();
            node.parent.is_none_or(present)
                && match node.kind {
                    NodeKind::Compound => children == 1,
                    NodeKind::Parallel => children == node.children.len(),
                    _ => true,
                }
        })
    }

    /// XState's `isInFinalState` over the current configuration.
    fn in_final_state(&self, n: NodeIx) -> bool {
        let node = self.m.node(n);
        match node.kind {
            NodeKind::Compound => node.children.iter().any(|&c| self.m.node(c).kind == NodeKind::Final && self.active[c as usize]),
            NodeKind::Parallel => node.children.iter().all(|&c| self.in_final_state(c)),
            kind => kind == NodeKind::Final,
        }
    }

    /// XState's `computeEntrySet` for one transition, with its domain.
    fn compute_entry_set(&mut self, t: &Transition, domain: Option<NodeIx>) {
        let Some(targets) = &t.targets else { return };
        for &s in targets {
            if !self.m.node(s).kind.is_history() && (t.source != s || domain != Some(t.source) || t.reenter) {
                self.to_enter.insert(s);
                self.default_entry.insert(s);
            }
            self.add_descendants(s);
        }
        let mut effective = Vec::new();
        self.effective_targets(targets, &mut effective);
        let parallel_domain = domain.filter(|&d| self.m.node(d).kind == NodeKind::Parallel);
        let reentrancy = if t.source == ROOT && t.reenter { None } else { domain };
        for s in effective {
            let mut ancestors = self.proper_ancestors(s, domain);
            if let Some(d) = parallel_domain {
                ancestors.push(d);
            }
            self.add_ancestors(&ancestors, reentrancy);
        }
    }

    /// XState's `getProperAncestors(s, to)`: from the parent upwards, stopping before `to`.
    fn proper_ancestors(&self, s: NodeIx, to: Option<NodeIx>) -> Vec<NodeIx> {
        let mut out = Vec::new();
        if to == Some(s) {
            return out;
        }
        let mut cursor = self.m.node(s).parent;
        while let Some(c) = cursor {
            if Some(c) == to {
                break;
            }
            out.push(c);
            cursor = self.m.node(c).parent;
        }
        out
    }

    fn enter_has_descendant_of(&self, n: NodeIx) -> bool {
        self.to_enter.items.iter().any(|&s| self.m.is_descendant(s, n))
    }

    /// XState's `addDescendantStatesToEnter`.
    fn add_descendants(&mut self, s: NodeIx) {
        let node = self.m.node(s);
        match node.kind {
            NodeKind::History { .. } => {
                let parent = node.parent.expect("history parent");
                let slot = node.history_slot.expect("history slot") as usize;
                if let Some(recorded) = self.snapshot.history[slot].clone() {
                    for &r in &recorded {
                        self.to_enter.insert(r);
                        self.add_descendants(r);
                    }
                    for &r in &recorded {
                        self.add_history_ancestors(r, parent);
                    }
                } else {
                    let (targets, parent_initial) = match node.history_default.as_ref().expect("history default") {
                        HistoryDefault::ParentInitial => (vec![self.m.node(parent).initial.expect("initial")], true),
                        HistoryDefault::Parent => (vec![parent], false),
                        HistoryDefault::Targets(list) => (list.clone(), false),
                    };
                    for &x in &targets {
                        if !self.m.node(x).kind.is_history() {
                            self.to_enter.insert(x);
                        }
                        if parent_initial {
                            self.default_entry.insert(parent);
                        }
                        self.add_descendants(x);
                    }
                    for &x in &targets {
                        self.add_history_ancestors(x, parent);
                    }
                }
            }
            NodeKind::Compound => {
                let initial = node.initial.expect("compound initial");
                if !self.m.node(initial).kind.is_history() {
                    self.to_enter.insert(initial);
                    self.default_entry.insert(initial);
                }
                self.add_descendants(initial);
                self.add_proper_ancestors(initial, s);
            }
            NodeKind::Parallel => {
                for &child in &node.children {
                    if !self.enter_has_descendant_of(child) {
                        self.to_enter.insert(child);
                        self.default_entry.insert(child);
                        self.add_descendants(child);
                    }
                }
            }
            NodeKind::Atomic | NodeKind::Final => {}
        }
    }

    /// The ancestors of a state a history state enters, up to the history state's parent (or,
    /// with correction 2 of `choose_entry_set`, only those below the transition's domain).
    fn add_history_ancestors(&mut self, s: NodeIx, history_parent: NodeIx) {
        let mut ancestors = self.proper_ancestors(s, Some(history_parent));
        if let Some(domain) = self.history_ancestors_below {
            ancestors.retain(|&a| self.m.is_descendant_of_domain(a, domain));
        }
        self.add_ancestors(&ancestors, None);
    }

    fn add_proper_ancestors(&mut self, s: NodeIx, to: NodeIx) {
        let ancestors = self.proper_ancestors(s, Some(to));
        self.add_ancestors(&ancestors, None);
    }

    /// XState's `addAncestorStatesToEnter`.
    fn add_ancestors(&mut self, ancestors: &[NodeIx], reentrancy: Option<NodeIx>) {
        for &anc in ancestors {
            if reentrancy.is_none_or(|d| self.m.is_descendant(anc, d)) {
                self.to_enter.insert(anc);
            }
            if self.m.node(anc).kind == NodeKind::Parallel {
                for &child in &self.m.node(anc).children {
                    if !self.enter_has_descendant_of(child) {
                        self.to_enter.insert(child);
                        self.add_descendants(child);
                    }
                }
            }
        }
    }

    // ----- macrostep --------------------------------------------------------------------------

    /// The rest of XState's `macrostep`: eventless transitions, then queued done events, until
    /// the machine is stable or no longer active.
    fn settle(&mut self, event: &str) -> Result<(), StepError> {
        let mut select_eventless = true;
        let mut count: u32 = 0;
        while self.snapshot.status == Status::Active {
            count += 1;
            if count > MICROSTEP_LIMIT {
                return Err(StepError::Unsettled { limit: MICROSTEP_LIMIT, event: event.to_string() });
            }
            let mut enabled = if select_eventless { self.select_eventless() } else { Vec::new() };
            let from_eventless = !enabled.is_empty();
            if !from_eventless {
                let Some(next) = self.queue.pop_front() else { break };
                let ev = EventRef { ix: Some(next), name: self.m.event_name(next) };
                enabled = self.select(ev);
            }
            let changed = self.microstep(enabled, false);
            select_eventless = !from_eventless || changed;
        }
        if self.snapshot.status != Status::Active {
            self.stop_children();
        }
        Ok(())
    }

    /// XState's `stopChildren`: every running invocation stops when the machine stops.
    fn stop_children(&mut self) {
        let m = self.m;
        for n in self.snapshot.config.clone() {
            for i in 0..m.node(n).invokes.len() {
                self.effect(Effect::Stop { node: n, invoke: i as u32 });
            }
        }
    }
}

/// XState's `matchesEventDescriptor` for a wildcard: the event's dot-separated tokens start
/// with the descriptor's tokens before its `*` (so `a.*` matches `a` and `a.b`, not `ab`).
#[inline]
fn matches_prefix(prefix: &[String], event: &str) -> bool {
    let mut tokens = event.split('.');
    prefix.iter().all(|p| tokens.next() == Some(p.as_str()))
}
