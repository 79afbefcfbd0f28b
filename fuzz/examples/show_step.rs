//! Print the machine and events a `step` input builds: `cargo run --example show_step -- FILE...`.

use arbitrary::{Arbitrary, Unstructured};
use statekeep_core_fuzz::gen;

fn main() {
    for path in std::env::args().skip(1) {
        let data = std::fs::read(&path).expect("readable");
        let Ok(input) = gen::Input::arbitrary_take_rest(Unstructured::new(&data)) else { continue };
        let built = gen::build(&input);
        let definition = built.definition;
        let Ok(machine) = statekeep_core::compile(&definition, input.guard_default) else {
            println!("{path}\n{definition}\nrefused (history cycle: {})\n", built.history_cycle);
            continue;
        };
        let events: Vec<String> = gen::events(&machine, &input).into_iter().map(|(e, _)| e).collect();
        println!("{path}\n{definition}\n{events:?}\n");
    }
}
