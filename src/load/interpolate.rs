//! `${VAR}` interpolation of compose values.
//!
//! The scanner follows the reference's (compose-go's) matching rules rather than a clean
//! grammar, because users' files depend on its quirks: an operator's argument runs to the
//! last `}` of the line and is then cut at the first balanced `}` (every `{` opens, and
//! the character after a `{` is skipped), the remainder being interpolated on its own.
use std::collections::BTreeMap;
use std::path::Path;

use indexmap::IndexSet;

use crate::diag::Problem;
use crate::gofmt::go_quote;
use crate::diag::yaml_path::{Trail, YamlPath};
use crate::load::yaml::key_str;
use crate::load::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub message: String,
    pub kind: TemplateErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateErrorKind {
    /// A `$` the scanner cannot read; `template` is the (sub-)template that contains it.
    Invalid { template: String },
    /// `${VAR:?reason}` / `${VAR?reason}` with VAR missing.
    MissingRequired { variable: String, reason: String },
}

impl TemplateError {
    fn invalid(template: &str) -> Self {
        TemplateError {
            message: format!("Invalid template: {}", go_quote(template)),
            kind: TemplateErrorKind::Invalid {
                template: template.to_string(),
            },
        }
    }

    fn missing(variable: &str, reason: String) -> Self {
        let message = if reason.is_empty() {
            format!("required variable {variable} is missing a value")
        } else {
            format!("required variable {variable} is missing a value: {reason}")
        };
        TemplateError {
            message,
            kind: TemplateErrorKind::MissingRequired {
                variable: variable.to_string(),
                reason,
            },
        }
    }
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TemplateError {}

/// The outcome of one substitution: the text (or the first error) and the variables that
/// were read while unset and so became blank, in order of first use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Substituted {
    pub result: Result<String, TemplateError>,
    pub unset: Vec<String>,
}

/// Substitutes one template string.
pub fn substitute(template: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, TemplateError> {
    substitute_tracked(template, lookup).result
}

/// Like [`substitute`], also reporting which variables were unset without a default.
pub fn substitute_tracked(template: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Substituted {
    let mut scanner = Scanner {
        lookup,
        unset: IndexSet::new(),
    };
    let result = scanner.run(template);
    Substituted {
        result,
        unset: scanner.unset.into_iter().collect(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    DefaultIfEmpty,
    DefaultIfUnset,
    RequiredNonEmpty,
    Required,
    AltIfNonEmpty,
    AltIfSet,
}

/// Two-character operators first, so `:-` is not read as `:` + `-`.
const OPS: [(&str, Op); 6] = [
    (":-", Op::DefaultIfEmpty),
    (":?", Op::RequiredNonEmpty),
    (":+", Op::AltIfNonEmpty),
    ("-", Op::DefaultIfUnset),
    ("?", Op::Required),
    ("+", Op::AltIfSet),
];

fn op_at(s: &str) -> Option<(Op, usize)> {
    OPS.iter()
        .find(|(sym, _)| s.starts_with(sym))
        .map(|(sym, op)| (*op, sym.len()))
}

fn is_name_start(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphabetic()
}

fn name_len(s: &str) -> usize {
    match s.bytes().next() {
        Some(b) if is_name_start(b) => s
            .bytes()
            .take_while(|b| *b == b'_' || b.is_ascii_alphanumeric())
            .count(),
        _ => 0,
    }
}

/// The reference's brace matcher: the index of the `}` that closes the first `{`.
fn closing_brace(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth: i64 = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'}' {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
        if b[i] == b'{' {
            depth += 1;
            i += 1;
        }
        i += 1;
    }
    None
}

struct Scanner<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    unset: IndexSet<String>,
}

impl Scanner<'_> {
    fn run(&mut self, t: &str) -> Result<String, TemplateError> {
        let mut out = String::with_capacity(t.len());
        let mut i = 0;
        while let Some(off) = t[i..].find('$') {
            let at = i + off;
            out.push_str(&t[i..at]);
            let (text, next) = self.expand_at(t, at)?;
            out.push_str(&text);
            i = next;
        }
        out.push_str(&t[i..]);
        Ok(out)
    }

    /// Expands the reference starting at the `$` at `at`; returns its text and where
    /// scanning resumes.
    fn expand_at(&mut self, t: &str, at: usize) -> Result<(String, usize), TemplateError> {
        let after = &t[at + 1..];
        match after.bytes().next() {
            Some(b'$') => Ok(("$".to_string(), at + 2)),
            Some(b'{') => self.braced(t, at),
            Some(b) if is_name_start(b) => {
                let n = name_len(after);
                Ok((self.plain(&after[..n]), at + 1 + n))
            }
            _ => Ok(("$".to_string(), at + 1)),
        }
    }

    fn braced(&mut self, t: &str, at: usize) -> Result<(String, usize), TemplateError> {
        let body = &t[at + 2..];
        let n = name_len(body);
        if n == 0 {
            return Err(TemplateError::invalid(t));
        }
        let name = &body[..n];
        let after = &body[n..];
        if after.starts_with('}') {
            return Ok((self.plain(name), at + 2 + n + 1));
        }
        let Some((op, op_len)) = op_at(after) else {
            return Err(TemplateError::invalid(t));
        };
        let line = &after[..after.find('\n').unwrap_or(after.len())];
        let last = match line.rfind('}') {
            Some(last) if last >= op_len => last,
            _ => return Err(TemplateError::invalid(t)),
        };
        let end = at + 2 + n + last + 1;
        let matched = &t[at..end];
        let (sub, rest) = match closing_brace(matched) {
            Some(c) => (&matched[..=c], &matched[c + 1..]),
            None => (matched, ""),
        };
        let arg = &sub[2 + n + op_len..sub.len() - 1];
        let value = self.apply(name, op, arg)?;
        let rest = self.run(rest)?;
        Ok((value + &rest, end))
    }

    fn plain(&mut self, name: &str) -> String {
        (self.lookup)(name).unwrap_or_else(|| {
            self.unset.insert(name.to_string());
            String::new()
        })
    }

    /// Applies an operator; the argument is only expanded when it is used, so an unused
    /// default neither warns nor fails.
    fn apply(&mut self, name: &str, op: Op, arg: &str) -> Result<String, TemplateError> {
        let value = (self.lookup)(name);
        let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
        match op {
            Op::DefaultIfEmpty if !non_empty => self.run(arg),
            Op::DefaultIfUnset if value.is_none() => self.run(arg),
            Op::AltIfNonEmpty if non_empty => self.run(arg),
            Op::AltIfSet if value.is_some() => self.run(arg),
            Op::RequiredNonEmpty if !non_empty => Err(TemplateError::missing(name, self.run(arg)?)),
            Op::Required if value.is_none() => Err(TemplateError::missing(name, self.run(arg)?)),
            _ => Ok(value.unwrap_or_default()),
        }
    }
}

/// Interpolates every string value (never a mapping key) of a parsed file. Returns the new
/// value and problems: an error per failed template (with its path), a warning once per
/// unset variable.
pub fn interpolate(
    mut value: Value,
    lookup: &dyn Fn(&str) -> Option<String>,
    file: &Path,
) -> (Value, Vec<Problem>) {
    let mut walk = Walk {
        lookup,
        errors: Vec::new(),
        unset: IndexSet::new(),
        first_use: Vec::new(),
    };
    walk.value(&mut value, &Trail::Root);
    let warnings = walk
        .unset
        .iter()
        .zip(&walk.first_use)
        .map(|(name, path)| unset_warning(name, path));
    let problems = walk
        .errors
        .into_iter()
        .chain(warnings)
        .map(|p| p.in_file(file))
        .collect();
    (value, problems)
}

fn unset_warning(name: &str, path: &YamlPath) -> Problem {
    Problem::warning(
        "dockhand::unset_variable",
        path.clone(),
        format!("The \"{name}\" variable is not set. Defaulting to a blank string."),
    )
    .with_help(format!(
        "set {name} in the shell or in the project's .env file, or give a default: ${{{name}:-value}}"
    ))
}

fn template_problem(err: TemplateError, path: &YamlPath) -> Problem {
    match err.kind {
        TemplateErrorKind::Invalid { template } => Problem::error(
            "dockhand::invalid_interpolation",
            path.clone(),
            format!(
                "invalid interpolation format for {path}.\nYou may need to escape any $ with another $.\n{template}"
            ),
        )
        .with_help("write a literal `$` as `$$`"),
        TemplateErrorKind::MissingRequired { variable, .. } => Problem::error(
            "dockhand::required_variable",
            path.clone(),
            format!("error while interpolating {path}: {}", err.message),
        )
        .with_help(format!("set {variable} in the shell or in the project's .env file")),
    }
}

struct Walk<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    errors: Vec<Problem>,
    unset: IndexSet<String>,
    /// Parallel to `unset`: where each unset variable was first used.
    first_use: Vec<YamlPath>,
}

impl Walk<'_> {
    fn value(&mut self, value: &mut Value, path: &Trail) {
        match value {
            Value::String(s) => self.string(s, path),
            Value::Sequence(items) => {
                for (i, v) in items.iter_mut().enumerate() {
                    self.value(v, &path.index(i));
                }
            }
            Value::Mapping(map) => {
                for (k, v) in map.iter_mut() {
                    let key = key_str(k);
                    self.value(v, &path.key(&key));
                }
            }
            Value::Tagged(tagged) => self.value(&mut tagged.value, path),
            _ => {}
        }
    }

    fn string(&mut self, s: &mut String, path: &Trail) {
        if !s.contains('$') {
            return;
        }
        let done = substitute_tracked(s, self.lookup);
        for name in done.unset {
            if self.unset.insert(name) {
                self.first_use.push(path.path());
            }
        }
        match done.result {
            Ok(text) => *s = text,
            Err(err) => self.errors.push(template_problem(err, &path.path())),
        }
    }
}

/// One variable a compose value uses, as `config --variables` lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    /// The text after `:-` / `-`, unexpanded.
    pub default_value: String,
    /// The text after `:+` / `+`, unexpanded.
    pub presence_value: String,
    pub required: bool,
}

/// Every variable the string values of `value` reference (keys excluded), including those
/// nested in defaults, by name. The uses of a name add up as the reference's do: the first
/// default and alternate value written anywhere, and required if any use requires it.
pub fn variables(value: &Value) -> BTreeMap<String, Variable> {
    let mut out = BTreeMap::new();
    collect_value(value, &mut out);
    out
}

fn collect_value(value: &Value, out: &mut BTreeMap<String, Variable>) {
    match value {
        Value::String(s) => collect_template(s, out),
        Value::Sequence(items) => items.iter().for_each(|v| collect_value(v, out)),
        Value::Mapping(map) => map.values().for_each(|v| collect_value(v, out)),
        Value::Tagged(tagged) => collect_value(&tagged.value, out),
        _ => {}
    }
}

/// Lists the references of one template without expanding anything; unreadable parts are
/// skipped, as interpolation reports them.
pub fn template_variables(template: &str) -> Vec<Variable> {
    let mut out = BTreeMap::new();
    collect_template(template, &mut out);
    out.into_values().collect()
}

fn collect_template(t: &str, out: &mut BTreeMap<String, Variable>) {
    let mut i = 0;
    while let Some(off) = t[i..].find('$') {
        let at = i + off;
        i = collect_at(t, at, out);
    }
}

fn collect_at(t: &str, at: usize, out: &mut BTreeMap<String, Variable>) -> usize {
    let after = &t[at + 1..];
    match after.bytes().next() {
        Some(b'$') => at + 2,
        Some(b'{') => collect_braced(t, at, out),
        Some(b) if is_name_start(b) => {
            let n = name_len(after);
            record(
                out,
                Variable {
                    name: after[..n].to_string(),
                    ..Variable::default()
                },
            );
            at + 1 + n
        }
        _ => at + 1,
    }
}

fn collect_braced(t: &str, at: usize, out: &mut BTreeMap<String, Variable>) -> usize {
    let body = &t[at + 2..];
    let n = name_len(body);
    let name = body[..n].to_string();
    let after = &body[n..];
    if n > 0 && after.starts_with('}') {
        record(
            out,
            Variable {
                name,
                ..Variable::default()
            },
        );
        return at + 2 + n + 1;
    }
    let (Some((op, op_len)), true) = (op_at(after), n > 0) else {
        return at + 2;
    };
    let line = &after[..after.find('\n').unwrap_or(after.len())];
    let Some(last) = line.rfind('}').filter(|l| *l >= op_len) else {
        return at + 2;
    };
    let end = at + 2 + n + last + 1;
    let matched = &t[at..end];
    let (sub, rest) = match closing_brace(matched) {
        Some(c) => (&matched[..=c], &matched[c + 1..]),
        None => (matched, ""),
    };
    let arg = &sub[2 + n + op_len..sub.len() - 1];
    let mut var = Variable {
        name,
        ..Variable::default()
    };
    match op {
        Op::DefaultIfEmpty | Op::DefaultIfUnset => var.default_value = arg.to_string(),
        Op::AltIfNonEmpty | Op::AltIfSet => var.presence_value = arg.to_string(),
        Op::RequiredNonEmpty | Op::Required => var.required = true,
    }
    record(out, var);
    collect_template(arg, out);
    collect_template(rest, out);
    end
}

fn record(out: &mut BTreeMap<String, Variable>, var: Variable) {
    let Some(known) = out.get_mut(&var.name) else {
        out.insert(var.name.clone(), var);
        return;
    };
    if known.default_value.is_empty() {
        known.default_value = var.default_value;
    }
    if known.presence_value.is_empty() {
        known.presence_value = var.presence_value;
    }
    known.required |= var.required;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn sub(t: &str, env: &[(&str, &str)]) -> Result<String, TemplateError> {
        let env = env_of(env);
        substitute(t, &|k| env.get(k).cloned())
    }

    /// Rows of interpolation.jsonl whose expectation is not compose-go's behaviour.
    const SKIPPED: &[(&str, &str, &str)] = &[(
        "$}",
        "docker/compose @1.29.2",
        "compose v1 rejects `$}`; compose-go (and the reference CLI) keep it literally",
    )];

    /// Other sources word their errors differently; compare the meaning, not the text.
    fn error_matches(err: &TemplateError, want: &str, source: &str) -> bool {
        if want.is_empty() || err.message.contains(want) {
            return true;
        }
        if let Some(inner) = want.strip_prefix("MissingRequiredError{Variable: ") {
            let (var, reason) = inner
                .trim_end_matches('}')
                .split_once(", Reason: ")
                .unwrap_or((inner, ""));
            return err.kind
                == TemplateErrorKind::MissingRequired {
                    variable: var.to_string(),
                    reason: reason.to_string(),
                };
        }
        if source.contains("1.29.2") {
            return match want.strip_prefix("UnsetRequiredSubstitution err=") {
                Some(reason) => match &err.kind {
                    // v1 puts the variable name where compose-go leaves the reason empty.
                    TemplateErrorKind::MissingRequired { variable, reason: r } => {
                        r == reason || (r.is_empty() && variable == reason)
                    }
                    TemplateErrorKind::Invalid { .. } => false,
                },
                None => {
                    want == "InvalidInterpolation" && matches!(err.kind, TemplateErrorKind::Invalid { .. })
                }
            };
        }
        false
    }

    /// A row phrased as a message for a whole file: interpolate a value at that path.
    fn file_error(template: &str, env: &HashMap<String, String>, want: &str) -> Option<String> {
        let path = want
            .strip_prefix("error while interpolating ")
            .and_then(|r| r.split_once(": ").map(|(p, _)| p))
            .or_else(|| {
                want.strip_prefix("invalid interpolation format for ")
                    .and_then(|r| r.split_once(".\n").map(|(p, _)| p))
            })?;
        let mut value = Value::String(template.to_string());
        for key in path.rsplit('.') {
            let mut m = crate::load::Mapping::new();
            m.insert(Value::String(key.to_string()), value);
            value = Value::Mapping(m);
        }
        let (_, problems) = interpolate(value, &|k| env.get(k).cloned(), Path::new("compose.yaml"));
        let errors: Vec<_> = problems
            .iter()
            .filter(|p| p.is_error())
            .map(|p| p.message.clone())
            .collect();
        match errors.as_slice() {
            [one] if one.contains(want) => None,
            _ => Some(format!("{errors:?}")),
        }
    }

    fn check_row(row: &serde_json::Value) -> Result<(), String> {
        let template = row["template"].as_str().unwrap_or_default();
        let source = row["source"].as_str().unwrap_or_default();
        let env: HashMap<String, String> = row["env"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let got = substitute(template, &|k| env.get(k).cloned());
        if row["error"].as_bool() == Some(true) {
            let want = row["error_contains"].as_str().unwrap_or_default();
            if want.starts_with("error while") || want.starts_with("invalid interpolation format") {
                return file_error(template, &env, want).map_or(Ok(()), Err);
            }
            return match &got {
                Err(e) if error_matches(e, want, source) => Ok(()),
                _ => Err(format!("want error containing {want:?}, got {got:?}")),
            };
        }
        match (&got, row["expected"].as_str()) {
            (Ok(text), Some(want)) if text == want => Ok(()),
            _ => Err(format!("want {:?}, got {got:?}", row["expected"])),
        }
    }

    #[test]
    fn conformance_interpolation_jsonl() {
        let Some(path) = crate::conformance::path("interpolation.jsonl") else { return };
        let text = std::fs::read_to_string(path).unwrap();
        let mut failures = Vec::new();
        let mut ran = 0;
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let row: serde_json::Value = serde_json::from_str(line).unwrap();
            let template = row["template"].as_str().unwrap_or_default();
            let source = row["source"].as_str().unwrap_or_default();
            if SKIPPED.iter().any(|(t, s, _)| *t == template && *s == source) {
                continue;
            }
            ran += 1;
            if let Err(why) = check_row(&row) {
                failures.push(format!("line {}: {template:?} ({}): {why}", n + 1, row["test"]));
            }
        }
        assert!(ran > 140, "only {ran} rows ran");
        assert!(
            failures.is_empty(),
            "{} failing rows:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn reference_quirks() {
        assert_eq!(sub("${A:-{a}}}b", &[]).unwrap(), "{a}}b");
        assert_eq!(sub("${A:-{a}}}b", &[("A", "1")]).unwrap(), "1}b");
        assert_eq!(sub("${A:-{{x} y} z}", &[]).unwrap(), "{{x} y z}");
        assert_eq!(sub("x ${A:-{}", &[]).unwrap(), "x {");
        assert_eq!(sub("${A:-${B:-{}}}", &[]).unwrap(), "{}");
        assert_eq!(sub("${A:-a}b}}c", &[("A", "1")]).unwrap(), "1b}}c");
        assert_eq!(sub("${A:-${B:-c}d}e}", &[]).unwrap(), "cde}");
        assert_eq!(sub("${A:-$$}", &[]).unwrap(), "$");
        assert_eq!(sub("é$A", &[("A", "x")]).unwrap(), "éx");
    }

    #[test]
    fn invalid_templates_name_the_failing_part() {
        let invalid = |t: &str| match sub(t, &[]).unwrap_err().kind {
            TemplateErrorKind::Invalid { template } => template,
            other => panic!("{other:?}"),
        };
        assert_eq!(invalid("${A:-${B}"), "${B");
        assert_eq!(invalid("x ${A:x} y"), "x ${A:x} y");
        assert_eq!(invalid("${A:-${B:x}}"), "${B:x}");
        assert_eq!(invalid("${A:-x ${ y}"), "x ${ y");
        assert_eq!(invalid("${A:}"), "${A:}");
        assert_eq!(invalid("${1}"), "${1}");
        assert_eq!(sub("${A:-${B:x}}", &[("A", "1")]).unwrap(), "1");
    }

    #[test]
    fn required_messages() {
        assert_eq!(
            sub("x${A?}y", &[]).unwrap_err().message,
            "required variable A is missing a value"
        );
        assert_eq!(
            sub("${A?  }", &[]).unwrap_err().message,
            "required variable A is missing a value:   "
        );
        assert_eq!(
            sub("${A:?${B:?x}}", &[]).unwrap_err().message,
            "required variable B is missing a value: x"
        );
    }

    #[test]
    fn tracks_unset_variables_but_not_defaulted_ones() {
        let none = |_: &str| None;
        let done = substitute_tracked("$A ${B} ${C:-x} ${D+y} ${A} ${E:-$F}", &none);
        assert_eq!(done.result.unwrap(), "  x   ");
        assert_eq!(done.unset, ["A", "B", "F"]);
        let lazy = substitute_tracked("${A:+${A},}B", &none);
        assert_eq!(lazy.unset, Vec::<String>::new());
    }

    fn yaml(s: &str) -> Value {
        serde_yaml::from_str(s).unwrap()
    }

    #[test]
    fn interpolate_reports_paths_and_one_warning_per_variable() {
        let doc = yaml(
            "services:\n  web:\n    image: \"${X:?boom}\"\n    environment:\n      A: $Z$Z\n      B: ${Z}\n      C: \"${\"\n    labels: [\"x=${Q?qq}\", \"${W}\"]\n    \"$KEY\": 3\n",
        );
        let (out, problems) = interpolate(doc, &|_| None, Path::new("/p/compose.yaml"));
        let messages: Vec<_> = problems
            .iter()
            .map(|p| (p.is_error(), p.path.to_string(), p.message.clone()))
            .collect();
        assert_eq!(
            messages,
            [
                (
                    true,
                    "services.web.image".to_string(),
                    "error while interpolating services.web.image: required variable X is missing a value: boom"
                        .to_string()
                ),
                (
                    true,
                    "services.web.environment.C".to_string(),
                    "invalid interpolation format for services.web.environment.C.\nYou may need to escape any $ with another $.\n${".to_string()
                ),
                (
                    true,
                    "services.web.labels[0]".to_string(),
                    "error while interpolating services.web.labels[0]: required variable Q is missing a value: qq"
                        .to_string()
                ),
                (
                    false,
                    "services.web.environment.A".to_string(),
                    "The \"Z\" variable is not set. Defaulting to a blank string.".to_string()
                ),
                (
                    false,
                    "services.web.labels[1]".to_string(),
                    "The \"W\" variable is not set. Defaulting to a blank string.".to_string()
                ),
            ]
        );
        assert!(problems
            .iter()
            .all(|p| p.file.as_deref() == Some(Path::new("/p/compose.yaml"))));
        assert_eq!(
            out["services"]["web"]["environment"]["A"],
            Value::String(String::new())
        );
        assert!(out["services"]["web"].as_mapping().unwrap().contains_key("$KEY"));
    }

    #[test]
    fn interpolate_leaves_non_strings_and_keys() {
        let env = env_of(&[("P", "80")]);
        let (out, problems) = interpolate(
            yaml("a: 1\nb: true\n$P: \"$P\"\nc: [x, \"$P\"]\n"),
            &|k| env.get(k).cloned(),
            Path::new("f"),
        );
        assert!(problems.is_empty());
        assert_eq!(out, yaml("a: 1\nb: true\n$P: \"80\"\nc: [x, \"80\"]\n"));
    }

    #[test]
    fn lists_variables_like_config_variables() {
        let vars = variables(&yaml(
            "image: \"${IMG:-busybox}\"\nenv:\n  A: \"${A:?need a} $$B ${C-cdef} ${D:+pres} ${E+p2} $F ${G:-${H:-hh}} ${I?x-y}\"\n  $KEY: x\n",
        ));
        let names: Vec<_> = vars.keys().cloned().collect();
        assert_eq!(names, ["A", "C", "D", "E", "F", "G", "H", "I", "IMG"]);
        assert!(vars["A"].required && vars["I"].required);
        assert_eq!(vars["C"].default_value, "cdef");
        assert_eq!(vars["G"].default_value, "${H:-hh}");
        assert_eq!(vars["H"].default_value, "hh");
        assert_eq!(vars["D"].presence_value, "pres");
        assert_eq!(vars["IMG"].default_value, "busybox");
    }

    /// `image: app:${TAG:-latest}` in one service and `${TAG}` in another: the table shows
    /// the default, whichever use comes last.
    #[test]
    fn the_uses_of_a_variable_add_up() {
        let vars = variables(&yaml("a: \"${T:-d}\"\nb: \"${T} ${T:?e}\"\nc: \"${T:+p} ${U} ${U:-u}\"\n"));
        assert_eq!(vars["T"].default_value, "d");
        assert_eq!(vars["T"].presence_value, "p");
        assert!(vars["T"].required);
        assert_eq!(vars["U"].default_value, "u");
        assert!(!vars["U"].required);
    }
}
