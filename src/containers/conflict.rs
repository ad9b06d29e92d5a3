//! A create whose name turned out to be taken. The plan was made from what the engine held
//! when the run started; an interrupted run's creates the engine finished afterwards were not
//! in it. The planner states the rule with the create (a `ContainerClaim`, a `NetworkClaim`);
//! the performer applies it to what holds the name then, as it would have been decided had it
//! been there at the start: kept when it is what the create would have made, made anew when
//! it is ours but different, never touched when it is not ours.

use crate::labels;
use crate::containers::observe::{ObservedContainer, ObservedNetwork};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// What holds the name is what the create would have made: it is used as it is.
    Adopt { id: String, warning: Option<String> },
    /// Ours, but not what is wanted: removed, then the create is made again.
    Replace { id: String, reason: String },
    /// Nothing holds the name any more: the create is made again.
    Retry,
    /// Not this project's: left alone, and the create fails with this message.
    Foreign(String),
}

/// The container a create wants to make, as far as a container holding its name is judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerClaim {
    pub project: String,
    pub service: String,
    pub number: u32,
    pub name: String,
    /// The image id the container would run, when known.
    pub image_id: Option<String>,
}

impl ContainerClaim {
    /// `hash`: the config hash the new container carries (known once shared ids are).
    pub fn resolve(&self, hash: &str, found: Option<&ObservedContainer>) -> Resolution {
        container(self, hash, found)
    }

    /// Of the networks of one name the engine found ambiguous, those to remove.
    pub fn extra_networks(&self, found: &[&ObservedNetwork]) -> Vec<String> {
        duplicate_networks(&self.project, found)
    }
}

fn container(wanted: &ContainerClaim, hash: &str, found: Option<&ObservedContainer>) -> Resolution {
    let Some(c) = found else { return Resolution::Retry };
    if c.label(labels::PROJECT) != Some(wanted.project.as_str()) {
        let owner = c.label(labels::PROJECT).map_or_else(|| "not made by compose".to_string(), |p| format!("of project {p:?}"));
        return Resolution::Foreign(format!(
            "the container name {} is taken by container {} ({owner}), which is left alone: remove or rename it",
            wanted.name,
            short(&c.id)
        ));
    }
    let replace = |why: String| Resolution::Replace { id: c.id.clone(), reason: why };
    if c.oneoff || c.service != wanted.service || c.number != wanted.number {
        return replace(format!("it holds the name but is {} replica {} of this project", c.service, c.number));
    }
    if c.label(labels::CONFIG_HASH) != Some(hash) {
        return replace("its configuration differs (config hash)".to_string());
    }
    if wanted.image_id.as_ref().is_some_and(|i| *i != c.image_id) {
        return replace("it runs another image".to_string());
    }
    Resolution::Adopt { id: c.id.clone(), warning: None }
}

/// The network a create wants to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkClaim {
    pub project: String,
    pub name: String,
    /// Its config hash: a network of ours with another one is replaced.
    pub hash: String,
}

impl NetworkClaim {
    /// The create answered "already exists": `found` are the networks of that name.
    pub fn resolve(&self, found: &[ObservedNetwork]) -> Resolution {
        network(&self.project, &self.name, &self.hash, found)
    }
}

fn network(project: &str, name: &str, hash: &str, found: &[ObservedNetwork]) -> Resolution {
    let Some(n) = found.first() else { return Resolution::Retry };
    match n.labels.get(labels::PROJECT) {
        Some(p) if p == project => match n.labels.get(labels::CONFIG_HASH) {
            Some(h) if !h.is_empty() && h != hash => {
                Resolution::Replace { id: n.id.clone(), reason: "its configuration differs (config hash)".to_string() }
            }
            _ => Resolution::Adopt { id: n.id.clone(), warning: None },
        },
        // As when it is there at the start: used as it is, with a word.
        owner => Resolution::Adopt {
            id: n.id.clone(),
            warning: Some(format!(
                "a network with name {name} exists but was not created {}; it is used as it is",
                owner.map_or_else(|| "by compose".to_string(), |o| format!("for project {o:?}"))
            )),
        },
    }
}

/// Networks of this project sharing one name (an interrupted run's create finished beside
/// ours): the ids to remove, keeping the lowest id, so that every run keeps the same one.
pub fn duplicate_networks(project: &str, found: &[&ObservedNetwork]) -> Vec<String> {
    let mut ours: Vec<&str> = found
        .iter()
        .filter(|n| n.labels.get(labels::PROJECT).is_some_and(|p| p == project))
        .map(|n| n.id.as_str())
        .collect();
    ours.sort_unstable();
    // Beside one not ours, which is never touched, all of ours go: it is used as it is, as
    // when it is there at the start.
    let keep = usize::from(ours.len() == found.len());
    ours.into_iter().skip(keep).map(str::to_string).collect()
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::containers::observe::RunState;
    use std::collections::BTreeMap;

    fn wanted() -> ContainerClaim {
        let image_id = Some("sha256:i".to_string());
        ContainerClaim { project: "p".into(), service: "web".into(), number: 1, name: "p-web-1".into(), image_id }
    }

    fn found(project: Option<&str>, service: &str, number: u32, hash: &str) -> ObservedContainer {
        let mut labels = BTreeMap::from([(labels::CONFIG_HASH.to_string(), hash.to_string())]);
        if let Some(p) = project {
            labels.insert(labels::PROJECT.to_string(), p.to_string());
        }
        ObservedContainer {
            id: "0123456789abcdef".into(),
            name: "p-web-1".into(),
            service: service.into(),
            number,
            oneoff: false,
            labels,
            image_id: "sha256:i".into(),
            state: RunState::Created,
            health: None,
            anonymous_volumes: BTreeMap::new(),
            networks: vec![],
            named_volumes: vec![],
            created: 0,
        }
    }

    #[test]
    fn the_container_an_interrupted_run_made_is_adopted_when_it_matches() {
        let c = found(Some("p"), "web", 1, "h1");
        assert_eq!(wanted().resolve("h1", Some(&c)), Resolution::Adopt { id: c.id.clone(), warning: None });
    }

    #[test]
    fn one_of_ours_that_differs_is_replaced() {
        let old = found(Some("p"), "web", 1, "h0");
        assert!(matches!(wanted().resolve("h1", Some(&old)), Resolution::Replace { .. }));
        let mut other_image = found(Some("p"), "web", 1, "h1");
        other_image.image_id = "sha256:old".into();
        assert!(matches!(wanted().resolve("h1", Some(&other_image)), Resolution::Replace { .. }));
        let other_replica = found(Some("p"), "db", 1, "h1");
        assert!(matches!(wanted().resolve("h1", Some(&other_replica)), Resolution::Replace { .. }));
    }

    #[test]
    fn a_name_freed_meanwhile_is_created_again_and_a_foreign_holder_is_left_alone() {
        assert_eq!(wanted().resolve("h1", None), Resolution::Retry);
        for project in [None, Some("other")] {
            match wanted().resolve("h1", Some(&found(project, "web", 1, "h1"))) {
                Resolution::Foreign(m) => assert!(m.contains("left alone") && m.contains("0123456789ab"), "{m}"),
                r => panic!("{r:?}"),
            }
        }
    }

    fn net(labels: &[(&str, &str)]) -> ObservedNetwork {
        let labels = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        ObservedNetwork { id: "n1".into(), name: "p_default".into(), labels, ..ObservedNetwork::default() }
    }

    #[test]
    fn a_network_is_adopted_replaced_or_used_as_found() {
        let ours = net(&[(labels::PROJECT, "p"), (labels::CONFIG_HASH, "h")]);
        assert_eq!(network("p", "p_default", "h", &[ours]), Resolution::Adopt { id: "n1".into(), warning: None });
        let changed = net(&[(labels::PROJECT, "p"), (labels::CONFIG_HASH, "old")]);
        assert!(matches!(network("p", "p_default", "h", &[changed]), Resolution::Replace { .. }));
        let theirs = net(&[(labels::PROJECT, "q")]);
        assert!(matches!(network("p", "p_default", "h", &[theirs]), Resolution::Adopt { warning: Some(_), .. }));
        assert_eq!(network("p", "p_default", "h", &[]), Resolution::Retry);
    }

    #[test]
    fn of_two_networks_of_ours_sharing_a_name_the_lowest_id_stays() {
        let mut a = net(&[(labels::PROJECT, "p")]);
        a.id = "b2".into();
        let mut b = a.clone();
        b.id = "a1".into();
        assert_eq!(duplicate_networks("p", &[&a, &b]), vec!["b2".to_string()]);
        assert!(duplicate_networks("p", &[&a]).is_empty());
        let mut theirs = net(&[(labels::PROJECT, "q")]);
        theirs.id = "0".into();
        assert_eq!(duplicate_networks("p", &[&theirs, &a]), vec!["b2".to_string()]);
        assert!(duplicate_networks("q", &[&a, &b]).is_empty());
    }
}
