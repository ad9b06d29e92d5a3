//! Image builds: with the engine's built-in BuildKit by default, as `docker compose` builds
//! (see `buildkit`), or with the classic builder (API 1.41) when `DOCKER_BUILDKIT=0` or the
//! engine has no BuildKit. Both send the context as a tar that honours `.dockerignore`, the
//! way the docker CLI sends it.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use bollard::query_parameters::{BuildImageOptions, TagImageOptions};
use bollard::{ClientVersion, Docker};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use super::buildkit;
use super::{BuildSpec, EngineError, Kind, Result};
use crate::load::Env;
use crate::model::Build;

/// Where build output goes, chunk by chunk as the engine streams it.
pub type Output = Arc<dyn Fn(&str) + Send + Sync>;

/// The first API version of engines with BuildKit built in (18.09).
const BUILDKIT_API: (usize, usize) = (1, 39);

/// Which builder builds, decided once per engine connection.
#[derive(Clone)]
pub enum Builder {
    BuildKit(buildkit::Setup),
    /// The classic builder, and why: said when a Dockerfile needs BuildKit.
    Classic(String),
    /// `DOCKER_BUILDKIT` holds no boolean: every build fails with this.
    Invalid(String),
}

impl Builder {
    /// BuildKit unless `DOCKER_BUILDKIT` is false or the engine predates it, as the reference.
    pub fn choose(env: &Env, version: ClientVersion, style: buildkit::trace::Style) -> Builder {
        let wanted = match env.get("DOCKER_BUILDKIT").map(|v| v.trim()).filter(|v| !v.is_empty()) {
            None => true,
            Some(v) => match parse_bool(v) {
                Some(b) => b,
                None => {
                    return Builder::Invalid(format!("DOCKER_BUILDKIT environment variable expects boolean value: \"{v}\""))
                }
            },
        };
        if !wanted {
            return Builder::Classic("DOCKER_BUILDKIT=0 selects the classic builder".to_string());
        }
        if (version.major_version, version.minor_version) < BUILDKIT_API {
            return Builder::Classic(format!(
                "the engine (API {}.{}) has no BuildKit",
                version.major_version, version.minor_version
            ));
        }
        match buildkit::conn::Host::parse(env.get("DOCKER_HOST").map(String::as_str)) {
            Ok(host) => Builder::BuildKit(buildkit::Setup { host, version, env: env.clone(), style }),
            Err(why) => Builder::Classic(why),
        }
    }

    pub fn with_style(self, style: buildkit::trace::Style) -> Builder {
        match self {
            Builder::BuildKit(setup) => Builder::BuildKit(buildkit::Setup { style, ..setup }),
            other => other,
        }
    }
}

/// Go's `strconv.ParseBool`, which the docker CLI reads `DOCKER_BUILDKIT` with.
fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Builds the service's image and tags it with `spec.image` and every `build.tags` entry.
pub async fn build(docker: &Docker, builder: &Builder, spec: &BuildSpec, output: &Output) -> Result<()> {
    let doing = format!(
        "building image \"{}\" for service \"{}\"",
        spec.image, spec.service
    );
    let build = spec
        .project
        .services
        .get(&spec.service)
        .and_then(|s| s.build.clone())
        .ok_or_else(|| {
            EngineError::new(
                Kind::Invalid,
                format!("{doing}: the service has no build section"),
            )
        })?;
    match builder {
        Builder::BuildKit(setup) => buildkit::build(setup, spec, &build, output).await,
        Builder::Invalid(message) => Err(EngineError::new(Kind::Invalid, format!("{doing}: {message}"))),
        Builder::Classic(why) => {
            if let Some(need) = needs_buildkit(&build) {
                let message = format!("{doing}: {need}, which needs BuildKit, but {why}");
                return Err(EngineError::new(Kind::Invalid, message));
            }
            classic(docker, spec, &build, &doing, output).await
        }
    }
}

async fn classic(docker: &Docker, spec: &BuildSpec, build: &Build, doing: &str, output: &Output) -> Result<()> {
    let options =
        options(spec, build).map_err(|m| EngineError::new(Kind::Invalid, format!("{doing}: {m}")))?;
    let source = Source::of(build);
    let context = tokio::task::spawn_blocking(move || source.tar())
        .await
        .map_err(|e| EngineError::new(Kind::Other, format!("{doing}: {e}")))?
        .map_err(|e| EngineError::new(Kind::Other, format!("{doing}: {e}")))?;
    let options = BuildImageOptions {
        dockerfile: context.dockerfile,
        ..options
    };
    let mut stream = docker.build_image(options, None, Some(bollard::body_full(context.tar.into())));
    while let Some(item) = stream.next().await {
        let info = item.map_err(|e| EngineError::from(e).context(doing))?;
        if let Some(text) = info.stream.as_deref() {
            output(text);
        }
    }
    for tag in &build.tags {
        tag_image(docker, &spec.image, tag)
            .await
            .map_err(|e| e.context(format!("tagging {tag}")))?;
    }
    Ok(())
}

/// What in the service's build the classic builder cannot do, named for the user.
fn needs_buildkit(build: &Build) -> Option<String> {
    let set = [
        (!build.secrets.is_empty(), "build.secrets"),
        (!build.ssh.is_empty(), "build.ssh"),
        (!build.additional_contexts.is_empty(), "build.additional_contexts"),
    ];
    if let Some((_, key)) = set.iter().find(|(on, _)| *on) {
        return Some(format!("{key} is set"));
    }
    let text = Source::of(build).dockerfile_text().ok()?;
    buildkit_syntax(&text)
}

/// The first Dockerfile instruction only BuildKit understands: `RUN --mount` and the like.
pub fn buildkit_syntax(dockerfile: &str) -> Option<String> {
    const FLAGS: [(&str, &str); 7] = [
        ("RUN", "--mount"),
        ("RUN", "--network"),
        ("RUN", "--security"),
        ("COPY", "--chmod"),
        ("COPY", "--link"),
        ("ADD", "--chmod"),
        ("ADD", "--link"),
    ];
    for (number, line) in dockerfile.lines().enumerate() {
        let mut words = line.split_whitespace();
        let Some(instruction) = words.next().map(str::to_ascii_uppercase) else { continue };
        for word in words.take_while(|w| w.starts_with("--")) {
            let flag = word.split('=').next().unwrap_or(word);
            if FLAGS.contains(&(instruction.as_str(), flag)) {
                return Some(format!("the Dockerfile uses `{instruction} {flag}` (line {})", number + 1));
            }
        }
    }
    None
}

async fn tag_image(docker: &Docker, image: &str, tag: &str) -> Result<()> {
    let (repo, tag) = split_tag(tag);
    let options = TagImageOptions {
        repo: Some(repo.to_string()),
        tag: tag.map(str::to_string),
    };
    Ok(docker.tag_image(image, Some(options)).await?)
}

/// `name[:tag]`: the tag is after the last `:` that follows the last `/` (a registry port is not one).
pub fn split_tag(reference: &str) -> (&str, Option<&str>) {
    let name_start = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[name_start..].rfind(':') {
        Some(i) => (
            &reference[..name_start + i],
            Some(&reference[name_start + i + 1..]),
        ),
        None => (reference, None),
    }
}

/// The query of the build request, from the service's `build` section; the Dockerfile's name is
/// known once the context is packed.
fn options(spec: &BuildSpec, build: &Build) -> std::result::Result<BuildImageOptions, String> {
    let mut labels: HashMap<String, String> = spec.labels.clone().into_iter().collect();
    labels.insert(crate::labels::IMAGE_BUILDER.to_string(), "classic".to_string());
    let args: HashMap<String, String> = build
        .args
        .iter()
        .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v)))
        .collect();
    let shmsize = match &build.shm_size {
        Some(size) => {
            Some(i32::try_from(size.0).map_err(|_| "shm_size must be below 2GiB for a classic build")?)
        }
        None => None,
    };
    Ok(BuildImageOptions {
        t: Some(spec.image.clone()),
        extrahosts: extra_host(build)?,
        remote: build.context.clone().filter(|c| is_remote(c)),
        nocache: spec.no_cache || build.no_cache,
        cachefrom: (!build.cache_from.is_empty()).then(|| build.cache_from.clone()),
        pull: (spec.pull || build.pull).then(|| "1".to_string()),
        buildargs: (!args.is_empty()).then_some(args),
        shmsize,
        labels: Some(labels),
        networkmode: build.network.clone(),
        target: build.target.clone().unwrap_or_default(),
        // A failed step would otherwise leave its container behind, unrelated to any project.
        forcerm: true,
        ..BuildImageOptions::default()
    })
}

/// The engine takes any number of `extrahosts`, but the query encoder sends one value per key.
fn extra_host(build: &Build) -> std::result::Result<Option<String>, String> {
    let hosts: Vec<String> = build
        .extra_hosts
        .0
        .iter()
        .flat_map(|(h, ips)| ips.iter().map(move |ip| format!("{h}:{ip}")))
        .collect();
    match hosts.len() {
        0 => Ok(None),
        1 => Ok(hosts.into_iter().next()),
        _ => Err("build.extra_hosts: dockhand's classic build supports a single entry".to_string()),
    }
}

/// Build contexts the builder fetches itself.
fn is_remote(context: &str) -> bool {
    context.contains("://") || context.starts_with("git@") || context.starts_with("github.com/")
}

/// What goes into the context tar.
#[derive(Debug, Clone)]
pub struct Source {
    /// The context directory; `None` for a remote context (the tar is then empty).
    pub dir: Option<PathBuf>,
    pub dockerfile: Dockerfile,
}

#[derive(Debug, Clone)]
pub enum Dockerfile {
    /// A path, relative to the context or absolute.
    Path(String),
    Inline(String),
}

/// A packed context and the Dockerfile's name inside it.
#[derive(Debug)]
pub struct Context {
    pub tar: Vec<u8>,
    pub dockerfile: String,
}

impl Source {
    pub fn of(build: &Build) -> Source {
        let context = build.context.clone().unwrap_or_else(|| ".".to_string());
        let dockerfile = match (&build.dockerfile_inline, &build.dockerfile) {
            (Some(text), _) => Dockerfile::Inline(text.clone()),
            (None, Some(path)) => Dockerfile::Path(path.clone()),
            (None, None) => Dockerfile::Path("Dockerfile".to_string()),
        };
        Source {
            dir: (!is_remote(&context)).then(|| PathBuf::from(context)),
            dockerfile,
        }
    }

    /// The Dockerfile's text, read from the context directory unless given inline.
    pub fn dockerfile_text(&self) -> io::Result<String> {
        match (&self.dockerfile, &self.dir) {
            (Dockerfile::Inline(text), _) => Ok(text.clone()),
            (Dockerfile::Path(p), Some(dir)) => fs::read_to_string(dir.join(p)),
            (Dockerfile::Path(_), None) => Err(io::Error::other("the Dockerfile is in a remote context")),
        }
    }

    /// Packs the context. A Dockerfile given inline or outside the context is added under a
    /// name derived from its content, as the docker CLI does for `-f -`.
    pub fn tar(&self) -> io::Result<Context> {
        let Some(dir) = &self.dir else {
            let Dockerfile::Path(name) = &self.dockerfile else {
                return Err(io::Error::other(
                    "a remote build context takes its Dockerfile from the remote",
                ));
            };
            return Ok(Context {
                tar: Vec::new(),
                dockerfile: name.clone(),
            });
        };
        let (dockerfile, extra) = self.locate_dockerfile(dir)?;
        let mut rules = read_ignore(dir)?;
        rules.keep(".dockerignore");
        if extra.is_none() {
            rules.keep(&dockerfile);
        }
        let mut tar = Tar::new(rules);
        tar.walk(dir, "")?;
        if let Some(content) = extra {
            tar.add_bytes(&dockerfile, &content)?;
        }
        Ok(Context {
            tar: tar.finish()?,
            dockerfile,
        })
    }

    /// The Dockerfile's name in the tar, with its content when it is not a file of the context.
    fn locate_dockerfile(&self, dir: &Path) -> io::Result<(String, Option<Vec<u8>>)> {
        let path = match &self.dockerfile {
            Dockerfile::Inline(text) => {
                return Ok((generated_name(text.as_bytes()), Some(text.clone().into_bytes())))
            }
            Dockerfile::Path(p) => normalize(&dir.join(p)),
        };
        match path.strip_prefix(normalize(dir)) {
            Ok(rel) => Ok((to_slash(rel), None)),
            Err(_) => {
                let content = fs::read(&path).map_err(|e| {
                    io::Error::new(e.kind(), format!("reading Dockerfile {}: {e}", path.display()))
                })?;
                Ok((generated_name(&content), Some(content)))
            }
        }
    }
}

fn generated_name(content: &[u8]) -> String {
    let digest = Sha256::digest(content);
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!(".dockerfile.{hex}")
}

fn read_ignore(dir: &Path) -> io::Result<IgnoreRules> {
    match fs::read_to_string(dir.join(".dockerignore")) {
        Ok(text) => IgnoreRules::parse(&text).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("{}: {e}", dir.join(".dockerignore").display()),
            )
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(IgnoreRules::default()),
        Err(e) => Err(e),
    }
}

/// A path with `.` and `..` resolved lexically, as the CLI compares the Dockerfile to the context.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

fn to_slash(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The context tar under construction: owner root, modes and times kept, symlinks not followed.
struct Tar {
    rules: IgnoreRules,
    builder: tar::Builder<Vec<u8>>,
}

impl Tar {
    fn new(rules: IgnoreRules) -> Tar {
        Tar {
            rules,
            builder: tar::Builder::new(Vec::new()),
        }
    }

    fn walk(&mut self, dir: &Path, rel: &str) -> io::Result<()> {
        let mut entries = fs::read_dir(dir)?.collect::<io::Result<Vec<_>>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let name = entry.file_name().to_string_lossy().into_owned();
            let path = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            self.add(&entry.path(), &path)?;
        }
        Ok(())
    }

    fn add(&mut self, source: &Path, path: &str) -> io::Result<()> {
        let meta = fs::symlink_metadata(source)?;
        let excluded = self.rules.excludes(path);
        let kind = meta.file_type();
        if kind.is_dir() {
            if !excluded {
                self.builder
                    .append_data(&mut header(&meta, 0), format!("{path}/"), io::empty())?;
            }
            // An exception may take back a file below an excluded directory.
            if !excluded || self.rules.has_exceptions() {
                self.walk(source, path)?;
            }
            return Ok(());
        }
        if excluded {
            return Ok(());
        }
        if kind.is_symlink() {
            let target = fs::read_link(source)?;
            self.builder.append_link(&mut header(&meta, 0), path, target)?;
        } else if kind.is_file() {
            let file = fs::File::open(source)?;
            self.builder
                .append_data(&mut header(&meta, meta.len()), path, file)?;
        }
        Ok(())
    }

    fn add_bytes(&mut self, path: &str, content: &[u8]) -> io::Result<()> {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
        h.set_size(content.len() as u64);
        self.builder.append_data(&mut h, path, content)
    }

    fn finish(self) -> io::Result<Vec<u8>> {
        self.builder.into_inner()
    }
}

fn header(meta: &fs::Metadata, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_metadata_in_mode(meta, tar::HeaderMode::Complete);
    h.set_uid(0);
    h.set_gid(0);
    h.set_size(size);
    h
}

/// The rules of a `.dockerignore`: the last pattern matching a path (or one of its parent
/// directories) decides; `!` patterns take paths back.
#[derive(Debug, Clone, Default)]
pub struct IgnoreRules {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
struct Rule {
    exception: bool,
    pattern: Pattern,
}

impl IgnoreRules {
    /// Reads a `.dockerignore`: `#` starts a comment only in the first column; patterns are
    /// trimmed, cleaned like paths and made relative to the context.
    pub fn parse(text: &str) -> std::result::Result<IgnoreRules, String> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut rules = Vec::new();
        for line in text.lines() {
            if line.starts_with('#') {
                continue;
            }
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let (exception, pattern) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            if pattern.is_empty() {
                return Err(format!("illegal exclusion pattern: \"{line}\""));
            }
            let pattern = Pattern::new(&clean(pattern)).map_err(|e| format!("pattern \"{line}\": {e}"))?;
            rules.push(Rule { exception, pattern });
        }
        Ok(IgnoreRules { rules })
    }

    /// Whether `path` (relative to the context, `/`-separated) stays out of the context.
    pub fn excludes(&self, path: &str) -> bool {
        let parents: Vec<&str> = path.match_indices('/').map(|(i, _)| &path[..i]).collect();
        self.rules.iter().fold(false, |excluded, rule| {
            let hit = rule.pattern.matches(path) || parents.iter().any(|p| rule.pattern.matches(p));
            if hit {
                !rule.exception
            } else {
                excluded
            }
        })
    }

    pub fn has_exceptions(&self) -> bool {
        self.rules.iter().any(|r| r.exception)
    }

    /// Makes sure a file the build needs is sent, whatever the patterns say.
    fn keep(&mut self, path: &str) {
        if self.excludes(path) {
            if let Ok(pattern) = Pattern::new(&escape(path)) {
                self.rules.push(Rule {
                    exception: true,
                    pattern,
                });
            }
        }
    }
}

/// A path as a pattern that matches only itself.
fn escape(path: &str) -> String {
    path.chars().fold(String::new(), |mut s, c| {
        if matches!(c, '*' | '?' | '[' | '\\') {
            s.push('\\');
        }
        s.push(c);
        s
    })
}

/// Cleans a pattern like a path (`a//b/./c/..` → `a/b`) and drops a leading `/`.
fn clean(pattern: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in pattern.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if pattern.starts_with('/') => {}
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Char(char),
    /// `?`: one character other than `/`.
    One,
    /// `*`: any run of characters other than `/`.
    Star,
    /// `**` before more pattern: nothing, or anything ending in `/`.
    Dirs,
    /// `**` at the end: anything.
    Rest,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

#[derive(Debug, Clone)]
struct Pattern {
    tokens: Vec<Token>,
}

impl Pattern {
    fn new(text: &str) -> std::result::Result<Pattern, String> {
        let chars: Vec<char> = text.chars().collect();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            i += 1;
            match c {
                '*' if chars.get(i) == Some(&'*') => {
                    i += 1;
                    if chars.get(i) == Some(&'/') {
                        i += 1;
                    }
                    tokens.push(if i == chars.len() {
                        Token::Rest
                    } else {
                        Token::Dirs
                    });
                }
                '*' => tokens.push(Token::Star),
                '?' => tokens.push(Token::One),
                '\\' => {
                    tokens.push(Token::Char(chars.get(i).copied().unwrap_or('\\')));
                    i += 1;
                }
                '[' => {
                    let (token, next) = class(&chars, i)?;
                    tokens.push(token);
                    i = next;
                }
                c => tokens.push(Token::Char(c)),
            }
        }
        Ok(Pattern { tokens })
    }

    fn matches(&self, path: &str) -> bool {
        let chars: Vec<char> = path.chars().collect();
        match_tokens(&self.tokens, &chars)
    }
}

/// A `[...]` class starting after the `[` at `start`; returns the token and the index after `]`.
fn class(chars: &[char], start: usize) -> std::result::Result<(Token, usize), String> {
    let mut i = start;
    let negated = chars.get(i) == Some(&'^');
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(i).ok_or("unterminated character class")?;
        i += 1;
        let lo = match c {
            ']' if !first => return Ok((Token::Class { negated, ranges }, i)),
            '\\' => {
                i += 1;
                *chars.get(i - 1).ok_or("unterminated character class")?
            }
            c => c,
        };
        first = false;
        if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|c| *c != ']') {
            let hi = chars[i + 1];
            i += 2;
            if hi < lo {
                return Err(format!("invalid character class range {lo}-{hi}"));
            }
            ranges.push((lo, hi));
        } else {
            ranges.push((lo, lo));
        }
    }
}

fn match_tokens(tokens: &[Token], s: &[char]) -> bool {
    let Some((token, rest)) = tokens.split_first() else {
        return s.is_empty();
    };
    let one = |ok: bool| ok && match_tokens(rest, &s[1..]);
    match token {
        Token::Char(c) => one(s.first() == Some(c)),
        Token::One => one(s.first().is_some_and(|c| *c != '/')),
        Token::Class { negated, ranges } => one(s
            .first()
            .is_some_and(|c| ranges.iter().any(|(lo, hi)| lo <= c && c <= hi) != *negated)),
        Token::Star => {
            let run = s.iter().take_while(|c| **c != '/').count();
            (0..=run).any(|n| match_tokens(rest, &s[n..]))
        }
        Token::Rest => (0..=s.len()).any(|n| match_tokens(rest, &s[n..])),
        Token::Dirs => {
            match_tokens(rest, s)
                || (1..=s.len())
                    .filter(|&n| s[n - 1] == '/')
                    .any(|n| match_tokens(rest, &s[n..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> IgnoreRules {
        IgnoreRules::parse(text).unwrap()
    }

    #[test]
    fn patterns_match_paths_and_their_parents() {
        let r = rules("node_modules\n*.log\n/tmp/\n");
        assert!(r.excludes("node_modules"));
        assert!(r.excludes("node_modules/x/y.js"));
        assert!(r.excludes("debug.log"));
        // `*` stays within one directory, and a pattern is anchored at the context.
        assert!(!r.excludes("sub/debug.log"));
        assert!(r.excludes("tmp/a"));
        assert!(!r.excludes("src/tmp"));
    }

    #[test]
    fn double_star_spans_directories() {
        let r = rules("**/*.o\ndocs/**\na/**/z\n");
        assert!(r.excludes("x.o"));
        assert!(r.excludes("a/b/c/x.o"));
        assert!(r.excludes("docs/a/b"));
        assert!(!r.excludes("docs"));
        assert!(r.excludes("a/z"));
        assert!(r.excludes("a/b/c/z"));
        assert!(!r.excludes("a/bz"));
    }

    #[test]
    fn last_match_wins_and_exceptions_take_back() {
        let r = rules("*.md\n!README.md\nREADME*.md\n!keep/**\nkeep/secret\n");
        assert!(r.excludes("CHANGES.md"));
        assert!(r.excludes("README.md"));
        assert!(!IgnoreRules::parse("*.md\n!README.md\n")
            .unwrap()
            .excludes("README.md"));
        assert!(!r.excludes("keep/a"));
        assert!(r.excludes("keep/secret"));
        assert!(r.has_exceptions());
    }

    #[test]
    fn comments_blank_lines_and_cleaning() {
        let r = rules("# comment\n\n  ./a//b/../c  \n #x\n");
        assert!(r.excludes("a/c"));
        assert!(r.excludes("#x"));
        assert!(!r.excludes("# comment"));
        assert_eq!(clean("/../x"), "x");
        assert_eq!(clean("../x"), "../x");
        assert_eq!(clean("a/"), "a");
    }

    #[test]
    fn classes_question_marks_and_escapes() {
        let r = rules("file[0-9].txt\n?.c\n[^a]x\n\\*star\n");
        assert!(r.excludes("file7.txt"));
        assert!(!r.excludes("fileA.txt"));
        assert!(r.excludes("b.c"));
        assert!(!r.excludes("bb.c"));
        assert!(r.excludes("bx"));
        assert!(!r.excludes("ax"));
        assert!(r.excludes("*star"));
        assert!(!r.excludes("xstar"));
    }

    #[test]
    fn bad_patterns_are_reported() {
        assert!(IgnoreRules::parse("!\n")
            .unwrap_err()
            .contains("illegal exclusion pattern"));
        assert!(IgnoreRules::parse("a[b\n").unwrap_err().contains("unterminated"));
    }

    #[test]
    fn buildkit_only_instructions_are_named_with_their_line() {
        let text = "FROM busybox:latest\nRUN echo --mount=x\ncopy --chown=1 --chmod=755 a /a\n";
        assert_eq!(buildkit_syntax(text).unwrap(), "the Dockerfile uses `COPY --chmod` (line 3)");
        assert_eq!(
            buildkit_syntax("RUN --mount=type=cache,target=/c true").unwrap(),
            "the Dockerfile uses `RUN --mount` (line 1)"
        );
        assert_eq!(buildkit_syntax("FROM busybox\nRUN echo hi --link\n"), None);
    }

    #[test]
    fn docker_buildkit_picks_the_builder() {
        let v = |minor| ClientVersion { major_version: 1, minor_version: minor };
        let env = |value: &str| -> Env { [("DOCKER_BUILDKIT".to_string(), value.to_string())].into_iter().collect() };
        let style = buildkit::trace::Style::Plain;
        assert!(matches!(Builder::choose(&Env::default(), v(41), style), Builder::BuildKit(_)));
        assert!(matches!(Builder::choose(&env("1"), v(41), style), Builder::BuildKit(_)));
        assert!(matches!(Builder::choose(&env("0"), v(41), style), Builder::Classic(w) if w.contains("DOCKER_BUILDKIT=0")));
        assert!(matches!(Builder::choose(&env("false"), v(41), style), Builder::Classic(_)));
        assert!(matches!(Builder::choose(&Env::default(), v(38), style), Builder::Classic(w) if w.contains("no BuildKit")));
        assert!(matches!(Builder::choose(&env("maybe"), v(41), style), Builder::Invalid(m) if m.contains("maybe")));
    }

    #[test]
    fn tags_split_after_the_last_slash() {
        assert_eq!(split_tag("a/b:1"), ("a/b", Some("1")));
        assert_eq!(split_tag("reg:5000/b"), ("reg:5000/b", None));
        assert_eq!(split_tag("reg:5000/b:x"), ("reg:5000/b", Some("x")));
    }

    fn write(dir: &Path, path: &str, content: &str) {
        let p = dir.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }

    fn names(tar: &[u8]) -> Vec<String> {
        let mut archive = tar::Archive::new(tar);
        archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect()
    }

    fn read(tar: &[u8], name: &str) -> String {
        let mut archive = tar::Archive::new(tar);
        let mut entry = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap())
            .find(|e| e.path().unwrap().to_string_lossy() == name)
            .unwrap();
        let mut s = String::new();
        io::Read::read_to_string(&mut entry, &mut s).unwrap();
        s
    }

    fn source(dir: &Path, dockerfile: Dockerfile) -> Source {
        Source {
            dir: Some(dir.to_path_buf()),
            dockerfile,
        }
    }

    #[test]
    fn the_context_tar_honours_dockerignore() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        write(d, "Dockerfile", "FROM busybox:latest\n");
        write(
            d,
            ".dockerignore",
            "Dockerfile\n.dockerignore\nbuild\n*.log\n!important.log\n",
        );
        write(d, "src/main.c", "int main;");
        write(d, "build/out/a.o", "x");
        write(d, "a.log", "x");
        write(d, "important.log", "keep");
        std::os::unix::fs::symlink("src/main.c", d.join("link")).unwrap();
        let ctx = source(d, Dockerfile::Path("Dockerfile".into())).tar().unwrap();
        assert_eq!(ctx.dockerfile, "Dockerfile");
        assert_eq!(
            names(&ctx.tar),
            [
                ".dockerignore",
                "Dockerfile",
                "important.log",
                "link",
                "src/",
                "src/main.c"
            ]
        );
        let mut archive = tar::Archive::new(ctx.tar.as_slice());
        let link = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap())
            .find(|e| e.path().unwrap().to_str() == Some("link"));
        let link = link.unwrap();
        assert_eq!(link.header().entry_type(), tar::EntryType::Symlink);
        assert_eq!(link.header().uid().unwrap(), 0);
    }

    #[test]
    fn exceptions_reach_into_excluded_directories() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        write(d, "Dockerfile", "FROM busybox:latest\n");
        write(d, ".dockerignore", "vendor\n!vendor/keep/**\n");
        write(d, "vendor/drop/x", "x");
        write(d, "vendor/keep/y", "y");
        let ctx = source(d, Dockerfile::Path("Dockerfile".into())).tar().unwrap();
        assert_eq!(names(&ctx.tar), [".dockerignore", "Dockerfile", "vendor/keep/y"]);
    }

    /// The files `docker build` (20.10, classic) sent for this context, checked by hand.
    #[test]
    fn the_context_matches_what_the_docker_cli_sends() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        let files = [
            "a/x.go",
            "a/b/y.go",
            "a/b/c/z.go",
            "top.go",
            "vendor/keep/k",
            "vendor/drop/d",
            "docs/x/readme.md",
            "README.md",
            "CHANGES.md",
            "sp ace/f",
            "file1.txt",
            "fileA.txt",
            ".hidden",
            "a/b/.hidden",
            "Dockerfile",
        ];
        for f in files {
            write(d, f, "x");
        }
        let ignore = "# comment\n**/*.go\n!a/b/*.go\nvendor\n!vendor/keep\ndocs/**\n*.md\n!README*.md\n\
                      file[0-9].txt\n sp ace \n**/.hidden\nDockerfile\n";
        write(d, ".dockerignore", ignore);
        let ctx = source(d, Dockerfile::Path("Dockerfile".into())).tar().unwrap();
        assert_eq!(
            names(&ctx.tar),
            [
                ".dockerignore",
                "Dockerfile",
                "README.md",
                "a/",
                "a/b/",
                "a/b/c/",
                "a/b/y.go",
                "docs/",
                "fileA.txt",
                "vendor/keep/",
                "vendor/keep/k",
            ]
        );
    }

    #[test]
    fn inline_and_outside_dockerfiles_are_added_under_a_generated_name() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("ctx");
        write(&d, "f", "x");
        write(t.path(), "other/Dockerfile", "FROM busybox:latest\nRUN true\n");
        let ctx = source(&d, Dockerfile::Inline("FROM busybox:latest\n".into()))
            .tar()
            .unwrap();
        assert!(ctx.dockerfile.starts_with(".dockerfile."));
        assert_eq!(read(&ctx.tar, &ctx.dockerfile), "FROM busybox:latest\n");
        let ctx = source(&d, Dockerfile::Path("../other/Dockerfile".into()))
            .tar()
            .unwrap();
        assert!(ctx.dockerfile.starts_with(".dockerfile."));
        assert_eq!(names(&ctx.tar), ["f", ctx.dockerfile.as_str()]);
        let ctx = source(&d, Dockerfile::Path("./sub/../f".into())).tar().unwrap();
        assert_eq!(ctx.dockerfile, "f");
    }
}
