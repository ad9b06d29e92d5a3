//! `.dockerignore` rules, as Docker applies them: patterns are paths relative to the base
//! (the build context, or a watch rule's path), cleaned like paths (a leading `/`, a trailing
//! `/`, `.` and `..` parts make no difference); `*`, `?` and `[…]` stay within one name and
//! `**` spans directories; a pattern that matches a directory matches everything under it;
//! the last pattern matching a path decides, and `!` takes a path back. Used for the build
//! context and for `watch`, so the two never disagree.

mod pattern;

use pattern::Pattern;

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

impl Rule {
    /// A trimmed line: `!` makes it an exception; the rest is cleaned like a path.
    fn parse(line: &str) -> Result<Rule, String> {
        let line = line.trim();
        let (exception, pattern) = match line.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, line),
        };
        if pattern.is_empty() {
            return Err(format!("illegal exclusion pattern: \"{line}\""));
        }
        let pattern = Pattern::new(&clean(pattern)).map_err(|e| format!("pattern \"{line}\": {e}"))?;
        Ok(Rule { exception, pattern })
    }
}

/// The patterns of a `.dockerignore`'s text: `#` starts a comment only in the first column;
/// lines are trimmed and blank ones skipped.
pub fn patterns(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.lines().filter(|l| !l.starts_with('#')).map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

impl IgnoreRules {
    /// Reads a `.dockerignore`.
    pub fn parse(text: &str) -> Result<IgnoreRules, String> {
        IgnoreRules::from_patterns(&patterns(text))
    }

    /// Rules from patterns as `.dockerignore` lines give them; the first that Docker would
    /// reject is the error.
    pub fn from_patterns<S: AsRef<str>>(patterns: &[S]) -> Result<IgnoreRules, String> {
        let rules = patterns.iter().map(|p| Rule::parse(p.as_ref())).collect::<Result<_, _>>()?;
        Ok(IgnoreRules { rules })
    }

    /// Rules from the patterns Docker accepts; the others are left out.
    pub fn from_valid_patterns<S: AsRef<str>>(patterns: &[S]) -> IgnoreRules {
        IgnoreRules { rules: patterns.iter().filter_map(|p| Rule::parse(p.as_ref()).ok()).collect() }
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
    pub fn keep(&mut self, path: &str) {
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
    fn leading_and_trailing_slashes_and_dots_make_no_difference() {
        for pattern in ["cache", "/cache", "cache/", "./cache", "/./cache//", "x/../cache"] {
            let r = rules(pattern);
            assert!(r.excludes("cache"), "{pattern}");
            assert!(r.excludes("cache/a/b"), "{pattern}");
            assert!(!r.excludes("src/cache"), "{pattern}: anchored at the base");
        }
    }

    #[test]
    fn an_exception_takes_back_a_path_below_an_excluded_directory() {
        let r = rules("build
!build/keep
");
        assert!(r.excludes("build/drop"));
        assert!(!r.excludes("build/keep"));
        assert!(!r.excludes("build/keep/inner"));
    }

    #[test]
    fn patterns_of_a_file_skip_comments_in_the_first_column_only() {
        assert_eq!(patterns("\u{feff}# c\n\n*.md\n tmp/ \n #x\n"), ["*.md", "tmp/", "#x"]);
        assert!(IgnoreRules::from_patterns(&["a[b"]).is_err());
        assert!(IgnoreRules::from_valid_patterns(&["a[b", "c"]).excludes("c"));
    }
}
