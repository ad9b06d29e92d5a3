//! Interpolation alone: one template, and the same text as a value of a compose tree.
#![no_main]

use std::path::Path;

use dockhand::load::{interpolate, Mapping, Value};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(template) = std::str::from_utf8(data) else { return };
    let lookup = |k: &str| match k {
        "FOO" => Some("bar".to_string()),
        "EMPTY" => Some(String::new()),
        "NESTED" => Some("${FOO}".to_string()),
        _ => None,
    };
    let _ = interpolate::substitute_tracked(template, &lookup);
    let _ = interpolate::template_variables(template);
    let tree = nest(&["services", "a", "command"], Value::String(template.to_string()));
    let _ = interpolate::interpolate(tree.clone(), &lookup, Path::new("/p/compose.yaml"));
    let _ = interpolate::variables(&tree);
});

fn nest(keys: &[&str], leaf: Value) -> Value {
    keys.iter().rev().fold(leaf, |inner, k| {
        let mut m = Mapping::new();
        m.insert(Value::String((*k).to_string()), inner);
        Value::Mapping(m)
    })
}
