//! The `.env` dialect (also `env_file:` and `--env-file`), as the reference reads it.
use indexmap::IndexMap;

use crate::gofmt::go_quote;
use crate::load::interpolate::substitute;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DotenvError {
    /// 1-based line of the offending entry.
    pub line: usize,
    /// The reference's wording, which starts with `line N: ` where the reference says so.
    pub message: String,
}

impl std::fmt::Display for DotenvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DotenvError {}

pub type Entries = IndexMap<String, Option<String>>;

/// Parses dotenv text. `${VAR}` references in values resolve through `lookup` first and
/// then through the entries defined earlier in the same text (the reference's order, so
/// the shell beats the file). A bare `KEY` (no `=`) takes its value from `lookup`, or maps
/// to `None`.
pub fn parse(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Entries, DotenvError> {
    parse_layered(text, lookup, &|_| None)
}

/// [`parse`] for one of several files read in order: references resolve through `lookup`,
/// then the entries earlier in this text, then `fallback` (the files read before).
pub fn parse_layered(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    fallback: &dyn Fn(&str) -> Option<String>,
) -> Result<Entries, DotenvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Entries::new();
    let mut pos = 0;
    while let Some(start) = statement_start(text, pos) {
        let line = line_of(text, start);
        let fail = |message: String| DotenvError { line, message };
        let key = scan_key(&text[start..]).map_err(|m| fail(format!("line {line}: {m}")))?;
        let value_start = start + key.value_offset;
        if key.inherited {
            out.insert(key.name.clone(), lookup(&key.name));
            pos = value_start;
            continue;
        }
        let chain = |name: &str| {
            lookup(name)
                .or_else(|| out.get(name).cloned().flatten())
                .or_else(|| fallback(name))
        };
        let (value, next) = scan_value(text, value_start, &chain).map_err(|m| match m {
            ValueError::Syntax(m) => fail(format!("line {line}: {m}")),
            ValueError::Template(m) => fail(m),
        })?;
        out.insert(key.name, Some(value));
        pos = next;
    }
    Ok(out)
}

/// Drops keys that start with a digit, as the reference does for the project's `.env`
/// and `--env-file` files (not for a service's `env_file:`).
pub fn without_digit_keys(entries: Entries) -> Entries {
    entries
        .into_iter()
        .filter(|(k, _)| !k.trim_start().starts_with(|c: char| c.is_ascii_digit()))
        .collect()
}

/// `format: raw`: every line `KEY=VALUE` taken literally (no quotes removed, no expansion,
/// no trailing-space trimming); blank lines and `#` lines are skipped; a bare `KEY` takes
/// its value from `lookup` or maps to `None`.
pub fn parse_raw(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Entries, DotenvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Entries::new();
    for (i, raw) in text.lines().enumerate() {
        let entry = raw.trim_start();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        let fail = |message: String| DotenvError { line: i + 1, message };
        let (name, value) = match entry.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (entry, None),
        };
        if name.is_empty() {
            return Err(fail(format!("no variable name on line '{entry}'")));
        }
        if name.contains(char::is_whitespace) {
            return Err(fail(format!("variable '{name}' contains whitespaces")));
        }
        out.insert(name.to_string(), value.or_else(|| lookup(name)));
    }
    Ok(out)
}

fn line_of(text: &str, pos: usize) -> usize {
    text[..pos].matches('\n').count() + 1
}

/// Blanks that may surround keys and values: not the line break.
fn is_blank(c: char) -> bool {
    matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}')
}

/// Skips blank space and `#` comment lines; `None` at the end of the text.
fn statement_start(text: &str, mut pos: usize) -> Option<usize> {
    loop {
        let off = text[pos..].find(|c: char| !c.is_whitespace())?;
        pos += off;
        if !text[pos..].starts_with('#') {
            return Some(pos);
        }
        pos += text[pos..].find('\n')?;
    }
}

struct Key {
    name: String,
    /// Offset of the value (or of the next statement for an inherited key) from the
    /// statement start, blanks skipped.
    value_offset: usize,
    inherited: bool,
}

fn export_prefix_len(src: &str) -> usize {
    let rest = src.strip_prefix("export").unwrap_or(src);
    let is_go_space = |c: char| matches!(c, '\t' | '\n' | '\u{c}' | '\r' | ' ');
    if rest.len() == src.len() || !rest.starts_with(is_go_space) {
        return 0;
    }
    src.len() - rest.trim_start_matches(is_blank).len()
}

fn is_key_char(c: char) -> bool {
    matches!(c, '_' | '.' | '-' | '[' | ']') || c.is_alphanumeric()
}

/// Reads `KEY=`, `KEY:` or a bare `KEY` line. A key that runs to the end of the text
/// without a separator makes the reference read the whole of it as the value of an empty
/// key; that is kept for compatibility.
fn scan_key(src: &str) -> Result<Key, String> {
    let skip = export_prefix_len(src);
    let body = &src[skip..];
    if body.is_empty() {
        return Err("zero length string".to_string());
    }
    let mut found = None;
    for (i, c) in body.char_indices() {
        if is_blank(c) {
            continue;
        }
        match c {
            '=' | ':' | '\n' => {
                found = Some((i, c));
                break;
            }
            c if is_key_char(c) => {}
            c => {
                let first_line = body.split('\n').next().unwrap_or_default();
                return Err(format!(
                    "unexpected character {} in variable name {}",
                    go_quote(&c.to_string()),
                    go_quote(first_line)
                ));
            }
        }
    }
    let (name, after, inherited) = match found {
        Some((i, sep)) => (body[..i].trim_end(), i + sep.len_utf8(), sep == '\n'),
        None => ("", 0, false),
    };
    if name.contains(' ') {
        return Err("key cannot contain a space".to_string());
    }
    let blanks = body[after..].len() - body[after..].trim_start_matches(is_blank).len();
    Ok(Key {
        name: name.to_string(),
        value_offset: skip + after + blanks,
        inherited,
    })
}

enum ValueError {
    /// Wording the reference prefixes with the line number.
    Syntax(String),
    /// A `${}` failure, reported without a line number by the reference.
    Template(String),
}

/// Reads the value at `pos`; returns it and where the next statement may start.
fn scan_value(
    text: &str,
    pos: usize,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, usize), ValueError> {
    let src = &text[pos..];
    let expand = |v: &str| substitute(v, lookup).map_err(|e| ValueError::Template(e.message));
    let quote = match src.as_bytes().first() {
        Some(q @ (b'"' | b'\'')) => *q,
        _ => {
            let line_len = src.find('\n').unwrap_or(src.len());
            let line = &src[..line_len];
            let value = line.split(" #").next().unwrap_or_default().trim_end();
            let next = pos + (line_len + 1).min(src.len());
            return Ok((expand(value)?, next));
        }
    };
    let Some((raw, len)) = quoted(src, quote) else {
        let line = src.split('\n').next().unwrap_or_default();
        return Err(ValueError::Syntax(format!("unterminated quoted value {line}")));
    };
    let value = if quote == b'"' {
        expand(&expand_escapes(&raw))?
    } else {
        raw
    };
    Ok((value, pos + len))
}

/// The text between the quotes at the start of `src` (an escaped closing quote loses its
/// backslash, other escapes are kept) and the length consumed.
fn quoted(src: &str, quote: u8) -> Option<(String, usize)> {
    let bytes = src.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate().skip(1) {
        if escaped {
            escaped = false;
            if b != quote {
                out.push(b'\\');
            }
            out.push(b);
        } else if b == b'\\' {
            escaped = true;
        } else if b == quote {
            return Some((String::from_utf8_lossy(&out).into_owned(), i + 1));
        } else {
            out.push(b);
        }
    }
    None
}

/// Backslash escapes of double-quoted values: the C ones, `\0NNN` octal, and `\$` which
/// becomes `$$` so that interpolation leaves a literal `$`. Anything else stays as written.
fn expand_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (text, used) = escape(after);
        out.push_str(&text);
        rest = &after[used..];
    }
    out.push_str(rest);
    out
}

/// One escape after its backslash: the replacement and how many bytes it consumed.
fn escape(after: &str) -> (String, usize) {
    let simple = match after.chars().next() {
        Some('a') => "\u{7}",
        Some('b') => "\u{8}",
        Some('f') => "\u{c}",
        Some('n') => "\n",
        Some('r') => "\r",
        Some('t') => "\t",
        Some('v') => "\u{b}",
        Some('"') => "\"",
        Some('\\') => "\\",
        Some('$') => "$$",
        Some('c') => "\\c",
        Some('0') => return octal(after),
        _ => return ("\\".to_string(), 0),
    };
    (simple.to_string(), 1)
}

/// `\0` followed by up to three digits. As in the reference, the `0` is dropped and the
/// rest read as an octal escape; when that is not a valid one the text stays, minus the `0`.
fn octal(after: &str) -> (String, usize) {
    let digits: String = after[1..]
        .chars()
        .take_while(char::is_ascii_digit)
        .take(3)
        .collect();
    let used = 1 + digits.len();
    let valid = digits.len() == 3 && digits.chars().all(|c| c < '8');
    match u32::from_str_radix(&digits, 8)
        .ok()
        .filter(|v| valid && *v < 256)
        .and_then(char::from_u32)
    {
        Some(c) => (c.to_string(), used),
        None => (format!("\\{digits}"), used),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as Json;
    use std::collections::HashMap;


    /// Rows that test a library call the CLI does not make.
    const SKIPPED: &[(&str, &str)] = &[(
        "TestGetEnvFromFile",
        "no text to parse: compose-go's GetEnvFromFile fails on a `.env` directory, but the \
         reference CLI ignores it; environment::project_env follows the CLI and tests it",
    )];

    fn strings(v: &Json) -> HashMap<String, String> {
        v.as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Loads a row's text(s) the way its test does.
    fn load(row: &Json) -> Result<HashMap<String, Option<String>>, DotenvError> {
        let lookup_env = strings(&row["lookup_env"]);
        let texts: Vec<String> = if let Some(file) = row["file"].as_str() {
            let path = crate::conformance::path(file).expect("checked by the caller");
            vec![std::fs::read_to_string(path).unwrap()]
        } else if let Some(all) = row["files_content"].as_array() {
            all.iter()
                .map(|t| t.as_str().unwrap_or_default().to_string())
                .collect()
        } else {
            vec![row["input"].as_str().unwrap_or_default().to_string()]
        };
        let mut acc: Entries = Entries::new();
        for text in &texts {
            let lookup = |k: &str| lookup_env.get(k).cloned();
            let entries = parse_layered(text, &lookup, &|k| acc.get(k).cloned().flatten())?;
            acc.extend(entries);
        }
        if row["file"].is_string() {
            acc = without_digit_keys(acc);
        }
        let mut result: HashMap<_, _> = acc.into_iter().filter(|(_, v)| v.is_some()).collect();
        for (k, v) in strings(&row["process_env"]) {
            result.insert(k, Some(v));
        }
        Ok(result)
    }

    fn check_row(row: &Json) -> Result<(), String> {
        let got = load(row);
        if let Some(want) = row["error_contains"].as_str() {
            return match got {
                Err(e) if e.to_string().contains(want) => Ok(()),
                other => Err(format!("want error containing {want:?}, got {other:?}")),
            };
        }
        let got = got.map_err(|e| format!("unexpected error: {e}"))?;
        let want = strings(&row["expect"]);
        for (k, v) in &want {
            if got.get(k) != Some(&Some(v.clone())) {
                return Err(format!("{k}: want {v:?}, got {:?}", got.get(k)));
            }
        }
        if row["expect_exact_keys"].as_bool() == Some(true) && got.len() != want.len() {
            return Err(format!(
                "want exactly the keys {:?}, got {got:?}",
                want.keys().collect::<Vec<_>>()
            ));
        }
        for absent in row["expect_absent"].as_array().into_iter().flatten() {
            if got.contains_key(absent.as_str().unwrap_or_default()) {
                return Err(format!("{absent} should be absent: {got:?}"));
            }
        }
        Ok(())
    }

    #[test]
    fn conformance_dotenv_jsonl() {
        let Some(path) = crate::conformance::path("dotenv.jsonl") else { return };
        let text = std::fs::read_to_string(path).unwrap();
        let mut failures = Vec::new();
        let mut ran = 0;
        for (n, line) in text
            .lines()
            .enumerate()
            .skip(1)
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let row: Json = serde_json::from_str(line).unwrap();
            let test = row["test"].as_str().unwrap_or_default();
            if SKIPPED.iter().any(|(t, _)| *t == test) {
                continue;
            }
            ran += 1;
            if let Err(why) = check_row(&row) {
                failures.push(format!("line {}: {test} {:?}: {why}", n + 1, row["input"]));
            }
        }
        assert!(ran > 85, "only {ran} rows ran");
        assert!(
            failures.is_empty(),
            "{} failing rows:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    fn none(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn errors_carry_line_numbers() {
        let err = parse("A=1\n\n# c\nbad line\n", &none).unwrap_err();
        assert_eq!(
            (err.line, err.message.as_str()),
            (4, "line 4: key cannot contain a space")
        );
        let err = parse("A=1\nB=\"x\ny\n", &none).unwrap_err();
        assert_eq!(
            (err.line, err.message.as_str()),
            (2, "line 2: unterminated quoted value \"x")
        );
        let err = parse("A=1\nB=${X:?nope}\n", &none).unwrap_err();
        assert_eq!(
            (err.line, err.message.as_str()),
            (2, "required variable X is missing a value: nope")
        );
    }

    #[test]
    fn bare_keys_and_trailing_key_quirk() {
        let got = parse("FOO=1\nBARE\nHOME\nLAST", &|k| {
            (k == "HOME").then(|| "/root".to_string())
        })
        .unwrap();
        let want: Entries = [
            ("FOO", Some("1")),
            ("BARE", None),
            ("HOME", Some("/root")),
            ("", Some("LAST")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
        .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn escapes_and_dollars() {
        let got = parse("A=\"\\$X $$Y \\0 \\01 \\c\"\nB=$$Z\n", &none).unwrap();
        assert_eq!(got["A"].as_deref(), Some("$X $Y \\ \\1 \\c"));
        assert_eq!(got["B"].as_deref(), Some("$Z"));
    }

    #[test]
    fn raw_format_keeps_text() {
        let text =
            "# c\n\nA=1\n  B=2 \nD='q' # c\nF=a=b\nG=\"${HOME}\"\n  # indented\nH= x\nHOME\nNOPE\nI=1\r\n";
        let got = parse_raw(text, &|k| (k == "HOME").then(|| "/root".to_string())).unwrap();
        let flat: Vec<_> = got.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
        assert_eq!(
            flat,
            [
                "A=Some(\"1\")",
                "B=Some(\"2 \")",
                "D=Some(\"'q' # c\")",
                "F=Some(\"a=b\")",
                "G=Some(\"\\\"${HOME}\\\"\")",
                "H=Some(\" x\")",
                "HOME=Some(\"/root\")",
                "NOPE=None",
                "I=Some(\"1\")",
            ]
        );
        assert_eq!(
            parse_raw("A=1\nB C=2\n", &none).unwrap_err().message,
            "variable 'B C' contains whitespaces"
        );
        let err = parse_raw("=x\n", &none).unwrap_err();
        assert_eq!(
            (err.line, err.message.as_str()),
            (1, "no variable name on line '=x'")
        );
    }
}
