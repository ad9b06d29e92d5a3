//! Short port syntax (`[ip:][host[-host]:]container[-container][/proto]`) to long form.
use crate::load::{Mapping, Value};

/// One short spec becomes one entry per container port of a range.
pub fn parse_port(spec: &str) -> Result<Vec<Value>, String> {
    let (addr, proto) = match spec.rsplit_once('/') {
        Some((a, p)) => (a, p),
        None => (spec, "tcp"),
    };
    if !matches!(proto, "tcp" | "udp" | "sctp") {
        return Err(format!("invalid proto: {proto}"));
    }
    let (ip, host, container) = split_parts(addr);
    if container.is_empty() {
        return Err("no port specified: <empty>".to_string());
    }
    let ip = ip.trim_start_matches('[').trim_end_matches(']');
    if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
        return Err(format!("invalid IP address: {ip}"));
    }
    let targets = parse_range(container).ok_or_else(|| format!("invalid containerPort: {container}"))?;
    let published = match host {
        "" => None,
        h => Some(parse_range(h).ok_or_else(|| format!("invalid hostPort: {h}"))?),
    };
    let pairs = pair_up(targets, published).ok_or_else(|| {
        format!("invalid ranges specified for container and host Ports: {container} and {host}")
    })?;
    Ok(pairs
        .into_iter()
        .map(|(target, published)| entry(ip, target, published, proto))
        .collect())
}

/// `ip:host:container`, where the ip may itself contain colons (IPv6).
fn split_parts(addr: &str) -> (&str, &str, &str) {
    let parts: Vec<&str> = addr.split(':').collect();
    match parts.len() {
        1 => ("", "", parts[0]),
        2 => ("", parts[0], parts[1]),
        n => {
            let host_start = addr.len() - parts[n - 1].len() - parts[n - 2].len() - 1;
            (&addr[..host_start - 1], parts[n - 2], parts[n - 1])
        }
    }
}

fn parse_range(s: &str) -> Option<(u16, u16)> {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let (a, b): (u16, u16) = (a.parse().ok()?, b.parse().ok()?);
    (a <= b).then_some((a, b))
}

/// Container ports with the host ports they publish to (a host range for a single container
/// port is kept as a range: the engine picks one of them).
fn pair_up(targets: (u16, u16), published: Option<(u16, u16)>) -> Option<Vec<(u16, Option<String>)>> {
    let (t0, t1) = targets;
    match published {
        None => Some((t0..=t1).map(|t| (t, None)).collect()),
        Some((h0, h1)) if t0 == t1 => {
            let p = if h0 == h1 {
                h0.to_string()
            } else {
                format!("{h0}-{h1}")
            };
            Some(vec![(t0, Some(p))])
        }
        Some((h0, h1)) if h1 - h0 == t1 - t0 => Some(
            (t0..=t1)
                .map(|t| (t, Some((h0 + (t - t0)).to_string())))
                .collect(),
        ),
        Some(_) => None,
    }
}

fn entry(ip: &str, target: u16, published: Option<String>, proto: &str) -> Value {
    let mut m = Mapping::new();
    m.insert("mode".into(), "ingress".into());
    if !ip.is_empty() {
        m.insert("host_ip".into(), ip.into());
    }
    m.insert("target".into(), Value::from(target));
    if let Some(p) = published {
        m.insert("published".into(), p.into());
    }
    m.insert("protocol".into(), proto.into());
    Value::Mapping(m)
}
