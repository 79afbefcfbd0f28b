//! No input, however malformed, may panic the core. Arbitrary JSON is biased towards the shape
//! of a machine config (the keys and target syntax the compiler reads), so most cases get deep
//! into compilation, and those that compile are stepped with arbitrary events and guards.

use proptest::prelude::*;
use serde_json::{Map, Value};
use statekeep_core::{compile, compile_str, initial, transition, Snapshot};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// The system allocator, noting the largest single request of each thread, so that a test can
/// tell that a decoder did not reserve what a length field in its input claims.
struct Tracking;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|l| l.set(l.get().max(size)));
}

unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

/// The largest allocation `f` asked for on this thread.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|l| l.set(0));
    let out = f();
    (out, LARGEST.with(Cell::get))
}

const KEYS: &[&str] = &[
    "id", "type", "initial", "states", "on", "always", "onDone", "entry", "exit", "after", "invoke", "history", "target", "guard",
    "actions", "reenter", "output", "src", "params", "a", "b", "c", "GO", "*", "E.*",
];
const STRINGS: &[&str] = &[
    "a", "b", "c", ".a", ".b", "#m", "#m.a", "#m.a.b", "#x", "a.b", "b.c", "parallel", "final", "history", "deep", "shallow", "compound",
    "GO", "*", "E.*", "", "g", "1000", "\\.", "#", ".",
];

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..2000).prop_map(Value::from),
        prop::sample::select(STRINGS).prop_map(|s| Value::String(s.to_string())),
        "[a-z.#*]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(6, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|pairs| {
                let mut map = Map::new();
                for (k, v) in pairs {
                    map.insert(k.to_string(), v);
                }
                Value::Object(map)
            }),
        ]
    })
}

fn machine_like() -> impl Strategy<Value = Value> {
    (json(), prop::sample::select(&["a", "b", "x"][..])).prop_map(|(states, initial)| {
        let mut root = Map::new();
        root.insert("id".into(), Value::from("m"));
        root.insert("initial".into(), Value::from(initial));
        root.insert("states".into(), states);
        Value::Object(root)
    })
}

/// A state tree: the shape of a valid machine, before transitions are added.
#[derive(Debug, Clone)]
enum Shape {
    Atomic,
    Final,
    History { deep: bool },
    Compound(Vec<Shape>),
    Parallel(Vec<Shape>),
}

fn shape() -> impl Strategy<Value = Shape> {
    let leaf = prop_oneof![4 => Just(Shape::Atomic), 1 => Just(Shape::Final), 1 => any::<bool>().prop_map(|deep| Shape::History { deep })];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 1..4).prop_map(Shape::Compound),
            prop::collection::vec(inner, 1..4).prop_map(Shape::Parallel),
        ]
    })
}

/// One transition to add: where it goes in the config and what it says.
#[derive(Debug, Clone)]
struct Spec {
    place: u8,
    source: usize,
    targets: Vec<usize>,
    event: usize,
    guard: Option<u8>,
    reenter: bool,
}

fn spec() -> impl Strategy<Value = Spec> {
    (0u8..6, any::<usize>(), prop::collection::vec(any::<usize>(), 0..3), 0usize..EVENTS.len(), prop::option::of(0u8..3), any::<bool>())
        .prop_map(|(place, source, targets, event, guard, reenter)| Spec { place, source, targets, event, guard, reenter })
}

const EVENTS: &[&str] = &["GO", "BACK", "E.x", "E.x.y", "NOOP"];
const DESCRIPTORS: &[&str] = &["GO", "BACK", "E.x", "E.*", "*"];

struct Built {
    paths: Vec<(Vec<String>, bool)>,
    parallel: Vec<Vec<String>>,
}

impl Built {
    /// Two targets can be active together when they lie in different regions of a parallel state.
    fn compatible(&self, a: &(Vec<String>, bool), b: &(Vec<String>, bool)) -> bool {
        // A history state restores its parent's children: it stands for its parent.
        let place = |(path, history): &(Vec<String>, bool)| if *history { path[..path.len() - 1].to_vec() } else { path.clone() };
        let (a, b) = (place(a), place(b));
        let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
        common < a.len() && common < b.len() && self.parallel.iter().any(|p| p.as_slice() == &a[..common])
    }
}

fn build_state(shape: &Shape, path: Vec<String>, out: &mut Built) -> Value {
    let mut state = Map::new();
    let children = match shape {
        Shape::Atomic => None,
        Shape::Final => {
            state.insert("type".into(), Value::from("final"));
            None
        }
        Shape::History { deep } => {
            state.insert("type".into(), Value::from("history"));
            state.insert("history".into(), Value::from(if *deep { "deep" } else { "shallow" }));
            None
        }
        Shape::Compound(children) | Shape::Parallel(children) => Some(children),
    };
    let history = matches!(shape, Shape::History { .. });
    out.paths.push((path.clone(), history));
    if !history {
        state.insert("entry".into(), Value::from(format!("in:{}", path.join("/"))));
        state.insert("exit".into(), Value::from(format!("out:{}", path.join("/"))));
    }
    if let Some(children) = children {
        let mut children = children.clone();
        // A history state can only sit beside real states; a compound needs a real initial one.
        if children.iter().all(|c| matches!(c, Shape::History { .. })) {
            children.insert(0, Shape::Atomic);
        }
        let mut states = Map::new();
        let mut initial = None;
        for (i, child) in children.iter().enumerate() {
            let key = format!("s{i}");
            if initial.is_none() && !matches!(child, Shape::History { .. }) {
                initial = Some(key.clone());
            }
            let mut child_path = path.clone();
            child_path.push(key.clone());
            states.insert(key, build_state(child, child_path, out));
        }
        if matches!(shape, Shape::Parallel(_)) {
            out.parallel.push(path.clone());
            state.insert("type".into(), Value::from("parallel"));
        } else {
            state.insert("initial".into(), Value::from(initial.unwrap()));
        }
        state.insert("states".into(), Value::Object(states));
    }
    Value::Object(state)
}

fn state_at<'v>(root: &'v mut Value, path: &[String]) -> &'v mut Map<String, Value> {
    let mut cursor = root;
    for key in path {
        cursor = &mut cursor["states"][key];
    }
    cursor.as_object_mut().unwrap()
}

/// A valid machine from a shape and transition specs: every target exists, every compound has
/// an initial state, onDone sits only on compound and parallel states.
fn valid_machine(shape: Shape, specs: Vec<Spec>) -> Value {
    let root_shape = match shape {
        Shape::Compound(_) | Shape::Parallel(_) => shape,
        other => Shape::Compound(vec![other, Shape::Atomic]),
    };
    let mut built = Built { paths: Vec::new(), parallel: Vec::new() };
    let mut root = build_state(&root_shape, Vec::new(), &mut built);
    root.as_object_mut().unwrap().insert("id".into(), Value::from("m"));
    let real: Vec<&Vec<String>> = built.paths.iter().filter(|(_, history)| !history).map(|(p, _)| p).collect();
    for (n, spec) in specs.iter().enumerate() {
        let source = real[spec.source % real.len()].clone();
        let mut chosen: Vec<&(Vec<String>, bool)> = Vec::new();
        for &t in &spec.targets {
            let target = &built.paths[t % built.paths.len()];
            if chosen.iter().all(|c| built.compatible(c, target)) {
                chosen.push(target);
            }
        }
        let targets: Vec<Value> = chosen
            .iter()
            .map(|(path, _)| Value::from(if path.is_empty() { "#m".to_string() } else { format!("#m.{}", path.join(".")) }))
            .collect();
        let mut transition = Map::new();
        if !targets.is_empty() {
            transition.insert("target".into(), Value::Array(targets));
        }
        if let Some(g) = spec.guard {
            transition.insert("guard".into(), Value::from(format!("g{g}")));
        }
        transition.insert("actions".into(), Value::from(format!("t{n}")));
        transition.insert("reenter".into(), Value::from(spec.reenter));
        let transition = Value::Object(transition);
        let state = state_at(&mut root, &source);
        let is_composite = state.contains_key("states");
        let (slot, key) = match spec.place {
            0..=2 => ("on", DESCRIPTORS[spec.event % DESCRIPTORS.len()].to_string()),
            3 => ("always", String::new()),
            4 if is_composite => ("onDone", String::new()),
            _ => ("after", "100".to_string()),
        };
        let list = if key.is_empty() {
            state.entry(slot).or_insert_with(|| Value::Array(Vec::new()))
        } else {
            state
                .entry(slot)
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .unwrap()
                .entry(key)
                .or_insert_with(|| Value::Array(Vec::new()))
        };
        list.as_array_mut().unwrap().push(transition);
    }
    root
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_never_panics(definition in prop_oneof![json(), machine_like()],
                                   events in prop::collection::vec(prop::sample::select(&["GO", "a", "E.x", "xstate.done.state.m", "xstate.error.actor.x", "*"][..]), 0..8),
                                   outcomes in prop::collection::vec(prop::option::of(any::<bool>()), 0..4)) {
        let Ok(machine) = compile(&definition, true) else { return Ok(()) };
        let Ok(mut step) = initial(&machine, &outcomes) else { return Ok(()) };
        prop_assert!(step.snapshot.validate(&machine).is_ok());
        for event in events {
            match transition(&machine, &step.snapshot, event, &outcomes) {
                Ok(next) => step = next,
                Err(_) => break,
            }
            prop_assert!(step.snapshot.validate(&machine).is_ok());
            let bytes = step.snapshot.to_bytes(&machine);
            prop_assert_eq!(Snapshot::from_bytes(&machine, &bytes).unwrap(), step.snapshot.clone());
        }
    }

    #[test]
    fn valid_machines_compile_and_keep_valid_configurations(shape in shape(), specs in prop::collection::vec(spec(), 0..12),
                                                           events in prop::collection::vec(0usize..EVENTS.len(), 0..10),
                                                           outcomes in prop::collection::vec(prop::option::of(any::<bool>()), 3)) {
        let definition = valid_machine(shape, specs);
        let machine = compile(&definition, true).map_err(|e| TestCaseError::fail(format!("{e}\n{definition}")))?;
        let eventless = machine.nodes.iter().any(|n| !n.always.is_empty());
        let Ok(mut step) = initial(&machine, &outcomes) else { return Ok(()) };
        for &e in &events {
            prop_assert!(step.snapshot.validate(&machine).is_ok(), "invalid configuration {:?}", step.snapshot);
            let Ok(next) = transition(&machine, &step.snapshot, EVENTS[e], &outcomes) else { return Ok(()) };
            // Determinism: the same step twice gives the same result.
            prop_assert_eq!(&transition(&machine, &step.snapshot, EVENTS[e], &outcomes).unwrap(), &next);
            // Without eventless transitions, an unhandled event changes nothing and runs nothing.
            if !next.handled && !eventless {
                prop_assert_eq!(&next.snapshot, &step.snapshot);
                prop_assert!(next.actions.is_empty());
            }
            let bytes = next.snapshot.to_bytes(&machine);
            prop_assert_eq!(&Snapshot::from_bytes(&machine, &bytes).unwrap(), &next.snapshot);
            step = next;
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,200}") {
        let _ = compile_str(&text, true);
    }

    #[test]
    fn arbitrary_snapshot_bytes_never_panic(noise in prop::collection::vec(any::<u8>(), 0..64), cut in 0usize..64) {
        let machine = compile_str(r##"{"id":"m","initial":"a","states":{"a":{"on":{"GO":"b"}},"b":{"type":"parallel","states":{"x":{},"y":{"initial":"h","states":{"h":{},"hist":{"type":"history"}}}}}}}"##, true).unwrap();
        let _ = Snapshot::from_bytes(&machine, &noise);
        let good = initial(&machine, &[]).unwrap().snapshot.to_bytes(&machine);
        let mut bad = good.clone();
        bad.truncate(cut.min(good.len()));
        bad.extend_from_slice(&noise);
        if let Ok(s) = Snapshot::from_bytes(&machine, &bad) {
            prop_assert!(s.validate(&machine).is_ok());
        }
    }
}

#[test]
fn an_eventless_loop_stops_at_the_bound_with_an_error() {
    let machine = compile_str(r#"{"id":"m","initial":"a","states":{"a":{"always":"b"},"b":{"always":"a"}}}"#, true).unwrap();
    let err = initial(&machine, &[]).unwrap_err();
    assert!(err.to_string().contains("did not settle"), "{err}");
}

#[test]
fn deeply_nested_definitions_are_rejected_or_compiled_without_overflow() {
    let mut state = serde_json::json!({});
    for _ in 0..200 {
        state = serde_json::json!({"initial": "s", "states": {"s": state}});
    }
    let machine = compile(&state, true).expect("200 levels compile");
    let step = initial(&machine, &[]).unwrap();
    assert_eq!(step.snapshot.config.len(), 201);
}

/// A chain of `depth` states below the root, each starting in the next; the deepest has two
/// children, `s` (initial) and `t`, with `GO` from one to the other; `RESET` at the root goes
/// back to the top of the chain.
fn chain(depth: usize) -> String {
    let mut state = serde_json::json!({"initial": "s", "states": {"s": {"on": {"GO": "t"}}, "t": {}}});
    for _ in 1..depth - 1 {
        state = serde_json::json!({"initial": "s", "states": {"s": state}});
    }
    serde_json::json!({"id": "m", "initial": "s", "on": {"RESET": ".s"}, "states": {"s": state}}).to_string()
}

#[test]
fn definitions_at_the_depth_limits_compile_and_step_on_a_2_mib_stack() {
    use statekeep_core::compile::{MAX_JSON_DEPTH, MAX_STATE_DEPTH};
    use statekeep_core::value::{snapshot_from_value, state_value};
    // Parsing, the digest and dropping recurse once per JSON level; the stepper, values and
    // snapshot checks once per state. A Rust thread's default stack is 2 MiB, a Python
    // thread's 8 MiB on Linux; this runs in a debug build, whose frames are the largest.
    let run = || {
        let machine = compile_str(&chain(MAX_STATE_DEPTH), true).unwrap();
        let step = initial(&machine, &[]).unwrap();
        assert_eq!(step.snapshot.config.len(), MAX_STATE_DEPTH + 1);
        let moved = transition(&machine, &step.snapshot, "GO", &[]).unwrap();
        assert!(moved.handled);
        let value = state_value(&machine, &moved.snapshot);
        let mut cursor = &value;
        for _ in 1..MAX_STATE_DEPTH {
            cursor = &cursor["s"];
        }
        assert_eq!(cursor, &serde_json::json!("t"));
        let loaded = Snapshot::from_bytes(&machine, &moved.snapshot.to_bytes(&machine)).unwrap();
        assert_eq!(loaded, moved.snapshot);
        assert_eq!(snapshot_from_value(&machine, &value).unwrap().config, moved.snapshot.config);
        let back = transition(&machine, &moved.snapshot, "RESET", &[]).unwrap();
        assert_eq!(back.snapshot.config, step.snapshot.config);

        let deepest = format!(
            r#"{{"id":"m","initial":"a","states":{{"a":{{}}}},"context":{}1{}}}"#,
            "[".repeat(MAX_JSON_DEPTH - 1),
            "]".repeat(MAX_JSON_DEPTH - 1)
        );
        assert!(compile_str(&deepest, true).is_ok());
        let err = compile_str(&"{\"a\":".repeat(1_000_000), true).unwrap_err();
        assert!(err.message.contains("nested more than"), "{err}");
    };
    std::thread::Builder::new().stack_size(2 << 20).spawn(run).unwrap().join().unwrap();
}

#[test]
fn an_entry_set_never_leaves_a_parent_out() {
    // Found by `valid_machines_compile_and_keep_valid_configurations`. Once `h` has recorded `a`,
    // GO selects `a -> h` (a self-target through history: empty exit set) and `s1 -> #m` (exits
    // everything) in one microstep; they do not conflict, and XState's entry set for them leaves
    // `s0` out while entering `a`.
    let machine = compile_str(
        r##"{"id":"m","type":"parallel","states":{
            "s0":{"type":"parallel","states":{"a":{"on":{"GO":"#m.s0.h"}},"h":{"type":"history"}}},
            "s1":{"on":{"GO":"#m","RESET":"#m"}}}}"##,
        true,
    )
    .unwrap();
    let mut step = initial(&machine, &[]).unwrap();
    for event in ["RESET", "GO"] {
        step = transition(&machine, &step.snapshot, event, &[]).unwrap();
        assert!(step.handled);
        assert!(step.snapshot.validate(&machine).is_ok(), "after {event}: {:?}", step.snapshot);
    }
    assert_eq!(statekeep_core::value::state_value(&machine, &step.snapshot), serde_json::json!({"s0": {"a": {}}, "s1": {}}));
}

#[test]
fn a_snapshot_history_count_is_bounded_before_it_is_reserved() {
    // Found by the actor_bytes fuzz target (fuzz/): an actor record cut inside its snapshot's
    // history table, followed by the bytes fc 05 00 0a, made the last slot claim 167,773,690
    // recorded states, and `Snapshot::from_bytes` reserved 671 MB for them before finding the
    // input truncated (a u32 count of 0xffffffff reserved 17 GB).
    let machine = compile_str(
        r#"{"id":"m","initial":"a","states":{"a":{},"c":{"initial":"c1","states":{"c1":{},"h":{"type":"history"}}},"h":{"type":"history"}}}"#,
        true,
    )
    .unwrap();
    assert_eq!(machine.history_slots, 2);
    let good = initial(&machine, &[]).unwrap().snapshot.to_bytes(&machine);
    for tag in [[0xfc, 0x05, 0x00, 0x0a], [0xff; 4]] {
        let mut bad = good.clone();
        let n = bad.len();
        bad[n - 4..].copy_from_slice(&tag);
        let (result, largest) = largest_allocation(|| Snapshot::from_bytes(&machine, &bad));
        assert!(result.is_err());
        assert!(largest < 1 << 16, "decoding {} bytes reserved {largest} bytes", bad.len());
    }
}

#[test]
fn an_actor_stranded_by_a_version_the_registry_lacks_is_refused_on_load() {
    // Found by the actor_bytes fuzz target: the version that stranded an actor was read from
    // its record unchecked, and releasing the loaded actor indexed the registry with it.
    use statekeep_core::routing::{decide, Actor, Deploy, LandingMode, MatchMode, Registry};
    use std::sync::Arc;
    let mut registry = Registry::new();
    for (id, definition, parent) in [
        ("v1", r#"{"id":"m","initial":"a","states":{"a":{"on":{"GO":"b"}},"b":{}}}"#, None),
        ("v2", r#"{"id":"m","initial":"a","states":{"a":{},"b":{}}}"#, Some("v1")),
    ] {
        registry
            .commit(Deploy {
                id: id.into(),
                machine: Arc::new(compile_str(definition, true).unwrap()).into(),
                parent: parent.map(str::to_string),
                path: parent.map(|_| vec!["GO".to_string()]).unwrap_or_default(),
                match_mode: MatchMode::Prefix,
                landing: LandingMode::Replay,
                state_map: Vec::new(),
            })
            .unwrap();
    }
    let mut out = Vec::new();
    let (mut actor, _) = decide::spawn(&registry, 0, &mut out).unwrap();
    decide::send(&registry, &mut actor, "GO", &[], &mut out).unwrap();
    let stranding = actor.needs_rescue.clone().expect("v2 does not handle GO: stranded");
    let mut bytes = actor.to_bytes(&registry);
    // The record ends with the rescue flag, the version, and the reason's JSON text.
    let reason = stranding.reason.to_json(&registry).to_string();
    let at = bytes.len() - reason.len() - 4 - 4;
    assert_eq!(u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()), stranding.deployment);
    bytes[at..at + 4].copy_from_slice(&8u32.to_le_bytes());
    match Actor::from_bytes(&registry, &bytes) {
        Err(e) => assert!(e.contains("#8"), "{e}"),
        Ok(mut loaded) => {
            decide::release(&registry, &mut loaded);
            panic!("loaded an actor stranded by version #8 of 2");
        }
    }
}
