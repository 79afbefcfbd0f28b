//! A global allocator that turns unbounded memory into a crash.
//!
//! libFuzzer's `-malloc_limit_mb` needs a sanitizer's malloc hooks, and the targets are built
//! without a sanitizer (see README.md), so a decoder that trusts a length field and reserves
//! gigabytes would pass unnoticed: Linux hands out the address space and nothing touches it.
//! This allocator counts the bytes the Rust code holds and aborts, which libFuzzer reports as a
//! crash and saves the input, when one allocation or the total goes past [`LIMIT`].

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Far above what any target needs for inputs of libFuzzer's default length (4 KiB).
pub const LIMIT: usize = 512 << 20;

pub struct Limited;

static LIVE: AtomicUsize = AtomicUsize::new(0);

#[cold]
fn too_much(size: usize) -> ! {
    // No allocation here: format the number into a buffer on the stack.
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = size;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut err = std::io::stderr();
    let _ = err.write_all(b"\n==statekeep-fuzz== memory limit: an allocation of ");
    let _ = err.write_all(&digits[at..]);
    let _ = err.write_all(b" bytes would pass the fuzz targets' limit (fuzz/src/alloc.rs)\n");
    std::process::abort();
}

unsafe impl GlobalAlloc for Limited {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        if layout.size() > LIMIT || live + layout.size() > LIMIT {
            too_much(layout.size());
        }
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        if layout.size() > LIMIT || live + layout.size() > LIMIT {
            too_much(layout.size());
        }
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let grow = new_size - layout.size();
            let live = LIVE.fetch_add(grow, Ordering::Relaxed);
            if new_size > LIMIT || live + grow > LIMIT {
                too_much(new_size);
            }
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
        }
        System.realloc(ptr, layout, new_size)
    }
}
