//! Checks one file's value against the format (`spec`), casting interpolated strings to the
//! numbers and booleans the format expects, and reports every problem found.
use std::path::Path;

use crate::diag::Problem;
use crate::load::path::YamlPath;
use crate::load::spec::{self, Check, Obj, Shape};
use crate::load::units;
use crate::load::Value;

const OBSOLETE_VERSION: &str =
    "the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion";

/// Validates a file's value in place: strings where the format wants numbers or booleans
/// become numbers or booleans. A null document is the caller's business and passes.
pub fn validate(value: &mut Value, file: &Path) -> Vec<Problem> {
    let mut out = Vec::new();
    match value {
        Value::Null => {}
        Value::Mapping(m) => {
            if let Some(k) = m.keys().find(|k| k.as_str() == Some("version")) {
                let path = YamlPath::root().key(key_text(k));
                out.push(
                    Problem::warning("dockhand::obsolete_version", path, OBSOLETE_VERSION)
                        .at_key()
                        .with_help("delete the `version:` line; the file format no longer has versions"),
                );
            }
            check(&spec::COMPOSE, value, &YamlPath::root(), &mut out);
        }
        _ => out.push(
            Problem::error(
                "dockhand::type",
                YamlPath::root(),
                "top-level object must be a mapping",
            )
            .with_help("a compose file is a mapping with keys such as `services:`"),
        ),
    }
    out.into_iter().map(|p| p.in_file(file)).collect()
}

/// The JSON Schema of the accepted format, for `schema/`.
pub fn json_schema() -> serde_json::Value {
    spec::json_schema()
}

fn check(shape: &Shape, v: &mut Value, path: &YamlPath, out: &mut Vec<Problem>) {
    match shape {
        Shape::Any => {}
        Shape::Def(_, inner) => check(inner, v, path, out),
        Shape::Obj(o) => check_object(o, v, path, out),
        Shape::Map(inner) => check_mapping(shape, inner, false, v, path, out),
        Shape::Names(inner) => check_mapping(shape, inner, true, v, path, out),
        Shape::List(item) => match v {
            Value::Sequence(items) => {
                for (i, x) in items.iter_mut().enumerate() {
                    check(item, x, &path.index(i), out);
                }
            }
            _ => out.push(mismatch(shape, path)),
        },
        Shape::OneOf(alts) => check_one_of(shape, alts, v, path, out),
        _ => {
            if let Err(p) = check_scalar(shape, v, path) {
                out.push(p);
            }
        }
    }
}

fn check_object(o: &Obj, v: &mut Value, path: &YamlPath, out: &mut Vec<Problem>) {
    let Value::Mapping(m) = v else {
        out.push(mismatch(&Shape::Obj(*o), path));
        return;
    };
    for (k, val) in m.iter_mut() {
        let key = key_text(k);
        match o.field(&key) {
            Some(s) => check(s, val, &path.key(key.clone()), out),
            None if o.ext && key.starts_with("x-") => {}
            None => out.push(unknown_key(o, &key, val, path)),
        }
    }
    for r in o.required {
        if !m.contains_key(*r) {
            out.push(
                Problem::error(
                    "dockhand::missing_key",
                    path.clone(),
                    format!("{path} missing property '{r}'"),
                )
                .with_help(format!("add `{r}:` here")),
            );
        }
    }
}

fn check_mapping(
    shape: &Shape,
    inner: &Shape,
    names: bool,
    v: &mut Value,
    path: &YamlPath,
    out: &mut Vec<Problem>,
) {
    let Value::Mapping(m) = v else {
        out.push(mismatch(shape, path));
        return;
    };
    for (k, val) in m.iter_mut() {
        let key = key_text(k);
        if names && !spec::is_resource_name(&key) {
            out.push(
                Problem::error(
                    "dockhand::unknown_key",
                    path.key(key.clone()),
                    additional(path, &key),
                )
                .at_key()
                .with_help("names may only contain letters, digits, `.`, `_` and `-`"),
            );
            continue;
        }
        check(inner, val, &path.key(key), out);
    }
}

fn unknown_key(o: &Obj, key: &str, value: &Value, path: &YamlPath) -> Problem {
    let p = Problem::error("dockhand::unknown_key", path.key(key), additional(path, key)).at_key();
    match closest(key, o.fields.iter().map(|(k, _)| *k)) {
        Some(near) => p.with_help(format!("did you mean `{near}`?")),
        None if path.is_root() && looks_like_a_service(value) => {
            p.with_help("services are declared under the top-level `services:` key")
        }
        None if o.ext => p.with_help("custom keys must start with `x-`"),
        None => p,
    }
}

/// The legacy format declared services at the top level.
fn looks_like_a_service(value: &Value) -> bool {
    ["image", "build"].iter().any(|k| value.get(k).is_some())
}

fn additional(path: &YamlPath, key: &str) -> String {
    if path.is_root() {
        format!("additional properties '{key}' not allowed")
    } else {
        format!("{path} additional properties '{key}' not allowed")
    }
}

/// The known name nearest to a misspelt one, if it is close enough to be what was meant.
fn closest<'a>(key: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = 1 + key.chars().count() / 4;
    known
        .map(|k| (strsim::damerau_levenshtein(key, k), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Alternatives are tried with the value as written first and then cast, so that a string
/// that is valid as a string stays one; the first that accepts the value wins.
fn check_one_of(shape: &Shape, alts: &[Shape], v: &mut Value, path: &YamlPath, out: &mut Vec<Problem>) {
    let mut candidates: Vec<(Fit, &Shape)> = alts
        .iter()
        .map(|a| (fit(a, v), a))
        .filter(|(f, _)| *f != Fit::No)
        .collect();
    candidates.sort_by_key(|(f, _)| *f);
    let mut first_failure: Option<Vec<Problem>> = None;
    for (_, alt) in candidates {
        let mut attempt = v.clone();
        let mut found = Vec::new();
        check(alt, &mut attempt, path, &mut found);
        if found.is_empty() {
            *v = attempt;
            return;
        }
        first_failure.get_or_insert(found);
    }
    match first_failure {
        Some(problems) => out.extend(problems),
        None => out.push(mismatch(shape, path)),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    /// The value has the kind the shape wants.
    Native,
    /// The value is a string the shape may cast.
    Cast,
    No,
}

fn fit(shape: &Shape, v: &Value) -> Fit {
    let native = match (shape, v) {
        (Shape::Any, _)
        | (Shape::Scalar, Value::Null | Value::String(_) | Value::Number(_) | Value::Bool(_)) => true,
        (Shape::Def(_, inner), _) => return fit(inner, v),
        (Shape::OneOf(alts), _) => return alts.iter().map(|a| fit(a, v)).min().unwrap_or(Fit::No),
        (Shape::Null, Value::Null) | (Shape::Bool, Value::Bool(_)) => true,
        (Shape::Int(..) | Shape::Bytes(_), Value::Number(n)) => n.is_i64() || n.is_u64(),
        (Shape::Num, Value::Number(_)) => true,
        (
            Shape::Str | Shape::Duration | Shape::Bytes(_) | Shape::Enum(_) | Shape::Check(_),
            Value::String(_),
        ) => true,
        (Shape::List(_), Value::Sequence(_)) => true,
        (Shape::Map(_) | Shape::Names(_) | Shape::Obj(_), Value::Mapping(_)) => true,
        _ => false,
    };
    let cast = matches!(
        (shape, v),
        (Shape::Int(..) | Shape::Num | Shape::Bool, Value::String(_))
    );
    if native {
        Fit::Native
    } else if cast {
        Fit::Cast
    } else {
        Fit::No
    }
}

fn check_scalar(shape: &Shape, v: &mut Value, path: &YamlPath) -> Result<(), Problem> {
    match (shape, &*v) {
        (Shape::Null, Value::Null) => Ok(()),
        (Shape::Scalar, Value::Null | Value::String(_) | Value::Number(_) | Value::Bool(_)) => Ok(()),
        (Shape::Str, Value::String(_)) => Ok(()),
        (Shape::Bool, Value::Bool(_)) => Ok(()),
        (Shape::Bool, Value::String(s)) => {
            let b = parse_bool(s).ok_or_else(|| cast_error(shape, path, s, "boolean"))?;
            *v = Value::Bool(b);
            Ok(())
        }
        (Shape::Int(min, max), _) => check_int(shape, v, path, *min, *max),
        (Shape::Num, Value::Number(_)) => Ok(()),
        (Shape::Num, Value::String(s)) => {
            let n = parse_number(s).ok_or_else(|| cast_error(shape, path, s, "number"))?;
            *v = n;
            Ok(())
        }
        (Shape::Duration, Value::String(s)) => units::parse_duration(s).map(|_| ()).map_err(|e| {
            Problem::error(
                "dockhand::duration",
                path.clone(),
                format!("{path} must be a duration: {e}"),
            )
            .with_help("write a duration such as `10s`, `1m30s` or `500ms`")
        }),
        (Shape::Bytes(min), _) => check_bytes(shape, v, path, *min),
        (Shape::Enum(values), Value::String(s)) if values.contains(&s.as_str()) => Ok(()),
        (Shape::Enum(values), Value::String(_)) => {
            let expected = values
                .iter()
                .map(|x| format!("'{x}'"))
                .collect::<Vec<_>>()
                .join(", ");
            Err(not_one_of(path, &expected))
        }
        (Shape::Check(c), Value::String(s)) => check_string(c, s, path),
        _ => Err(mismatch(shape, path)),
    }
}

fn check_string(c: &Check, s: &str, path: &YamlPath) -> Result<(), Problem> {
    if (c.test)(s) {
        return Ok(());
    }
    Err(Problem::error(
        "dockhand::invalid_value",
        path.clone(),
        format!(
            "invalid value \"{s}\" for {path}, the only values allowed are {}",
            c.expected
        ),
    ))
}

fn not_one_of(path: &YamlPath, expected: &str) -> Problem {
    Problem::error(
        "dockhand::invalid_value",
        path.clone(),
        format!("{path} value must be one of {expected}"),
    )
}

fn check_int(
    shape: &Shape,
    v: &mut Value,
    path: &YamlPath,
    min: Option<i64>,
    max: Option<i64>,
) -> Result<(), Problem> {
    let n = match &*v {
        Value::Number(n) => n.as_i64().ok_or_else(|| mismatch(shape, path))?,
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| cast_error(shape, path, s, "integer"))?,
        _ => return Err(mismatch(shape, path)),
    };
    in_range(n, min, max, path)?;
    *v = Value::Number(n.into());
    Ok(())
}

/// A byte size stays as written (the canonical phase prints it); only an integer held in a
/// string becomes an integer.
fn check_bytes(shape: &Shape, v: &mut Value, path: &YamlPath, min: i64) -> Result<(), Problem> {
    match &*v {
        Value::Number(n) => {
            let n = n.as_i64().ok_or_else(|| mismatch(shape, path))?;
            in_range(n, Some(min), None, path)
        }
        Value::String(s) => match s.trim().parse::<i64>() {
            Ok(n) => {
                in_range(n, Some(min), None, path)?;
                *v = Value::Number(n.into());
                Ok(())
            }
            Err(_) => units::parse_bytes(s).map(|_| ()).map_err(|e| {
                Problem::error(
                    "dockhand::byte_size",
                    path.clone(),
                    format!("{path} must be a byte size: {e}"),
                )
                .with_help("write a size such as `512m`, `1g` or a number of bytes")
            }),
        },
        _ => Err(mismatch(shape, path)),
    }
}

fn in_range(n: i64, min: Option<i64>, max: Option<i64>, path: &YamlPath) -> Result<(), Problem> {
    let out_of_range = |msg: String| Err(Problem::error("dockhand::range", path.clone(), msg));
    match (min, max) {
        (Some(m), _) if n < m => out_of_range(format!("{path} must be greater than or equal to {m}")),
        (_, Some(m)) if n > m => out_of_range(format!("{path} must be less than or equal to {m}")),
        _ => Ok(()),
    }
}

/// YAML 1.1 spellings are accepted because interpolated values such as `${DEBUG:-no}` use them.
fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" | "on" => Some(true),
        "n" | "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

fn parse_number(s: &str) -> Option<Value> {
    let t = s.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::Number(i.into()));
    }
    t.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(|f| Value::Number(f.into()))
}

fn cast_error(shape: &Shape, path: &YamlPath, s: &str, kind: &str) -> Problem {
    Problem::error(
        "dockhand::type",
        path.clone(),
        format!(
            "{path} must be {}: \"{s}\" is not a valid {kind} value",
            describe(shape)
        ),
    )
}

fn mismatch(shape: &Shape, path: &YamlPath) -> Problem {
    let what = if path.is_root() {
        "top-level object".to_string()
    } else {
        path.to_string()
    };
    Problem::error(
        "dockhand::type",
        path.clone(),
        format!("{what} must be {}", describe(shape)),
    )
}

/// `a string`, `a string or a mapping`, `an integer, a string or a mapping`.
fn describe(shape: &Shape) -> String {
    let mut kinds = Vec::new();
    kinds_of(shape, &mut kinds);
    match kinds.split_last() {
        None => "a value".to_string(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

fn kinds_of(shape: &Shape, out: &mut Vec<&'static str>) {
    let kind = match shape {
        Shape::Def(_, inner) => return kinds_of(inner, out),
        Shape::OneOf(alts) => return alts.iter().for_each(|a| kinds_of(a, out)),
        Shape::Any => "a value",
        Shape::Null => "null",
        Shape::Str | Shape::Enum(_) | Shape::Check(_) => "a string",
        Shape::Int(..) => "an integer",
        Shape::Num => "a number",
        Shape::Bool => "a boolean",
        Shape::Scalar => "a boolean, null, number or string",
        Shape::Duration => "a duration string",
        Shape::Bytes(_) => "an integer or a byte size string",
        Shape::List(_) => "a list",
        Shape::Map(_) | Shape::Names(_) | Shape::Obj(_) => "a mapping",
    };
    if !out.contains(&kind) {
        out.push(kind);
    }
}

fn key_text(k: &Value) -> String {
    crate::load::yaml::scalar_text(k)
}
