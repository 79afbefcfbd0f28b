//! The invariants every target checks, written against the public API alone: the
//! configuration rules are restated here rather than trusted to `Snapshot::validate`.

use statekeep_core::model::{Machine, NodeIx, NodeKind, ROOT};
use statekeep_core::replay::replay;
use statekeep_core::stepper::Effect;
use statekeep_core::value::{snapshot_from_value, state_value};
use statekeep_core::{initial, transition, DefinitionError, Snapshot, Status, StepError, StepOutput};

/// A legal configuration: the root active, nothing twice, no history node, every active
/// state's parent active, one active child per active compound state and every child of an
/// active parallel state; each history slot records states below its parent (the children of
/// the parent for a shallow one, atomic descendants for a deep one).
pub fn assert_legal(m: &Machine, s: &Snapshot) {
    let mut active = vec![false; m.len()];
    for &n in &s.config {
        assert!((n as usize) < m.len(), "state index {n} out of range: {s:?}");
        assert!(!active[n as usize], "#{} listed twice: {s:?}", m.node(n).id);
        active[n as usize] = true;
    }
    assert!(active[ROOT as usize], "the root is not active: {s:?}");
    for &n in &s.config {
        let node = m.node(n);
        assert!(!node.kind.is_history(), "history state #{} is active: {s:?}", node.id);
        if let Some(p) = node.parent {
            assert!(active[p as usize], "#{} is active without its parent: {s:?}", node.id);
        }
        let on = node.children.iter().filter(|&&c| active[c as usize]).count();
        match node.kind {
            NodeKind::Compound => assert_eq!(on, 1, "compound #{} has {on} active children: {s:?}", node.id),
            NodeKind::Parallel => assert_eq!(on, node.children.len(), "parallel #{} has {on} active regions: {s:?}", node.id),
            _ => assert!(node.children.is_empty()),
        }
        assert!(node.history_children.iter().all(|&h| !active[h as usize]));
    }
    assert_eq!(s.history.len(), m.history_slots as usize, "history table size");
    for (ix, node) in m.nodes.iter().enumerate() {
        let Some(slot) = node.history_slot else { continue };
        let Some(recorded) = &s.history[slot as usize] else { continue };
        let parent = node.parent.expect("a history state has a parent");
        let deep = matches!(node.kind, NodeKind::History { deep: true });
        for &r in recorded {
            let rn = m.node(r);
            assert!(!rn.kind.is_history() && m.is_descendant(r, parent), "history #{ix} records #{}: {s:?}", rn.id);
            if deep {
                assert!(rn.kind.is_atomic(), "deep history #{} records non-atomic #{}: {s:?}", node.id, rn.id);
            } else {
                assert_eq!(rn.parent, Some(parent), "shallow history #{} records #{}: {s:?}", node.id, rn.id);
            }
        }
    }
    assert!(s.validate(m).is_ok(), "validate refuses a legal snapshot: {:?} {s:?}", s.validate(m));
}

/// XState's `isInFinalState` over a configuration.
fn in_final(m: &Machine, active: &[bool], n: NodeIx) -> bool {
    let node = m.node(n);
    match node.kind {
        NodeKind::Compound => node.children.iter().any(|&c| active[c as usize] && m.node(c).kind == NodeKind::Final),
        NodeKind::Parallel => node.children.iter().all(|&c| in_final(m, active, c)),
        kind => kind == NodeKind::Final,
    }
}

/// Everything a snapshot must survive: legal, `done` exactly when the root is in a final
/// state (while not in error), its bytes give it back, and its state value renders and names
/// the same active states.
pub fn assert_snapshot(m: &Machine, s: &Snapshot) {
    assert_legal(m, s);
    let mut active = vec![false; m.len()];
    for &n in &s.config {
        active[n as usize] = true;
    }
    match s.status {
        Status::Done => assert!(in_final(m, &active, ROOT), "done outside a final configuration: {s:?}"),
        // Only entering a final state completes a machine: a parallel root without regions is
        // "in a final state" (XState's `isInFinalState` is vacuous there) and still active.
        Status::Active => {
            let a_final = s.config.iter().any(|&n| m.node(n).kind == NodeKind::Final);
            assert!(!(a_final && in_final(m, &active, ROOT)), "still active in a final configuration: {s:?}")
        }
        Status::Error => {}
    }
    let bytes = s.to_bytes(m);
    let back = Snapshot::from_bytes(m, &bytes).unwrap_or_else(|e| panic!("own bytes refused: {e} {s:?}"));
    assert_eq!(&back, s, "bytes round trip");
    assert_eq!(back.to_bytes(m), bytes, "bytes are canonical");
    let value = state_value(m, s);
    let resolved = snapshot_from_value(m, &value).unwrap_or_else(|e| panic!("state value {value} does not resolve: {e} {s:?}"));
    let (mut a, mut b) = (resolved.config.clone(), s.config.clone());
    a.sort_unstable();
    b.sort_unstable();
    assert_eq!(a, b, "state value {value} names other states");
    assert_eq!(state_value(m, &resolved), value);
}

/// A step's report: actions and effects that exist, effects placed in order among the actions.
pub fn assert_output(m: &Machine, out: &StepOutput) {
    assert!(out.actions.iter().all(|&a| (a as usize) < m.actions.len()), "action out of range");
    let mut at = 0;
    for placed in &out.effects {
        assert!(placed.at >= at && placed.at as usize <= out.actions.len(), "effects out of order: {:?}", out.effects);
        at = placed.at;
        let (node, ix, of) = match placed.effect {
            Effect::Schedule { node, delay } | Effect::Cancel { node, delay } => (node, delay, m.node(node).delays.len()),
            Effect::Start { node, invoke } | Effect::Stop { node, invoke } => (node, invoke, m.node(node).invokes.len()),
        };
        assert!((node as usize) < m.len() && (ix as usize) < of, "effect out of range: {placed:?}");
    }
}

/// Step one event with all checks: deterministic, a legal result, and an unhandled event (on a
/// machine without eventless transitions) changes nothing.
pub fn step(m: &Machine, before: &Snapshot, event: &str, guards: &[Option<bool>]) -> Result<StepOutput, StepError> {
    let out = transition(m, before, event, guards);
    assert_eq!(transition(m, before, event, guards), out, "the same step twice differs");
    let Ok(out) = &out else { return out };
    if before.status != Status::Active {
        assert!(!out.handled && &out.snapshot == before && out.actions.is_empty() && out.effects.is_empty());
        return Ok(out.clone());
    }
    assert_output(m, out);
    assert_snapshot(m, &out.snapshot);
    let eventless = m.nodes.iter().any(|n| !n.always.is_empty());
    if !out.handled && !eventless && !event.starts_with("xstate.error.actor") {
        assert_eq!(&out.snapshot, before, "an unhandled {event} changed the state");
        assert!(out.actions.is_empty() && out.effects.is_empty(), "an unhandled {event} ran actions");
    }
    Ok(out.clone())
}

/// Start the machine and send `events` one by one with every check; then the batch replay of
/// the same events (from the start, and from the snapshot after `resume` events) must end in
/// the same state with the same handled flags.
pub fn run(m: &Machine, initial_guards: &[Option<bool>], events: &[(String, Vec<Option<bool>>)], resume: usize) {
    let first = initial(m, initial_guards);
    assert_eq!(initial(m, initial_guards), first, "starting twice differs");
    let Ok(first) = first else { return };
    assert_output(m, &first);
    assert!(!first.handled);
    assert_snapshot(m, &first.snapshot);

    let mut states = vec![first.snapshot];
    let mut handled = Vec::new();
    let mut failed = None;
    for (i, (event, guards)) in events.iter().enumerate() {
        let before = states.last().unwrap();
        // A snapshot loaded from its bytes steps exactly as the one in memory.
        let reloaded = Snapshot::from_bytes(m, &before.to_bytes(m)).expect("own bytes");
        let out = step(m, before, event, guards);
        assert_eq!(transition(m, &reloaded, event, guards), out, "a reloaded snapshot steps differently");
        match out {
            Ok(out) => {
                handled.push(out.handled);
                states.push(out.snapshot);
            }
            Err(e) => {
                assert!(matches!(e, StepError::Unsettled { .. }), "{e}");
                failed = Some(i);
                break;
            }
        }
    }

    let batch = |start: Option<&Snapshot>, from: usize| {
        let tail = &events[from..];
        replay(m, start, initial_guards, tail.iter().map(|(e, g)| (e.as_str(), g.as_slice())), false)
    };
    let resume = resume.min(handled.len());
    for (start, from) in [(None, 0), (Some(&states[resume]), resume)] {
        let outcome = batch(start, from);
        match failed {
            Some(_) => assert!(outcome.is_err(), "the replay settles where the stepping did not"),
            None => {
                let outcome = outcome.unwrap_or_else(|e| panic!("the replay fails where the stepping did not: {e}"));
                assert_eq!(&outcome.snapshot, states.last().unwrap(), "replay from {from} ends elsewhere");
                assert_eq!(outcome.handled, handled[from..], "replay from {from} handles differently");
                let first_unhandled = handled[from..].iter().position(|h| !h);
                assert_eq!(outcome.first_unhandled, first_unhandled);
                assert_eq!(outcome.unhandled_in.as_ref(), first_unhandled.map(|i| &states[from + i]));
            }
        }
    }
}

/// A definition error names a place in the definition: its JSON path parses, and it or its
/// parent (for something missing) exists in the definition, when there is one to look in.
pub fn assert_error_path(definition: Option<&serde_json::Value>, e: &DefinitionError) {
    assert!(!e.message.is_empty(), "an error without a message at {}", e.path);
    assert_eq!(e.to_string(), format!("{}: {}", e.path, e.message));
    let segments = parse_path(&e.path).unwrap_or_else(|| panic!("not a JSON path: {:?} ({})", e.path, e.message));
    let Some(definition) = definition else { return };
    let found = |segments: &[Segment]| {
        let mut cursor = definition;
        for segment in segments {
            cursor = match (segment, cursor) {
                (Segment::Key(k), serde_json::Value::Object(map)) => map.get(k)?,
                (Segment::Index(i), serde_json::Value::Array(items)) => items.get(*i)?,
                _ => return None,
            };
        }
        Some(cursor)
    };
    let exists = found(&segments).is_some() || segments.split_last().is_some_and(|(_, parent)| found(parent).is_some());
    assert!(exists, "the error path {} is not in the definition ({})", e.path, e.message);
}

#[derive(Debug)]
enum Segment {
    Key(String),
    Index(usize),
}

/// `$`, then `.key` (letters, digits, `_`, `$`), `[index]` or `["json string"]`.
fn parse_path(path: &str) -> Option<Vec<Segment>> {
    let mut rest = path.strip_prefix('$')?;
    let mut out = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$')).unwrap_or(r.len());
            if end == 0 {
                return None;
            }
            out.push(Segment::Key(r[..end].to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            if r.starts_with('"') {
                let mut stream = serde_json::Deserializer::from_str(r).into_iter::<String>();
                let key = stream.next()?.ok()?;
                let r = r[stream.byte_offset()..].strip_prefix(']')?;
                out.push(Segment::Key(key));
                rest = r;
            } else {
                let end = r.find(']')?;
                out.push(Segment::Index(r[..end].parse().ok()?));
                rest = &r[end + 1..];
            }
        } else {
            return None;
        }
    }
    Some(out)
}
