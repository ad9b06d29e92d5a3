//! Why an action is in a plan, as plans and progress print it. The words are the ones users
//! and tests have seen all along (`up --dry-run`, `--progress json`): changing one changes output.

use std::fmt;

use super::diff::FieldChange;

/// How many differences a reason lists before it summarises the rest.
const SHOWN: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The command asked for it, in its own words: `down`, `rm -s`, `kill -s SIGKILL`, `--build`.
    Command(String),
    /// `pull_policy: always`, `pull_policy: build`.
    PullPolicy(&'static str),
    ImageMissing,
    /// A network or volume the project defines is not there.
    Missing,
    NoContainer,
    /// The start after a create or a recreate.
    Created,
    Recreated,
    /// An existing container that is not running, with its state (`exited`, `created`).
    NotRunning(&'static str),
    Changed(Change),
    ImageChanged(String),
    /// A network of the service, by key, the container is not on.
    NetworkNotAttached(String),
    VolumeNotMounted { key: String, name: String },
    /// The old container of a recreate an interrupted run left under its aside name.
    SetAside(String),
    ForceRecreate,
    RenewAnonVolumes,
    AlwaysRecreateDeps,
    /// It shares this service's namespaces or volumes, which gets a new container.
    SharesWithNew(String),
    /// `restart: true` on this dependency, which was recreated.
    DependencyRecreated(String),
    /// A gate: `service` depends on the gated one with `condition`.
    DependsOn { service: String, condition: &'static str },
    /// The containers on this network (by key) leave it while it is made anew.
    NetworkRecreating(String),
    /// Joining this network (by engine name) again, made anew.
    NetworkRecreated(String),
    Reconnected,
    /// The containers using this volume (by key) go while it is made anew (`-y`).
    VolumeRecreating(String),
    VolumeReset,
    /// A second network of this name, made by an interrupted run.
    DuplicateNetwork(String),
    ScaledTo(u32),
    /// A second container of this replica, left by an interrupted recreate.
    SecondContainer(u32),
    Orphan { oneoff: bool },
    /// `watch --prune`: an image of the project a rebuild left without a tag.
    Dangling,
    /// Secrets and configs (`config app`, `secret token`) whose content is not what the
    /// container got.
    ContentChanged(Vec<String>),
    /// `rollback`: back to the version recorded before the last change; how it differs from
    /// the running one, field by field, and the image ids (running, recorded) when they differ.
    RollBack { changes: Vec<FieldChange>, image: Option<(String, String)> },
    /// A step of a rolling update (`deploy.update_config`), in the rollout's own words.
    Rollout(String),
}

/// Why a resource no longer matches its definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The differences field by field; none found reads "configuration changed".
    Fields(Vec<FieldChange>),
    /// What it was made from is unknown or unreadable.
    Unexplained,
    /// A network whose config hash differs though no field of its definition does.
    Hash,
    /// A service sharing another's containers, one of which was replaced.
    SharedReplaced,
    /// A container made by another tool, whose config hash differs.
    OtherTool,
}

impl Reason {
    pub fn command(words: impl Into<String>) -> Reason {
        Reason::Command(words.into())
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Command(words) => f.write_str(words),
            Reason::PullPolicy(policy) => write!(f, "pull_policy: {policy}"),
            Reason::ImageMissing => f.write_str("image missing"),
            Reason::Missing => f.write_str("missing"),
            Reason::NoContainer => f.write_str("no container"),
            Reason::Created => f.write_str("created"),
            Reason::Recreated => f.write_str("recreated"),
            Reason::NotRunning(state) => write!(f, "container is {state}"),
            Reason::Changed(change) => change.fmt(f),
            Reason::ImageChanged(image) => write!(f, "image {image} changed"),
            Reason::NetworkNotAttached(key) => write!(f, "network {key} not attached"),
            Reason::VolumeNotMounted { key, name } => write!(f, "volume {key} ({name}) not mounted"),
            Reason::SetAside(name) => write!(f, "finishing an interrupted recreate (the container is named {name})"),
            Reason::ForceRecreate => f.write_str("--force-recreate"),
            Reason::RenewAnonVolumes => f.write_str("-V: fresh anonymous volumes"),
            Reason::AlwaysRecreateDeps => f.write_str("dependency of the services asked for (--always-recreate-deps)"),
            Reason::SharesWithNew(d) => write!(f, "it shares {d}'s namespaces or volumes, and {d} gets a new container"),
            Reason::DependencyRecreated(d) => write!(f, "dependency {d} was recreated (restart: true)"),
            Reason::DependsOn { service, condition } => write!(f, "{service} depends on it ({condition})"),
            Reason::NetworkRecreating(key) => write!(f, "network {key} is recreated"),
            Reason::NetworkRecreated(name) => write!(f, "network {name} was recreated"),
            Reason::Reconnected => f.write_str("reconnected to a recreated network"),
            Reason::VolumeRecreating(key) => write!(f, "volume {key} is recreated"),
            Reason::VolumeReset => f.write_str("its configuration changed (-y: recreated, its data is lost)"),
            Reason::DuplicateNetwork(name) => write!(f, "a second network named {name} (an interrupted run's create)"),
            Reason::ScaledTo(n) => write!(f, "scaled to {n}"),
            Reason::SecondContainer(n) => {
                write!(f, "a second container for replica {n} (left by an interrupted recreate)")
            }
            Reason::Orphan { oneoff: true } => f.write_str("orphan: an exited one-off container"),
            Reason::Orphan { oneoff: false } => f.write_str("orphan: its service is no longer in the project"),
            Reason::Dangling => f.write_str("the project's image a rebuild left without a tag (--prune)"),
            Reason::ContentChanged(files) => {
                let said: Vec<String> = files.iter().map(|file| format!("{file}: content changed")).collect();
                f.write_str(&said.join("; "))
            }
            Reason::RollBack { changes, image } => {
                f.write_str("rollback to the version before the last change")?;
                let fields = (!changes.is_empty()).then(|| Change::Fields(changes.clone()).to_string());
                let image = image.as_ref().map(|(from, to)| format!("image {} → {}", short_id(from), short_id(to)));
                let said: Vec<String> = fields.into_iter().chain(image).collect();
                if said.is_empty() {
                    Ok(())
                } else {
                    write!(f, ": {}", said.join("; "))
                }
            }
            Reason::Rollout(words) => f.write_str(words),
        }
    }
}

/// An image id as `docker images` shows it: 12 hex digits.
fn short_id(id: &str) -> &str {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    hex.get(..12).unwrap_or(hex)
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Fields(changes) if changes.is_empty() => f.write_str("configuration changed"),
            Change::Fields(changes) => {
                let shown: Vec<String> = changes.iter().take(SHOWN).map(ToString::to_string).collect();
                f.write_str(&shown.join("; "))?;
                match changes.len().checked_sub(SHOWN) {
                    Some(more) if more > 0 => write!(f, "; and {more} more"),
                    _ => Ok(()),
                }
            }
            Change::Unexplained => f.write_str("configuration changed"),
            Change::Hash => f.write_str("configuration changed (its config hash differs)"),
            Change::SharedReplaced => f.write_str("a container it shares namespaces or volumes with was replaced"),
            Change::OtherTool => {
                f.write_str("configuration changed (the container was made by another tool, whose config hash differs)")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_changes_are_listed_up_to_three_then_counted() {
        let c: Vec<FieldChange> = (0..5).map(|i| FieldChange::Added(format!("f{i}"))).collect();
        assert_eq!(Reason::Changed(Change::Fields(c.clone())).to_string(), "f0 added; f1 added; f2 added; and 2 more");
        assert_eq!(Reason::Changed(Change::Fields(c[..3].to_vec())).to_string(), "f0 added; f1 added; f2 added");
        assert_eq!(Reason::Changed(Change::Fields(vec![])).to_string(), "configuration changed");
    }

    #[test]
    fn reasons_read_as_before() {
        assert_eq!(Reason::DependsOn { service: "web".into(), condition: "service_healthy" }.to_string(), "web depends on it (service_healthy)");
        assert_eq!(Reason::command("kill -s SIGKILL").to_string(), "kill -s SIGKILL");
        assert_eq!(Reason::VolumeNotMounted { key: "data".into(), name: "p_data".into() }.to_string(), "volume data (p_data) not mounted");
        assert_eq!(Reason::Orphan { oneoff: true }.to_string(), "orphan: an exited one-off container");
    }

    #[test]
    fn a_rollback_says_what_it_returns_to() {
        let image = Some(("sha256:0123456789abcdef".to_string(), "sha256:fedcba9876543210".to_string()));
        let fields = vec![FieldChange::Added("labels.x".into())];
        assert_eq!(
            Reason::RollBack { changes: fields, image }.to_string(),
            "rollback to the version before the last change: labels.x added; image 0123456789ab → fedcba987654"
        );
        assert_eq!(Reason::RollBack { changes: vec![], image: None }.to_string(), "rollback to the version before the last change");
    }
}
