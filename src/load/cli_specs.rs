//! Compose short syntax given on the command line (`run -p 8080:80`, `run -v ./src:/src`),
//! parsed the way the files' short syntax is.

use std::path::Path;

use super::canonical::{ports::parse_port, shell, volumes::{clean, parse_volume}};
use crate::model::{MountType, Port, ServiceVolume};

pub fn ports(spec: &str) -> Result<Vec<Port>, String> {
    parse_port(spec)?
        .into_iter()
        .map(|v| serde_yaml::from_value(v).map_err(|e| format!("invalid port {spec:?}: {e}")))
        .collect()
}

/// A volume; a relative bind source is taken from `base` (the project directory).
pub fn volume(spec: &str, base: &Path) -> Result<ServiceVolume, String> {
    let mut v: ServiceVolume =
        serde_yaml::from_value(parse_volume(spec)?).map_err(|e| format!("invalid volume {spec:?}: {e}"))?;
    if v.kind == MountType::Bind {
        if let Some(source) = v.source.as_mut().filter(|s| !Path::new(s.as_str()).is_absolute()) {
            *source = clean(&base.join(source.as_str()).to_string_lossy());
        }
    }
    Ok(v)
}

/// A command written as one string (`--entrypoint "sh -c"`), split like a shell would.
pub fn words(text: &str) -> Result<Vec<String>, String> {
    shell::split(text).map(|s| s.words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_specs_use_the_files_short_syntax() {
        let p = ports("127.0.0.1:8080:80/udp").expect("port");
        assert_eq!((p[0].target, p[0].published.as_deref(), p[0].protocol.as_str()), (80, Some("8080"), "udp"));
        let v = volume("./src:/app:ro", Path::new("/proj")).expect("volume");
        assert_eq!((v.kind, v.source.as_deref(), v.read_only), (MountType::Bind, Some("/proj/src"), true));
        assert_eq!(volume("data:/data", Path::new("/p")).expect("named").kind, MountType::Volume);
        assert!(ports("80/nope").is_err());
        assert_eq!(words("sh -c 'echo hi'").expect("words"), ["sh", "-c", "echo hi"]);
    }
}
