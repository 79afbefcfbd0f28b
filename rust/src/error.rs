//! Errors of the core. Every one says what is wrong and, for definitions, where.

use std::fmt;

/// A definition the compiler refuses. `path` is a JSON path into the definition (`$.states.a.on.GO[0].target`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    pub path: String,
    pub message: String,
}

impl DefinitionError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        DefinitionError { path: path.into(), message: message.into() }
    }
}

impl fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for DefinitionError {}

/// A step that cannot complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepError {
    /// Eventless transitions and done events kept the machine moving past the bound.
    Unsettled { limit: u32, event: String },
    /// An event without a type, or with an empty one.
    InvalidEvent(String),
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepError::Unsettled { limit, event } => write!(
                f,
                "the machine did not settle after {limit} microsteps while processing '{event}': \
                 eventless (always) transitions or done events form a loop; give one of them a guard \
                 that ends it"
            ),
            StepError::InvalidEvent(msg) => write!(f, "invalid event: {msg}"),
        }
    }
}

impl std::error::Error for StepError {}

/// A serialised snapshot or state value that does not fit the machine it is loaded into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotError(pub String);

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid snapshot: {}", self.0)
    }
}

impl std::error::Error for SnapshotError {}

/// Every failure the core reports, in one type, so that a caller (the Python binding) has one
/// conversion to make.
#[derive(Debug, Clone, PartialEq)]
pub enum CoreError {
    Definition(DefinitionError),
    Step(StepError),
    Snapshot(SnapshotError),
    /// Bytes that should be an actor record and are not one: the store is damaged.
    Record(String),
    Registry(crate::routing::RegistryError),
    /// The law needs the first `upto` events of an actor's history, which it was not given
    /// (its record keeps a prefix): supply them and ask again. Nothing was decided.
    NeedHistory {
        upto: usize,
    },
    /// An argument outside what the operation accepts.
    Invalid(String),
    /// An operation that contradicts the actor's state, such as releasing one not stranded.
    Conflict(String),
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoreError::Definition(e) => e.fmt(f),
            CoreError::Step(e) => e.fmt(f),
            CoreError::Snapshot(e) => e.fmt(f),
            CoreError::Record(msg) => write!(f, "not a readable actor record: {msg}"),
            CoreError::Registry(e) => e.fmt(f),
            CoreError::NeedHistory { upto } => write!(f, "the first {upto} events of the actor's history are needed"),
            CoreError::Invalid(msg) | CoreError::Conflict(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for CoreError {}

impl From<DefinitionError> for CoreError {
    fn from(e: DefinitionError) -> Self {
        CoreError::Definition(e)
    }
}

impl From<StepError> for CoreError {
    fn from(e: StepError) -> Self {
        CoreError::Step(e)
    }
}

impl From<SnapshotError> for CoreError {
    fn from(e: SnapshotError) -> Self {
        CoreError::Snapshot(e)
    }
}

impl From<crate::routing::RegistryError> for CoreError {
    fn from(e: crate::routing::RegistryError) -> Self {
        CoreError::Registry(e)
    }
}

impl From<crate::routing::actor::NeedHistory> for CoreError {
    fn from(e: crate::routing::actor::NeedHistory) -> Self {
        CoreError::NeedHistory { upto: e.upto }
    }
}
