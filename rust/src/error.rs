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
