//! The config hash of a service, stored in the `com.docker.compose.config-hash` label.
