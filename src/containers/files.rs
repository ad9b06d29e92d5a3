//! The secrets and configs a service's containers get as files written into them: those from
//! `environment` or `content`, with the long syntax's target, owner and mode. (Those from a
//! `file` are read-only bind mounts, made with the container.) Pure: the values were read by
//! the loader.

use std::collections::BTreeMap;

use crate::containers::names::ContentDigest;
use crate::model::{FileObject, InjectedFile, Project, Service, ServiceFileRef};

/// Mode of an injected file when the reference gives none: readable by all, as the reference's.
const DEFAULT_MODE: u32 = 0o444;

/// The files of service `name`, or every reason they cannot be made (an unset variable, an
/// external object, an owner that is not a number).
pub fn injected(
    project: &Project,
    name: &str,
    s: &Service,
) -> Result<Vec<InjectedFile>, Vec<String>> {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let kinds = [
        (Kind::Secret, &s.secrets, &project.secrets),
        (Kind::Config, &s.configs, &project.configs),
    ];
    for (kind, refs, objects) in kinds {
        for r in refs {
            match file(kind, r, objects) {
                Ok(Some(f)) => files.push(f),
                Ok(None) => {}
                Err(e) => errors.extend(e.into_iter().map(|e| format!("service {name:?}: {e}"))),
            }
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

/// `uid`, `gid` and `mode` on a secret or config from a `file`: a bind mount shows the host
/// file as it is, so they have no effect. Said, as the reference says it.
pub fn ignored_overrides(project: &Project, name: &str, s: &Service) -> Vec<String> {
    let kinds = [
        ("secrets", &s.secrets, &project.secrets),
        ("configs", &s.configs, &project.configs),
    ];
    let mut warnings = Vec::new();
    for (kind, refs, objects) in kinds {
        for r in refs
            .iter()
            .filter(|r| objects.get(&r.source).is_some_and(|o| o.file.is_some()))
        {
            let set = [
                ("uid", r.uid.is_some()),
                ("gid", r.gid.is_some()),
                ("mode", r.mode.is_some()),
            ];
            for (field, _) in set.into_iter().filter(|(_, set)| *set) {
                warnings.push(format!(
                    "service {name:?}: {kind}.{}.{field}: {field} is not supported outside Swarm mode and will be \
                     ignored (the file is bind-mounted as it is on the host)",
                    r.source
                ));
            }
        }
    }
    warnings
}

/// What each secret and config of service `s` holds, as digests: those the loader could read
/// (an unset variable, an unreadable file and an external object have none).
pub fn content(project: &Project, s: &Service) -> Vec<ContentDigest> {
    let kinds = [
        (Kind::Secret, &s.secrets, &project.secrets),
        (Kind::Config, &s.configs, &project.configs),
    ];
    let mut digests: Vec<ContentDigest> = kinds
        .into_iter()
        .flat_map(|(kind, refs, objects)| {
            refs.iter().filter_map(move |r| {
                let digest = digest(objects.get(&r.source)?)?;
                Some(ContentDigest { kind: kind.word(), key: r.source.clone(), digest })
            })
        })
        .collect();
    // One secret mounted at two targets is one entry.
    let mut seen = std::collections::BTreeSet::new();
    digests.retain(|d| seen.insert((d.kind, d.key.clone())));
    digests
}

fn digest(object: &FileObject) -> Option<String> {
    if object.external {
        return None;
    }
    if object.file.is_some() {
        return object.file_digest.clone();
    }
    let value = match (&object.environment, &object.content) {
        (Some(_), _) => object.value.as_ref()?,
        (None, Some(content)) => content,
        (None, None) => return None,
    };
    Some(crate::hash::content_digest(value.expose().as_bytes()))
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    Secret,
    Config,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Secret => "secret",
            Kind::Config => "config",
        }
    }
}

fn file(
    kind: Kind,
    r: &ServiceFileRef,
    objects: &BTreeMap<String, FileObject>,
) -> Result<Option<InjectedFile>, Vec<String>> {
    let Some(object) = objects.get(&r.source) else {
        return Ok(None);
    };
    let name = object.name.as_deref().unwrap_or(&r.source);
    if object.external {
        return Err(vec![format!("unsupported external {} {name}", kind.word())]);
    }
    let content = match (&object.environment, &object.content) {
        (Some(var), _) => match &object.value {
            Some(v) => v.clone(),
            None => {
                return Err(vec![format!(
                    "environment variable {var:?} required by {} {name:?} is not set",
                    kind.word()
                )])
            }
        },
        (None, Some(content)) => content.clone(),
        (None, None) => return Ok(None),
    };
    let target = match kind {
        Kind::Secret => r.secret_target(),
        Kind::Config => r.config_target(),
    };
    let (uid, gid) = (
        owner(kind, name, "uid", r.uid.as_deref()),
        owner(kind, name, "gid", r.gid.as_deref()),
    );
    let errors: Vec<String> = [&uid, &gid]
        .into_iter()
        .filter_map(|o| o.clone().err())
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Some(InjectedFile {
        target,
        content,
        uid: uid.unwrap_or_default(),
        gid: gid.unwrap_or_default(),
        mode: r.mode.map_or(DEFAULT_MODE, |m| m.0),
        owned: r.uid.is_some() || r.gid.is_some(),
    }))
}

fn owner(kind: Kind, name: &str, field: &str, value: Option<&str>) -> Result<u32, String> {
    match value {
        None | Some("") => Ok(0),
        Some(v) => v
            .parse()
            .map_err(|_| format!("{} {name:?}: {field} {v:?} is not a number", kind.word())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Sensitive;

    fn project(yaml: &str, values: &[(&str, &str)]) -> Project {
        let value: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
        let mut p = crate::load::bind::bind(value).unwrap();
        let env = values
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        crate::load::environment::read_file_values(&mut p, &env);
        p
    }

    const FILE: &str = r#"
services:
  app:
    image: x
    secrets:
      - {source: se, target: /run/secrets/se}
      - {source: sf, target: /run/secrets/sf}
      - {source: se, target: rel, uid: "103", gid: "104", mode: 0600}
    configs:
      - {source: cc}
      - {source: ce, target: etc/ce, gid: "7"}
      - {source: cf, target: /cf, uid: "1", mode: 0400}
secrets:
  se: {name: p_se, environment: SEC}
  sf: {name: p_sf, file: /s.txt}
configs:
  cc: {name: p_cc, content: inline}
  ce: {name: p_ce, environment: CFG}
  cf: {name: p_cf, file: /c.txt}
"#;

    fn file(
        target: &str,
        content: &str,
        uid: u32,
        gid: u32,
        mode: u32,
        owned: bool,
    ) -> InjectedFile {
        InjectedFile {
            target: target.into(),
            content: Sensitive::new(content),
            uid,
            gid,
            mode,
            owned,
        }
    }

    #[test]
    fn environment_and_content_sources_land_where_the_reference_puts_them() {
        let p = project(FILE, &[("SEC", "s3cret"), ("CFG", "")]);
        let files = injected(&p, "app", &p.services["app"]).unwrap();
        assert_eq!(
            files,
            [
                file("/run/secrets/se", "s3cret", 0, 0, 0o444, false),
                file("/run/secrets/rel", "s3cret", 103, 104, 0o600, true),
                file("/cc", "inline", 0, 0, 0o444, false),
                file("/etc/ce", "", 0, 7, 0o444, true),
            ]
        );
    }

    #[test]
    fn unset_variables_external_objects_and_bad_owners_are_errors() {
        let p = project(FILE, &[]);
        assert_eq!(
            injected(&p, "app", &p.services["app"]).unwrap_err(),
            [
                "service \"app\": environment variable \"SEC\" required by secret \"p_se\" is not set",
                "service \"app\": environment variable \"SEC\" required by secret \"p_se\" is not set",
                "service \"app\": environment variable \"CFG\" required by config \"p_ce\" is not set",
            ]
        );
        let p = project(
            "services: {a: {image: x, secrets: [{source: s}], configs: [{source: c, uid: abc}]}}
secrets: {s: {external: true, name: vault}}
configs: {c: {content: x}}",
            &[],
        );
        assert_eq!(
            injected(&p, "a", &p.services["a"]).unwrap_err(),
            [
                "service \"a\": unsupported external secret vault",
                "service \"a\": config \"c\": uid \"abc\" is not a number",
            ]
        );
    }

    #[test]
    fn debug_output_never_shows_a_value() {
        let p = project(FILE, &[("SEC", "s3cret"), ("CFG", "")]);
        let files = injected(&p, "app", &p.services["app"]).unwrap();
        let printed = format!("{files:?} {p:?}");
        assert!(
            !printed.contains("s3cret") && !printed.contains("inline"),
            "{printed}"
        );
        assert!(printed.contains("<redacted, 6 bytes>"));
    }

    #[test]
    fn owner_and_mode_on_file_sources_are_reported_as_ignored() {
        let p = project(FILE, &[]);
        assert_eq!(
            ignored_overrides(&p, "app", &p.services["app"]),
            [
                "service \"app\": configs.cf.uid: uid is not supported outside Swarm mode and will be ignored \
                 (the file is bind-mounted as it is on the host)",
                "service \"app\": configs.cf.mode: mode is not supported outside Swarm mode and will be ignored \
                 (the file is bind-mounted as it is on the host)",
            ]
        );
    }
}
