//! Arbitrary bytes as a definition's JSON text: the compiler never panics, every refusal is a
//! `DefinitionError` whose JSON path is in the definition, and what compiles starts and steps
//! with every invariant of `check::run`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use statekeep_core::compile_str;
use statekeep_core_fuzz::check;

fuzz_target!(init: statekeep_core_fuzz::overflow::init(), |data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The guard default varies with the input, deterministically.
    let guard_default = data.iter().fold(0u8, |a, b| a ^ b) & 1 == 1;
    let machine = match compile_str(&text, guard_default) {
        Ok(machine) => machine,
        Err(e) => {
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(definition) => check::assert_error_path(Some(&definition), &e),
                // Nested past serde_json's default limit, which the compiler raises: the path
                // must still parse, but there is no definition here to look it up in.
                Err(parse) if parse.to_string().contains("recursion limit") => check::assert_error_path(None, &e),
                // Not JSON: refused as a whole.
                Err(_) => {
                    check::assert_error_path(None, &e);
                    assert_eq!(e.path, "$", "text that is not JSON is refused at {}", e.path);
                }
            }
            return;
        }
    };
    // A few events: every type the machine names (done, delay and invocation events among
    // them), then one it does not, with the default guard outcomes.
    let mut events: Vec<(String, Vec<Option<bool>>)> = machine.event_names.iter().take(8).map(|e| (e.clone(), Vec::new())).collect();
    events.push(("UNKNOWN".into(), Vec::new()));
    check::run(&machine, &[], &events, data.len() % (events.len() + 1));
});
