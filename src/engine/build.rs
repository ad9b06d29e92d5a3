//! Image builds: with the engine's built-in BuildKit by default, as `docker compose` builds
//! (see `buildkit`), or with the classic builder (API 1.41) when `DOCKER_BUILDKIT=0` or the
//! engine has no BuildKit. Both send the context as a tar that honours `.dockerignore`, the
//! way the docker CLI sends it (`context`).

mod classic;
pub mod context;

use bollard::{ClientVersion, Docker};

use super::buildkit;
use super::{BuildOutput, BuildSpec, EngineError, Kind, Result};
use crate::env::Env;

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
pub async fn build(docker: &Docker, builder: &Builder, spec: &BuildSpec, output: &BuildOutput) -> Result<()> {
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
            if let Some(need) = classic::needs_buildkit(&build) {
                let message = format!("{doing}: {need}, which needs BuildKit, but {why}");
                return Err(EngineError::new(Kind::Invalid, message));
            }
            classic::build(docker, spec, &build, &doing, output).await
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
