//! State values: XState's JSON shape of a configuration.

use crate::error::SnapshotError;
use crate::model::{Machine, NodeIx, NodeKind, ROOT};
use crate::snapshot::{Snapshot, Status};
use serde_json::{Map, Value};

/// XState's `getStateValue`: a compound state whose active child is atomic or final gives the
/// child's key; otherwise an object (one key for a compound, one per region for a parallel
/// state, `{}` for an atomic region).
pub fn state_value(machine: &Machine, snapshot: &Snapshot) -> Value {
    build(machine, &snapshot.config, ROOT)
}

fn build(machine: &Machine, config: &[NodeIx], n: NodeIx) -> Value {
    let mut children = config.iter().copied().filter(|&c| machine.node(c).parent == Some(n)).peekable();
    if machine.node(n).kind == NodeKind::Compound {
        match children.peek() {
            None => return Value::Object(Map::new()),
            Some(&c) if machine.node(c).kind.is_atomic() => return Value::String(machine.node(c).key.clone()),
            Some(_) => {}
        }
    }
    let mut map = Map::new();
    for c in children {
        map.insert(machine.node(c).key.clone(), build(machine, config, c));
    }
    Value::Object(map)
}

/// XState's `resolveState`: the snapshot a state value denotes. Compound states named without
/// an active child start in their initial state and parallel states in all regions, as in
/// XState; a name that does not exist, or two children of one compound state, is refused.
/// The snapshot has no history recorded and is `done` when the value is final at the root.
pub fn snapshot_from_value(machine: &Machine, value: &Value) -> Result<Snapshot, SnapshotError> {
    let mut active = vec![false; machine.len()];
    active[ROOT as usize] = true;
    mark(machine, ROOT, value, &mut active)?;
    for ix in 0..machine.len() {
        if !active[ix] {
            continue;
        }
        let node = machine.node(ix as NodeIx);
        match node.kind {
            NodeKind::Compound if !node.children.iter().any(|&c| active[c as usize]) => {
                let initial = node.initial.expect("compound initial");
                if machine.node(initial).kind.is_history() {
                    return Err(SnapshotError(format!("#{} starts in a history state; name its child explicitly", node.id)));
                }
                active[initial as usize] = true;
            }
            NodeKind::Parallel => {
                for &c in &node.children {
                    active[c as usize] = true;
                }
            }
            _ => {}
        }
    }
    let config: Vec<NodeIx> = (0..machine.len() as NodeIx).filter(|&n| active[n as usize]).collect();
    let root_done = final_at(machine, ROOT, &active);
    let snapshot = Snapshot {
        config,
        history: vec![None; machine.history_slots as usize],
        status: if root_done { Status::Done } else { Status::Active },
    };
    snapshot.validate(machine)?;
    Ok(snapshot)
}

fn mark(machine: &Machine, node: NodeIx, value: &Value, active: &mut [bool]) -> Result<(), SnapshotError> {
    let child = |key: &str| -> Result<NodeIx, SnapshotError> {
        let n = machine.node(node);
        n.children
            .iter()
            .copied()
            .find(|&c| machine.node(c).key == key)
            .ok_or_else(|| SnapshotError(format!("'{key}' is not a state of #{}", n.id)))
    };
    match value {
        Value::String(key) => {
            active[child(key)? as usize] = true;
            Ok(())
        }
        Value::Object(map) => {
            for (key, inner) in map {
                let c = child(key)?;
                active[c as usize] = true;
                mark(machine, c, inner, active)?;
            }
            Ok(())
        }
        other => Err(SnapshotError(format!("a state value is a string or an object, not {other}"))),
    }
}

/// XState's `isInFinalState` over a membership table.
fn final_at(machine: &Machine, n: NodeIx, active: &[bool]) -> bool {
    let node = machine.node(n);
    match node.kind {
        NodeKind::Compound => node.children.iter().any(|&c| active[c as usize] && machine.node(c).kind == NodeKind::Final),
        NodeKind::Parallel => node.children.iter().all(|&c| final_at(machine, c, active)),
        kind => kind == NodeKind::Final,
    }
}
