//! An actor's statechart state, and its byte form.
//!
//! The byte form is versioned and bound to the machine's digest, and loading it checks that it
//! is a valid configuration of that machine, so a stored snapshot can never step a different
//! machine or an impossible state.

use crate::codec::Reader;
use crate::error::SnapshotError;
use crate::model::{Machine, NodeIx, NodeKind, ROOT};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    Done,
    /// An invoked actor reported an error that no state handles (XState's `error` status).
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Done => "done",
            Status::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The active state nodes in activation order (XState's `_nodes`): eventless selection
    /// visits atomic states in this order.
    pub config: Vec<NodeIx>,
    /// What each history node recorded, by history slot.
    pub history: Vec<Option<Vec<NodeIx>>>,
    pub status: Status,
}

const MAGIC: &[u8; 4] = b"SKS1";

impl Snapshot {
    /// XState's pre-initial snapshot: only the root, before the initial microstep.
    pub fn pre_initial(machine: &Machine) -> Snapshot {
        Snapshot { config: vec![ROOT], history: vec![None; machine.history_slots as usize], status: Status::Active }
    }

    pub fn to_bytes(&self, machine: &Machine) -> Vec<u8> {
        let mut out = Vec::with_capacity(24 + 4 * self.config.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&machine.digest.to_le_bytes());
        out.push(match self.status {
            Status::Active => 0,
            Status::Done => 1,
            Status::Error => 2,
        });
        put_list(&mut out, &self.config);
        out.extend_from_slice(&(self.history.len() as u32).to_le_bytes());
        for slot in &self.history {
            match slot {
                None => out.extend_from_slice(&0u32.to_le_bytes()),
                Some(nodes) => {
                    out.extend_from_slice(&(nodes.len() as u32 + 1).to_le_bytes());
                    for n in nodes {
                        out.extend_from_slice(&n.to_le_bytes());
                    }
                }
            }
        }
        out
    }

    pub fn from_bytes(machine: &Machine, data: &[u8]) -> Result<Snapshot, SnapshotError> {
        let mut reader = SnapshotReader(Reader::new(data, "snapshot"));
        if reader.take(4)? != MAGIC {
            return Err(SnapshotError("not a statekeep snapshot (bad magic bytes)".into()));
        }
        let digest = reader.0.u64().map_err(SnapshotError)?;
        if digest != machine.digest {
            return Err(SnapshotError(format!(
                "the snapshot belongs to another definition (digest {digest:016x}, this machine is {:016x})",
                machine.digest
            )));
        }
        let status = match reader.take(1)?[0] {
            0 => Status::Active,
            1 => Status::Done,
            2 => Status::Error,
            other => return Err(SnapshotError(format!("unknown status byte {other}"))),
        };
        let config = reader.list(machine.len())?;
        let slots = reader.u32()? as usize;
        if slots != machine.history_slots as usize {
            return Err(SnapshotError(format!("{slots} history slots, the machine has {}", machine.history_slots)));
        }
        let mut history = Vec::with_capacity(slots);
        for _ in 0..slots {
            let tag = reader.u32()? as usize;
            if tag == 0 {
                history.push(None);
            } else {
                // The count comes from the input: bound it before reserving for it.
                if tag - 1 > machine.len() {
                    return Err(SnapshotError(format!("a history records {} states, the machine has {}", tag - 1, machine.len())));
                }
                let mut nodes = Vec::with_capacity(tag - 1);
                for _ in 0..tag - 1 {
                    nodes.push(reader.node(machine.len())?);
                }
                history.push(Some(nodes));
            }
        }
        if reader.0.remaining() != 0 {
            return Err(SnapshotError(format!("{} trailing bytes", reader.0.remaining())));
        }
        let snapshot = Snapshot { config, history, status };
        snapshot.validate(machine)?;
        Ok(snapshot)
    }

    /// Check that the snapshot is a configuration the machine can be in.
    pub fn validate(&self, machine: &Machine) -> Result<(), SnapshotError> {
        let mut active = vec![false; machine.len()];
        for &n in &self.config {
            if machine.node(n).kind.is_history() {
                return Err(SnapshotError(format!("history state #{} cannot be active", machine.node(n).id)));
            }
            if std::mem::replace(&mut active[n as usize], true) {
                return Err(SnapshotError(format!("state #{} is listed twice", machine.node(n).id)));
            }
        }
        if !active[ROOT as usize] {
            return Err(SnapshotError("the root is not active".into()));
        }
        for &n in &self.config {
            let node = machine.node(n);
            if let Some(p) = node.parent {
                if !active[p as usize] {
                    return Err(SnapshotError(format!("state #{} is active without its parent", node.id)));
                }
            }
            let active_children = node.children.iter().filter(|&&c| active[c as usize]).count();
            let valid = match node.kind {
                NodeKind::Compound => active_children == 1,
                NodeKind::Parallel => active_children == node.children.len(),
                _ => true,
            };
            if !valid {
                return Err(SnapshotError(format!("state #{} has {active_children} active children", node.id)));
            }
        }
        for (slot, recorded) in self.history.iter().enumerate() {
            let Some(nodes) = recorded else { continue };
            let owner = machine.nodes.iter().position(|n| n.history_slot == Some(slot as u32)).expect("slot exists");
            let parent = machine.node(owner as NodeIx).parent.expect("history has a parent");
            if let Some(&bad) = nodes.iter().find(|&&n| !machine.is_descendant(n, parent) || machine.node(n).kind.is_history()) {
                return Err(SnapshotError(format!(
                    "history of #{} records #{}, which is not below its parent",
                    machine.node(owner as NodeIx).id,
                    machine.node(bad).id
                )));
            }
        }
        Ok(())
    }
}

fn put_list(out: &mut Vec<u8>, nodes: &[NodeIx]) {
    out.extend_from_slice(&(nodes.len() as u32).to_le_bytes());
    for n in nodes {
        out.extend_from_slice(&n.to_le_bytes());
    }
}

/// Snapshot reading on the shared reader: indices checked against the machine's size.
struct SnapshotReader<'a>(Reader<'a>);

impl SnapshotReader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], SnapshotError> {
        self.0.take(n).map_err(SnapshotError)
    }
    fn u32(&mut self) -> Result<u32, SnapshotError> {
        self.0.u32().map_err(SnapshotError)
    }
    fn node(&mut self, len: usize) -> Result<NodeIx, SnapshotError> {
        let n = self.u32()?;
        if n as usize >= len {
            return Err(SnapshotError(format!("state index {n} out of range")));
        }
        Ok(n)
    }
    fn list(&mut self, len: usize) -> Result<Vec<NodeIx>, SnapshotError> {
        let count = self.u32()? as usize;
        if count > len {
            return Err(SnapshotError(format!("{count} active states, the machine has {len}")));
        }
        (0..count).map(|_| self.node(len)).collect()
    }
}
