//! The decoders never panic: arbitrary bytes into `Snapshot::from_bytes` and
//! `routing::Actor::from_bytes`, arbitrary JSON into `value::snapshot_from_value`, and the bytes
//! of real actors with some bytes changed. What decodes must be legal, encode back (a snapshot
//! to the very same bytes), and take the routing law's operations without panicking.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use statekeep_core::routing::decide::{self, Sent};
use statekeep_core::routing::{Actor, Deploy, LandingMode, MatchMode, Registry};
use statekeep_core::value::{snapshot_from_value, state_value};
use statekeep_core::{compile, Snapshot};
use statekeep_core_fuzz::check;
use std::sync::{Arc, OnceLock};

const EVENTS: [&str; 6] = ["GO", "BACK", "NEXT", "E.x", "HIST", "xstate.error.actor.0.m.a"];

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let v1 = json!({"id": "m", "initial": "a", "states": {
            "a": {"on": {"GO": "b", "E.*": "c"}, "invoke": {"src": "svc"}},
            "b": {"type": "parallel", "on": {"BACK": "a", "HIST": "#m.c.h"}, "states": {
                "x": {"initial": "x1", "states": {"x1": {"on": {"GO": "x2"}}, "x2": {}, "hx": {"type": "history", "history": "deep"}}},
                "y": {"initial": "y1", "states": {"y1": {"on": {"NEXT": "y2"}}, "y2": {"type": "final"}}}}},
            "c": {"initial": "c1", "states": {"c1": {"on": {"GO": "c2"}}, "c2": {"on": {"BACK": "#m.a"}}, "h": {"type": "history"}}}}});
        let v2 = json!({"id": "m", "initial": "a", "states": {
            "a": {"on": {"GO": {"target": "b", "guard": "ok"}}},
            "b": {"on": {"NEXT": "done", "BACK": "a"}, "after": {"100": "a"}},
            "done": {"type": "final"}}});
        let v3 = json!({"id": "m", "initial": "a", "states": {
            "a": {"on": {"GO": "p"}},
            "p": {"type": "parallel", "states": {"x": {"initial": "x1", "states": {"x1": {}, "x2": {}}}, "y": {}}}}});
        let mut registry = Registry::new();
        let mut commit = |id: &str, def: &serde_json::Value, parent: Option<&str>, path: &[&str], mode, landing, map: &[(&str, &str)]| {
            registry
                .commit(Deploy {
                    id: id.into(),
                    machine: Arc::new(compile(def, true).expect("fixture compiles")).into(),
                    parent: parent.map(str::to_string),
                    path: path.iter().map(|s| s.to_string()).collect(),
                    match_mode: mode,
                    landing,
                    state_map: map.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
                })
                .expect("fixture commits");
        };
        commit("v1", &v1, None, &[], MatchMode::Prefix, LandingMode::Replay, &[]);
        commit("v2", &v2, Some("v1"), &["GO"], MatchMode::Prefix, LandingMode::Replay, &[]);
        commit("v3", &v3, Some("v1"), &["E.x"], MatchMode::Exact, LandingMode::State, &[("c", "p.x"), ("c.c2", "p.x.x2")]);
        commit("v4", &v2, Some("v2"), &["GO", "NEXT"], MatchMode::Exact, LandingMode::Replay, &[]);
        commit("v5", &v3, Some("v3"), &[], MatchMode::Prefix, LandingMode::State, &[("a", "a")]);
        registry
    })
}

/// What decodes from `data`: legal snapshots that re-encode to `data`; actors that survive a
/// round trip and the routing law's operations.
fn decode(registry: &Registry, data: &[u8]) {
    for v in 0..registry.len() as u32 {
        let machine = &registry.version(v).machine();
        if let Ok(s) = Snapshot::from_bytes(machine, data) {
            check::assert_legal(machine, &s);
            assert_eq!(s.to_bytes(machine), data, "a decoded snapshot encodes to other bytes");
        }
    }
    let Ok(actor) = Actor::from_bytes(registry, data) else { return };
    use_actor(registry, actor);
}

fn use_actor(registry: &Registry, actor: Actor) {
    let machine = &registry.version(actor.version).machine();
    check::assert_legal(machine, &actor.snapshot);
    // A record may keep only the start of a long history: what it decodes to encodes to the
    // same bytes and decodes to itself, with the actor's state and the start of its history.
    let bytes = actor.to_bytes(registry);
    let back = Actor::from_bytes(registry, &bytes).unwrap_or_else(|e| panic!("its own record refused: {e}"));
    assert_eq!(back.to_bytes(registry), bytes, "actor bytes round trip");
    assert_eq!(Actor::from_bytes(registry, &bytes).as_ref(), Ok(&back), "actor decoding is deterministic");
    assert!(actor.history.starts_with(&back.history), "the record's history is not the start of the actor's");
    assert_eq!(
        (&back.snapshot, &back.needs_rescue, back.version, back.watermark, back.decided),
        (&actor.snapshot, &actor.needs_rescue, actor.version, actor.watermark, actor.decided)
    );
    let _ = state_value(machine, &actor.snapshot);
    let mut out = Vec::new();
    let mut released = actor.clone();
    let _ = decide::release(registry, &mut released);
    let mut caught_up = actor.clone();
    #[allow(clippy::let_unit_value)] // it may return a `Result` one day: ignore either
    let _ = decide::catch_up(registry, &mut caught_up, &mut out);
    for event in EVENTS {
        let mut sent = actor.clone();
        if let Ok(Sent::Stepped { .. }) = decide::send(registry, &mut sent, event, &[("ok".into(), true)], &mut out) {
            check::assert_legal(&registry.version(sent.version).machine(), &sent.snapshot);
            let _ = sent.to_bytes(registry);
        }
    }
    for d in &out {
        let _ = d.to_json(registry);
    }
}

/// A real actor: spawned on a version and sent events, both picked by `script`.
fn real_actor(registry: &Registry, script: &[u8]) -> Actor {
    let version = script.first().map_or(0, |&b| b as u32 % registry.len() as u32);
    let mut out = Vec::new();
    let (mut actor, _) = decide::spawn(registry, version, &mut out).expect("fixtures start");
    for &b in script.iter().skip(1) {
        let guards = [("ok".to_string(), b & 0x80 != 0)];
        if b & 0x40 != 0 && actor.needs_rescue.is_some() {
            let _ = decide::release(registry, &mut actor);
        }
        let _ = decide::send(registry, &mut actor, EVENTS[b as usize % EVENTS.len()], &guards, &mut out);
    }
    use_actor(registry, actor.clone());
    actor
}

fuzz_target!(init: statekeep_core_fuzz::overflow::init(), |data: &[u8]| {
    let registry = registry();
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 4 {
        // Raw bytes.
        0 => decode(registry, rest),
        // JSON text as a state value.
        1 => {
            let Ok(value) = serde_json::from_slice::<serde_json::Value>(rest) else { return };
            for v in 0..registry.len() as u32 {
                let machine = &registry.version(v).machine();
                if let Ok(s) = snapshot_from_value(machine, &value) {
                    check::assert_snapshot(machine, &s);
                }
            }
        }
        // A real actor's bytes with some bytes changed: `rest` is a script length, the script,
        // then (position, xor) pairs.
        2 | 3 => {
            let Some((&len, rest)) = rest.split_first() else { return };
            let (script, edits) = rest.split_at((len as usize).min(rest.len()));
            let actor = real_actor(registry, script);
            let mut bytes = actor.to_bytes(registry);
            if mode % 4 == 3 {
                // Cut the record somewhere and append the edits' bytes as they are.
                let cut = edits.first().map_or(0, |&c| c as usize % (bytes.len() + 1));
                bytes.truncate(cut);
                bytes.extend_from_slice(edits.get(1..).unwrap_or_default());
            } else {
                let len = bytes.len().max(1);
                for pair in edits.chunks_exact(3) {
                    let at = u16::from_le_bytes([pair[0], pair[1]]) as usize;
                    if let Some(b) = bytes.get_mut(at % len) {
                        *b ^= pair[2];
                    }
                }
            }
            decode(registry, &bytes);
        }
        _ => unreachable!(),
    }
});
