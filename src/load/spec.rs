//! The compose file format as data: which keys exist where and what each accepts. Drives
//! validation and generates `schema/compose.schema.json`.
//!
//! The description accepts a file after interpolation and before canonicalisation, so every
//! place that has a short and a long syntax lists both as alternatives.

use serde_json::{json, Map as JsonMap, Value as Json};

/// What a value may be.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    Any,
    Null,
    Str,
    /// An integer within the optional bounds; a string holding one is cast.
    Int(Option<i64>, Option<i64>),
    /// Any number; a string holding one is cast.
    Num,
    /// A boolean; `yes`/`no`/`on`/`off`/`true`/`false` strings are cast.
    Bool,
    /// A string, number, boolean or null, as accepted for environment and label values.
    Scalar,
    /// A Go duration string such as `1m30s`.
    Duration,
    /// A byte size: an integer of at least the given minimum, or a string such as `512m`.
    Bytes(i64),
    Enum(&'static [&'static str]),
    /// A string checked by a function, for values richer than an enumeration.
    Check(Check),
    /// A string that must hold a match of the check's (unanchored) pattern; reported as the
    /// reference reports a schema `pattern`.
    Pattern(Check),
    List(&'static Shape),
    /// A list (the inner shape) whose items must differ, where the reference enforces the
    /// schema's `uniqueItems` (it does not where it merges repeated items first).
    Unique(&'static Shape),
    /// A mapping from any key to the shape.
    Map(&'static Shape),
    /// A mapping from non-empty keys to the shape (`patternProperties: {".+": …}`).
    Dict(&'static Shape),
    /// A mapping from resource names (`[a-zA-Z0-9._-]+`) to the shape.
    Names(&'static Shape),
    Obj(Obj),
    /// The first alternative that accepts the value wins.
    OneOf(&'static [Shape]),
    /// A named shape, a definition of its own in the JSON Schema.
    Def(&'static str, &'static Shape),
}

/// A mapping with known keys.
#[derive(Debug, Clone, Copy)]
pub struct Obj {
    pub fields: &'static [(&'static str, Shape)],
    pub required: &'static [&'static str],
    /// Whether `x-` extension keys are allowed.
    pub ext: bool,
}

impl Obj {
    pub fn field(&self, key: &str) -> Option<&'static Shape> {
        self.fields.iter().find(|(k, _)| *k == key).map(|(_, s)| s)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Check {
    /// The accepted values, for messages: `'no', 'always', …`.
    pub expected: &'static str,
    /// The same as an ECMA-262 regex, for the JSON Schema.
    pub pattern: &'static str,
    pub test: fn(&str) -> bool,
}

const fn obj(fields: &'static [(&'static str, Shape)]) -> Shape {
    Shape::Obj(Obj {
        fields,
        required: &[],
        ext: true,
    })
}

const fn strict(fields: &'static [(&'static str, Shape)]) -> Shape {
    Shape::Obj(Obj {
        fields,
        required: &[],
        ext: false,
    })
}

/// The same object with required keys; only meant for `Shape::Obj`.
const fn req(shape: Shape, required: &'static [&'static str]) -> Shape {
    match shape {
        Shape::Obj(o) => Shape::Obj(Obj { required, ..o }),
        other => other,
    }
}

const fn list(item: &'static Shape) -> Shape {
    Shape::List(item)
}

const STR: Shape = Shape::Str;
const BOOL: Shape = Shape::Bool;
const NUM: Shape = Shape::Num;
const INT: Shape = Shape::Int(None, None);
const UINT: Shape = Shape::Int(Some(0), None);
const DURATION: Shape = Shape::Duration;
const BYTES: Shape = Shape::Bytes(0);
const STR_OR_NUM: Shape = Shape::OneOf(&[STR, NUM]);
const STR_OR_INT: Shape = Shape::OneOf(&[STR, INT]);
const STRINGS: Shape = list(&STR);
const LIST_OF_STRINGS: Shape = Shape::Def("list_of_strings", &STRINGS);
/// The reference checks `uniqueItems` only on the lists it does not merge before validating;
/// which those are was observed, list by list, with its `config`.
const UNIQUE_STRINGS: Shape = Shape::Def("unique_list_of_strings", &Shape::Unique(&STRINGS));
const STRING_OR_LIST: Shape = Shape::Def("string_or_list", &Shape::OneOf(&[STR, LIST_OF_STRINGS]));
const STRING_OR_UNIQUE_LIST: Shape =
    Shape::Def("string_or_unique_list", &Shape::OneOf(&[STR, UNIQUE_STRINGS]));
const LIST_OR_DICT: Shape = Shape::Def(
    "list_or_dict",
    &Shape::OneOf(&[Shape::Dict(&Shape::Scalar), LIST_OF_STRINGS]),
);
const UNIQUE_LIST_OR_DICT: Shape = Shape::Def(
    "unique_list_or_dict",
    &Shape::OneOf(&[Shape::Dict(&Shape::Scalar), UNIQUE_STRINGS]),
);
const EXTRA_HOSTS: Shape = Shape::Def(
    "extra_hosts",
    &Shape::OneOf(&[Shape::Dict(&Shape::OneOf(&[STR, STRINGS])), UNIQUE_STRINGS]),
);
const DRIVER_OPTS: Shape = Shape::Map(&STR_OR_NUM);
const COMMAND: Shape = Shape::Def("command", &Shape::OneOf(&[Shape::Null, STR, STRINGS]));

const ULIMITS: Shape = Shape::Def(
    "ulimits",
    &Shape::Map(&Shape::OneOf(&[
        INT,
        req(obj(&[("hard", INT), ("soft", INT)]), &["soft", "hard"]),
    ])),
);

const EXTERNAL: Shape = Shape::Def("external", &Shape::OneOf(&[BOOL, obj(&[("name", STR)])]));

const SERVICE_HOOK: Shape = Shape::Def(
    "service_hook",
    &req(
        obj(&[
            ("command", COMMAND),
            ("user", STR),
            ("privileged", BOOL),
            ("working_dir", STR),
            ("environment", UNIQUE_LIST_OR_DICT),
        ]),
        &["command"],
    ),
);

const PRE_START_HOOK: Shape = Shape::Def(
    "pre_start_hook",
    &obj(&[
        ("command", COMMAND),
        ("image", STR),
        ("user", STR),
        ("privileged", BOOL),
        ("working_dir", STR),
        ("environment", UNIQUE_LIST_OR_DICT),
        ("per_replica", BOOL),
    ]),
);

const CONFIG_OR_SECRET_REF: Shape = Shape::Def(
    "service_config_or_secret",
    &list(&Shape::OneOf(&[
        STR,
        obj(&[
            ("source", STR),
            ("target", STR),
            ("uid", STR),
            ("gid", STR),
            ("mode", STR_OR_NUM),
        ]),
    ])),
);

const DEVICE_COUNT: Shape = Shape::OneOf(&[
    INT,
    Shape::Check(Check {
        expected: "'all' or a number",
        pattern: "^(all|[0-9]+)$",
        test: is_device_count,
    }),
]);

const DEVICE_REQUEST: Shape = obj(&[
    ("capabilities", UNIQUE_STRINGS),
    ("count", DEVICE_COUNT),
    ("device_ids", UNIQUE_STRINGS),
    ("driver", STR),
    ("options", UNIQUE_LIST_OR_DICT),
]);

const DEVICES: Shape = Shape::Def("devices", &list(&req(DEVICE_REQUEST, &["capabilities"])));

const GPUS: Shape = Shape::Def(
    "gpus",
    &Shape::OneOf(&[Shape::Enum(&["all"]), list(&DEVICE_REQUEST)]),
);

const UPDATE_CONFIG: Shape = obj(&[
    ("parallelism", INT),
    ("delay", DURATION),
    ("failure_action", STR),
    ("monitor", DURATION),
    ("max_failure_ratio", NUM),
    ("order", Shape::Enum(&["start-first", "stop-first"])),
]);

const DEPLOYMENT: Shape = Shape::Def(
    "deployment",
    &Shape::OneOf(&[
        Shape::Null,
        obj(&[
            ("mode", STR),
            ("endpoint_mode", STR),
            ("replicas", UINT),
            ("labels", LIST_OR_DICT),
            ("rollback_config", UPDATE_CONFIG),
            ("update_config", UPDATE_CONFIG),
            (
                "resources",
                obj(&[
                    ("limits", obj(&[("cpus", NUM), ("memory", BYTES), ("pids", INT)])),
                    (
                        "reservations",
                        obj(&[
                            ("cpus", NUM),
                            ("memory", BYTES),
                            ("generic_resources", GENERIC_RESOURCES),
                            ("devices", DEVICES),
                        ]),
                    ),
                ]),
            ),
            (
                "restart_policy",
                obj(&[
                    ("condition", Shape::Enum(&["none", "on-failure", "any"])),
                    ("delay", DURATION),
                    ("max_attempts", INT),
                    ("window", DURATION),
                ]),
            ),
            (
                "placement",
                obj(&[
                    ("constraints", STRINGS),
                    ("preferences", list(&obj(&[("spread", STR)]))),
                    ("max_replicas_per_node", INT),
                ]),
            ),
        ]),
    ]),
);

const GENERIC_RESOURCES: Shape = Shape::Def(
    "generic_resources",
    &list(&obj(&[(
        "discrete_resource_spec",
        obj(&[("kind", STR), ("value", NUM)]),
    )])),
);

const WATCH_ACTIONS: &[&str] = &["rebuild", "sync", "restart", "sync+restart", "sync+exec"];

const DEVELOPMENT: Shape = Shape::Def(
    "development",
    &Shape::OneOf(&[
        Shape::Null,
        obj(&[(
            "watch",
            list(&req(
                obj(&[
                    ("ignore", STRING_OR_UNIQUE_LIST),
                    ("include", STRING_OR_UNIQUE_LIST),
                    ("path", STR),
                    ("action", Shape::Enum(WATCH_ACTIONS)),
                    ("target", STR),
                    ("exec", SERVICE_HOOK),
                    ("initial_sync", BOOL),
                ]),
                &["path", "action"],
            )),
        )]),
    ]),
);

const HEALTHCHECK: Shape = Shape::Def(
    "healthcheck",
    &obj(&[
        ("disable", BOOL),
        ("interval", DURATION),
        ("retries", UINT),
        ("test", Shape::OneOf(&[STR, STRINGS])),
        ("timeout", DURATION),
        ("start_period", DURATION),
        ("start_interval", DURATION),
    ]),
);

const BUILD: Shape = Shape::OneOf(&[
    STR,
    obj(&[
        ("context", STR),
        ("dockerfile", STR),
        ("dockerfile_inline", STR),
        ("entitlements", STRINGS),
        ("args", LIST_OR_DICT),
        ("ssh", UNIQUE_LIST_OR_DICT),
        ("labels", LIST_OR_DICT),
        ("cache_from", STRINGS),
        ("cache_to", STRINGS),
        ("no_cache", BOOL),
        ("no_cache_filter", STRING_OR_UNIQUE_LIST),
        ("additional_contexts", LIST_OR_DICT),
        ("network", STR),
        ("provenance", Shape::OneOf(&[STR, BOOL])),
        ("sbom", Shape::OneOf(&[STR, BOOL])),
        ("pull", BOOL),
        ("target", STR),
        ("shm_size", BYTES),
        ("extra_hosts", EXTRA_HOSTS),
        ("isolation", STR),
        ("privileged", BOOL),
        ("secrets", CONFIG_OR_SECRET_REF),
        ("tags", STRINGS),
        ("ulimits", ULIMITS),
        ("platforms", STRINGS),
    ]),
]);

const BLKIO_LIMIT: Shape = Shape::Def("blkio_limit", &strict(&[("path", STR), ("rate", BYTES)]));
const BLKIO_WEIGHT: Shape = Shape::Def("blkio_weight", &strict(&[("path", STR), ("weight", INT)]));

const BLKIO_CONFIG: Shape = strict(&[
    ("device_read_bps", list(&BLKIO_LIMIT)),
    ("device_read_iops", list(&BLKIO_LIMIT)),
    ("device_write_bps", list(&BLKIO_LIMIT)),
    ("device_write_iops", list(&BLKIO_LIMIT)),
    ("weight", INT),
    ("weight_device", list(&BLKIO_WEIGHT)),
]);

const DEPENDS_ON: Shape = Shape::OneOf(&[
    UNIQUE_STRINGS,
    Shape::Names(&req(
        obj(&[
            ("restart", BOOL),
            ("required", BOOL),
            (
                "condition",
                Shape::Enum(&[
                    "service_started",
                    "service_healthy",
                    "service_completed_successfully",
                ]),
            ),
        ]),
        &["condition"],
    )),
]);

const ENV_FILE: Shape = Shape::Def(
    "env_file",
    &Shape::OneOf(&[
        STR,
        list(&Shape::OneOf(&[
            STR,
            req(
                strict(&[("path", STR), ("format", STR), ("required", BOOL)]),
                &["path"],
            ),
        ])),
    ]),
);

const SERVICE_NETWORKS: Shape = Shape::OneOf(&[
    UNIQUE_STRINGS,
    Shape::Names(&Shape::OneOf(&[
        Shape::Null,
        obj(&[
            ("aliases", LIST_OF_STRINGS),
            ("interface_name", STR),
            ("ipv4_address", STR),
            ("ipv6_address", STR),
            ("link_local_ips", LIST_OF_STRINGS),
            ("mac_address", STR),
            ("driver_opts", DRIVER_OPTS),
            ("priority", INT),
            ("gw_priority", INT),
        ]),
    ])),
]);

const SERVICE_MODELS: Shape = Shape::OneOf(&[
    UNIQUE_STRINGS,
    Shape::Names(&Shape::OneOf(&[
        Shape::Null,
        obj(&[("endpoint_var", STR), ("model_var", STR)]),
    ])),
]);

const PORT: Shape = Shape::OneOf(&[
    UINT,
    STR,
    obj(&[
        ("name", STR),
        ("mode", STR),
        ("host_ip", STR),
        ("target", UINT),
        ("published", STR_OR_INT),
        ("protocol", STR),
        ("app_protocol", STR),
    ]),
]);

const VOLUME_MOUNT: Shape = Shape::OneOf(&[
    STR,
    req(
        obj(&[
            (
                "type",
                Shape::Enum(&["bind", "volume", "tmpfs", "cluster", "npipe", "image"]),
            ),
            ("source", STR),
            ("target", STR),
            ("read_only", BOOL),
            ("consistency", STR),
            (
                "bind",
                obj(&[
                    ("propagation", STR),
                    ("create_host_path", BOOL),
                    (
                        "recursive",
                        Shape::Enum(&["enabled", "disabled", "writable", "readonly"]),
                    ),
                    ("selinux", Shape::Enum(&["z", "Z"])),
                ]),
            ),
            (
                "volume",
                obj(&[("labels", UNIQUE_LIST_OR_DICT), ("nocopy", BOOL), ("subpath", STR)]),
            ),
            ("tmpfs", obj(&[("size", BYTES), ("mode", STR_OR_NUM)])),
            ("image", obj(&[("subpath", STR)])),
        ]),
        &["type"],
    ),
]);

const PROVIDER_OPTION: Shape = Shape::OneOf(&[STR, NUM, BOOL, list(&Shape::OneOf(&[STR, NUM, BOOL]))]);

const RESTART: Shape = Shape::Check(Check {
    expected: "'no', 'always', 'on-failure[:max-retries]', 'unless-stopped'",
    pattern: "^(|no|always|unless-stopped|on-failure(:[0-9]+)?)$",
    test: is_restart_policy,
});

const CONTAINER_NAME: Shape = Shape::Pattern(Check {
    expected: "a name of at least two letters, digits, `_`, `.` or `-`, starting with a letter or digit",
    pattern: "[a-zA-Z0-9][a-zA-Z0-9_.-]+",
    test: holds_container_name,
});

const PULL_POLICY: Shape = Shape::Check(Check {
    expected: "'always', 'never', 'build', 'if_not_present', 'missing', 'refresh', 'daily', 'weekly', 'every_<duration>'",
    pattern: "^(always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+)$",
    test: is_pull_policy,
});

const SERVICE_FIELDS: &[(&str, Shape)] = &[
    ("annotations", LIST_OR_DICT),
    ("attach", BOOL),
    ("blkio_config", BLKIO_CONFIG),
    ("build", BUILD),
    ("cap_add", STRINGS),
    ("cap_drop", STRINGS),
    ("cgroup", Shape::Enum(&["host", "private"])),
    ("cgroup_parent", STR),
    ("command", COMMAND),
    ("configs", CONFIG_OR_SECRET_REF),
    ("container_name", CONTAINER_NAME),
    ("cpu_count", UINT),
    ("cpu_percent", Shape::Int(Some(0), Some(100))),
    ("cpu_period", INT),
    ("cpu_quota", INT),
    ("cpu_rt_period", INT),
    ("cpu_rt_runtime", INT),
    ("cpu_shares", INT),
    ("cpus", NUM),
    ("cpuset", STR),
    (
        "credential_spec",
        obj(&[("config", STR), ("file", STR), ("registry", STR)]),
    ),
    ("depends_on", DEPENDS_ON),
    ("deploy", DEPLOYMENT),
    ("develop", DEVELOPMENT),
    ("device_cgroup_rules", UNIQUE_STRINGS),
    (
        "devices",
        list(&Shape::OneOf(&[
            STR,
            req(
                obj(&[("source", STR), ("target", STR), ("permissions", STR)]),
                &["source"],
            ),
        ])),
    ),
    ("dns", STRING_OR_LIST),
    ("dns_opt", STRINGS),
    ("dns_search", STRING_OR_LIST),
    ("domainname", STR),
    ("entrypoint", COMMAND),
    ("env_file", ENV_FILE),
    ("environment", LIST_OR_DICT),
    ("expose", list(&STR_OR_NUM)),
    (
        "extends",
        Shape::OneOf(&[STR, req(strict(&[("service", STR), ("file", STR)]), &["service"])]),
    ),
    ("external_links", UNIQUE_STRINGS),
    ("extra_hosts", EXTRA_HOSTS),
    ("gpus", GPUS),
    ("group_add", Shape::Unique(&list(&STR_OR_NUM))),
    ("healthcheck", HEALTHCHECK),
    ("hostname", STR),
    ("image", STR),
    ("init", BOOL),
    ("ipc", STR),
    ("isolation", STR),
    ("label_file", Shape::OneOf(&[STR, STRINGS])),
    ("labels", LIST_OR_DICT),
    ("links", STRINGS),
    (
        "logging",
        obj(&[
            ("driver", STR),
            ("options", Shape::Map(&Shape::OneOf(&[STR, NUM, Shape::Null]))),
        ]),
    ),
    ("mac_address", STR),
    ("mem_limit", BYTES),
    ("mem_reservation", BYTES),
    // Unbounded, as the reference: the engine checks the range when it creates the container.
    ("mem_swappiness", INT),
    // -1 means unlimited swap.
    ("memswap_limit", Shape::Bytes(-1)),
    ("models", SERVICE_MODELS),
    ("network_mode", STR),
    ("networks", SERVICE_NETWORKS),
    ("oom_kill_disable", BOOL),
    ("oom_score_adj", Shape::Int(Some(-1000), Some(1000))),
    ("pid", Shape::OneOf(&[STR, Shape::Null])),
    ("pids_limit", INT),
    ("platform", STR),
    ("ports", list(&PORT)),
    ("post_start", list(&SERVICE_HOOK)),
    ("pre_start", list(&PRE_START_HOOK)),
    ("pre_stop", list(&SERVICE_HOOK)),
    ("privileged", BOOL),
    ("profiles", LIST_OF_STRINGS),
    (
        "provider",
        req(
            obj(&[("type", STR), ("options", Shape::Map(&PROVIDER_OPTION))]),
            &["type"],
        ),
    ),
    ("pull_policy", PULL_POLICY),
    ("pull_refresh_after", STR),
    ("read_only", BOOL),
    ("restart", RESTART),
    ("runtime", STR),
    ("scale", UINT),
    ("secrets", CONFIG_OR_SECRET_REF),
    ("security_opt", UNIQUE_STRINGS),
    ("shm_size", BYTES),
    ("stdin_open", BOOL),
    ("stop_grace_period", DURATION),
    ("stop_signal", STR),
    ("storage_opt", Shape::Map(&Shape::Any)),
    ("sysctls", LIST_OR_DICT),
    ("tmpfs", STRING_OR_LIST),
    ("tty", BOOL),
    ("ulimits", ULIMITS),
    ("use_api_socket", BOOL),
    ("user", STR),
    ("userns_mode", STR),
    ("uts", STR),
    ("volumes", list(&VOLUME_MOUNT)),
    ("volumes_from", UNIQUE_STRINGS),
    ("working_dir", STR),
];

const SERVICE: Shape = Shape::Def(
    "service",
    &Shape::Obj(Obj {
        fields: SERVICE_FIELDS,
        required: &[],
        ext: true,
    }),
);

const NETWORK: Shape = Shape::Def(
    "network",
    &Shape::OneOf(&[
        Shape::Null,
        obj(&[
            ("name", STR),
            ("driver", STR),
            ("driver_opts", DRIVER_OPTS),
            (
                "ipam",
                obj(&[
                    ("driver", STR),
                    (
                        "config",
                        list(&obj(&[
                            ("subnet", STR),
                            ("ip_range", STR),
                            ("gateway", STR),
                            ("aux_addresses", Shape::Map(&STR)),
                        ])),
                    ),
                    ("options", Shape::Map(&STR)),
                ]),
            ),
            ("external", EXTERNAL),
            ("internal", BOOL),
            ("enable_ipv4", BOOL),
            ("enable_ipv6", BOOL),
            ("attachable", BOOL),
            ("labels", LIST_OR_DICT),
        ]),
    ]),
);

const VOLUME: Shape = Shape::Def(
    "volume",
    &Shape::OneOf(&[
        Shape::Null,
        obj(&[
            ("name", STR),
            ("driver", STR),
            ("driver_opts", DRIVER_OPTS),
            ("external", EXTERNAL),
            ("labels", UNIQUE_LIST_OR_DICT),
        ]),
    ]),
);

const SECRET: Shape = Shape::Def(
    "secret",
    &obj(&[
        ("name", STR),
        ("environment", STR),
        ("file", STR),
        ("external", EXTERNAL),
        ("labels", UNIQUE_LIST_OR_DICT),
        ("driver", STR),
        ("driver_opts", DRIVER_OPTS),
        ("template_driver", STR),
    ]),
);

const CONFIG: Shape = Shape::Def(
    "config",
    &obj(&[
        ("name", STR),
        ("content", STR),
        ("environment", STR),
        ("file", STR),
        ("external", EXTERNAL),
        ("labels", UNIQUE_LIST_OR_DICT),
        ("template_driver", STR),
    ]),
);

const MODEL: Shape = Shape::Def(
    "model",
    &req(
        obj(&[
            ("name", STR),
            ("model", STR),
            ("context_size", INT),
            ("runtime_flags", STRINGS),
        ]),
        &["model"],
    ),
);

const INCLUDE: Shape = Shape::Def(
    "include",
    &Shape::OneOf(&[
        STR,
        strict(&[
            ("path", STRING_OR_LIST),
            ("env_file", STRING_OR_LIST),
            ("project_directory", STR),
        ]),
    ]),
);

/// A whole compose file.
pub const COMPOSE: Shape = obj(&[
    ("version", STR),
    ("name", STR),
    ("include", list(&INCLUDE)),
    ("services", Shape::Names(&SERVICE)),
    ("networks", Shape::Names(&NETWORK)),
    ("volumes", Shape::Names(&VOLUME)),
    ("secrets", Shape::Names(&SECRET)),
    ("configs", Shape::Names(&CONFIG)),
    ("models", Shape::Names(&MODEL)),
]);

/// The properties a service accepts, for keeping the typed model in sync.
pub fn service_keys() -> Vec<&'static str> {
    SERVICE_FIELDS.iter().map(|(k, _)| *k).collect()
}

/// Resource names: services, networks, volumes, secrets, configs, models.
pub fn is_resource_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// "" is no policy: what an unset `${RESTART}` leaves, which the reference drops.
fn is_restart_policy(s: &str) -> bool {
    match s.strip_prefix("on-failure") {
        Some("") => true,
        Some(rest) => rest.strip_prefix(':').is_some_and(is_digits),
        None => matches!(s, "" | "no" | "always" | "unless-stopped"),
    }
}

fn is_pull_policy(s: &str) -> bool {
    if let Some(every) = s.strip_prefix("every_") {
        return is_interval(every);
    }
    matches!(
        s,
        "always" | "never" | "build" | "if_not_present" | "missing" | "refresh" | "daily" | "weekly"
    )
}

/// `([0-9]+[wdhms])+`, the interval of `every_<interval>`.
fn is_interval(s: &str) -> bool {
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let unit = rest[digits..].chars().next();
        if digits == 0 || !matches!(unit, Some('w' | 'd' | 'h' | 'm' | 's')) {
            return false;
        }
        rest = &rest[digits + 1..];
    }
    !s.is_empty()
}

/// Whether `s` holds a match of `[a-zA-Z0-9][a-zA-Z0-9_.-]+` anywhere: the schema's pattern
/// is not anchored, so `/web` passes and `a` or `a b` do not.
fn holds_container_name(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(2).any(|w| w[0].is_ascii_alphanumeric() && (w[1].is_ascii_alphanumeric() || b"_.-".contains(&w[1])))
}

fn is_device_count(s: &str) -> bool {
    s == "all" || is_digits(s)
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The JSON Schema (draft-07) of the format. Editors see files before interpolation, so
/// wherever a value is cast, a string is accepted too.
pub fn json_schema() -> Json {
    let mut defs = JsonMap::new();
    let mut root = schema_of(&COMPOSE, &mut defs);
    if let Json::Object(m) = &mut root {
        let mut out = JsonMap::new();
        out.insert("$schema".into(), json!("http://json-schema.org/draft-07/schema#"));
        out.insert("$id".into(), json!("compose.schema.json"));
        out.insert("title".into(), json!("Compose file, as accepted by dockhand"));
        out.extend(std::mem::take(m));
        out.insert("definitions".into(), Json::Object(defs));
        return Json::Object(out);
    }
    root
}

fn schema_of(shape: &Shape, defs: &mut JsonMap<String, Json>) -> Json {
    match shape {
        Shape::Any => json!({}),
        Shape::Null => json!({"type": "null"}),
        Shape::Str | Shape::Duration => json!({"type": "string"}),
        Shape::Int(min, max) => bounded(json!({"type": ["integer", "string"]}), *min, *max),
        Shape::Num => json!({"type": ["number", "string"]}),
        Shape::Bool => json!({"type": ["boolean", "string"]}),
        Shape::Scalar => json!({"type": ["string", "number", "boolean", "null"]}),
        Shape::Bytes(min) => bounded(json!({"type": ["integer", "string"]}), Some(*min), None),
        Shape::Enum(values) => json!({"type": "string", "enum": values}),
        Shape::Check(c) | Shape::Pattern(c) => json!({"type": "string", "pattern": c.pattern}),
        Shape::List(item) => json!({"type": "array", "items": schema_of(item, defs)}),
        Shape::Unique(list) => {
            let mut s = schema_of(list, defs);
            if let Json::Object(m) = &mut s {
                m.insert("uniqueItems".into(), json!(true));
            }
            s
        }
        Shape::Map(value) => json!({"type": "object", "additionalProperties": schema_of(value, defs)}),
        Shape::Dict(value) => json!({
            "type": "object",
            "patternProperties": {".+": schema_of(value, defs)},
            "additionalProperties": false,
        }),
        Shape::Names(value) => json!({
            "type": "object",
            "patternProperties": {"^[a-zA-Z0-9._-]+$": schema_of(value, defs)},
            "additionalProperties": false,
        }),
        Shape::Obj(o) => object_schema(o, defs),
        Shape::OneOf(alts) => json!({"anyOf": alts.iter().map(|a| schema_of(a, defs)).collect::<Vec<_>>()}),
        Shape::Def(name, inner) => {
            if !defs.contains_key(*name) {
                // Reserve the name first: a definition may refer to itself through others.
                defs.insert((*name).into(), Json::Null);
                let s = schema_of(inner, defs);
                defs.insert((*name).into(), s);
            }
            json!({"$ref": format!("#/definitions/{name}")})
        }
    }
}

fn bounded(mut s: Json, min: Option<i64>, max: Option<i64>) -> Json {
    if let Some(m) = min {
        s["minimum"] = json!(m);
    }
    if let Some(m) = max {
        s["maximum"] = json!(m);
    }
    s
}

fn object_schema(o: &Obj, defs: &mut JsonMap<String, Json>) -> Json {
    let props: JsonMap<String, Json> = o
        .fields
        .iter()
        .map(|(k, s)| ((*k).to_string(), schema_of(s, defs)))
        .collect();
    let mut s = json!({"type": "object", "properties": props});
    if !o.required.is_empty() {
        s["required"] = json!(o.required);
    }
    if o.ext {
        s["patternProperties"] = json!({"^x-": {}});
    }
    s["additionalProperties"] = json!(false);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restart_policies() {
        for ok in ["", "no", "always", "unless-stopped", "on-failure", "on-failure:3"] {
            assert!(is_restart_policy(ok), "{ok}");
        }
        for bad in [
            "never",
            "on-failure:",
            "on-failure:x",
            "on-failure3",
            "Always",
        ] {
            assert!(!is_restart_policy(bad), "{bad}");
        }
    }

    #[test]
    fn pull_policies() {
        for ok in ["always", "missing", "daily", "every_12h", "every_1d30m"] {
            assert!(is_pull_policy(ok), "{ok}");
        }
        for bad in ["sometimes", "every_", "every_h", "every_12", "every_12x"] {
            assert!(!is_pull_policy(bad), "{bad}");
        }
    }

    #[test]
    fn covers_every_service_property_of_the_official_schema() {
        let Some(path) = crate::conformance::path("compose-spec.json") else { return };
        let official: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let theirs = official["$defs"]["service"]["properties"].as_object().unwrap();
        let ours = service_keys();
        let missing: Vec<_> = theirs.keys().filter(|k| !ours.contains(&k.as_str())).collect();
        let extra: Vec<_> = ours.iter().filter(|k| !theirs.contains_key(**k)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "missing {missing:?}, extra {extra:?}"
        );
        let top = official["properties"].as_object().unwrap();
        let Shape::Obj(compose) = COMPOSE else { panic!() };
        for k in top.keys() {
            assert!(compose.field(k).is_some(), "top-level {k}");
        }
    }
}
