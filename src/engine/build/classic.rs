//! The classic builder (API 1.41): one request with the context tar, the options in its query.

use std::collections::HashMap;

use bollard::query_parameters::{BuildImageOptions, TagImageOptions};
use bollard::Docker;
use futures_util::StreamExt;

use super::context::{is_remote, Source};
use super::split_tag;
use crate::engine::{BuildOutput, BuildSpec, EngineError, Kind, Result};
use crate::model::Build;

pub(super) async fn build(docker: &Docker, spec: &BuildSpec, build: &Build, doing: &str, output: &BuildOutput) -> Result<()> {
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
pub(super) fn needs_buildkit(build: &Build) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
