//! Where a matching actor lands in the new version: by replaying its history (the default), or
//! by keeping its state, renamed through the deployment's state map.

use super::actor::Actor;
use super::decide::Reason;
use super::registry::{leaf_paths, LandingMode, Registry, StateMapping, VersionIx};
use crate::replay::replay;
use crate::snapshot::Snapshot;
use crate::value::{snapshot_from_value, state_value};
use serde_json::{Map, Value};

/// The landing snapshot on `target`'s machine, or why there is none.
pub fn land(registry: &Registry, target: VersionIx, actor: &Actor) -> Result<Snapshot, Reason> {
    let version = registry.version(target);
    let rule = version.rule.as_ref().expect("a deployment has a rule");
    match rule.landing {
        LandingMode::Replay => by_replay(registry, target, actor),
        LandingMode::State => {
            let old = registry.version(actor.version).machine().as_ref();
            let renamed: Vec<Vec<String>> =
                leaf_paths(old, &actor.snapshot.config).into_iter().map(|path| rename(&rule.state_map, path)).collect();
            snapshot_from_value(version.machine(), &nest(&renamed))
                .map_err(|e| Reason::InvalidLanding { message: format!("the state does not exist in '{}': {}", version.id, e.0) })
        }
    }
}

/// Replay the history through the new definition with the recorded guard outcomes; a guard
/// nobody recorded takes the new version's default. Every event must be handled.
fn by_replay(registry: &Registry, target: VersionIx, actor: &Actor) -> Result<Snapshot, Reason> {
    let machine = registry.version(target).machine().as_ref();
    let tables: Vec<Vec<Option<bool>>> = actor
        .history
        .iter()
        .map(|entry| machine.guard_table(entry.guards.iter().map(|(name, outcome)| (name.as_str(), *outcome))))
        .collect();
    let events = actor.history.iter().map(|e| e.event.as_str()).zip(tables.iter().map(Vec::as_slice));
    let outcome = replay(machine, None, &[], events, true)
        .map_err(|e| Reason::InvalidLanding { message: format!("replay through '{}' failed: {e}", registry.version(target).id) })?;
    match (outcome.first_unhandled, outcome.unhandled_in) {
        (Some(index), Some(state)) => Err(Reason::NonCompliant {
            index: index as u32,
            event: actor.history[index].event.clone(),
            state: state_value(machine, &state),
        }),
        _ => Ok(outcome.snapshot),
    }
}

/// Rename a leaf path by the longest prefix that the state map names (the map is sorted
/// longest first).
fn rename(state_map: &[StateMapping], path: Vec<String>) -> Vec<String> {
    for (old, new) in state_map {
        if path.len() >= old.len() && path[..old.len()] == old[..] {
            let mut renamed = new.clone();
            renamed.extend_from_slice(&path[old.len()..]);
            return renamed;
        }
    }
    path
}

/// Leaf paths back into a nested state value, every leaf an empty object.
fn nest(paths: &[Vec<String>]) -> Value {
    let mut root = Map::new();
    for path in paths {
        let mut cursor = &mut root;
        for key in path {
            cursor =
                cursor.entry(key.clone()).or_insert_with(|| Value::Object(Map::new())).as_object_mut().expect("every level is an object");
        }
    }
    Value::Object(root)
}
