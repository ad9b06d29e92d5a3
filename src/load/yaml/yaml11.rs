//! Plain scalars the reference's YAML reader (go-yaml) types differently from serde_yaml's
//! YAML 1.2: leading-zero octals (`0022` → 18), digits with underscores (`1_000` → 1000) and
//! timestamps (`2001-12-14` → `2001-12-14 00:00:00 +0000 UTC`, as Go prints a time).

use serde_yaml::Value;

/// Whether `text` may hold such a scalar at all: the event pass that finds them runs only
/// then. A token that starts with a digit and either has a `_`, a leading `0` before another
/// digit, or four digits and a `-`.
pub fn may_hold_any(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let starts = b[i].is_ascii_digit() && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || matches!(b[i - 1], b'.' | b'_')));
        if !starts {
            i += 1;
            continue;
        }
        let end = b[i..].iter().position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':'))).map_or(b.len(), |n| i + n);
        let token = &b[i..end];
        let leading_zero = token.len() > 1 && token[0] == b'0' && token[1].is_ascii_digit();
        let dated = token.len() > 4 && token[..4].iter().all(u8::is_ascii_digit) && token[4] == b'-';
        if leading_zero || dated || token.contains(&b'_') {
            return true;
        }
        i = end;
    }
    false
}

/// What go-yaml makes of an untagged plain scalar that serde_yaml keeps as a string, if it
/// is not a string there.
pub fn resolve(s: &str) -> Option<Value> {
    let first = s.bytes().next()?;
    if !(first.is_ascii_digit() || first == b'+' || first == b'-') {
        return None;
    }
    if let Some(t) = timestamp(s) {
        return Some(Value::String(t));
    }
    let plain = s.replace('_', "");
    if let Some(n) = go_parse_int(&plain) {
        return Some(Value::Number(n.into()));
    }
    if is_yaml_style_float(&plain) {
        return plain.parse::<f64>().ok().map(|f| Value::Number(f.into()));
    }
    None
}

/// `strconv.ParseInt(s, 0, 64)`: a sign, then `0x`, `0o`, `0b` or a leading `0` (octal).
fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, digits) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = digits.get(..2).map(str::to_ascii_lowercase);
    let (radix, body) = match lower.as_deref() {
        Some("0x") => (16, &digits[2..]),
        Some("0o") => (8, &digits[2..]),
        Some("0b") => (2, &digits[2..]),
        _ if digits.len() > 1 && digits.starts_with('0') => (8, &digits[1..]),
        _ => (10, digits),
    };
    if body.is_empty() || !body.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let n = i128::from_str_radix(body, radix).ok()?;
    i64::try_from(if neg { -n } else { n }).ok()
}

/// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn is_yaml_style_float(s: &str) -> bool {
    let s = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|c| c.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some(("", frac)) => digits(frac),
        Some((int, frac)) => digits(int) && (frac.is_empty() || digits(frac)),
        None => digits(mantissa),
    };
    mantissa_ok && exp.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e)))
}

/// go-yaml's timestamps (`2006-1-2`, `2006-1-2 15:4:5.999999999`, and `T`/`t` with a zone of
/// `Z` or `±hh:mm`), printed as Go's `time.Time.String()`. The reference runs in UTC, so a
/// zero offset is `UTC` and another one prints as its number.
fn timestamp(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let (date, rest) = match s.find([' ', 'T', 't']) {
        Some(i) => (&s[..i], Some((b[i], &s[i + 1..]))),
        None => (s, None),
    };
    let mut parts = date.splitn(3, '-');
    let year: u32 = parts.next()?.parse().ok()?;
    let month = short_number(parts.next()?)?;
    let day = short_number(parts.next()?)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let (clock, offset) = match rest {
        None => ((0, 0, 0, String::new()), 0),
        Some((b' ', t)) => (clock(t)?, 0),
        Some((_, t)) => {
            let at = t.find(['Z', '+', '-'])?;
            (clock(&t[..at])?, zone(&t[at..])?)
        }
    };
    let (h, m, sec, frac) = clock;
    let zone = if offset == 0 {
        "+0000 UTC".to_string()
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        let z = format!("{sign}{:02}{:02}", offset.abs() / 60, offset.abs() % 60);
        format!("{z} {z}")
    };
    Some(format!("{year:04}-{month:02}-{day:02} {h:02}:{m:02}:{sec:02}{frac} {zone}"))
}

/// One or two digits, as Go's `1`, `2`, `15`, `4` and `5` layout elements read them.
fn short_number(s: &str) -> Option<u32> {
    (1..=2).contains(&s.len()).then_some(())?;
    s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
}

/// `15:4:5` with an optional fraction, which Go prints without its trailing zeros.
fn clock(t: &str) -> Option<(u32, u32, u32, String)> {
    let mut parts = t.splitn(3, ':');
    let h = short_number(parts.next()?)?;
    let m = short_number(parts.next()?)?;
    let sec = parts.next()?;
    let (sec, frac) = sec.split_once('.').map_or((sec, ""), |(s, f)| (s, f));
    let sec = short_number(sec)?;
    if h > 23 || m > 59 || sec > 59 || !frac.bytes().all(|c| c.is_ascii_digit()) || frac.len() > 9 {
        return None;
    }
    if t.contains('.') && frac.is_empty() {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    let frac = if frac.is_empty() { String::new() } else { format!(".{frac}") };
    Some((h, m, sec, frac))
}

/// `Z` or `±hh:mm`, in minutes east of UTC.
fn zone(z: &str) -> Option<i32> {
    if z == "Z" {
        return Some(0);
    }
    let (sign, hm) = (if z.starts_with('-') { -1 } else { 1 }, &z[1..]);
    let (h, m) = hm.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(sign * (h * 60 + m))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Option<String> {
        resolve(s).map(|v| match v {
            Value::String(s) => s,
            Value::Number(n) if n.is_f64() => crate::gofmt::go_float(n.as_f64().unwrap_or_default()),
            Value::Number(n) => n.to_string(),
            other => format!("{other:?}"),
        })
    }

    /// Each as the reference prints it in an `environment` value.
    #[test]
    fn resolves_as_go_yaml() {
        let cases = [
            ("0022", Some("18")),
            ("-0022", Some("-18")),
            ("1_000", Some("1000")),
            ("1__0", Some("10")),
            ("08", Some("8")),
            ("099", Some("99")),
            ("1_000.5", Some("1000.5")),
            ("0.5_5", Some("0.55")),
            ("2001-12-14", Some("2001-12-14 00:00:00 +0000 UTC")),
            ("2001-1-2", Some("2001-01-02 00:00:00 +0000 UTC")),
            ("2001-12-14 21:59:43.10", Some("2001-12-14 21:59:43.1 +0000 UTC")),
            ("2001-12-14t21:59:43Z", Some("2001-12-14 21:59:43 +0000 UTC")),
            ("2001-12-14T21:59:43.10-05:00", Some("2001-12-14 21:59:43.1 -0500 -0500")),
            ("2001-02-30", None),
            ("2001-12-14 21:59", None),
            ("12:30", None),
            ("1:20:30", None),
            ("0a", None),
            ("v1_0", None),
            ("1.2.3", None),
        ];
        for (s, want) in cases {
            assert_eq!(text(s).as_deref(), want, "{s}");
        }
    }

    #[test]
    fn finds_candidates_cheaply() {
        assert!(may_hold_any("a: 0022\n"));
        assert!(may_hold_any("a: 1_000\n"));
        assert!(may_hold_any("a: [2001-12-14]\n"));
        assert!(!may_hold_any("image: busybox:1.36\nports: ['8080:80']\nb: 10.0.0.1\nc: v_1\n"));
    }
}
