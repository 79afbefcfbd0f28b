//! The exception classes live in `statekeep.errors`, so that Python code catches them under
//! the package's own hierarchy; the core raises them by importing them.

use pyo3::PyErr;

pyo3::import_exception!(statekeep.errors, DefinitionError);
pyo3::import_exception!(statekeep.errors, SnapshotError);
pyo3::import_exception!(statekeep.errors, StepError);
pyo3::import_exception!(statekeep.errors, Conflict);
pyo3::import_exception!(statekeep.errors, NotFound);

pub fn step_error(e: crate::StepError) -> PyErr {
    StepError::new_err(e.to_string())
}

pub fn snapshot_error(e: crate::SnapshotError) -> PyErr {
    SnapshotError::new_err(e.to_string())
}
