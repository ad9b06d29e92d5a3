//! The only place that parses YAML. Values come from serde_yaml; positions come from a second,
//! event-level pass with yaml-rust2, kept as an index from YAML path to span, because
//! serde_yaml's values forget where they came from.

use std::collections::HashMap;
use std::path::Path;

use serde_yaml::Value;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::diag::{Problem, Span};
use crate::diag::yaml_path::{Seg, YamlPath};

mod aliases;
mod yaml11;

/// One parsed compose file: its documents merged in order, and the paths tagged `!reset` and
/// `!override` (tags removed from the value). Its span index is built apart, by
/// `index_spans`, and only when a problem needs a location.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub value: Value,
    pub resets: Vec<YamlPath>,
    pub overrides: Vec<YamlPath>,
    /// The text holds no YAML document at all (nothing, or only comments); `value` is then an
    /// empty mapping. One of several compose files may be such, as with the reference.
    pub empty: bool,
}

/// Spans of keys and values by path, for each document of a file.
#[derive(Debug, Clone, Default)]
pub struct SpanIndex {
    docs: Vec<HashMap<YamlPath, Entry>>,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Entry {
    pub key: Option<Span>,
    pub value: Option<Span>,
    /// The value is a mapping or a list: a problem about it is best shown at its key.
    pub container: bool,
}

impl SpanIndex {
    /// The entry for `path`, looking in later documents first, as later documents win.
    pub fn get(&self, path: &YamlPath) -> Option<Entry> {
        self.docs.iter().rev().find_map(|d| d.get(path).copied())
    }

    /// The span of `path`, or of its nearest ancestor that has one.
    pub fn nearest(&self, path: &YamlPath, want_key: bool) -> Option<Span> {
        let mut p = Some(path.clone());
        while let Some(cur) = p {
            if let Some(e) = self.get(&cur) {
                let span = if want_key || e.container { e.key.or(e.value) } else { e.value.or(e.key) };
                if span.is_some() {
                    return span;
                }
            }
            p = cur.parent();
        }
        None
    }
}

/// Parses a whole file. A syntax error comes back as a problem with a span.
pub fn parse(file: &Path, text: &str) -> Result<Parsed, Problem> {
    let docs = parse_documents(file, text)?;
    // serde_yaml reads a text without any document as one null document; `---` or `null`
    // is a document, which the reference rejects as not a mapping.
    let empty = text.lines().map(str::trim).all(|l| l.is_empty() || l.starts_with('#'));
    let mut resets = Vec::new();
    let mut overrides = Vec::new();
    let mut merged: Option<Value> = None;
    // Merge keys and tags are rare: their walks over the whole tree run only when the text
    // holds one at all.
    let (merge_keys, tags) = (text.contains("<<"), text.contains('!'));
    let non_finite = text.contains(".inf") || text.contains(".Inf") || text.contains(".INF") || text.to_ascii_lowercase().contains(".nan");
    for mut doc in docs {
        let tagged_before = (resets.len(), overrides.len());
        if merge_keys {
            if let Some(p) = bad_merge_key(&doc, &YamlPath::root()) {
                return Err(p.in_file(file));
            }
            resolve_merge_keys(&mut doc);
        }
        if tags {
            doc = strip_tags(doc, &YamlPath::root(), &mut resets, &mut overrides, file)?;
        }
        if let Some(path) = non_string_key(&doc) {
            return Err(non_string_key_problem(YamlPath(path.into_iter().rev().collect())).in_file(file));
        }
        if non_finite {
            if let Some((path, f)) = non_finite_number(&doc, &YamlPath::root()) {
                return Err(non_finite_problem(path, f).in_file(file));
            }
        }
        merged = Some(match merged {
            None => doc,
            Some(mut base) => {
                // A later document's tags act on the earlier ones as a later file's do.
                let tagged = resets[tagged_before.0..].iter().chain(&overrides[tagged_before.1..]);
                tagged.for_each(|p| remove_key_path(&mut base, p));
                merge_documents(base, doc)
            }
        });
    }
    Ok(Parsed {
        value: if empty { Value::Mapping(serde_yaml::Mapping::new()) } else { merged.unwrap_or(Value::Null) },
        resets,
        overrides,
        empty,
    })
}

fn parse_documents(file: &Path, text: &str) -> Result<Vec<Value>, Problem> {
    use serde::Deserialize;
    if let Some(p) = aliases::excess(file, text) {
        return Err(p);
    }
    let mut out = Vec::new();
    for de in serde_yaml::Deserializer::from_str(text) {
        let v = Value::deserialize(de).map_err(|e| yaml_error(file, text, &e))?;
        out.push(v);
    }
    if yaml11::may_hold_any(text) {
        retype_yaml11_scalars(text, &mut out);
    }
    Ok(out)
}

/// The plain scalars the reference reads as numbers or times where serde_yaml reads text
/// (`0022`, `1_000`, `2001-12-14`) get the reference's value. Only the event pass knows
/// which scalars were plain, so it runs here, for texts that may hold one.
fn retype_yaml11_scalars(text: &str, docs: &mut [Value]) {
    let mut b = SpanBuilder::new(text);
    b.retyped = Some(Retyped::default());
    let _ = Parser::new_from_str(text).load(&mut b, true);
    for (doc, path, written, value) in b.retyped.map(|r| r.found).unwrap_or_default() {
        let at = docs.get_mut(doc).and_then(|d| value_at_mut(d, &path));
        if let Some(v) = at.filter(|v| v.as_str() == Some(written.as_str())) {
            *v = value;
        }
    }
}

fn value_at_mut<'v>(v: &'v mut Value, path: &YamlPath) -> Option<&'v mut Value> {
    path.0.iter().try_fold(v, |v, seg| match seg {
        Seg::Key(k) => v.as_mapping_mut()?.get_mut(k.as_str()),
        Seg::Index(i) => v.as_sequence_mut()?.get_mut(*i),
    })
}

fn yaml_error(file: &Path, text: &str, e: &serde_yaml::Error) -> Problem {
    let span = e.location().map(|l| Span { offset: l.index().min(text.len()), len: 1 });
    let mut msg = e.to_string();
    if let Some(i) = msg.find(" at line ") {
        msg.truncate(i);
    }
    let repeated = msg.split_once("duplicate entry with key \"").and_then(|(_, k)| k.split_once('"')).map(|(k, _)| k);
    let span = match (span, repeated) {
        (Some(s), Some(key)) => repeated_key(text, s.offset, key).or(span),
        _ => span,
    };
    let mut p = Problem::error("dockhand::yaml", YamlPath::root(), format!("invalid YAML: {msg}"))
        .in_file(file)
        .with_help("fix the YAML syntax; indent with spaces, not tabs");
    p.span = span;
    p
}

/// serde_yaml places a duplicate key at the start of its mapping; the reference, and the
/// user, want the repeated key: the second line of the block mapping that starts with it.
fn repeated_key(text: &str, mapping_at: usize, key: &str) -> Option<Span> {
    let line_start = text[..mapping_at].rfind('\n').map_or(0, |i| i + 1);
    let column = mapping_at - line_start;
    let mut offset = line_start;
    let mut seen = 0;
    for line in text[line_start..].split_inclusive('\n') {
        let body = line.trim_end();
        let indent = body.len() - body.trim_start().len();
        let at = offset + indent;
        offset += line.len();
        if body.trim_start().is_empty() || body.trim_start().starts_with('#') || indent > column {
            continue;
        }
        if indent < column {
            return None;
        }
        let rest = &body[indent..];
        let named = [key.to_string(), format!("\"{key}\""), format!("'{key}'")]
            .iter()
            .any(|k| rest.strip_prefix(k.as_str()).is_some_and(|r| r.trim_start().starts_with(':')));
        if named {
            seen += 1;
            if seen == 2 {
                return Some(Span { offset: at, len: key.len() });
            }
        }
    }
    None
}

const BAD_MERGE_KEY: &str =
    "invalid YAML: map merge requires a mapping or a list of mappings as the value of `<<`";

/// A `<<` merge key whose value is not a mapping or a list of mappings. serde_yaml rejects it
/// too, but without saying where; this finds the place.
fn bad_merge_key(v: &Value, path: &YamlPath) -> Option<Problem> {
    match v {
        Value::Mapping(m) => m.iter().find_map(|(k, val)| {
            let p = path.key(scalar_text(k));
            let mergeable = |x: &Value| matches!(x, Value::Mapping(_));
            let ok = match val {
                Value::Mapping(_) => true,
                Value::Sequence(items) => items.iter().all(mergeable),
                _ => false,
            };
            if k.as_str() == Some("<<") && !ok {
                return Some(
                    Problem::error("dockhand::yaml", p, BAD_MERGE_KEY)
                        .at_key()
                        .with_help("point `<<:` at an anchored mapping, e.g. `<<: *defaults`"),
                );
            }
            bad_merge_key(val, &p)
        }),
        Value::Sequence(items) => items.iter().enumerate().find_map(|(i, x)| bad_merge_key(x, &path.index(i))),
        Value::Tagged(t) => bad_merge_key(&t.value, path),
        _ => None,
    }
}

/// Applies the `<<` merge keys, innermost first, so that a merged mapping that itself merges
/// others brings their keys along (serde_yaml's own `apply_merge` leaves such a nested `<<`
/// in place). Keys written in the mapping win over merged ones; in a list of mappings, the
/// earlier one wins. `bad_merge_key` has checked the shape of every `<<` value before.
fn resolve_merge_keys(v: &mut Value) {
    match v {
        Value::Mapping(m) => {
            for child in m.values_mut() {
                resolve_merge_keys(child);
            }
            let sources = match m.remove("<<") {
                Some(Value::Mapping(one)) => vec![one],
                Some(Value::Sequence(items)) => items
                    .into_iter()
                    .filter_map(|x| match x {
                        Value::Mapping(one) => Some(one),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for (k, val) in sources.into_iter().flatten() {
                if !m.contains_key(&k) {
                    m.insert(k, val);
                }
            }
        }
        Value::Sequence(items) => items.iter_mut().for_each(resolve_merge_keys),
        Value::Tagged(t) => resolve_merge_keys(&mut t.value),
        _ => {}
    }
}

/// Removes the value at a path of mapping keys. A path through a list changes nothing: a
/// later document's list replaces the earlier one whole.
fn remove_key_path(v: &mut Value, path: &YamlPath) {
    let Some((last, parents)) = path.0.split_last() else { return };
    let mut cur = v;
    for seg in parents {
        match (seg, cur) {
            (Seg::Key(k), Value::Mapping(m)) => match m.get_mut(k.as_str()) {
                Some(next) => cur = next,
                None => return,
            },
            _ => return,
        }
    }
    if let (Seg::Key(k), Value::Mapping(m)) = (last, cur) {
        m.remove(k.as_str());
    }
}

/// Later documents of a multi-document file override earlier ones key by key.
fn merge_documents(base: Value, over: Value) -> Value {
    match (base, over) {
        (Value::Mapping(mut b), Value::Mapping(o)) => {
            for (k, v) in o {
                let merged = match b.remove(&k) {
                    Some(old) => merge_documents(old, v),
                    None => v,
                };
                b.insert(k, merged);
            }
            Value::Mapping(b)
        }
        (_, o) => o,
    }
}

fn strip_tags(
    v: Value,
    path: &YamlPath,
    resets: &mut Vec<YamlPath>,
    overrides: &mut Vec<YamlPath>,
    file: &Path,
) -> Result<Value, Problem> {
    match v {
        Value::Tagged(t) => {
            let tag = t.tag.to_string();
            match tag.as_str() {
                "!reset" => resets.push(path.clone()),
                "!override" => overrides.push(path.clone()),
                _ => {
                    return Err(Problem::error(
                        "dockhand::yaml_tag",
                        path.clone(),
                        format!("unsupported YAML tag {tag} at {path}"),
                    )
                    .in_file(file)
                    .with_help("compose files accept only the !reset and !override tags"))
                }
            }
            let inner = strip_tags(t.value, path, resets, overrides, file)?;
            Ok(if tag == "!reset" { Value::Null } else { inner })
        }
        Value::Mapping(m) => {
            let mut out = serde_yaml::Mapping::new();
            for (k, v) in m {
                let p = match &k {
                    Value::String(s) => path.key(s.clone()),
                    other => path.key(scalar_text(other)),
                };
                let reset = is_reset(&v);
                let v = strip_tags(v, &p, resets, overrides, file)?;
                // `!reset` takes the key (or below, the item) away whatever value it carries,
                // in this file too; the recorded path removes the key from the files before
                // at merge time.
                if !reset {
                    out.insert(k, v);
                }
            }
            Ok(Value::Mapping(out))
        }
        Value::Sequence(s) => {
            let mut out = Vec::with_capacity(s.len());
            for (i, v) in s.into_iter().enumerate() {
                let reset = is_reset(&v);
                let v = strip_tags(v, &path.index(i), resets, overrides, file)?;
                if !reset {
                    out.push(v);
                }
            }
            Ok(Value::Sequence(out))
        }
        other => Ok(other),
    }
}

fn is_reset(v: &Value) -> bool {
    matches!(v, Value::Tagged(t) if t.tag == "!reset")
}

/// Text of a scalar as YAML wrote it, for messages about keys.
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_string(),
        other => serde_yaml::to_string(other).unwrap_or_default().trim().to_string(),
    }
}

/// A mapping key as text, borrowed when it is a string (every key of a parsed file is).
pub fn key_str(k: &Value) -> std::borrow::Cow<'_, str> {
    match k.as_str() {
        Some(s) => s.into(),
        None => scalar_text(k).into(),
    }
}

/// The path of the first mapping key that is not a string, innermost segment first; the
/// path is only built on the way back from a find, as a clean file has none.
fn non_string_key(v: &Value) -> Option<Vec<Seg>> {
    match v {
        Value::Mapping(m) => m.iter().find_map(|(k, val)| match k {
            Value::String(s) => non_string_key(val).map(|mut p| {
                p.push(Seg::Key(s.clone()));
                p
            }),
            other => Some(vec![Seg::Key(scalar_text(other))]),
        }),
        Value::Sequence(items) => items.iter().enumerate().find_map(|(i, x)| {
            non_string_key(x).map(|mut p| {
                p.push(Seg::Index(i));
                p
            })
        }),
        _ => None,
    }
}

/// `.inf` and `.nan` parse, but the reference cannot turn them into the JSON it validates.
fn non_finite_number(v: &Value, path: &YamlPath) -> Option<(YamlPath, f64)> {
    match v {
        Value::Number(n) => n.as_f64().filter(|f| !f.is_finite()).map(|f| (path.clone(), f)),
        Value::Mapping(m) => m.iter().find_map(|(k, v)| non_finite_number(v, &path.key(key_str(k)))),
        Value::Sequence(items) => items.iter().enumerate().find_map(|(i, v)| non_finite_number(v, &path.index(i))),
        Value::Tagged(t) => non_finite_number(&t.value, path),
        _ => None,
    }
}

fn non_finite_problem(path: YamlPath, f: f64) -> Problem {
    let message = format!("{path}: unsupported value: {}", crate::gofmt::go_float(f));
    Problem::error("dockhand::unsupported_value", path, message)
        .with_help("quote it to make it a string, or write a finite number")
}

fn non_string_key_problem(path: YamlPath) -> Problem {
    let key = path.last_key().unwrap_or_default().to_string();
    let parent = path.parent().unwrap_or_default();
    let at = if parent.is_root() { "at top level".to_string() } else { format!("in {parent}") };
    Problem::error("dockhand::non_string_key", path, format!("non-string key {at}: {key}"))
        .at_key()
        .with_help("quote the key to make it a string")
}

/// Serialises a value as YAML text; the one writer of YAML, beside the one reader above.
pub fn to_yaml_string<T: serde::Serialize>(v: &T) -> Result<String, String> {
    serde_yaml::to_string(v).map(|t| quote_yaml11_strings(&t)).map_err(|e| e.to_string())
}

/// serde_yaml writes YAML 1.2, where `yes`, `off`, `1000:0` and `2001-12-14` are plain text;
/// a YAML 1.1 reader takes them for booleans, numbers or dates. The reference's writer
/// quotes them, and so does this pass over serde_yaml's output: each plain value that
/// serde_yaml reads back as a string but YAML 1.1 does not gets single quotes. Block scalar
/// lines and keys are left alone.
fn quote_yaml11_strings(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    // The indentation of a line that opened a block scalar (`key: |-`): deeper lines are text.
    let mut block: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = line.trim_end_matches('\n');
        if block.is_some_and(|b| indent > b || body.trim().is_empty()) {
            out.push_str(line);
            continue;
        }
        block = None;
        let mut value_at = indent;
        while body[value_at..].starts_with("- ") {
            value_at += 2;
        }
        if let Some(colon) = body[value_at..].find(": ") {
            let key = &body[value_at..value_at + colon];
            if key.starts_with(['\'', '"', '?']) {
                out.push_str(line);
                continue;
            }
            value_at += colon + 2;
        }
        let value = &body[value_at..];
        if value.starts_with(['|', '>']) {
            block = Some(indent);
        }
        if needs_yaml11_quotes(value) {
            out.push_str(&body[..value_at]);
            out.push('\'');
            out.push_str(value);
            out.push('\'');
            out.push_str(&line[body.len()..]);
        } else {
            out.push_str(line);
        }
    }
    out
}

fn needs_yaml11_quotes(value: &str) -> bool {
    !value.is_empty()
        && !value.starts_with(['\'', '"', '|', '>', '[', '{', '&', '*', '!', '#'])
        && is_yaml11_special(value)
        && matches!(serde_yaml::from_str::<Value>(value), Ok(Value::String(_)))
}

/// Whether a YAML 1.1 reader takes this plain scalar for something other than a string: a
/// boolean (`yes`, `off`), a null, a number (`0755`, `1_000`, sexagesimal `1000:0`) or a
/// date. The reference's writer quotes these, so that older readers load them back as text.
pub fn is_yaml11_special(s: &str) -> bool {
    const WORDS: [&str; 11] = ["y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", ""];
    let lower = s.to_ascii_lowercase();
    let is_word = WORDS.contains(&lower.as_str()) && (s == lower || s == s.to_ascii_uppercase() || s[..1] == s[..1].to_ascii_uppercase());
    let digits = s.trim_start_matches(['-', '+']);
    let numeric = !digits.is_empty()
        && digits.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && digits.chars().all(|c| c.is_ascii_digit() || matches!(c, '_' | ':' | '.' | 'e' | 'E' | '-' | '+' | 'x' | 'o' | 'b'));
    is_word || numeric || matches!(lower.as_str(), ".inf" | "-.inf" | "+.inf" | ".nan")
}

/// Converts any serialisable value to the loader's YAML value type.
pub fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, String> {
    serde_yaml::to_value(v).map_err(|e| e.to_string())
}

/// Builds a typed value from a YAML value.
pub fn from_value<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, String> {
    serde_yaml::from_value(v).map_err(|e| e.to_string())
}

/// The span index of a text, also of one that failed to parse: what could be read still
/// locates problems.
pub fn index_spans(text: &str) -> SpanIndex {
    let mut b = SpanBuilder::new(text);
    let mut parser = Parser::new_from_str(text);
    // A syntax error was already reported by serde_yaml; a partial index is still useful.
    let _ = parser.load(&mut b, true);
    b.finish()
}

enum Frame {
    Map { path: YamlPath, key: Option<String>, key_span: Option<Span> },
    Seq { path: YamlPath, next: usize },
}

struct SpanBuilder<'a> {
    text: &'a str,
    /// Byte offset of each char index, for non-ASCII texts (the parser counts chars).
    char_to_byte: Option<Vec<usize>>,
    stack: Vec<Frame>,
    docs: Vec<HashMap<YamlPath, Entry>>,
    /// Collected only by `retype_yaml11_scalars`.
    retyped: Option<Retyped>,
}

/// Plain scalars to retype: (document, path, text, value), also where an alias repeats them.
#[derive(Default)]
struct Retyped {
    found: Vec<(usize, YamlPath, String, Value)>,
    anchors: HashMap<usize, YamlPath>,
}

impl Retyped {
    fn scalar(&mut self, doc: usize, path: &YamlPath, anchor: usize, s: &str, style: TScalarStyle, tagged: bool) {
        if anchor > 0 {
            self.anchors.insert(anchor, path.clone());
        }
        if style != TScalarStyle::Plain || tagged {
            return;
        }
        if let Some(v) = yaml11::resolve(s) {
            self.found.push((doc, path.clone(), s.to_string(), v));
        }
    }

    /// serde_yaml copies an alias's node: what was found under the anchor is found here too.
    fn alias(&mut self, doc: usize, path: &YamlPath, anchor: usize) {
        let Some(from) = self.anchors.get(&anchor) else { return };
        let copies: Vec<_> = self
            .found
            .iter()
            .filter(|(d, p, ..)| *d == doc && p.0.starts_with(&from.0))
            .map(|(d, p, s, v)| {
                let mut segs = path.0.clone();
                segs.extend_from_slice(&p.0[from.0.len()..]);
                (*d, YamlPath(segs), s.clone(), v.clone())
            })
            .collect();
        self.found.extend(copies);
    }
}

impl<'a> SpanBuilder<'a> {
    fn new(text: &'a str) -> Self {
        let char_to_byte = if text.is_ascii() {
            None
        } else {
            Some(text.char_indices().map(|(b, _)| b).chain(std::iter::once(text.len())).collect())
        };
        SpanBuilder { text, char_to_byte, stack: Vec::new(), docs: Vec::new(), retyped: None }
    }

    fn finish(self) -> SpanIndex {
        SpanIndex { docs: self.docs }
    }

    fn byte(&self, m: &Marker) -> usize {
        let i = m.index();
        match &self.char_to_byte {
            None => i.min(self.text.len()),
            Some(t) => t.get(i).copied().unwrap_or(self.text.len()),
        }
    }

    /// A span from `start` to the end of the scalar, or to the end of the line for containers.
    fn span_at(&self, start: usize, scalar: Option<(&str, TScalarStyle)>) -> Span {
        let line_end = self.text[start..].find('\n').map_or(self.text.len(), |i| start + i);
        let len = match scalar {
            Some((s, TScalarStyle::Plain)) => s.len(),
            Some((s, TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted)) => s.len() + 2,
            _ => line_end - start,
        };
        Span { offset: start, len: len.min(line_end.saturating_sub(start)).max(1) }
    }

    /// Places a node: either it is a mapping key, or it gets the path it is the value of.
    fn place(&mut self, span: Span, key_text: Option<&str>, container: bool) -> Option<YamlPath> {
        let doc = self.docs.last_mut()?;
        match self.stack.last_mut() {
            None => {
                doc.insert(YamlPath::root(), Entry { key: None, value: Some(span), container });
                Some(YamlPath::root())
            }
            Some(Frame::Seq { path, next }) => {
                let p = path.index(*next);
                *next += 1;
                doc.insert(p.clone(), Entry { key: None, value: Some(span), container });
                Some(p)
            }
            Some(Frame::Map { path, key, key_span }) => match key.take() {
                None => {
                    *key = Some(key_text.unwrap_or("?").to_string());
                    *key_span = Some(span);
                    None
                }
                Some(k) => {
                    let p = path.key(k);
                    doc.insert(p.clone(), Entry { key: key_span.take(), value: Some(span), container });
                    Some(p)
                }
            },
        }
    }
}

impl MarkedEventReceiver for SpanBuilder<'_> {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let start = self.byte(&mark);
        match ev {
            Event::DocumentStart => {
                self.docs.push(HashMap::new());
                self.stack.clear();
            }
            Event::Scalar(s, style, anchor, tag) => {
                let span = self.span_at(start, Some((&s, style)));
                let path = self.place(span, Some(&s), false);
                let doc = self.docs.len().saturating_sub(1);
                if let (Some(r), Some(path)) = (&mut self.retyped, path) {
                    r.scalar(doc, &path, anchor, &s, style, tag.is_some());
                }
            }
            Event::Alias(anchor) => {
                let span = self.span_at(start, None);
                let path = self.place(span, None, false);
                let doc = self.docs.len().saturating_sub(1);
                if let (Some(r), Some(path)) = (&mut self.retyped, path) {
                    r.alias(doc, &path, anchor);
                }
            }
            Event::MappingStart(anchor, _) => {
                let span = self.span_at(start, None);
                if let Some(path) = self.place(span, None, true) {
                    if let (Some(r), true) = (&mut self.retyped, anchor > 0) {
                        r.anchors.insert(anchor, path.clone());
                    }
                    self.stack.push(Frame::Map { path, key: None, key_span: None });
                } else {
                    // A complex mapping key: keep the nesting balanced under a placeholder path.
                    self.stack.push(Frame::Map { path: YamlPath(vec![Seg::Key("?".into())]), key: None, key_span: None });
                }
            }
            Event::SequenceStart(anchor, _) => {
                let span = self.span_at(start, None);
                let path = self.place(span, None, true).unwrap_or_else(|| YamlPath(vec![Seg::Key("?".into())]));
                if let (Some(r), true) = (&mut self.retyped, anchor > 0) {
                    r.anchors.insert(anchor, path.clone());
                }
                self.stack.push(Frame::Seq { path, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_col(text: &str, s: Span) -> (usize, usize) {
        let before = &text[..s.offset];
        (before.matches('\n').count() + 1, before.rsplit('\n').next().unwrap().len() + 1)
    }

    #[test]
    fn indexes_keys_and_values_by_path() {
        let text = "services:\n  web:\n    image: busybox\n    ports:\n      - \"80:80\"\n";
        let spans = index_spans(text);
        let e = spans.get(&YamlPath::of(&["services", "web", "image"])).unwrap();
        assert_eq!(line_col(text, e.key.unwrap()), (3, 5));
        assert_eq!(line_col(text, e.value.unwrap()), (3, 12));
        let port = spans.get(&YamlPath::of(&["services", "web", "ports"]).index(0)).unwrap();
        assert_eq!(line_col(text, port.value.unwrap()), (5, 9));
        assert_eq!(port.value.unwrap().len, 7);
    }

    #[test]
    fn records_reset_and_override_tags_and_drops_them() {
        let text = "services:\n  web:\n    ports: !reset []\n    environment: !override {A: b}\n";
        let p = parse(Path::new("c.yaml"), text).unwrap();
        assert_eq!(p.resets, vec![YamlPath::of(&["services", "web", "ports"])]);
        assert_eq!(p.overrides, vec![YamlPath::of(&["services", "web", "environment"])]);
        assert_eq!(p.value["services"]["web"]["environment"]["A"], Value::String("b".into()));
    }

    #[test]
    fn merges_documents_and_merge_keys() {
        let text = "x-base: &b\n  image: a\nservices:\n  web:\n    <<: *b\n    tty: true\n---\nservices:\n  web:\n    image: c\n";
        let p = parse(Path::new("c.yaml"), text).unwrap();
        assert_eq!(p.value["services"]["web"]["image"], Value::String("c".into()));
        assert_eq!(p.value["services"]["web"]["tty"], Value::Bool(true));
    }

    /// As the reference resolves them: an anchored mapping that merges others brings their
    /// keys along wherever it is merged, also in `x-` fields and in list items; written keys
    /// win over merged ones, and in a list of mappings the earlier one wins.
    #[test]
    fn merge_keys_resolve_at_every_depth() {
        let text = "\
x-a: &a {image: a, environment: {A: '1'}}
x-b: &b
  <<: *a
  tty: true
x-c: &c
  <<: [*b, {image: other, init: true}]
  stdin_open: true
x-ext:
  <<: *c
services:
  one:
    <<: *c
  two:
    image: mine
    <<: [*b, *c]
  three:
    volumes:
      - <<: {type: bind, source: /x}
        target: /y
";
        let v = parse(Path::new("c.yaml"), text).unwrap().value;
        let want = |yaml: &str| serde_yaml::from_str::<Value>(yaml).unwrap();
        let one = want("{image: a, environment: {A: '1'}, tty: true, init: true, stdin_open: true}");
        assert_eq!(v["services"]["one"], one);
        assert_eq!(v["x-ext"], one);
        assert_eq!(v["services"]["two"], want("{image: mine, environment: {A: '1'}, tty: true, init: true, stdin_open: true}"));
        assert_eq!(v["services"]["three"]["volumes"][0], want("{type: bind, source: /x, target: /y}"));
        assert!(!serde_yaml::to_string(&v).unwrap().contains("<<"));
    }

    /// The reference drops a key tagged `!reset` whatever its value, in the file itself too.
    #[test]
    fn reset_removes_the_key_whatever_its_value() {
        let text = "services:\n  web:\n    image: a\n    ports: !reset []\n    environment: !reset {A: b}\n    user: !reset root\n    labels: !reset\n    command: !reset null\n    dns: [!reset 1.1.1.1, 2.2.2.2]\n  gone: !reset {}\n";
        let p = parse(Path::new("c.yaml"), text).unwrap();
        assert_eq!(p.value, serde_yaml::from_str::<Value>("services: {web: {image: a, dns: [2.2.2.2]}}").unwrap());
        assert_eq!(p.resets.len(), 7);
    }

    /// Observed with the reference: tags in a later document of the same file act on the
    /// earlier documents.
    #[test]
    fn tags_in_a_later_document_act_on_the_earlier_ones() {
        let text = "services:\n  s:\n    image: a\n    ports: ['80:80']\n    environment: {A: '1'}\n---\nservices:\n  s:\n    ports: !reset []\n    environment: !override {B: '2'}\n";
        let p = parse(Path::new("c.yaml"), text).unwrap();
        assert_eq!(p.value, serde_yaml::from_str::<Value>("services: {s: {image: a, environment: {B: '2'}}}").unwrap());
    }

    #[test]
    fn a_text_without_documents_is_empty() {
        for text in ["", "# only a comment\n", "\n  \n# x\n"] {
            let p = parse(Path::new("c.yaml"), text).unwrap();
            assert!(p.empty, "{text:?}");
            assert_eq!(p.value, Value::Mapping(Default::default()));
        }
        for text in ["---\n", "null\n", "services: {}\n"] {
            assert!(!parse(Path::new("c.yaml"), text).unwrap().empty, "{text:?}");
        }
    }

    /// What a YAML 1.1 reader would retype is quoted; real booleans, numbers and nulls, keys
    /// and block scalar text are not.
    #[test]
    fn output_quotes_what_yaml11_would_retype() {
        let v: Value = serde_yaml::from_str(
            "a: {user: '1000:0', flag: 'no', off: 'off', day: '2001-12-14', tty: true, n: 5, x: null, s: plain}\n\
             l: ['yes', '--appendonly']\nt: \"line one\\nyes\\n\"\n",
        )
        .unwrap();
        let text = to_yaml_string(&v).unwrap();
        for want in ["user: '1000:0'", "flag: 'no'", "off: 'off'", "day: '2001-12-14'", "tty: true", "n: 5", "x: null", "s: plain", "- 'yes'", "- --appendonly", "\n  yes\n"] {
            assert!(text.contains(want), "{want:?} in:\n{text}");
        }
        assert_eq!(serde_yaml::from_str::<Value>(&text).unwrap(), v);
    }

    #[test]
    fn infinities_and_nans_are_refused_where_they_are() {
        let e = parse(Path::new("c.yaml"), "services:\n  a:\n    cpus: .inf\n").unwrap_err();
        assert_eq!(e.message, "services.a.cpus: unsupported value: +Inf");
        let e = parse(Path::new("c.yaml"), "x-a: [1, .NaN]\n").unwrap_err();
        assert_eq!(e.path.to_string(), "x-a[1]");
        assert!(parse(Path::new("c.yaml"), "a: '.inf'\nb: x.inf\n").is_ok());
    }

    #[test]
    fn a_duplicate_key_is_shown_where_it_repeats() {
        let text = "services:\n  app:\n    image: a\n    environment: [A=1]\n    # note\n    environment: [B=2]\n";
        let e = parse(Path::new("c.yaml"), text).unwrap_err();
        assert_eq!(line_col(text, e.span.unwrap()), (6, 5), "{}", e.message);
    }

    #[test]
    fn syntax_error_has_a_position() {
        let text = "services:\n\tweb: {}\n";
        let e = parse(Path::new("c.yaml"), text).unwrap_err();
        assert!(e.span.is_some());
        assert!(e.message.starts_with("invalid YAML"));
    }

    #[test]
    fn rejects_non_string_keys_like_the_reference() {
        let text = "services:\n  123: {}\n";
        let e = parse(Path::new("c.yaml"), text).unwrap_err();
        assert_eq!(e.message, "non-string key in services: 123");
        let key = index_spans(text).get(&e.path).unwrap().key.unwrap();
        assert_eq!(line_col(text, key), (2, 3));
    }

    #[test]
    fn merge_key_on_a_scalar_is_placed() {
        let text = "x-s: &s foo\nservices:\n  a:\n    <<: *s\n";
        let e = parse(Path::new("c.yaml"), text).unwrap_err();
        assert_eq!(e.path.to_string(), "services.a.<<");
        let key = index_spans(text).get(&e.path).unwrap().key.unwrap();
        assert_eq!(line_col(text, key), (4, 5));
    }
}
