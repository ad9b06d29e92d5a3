//! Ignore rules for `watch`, in the gitignore dialect `develop.watch.ignore` and
//! `.dockerignore` use: `*.tmp` (any name), `drafts/` (a directory, anywhere), `a/b` (anchored
//! to the rule's path), `**` across directories, `!` to take a path back. Editor temp files
//! and `.git` are always ignored.

use std::path::Path;

/// Always ignored: version control and the files editors write while saving.
const BUILT_IN: [&str; 8] = [".git/", "*~", "*.swp", "*.swx", ".#*", "#*#", "4913", ".DS_Store"];

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    glob: String,
    /// Matches from the base only, not at any depth.
    anchored: bool,
    /// Matches directories (and so everything under them) only.
    directory: bool,
    negated: bool,
}

/// A set of patterns, relative to a base directory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ignore {
    patterns: Vec<Pattern>,
}

impl Ignore {
    /// The patterns plus the built-in ones.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Ignore {
        let all = BUILT_IN.iter().copied().chain(patterns.iter().map(AsRef::as_ref));
        Ignore { patterns: all.filter_map(parse).collect() }
    }

    /// Only the patterns given (for `include`).
    pub fn new_exact<S: AsRef<str>>(patterns: &[S]) -> Ignore {
        Ignore { patterns: patterns.iter().map(AsRef::as_ref).filter_map(parse).collect() }
    }

    /// The lines of a `.dockerignore` (comments and blank lines skipped).
    pub fn from_dockerignore(text: &str) -> Vec<String> {
        text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(String::from).collect()
    }

    /// Whether `relative` (a path under the base, `/`-separated) is ignored; the last
    /// matching pattern decides, as in gitignore.
    pub fn ignores(&self, relative: &Path) -> bool {
        let parts: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        let mut ignored = false;
        for p in &self.patterns {
            if p.matches(&parts) {
                ignored = !p.negated;
            }
        }
        ignored
    }
}

fn parse(line: &str) -> Option<Pattern> {
    let (negated, rest) = match line.strip_prefix('!') {
        Some(r) => (true, r),
        None => (false, line),
    };
    let directory = rest.ends_with('/');
    let trimmed = rest.trim_end_matches('/').trim_start_matches("./");
    let anchored = trimmed.starts_with('/') || trimmed.contains('/');
    let glob = trimmed.trim_start_matches('/').to_string();
    (!glob.is_empty()).then_some(Pattern { glob, anchored, directory, negated })
}

impl Pattern {
    /// A path matches when it, or one of the directories it lies in, matches the glob.
    fn matches(&self, parts: &[String]) -> bool {
        let glob: Vec<&str> = self.glob.split('/').collect();
        // A directory pattern never matches the last part alone: that may be a file. Files
        // under the directory match through their parent.
        let ends = if self.directory { parts.len().saturating_sub(1) } else { parts.len() };
        (1..=ends).any(|end| {
            let prefix = &parts[..end];
            if self.anchored {
                segments_match(&glob, prefix)
            } else {
                prefix.last().is_some_and(|name| wildcard(glob[0], name)) && glob.len() == 1
            }
        })
    }
}

fn segments_match(glob: &[&str], parts: &[String]) -> bool {
    match (glob.first(), parts.first()) {
        (None, None) => true,
        (Some(&"**"), _) => segments_match(&glob[1..], parts) || (!parts.is_empty() && segments_match(glob, &parts[1..])),
        (Some(g), Some(p)) => wildcard(g, p) && segments_match(&glob[1..], &parts[1..]),
        _ => false,
    }
}

/// `*` (any run of characters) and `?` (one character) within one name.
fn wildcard(glob: &str, name: &str) -> bool {
    let (g, n): (Vec<char>, Vec<char>) = (glob.chars().collect(), name.chars().collect());
    let (mut gi, mut ni, mut star, mut mark) = (0, 0, None, 0);
    while ni < n.len() {
        if gi < g.len() && (g[gi] == '?' || g[gi] == n[ni]) {
            gi += 1;
            ni += 1;
        } else if gi < g.len() && g[gi] == '*' {
            star = Some(gi);
            mark = ni;
            gi += 1;
        } else if let Some(s) = star {
            gi = s + 1;
            mark += 1;
            ni = mark;
        } else {
            return false;
        }
    }
    g[gi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignored(patterns: &[&str], path: &str) -> bool {
        Ignore::new(patterns).ignores(Path::new(path))
    }

    #[test]
    fn gitignore_patterns() {
        assert!(ignored(&["*.tmp"], "a/b/c.tmp"));
        assert!(!ignored(&["*.tmp"], "a/b/c.txt"));
        assert!(ignored(&["drafts/"], "drafts/x.html"));
        assert!(ignored(&["drafts/"], "deep/drafts/x.html"));
        assert!(!ignored(&["drafts/"], "drafts"), "a file named drafts is not the directory");
        assert!(ignored(&["node_modules"], "node_modules/pkg/index.js"));
        assert!(ignored(&["build/out"], "build/out/x"));
        assert!(!ignored(&["build/out"], "src/build/out/x"), "a pattern with a slash is anchored");
        assert!(ignored(&["**/cache"], "a/b/cache/x"));
        assert!(!ignored(&["*.log", "!keep.log"], "keep.log"));
        assert!(ignored(&["a?c"], "abc"));
    }

    #[test]
    fn editor_files_and_git_are_always_ignored() {
        for p in [".git/HEAD", "index.html~", ".index.html.swp", "4913", ".#index.html"] {
            assert!(ignored(&[], p), "{p}");
        }
        assert!(!ignored(&[], "index.html"));
    }

    #[test]
    fn dockerignore_lines() {
        assert_eq!(Ignore::from_dockerignore("# c\n\n*.md\n tmp/ \n"), ["*.md", "tmp/"]);
    }
}
