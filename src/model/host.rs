//! Settings of a container's host side that a service and its build share.
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize, Serializer};

/// A ulimit: one number for both limits, or soft and hard apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Ulimit {
    Single(i64),
    Pair { soft: i64, hard: i64 },
}

/// As the reference writes it: a single number unless it is zero, else `{soft, hard}`
/// without its zero fields (`nofile: 0` is `{}`).
impl Serialize for Ulimit {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (soft, hard) = match *self {
            Ulimit::Single(n) if n != 0 => return s.serialize_i64(n),
            Ulimit::Single(_) => (0, 0),
            Ulimit::Pair { soft, hard } => (soft, hard),
        };
        let fields = [("soft", soft), ("hard", hard)];
        let mut m = s.serialize_map(Some(fields.iter().filter(|(_, n)| *n != 0).count()))?;
        for (k, n) in fields.iter().filter(|(_, n)| *n != 0) {
            m.serialize_entry(k, n)?;
        }
        m.end()
    }
}

/// `extra_hosts`: host name → addresses. Printed as sorted `host=ip` strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ExtraHosts(pub BTreeMap<String, Vec<String>>);

impl ExtraHosts {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for ExtraHosts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut all: Vec<String> = self
            .0
            .iter()
            .flat_map(|(h, ips)| ips.iter().map(move |ip| format!("{h}={ip}")))
            .collect();
        // The reference sorts the `host=ip` strings, not the hosts: `a-b=…` before `a=…`.
        all.sort();
        s.collect_seq(all)
    }
}
