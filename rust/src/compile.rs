//! Compiling an XState v5 JSON machine config into a [`Machine`], validating as we go.
//!
//! Every rejection names the JSON path of the offending node. Object keys are taken in the
//! order JavaScript gives them (integer-like keys first, ascending; then insertion order),
//! because XState's document order is that order.

use crate::error::DefinitionError;
use crate::fingerprint::fnv1a;
use crate::model::*;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// Compile a definition from JSON text.
pub fn compile_str(text: &str, guard_default: bool) -> Result<Machine, DefinitionError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| DefinitionError::new("$", format!("the definition is not valid JSON: {e}")))?;
    compile(&value, guard_default)
}

/// Compile a definition given as a parsed JSON value.
pub fn compile(definition: &Value, guard_default: bool) -> Result<Machine, DefinitionError> {
    let root = definition
        .as_object()
        .ok_or_else(|| DefinitionError::new("$", format!("a machine definition must be a JSON object, not {}", kind_of(definition))))?;
    let machine_id = match root.get("id") {
        None => "(machine)".to_string(),
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(other) => return Err(DefinitionError::new("$.id", format!("must be a non-empty string, not {}", kind_of(other)))),
    };
    let digest = fnv1a(serde_json::to_string(definition).unwrap_or_default().as_bytes());
    let mut builder = Builder {
        machine: Machine {
            id: machine_id.clone(),
            nodes: Vec::new(),
            transitions: Vec::new(),
            initial_transition: 0,
            actions: Vec::new(),
            guard_names: Vec::new(),
            guard_index: HashMap::new(),
            event_names: Vec::new(),
            event_index: HashMap::new(),
            history_slots: 0,
            guard_default,
            output: None,
            context: None,
            digest,
        },
        configs: Vec::new(),
        ids: HashMap::new(),
        action_index: HashMap::new(),
    };
    builder.add_node(root, "$".to_string(), machine_id, None, Vec::new())?;
    for ix in 0..builder.machine.nodes.len() {
        builder.link_node(ix as NodeIx)?;
    }
    builder.finish_initial_transition();
    Ok(builder.machine)
}

struct Builder<'a> {
    machine: Machine,
    /// Each node's config object and JSON path, by node index.
    configs: Vec<(&'a Map<String, Value>, String)>,
    ids: HashMap<String, NodeIx>,
    action_index: HashMap<(String, Option<String>), ActionIx>,
}

const NODE_KEYS: &[&str] = &[
    "id",
    "type",
    "initial",
    "states",
    "on",
    "always",
    "onDone",
    "entry",
    "exit",
    "after",
    "invoke",
    "output",
    "meta",
    "tags",
    "description",
];
const ROOT_ONLY_KEYS: &[&str] = &["context", "version"];
const HISTORY_KEYS: &[&str] = &["id", "type", "history", "target", "meta", "tags", "description"];
const TRANSITION_KEYS: &[&str] = &["target", "guard", "actions", "reenter", "description", "meta"];
const INVOKE_KEYS: &[&str] = &["id", "src", "input", "onDone", "onError", "onSnapshot", "systemId"];

impl<'a> Builder<'a> {
    /// First pass: create the node and its descendants in pre-order, so indices are document order.
    fn add_node(
        &mut self,
        config: &'a Map<String, Value>,
        path: String,
        key: String,
        parent: Option<NodeIx>,
        key_path: Vec<String>,
    ) -> Result<NodeIx, DefinitionError> {
        let ix = self.machine.nodes.len() as NodeIx;
        let id = match config.get("id") {
            None => {
                let mut parts = vec![self.machine.id.clone()];
                parts.extend(key_path.iter().cloned());
                parts.join(".")
            }
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(other) => {
                return Err(DefinitionError::new(format!("{path}.id"), format!("must be a non-empty string, not {}", kind_of(other))))
            }
        };
        if let Some(previous) = self.ids.insert(id.clone(), ix) {
            let first = self.configs[previous as usize].1.clone();
            return Err(DefinitionError::new(
                path,
                format!("duplicate state id '{id}' (also used by {first}); every state id must be unique"),
            ));
        }
        let states = match config.get("states") {
            None => None,
            Some(Value::Object(map)) => Some(map),
            Some(other) => {
                return Err(DefinitionError::new(
                    format!("{path}.states"),
                    format!("must be an object of child states, not {}", kind_of(other)),
                ))
            }
        };
        let has_children = states.is_some_and(|s| !s.is_empty());
        let kind = match config.get("type") {
            None if has_children => NodeKind::Compound,
            None if config.get("history").is_some_and(is_truthy) => NodeKind::History { deep: false },
            None => NodeKind::Atomic,
            Some(Value::String(t)) => match t.as_str() {
                "atomic" => NodeKind::Atomic,
                "compound" => NodeKind::Compound,
                "parallel" => NodeKind::Parallel,
                "final" => NodeKind::Final,
                "history" => NodeKind::History { deep: false },
                other => {
                    return Err(DefinitionError::new(
                        format!("{path}.type"),
                        format!("unknown state type '{other}'; expected one of atomic, compound, parallel, final, history"),
                    ))
                }
            },
            Some(other) => return Err(DefinitionError::new(format!("{path}.type"), format!("must be a string, not {}", kind_of(other)))),
        };
        let kind = match kind {
            NodeKind::History { .. } => {
                if parent.is_none() {
                    return Err(DefinitionError::new(path, "the root cannot be a history state"));
                }
                let deep = match config.get("history") {
                    None | Some(Value::Bool(true)) | Some(Value::Bool(false)) => false,
                    Some(Value::String(s)) if s == "shallow" => false,
                    Some(Value::String(s)) if s == "deep" => true,
                    Some(other) => {
                        return Err(DefinitionError::new(
                            format!("{path}.history"),
                            format!("must be \"shallow\" or \"deep\", not {}", show(other)),
                        ))
                    }
                };
                check_keys(config, &path, HISTORY_KEYS, "a history state")?;
                NodeKind::History { deep }
            }
            other => {
                let mut allowed: Vec<&str> = NODE_KEYS.to_vec();
                if parent.is_none() {
                    allowed.extend_from_slice(ROOT_ONLY_KEYS);
                }
                check_keys(config, &path, &allowed, "a state")?;
                other
            }
        };
        match kind {
            NodeKind::Compound if !has_children => {
                return Err(DefinitionError::new(path, "a compound state needs at least one child state in `states`"))
            }
            NodeKind::Atomic | NodeKind::Final | NodeKind::History { .. } if has_children => {
                return Err(DefinitionError::new(
                    format!("{path}.states"),
                    format!("a state of type '{}' cannot have child states", type_name(kind)),
                ))
            }
            _ => {}
        }
        self.machine.nodes.push(Node {
            key,
            id,
            parent,
            kind,
            children: Vec::new(),
            history_children: Vec::new(),
            last_descendant: ix,
            initial: None,
            initial_actions: Vec::new(),
            entry: Vec::new(),
            exit: Vec::new(),
            delays: Vec::new(),
            invokes: Vec::new(),
            exact: Vec::new(),
            wildcards: Vec::new(),
            always: Vec::new(),
            history_slot: None,
            history_default: None,
            done_event: None,
            output: None,
        });
        self.configs.push((config, path.clone()));
        if let NodeKind::History { .. } = kind {
            let slot = self.machine.history_slots;
            self.machine.history_slots += 1;
            self.machine.nodes[ix as usize].history_slot = Some(slot);
        }
        if let Some(states) = states {
            for child_key in js_ordered_keys(states) {
                let child_path = child_path(&format!("{path}.states"), child_key);
                if child_key.is_empty() {
                    return Err(DefinitionError::new(child_path, "a state key cannot be empty"));
                }
                let child_config = states[child_key].as_object().ok_or_else(|| {
                    DefinitionError::new(child_path.clone(), format!("a state must be an object, not {}", kind_of(&states[child_key])))
                })?;
                let mut child_keys = key_path.clone();
                child_keys.push(child_key.clone());
                let child = self.add_node(child_config, child_path, child_key.clone(), Some(ix), child_keys)?;
                if self.machine.node(child).kind.is_history() {
                    self.machine.nodes[ix as usize].history_children.push(child);
                } else {
                    self.machine.nodes[ix as usize].children.push(child);
                }
            }
        }
        let last = self.machine.nodes.len() as NodeIx - 1;
        self.machine.nodes[ix as usize].last_descendant = last;
        Ok(ix)
    }

    /// Second pass: everything that refers to other nodes, once every node exists.
    fn link_node(&mut self, ix: NodeIx) -> Result<(), DefinitionError> {
        let (config, path) = self.configs[ix as usize].clone();
        let kind = self.machine.node(ix).kind;
        let id = self.machine.node(ix).id.clone();

        if let NodeKind::History { .. } = kind {
            let parent = self.machine.node(ix).parent.expect("history nodes have a parent");
            let default = match config.get("target") {
                None | Some(Value::Null) => match self.machine.node(parent).kind {
                    NodeKind::Parallel => HistoryDefault::Parent,
                    _ => HistoryDefault::ParentInitial,
                },
                Some(Value::String(s)) if s.is_empty() => HistoryDefault::ParentInitial,
                Some(target) => {
                    let texts = target_texts(target, &format!("{path}.target"))?;
                    let mut resolved = Vec::new();
                    for (text, text_path) in texts {
                        let node = self.path_from(parent, &text).map_err(|m| DefinitionError::new(text_path, m))?;
                        resolved.push(node);
                    }
                    self.check_compatible_targets(&resolved, &format!("{path}.target"))?;
                    HistoryDefault::Targets(resolved)
                }
            };
            self.machine.nodes[ix as usize].history_default = Some(default);
            return Ok(());
        }

        // initial
        match (kind, config.get("initial")) {
            (NodeKind::Compound, None) => {
                let first = self.machine.node(ix).children.first().or(self.machine.node(ix).history_children.first());
                let hint = first.map(|c| format!("; try \"initial\": \"{}\"", self.machine.node(*c).key)).unwrap_or_default();
                return Err(DefinitionError::new(path, format!("a compound state needs an `initial` child state{hint}")));
            }
            (NodeKind::Compound, Some(initial)) => {
                let initial_path = format!("{path}.initial");
                let (target, actions) = match initial {
                    Value::String(s) => (s.as_str(), None),
                    Value::Object(obj) => {
                        check_keys(obj, &initial_path, &["target", "actions", "description", "meta"], "an initial transition")?;
                        match obj.get("target") {
                            Some(Value::String(s)) => (s.as_str(), obj.get("actions")),
                            _ => {
                                return Err(DefinitionError::new(
                                    format!("{initial_path}.target"),
                                    "an initial transition needs a `target` naming a child state",
                                ))
                            }
                        }
                    }
                    other => {
                        return Err(DefinitionError::new(
                            initial_path,
                            format!("must be a child state key or {{\"target\", \"actions\"}}, not {}", kind_of(other)),
                        ))
                    }
                };
                let child = self.child_by_key(ix, target).ok_or_else(|| {
                    DefinitionError::new(
                        initial_path.clone(),
                        format!("initial state '{target}' is not a child of #{id}; children are: {}", self.child_keys(ix)),
                    )
                })?;
                let initial_actions = match actions {
                    Some(a) => self.actions(a, &format!("{initial_path}.actions"))?,
                    None => Vec::new(),
                };
                let node = &mut self.machine.nodes[ix as usize];
                node.initial = Some(child);
                node.initial_actions = initial_actions;
            }
            (_, Some(_)) => {
                return Err(DefinitionError::new(
                    format!("{path}.initial"),
                    format!("`initial` is only allowed on a compound state, and this state is {}", type_name(kind)),
                ))
            }
            (_, None) => {}
        }

        let entry = match config.get("entry") {
            Some(a) => self.actions(a, &format!("{path}.entry"))?,
            None => Vec::new(),
        };
        let exit = match config.get("exit") {
            Some(a) => self.actions(a, &format!("{path}.exit"))?,
            None => Vec::new(),
        };
        self.machine.nodes[ix as usize].entry = entry;
        self.machine.nodes[ix as usize].exit = exit;

        if let Some(output) = config.get("output") {
            if ix == ROOT {
                self.machine.output = Some(output.clone());
            } else if kind != NodeKind::Final {
                return Err(DefinitionError::new(format!("{path}.output"), "`output` is only allowed on final states and the root"));
            }
            self.machine.nodes[ix as usize].output = Some(output.clone());
        }
        if ix == ROOT {
            self.machine.context = config.get("context").cloned();
        }

        // XState's transition map: `on`, then `onDone`, then each invocation's handlers, then
        // the delayed transitions. Setting an existing descriptor replaces its list in place.
        let mut map: Vec<(String, Vec<TransIx>)> = Vec::new();
        fn set(map: &mut Vec<(String, Vec<TransIx>)>, descriptor: String, list: Vec<TransIx>) {
            match map.iter_mut().find(|(d, _)| *d == descriptor) {
                Some(entry) => entry.1 = list,
                None => map.push((descriptor, list)),
            }
        }
        if let Some(on) = config.get("on") {
            let on_path = format!("{path}.on");
            let on = on.as_object().ok_or_else(|| {
                DefinitionError::new(on_path.clone(), format!("must be an object mapping event types to transitions, not {}", kind_of(on)))
            })?;
            for descriptor in js_ordered_keys(on) {
                let d_path = child_path(&on_path, descriptor);
                validate_descriptor(descriptor, &d_path)?;
                let list = self.transitions(ix, &on[descriptor], &d_path)?;
                set(&mut map, descriptor.clone(), list);
            }
        }
        if matches!(kind, NodeKind::Compound | NodeKind::Parallel) {
            let done = format!("xstate.done.state.{id}");
            let done_ix = self.intern_event(&done);
            self.machine.nodes[ix as usize].done_event = Some(done_ix);
        }
        // XState reads `onDone` and `always` only when they are truthy in JavaScript: `""`, `null`,
        // `false` and `0` mean no transition there (whereas `on: {E: ""}` is a targetless one).
        if let Some(on_done) = config.get("onDone").filter(|v| is_truthy(v)) {
            if !matches!(kind, NodeKind::Compound | NodeKind::Parallel) {
                return Err(DefinitionError::new(
                    format!("{path}.onDone"),
                    format!("`onDone` is only allowed on compound and parallel states, and this state is {}", type_name(kind)),
                ));
            }
            let list = self.transitions(ix, on_done, &format!("{path}.onDone"))?;
            set(&mut map, format!("xstate.done.state.{id}"), list);
        }
        if let Some(invoke) = config.get("invoke") {
            let invoke_path = format!("{path}.invoke");
            let items: Vec<(&Value, String)> = match invoke {
                Value::Array(items) => items.iter().enumerate().map(|(i, v)| (v, format!("{invoke_path}[{i}]"))).collect(),
                other => vec![(other, invoke_path.clone())],
            };
            for (i, (item, item_path)) in items.into_iter().enumerate() {
                let obj = item.as_object().ok_or_else(|| {
                    DefinitionError::new(item_path.clone(), format!("an invocation must be an object with a `src`, not {}", kind_of(item)))
                })?;
                check_keys(obj, &item_path, INVOKE_KEYS, "an invocation")?;
                let src = match obj.get("src") {
                    Some(Value::String(s)) if !s.is_empty() => s.clone(),
                    _ => {
                        return Err(DefinitionError::new(format!("{item_path}.src"), "an invocation needs a `src` naming the actor logic"))
                    }
                };
                let invoke_id = match obj.get("id") {
                    None => format!("{i}.{id}"),
                    Some(Value::String(s)) if !s.is_empty() => s.clone(),
                    Some(other) => {
                        return Err(DefinitionError::new(
                            format!("{item_path}.id"),
                            format!("must be a non-empty string, not {}", kind_of(other)),
                        ))
                    }
                };
                for (handler, prefix) in
                    [("onDone", "xstate.done.actor"), ("onError", "xstate.error.actor"), ("onSnapshot", "xstate.snapshot")]
                {
                    if let Some(config) = obj.get(handler) {
                        let list = self.transitions(ix, config, &format!("{item_path}.{handler}"))?;
                        set(&mut map, format!("{prefix}.{invoke_id}"), list);
                    }
                }
                self.machine.nodes[ix as usize].invokes.push(Invoke { id: invoke_id, src, input: obj.get("input").cloned() });
            }
        }
        if let Some(after) = config.get("after") {
            let after_path = format!("{path}.after");
            let after = after.as_object().ok_or_else(|| {
                DefinitionError::new(after_path.clone(), format!("must be an object mapping delays to transitions, not {}", kind_of(after)))
            })?;
            for delay_key in js_ordered_keys(after) {
                let (event, delay) = match js_number(delay_key) {
                    Some(ms) => (format!("xstate.after.{}.{id}", js_number_text(ms)), number_value(ms)),
                    None => (format!("xstate.after.{delay_key}.{id}"), Value::String(delay_key.clone())),
                };
                let list = self.transitions(ix, &after[delay_key], &child_path(&after_path, delay_key))?;
                match map.iter_mut().find(|(d, _)| *d == event) {
                    Some(entry) => entry.1.extend(list),
                    None => map.push((event.clone(), list)),
                }
                let event_ix = self.intern_event(&event);
                self.machine.nodes[ix as usize].delays.push(Delay { event: event_ix, delay });
            }
        }
        if let Some(always) = config.get("always").filter(|v| is_truthy(v)) {
            let list = self.transitions(ix, always, &format!("{path}.always"))?;
            self.machine.nodes[ix as usize].always = list;
        }

        let mut exact = Vec::new();
        let mut wildcards = Vec::new();
        for (descriptor, list) in map {
            if let Some(prefix) = wildcard_prefix(&descriptor) {
                wildcards.push(Wildcard { prefix, descriptor: descriptor.clone(), transitions: list.clone() });
            }
            // A wildcard descriptor is also the exact match of an event with that literal type.
            let event = self.intern_event(&descriptor);
            exact.push((event, list));
        }
        // XState sorts by JavaScript string length (UTF-16 units); the sort is stable.
        wildcards.sort_by_key(|w| std::cmp::Reverse(w.descriptor.encode_utf16().count()));
        let node = &mut self.machine.nodes[ix as usize];
        node.exact = exact;
        node.wildcards = wildcards;
        Ok(())
    }

    fn finish_initial_transition(&mut self) {
        let mut targets = Vec::new();
        let mut seen = vec![false; self.machine.nodes.len()];
        fn walk(m: &Machine, n: NodeIx, seen: &mut [bool], out: &mut Vec<NodeIx>) {
            if seen[n as usize] {
                return;
            }
            seen[n as usize] = true;
            out.push(n);
            match m.node(n).kind {
                NodeKind::Compound => walk(m, m.node(n).initial.expect("compound has initial"), seen, out),
                NodeKind::Parallel => {
                    for &c in &m.node(n).children {
                        walk(m, c, seen, out);
                    }
                }
                _ => {}
            }
        }
        walk(&self.machine, ROOT, &mut seen, &mut targets);
        self.machine.initial_transition = self.machine.transitions.len() as TransIx;
        self.machine.transitions.push(Transition { source: ROOT, targets: Some(targets), guard: None, actions: Vec::new(), reenter: true });
    }

    fn intern_event(&mut self, name: &str) -> EventIx {
        if let Some(&ix) = self.machine.event_index.get(name) {
            return ix;
        }
        let ix = self.machine.event_names.len() as EventIx;
        self.machine.event_names.push(name.to_string());
        self.machine.event_index.insert(name.to_string(), ix);
        ix
    }

    fn intern_guard(&mut self, name: &str) -> GuardIx {
        if let Some(&ix) = self.machine.guard_index.get(name) {
            return ix;
        }
        let ix = self.machine.guard_names.len() as GuardIx;
        self.machine.guard_names.push(name.to_string());
        self.machine.guard_index.insert(name.to_string(), ix);
        ix
    }

    fn actions(&mut self, value: &Value, path: &str) -> Result<Vec<ActionIx>, DefinitionError> {
        let items: Vec<(&Value, String)> = match value {
            Value::Array(items) => items.iter().enumerate().map(|(i, v)| (v, format!("{path}[{i}]"))).collect(),
            other => vec![(other, path.to_string())],
        };
        let mut out = Vec::with_capacity(items.len());
        for (item, item_path) in items {
            let action = match item {
                Value::String(s) if !s.is_empty() => Action { kind: s.clone(), params: None },
                Value::Object(obj) => {
                    check_keys(obj, &item_path, &["type", "params"], "an action")?;
                    match obj.get("type") {
                        Some(Value::String(s)) if !s.is_empty() => Action { kind: s.clone(), params: obj.get("params").cloned() },
                        _ => {
                            return Err(DefinitionError::new(
                                format!("{item_path}.type"),
                                "an action object needs a non-empty string `type`",
                            ))
                        }
                    }
                }
                other => {
                    return Err(DefinitionError::new(
                        item_path,
                        format!("an action must be a name or {{\"type\", \"params\"}}, not {}", kind_of(other)),
                    ))
                }
            };
            let key = (action.kind.clone(), action.params.as_ref().map(|p| p.to_string()));
            let ix = match self.action_index.get(&key) {
                Some(&ix) => ix,
                None => {
                    let ix = self.machine.actions.len() as ActionIx;
                    self.machine.actions.push(action);
                    self.action_index.insert(key, ix);
                    ix
                }
            };
            out.push(ix);
        }
        Ok(out)
    }

    /// A transition config in any of its forms: a target string, an object, `null` (forbidden),
    /// or an array of candidates.
    fn transitions(&mut self, source: NodeIx, value: &Value, path: &str) -> Result<Vec<TransIx>, DefinitionError> {
        let items: Vec<(&Value, String)> = match value {
            Value::Array(items) => items.iter().enumerate().map(|(i, v)| (v, format!("{path}[{i}]"))).collect(),
            other => vec![(other, path.to_string())],
        };
        let mut out = Vec::with_capacity(items.len());
        for (item, item_path) in items {
            let transition = match item {
                Value::Null => Transition { source, targets: None, guard: None, actions: Vec::new(), reenter: false },
                Value::String(target) => {
                    let targets = self.resolve_targets(source, &Value::String(target.clone()), &item_path)?;
                    Transition { source, targets, guard: None, actions: Vec::new(), reenter: false }
                }
                Value::Object(obj) => {
                    check_keys(obj, &item_path, TRANSITION_KEYS, "a transition")?;
                    let targets = match obj.get("target") {
                        None | Some(Value::Null) => None,
                        Some(t) => self.resolve_targets(source, t, &format!("{item_path}.target"))?,
                    };
                    let guard = match obj.get("guard") {
                        None | Some(Value::Null) => None,
                        Some(g) => Some(self.guard(g, &format!("{item_path}.guard"))?),
                    };
                    let actions = match obj.get("actions") {
                        None | Some(Value::Null) => Vec::new(),
                        Some(a) => self.actions(a, &format!("{item_path}.actions"))?,
                    };
                    let reenter = match obj.get("reenter") {
                        None | Some(Value::Null) => false,
                        Some(Value::Bool(b)) => *b,
                        Some(other) => {
                            return Err(DefinitionError::new(
                                format!("{item_path}.reenter"),
                                format!("must be true or false, not {}", kind_of(other)),
                            ))
                        }
                    };
                    Transition { source, targets, guard, actions, reenter }
                }
                other => {
                    return Err(DefinitionError::new(
                        item_path,
                        format!("a transition must be a target, an object or null, not {}", kind_of(other)),
                    ))
                }
            };
            out.push(self.machine.transitions.len() as TransIx);
            self.machine.transitions.push(transition);
        }
        Ok(out)
    }

    fn guard(&mut self, value: &Value, path: &str) -> Result<GuardIx, DefinitionError> {
        match value {
            Value::String(s) if !s.is_empty() => Ok(self.intern_guard(s)),
            Value::Object(obj) => {
                check_keys(obj, path, &["type", "params"], "a guard")?;
                match obj.get("type") {
                    Some(Value::String(s)) if !s.is_empty() => Ok(self.intern_guard(s)),
                    _ => Err(DefinitionError::new(format!("{path}.type"), "a guard object needs a non-empty string `type`")),
                }
            }
            other => Err(DefinitionError::new(path, format!("a guard must be a name or {{\"type\", \"params\"}}, not {}", kind_of(other)))),
        }
    }

    /// XState's `resolveTarget`: `#id[.path]`, `.child[.path]` below the source, otherwise a path
    /// from the source's parent. An empty target (or `[]`) makes the transition targetless.
    fn resolve_targets(&mut self, source: NodeIx, target: &Value, path: &str) -> Result<Option<Vec<NodeIx>>, DefinitionError> {
        if matches!(target, Value::String(s) if s.is_empty()) {
            return Ok(None);
        }
        let texts = target_texts(target, path)?;
        if texts.is_empty() {
            return Ok(None);
        }
        let mut resolved = Vec::with_capacity(texts.len());
        for (text, text_path) in texts {
            let node = self.resolve_target(source, &text).map_err(|m| DefinitionError::new(text_path, m))?;
            resolved.push(node);
        }
        self.check_compatible_targets(&resolved, path)?;
        Ok(Some(resolved))
    }

    /// Several targets must be able to be active together: each pair must sit in different
    /// regions of a parallel state. XState would silently enter two children of one compound
    /// state, a configuration no machine can be in.
    fn check_compatible_targets(&self, targets: &[NodeIx], path: &str) -> Result<(), DefinitionError> {
        let m = &self.machine;
        // A history state restores its parent's children, so it stands for its parent here.
        let place = |n: NodeIx| if m.node(n).kind.is_history() { m.node(n).parent.unwrap_or(n) } else { n };
        for (i, &target_a) in targets.iter().enumerate() {
            for &target_b in &targets[i + 1..] {
                let (a, b) = (place(target_a), place(target_b));
                let mut common = m.node(a).parent;
                while let Some(c) = common {
                    if m.is_descendant(b, c) {
                        break;
                    }
                    common = m.node(c).parent;
                }
                let compatible = a != b
                    && !m.is_descendant(a, b)
                    && !m.is_descendant(b, a)
                    && common.is_some_and(|c| m.node(c).kind == NodeKind::Parallel);
                if !compatible {
                    return Err(DefinitionError::new(
                        path,
                        format!(
                            "targets #{} and #{} cannot be active together; several targets must lie in different regions of one parallel state",
                            m.node(target_a).id,
                            m.node(target_b).id
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn resolve_target(&self, source: NodeIx, target: &str) -> Result<NodeIx, String> {
        if target.starts_with('#') {
            return self.by_id_path(target);
        }
        let node = self.machine.node(source);
        if let Some(rest) = target.strip_prefix('.') {
            return match node.parent {
                None => self.path_from(source, rest),
                Some(parent) => self.path_from(parent, &format!("{}{}", escape_key(&node.key), target)),
            };
        }
        match node.parent {
            Some(parent) => self.path_from(parent, target),
            None => Err(format!("target '{target}' is not valid from the root; did you mean '.{target}'?")),
        }
    }

    /// `#id.child.grandchild`: the state with that id, then a path below it.
    fn by_id_path(&self, target: &str) -> Result<NodeIx, String> {
        let segments = split_path(target);
        let id = &segments[0][1..];
        let start = *self.ids.get(id).ok_or_else(|| format!("no state has the id '{id}' (target '{target}')"))?;
        self.walk(start, &segments[1..], target)
    }

    fn path_from(&self, from: NodeIx, path: &str) -> Result<NodeIx, String> {
        if path.starts_with('#') {
            if let Ok(found) = self.by_id_path(path) {
                return Ok(found);
            }
        }
        self.walk(from, &split_path(path), path)
    }

    fn walk(&self, from: NodeIx, segments: &[String], whole: &str) -> Result<NodeIx, String> {
        let mut cursor = from;
        for segment in segments {
            if segment.is_empty() {
                break;
            }
            if segment.starts_with('#') {
                cursor = self.by_id_path(segment)?;
                continue;
            }
            cursor = self.child_by_key(cursor, segment).ok_or_else(|| {
                format!(
                    "target '{whole}' does not exist: '{segment}' is not a child of #{} (children: {})",
                    self.machine.node(cursor).id,
                    self.child_keys(cursor)
                )
            })?;
        }
        Ok(cursor)
    }

    fn child_by_key(&self, parent: NodeIx, key: &str) -> Option<NodeIx> {
        let node = self.machine.node(parent);
        node.children.iter().chain(node.history_children.iter()).copied().find(|&c| self.machine.node(c).key == key)
    }

    fn child_keys(&self, parent: NodeIx) -> String {
        let node = self.machine.node(parent);
        let mut all: Vec<NodeIx> = node.children.iter().chain(node.history_children.iter()).copied().collect();
        all.sort_unstable();
        if all.is_empty() {
            return "none".to_string();
        }
        all.iter().map(|&c| self.machine.node(c).key.as_str()).collect::<Vec<_>>().join(", ")
    }
}

fn target_texts(target: &Value, path: &str) -> Result<Vec<(String, String)>, DefinitionError> {
    match target {
        Value::String(s) => Ok(vec![(s.clone(), path.to_string())]),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) if !s.is_empty() => Ok((s.clone(), format!("{path}[{i}]"))),
                other => Err(DefinitionError::new(
                    format!("{path}[{i}]"),
                    format!("a target must be a non-empty string, not {}", kind_of(other)),
                )),
            })
            .collect(),
        other => Err(DefinitionError::new(path, format!("a target must be a string or an array of strings, not {}", kind_of(other)))),
    }
}

/// XState's `toStatePath`: split on `.`, with `\` escaping the next character.
fn split_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut segment = String::new();
    let mut chars = path.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    segment.push(next);
                }
            }
            '.' => out.push(std::mem::take(&mut segment)),
            other => segment.push(other),
        }
    }
    out.push(segment);
    out
}

fn escape_key(key: &str) -> String {
    key.replace('\\', "\\\\").replace('.', "\\.")
}

/// Reject what XState would mis-handle silently: an empty descriptor, or a `*` anywhere but as
/// the whole last token.
fn validate_descriptor(descriptor: &str, path: &str) -> Result<(), DefinitionError> {
    if descriptor.is_empty() {
        return Err(DefinitionError::new(path, "an event descriptor cannot be empty; use `always` for eventless transitions"));
    }
    if descriptor.contains('*') && descriptor != "*" {
        let tokens: Vec<&str> = descriptor.split('.').collect();
        let last = tokens.len() - 1;
        let valid = tokens[last] == "*" && tokens[..last].iter().all(|t| !t.contains('*'));
        if !valid {
            return Err(DefinitionError::new(
                path,
                format!("invalid wildcard '{descriptor}': `*` may only be the whole descriptor or its last token, as in \"order.*\""),
            ));
        }
    }
    Ok(())
}

/// The tokens before the trailing `*` of a wildcard descriptor; `None` for an exact one.
fn wildcard_prefix(descriptor: &str) -> Option<Vec<String>> {
    if descriptor == "*" {
        return Some(Vec::new());
    }
    let stem = descriptor.strip_suffix(".*")?;
    Some(stem.split('.').map(str::to_string).collect())
}

fn check_keys(obj: &Map<String, Value>, path: &str, allowed: &[&str], what: &str) -> Result<(), DefinitionError> {
    for key in obj.keys() {
        if !allowed.contains(&key.as_str()) {
            return Err(DefinitionError::new(
                child_path(path, key),
                format!("unsupported key '{key}' in {what}; allowed keys are: {}", allowed.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Object keys in JavaScript's property order: array-index keys ascending, then the rest as written.
pub(crate) fn js_ordered_keys(map: &Map<String, Value>) -> Vec<&String> {
    let mut indices: Vec<(u32, &String)> = Vec::new();
    let mut others = Vec::new();
    for key in map.keys() {
        match array_index(key) {
            Some(i) => indices.push((i, key)),
            None => others.push(key),
        }
    }
    indices.sort_unstable_by_key(|(i, _)| *i);
    indices.into_iter().map(|(_, k)| k).chain(others).collect()
}

fn array_index(key: &str) -> Option<u32> {
    if key.is_empty() || (key.len() > 1 && key.starts_with('0')) || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    key.parse::<u32>().ok().filter(|&i| i != u32::MAX)
}

/// JavaScript's `+text`, for the numeric delays of `after`; `None` where it gives `NaN`.
fn js_number(text: &str) -> Option<f64> {
    let t = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if t.is_empty() {
        return Some(0.0);
    }
    for (prefix, radix) in [("0x", 16), ("0X", 16), ("0o", 8), ("0O", 8), ("0b", 2), ("0B", 2)] {
        if let Some(digits) = t.strip_prefix(prefix) {
            return u64::from_str_radix(digits, radix).ok().map(|v| v as f64);
        }
    }
    match t {
        "Infinity" | "+Infinity" => return Some(f64::INFINITY),
        "-Infinity" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let numeric = !body.is_empty()
        && body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && body.bytes().next().is_some_and(|b| b.is_ascii_digit() || b == b'.');
    if !numeric {
        return None;
    }
    t.parse::<f64>().ok()
}

/// JavaScript's `String(number)` for the values delays take in practice.
fn js_number_text(n: f64) -> String {
    if n.is_infinite() {
        return if n > 0.0 { "Infinity".into() } else { "-Infinity".into() };
    }
    if n == n.trunc() && n.abs() < 1e21 {
        return format!("{}", n as i128);
    }
    format!("{n}")
}

fn number_value(n: f64) -> Value {
    if n == n.trunc() && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map(Value::Number).unwrap_or(Value::Null)
    }
}

fn is_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

fn child_path(path: &str, key: &str) -> String {
    let plain = !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", serde_json::to_string(key).unwrap_or_default())
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn show(v: &Value) -> String {
    let text = v.to_string();
    if text.len() > 40 {
        format!("{}...", &text[..text.char_indices().nth(37).map(|(i, _)| i).unwrap_or(text.len())])
    } else {
        text
    }
}

fn type_name(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Atomic => "atomic",
        NodeKind::Compound => "compound",
        NodeKind::Parallel => "parallel",
        NodeKind::Final => "final",
        NodeKind::History { .. } => "history",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_key_order_puts_array_indices_first() {
        let map: Map<String, Value> = serde_json::from_str(r#"{"b":1,"10":2,"a":3,"2":4,"01":5}"#).unwrap();
        let keys: Vec<&str> = js_ordered_keys(&map).into_iter().map(|s| s.as_str()).collect();
        assert_eq!(keys, ["2", "10", "b", "a", "01"]);
    }

    #[test]
    fn js_numbers_follow_javascript() {
        assert_eq!(js_number("1000"), Some(1000.0));
        assert_eq!(js_number(" 1e3 "), Some(1000.0));
        assert_eq!(js_number("0x10"), Some(16.0));
        assert_eq!(js_number(""), Some(0.0));
        assert_eq!(js_number("slow"), None);
        assert_eq!(js_number("inf"), None);
        assert_eq!(js_number_text(1000.0), "1000");
        assert_eq!(js_number_text(1.5), "1.5");
    }

    #[test]
    fn paths_split_with_escapes() {
        assert_eq!(split_path("a.b\\.c"), vec!["a", "b.c"]);
        assert_eq!(split_path("#m"), vec!["#m"]);
    }
}
