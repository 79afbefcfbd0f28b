//! A generator of valid machines from structured fuzz input, so that stepping is exercised
//! instead of stopping at the compiler.
//!
//! The state tree is grown from a flat list (each state picks a parent among the composite
//! states before it), so its size is bounded and no input recurses. Transitions pick a source,
//! a slot (`on`, `always`, `onDone`, `after`, an invocation's `onDone`/`onError`), targets
//! that can be active together, written in the target syntaxes the compiler resolves (`#id`,
//! `#id.path`, `.child`, `sibling.path`), guards and actions. Every definition this module
//! builds must compile: a refusal is a finding.

use arbitrary::Arbitrary;
use serde_json::{json, Map, Value};

pub const MAX_STATES: usize = 24;
pub const MAX_TRANSITIONS: usize = 32;
pub const MAX_EVENTS: usize = 24;
pub const GUARDS: [&str; 4] = ["g0", "g1", "g2", "g3"];
const DESCRIPTORS: [&str; 8] = ["GO", "BACK", "E.x", "E.*", "*", "E.x.*", "NEXT", "E"];
const EVENTS: [&str; 8] = ["GO", "BACK", "E.x", "E.x.y", "E", "NEXT", "NOOP", "E.xy"];
const DELAYS: [&str; 4] = ["100", "slow", "0x10", "1e3"];

#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Atomic,
    Compound,
    Parallel,
    Final,
    Shallow,
    Deep,
}

#[derive(Arbitrary, Debug)]
pub struct StateSpec {
    /// Among the composite states so far.
    pub parent: u8,
    pub kind: Kind,
    /// Be the parent's initial state (the first such child wins; else the first real child).
    pub initial: bool,
    /// A history state's explicit default: a state below its parent.
    pub history_target: Option<u8>,
    /// A key that looks like an array index (JavaScript orders those first).
    pub numeric_key: bool,
    pub explicit_id: bool,
    pub entry_exit: bool,
    pub invoke: bool,
}

#[derive(Arbitrary, Debug, Clone, Copy)]
pub enum Slot {
    On(u8),
    Always,
    OnDone,
    After(u8),
    InvokeDone,
    InvokeError,
}

#[derive(Arbitrary, Debug)]
pub struct TransitionSpec {
    /// Among the real (non-history) states.
    pub source: u8,
    pub slot: Slot,
    /// Among all states; those that cannot be active with the ones before are dropped.
    pub targets: Vec<u8>,
    pub relative: bool,
    pub guard: Option<u8>,
    pub guard_object: bool,
    pub actions: u8,
    pub reenter: Option<bool>,
}

#[derive(Arbitrary, Debug)]
pub struct EventSpec {
    /// A fixed event type, or one the machine knows (done, delay and invocation events).
    pub pick: u8,
    /// The outcomes of `g0`..`g3`, two bits each (see [`outcomes`]).
    pub guards: u8,
}

#[derive(Arbitrary, Debug)]
pub struct Input {
    pub root_parallel: bool,
    pub guard_default: bool,
    pub initial_guards: u8,
    /// Where the second replay starts, from the snapshot after that many events.
    pub resume: u8,
    pub states: Vec<StateSpec>,
    pub transitions: Vec<TransitionSpec>,
    /// Last, so that the events take the rest of the input.
    pub events: Vec<EventSpec>,
}

/// Four guard outcomes from two bits each: 0 the default, 1 false, 2 and 3 true.
pub fn outcomes(bits: u8) -> [Option<bool>; 4] {
    std::array::from_fn(|i| match (bits >> (2 * i)) & 3 {
        0 => None,
        1 => Some(false),
        _ => Some(true),
    })
}

struct State {
    key: String,
    kind: Kind,
    parent: Option<usize>,
    children: Vec<usize>,
    id: Option<String>,
    initial: Option<usize>,
    history_target: Option<usize>,
    entry_exit: bool,
    invoke: bool,
    wants_initial: bool,
    config: Map<String, Value>,
}

impl State {
    fn composite(&self) -> bool {
        matches!(self.kind, Kind::Compound | Kind::Parallel)
    }
    fn history(&self) -> bool {
        matches!(self.kind, Kind::Shallow | Kind::Deep)
    }
}

struct Tree {
    states: Vec<State>,
}

impl Tree {
    fn is_below(&self, n: usize, ancestor: usize) -> bool {
        let mut cursor = self.states[n].parent;
        while let Some(p) = cursor {
            if p == ancestor {
                return true;
            }
            cursor = self.states[p].parent;
        }
        false
    }

    /// Keys from the root down to `n` (the root itself has none).
    fn keys(&self, n: usize) -> Vec<&str> {
        let mut out = Vec::new();
        let mut cursor = n;
        while let Some(p) = self.states[cursor].parent {
            out.push(self.states[cursor].key.as_str());
            cursor = p;
        }
        out.reverse();
        out
    }

    /// Whether entering some history state by default (its target, else its parent's initial
    /// state, or for a parallel parent the parent) reaches a history state again on the way
    /// down through initial states and regions, and so on in a cycle.
    fn history_cycle(&self) -> bool {
        fn descend(tree: &Tree, n: usize, out: &mut Vec<usize>) {
            let s = &tree.states[n];
            match s.kind {
                Kind::Shallow | Kind::Deep => out.push(n),
                Kind::Compound => descend(tree, s.initial.expect("compound initial"), out),
                Kind::Parallel => s.children.iter().filter(|&&c| !tree.states[c].history()).for_each(|&c| descend(tree, c, out)),
                Kind::Atomic | Kind::Final => {}
            }
        }
        let next = |h: usize| {
            let parent = self.states[h].parent.expect("history parent");
            let mut out = Vec::new();
            match (self.states[h].history_target, self.states[parent].kind) {
                (Some(t), _) => descend(self, t, &mut out),
                (None, Kind::Compound) => descend(self, self.states[parent].initial.expect("compound initial"), &mut out),
                (None, _) => descend(self, parent, &mut out),
            }
            out
        };
        // Depth-first: 1 on the path, 2 done.
        let mut mark = vec![0u8; self.states.len()];
        fn visit(n: usize, next: &dyn Fn(usize) -> Vec<usize>, mark: &mut [u8]) -> bool {
            mark[n] = 1;
            for t in next(n) {
                if mark[t] == 1 || (mark[t] == 0 && visit(t, next, mark)) {
                    return true;
                }
            }
            mark[n] = 2;
            false
        }
        (0..self.states.len()).any(|h| self.states[h].history() && mark[h] == 0 && visit(h, &next, &mut mark))
    }

    /// The compiler's rule: several targets sit pairwise in different regions of a parallel
    /// state (a history state standing for its parent).
    fn compatible(&self, a: usize, b: usize) -> bool {
        let place = |n: usize| if self.states[n].history() { self.states[n].parent.unwrap_or(n) } else { n };
        let (a, b) = (place(a), place(b));
        if a == b || self.is_below(a, b) || self.is_below(b, a) {
            return false;
        }
        let mut common = self.states[a].parent;
        while let Some(c) = common {
            if self.is_below(b, c) {
                return self.states[c].kind == Kind::Parallel;
            }
            common = self.states[c].parent;
        }
        false
    }

    /// A target string for `target` as written on `source`: `#id` forms always, relative forms
    /// when `relative` asks and the target lies below the source or its parent.
    fn target_text(&self, source: usize, target: usize, relative: bool) -> String {
        let below = |n: usize, from: usize| -> String {
            let full = self.keys(n);
            let base = self.keys(from).len();
            full[base..].join(".")
        };
        if relative {
            if self.is_below(target, source) {
                return format!(".{}", below(target, source));
            }
            if let Some(p) = self.states[source].parent {
                if self.is_below(target, p) {
                    return below(target, p);
                }
            }
        }
        // The nearest ancestor-or-self with an explicit id, then a path below it.
        let mut cursor = target;
        loop {
            if let Some(id) = &self.states[cursor].id {
                let rest = below(target, cursor);
                return if rest.is_empty() { format!("#{id}") } else { format!("#{id}.{rest}") };
            }
            match self.states[cursor].parent {
                Some(p) => cursor = p,
                None => unreachable!("the root has an id"),
            }
        }
    }
}

/// A generated definition, and whether a history state's default leads back to a history state
/// (a definition the compiler must refuse).
pub struct Built {
    pub definition: Value,
    pub history_cycle: bool,
}

/// The definition an input describes.
pub fn build(input: &Input) -> Built {
    let mut tree = Tree {
        states: vec![State {
            key: String::new(),
            kind: if input.root_parallel { Kind::Parallel } else { Kind::Compound },
            parent: None,
            children: Vec::new(),
            id: Some("m".into()),
            initial: None,
            history_target: None,
            entry_exit: true,
            invoke: false,
            wants_initial: false,
            config: Map::new(),
        }],
    };
    for (i, spec) in input.states.iter().take(MAX_STATES).enumerate() {
        let composites: Vec<usize> = (0..tree.states.len()).filter(|&n| tree.states[n].composite()).collect();
        let parent = composites[spec.parent as usize % composites.len()];
        let n = tree.states.len();
        let key = if spec.numeric_key { format!("{}", i + 1) } else { format!("s{i}") };
        tree.states.push(State {
            key,
            kind: spec.kind,
            parent: Some(parent),
            children: Vec::new(),
            id: spec.explicit_id.then(|| format!("x{i}")),
            initial: None,
            history_target: None,
            entry_exit: spec.entry_exit,
            invoke: spec.invoke,
            wants_initial: spec.initial,
            config: Map::new(),
        });
        tree.states[parent].children.push(n);
    }
    // A composite state needs a real child: give the childless ones a leaf.
    for n in 0..tree.states.len() {
        if tree.states[n].composite() && tree.states[n].children.iter().all(|&c| tree.states[c].history()) {
            let leaf = tree.states.len();
            tree.states.push(State {
                key: format!("leaf{n}"),
                kind: Kind::Atomic,
                parent: Some(n),
                children: Vec::new(),
                id: None,
                initial: None,
                history_target: None,
                entry_exit: false,
                invoke: false,
                wants_initial: false,
                config: Map::new(),
            });
            tree.states[n].children.insert(0, leaf);
        }
    }
    // History defaults: a state below the parent, a history state (even itself) included. Any
    // child may be a compound state's initial one. Both can make a history state's default lead
    // back to a history state (`Built::history_cycle`), which the compiler refuses.
    for (i, spec) in input.states.iter().take(MAX_STATES).enumerate() {
        let n = i + 1;
        if !tree.states[n].history() {
            continue;
        }
        let parent = tree.states[n].parent.unwrap();
        if let Some(t) = spec.history_target {
            let below: Vec<usize> = (0..tree.states.len()).filter(|&x| tree.is_below(x, parent)).collect();
            tree.states[n].history_target = Some(below[t as usize % below.len()]);
        }
    }
    for n in 0..tree.states.len() {
        if tree.states[n].kind != Kind::Compound {
            continue;
        }
        let children = tree.states[n].children.clone();
        let flagged = children.iter().copied().find(|&c| tree.states[c].wants_initial);
        let first_real = children.iter().copied().find(|&c| !tree.states[c].history()).expect("a real child");
        tree.states[n].initial = Some(flagged.unwrap_or(first_real));
    }

    let real: Vec<usize> = (0..tree.states.len()).filter(|&n| !tree.states[n].history()).collect();
    for (t_ix, spec) in input.transitions.iter().take(MAX_TRANSITIONS).enumerate() {
        let source = real[spec.source as usize % real.len()];
        let mut targets: Vec<usize> = Vec::new();
        for &t in spec.targets.iter().take(3) {
            let t = t as usize % tree.states.len();
            if targets.iter().all(|&c| tree.compatible(c, t)) {
                targets.push(t);
            }
        }
        let texts: Vec<Value> = targets.iter().map(|&t| Value::from(tree.target_text(source, t, spec.relative))).collect();
        let mut transition = Map::new();
        match texts.len() {
            0 => {}
            1 if spec.relative => {
                transition.insert("target".into(), texts[0].clone());
            }
            _ => {
                transition.insert("target".into(), Value::Array(texts));
            }
        }
        if let Some(g) = spec.guard {
            let name = GUARDS[g as usize % GUARDS.len()];
            transition.insert("guard".into(), if spec.guard_object { json!({"type": name}) } else { Value::from(name) });
        }
        match spec.actions % 4 {
            0 => {}
            1 => {
                transition.insert("actions".into(), Value::from(format!("t{t_ix}")));
            }
            2 => {
                transition.insert("actions".into(), json!([format!("t{t_ix}"), {"type": "log", "params": {"n": t_ix}}]));
            }
            _ => {
                transition.insert("actions".into(), json!([]));
            }
        }
        if let Some(reenter) = spec.reenter {
            transition.insert("reenter".into(), Value::from(reenter));
        }
        let transition = Value::Object(transition);
        let state = &mut tree.states[source];
        let composite = state.composite();
        let push = |list: &mut Value| list.as_array_mut().expect("a list").push(transition.clone());
        // `onDone` belongs to composite states: elsewhere it becomes an `on` transition.
        let slot = match spec.slot {
            Slot::OnDone if !composite => Slot::On(0),
            slot => slot,
        };
        match slot {
            Slot::On(d) => {
                let on = state.config.entry("on").or_insert_with(|| json!({}));
                push(on.as_object_mut().unwrap().entry(DESCRIPTORS[d as usize % DESCRIPTORS.len()]).or_insert_with(|| json!([])))
            }
            Slot::OnDone => push(state.config.entry("onDone").or_insert_with(|| json!([]))),
            Slot::Always => push(state.config.entry("always").or_insert_with(|| json!([]))),
            Slot::After(d) => {
                let after = state.config.entry("after").or_insert_with(|| json!({}));
                push(after.as_object_mut().unwrap().entry(DELAYS[d as usize % DELAYS.len()]).or_insert_with(|| json!([])))
            }
            Slot::InvokeDone | Slot::InvokeError => {
                state.invoke = true;
                let handler = if matches!(slot, Slot::InvokeDone) { "onDone" } else { "onError" };
                let invoke = state.config.entry("invoke").or_insert_with(|| json!({"src": "service", "id": format!("inv{source}")}));
                push(invoke.as_object_mut().unwrap().entry(handler).or_insert_with(|| json!([])))
            }
        }
    }
    let history_cycle = tree.history_cycle();
    Built { definition: render(&mut tree, 0), history_cycle }
}

fn render(tree: &mut Tree, n: usize) -> Value {
    let mut config = std::mem::take(&mut tree.states[n].config);
    let state = &tree.states[n];
    let label = if n == 0 { "m".to_string() } else { tree.keys(n).join("/") };
    if let Some(id) = &state.id {
        config.insert("id".into(), Value::from(id.clone()));
    }
    match state.kind {
        Kind::Atomic => {}
        Kind::Compound => {
            let initial = state.initial.expect("compound initial");
            config.insert("initial".into(), Value::from(tree.states[initial].key.clone()));
        }
        Kind::Parallel => {
            config.insert("type".into(), Value::from("parallel"));
        }
        Kind::Final => {
            config.insert("type".into(), Value::from("final"));
            config.insert("output".into(), json!({"from": label}));
        }
        Kind::Shallow | Kind::Deep => {
            config.insert("type".into(), Value::from("history"));
            config.insert("history".into(), Value::from(if state.kind == Kind::Deep { "deep" } else { "shallow" }));
            if let Some(t) = state.history_target {
                // Relative to the history state's parent.
                let parent = state.parent.unwrap();
                let full = tree.keys(t);
                let base = tree.keys(parent).len();
                config.insert("target".into(), Value::from(full[base..].join(".")));
            }
            // A history state takes no other keys.
            config.retain(|k, _| ["id", "type", "history", "target"].contains(&k.as_str()));
            return Value::Object(config);
        }
    }
    if state.entry_exit {
        config.insert("entry".into(), Value::from(format!("in:{label}")));
        config.insert("exit".into(), json!([format!("out:{label}")]));
    }
    if state.invoke && !config.contains_key("invoke") {
        config.insert("invoke".into(), json!({"src": "service", "id": format!("inv{n}")}));
    }
    let children = state.children.clone();
    if !children.is_empty() {
        let mut states = Map::new();
        for c in children {
            let key = tree.states[c].key.clone();
            states.insert(key, render(tree, c));
        }
        config.insert("states".into(), Value::Object(states));
    }
    Value::Object(config)
}

/// The events to send: fixed types, or types the machine knows, with their guard tables.
pub fn events(machine: &statekeep_core::Machine, input: &Input) -> Vec<(String, Vec<Option<bool>>)> {
    input
        .events
        .iter()
        .take(MAX_EVENTS)
        .map(|e| {
            let pick = e.pick as usize;
            let name = if pick < 128 || machine.event_names.is_empty() {
                EVENTS[pick % EVENTS.len()].to_string()
            } else {
                machine.event_names[pick % machine.event_names.len()].clone()
            };
            (name, guard_table(machine, &outcomes(e.guards)))
        })
        .collect()
}

pub fn guard_table(machine: &statekeep_core::Machine, outcomes: &[Option<bool>; 4]) -> Vec<Option<bool>> {
    let mut table = vec![None; machine.guard_names.len()];
    for (name, outcome) in GUARDS.iter().zip(outcomes) {
        if let Some(&ix) = machine.guard_index.get(*name) {
            table[ix as usize] = *outcome;
        }
    }
    table
}
