//! The `COMPOSE_*` variables, named and read in one place. Each is read from the environment
//! the caller holds: the shell's alone when the command line is resolved, or the shell's
//! over the project's `.env` once the loader has read it, as the reference does.

use super::Env;

/// Compose files, separated by `COMPOSE_PATH_SEPARATOR`, when no `-f` is given.
pub const FILE: &str = "COMPOSE_FILE";
pub const PATH_SEPARATOR: &str = "COMPOSE_PATH_SEPARATOR";
pub const PROJECT_NAME: &str = "COMPOSE_PROJECT_NAME";
pub const PROFILES: &str = "COMPOSE_PROFILES";
pub const COMPATIBILITY: &str = "COMPOSE_COMPATIBILITY";
pub const REMOVE_ORPHANS: &str = "COMPOSE_REMOVE_ORPHANS";
pub const PARALLEL_LIMIT: &str = "COMPOSE_PARALLEL_LIMIT";
/// Read by clap itself, as the default of `--progress` and `--ansi`.
pub const PROGRESS: &str = "COMPOSE_PROGRESS";
pub const ANSI: &str = "COMPOSE_ANSI";

pub fn files(env: &Env) -> Option<&str> {
    env.get(FILE).map(String::as_str)
}

pub fn path_separator(env: &Env) -> Option<&str> {
    env.get(PATH_SEPARATOR).map(String::as_str)
}

/// As set, possibly empty: whoever reads it says what an empty name means.
pub fn project_name(env: &Env) -> Option<&str> {
    env.get(PROJECT_NAME).map(String::as_str)
}

/// Split as the reference splits it, empty parts kept: unset, the one active profile is "",
/// which a service listing `profiles: [""]` has.
pub fn profiles(env: &Env) -> Vec<String> {
    let var = env.get(PROFILES).map_or("", String::as_str);
    var.split(',').map(|p| p.trim().to_string()).collect()
}

pub fn compatibility(env: &Env) -> bool {
    flag(env, COMPATIBILITY)
}

pub fn remove_orphans(env: &Env) -> bool {
    flag(env, REMOVE_ORPHANS)
}

/// `-1` (or any value below 1) means unbounded; a value that is no number is ignored.
pub fn parallel_limit(env: &Env) -> Option<i64> {
    env.get(PARALLEL_LIMIT).and_then(|v| v.parse().ok())
}

/// A switch is set by `1`, `true` or `yes`, in any case.
fn flag(env: &Env, key: &str) -> bool {
    env.get(key).is_some_and(|v| matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn switches_are_one_true_or_yes_in_any_case() {
        for on in ["1", "true", "TRUE", "Yes"] {
            assert!(remove_orphans(&env(&[(REMOVE_ORPHANS, on)])), "{on}");
        }
        for off in ["0", "false", "no", "", "on"] {
            assert!(!compatibility(&env(&[(COMPATIBILITY, off)])), "{off}");
        }
        assert!(!compatibility(&Env::new()));
    }

    #[test]
    fn profiles_keep_empty_parts() {
        assert_eq!(profiles(&Env::new()), [""]);
        assert_eq!(profiles(&env(&[(PROFILES, "a, b,")])), ["a", "b", ""]);
    }

    #[test]
    fn parallel_limit_ignores_what_is_no_number() {
        assert_eq!(parallel_limit(&env(&[(PARALLEL_LIMIT, "-1")])), Some(-1));
        assert_eq!(parallel_limit(&env(&[(PARALLEL_LIMIT, "many")])), None);
    }
}
