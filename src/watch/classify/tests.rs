use super::*;

fn rule(yaml: &str) -> WatchRule {
    serde_yaml::from_str(yaml).unwrap()
}

fn rules() -> Vec<ServiceRule> {
    vec![
        ServiceRule::new("web", &rule("{action: sync, path: /p/src, target: /srv, ignore: ['*.tmp', drafts/]}"), &[]),
        ServiceRule::new("web", &rule("{action: sync+restart, path: /p/conf/app.conf, target: /etc/app.conf}"), &[]),
        ServiceRule::new("web", &rule("{action: rebuild, path: /p/Dockerfile}"), &[]),
        ServiceRule::new("job", &rule("{action: sync+exec, path: /p/src, target: /app, exec: {command: [make]}}"), &["*.md".into()]),
    ]
}

fn change(path: &str, exists: bool) -> Change {
    Change { path: PathBuf::from(path), exists }
}

#[test]
fn changes_become_copies_deletes_restarts_and_rebuilds() {
    let files = BTreeSet::from([PathBuf::from("/p/compose.yaml")]);
    let batch = classify(
        &[change("/p/src/a.html", true), change("/p/src/old.html", false), change("/p/src/x.tmp", true), change("/p/src/drafts/d.html", true)],
        &files,
        &rules(),
    );
    assert!(!batch.reload);
    let web = &batch.services["web"];
    assert_eq!(web.copy, BTreeMap::from([(PathBuf::from("/p/src/a.html"), "/srv/a.html".to_string())]));
    assert_eq!(web.delete, BTreeSet::from(["/srv/old.html".to_string()]));
    assert!(!web.restart && !web.rebuild);
    let job = &batch.services["job"];
    assert_eq!(job.copy.len(), 3, "job ignores neither *.tmp nor drafts/: {job:?}");
    assert_eq!(job.exec, [vec!["make".to_string()]]);

    let batch = classify(&[change("/p/conf/app.conf", true), change("/p/README.md", true)], &files, &rules());
    let web = &batch.services["web"];
    assert_eq!(web.copy[&PathBuf::from("/p/conf/app.conf")], "/etc/app.conf");
    assert!(web.restart);
    assert!(!batch.services.contains_key("job"));

    let batch = classify(&[change("/p/Dockerfile", true), change("/p/compose.yaml", true)], &files, &rules());
    assert!(batch.reload && batch.services["web"].rebuild);
}

#[test]
fn ignored_and_unrelated_paths_do_nothing() {
    let batch = classify(&[change("/p/src/.a.html.swp", true), change("/elsewhere/x", true)], &BTreeSet::new(), &rules());
    assert!(batch.is_empty(), "{batch:?}");
    let job_only = classify(&[change("/p/src/notes.md", true)], &BTreeSet::new(), &rules());
    assert!(job_only.services.contains_key("web") && !job_only.services.contains_key("job"), "{job_only:?}");
}

#[test]
fn ignored_directories_are_not_entered() {
    let r = &rules()[0];
    assert!(r.enters(Path::new("/p/src/pages")));
    assert!(!r.enters(Path::new("/p/src/drafts")));
    assert!(!r.enters(Path::new("/p/src/.git")));
    assert!(!r.enters(Path::new("/p/other")));
}
