//! Shared parts of statekeep-core's fuzz targets: the memory limit, the generator of valid
//! machines, the invariants checked after every compile and step, and the stack overflow handler.

pub mod alloc;
pub mod check;
pub mod gen;
pub mod overflow;

#[global_allocator]
static ALLOCATOR: alloc::Limited = alloc::Limited;
