//! The routing law in the core: the loan story, and property tests of its guarantees.

use proptest::prelude::*;
use serde_json::{json, Value};
use statekeep_core::routing::decide::{self, Sent};
use statekeep_core::routing::registry::Hasher;
use statekeep_core::routing::scan::{self, Histories};
use statekeep_core::routing::{Actor, Decision, Deploy, HistoryEntry, Kind, LandingMode, MatchMode, Reason, Registry, VersionIx};
use statekeep_core::CoreError;
use statekeep_core::{compile, value::state_value};
use std::collections::HashSet;
use std::sync::Arc;

fn deploy(registry: &mut Registry, id: &str, definition: Value, parent: Option<&str>, path: &[&str]) -> VersionIx {
    deploy_with(registry, id, definition, parent, path, MatchMode::Prefix, LandingMode::Replay, &[])
}

#[allow(clippy::too_many_arguments)]
fn deploy_with(
    registry: &mut Registry,
    id: &str,
    definition: Value,
    parent: Option<&str>,
    path: &[&str],
    match_mode: MatchMode,
    landing: LandingMode,
    state_map: &[(&str, &str)],
) -> VersionIx {
    registry
        .commit(Deploy {
            id: id.into(),
            machine: Arc::new(compile(&definition, true).unwrap()).into(),
            parent: parent.map(str::to_string),
            path: path.iter().map(|s| s.to_string()).collect(),
            match_mode,
            landing,
            state_map: state_map.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        })
        .unwrap()
}

fn send(registry: &Registry, actor: &mut Actor, event: &str) -> Vec<Decision> {
    let mut out = Vec::new();
    match decide::send(registry, actor, event, &[], &mut out).unwrap() {
        Sent::Stepped { step, .. } => assert!(step.handled, "{event} was not handled"),
        Sent::Refused(s) => panic!("refused: {s:?}"),
    }
    out
}

fn value(registry: &Registry, actor: &Actor) -> Value {
    state_value(registry.version(actor.version).machine(), &actor.snapshot)
}

fn loan_v1() -> Value {
    json!({"id": "loan", "initial": "review", "states": {
        "review": {"on": {"SUBMIT_INFO": "fee"}},
        "fee": {"on": {"PAY_FEE": "underwriting", "WAIVE_FEE": "underwriting"}},
        "underwriting": {"on": {"APPROVE": "approved"}},
        "approved": {"type": "final"}}})
}

fn loan_v2() -> Value {
    json!({"id": "loan", "initial": "review", "states": {
        "review": {"on": {"SUBMIT_INFO": "fee"}},
        "fee": {"on": {"PAY_FEE": "income_verification", "WAIVE_FEE": "underwriting"}},
        "income_verification": {"on": {"VERIFIED": "underwriting"}},
        "underwriting": {"on": {"APPROVE": "approved"}},
        "approved": {"type": "final"}}})
}

#[test]
fn the_loan_story() {
    let mut registry = Registry::new();
    let v1 = deploy(&mut registry, "loan-v1", loan_v1(), None, &[]);
    let mut out = Vec::new();
    let (mut alice, _) = decide::spawn(&registry, v1, &mut out).unwrap();
    let (mut bob, _) = decide::spawn(&registry, v1, &mut out).unwrap();
    let (mut carol, _) = decide::spawn(&registry, v1, &mut out).unwrap();
    for e in ["SUBMIT_INFO", "PAY_FEE"] {
        send(&registry, &mut alice, e);
    }
    for e in ["SUBMIT_INFO", "WAIVE_FEE"] {
        send(&registry, &mut bob, e);
    }
    send(&registry, &mut carol, "SUBMIT_INFO");
    assert!(out.is_empty());

    // loan-v2 adds income verification after the fee, for those who paid it.
    let v2 = deploy(&mut registry, "loan-v2", loan_v2(), Some("loan-v1"), &["SUBMIT_INFO", "PAY_FEE"]);

    let mut alice_decisions = Vec::new();
    decide::catch_up(&registry, &mut alice, &mut alice_decisions).unwrap();
    assert_eq!(alice_decisions.len(), 1);
    assert_eq!(alice_decisions[0].kind, Kind::Migrated);
    assert_eq!(alice_decisions[0].landing, Some(json!("income_verification")));
    assert_eq!((alice.version, value(&registry, &alice)), (v2, json!("income_verification")));

    let mut bob_decisions = Vec::new();
    decide::catch_up(&registry, &mut bob, &mut bob_decisions).unwrap();
    assert_eq!(bob_decisions[0].kind, Kind::Stayed);
    assert_eq!(bob_decisions[0].reason, Reason::Differs { index: 1 });
    assert_eq!((bob.version, value(&registry, &bob)), (v1, json!("underwriting")));

    // Carol is pending at the commit, and decided by the event that reaches the path's length.
    let mut carol_decisions = Vec::new();
    decide::catch_up(&registry, &mut carol, &mut carol_decisions).unwrap();
    assert!(carol_decisions.is_empty());
    let decided = send(&registry, &mut carol, "PAY_FEE");
    assert_eq!(decided.len(), 1);
    assert_eq!(decided[0].kind, Kind::Migrated);
    assert_eq!(value(&registry, &carol), json!("income_verification"));
}

#[test]
fn a_history_that_does_not_replay_is_stranded_with_the_event_and_the_state() {
    let mut registry = Registry::new();
    deploy(&mut registry, "loan-v1", loan_v1(), None, &[]);
    let mut out = Vec::new();
    let (mut dave, _) = decide::spawn(&registry, 0, &mut out).unwrap();
    for e in ["SUBMIT_INFO", "WAIVE_FEE", "APPROVE"] {
        send(&registry, &mut dave, e);
    }
    // v2b no longer lets anyone waive the fee.
    let mut strict = loan_v1();
    strict["states"]["fee"]["on"] = json!({"PAY_FEE": "underwriting"});
    deploy(&mut registry, "loan-v2b", strict, Some("loan-v1"), &["SUBMIT_INFO"]);
    decide::catch_up(&registry, &mut dave, &mut out).unwrap();
    assert_eq!(out[0].kind, Kind::Stranded);
    assert_eq!(out[0].reason, Reason::NonCompliant { index: 1, event: "WAIVE_FEE".into(), state: json!("fee") });
    assert_eq!(dave.version, 0);
    let mut refused = Vec::new();
    assert!(matches!(decide::send(&registry, &mut dave, "APPROVE", &[], &mut refused).unwrap(), Sent::Refused(_)));
    let released = decide::release(&registry, &mut dave).unwrap();
    assert_eq!((released.kind, released.deployment), (Kind::Released, 1));
    assert!(decide::release(&registry, &mut dave).is_none());
}

#[test]
fn a_rescue_deployment_moves_only_the_actors_whose_history_reached_the_bug() {
    let mut registry = Registry::new();
    deploy(&mut registry, "v1", loan_v1(), None, &[]);
    let buggy = deploy(&mut registry, "v2", loan_v2(), Some("v1"), &[]);
    let mut out = Vec::new();
    let (mut hit, _) = decide::spawn(&registry, 0, &mut out).unwrap();
    let (mut missed, _) = decide::spawn(&registry, 0, &mut out).unwrap();
    assert_eq!((hit.version, missed.version), (buggy, buggy), "the wildcard path takes new actors at spawn");
    for e in ["SUBMIT_INFO", "PAY_FEE"] {
        send(&registry, &mut hit, e);
    }
    send(&registry, &mut missed, "SUBMIT_INFO");
    let rescue = deploy(&mut registry, "v2-fix", loan_v1(), Some("v2"), &["SUBMIT_INFO", "PAY_FEE"]);
    let mut hit_out = Vec::new();
    decide::catch_up(&registry, &mut hit, &mut hit_out).unwrap();
    assert_eq!((hit_out[0].kind, hit.version), (Kind::Migrated, rescue));
    let mut missed_out = Vec::new();
    decide::catch_up(&registry, &mut missed, &mut missed_out).unwrap();
    assert!(missed_out.is_empty(), "still pending: decided when its history reaches two events");
    let later = send(&registry, &mut missed, "WAIVE_FEE");
    assert_eq!((later[0].kind, missed.version), (Kind::Stayed, buggy));
}

#[test]
fn an_actor_that_missed_commits_is_caught_up_one_commit_at_a_time_in_order() {
    let mut registry = Registry::new();
    deploy(&mut registry, "v1", loan_v1(), None, &[]);
    let mut out = Vec::new();
    let (mut frank, _) = decide::spawn(&registry, 0, &mut out).unwrap();
    send(&registry, &mut frank, "SUBMIT_INFO");
    send(&registry, &mut frank, "PAY_FEE");
    let a = deploy(&mut registry, "a", loan_v1(), Some("v1"), &["SUBMIT_INFO", "WAIVE_FEE"]);
    let b = deploy(&mut registry, "b", loan_v1(), Some("v1"), &["SUBMIT_INFO", "PAY_FEE"]);
    let c = deploy(&mut registry, "c", loan_v1(), Some("v1"), &["SUBMIT_INFO"]);
    let d = deploy(&mut registry, "d", loan_v1(), Some("b"), &[]);
    decide::catch_up(&registry, &mut frank, &mut out).unwrap();
    // Serially: he stays at a's commit and moves at b's; c, though more specific to nobody,
    // comes after he left v1 and is never due for him; d is b's, decided at its own commit.
    // Deciding "everything due now" in one go would have tried c, the shortest, last, and
    // d before b existed for him.
    let kinds: Vec<(Kind, VersionIx)> = out.iter().map(|d| (d.kind, d.deployment)).collect();
    assert_eq!(kinds, vec![(Kind::Stayed, a), (Kind::Migrated, b), (Kind::Migrated, d)]);
    assert_eq!(frank.version, d);
    assert!(!out.iter().any(|decision| decision.deployment == c));
}

#[test]
fn at_one_moment_the_longer_path_wins_then_the_more_recent_and_the_rest_are_superseded() {
    let mut registry = Registry::new();
    deploy(&mut registry, "v1", loan_v1(), None, &[]);
    let old = deploy(&mut registry, "old", loan_v1(), Some("v1"), &["SUBMIT_INFO", "PAY_FEE"]);
    let recent = deploy(&mut registry, "recent", loan_v1(), Some("v1"), &["SUBMIT_INFO", "PAY_FEE"]);
    let other = deploy(&mut registry, "other", loan_v1(), Some("v1"), &["SUBMIT_INFO", "WAIVE_FEE"]);
    let cascade = deploy(&mut registry, "cascade", loan_v2(), Some("recent"), &["SUBMIT_INFO"]);
    let mut out = Vec::new();
    let (mut gina, _) = decide::spawn(&registry, 0, &mut out).unwrap();
    send(&registry, &mut gina, "SUBMIT_INFO");
    let decided = send(&registry, &mut gina, "PAY_FEE");
    let kinds: Vec<(Kind, VersionIx)> = decided.iter().map(|d| (d.kind, d.deployment)).collect();
    // All three have |P| = 2: most recent first. `other` stays, `recent` decides, `old` is
    // superseded by it; arriving on `recent`, its deployment `cascade` is due at once.
    assert_eq!(kinds, vec![(Kind::Stayed, other), (Kind::Migrated, recent), (Kind::Superseded, old), (Kind::Migrated, cascade)]);
    assert_eq!(decided[2].reason, Reason::SupersededBy { by: recent });
    assert_eq!(gina.version, cascade);
    assert_eq!(value(&registry, &gina), json!("income_verification"));
}

#[test]
fn exact_mode_leaves_actors_whose_history_is_longer_at_the_commit() {
    let mut registry = Registry::new();
    deploy(&mut registry, "v1", loan_v1(), None, &[]);
    let mut out = Vec::new();
    let (mut at_path, _) = decide::spawn(&registry, 0, &mut out).unwrap();
    let (mut beyond, _) = decide::spawn(&registry, 0, &mut out).unwrap();
    send(&registry, &mut at_path, "SUBMIT_INFO");
    for e in ["SUBMIT_INFO", "PAY_FEE"] {
        send(&registry, &mut beyond, e);
    }
    let exact = deploy_with(&mut registry, "exact", loan_v1(), Some("v1"), &["SUBMIT_INFO"], MatchMode::Exact, LandingMode::Replay, &[]);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    decide::catch_up(&registry, &mut at_path, &mut a).unwrap();
    decide::catch_up(&registry, &mut beyond, &mut b).unwrap();
    assert_eq!((a[0].kind, at_path.version), (Kind::Migrated, exact));
    assert_eq!((b[0].kind, b[0].reason.clone(), beyond.version), (Kind::Stayed, Reason::LongerThanPath, 0));
}

#[test]
fn state_landing_renames_through_the_state_map_and_validates() {
    let mut registry = Registry::new();
    deploy(&mut registry, "v1", loan_v1(), None, &[]);
    let mut out = Vec::new();
    let (mut hana, _) = decide::spawn(&registry, 0, &mut out).unwrap();
    send(&registry, &mut hana, "SUBMIT_INFO");
    let renamed = json!({"id": "loan", "initial": "intake", "states": {
        "intake": {"on": {"SUBMIT_INFO": "payment"}},
        "payment": {"initial": "due", "states": {"due": {}}},
        "approved": {"type": "final"}}});
    let v = deploy_with(
        &mut registry,
        "renamed",
        renamed.clone(),
        Some("v1"),
        &[],
        MatchMode::Prefix,
        LandingMode::State,
        &[("fee", "payment")],
    );
    decide::catch_up(&registry, &mut hana, &mut out).unwrap();
    assert_eq!((out[0].kind, hana.version), (Kind::Migrated, v));
    assert_eq!(out[0].landing, Some(json!({"payment": "due"})));

    let mut world = Registry::new();
    deploy(&mut world, "v1", loan_v1(), None, &[]);
    let (mut ivan, _) = decide::spawn(&world, 0, &mut out).unwrap();
    send(&world, &mut ivan, "SUBMIT_INFO");
    deploy_with(&mut world, "unmapped", renamed, Some("v1"), &[], MatchMode::Prefix, LandingMode::State, &[]);
    let mut stranded = Vec::new();
    decide::catch_up(&world, &mut ivan, &mut stranded).unwrap();
    assert_eq!(stranded[0].kind, Kind::Stranded);
    assert!(matches!(&stranded[0].reason, Reason::InvalidLanding { message } if message.contains("'fee'")));
}

// ----- property tests ---------------------------------------------------------------------

const EVENTS: [&str; 3] = ["A", "B", "C"];

/// A small machine from a transition table: `table[s][e]` sends event `e` from state `s` to a
/// state, or is absent (unhandled).
fn table_machine(table: &[[Option<u8>; 3]; 3]) -> Value {
    let mut states = serde_json::Map::new();
    for (s, row) in table.iter().enumerate() {
        let mut on = serde_json::Map::new();
        for (e, target) in row.iter().enumerate() {
            if let Some(t) = target {
                on.insert(EVENTS[e].into(), json!(format!("s{t}")));
            }
        }
        states.insert(format!("s{s}"), json!({"on": on}));
    }
    json!({"id": "m", "initial": "s0", "states": states})
}

fn table() -> impl Strategy<Value = [[Option<u8>; 3]; 3]> {
    let cell = prop::option::weighted(0.8, 0u8..3);
    let row = [cell.clone(), cell.clone(), cell];
    [row.clone(), row.clone(), row]
}

#[derive(Debug, Clone)]
enum Op {
    Deploy {
        parent: usize,
        table: [[Option<u8>; 3]; 3],
        path: Vec<usize>,
        exact: bool,
        by_state: bool,
    },
    Spawn {
        version: usize,
    },
    Send {
        actor: usize,
        event: usize,
    },
    Release {
        actor: usize,
    },
    /// Lazy world only: a scan touches some actors (catches them up).
    Touch {
        actors: Vec<usize>,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (any::<usize>(), table(), prop::collection::vec(0usize..3, 0..3), any::<bool>(), prop::bool::weighted(0.2))
            .prop_map(|(parent, table, path, exact, by_state)| Op::Deploy { parent, table, path, exact, by_state }),
        2 => any::<usize>().prop_map(|version| Op::Spawn { version }),
        5 => (any::<usize>(), 0usize..3).prop_map(|(actor, event)| Op::Send { actor, event }),
        1 => any::<usize>().prop_map(|actor| Op::Release { actor }),
        2 => prop::collection::vec(any::<usize>(), 0..4).prop_map(|actors| Op::Touch { actors }),
    ]
}

#[derive(Debug, Default)]
struct World {
    registry: Registry,
    actors: Vec<Actor>,
    records: Vec<Vec<Decision>>,
}

impl World {
    fn new(hasher: Hasher) -> Self {
        let mut registry = Registry::with_hasher(hasher);
        let root = [[Some(1), Some(2), None], [Some(0), None, Some(2)], [None, Some(0), Some(1)]];
        registry
            .commit(Deploy {
                id: "v0".into(),
                machine: Arc::new(compile(&table_machine(&root), true).unwrap()).into(),
                parent: None,
                path: Vec::new(),
                match_mode: MatchMode::Prefix,
                landing: LandingMode::Replay,
                state_map: Vec::new(),
            })
            .unwrap();
        World { registry, ..Default::default() }
    }

    /// Apply an operation. `serial` decides every actor at each commit; otherwise actors are
    /// caught up only when touched.
    fn apply(&mut self, op: &Op, serial: bool) -> Result<(), CoreError> {
        match op {
            Op::Deploy { parent, table, path, exact, by_state } => {
                let n = self.registry.len();
                let parent = self.registry.version((*parent % n) as VersionIx).id.clone();
                self.registry
                    .commit(Deploy {
                        id: format!("v{n}"),
                        machine: Arc::new(compile(&table_machine(table), true).unwrap()).into(),
                        parent: Some(parent),
                        path: path.iter().map(|&e| EVENTS[e].to_string()).collect(),
                        match_mode: if *exact { MatchMode::Exact } else { MatchMode::Prefix },
                        landing: if *by_state { LandingMode::State } else { LandingMode::Replay },
                        state_map: Vec::new(),
                    })
                    .unwrap();
                if serial {
                    for (actor, records) in self.actors.iter_mut().zip(self.records.iter_mut()) {
                        decide::catch_up(&self.registry, actor, records)?;
                    }
                }
            }
            Op::Spawn { version } => {
                let mut records = Vec::new();
                let v = (*version % self.registry.len()) as VersionIx;
                let (actor, _) = decide::spawn(&self.registry, v, &mut records)?;
                self.actors.push(actor);
                self.records.push(records);
            }
            Op::Send { actor, event } if !self.actors.is_empty() => {
                let i = actor % self.actors.len();
                decide::send(&self.registry, &mut self.actors[i], EVENTS[*event], &[], &mut self.records[i])?;
            }
            Op::Release { actor } if !self.actors.is_empty() => {
                let i = actor % self.actors.len();
                decide::catch_up(&self.registry, &mut self.actors[i], &mut self.records[i])?;
                if let Some(d) = decide::release(&self.registry, &mut self.actors[i]) {
                    self.records[i].push(d);
                }
            }
            Op::Touch { actors } if !serial && !self.actors.is_empty() => {
                for a in actors {
                    let i = a % self.actors.len();
                    decide::catch_up(&self.registry, &mut self.actors[i], &mut self.records[i])?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn finish(&mut self) {
        for (actor, records) in self.actors.iter_mut().zip(self.records.iter_mut()) {
            decide::catch_up(&self.registry, actor, records).unwrap();
        }
    }
}

/// What a decision says apart from its fingerprints.
fn essence(d: &Decision) -> (Kind, VersionIx, VersionIx, VersionIx, Reason, Option<Value>) {
    (d.kind, d.deployment, d.from, d.to, d.reason.clone(), d.landing.clone())
}

fn run(ops: &[Op], serial: bool, hasher: Hasher) -> World {
    let mut world = World::new(hasher);
    for op in ops {
        world.apply(op, serial).unwrap();
    }
    world.finish();
    world
}

/// The lazy world through a store: before every operation each actor is reloaded from its
/// bytes, whose record keeps only its first `inline` events (the store keeps the whole
/// history, here `histories`); when the law asks for more, the operation is undone and done
/// again with the histories supplied.
fn run_stored(ops: &[Op], inline: usize) -> (World, usize) {
    let mut world = World::new(Hasher::default());
    world.registry.inline_history = inline;
    let mut histories: Vec<Vec<HistoryEntry>> = Vec::new();
    let mut asked = 0;
    let supply = |world: &mut World, histories: &[Vec<HistoryEntry>]| {
        for (actor, history) in world.actors.iter_mut().zip(histories) {
            if !actor.is_whole() {
                actor.supply(history.clone(), world.registry.hasher.basis, world.registry.hasher.extend).unwrap();
            }
        }
    };
    for op in ops {
        for actor in world.actors.iter_mut() {
            *actor = Actor::from_bytes(&world.registry, &actor.to_bytes(&world.registry)).unwrap();
        }
        let before = (world.actors.clone(), world.records.clone());
        if let Err(e) = world.apply(op, false) {
            assert!(matches!(e, CoreError::NeedHistory { .. }), "{e}");
            asked += 1;
            (world.actors, world.records) = before;
            supply(&mut world, &histories);
            world.apply(op, false).unwrap();
        }
        histories.resize(world.actors.len(), Vec::new());
        if let (Op::Send { actor, event }, false) = (op, world.actors.is_empty()) {
            let i = actor % world.actors.len();
            if world.actors[i].len > histories[i].len() {
                histories[i].push(HistoryEntry { event: EVENTS[*event].to_string(), guards: Vec::new() });
            }
        }
    }
    supply(&mut world, &histories);
    world.finish();
    (world, asked)
}

/// Collides all the time: two buckets.
fn weak_extend(fp: u64, event: &str) -> u64 {
    (fp + event.len() as u64) % 2
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, .. ProptestConfig::default() })]

    /// Guarantees 1 and 3: deciding lazily on first touch, commit by commit, with scans
    /// touching arbitrary actors at arbitrary times, equals deciding every actor at each commit.
    #[test]
    fn lazy_catch_up_equals_the_serial_world(ops in prop::collection::vec(op(), 0..40)) {
        let serial = run(&ops, true, Hasher::default());
        let lazy = run(&ops, false, Hasher::default());
        prop_assert_eq!(&serial.actors, &lazy.actors);
        prop_assert_eq!(&serial.records, &lazy.records);
    }

    /// The same through a store whose actor records keep only the first event or two of a
    /// history: the law asks for the rest when it needs it, and decides exactly as when it
    /// holds every event.
    #[test]
    fn records_that_keep_a_prefix_decide_as_whole_histories(ops in prop::collection::vec(op(), 0..40), inline in 0usize..3) {
        let serial = run(&ops, true, Hasher::default());
        let (stored, _) = run_stored(&ops, inline);
        prop_assert_eq!(&serial.actors, &stored.actors);
        prop_assert_eq!(&serial.records, &stored.records);
    }

    /// Guarantee 4: with a hash that collides constantly, every decision is the same as with
    /// the real fingerprint (apart from the fingerprints themselves).
    #[test]
    fn a_colliding_hash_changes_no_decision(ops in prop::collection::vec(op(), 0..40)) {
        let real = run(&ops, false, Hasher::default());
        let weak = run(&ops, false, Hasher { basis: 0, extend: weak_extend });
        let essence_of = |w: &World| w.records.iter().map(|r| r.iter().map(essence).collect::<Vec<_>>()).collect::<Vec<_>>();
        prop_assert_eq!(essence_of(&real), essence_of(&weak));
        prop_assert_eq!(real.actors.iter().map(|a| a.version).collect::<Vec<_>>(), weak.actors.iter().map(|a| a.version).collect::<Vec<_>>());
    }

    /// Guarantees 2 and 5: at most one record per (actor, deployment); versions move only from
    /// a parent to its child; a migration needs the path's events, compared as events.
    #[test]
    fn exactly_once_and_forward_only(ops in prop::collection::vec(op(), 0..40)) {
        let world = run(&ops, false, Hasher { basis: 0, extend: weak_extend });
        for (actor, records) in world.actors.iter().zip(&world.records) {
            // The actor counts its records: a store keys them by this ordinal.
            prop_assert_eq!(actor.decided as usize, records.len());
            let mut seen = HashSet::new();
            let mut version = None;
            for d in records.iter().filter(|d| d.kind != Kind::Released) {
                prop_assert!(seen.insert(d.deployment), "two records for one deployment: {:?}", records);
                let rule = world.registry.version(d.to).rule.as_ref().unwrap();
                prop_assert_eq!(rule.parent, d.from);
                if d.kind == Kind::Migrated {
                    // Each move starts where the previous one ended.
                    if let Some(v) = version { prop_assert_eq!(d.from, v); }
                    let history: Vec<&str> = actor.history.iter().map(|h| h.event.as_str()).collect();
                    prop_assert!(history.len() >= rule.path.len());
                    let path: Vec<&str> = rule.path.iter().map(String::as_str).collect();
                    prop_assert_eq!(&history[..path.len()], path.as_slice());
                    version = Some(d.to);
                }
            }
            prop_assert_eq!(actor.version, version.unwrap_or(actor.version));
        }
    }

    /// The scan kernel decides like the per-actor function, for every way of splitting the
    /// actors into batches.
    #[test]
    fn the_scan_kernel_agrees_with_the_per_actor_match(
        histories in prop::collection::vec(prop::collection::vec(0u32..3, 0..6), 0..60),
        path in prop::collection::vec(0u32..3, 0..4),
        exact in any::<bool>(),
        split in 1usize..20,
    ) {
        let names = |ids: &[u32]| ids.iter().map(|&i| EVENTS[i as usize].to_string()).collect::<Vec<_>>();
        let mut registry = Registry::new();
        let machine = Arc::new(compile(&json!({"initial": "a", "states": {"a": {}}}), true).unwrap());
        registry.commit(Deploy { id: "p".into(), machine: machine.clone().into(), parent: None, path: vec![], match_mode: MatchMode::Prefix, landing: LandingMode::Replay, state_map: vec![] }).unwrap();
        let mode = if exact { MatchMode::Exact } else { MatchMode::Prefix };
        let d = registry.commit(Deploy { id: "d".into(), machine: machine.into(), parent: Some("p".into()), path: names(&path), match_mode: mode, landing: LandingMode::Replay, state_map: vec![] }).unwrap();
        let path_fp = registry.version(d).rule.as_ref().unwrap().path_fp;

        let mut offsets = vec![0u32];
        let mut events = Vec::new();
        let mut fps = Vec::new();
        for h in &histories {
            events.extend_from_slice(h);
            offsets.push(events.len() as u32);
            let chain = statekeep_core::fingerprint::chain(names(h));
            fps.push(chain.get(path.len()).copied().unwrap_or(0));
        }
        let (mut codes, mut indices) = (Vec::new(), Vec::new());
        for chunk_start in (0..histories.len()).step_by(split) {
            let end = (chunk_start + split).min(histories.len());
            let batch = Histories { offsets: &offsets[chunk_start..=end], events: &events, prefix_fps: &fps[chunk_start..end] };
            prop_assert!(batch.check().is_ok());
            let (mut c, mut i) = (Vec::new(), Vec::new());
            scan::match_many(&path, path_fp, mode, &batch, &mut c, &mut i);
            codes.extend(c);
            indices.extend(i);
        }
        for (k, h) in histories.iter().enumerate() {
            if h.len() < path.len() {
                prop_assert_eq!(codes[k], scan::PENDING);
                continue;
            }
            let entries = names(h).into_iter().map(|event| statekeep_core::routing::HistoryEntry { event, guards: vec![] }).collect();
            let snapshot = statekeep_core::initial(registry.version(0).machine(), &[]).unwrap().snapshot;
            let mut actor = Actor::with_history(0, snapshot, entries, registry.hasher.basis, registry.hasher.extend);
            actor.watermark = 2;
            let expected = match decide::matches(&registry, d, &actor).unwrap() {
                decide::Match::Yes => (scan::MATCHED, 0),
                decide::Match::Differs(i) => (scan::DIFFERS, i),
                decide::Match::LongerThanPath => (scan::LONGER_THAN_PATH, 0),
            };
            prop_assert_eq!((codes[k], indices[k]), expected);
        }
    }
}

#[test]
fn a_cascade_through_a_deep_chain_of_deployments_ends() {
    let mut registry = Registry::new();
    deploy(&mut registry, "v0", loan_v1(), None, &[]);
    for i in 1..=200 {
        deploy(&mut registry, &format!("v{i}"), loan_v1(), Some(&format!("v{}", i - 1)), &[]);
    }
    let mut out = Vec::new();
    let (actor, _) = decide::spawn(&registry, 0, &mut out).unwrap();
    // Every arrival is a moment of its own: 200 wildcard deployments, 200 migrations, each
    // from a parent to its child.
    assert_eq!(actor.version, 200);
    assert_eq!(out.len(), 200);
    assert!(out.iter().enumerate().all(|(i, d)| d.kind == Kind::Migrated && d.from == i as u32 && d.to == i as u32 + 1));
}

/// The store-backed run above does ask for histories (it is not passing by never needing one).
#[test]
fn a_record_with_a_prefix_makes_the_law_ask_for_the_history() {
    let mut registry = Registry::new();
    registry.inline_history = 1;
    let v1 = deploy(&mut registry, "loan-v1", loan_v1(), None, &[]);
    let mut out = Vec::new();
    let (mut alice, _) = decide::spawn(&registry, v1, &mut out).unwrap();
    send(&registry, &mut alice, "SUBMIT_INFO");
    send(&registry, &mut alice, "PAY_FEE");
    let whole = alice.history.clone();
    let mut loaded = Actor::from_bytes(&registry, &alice.to_bytes(&registry)).unwrap();
    assert!(!loaded.is_whole() && loaded.len == 2 && loaded.history.len() == 1);
    deploy(&mut registry, "loan-v2", loan_v2(), Some("loan-v1"), &["SUBMIT_INFO", "PAY_FEE"]);
    let mut probe = loaded.clone();
    assert_eq!(decide::catch_up(&registry, &mut probe, &mut Vec::new()), Err(CoreError::NeedHistory { upto: 2 }));
    assert!(loaded.supply(vec![whole[0].clone()], registry.hasher.basis, registry.hasher.extend).is_err(), "too short");
    let mut wrong = whole.clone();
    wrong[1].event = "WAIVE_FEE".into();
    assert!(loaded.supply(wrong, registry.hasher.basis, registry.hasher.extend).is_err(), "another history");
    loaded.supply(whole, registry.hasher.basis, registry.hasher.extend).unwrap();
    let mut decided = Vec::new();
    decide::catch_up(&registry, &mut loaded, &mut decided).unwrap();
    assert_eq!((decided[0].kind, value(&registry, &loaded)), (Kind::Migrated, json!("income_verification")));
}

/// A terminated actor's record keeps the mark (one byte at its end, so every other record is
/// as it was), and deployments go on deciding it by its history.
#[test]
fn termination_survives_the_record_and_a_migration() {
    let mut registry = Registry::new();
    let v1 = deploy(&mut registry, "loan-v1", loan_v1(), None, &[]);
    let (mut alice, _) = decide::spawn(&registry, v1, &mut Vec::new()).unwrap();
    send(&registry, &mut alice, "SUBMIT_INFO");
    send(&registry, &mut alice, "PAY_FEE");
    let live = alice.to_bytes(&registry);
    alice.terminated = true;
    let stopped = alice.to_bytes(&registry);
    assert_eq!((stopped.len(), &stopped[..live.len()]), (live.len() + 1, &live[..]));
    assert!(!Actor::from_bytes(&registry, &live).unwrap().terminated);
    let mut loaded = Actor::from_bytes(&registry, &stopped).unwrap();
    assert_eq!(loaded, alice);
    let mut bad = stopped.clone();
    *bad.last_mut().unwrap() = 7;
    assert!(Actor::from_bytes(&registry, &bad).unwrap_err().contains("termination flag 7"));
    deploy(&mut registry, "loan-v2", loan_v2(), Some("loan-v1"), &["SUBMIT_INFO", "PAY_FEE"]);
    let mut decided = Vec::new();
    decide::catch_up(&registry, &mut loaded, &mut decided).unwrap();
    assert_eq!(decided[0].kind, Kind::Migrated);
    assert!(loaded.terminated && Actor::from_bytes(&registry, &loaded.to_bytes(&registry)).unwrap().terminated);
}
