//! Committed versions: a forest in commit order. A version with a parent carries a rule (path,
//! match mode, landing mode); committing it is the deployment.

use crate::fingerprint;
use crate::model::{Machine, NodeIx};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// A version's index is its commit sequence number: versions are committed one at a time and
/// never removed.
pub type VersionIx = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchMode {
    Prefix,
    Exact,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LandingMode {
    Replay,
    State,
}

/// Old state path -> new state path, as key segments.
pub type StateMapping = (Vec<String>, Vec<String>);

/// A deployment's rule over the actors on its parent.
#[derive(Debug, Clone)]
pub struct Rule {
    pub parent: VersionIx,
    pub path: Vec<String>,
    pub path_fp: u64,
    pub match_mode: MatchMode,
    pub landing: LandingMode,
    /// Old state path -> new state path, by dot-separated segments, longest prefix first.
    pub state_map: Vec<StateMapping>,
}

#[derive(Debug)]
pub struct Version {
    pub id: String,
    machine: OnceLock<Arc<Machine>>,
    /// The definition of a version read back from a store, compiled on first use: a process
    /// that opens a store pays only for the versions its work touches.
    stored: Option<StoredDefinition>,
    pub rule: Option<Rule>,
}

/// A definition as a store keeps it: JSON text (key order is document order) and the guard
/// default it was deployed with.
#[derive(Debug, Clone)]
pub struct StoredDefinition {
    pub text: String,
    pub guard_default: bool,
}

impl Version {
    /// The version's compiled machine (a stored version is compiled the first time it is
    /// asked for; it compiled when it was deployed, so it does again).
    pub fn machine(&self) -> &Arc<Machine> {
        self.machine.get_or_init(|| {
            let stored = self.stored.as_ref().expect("a version is compiled or has its definition");
            let machine = crate::compile::compile_str(&stored.text, stored.guard_default)
                .unwrap_or_else(|e| panic!("version '{}' compiled when it was deployed and does not now: {e}", self.id));
            Arc::new(machine)
        })
    }
}

/// A version's machine: compiled (a new deployment), or a stored definition compiled when it is
/// first needed (a version read back from a store).
#[derive(Debug, Clone)]
pub enum Definition {
    Compiled(Arc<Machine>),
    Stored(StoredDefinition),
}

impl From<Arc<Machine>> for Definition {
    fn from(machine: Arc<Machine>) -> Self {
        Definition::Compiled(machine)
    }
}

/// What a deploy asks for; `Registry::commit` validates it.
#[derive(Debug, Clone)]
pub struct Deploy {
    pub id: String,
    pub machine: Definition,
    pub parent: Option<String>,
    pub path: Vec<String>,
    pub match_mode: MatchMode,
    pub landing: LandingMode,
    pub state_map: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistryError {
    DuplicateId(String),
    UnknownVersion(String),
    Invalid(String),
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegistryError::DuplicateId(id) => write!(f, "a version '{id}' is already deployed; deploy the change under a new id"),
            RegistryError::UnknownVersion(id) => write!(f, "no version '{id}' is deployed"),
            RegistryError::Invalid(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for RegistryError {}

/// The fingerprint function the registry uses for chains and paths. Always the law's FNV-1a
/// in production; tests inject a weak one to prove that a collision never moves an actor.
#[derive(Clone, Copy)]
pub struct Hasher {
    pub basis: u64,
    pub extend: fn(u64, &str) -> u64,
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hasher(basis={:016x})", self.basis)
    }
}

impl Default for Hasher {
    fn default() -> Self {
        Hasher { basis: fingerprint::OFFSET_BASIS, extend: fingerprint::extend }
    }
}

impl Hasher {
    pub fn of<S: AsRef<str>>(&self, events: &[S]) -> u64 {
        events.iter().fold(self.basis, |fp, e| (self.extend)(fp, e.as_ref()))
    }
}

/// The committed versions. Cloning is cheap: versions are shared.
#[derive(Debug, Clone)]
pub struct Registry {
    versions: Vec<Arc<Version>>,
    /// The deployments whose parent is each version, in commit order.
    children: Vec<Vec<VersionIx>>,
    index: HashMap<String, VersionIx>,
    pub hasher: Hasher,
    /// How many events of a history an actor's record keeps (`Actor::to_bytes`).
    pub inline_history: usize,
}

/// The events of a history an actor's record keeps by default: enough for the paths of almost
/// every deployment, so the law rarely asks for more.
pub const INLINE_HISTORY: usize = 16;

impl Default for Registry {
    fn default() -> Self {
        Registry {
            versions: Vec::new(),
            children: Vec::new(),
            index: HashMap::new(),
            hasher: Hasher::default(),
            inline_history: INLINE_HISTORY,
        }
    }
}

impl Registry {
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry whose chains and path fingerprints use `hasher`.
    pub fn with_hasher(hasher: Hasher) -> Self {
        Registry { hasher, ..Self::default() }
    }

    /// Commit a version; returns its commit sequence number.
    pub fn commit(&mut self, deploy: Deploy) -> Result<VersionIx, RegistryError> {
        if deploy.id.is_empty() {
            return Err(RegistryError::Invalid("a version id cannot be empty".into()));
        }
        if self.index.contains_key(&deploy.id) {
            return Err(RegistryError::DuplicateId(deploy.id));
        }
        let ix = self.versions.len() as VersionIx;
        let rule = match &deploy.parent {
            None => {
                if !deploy.path.is_empty() || !deploy.state_map.is_empty() {
                    return Err(RegistryError::Invalid("a history path and a state map need a parent version".into()));
                }
                None
            }
            Some(parent_id) => {
                let parent = self.lookup(parent_id)?;
                if let Some(i) = deploy.path.iter().position(|e| e.is_empty()) {
                    return Err(RegistryError::Invalid(format!("event type {i} of the history path is empty")));
                }
                let state_map = self.validate_state_map(&deploy)?;
                Some(Rule {
                    parent,
                    path_fp: self.hasher.of(&deploy.path),
                    path: deploy.path.clone(),
                    match_mode: deploy.match_mode,
                    landing: deploy.landing,
                    state_map,
                })
            }
        };
        if let Some(rule) = &rule {
            self.children[rule.parent as usize].push(ix);
        }
        self.index.insert(deploy.id.clone(), ix);
        let (machine, stored) = match deploy.machine {
            Definition::Compiled(machine) => (OnceLock::from(machine), None),
            Definition::Stored(stored) => (OnceLock::new(), Some(stored)),
        };
        self.versions.push(Arc::new(Version { id: deploy.id, machine, stored, rule }));
        self.children.push(Vec::new());
        Ok(ix)
    }

    fn validate_state_map(&self, deploy: &Deploy) -> Result<Vec<StateMapping>, RegistryError> {
        let mut out: Vec<StateMapping> = Vec::with_capacity(deploy.state_map.len());
        for (old, new) in &deploy.state_map {
            if old.is_empty() || new.is_empty() {
                return Err(RegistryError::Invalid(format!("state map entry '{old}' -> '{new}': both sides must name a state")));
            }
            out.push((old.split('.').map(str::to_string).collect(), new.split('.').map(str::to_string).collect()));
        }
        // Longest old path first, so the first match is the longest prefix.
        out.sort_by_key(|(old, _)| std::cmp::Reverse(old.len()));
        Ok(out)
    }

    pub fn lookup(&self, id: &str) -> Result<VersionIx, RegistryError> {
        self.index.get(id).copied().ok_or_else(|| RegistryError::UnknownVersion(id.to_string()))
    }

    pub fn version(&self, ix: VersionIx) -> &Version {
        &self.versions[ix as usize]
    }

    /// The deployments whose parent is `ix`, in commit order.
    pub fn children(&self, ix: VersionIx) -> &[VersionIx] {
        &self.children[ix as usize]
    }

    /// The number of commits so far.
    pub fn len(&self) -> usize {
        self.versions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }

    /// Whether `descendant` lies below `ancestor` in the version forest.
    pub fn is_below(&self, descendant: VersionIx, ancestor: VersionIx) -> bool {
        let mut cursor = self.version(descendant).rule.as_ref().map(|r| r.parent);
        while let Some(v) = cursor {
            if v == ancestor {
                return true;
            }
            cursor = self.version(v).rule.as_ref().map(|r| r.parent);
        }
        false
    }
}

/// State paths by keys, for renaming through a state map.
pub(crate) fn leaf_paths(machine: &Machine, config: &[NodeIx]) -> Vec<Vec<String>> {
    config
        .iter()
        .copied()
        .filter(|&n| machine.node(n).kind.is_atomic() && n != crate::model::ROOT)
        .map(|n| {
            let mut keys = Vec::new();
            let mut cursor = n;
            while let Some(parent) = machine.node(cursor).parent {
                keys.push(machine.node(cursor).key.clone());
                cursor = parent;
            }
            keys.reverse();
            keys
        })
        .collect()
}
