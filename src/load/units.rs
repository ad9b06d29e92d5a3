//! Durations (`1m30s`) and byte sizes (`512m`), parsed and printed like the reference.
use std::time::Duration;

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let _ = s;
    unimplemented!("units::parse_duration")
}

/// Go's `time.Duration` text: `1m30s`, `2m0s`, `500ms`.
pub fn format_duration(d: Duration) -> String {
    let _ = d;
    unimplemented!("units::format_duration")
}

pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let _ = s;
    unimplemented!("units::parse_bytes")
}
