//! Structured input into a valid machine (nested compound, parallel, final and history states
//! with transitions, guards, `always`, `onDone`, delays and invocations), a guard table and a
//! sequence of events; every step is checked (`check::run`).
//!
//! The generator also builds history states whose default leads back to a history state: the
//! compiler must refuse those (they recursed until the stack overflowed when entered).

#![no_main]

use libfuzzer_sys::fuzz_target;
use statekeep_core::compile;
use statekeep_core_fuzz::{check, gen};

fuzz_target!(init: statekeep_core_fuzz::overflow::init(), |input: gen::Input| {
    let built = gen::build(&input);
    let machine = match compile(&built.definition, input.guard_default) {
        Ok(machine) => machine,
        // Refusing a history default that leads back to a history state is right; refusing
        // anything else the generator builds is a finding.
        Err(e) if built.history_cycle => {
            assert!(e.message.contains("history"), "{e}");
            return;
        }
        Err(e) => panic!("a valid definition is refused: {e}\n{:#}", built.definition),
    };
    assert!(!built.history_cycle, "a history default that leads back to a history state compiled");
    let events = gen::events(&machine, &input);
    let initial = gen::guard_table(&machine, &gen::outcomes(input.initial_guards));
    check::run(&machine, &initial, &events, input.resume as usize);
});
