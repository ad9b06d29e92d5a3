//! The label keys: the `com.docker.compose.*` set, how dockhand and `docker compose` recognise
//! what belongs to a project, and dockhand's own; also the one-off label's values, which the
//! engine reads back. The sets written on each kind of resource are made in
//! `containers::names`.

/// What every label compose itself writes starts with.
pub const PREFIX: &str = "com.docker.compose.";
pub const PROJECT: &str = "com.docker.compose.project";
pub const SERVICE: &str = "com.docker.compose.service";
pub const CONTAINER_NUMBER: &str = "com.docker.compose.container-number";
pub const ONEOFF: &str = "com.docker.compose.oneoff";
/// The values of `ONEOFF`, spelled as Python spelled them in compose v1.
pub const ONE_OFF: &str = "True";
pub const NOT_ONE_OFF: &str = "False";
pub const CONFIG_HASH: &str = "com.docker.compose.config-hash";
pub const DEPENDS_ON: &str = "com.docker.compose.depends_on";
pub const IMAGE: &str = "com.docker.compose.image";
pub const WORKING_DIR: &str = "com.docker.compose.project.working_dir";
pub const CONFIG_FILES: &str = "com.docker.compose.project.config_files";
pub const ENVIRONMENT_FILE: &str = "com.docker.compose.project.environment_file";
pub const VERSION: &str = "com.docker.compose.version";
pub const NETWORK: &str = "com.docker.compose.network";
pub const VOLUME: &str = "com.docker.compose.volume";
pub const REPLACE: &str = "com.docker.compose.replace";
/// `docker stack`'s: the stack every Swarm resource of a stack belongs to.
pub const STACK_NAMESPACE: &str = "com.docker.stack.namespace";
pub const SLUG: &str = "com.docker.compose.slug";
/// Which builder made an image: `classic` without BuildKit, `default` for the engine's own
/// BuildKit, as the reference labels them.
pub const IMAGE_BUILDER: &str = "com.docker.compose.image.builder";

/// What every label of dockhand's own starts with.
pub const DOCKHAND_PREFIX: &str = "dev.dockhand.";
/// dockhand's own label: the applied configuration, for field-level recreate reasons.
pub const APPLIED: &str = "dev.dockhand.applied";
/// dockhand's own label: a digest of each secret and config a container got, so that a change
/// in their content recreates it (the config hash names them, not what they hold).
pub const CONTENT: &str = "dev.dockhand.content";

/// The compose version written in `com.docker.compose.version`: the reference release whose
/// behaviour dockhand follows, so that tools reading the label treat our containers as theirs.
pub const COMPOSE_VERSION: &str = "5.6.1";

/// Whether a container's `ONEOFF` label makes it a one-off.
pub fn is_one_off(value: Option<&str>) -> bool {
    value == Some(ONE_OFF)
}
