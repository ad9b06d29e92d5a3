//! Short volume syntax (`[source:]target[:options]`) to long form.
use crate::load::{Mapping, Value};

const PROPAGATION: [&str; 6] = ["shared", "rshared", "slave", "rslave", "private", "rprivate"];

pub fn parse_volume(spec: &str) -> Result<Value, String> {
    if spec.is_empty() {
        return Err("invalid empty volume spec".to_string());
    }
    // The reference takes a spec this short as a bare anonymous volume target, as is.
    if spec.len() <= 2 {
        return Ok(mapping(vec![("type", "volume".into()), ("target", spec.into())]));
    }
    let parts = split_spec(spec);
    if parts.iter().any(|p| p.is_empty()) && parts.len() <= 3 {
        return Err(format!("invalid spec: {spec}: empty section between colons"));
    }
    Ok(match parts.as_slice() {
        [target] => mapping(vec![
            ("type", "volume".into()),
            ("target", clean(target).into()),
            ("volume", Value::Mapping(Mapping::new())),
        ]),
        [source, target] => with_source(source, target, ""),
        [source, target, options] => with_source(source, target, options),
        _ => return Err(format!("invalid spec: {spec}: too many colons")),
    })
}

fn with_source(source: &str, target: &str, options: &str) -> Value {
    let is_bind = is_file_path(source);
    let mut read_only = false;
    let mut bind = Mapping::new();
    let mut volume = Mapping::new();
    for opt in options.split(',').filter(|o| !o.is_empty()) {
        match opt {
            "ro" => read_only = true,
            "rw" => read_only = false,
            "nocopy" if !is_bind => {
                volume.insert("nocopy".into(), true.into());
            }
            "z" | "Z" => {
                bind.insert("selinux".into(), opt.into());
            }
            p if PROPAGATION.contains(&p) => {
                bind.insert("propagation".into(), p.into());
            }
            _ => {}
        }
    }
    let mut fields = vec![
        ("type", if is_bind { "bind" } else { "volume" }.into()),
        ("source", source.into()),
        ("target", clean(target).into()),
    ];
    if read_only {
        fields.push(("read_only", true.into()));
    }
    if is_bind || !bind.is_empty() {
        fields.push(("bind", Value::Mapping(bind)));
    }
    if !is_bind {
        fields.push(("volume", Value::Mapping(volume)));
    }
    mapping(fields)
}

/// Splits on `:` but keeps a Windows drive letter (`C:\x`, `C:/x`) with its path, and an
/// uninterpolated `${VAR:-default}` in one piece.
fn split_spec(spec: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for piece in split_outside_variables(spec) {
        let joins_drive = parts.last().is_some_and(|p| is_drive_letter(p))
            && (piece.starts_with('\\') || piece.starts_with('/'))
            && parts.len() == 1
            && !parts[0].contains(':');
        match parts.last_mut() {
            Some(last) if joins_drive => {
                last.push(':');
                last.push_str(piece);
            }
            _ => parts.push(piece.to_string()),
        }
    }
    parts
}

fn split_outside_variables(spec: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    let bytes = spec.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'{' if i > 0 && bytes[i - 1] == b'$' => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            b':' if depth == 0 => {
                pieces.push(&spec[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&spec[start..]);
    pieces
}

fn is_drive_letter(s: &str) -> bool {
    s.len() == 1 && s.chars().all(|c| c.is_ascii_alphabetic())
}

/// What the reference binds from the host rather than takes as a volume name.
pub fn is_file_path(source: &str) -> bool {
    source.starts_with(['.', '/', '~', '\\'])
        || (source.len() > 2 && is_drive_letter(&source[..1]) && source[1..].starts_with([':']))
}

/// Lexical clean of a container path, like Go's `path.Clean`.
pub fn clean(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." if out.last().is_some_and(|s| *s != "..") => {
                out.pop();
            }
            ".." if rooted => {}
            s => out.push(s),
        }
    }
    let joined = out.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

fn mapping(fields: Vec<(&str, Value)>) -> Value {
    Value::Mapping(fields.into_iter().map(|(k, v)| (Value::from(k), v)).collect())
}
