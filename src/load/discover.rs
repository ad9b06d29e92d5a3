//! Finding the compose files, the project directory and the project name, the way the
//! reference does. Pure: the filesystem is asked through `exists`.

use std::path::{Path, PathBuf};

use crate::diag::Problem;
use crate::diag::yaml_path::YamlPath;
use crate::load::absolute_paths::clean;

pub const DEFAULT_FILES: [&str; 4] =
    ["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];
pub const OVERRIDE_FILES: [&str; 4] = [
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// What discovery found: the files to load, in merge order, and warnings worth printing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub files: Vec<PathBuf>,
    pub warnings: Vec<String>,
}

/// The compose files: `-f` if given, else `COMPOSE_FILE` (both relative to the working
/// directory `dir`), else a default name in `search_from` (the project directory, when given,
/// else the working directory) or the nearest parent holding one, plus its override file.
pub fn compose_files(
    explicit: &[PathBuf],
    compose_file_var: Option<&str>,
    path_separator: Option<&str>,
    dir: &Path,
    search_from: &Path,
    exists: &dyn Fn(&Path) -> bool,
) -> Result<Found, Problem> {
    if !explicit.is_empty() {
        return Ok(Found { files: explicit.iter().map(|f| absolute(dir, f)).collect(), warnings: vec![] });
    }
    if let Some(var) = compose_file_var.filter(|v| !v.is_empty()) {
        let sep = path_separator.filter(|s| !s.is_empty()).unwrap_or(":");
        let files = var.split(sep).filter(|s| !s.is_empty()).map(|f| absolute(dir, Path::new(f))).collect();
        return Ok(Found { files, warnings: vec![] });
    }
    let mut cur = Some(search_from);
    while let Some(d) = cur {
        if let Some(found) = defaults_in(d, exists) {
            return Ok(found);
        }
        cur = d.parent();
    }
    Err(Problem::error(
        "dockhand::no_compose_file",
        YamlPath::root(),
        "no configuration file provided: not found",
    )
    .with_help(format!(
        "run dockhand in a folder holding one of {}, or name the file with -f",
        DEFAULT_FILES.join(", ")
    )))
}

fn defaults_in(dir: &Path, exists: &dyn Fn(&Path) -> bool) -> Option<Found> {
    let present: Vec<PathBuf> = DEFAULT_FILES.iter().map(|n| dir.join(n)).filter(|p| exists(p)).collect();
    let main = present.first()?.clone();
    let mut warnings = Vec::new();
    if present.len() > 1 {
        let names: Vec<String> = present.iter().map(|p| p.display().to_string()).collect();
        warnings.push(format!(
            "Found multiple config files with supported names: {}\nUsing {}",
            names.join(", "),
            main.display()
        ));
    }
    let mut files = vec![main];
    if let Some(o) = OVERRIDE_FILES.iter().map(|n| dir.join(n)).find(|p| exists(p)) {
        files.push(o);
    }
    Some(Found { files, warnings })
}

/// `f` made absolute and lexically clean, as the reference's `filepath.Abs`: with
/// `-f ../compose.yaml` the project directory is the parent's name, not `..`.
fn absolute(dir: &Path, f: &Path) -> PathBuf {
    if f.as_os_str() == "-" {
        f.to_path_buf()
    } else {
        clean(&dir.join(f))
    }
}

/// The directory relative paths resolve against: `--project-directory`, else the first
/// file's folder, else (stdin) the working directory.
pub fn project_dir(explicit: Option<&Path>, files: &[PathBuf], working_dir: &Path) -> PathBuf {
    if let Some(d) = explicit {
        return absolute(working_dir, d);
    }
    files
        .first()
        .filter(|f| f.as_os_str() != "-")
        .and_then(|f| f.parent())
        .map_or_else(|| working_dir.to_path_buf(), Path::to_path_buf)
}

/// Where the project name came from, which decides whether a bad one is an error or is normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameSource {
    Flag,
    EnvVar,
    File,
    Directory,
}

/// Lower-cases and drops what a project name may not hold, as the reference does for names
/// taken from a directory.
pub fn normalize_name(s: &str) -> String {
    let kept: String = s
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_')
        .collect();
    kept.trim_start_matches(['-', '_']).to_string()
}

pub fn is_valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Checks (flag, variable) or normalises (`name:`, directory) a project name.
pub fn project_name(raw: &str, source: NameSource) -> Result<String, Problem> {
    let name = match source {
        NameSource::Directory | NameSource::File => normalize_name(raw),
        _ => raw.to_string(),
    };
    if name.is_empty() {
        return Err(Problem::error(
            "dockhand::project_name",
            YamlPath::of(&["name"]),
            "project name must not be empty",
        )
        .with_help("set one with -p NAME, COMPOSE_PROJECT_NAME or a top-level `name:`"));
    }
    if !is_valid_name(&name) {
        return Err(Problem::error(
            "dockhand::project_name",
            YamlPath::root(),
            format!(
                "invalid project name {name:?}: must consist only of lowercase alphanumeric characters, \
                 hyphens, and underscores as well as start with a letter or number"
            ),
        )
        .with_help(format!("try {:?}", normalize_name(&name))));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn fs(paths: &[&str]) -> impl Fn(&Path) -> bool {
        let set: HashSet<PathBuf> = paths.iter().map(PathBuf::from).collect();
        move |p: &Path| set.contains(p)
    }

    #[test]
    fn finds_default_file_in_a_parent_with_its_override() {
        let exists = fs(&["/p/compose.yaml", "/p/compose.override.yml"]);
        let f = compose_files(&[], None, None, Path::new("/p/a/b"), Path::new("/p/a/b"), &exists).unwrap();
        assert_eq!(f.files, vec![PathBuf::from("/p/compose.yaml"), PathBuf::from("/p/compose.override.yml")]);
    }

    #[test]
    fn prefers_compose_yaml_and_warns_about_the_other() {
        let exists = fs(&["/p/compose.yaml", "/p/docker-compose.yml"]);
        let f = compose_files(&[], None, None, Path::new("/p"), Path::new("/p"), &exists).unwrap();
        assert_eq!(f.files, vec![PathBuf::from("/p/compose.yaml")]);
        assert_eq!(f.warnings.len(), 1);
    }

    #[test]
    fn compose_file_variable_uses_the_separator() {
        let f =
            compose_files(&[], Some("a.yml;b/c.yml"), Some(";"), Path::new("/w"), Path::new("/w"), &fs(&[]))
                .unwrap();
        assert_eq!(f.files, vec![PathBuf::from("/w/a.yml"), PathBuf::from("/w/b/c.yml")]);
    }

    #[test]
    fn project_directory_is_searched_but_dash_f_is_relative_to_the_working_directory() {
        let exists = fs(&["/proj/compose.yaml"]);
        let f = compose_files(&[], None, None, Path::new("/w"), Path::new("/proj"), &exists).unwrap();
        assert_eq!(f.files, vec![PathBuf::from("/proj/compose.yaml")]);
        let f = compose_files(
            &[PathBuf::from("c.yaml")],
            None,
            None,
            Path::new("/w"),
            Path::new("/proj"),
            &exists,
        )
        .unwrap();
        assert_eq!(f.files, vec![PathBuf::from("/w/c.yaml")]);
    }

    #[test]
    fn no_file_is_a_clear_error() {
        let e = compose_files(&[], None, None, Path::new("/x"), Path::new("/x"), &fs(&[])).unwrap_err();
        assert!(e.message.contains("no configuration file provided"));
    }

    #[test]
    fn project_dir_is_the_first_files_folder() {
        let d = project_dir(None, &[PathBuf::from("/a/b/compose.yaml")], Path::new("/w"));
        assert_eq!(d, PathBuf::from("/a/b"));
        assert_eq!(project_dir(None, &[PathBuf::from("-")], Path::new("/w")), PathBuf::from("/w"));
    }

    #[test]
    fn names_follow_the_reference_rules() {
        assert_eq!(project_name("UNNORMALIZED PATH", NameSource::Directory).unwrap(), "unnormalizedpath");
        assert_eq!(project_name("42my_project_num", NameSource::Flag).unwrap(), "42my_project_num");
        for bad in ["-my_project", "_my_project", "www.my.project", "MY_PROJECT"] {
            let e = project_name(bad, NameSource::Flag).unwrap_err();
            assert!(e.message.starts_with(&format!("invalid project name \"{bad}\"")), "{bad}");
        }
        assert!(project_name("", NameSource::Directory).unwrap_err().message.contains("must not be empty"));
    }
}
