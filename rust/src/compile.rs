//! Compiling an XState v5 JSON machine config into a [`Machine`], validating as we go.
//!
//! Every rejection names the JSON path of the offending node. Object keys are taken in the
//! order JavaScript gives them (integer-like keys first, ascending; then insertion order),
//! because XState's document order is that order.

use crate::error::DefinitionError;
use crate::model::*;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// How deep states may nest: a child of the root is 1 deep, its children 2 deep, and so on.
/// The stepper, the value renderer and the snapshot checks walk the tree recursively; at this
/// depth they need well under 1 MiB of stack in a debug build (a Python thread has 8 MiB on
/// Linux, a Rust thread 2 MiB), and the definition stays inside Python's own JSON recursion
/// limit (about 1,000 levels) for the Python layer that reads and writes it.
pub const MAX_STATE_DEPTH: usize = 256;

/// How deep a definition's JSON may nest, in arrays and objects (the root object is level 1).
/// States `MAX_STATE_DEPTH` deep take `2 * MAX_STATE_DEPTH + 1` levels; the rest is room for
/// the values inside them. Parsing, serialising (for the digest) and dropping a value recurse
/// once per level, about 1 KiB of stack per level in a release build (2.6 KiB in a debug
/// build): 640 levels fit in well under 1 MiB.
pub const MAX_JSON_DEPTH: usize = 2 * MAX_STATE_DEPTH + 128;

/// Compile a definition from JSON text.
pub fn compile_str(text: &str, guard_default: bool) -> Result<Machine, DefinitionError> {
    let value = parse(text)?;
    compile(&value, guard_default)
}

/// Compile a definition, and give its JSON text as the core reads it: compact, its key order
/// kept (the definition's document order), numbers as the core holds them. One form for a
/// definition whatever it came as (text with any spacing, or a Python dict), for a store to keep
/// and a digest to be taken over.
pub fn compile_with_text(definition: &Value, guard_default: bool) -> Result<(Machine, String), DefinitionError> {
    let machine = compile(definition, guard_default)?;
    let text = serde_json::to_string(definition).expect("a JSON value always serialises");
    Ok((machine, text))
}

/// Parse a definition's JSON text, refusing more than [`MAX_JSON_DEPTH`] levels of nesting
/// with a clear error instead of running out of stack.
pub fn parse(text: &str) -> Result<Value, DefinitionError> {
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let too_deep = std::cell::Cell::new(false);
    let parsed = serde::de::DeserializeSeed::deserialize(Depth { left: MAX_JSON_DEPTH, too_deep: &too_deep }, &mut de)
        .and_then(|value| de.end().map(|()| value));
    parsed.map_err(|e| {
        if too_deep.get() {
            DefinitionError::new(
                "$",
                format!(
                    "the definition is nested more than {MAX_JSON_DEPTH} levels deep (at line {} column {}); states may be nested at most {MAX_STATE_DEPTH} deep",
                    e.line(),
                    e.column()
                ),
            )
        } else {
            DefinitionError::new("$", format!("the definition is not valid JSON: {e}"))
        }
    })
}

/// serde_json's own `Value` visitor, counting the levels of arrays and objects left.
#[derive(Clone, Copy)]
struct Depth<'c> {
    left: usize,
    too_deep: &'c std::cell::Cell<bool>,
}

impl Depth<'_> {
    fn deeper<E: serde::de::Error>(self) -> Result<Self, E> {
        if self.left == 0 {
            self.too_deep.set(true);
            return Err(E::custom(format_args!("nested more than {MAX_JSON_DEPTH} levels deep")));
        }
        Ok(Depth { left: self.left - 1, too_deep: self.too_deep })
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Depth<'_> {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Depth<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        serde::de::DeserializeSeed::deserialize(self, deserializer)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.deeper()?;
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(item) = seq.next_element_seed(inner)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.deeper()?;
        let mut values = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(inner)?;
            values.insert(key, value);
        }
        Ok(Value::Object(values))
    }
}

/// FNV-1a over the bytes serde_json writes, without holding them.
struct Fnv(u64);

impl std::io::Write for Fnv {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0 = crate::fingerprint::fnv1a_extend(self.0, bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The machine digest: FNV-1a of the definition's compact JSON, keys in their given order.
fn digest_of(definition: &Value) -> u64 {
    let mut hasher = Fnv(crate::fingerprint::OFFSET_BASIS);
    match serde_json::to_writer(&mut hasher, definition) {
        Ok(()) => hasher.0,
        Err(_) => crate::fingerprint::OFFSET_BASIS,
    }
}

/// Compile a definition given as a parsed JSON value. Every step is linear in the size of the
/// definition; states nested more than [`MAX_STATE_DEPTH`] deep are refused.
pub fn compile(definition: &Value, guard_default: bool) -> Result<Machine, DefinitionError> {
    let root = definition
        .as_object()
        .ok_or_else(|| DefinitionError::new("$", format!("a machine definition must be a JSON object, not {}", kind_of(definition))))?;
    let machine_id = match root.get("id") {
        None => "(machine)".to_string(),
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(other) => return Err(DefinitionError::new("$.id", format!("must be a non-empty string, not {}", kind_of(other)))),
    };
    let digest = digest_of(definition);
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
        children_by_key: HashMap::new(),
        action_index: HashMap::new(),
    };
    builder.add_nodes(root, machine_id)?;
    for ix in 0..builder.machine.nodes.len() {
        builder.link_node(ix as NodeIx)?;
    }
    builder.check_history_defaults()?;
    builder.finish_initial_transition();
    Ok(builder.machine)
}

/// A JSON path into the definition (`$.states.a.on.GO[0].target`), rendered only when a message
/// needs it: building every path as a string cost more than the rest of compiling.
#[derive(Clone, Copy)]
enum Path<'p> {
    Root,
    /// A state already added: `$.states.a.states.b`.
    Node(NodeIx),
    /// A key below a path: `.key`, or `["key"]` where the key is not a plain name.
    Key(&'p Path<'p>, &'p str),
    /// An array item below a path: `[i]`.
    Index(&'p Path<'p>, usize),
}

impl<'p> Path<'p> {
    fn render(&self, nodes: &[Node]) -> String {
        match *self {
            Path::Root => "$".to_string(),
            Path::Node(ix) => {
                let mut keys = Vec::new();
                let mut cursor = ix;
                while let Some(parent) = nodes[cursor as usize].parent {
                    keys.push(nodes[cursor as usize].key.as_str());
                    cursor = parent;
                }
                keys.iter().rev().fold("$".to_string(), |path, key| child_path(&format!("{path}.states"), key))
            }
            Path::Key(parent, key) => child_path(&parent.render(nodes), key),
            Path::Index(parent, i) => format!("{}[{i}]", parent.render(nodes)),
        }
    }

    /// Item `i` of an array, or the path itself for a value given alone (`None`).
    fn item(&'p self, i: Option<usize>) -> Path<'p> {
        match i {
            Some(i) => Path::Index(self, i),
            None => *self,
        }
    }
}

/// The keys of a state config that the compiler reads, found in one pass over its entries
/// rather than by a (hashed) lookup each.
#[derive(Default)]
struct StateKeys<'a> {
    id: Option<&'a Value>,
    kind: Option<&'a Value>,
    initial: Option<&'a Value>,
    states: Option<&'a Value>,
    on: Option<&'a Value>,
    always: Option<&'a Value>,
    on_done: Option<&'a Value>,
    entry: Option<&'a Value>,
    exit: Option<&'a Value>,
    after: Option<&'a Value>,
    invoke: Option<&'a Value>,
    output: Option<&'a Value>,
    context: Option<&'a Value>,
    history: Option<&'a Value>,
    target: Option<&'a Value>,
    /// A key a state may hold only at the root (`context`, `version`), a history state's own
    /// (`history`, `target`), or one no state may hold: the keys must then be checked.
    unusual: bool,
}

impl<'a> StateKeys<'a> {
    fn of(config: &'a Map<String, Value>) -> Self {
        let mut keys = StateKeys::default();
        for (key, value) in config {
            let slot = match key.as_str() {
                "id" => &mut keys.id,
                "type" => &mut keys.kind,
                "initial" => &mut keys.initial,
                "states" => &mut keys.states,
                "on" => &mut keys.on,
                "always" => &mut keys.always,
                "onDone" => &mut keys.on_done,
                "entry" => &mut keys.entry,
                "exit" => &mut keys.exit,
                "after" => &mut keys.after,
                "invoke" => &mut keys.invoke,
                "output" => &mut keys.output,
                "context" => &mut keys.context,
                "history" => &mut keys.history,
                "target" => &mut keys.target,
                "meta" | "tags" | "description" => continue,
                _ => {
                    keys.unusual = true;
                    continue;
                }
            };
            keys.unusual |= matches!(key.as_str(), "context" | "history" | "target");
            *slot = Some(value);
        }
        keys
    }
}

/// The values of a few keys of a small object, in one pass over its entries.
fn pick<'v, const N: usize>(obj: &'v Map<String, Value>, names: [&str; N]) -> [Option<&'v Value>; N] {
    let mut out = [None; N];
    for (key, value) in obj {
        if let Some(i) = names.iter().position(|n| n == key) {
            out[i] = Some(value);
        }
    }
    out
}

/// A value given alone or as an array: the items, each with its index if it was in an array.
fn items(value: &Value) -> impl Iterator<Item = (&Value, Option<usize>)> {
    let (list, indexed) = match value {
        Value::Array(list) => (list.as_slice(), true),
        other => (std::slice::from_ref(other), false),
    };
    list.iter().enumerate().map(move |(i, v)| (v, indexed.then_some(i)))
}

struct Builder<'a> {
    machine: Machine,
    /// Each node's config object, by node index.
    configs: Vec<&'a Map<String, Value>>,
    ids: HashMap<String, NodeIx>,
    /// Every child (history children included) by its parent and key.
    children_by_key: HashMap<(NodeIx, &'a str), NodeIx>,
    action_index: HashMap<(String, Option<String>), ActionIx>,
}

/// A state's `states` object.
type States = Map<String, Value>;

/// A child state still to be added, with its parent.
struct Pending<'a> {
    parent: NodeIx,
    key: &'a String,
    config: &'a Value,
    depth: usize,
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
    fn error(&self, path: Path<'_>, message: impl Into<String>) -> DefinitionError {
        DefinitionError::new(path.render(&self.machine.nodes), message)
    }

    /// First pass: create every node in pre-order, so indices are document order. Iterative:
    /// a stack holds the children still to visit; one buffer holds the default id of the
    /// node at hand's parent (`machine.key.key`), cut back to each parent's length in turn.
    /// Errors come in the order a recursive walk finds them.
    fn add_nodes(&mut self, root: &'a Map<String, Value>, machine_id: String) -> Result<(), DefinitionError> {
        let mut pending: Vec<Pending<'a>> = Vec::new();
        let mut default_id = machine_id.clone();
        // The length of the default id of each ancestor of the next node, by depth.
        let mut lengths: Vec<usize> = vec![default_id.len()];
        let (root_ix, states) = self.add_node(root, Path::Root, machine_id.clone(), machine_id, None)?;
        push_children(&mut pending, root_ix, states, 1);
        while let Some(child) = pending.pop() {
            lengths.truncate(child.depth);
            let parent = Path::Node(child.parent);
            let states = Path::Key(&parent, "states");
            let path = Path::Key(&states, child.key);
            if child.key.is_empty() {
                return Err(self.error(path, "a state key cannot be empty"));
            }
            let Some(config) = child.config.as_object() else {
                return Err(self.error(path, format!("a state must be an object, not {}", kind_of(child.config))));
            };
            if child.depth > MAX_STATE_DEPTH {
                return Err(
                    self.error(path, format!("states are nested more than {MAX_STATE_DEPTH} deep (the limit is {MAX_STATE_DEPTH} states)"))
                );
            }
            default_id.truncate(lengths[child.depth - 1]);
            default_id.push('.');
            default_id.push_str(child.key);
            let (ix, states) = self.add_node(config, path, default_id.clone(), child.key.clone(), Some(child.parent))?;
            self.children_by_key.insert((child.parent, child.key.as_str()), ix);
            let history = self.machine.nodes[ix as usize].kind.is_history();
            let parent = &mut self.machine.nodes[child.parent as usize];
            if history {
                parent.history_children.push(ix);
            } else {
                parent.children.push(ix);
            }
            lengths.push(default_id.len());
            push_children(&mut pending, ix, states, child.depth + 1);
        }
        // Pre-order: a node's last descendant is the largest of its children's.
        for ix in (1..self.machine.nodes.len()).rev() {
            let last = self.machine.nodes[ix].last_descendant;
            let parent = self.machine.nodes[ix].parent.expect("only the root has no parent") as usize;
            if last > self.machine.nodes[parent].last_descendant {
                self.machine.nodes[parent].last_descendant = last;
            }
        }
        Ok(())
    }

    /// One node: its own checks, then the node itself; returns its child states, if any.
    fn add_node(
        &mut self,
        config: &'a Map<String, Value>,
        path: Path<'_>,
        default_id: String,
        key: String,
        parent: Option<NodeIx>,
    ) -> Result<(NodeIx, Option<&'a States>), DefinitionError> {
        let ix = self.machine.nodes.len() as NodeIx;
        let keys = StateKeys::of(config);
        let id = match keys.id {
            None => default_id,
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(other) => return Err(self.error(Path::Key(&path, "id"), format!("must be a non-empty string, not {}", kind_of(other)))),
        };
        if let Some(previous) = self.ids.insert(id.clone(), ix) {
            let first = Path::Node(previous).render(&self.machine.nodes);
            return Err(self.error(path, format!("duplicate state id '{id}' (also used by {first}); every state id must be unique")));
        }
        let states = match keys.states {
            None => None,
            Some(Value::Object(map)) => Some(map),
            Some(other) => {
                return Err(self.error(Path::Key(&path, "states"), format!("must be an object of child states, not {}", kind_of(other))))
            }
        };
        let has_children = states.is_some_and(|s| !s.is_empty());
        let kind = match keys.kind {
            None if has_children => NodeKind::Compound,
            None if keys.history.is_some_and(is_truthy) => NodeKind::History { deep: false },
            None => NodeKind::Atomic,
            Some(Value::String(t)) => match t.as_str() {
                "atomic" => NodeKind::Atomic,
                "compound" => NodeKind::Compound,
                "parallel" => NodeKind::Parallel,
                "final" => NodeKind::Final,
                "history" => NodeKind::History { deep: false },
                other => {
                    return Err(self.error(
                        Path::Key(&path, "type"),
                        format!("unknown state type '{other}'; expected one of atomic, compound, parallel, final, history"),
                    ))
                }
            },
            Some(other) => return Err(self.error(Path::Key(&path, "type"), format!("must be a string, not {}", kind_of(other)))),
        };
        let kind = match kind {
            NodeKind::History { .. } => {
                if parent.is_none() {
                    return Err(self.error(path, "the root cannot be a history state"));
                }
                let deep = match keys.history {
                    None | Some(Value::Bool(true)) | Some(Value::Bool(false)) => false,
                    Some(Value::String(s)) if s == "shallow" => false,
                    Some(Value::String(s)) if s == "deep" => true,
                    Some(other) => {
                        return Err(self.error(Path::Key(&path, "history"), format!("must be \"shallow\" or \"deep\", not {}", show(other))))
                    }
                };
                self.check_keys(config, path, HISTORY_KEYS, &[], "a history state")?;
                NodeKind::History { deep }
            }
            other => {
                if keys.unusual {
                    let root_only: &[&str] = if parent.is_none() { ROOT_ONLY_KEYS } else { &[] };
                    self.check_keys(config, path, NODE_KEYS, root_only, "a state")?;
                }
                other
            }
        };
        match kind {
            NodeKind::Compound if !has_children => {
                return Err(self.error(path, "a compound state needs at least one child state in `states`"))
            }
            NodeKind::Atomic | NodeKind::Final | NodeKind::History { .. } if has_children => {
                return Err(
                    self.error(Path::Key(&path, "states"), format!("a state of type '{}' cannot have child states", type_name(kind)))
                )
            }
            _ => {}
        }
        let history_slot = match kind {
            NodeKind::History { .. } => {
                self.machine.history_slots += 1;
                Some(self.machine.history_slots - 1)
            }
            _ => None,
        };
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
            history_slot,
            history_default: None,
            done_event: None,
            output: None,
        });
        self.configs.push(config);
        Ok((ix, states))
    }

    /// Second pass: everything that refers to other nodes, once every node exists.
    fn link_node(&mut self, ix: NodeIx) -> Result<(), DefinitionError> {
        let config = self.configs[ix as usize];
        let keys = StateKeys::of(config);
        let kind = self.machine.node(ix).kind;
        let path = Path::Node(ix);

        if let NodeKind::History { .. } = kind {
            let parent = self.machine.node(ix).parent.expect("history nodes have a parent");
            let default = match keys.target {
                None | Some(Value::Null) => match self.machine.node(parent).kind {
                    NodeKind::Parallel => HistoryDefault::Parent,
                    _ => HistoryDefault::ParentInitial,
                },
                Some(Value::String(s)) if s.is_empty() => HistoryDefault::ParentInitial,
                Some(target) => {
                    let target_path = Path::Key(&path, "target");
                    let mut resolved = Vec::new();
                    for (text, i) in self.target_texts(target, target_path)? {
                        let node = self.path_from(parent, text).map_err(|m| self.error(target_path.item(i), m))?;
                        // Entering a default elsewhere would enter it without leaving the states
                        // it displaces (`#id` reaches anywhere): a compound state would end up
                        // with two active children, or none. XState leaves that configuration.
                        if node != parent && !self.machine.is_descendant(node, parent) {
                            return Err(self.error(
                                target_path.item(i),
                                format!("a history state's default target must be its parent state or inside it; '{text}' is not"),
                            ));
                        }
                        resolved.push(node);
                    }
                    self.check_compatible_targets(&resolved, target_path)?;
                    HistoryDefault::Targets(resolved)
                }
            };
            self.machine.nodes[ix as usize].history_default = Some(default);
            return Ok(());
        }

        match (kind, keys.initial) {
            (NodeKind::Compound, None) => {
                let first = self.machine.node(ix).children.first().or(self.machine.node(ix).history_children.first());
                let hint = first.map(|c| format!("; try \"initial\": \"{}\"", self.machine.node(*c).key)).unwrap_or_default();
                return Err(self.error(path, format!("a compound state needs an `initial` child state{hint}")));
            }
            (NodeKind::Compound, Some(initial)) => {
                let initial_path = Path::Key(&path, "initial");
                let (target, actions) = match initial {
                    Value::String(s) => (s.as_str(), None),
                    Value::Object(obj) => {
                        self.check_keys(obj, initial_path, &["target", "actions", "description", "meta"], &[], "an initial transition")?;
                        match pick(obj, ["target", "actions"]) {
                            [Some(Value::String(s)), actions] => (s.as_str(), actions),
                            _ => {
                                return Err(self.error(
                                    Path::Key(&initial_path, "target"),
                                    "an initial transition needs a `target` naming a child state",
                                ))
                            }
                        }
                    }
                    other => {
                        return Err(self.error(
                            initial_path,
                            format!("must be a child state key or {{\"target\", \"actions\"}}, not {}", kind_of(other)),
                        ))
                    }
                };
                let Some(child) = self.child_by_key(ix, target) else {
                    return Err(self.error(
                        initial_path,
                        format!(
                            "initial state '{target}' is not a child of #{}; children are: {}",
                            self.machine.node(ix).id,
                            self.child_keys(ix)
                        ),
                    ));
                };
                let initial_actions = match actions {
                    Some(a) => self.actions(a, Path::Key(&initial_path, "actions"))?,
                    None => Vec::new(),
                };
                let node = &mut self.machine.nodes[ix as usize];
                node.initial = Some(child);
                node.initial_actions = initial_actions;
            }
            (_, Some(_)) => {
                return Err(self.error(
                    Path::Key(&path, "initial"),
                    format!("`initial` is only allowed on a compound state, and this state is {}", type_name(kind)),
                ))
            }
            (_, None) => {}
        }

        let entry = match keys.entry {
            Some(a) => self.actions(a, Path::Key(&path, "entry"))?,
            None => Vec::new(),
        };
        let exit = match keys.exit {
            Some(a) => self.actions(a, Path::Key(&path, "exit"))?,
            None => Vec::new(),
        };
        self.machine.nodes[ix as usize].entry = entry;
        self.machine.nodes[ix as usize].exit = exit;

        if let Some(output) = keys.output {
            if ix == ROOT {
                self.machine.output = Some(output.clone());
            } else if kind != NodeKind::Final {
                return Err(self.error(Path::Key(&path, "output"), "`output` is only allowed on final states and the root"));
            }
            self.machine.nodes[ix as usize].output = Some(output.clone());
        }
        if ix == ROOT {
            self.machine.context = keys.context.cloned();
        }

        // XState's transition map: `on`, then `onDone`, then each invocation's handlers, then
        // the delayed transitions. Setting an existing descriptor replaces its list in place.
        let mut map = DescriptorMap::default();
        if let Some(on) = keys.on {
            let on_path = Path::Key(&path, "on");
            let Some(on) = on.as_object() else {
                return Err(self.error(on_path, format!("must be an object mapping event types to transitions, not {}", kind_of(on))));
            };
            for (descriptor, transitions) in JsOrder::of(on) {
                let d_path = Path::Key(&on_path, descriptor);
                self.validate_descriptor(descriptor, d_path)?;
                let list = self.transitions(ix, transitions, d_path)?;
                map.set(Cow::Borrowed(descriptor), list);
            }
        }
        if matches!(kind, NodeKind::Compound | NodeKind::Parallel) {
            let done = format!("xstate.done.state.{}", self.machine.node(ix).id);
            let done_ix = self.intern_event(&done);
            self.machine.nodes[ix as usize].done_event = Some(done_ix);
        }
        // XState reads `onDone` and `always` only when they are truthy in JavaScript: `""`, `null`,
        // `false` and `0` mean no transition there (whereas `on: {E: ""}` is a targetless one).
        if let Some(on_done) = keys.on_done.filter(|v| is_truthy(v)) {
            if !matches!(kind, NodeKind::Compound | NodeKind::Parallel) {
                return Err(self.error(
                    Path::Key(&path, "onDone"),
                    format!("`onDone` is only allowed on compound and parallel states, and this state is {}", type_name(kind)),
                ));
            }
            let list = self.transitions(ix, on_done, Path::Key(&path, "onDone"))?;
            map.set(Cow::Owned(format!("xstate.done.state.{}", self.machine.node(ix).id)), list);
        }
        if let Some(invoke) = keys.invoke {
            let invoke_path = Path::Key(&path, "invoke");
            for (position, (item, i)) in items(invoke).enumerate() {
                let item_path = invoke_path.item(i);
                let Some(obj) = item.as_object() else {
                    return Err(self.error(item_path, format!("an invocation must be an object with a `src`, not {}", kind_of(item))));
                };
                self.check_keys(obj, item_path, INVOKE_KEYS, &[], "an invocation")?;
                let [src, id, input, on_done, on_error, on_snapshot] = pick(obj, ["src", "id", "input", "onDone", "onError", "onSnapshot"]);
                let src = match src {
                    Some(Value::String(s)) if !s.is_empty() => s.clone(),
                    _ => return Err(self.error(Path::Key(&item_path, "src"), "an invocation needs a `src` naming the actor logic")),
                };
                let invoke_id = match id {
                    None => format!("{position}.{}", self.machine.node(ix).id),
                    Some(Value::String(s)) if !s.is_empty() => s.clone(),
                    Some(other) => {
                        return Err(self.error(Path::Key(&item_path, "id"), format!("must be a non-empty string, not {}", kind_of(other))))
                    }
                };
                for (handler, config, prefix) in [
                    ("onDone", on_done, "xstate.done.actor"),
                    ("onError", on_error, "xstate.error.actor"),
                    ("onSnapshot", on_snapshot, "xstate.snapshot"),
                ] {
                    if let Some(config) = config {
                        let list = self.transitions(ix, config, Path::Key(&item_path, handler))?;
                        map.set(Cow::Owned(format!("{prefix}.{invoke_id}")), list);
                    }
                }
                self.machine.nodes[ix as usize].invokes.push(Invoke { id: invoke_id, src, input: input.cloned() });
            }
        }
        if let Some(after) = keys.after {
            let after_path = Path::Key(&path, "after");
            let Some(after) = after.as_object() else {
                return Err(self.error(after_path, format!("must be an object mapping delays to transitions, not {}", kind_of(after))));
            };
            for (delay_key, transitions) in JsOrder::of(after) {
                let id = &self.machine.node(ix).id;
                let (event, delay) = match js_number(delay_key) {
                    Some(ms) => (format!("xstate.after.{}.{id}", js_number_text(ms)), number_value(ms)),
                    None => (format!("xstate.after.{delay_key}.{id}"), Value::String(delay_key.clone())),
                };
                let list = self.transitions(ix, transitions, Path::Key(&after_path, delay_key))?;
                let event_ix = self.intern_event(&event);
                map.extend(Cow::Owned(event), list);
                self.machine.nodes[ix as usize].delays.push(Delay { event: event_ix, delay });
            }
        }
        if let Some(always) = keys.always.filter(|v| is_truthy(v)) {
            let list = self.transitions(ix, always, Path::Key(&path, "always"))?;
            self.machine.nodes[ix as usize].always = list;
        }

        let mut exact = Vec::with_capacity(map.entries.len());
        let mut wildcards = Vec::new();
        for (descriptor, list) in map.entries {
            // A wildcard descriptor is also the exact match of an event with that literal type.
            let event = self.intern_event(&descriptor);
            if let Some(prefix) = wildcard_prefix(&descriptor) {
                wildcards.push(Wildcard { prefix, descriptor: descriptor.into_owned(), transitions: list.clone() });
            }
            exact.push((event, list));
        }
        // XState sorts by JavaScript string length (UTF-16 units); the sort is stable.
        wildcards.sort_by_key(|w| std::cmp::Reverse(w.descriptor.encode_utf16().count()));
        let node = &mut self.machine.nodes[ix as usize];
        node.exact = exact;
        node.wildcards = wildcards;
        Ok(())
    }

    /// Entering a history state without a record enters its default (its `target`, or its
    /// parent's initial state), and entering a compound state enters its initial state; both
    /// unconditionally. If following those leads back to where it started, entering never ends
    /// (XState recurses until the stack runs out): a compound state that starts in its own
    /// target-less history state, history states that name each other, or a history whose
    /// target starts in a history that names it back. Such a definition is refused. (Every such
    /// loop passes through a history state, the only step that can go up the tree.)
    fn check_history_defaults(&self) -> Result<(), DefinitionError> {
        let m = &self.machine;
        let next = |n: NodeIx| -> Vec<NodeIx> {
            let node = m.node(n);
            match node.kind {
                NodeKind::Compound => node.initial.into_iter().collect(),
                NodeKind::History { .. } => {
                    let parent = node.parent.expect("history nodes have a parent");
                    match node.history_default.as_ref().expect("history default") {
                        HistoryDefault::ParentInitial => m.node(parent).initial.into_iter().collect(),
                        HistoryDefault::Parent => Vec::new(),
                        HistoryDefault::Targets(list) => list.clone(),
                    }
                }
                _ => Vec::new(),
            }
        };
        // Depth-first from each history state, iteratively: 1 while on the path, 2 when done.
        let mut mark = vec![0u8; m.nodes.len()];
        for start in (0..m.nodes.len() as NodeIx).filter(|&n| m.node(n).kind.is_history()) {
            if mark[start as usize] != 0 {
                continue;
            }
            let mut path: Vec<(NodeIx, Vec<NodeIx>)> = vec![(start, next(start))];
            mark[start as usize] = 1;
            while let Some((_, successors)) = path.last_mut() {
                match successors.pop() {
                    Some(s) if mark[s as usize] == 1 => {
                        let from = path.iter().position(|(n, _)| *n == s).expect("on the path");
                        let mut cycle: Vec<NodeIx> = path[from..].iter().map(|(n, _)| *n).collect();
                        // Name the loop from its first history state.
                        let first = cycle.iter().position(|&n| m.node(n).kind.is_history()).expect("a history state");
                        cycle.rotate_left(first);
                        let h = cycle[0];
                        let chain: Vec<String> = cycle.iter().chain([&h]).map(|&n| format!("#{}", m.node(n).id)).collect();
                        return Err(DefinitionError::new(
                            Path::Node(h).render(&m.nodes),
                            format!(
                                "the default of history state #{} leads back to it ({}); give one of these history states a `target` that is not a history state, or start its parent in another child",
                                m.node(h).id,
                                chain.join(" -> ")
                            ),
                        ));
                    }
                    Some(s) if mark[s as usize] == 0 => {
                        mark[s as usize] = 1;
                        path.push((s, next(s)));
                    }
                    Some(_) => {}
                    None => {
                        let (done, _) = path.pop().expect("not empty");
                        mark[done as usize] = 2;
                    }
                }
            }
        }
        Ok(())
    }

    fn finish_initial_transition(&mut self) {
        // The initial configuration in pre-order: each compound's initial child, every region.
        let m = &self.machine;
        let mut targets = Vec::new();
        let mut seen = vec![false; m.nodes.len()];
        let mut stack = vec![ROOT];
        while let Some(n) = stack.pop() {
            if std::mem::replace(&mut seen[n as usize], true) {
                continue;
            }
            targets.push(n);
            match m.node(n).kind {
                NodeKind::Compound => stack.push(m.node(n).initial.expect("compound has initial")),
                NodeKind::Parallel => stack.extend(m.node(n).children.iter().rev()),
                _ => {}
            }
        }
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

    fn actions(&mut self, value: &Value, path: Path<'_>) -> Result<Vec<ActionIx>, DefinitionError> {
        let mut out = Vec::new();
        for (item, i) in items(value) {
            let item_path = path.item(i);
            let action = match item {
                Value::String(s) if !s.is_empty() => Action { kind: s.clone(), params: None },
                Value::Object(obj) => {
                    self.check_keys(obj, item_path, &["type", "params"], &[], "an action")?;
                    match pick(obj, ["type", "params"]) {
                        [Some(Value::String(s)), params] if !s.is_empty() => Action { kind: s.clone(), params: params.cloned() },
                        _ => return Err(self.error(Path::Key(&item_path, "type"), "an action object needs a non-empty string `type`")),
                    }
                }
                other => {
                    return Err(
                        self.error(item_path, format!("an action must be a name or {{\"type\", \"params\"}}, not {}", kind_of(other)))
                    )
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
    fn transitions(&mut self, source: NodeIx, value: &Value, path: Path<'_>) -> Result<Vec<TransIx>, DefinitionError> {
        let mut out = Vec::new();
        for (item, i) in items(value) {
            let item_path = path.item(i);
            let transition = match item {
                Value::Null => Transition { source, targets: None, guard: None, actions: Vec::new(), reenter: false },
                Value::String(_) => {
                    let targets = self.resolve_targets(source, item, item_path)?;
                    Transition { source, targets, guard: None, actions: Vec::new(), reenter: false }
                }
                Value::Object(obj) => {
                    self.check_keys(obj, item_path, TRANSITION_KEYS, &[], "a transition")?;
                    let [target, guard, actions, reenter] = pick(obj, ["target", "guard", "actions", "reenter"]);
                    let targets = match target {
                        None | Some(Value::Null) => None,
                        Some(t) => self.resolve_targets(source, t, Path::Key(&item_path, "target"))?,
                    };
                    let guard = match guard {
                        None | Some(Value::Null) => None,
                        Some(g) => Some(self.guard(g, Path::Key(&item_path, "guard"))?),
                    };
                    let actions = match actions {
                        None | Some(Value::Null) => Vec::new(),
                        Some(a) => self.actions(a, Path::Key(&item_path, "actions"))?,
                    };
                    let reenter = match reenter {
                        None | Some(Value::Null) => false,
                        Some(Value::Bool(b)) => *b,
                        Some(other) => {
                            return Err(
                                self.error(Path::Key(&item_path, "reenter"), format!("must be true or false, not {}", kind_of(other)))
                            )
                        }
                    };
                    Transition { source, targets, guard, actions, reenter }
                }
                other => {
                    return Err(self.error(item_path, format!("a transition must be a target, an object or null, not {}", kind_of(other))))
                }
            };
            out.push(self.machine.transitions.len() as TransIx);
            self.machine.transitions.push(transition);
        }
        Ok(out)
    }

    fn guard(&mut self, value: &Value, path: Path<'_>) -> Result<GuardIx, DefinitionError> {
        match value {
            Value::String(s) if !s.is_empty() => Ok(self.intern_guard(s)),
            Value::Object(obj) => {
                self.check_keys(obj, path, &["type", "params"], &[], "a guard")?;
                match pick(obj, ["type"]) {
                    [Some(Value::String(s))] if !s.is_empty() => Ok(self.intern_guard(s)),
                    _ => Err(self.error(Path::Key(&path, "type"), "a guard object needs a non-empty string `type`")),
                }
            }
            other => Err(self.error(path, format!("a guard must be a name or {{\"type\", \"params\"}}, not {}", kind_of(other)))),
        }
    }

    /// XState's `resolveTarget`: `#id[.path]`, `.child[.path]` below the source, otherwise a path
    /// from the source's parent. An empty target (or `[]`) makes the transition targetless.
    fn resolve_targets(&mut self, source: NodeIx, target: &Value, path: Path<'_>) -> Result<Option<Vec<NodeIx>>, DefinitionError> {
        if let Value::String(text) = target {
            // The common case, one target, without the list of texts.
            if text.is_empty() {
                return Ok(None);
            }
            let node = self.resolve_target(source, text).map_err(|m| self.error(path, m))?;
            return Ok(Some(vec![node]));
        }
        let texts = self.target_texts(target, path)?;
        if texts.is_empty() {
            return Ok(None);
        }
        let mut resolved = Vec::with_capacity(texts.len());
        for (text, i) in texts {
            let node = self.resolve_target(source, text).map_err(|m| self.error(path.item(i), m))?;
            resolved.push(node);
        }
        self.check_compatible_targets(&resolved, path)?;
        Ok(Some(resolved))
    }

    /// Several targets must be able to be active together: each pair must sit in different
    /// regions of a parallel state. XState would silently enter two children of one compound
    /// state, a configuration no machine can be in.
    fn check_compatible_targets(&self, targets: &[NodeIx], path: Path<'_>) -> Result<(), DefinitionError> {
        let m = &self.machine;
        // A history state restores its parent's children, so it stands for its parent here.
        let place = |n: NodeIx| if m.node(n).kind.is_history() { m.node(n).parent.unwrap_or(n) } else { n };
        let compatible = |target_a: NodeIx, target_b: NodeIx| {
            let (a, b) = (place(target_a), place(target_b));
            let mut common = m.node(a).parent;
            while let Some(c) = common {
                if m.is_descendant(b, c) {
                    break;
                }
                common = m.node(c).parent;
            }
            a != b && !m.is_descendant(a, b) && !m.is_descendant(b, a) && common.is_some_and(|c| m.node(c).kind == NodeKind::Parallel)
        };
        // The first pair (in the order the targets are written) that cannot be active together.
        let first = if targets.len() <= 16 {
            (0..targets.len()).find_map(|i| (i + 1..targets.len()).find(|&j| !compatible(targets[i], targets[j])).map(|j| (i, j)))
        } else {
            self.first_in_conflict(targets, place)
                .map(|i| (i, (i + 1..targets.len()).find(|&j| !compatible(targets[i], targets[j])).expect("a conflicting target")))
        };
        match first {
            None => Ok(()),
            Some((i, j)) => Err(self.error(
                path,
                format!(
                    "targets #{} and #{} cannot be active together; several targets must lie in different regions of one parallel state",
                    m.node(targets[i]).id,
                    m.node(targets[j]).id
                ),
            )),
        }
    }

    /// The first target that some later target cannot be active with, in O(targets x depth x
    /// log targets) rather than by comparing every pair. Target `b` can be active with target
    /// `a` exactly when, for some parallel ancestor `p` of `a` (with `c` its child above `a`),
    /// `b` lies strictly below `p` but outside `c`'s subtree: `p` is then their nearest common
    /// ancestor, and neither contains the other. Those ranges are disjoint, so counting the
    /// later targets in each tells whether all of them can be active with `a`.
    fn first_in_conflict(&self, targets: &[NodeIx], place: impl Fn(NodeIx) -> NodeIx) -> Option<usize> {
        let m = &self.machine;
        let places: Vec<NodeIx> = targets.iter().map(|&t| place(t)).collect();
        let mut later = RangeCounter::new(places.clone());
        let mut first = None;
        for (i, &a) in places.iter().enumerate().rev() {
            let mut compatible = 0;
            let mut below = a;
            while let Some(p) = m.node(below).parent {
                if m.node(p).kind == NodeKind::Parallel {
                    compatible += later.within(p + 1, m.node(p).last_descendant) - later.within(below, m.node(below).last_descendant);
                }
                below = p;
            }
            if compatible < later.total {
                first = Some(i);
            }
            later.add(a);
        }
        first
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
        let mut segments = Segments::of(target);
        let first = segments.next().unwrap_or_default();
        let id = &first[1..];
        let start = *self.ids.get(id).ok_or_else(|| format!("no state has the id '{id}' (target '{target}')"))?;
        self.walk(start, segments, target)
    }

    fn path_from(&self, from: NodeIx, path: &str) -> Result<NodeIx, String> {
        if path.starts_with('#') {
            if let Ok(found) = self.by_id_path(path) {
                return Ok(found);
            }
        }
        self.walk(from, Segments::of(path), path)
    }

    fn walk<'s>(&self, from: NodeIx, segments: impl Iterator<Item = Cow<'s, str>>, whole: &str) -> Result<NodeIx, String> {
        let mut cursor = from;
        for segment in segments {
            if segment.is_empty() {
                break;
            }
            if segment.starts_with('#') {
                cursor = self.by_id_path(&segment)?;
                continue;
            }
            cursor = self.child_by_key(cursor, &segment).ok_or_else(|| {
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
        self.children_by_key.get(&(parent, key)).copied()
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

    /// The texts of a target (a string or an array of strings), each with its index if it was in
    /// an array.
    fn target_texts<'v>(&self, target: &'v Value, path: Path<'_>) -> Result<Vec<(&'v str, Option<usize>)>, DefinitionError> {
        match target {
            Value::String(s) => Ok(vec![(s.as_str(), None)]),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::String(s) if !s.is_empty() => Ok((s.as_str(), Some(i))),
                    other => Err(self.error(Path::Index(&path, i), format!("a target must be a non-empty string, not {}", kind_of(other)))),
                })
                .collect(),
            other => Err(self.error(path, format!("a target must be a string or an array of strings, not {}", kind_of(other)))),
        }
    }

    /// Refuse a key outside `allowed` and `also` (the allowed keys are listed in that order).
    fn check_keys(
        &self,
        obj: &Map<String, Value>,
        path: Path<'_>,
        allowed: &[&str],
        also: &[&str],
        what: &str,
    ) -> Result<(), DefinitionError> {
        for key in obj.keys() {
            if !allowed.contains(&key.as_str()) && !also.contains(&key.as_str()) {
                let all: Vec<&str> = allowed.iter().chain(also).copied().collect();
                return Err(
                    self.error(Path::Key(&path, key), format!("unsupported key '{key}' in {what}; allowed keys are: {}", all.join(", ")))
                );
            }
        }
        Ok(())
    }

    /// Reject what XState would mis-handle silently: an empty descriptor, or a `*` anywhere but as
    /// the whole last token.
    fn validate_descriptor(&self, descriptor: &str, path: Path<'_>) -> Result<(), DefinitionError> {
        if descriptor.is_empty() {
            return Err(self.error(path, "an event descriptor cannot be empty; use `always` for eventless transitions"));
        }
        if descriptor.contains('*') && descriptor != "*" {
            let tokens: Vec<&str> = descriptor.split('.').collect();
            let last = tokens.len() - 1;
            let valid = tokens[last] == "*" && tokens[..last].iter().all(|t| !t.contains('*'));
            if !valid {
                return Err(self.error(
                    path,
                    format!("invalid wildcard '{descriptor}': `*` may only be the whole descriptor or its last token, as in \"order.*\""),
                ));
            }
        }
        Ok(())
    }
}

/// XState's `toStatePath`, one segment at a time: split on `.`, with `\` escaping the next
/// character. A segment without escapes is borrowed from the path.
struct Segments<'s> {
    rest: Option<&'s str>,
}

impl<'s> Segments<'s> {
    fn of(path: &'s str) -> Self {
        Segments { rest: Some(path) }
    }
}

impl<'s> Iterator for Segments<'s> {
    type Item = Cow<'s, str>;

    fn next(&mut self) -> Option<Cow<'s, str>> {
        let rest = self.rest?;
        match rest.find(['.', '\\']) {
            None => {
                self.rest = None;
                Some(Cow::Borrowed(rest))
            }
            Some(at) if rest.as_bytes()[at] == b'.' => {
                self.rest = Some(&rest[at + 1..]);
                Some(Cow::Borrowed(&rest[..at]))
            }
            Some(_) => {
                let mut segment = String::new();
                let mut chars = rest.char_indices();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '\\' => {
                            if let Some((_, next)) = chars.next() {
                                segment.push(next);
                            }
                        }
                        '.' => {
                            self.rest = Some(&rest[i + 1..]);
                            return Some(Cow::Owned(segment));
                        }
                        other => segment.push(other),
                    }
                }
                self.rest = None;
                Some(Cow::Owned(segment))
            }
        }
    }
}

/// XState's `toStatePath`: split on `.`, with `\` escaping the next character.
#[cfg(test)]
fn split_path(path: &str) -> Vec<String> {
    Segments::of(path).map(Cow::into_owned).collect()
}

fn escape_key(key: &str) -> String {
    key.replace('\\', "\\\\").replace('.', "\\.")
}

/// The tokens before the trailing `*` of a wildcard descriptor; `None` for an exact one.
fn wildcard_prefix(descriptor: &str) -> Option<Vec<String>> {
    if descriptor == "*" {
        return Some(Vec::new());
    }
    let stem = descriptor.strip_suffix(".*")?;
    Some(stem.split('.').map(str::to_string).collect())
}

/// Object entries in JavaScript's property order: array-index keys ascending, then the rest
/// as written (the entries themselves when no key is an array index).
enum JsOrder<'m> {
    Written(serde_json::map::Iter<'m>),
    Sorted(std::vec::IntoIter<(&'m String, &'m Value)>),
}

impl<'m> JsOrder<'m> {
    fn of(map: &'m Map<String, Value>) -> Self {
        if !map.keys().any(|k| array_index(k).is_some()) {
            return JsOrder::Written(map.iter());
        }
        let mut indices: Vec<(u32, (&String, &Value))> = Vec::new();
        let mut others = Vec::with_capacity(map.len());
        for entry in map {
            match array_index(entry.0) {
                Some(i) => indices.push((i, entry)),
                None => others.push(entry),
            }
        }
        indices.sort_unstable_by_key(|(i, _)| *i);
        JsOrder::Sorted(indices.into_iter().map(|(_, e)| e).chain(others).collect::<Vec<_>>().into_iter())
    }
}

impl<'m> Iterator for JsOrder<'m> {
    type Item = (&'m String, &'m Value);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            JsOrder::Written(entries) => entries.next(),
            JsOrder::Sorted(entries) => entries.next(),
        }
    }
}

impl DoubleEndedIterator for JsOrder<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            JsOrder::Written(entries) => entries.next_back(),
            JsOrder::Sorted(entries) => entries.next_back(),
        }
    }
}

/// Queue a node's child states, last first, so they are taken in document order.
fn push_children<'a>(pending: &mut Vec<Pending<'a>>, parent: NodeIx, states: Option<&'a States>, depth: usize) {
    if let Some(states) = states {
        for (key, config) in JsOrder::of(states).rev() {
            pending.push(Pending { parent, key, config, depth });
        }
    }
}

/// A state's transition map: descriptors in XState's map order with their candidates. Looked
/// up by a scan while small, by a hash index once it grows (a state may handle many events).
#[derive(Default)]
struct DescriptorMap<'a> {
    entries: Vec<(Cow<'a, str>, Vec<TransIx>)>,
    index: HashMap<Cow<'a, str>, usize>,
}

impl<'a> DescriptorMap<'a> {
    const SCAN: usize = 8;

    fn position(&self, descriptor: &str) -> Option<usize> {
        if self.entries.len() <= Self::SCAN {
            self.entries.iter().position(|(d, _)| d == descriptor)
        } else {
            self.index.get(descriptor).copied()
        }
    }

    fn push(&mut self, descriptor: Cow<'a, str>, list: Vec<TransIx>) {
        self.entries.push((descriptor, list));
        let len = self.entries.len();
        if len == Self::SCAN + 1 {
            self.index = self.entries.iter().enumerate().map(|(i, (d, _))| (d.clone(), i)).collect();
        } else if len > Self::SCAN + 1 {
            self.index.insert(self.entries[len - 1].0.clone(), len - 1);
        }
    }

    /// Setting an existing descriptor replaces its list in place.
    fn set(&mut self, descriptor: Cow<'a, str>, list: Vec<TransIx>) {
        match self.position(&descriptor) {
            Some(i) => self.entries[i].1 = list,
            None => self.push(descriptor, list),
        }
    }

    /// Delayed transitions add to an existing descriptor's list.
    fn extend(&mut self, descriptor: Cow<'a, str>, list: Vec<TransIx>) {
        match self.position(&descriptor) {
            Some(i) => self.entries[i].1.extend(list),
            None => self.push(descriptor, list),
        }
    }
}

/// Counts of points (node indices) in ranges, with points added one at a time: a Fenwick tree
/// over the distinct points it will ever hold.
struct RangeCounter {
    points: Vec<NodeIx>,
    tree: Vec<u32>,
    total: u32,
}

impl RangeCounter {
    fn new(mut points: Vec<NodeIx>) -> Self {
        points.sort_unstable();
        points.dedup();
        let tree = vec![0; points.len() + 1];
        RangeCounter { points, tree, total: 0 }
    }

    fn add(&mut self, point: NodeIx) {
        let mut i = self.points.binary_search(&point).expect("a known point") + 1;
        while i < self.tree.len() {
            self.tree[i] += 1;
            i += i & i.wrapping_neg();
        }
        self.total += 1;
    }

    /// How many points added are below `bound` (a count of distinct-point slots, then summed).
    fn below(&self, bound: NodeIx) -> u32 {
        let mut i = self.points.partition_point(|&p| p < bound);
        let mut sum = 0;
        while i > 0 {
            sum += self.tree[i];
            i &= i - 1;
        }
        sum
    }

    /// How many points added lie in `lo ..= hi`.
    fn within(&self, lo: NodeIx, hi: NodeIx) -> u32 {
        self.below(hi + 1) - self.below(lo)
    }
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
        let keys: Vec<&str> = JsOrder::of(&map).map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["2", "10", "b", "a", "01"]);
        let backwards: Vec<&str> = JsOrder::of(&map).rev().map(|(k, _)| k.as_str()).collect();
        assert_eq!(backwards, ["01", "a", "b", "10", "2"]);
        let plain: Map<String, Value> = serde_json::from_str(r#"{"b":1,"a":2}"#).unwrap();
        assert_eq!(JsOrder::of(&plain).rev().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["a", "b"]);
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

    /// A chain of `depth` states below the root, each starting in the next; the deepest has
    /// two atomic children, `s` (initial) and `t`, with `GO` from one to the other.
    fn chain(depth: usize) -> Value {
        let mut state = serde_json::json!({"initial": "s", "states": {"s": {"on": {"GO": "t"}}, "t": {}}});
        for _ in 1..depth - 1 {
            state = serde_json::json!({"initial": "s", "states": {"s": state}});
        }
        serde_json::json!({"id": "m", "initial": "s", "states": {"s": state}})
    }

    #[test]
    fn states_nest_up_to_the_limit_and_no_deeper() {
        let machine = compile(&chain(MAX_STATE_DEPTH), true).unwrap();
        assert_eq!(machine.nodes.iter().map(|n| n.id.matches('.').count()).max(), Some(MAX_STATE_DEPTH));
        let err = compile(&chain(MAX_STATE_DEPTH + 1), true).unwrap_err();
        assert_eq!(err.path, format!("${}", ".states.s".repeat(MAX_STATE_DEPTH + 1)));
        assert_eq!(err.message, "states are nested more than 256 deep (the limit is 256 states)");
        // From text too, although that is more than 2 * 256 levels of JSON.
        assert!(compile_str(&chain(MAX_STATE_DEPTH).to_string(), true).is_ok());
        assert_eq!(compile_str(&chain(MAX_STATE_DEPTH + 1).to_string(), true).unwrap_err(), err);
    }

    #[test]
    fn json_nests_up_to_its_limit_and_no_deeper() {
        // The root object is level 1; the context adds the rest.
        let text = |levels: usize| {
            format!(r#"{{"id":"m","initial":"a","states":{{"a":{{}}}},"context":{}1{}}}"#, "[".repeat(levels - 1), "]".repeat(levels - 1))
        };
        assert!(compile_str(&text(MAX_JSON_DEPTH), true).is_ok());
        let err = compile_str(&text(MAX_JSON_DEPTH + 1), true).unwrap_err();
        assert_eq!(err.path, "$");
        assert_eq!(
            err.message,
            format!(
                "the definition is nested more than 640 levels deep (at line 1 column {}); states may be nested at most 256 deep",
                52 + 640
            )
        );
        // Far deeper input is refused the same way, without running out of stack.
        let err = compile_str(&"[".repeat(1_000_000), true).unwrap_err();
        assert!(err.message.starts_with("the definition is nested more than 640 levels deep"), "{err}");
        // Other malformed text keeps serde_json's message.
        assert_eq!(
            compile_str("{\"id\":", true).unwrap_err().message,
            "the definition is not valid JSON: EOF while parsing a value at line 1 column 6"
        );
        assert_eq!(
            compile_str("[1] x", true).unwrap_err().message,
            "the definition is not valid JSON: trailing characters at line 1 column 5"
        );
    }

    #[test]
    fn parsing_keeps_what_serde_json_reads() {
        let text = r#"{"id":"m","initial":"a","states":{"a":{"entry":{"type":"x","params":{"n":-1,"u":18446744073709551615,"f":1.5,"g":1e300,"b":true,"z":null,"s":"\u00e9\n","a":[[],[{}]],"o":{},"d":1,"d":2}}}}}"#;
        let ours = parse(text).unwrap();
        let theirs: Value = serde_json::from_str(text).unwrap();
        assert_eq!(ours, theirs);
        assert_eq!(ours.to_string(), theirs.to_string(), "the same key order");
        let refused = serde_json::from_str::<Value>("[1e400]").unwrap_err();
        assert_eq!(parse("[1e400]").unwrap_err().message, format!("the definition is not valid JSON: {refused}"));
    }

    #[test]
    fn the_digest_is_fnv1a_of_the_compact_text_in_the_given_key_order() {
        let text =
            r#"{"id":"m","initial":"b","states":{"b":{"on":{"GO":"a"}},"a":{"entry":[{"type":"é","params":{"z":1,"a":[1.5,null]}}]}}}"#;
        let machine = compile_str(text, true).unwrap();
        assert_eq!(machine.digest, crate::fingerprint::fnv1a(text.as_bytes()));
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(compile(&value, true).unwrap().digest, machine.digest);
    }

    #[test]
    fn a_history_default_outside_its_parent_is_refused() {
        // Found by the compile fuzzer: entering B by GO starts it in hB, whose default is the
        // root; A then had two active children and B none.
        let err = compile_str(
            r##"{"id":"m","initial":"A","states":{"A":{"initial":"x","states":{"x":{"on":{"GO":"B"}},"B":{"initial":"hB","states":{"b":{},"hB":{"type":"history","target":"#m"}}}}}}}"##,
            true,
        )
        .unwrap_err();
        assert_eq!(err.path, "$.states.A.states.B.states.hB.target");
        assert!(err.message.contains("'#m' is not"), "{err}");
        // Its parent itself, or any state inside it, is a default.
        for target in ["#m.A.B", "b", "#m.A.B.b"] {
            let text = format!(
                r#"{{"id":"m","initial":"A","states":{{"A":{{"initial":"x","states":{{"x":{{"on":{{"GO":"B.hB"}}}},"B":{{"initial":"b","states":{{"b":{{}},"hB":{{"type":"history","target":"{target}"}}}}}}}}}}}}}}"#
            );
            compile_str(&text, true).unwrap_or_else(|e| panic!("{target}: {e}"));
        }
    }

    #[test]
    fn a_history_default_that_leads_back_to_itself_is_refused() {
        let err = compile_str(r#"{"id":"m","initial":"h","states":{"h":{"type":"history"}}}"#, true).unwrap_err();
        assert_eq!(err.path, "$.states.h");
        assert!(err.message.starts_with("the default of history state #m.h leads back to it (#m.h -> #m.h)"), "{err}");
        let err = compile_str(
            r#"{"id":"m","initial":"a","states":{"a":{"initial":"h1","states":{"h1":{"type":"history","target":"h2"},"h2":{"type":"history"},"x":{}}}}}"#,
            true,
        )
        .unwrap_err();
        assert_eq!(err.path, "$.states.a.states.h1");
        assert!(err.message.contains("(#m.a.h1 -> #m.a.h2 -> #m.a.h1)"), "{err}");
        // Through a compound state's initial history state (found by the compile fuzzer): its
        // default leaves its parent, which is refused before any cycle could form.
        let err = compile_str(
            r##"{"id":"m","initial":"A","states":{"A":{"initial":"x","states":{"x":{"on":{"GO":"h1"}},"h1":{"type":"history","target":"B"},"B":{"initial":"hB","states":{"b1":{},"hB":{"type":"history","target":"#m.A.h1"}}}}}}}"##,
            true,
        )
        .unwrap_err();
        assert_eq!(err.path, "$.states.A.states.B.states.hB.target");
        assert!(err.message.contains("must be its parent state or inside it; '#m.A.h1' is not"), "{err}");
        // A chain of history defaults that ends in a state is fine.
        let machine = compile_str(
            r#"{"id":"m","initial":"a","states":{"a":{"initial":"h1","states":{"h1":{"type":"history","target":"h2"},"h2":{"type":"history","target":"x"},"x":{}}}}}"#,
            true,
        )
        .unwrap();
        let step = crate::initial(&machine, &[]).unwrap();
        assert_eq!(crate::value::state_value(&machine, &step.snapshot), serde_json::json!({"a": "x"}));
    }

    #[test]
    fn a_state_with_many_events_keeps_xstates_map_order_and_replacements() {
        let mut on = Map::new();
        for i in 0..40 {
            on.insert(format!("E{i}"), Value::String(format!(".s{}", i % 3)));
        }
        // `onDone` replaces the list that `on` gave its descriptor, in place (the 41st entry).
        on.insert("xstate.done.state.m.p".into(), Value::String(".s0".into()));
        let definition = serde_json::json!({"id": "m", "initial": "p", "states": {
            "p": {"initial": "s0", "on": on, "onDone": ".s2", "states": {"s0": {}, "s1": {}, "s2": {}}}}});
        let machine = compile(&definition, true).unwrap();
        let p = &machine.nodes[1];
        assert_eq!(p.exact.len(), 41);
        let names: Vec<&str> = p.exact.iter().map(|(e, _)| machine.event_name(*e)).collect();
        assert_eq!(names[..3], ["E0", "E1", "E2"]);
        assert_eq!(names[40], "xstate.done.state.m.p");
        let done = &p.exact[40].1;
        assert_eq!(machine.transition(done[0]).targets.as_deref(), Some(&[machine.nodes[1].children[2]][..]));
        let e38 = &p.exact[38].1;
        assert_eq!(machine.transition(e38[0]).targets.as_deref(), Some(&[machine.nodes[1].children[2]][..]));
    }

    /// The targets' conflict check by ranges gives the pair the plain pairwise check finds.
    mod conflicts {
        use super::*;
        use proptest::prelude::*;

        /// A random tree: each state compound, parallel or atomic, keys by position.
        fn tree(shape: &[(u8, u8)], at: &mut usize, depth: usize) -> Value {
            let (kind, children) = shape.get(*at).copied().unwrap_or((0, 0));
            *at += 1;
            if depth >= 4 || children % 4 == 0 || kind % 3 == 0 {
                return serde_json::json!({});
            }
            let mut states = Map::new();
            for i in 0..(children % 4) {
                states.insert(format!("k{i}"), tree(shape, at, depth + 1));
            }
            if kind % 3 == 1 {
                serde_json::json!({"type": "parallel", "states": states})
            } else {
                serde_json::json!({"initial": "k0", "states": states})
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]
            #[test]
            fn matches_the_pairwise_check(shape in prop::collection::vec((any::<u8>(), any::<u8>()), 1..200),
                                          regions in 17usize..40,
                                          picks in prop::collection::vec(any::<u16>(), 0..4),
                                          from_config in any::<bool>()) {
                // A parallel root with many regions, so that the initial configuration's atomic
                // states are enough targets that can all be active together.
                let mut at = 0;
                let mut states = Map::new();
                for r in 0..regions {
                    states.insert(format!("r{r}"), tree(&shape, &mut at, 1));
                }
                let root = serde_json::json!({"id": "m", "type": "parallel", "states": states});
                let machine = compile(&root, true).unwrap();
                let n = machine.nodes.len();
                let mut places: Vec<NodeIx> = if from_config {
                    let start = machine.transition(machine.initial_transition).targets.clone().unwrap();
                    start.into_iter().filter(|&t| machine.node(t).kind.is_atomic()).collect()
                } else {
                    (0..regions.max(17)).map(|i| ((i * 7919) % n) as NodeIx).collect()
                };
                // Spoil some: a random state in a random place.
                for (k, &p) in picks.iter().enumerate() {
                    let at = (p as usize * 31 + k) % (places.len() + 1);
                    places.insert(at, (p as usize % n) as NodeIx);
                }
                let ids: Vec<String> = machine.nodes.iter().map(|n| n.id.clone()).collect();
                let targets: Vec<Value> = places.iter().map(|&p| Value::String(format!("#{}", ids[p as usize]))).collect();
                let mut with = root.clone();
                with["on"] = serde_json::json!({"GO": {"target": targets}});
                let ours = compile(&with, true).err().map(|e| e.message);
                let m = &machine;
                let pairwise = (0..places.len()).find_map(|i| (i + 1..places.len()).find(|&j| {
                    let (a, b) = (places[i], places[j]);
                    let mut common = m.node(a).parent;
                    while let Some(c) = common {
                        if m.is_descendant(b, c) { break; }
                        common = m.node(c).parent;
                    }
                    a == b || m.is_descendant(a, b) || m.is_descendant(b, a) || !common.is_some_and(|c| m.node(c).kind == NodeKind::Parallel)
                }).map(|j| (i, j)));
                let expected = pairwise.map(|(i, j)| format!(
                    "targets #{} and #{} cannot be active together; several targets must lie in different regions of one parallel state",
                    ids[places[i] as usize], ids[places[j] as usize]));
                if from_config && picks.is_empty() {
                    prop_assert!(expected.is_none());
                }
                prop_assert_eq!(ours, expected);
            }
        }
    }

    #[test]
    fn paths_split_with_escapes() {
        assert_eq!(split_path("a.b\\.c"), vec!["a", "b.c"]);
        assert_eq!(split_path("#m"), vec!["#m"]);
        assert_eq!(split_path("a."), vec!["a", ""]);
        assert_eq!(split_path(""), vec![""]);
        assert_eq!(split_path("x.a\\\\b\\.c.é\\"), vec!["x", "a\\b.c", "é"]);
    }
}
