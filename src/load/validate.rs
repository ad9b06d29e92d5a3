//! Checks one file's value against the format (`spec`), casting interpolated strings to the
//! numbers and booleans the format expects, and reports every problem found.
use std::path::Path;

use crate::diag::Problem;
use crate::diag::yaml_path::{Trail, YamlPath};
use crate::load::spec::{self, Check, Obj, Shape};
use crate::units;
use crate::load::yaml::key_str;
use crate::load::Value;

const OBSOLETE_VERSION: &str =
    "the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion";

/// Validates a file's value in place: strings where the format wants numbers or booleans
/// become numbers or booleans. A file without any document arrives as an empty mapping; a
/// null document (`---` alone) is no mapping, as the reference says.
pub fn validate(value: &mut Value, file: &Path) -> Vec<Problem> {
    let mut out = Vec::new();
    match value {
        Value::Mapping(m) => {
            if let Some(k) = m.keys().find(|k| k.as_str() == Some("version")) {
                let path = YamlPath::root().key(key_str(k));
                out.push(
                    Problem::warning("dockhand::obsolete_version", path, OBSOLETE_VERSION)
                        .at_key()
                        .with_help("delete the `version:` line; the file format no longer has versions"),
                );
            }
            check(&spec::COMPOSE, value, &Trail::Root, &mut out);
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

fn check(shape: &Shape, v: &mut Value, path: &Trail, out: &mut Vec<Problem>) {
    match shape {
        Shape::Any => {}
        Shape::Def(_, inner) => check(inner, v, path, out),
        Shape::Obj(o) => check_object(o, v, path, out),
        Shape::Map(inner) => check_mapping(shape, inner, Keys::Any, v, path, out),
        Shape::Dict(inner) => check_mapping(shape, inner, Keys::NonEmpty, v, path, out),
        Shape::Names(inner) => check_mapping(shape, inner, Keys::Names, v, path, out),
        Shape::Unique(list) => {
            let before = out.len();
            check(list, v, path, out);
            if out.len() == before {
                out.extend(repeated_item(v, path));
            }
        }
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
                out.push(*p);
            }
        }
    }
}

fn check_object(o: &Obj, v: &mut Value, path: &Trail, out: &mut Vec<Problem>) {
    let Value::Mapping(m) = v else {
        out.push(mismatch(&Shape::Obj(*o), path));
        return;
    };
    for (k, val) in m.iter_mut() {
        let key = key_str(k);
        match o.field(&key) {
            Some(s) => check(s, val, &path.key(&key), out),
            None if o.ext && key.starts_with("x-") => {}
            None => out.push(unknown_key(o, &key, val, path)),
        }
    }
    for r in o.required {
        if !m.contains_key(*r) {
            out.push(
                Problem::error(
                    "dockhand::missing_key",
                    path.path(),
                    format!("{path} missing property '{r}'"),
                )
                .with_help(format!("add `{r}:` here")),
            );
        }
    }
}

/// What the keys of a mapping may be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keys {
    Any,
    NonEmpty,
    /// Resource names: `[a-zA-Z0-9._-]+`.
    Names,
}

/// The first item equal to an earlier one, as the reference reports a `uniqueItems` list.
fn repeated_item(v: &Value, path: &Trail) -> Option<Problem> {
    let items = v.as_sequence()?;
    let mut seen = std::collections::HashMap::with_capacity(items.len());
    let (first, again) = items.iter().enumerate().find_map(|(i, x)| seen.insert(x, i).map(|first| (first, i)))?;
    Some(
        Problem::error(
            "dockhand::repeated_item",
            path.index(again).path(),
            format!("{path} items at {first} and {again} are equal"),
        )
        .with_help("remove the repeated item"),
    )
}

fn check_mapping(
    shape: &Shape,
    inner: &Shape,
    keys: Keys,
    v: &mut Value,
    path: &Trail,
    out: &mut Vec<Problem>,
) {
    let Value::Mapping(m) = v else {
        out.push(mismatch(shape, path));
        return;
    };
    for (k, val) in m.iter_mut() {
        let key = key_str(k);
        let help = match keys {
            Keys::Names if !spec::is_resource_name(&key) => "names may only contain letters, digits, `.`, `_` and `-`",
            Keys::NonEmpty if key.is_empty() => "a key must not be empty",
            _ => "",
        };
        if !help.is_empty() {
            out.push(
                Problem::error(
                    "dockhand::unknown_key",
                    path.key(&key).path(),
                    additional(path, &key),
                )
                .at_key()
                .with_help(help),
            );
            continue;
        }
        check(inner, val, &path.key(&key), out);
    }
}

fn unknown_key(o: &Obj, key: &str, value: &Value, path: &Trail) -> Problem {
    let p = Problem::error("dockhand::unknown_key", path.key(key).path(), additional(path, key)).at_key();
    match closest(key, o.fields.iter().map(|(k, _)| *k)) {
        Some(near) => p.with_help(format!("did you mean `{near}`?")),
        None if path.is_root() && looks_like_a_service(value) => {
            p.with_help("services are declared under the top-level `services:` key")
        }
        None if o.ext => p.with_help("custom keys must start with `x-`"),
        None => p.with_help("remove it, or check its spelling and place against the Compose specification"),
    }
}

/// The legacy format declared services at the top level.
fn looks_like_a_service(value: &Value) -> bool {
    ["image", "build"].iter().any(|k| value.get(k).is_some())
}

fn additional(path: &Trail, key: &str) -> String {
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
fn check_one_of(shape: &Shape, alts: &[Shape], v: &mut Value, path: &Trail, out: &mut Vec<Problem>) {
    let mut candidates: Vec<(Fit, &Shape)> = alts
        .iter()
        .map(|a| (fit(a, v), a))
        .filter(|(f, _)| *f != Fit::No)
        .collect();
    candidates.sort_by_key(|(f, _)| *f);
    if let [(_, only)] = candidates[..] {
        // Nothing to fall back on: a failed check's half-cast value is never used.
        return check(only, v, path, out);
    }
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
        (Shape::Def(_, inner) | Shape::Unique(inner), _) => return fit(inner, v),
        (Shape::OneOf(alts), _) => return alts.iter().map(|a| fit(a, v)).min().unwrap_or(Fit::No),
        (Shape::Null, Value::Null) | (Shape::Bool, Value::Bool(_)) => true,
        (Shape::Int(..) | Shape::Bytes(_), Value::Number(n)) => n.is_i64() || n.is_u64(),
        (Shape::Num, Value::Number(_)) => true,
        (
            Shape::Str | Shape::Duration | Shape::Bytes(_) | Shape::Enum(_) | Shape::Check(_) | Shape::Pattern(_),
            Value::String(_),
        ) => true,
        (Shape::List(_), Value::Sequence(_)) => true,
        (Shape::Map(_) | Shape::Dict(_) | Shape::Names(_) | Shape::Obj(_), Value::Mapping(_)) => true,
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

/// A boxed problem keeps the happy path's `Result` small.
type Checked = Result<(), Box<Problem>>;

fn check_scalar(shape: &Shape, v: &mut Value, path: &Trail) -> Checked {
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
            Box::new(
                Problem::error(
                    "dockhand::duration",
                    path.path(),
                    format!("{path} must be a duration: {e}"),
                )
                .with_help("write a duration such as `10s`, `1m30s` or `500ms`"),
            )
        }),
        (Shape::Bytes(min), _) => check_bytes(shape, v, path, *min),
        (Shape::Enum(values), Value::String(s)) if values.contains(&s.as_str()) => Ok(()),
        (Shape::Enum(values), Value::String(s)) => Err(Box::new(not_one_of(values, s, path))),
        (Shape::Check(c), Value::String(s)) => check_string(c, s, path),
        (Shape::Pattern(c), Value::String(s)) => check_pattern(c, s, path),
        _ => Err(Box::new(mismatch(shape, path))),
    }
}

fn check_string(c: &Check, s: &str, path: &Trail) -> Checked {
    if (c.test)(s) {
        return Ok(());
    }
    Err(Box::new(Problem::error(
        "dockhand::invalid_value",
        path.path(),
        format!(
            "invalid value \"{s}\" for {path}, the only values allowed are {}",
            c.expected
        ),
    )
    .with_help(format!("use {}", c.expected))))
}

fn check_pattern(c: &Check, s: &str, path: &Trail) -> Checked {
    if (c.test)(s) {
        return Ok(());
    }
    Err(Box::new(
        Problem::error(
            "dockhand::pattern",
            path.path(),
            format!("{path} '{s}' does not match pattern '{}'", c.pattern),
        )
        .with_help(format!("write {}", c.expected)),
    ))
}

fn not_one_of(values: &[&str], s: &str, path: &Trail) -> Problem {
    let expected = values
        .iter()
        .map(|x| format!("'{x}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let p = Problem::error(
        "dockhand::invalid_value",
        path.path(),
        format!("{path} value must be one of {expected}"),
    );
    match closest(s, values.iter().copied()) {
        Some(near) => p.with_help(format!("did you mean `{near}`?")),
        None => p.with_help(format!("use one of {expected}")),
    }
}

fn check_int(shape: &Shape, v: &mut Value, path: &Trail, min: Option<i64>, max: Option<i64>) -> Checked {
    let n = match &*v {
        Value::Number(n) => n.as_i64().ok_or_else(|| Box::new(mismatch(shape, path)))?,
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .map_err(|_| cast_error(shape, path, s, "integer"))?,
        _ => return Err(Box::new(mismatch(shape, path))),
    };
    in_range(n, min, max, path)?;
    *v = Value::Number(n.into());
    Ok(())
}

/// A byte size stays as written (the canonical phase prints it); only an integer held in a
/// string becomes an integer.
fn check_bytes(shape: &Shape, v: &mut Value, path: &Trail, min: i64) -> Checked {
    match &*v {
        Value::Number(n) => {
            let n = n.as_i64().ok_or_else(|| Box::new(mismatch(shape, path)))?;
            in_range(n, Some(min), None, path)
        }
        Value::String(s) => match s.trim().parse::<i64>() {
            Ok(n) => {
                in_range(n, Some(min), None, path)?;
                *v = Value::Number(n.into());
                Ok(())
            }
            Err(_) => units::parse_bytes(s).map(|_| ()).map_err(|e| {
                Box::new(
                    Problem::error(
                        "dockhand::byte_size",
                        path.path(),
                        format!("{path} must be a byte size: {e}"),
                    )
                    .with_help("write a size such as `512m`, `1g` or a number of bytes"),
                )
            }),
        },
        _ => Err(Box::new(mismatch(shape, path))),
    }
}

fn in_range(n: i64, min: Option<i64>, max: Option<i64>, path: &Trail) -> Checked {
    let out_of_range = |msg: String| {
        let p = Problem::error("dockhand::range", path.path(), msg).with_help("use a value in the allowed range");
        Err(Box::new(p))
    };
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

fn cast_error(shape: &Shape, path: &Trail, s: &str, kind: &str) -> Box<Problem> {
    let message = format!(
        "{path} must be {}: \"{s}\" is not a valid {kind} value",
        describe(shape)
    );
    Box::new(Problem::error("dockhand::type", path.path(), message).with_help(cast_help(kind)))
}

fn cast_help(kind: &str) -> &'static str {
    match kind {
        "boolean" => "write `true` or `false`",
        "integer" => "write a whole number, e.g. `3`",
        _ => "write a number, e.g. `1.5`",
    }
}

fn mismatch(shape: &Shape, path: &Trail) -> Problem {
    let what = if path.is_root() {
        "top-level object".to_string()
    } else {
        path.to_string()
    };
    Problem::error(
        "dockhand::type",
        path.path(),
        format!("{what} must be {}", describe(shape)),
    )
    .with_help(mismatch_help(shape))
}

fn mismatch_help(shape: &Shape) -> String {
    let mut kinds = Vec::new();
    kinds_of(shape, &mut kinds);
    if kinds == ["a string"] {
        return "quote the value to make it a string, e.g. `\"1.0\"`".to_string();
    }
    format!("write {} here; see the Compose specification for this attribute", describe(shape))
}

/// `a string`, `a string or a mapping`, `an integer, a string or a mapping`, `a mapping or null`.
fn describe(shape: &Shape) -> String {
    let mut kinds = Vec::new();
    kinds_of(shape, &mut kinds);
    // The reference names the expected kind first: `networks.default must be a mapping`.
    kinds.sort_by_key(|k| *k == "null");
    match kinds.split_last() {
        None => "a value".to_string(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

fn kinds_of(shape: &Shape, out: &mut Vec<&'static str>) {
    let kind = match shape {
        Shape::Def(_, inner) | Shape::Unique(inner) => return kinds_of(inner, out),
        Shape::OneOf(alts) => return alts.iter().for_each(|a| kinds_of(a, out)),
        Shape::Any => "a value",
        Shape::Null => "null",
        Shape::Str | Shape::Enum(_) | Shape::Check(_) | Shape::Pattern(_) => "a string",
        Shape::Int(..) => "an integer",
        Shape::Num => "a number",
        Shape::Bool => "a boolean",
        Shape::Scalar => "a boolean, null, number or string",
        Shape::Duration => "a duration string",
        Shape::Bytes(_) => "an integer or a byte size string",
        Shape::List(_) => "a list",
        Shape::Map(_) | Shape::Dict(_) | Shape::Names(_) | Shape::Obj(_) => "a mapping",
    };
    if !out.contains(&kind) {
        out.push(kind);
    }
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{At, Severity};
    use crate::load::yaml;

    fn run(text: &str) -> (Value, Vec<Problem>) {
        let mut v = yaml::parse(Path::new("compose.yaml"), text).unwrap().value;
        let problems = validate(&mut v, Path::new("compose.yaml"));
        (v, problems)
    }

    fn errors(text: &str) -> Vec<String> {
        run(text)
            .1
            .into_iter()
            .filter(|p| p.is_error())
            .map(|p| p.message)
            .collect()
    }

    #[test]
    fn unknown_keys_are_reported_at_the_key_with_a_suggestion() {
        let (_, ps) = run("services:\n  web:\n    imag: busybox\n    helicopters: 3\n    x-ok: 1\n");
        assert_eq!(ps.len(), 2, "{ps:?}");
        assert_eq!(
            ps[0].message,
            "services.web additional properties 'imag' not allowed"
        );
        assert_eq!(ps[0].help.as_deref(), Some("did you mean `image`?"));
        assert_eq!(ps[0].at, At::Key);
        assert_eq!(ps[0].path, YamlPath::of(&["services", "web", "imag"]));
        assert_eq!(ps[0].file.as_deref(), Some(Path::new("compose.yaml")));
        assert_eq!(
            ps[1].message,
            "services.web additional properties 'helicopters' not allowed"
        );
        assert_eq!(ps[1].help.as_deref(), Some("custom keys must start with `x-`"));
    }

    #[test]
    fn top_level_unknown_key_uses_the_reference_wording() {
        assert_eq!(
            errors("helicopters: 1\nservices: {}\n"),
            ["additional properties 'helicopters' not allowed"]
        );
        let (_, ps) = run("web:\n  image: busybox\n");
        assert_eq!(
            ps[0].help.as_deref(),
            Some("services are declared under the top-level `services:` key")
        );
    }

    /// Observed with the reference: `validating …: services.s.container_name 'a' does not
    /// match pattern '[a-zA-Z0-9][a-zA-Z0-9_.-]+'`. The pattern is not anchored.
    #[test]
    fn container_name_needs_two_name_characters_somewhere() {
        let msg = |n: &str| errors(&format!("services:\n  s:\n    container_name: '{n}'\n"));
        assert_eq!(msg("a"), ["services.s.container_name 'a' does not match pattern '[a-zA-Z0-9][a-zA-Z0-9_.-]+'"]);
        for bad in ["a b", "/x", "-!", ""] {
            assert_eq!(msg(bad).len(), 1, "{bad:?}");
        }
        for good in ["ab", "web-1", "/web", "12", "my.app_2"] {
            assert!(msg(good).is_empty(), "{good:?}");
        }
    }

    /// The lists the reference rejects with repeated items; those it merges first (ports,
    /// volumes, cap_add, dns, environment, labels, ...) keep accepting them.
    #[test]
    fn repeated_items_where_the_reference_rejects_them() {
        let (_, ps) = run("services:\n  s:\n    security_opt: [a, b, a]\n");
        assert_eq!(ps.len(), 1, "{ps:?}");
        assert_eq!(ps[0].message, "services.s.security_opt items at 0 and 2 are equal");
        assert_eq!(ps[0].path.to_string(), "services.s.security_opt[2]");
        for rejected in [
            "    group_add: [a, a]",
            "    volumes_from: [a, a]",
            "    external_links: [a, a]",
            "    depends_on: [a, a]",
            "    networks: [n, n]",
            "    extra_hosts: ['a=1.1.1.1', 'a=1.1.1.1']",
            "    device_cgroup_rules: [r, r]",
            "    post_start: [{command: x, environment: [A=1, A=1]}]",
            "    develop: {watch: [{path: ., action: rebuild, ignore: [a, a]}]}",
        ] {
            assert_eq!(errors(&format!("services:\n  s:\n{rejected}\n")).len(), 1, "{rejected}");
        }
        assert_eq!(errors("volumes:\n  v:\n    labels: [a=1, a=1]\n").len(), 1);
        for accepted in [
            "    ports: ['80', '80']",
            "    cap_add: [A, A]",
            "    dns: [1.1.1.1, 1.1.1.1]",
            "    environment: [A=1, A=1]",
            "    labels: [a=1, a=1]",
            "    profiles: [p, p]",
            "    build: {context: ., tags: [a, a], args: [A=1, A=1]}",
        ] {
            assert!(errors(&format!("services:\n  s:\n{accepted}\n")).is_empty(), "{accepted}");
        }
        assert!(errors("networks:\n  n:\n    labels: [a=1, a=1]\n").is_empty());
    }

    #[test]
    fn a_services_dependencies_and_networks_are_resource_names() {
        assert_eq!(
            errors("services:\n  s:\n    depends_on: {'a b': {condition: service_started}}\n"),
            ["services.s.depends_on additional properties 'a b' not allowed"]
        );
        assert_eq!(
            errors("services:\n  s:\n    networks: {'a b': {}}\n"),
            ["services.s.networks additional properties 'a b' not allowed"]
        );
    }

    #[test]
    fn list_or_dict_keys_must_not_be_empty() {
        assert_eq!(
            errors("services:\n  s:\n    environment: {'': x}\n"),
            ["services.s.environment additional properties '' not allowed"]
        );
        assert!(errors("services:\n  s:\n    logging: {options: {'': x}}\n").is_empty());
    }

    #[test]
    fn wrong_types_use_the_reference_wording() {
        assert_eq!(errors("services: []\n"), ["services must be a mapping"]);
        assert_eq!(
            errors("services:\n  foo:\n    image: 3\n"),
            ["services.foo.image must be a string"]
        );
        assert_eq!(
            errors("services:\n  dict-env:\n    environment:\n      FOO: [1]\n"),
            ["services.dict-env.environment.FOO must be a boolean, null, number or string"]
        );
        assert_eq!(
            errors("services:\n  foo:\n    environment: FOO=1\n"),
            ["services.foo.environment must be a mapping or a list"]
        );
        assert_eq!(errors("[1]\n"), ["top-level object must be a mapping"]);
        assert_eq!(errors("name: 123\n"), ["name must be a string"]);
    }

    #[test]
    fn reports_every_problem_not_just_the_first() {
        let text =
            "services:\n  a:\n    image: 1\n    ports: 80\n  b:\n    restart: sometimes\n    scale: -1\n";
        assert_eq!(
            errors(text),
            [
                "services.a.image must be a string",
                "services.a.ports must be a list",
                "invalid value \"sometimes\" for services.b.restart, the only values allowed are 'no', 'always', \
                 'on-failure[:max-retries]', 'unless-stopped'",
                "services.b.scale must be greater than or equal to 0",
            ]
        );
    }

    #[test]
    fn short_and_long_syntax_are_both_accepted() {
        let text = r#"
services:
  web:
    build: .
    ports: [80, "8080:80", {target: 81, published: "8081"}]
    volumes: ["./a:/a", {type: bind, source: ./b, target: /b}]
    environment: [A=1]
    labels: {a: 1, b: true, c: null}
    depends_on: [db]
    networks: [front]
    secrets: [s, {source: s, target: /t, mode: 0440}]
    command: echo hi
    entrypoint: [sh, -c]
    env_file: [.env, {path: .env2, required: false}]
    extra_hosts: {host: ["1.2.3.4", "::1"]}
    ulimits: {nproc: 65535, nofile: {soft: 1, hard: 2}}
    gpus: all
    extends: other
  db:
    build: {context: ., args: [A=1]}
    depends_on: {web: {condition: service_healthy, restart: true}}
    networks: {front: null, back: {aliases: [x]}}
    deploy:
    develop:
networks: {front: {}, back: null}
volumes: {v: null}
secrets: {s: {file: ./s}}
include: [a.yaml, {path: [b.yaml], env_file: .env}]
x-anything: {whatever: [1]}
"#;
        assert_eq!(errors(text), Vec::<String>::new());
    }

    #[test]
    fn casts_interpolated_strings_in_place() {
        let text = "services:\n  web:\n    scale: \"3\"\n    privileged: \"true\"\n    read_only: \"No\"\n    \
                    cpus: \"0.5\"\n    tty: \"ON\"\n    ports: [\"80\"]\n    deploy:\n      replicas: \"2\"\n";
        let (v, ps) = run(text);
        assert!(ps.is_empty(), "{ps:?}");
        let web = &v["services"]["web"];
        assert_eq!(web["scale"], Value::from(3));
        assert_eq!(web["privileged"], Value::Bool(true));
        assert_eq!(web["read_only"], Value::Bool(false));
        assert_eq!(web["cpus"], Value::from(0.5));
        assert_eq!(web["tty"], Value::Bool(true));
        assert_eq!(
            web["ports"][0],
            Value::from("80"),
            "a string valid as a string stays one"
        );
        assert_eq!(web["deploy"]["replicas"], Value::from(2));
    }

    #[test]
    fn failed_casts_say_why() {
        assert_eq!(
            errors("services:\n  web:\n    privileged: \"50\"\n    scale: three\n"),
            [
                "services.web.privileged must be a boolean: \"50\" is not a valid boolean value",
                "services.web.scale must be an integer: \"three\" is not a valid integer value",
            ]
        );
    }

    #[test]
    fn enumerations_and_required_keys() {
        let text =
            "services:\n  web:\n    depends_on:\n      db:\n        condition: done\n    develop:\n      \
                    watch:\n        - path: ./src\n    pull_policy: sometimes\n    cgroup: shared\n";
        let es = errors(text);
        assert_eq!(es.len(), 4, "{es:?}");
        assert!(
            es[0].starts_with("services.web.depends_on.db.condition value must be one of 'service_started'")
        );
        assert_eq!(es[1], "services.web.develop.watch[0] missing property 'action'");
        assert!(es[2].starts_with("invalid value \"sometimes\" for services.web.pull_policy"));
        assert_eq!(
            es[3],
            "services.web.cgroup value must be one of 'host', 'private'"
        );
    }

    #[test]
    fn obsolete_version_is_a_warning() {
        let (_, ps) = run("version: \"3.8\"\nservices: {}\n");
        assert_eq!(ps.len(), 1);
        assert_eq!(ps[0].severity, Severity::Warning);
        assert_eq!(ps[0].message, OBSOLETE_VERSION);
        assert_eq!(ps[0].at, At::Key);
    }

    #[test]
    fn invalid_resource_names() {
        assert_eq!(
            errors("services:\n  my web:\n    image: x\n"),
            ["services additional properties 'my web' not allowed"]
        );
    }

    /// Rows of invalid/INDEX.tsv that another phase rejects; each is structurally valid, which
    /// this test checks too.
    const SEMANTIC: &[&str] = &[
        "compose-go/TestExtendsWithServiceRef-1.yaml",
        "compose-go/TestExtendsWithServiceRef-2.yaml",
        "compose-go/TestExtendsWithServiceRef-3.yaml",
        "compose-go/TestExtendsWithServiceRef-4.yaml",
        "compose-go/TestInvalidExternalAndDriverCombination.yaml",
        "compose-go/TestInvalidExternalAndDirverOptsCombination.yaml",
        "compose-go/TestInvalidExternalAndLabelsCombination.yaml",
        "compose-go/TestLoadVolumeInvalidExternalNameAndNameCombination.yaml",
        "compose-go/TestLoadBindMountSourceMustNotBeEmpty.yaml",
        "compose-go/TestLoadSecretInvalidExternalNameAndNameCombination.yaml",
        "compose-go/TestLoadNetworkInvalidExternalNameAndNameCombination.yaml",
        "compose-go/TestServiceDeviceRequestCountAndDeviceIdsExclusive.yaml",
        "compose-go/TestBadServiceConfig.yaml",
        "compose-go/TestWithSelectedServicesOption_SkipsMissingEnvFile.yaml",
        "compose-go/TestEnvironmentWhitespace.yaml",
        "compose-go/TestEmptyFile/empty.yaml",
        "compose-go/compose-depends-on-cycle.yaml",
        "compose-go/compose-depends-on-self.yaml",
        "compose-go/compose-include-cycle.yaml",
        "compose-go/consistency/TestValidateNamedVolume.yaml",
        "compose-go/consistency/TestValidateNoBuildNoImage.yaml",
        "compose-go/consistency/TestValidateNetworkMode-missing-service.yaml",
        "compose-go/consistency/TestValidateNetworkMode-and-networks.yaml",
        "compose-go/consistency/TestValidateSecret-unset-type.yaml",
        "compose-go/consistency/TestValidateSecret-undefined.yaml",
        "compose-go/consistency/TestValidateContainerName.yaml",
        "compose-go/consistency/TestValidateWatch-sync-no-target.yaml",
        "compose-go/consistency/TestValidateWatch-syncrestart-no-target.yaml",
        "compose-go/consistency/TestValidateWatch-depends-unknown.yaml",
        "compose-go/consistency/TestValidateMountConflict.yaml",
        "compose-go/graph/TestBuildGraph-unknown-dep.yaml",
        "docker-compose/TestStartInterval/compose.yaml",
        "docker-compose/TestUpContainerNameConflict/compose.yaml",
        "docker-compose/env_file/compose.yaml",
    ];

    // Not listed: consistency/TestValidateDependsOn.yaml is about an undefined service, but its
    // entry lacks `condition`, which the reference's schema rejects first, and so do we.

    /// Rows the YAML parser already rejects, before validation.
    const PARSE: &[&str] = &[
        "compose-go/TestNonStringKeys-1.yaml",
        "compose-go/TestNonStringKeys-2.yaml",
        "compose-go/TestNonStringKeys-3.yaml",
        "compose-go/TestNonStringKeys-4.yaml",
        "compose-go/Test_DuplicateReset.yaml",
        "compose-go/TestResetCycle.yaml",
        "compose-go/TestAliasBombPrevented.yaml",
        "compose-go/TestAliasNodePreservation.yaml",
        "compose-go/TestMergeKeyAliasToScalarRejected.yaml",
        "compose-go/TestDecodeErrors.yaml",
    ];

    fn index_rows(invalid: &Path) -> Vec<(String, String)> {
        let index = std::fs::read_to_string(invalid.join("INDEX.tsv")).unwrap();
        index
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let mut cols = l.split('\t');
                (
                    cols.next().unwrap().to_string(),
                    cols.next().unwrap_or("").to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn every_structural_invalid_case_is_rejected() {
        let Some(invalid) = crate::conformance::path("invalid") else { return };
        let mut failures = Vec::new();
        for (file, expected) in index_rows(&invalid) {
            if PARSE.contains(&file.as_str()) {
                continue;
            }
            let path = invalid.join(&file);
            let text = std::fs::read_to_string(&path).unwrap();
            let mut v = match yaml::parse(Path::new(&path), &text) {
                Ok(p) => p.value,
                Err(e) => {
                    failures.push(format!("{file}: unexpected parse error {}", e.message));
                    continue;
                }
            };
            let errs: Vec<_> = validate(&mut v, Path::new(&path))
                .into_iter()
                .filter(|p| p.is_error())
                .collect();
            match (SEMANTIC.contains(&file.as_str()), errs.is_empty()) {
                (true, false) => {
                    failures.push(format!("{file}: semantic case has structural errors {errs:?}"))
                }
                (false, true) => failures.push(format!("{file}: not rejected (expected `{expected}`)")),
                _ => {}
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn parse_rows_are_rejected_by_the_parser() {
        let Some(invalid) = crate::conformance::path("invalid") else { return };
        for file in PARSE {
            let path = invalid.join(file);
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(yaml::parse(Path::new(&path), &text).is_err(), "{file}");
        }
    }

    /// Fixtures that are not valid compose files on their own: `extends/base.yaml` is only
    /// ever an `extends` source, which the reference does not validate, and its null service
    /// `nil` would be rejected in a file of the project.
    const NOT_STANDALONE: &[&str] = &["/extends/base.yaml"];

    /// None of these needs interpolation to be structurally valid: their `${…}` sit in strings.
    #[test]
    fn valid_fixtures_have_no_errors() {
        let Some(fixtures) = crate::conformance::path("fixtures") else { return };
        let fixtures = fixtures.to_string_lossy();
        let mut files = vec![format!("{fixtures}/compose-go-full-example/full-example.yml")];
        collect_yaml(&format!("{fixtures}/compose-go/loader/testdata"), &mut files);
        assert!(files.len() > 30);
        let mut failures = Vec::new();
        for path in files
            .into_iter()
            .filter(|f| !NOT_STANDALONE.iter().any(|s| f.ends_with(s)))
        {
            let text = std::fs::read_to_string(&path).unwrap();
            let mut v = yaml::parse(Path::new(&path), &text).unwrap().value;
            let errs: Vec<_> = validate(&mut v, Path::new(&path))
                .into_iter()
                .filter(|p| p.is_error())
                .map(|p| p.message)
                .collect();
            if !errs.is_empty() {
                failures.push(format!("{path}: {errs:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    fn collect_yaml(dir: &str, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let s = p.to_string_lossy().to_string();
            if p.is_dir() {
                collect_yaml(&s, out);
            } else if s.ends_with(".yaml") || s.ends_with(".yml") {
                out.push(s);
            }
        }
    }

    #[test]
    fn committed_schema_is_up_to_date() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/compose.schema.json");
        let generated = serde_json::to_string_pretty(&json_schema()).unwrap() + "\n";
        if std::env::var_os("DOCKHAND_WRITE_SCHEMA").is_some() {
            std::fs::create_dir_all(Path::new(path).parent().unwrap()).unwrap();
            std::fs::write(path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "schema/compose.schema.json is out of date; regenerate it with \
             `DOCKHAND_WRITE_SCHEMA=1 cargo test --lib load::validate::tests::committed_schema_is_up_to_date`"
        );
    }
}
