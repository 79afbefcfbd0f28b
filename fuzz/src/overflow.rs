//! A stack overflow reported as a crash, with its input saved.
//!
//! Without a sanitizer nothing runs libFuzzer's SIGSEGV handler on an alternate stack (Rust's
//! own guard-page handler is installed by `main`, which libFuzzer replaces), so a stack overflow
//! killed the target before it could save the input. `init` gives the thread an alternate stack
//! and installs a SIGSEGV/SIGBUS handler that runs on it; libFuzzer keeps it as the upstream
//! handler (and keeps `SA_ONSTACK`), so on a fault this handler says what it most likely is
//! and aborts, and libFuzzer's SIGABRT handler saves the input as a crash.

use std::io::Write;

const ALT_STACK: usize = 1 << 20;

extern "C" fn on_fault(_sig: libc::c_int, _info: *mut libc::siginfo_t, _ctx: *mut libc::c_void) {
    let _ = std::io::stderr()
        .write_all(b"\n==statekeep-fuzz== SIGSEGV/SIGBUS: in the core's safe Rust, a stack overflow (unbounded recursion)\n");
    std::process::abort();
}

/// Call once, before libFuzzer installs its signal handlers (`fuzz_target!(init: ...)`).
pub fn init() {
    // SAFETY: plain POSIX calls on memory this function owns for the life of the process.
    unsafe {
        let stack =
            libc::mmap(std::ptr::null_mut(), ALT_STACK, libc::PROT_READ | libc::PROT_WRITE, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS, -1, 0);
        assert!(stack != libc::MAP_FAILED, "mmap of the alternate signal stack failed");
        let alt = libc::stack_t { ss_sp: stack, ss_flags: 0, ss_size: ALT_STACK };
        assert_eq!(libc::sigaltstack(&alt, std::ptr::null_mut()), 0, "sigaltstack failed");
        for signal in [libc::SIGSEGV, libc::SIGBUS] {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_fault as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut action.sa_mask);
            assert_eq!(libc::sigaction(signal, &action, std::ptr::null_mut()), 0, "sigaction failed");
        }
    }
}
