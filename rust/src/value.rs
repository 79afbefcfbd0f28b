//! State values: XState's JSON shape of a configuration.

use crate::model::{Machine, NodeIx, NodeKind, ROOT};
use crate::snapshot::Snapshot;
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
