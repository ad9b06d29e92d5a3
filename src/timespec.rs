//! Points in time as users write them for `--since`/`--until`: unix seconds, a duration back
//! from now (`10m`, `1h30m`), or an RFC 3339 timestamp (`2026-12-03T10:00:00Z`, a date alone).

use crate::units::parse_duration;

/// Unix seconds for `text`, relative durations counted back from `now`.
pub fn parse(text: &str, now: i64) -> Result<i64, String> {
    let t = text.trim();
    if let Ok(secs) = t.parse::<f64>() {
        return Ok(secs as i64);
    }
    if let Ok(d) = parse_duration(t) {
        return Ok(now - i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    }
    rfc3339(t).ok_or_else(|| format!("invalid time {text:?}: use a duration (10m), a timestamp (2026-12-03T10:00:00Z) or unix seconds"))
}

/// [`parse`] to the nanosecond where the text is relative (`0s` is this instant, not the
/// start of this second), as seconds with a fraction.
pub fn parse_precise(text: &str, now_nanos: i64) -> Result<f64, String> {
    match parse_duration(text.trim()) {
        Ok(d) => Ok((now_nanos - i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)) as f64 / 1e9),
        Err(_) => parse(text, now_nanos / 1_000_000_000).map(|secs| secs as f64),
    }
}

fn rfc3339(t: &str) -> Option<i64> {
    let (date, rest) = t.split_once(['T', ' ']).unwrap_or((t, "00:00:00Z"));
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (clock, offset) = split_offset(rest)?;
    let mut c = clock.splitn(3, ':');
    let h = c.next()?.parse::<i64>().ok()?;
    let min = c.next().map_or(Some(0), |v| v.parse::<i64>().ok())?;
    let sec = c.next().map_or(Some(0.0), |v| v.parse::<f64>().ok())? as i64;
    if !(1..=12).contains(&m) || !(1..=31).contains(&day) || h > 23 || min > 59 || sec > 60 {
        return None;
    }
    Some(days_from_civil(y, m, day) * 86_400 + h * 3600 + min * 60 + sec - offset)
}

/// The clock part and the offset from UTC in seconds (`Z`, `+02:00`, `-0500`, or none = UTC).
fn split_offset(rest: &str) -> Option<(&str, i64)> {
    if let Some(clock) = rest.strip_suffix(['Z', 'z']) {
        return Some((clock, 0));
    }
    match rest.rfind(['+', '-']) {
        Some(i) => {
            let (clock, off) = rest.split_at(i);
            let sign = if off.starts_with('-') { -1 } else { 1 };
            let digits: String = off[1..].chars().filter(char::is_ascii_digit).collect();
            if digits.len() != 4 {
                return None;
            }
            let h = digits[..2].parse::<i64>().ok()?;
            let m = digits[2..].parse::<i64>().ok()?;
            Some((clock, sign * (h * 3600 + m * 60)))
        }
        None => Some((rest, 0)),
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `2026-12-03T10:00:00.123456789Z` from unix nanoseconds.
pub fn rfc3339_nanos(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    let (date, clock) = utc_parts(secs);
    format!("{date}T{clock}.{:09}Z", nanos.rem_euclid(1_000_000_000))
}

/// `2026-12-03T10:00:00.1234Z`: as Go writes a time in JSON, the fraction without its
/// trailing zeros (and without the dot when it is whole).
pub fn rfc3339_go(nanos: i64) -> String {
    let (date, clock) = utc_parts(nanos.div_euclid(1_000_000_000));
    let fraction = format!("{:09}", nanos.rem_euclid(1_000_000_000));
    match fraction.trim_end_matches('0') {
        "" => format!("{date}T{clock}Z"),
        digits => format!("{date}T{clock}.{digits}Z"),
    }
}

/// `2026-12-03 10:00:00.123456` from unix nanoseconds, as `docker events` prints times.
pub fn event_time(nanos: i64) -> String {
    let secs = nanos.div_euclid(1_000_000_000);
    let (date, clock) = utc_parts(secs);
    format!("{date} {clock}.{:06}", nanos.rem_euclid(1_000_000_000) / 1000)
}

fn utc_parts(secs: i64) -> (String, String) {
    let (days, rem) = (secs.div_euclid(86400), secs.rem_euclid(86400));
    let (y, m, d) = civil_from_days(days);
    (format!("{y:04}-{m:02}-{d:02}"), format!("{:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_keep_the_fraction_of_a_second() {
        let now = 1_800_000_000_750_000_000;
        // A double holds these to about a microsecond.
        let near = |text: &str, expected: f64| parse_precise(text, now).is_ok_and(|t| (t - expected).abs() < 1e-5);
        assert!(near("0s", 1_800_000_000.75));
        assert!(near("1m", 1_799_999_940.75));
        assert!(near("1800000000", 1_800_000_000.0));
        assert!(parse_precise("soon", now).is_err());
    }

    #[test]
    fn the_forms_users_write() {
        let now = 1_800_000_000;
        assert_eq!(parse("1700000000", now), Ok(1_700_000_000));
        assert_eq!(parse("10m", now), Ok(now - 600));
        assert_eq!(parse("1h30m", now), Ok(now - 5400));
        assert_eq!(parse("2026-12-03T10:00:00Z", now), Ok(1_796_292_000));
        assert_eq!(parse("2026-12-03T12:00:00+02:00", now), Ok(1_796_292_000));
        assert_eq!(parse("2026-12-03T10:00:00.123456789Z", now), Ok(1_796_292_000));
        assert_eq!(parse("1970-01-01", now), Ok(0));
        assert!(parse("yesterday", now).is_err());
        assert!(parse("2026-13-01", now).is_err());
    }

    #[test]
    fn times_print_in_utc() {
        let t = 1_796_292_000 * 1_000_000_000 + 123_456_789;
        assert_eq!(rfc3339_nanos(t), "2026-12-03T10:00:00.123456789Z");
        assert_eq!(event_time(t), "2026-12-03 10:00:00.123456");
        assert_eq!(rfc3339_go(t - 9), "2026-12-03T10:00:00.12345678Z");
        assert_eq!(rfc3339_go(1_796_292_000 * 1_000_000_000), "2026-12-03T10:00:00Z");
    }
}
