//! Value types shared across the model: durations, byte sizes, file modes, extensions, and
//! lenient scalars (YAML writes `42` where the reference keeps the text `"42"`).
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use indexmap::IndexMap;
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_yaml::Value;

use crate::units;

/// `x-*` keys, kept in file order.
pub type Extensions = IndexMap<String, Value>;

/// String-valued mapping printed sorted by key (labels, sysctls, driver options…).
pub type StringMap = BTreeMap<String, String>;

/// A duration printed in Go's notation (`1m30s`), as the reference prints every duration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct GoDuration(pub Duration);

impl Serialize for GoDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&units::format_duration(self.0))
    }
}

impl<'de> Deserialize<'de> for GoDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Scalar::deserialize(d)? {
            Scalar::Str(s) => units::parse_duration(&s)
                .map(GoDuration)
                .map_err(de::Error::custom),
            // `0` is the one duration Go accepts without a unit.
            Scalar::Int(0) => Ok(GoDuration(Duration::ZERO)),
            other => Err(de::Error::custom(format!(
                "invalid duration {other}: a unit is required"
            ))),
        }
    }
}

/// A byte count; the reference prints it as a decimal string (`"52428800"`). Negative values
/// exist (`memswap_limit: -1` means unlimited).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ByteSize(pub i64);

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Scalar::deserialize(d)? {
            Scalar::Int(n) => Ok(ByteSize(n)),
            Scalar::Float(f) => Ok(ByteSize(f as i64)),
            Scalar::Str(s) => parse_size(&s).map(ByteSize).map_err(de::Error::custom),
            Scalar::Bool(b) => Err(de::Error::custom(format!("invalid size: {b}"))),
        }
    }
}

fn parse_size(s: &str) -> Result<i64, String> {
    if let Ok(n) = s.trim().parse::<i64>() {
        return Ok(n);
    }
    units::parse_bytes(s).and_then(|n| i64::try_from(n).map_err(|_| format!("size too large: '{s}'")))
}

/// A Unix file mode, printed in octal as the reference does for secrets and configs (`"0440"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileMode(pub u32);

impl Serialize for FileMode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("0{:o}", self.0))
    }
}

impl<'de> Deserialize<'de> for FileMode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Scalar::deserialize(d)? {
            Scalar::Int(n) => u32::try_from(n).map(FileMode).map_err(de::Error::custom),
            Scalar::Str(s) => parse_octal(&s).map(FileMode).map_err(de::Error::custom),
            other => Err(de::Error::custom(format!("invalid file mode {other}"))),
        }
    }
}

fn parse_octal(s: &str) -> Result<u32, String> {
    let digits = s.strip_prefix("0o").unwrap_or(s);
    u32::from_str_radix(digits, 8).map_err(|_| format!("invalid file mode '{s}'"))
}

/// Any YAML scalar, for fields where the reference accepts numbers and strings alike.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Int(n) => write!(f, "{n}"),
            Scalar::Float(x) => f.write_str(&crate::gofmt::go_float(*x)),
            Scalar::Str(s) => f.write_str(s),
        }
    }
}

/// Deserialises a string field that YAML may have typed as a number or bool.
pub fn lenient_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Scalar::deserialize(d).map(|s| s.to_string())
}

pub fn lenient_opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Option::<Scalar>::deserialize(d).map(|s| s.map(|s| s.to_string()))
}

pub fn lenient_string_map<'de, D: Deserializer<'de>>(d: D) -> Result<StringMap, D::Error> {
    let raw = Option::<BTreeMap<String, Option<Scalar>>>::deserialize(d)?.unwrap_or_default();
    Ok(raw
        .into_iter()
        .map(|(k, v)| (k, v.map(|s| s.to_string()).unwrap_or_default()))
        .collect())
}

pub fn lenient_string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let raw = Option::<Vec<Scalar>>::deserialize(d)?.unwrap_or_default();
    Ok(raw.into_iter().map(|s| s.to_string()).collect())
}

/// A list written as a single string (`dns: 8.8.8.8`) is a one-item list.
pub fn string_or_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(Scalar),
        Many(Vec<Scalar>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => Vec::new(),
        Some(OneOrMany::One(s)) => vec![s.to_string()],
        Some(OneOrMany::Many(v)) => v.into_iter().map(|s| s.to_string()).collect(),
    })
}

/// An integer field that YAML (or interpolation) may give as text (`"60"`).
pub fn lenient_opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    match Option::<Scalar>::deserialize(d)? {
        None => Ok(None),
        Some(Scalar::Int(n)) => Ok(Some(n)),
        Some(Scalar::Str(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("invalid integer '{s}'"))),
        Some(other) => Err(de::Error::custom(format!("invalid integer '{other}'"))),
    }
}

pub fn int_as_text<S: Serializer>(n: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match n {
        Some(n) => s.collect_str(n),
        None => s.serialize_none(),
    }
}

pub fn is_false(b: &bool) -> bool {
    !*b
}

pub fn is_true(b: &bool) -> bool {
    *b
}

pub fn is_zero_i64(n: &Option<i64>) -> bool {
    matches!(n, None | Some(0))
}

/// The reference leaves out a zero byte size (Go's `omitempty`): `mem_limit: 0` is no limit.
pub fn is_zero_size(n: &Option<ByteSize>) -> bool {
    matches!(n, None | Some(ByteSize(0)))
}

pub fn is_zero_f64(n: &Option<f64>) -> bool {
    n.is_none() || *n == Some(0.0)
}

/// Go's JSON and YAML encoders print a whole float without a fraction (`cpus: 1`, not `1.0`),
/// so `config` does too.
pub fn go_float<S: serde::Serializer>(n: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    match *n {
        // Whole and below 2^53: exactly representable as an integer.
        Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => s.serialize_i64(f as i64),
        Some(f) => s.serialize_f64(f),
        None => s.serialize_none(),
    }
}

pub fn yes() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_print_like_the_reference() {
        let s: ByteSize = serde_yaml::from_str("50M").unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"52428800\"");
        let d: GoDuration = serde_yaml::from_str("120s").unwrap();
        assert_eq!(serde_json::to_string(&d).unwrap(), "\"2m0s\"");
        let m: FileMode = serde_yaml::from_str("0o440").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"0440\"");
    }

    #[test]
    fn mem_swappiness_is_printed_as_text_like_the_reference() {
        #[derive(Serialize, Deserialize)]
        struct S {
            #[serde(default, deserialize_with = "lenient_opt_int", serialize_with = "int_as_text")]
            n: Option<i64>,
        }
        for input in ["n: 60", "n: '60'"] {
            let s: S = serde_yaml::from_str(input).unwrap();
            assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"n":"60"}"#);
        }
    }
}
