//! What `watch` leaves alone: a rule's `ignore` patterns and the build context's
//! `.dockerignore`, both with Docker's rules (`crate::dockerignore`) relative to the rule's
//! path, as the reference applies them; and, always, `.git` and the files editors write while
//! saving.

use std::path::Path;

use crate::dockerignore::IgnoreRules;

/// Always ignored, at any depth: version control and the files editors write while saving.
const BUILT_IN: [&str; 8] = ["**/.git", "**/*~", "**/*.swp", "**/*.swx", "**/.#*", "**/#*#", "**/4913", "**/.DS_Store"];

/// A set of patterns, relative to a base directory. A pattern Docker would reject is left out.
#[derive(Debug, Clone, Default)]
pub struct Ignore {
    rules: IgnoreRules,
}

impl Ignore {
    /// The patterns plus the built-in ones.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Ignore {
        let all: Vec<&str> = BUILT_IN.iter().copied().chain(patterns.iter().map(AsRef::as_ref)).collect();
        Ignore { rules: IgnoreRules::from_valid_patterns(&all) }
    }

    /// Only the patterns given (for `include`).
    pub fn new_exact<S: AsRef<str>>(patterns: &[S]) -> Ignore {
        Ignore { rules: IgnoreRules::from_valid_patterns(patterns) }
    }

    /// Whether `relative` (a path under the base) is matched; the base itself never is.
    pub fn ignores(&self, relative: &Path) -> bool {
        let parts: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        !parts.is_empty() && self.rules.excludes(&parts.join("/"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignored(patterns: &[&str], path: &str) -> bool {
        Ignore::new(patterns).ignores(Path::new(path))
    }

    #[test]
    fn patterns_follow_docker_rules_relative_to_the_rule_path() {
        assert!(ignored(&["*.tmp"], "c.tmp"));
        assert!(!ignored(&["*.tmp"], "a/b/c.tmp"), "`*` stays at the base, as in .dockerignore");
        assert!(ignored(&["**/*.tmp"], "a/b/c.tmp"));
        assert!(ignored(&["node_modules/"], "node_modules/pkg/index.js"));
        assert!(ignored(&["/build/out"], "build/out/x"));
        assert!(!ignored(&["build/out"], "src/build/out/x"));
        assert!(!ignored(&["*.log", "!keep.log"], "keep.log"));
        assert!(ignored(&["./a?c"], "abc"));
        assert!(!ignored(&["*"], ""), "the base itself");
    }

    #[test]
    fn editor_files_and_git_are_always_ignored() {
        for p in [".git/HEAD", "index.html~", "a/.index.html.swp", "4913", "deep/.#index.html", "x/.git/config"] {
            assert!(ignored(&[], p), "{p}");
        }
        assert!(!ignored(&[], "index.html"));
    }

    #[test]
    fn include_takes_only_the_patterns_given() {
        let include = Ignore::new_exact(&["*.html"]);
        assert!(include.ignores(Path::new("index.html")));
        assert!(!include.ignores(Path::new(".git/HEAD")));
    }
}
