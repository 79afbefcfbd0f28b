//! The compiled form of a machine definition: an arena of state nodes in document order.
//!
//! Nodes are stored in pre-order (a node, then its children in document order, recursively),
//! which is exactly XState's `order`. Two consequences the stepper relies on:
//! - sorting by index is sorting by document order;
//! - the descendants of node `n` are exactly the indices `n+1 ..= last_descendant(n)`, so
//!   "is a descendant of" is two comparisons.

use serde_json::Value;
use std::collections::HashMap;

pub type NodeIx = u32;
pub type TransIx = u32;
pub type EventIx = u32;
pub type GuardIx = u32;
pub type ActionIx = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Atomic,
    Compound,
    Parallel,
    Final,
    History { deep: bool },
}

impl NodeKind {
    /// XState's `isAtomicStateNode`: atomic and final states have no active children.
    pub fn is_atomic(self) -> bool {
        matches!(self, NodeKind::Atomic | NodeKind::Final)
    }
    pub fn is_history(self) -> bool {
        matches!(self, NodeKind::History { .. })
    }
}

/// Where a history node goes when nothing has been recorded for it yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryDefault {
    /// No `target`, compound parent: the parent's initial transition.
    ParentInitial,
    /// No `target`, parallel parent: the parent itself (so every region starts afresh).
    Parent,
    /// An explicit `target`, resolved relative to the history node's parent.
    Targets(Vec<NodeIx>),
}

#[derive(Debug, Clone)]
pub struct Transition {
    pub source: NodeIx,
    /// `None` for a targetless transition (actions only, or a forbidden one).
    pub targets: Option<Vec<NodeIx>>,
    pub guard: Option<GuardIx>,
    pub actions: Vec<ActionIx>,
    pub reenter: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub kind: String,
    pub params: Option<Value>,
}

/// A delayed transition's timer: entering the state schedules `event`, exiting cancels it.
#[derive(Debug, Clone)]
pub struct Delay {
    pub event: EventIx,
    /// The delay as XState resolves it: a number of milliseconds, or a named delay.
    pub delay: Value,
}

#[derive(Debug, Clone)]
pub struct Invoke {
    pub id: String,
    pub src: String,
    pub input: Option<Value>,
}

/// A wildcard event descriptor (`*` or `a.b.*`) with its candidates.
#[derive(Debug, Clone)]
pub struct Wildcard {
    /// The descriptor's tokens before the trailing `*` (empty for `*`).
    pub prefix: Vec<String>,
    pub descriptor: String,
    pub transitions: Vec<TransIx>,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub key: String,
    pub id: String,
    pub parent: Option<NodeIx>,
    pub kind: NodeKind,
    /// Child states that are not history nodes, in document order (XState's `getChildren`).
    pub children: Vec<NodeIx>,
    /// History children, in document order.
    pub history_children: Vec<NodeIx>,
    pub last_descendant: NodeIx,
    /// The child named by `initial` (compound states only).
    pub initial: Option<NodeIx>,
    pub initial_actions: Vec<ActionIx>,
    pub entry: Vec<ActionIx>,
    pub exit: Vec<ActionIx>,
    pub delays: Vec<Delay>,
    pub invokes: Vec<Invoke>,
    /// Exact event descriptors with their candidates, in XState's map order.
    pub exact: Vec<(EventIx, Vec<TransIx>)>,
    /// Wildcard descriptors, longest first (a stable sort of the map order).
    pub wildcards: Vec<Wildcard>,
    pub always: Vec<TransIx>,
    /// For history nodes: the slot in a snapshot's history table and the default target.
    pub history_slot: Option<u32>,
    pub history_default: Option<HistoryDefault>,
    /// `xstate.done.state.<id>`, for compound and parallel states.
    pub done_event: Option<EventIx>,
    pub output: Option<Value>,
}

#[derive(Debug)]
pub struct Machine {
    pub id: String,
    pub nodes: Vec<Node>,
    pub transitions: Vec<Transition>,
    /// The synthetic transition that starts the machine (XState's initial microstep).
    pub initial_transition: TransIx,
    pub actions: Vec<Action>,
    pub guard_names: Vec<String>,
    pub guard_index: HashMap<String, GuardIx>,
    pub event_names: Vec<String>,
    pub event_index: HashMap<String, EventIx>,
    pub history_slots: u32,
    pub guard_default: bool,
    /// The root's `output`, reported once the machine is done.
    pub output: Option<Value>,
    /// The root's `context`, if the definition gives one.
    pub context: Option<Value>,
    /// FNV-1a of the canonical definition: binds a serialised snapshot to its machine.
    pub digest: u64,
}

pub const ROOT: NodeIx = 0;

impl Machine {
    #[inline]
    pub fn node(&self, ix: NodeIx) -> &Node {
        &self.nodes[ix as usize]
    }

    #[inline]
    pub fn transition(&self, ix: TransIx) -> &Transition {
        &self.transitions[ix as usize]
    }

    /// XState's `isDescendant(child, ancestor)`: strictly below.
    #[inline]
    pub fn is_descendant(&self, child: NodeIx, ancestor: NodeIx) -> bool {
        child > ancestor && child <= self.node(ancestor).last_descendant
    }

    /// Like `is_descendant`, with XState's reading of an undefined ancestor: everything is below it.
    #[inline]
    pub fn is_descendant_of_domain(&self, child: NodeIx, domain: Option<NodeIx>) -> bool {
        match domain {
            Some(d) => self.is_descendant(child, d),
            None => true,
        }
    }

    pub fn event_name(&self, ix: EventIx) -> &str {
        &self.event_names[ix as usize]
    }

    pub fn action(&self, ix: ActionIx) -> &Action {
        &self.actions[ix as usize]
    }

    /// The number of state nodes, history nodes included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The JSON path of a state node's config (`$.states.a.states.b`), from its keys.
    pub fn node_path(&self, ix: NodeIx) -> String {
        let mut keys = Vec::new();
        let mut cursor = ix;
        while let Some(parent) = self.node(cursor).parent {
            keys.push(self.node(cursor).key.as_str());
            cursor = parent;
        }
        let mut path = String::from("$");
        for key in keys.iter().rev() {
            path.push_str(".states.");
            path.push_str(key);
        }
        path
    }

    /// The named delays of `after` (`after: {"reviewWindow": ...}`), each with the JSON path of
    /// its entry, in document order: a host must give each one a duration.
    pub fn named_delays(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for ix in 0..self.nodes.len() as NodeIx {
            for delay in &self.node(ix).delays {
                if let serde_json::Value::String(name) = &delay.delay {
                    out.push((name.clone(), format!("{}.after.{name}", self.node_path(ix))));
                }
            }
        }
        out
    }

    /// The delayed transitions a configuration has running, as `(event, delay)`: what a host
    /// keeps a timer for, in activation order.
    pub fn timers(&self, config: &[NodeIx]) -> Vec<(&str, &serde_json::Value)> {
        config.iter().flat_map(|&n| self.node(n).delays.iter().map(|d| (self.event_name(d.event), &d.delay))).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}
