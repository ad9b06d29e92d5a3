//! The layout rule "arrows point one way": no source file of the library imports, directly
//! or through others, a file that imports it back. Read from the source text, so it needs
//! neither the engine nor a build of the crate.
//!
//! A file depends on the file that defines what it names: `use crate::…`, `super::…`,
//! `self::…`, paths through its own child modules, and names it imported itself, followed
//! through re-exports (`pub use` is a door, not a dependency of the file that has it). Test
//! code (`#[cfg(test)]` items and modules) is left out, and so is a private child module's
//! use of its ancestors: such a child is a part of its parent split off into a file of its
//! own, and sees the parent's private items by design.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};

#[test]
fn no_import_circles_between_source_files() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let tree = SourceTree::read(&src);
    let circles = circles(&tree.edges());
    assert!(circles.is_empty(), "import circles between source files:\n{}", circles.join("\n"));
}

/// The same between the crate's top-level modules (`load`, `model`, `cli`, ...), each
/// taken as a whole with everything below it.
#[test]
fn no_import_circles_between_top_level_modules() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let tree = SourceTree::read(&src);
    let mut modules = Graph::new();
    for (from, targets) in tree.edges() {
        for (to, names) in targets {
            let (from, to) = (top_level(&from), top_level(&to));
            if from != to {
                let entry = modules.entry(from).or_default().entry(to).or_default();
                for (name, places) in names {
                    entry.entry(name).or_default().extend(places);
                }
            }
        }
    }
    let circles = circles(&modules);
    assert!(circles.is_empty(), "import circles between modules:\n{}", circles.join("\n"));
}

/// `src/load/yaml.rs` → `load`, `src/diag.rs` → `diag`.
fn top_level(file: &str) -> String {
    let inside = file.strip_prefix("src/").unwrap_or(file);
    let first = inside.split('/').next().unwrap_or(inside);
    first.strip_suffix(".rs").unwrap_or(first).to_string()
}

/// File (or module) → what it depends on → the names that make it so → where they are named.
type Graph = BTreeMap<String, BTreeMap<String, BTreeMap<String, BTreeSet<String>>>>;

/// A module path below the crate root: `["load", "yaml"]`.
type ModPath = Vec<String>;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    PathSep,
    Punct(char),
}

struct Token {
    tok: Tok,
    line: usize,
}

/// The tokens of Rust source that matter here: comments, strings and chars are dropped.
fn tokenize(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let push = |out: &mut Vec<Token>, tok, line| out.push(Token { tok, line });
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    line += usize::from(chars[i] == '\n');
                    i += 1;
                }
            }
        } else if let Some(end) = raw_string_end(&chars, i) {
            line += chars[i..end].iter().filter(|&&c| c == '\n').count();
            i = end;
        } else if c == '"' || (c == 'b' && next == Some('"')) {
            i += if c == 'b' { 2 } else { 1 };
            while i < chars.len() && chars[i] != '"' {
                line += usize::from(chars[i] == '\n');
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{1F600}') or a lifetime ('a), which has no closing quote.
            if next == Some('\\') {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
            } else {
                i += 1;
            }
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let word = word.strip_prefix("r#").map(str::to_string).unwrap_or(word);
            push(&mut out, Tok::Ident(word), line);
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
        } else if c == ':' && next == Some(':') {
            push(&mut out, Tok::PathSep, line);
            i += 2;
        } else {
            push(&mut out, Tok::Punct(c), line);
            i += 1;
        }
    }
    out
}

/// Where a raw string (`r"…"`, `r#"…"#`, `br"…"`) starting at `i` ends.
fn raw_string_end(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if chars.get(j) != Some(&'r') || (i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')) {
        return None;
    }
    j += 1;
    let hashes = chars[j..].iter().take_while(|&&c| c == '#').count();
    j += hashes;
    if chars.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < chars.len() {
        if chars[j] == '"' && chars[j + 1..].iter().take(hashes).filter(|&&c| c == '#').count() == hashes {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(chars.len())
}

/// One path a file names, with the line it is on.
struct Reference {
    path: Vec<String>,
    line: usize,
}

#[derive(Default)]
struct Module {
    file: PathBuf,
    /// Child modules declared outside test code, and whether each is `pub` in any form.
    children: BTreeMap<String, bool>,
    /// Names brought in by `use`, to the path they stand for.
    bindings: HashMap<String, Vec<String>>,
    /// Paths this file names (private `use` and paths in code); re-exports are not among them.
    references: Vec<Reference>,
}

struct SourceTree {
    root: PathBuf,
    modules: BTreeMap<ModPath, Module>,
}

impl SourceTree {
    fn read(src: &Path) -> SourceTree {
        let mut tree = SourceTree { root: src.parent().unwrap_or(src).to_path_buf(), modules: BTreeMap::new() };
        tree.add(Vec::new(), src.join("lib.rs"));
        tree
    }

    fn add(&mut self, path: ModPath, file: PathBuf) {
        let text = fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let module = parse(&tokenize(&text), file.clone());
        let dir = match file.file_name().and_then(|n| n.to_str()) {
            Some("lib.rs" | "mod.rs") => file.parent().map(Path::to_path_buf),
            _ => Some(file.with_extension("")),
        }
        .unwrap_or_default();
        let children: Vec<String> = module.children.keys().cloned().collect();
        self.modules.insert(path.clone(), module);
        for child in children {
            let flat = dir.join(format!("{child}.rs"));
            let file = if flat.exists() { flat } else { dir.join(&child).join("mod.rs") };
            let mut child_path = path.clone();
            child_path.push(child);
            self.add(child_path, file);
        }
    }

    /// The module whose file defines what `path` names from inside module `from`, and the
    /// item's name there; `None` for what lies outside the crate (std, dependencies, local
    /// items).
    fn resolve(&self, from: &ModPath, path: &[String], depth: usize) -> Option<(ModPath, String)> {
        let (first, rest) = path.split_first()?;
        if depth > 16 {
            return None;
        }
        let mut at = match first.as_str() {
            "crate" => Vec::new(),
            "self" => from.clone(),
            "super" => from[..from.len().checked_sub(1)?].to_vec(),
            name => {
                let module = self.modules.get(from)?;
                if module.children.contains_key(name) {
                    child(from, name)
                } else {
                    let bound = module.bindings.get(name)?;
                    let full: Vec<String> = bound.iter().chain(rest).cloned().collect();
                    return self.resolve(from, &full, depth + 1);
                }
            }
        };
        let mut rest = rest;
        while let Some(("super", tail)) = rest.split_first().map(|(s, t)| (s.as_str(), t)) {
            at.pop();
            rest = tail;
        }
        for (i, segment) in rest.iter().enumerate() {
            let module = self.modules.get(&at)?;
            if module.children.contains_key(segment) {
                at = child(&at, segment);
            } else if let Some(bound) = module.bindings.get(segment) {
                let full: Vec<String> = bound.iter().chain(&rest[i + 1..]).cloned().collect();
                return self.resolve(&at, &full, depth + 1);
            } else {
                return Some((at, segment.clone()));
            }
        }
        // The path names a module itself: a `use` of it binds a name, and what is named
        // through that name is the dependency.
        None
    }

    /// For each file, the files it depends on and the names that make it so.
    fn edges(&self) -> Graph {
        let mut edges = Graph::new();
        for (path, module) in &self.modules {
            let from = self.display(&module.file);
            let entry = edges.entry(from.clone()).or_default();
            for reference in &module.references {
                let Some((target, name)) = self.resolve(path, &reference.path, 0) else { continue };
                if target == *path || self.is_private_part_of(path, &target) {
                    continue;
                }
                let to = self.display(&self.modules[&target].file);
                let at = format!("{from}:{}", reference.line);
                entry.entry(to).or_default().entry(name).or_default().insert(at);
            }
        }
        edges
    }

    /// Whether `module` is a private child of `ancestor` (or of a private child of it, ...).
    fn is_private_part_of(&self, module: &ModPath, ancestor: &ModPath) -> bool {
        if !module.starts_with(ancestor) || module.len() == ancestor.len() {
            return false;
        }
        (ancestor.len()..module.len()).all(|depth| {
            let parent = &module[..depth];
            self.modules.get(parent).and_then(|m| m.children.get(&module[depth])) == Some(&false)
        })
    }

    fn display(&self, file: &Path) -> String {
        file.strip_prefix(&self.root).unwrap_or(file).display().to_string()
    }
}

fn child(path: &ModPath, name: &str) -> ModPath {
    let mut path = path.clone();
    path.push(name.to_string());
    path
}

fn parse(tokens: &[Token], file: PathBuf) -> Module {
    let mut module = Module { file, ..Module::default() };
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i].tok {
            Tok::Punct('#') => {
                let (end, is_test) = attribute(tokens, i);
                i = if is_test { skip_item(tokens, end) } else { end };
            }
            Tok::Ident(word) if word == "mod" => {
                if let (Some(Tok::Ident(name)), Some(Tok::Punct(';'))) =
                    (tokens.get(i + 1).map(|t| &t.tok), tokens.get(i + 2).map(|t| &t.tok))
                {
                    module.children.insert(name.clone(), is_pub(tokens, i));
                    i += 3;
                } else {
                    i += 1;
                }
            }
            Tok::Ident(word) if word == "use" && !matches!(tokens.get(i + 1).map(|t| &t.tok), Some(Tok::Punct('<'))) => {
                let reexport = is_pub(tokens, i);
                let mut leaves = Vec::new();
                let end = use_tree(tokens, i + 1, Vec::new(), &mut leaves);
                for (path, name) in leaves {
                    if let Some(name) = name {
                        module.bindings.insert(name, path.clone());
                    }
                    if !reexport {
                        module.references.push(Reference { path, line: tokens[i].line });
                    }
                }
                i = end;
            }
            Tok::Ident(_) if starts_path(tokens, i) => {
                let (path, end) = path_at(tokens, i);
                if path.len() > 1 {
                    module.references.push(Reference { path, line: tokens[i].line });
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    module
}

fn starts_path(tokens: &[Token], i: usize) -> bool {
    let prev = i.checked_sub(1).map(|p| &tokens[p].tok);
    !matches!(prev, Some(Tok::PathSep) | Some(Tok::Punct('.')))
        && matches!(tokens.get(i + 1).map(|t| &t.tok), Some(Tok::PathSep))
}

fn path_at(tokens: &[Token], mut i: usize) -> (Vec<String>, usize) {
    let mut path = Vec::new();
    while let Some(Tok::Ident(word)) = tokens.get(i).map(|t| &t.tok) {
        path.push(word.clone());
        if tokens.get(i + 1).map(|t| &t.tok) != Some(&Tok::PathSep) {
            return (path, i + 1);
        }
        i += 2;
    }
    (path, i)
}

/// Whether the item whose keyword is at `i` is `pub`, `pub(crate)`, `pub(super)`, ...
fn is_pub(tokens: &[Token], i: usize) -> bool {
    let mut j = i;
    if j > 0 && tokens[j - 1].tok == Tok::Punct(')') {
        while j > 0 && tokens[j - 1].tok != Tok::Punct('(') {
            j -= 1;
        }
        j = j.saturating_sub(1);
    }
    j > 0 && tokens[j - 1].tok == Tok::Ident("pub".into())
}

/// The end of the attribute starting at `i` (`#` or `#!`), and whether it is `#[cfg(test)]`.
fn attribute(tokens: &[Token], i: usize) -> (usize, bool) {
    let mut j = i + 1;
    if tokens.get(j).map(|t| &t.tok) == Some(&Tok::Punct('!')) {
        j += 1;
    }
    if tokens.get(j).map(|t| &t.tok) != Some(&Tok::Punct('[')) {
        return (i + 1, false);
    }
    let start = j;
    let end = balanced_end(tokens, j);
    let inner: Vec<&Tok> = tokens[start + 1..end - 1].iter().map(|t| &t.tok).collect();
    let cfg_test = [Tok::Ident("cfg".into()), Tok::Punct('('), Tok::Ident("test".into()), Tok::Punct(')')];
    (end, inner.iter().copied().eq(cfg_test.iter()))
}

/// The index after the bracket group opening at `i`.
fn balanced_end(tokens: &[Token], i: usize) -> usize {
    let mut depth = 0i32;
    for (j, token) in tokens.iter().enumerate().skip(i) {
        match token.tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
    }
    tokens.len()
}

/// The index after the item starting at `i`: its `;` or its first `{…}` block.
fn skip_item(tokens: &[Token], mut i: usize) -> usize {
    while i < tokens.len() {
        match tokens[i].tok {
            Tok::Punct(';') => return i + 1,
            Tok::Punct('{') => return balanced_end(tokens, i),
            Tok::Punct('(' | '[') => i = balanced_end(tokens, i),
            _ => i += 1,
        }
    }
    i
}

/// Parses a use tree from `i`, collecting each leaf's full path and the name it binds
/// (none for a glob or `as _`). Returns the index after the tree.
fn use_tree(tokens: &[Token], mut i: usize, prefix: Vec<String>, leaves: &mut Vec<(Vec<String>, Option<String>)>) -> usize {
    let mut path = prefix;
    if tokens.get(i).map(|t| &t.tok) == Some(&Tok::PathSep) {
        i += 1;
    }
    loop {
        match tokens.get(i).map(|t| &t.tok) {
            Some(Tok::Ident(word)) => {
                if word == "self" && !path.is_empty() {
                    // `a::{self, b}` binds `a`.
                } else {
                    path.push(word.clone());
                }
                i += 1;
                if tokens.get(i).map(|t| &t.tok) == Some(&Tok::PathSep) {
                    i += 1;
                    continue;
                }
                let mut name = path.last().cloned();
                if tokens.get(i).map(|t| &t.tok) == Some(&Tok::Ident("as".into())) {
                    name = match tokens.get(i + 1).map(|t| &t.tok) {
                        Some(Tok::Ident(alias)) if alias != "_" => Some(alias.clone()),
                        _ => None,
                    };
                    i += 2;
                }
                leaves.push((path, name));
                return skip_separator(tokens, i);
            }
            Some(Tok::Punct('*')) => {
                // A glob depends on the module it empties out.
                path.push("*".to_string());
                leaves.push((path, None));
                return skip_separator(tokens, i + 1);
            }
            Some(Tok::Punct('{')) => {
                i += 1;
                while !matches!(tokens.get(i).map(|t| &t.tok), Some(Tok::Punct('}')) | None) {
                    i = use_tree(tokens, i, path.clone(), leaves);
                }
                return skip_separator(tokens, i + 1);
            }
            _ => return i + 1,
        }
    }
}

fn skip_separator(tokens: &[Token], i: usize) -> usize {
    match tokens.get(i).map(|t| &t.tok) {
        Some(Tok::Punct(',' | ';')) => i + 1,
        _ => i,
    }
}

/// Circles in the graph, each as `a → b → a` with the names that make each arrow; every
/// arrow that lies on some circle is on at least one of those listed.
fn circles(edges: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    let mut covered: BTreeSet<(&str, &str)> = BTreeSet::new();
    for (from, targets) in edges {
        for to in targets.keys() {
            if covered.contains(&(from.as_str(), to.as_str())) {
                continue;
            }
            let Some(back) = shortest_path(edges, to, from) else { continue };
            let mut cycle = vec![from.as_str()];
            cycle.extend(back.iter().copied());
            let mut text = cycle.join(" → ");
            for pair in cycle.windows(2) {
                covered.insert((pair[0], pair[1]));
                text.push_str(&format!("\n      {} → {}:", pair[0], pair[1]));
                for (name, places) in &edges[pair[0]][pair[1]] {
                    let shown: Vec<&str> = places.iter().take(2).map(String::as_str).collect();
                    let more = if places.len() > 2 { ", …" } else { "" };
                    text.push_str(&format!("\n          {name} ({}{more})", shown.join(", ")));
                }
            }
            out.push(format!("  {text}"));
        }
    }
    out
}

/// The shortest path from `from` to `to` (both included).
fn shortest_path<'a>(edges: &'a Graph, from: &'a str, to: &str) -> Option<Vec<&'a str>> {
    let mut previous: HashMap<&str, &str> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    while let Some(at) = queue.pop_front() {
        if at == to {
            let mut path = vec![at];
            let mut at = at;
            while at != from {
                at = previous[at];
                path.push(at);
            }
            path.reverse();
            return Some(path);
        }
        for next in edges.get(at).into_iter().flat_map(|t| t.keys()) {
            if next != from && !previous.contains_key(next.as_str()) {
                previous.insert(next, at);
                queue.push_back(next);
            }
        }
    }
    None
}
