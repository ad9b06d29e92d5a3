//! The `.env` dialect alone: both parsers, with a lookup that knows a few variables.
#![no_main]

use dockhand::load::dotenv;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lookup = |k: &str| match k {
        "FOO" => Some("bar".to_string()),
        "EMPTY" => Some(String::new()),
        "SELF" => Some("${SELF}".to_string()),
        _ => None,
    };
    let _ = dotenv::parse(text, &lookup).map(dotenv::without_digit_keys);
    let _ = dotenv::parse_raw(text, &lookup);
});
