//! Durations (`1m30s`) and byte sizes (`512m`), parsed and printed like the reference.
use std::time::Duration;

const NANOS_PER: [(&str, u128); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Go's `time.ParseDuration` syntax: a sequence of decimal numbers with units, e.g. `1h30m`,
/// `1.5s`, `300ms`; a bare `0` is allowed. Negative durations make no sense for compose
/// attributes, so a leading `-` is rejected.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let invalid = || format!("time: invalid duration \"{s}\"");
    let body = s.strip_prefix('+').unwrap_or(s);
    if body == "0" {
        return Ok(Duration::ZERO);
    }
    if body.is_empty() {
        return Err(invalid());
    }
    let mut rest = body;
    let mut total: u128 = 0;
    while !rest.is_empty() {
        let (number, after) = split_number(rest).ok_or_else(invalid)?;
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, tail) = after.split_at(unit_len);
        if unit.is_empty() {
            return Err(format!("time: missing unit in duration \"{s}\""));
        }
        let scale = NANOS_PER
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, n)| *n)
            .ok_or_else(|| format!("time: unknown unit \"{unit}\" in duration \"{s}\""))?;
        total = total.checked_add(number.scaled(scale)).ok_or_else(invalid)?;
        rest = tail;
    }
    let secs = u64::try_from(total / 1_000_000_000).map_err(|_| invalid())?;
    Ok(Duration::new(secs, (total % 1_000_000_000) as u32))
}

/// A decimal number as integer and fractional digits, kept exact until scaled.
struct Decimal<'a> {
    int: &'a str,
    frac: &'a str,
}

impl Decimal<'_> {
    fn scaled(&self, scale: u128) -> u128 {
        let int: u128 = self.int.parse().unwrap_or(0);
        let mut frac_nanos: u128 = 0;
        let mut div: u128 = 1;
        for d in self.frac.bytes().take(30) {
            frac_nanos = frac_nanos * 10 + u128::from(d - b'0');
            div *= 10;
        }
        int.saturating_mul(scale).saturating_add(frac_nanos * scale / div)
    }
}

fn split_number(s: &str) -> Option<(Decimal<'_>, &str)> {
    let int_len = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (int, rest) = s.split_at(int_len);
    let (frac, rest) = match rest.strip_prefix('.') {
        Some(r) => {
            let n = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            r.split_at(n)
        }
        None => ("", rest),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    Some((Decimal { int, frac }, rest))
}

/// Go's `time.Duration` text: `1m30s`, `2m0s`, `500ms`.
pub fn format_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".to_string();
    }
    if nanos < 1_000_000_000 {
        return sub_second(nanos);
    }
    let secs = d.as_secs();
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let seconds = with_fraction(s, u128::from(d.subsec_nanos()), 9);
    match (h, m) {
        (0, 0) => format!("{seconds}s"),
        (0, m) => format!("{m}m{seconds}s"),
        (h, m) => format!("{h}h{m}m{seconds}s"),
    }
}

fn sub_second(nanos: u128) -> String {
    if nanos < 1_000 {
        format!("{nanos}ns")
    } else if nanos < 1_000_000 {
        format!("{}µs", with_fraction((nanos / 1_000) as u64, nanos % 1_000, 3))
    } else {
        format!(
            "{}ms",
            with_fraction((nanos / 1_000_000) as u64, nanos % 1_000_000, 6)
        )
    }
}

/// `whole.fraction` with trailing zeros of the fraction dropped, as Go prints it.
fn with_fraction(whole: u64, frac: u128, digits: usize) -> String {
    if frac == 0 {
        return whole.to_string();
    }
    let f = format!("{frac:0digits$}");
    format!("{whole}.{}", f.trim_end_matches('0'))
}

/// Docker's `RAMInBytes`: an integer or decimal with an optional binary unit (`b`, `k`, `m`,
/// `g`, `t`, `p`, each optionally followed by `b`), case-insensitive.
pub fn parse_bytes(s: &str) -> Result<u64, String> {
    let invalid = || format!("invalid size: '{s}'");
    let trimmed = s.trim();
    let num_len = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(num_len);
    let value: f64 = number.parse().map_err(|_| invalid())?;
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit
        .strip_suffix("ib")
        .or_else(|| unit.strip_suffix('b'))
        .unwrap_or(&unit);
    let power = match unit {
        "" => 0,
        "k" => 1,
        "m" => 2,
        "g" => 3,
        "t" => 4,
        "p" => 5,
        _ => return Err(format!("invalid suffix: '{unit}'")),
    };
    let bytes = value * 1024f64.powi(power);
    if !bytes.is_finite() || bytes < 0.0 || bytes > u64::MAX as f64 {
        return Err(invalid());
    }
    Ok(bytes as u64)
}

/// A duration as Go prints it (`3s`, `1m30s`, `500ms`), the way the reference words timeouts.
pub fn go_duration(d: Duration) -> String {
    let millis = d.as_millis();
    if millis > 0 && millis < 1000 {
        return format!("{millis}ms");
    }
    let total = d.as_secs();
    let (h, m, s) = (total / 3600, total / 60 % 60, total % 60);
    let frac = millis % 1000;
    let secs = if frac == 0 {
        format!("{s}s")
    } else {
        format!("{s}.{}s", format!("{frac:03}").trim_end_matches('0'))
    };
    match (h, m) {
        (0, 0) => secs,
        (0, _) => format!("{m}m{secs}"),
        _ => format!("{h}h{m}m{secs}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Duration {
        parse_duration(s).unwrap()
    }

    #[test]
    fn parses_go_durations() {
        assert_eq!(d("1m30s"), Duration::from_secs(90));
        assert_eq!(d("1.5h"), Duration::from_secs(5400));
        assert_eq!(d("300ms"), Duration::from_millis(300));
        assert_eq!(d("10us"), Duration::from_micros(10));
        assert_eq!(d("10µs"), Duration::from_micros(10));
        assert_eq!(d("2h45m"), Duration::from_secs(9900));
        assert_eq!(d("0"), Duration::ZERO);
        assert_eq!(d("1.5s"), Duration::from_millis(1500));
        assert_eq!(d(".5s"), Duration::from_millis(500));
        assert_eq!(d("1h1m1s1ms1us1ns"), Duration::new(3661, 1_001_001));
    }

    #[test]
    fn rejects_bad_durations() {
        for bad in ["", "1", "10x", "s", "1m30", "-1s", ".s", "abc"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_like_go() {
        let cases = [
            (Duration::from_secs(90), "1m30s"),
            (Duration::from_secs(120), "2m0s"),
            (Duration::from_secs(10), "10s"),
            (Duration::from_secs(3600), "1h0m0s"),
            (Duration::from_millis(500), "500ms"),
            (Duration::from_millis(1500), "1.5s"),
            (Duration::from_micros(10), "10µs"),
            (Duration::from_nanos(7), "7ns"),
            (Duration::ZERO, "0s"),
            (Duration::new(3661, 500_000_000), "1h1m1.5s"),
        ];
        for (dur, text) in cases {
            assert_eq!(format_duration(dur), text);
        }
    }

    #[test]
    fn round_trips() {
        for s in ["1m30s", "2h45m0s", "500ms", "1.25s", "10µs"] {
            assert_eq!(format_duration(d(s)), s);
        }
    }

    #[test]
    fn parses_byte_sizes() {
        let cases = [
            ("512m", 512 * 1024 * 1024),
            ("1g", 1 << 30),
            ("100kb", 102_400),
            ("1.5GB", 1_610_612_736),
            ("1024", 1024),
            ("32", 32),
            ("2K", 2048),
            ("10b", 10),
            ("1t", 1 << 40),
            ("1 MB", 1 << 20),
        ];
        for (s, n) in cases {
            assert_eq!(parse_bytes(s).unwrap(), n, "{s}");
        }
    }

    #[test]
    fn rejects_bad_byte_sizes() {
        for bad in ["", "m", "12x", "-1m", "1.2.3k"] {
            assert!(parse_bytes(bad).is_err(), "{bad}");
        }
    }
}
