//! Whole loads from files held in memory, and the inputs fuzzing found that once broke a load.

use std::path::PathBuf;

use super::{load_from, Failure, Loaded};
use crate::load::files::Memory;
use crate::load::{Env, Options};

/// Loads the files (named relative to `/p`) as `dockhand config` would in `/p`.
fn load_files(files: &[(&str, &str)]) -> Result<Loaded, Failure> {
    let files = Memory(files.iter().map(|(n, t)| (PathBuf::from("/p").join(n), t.to_string())).collect());
    let shell: Env = [("FOO".to_string(), "bar".to_string())].into_iter().collect();
    load_from(&Options::new(PathBuf::from("/p"), shell), &files)
}

fn first_error(r: Result<Loaded, Failure>) -> String {
    match r {
        Ok(_) => panic!("the load succeeded"),
        Err(f) => f.problems.iter().find(|p| p.problem().is_error()).map(|p| p.one_line()).unwrap_or_default(),
    }
}

#[test]
fn memory_files_are_discovered_merged_and_interpolated() {
    let loaded = load_files(&[
        ("compose.yaml", "services:\n  web:\n    image: ${IMAGE}\n"),
        ("compose.override.yaml", "services:\n  web:\n    environment:\n      A: ${FOO}\n    env_file: app.env\n"),
        (".env", "IMAGE=nginx:${FOO}\n"),
        ("app.env", "B=2\n"),
    ])
    .unwrap();
    assert_eq!(loaded.project.name, "p");
    let web = &loaded.project.services["web"];
    assert_eq!(web.image.as_deref(), Some("nginx:bar"));
    assert_eq!(web.environment.get("A"), Some(&Some("bar".to_string())));
    assert_eq!(web.environment.get("B"), Some(&Some("2".to_string())));
    assert_eq!(loaded.env_files, vec![PathBuf::from("/p/.env")]);
}

#[test]
fn a_missing_memory_file_is_reported_as_missing() {
    let err = first_error(load_files(&[("compose.yaml", "services:\n  a:\n    image: x\n    env_file: nope.env\n")]));
    assert!(err.contains("nope.env"), "{err}");
}

/// Found by hand while fuzzing: 18 kB of aliases stood for 2.25 million nodes, which took
/// 24 s and 390 MB to load (the reference: ten minutes and 3 GB).
#[test]
fn an_alias_bomb_fails_fast_with_the_file_named() {
    let items = vec!["xxxxxxxx"; 1500].join(",");
    let refs = vec!["*a"; 1500].join(",");
    let text = format!("x-a: &a [{items}]\nx-b: [{refs}]\nservices:\n  s:\n    image: x\n");
    let err = first_error(load_files(&[("compose.yaml", &text)]));
    // Shown at the alias that passes the limit: the 134th of line 2 (1501 nodes each).
    assert_eq!(err, "compose.yaml:2:406: invalid YAML: aliases expand to more than 200000 nodes");
}
