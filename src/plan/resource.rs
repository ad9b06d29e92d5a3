//! What an action acts on, as plans print it (`container:web:1`, `network:default`).

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResourceId {
    /// One replica of a service.
    Container { service: String, number: u32 },
    /// The one-off container of `run`.
    OneOff(String),
    /// A network or volume by its key in the project (by its engine name once the project is
    /// known only from the engine).
    Network(String),
    Volume(String),
    /// An image by reference, or by id when it has no tag left.
    Image(String),
    /// A service as a whole: the gate on a dependency, or a Swarm service.
    Service(String),
    Config(String),
    Secret(String),
}

impl ResourceId {
    pub fn container(service: &str, number: u32) -> ResourceId {
        ResourceId::Container { service: service.to_string(), number }
    }
}

impl fmt::Display for ResourceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResourceId::Container { service, number } => write!(f, "container:{service}:{number}"),
            ResourceId::OneOff(service) => write!(f, "container:{service}:run"),
            ResourceId::Network(key) => write!(f, "network:{key}"),
            ResourceId::Volume(key) => write!(f, "volume:{key}"),
            ResourceId::Image(image) => write!(f, "image:{image}"),
            ResourceId::Service(name) => write!(f, "service:{name}"),
            ResourceId::Config(name) => write!(f, "config:{name}"),
            ResourceId::Secret(name) => write!(f, "secret:{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_print_as_kind_and_name() {
        assert_eq!(ResourceId::container("web", 1).to_string(), "container:web:1");
        assert_eq!(ResourceId::Network("default".into()).to_string(), "network:default");
        assert_eq!(ResourceId::Image("busybox:latest".into()).to_string(), "image:busybox:latest");
        assert_eq!(ResourceId::Service("db".into()).to_string(), "service:db");
        assert_eq!(ResourceId::Secret("token".into()).to_string(), "secret:token");
    }
}
