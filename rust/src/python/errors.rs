//! One conversion from the core's errors to Python's. The exception classes live in
//! `statekeep.errors`, so that Python code catches them under the package's own hierarchy;
//! the binding raises them by importing them.

use crate::error::CoreError;
use crate::routing::RegistryError;
use pyo3::PyErr;

pyo3::import_exception!(statekeep.errors, DefinitionError);
pyo3::import_exception!(statekeep.errors, SnapshotError);
pyo3::import_exception!(statekeep.errors, StepError);
pyo3::import_exception!(statekeep.errors, Conflict);
pyo3::import_exception!(statekeep.errors, NotFound);
pyo3::import_exception!(statekeep.errors, InvalidRequest);
pyo3::import_exception!(statekeep.errors, StoreDamaged);
pyo3::import_exception!(statekeep.errors, HistoryNeeded);

impl From<CoreError> for PyErr {
    fn from(e: CoreError) -> PyErr {
        let message = e.to_string();
        match e {
            CoreError::Definition(d) => DefinitionError::new_err((message, d.path)),
            CoreError::Step(_) => StepError::new_err(message),
            CoreError::Snapshot(_) => SnapshotError::new_err(message),
            CoreError::Record(_) => StoreDamaged::new_err(message),
            CoreError::Registry(RegistryError::DuplicateId(_)) | CoreError::Conflict(_) => Conflict::new_err(message),
            CoreError::Registry(RegistryError::UnknownVersion(_)) => NotFound::new_err(message),
            CoreError::Registry(RegistryError::Invalid(_)) | CoreError::Invalid(_) => InvalidRequest::new_err(message),
            CoreError::NeedHistory { upto } => history_needed(vec![0], upto),
        }
    }
}

/// The core needs more of the histories of the actors at `positions` of a call (the first
/// `upto` events of the longest).
pub fn history_needed(positions: Vec<usize>, upto: usize) -> PyErr {
    HistoryNeeded::new_err((format!("the first {upto} events of the actor's history are needed"), positions, upto))
}

pub fn step_error(e: crate::StepError) -> PyErr {
    CoreError::Step(e).into()
}

pub fn snapshot_error(e: crate::SnapshotError) -> PyErr {
    CoreError::Snapshot(e).into()
}
